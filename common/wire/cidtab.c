/*
 * cidtab.c - the cid -> session table of one gateway worker: chained
 * buckets of embedded nodes; the load stays at most one node per bucket
 * by doubling (a failed doubling keeps the longer chains, never a loss).
 */
#include "cidtab.h"

#include <errno.h>
#include <stdlib.h>

#define CIDTAB_MIN_BUCKETS 16

static uint64_t mix(uint64_t seed, uint64_t cid)
{
	/* splitmix64's finaliser over the keyed value. */
	uint64_t z = cid ^ seed;

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

int cidtab_init(struct cidtab *t, size_t hint, uint64_t seed)
{
	size_t n = CIDTAB_MIN_BUCKETS;

	while (n < hint && n < ((size_t)1 << 30))
		n <<= 1;
	t->buckets = calloc(n, sizeof(*t->buckets));
	if (t->buckets == NULL) {
		errno = ENOMEM;
		return -1;
	}
	t->mask = n - 1;
	t->count = 0;
	t->seed = seed;
	return 0;
}

void cidtab_deinit(struct cidtab *t)
{
	free(t->buckets);
	t->buckets = NULL;
	t->mask = 0;
	t->count = 0;
}

static void grow(struct cidtab *t)
{
	size_t n = (t->mask + 1) * 2;
	struct cidtab_node **b = calloc(n, sizeof(*b));

	if (b == NULL)
		return;
	for (size_t i = 0; i <= t->mask; i++) {
		struct cidtab_node *e = t->buckets[i], *next;

		for (; e != NULL; e = next) {
			size_t j = mix(t->seed, e->cid) & (n - 1);

			next = e->next;
			e->next = b[j];
			b[j] = e;
		}
	}
	free(t->buckets);
	t->buckets = b;
	t->mask = n - 1;
}

bool cidtab_insert(struct cidtab *t, struct cidtab_node *n, uint64_t cid, void *owner)
{
	size_t i;

	if (cid == 0 || cidtab_find(t, cid) != NULL)
		return false;
	if (t->count + 1 > t->mask + 1)
		grow(t);
	i = mix(t->seed, cid) & t->mask;
	n->cid = cid;
	n->owner = owner;
	n->next = t->buckets[i];
	t->buckets[i] = n;
	t->count++;
	return true;
}

void *cidtab_find(const struct cidtab *t, uint64_t cid)
{
	const struct cidtab_node *e;

	if (cid == 0 || t->buckets == NULL)
		return NULL;
	for (e = t->buckets[mix(t->seed, cid) & t->mask]; e != NULL; e = e->next)
		if (e->cid == cid)
			return e->owner;
	return NULL;
}

void cidtab_remove(struct cidtab *t, struct cidtab_node *n)
{
	struct cidtab_node **p;

	if (n->cid == 0 || t->buckets == NULL)
		return;
	for (p = &t->buckets[mix(t->seed, n->cid) & t->mask]; *p != NULL; p = &(*p)->next) {
		if (*p == n) {
			*p = n->next;
			t->count--;
			break;
		}
	}
	n->next = NULL;
	n->cid = 0;
	n->owner = NULL;
}
