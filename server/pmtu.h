/*
 * pmtu.h - the path MTU of a session's UDP data channel on the gateway
 * (docs/protocol.md 12.15): the usable size learned from the kernel, the
 * packets too big for it sent by TLS with a "packet too big" error into
 * the TUN, and MSS clamping of the SYNs read from the TUN. Included by
 * udp.h, whose structs embed these.
 */
#ifndef MTLSVPN_SERVER_PMTU_H
#define MTLSVPN_SERVER_PMTU_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dchan_pmtu.h"
#include "pmtu_sock.h"

struct session;
struct worker;

/* A session's channel's part (in struct session_udp). */
struct session_pmtu {
	struct dchan_pmtu st;
	bool asked;		/* the kernel was asked for this peer */
	uint64_t asked_ms;	/* when */
	uint64_t emsgsize_seen; /* the worker's EMSGSIZE count then */
	uint64_t roams_seen;	/* the channel's roams then */
	size_t told;		/* the usable size last logged; 0 none */
};

/* A worker's part (in struct worker_udp). */
struct worker_pmtu {
	struct pmtu_sock q;
	uint64_t emsgsize; /* sends the kernel refused as too big */
};

/* The channel was made (udp_sess.c): its state from the tunnel's MTU. */
void pmtu_session_init(struct session *s);
/* A padded PING probe due now, sealed into buf[0..cap): its length, or 0
 * (udp_sess.c sends it to the peer). */
size_t pmtu_probe(struct session *s, uint8_t *buf, size_t cap);
/* After a timer turn: what the probes found caps the usable size. */
void pmtu_probed(struct session *s);
/* The worker's UDP sockets are closed. */
void pmtu_worker_close(struct worker *w);
/* A packet the channel is to carry: true if it fits; false if TLS must
 * carry it (the error owed for it is already in the TUN). */
bool pmtu_fits(struct session *s, const uint8_t *pkt, size_t len);
/* A packet read from the TUN for s: a SYN's MSS lowered under mss_clamp.
 * csum_partial: its TCP checksum holds only the pseudo-header's sum. */
void pmtu_clamp(struct session *s, uint8_t *pkt, size_t len, bool csum_partial);

/* status --json: "pmtu": the session's path MTU and counters. */
struct jsonw;
void pmtu_status(struct jsonw *j, const struct session *s);

#endif
