/*
 * test_ev.c - the event loop: timer order, re-arming and stopping from
 * callbacks, io on a pipe, signals through signalfd, hook order and the
 * no-sleep flag. Assertions are on order and counts, never on durations.
 */
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>
#include <time.h>

#include <cmocka.h>

#include "ev.h"

#define MAX_LOG 64

struct trace {
	int log[MAX_LOG];
	int n;
};

static void trace_add(struct trace *tr, int v)
{
	assert_true(tr->n < MAX_LOG);
	tr->log[tr->n++] = v;
}

/* Every test arms this guard so a broken loop fails instead of hanging. */
static void guard_cb(struct ev_loop *loop, struct ev_timer *t)
{
	(void)loop;
	(void)t;
	fail_msg("the loop did not stop by itself");
}

/* ---- timers ---- */

struct tagged_timer {
	struct ev_timer t;
	struct trace *tr;
	int tag;
	int rearm_left;
	struct ev_timer *victim; /* stopped when this one fires */
	bool stop_loop;
};

static void tagged_cb(struct ev_loop *loop, struct ev_timer *t)
{
	struct tagged_timer *tt = t->data;

	trace_add(tt->tr, tt->tag);
	assert_false(ev_timer_armed(t));
	if (tt->victim != NULL)
		ev_timer_stop(loop, tt->victim);
	if (tt->rearm_left > 0) {
		tt->rearm_left--;
		ev_timer_arm(loop, t, 1);
		assert_true(ev_timer_armed(t));
	}
	if (tt->stop_loop)
		ev_loop_break(loop);
}

static void test_ev_timer_arm_fires_in_deadline_order(void **state)
{
	static const uint64_t delays[] = {40, 5, 25, 1, 30, 15, 10, 35, 20, 0};
	enum { N = sizeof(delays) / sizeof(delays[0]) };
	struct ev_loop *loop = ev_loop_new();
	struct tagged_timer tt[N];
	struct ev_timer guard;
	struct trace tr = {0};

	(void)state;
	assert_non_null(loop);
	for (int i = 0; i < N; i++) {
		memset(&tt[i], 0, sizeof(tt[i]));
		tt[i].tr = &tr;
		tt[i].tag = (int)delays[i];
		tt[i].stop_loop = delays[i] == 40;
		ev_timer_init(&tt[i].t, tagged_cb, &tt[i]);
		assert_false(ev_timer_armed(&tt[i].t));
		ev_timer_arm(loop, &tt[i].t, delays[i]);
	}
	ev_timer_init(&guard, guard_cb, NULL);
	ev_timer_arm(loop, &guard, 10000);
	assert_int_equal(ev_run(loop), 0);
	assert_int_equal(tr.n, N);
	for (int i = 1; i < N; i++)
		assert_true(tr.log[i - 1] < tr.log[i]);
	ev_loop_free(loop);
}

static void test_ev_timer_arm_rearm_in_callback(void **state)
{
	struct ev_loop *loop = ev_loop_new();
	struct tagged_timer a = {0}, stopper = {0};
	struct ev_timer guard;
	struct trace tr = {0};

	(void)state;
	a.tr = &tr;
	a.tag = 1;
	a.rearm_left = 4;
	ev_timer_init(&a.t, tagged_cb, &a);
	ev_timer_arm(loop, &a.t, 0);
	/* Re-arming an armed timer moves it rather than duplicating it. */
	ev_timer_arm(loop, &a.t, 2);
	stopper.tr = &tr;
	stopper.tag = 9;
	stopper.stop_loop = true;
	ev_timer_init(&stopper.t, tagged_cb, &stopper);
	ev_timer_arm(loop, &stopper.t, 200);
	ev_timer_init(&guard, guard_cb, NULL);
	ev_timer_arm(loop, &guard, 10000);
	assert_int_equal(ev_run(loop), 0);
	assert_int_equal(tr.n, 6);
	for (int i = 0; i < 5; i++)
		assert_int_equal(tr.log[i], 1);
	assert_int_equal(tr.log[5], 9);
	assert_false(ev_timer_armed(&a.t));
	ev_loop_free(loop);
}

