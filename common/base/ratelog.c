/*
 * ratelog.c - see ratelog.h. Sources are counted with the space-saving
 * algorithm: a full table gives the slot of the least-counted source to the
 * newcomer, which inherits that count plus one, so a source that sends a
 * large share of the events is never lost however many others appear, and
 * the table stays RATELOG_SOURCES entries whatever the flood.
 */
#include "ratelog.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

void ratelog_init(struct ratelog *r, unsigned burst, uint64_t interval_ms, uint64_t now_ms)
{
	memset(r, 0, sizeof(*r));
	r->burst = burst;
	r->interval_ms = interval_ms > 0 ? interval_ms : 1;
	r->sec_start_ms = now_ms;
	r->win_start_ms = now_ms;
}

static void count_source(struct ratelog *r, const char *source)
{
	unsigned min = 0;

	for (unsigned i = 0; i < r->n_src; i++) {
		if (strcmp(r->src[i].key, source) == 0) {
			r->src[i].n++;
			return;
		}
		if (r->src[i].n < r->src[min].n)
			min = i;
	}
	if (r->n_src < RATELOG_SOURCES) {
		snprintf(r->src[r->n_src].key, RATELOG_SOURCE_MAX, "%s", source);
		r->src[r->n_src++].n = 1;
		return;
	}
	snprintf(r->src[min].key, RATELOG_SOURCE_MAX, "%s", source);
	r->src[min].n++;
}

bool ratelog_event(struct ratelog *r, uint64_t now_ms, unsigned reason, const char *source)
{
	if (reason >= RATELOG_REASONS)
		reason = RATELOG_REASONS - 1;
	if (now_ms - r->sec_start_ms >= 1000) {
		r->sec_start_ms = now_ms;
		r->sec_told = 0;
	}
	r->win_total++;
	r->by_reason[reason]++;
	count_source(r, source != NULL ? source : "-");
	if (r->sec_told < r->burst) {
		r->sec_told++;
		return true;
	}
	r->win_held++;
	return false;
}

uint64_t ratelog_due_in(const struct ratelog *r, uint64_t now_ms)
{
	uint64_t end = r->win_start_ms + r->interval_ms;

	if (r->win_held == 0)
		return UINT64_MAX;
	return now_ms >= end ? 0 : end - now_ms;
}

/* Appends to out at *len; a line cut at cap stays a valid string. */
static void append(char *out, size_t cap, size_t *len, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static void append(char *out, size_t cap, size_t *len, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (*len >= cap)
		return;
	va_start(ap, fmt);
	n = vsnprintf(out + *len, cap - *len, fmt, ap);
	va_end(ap);
	if (n > 0)
		*len = *len + (size_t)n < cap ? *len + (size_t)n : cap;
}

static void reset_window(struct ratelog *r, uint64_t now_ms)
{
	r->win_start_ms = now_ms;
	r->win_total = r->win_held = 0;
	memset(r->by_reason, 0, sizeof(r->by_reason));
	r->n_src = 0;
}

bool ratelog_summary(struct ratelog *r, uint64_t now_ms, bool force, const char *const *names,
		     const char *what, char *out, size_t cap)
{
	size_t len = 0;
	const char *sep = ": ";
	bool used[RATELOG_SOURCES] = {false};

	if (cap > 0)
		out[0] = '\0';
	if (now_ms < r->win_start_ms + r->interval_ms && !force)
		return false;
	if (r->win_held == 0) {
		reset_window(r, now_ms);
		return false;
	}
	append(out, cap, &len, "%llu %s in the last %llu s (%llu not logged)",
	       (unsigned long long)r->win_total, what,
	       (unsigned long long)((now_ms - r->win_start_ms + 500) / 1000),
	       (unsigned long long)r->win_held);
	for (unsigned i = 0; i < RATELOG_REASONS; i++) {
		if (r->by_reason[i] == 0)
			continue;
		append(out, cap, &len, "%s%llu %s", sep, (unsigned long long)r->by_reason[i],
		       names != NULL && names[i] != NULL ? names[i] : "other");
		sep = ", ";
	}
	sep = "; top sources ";
	for (unsigned k = 0; k < RATELOG_TOP; k++) {
		int best = -1;

		for (unsigned i = 0; i < r->n_src; i++)
			if (!used[i] && (best < 0 || r->src[i].n > r->src[best].n))
				best = (int)i;
		if (best < 0)
			break;
		used[best] = true;
		append(out, cap, &len, "%s%s (%llu)", sep, r->src[best].key,
		       (unsigned long long)r->src[best].n);
		sep = ", ";
	}
	reset_window(r, now_ms);
	return true;
}
