/*
 * sestab.c - session lookup tables: tunnel address -> session (the routing
 * table of the data path, IPv4 and IPv6 keys in one table) and identity ->
 * sessions (max_sessions_per_identity of them, all in one bucket's
 * chain). Chained hashing with the nodes
 * embedded in the session, so inserting never allocates; the bucket array
 * is sized once for max_clients and never rehashed.
 */
#include "server.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

/* A keyed mix (splitmix64 finaliser) over 8-byte words: cheap for the
 * 4- and 16-byte address keys of the per-packet lookup. */
static uint64_t mix(uint64_t h)
{
	h ^= h >> 30;
	h *= 0xbf58476d1ce4e5b9ull;
	h ^= h >> 27;
	h *= 0x94d049bb133111ebull;
	h ^= h >> 31;
	return h;
}

uint64_t sestab_hash_bytes(uint64_t seed, const uint8_t *p, size_t n)
{
	uint64_t h = seed ^ (n * 0x9e3779b97f4a7c15ull);

	while (n >= 8) {
		uint64_t v;
		memcpy(&v, p, 8);
		h = mix(h ^ v);
		p += 8;
		n -= 8;
	}
	if (n > 0) {
		uint64_t v = 0;
		memcpy(&v, p, n);
		h = mix(h ^ v ^ ((uint64_t)n << 56));
	}
	return mix(h);
}

static uint64_t hash_addr(const struct sestab *t, const struct ipaddr *a)
{
	return sestab_hash_bytes(t->seed + (uint64_t)a->family, a->bytes, addr_len(a));
}

static uint64_t hash_id(const struct sestab *t, const char *id)
{
	return sestab_hash_bytes(t->seed, (const uint8_t *)id, strlen(id));
}

int sestab_init(struct sestab *t, size_t expected)
{
	size_t n = 16;

	memset(t, 0, sizeof(*t));
	/* Load factor at most 1/2 at the expected size. */
	while (n < expected * 2 && n < ((size_t)1 << 20))
		n <<= 1;
	t->buckets = calloc(n, sizeof(*t->buckets));
	if (t->buckets == NULL)
		return -1;
	t->mask = n - 1;
	if (getrandom(&t->seed, sizeof(t->seed), GRND_NONBLOCK) != (ssize_t)sizeof(t->seed))
		t->seed = (uint64_t)(uintptr_t)t ^ 0x5bd1e9955bd1e995ull;
	return 0;
}

void sestab_deinit(struct sestab *t)
{
	free(t->buckets);
	t->buckets = NULL;
	t->count = 0;
}

static void insert(struct sestab *t, struct sestab_node *n)
{
	struct sestab_node **b = &t->buckets[n->hash & t->mask];

	n->next = *b;
	*b = n;
	t->count++;
}

void sestab_insert_addr(struct sestab *t, struct sestab_node *n, struct session *s,
			const struct ipaddr *a)
{
	n->s = s;
	n->addr = *a;
	n->hash = hash_addr(t, a);
	insert(t, n);
}

struct session *sestab_find_addr(const struct sestab *t, const struct ipaddr *a)
{
	const struct sestab_node *n = t->buckets[hash_addr(t, a) & t->mask];

	for (; n != NULL; n = n->next)
		if (addr_eq(&n->addr, a))
			return n->s;
	return NULL;
}

void sestab_insert_id(struct sestab *t, struct sestab_node *n, struct session *s)
{
	n->s = s;
	memset(&n->addr, 0, sizeof(n->addr));
	n->hash = hash_id(t, s->identity);
	insert(t, n);
}

struct session *sestab_find_id(const struct sestab *t, const char *identity)
{
	uint64_t h = hash_id(t, identity);
	const struct sestab_node *n = t->buckets[h & t->mask];

	for (; n != NULL; n = n->next)
		if (n->hash == h && strcmp(n->s->identity, identity) == 0)
			return n->s;
	return NULL;
}

/* The sessions of identity but skip, walked in its bucket only: how many,
 * and the oldest (the lowest sid) in *oldest, NULL if none. */
unsigned sestab_count_id(const struct sestab *t, const char *identity, const struct session *skip,
			 struct session **oldest)
{
	uint64_t h = hash_id(t, identity);
	const struct sestab_node *n = t->buckets[h & t->mask];
	unsigned count = 0;

	*oldest = NULL;
	for (; n != NULL; n = n->next) {
		if (n->s == skip || n->hash != h || strcmp(n->s->identity, identity) != 0)
			continue;
		count++;
		if (*oldest == NULL || n->s->sid < (*oldest)->sid)
			*oldest = n->s;
	}
	return count;
}

void sestab_remove(struct sestab *t, struct sestab_node *n)
{
	struct sestab_node **pp = &t->buckets[n->hash & t->mask];

	for (; *pp != NULL; pp = &(*pp)->next) {
		if (*pp == n) {
			*pp = n->next;
			n->next = NULL;
			t->count--;
			return;
		}
	}
}
