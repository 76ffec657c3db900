/*
 * ev.c - the event loop: level-triggered epoll, a 4-ary min-heap of timers
 * whose nodes live inside their owners, signals read from one signalfd, and
 * before-sleep hooks. Invariant: a watcher pointer taken from epoll is only
 * dereferenced if no callback has stopped it since epoll_wait returned
 * (ev_io_stop clears it from the batch being dispatched). A turn that moved
 * data may poll for a short window before sleeping (busypoll.h decides).
 */
#include "ev.h"

#include <errno.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <time.h>
#include <unistd.h>

#include "busypoll.h"
#include "log.h"

#define EV_BATCH 64
#define EV_NSIG 65

struct ev_sig {
	ev_signal_cb *cb;
	void *data;
};

struct ev_hook {
	ev_hook_cb *cb;
	void *data;
};

/* A timer in the heap, with its deadline beside it (below). */
struct ev_heap_ent {
	uint64_t when;
	struct ev_timer *t;
};

struct ev_loop {
	int epfd;
	uint64_t now_ms;
	bool stop;
	bool no_sleep;
	/* Data moved this turn (ev_loop_data_moved): poll before sleeping. */
	bool data_moved;
	struct busypoll bp;

	/* The batch being dispatched, so ev_io_stop can forget a watcher. */
	struct epoll_event events[EV_BATCH];
	int nevents;

	struct ev_heap_ent *heap;
	size_t nheap;
	size_t heap_cap;

	int sigfd;
	sigset_t sigmask;
	struct ev_io sig_io;
	struct ev_sig sigs[EV_NSIG];

	struct ev_hook *hooks;
	size_t nhooks;

	/* Around epoll_wait (ev_set_sleep_hooks): a thread that shares state
	 * with others gives it up while it sleeps. */
	ev_hook_cb *before_sleep, *after_sleep;
	void *sleep_data;
};

static uint64_t time_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

uint64_t ev_time_ms(void)
{
	return time_us() / 1000u;
}

uint64_t ev_now_ms(const struct ev_loop *loop)
{
	return loop->now_ms;
}

struct ev_loop *ev_loop_new(void)
{
	struct ev_loop *loop = calloc(1, sizeof(*loop));

	if (loop == NULL)
		return NULL;
	loop->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (loop->epfd < 0) {
		int e = errno;
		free(loop);
		errno = e;
		return NULL;
	}
	loop->sigfd = -1;
	sigemptyset(&loop->sigmask);
	loop->now_ms = ev_time_ms();
	return loop;
}

/*
 * Signals stay blocked after the loop is freed: a second SIGTERM arriving
 * while the program undoes its network changes must not kill it halfway.
 */
void ev_loop_free(struct ev_loop *loop)
{
	if (loop == NULL)
		return;
	if (loop->bp.hits + loop->bp.empty > 0)
		log_debug("event loop: %llu poll windows found an event, %llu none, %llu pauses",
			  (unsigned long long)loop->bp.hits, (unsigned long long)loop->bp.empty,
			  (unsigned long long)loop->bp.pauses);
	if (loop->sigfd >= 0)
		close(loop->sigfd);
	close(loop->epfd);
	for (size_t i = 0; i < loop->nheap; i++)
		loop->heap[i].t->heap_idx = SIZE_MAX;
	free(loop->heap);
	free(loop->hooks);
	free(loop);
}

/* ---- io watchers ---- */

void ev_io_init(struct ev_io *w, int fd, ev_io_cb *cb, void *data)
{
	w->fd = fd;
	w->events = 0;
	w->cb = cb;
	w->data = data;
	w->active = false;
}

int ev_io_start(struct ev_loop *loop, struct ev_io *w, uint32_t events)
{
	struct epoll_event ev;

	if (w->active)
		return ev_io_modify(loop, w, events);
	memset(&ev, 0, sizeof(ev));
	ev.events = events;
	ev.data.ptr = w;
	if (epoll_ctl(loop->epfd, EPOLL_CTL_ADD, w->fd, &ev) < 0)
		return -1;
	w->events = events;
	w->active = true;
	return 0;
}

