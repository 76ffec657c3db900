/*
 * workers.c - the gateway's workers: one event loop each, workers[0] on
 * the main thread (it also runs the control plane), the others on threads
 * of their own. Each worker holds gw->world for reading during every turn
 * of its loop and lets go of it only while it sleeps in epoll_wait. To
 * stop the world (status, disconnect, reload, revocation sweeps, a
 * session's admission and close: anything that touches shared tables or
 * another worker's sessions), a worker trades its read hold for the write
 * hold: the others park between two callbacks (or stay asleep) until it is
 * done, so the single-threaded code runs unchanged. It then brings the
 * parked loops' clocks up to date before and wakes them after (their
 * eventfd), so a timer armed on a parked loop is waited for from its real
 * time. Counters are per worker and summed here for whoever reports.
 */
#include "server.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "log.h"

/* The current thread's place: in a turn (holds world for reading) and how
 * deep in stops of the world. */
static _Thread_local bool in_turn;
static _Thread_local unsigned excl_depth;
static _Thread_local struct worker *self;

unsigned workers_wanted(const struct config_server *cfg)
{
	cpu_set_t set;
	int n;

	if (cfg->workers != 0)
		return cfg->workers;
	if (sched_getaffinity(0, sizeof(set), &set) < 0)
		return 1;
	n = CPU_COUNT(&set);
	if (n < 1)
		return 1;
	return n > CONFIG_WORKERS_MAX ? CONFIG_WORKERS_MAX : (unsigned)n;
}

int workers_alloc(struct gateway *gw, unsigned n)
{
	pthread_rwlockattr_t a;

	gw->workers = calloc(n, sizeof(*gw->workers));
	if (gw->workers == NULL)
		return -1;
	gw->n_workers = n;
	for (unsigned i = 0; i < n; i++) {
		gw->workers[i].gw = gw;
		gw->workers[i].tun_fd = -1;
		gw->workers[i].listen_fd = -1;
		gw->workers[i].udp.fd = -1;
		gw->workers[i].wake_fd = -1;
	}
	if (n == 1)
		return 0;
	/* A stopper waiting must hold new turns back, or busy workers would
	 * starve it. */
	pthread_rwlockattr_init(&a);
	pthread_rwlockattr_setkind_np(&a, PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP);
	if (pthread_rwlock_init(&gw->world, &a) != 0 ||
	    pthread_mutex_init(&gw->halfopen_mu, NULL) != 0 ||
	    pthread_mutex_init(&gw->audit_mu, NULL) != 0) {
		pthread_rwlockattr_destroy(&a);
		free(gw->workers);
		gw->workers = NULL;
		return -1;
	}
	pthread_rwlockattr_destroy(&a);
	gw->threaded = true;
	return 0;
}

void workers_free(struct gateway *gw)
{
	if (gw->threaded) {
		pthread_rwlock_destroy(&gw->world);
		pthread_mutex_destroy(&gw->halfopen_mu);
		pthread_mutex_destroy(&gw->audit_mu);
		gw->threaded = false;
	}
	free(gw->workers);
	gw->workers = NULL;
	gw->n_workers = 0;
}

void workers_wake(struct worker *w)
{
	uint64_t one = 1;

	if (w->wake_fd >= 0 && write(w->wake_fd, &one, sizeof(one)) < 0 && errno != EAGAIN)
		log_warn("waking worker %u", (unsigned)(w - w->gw->workers));
}

void workers_exclusive_begin(struct gateway *gw)
{
	if (!gw->threaded || excl_depth++ > 0 || !in_turn)
		return;
	pthread_rwlock_unlock(&gw->world);
	pthread_rwlock_wrlock(&gw->world);
	for (unsigned i = 0; i < gw->n_workers; i++)
		if (&gw->workers[i] != self && gw->workers[i].loop != NULL)
			ev_loop_update_now(gw->workers[i].loop);
}

void workers_exclusive_end(struct gateway *gw)
{
	if (!gw->threaded || --excl_depth > 0 || !in_turn)
		return;
	pthread_rwlock_unlock(&gw->world);
	pthread_rwlock_rdlock(&gw->world);
	/* Timers armed and sessions changed on parked loops: each runs a
	 * turn and sleeps again with its timeouts computed anew. */
	for (unsigned i = 0; i < gw->n_workers; i++)
		if (&gw->workers[i] != self)
			workers_wake(&gw->workers[i]);
}

static void turn_pause(struct ev_loop *loop, void *data)
{
	struct gateway *gw = data;

	(void)loop;
	in_turn = false;
	pthread_rwlock_unlock(&gw->world);
}

static void turn_resume(struct ev_loop *loop, void *data)
{
	struct gateway *gw = data;

	(void)loop;
	pthread_rwlock_rdlock(&gw->world);
	in_turn = true;
}

void workers_turn_enter(struct gateway *gw, struct worker *w)
{
	self = w;
	if (!gw->threaded)
		return;
	ev_set_sleep_hooks(w->loop, turn_pause, turn_resume, gw);
	pthread_rwlock_rdlock(&gw->world);
	in_turn = true;
}

void workers_turn_leave(struct gateway *gw)
{
	if (!gw->threaded || !in_turn)
		return;
	in_turn = false;
	pthread_rwlock_unlock(&gw->world);
}

