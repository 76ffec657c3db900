/*
 * session.c - one client connection's life: the state machine (HANDSHAKE ->
 * [CHECKING ->] [CONTINUING ->] ESTABLISHED -> CLOSING, see enum
 * session_state), its timers and closing (its log lines: session_log.c).
 * Invariant: a callback never frees its session; session_close() detaches
 * it from every table and queues it, and the before-sleep hook
 * session_reap_all() (session_reap.c) frees it.
 */
#include "server.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <time.h>
#include <unistd.h>

#include "frame.h"
#include "log.h"
#include "cstp.h"
#include "msg.h"
#include "tls_export.h"

/* How long a closing session may take to hand its BYE to the kernel. */
#define SESSION_LINGER_MS 2000

static const char *const state_names[] = {
	[SESSION_HANDSHAKE] = "HANDSHAKE",
	[SESSION_CHECKING] = "CHECKING",
	[SESSION_HTTP] = "HTTP",
	[SESSION_CONTINUING] = "CONTINUING",
	[SESSION_ESTABLISHED] = "ESTABLISHED",
	[SESSION_CLOSING] = "CLOSING",
};

/* The frames each state accepts; anything else is a protocol error. The
 * DPD events come from a CSTP channel only (HTTP takes no frames: oc.c). */
static const uint8_t state_accepts[][10] = {
	[SESSION_HANDSHAKE] = {0},
	[SESSION_CHECKING] = {0},
	[SESSION_HTTP] = {0},
	[SESSION_CONTINUING] = {FRAME_CONTINUE, 0},
	[SESSION_ESTABLISHED] = {FRAME_DATA, FRAME_DATA_GSO, FRAME_KEEPALIVE, FRAME_BYE,
				 FRAME_FEATURES, FRAME_DCHAN_REKEY_ACK, CHAN_EV_DPD_REQ,
				 CHAN_EV_DPD_RESP, 0},
	[SESSION_CLOSING] = {0},
};

static void session_on_io(struct ev_loop *loop, struct ev_io *io, uint32_t revents);
static void session_on_handshake_timeout(struct ev_loop *loop, struct ev_timer *t);
static void session_on_linger_expired(struct ev_loop *loop, struct ev_timer *t);
static void session_on_cert_expired(struct ev_loop *loop, struct ev_timer *t);
static void session_on_lifetime_over(struct ev_loop *loop, struct ev_timer *t);
static void queue_reap(struct session *s);
static void detach(struct session *s);

/* Off its worker's queues of output to encrypt and input to drain. */
static void unqueue(struct session *s)
{
	struct worker *w = s->w;

	if (s->on_dirty) {
		TAILQ_REMOVE(&w->dirty, s, dirty_entry);
		s->on_dirty = false;
	}
	if (s->on_pending) {
		TAILQ_REMOVE(&w->pending, s, pending_entry);
		s->on_pending = false;
	}
}

struct session *session_new(struct worker *w, int fd, const struct sockaddr_storage *peer,
			    const struct halfopen_src *src)
{
	struct session *s = calloc(1, sizeof(*s));

	if (s == NULL)
		return NULL;
	s->w = w;
	s->fd = fd;
	s->sid = __atomic_add_fetch(&w->gw->next_sid, 1, __ATOMIC_RELAXED);
	s->state = SESSION_HANDSHAKE;
	s->src = *src;
	addr_fmt_sockaddr((const struct sockaddr *)peer, s->remote);
	s->tls = tls_conn_new(w->gw->tls, fd);
	if (s->tls == NULL) {
		free(s);
		return NULL;
	}
	/* The UDP channel's secret comes from the exporter once the
	 * handshake is done (udp_sess_prepare). */
	if (udp_enabled(w->gw))
		(void)tls_export_keep(s->tls);
	ev_io_init(&s->io, fd, session_on_io, s);
	if (ev_io_start(w->loop, &s->io, EPOLLIN) < 0) {
		int e = errno;
		tls_conn_free(s->tls);
		free(s);
		errno = e;
		return NULL;
	}
	ev_timer_init(&s->handshake_timer, session_on_handshake_timeout, s);
	liveness_init(s);
	ev_timer_init(&s->linger_timer, session_on_linger_expired, s);
	ev_timer_init(&s->expiry_timer, session_on_cert_expired, s);
	ev_timer_init(&s->lifetime_timer, session_on_lifetime_over, s);
	detach_init(s);
	ev_timer_arm(w->loop, &s->handshake_timer, halfopen_first_deadline_ms(w));
	s->up_ms = ev_now_ms(w->loop);
	LIST_INSERT_HEAD(&w->sessions, s, entry);
	w->n_sessions++;
	halfopen_add(s);
	session_log(s, SESSION_LOG_DEBUG, "connection accepted");
	return s;
}

