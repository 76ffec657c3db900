/*
 * tbucket.h - a token bucket: at most `burst` events at once and `rate`
 * a second on average (the rate limit RFC 4443 2.4(f) asks of ICMP
 * errors). Pure: the caller passes the monotonic time in; no clock, no
 * I/O. Embedded in its owner (tbucket_init, nothing to free).
 */
#ifndef MTLSVPN_TBUCKET_H
#define MTLSVPN_TBUCKET_H

#include <stdbool.h>
#include <stdint.h>

struct tbucket {
	uint32_t rate;	  /* tokens a second; 0 = nothing ever passes */
	uint32_t burst;	  /* tokens held at most */
	uint64_t tokens;  /* in millitokens, so a slow rate still refills */
	uint64_t last_ms; /* when tokens was last brought up to date */
};

/* A full bucket at now_ms. */
void tbucket_init(struct tbucket *b, uint32_t rate, uint32_t burst, uint64_t now_ms);

/* Takes one token if there is one; false (the event is to be dropped and
 * counted) if not. A clock that went backwards adds nothing. */
bool tbucket_take(struct tbucket *b, uint64_t now_ms);

#endif