static void *worker_thread(void *arg)
{
	struct worker *w = arg;

	workers_turn_enter(w->gw, w);
	if (ev_run(w->loop) < 0)
		log_warn("worker %u: event loop failed", (unsigned)(w - w->gw->workers));
	workers_turn_leave(w->gw);
	return NULL;
}

/* Started once confined: a thread inherits the dropped user, capabilities
 * and seccomp filter of the thread that creates it (server/confine.c
 * allows what creating it takes). Signals stay blocked in it (the main
 * loop's signalfd takes them). */
int workers_start_threads(struct gateway *gw)
{
	/* The time zone is read once here: wolfSSL's date conversions during
	 * handshakes call into it, and its first reading (under a lock of
	 * glibc's own that ThreadSanitizer cannot see) would otherwise race. */
	if (gw->n_workers > 1)
		tzset();
	for (unsigned i = 1; i < gw->n_workers; i++) {
		struct worker *w = &gw->workers[i];
		int e = pthread_create(&w->thread, NULL, worker_thread, w);

		if (e != 0) {
			errno = e;
			log_warn("cannot start worker %u", i);
			return -1;
		}
		w->thread_started = true;
	}
	return 0;
}

/* From the main thread, its loop over: the others leave theirs. */
void workers_stop_threads(struct gateway *gw)
{
	if (!gw->threaded)
		return;
	workers_turn_enter(gw, workers_main(gw));
	workers_exclusive_begin(gw);
	for (unsigned i = 1; i < gw->n_workers; i++)
		ev_loop_break(gw->workers[i].loop);
	workers_exclusive_end(gw);
	workers_turn_leave(gw);
	for (unsigned i = 1; i < gw->n_workers; i++)
		if (gw->workers[i].thread_started) {
			pthread_join(gw->workers[i].thread, NULL);
			gw->workers[i].thread_started = false;
		}
}

static void add_u64s(uint64_t *to, const uint64_t *from, size_t n)
{
	for (size_t i = 0; i < n; i++)
		to[i] += from[i];
}

void workers_sum_stats(const struct gateway *gw, struct worker_stats *out)
{
	const struct worker_stats *m = &workers_main(gw)->st;

	memset(out, 0, sizeof(*out));
	for (unsigned i = 0; i < gw->n_workers; i++) {
		const struct worker_stats *st = &gw->workers[i].st;

		out->tun_no_route += st->tun_no_route;
		out->tun_bad += st->tun_bad;
		out->tun_write_fail += st->tun_write_fail;
		out->refused_full += st->refused_full;
		add_u64s(out->refused_pre, st->refused_pre, REFUSAL_PRE_N);
		add_u64s(out->refused_post, st->refused_post, BYE_REASON_MAX + 1);
		out->accept_pauses += st->accept_pauses;
		status_add_stats(&out->closed, &st->closed);
		add_u64s(out->hs_buckets, st->hs_buckets, METRICS_HS_BUCKETS);
		out->hs_count += st->hs_count;
		out->hs_sum_us += st->hs_sum_us;
		out->metrics_scrapes += st->metrics_scrapes;
		out->metrics_refused += st->metrics_refused;
		out->revoked_live += st->revoked_live;
		out->est_cacerts += st->est_cacerts;
		out->est_enrolled += st->est_enrolled;
		out->est_renewed += st->est_renewed;
		out->est_refused += st->est_refused;
		out->gso_to_clients += st->gso_to_clients;
		out->gso_from_clients += st->gso_from_clients;
		out->gso_cut += st->gso_cut;
		out->gso_cut_segments += st->gso_cut_segments;
		out->gro_coalesced += st->gro_coalesced;
		out->gro_writes_saved += st->gro_writes_saved;
	}
	/* Reloads happen on the control plane only. */
	out->reloads_ok = m->reloads_ok;
	out->reloads_failed = m->reloads_failed;
	out->last_reload_unix = m->last_reload_unix;
	out->last_reload_ok = m->last_reload_ok;
}

unsigned workers_n_halfopen(const struct gateway *gw)
{
	unsigned n = 0;

	for (unsigned i = 0; i < gw->n_workers; i++)
		n += gw->workers[i].n_halfopen;
	return n;
}

unsigned workers_n_sessions(const struct gateway *gw)
{
	unsigned n = 0;

	for (unsigned i = 0; i < gw->n_workers; i++)
		n += gw->workers[i].n_sessions;
	return n;
}

/* "workers: 2; sessions: 3 4; hand-off: 120 passed, 0 dropped" */
void workers_status_line(const struct gateway *gw, char *out, size_t cap)
{
	uint64_t passed = 0, dropped = 0;
	size_t l;

	l = (size_t)snprintf(out, cap, "workers: %u; sessions:", gw->n_workers);
	for (unsigned i = 0; i < gw->n_workers && l < cap; i++) {
		const struct session *s;
		unsigned n = 0;

		LIST_FOREACH(s, &gw->workers[i].sessions, entry)
			n += s->state == SESSION_ESTABLISHED;
		l += (size_t)snprintf(out + l, cap - l, " %u", n);
		passed += gw->workers[i].st.handoff_passed;
		dropped += gw->workers[i].st.handoff_dropped;
	}
	if (l < cap)
		snprintf(out + l, cap - l, "; hand-off: %" PRIu64 " passed, %" PRIu64 " dropped",
			 passed, dropped);
}
