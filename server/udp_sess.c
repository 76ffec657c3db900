/*
 * udp_sess.c - one session's UDP data channel on the gateway
 * (docs/protocol.md sections 12.13-12.14): the offer in CONFIG (cid, port,
 * AEAD; epoch 0's secret from the exporter when the handshake completes),
 * the channel made only when the client's FEATURES takes it, its timer
 * (PINGs, lost PONGs, the end of an overlap, the re-key sent on TLS), the
 * path of each packet for the client (UDP when common/tls/dchan_sess.c
 * says so, else TLS), each datagram for it (DATA into exactly the path of a
 * TLS DATA frame, PONGs to the source, roaming), and its end with the
 * session: keys wiped and cid forgotten at once. One log line per change
 * of state (up, failed, recovered), never one per datagram.
 */
#include "server.h"

#include <string.h>
#include <sys/random.h>

#include "dchan_cont.h"
#include "dchan_msg.h"
#include "dchan_steer.h"
#include "frame.h"
#include "tls_export.h"

/* A PING with padding, or a PONG: never more than a small datagram. */
#define UDP_CTL_MAX 256

static uint64_t draw_cid(const struct worker *w)
{
	unsigned idx = (unsigned)(w - w->gw->workers);

	for (;;) {
		uint64_t r = 0, cid;

		if (getrandom(&r, sizeof(r), 0) != sizeof(r))
			return 0;
		cid = dchan_steer_cid(r, idx);
		if (cid != 0 && cidtab_find(&w->udp.cids, cid) == NULL)
			return cid;
	}
}

void udp_sess_prepare(struct session *s)
{
	struct udp_offer *o = &s->udp_offer;
	const char *cipher;

	memset(o, 0, sizeof(*o));
	if (udp_enabled(s->w->gw) && s->proto == PROTO_MTLSVPN && s->w->udp.fd >= 0) {
		o->cid = draw_cid(s->w);
		/* The AEAD follows the TLS session's (section 12.4). */
		cipher = tls_cipher_name(s->tls);
		o->aead = cipher != NULL && strstr(cipher, "CHACHA20") != NULL
			      ? DCHAN_CHACHA20POLY1305
			      : DCHAN_AES256GCM;
		o->ready = o->cid != 0 && tls_export_dchan(s->tls, o->cid, o->secret) == 0;
		if (!o->ready) {
			explicit_bzero(o, sizeof(*o));
			session_log(s, SESSION_LOG_DEBUG,
				    "udp channel not offered: no keying material from TLS");
		}
	}
	tls_export_done(s->tls);
}

bool udp_sess_offered(const struct session *s)
{
	return s->udp_offer.ready || s->udp != NULL;
}

/* A continued session's CONFIG names its running channel (12.10). */
void udp_sess_offer_attr(const struct session *s, uint64_t *cid, uint16_t *port, uint8_t *aead)
{
	*cid = s->udp != NULL ? s->udp->ds.cid : s->udp_offer.cid;
	*port = (uint16_t)s->w->gw->cfg.udp_port;
	*aead = s->udp != NULL ? (uint8_t)s->udp->ds.aead : s->udp_offer.aead;
}

static void on_timer(struct ev_loop *loop, struct ev_timer *t);

static void arm(struct session *s)
{
	struct session_udp *u = s->udp;
	uint64_t now = ev_now_ms(s->w->loop), at = dchan_sess_next_timer(&u->ds);

	if (at == UINT64_MAX)
		ev_timer_stop(s->w->loop, &u->timer);
	else
		ev_timer_arm(s->w->loop, &u->timer, at > now ? at - now : 0);
}

