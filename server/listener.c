/*
 * listener.c - the listening TCP socket: a bounded non-blocking accept4 loop
 * per readiness event; each new connection enters the half-open table
 * (halfopen.c, which makes room by dropping the oldest stranger), and
 * max_clients is enforced only once a peer has authenticated (establish.c).
 * Out of descriptors or memory, accepting pauses briefly instead of
 * spinning on a connection it cannot take, with one log line per episode.
 */
#include "server.h"

#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

#include "log.h"

#define LISTENER_BACKLOG 1024
#define LISTENER_ACCEPT_BATCH 64
#define LISTENER_PAUSE_MS 200
#define LISTENER_EPISODE_MS 10000

static void listener_on_pause_over(struct ev_loop *loop, struct ev_timer *t)
{
	struct worker *w = t->data;

	if (w->listen_fd >= 0 && ev_io_start(loop, &w->listen_io, EPOLLIN) < 0)
		log_warn("cannot resume accepting connections");
}

/* Out of descriptors or memory: stop accepting for a moment. The first
 * pause of an episode is logged; an episode ends after
 * LISTENER_EPISODE_MS without a pause, and its end says how many there were. */
static void pause_accepting(struct worker *w, int err)
{
	w->st.accept_pauses++;
	w->last_pause_ms = ev_now_ms(w->loop);
	w->episode_pauses++;
	if (!w->accept_paused) {
		w->accept_paused = true;
		errno = err;
		log_warn("accept paused for %d ms at a time until resources free up "
			 "(sessions=%u half-open=%u)",
			 LISTENER_PAUSE_MS, w->n_sessions, w->n_halfopen);
	}
	ev_io_stop(w->loop, &w->listen_io);
	ev_timer_arm(w->loop, &w->accept_pause, LISTENER_PAUSE_MS);
}

static void accept_one(struct worker *w, int fd, const struct sockaddr_storage *ss)
{
	struct halfopen_src src;
	struct session *s;
	int one = 1;
	char remote[ADDR_STRLEN];

	if (w->gw->stopping) {
		close(fd);
		return;
	}
	if (w->accept_paused && ev_now_ms(w->loop) - w->last_pause_ms >= LISTENER_EPISODE_MS) {
		w->accept_paused = false;
		log_info("accepting connections again after %u pause(s)", w->episode_pauses);
		w->episode_pauses = 0;
	}
	halfopen_source(ss, &src);
	remote[0] = '\0';
	if (w->gw->cfg.proxy_protocol) {
		if (!proxy_trusted(&w->gw->cfg, ss)) {
			refusal_pre_auth(w, REFUSAL_PROXY_UNTRUSTED,
					 addr_fmt_sockaddr((const struct sockaddr *)ss, remote),
					 src.text, "not from a proxy_from address");
			close(fd);
			return;
		}
		/* The balancer is exempt from the per-source bound; its
		 * header names the source that counts (proxy.c). */
		memset(&src, 0, sizeof(src));
		snprintf(src.text, sizeof(src.text), "-");
	}
	halfopen_make_room(w, &src);
	/* Frames are already coalesced into one send per turn; Nagle would
	 * only add latency to the last segment of each burst. */
	(void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if ((s = session_new(w, fd, ss, &src)) != NULL) {
		if (w->gw->cfg.proxy_protocol && proxy_expect(s) < 0) {
			s->refusal = REFUSAL_RESOURCES;
			session_close(s, SESSION_NO_BYE, "out of memory for the PROXY header");
		}
	} else {
		int err = errno;

		refusal_pre_auth(w, REFUSAL_RESOURCES,
				 addr_fmt_sockaddr((const struct sockaddr *)ss, remote), src.text,
				 "cannot set up a session");
		close(fd);
		if (err == EMFILE || err == ENFILE || err == ENOMEM || err == ENOSPC)
			pause_accepting(w, err);
	}
}

static void listener_on_readable(struct ev_loop *loop, struct ev_io *io, uint32_t revents)
{
	struct worker *w = io->data;

	(void)loop;
	(void)revents;
	for (int i = 0; i < LISTENER_ACCEPT_BATCH; i++) {
		struct sockaddr_storage ss;
		socklen_t len = sizeof(ss);
		int fd = accept4(w->listen_fd, (struct sockaddr *)&ss, &len,
				 SOCK_NONBLOCK | SOCK_CLOEXEC);

		if (fd >= 0) {
			accept_one(w, fd, &ss);
			continue;
		}
		switch (errno) {
		case EAGAIN:
#if EWOULDBLOCK != EAGAIN
		case EWOULDBLOCK:
#endif
			return;
		case EINTR:
		case ECONNABORTED:
		case EPROTO:
			continue;
		case EMFILE:
		case ENFILE:
		case ENOBUFS:
		case ENOMEM:
			pause_accepting(w, errno);
			return;
		default:
			log_warn("accept");
			return;
		}
	}
}

int listener_open(struct worker *w, const struct sockaddr_storage *ss, socklen_t len)
{
	int one = 1;
	int fd = socket(ss->ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return -1;
	/* Several workers: one listener each on the same address, the kernel
	 * spreads new connections over them by a hash of addresses and ports
	 * (SO_REUSEPORT; only sockets of the same user may join). */
	if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0 ||
	    (w->gw->threaded && setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one)) < 0) ||
	    bind(fd, (const struct sockaddr *)ss, len) < 0 || listen(fd, LISTENER_BACKLOG) < 0) {
		int e = errno;
		close(fd);
		errno = e;
		return -1;
	}
	w->listen_fd = fd;
	ev_io_init(&w->listen_io, fd, listener_on_readable, w);
	ev_timer_init(&w->accept_pause, listener_on_pause_over, w);
	if (ev_io_start(w->loop, &w->listen_io, EPOLLIN) < 0) {
		int e = errno;
		close(fd);
		w->listen_fd = -1;
		errno = e;
		return -1;
	}
	return 0;
}

void listener_close(struct worker *w)
{
	if (w->listen_fd < 0)
		return;
	ev_io_stop(w->loop, &w->listen_io);
	ev_timer_stop(w->loop, &w->accept_pause);
	close(w->listen_fd);
	w->listen_fd = -1;
}