static void test_ev_timer_stop_inside_callback(void **state)
{
	struct ev_loop *loop = ev_loop_new();
	struct tagged_timer first = {0}, victim = {0}, self = {0}, last = {0};
	struct ev_timer guard;
	struct trace tr = {0};

	(void)state;
	/* first stops victim before it is due; victim must never fire. */
	first.tr = victim.tr = self.tr = last.tr = &tr;
	first.tag = 1;
	victim.tag = 2;
	self.tag = 3;
	last.tag = 4;
	last.stop_loop = true;
	first.victim = &victim.t;
	/* A callback stopping its own (already fired) timer is harmless. */
	self.victim = &self.t;
	ev_timer_init(&first.t, tagged_cb, &first);
	ev_timer_init(&victim.t, tagged_cb, &victim);
	ev_timer_init(&self.t, tagged_cb, &self);
	ev_timer_init(&last.t, tagged_cb, &last);
	ev_timer_arm(loop, &first.t, 1);
	ev_timer_arm(loop, &victim.t, 30);
	ev_timer_arm(loop, &self.t, 5);
	ev_timer_arm(loop, &last.t, 50);
	ev_timer_init(&guard, guard_cb, NULL);
	ev_timer_arm(loop, &guard, 10000);
	assert_int_equal(ev_run(loop), 0);
	assert_int_equal(tr.n, 3);
	assert_int_equal(tr.log[0], 1);
	assert_int_equal(tr.log[1], 3);
	assert_int_equal(tr.log[2], 4);
	assert_false(ev_timer_armed(&victim.t));
	ev_loop_free(loop);
}

static void test_ev_timer_stop_many_keeps_heap_order(void **state)
{
	enum { N = 40 };
	struct ev_loop *loop = ev_loop_new();
	struct tagged_timer tt[N];
	struct ev_timer guard;
	struct trace tr = {0};

	(void)state;
	/* Delays in a scrambled order; every third one is stopped before run. */
	for (int i = 0; i < N; i++) {
		memset(&tt[i], 0, sizeof(tt[i]));
		tt[i].tr = &tr;
		tt[i].tag = (i * 17) % N;
		tt[i].stop_loop = tt[i].tag == N - 1;
		ev_timer_init(&tt[i].t, tagged_cb, &tt[i]);
		ev_timer_arm(loop, &tt[i].t, (uint64_t)tt[i].tag);
	}
	for (int i = 0; i < N; i++)
		if (tt[i].tag % 3 == 1)
			ev_timer_stop(loop, &tt[i].t);
	ev_timer_init(&guard, guard_cb, NULL);
	ev_timer_arm(loop, &guard, 10000);
	assert_int_equal(ev_run(loop), 0);
	assert_int_equal(tr.n, N - N / 3);
	for (int i = 0; i < tr.n; i++) {
		assert_int_not_equal(tr.log[i] % 3, 1);
		if (i > 0)
			assert_true(tr.log[i - 1] < tr.log[i]);
	}
	ev_loop_free(loop);
}

/* Many timers armed, re-armed while armed (earlier and later), and stopped
 * in a pseudo-random order: each fires once, at its last deadline, and the
 * deadlines fire in order. */
struct churn {
	struct ev_timer t;
	uint64_t *fired_when;
	int *fired;
	int n_fired_limit;
};

static void churn_cb(struct ev_loop *loop, struct ev_timer *t)
{
	struct churn *c = t->data;

	assert_true(*c->fired < c->n_fired_limit);
	c->fired_when[(*c->fired)++] = t->when_ms;
	assert_true(t->when_ms <= ev_now_ms(loop));
	if (*c->fired == c->n_fired_limit)
		ev_loop_break(loop);
}

static void test_ev_timer_rearm_armed_keeps_heap_order(void **state)
{
	enum { N = 600 };
	static struct churn c[N];
	static uint64_t when[N];
	bool armed[N] = {false};
	struct ev_loop *loop = ev_loop_new();
	struct ev_timer guard;
	uint32_t x = 12345;
	int fired = 0, n_armed = 0;

	(void)state;
	for (int i = 0; i < N; i++) {
		c[i].fired_when = when;
		c[i].fired = &fired;
		ev_timer_init(&c[i].t, churn_cb, &c[i]);
	}
	for (int step = 0; step < 6 * N; step++) {
		int i;

		x = x * 1103515245u + 12345u;
		i = (int)((x >> 8) % N);
		if ((x >> 24) % 5 == 0) {
			ev_timer_stop(loop, &c[i].t);
			armed[i] = false;
		} else {
			ev_timer_arm(loop, &c[i].t, 20 + (x >> 16) % 200);
			armed[i] = true;
		}
		assert_int_equal(ev_timer_armed(&c[i].t), armed[i]);
	}
	for (int i = 0; i < N; i++)
		n_armed += armed[i];
	for (int i = 0; i < N; i++)
		c[i].n_fired_limit = n_armed;
	assert_true(n_armed > N / 2);
	ev_timer_init(&guard, guard_cb, NULL);
	ev_timer_arm(loop, &guard, 10000);
	assert_int_equal(ev_run(loop), 0);
	assert_int_equal(fired, n_armed);
	for (int i = 1; i < fired; i++)
		assert_true(when[i - 1] <= when[i]);
	for (int i = 0; i < N; i++)
		assert_false(ev_timer_armed(&c[i].t));
	ev_loop_free(loop);
}

