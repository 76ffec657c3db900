/*
 * router.c - the data path between the TUN and the sessions. TUN -> client:
 * read a batch of packets, route each by inner destination, append it as a
 * DATA frame to its session's plaintext (reading: tun_rx.c), then one tls_write and one send
 * per session. Client -> TUN: one recv per readiness, decrypt a bounded
 * number of records, and let a packet into the network only if its inner
 * source is the address the session leased and its group's rules allow it
 * (server/policy.c decides both directions' rules). Drops are counted,
 * never logged per packet.
 */
#include "server.h"

#include <errno.h>
#include <string.h>
#include <sys/random.h>
#include <sys/epoll.h>
#include <unistd.h>

#include "cstp.h"
#include "frame.h"
#include "log.h"

_Static_assert(ROUTER_HEADROOM >= GSO_VNET_HDR_LEN && ROUTER_HEADROOM >= CSTP_HDR_LEN &&
		       ROUTER_HEADROOM >= FRAME_HDR_LEN + FRAME_GSO_HDR_LEN,
	       "ROUTER_HEADROOM holds a virtio_net_hdr and every frame header");
/* tls_read calls per session per loop turn: one busy client cannot
 * starve the others; the rest waits on the pending list. */
#define ROUTER_READ_BUDGET 32
/* ROUTER_HIGH_WATER (server.h): ciphertext queued for a client beyond
 * what its socket took: above it the session is not fed any more (its
 * packets are dropped, which is what tells the TCP flows inside to slow
 * down). */
/* The flow table (return traffic), shared by all sessions of the worker:
 * sized by max_clients, least recently used flows evicted when full. With
 * several workers each holds its own sessions' flows: a share of it, twice
 * the even share (the kernel's spread of connections is uneven). */
#define ROUTER_FLOWS_PER_CLIENT 64u
#define ROUTER_FLOWS_MIN 4096u
#define ROUTER_FLOWS_MAX 262144u

int router_init(struct worker *w)
{
	TAILQ_INIT(&w->dirty);
	TAILQ_INIT(&w->pending);
	uint64_t seed = 0;
	uint64_t flows = (uint64_t)w->gw->cfg.max_clients * ROUTER_FLOWS_PER_CLIENT;

	if (buf_init(&w->tun_pkt, ROUTER_HEADROOM + ROUTER_TUN_READ_MAX) < 0)
		return -1;
	if (buf_init(&w->seg, ROUTER_HEADROOM + ROUTER_TUN_READ_MAX) < 0)
		return -1;
	if (getrandom(&seed, sizeof(seed), 0) != sizeof(seed))
		seed = (uint64_t)(uintptr_t)w ^ ev_now_ms(w->loop);
	if (w->gw->n_workers > 1)
		flows = flows * 2 / w->gw->n_workers;
	if (flows < ROUTER_FLOWS_MIN)
		flows = ROUTER_FLOWS_MIN;
	if (flows > ROUTER_FLOWS_MAX)
		flows = ROUTER_FLOWS_MAX;
	rx_idle_init(w);
	if (tungro_init(w) < 0 || tun_rx_init(w) < 0)
		return -1;
	if (w->gw->threaded && pthread_mutex_init(&w->flows_mu, NULL) != 0)
		return -1;
	return flow_init(&w->flows, (uint32_t)flows, seed);
}

void router_deinit(struct worker *w)
{
	buf_deinit(&w->tun_pkt);
	buf_deinit(&w->seg);
	tungro_deinit(w);
	rx_idle_deinit(w);
	tun_rx_deinit(w);
	flow_deinit(&w->flows);
	if (w->gw->threaded)
		pthread_mutex_destroy(&w->flows_mu);
}

/* The address table is the gateway's: with several workers, only with
 * the world stopped (admission and close, workers.c). */
int router_add_session(struct session *s)
{
	struct gateway *gw = s->w->gw;

	if (s->addr4.family != 0)
		sestab_insert_addr(&gw->by_addr, &s->by_addr4, s, &s->addr4);
	if (s->addr6.family != 0)
		sestab_insert_addr(&gw->by_addr, &s->by_addr6, s, &s->addr6);
	return 0;
}

void router_remove_session(struct session *s)
{
	struct gateway *gw = s->w->gw;

	if (s->by_addr4.s != NULL) {
		sestab_remove(&gw->by_addr, &s->by_addr4);
		s->by_addr4.s = NULL;
	}
	if (s->by_addr6.s != NULL) {
		sestab_remove(&gw->by_addr, &s->by_addr6);
		s->by_addr6.s = NULL;
	}
}

void router_mark_dirty(struct session *s)
{
	if (s->on_dirty)
		return;
	TAILQ_INSERT_TAIL(&s->w->dirty, s, dirty_entry);
	s->on_dirty = true;
}

static void mark_pending(struct session *s)
{
	if (!s->on_pending) {
		TAILQ_INSERT_TAIL(&s->w->pending, s, pending_entry);
		s->on_pending = true;
	}
	ev_loop_no_sleep(s->w->loop);
}

