/*
 * handoff.c - TUN packets for a session of another worker. On a
 * multi-queue TUN the kernel picks the queue by flow hash, not by the
 * session a packet is for: the worker that read it copies it (with its
 * virtio_net_hdr, a super-packet stays whole) into the owner's bounded
 * ring and wakes the owner's loop through its eventfd, only when the ring
 * was empty. A full ring drops the packet and counts it; the reader never
 * waits. The owner routes each packet as if it had read it itself
 * (router_tun_packet_to: rules, flows, framing) with the header the reader
 * parsed, then flushes once.
 */
#include "server.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "ippkt.h"

/* Packets waiting for one worker: some milliseconds of a busy link, and a
 * bound on the memory a stalled owner can make others hold. */
#define HANDOFF_SLOTS 512u

struct handoff_item {
	struct ippkt_info ip; /* the packet's header, parsed by the reader */
	size_t len;           /* of the packet after the virtio_net_hdr */
	size_t vh;            /* virtio_net_hdr bytes before it */
	uint8_t data[];
};

static void on_wake(struct ev_loop *loop, struct ev_io *io, uint32_t revents)
{
	struct worker *w = io->data;
	struct handoff *h = &w->handoff;
	struct handoff_item *items[HANDOFF_SLOTS];
	struct buf *pkt = &w->tun_pkt;
	unsigned n = 0;
	uint64_t v;

	(void)loop;
	(void)revents;
	if (read(w->wake_fd, &v, sizeof(v)) < 0 && errno != EAGAIN)
		return;
	/* Take all of it: the next reader that finds the ring empty wakes us
	 * again. */
	pthread_mutex_lock(&h->mu);
	for (; n < h->n; n++)
		items[n] = h->slots[(h->head + n) % HANDOFF_SLOTS];
	h->head = 0;
	h->n = 0;
	pthread_mutex_unlock(&h->mu);
	for (unsigned i = 0; i < n; i++) {
		struct handoff_item *it = items[i];
		/* by_addr changes only with the world stopped: safe to read. */
		struct router_dest d = {.ip = it->ip, .ok = true,
					.s = sestab_find_addr(&w->gw->by_addr, &it->ip.dst)};

		buf_reset(pkt, ROUTER_HEADROOM);
		memcpy(buf_end(pkt) - it->vh, it->data, it->vh + it->len);
		(void)buf_commit(pkt, it->len);
		router_tun_packet_to(w, pkt, it->vh, &d);
		free(it);
	}
	router_flush_dirty(w);
}

int handoff_init(struct worker *w)
{
	struct handoff *h = &w->handoff;

	w->wake_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	h->slots = calloc(HANDOFF_SLOTS, sizeof(*h->slots));
	if (w->wake_fd < 0 || h->slots == NULL || pthread_mutex_init(&h->mu, NULL) != 0)
		return -1;
	h->mu_init = true;
	ev_io_init(&w->wake_io, w->wake_fd, on_wake, w);
	return ev_io_start(w->loop, &w->wake_io, EPOLLIN);
}

void handoff_deinit(struct worker *w)
{
	struct handoff *h = &w->handoff;

	if (w->wake_fd >= 0) {
		ev_io_stop(w->loop, &w->wake_io);
		close(w->wake_fd);
		w->wake_fd = -1;
	}
	if (h->slots != NULL)
		for (unsigned i = 0; i < h->n; i++)
			free(h->slots[(h->head + i) % HANDOFF_SLOTS]);
	free(h->slots);
	h->slots = NULL;
	h->n = 0;
	if (h->mu_init)
		pthread_mutex_destroy(&h->mu);
	h->mu_init = false;
}

bool handoff_pass(struct worker *from, struct buf *pkt, size_t vh, struct router_dest *d)
{
	struct gateway *gw = from->gw;
	struct handoff_item *it;
	struct worker *to;
	bool was_empty;

	if (!d->ok)
		return false;
	/* by_addr changes only with the world stopped: safe to read here. */
	d->s = sestab_find_addr(&gw->by_addr, &d->ip.dst);
	if (!gw->threaded || d->s == NULL || d->s->w == from)
		return false;
	to = d->s->w;
	d->s = NULL; /* that worker's: never touched here */
	it = malloc(sizeof(*it) + vh + buf_len(pkt));
	if (it == NULL) {
		from->st.handoff_dropped++;
		return true;
	}
	it->ip = d->ip;
	it->len = buf_len(pkt);
	it->vh = vh;
	memcpy(it->data, buf_ptr(pkt) - vh, vh + it->len);
	pthread_mutex_lock(&to->handoff.mu);
	if (to->handoff.n == HANDOFF_SLOTS) {
		pthread_mutex_unlock(&to->handoff.mu);
		free(it);
		from->st.handoff_dropped++;
		return true;
	}
	was_empty = to->handoff.n == 0;
	to->handoff.slots[(to->handoff.head + to->handoff.n) % HANDOFF_SLOTS] = it;
	to->handoff.n++;
	pthread_mutex_unlock(&to->handoff.mu);
	from->st.handoff_passed++;
	if (was_empty)
		workers_wake(to);
	return true;
}
