/*
 * srclimit.h - a rate limit per source address (an IPv4 address or an
 * IPv6 /64, as the half-open table counts them) in a fixed table: each
 * source has its own token bucket (tbucket.h) while it holds a slot. A
 * slot goes to a new source only once its holder's bucket has refilled
 * whole (it has been quiet); until then the newcomer draws from one
 * shared overflow bucket. So memory is fixed whatever the number of
 * sources, a source that rests is forgotten, and a flood from many
 * sources is held by the overflow's rate without taking the slot of a
 * source already being limited. Slots are found by a keyed hash. Pure:
 * the caller passes the time and the key; no clock, no I/O, no logging.
 */
#ifndef MTLSVPN_SRCLIMIT_H
#define MTLSVPN_SRCLIMIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tbucket.h"

#define SRCLIMIT_KEY_MAX 16 /* bytes of a source: an IPv4 address, an IPv6 /64 */
#define SRCLIMIT_SLOTS 1024

struct srclimit_slot {
	uint8_t src[SRCLIMIT_KEY_MAX];
	uint8_t len; /* 0: free */
	struct tbucket b;
};

struct srclimit {
	uint32_t rate, burst;
	uint64_t key; /* random: which slot a source takes cannot be chosen */
	struct tbucket overflow;
	struct srclimit_slot slots[SRCLIMIT_SLOTS];
};

/* Every source may make burst tries at once, then rate a second. */
void srclimit_init(struct srclimit *l, uint32_t rate, uint32_t burst, uint64_t key,
		   uint64_t now_ms);

/* One try from src (len bytes, 1 to SRCLIMIT_KEY_MAX): true if it is
 * within the limit, false if it is to be refused. */
bool srclimit_take(struct srclimit *l, const uint8_t *src, size_t len, uint64_t now_ms);

#endif
