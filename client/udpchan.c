/*
 * udpchan.c - the client's UDP data channel (docs/protocol.md section 12):
 * the glue between one TLS session, its channel's machine
 * (common/tls/dchan_sess.c, client side) and the UDP socket
 * (linux/udpsock.c). At CONFIG, when the gateway offers the channel and
 * udp = auto, epoch 0 comes from the TLS exporter with the offered cid and
 * the socket is opened; only then is PROTO_FEATURE_DCHAN taken in
 * FEATURES, and once it is sent the channel starts probing. Every packet
 * from the TUN asks the machine for its path (UDP when up, else the TLS
 * framing as before); datagrams from the gateway go into the TUN through
 * the same checks as a DATA frame. Closing the TLS session wipes the keys
 * at once. State changes are logged, one line each; datagrams never.
 */
#include "client.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>

#include "dchan_cont.h"
#include "dchan_msg.h"
#include "dchan_sess.h"
#include "frame.h"
#include "gso.h"
#include "log.h"
#include "tls_export.h"

/* recvmmsg rounds per readable event: bounded, so the TLS side and the
 * TUN get their turn under a flood. */
#define RECV_ROUNDS 8

struct udpchan {
	struct dchan_sess sess;
	struct udpsock sock;
	struct ev_io io;
	struct ev_timer timer;
	bool started;		 /* FEATURES with the bit sent: probing */
	enum dchan_state shown;	 /* the state last logged */
	char peer[ADDR_STRLEN + 8];
	uint64_t datagrams_in, datagrams_out;
	struct client_pmtu pmtu; /* pmtu.c */
	uint8_t cont_key[32];	 /* proves a continuation (12.10), from epoch 0 */
};

void udpchan_on_tls_new(struct client *c)
{
	/* The exporter needs the handshake's secrets, kept from the start. */
	if (c->cfg->udp && c->tls != NULL)
		(void)tls_export_keep(c->tls);
}

void udpchan_stop(struct client *c)
{
	struct udpchan *u = c->udp;

	if (u == NULL)
		return;
	if (u->started) { /* io and timer exist only once started */
		ev_io_stop(c->loop, &u->io);
		ev_timer_stop(c->loop, &u->timer);
	}
	client_pmtu_stop(&u->pmtu);
	udpsock_close(&u->sock);
	dchan_sess_deinit(&u->sess);
	explicit_bzero(u, sizeof(*u));
	free(u);
	c->udp = NULL;
}

/* Why the offer is not taken, or NULL: take it. */
static const char *declined(const struct client *c, const struct msg_config *cfg)
{
	if (cfg->dchan.cid == 0 || !(cfg->features & PROTO_FEATURE_DCHAN))
		return "";
	if (!c->cfg->udp)
		return "udp = off";
	return NULL;
}

bool udpchan_prepare(struct client *c, const struct msg_config *cfg)
{
	const struct sockaddr_storage *gw = &c->addrs.ss[c->addr_idx];
	uint8_t secret[DCHAN_SECRET_LEN];
	const char *why = declined(c, cfg);
	struct dchan_timing t;
	struct udpchan *u;
	int r;

	udpchan_stop(c); /* a new session, a new channel */
	if (why != NULL) {
		if (*why != '\0')
			log_debug("the gateway offers a UDP data channel; not taken (%s)", why);
		tls_export_done(c->tls);
		return false;
	}
	r = tls_export_dchan(c->tls, cfg->dchan.cid, secret);
	tls_export_done(c->tls);
	u = r == 0 ? calloc(1, sizeof(*u)) : NULL;
	dchan_timing_default(&t);
	if (u == NULL || dchan_cont_key(secret, u->cont_key) < 0 ||
	    dchan_sess_init(&u->sess, DCHAN_SIDE_CLIENT, cfg->dchan.aead, cfg->dchan.cid, secret,
			    &t, ev_now_ms(c->loop)) < 0) {
		explicit_bzero(secret, sizeof(secret));
		free(u);
		log_warnx("cannot key the UDP data channel the gateway offers (%s); TLS carries "
			  "the traffic",
			  r == 0 ? "out of memory or a cipher failure" : "no TLS exporter");
		return false;
	}
	explicit_bzero(secret, sizeof(secret));
	u->sock.fd = -1;
	if (udpsock_open(&u->sock, (const struct sockaddr *)gw, c->addrs.len[c->addr_idx],
			 cfg->dchan.port) < 0) {
		log_warn("cannot open a UDP socket for the data channel; TLS carries the traffic");
		dchan_sess_deinit(&u->sess);
		free(u);
		return false;
	}
	client_pmtu_start(c, &u->pmtu, &u->sock, &u->sess);
	addr_fmt_sockaddr((const struct sockaddr *)&u->sock.peer, u->peer);
	u->shown = DCHAN_PROBING;
	c->udp = u;
	return true;
}

static void arm(struct client *c)
{
	struct udpchan *u = c->udp;
	uint64_t next = dchan_sess_next_timer(&u->sess), now = ev_now_ms(c->loop);

	ev_timer_arm(c->loop, &u->timer, next > now ? next - now : 0);
}