/* ---- states ---- */

void session_set_state(struct session *s, enum session_state to)
{
	bool ok;

	switch (s->state) {
	case SESSION_HANDSHAKE:
		ok = to == SESSION_CHECKING || to == SESSION_HTTP || to == SESSION_CONTINUING ||
		     to == SESSION_ESTABLISHED || to == SESSION_CLOSING;
		break;
	case SESSION_CHECKING:
		ok = to == SESSION_HTTP || to == SESSION_CONTINUING || to == SESSION_ESTABLISHED ||
		     to == SESSION_CLOSING;
		break;
	case SESSION_CONTINUING:
		ok = to == SESSION_ESTABLISHED || to == SESSION_CLOSING;
		break;
	case SESSION_HTTP:
		ok = to == SESSION_ESTABLISHED || to == SESSION_CLOSING;
		break;
	case SESSION_ESTABLISHED:
		ok = to == SESSION_CLOSING;
		break;
	default:
		ok = false;
		break;
	}
	if (!ok)
		fatalx("session %" PRIu64 ": invalid transition %s -> %s", s->sid,
		       state_names[s->state], state_names[to]);
	session_log(s, SESSION_LOG_DEBUG, "%s -> %s", state_names[s->state], state_names[to]);
	/* A session without a certificate (EST) stays a stranger: half-open
	 * until it closes. */
	if (s->state == SESSION_HANDSHAKE && !(to == SESSION_HTTP && s->anonymous))
		halfopen_remove(s);
	if (s->state == SESSION_HTTP)
		halfopen_remove(s);
	if (s->state == SESSION_ESTABLISHED) {
		/* Its allowed packets still held go in and are counted first. */
		tungro_flush(s);
		s->w->gw->n_established--;
		status_add_stats(&s->w->st.closed, &s->st);
	}
	if (to == SESSION_ESTABLISHED)
		s->w->gw->n_established++;
	s->state = to;
}

static bool accepts(enum session_state st, uint8_t type)
{
	for (size_t i = 0; i < sizeof(state_accepts[st]) && state_accepts[st][i] != 0; i++)
		if (state_accepts[st][i] == type)
			return true;
	return false;
}

static void established_on_frame(struct session *s, const struct chan_event *ev)
{
	switch (ev->type) {
	case FRAME_DATA:
		router_deliver(s, ev);
		break;
	case FRAME_DATA_GSO:
		/* Only after both ends agreed on it (docs/protocol.md 5.4). */
		if (!offload_session_takes_gso(s)) {
			session_close(s, BYE_PROTOCOL_ERROR,
				      "protocol error: DATA_GSO frame before the offload feature was agreed");
			return;
		}
		router_deliver(s, ev);
		break;
	case FRAME_KEEPALIVE:
		liveness_on_keepalive(s);
		break;
	case FRAME_FEATURES:
		update_on_features(s, ev->features);
		break;
	case FRAME_DCHAN_REKEY_ACK:
		udp_sess_on_rekey_ack(s, ev->dchan_epoch);
		break;
	case CHAN_EV_DPD_REQ:
		if (oc_send_packet(s, CSTP_DPD_RESP, NULL, 0))
			router_mark_dirty(s);
		break;
	case CHAN_EV_DPD_RESP:
		/* session_on_data_received() already noted it. */
		break;
	case FRAME_BYE:
		s->peer_bye = true;
		if (ev->bye.reason == BYE_NORMAL)
			session_close(s, SESSION_NO_BYE, "client disconnected");
		else
			session_close(s, SESSION_NO_BYE, "client disconnected: %s%s%s",
				      msg_bye_reason_str(ev->bye.reason),
				      ev->bye.text[0] ? ": " : "", ev->bye.text);
		break;
	}
}

void session_on_frame(struct session *s, const struct chan_event *ev)
{
	if (!accepts(s->state, ev->type)) {
		session_close(s, BYE_PROTOCOL_ERROR, "protocol error: unexpected %s frame in state %s",
			      frame_type_name(ev->type), state_names[s->state]);
		return;
	}
	if (s->state == SESSION_ESTABLISHED)
		established_on_frame(s, ev);
	else if (s->state == SESSION_CONTINUING)
		cont_on_frame(s, ev);
}