int ev_io_modify(struct ev_loop *loop, struct ev_io *w, uint32_t events)
{
	struct epoll_event ev;

	if (!w->active)
		return ev_io_start(loop, w, events);
	if (events == w->events)
		return 0;
	memset(&ev, 0, sizeof(ev));
	ev.events = events;
	ev.data.ptr = w;
	if (epoll_ctl(loop->epfd, EPOLL_CTL_MOD, w->fd, &ev) < 0)
		return -1;
	w->events = events;
	return 0;
}

void ev_io_stop(struct ev_loop *loop, struct ev_io *w)
{
	if (!w->active)
		return;
	/* The fd may already be closed (then epoll has dropped it): ignore. */
	(void)epoll_ctl(loop->epfd, EPOLL_CTL_DEL, w->fd, NULL);
	w->active = false;
	w->events = 0;
	/* The owner may free w right after this call: forget it in the batch. */
	for (int i = 0; i < loop->nevents; i++)
		if (loop->events[i].data.ptr == w)
			loop->events[i].data.ptr = NULL;
}

/* ---- timers: a 4-ary min-heap on when_ms ----
 *
 * Each entry keeps its timer's deadline, so sifting compares within the
 * array and touches a timer (in its owner, anywhere in memory) only to
 * store its new index: with 10,000 sessions there are some 50,000 timers,
 * and chasing each to read its deadline missed the cache at every level.
 * Four children share a cache line, and the heap is half as deep as a
 * binary one. */

#define HEAP_D 4

static void heap_set(struct ev_loop *loop, size_t i, struct ev_heap_ent e)
{
	loop->heap[i] = e;
	e.t->heap_idx = i;
}

static void heap_up(struct ev_loop *loop, size_t i)
{
	struct ev_heap_ent e = loop->heap[i];

	while (i > 0) {
		size_t parent = (i - 1) / HEAP_D;
		if (loop->heap[parent].when <= e.when)
			break;
		heap_set(loop, i, loop->heap[parent]);
		i = parent;
	}
	heap_set(loop, i, e);
}

static void heap_down(struct ev_loop *loop, size_t i)
{
	struct ev_heap_ent e = loop->heap[i];

	for (;;) {
		size_t c = HEAP_D * i + 1, end = c + HEAP_D, min = c;

		if (c >= loop->nheap)
			break;
		if (end > loop->nheap)
			end = loop->nheap;
		for (size_t j = c + 1; j < end; j++)
			if (loop->heap[j].when < loop->heap[min].when)
				min = j;
		if (e.when <= loop->heap[min].when)
			break;
		heap_set(loop, i, loop->heap[min]);
		i = min;
	}
	heap_set(loop, i, e);
}

/* Entry i has a new deadline: up or down to its place. */
static void heap_fix(struct ev_loop *loop, size_t i)
{
	if (i > 0 && loop->heap[(i - 1) / HEAP_D].when > loop->heap[i].when)
		heap_up(loop, i);
	else
		heap_down(loop, i);
}

static void heap_remove(struct ev_loop *loop, struct ev_timer *t)
{
	size_t i = t->heap_idx;
	struct ev_heap_ent last = loop->heap[--loop->nheap];

	t->heap_idx = SIZE_MAX;
	if (last.t == t)
		return;
	heap_set(loop, i, last);
	heap_fix(loop, i);
}

void ev_timer_init(struct ev_timer *t, ev_timer_cb *cb, void *data)
{
	t->when_ms = 0;
	t->cb = cb;
	t->data = data;
	t->heap_idx = SIZE_MAX;
}

bool ev_timer_armed(const struct ev_timer *t)
{
	return t->heap_idx != SIZE_MAX;
}