/* ---- io ---- */

struct pipe_reader {
	struct ev_io w;
	struct trace *tr;
	int reads;
};

static void reader_cb(struct ev_loop *loop, struct ev_io *w, uint32_t revents)
{
	struct pipe_reader *r = w->data;
	char c;

	(void)loop;

	assert_true(revents & EPOLLIN);
	assert_int_equal(read(w->fd, &c, 1), 1);
	trace_add(r->tr, c);
	r->reads++;
}

static void break_cb(struct ev_loop *loop, struct ev_timer *t)
{
	(void)t;
	ev_loop_break(loop);
}

static void test_ev_io_start_reads_pipe(void **state)
{
	struct ev_loop *loop = ev_loop_new();
	struct pipe_reader r = {0};
	struct ev_timer stop, guard;
	struct trace tr = {0};
	int p[2];

	(void)state;
	assert_int_equal(pipe(p), 0);
	r.tr = &tr;
	ev_io_init(&r.w, p[0], reader_cb, &r);
	assert_int_equal(ev_io_start(loop, &r.w, EPOLLIN), 0);
	assert_true(r.w.active);
	assert_int_equal(write(p[1], "abc", 3), 3);
	/* Level-triggered: three one-byte reads over three turns. */
	ev_timer_init(&stop, break_cb, NULL);
	ev_timer_arm(loop, &stop, 50);
	ev_timer_init(&guard, guard_cb, NULL);
	ev_timer_arm(loop, &guard, 10000);
	assert_int_equal(ev_run(loop), 0);
	assert_int_equal(r.reads, 3);
	assert_memory_equal(tr.log, ((int[]){'a', 'b', 'c'}), 3 * sizeof(int));

	/* Stopped: pending bytes are no longer delivered. */
	ev_io_stop(loop, &r.w);
	assert_false(r.w.active);
	assert_int_equal(write(p[1], "d", 1), 1);
	ev_timer_arm(loop, &stop, 20);
	assert_int_equal(ev_run(loop), 0);
	assert_int_equal(r.reads, 3);

	/* Modified to no events: pending input is not reported until EPOLLIN
	 * is asked for again. */
	assert_int_equal(ev_io_start(loop, &r.w, EPOLLIN), 0);
	assert_int_equal(ev_io_modify(loop, &r.w, 0), 0);
	ev_timer_arm(loop, &stop, 20);
	assert_int_equal(ev_run(loop), 0);
	assert_int_equal(r.reads, 3);
	assert_int_equal(ev_io_modify(loop, &r.w, EPOLLIN), 0);
	ev_timer_arm(loop, &stop, 20);
	assert_int_equal(ev_run(loop), 0);
	assert_int_equal(r.reads, 4);

	ev_io_stop(loop, &r.w);
	close(p[0]);
	close(p[1]);
	ev_loop_free(loop);
}

static void test_ev_io_start_bad_fd_fails(void **state)
{
	struct ev_loop *loop = ev_loop_new();
	struct ev_io w;

	(void)state;
	ev_io_init(&w, -1, reader_cb, NULL);
	assert_int_equal(ev_io_start(loop, &w, EPOLLIN), -1);
	assert_int_equal(errno, EBADF);
	assert_false(w.active);
	ev_loop_free(loop);
}

static void never_cb(struct ev_loop *loop, struct ev_io *w, uint32_t revents)
{
	(void)loop;
	(void)w;
	(void)revents;
	fail_msg("a stale event from the batch reached a reused watcher");
}

struct batch_pair {
	struct ev_io a, b;
	struct trace *tr;
	int idle_fd;
};

/* Stops both watchers, then reuses the other one's memory for a watcher on
 * an fd with nothing to read, as an owner freeing and reallocating would. */
static void pair_cb(struct ev_loop *loop, struct ev_io *w, uint32_t revents)
{
	struct batch_pair *p = w->data;
	struct ev_io *other = w == &p->a ? &p->b : &p->a;
	char c;

	(void)revents;
	assert_int_equal(read(w->fd, &c, 1), 1);
	trace_add(p->tr, c);
	ev_io_stop(loop, other);
	ev_io_stop(loop, w);
	ev_io_init(other, p->idle_fd, never_cb, NULL);
	assert_int_equal(ev_io_start(loop, other, EPOLLIN), 0);
}