void udp_sess_on_features(struct session *s, bool taken)
{
	struct udp_offer *o = &s->udp_offer;
	struct dchan_timing t;
	struct session_udp *u;

	/* A continued session's client answers again: declining ends it. */
	if (s->udp != NULL && !taken)
		udp_sess_close(s);
	if (!o->ready || s->udp != NULL)
		return;
	if (!taken) {
		explicit_bzero(o, sizeof(*o));
		return;
	}
	u = calloc(1, sizeof(*u));
	dchan_timing_default(&t);
	t.rekey_ms = s->w->gw->cfg.udp_rekey_interval * 1000u; /* checked: 10-120 s */
	if (u == NULL || dchan_cont_key(o->secret, u->cont_key) < 0 ||
	    dchan_sess_init(&u->ds, DCHAN_SIDE_GATEWAY, (enum dchan_aead)o->aead, o->cid,
			    o->secret, &t, ev_now_ms(s->w->loop)) < 0) {
		free(u);
		explicit_bzero(o, sizeof(*o));
		session_log(s, SESSION_LOG_WARN, "udp channel not set up: out of memory or keys");
		return;
	}
	if (!cidtab_insert(&s->w->udp.cids, &u->node, o->cid, s)) {
		dchan_sess_deinit(&u->ds);
		free(u);
		explicit_bzero(o, sizeof(*o));
		session_log(s, SESSION_LOG_WARN, "udp channel not set up: connection id in use");
		return;
	}
	explicit_bzero(o, sizeof(*o));
	u->told = u->ds.state;
	ev_timer_init(&u->timer, on_timer, s);
	s->udp = u;
	pmtu_session_init(s);
	arm(s);
	session_log(s, SESSION_LOG_DEBUG, "udp channel taken: probing");
}

static void fold(struct udp_totals *to, const struct session_udp *u)
{
	for (unsigned i = 0; i < DCHAN_OPEN_RESULTS; i++)
		to->drops[i] += u->ds.rx.drops[i];
	to->fallbacks += u->ds.fallbacks;
	to->recoveries += u->ds.recoveries;
	to->rekeys += u->ds.rekeys;
	to->roams += u->n.roams;
}

void udp_sess_close(struct session *s)
{
	struct session_udp *u = s->udp;

	explicit_bzero(&s->udp_offer, sizeof(s->udp_offer));
	if (u == NULL)
		return;
	cidtab_remove(&s->w->udp.cids, &u->node);
	ev_timer_stop(s->w->loop, &u->timer);
	fold(&s->w->udp.closed, u);
	dchan_sess_deinit(&u->ds);
	explicit_bzero(u, sizeof(*u));
	free(u);
	s->udp = NULL;
}

/* One line per change of state, never per datagram. */
static void tell(struct session *s)
{
	struct session_udp *u = s->udp;
	char a[ADDR_STRLEN] = "-";

	if (u->ds.state == u->told)
		return;
	if (u->peer_len != 0)
		addr_fmt_sockaddr((const struct sockaddr *)&u->peer, a);
	if (u->ds.state == DCHAN_UP)
		session_log(s, SESSION_LOG_INFO, "udp channel %s: peer %s",
			    u->told == DCHAN_FAILED ? "recovered" : "up", a);
	else if (u->ds.state == DCHAN_FAILED)
		session_log(s, SESSION_LOG_INFO,
			    "udp channel failed: PINGs unanswered, TLS carries the traffic");
	u->told = u->ds.state;
}

static void send_rekey(struct session *s, uint32_t epoch)
{
	uint8_t p[DCHAN_MSG_LEN];
	size_t len = dchan_msg_epoch_encode(epoch, p, sizeof(p));

	if (len == 0 || !session_send_frame(s, FRAME_DCHAN_REKEY, p, len))
		return;
	(void)router_session_flush(s);
}

static void on_timer(struct ev_loop *loop, struct ev_timer *t)
{
	struct session *s = t->data;
	struct session_udp *u = s->udp;
	struct dchan_actions act;
	uint8_t ping[UDP_CTL_MAX], probe[DCHAN_MIN_LEN + MSG_MTU_MAX];
	size_t n;

	/* A path MTU probe first: it pulls its keepalive into this tick. */
	n = pmtu_probe(s, probe, sizeof(probe));
	if (n > 0 && u->peer_len != 0)
		udp_send_one(s->w, probe, n, &u->peer, u->peer_len, &u->local);
	dchan_sess_tick(&u->ds, ev_now_ms(loop), ping, sizeof(ping), &act);
	if (act.ping_len > 0 && u->peer_len != 0)
		udp_send_one(s->w, ping, act.ping_len, &u->peer, u->peer_len, &u->local);
	pmtu_probed(s);
	tell(s);
	if (act.rekey) {
		arm(s);
		send_rekey(s, act.rekey_epoch); /* may close the session */
		return;
	}
	arm(s);
}

