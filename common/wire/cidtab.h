/*
 * cidtab.h - a worker's UDP connection ids -> their sessions
 * (docs/protocol.md section 12.10): a chained hash whose nodes are embedded
 * in their owners, so inserting and removing never allocate and a closed
 * session leaves no trace. Keys are the gateway's random cids, hashed with a
 * keyed mix all the same (a client chooses nothing here, but the table
 * should not depend on that). Pure: no I/O, no logging; grows by doubling.
 */
#ifndef MTLSVPN_CIDTAB_H
#define MTLSVPN_CIDTAB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct cidtab_node {
	struct cidtab_node *next;
	uint64_t cid; /* 0: not in a table */
	void *owner;
};

struct cidtab {
	struct cidtab_node **buckets;
	size_t mask; /* bucket count - 1, a power of two */
	size_t count;
	uint64_t seed;
};

/* At least hint buckets (rounded up to a power of two, at least 16).
 * 0 / -1 ENOMEM. */
int cidtab_init(struct cidtab *t, size_t hint, uint64_t seed);
void cidtab_deinit(struct cidtab *t);
/* n takes cid and owner. False if cid is 0 or already in the table, or
 * the table could not grow when it had to (it still holds everything). */
bool cidtab_insert(struct cidtab *t, struct cidtab_node *n, uint64_t cid, void *owner);
/* The owner of cid, or NULL. */
void *cidtab_find(const struct cidtab *t, uint64_t cid);
/* Takes n out if it is in t; n->cid is 0 afterwards. */
void cidtab_remove(struct cidtab *t, struct cidtab_node *n);

#endif