static void test_ev_io_stop_other_and_self_in_same_batch(void **state)
{
	struct ev_loop *loop = ev_loop_new();
	struct batch_pair *p = calloc(1, sizeof(*p));
	struct ev_timer stop, guard;
	struct trace tr = {0};
	int pa[2], pb[2], idle[2];

	(void)state;
	assert_int_equal(pipe(pa), 0);
	assert_int_equal(pipe(pb), 0);
	assert_int_equal(pipe(idle), 0);
	/* Both readable before the loop runs, so one epoll batch holds both;
	 * whichever callback runs first must be the only one. */
	p->tr = &tr;
	p->idle_fd = idle[0];
	ev_io_init(&p->a, pa[0], pair_cb, p);
	ev_io_init(&p->b, pb[0], pair_cb, p);
	assert_int_equal(ev_io_start(loop, &p->a, EPOLLIN), 0);
	assert_int_equal(ev_io_start(loop, &p->b, EPOLLIN), 0);
	assert_int_equal(write(pa[1], "x", 1), 1);
	assert_int_equal(write(pb[1], "y", 1), 1);
	ev_timer_init(&stop, break_cb, NULL);
	ev_timer_arm(loop, &stop, 30);
	ev_timer_init(&guard, guard_cb, NULL);
	ev_timer_arm(loop, &guard, 10000);
	assert_int_equal(ev_run(loop), 0);
	assert_int_equal(tr.n, 1);
	ev_io_stop(loop, &p->a);
	ev_io_stop(loop, &p->b);
	free(p);
	close(pa[0]);
	close(pa[1]);
	close(pb[0]);
	close(pb[1]);
	close(idle[0]);
	close(idle[1]);
	ev_loop_free(loop);
}

/* ---- signals ---- */

struct sig_seen {
	int signo[8];
	int n;
};

static void sig_cb(struct ev_loop *loop, int signo, void *data)
{
	struct sig_seen *s = data;

	assert_true(s->n < 8);
	s->signo[s->n++] = signo;
	if (signo == SIGUSR2)
		ev_loop_break(loop);
}

static void raise_cb(struct ev_loop *loop, struct ev_timer *t)
{
	(void)loop;
	(void)t;
	assert_int_equal(raise(SIGUSR1), 0);
	assert_int_equal(raise(SIGUSR2), 0);
}

static void test_ev_signal_add_delivers_raised_signal(void **state)
{
	struct ev_loop *loop = ev_loop_new();
	struct sig_seen seen = {0};
	struct ev_timer kick, guard;

	(void)state;
	assert_int_equal(ev_signal_add(loop, SIGUSR1, sig_cb, &seen), 0);
	assert_int_equal(ev_signal_add(loop, SIGUSR2, sig_cb, &seen), 0);
	/* Raised before the loop runs: blocked and queued, not lost. */
	assert_int_equal(raise(SIGUSR1), 0);
	ev_timer_init(&kick, raise_cb, NULL);
	ev_timer_arm(loop, &kick, 5);
	ev_timer_init(&guard, guard_cb, NULL);
	ev_timer_arm(loop, &guard, 10000);
	assert_int_equal(ev_run(loop), 0);
	/* Standard signals do not queue: the two SIGUSR1 may merge into one. */
	assert_true(seen.n >= 2);
	assert_int_equal(seen.signo[0], SIGUSR1);
	assert_int_equal(seen.signo[seen.n - 1], SIGUSR2);
	ev_loop_free(loop);
}

static void test_ev_signal_add_rejects_bad_signo(void **state)
{
	struct ev_loop *loop = ev_loop_new();
	static const int bad[] = {0, -1, 65, 1000};

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		errno = 0;
		assert_int_equal(ev_signal_add(loop, bad[i], sig_cb, NULL), -1);
		assert_int_equal(errno, EINVAL);
	}
	ev_loop_free(loop);
}

/* ---- hooks and no-sleep ---- */

struct hook_ctx {
	struct trace *tr;
	int tag;
	int turns_left;
	bool no_sleep;
};

static void hook_cb(struct ev_loop *loop, void *data)
{
	struct hook_ctx *h = data;

	trace_add(h->tr, h->tag);
	if (h->no_sleep)
		ev_loop_no_sleep(loop);
	if (h->turns_left > 0 && --h->turns_left == 0)
		ev_loop_break(loop);
}