/* One line per change of path, never per datagram. */
static void note_state(struct client *c)
{
	struct udpchan *u = c->udp;
	enum dchan_state st = u->sess.state;

	if (st == u->shown)
		return;
	if (st == DCHAN_UP && u->shown == DCHAN_FAILED)
		log_info("UDP data channel to %s recovered: packets go by UDP again", u->peer);
	else if (st == DCHAN_UP)
		log_info("UDP data channel to %s up: packets go by UDP", u->peer);
	else if (u->shown == DCHAN_UP)
		log_warnx("UDP data channel to %s failed (probes unanswered): TLS carries the "
			  "traffic; probing again every %u s",
			  u->peer, u->sess.t.reprobe_ms / 1000u);
	else
		log_info("UDP data channel to %s: no answer to its probes; TLS carries the "
			 "traffic, probing again every %u s",
			 u->peer, u->sess.t.reprobe_ms / 1000u);
	u->shown = st;
}

/* Sends what is queued; counted. */
static void flush(struct udpchan *u)
{
	u->datagrams_out += udpsock_flush(&u->sock);
}

/* Room for the next datagram, flushing a full batch first. */
static uint8_t *space(struct udpchan *u, size_t *room)
{
	uint8_t *p = udpsock_space(&u->sock, room);

	if (p == NULL) {
		flush(u);
		p = udpsock_space(&u->sock, room);
	}
	return p;
}

static void on_timer(struct ev_loop *loop, struct ev_timer *t)
{
	struct client *c = t->data;
	struct udpchan *u = c->udp;
	struct dchan_actions act;
	size_t room, n;
	uint8_t *p = space(u, &room);

	/* A path MTU probe first: it pulls its keepalive into this tick. */
	n = p == NULL ? 0 : client_pmtu_probe(c, &u->pmtu, &u->sock, p, room);
	if (n > 0) {
		udpsock_commit(&u->sock, n);
		flush(u);
		p = space(u, &room);
	}
	dchan_sess_tick(&u->sess, ev_now_ms(loop), p, p == NULL ? 0 : room, &act);
	if (act.ping_len > 0) {
		udpsock_commit(&u->sock, act.ping_len);
		flush(u);
	}
	client_pmtu_probed(&u->pmtu);
	note_state(c);
	arm(c);
}

/* One datagram from the gateway's address. */
static void receive_one(struct client *c, uint8_t *d, size_t n, uint64_t now)
{
	struct udpchan *u = c->udp;
	struct dchan_received out;
	size_t room;
	uint8_t *reply = space(u, &room);

	u->datagrams_in++;
	switch (dchan_sess_receive(&u->sess, now, d, n, reply, reply == NULL ? 0 : room, &out)) {
	case DCHAN_RECV_DATA:
		c->last_rx_ms = now;
		tunnel_deliver_ip(c, out.inner, out.inner_len);
		break;
	case DCHAN_RECV_REPLY:
		c->last_rx_ms = now;
		udpsock_commit(&u->sock, out.reply_len);
		break;
	case DCHAN_RECV_DONE:
		c->last_rx_ms = now;
		break;
	case DCHAN_RECV_DROP:
		break;
	}
}

static void on_readable(struct ev_loop *loop, struct ev_io *w, uint32_t revents)
{
	struct client *c = w->data;
	struct udpchan *u = c->udp;
	uint64_t now = ev_now_ms(loop);

	(void)revents;
	for (int round = 0; round < RECV_ROUNDS && c->udp == u; round++) {
		unsigned got;
		int r = udpsock_recv(&u->sock, &got);

		for (unsigned i = 0; i < got; i++)
			receive_one(c, u->sock.rx_d[i], u->sock.rx_len[i], now);
		if (r < UDPSOCK_RX_MSGS)
			break;
	}
	/* Nothing waits past the batch that brought it. */
	tungro_flush(c);
	flush(u);
	note_state(c);
	arm(c);
}

void udpchan_start(struct client *c)
{
	struct udpchan *u = c->udp;

	if (u == NULL)
		return;
	if (!(c->features & PROTO_FEATURE_DCHAN)) {
		udpchan_stop(c); /* FEATURES did not go out: no channel */
		return;
	}
	ev_io_init(&u->io, u->sock.fd, on_readable, c);
	ev_timer_init(&u->timer, on_timer, c);
	if (ev_io_start(c->loop, &u->io, EPOLLIN) < 0) {
		log_warn("epoll on the UDP socket; TLS carries the traffic");
		udpchan_stop(c);
		return;
	}
	u->started = true;
	log_debug("UDP data channel offered on %s: probing", u->peer);
	arm(c);
}

/* Seals one complete packet into the batch. */
static void seal(struct client *c, const uint8_t *pkt, size_t len)
{
	struct udpchan *u = c->udp;
	size_t room, n = 0;
	uint8_t *p = space(u, &room);

	if (p == NULL ||
	    dchan_sess_send(&u->sess, pkt, len, p, room, &n) != DCHAN_SEND_UDP) {
		c->stats.drop_tun_read++;
		return;
	}
	udpsock_commit(&u->sock, n);
	c->stats.tx_packets++;
	c->stats.tx_bytes += len;
}