/* HANDSHAKE: feed ciphertext to the handshake until it completes. */
static void handshake_on_readable(struct session *s)
{
	ssize_t n = tls_fill(s->tls);

	s->refusal = REFUSAL_CLOSED;
	if (n > 0)
		s->got_bytes = true;
	if (n == 0) {
		/* Connect and close with nothing said: a TCP health check. */
		s->quiet_close = !s->got_bytes;
		session_close(s, SESSION_NO_BYE, "connection closed during the TLS handshake");
		return;
	}
	if (n < 0 && errno == ENOMEM) {
		s->refusal = REFUSAL_RESOURCES;
		session_close(s, SESSION_NO_BYE, "out of memory during the TLS handshake");
		return;
	}
	if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
		session_close(s, SESSION_NO_BYE, "connection error during the TLS handshake: %s",
			      strerror(errno));
		return;
	}
	switch (tls_handshake(s->tls)) {
	case TLS_OK:
		s->tls_up = true;
		establish_session(s);
		return;
	case TLS_WANT_READ:
	case TLS_WANT_WRITE:
		break;
	case TLS_CLOSED:
		session_close(s, SESSION_NO_BYE, "connection closed during the TLS handshake");
		return;
	case TLS_ERROR: {
		enum tls_failure f = tls_failure(s->tls);
		const char *detail = tls_error_str(s->tls);

		s->refusal = refusal_from_tls(f);
		if (detail != NULL && detail[0] != '\0')
			session_close(s, SESSION_NO_BYE, "TLS handshake failed: %s (%s)",
				      tls_failure_str(f), detail);
		else
			session_close(s, SESSION_NO_BYE, "TLS handshake failed: %s",
				      tls_failure_str(f));
		return;
	}
	}
	(void)router_session_flush(s);
}

static void session_on_writable(struct session *s)
{
	int r = tls_flush(s->tls);

	if (s->state == SESSION_CLOSING) {
		if (r != 1)
			queue_reap(s);
		return;
	}
	if (r < 0) {
		session_close(s, SESSION_NO_BYE, "send failed: %s", strerror(errno));
		return;
	}
	if (r == 0)
		(void)ev_io_modify(s->w->loop, &s->io,
				   s->state == SESSION_CHECKING ? 0 : EPOLLIN);
}

static void session_on_io(struct ev_loop *loop, struct ev_io *io, uint32_t revents)
{
	struct session *s = io->data;

	(void)loop;
	if (revents & EPOLLOUT) {
		session_on_writable(s);
		if (s->state == SESSION_CLOSING || s->on_reap)
			return;
	}
	if (!(revents & (EPOLLIN | EPOLLHUP | EPOLLERR)))
		return;
	switch (s->state) {
	case SESSION_HANDSHAKE: {
		uint64_t t0;

		/* Over this turn's budget: the socket stays readable and is
		 * served next turn, after the data path has had its turn. */
		if (!halfopen_budget_left(s->w))
			break;
		t0 = halfopen_work_start();
		if (s->proxy_hdr == NULL || proxy_on_readable(s))
			handshake_on_readable(s);
		halfopen_work_done(s->w, t0);
		break;
	}
	case SESSION_CHECKING:
		/* Not reading: only a hang-up or an error gets here. */
		session_close(s, SESSION_NO_BYE, "connection lost during the OCSP check");
		break;
	case SESSION_HTTP:
		oc_input(s);
		break;
	case SESSION_CONTINUING:
	case SESSION_ESTABLISHED:
		router_session_input(s);
		break;
	case SESSION_CLOSING:
		/* Only reached on an error or hang-up: nothing more to send. */
		queue_reap(s);
		break;
	}
}

/* ---- timers, named after the events that move them ---- */

/* The timers of a connection that carries the session: from now, and
 * from its certificate and last full handshake. */
static void arm_connection_timers(struct session *s)
{
	struct ev_loop *loop = s->w->loop;
	const struct config_server *cfg = &s->w->gw->cfg;
	int64_t left = s->cert_not_after - (int64_t)time(NULL);

	liveness_arm(s);
	/* notAfter is the last valid second (RFC 5280 4.1.2.5): the session
	 * ends as the next one begins. */
	if (s->cert_not_after > 0)
		ev_timer_arm(loop, &s->expiry_timer, left >= 0 ? (uint64_t)left * 1000 + 1000 : 0);
	/* Counted from the last full handshake: resuming does not extend it. */
	if (cfg->max_session_lifetime > 0) {
		int64_t end = tls_full_handshake_at(s->tls) + (int64_t)cfg->max_session_lifetime;
		int64_t rest = end - (int64_t)time(NULL);

		ev_timer_arm(loop, &s->lifetime_timer, rest > 0 ? (uint64_t)rest * 1000 : 0);
	}
}

