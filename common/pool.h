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
};

#define POOL_MAX_ADDRS 65536

enum pool_result { POOL_OK, POOL_EXHAUSTED, POOL_INVALID };

/* net4/net6 may be NULL. Largest pool: POOL_MAX_ADDRS per family (a v6
 * /64 is used from its start). *why on failure. */
int pool_init(struct pool *p, const char *name, const struct prefix *net4,
	      const struct prefix *net6, const char **why);
void pool_deinit(struct pool *p);

/* Lease for identity: the address it held before if free (sticky), else a
 * never-used one, else the least recently released one. Fills *v4/*v6 for
 * each family the pool has. */
enum pool_result pool_acquire(struct pool *p, const char *identity, int64_t now,
			      struct ipaddr *v4, struct ipaddr *v6);
/* Mark an address inactive (keeps the identity for stickiness). */
void pool_release(struct pool *p, const struct ipaddr *a, int64_t now);
/* Reserve a specific address for identity (static or restored lease). */
enum pool_result pool_reserve(struct pool *p, const struct ipaddr *a, const char *identity,
			      bool active, int64_t last_used);
bool pool_contains(const struct pool *p, const struct ipaddr *a);
unsigned pool_active_count(const struct pool *p);

#endif