void udp_sess_on_rekey_ack(struct session *s, uint32_t epoch)
{
	if (s->udp == NULL) {
		session_close(s, BYE_PROTOCOL_ERROR,
			      "protocol error: DCHAN_REKEY_ACK without the udp channel agreed");
		return;
	}
	if (dchan_sess_on_rekey_ack(&s->udp->ds, ev_now_ms(s->w->loop), epoch) < 0) {
		session_close(s, BYE_PROTOCOL_ERROR,
			      "protocol error: DCHAN_REKEY_ACK for epoch %u, not the one re-keyed to",
			      (unsigned)epoch);
		return;
	}
	arm(s);
}

void udp_sess_on_attached(struct session *s)
{
	if (s->udp != NULL && s->udp->ds.rekey == DCHAN_REKEY_SENT)
		send_rekey(s, s->udp->ds.epoch);
}

bool udp_sess_active(const struct session *s)
{
	return s->udp != NULL && dchan_sess_udp(&s->udp->ds);
}

bool udp_sess_route(struct session *s, const uint8_t *pkt, size_t len)
{
	struct session_udp *u = s->udp;
	uint8_t *out;
	size_t cap, n = 0;

	if (u == NULL || !dchan_sess_udp(&u->ds) || !pmtu_fits(s, pkt, len))
		return false;
	out = udp_queue_slot(s->w, len + DCHAN_MIN_LEN, &cap);
	switch (dchan_sess_send(&u->ds, pkt, len, out, cap, &n)) {
	case DCHAN_SEND_UDP:
		udp_queue_commit(s->w, n, &u->peer, u->peer_len, &u->local);
		u->n.datagrams_out++;
		s->st.tx_packets++;
		s->st.tx_bytes += len;
		return true;
	case DCHAN_SEND_TLS:
		return false;
	case DCHAN_SEND_ERROR:
	default:
		s->st.drop_other++;
		return true;
	}
}

/* A DATA datagram's packet: the very path of a DATA frame from TLS. */
static void deliver(struct session *s, const uint8_t *pkt, size_t len)
{
	struct chan_event ev;

	memset(&ev, 0, sizeof(ev));
	ev.type = FRAME_DATA;
	ev.data = pkt;
	ev.len = len;
	if (len > s->w->gw->cfg.mtu) {
		s->st.drop_other++;
		return;
	}
	ev.ip_result = ippkt_parse(pkt, len, &ev.ip);
	router_deliver(s, &ev);
}

void udp_sess_receive(struct session *s, uint8_t *d, size_t n, const struct sockaddr_storage *src,
		      socklen_t src_len, const struct udp_local *local)
{
	struct session_udp *u = s->udp;
	struct dchan_received got;
	uint8_t reply[UDP_CTL_MAX];
	bool had_peer = u->ds.peer_known;
	enum dchan_recv r;

	r = dchan_sess_receive(&u->ds, ev_now_ms(s->w->loop), d, n, reply, sizeof(reply), &got);
	if (r == DCHAN_RECV_DROP)
		return;
	u->n.datagrams_in++;
	session_on_data_received(s);
	if (got.roam && (u->peer_len != src_len || memcmp(&u->peer, src, src_len) != 0)) {
		if (u->peer_len != 0)
			u->n.roams++;
		memcpy(&u->peer, src, src_len);
		u->peer_len = src_len;
	}
	/* Answers leave from the address the newest datagram came to. */
	if (got.roam)
		u->local = *local;
	switch (r) {
	case DCHAN_RECV_DATA:
		deliver(s, got.inner, got.inner_len);
		if (!had_peer)
			arm(s); /* the first address: PINGs can start */
		return;
	case DCHAN_RECV_REPLY:
		udp_send_one(s->w, reply, got.reply_len, src, src_len, local);
		break;
	default:
		break;
	}
	tell(s);
	arm(s);
}
