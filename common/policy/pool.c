/*
 * pool.c - address leases. Slot i of a family is host offset i + 2, so the
 * network (offset 0), the gateway (1) and, past the last slot, the v4
 * broadcast can never be leased. Every slot is exactly one of: never used
 * (no identity), active, or released (in the reuse heap). Pure: no I/O.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "pool.h"

#define NO_SLOT UINT32_MAX
#define ID_CAP sizeof(((struct pool_lease *)NULL)->identity)

/* Per family: identity -> sticky slot (open addressing, linear probing,
 * entries are slot + 1 and the key is read from the lease itself), and a
 * min-heap of released slots ordered by (last_used, release order) so the
 * address reused first is the one whose owner has been gone longest. */
struct pool_index {
	uint32_t size;
	uint32_t fresh; /* slots below this have all been used */
	uint32_t active;
	uint64_t seq;  /* release counter: ties in last_used keep order */
	uint32_t mask; /* hash table size - 1 */
	uint32_t *hash;
	uint32_t *heap;
	uint32_t heap_n;
	uint32_t *heap_pos; /* slot -> heap position, NO_SLOT if absent */
	uint64_t *rel_seq;  /* slot -> release order */
};

struct fam {
	const struct prefix *net;
	struct pool_lease *leases;
	struct pool_index *ix;
};

static bool fam_of(const struct pool *p, int family, struct fam *f)
{
	if (family == AF_INET && p->net4.addr.family == AF_INET && p->index4 != NULL) {
		*f = (struct fam){&p->net4, p->leases4, p->index4};
		return true;
	}
	if (family == AF_INET6 && p->net6.addr.family == AF_INET6 && p->index6 != NULL) {
		*f = (struct fam){&p->net6, p->leases6, p->index6};
		return true;
	}
	return false;
}

/* FNV-1a: identities come from certificates our own CA signed, so a keyed
 * hash against flooding is not needed here. */
static uint32_t hash_str(const char *s)
{
	uint32_t h = 2166136261u;

	for (; *s != '\0'; s++) {
		h ^= (uint8_t)*s;
		h *= 16777619u;
	}
	return h;
}

/* The table position holding identity, or NO_SLOT. */
static uint32_t hash_pos(const struct fam *f, const char *identity)
{
	const struct pool_index *ix = f->ix;

	for (uint32_t i = hash_str(identity) & ix->mask;; i = (i + 1) & ix->mask) {
		uint32_t e = ix->hash[i];

		if (e == 0)
			return NO_SLOT;
		if (strcmp(f->leases[e - 1].identity, identity) == 0)
			return i;
	}
}

static uint32_t hash_find(const struct fam *f, const char *identity)
{
	uint32_t i = hash_pos(f, identity);

	return i == NO_SLOT ? NO_SLOT : f->ix->hash[i] - 1;
}

/* Maps leases[slot].identity to slot, replacing any earlier mapping. The
 * table has twice as many positions as slots, so it never fills. */
static void hash_put(const struct fam *f, uint32_t slot)
{
	struct pool_index *ix = f->ix;
	const char *id = f->leases[slot].identity;
	uint32_t i = hash_pos(f, id);

	if (i == NO_SLOT)
		for (i = hash_str(id) & ix->mask; ix->hash[i] != 0; i = (i + 1) & ix->mask)
			;
	ix->hash[i] = slot + 1;
}

/* Forgets identity only if it maps to slot; backward-shift deletion keeps
 * every remaining entry reachable from its home position. */
static void hash_del(const struct fam *f, const char *identity, uint32_t slot)
{
	struct pool_index *ix = f->ix;
	uint32_t i = hash_pos(f, identity), j;

	if (i == NO_SLOT || ix->hash[i] != slot + 1)
		return;
	ix->hash[i] = 0;
	for (j = (i + 1) & ix->mask; ix->hash[j] != 0; j = (j + 1) & ix->mask) {
		uint32_t home = hash_str(f->leases[ix->hash[j] - 1].identity) & ix->mask;
		bool stays = i <= j ? (i < home && home <= j) : (i < home || home <= j);

		if (stays)
			continue;
		ix->hash[i] = ix->hash[j];
		ix->hash[j] = 0;
		i = j;
	}
}

