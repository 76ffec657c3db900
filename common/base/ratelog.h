/*
 * ratelog.h - bounded logging of a flood of like events (connections
 * refused before authentication): the first `burst` events of each second
 * are told in full; every event is counted by reason and by source, and an
 * interval in which some were held back ends with one summary line. Pure:
 * the caller passes the time in and writes the lines out, so a stranger can
 * cost the log at most burst lines a second plus one line an interval.
 */
#ifndef MTLSVPN_RATELOG_H
#define MTLSVPN_RATELOG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define RATELOG_REASONS 24
#define RATELOG_SOURCES 32   /* tracked per interval (space-saving top-k) */
#define RATELOG_SOURCE_MAX 48
#define RATELOG_TOP 3        /* sources named in a summary */

struct ratelog_source {
	char key[RATELOG_SOURCE_MAX];
	uint64_t n;
};

struct ratelog {
	unsigned burst;                 /* told in full per second */
	uint64_t interval_ms;           /* one summary per interval at most */
	uint64_t sec_start_ms;
	unsigned sec_told;
	uint64_t win_start_ms;          /* the interval being counted */
	uint64_t win_total, win_held;
	uint64_t by_reason[RATELOG_REASONS];
	struct ratelog_source src[RATELOG_SOURCES];
	unsigned n_src;
};

void ratelog_init(struct ratelog *r, unsigned burst, uint64_t interval_ms, uint64_t now_ms);

/* Counts one event of `reason` (< RATELOG_REASONS) from `source`; true if
 * it should be told in full now, false if it is held for the summary. */
bool ratelog_event(struct ratelog *r, uint64_t now_ms, unsigned reason, const char *source);

/* Milliseconds until the summary of the current interval is due, or
 * UINT64_MAX when nothing was held back (no summary will be written). */
uint64_t ratelog_due_in(const struct ratelog *r, uint64_t now_ms);

/* When the interval is over (or at once with force, e.g. at shutdown): if
 * events were held back in it, writes the summary ("N connections refused
 * in the last 10 s (M not logged): 1790 no certificate, 44 unknown CA; top
 * sources 203.0.113.4 (1200), ...") into out and returns true; either way
 * starts a new interval. Before the end of the interval: returns false and
 * changes nothing. names[i] names reason i. */
bool ratelog_summary(struct ratelog *r, uint64_t now_ms, bool force, const char *const *names,
		     const char *what, char *out, size_t cap);

#endif