/* A super-packet cut into its segments, each sealed straight into the
 * batch (the segment is written after room for the header, sealed in
 * place): a run of equal-size datagrams for one UDP GSO send. */
static void seal_segments(struct client *c, const uint8_t *pkt, const struct gso_meta *m,
			  const struct gso_info *inf)
{
	struct udpchan *u = c->udp;

	for (uint32_t k = 0; k < inf->segs; k++) {
		struct gso_meta sm;
		size_t room, seg, n = 0;
		uint8_t *p = space(u, &room);

		seg = p == NULL || room < DCHAN_MIN_LEN
			  ? 0
			  : gso_segment(pkt, inf, m, k, 1, p + DCHAN_HDR_LEN, room - DCHAN_MIN_LEN,
					&sm);
		if (seg == 0 || dchan_sess_send(&u->sess, p + DCHAN_HDR_LEN, seg, p, room, &n) !=
				    DCHAN_SEND_UDP) {
			c->stats.drop_tun_read++;
			continue;
		}
		udpsock_commit(&u->sock, n);
		c->stats.tx_packets++;
		c->stats.tx_bytes += seg;
	}
}

bool udpchan_send(struct client *c, uint8_t *pkt, size_t len, const struct gso_meta *m)
{
	struct udpchan *u = c->udp;
	struct gso_info inf;
	const char *why;

	if (u == NULL || !u->started || !dchan_sess_udp(&u->sess))
		return false;
	/* Too big for the path: TLS (pmtu.c), before a checksum is finished. */
	if (m->type == GSO_NONE && !client_pmtu_fits(c, &u->pmtu, &u->sock, pkt, len, len))
		return false;
	if (m->type != GSO_NONE || m->needs_csum) {
		/* What the TLS path refuses, it refuses and counts. */
		if (gso_check(pkt, len, m, c->config.mtu, &inf, &why) != GSO_OK)
			return false;
		if (m->type != GSO_NONE) {
			if (!client_pmtu_fits(c, &u->pmtu, &u->sock, pkt, len,
					      (size_t)inf.hdr_len + m->gso_size))
				return false;
			seal_segments(c, pkt, m, &inf);
			return true;
		}
		gso_csum_finish(pkt, &inf);
	}
	seal(c, pkt, len);
	return true;
}

const struct dchan_pmtu *udpchan_pmtu(struct client *c)
{
	struct udpchan *u = c->udp;

	if (u == NULL || !u->started || !dchan_sess_udp(&u->sess))
		return NULL;
	return &u->pmtu.st;
}

void udpchan_flush(struct client *c)
{
	if (c->udp != NULL && c->udp->started)
		flush(c->udp);
}

const char *udpchan_on_rekey(struct client *c, uint32_t epoch)
{
	struct udpchan *u = c->udp;
	uint8_t payload[DCHAN_MSG_LEN];
	size_t n;
	int r;

	if (u == NULL || !u->started)
		return "DCHAN_REKEY to a client that did not take the UDP data channel";
	/* Asked again after a continuation (protocol.md 12.10): the answer
	 * may have been lost with the old connection. */
	if (epoch != 0 && epoch == u->sess.epoch && u->sess.rekeys > 0)
		log_debug("DCHAN_REKEY for epoch %u again: answering again", (unsigned)epoch);
	else if (dchan_sess_on_rekey(&u->sess, ev_now_ms(c->loop), epoch) < 0)
		return "DCHAN_REKEY for an epoch other than the next one";
	n = dchan_msg_epoch_encode(epoch, payload, sizeof(payload));
	r = tunnel_send_frame(c, FRAME_DCHAN_REKEY_ACK, payload, n);
	if (r < 0)
		return NULL; /* the connection is gone (handled) */
	if (r > 0) /* the gateway would wait for it for ever */
		return "cannot answer DCHAN_REKEY: the TLS send queue is full";
	arm(c);
	return NULL;
}

bool udpchan_cont_key(const struct client *c, uint64_t *cid, uint8_t key[static 32])
{
	const struct udpchan *u = c->udp;

	if (u == NULL || !u->started || !dchan_sess_udp(&u->sess))
		return false;
	*cid = u->sess.cid;
	memcpy(key, u->cont_key, 32);
	return true;
}

bool udpchan_view(const struct client *c, struct udpchan_view *v)
{
	const struct udpchan *u = c->udp;

	memset(v, 0, sizeof(*v));
	if (u == NULL || !u->started)
		return false;
	v->state = u->sess.state;
	v->epoch = u->sess.epoch;
	v->datagrams_in = u->datagrams_in;
	v->datagrams_out = u->datagrams_out;
	v->fallbacks = u->sess.fallbacks;
	v->recoveries = u->sess.recoveries;
	v->rekeys = u->sess.rekeys;
	memcpy(v->drops, u->sess.rx.drops, sizeof(v->drops));
	return true;
}
