/*
 * busypoll.h - when an event loop polls instead of sleeping: after a turn
 * that moved data (a packet through the TUN, not a timer or keepalive) it
 * polls for up to window_us before it blocks, so the reply to a packet just
 * forwarded is picked up without a wake-up from idle. Windows that find
 * nothing several times in a row pause polling for a time that doubles up
 * to a cap, which bounds the CPU a one-way flow can make it waste. Pure:
 * the caller passes the monotonic time in microseconds; no clock, no I/O.
 */
#ifndef MTLSVPN_BUSYPOLL_H
#define MTLSVPN_BUSYPOLL_H

#include <stdbool.h>
#include <stdint.h>

/* Empty windows in a row that start a pause. */
#define BUSYPOLL_MISS_LIMIT 4
/* The first pause, and the longest: polling that never finds anything
 * spends MISS_LIMIT windows per longest pause, 0.3 % of a core with 100 us
 * windows and 1.6 % with the largest. */
#define BUSYPOLL_PAUSE_MIN_US 1000u
#define BUSYPOLL_PAUSE_MAX_US 128000u
/* The largest window the configuration accepts. */
#define BUSYPOLL_WINDOW_MAX_US 500u

struct busypoll {
	uint32_t window_us; /* 0: never poll */
	uint32_t misses;    /* empty windows since the last one that found data */
	uint32_t pause_us;  /* the last pause, 0 if none since a window found data */
	uint64_t resume_us; /* no window before this time */
	/* Counters for whoever reports: windows that found data, windows
	 * that did not, pauses started. */
	uint64_t hits, empty, pauses;
};

/* window_us above BUSYPOLL_WINDOW_MAX_US is taken as the maximum. */
void busypoll_init(struct busypoll *bp, uint32_t window_us);

/* At the end of a turn: how long to poll before blocking, in us; 0 to block
 * at once (nothing moved, polling is off or paused). */
uint32_t busypoll_window(const struct busypoll *bp, uint64_t now_us, bool data_moved);

/* After a window busypoll_window granted: whether it found an event. */
void busypoll_result(struct busypoll *bp, uint64_t now_us, bool found);

#endif
