/*
 * ticket_table.c - the gateway's session tickets by handle (see
 * ticket_table.h). A hash of the random handle picks a bucket; a list in
 * issue order finds the oldest to evict and the expired to drop.
 */
#include "ticket_table.h"

#include <stdlib.h>
#include <string.h>

#define TICKET_BUCKETS 4096u

TAILQ_HEAD(ticket_age, ticket);

struct ticket_table {
	size_t max, count;
	size_t max_bytes, bytes; /* state and chains */
	struct ticket *buckets[TICKET_BUCKETS];
	struct ticket_age by_age;
};

bool ticket_bytes_equal(const uint8_t *a, const uint8_t *b, size_t n)
{
	uint8_t d = 0;

	for (size_t i = 0; i < n; i++)
		d |= (uint8_t)(a[i] ^ b[i]);
	return d == 0;
}

/* The handle is random: its first bytes are a hash already. */
static size_t bucket_of(const uint8_t handle[static TICKET_HANDLE_LEN])
{
	return ((size_t)handle[0] << 8 | handle[1]) % TICKET_BUCKETS;
}

struct ticket_table *ticket_table_new(size_t max, size_t max_bytes)
{
	struct ticket_table *t;

	if (max == 0)
		return NULL;
	t = calloc(1, sizeof(*t));
	if (t == NULL)
		return NULL;
	t->max = max;
	t->max_bytes = max_bytes;
	TAILQ_INIT(&t->by_age);
	return t;
}

void ticket_free(struct ticket *k)
{
	if (k == NULL)
		return;
	if (k->state != NULL) {
		explicit_bzero(k->state, k->state_len);
		free(k->state);
	}
	free(k->chain);
	explicit_bzero(k, sizeof(*k));
	free(k);
}

/* Unlink k from its bucket and the age list; the caller owns it then. */
static void unlink_ticket(struct ticket_table *t, struct ticket *k)
{
	struct ticket **pp = &t->buckets[bucket_of(k->handle)];

	while (*pp != NULL && *pp != k)
		pp = &(*pp)->hash_next;
	if (*pp == k)
		*pp = k->hash_next;
	TAILQ_REMOVE(&t->by_age, k, age);
	t->count--;
	t->bytes -= k->state_len + k->chain_len;
}

static struct ticket *find(const struct ticket_table *t,
			   const uint8_t handle[static TICKET_HANDLE_LEN])
{
	struct ticket *k = t->buckets[bucket_of(handle)];

	while (k != NULL && !ticket_bytes_equal(k->handle, handle, TICKET_HANDLE_LEN))
		k = k->hash_next;
	return k;
}

void ticket_table_clear(struct ticket_table *t)
{
	struct ticket *k;

	if (t == NULL)
		return;
	while ((k = TAILQ_FIRST(&t->by_age)) != NULL) {
		unlink_ticket(t, k);
		ticket_free(k);
	}
}

void ticket_table_free(struct ticket_table *t)
{
	if (t == NULL)
		return;
	ticket_table_clear(t);
	free(t);
}

size_t ticket_table_count(const struct ticket_table *t)
{
	return t != NULL ? t->count : 0;
}

int64_t ticket_expiry(int64_t now, int64_t full_at, unsigned lifetime, int64_t not_after,
		      unsigned max_session_lifetime)
{
	int64_t end = now + (int64_t)lifetime;

	/* notAfter is the certificate's last valid second (RFC 5280). */
	if (not_after < INT64_MAX && not_after + 1 < end)
		end = not_after + 1;
	if (max_session_lifetime > 0 && full_at + (int64_t)max_session_lifetime < end)
		end = full_at + (int64_t)max_session_lifetime;
	return end;
}

/* Expired tickets, by walking the whole list: issue order is not expiry
 * order (certificates end at different times), and this runs once per
 * ticket issued, far less often than packets. */
static void drop_expired(struct ticket_table *t, int64_t now)
{
	struct ticket *k, *next;

	for (k = TAILQ_FIRST(&t->by_age); k != NULL; k = next) {
		next = TAILQ_NEXT(k, age);
		if (now >= k->expires) {
			unlink_ticket(t, k);
			ticket_free(k);
		}
	}
}

bool ticket_table_put(struct ticket_table *t, const uint8_t handle[static TICKET_HANDLE_LEN],
		      const uint8_t mac[static TICKET_MAC_LEN], const void *state, size_t state_len,
		      const void *chain, size_t chain_len, int64_t now, int64_t full_at,
		      int64_t expires)
{
	struct ticket *k;
	size_t b;

	if (state_len == 0 || state_len > TICKET_STATE_MAX || chain_len == 0 ||
	    chain_len > TICKET_CHAIN_MAX || state_len + chain_len > t->max_bytes ||
	    find(t, handle) != NULL)
		return false;
	k = calloc(1, sizeof(*k));
	if (k == NULL)
		return false;
	k->state = malloc(state_len);
	k->chain = malloc(chain_len);
	if (k->state == NULL || k->chain == NULL) {
		ticket_free(k);
		return false;
	}
	memcpy(k->handle, handle, TICKET_HANDLE_LEN);
	memcpy(k->mac, mac, TICKET_MAC_LEN);
	memcpy(k->state, state, state_len);
	k->state_len = state_len;
	memcpy(k->chain, chain, chain_len);
	k->chain_len = chain_len;
	k->issued = now;
	k->full_at = full_at;
	k->expires = expires;
	drop_expired(t, now);
	while (t->count >= t->max || t->bytes + state_len + chain_len > t->max_bytes) {
		struct ticket *old = TAILQ_FIRST(&t->by_age);

		unlink_ticket(t, old);
		ticket_free(old);
	}
	b = bucket_of(handle);
	k->hash_next = t->buckets[b];
	t->buckets[b] = k;
	TAILQ_INSERT_TAIL(&t->by_age, k, age);
	t->count++;
	t->bytes += state_len + chain_len;
	return true;
}

enum ticket_take ticket_table_take(struct ticket_table *t,
				   const uint8_t handle[static TICKET_HANDLE_LEN], int64_t now,
				   struct ticket **out)
{
	struct ticket *k = find(t, handle);

	*out = NULL;
	if (k == NULL)
		return TICKET_UNKNOWN;
	unlink_ticket(t, k);
	if (now >= k->expires) {
		ticket_free(k);
		return TICKET_EXPIRED;
	}
	*out = k;
	return TICKET_TAKEN;
}

bool ticket_table_forget(struct ticket_table *t, const uint8_t handle[static TICKET_HANDLE_LEN])
{
	struct ticket *k = find(t, handle);

	if (k == NULL)
		return false;
	unlink_ticket(t, k);
	ticket_free(k);
	return true;
}

bool ticket_chain_at(const uint8_t *chain, size_t chain_len, size_t n, const uint8_t **der,
		     size_t *len)
{
	size_t off = 0;

	if (chain == NULL)
		return false;
	for (;;) {
		size_t l;

		if (chain_len - off < 3)
			return false;
		l = (size_t)chain[off] << 16 | (size_t)chain[off + 1] << 8 | chain[off + 2];
		if (l == 0 || l > chain_len - off - 3)
			return false;
		if (n == 0) {
			*der = chain + off + 3;
			*len = l;
			return true;
		}
		off += 3 + l;
		n--;
	}
}

bool ticket_chain_cert(const struct ticket *k, size_t n, const uint8_t **der, size_t *len)
{
	return ticket_chain_at(k->chain, k->chain_len, n, der, len);
}