void session_on_established(struct session *s)
{
	struct ev_loop *loop = s->w->loop;

	ev_timer_stop(loop, &s->handshake_timer);
	metrics_observe_handshake(s->w, ev_now_ms(loop) - s->up_ms);
	s->up_ms = ev_now_ms(loop);
	arm_connection_timers(s);
}

/* Its old connection goes without a BYE (the client left it); everything
 * the connection owns comes from n, whose shell is closed quietly. Both
 * under the stopped world: n may be another worker's. */
void session_take_connection(struct session *s, struct session *n)
{
	struct worker *w = s->w;
	struct chan rx;
	struct buf tx;
	struct cert_ref *chain = s->chain;
	unsigned n_chain = s->n_chain;

	session_drop_connection(s);
	detach_on_attached(s);
	ev_io_stop(n->w->loop, &n->io);
	s->fd = n->fd;
	s->tls = n->tls;
	s->tls_up = n->tls_up;
	n->fd = -1;
	n->tls = NULL;
	rx = s->rx, s->rx = n->rx, n->rx = rx;
	tx = s->tx, s->tx = n->tx, n->tx = tx;
	s->chain = n->chain, s->n_chain = n->n_chain;
	n->chain = chain, n->n_chain = n_chain;
	memcpy(s->remote, n->remote, sizeof(s->remote));
	memcpy(s->serial, n->serial, sizeof(s->serial));
	memcpy(s->fingerprint, n->fingerprint, sizeof(s->fingerprint));
	s->cert_not_after = n->cert_not_after;
	s->tx_queued_pkts = s->tx_queued_bytes = 0;
	s->features = 0; /* until its FEATURES comes again */
	s->continued++;
	ev_io_init(&s->io, s->fd, session_on_io, s);
	if (ev_io_start(w->loop, &s->io, EPOLLIN) < 0)
		session_log(s, SESSION_LOG_WARN, "epoll: %s", strerror(errno));
	arm_connection_timers(s);
	/* The shell: nothing of it is counted or logged as a connection. */
	n->quiet_close = true;
	detach(n);
	session_set_state(n, SESSION_CLOSING);
	queue_reap(n);
}

static void session_on_handshake_timeout(struct ev_loop *loop, struct ev_timer *t)
{
	struct session *s = t->data;

	(void)loop;
	if (s->state == SESSION_HTTP)
		oc_on_deadline(s);
	else if (s->state == SESSION_CONTINUING)
		session_close(s, BYE_PROTOCOL_ERROR, "no CONTINUE within handshake_timeout");
	else
		halfopen_on_deadline(s);
}

static void session_on_cert_expired(struct ev_loop *loop, struct ev_timer *t)
{
	struct session *s = t->data;
	int64_t left = s->cert_not_after - (int64_t)time(NULL);
	time_t na = (time_t)s->cert_not_after;
	char when[32] = "?";
	struct tm tm;

	/* Timers run on the monotonic clock; if the wall clock lags, wait. */
	if (left >= 0) {
		ev_timer_arm(loop, t, (uint64_t)left * 1000 + 1000);
		return;
	}
	if (gmtime_r(&na, &tm) != NULL)
		strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm);
	session_close(s, BYE_EXPIRED, "notAfter %s", when);
}

static void session_on_lifetime_over(struct ev_loop *loop, struct ev_timer *t)
{
	struct session *s = t->data;

	(void)loop;
	session_close(s, BYE_LIFETIME, "up for max_session_lifetime (%us): authenticate again",
		      s->w->gw->cfg.max_session_lifetime);
}

static void queue_reap(struct session *s)
{
	struct worker *w = s->w;

	if (s->on_reap)
		return;
	ev_io_stop(w->loop, &s->io);
	ev_timer_stop(w->loop, &s->linger_timer);
	LIST_REMOVE(s, entry);
	w->n_sessions--;
	LIST_INSERT_HEAD(&w->reap, s, entry);
	s->on_reap = true;
}

