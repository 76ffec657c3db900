/*
 * pool.h - address leases from one IPv4 and/or IPv6 prefix. Pure: no I/O;
 * sticky leases are kept in memory here and persisted by the caller later.
 * The network address, the gateway's own address (first host) and the
 * v4 broadcast address are never leased.
 */
#ifndef MTLSVPN_POOL_H
#define MTLSVPN_POOL_H

#include <stdbool.h>
#include <stdint.h>

#include "addr.h"

struct pool_lease {
	struct ipaddr addr;
	char identity[256];
	bool active;          /* held by a live session */
	int64_t last_used;    /* unix time of the last release or grant */
};

struct pool {
	char name[64];            /* the group it serves, for logs */
	struct prefix net4;       /* family 0 if no IPv4 */
	struct prefix net6;       /* family 0 if no IPv6 */
	struct ipaddr gw4, gw6;   /* first host of each prefix */
	uint32_t size4;           /* leasable v4 addresses (capped) */
	uint32_t size6;           /* leasable v6 addresses (capped) */
	struct pool_lease *leases4;  /* size4 slots, index = host offset - 2 */
	struct pool_lease *leases6;  /* size6 slots */
	/* Private to pool.c: identity lookup and reuse order per family. */
	struct pool_index *index4, *index6;
};

#define POOL_MAX_ADDRS 65536

enum pool_result { POOL_OK, POOL_EXHAUSTED, POOL_INVALID };

/* net4/net6 may be NULL. Largest pool: POOL_MAX_ADDRS per family (a v6
 * /64 is used from its start). *why on failure. */
int pool_init(struct pool *p, const char *name, const struct prefix *net4,
	      const struct prefix *net6, const char **why);
void pool_deinit(struct pool *p);

/* Part k (1..n) of n equal parts of whole, n a power of two: the prefix
 * log2(n) bits longer whose network is the k-th. false if n is not a power
 * of two, k is out of range or the family has no bits left. A gateway
 * behind a load balancer leases from its slice only (pool_slice). */
bool pool_slice(const struct prefix *whole, unsigned k, unsigned n, struct prefix *out);

/* Lease for identity: the address it held before if free (sticky), else a
 * never-used one, else the least recently released one. Fills v4 and v6
 * for each family the pool has (a family it lacks gets family 0); on
 * failure neither is touched. POOL_INVALID if identity is empty or longer
 * than 255 bytes. */
enum pool_result pool_acquire(struct pool *p, const char *identity, int64_t now,
			      struct ipaddr *v4, struct ipaddr *v6);
/* Mark an address inactive (keeps the identity for stickiness); an address
 * that is not an active lease of this pool is ignored. */
void pool_release(struct pool *p, const struct ipaddr *a, int64_t now);
/* Reserve a specific address for identity (static or restored lease); it
 * becomes that identity's sticky address. POOL_INVALID if a is not leasable
 * here or identity is not acceptable; POOL_EXHAUSTED if a is held by an
 * active lease (unless it is identity's own and active is false). */
enum pool_result pool_reserve(struct pool *p, const struct ipaddr *a, const char *identity,
			      bool active, int64_t last_used);
/* True if a is an address this pool leases (never network, gateway or
 * broadcast). */
bool pool_contains(const struct pool *p, const struct ipaddr *a);
/* Active leases of the family with more of them (one per session). */
unsigned pool_active_count(const struct pool *p);

#endif