void ev_timer_arm(struct ev_loop *loop, struct ev_timer *t, uint64_t after_ms)
{
	t->when_ms = loop->now_ms + after_ms;
	if (ev_timer_armed(t)) {
		/* Moved where it is: no removal and insertion. */
		loop->heap[t->heap_idx].when = t->when_ms;
		heap_fix(loop, t->heap_idx);
		return;
	}
	if (loop->nheap == loop->heap_cap) {
		size_t cap = loop->heap_cap ? loop->heap_cap * 2 : 16;
		struct ev_heap_ent *h = realloc(loop->heap, cap * sizeof(*h));
		if (h == NULL)
			fatalx("out of memory growing the timer heap to %zu", cap);
		loop->heap = h;
		loop->heap_cap = cap;
	}
	loop->heap[loop->nheap] = (struct ev_heap_ent){.when = t->when_ms, .t = t};
	t->heap_idx = loop->nheap++;
	heap_up(loop, t->heap_idx);
}

void ev_timer_stop(struct ev_loop *loop, struct ev_timer *t)
{
	if (ev_timer_armed(t))
		heap_remove(loop, t);
}

/*
 * Fire every timer due now. The number of firings is bounded by the heap
 * size on entry so a callback re-arming itself with 0 ms cannot spin this
 * turn forever; it fires again on the next turn.
 */
static void run_timers(struct ev_loop *loop)
{
	size_t budget = loop->nheap;

	while (budget-- > 0 && loop->nheap > 0) {
		struct ev_timer *t = loop->heap[0].t;
		if (loop->heap[0].when > loop->now_ms)
			break;
		heap_remove(loop, t);
		t->cb(loop, t);
		if (loop->stop)
			break;
	}
}

/* ---- signals ---- */

static void sig_read(struct ev_loop *loop, struct ev_io *w, uint32_t revents)
{
	struct signalfd_siginfo si;

	(void)w;
	(void)revents;
	for (int n = 0; n < 64; n++) {
		ssize_t r = read(loop->sigfd, &si, sizeof(si));
		if (r != (ssize_t)sizeof(si))
			break;
		if (si.ssi_signo < EV_NSIG && loop->sigs[si.ssi_signo].cb != NULL)
			loop->sigs[si.ssi_signo].cb(loop, (int)si.ssi_signo,
						    loop->sigs[si.ssi_signo].data);
		if (loop->stop)
			break;
	}
}

int ev_signal_add(struct ev_loop *loop, int signo, ev_signal_cb *cb, void *data)
{
	sigset_t one;
	int fd;

	if (signo <= 0 || signo >= EV_NSIG) {
		errno = EINVAL;
		return -1;
	}
	sigemptyset(&one);
	sigaddset(&one, signo);
	/* Block first, so nothing is lost between here and the signalfd. */
	if (sigprocmask(SIG_BLOCK, &one, NULL) < 0)
		return -1;
	sigaddset(&loop->sigmask, signo);
	fd = signalfd(loop->sigfd, &loop->sigmask, SFD_NONBLOCK | SFD_CLOEXEC);
	if (fd < 0) {
		sigdelset(&loop->sigmask, signo);
		return -1;
	}
	if (loop->sigfd < 0) {
		loop->sigfd = fd;
		ev_io_init(&loop->sig_io, fd, sig_read, NULL);
		if (ev_io_start(loop, &loop->sig_io, EPOLLIN) < 0) {
			int e = errno;
			close(fd);
			loop->sigfd = -1;
			sigdelset(&loop->sigmask, signo);
			errno = e;
			return -1;
		}
	}
	loop->sigs[signo].cb = cb;
	loop->sigs[signo].data = data;
	return 0;
}

/* ---- hooks and the loop ---- */

int ev_hook_add(struct ev_loop *loop, ev_hook_cb *cb, void *data)
{
	struct ev_hook *h = realloc(loop->hooks, (loop->nhooks + 1) * sizeof(*h));

	if (h == NULL)
		return -1;
	loop->hooks = h;
	h[loop->nhooks].cb = cb;
	h[loop->nhooks].data = data;
	loop->nhooks++;
	return 0;
}

void ev_set_sleep_hooks(struct ev_loop *loop, ev_hook_cb *before, ev_hook_cb *after, void *data)
{
	loop->before_sleep = before;
	loop->after_sleep = after;
	loop->sleep_data = data;
}

void ev_loop_update_now(struct ev_loop *loop)
{
	loop->now_ms = ev_time_ms();
}

void ev_loop_break(struct ev_loop *loop)
{
	loop->stop = true;
}