static void session_on_linger_expired(struct ev_loop *loop, struct ev_timer *t)
{
	struct session *s = t->data;

	(void)loop;
	session_log(s, SESSION_LOG_DEBUG, "closing: peer did not take the last %zu bytes",
		    tls_outq_len(s->tls));
	queue_reap(s);
}

/* ---- sending control frames ---- */

bool session_send_frame(struct session *s, uint8_t type, const void *payload, size_t len)
{
	if (s->tls == NULL)
		return false; /* detached: no connection to say it on */
	if (s->proto == PROTO_OPENCONNECT) {
		/* CSTP has a keepalive; nothing else of ours goes to it. */
		if (type == FRAME_KEEPALIVE)
			return oc_send_packet(s, CSTP_KEEPALIVE, NULL, 0);
		return false;
	}
	if (frame_append(&s->tx, type, payload, len))
		return true;
	/* Full of queued DATA: encrypt that first, then retry. */
	if (!router_session_flush(s))
		return false;
	if (frame_append(&s->tx, type, payload, len))
		return true;
	session_log(s, SESSION_LOG_WARN, "cannot queue a %s frame of %zu bytes",
		    frame_type_name(type), len);
	return false;
}

/* ---- closing and reaping ---- */

/* Take s out of everything that could reach it: tables, pool, queues. */
static void detach(struct session *s)
{
	struct worker *w = s->w;

	if (s->in_id_table) {
		sestab_remove(&w->gw->by_id, &s->by_id);
		s->in_id_table = false;
	}
	router_remove_session(s);
	/* The UDP channel dies with the TLS session, at once. */
	udp_sess_close(s);
	ocsp_check_forget(s);
	capture_session_gone(s);
	if (s->leased) {
		/* Released now, not at reap time, so a replacing session of
		 * the same identity gets the same (sticky) address. */
		int64_t now = (int64_t)time(NULL);
		/* A static address stays held for its owner. */
		if (s->addr4.family != 0 && !s->static4)
			pool_release(&s->group->pool, &s->addr4, now);
		if (s->addr6.family != 0 && !s->static6)
			pool_release(&s->group->pool, &s->addr6, now);
		s->leased = false;
		lease_changed(w->gw);
	}
	unqueue(s);
	ev_timer_stop(w->loop, &s->handshake_timer);
	ev_timer_stop(w->loop, &s->keepalive_timer);
	ev_timer_stop(w->loop, &s->dead_peer_timer);
	ev_timer_stop(w->loop, &s->expiry_timer);
	ev_timer_stop(w->loop, &s->lifetime_timer);
	ev_timer_stop(w->loop, &s->detach_timer);
}

void session_drop_connection(struct session *s)
{
	ev_io_stop(s->w->loop, &s->io);
	unqueue(s);
	tls_conn_free(s->tls);
	s->tls = NULL;
	if (s->fd >= 0)
		close(s->fd);
	s->fd = -1;
	s->tls_up = false;
	buf_reset(&s->tx, 0);
	s->tx_queued_pkts = s->tx_queued_bytes = 0;
}

/* A BYE payload into out; a drain's says when to come back (drain.c
 * draws each session's delay). 0 if it cannot be encoded. */
static size_t bye_encode(uint16_t bye, const char *text, uint8_t out[static 2 + BYE_MAX_TEXT])
{
	struct msg_bye b;
	size_t len;

	memset(&b, 0, sizeof(b));
	b.reason = bye;
	if (bye == BYE_DRAINING) {
		b.has_retry_after = true;
		b.retry_after_ms = drain_retry_after_ms();
	}
	snprintf(b.text, sizeof(b.text), "%s", text);
	len = msg_bye_encode(&b, out, 2 + BYE_MAX_TEXT);
	if (len == 0) {
		/* The detail was cut inside a UTF-8 sequence, holds bytes the
		 * encoder refuses or leaves no room for the retry-after: the
		 * reason code alone still tells the person. */
		b.text[0] = '\0';
		len = msg_bye_encode(&b, out, 2 + BYE_MAX_TEXT);
	}
	return len;
}

/* Queue DATA already accepted, then the BYE, then close_notify. Never
 * closes the session itself: it is being closed. */
static void queue_bye(struct session *s, uint16_t bye)
{
	uint8_t payload[2 + BYE_MAX_TEXT];
	size_t len = bye_encode(bye, s->reason, payload);

	if (len == 0)
		return;
	if (!frame_append(&s->tx, FRAME_BYE, payload, len)) {
		(void)router_session_encrypt(s);
		if (!frame_append(&s->tx, FRAME_BYE, payload, len))
			return;
	}
	if (router_session_encrypt(s) != TLS_OK)
		session_log(s, SESSION_LOG_DEBUG, "BYE not queued: %s", tls_error_str(s->tls));
	tls_shutdown(s->tls);
}

