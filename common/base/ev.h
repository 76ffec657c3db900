/*
 * ev.h - the event loop: one epoll instance per thread, io watchers,
 * monotonic timers embedded in their owners (a binary heap), signals through
 * signalfd, and a before-sleep hook where closed sessions are reaped.
 * A callback may stop or re-arm any watcher, including its own.
 */
#ifndef MTLSVPN_EV_H
#define MTLSVPN_EV_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct ev_loop;
struct ev_io;
struct ev_timer;

typedef void ev_io_cb(struct ev_loop *loop, struct ev_io *w, uint32_t revents);
typedef void ev_timer_cb(struct ev_loop *loop, struct ev_timer *t);
typedef void ev_signal_cb(struct ev_loop *loop, int signo, void *data);
typedef void ev_hook_cb(struct ev_loop *loop, void *data);

struct ev_io {
	int fd;
	uint32_t events;     /* EPOLLIN / EPOLLOUT currently registered */
	ev_io_cb *cb;
	void *data;
	bool active;
};

struct ev_timer {
	uint64_t when_ms;    /* monotonic deadline */
	ev_timer_cb *cb;
	void *data;
	size_t heap_idx;     /* internal; SIZE_MAX when not armed */
};

struct ev_loop *ev_loop_new(void);
void ev_loop_free(struct ev_loop *loop);

void ev_io_init(struct ev_io *w, int fd, ev_io_cb *cb, void *data);
int ev_io_start(struct ev_loop *loop, struct ev_io *w, uint32_t events);
int ev_io_modify(struct ev_loop *loop, struct ev_io *w, uint32_t events);
void ev_io_stop(struct ev_loop *loop, struct ev_io *w);

void ev_timer_init(struct ev_timer *t, ev_timer_cb *cb, void *data);
/* (Re)arm to fire once, after_ms from the loop's current time. */
void ev_timer_arm(struct ev_loop *loop, struct ev_timer *t, uint64_t after_ms);
void ev_timer_stop(struct ev_loop *loop, struct ev_timer *t);
bool ev_timer_armed(const struct ev_timer *t);

/* Blocks signo and delivers it through the loop's signalfd. */
int ev_signal_add(struct ev_loop *loop, int signo, ev_signal_cb *cb, void *data);

/* Called once per turn, after callbacks, before epoll_wait. Several hooks
 * may be set; they run in the order added. */
int ev_hook_add(struct ev_loop *loop, ev_hook_cb *cb, void *data);

/* before runs just before epoll_wait, after just after it returns (before
 * the loop's time is updated): a thread gives up shared state while it
 * sleeps. */
void ev_set_sleep_hooks(struct ev_loop *loop, ev_hook_cb *before, ev_hook_cb *after, void *data);
/* The loop's cached time set to now: another thread arms a timer on this
 * loop while it sleeps (its cached time is as old as its sleep). */
void ev_loop_update_now(struct ev_loop *loop);
/* Runs until ev_loop_break(). 0, or -1 if epoll_wait fails. */
int ev_run(struct ev_loop *loop);
void ev_loop_break(struct ev_loop *loop);
/* If set, the next epoll_wait does not sleep (pending work exists). */
void ev_loop_no_sleep(struct ev_loop *loop);

/* Busy polling (busypoll.h): after a turn in which ev_loop_data_moved was
 * called, poll up to window_us before sleeping; 0 (the default) never. */
struct busypoll;
void ev_loop_set_busy_poll(struct ev_loop *loop, uint32_t window_us);
/* A packet moved this turn (not a timer or keepalive): the reply may be
 * close behind. */
void ev_loop_data_moved(struct ev_loop *loop);
/* Its counters, read by the loop's own thread. */
const struct busypoll *ev_loop_busy_poll(const struct ev_loop *loop);

uint64_t ev_now_ms(const struct ev_loop *loop); /* cached per turn */
uint64_t ev_time_ms(void);                       /* CLOCK_MONOTONIC now */

#endif