static bool heap_less(const struct fam *f, uint32_t a, uint32_t b)
{
	const struct pool_lease *la = &f->leases[a], *lb = &f->leases[b];

	if (la->last_used != lb->last_used)
		return la->last_used < lb->last_used;
	return f->ix->rel_seq[a] < f->ix->rel_seq[b];
}

static void heap_set(struct pool_index *ix, uint32_t pos, uint32_t slot)
{
	ix->heap[pos] = slot;
	ix->heap_pos[slot] = pos;
}

static void heap_sift(const struct fam *f, uint32_t pos)
{
	struct pool_index *ix = f->ix;
	uint32_t slot = ix->heap[pos];

	while (pos > 0 && heap_less(f, slot, ix->heap[(pos - 1) / 2])) {
		heap_set(ix, pos, ix->heap[(pos - 1) / 2]);
		pos = (pos - 1) / 2;
	}
	for (;;) {
		uint32_t c = 2 * pos + 1;

		if (c >= ix->heap_n)
			break;
		if (c + 1 < ix->heap_n && heap_less(f, ix->heap[c + 1], ix->heap[c]))
			c++;
		if (!heap_less(f, ix->heap[c], slot))
			break;
		heap_set(ix, pos, ix->heap[c]);
		pos = c;
	}
	heap_set(ix, pos, slot);
}

static void heap_push(const struct fam *f, uint32_t slot)
{
	struct pool_index *ix = f->ix;

	ix->rel_seq[slot] = ++ix->seq;
	heap_set(ix, ix->heap_n++, slot);
	heap_sift(f, ix->heap_n - 1);
}

static void heap_remove(const struct fam *f, uint32_t slot)
{
	struct pool_index *ix = f->ix;
	uint32_t pos = ix->heap_pos[slot];

	if (pos == NO_SLOT)
		return;
	ix->heap_pos[slot] = NO_SLOT;
	if (--ix->heap_n == pos)
		return;
	heap_set(ix, pos, ix->heap[ix->heap_n]);
	heap_sift(f, pos);
}

/* The slot of a, or NO_SLOT if a is not a leasable address of f. */
static uint32_t slot_of(const struct fam *f, const struct ipaddr *a)
{
	size_t n = addr_len(a);
	uint32_t off = 0;

	if (!addr_in_prefix(a, f->net))
		return NO_SLOT;
	/* The network's host bits are zero, so a XOR network is the offset. */
	for (size_t i = 0; i < n; i++) {
		uint8_t x = a->bytes[i] ^ f->net->addr.bytes[i];

		if (i + 4 < n) {
			if (x != 0)
				return NO_SLOT;
		} else {
			off = off << 8 | x;
		}
	}
	if (off < 2 || off - 2 >= f->ix->size)
		return NO_SLOT;
	return off - 2;
}

/* network + off, where off fits in the host bits (no carry into the net). */
static void addr_at(const struct prefix *net, uint32_t off, struct ipaddr *out)
{
	size_t n = addr_len(&net->addr);

	*out = net->addr;
	for (size_t i = n; i-- > n - 4; off >>= 8)
		out->bytes[i] |= (uint8_t)(off & 0xff);
}

static bool identity_ok(const char *identity)
{
	size_t n;

	if (identity == NULL)
		return false;
	n = strnlen(identity, ID_CAP);
	return n > 0 && n < ID_CAP;
}

static void index_free(struct pool_index *ix)
{
	if (ix == NULL)
		return;
	free(ix->hash);
	free(ix->heap);
	free(ix->heap_pos);
	free(ix->rel_seq);
	free(ix);
}

static struct pool_index *index_new(uint32_t size)
{
	struct pool_index *ix = calloc(1, sizeof(*ix));
	uint32_t tab = 8;

	if (ix == NULL)
		return NULL;
	while (tab < 2 * size)
		tab *= 2;
	ix->size = size;
	ix->mask = tab - 1;
	ix->hash = calloc(tab, sizeof(*ix->hash));
	ix->heap = calloc(size, sizeof(*ix->heap));
	ix->heap_pos = malloc(size * sizeof(*ix->heap_pos));
	ix->rel_seq = calloc(size, sizeof(*ix->rel_seq));
	if (ix->hash == NULL || ix->heap == NULL || ix->heap_pos == NULL || ix->rel_seq == NULL) {
		index_free(ix);
		return NULL;
	}
	memset(ix->heap_pos, 0xff, size * sizeof(*ix->heap_pos));
	return ix;
}

