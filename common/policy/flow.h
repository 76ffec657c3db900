/*
 * flow.h - return traffic: the flows clients opened that their access
 * rules allowed, so replies from the network are let back in without an
 * inbound rule. A bounded hash table, no allocation after flow_init; when
 * full the least recently used flow makes room. Pure and sans-I/O: the
 * caller passes the time in (monotonic milliseconds).
 *
 * A flow belongs to one session (its owner id is part of the key), so a
 * flow never outlives the address lease it was opened from: a later holder
 * of the address has another owner id and matches nothing.
 */
#ifndef MTLSVPN_FLOW_H
#define MTLSVPN_FLOW_H

#include <stdbool.h>
#include <stdint.h>

#include "ippkt.h"

/* Idle timeouts, seconds. */
#define FLOW_TCP_TIMEOUT 300	    /* any TCP packet refreshes it */
#define FLOW_TCP_CLOSING_TIMEOUT 10 /* after a FIN or RST in either direction */
#define FLOW_UDP_TIMEOUT 60
#define FLOW_ICMP_TIMEOUT 30  /* echo, keyed by identifier */
#define FLOW_OTHER_TIMEOUT 60 /* other protocols: addresses only */

/* "client" is the tunnel side, "remote" the network (or another client).
 * ICMP echo: cport is the identifier, rport 0. Other protocols: no ports. */
struct flow_key {
	uint64_t owner; /* session id */
	uint8_t family; /* AF_INET, AF_INET6 */
	uint8_t proto;
	uint16_t cport, rport;
	uint8_t caddr[16], raddr[16];
};

struct flow_stats {
	uint64_t opened, evicted, expired;
};

struct flow_entry;

struct flow_table {
	struct flow_entry *e; /* cap entries */
	uint32_t *bucket;     /* entry index + 1, 0 = empty */
	uint32_t cap, mask, count;
	uint32_t lru_head, lru_tail, free_head; /* entry index + 1, 0 = none */
	uint64_t seed;
	struct flow_stats st;
};

/* At most cap flows (1 .. 1 << 24). seed keys the hash against chosen
 * collisions. -1 if out of memory. */
int flow_init(struct flow_table *t, uint32_t cap, uint64_t seed);
void flow_deinit(struct flow_table *t);

/* The key of a packet: from_client says whether the tunnel side is the
 * source (a packet the client sent) or the destination (a packet to it).
 * False if the packet has no flow: a later fragment, an ICMP message that
 * is neither an echo request (from the client) nor an echo reply (to it),
 * a TCP or UDP packet whose ports are cut off. */
bool flow_key_of(uint64_t owner, const struct ippkt_info *ip, const struct ippkt_l4 *l4,
		 bool from_client, struct flow_key *k);

/* A packet the client sent and its rules allowed: opens the flow or
 * refreshes it. Never fails: a full table evicts its least recent flow. */
void flow_open(struct flow_table *t, const struct flow_key *k, const struct ippkt_l4 *l4,
	       uint64_t now_ms);

/* A packet to the client: true if it belongs to an open flow, which is
 * refreshed (or shortened by a FIN or RST). Expired flows never match. */
bool flow_match(struct flow_table *t, const struct flow_key *k, const struct ippkt_l4 *l4,
		uint64_t now_ms);

/* Drops up to budget expired flows, least recently used first; returns
 * how many. Lookups already ignore expired flows; this only frees room. */
unsigned flow_expire(struct flow_table *t, uint64_t now_ms, unsigned budget);

static inline uint32_t flow_count(const struct flow_table *t)
{
	return t->count;
}

#endif