void ev_loop_no_sleep(struct ev_loop *loop)
{
	loop->no_sleep = true;
}

void ev_loop_set_busy_poll(struct ev_loop *loop, uint32_t window_us)
{
	busypoll_init(&loop->bp, window_us);
}

void ev_loop_data_moved(struct ev_loop *loop)
{
	loop->data_moved = true;
}

const struct busypoll *ev_loop_busy_poll(const struct ev_loop *loop)
{
	return &loop->bp;
}

/* Milliseconds epoll_wait may sleep: -1 forever, 0 not at all. */
static int next_timeout(struct ev_loop *loop)
{
	uint64_t now, when;

	if (loop->no_sleep)
		return 0;
	if (loop->nheap == 0)
		return -1;
	when = loop->heap[0].when;
	now = ev_time_ms();
	if (when <= now)
		return 0;
	if (when - now > 24u * 3600u * 1000u)
		return 24 * 3600 * 1000;
	return (int)(when - now);
}

static void dispatch_io(struct ev_loop *loop)
{
	for (int i = 0; i < loop->nevents && !loop->stop; i++) {
		struct ev_io *w = loop->events[i].data.ptr;
		uint32_t revents;

		if (w == NULL || !w->active)
			continue;
		/* Re-check against what is wanted now: an earlier callback in
		 * this batch may have changed it. */
		revents = loop->events[i].events & (w->events | EPOLLERR | EPOLLHUP);
		if (revents == 0)
			continue;
		w->cb(loop, w, revents);
	}
	loop->nevents = 0;
}

/*
 * epoll_wait without sleeping until an event comes or window_us is over:
 * the reply to a packet just forwarded is usually that close, and a CPU
 * woken from idle for it costs more. Each round yields the CPU: the
 * process the reply depends on (or the one this loop just handed a packet
 * to) may be waiting for this very CPU. 0 if the window found nothing.
 */
static int poll_window(struct ev_loop *loop, uint32_t window_us)
{
	uint64_t end = time_us() + window_us;
	int n;

	do {
		n = epoll_wait(loop->epfd, loop->events, EV_BATCH, 0);
		if (n != 0)
			return n;
		sched_yield();
	} while (time_us() < end);
	return 0;
}

/* One wait for events: a poll window first if busypoll grants one, then
 * epoll_wait for up to timeout ms. */
static int wait_events(struct ev_loop *loop, int timeout)
{
	uint32_t window = 0;
	int n;

	if (timeout != 0)
		window = busypoll_window(&loop->bp, time_us(), loop->data_moved);
	loop->data_moved = false;
	if (window > 0) {
		n = poll_window(loop, window);
		if (n < 0)
			return n;
		busypoll_result(&loop->bp, time_us(), n > 0);
		if (n > 0)
			return n;
		/* The window used up part of the timeout. */
		timeout = next_timeout(loop);
	}
	return epoll_wait(loop->epfd, loop->events, EV_BATCH, timeout);
}

int ev_run(struct ev_loop *loop)
{
	loop->stop = false;
	loop->now_ms = ev_time_ms();
	while (!loop->stop) {
		int n, timeout;

		for (size_t i = 0; i < loop->nhooks && !loop->stop; i++)
			loop->hooks[i].cb(loop, loop->hooks[i].data);
		if (loop->stop)
			break;
		/* The timeout is computed before sleeping: a timer another
		 * thread arms on this loop meanwhile is seen only once the
		 * loop wakes, so that thread wakes it (server/workers.c). */
		timeout = next_timeout(loop);
		if (loop->before_sleep != NULL)
			loop->before_sleep(loop, loop->sleep_data);
		n = wait_events(loop, timeout);
		if (loop->after_sleep != NULL) {
			int e = errno;

			loop->after_sleep(loop, loop->sleep_data);
			errno = e;
		}
		loop->no_sleep = false;
		if (n < 0) {
			if (errno != EINTR)
				return -1;
			n = 0;
		}
		loop->now_ms = ev_time_ms();
		loop->nevents = n;
		dispatch_io(loop);
		if (!loop->stop)
			run_timers(loop);
	}
	return 0;
}