static void test_ev_hook_add_runs_in_order_each_turn(void **state)
{
	struct ev_loop *loop = ev_loop_new();
	struct trace tr = {0};
	struct hook_ctx h1 = {&tr, 1, 0, true}, h2 = {&tr, 2, 0, false}, h3 = {&tr, 3, 3, false};
	struct ev_timer guard;

	(void)state;
	assert_int_equal(ev_hook_add(loop, hook_cb, &h1), 0);
	assert_int_equal(ev_hook_add(loop, hook_cb, &h2), 0);
	assert_int_equal(ev_hook_add(loop, hook_cb, &h3), 0);
	/* No fd and only a far guard timer: without no_sleep the second turn
	 * would block until the guard fails the test. */
	ev_timer_init(&guard, guard_cb, NULL);
	ev_timer_arm(loop, &guard, 10000);
	assert_int_equal(ev_run(loop), 0);
	assert_int_equal(tr.n, 9);
	for (int i = 0; i < 9; i++)
		assert_int_equal(tr.log[i], i % 3 + 1);
	ev_loop_free(loop);
}

struct sleep_ctx {
	struct trace *tr;
	int tag;
};

static void sleep_hook_cb(struct ev_loop *loop, void *data)
{
	struct sleep_ctx *c = data;

	(void)loop;
	trace_add(c->tr, c->tag);
	trace_add(c->tr, c->tag + 1);
}

static void after_sleep_cb(struct ev_loop *loop, void *data)
{
	struct sleep_ctx *c = data;

	(void)loop;
	trace_add(c->tr, c->tag + 2);
}

/* The sleep hooks bracket every epoll_wait: after the before-sleep hooks,
 * before the callbacks of the next turn; none once the loop is broken. */
static void test_ev_set_sleep_hooks_bracket_each_sleep(void **state)
{
	struct ev_loop *loop = ev_loop_new();
	struct trace tr = {0};
	struct hook_ctx h = {&tr, 1, 3, true};
	struct sleep_ctx sc = {&tr, 5};
	struct ev_timer guard;

	(void)state;
	assert_int_equal(ev_hook_add(loop, hook_cb, &h), 0);
	ev_set_sleep_hooks(loop, sleep_hook_cb, after_sleep_cb, &sc);
	ev_timer_init(&guard, guard_cb, NULL);
	ev_timer_arm(loop, &guard, 10000);
	assert_int_equal(ev_run(loop), 0);
	/* hook, before (5, 6), after (7); twice; then the hook breaks. */
	{
		const int want[] = {1, 5, 6, 7, 1, 5, 6, 7, 1};

		assert_int_equal(tr.n, 9);
		for (int i = 0; i < 9; i++)
			assert_int_equal(tr.log[i], want[i]);
	}
	ev_loop_free(loop);
}

/* Another thread arming a timer on a sleeping loop first brings the
 * loop's cached time up to date. */
static void test_ev_loop_update_now_catches_up(void **state)
{
	struct ev_loop *loop = ev_loop_new();
	struct timespec ts = {0, 20 * 1000 * 1000};
	uint64_t before;

	(void)state;
	before = ev_now_ms(loop);
	nanosleep(&ts, NULL);
	assert_int_equal(ev_now_ms(loop), before);
	ev_loop_update_now(loop);
	assert_true(ev_now_ms(loop) >= before + 20);
	ev_loop_free(loop);
}

static void test_ev_now_ms_is_monotonic(void **state)
{
	struct ev_loop *loop = ev_loop_new();
	uint64_t a, b;

	(void)state;
	a = ev_now_ms(loop);
	b = ev_time_ms();
	assert_true(b >= a);
	ev_loop_free(loop);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_ev_timer_arm_fires_in_deadline_order),
	    cmocka_unit_test(test_ev_timer_arm_rearm_in_callback),
	    cmocka_unit_test(test_ev_timer_stop_inside_callback),
	    cmocka_unit_test(test_ev_timer_stop_many_keeps_heap_order),
	    cmocka_unit_test(test_ev_timer_rearm_armed_keeps_heap_order),
	    cmocka_unit_test(test_ev_io_start_reads_pipe),
	    cmocka_unit_test(test_ev_io_start_bad_fd_fails),
	    cmocka_unit_test(test_ev_io_stop_other_and_self_in_same_batch),
	    cmocka_unit_test(test_ev_signal_add_delivers_raised_signal),
	    cmocka_unit_test(test_ev_signal_add_rejects_bad_signo),
	    cmocka_unit_test(test_ev_hook_add_runs_in_order_each_turn),
	    cmocka_unit_test(test_ev_set_sleep_hooks_bracket_each_sleep),
	    cmocka_unit_test(test_ev_loop_update_now_catches_up),
	    cmocka_unit_test(test_ev_now_ms_is_monotonic),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
