/*
 * dchan_probe.h - path MTU probing with padded PINGs on a UDP data
 * channel, for paths that drop ICMP (a PMTU black hole): a probe PING is
 * padded to a candidate inner size; probes lost while unpadded PINGs are
 * answered lower the usable size one step of a short ladder, and a lowered
 * size is probed upwards again every DCHAN_PROBE_RAISE_MS (RFC 8899).
 * A probe has its own id and its own slot: its loss is never a lost
 * keepalive. Pure: time is passed in; no I/O, no logging (docs/protocol.md
 * 12.15).
 */
#ifndef MTLSVPN_DCHAN_PROBE_H
#define MTLSVPN_DCHAN_PROBE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define DCHAN_PROBE_CONFIRM_MS 30000u /* a probe at the usable size */
#define DCHAN_PROBE_RAISE_MS 600000u  /* a probe one step above it */
#define DCHAN_PROBE_TIMEOUT_MS 2000u  /* an unanswered probe is lost */
#define DCHAN_PROBE_MISSES 3u         /* lost probes that lower the size */

struct dchan_probe {
	size_t max;    /* the ceiling: tunnel MTU or kernel path MTU */
	size_t floor;  /* never below: IPv6's 1280 less the overheads */
	size_t usable; /* what the channel carries now */
	size_t trying; /* the size the next probe goes at */
	size_t size;   /* the outstanding probe's inner size, 0 if none */
	uint64_t id;
	uint64_t sent_ms;
	uint64_t alive_ms; /* last answer to an unpadded PING */
	uint64_t next_ms;  /* when the next probe is due */
	unsigned misses;   /* lost probes at `trying` with the path alive */
	/* counters */
	uint64_t sent, answered, lost, lowered, raised;
};

/* max and floor are inner sizes (dchan_mtu_usable()); floor <= max. */
void dchan_probe_init(struct dchan_probe *p, size_t max, size_t floor, uint64_t now_ms);
/* The ceiling moved (the kernel learned or forgot a path MTU). A size the
 * probes never lowered follows it; a lowered one only comes down to it. */
void dchan_probe_ceiling(struct dchan_probe *p, size_t max);
/* The inner size a probe is due at now, or 0 when none is. */
size_t dchan_probe_due(const struct dchan_probe *p, uint64_t now_ms);
/* A probe of that size went out with this PING id. */
void dchan_probe_sent(struct dchan_probe *p, uint64_t id, size_t size, uint64_t now_ms);
/* A PONG arrived; true if it answers the outstanding probe. */
bool dchan_probe_pong(struct dchan_probe *p, uint64_t id, uint64_t now_ms);
/* An unpadded PING was answered: the path itself is alive. */
void dchan_probe_alive(struct dchan_probe *p, uint64_t now_ms);
/* Time passes: a probe unanswered for DCHAN_PROBE_TIMEOUT_MS is lost; it
 * counts towards lowering only if the path answered since it was sent.
 * Returns true when the usable size changed. */
bool dchan_probe_tick(struct dchan_probe *p, uint64_t now_ms);
/* The next ladder step strictly below / above `size` within [floor, max]. */
size_t dchan_probe_below(const struct dchan_probe *p, size_t size);
size_t dchan_probe_above(const struct dchan_probe *p, size_t size);

#endif
