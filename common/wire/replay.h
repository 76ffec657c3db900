/*
 * replay.h - the anti-replay window of a UDP data-channel receive key
 * (docs/protocol.md section 12.9), RFC 6479 style: a ring of 64-bit words
 * indexed by counter, the highest accepted counter, and no bit shifting of
 * the whole window. The caller asks only AFTER the datagram authenticated;
 * replay_accept() both checks and records, so nothing unauthenticated ever
 * changes the window. Pure: no I/O, no allocation.
 */
#ifndef MTLSVPN_REPLAY_H
#define MTLSVPN_REPLAY_H

#include <stdbool.h>
#include <stdint.h>

#define REPLAY_WORDS 64 /* a power of two */
#define REPLAY_BITS (REPLAY_WORDS * 64)
/* How far below the highest accepted counter one may still be accepted:
 * one word of the ring is the one being reused. */
#define REPLAY_WINDOW (REPLAY_BITS - 64)

enum replay_result {
	REPLAY_OK,  /* accepted and recorded */
	REPLAY_DUP, /* seen already */
	REPLAY_OLD, /* REPLAY_WINDOW or more below the highest */
};

struct replay {
	uint64_t top; /* highest accepted counter (valid when any) */
	bool any;     /* something has been accepted */
	uint64_t bits[REPLAY_WORDS];
};

void replay_init(struct replay *w);

/* Check and record counter c of an authenticated datagram. *newest is set
 * to whether c is now the highest accepted (the first one counts too). */
enum replay_result replay_accept(struct replay *w, uint64_t c, bool *newest);

#endif
