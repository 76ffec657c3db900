/*
 * session_reap.c - freeing the sessions closed during a loop turn (the
 * before-sleep hook; session.c only marks and queues them), and giving the
 * heap back to the kernel once a burst of closes is over.
 */
#include "server.h"

#include <malloc.h>

/* Sessions freed before the heap is trimmed (trim_after_burst). */
#define SESSION_TRIM_AFTER 64

/*
 * A burst of connections that came and went (a flood, or a reconnect storm)
 * leaves the heap grown with free chunks malloc keeps: once the burst is
 * over (a second without a close), give them back to the kernel. Not
 * during it: malloc_trim walks the whole heap (about 4 ms at 90 MB), which
 * would stall every session's packets once a second while a flood lasts.
 */
static void session_on_trim_due(struct ev_loop *loop, struct ev_timer *t)
{
	struct worker *w = t->data;

	(void)loop;
	malloc_trim(0);
	w->reaped_since_trim = 0;
}

void session_trim_init(struct worker *w)
{
	ev_timer_init(&w->trim_timer, session_on_trim_due, w);
}

static void trim_after_burst(struct worker *w, unsigned freed)
{
	w->reaped_since_trim += freed;
	if (freed == 0 || w->reaped_since_trim < SESSION_TRIM_AFTER)
		return;
	ev_timer_arm(w->loop, &w->trim_timer, 1000);
}

/* Before-sleep hook: free what was closed during this turn. */
void session_reap_all(struct ev_loop *loop, void *data)
{
	struct worker *w = data;
	struct session *s;

	unsigned freed = 0;

	(void)loop;
	while ((s = LIST_FIRST(&w->reap)) != NULL) {
		LIST_REMOVE(s, entry);
		session_free(s);
		freed++;
	}
	trim_after_burst(w, freed);
	gateway_on_session_reaped(w);
}