/* Leasable addresses of a prefix: all host offsets but the network, the
 * gateway and (v4) the broadcast, capped; 0 if there is no room. */
static uint32_t family_size(const struct prefix *net)
{
	unsigned bits = net->addr.family == AF_INET ? 32 : 128;
	unsigned host = bits - net->len;
	uint64_t total, reserved = net->addr.family == AF_INET ? 3 : 2;

	if (host >= 32)
		return POOL_MAX_ADDRS;
	total = (uint64_t)1 << host;
	if (total <= reserved)
		return 0;
	return total - reserved > POOL_MAX_ADDRS ? POOL_MAX_ADDRS : (uint32_t)(total - reserved);
}

static int family_init(const struct prefix *in, int family, struct prefix *net, struct ipaddr *gw,
		       uint32_t *size, struct pool_lease **leases, struct pool_index **index,
		       const char **why)
{
	unsigned bits = family == AF_INET ? 32 : 128;

	if (in->addr.family != family || in->len > bits) {
		*why = family == AF_INET ? "the IPv4 pool is not an IPv4 prefix"
					 : "the IPv6 pool is not an IPv6 prefix";
		return -1;
	}
	addr_prefix_network(in, net);
	*size = family_size(net);
	if (*size == 0) {
		*why = family == AF_INET
			   ? "the IPv4 pool has no address to lease; use a /30 or shorter prefix"
			   : "the IPv6 pool has no address to lease; use a /126 or shorter prefix";
		return -1;
	}
	addr_at(net, 1, gw);
	*leases = calloc(*size, sizeof(**leases));
	*index = index_new(*size);
	if (*leases == NULL || *index == NULL) {
		*why = "out of memory for the address pool";
		return -1;
	}
	for (uint32_t i = 0; i < *size; i++)
		addr_at(net, i + 2, &(*leases)[i].addr);
	return 0;
}

int pool_init(struct pool *p, const char *name, const struct prefix *net4,
	      const struct prefix *net6, const char **why)
{
	const char *dummy;

	if (why == NULL)
		why = &dummy;
	memset(p, 0, sizeof(*p));
	snprintf(p->name, sizeof(p->name), "%s", name != NULL ? name : "");
	if (net4 == NULL && net6 == NULL) {
		*why = "the pool has neither an IPv4 nor an IPv6 prefix";
		return -1;
	}
	if (net4 != NULL && family_init(net4, AF_INET, &p->net4, &p->gw4, &p->size4, &p->leases4,
					&p->index4, why) < 0)
		goto fail;
	if (net6 != NULL && family_init(net6, AF_INET6, &p->net6, &p->gw6, &p->size6, &p->leases6,
					&p->index6, why) < 0)
		goto fail;
	return 0;
fail:
	pool_deinit(p);
	snprintf(p->name, sizeof(p->name), "%s", name != NULL ? name : "");
	return -1;
}

bool pool_slice(const struct prefix *whole, unsigned k, unsigned n, struct prefix *out)
{
	unsigned bits = whole->addr.family == AF_INET ? 32 : 128, extra = 0;
	uint32_t idx = k - 1;

	if (n == 0 || (n & (n - 1)) != 0 || k == 0 || k > n)
		return false;
	while ((1u << extra) < n)
		extra++;
	if (whole->len + extra > bits)
		return false;
	addr_prefix_network(whole, out);
	out->len = (uint8_t)(whole->len + extra);
	/* The slice index fills the extra bits just below the old length. */
	for (unsigned b = 0; b < extra; b++) {
		unsigned pos = out->len - 1 - b;

		if (idx >> b & 1)
			out->addr.bytes[pos / 8] |= (uint8_t)(0x80 >> (pos % 8));
	}
	return true;
}

void pool_deinit(struct pool *p)
{
	free(p->leases4);
	free(p->leases6);
	index_free(p->index4);
	index_free(p->index6);
	memset(p, 0, sizeof(*p));
}

/* The slot identity should get in f, without changing anything but the
 * never-used cursor: acquiring both families must be all or nothing. */