bool session_tell_draining(struct session *s)
{
	uint8_t payload[2 + BYE_MAX_TEXT];
	size_t len;

	/* An OpenConnect client has no retry-after: a close without a
	 * DISCONNECT makes it reconnect (elsewhere, behind a balancer). */
	if (s->proto == PROTO_OPENCONNECT) {
		session_close(s, BYE_DRAINING, "gateway draining");
		return true;
	}
	len = bye_encode(BYE_DRAINING, "gateway draining", payload);
	if (len == 0 || !session_send_frame(s, FRAME_BYE, payload, len))
		return false;
	(void)router_session_flush(s);
	session_log(s, SESSION_LOG_INFO, "told the gateway is draining");
	return true;
}

static void close_now(struct session *s, uint16_t bye);

/* A session past the handshake is in tables all workers share (or has a
 * lease, an OCSP query): it is closed with the world stopped, unless
 * another stop closed it meanwhile. */
void session_close(struct session *s, uint16_t bye, const char *fmt, ...)
{
	struct gateway *gw = s->w->gw;
	bool shared = s->state != SESSION_HANDSHAKE;
	va_list ap;

	/* Already closing: the linger timer or the last flush ends it. */
	if (s->state == SESSION_CLOSING)
		return;
	if (shared)
		workers_exclusive_begin(gw);
	if (s->state != SESSION_CLOSING) {
		va_start(ap, fmt);
		vsnprintf(s->reason, sizeof(s->reason), fmt, ap);
		va_end(ap);
		/* A lost connection with the UDP channel up: kept, detached. */
		if (bye != SESSION_NO_BYE || !detach_keep(s))
			close_now(s, bye);
	}
	if (shared)
		workers_exclusive_end(gw);
}

static void close_now(struct session *s, uint16_t bye)
{
	bool was_up = s->state == SESSION_ESTABLISHED;
	int r = 0;

	detach(s);
	session_log_close(s, was_up, bye);
	/* A refused, revoked or expired session's ticket never comes back. */
	if ((!was_up || bye == BYE_REVOKED || bye == BYE_NOT_AUTHORIZED || bye == BYE_EXPIRED ||
	     bye == BYE_LIFETIME) &&
	    s->tls != NULL)
		tls_conn_forget_ticket(s->tls);
	if (s->proto == PROTO_OPENCONNECT && s->tls_up && s->tx.data != NULL)
		oc_on_close(s, bye, was_up);
	else if (bye != SESSION_NO_BYE && s->tls_up && s->tx.data != NULL)
		queue_bye(s, bye);
	session_set_state(s, SESSION_CLOSING);
	/* One best-effort send: a BYE, or the alert wolfSSL queued for a
	 * failed handshake, so the peer learns why. */
	if (tls_outq_len(s->tls) > 0)
		r = tls_flush(s->tls);
	/* Only an authenticated peer is worth a linger: a stranger's alert
	 * gets the one send above, and its memory and descriptor go now. */
	if (r == 1 && s->tls_up && ev_io_modify(s->w->loop, &s->io, EPOLLOUT) == 0) {
		ev_timer_arm(s->w->loop, &s->linger_timer, SESSION_LINGER_MS);
		return;
	}
	queue_reap(s);
}

void session_free(struct session *s)
{
	struct ev_loop *loop = s->w->loop;

	ev_io_stop(loop, &s->io);
	ev_timer_stop(loop, &s->handshake_timer);
	ev_timer_stop(loop, &s->keepalive_timer);
	ev_timer_stop(loop, &s->dead_peer_timer);
	ev_timer_stop(loop, &s->linger_timer);
	ev_timer_stop(loop, &s->expiry_timer);
	ev_timer_stop(loop, &s->lifetime_timer);
	ev_timer_stop(loop, &s->detach_timer);
	udp_sess_close(s);
	if (s->tls != NULL)
		tls_conn_free(s->tls);
	if (s->fd >= 0)
		close(s->fd);
	if (s->rx.in.data != NULL)
		chan_deinit(&s->rx);
	if (s->tx.data != NULL)
		buf_deinit(&s->tx);
	free(s->proxy_hdr);
	free(s->chain);
	detach_free(s);
	explicit_bzero(s, sizeof(*s));
	free(s);
}