/* Encrypt the queued plaintext into the TLS output queue (no syscall).
 * TLS_WANT_WRITE: the queue is full and the plaintext was dropped. Never
 * closes the session. */
enum tls_result router_session_encrypt(struct session *s)
{
	enum tls_result r;

	if (buf_len(&s->tx) == 0)
		return TLS_OK;
	r = tls_write(s->tls, buf_ptr(&s->tx), buf_len(&s->tx));
	buf_reset(&s->tx, 0);
	if (r == TLS_OK) {
		s->st.tx_packets += s->tx_queued_pkts;
		s->st.tx_bytes += s->tx_queued_bytes;
	} else {
		s->st.drop_backpressure += s->tx_queued_pkts;
	}
	s->tx_queued_pkts = s->tx_queued_bytes = 0;
	if (r == TLS_OK)
		session_on_data_sent(s);
	return r;
}

/* Encrypt and send what is queued, one send() for all of it. False if
 * the session was closed. */
bool router_session_flush(struct session *s)
{
	enum tls_result tr;
	int r;

	if (s->tls == NULL)
		return true; /* detached: nothing is queued for it */
	tr = router_session_encrypt(s);

	if (tr == TLS_ERROR || tr == TLS_CLOSED) {
		session_close(s, SESSION_NO_BYE, "TLS write failed: %s", tls_error_str(s->tls));
		return false;
	}
	if (tls_outq_len(s->tls) == 0)
		return true;
	r = tls_flush(s->tls);
	if (r < 0) {
		session_close(s, SESSION_NO_BYE, "send failed: %s", strerror(errno));
		return false;
	}
	/* Whatever the socket did not take goes out on EPOLLOUT. */
	(void)ev_io_modify(s->w->loop, &s->io, r == 1 ? EPOLLIN | EPOLLOUT : EPOLLIN);
	return true;
}

/* ---- TUN -> clients ---- */

void router_find(struct worker *w, const struct buf *pkt, struct router_dest *d)
{
	d->s = NULL;
	d->ok = ippkt_parse(buf_ptr(pkt), buf_len(pkt), &d->ip) == IPPKT_OK;
	if (d->ok)
		d->s = sestab_find_addr(&w->gw->by_addr, &d->ip.dst);
}

void router_route_packet(struct worker *w, struct buf *pkt)
{
	struct router_dest d;

	router_find(w, pkt, &d);
	router_route_to(w, pkt, &d);
}

/* pkt, whose destination router_find found as d. */
void router_route_to(struct worker *w, struct buf *pkt, const struct router_dest *d)
{
	struct session *s = d->s;
	size_t n = buf_len(pkt);

	if (!d->ok) {
		w->st.tun_bad++;
		return;
	}
	/* Another worker's session is only reached through handoff_pass. */
	if (s == NULL || s->w != w) {
		w->st.tun_no_route++;
		return;
	}
	if (!policy_to_client(s, buf_ptr(pkt), n, &d->ip))
		return;
	pmtu_clamp(s, buf_ptr(pkt), n, false);
	if (s->capture != NULL)
		capture_tap(s, buf_ptr(pkt), n);
	/* The UDP data channel when it is up (udp_sess.c), else TLS. */
	if (s->udp != NULL && udp_sess_route(s, buf_ptr(pkt), n))
		return;
	if (s->tls == NULL) { /* detached (detach.c): UDP is its only way */
		s->st.drop_other++;
		return;
	}
	if (tls_outq_len(s->tls) > ROUTER_HIGH_WATER) {
		s->st.drop_backpressure++;
		return;
	}
	if (s->proto == PROTO_OPENCONNECT) {
		oc_route_packet(s, pkt, n);
		return;
	}
	if (!frame_wrap_data(pkt))
		return;
	if (!buf_append(&s->tx, buf_ptr(pkt), buf_len(pkt))) {
		/* The plaintext buffer is full: encrypt it, keep batching. */
		(void)router_session_encrypt(s);
		if (!buf_append(&s->tx, buf_ptr(pkt), buf_len(pkt))) {
			s->st.drop_backpressure++;
			return;
		}
	}
	s->tx_queued_pkts++;
	s->tx_queued_bytes += n;
	router_mark_dirty(s);
}

/* A packet read from the TUN (here, tun_rx.c, or by another worker,
 * handoff.c) for one of this worker's sessions, vh bytes of
 * virtio_net_hdr before it, its destination found as d. */
void router_tun_packet_to(struct worker *w, struct buf *pkt, size_t vh,
			  const struct router_dest *d)
{
	if (vh != 0)
		offload_from_tun(w, pkt, buf_ptr(pkt) - vh, d);
	else
		router_route_to(w, pkt, d);
}

/* One tls_write (coalesced records) and one send per session. */
void router_flush_dirty(struct worker *w)
{
	struct session *s;

	udp_flush(w);
	while ((s = TAILQ_FIRST(&w->dirty)) != NULL) {
		TAILQ_REMOVE(&w->dirty, s, dirty_entry);
		s->on_dirty = false;
		(void)router_session_flush(s);
	}
}