static uint32_t choose(const struct fam *f, const char *identity)
{
	struct pool_index *ix = f->ix;
	uint32_t s = hash_find(f, identity);

	if (s != NO_SLOT && !f->leases[s].active)
		return s;
	while (ix->fresh < ix->size && f->leases[ix->fresh].identity[0] != '\0')
		ix->fresh++;
	if (ix->fresh < ix->size)
		return ix->fresh;
	return ix->heap_n > 0 ? ix->heap[0] : NO_SLOT;
}

/* Hands slot to identity; its previous owner loses it as sticky address. */
static void assign(const struct fam *f, uint32_t slot, const char *identity, bool sticky)
{
	struct pool_lease *l = &f->leases[slot];

	heap_remove(f, slot);
	if (strcmp(l->identity, identity) != 0) {
		if (l->identity[0] != '\0')
			hash_del(f, l->identity, slot);
		snprintf(l->identity, sizeof(l->identity), "%s", identity);
	}
	/* A second concurrent lease of one identity does not move its sticky
	 * address; a reservation does. */
	if (sticky || hash_find(f, identity) == NO_SLOT)
		hash_put(f, slot);
}

static void grant(const struct fam *f, uint32_t slot, const char *identity, int64_t now,
		  struct ipaddr *out)
{
	assign(f, slot, identity, false);
	f->leases[slot].active = true;
	f->leases[slot].last_used = now;
	f->ix->active++;
	if (out != NULL)
		*out = f->leases[slot].addr;
}

enum pool_result pool_acquire(struct pool *p, const char *identity, int64_t now, struct ipaddr *v4,
			      struct ipaddr *v6)
{
	struct fam f4, f6;
	bool has4 = fam_of(p, AF_INET, &f4), has6 = fam_of(p, AF_INET6, &f6);
	uint32_t s4 = NO_SLOT, s6 = NO_SLOT;

	if (!identity_ok(identity) || (!has4 && !has6))
		return POOL_INVALID;
	if (has4 && (s4 = choose(&f4, identity)) == NO_SLOT)
		return POOL_EXHAUSTED;
	if (has6 && (s6 = choose(&f6, identity)) == NO_SLOT)
		return POOL_EXHAUSTED;
	if (v4 != NULL)
		memset(v4, 0, sizeof(*v4));
	if (v6 != NULL)
		memset(v6, 0, sizeof(*v6));
	if (has4)
		grant(&f4, s4, identity, now, v4);
	if (has6)
		grant(&f6, s6, identity, now, v6);
	return POOL_OK;
}

void pool_release(struct pool *p, const struct ipaddr *a, int64_t now)
{
	struct fam f;
	uint32_t slot;

	if (a == NULL || !fam_of(p, a->family, &f))
		return;
	slot = slot_of(&f, a);
	if (slot == NO_SLOT || !f.leases[slot].active)
		return;
	f.leases[slot].active = false;
	f.leases[slot].last_used = now;
	f.ix->active--;
	heap_push(&f, slot);
}

enum pool_result pool_reserve(struct pool *p, const struct ipaddr *a, const char *identity,
			      bool active, int64_t last_used)
{
	struct pool_lease *l;
	struct fam f;
	uint32_t slot;

	if (a == NULL || !identity_ok(identity) || !fam_of(p, a->family, &f))
		return POOL_INVALID;
	slot = slot_of(&f, a);
	if (slot == NO_SLOT)
		return POOL_INVALID;
	l = &f.leases[slot];
	if (l->active) {
		/* Two sessions can never share an address; recording an
		 * inactive lease its own holder already has is harmless. */
		if (active || strcmp(l->identity, identity) != 0)
			return POOL_EXHAUSTED;
		hash_put(&f, slot);
		return POOL_OK;
	}
	assign(&f, slot, identity, true);
	l->last_used = last_used;
	if (active) {
		l->active = true;
		f.ix->active++;
	} else {
		heap_push(&f, slot);
	}
	return POOL_OK;
}

bool pool_contains(const struct pool *p, const struct ipaddr *a)
{
	struct fam f;

	return a != NULL && fam_of(p, a->family, &f) && slot_of(&f, a) != NO_SLOT;
}

unsigned pool_active_count(const struct pool *p)
{
	unsigned n4 = p->index4 != NULL ? p->index4->active : 0;
	unsigned n6 = p->index6 != NULL ? p->index6->active : 0;

	return n4 > n6 ? n4 : n6;
}