/* ---- clients -> TUN ---- */

bool router_source_ok(const struct session *s, const struct ippkt_info *ip)
{
	if (ip->family == AF_INET)
		return s->addr4.family == AF_INET && addr_eq(&ip->src, &s->addr4);
	if (ip->family == AF_INET6)
		return s->addr6.family == AF_INET6 && addr_eq(&ip->src, &s->addr6);
	return false;
}

/* A checked packet from the client whose source is its own: the rules,
 * then the TUN. */
void router_deliver_packet(struct session *s, const uint8_t *pkt, size_t len,
			   const struct ippkt_info *ip)
{
	if (!policy_from_client(s, pkt, len, ip))
		return;
	tungro_write(s, pkt, len);
}

void router_deliver(struct session *s, const struct chan_event *ev)
{
	size_t len;

	if (ev->type == FRAME_DATA_GSO) {
		tungro_flush(s); /* what came before it goes first */
		offload_deliver(s, ev);
		return;
	}
	if (ev->ip_result != IPPKT_OK) {
		s->st.drop_other++;
		return;
	}
	len = ev->ip.len <= ev->len ? ev->ip.len : ev->len;
	/* Captured as it arrives: denied packets show too (server/capture.c). */
	if (s->capture != NULL)
		capture_tap(s, ev->data, len);
	if (!router_source_ok(s, &ev->ip)) {
		s->st.drop_src++;
		return;
	}
	router_deliver_packet(s, ev->data, len, &ev->ip);
}

/* Decrypt up to the budget and hand every complete frame to the state
 * machine. Stops as soon as the session leaves ESTABLISHED. */
static void drain(struct session *s)
{
	bool got_any = false, used_up = false;

	for (int i = 0; i < ROUTER_READ_BUDGET && !used_up; i++) {
		struct chan_event ev;
		const char *why = NULL;
		enum chan_result cr;
		size_t room, got = 0;
		uint8_t *space = chan_space(&s->rx, &room);

		switch (tls_read(s->tls, space, room, &got)) {
		case TLS_OK:
			break;
		case TLS_WANT_READ:
		case TLS_WANT_WRITE:
			used_up = true;
			continue;
		case TLS_CLOSED:
			session_close(s, SESSION_NO_BYE, "client closed the TLS session");
			return;
		case TLS_ERROR:
			session_close(s, SESSION_NO_BYE, "TLS error: %s", tls_error_str(s->tls));
			return;
		}
		chan_commit(&s->rx, got);
		got_any = true;
		while ((cr = chan_next(&s->rx, &ev, &why)) == CHAN_OK) {
			session_on_frame(s, &ev);
			if (s->state != SESSION_ESTABLISHED && s->state != SESSION_CONTINUING)
				return;
		}
		if (cr == CHAN_MALFORMED) {
			session_close(s, BYE_PROTOCOL_ERROR, "protocol error: %s",
				      why != NULL ? why : "malformed frame");
			return;
		}
	}
	if (got_any)
		session_on_data_received(s);
	liveness_after_input(s); /* may close it */
	if (s->state != SESSION_ESTABLISHED && s->state != SESSION_CONTINUING)
		return;
	/* A key update or ticket may have queued output while reading. */
	if (tls_outq_len(s->tls) > 0 && !s->on_dirty && !router_session_flush(s))
		return;
	if (!used_up && tls_has_pending(s->tls))
		mark_pending(s);
}

void router_session_input(struct session *s)
{
	ssize_t n = tls_fill(s->tls);
	int e = errno;

	/* Decrypt what arrived before looking at EOF: a BYE may precede it. */
	drain(s);
	if (s->state == SESSION_ESTABLISHED)
		tungro_flush(s);
	if (s->state != SESSION_ESTABLISHED && s->state != SESSION_CONTINUING)
		return;
	if (n == 0)
		session_close(s, SESSION_NO_BYE, "connection closed by the client");
	else if (n < 0 && e != EAGAIN && e != EWOULDBLOCK && e != EINTR)
		session_close(s, SESSION_NO_BYE, "connection error: %s", strerror(e));
}

/* Before-sleep hook: continue the sessions that used up their budget.
 * Each gets one more budget this turn; re-queued ones wait for the next. */
void router_drain_pending(struct ev_loop *loop, void *data)
{
	struct worker *w = data;
	struct session *s;
	size_t n = 0;

	(void)loop;
	TAILQ_FOREACH(s, &w->pending, pending_entry)
		n++;
	while (n-- > 0 && (s = TAILQ_FIRST(&w->pending)) != NULL) {
		TAILQ_REMOVE(&w->pending, s, pending_entry);
		s->on_pending = false;
		if (s->state == SESSION_ESTABLISHED || s->state == SESSION_CONTINUING) {
			drain(s);
			if (s->state == SESSION_ESTABLISHED)
				tungro_flush(s);
		}
	}
}
