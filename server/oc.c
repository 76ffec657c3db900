/*
 * oc.c - OpenConnect (AnyConnect) clients on the gateway's listener
 * (docs/openconnect.md; the wire in docs/protocol.md, "OpenConnect"). The
 * TLS handshake and every certificate check are the ones our own client
 * gets (establish.c); then, in SESSION_HTTP, the client speaks HTTP: its
 * config-auth request is answered with a cookie bound to its certificate,
 * and a CONNECT carrying that cookie leases its addresses (establish_admit)
 * and is answered with the X-CSTP-* settings. From then on IP packets travel
 * in CSTP framing, each packet in its own TLS record (openconnect reads one
 * record at a time), through the same anti-spoofing, access rules, counters
 * and capture as ours (router.c). The bytes are parsed and built by the pure
 * modules common/wire/oc_http.c, oc_xml.c, oc_reply.c and cstp.c.
 */
#include "server.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include "cstp.h"
#include "est_http.h"
#include "log.h"
#include "oc_http.h"
#include "oc_reply.h"
#include "oc_xml.h"

/* Requests one connection may make before its CONNECT: openconnect needs
 * one or two. */
#define OC_MAX_REQUESTS 8
/* The cookie: the certificate's fingerprint, then 16 random hex digits. */
#define OC_COOKIE_LEN 32
/* Room for the largest answer (a CONNECT with every route and domain). */
#define OC_REPLY_CAP 16384

const char *oc_proto_name(const struct session *s)
{
	return s->proto == PROTO_OPENCONNECT ? "openconnect" : "mtlsvpn";
}

/*
 * The cookie carries no authority of its own: every connection, the
 * CONNECT's included, is authenticated by its client certificate with every
 * check. It binds the CONNECT to the certificate that authenticated (its
 * fingerprint leads it), so a cookie taken from one employee is worthless
 * with another's certificate, and it stays valid across a restart and on
 * every gateway behind one name, so openconnect's reconnects (after a drain,
 * a failover) find it good. The random tail tells two logins apart in logs.
 */
static void cookie_make(const struct session *s, char out[static OC_COOKIE_LEN + 1])
{
	uint8_t rnd[8] = {0};
	size_t l;

	if (getrandom(rnd, sizeof(rnd), 0) != (ssize_t)sizeof(rnd))
		memset(rnd, 0, sizeof(rnd));
	l = (size_t)snprintf(out, OC_COOKIE_LEN + 1, "%.16s", s->fingerprint);
	for (size_t i = 0; i < sizeof(rnd) && l + 2 <= OC_COOKIE_LEN; i++, l += 2)
		snprintf(out + l, 3, "%02x", rnd[i]);
}

static bool cookie_ok(const struct session *s, const char *cookie)
{
	size_t fl = strlen(s->fingerprint);

	if (strlen(cookie) != OC_COOKIE_LEN || fl != 16 || memcmp(cookie, s->fingerprint, fl) != 0)
		return false;
	for (size_t i = fl; i < OC_COOKIE_LEN; i++)
		if (!((cookie[i] >= '0' && cookie[i] <= '9') || (cookie[i] >= 'a' && cookie[i] <= 'f')))
			return false;
	return true;
}

/* Queue bytes as TLS records; the caller flushes. False if closed. */
bool oc_queue(struct session *s, const void *p, size_t len)
{
	switch (tls_write(s->tls, p, len)) {
	case TLS_OK:
		return true;
	case TLS_WANT_WRITE:
		session_log(s, SESSION_LOG_DEBUG, "openconnect: output queue full, %zu bytes dropped",
			    len);
		return true;
	default:
		session_close(s, SESSION_NO_BYE, "TLS write failed: %s", tls_error_str(s->tls));
		return false;
	}
}

/* An HTTP error, then the connection ends. why is logged, never sent. */
static void refuse(struct session *s, unsigned status, uint16_t bye, const char *why)
{
	char out[512];
	size_t n = oc_reply_error(out, sizeof(out), status, NULL);

	if (n > 0 && !oc_queue(s, out, n))
		return;
	session_close(s, bye, "openconnect: HTTP %u: %s", status, why);
}

static void answer_auth(struct session *s)
{
	char cookie[OC_COOKIE_LEN + 1];
	char out[OC_REPLY_CAP];
	size_t n;

	cookie_make(s, cookie);
	n = oc_reply_auth_ok(out, sizeof(out), cookie, NULL);
	if (n == 0) {
		refuse(s, 500, SESSION_NO_BYE, "the authentication answer does not fit");
		return;
	}
	if (oc_queue(s, out, n) && router_session_flush(s))
		session_log(s, SESSION_LOG_INFO, "openconnect: authenticated by certificate, cookie %.8s...",
			    cookie + 16);
}

static void answer_post(struct session *s, const struct oc_request *rq)
{
	struct oc_auth_req ar;
	const char *why = NULL;

	if (rq->body == NULL || rq->body_len == 0) {
		refuse(s, 400, SESSION_NO_BYE, "POST without a config-auth body");
		return;
	}
	if (oc_xml_auth_parse(rq->body, rq->body_len, &ar, &why) < 0) {
		refuse(s, 400, SESSION_NO_BYE, why != NULL ? why : "malformed config-auth");
		return;
	}
	switch (ar.type) {
	case OC_AUTH_INIT:
	case OC_AUTH_REPLY:
		answer_auth(s);
		return;
	case OC_AUTH_LOGOUT:
	case OC_AUTH_OTHER:
	default: {
		char out[512];
		size_t n = oc_reply_error(out, sizeof(out), 200, NULL);

		if (n > 0 && oc_queue(s, out, n))
			(void)router_session_flush(s);
		return;
	}
	}
}

static void answer_connect(struct session *s, const struct oc_request *rq)
{
	unsigned mtu = s->w->gw->cfg.mtu;

	if (strcmp(rq->path, "/CSCOSSLC/tunnel") != 0 && strcmp(rq->path, "/CSTP") != 0) {
		refuse(s, 404, SESSION_NO_BYE, "CONNECT to an unknown path");
		return;
	}
	if (rq->cookie[0] == '\0' || !cookie_ok(s, rq->cookie)) {
		session_log(s, SESSION_LOG_WARN, "openconnect: CONNECT with a cookie %s",
			    rq->cookie[0] == '\0' ? "missing" : "not issued to this certificate");
		refuse(s, 401, BYE_NOT_AUTHORIZED, "CONNECT without a cookie of this certificate");
		return;
	}
	if (rq->cstp_version != 1) {
		refuse(s, 400, SESSION_NO_BYE, "CONNECT without X-CSTP-Version: 1");
		return;
	}
	/* The smaller of ours and the client's, never below what IPv6 needs. */
	if (rq->cstp_mtu >= MSG_MTU_MIN && rq->cstp_mtu < mtu)
		mtu = rq->cstp_mtu;
	s->oc_mtu = mtu;
	s->oc_want4 = rq->want_ipv4;
	s->oc_want6 = rq->want_ipv6;
	establish_admit(s);
}

static void answer(struct session *s, const struct oc_request *rq)
{
	if (s->oc_requests > OC_MAX_REQUESTS) {
		refuse(s, 429, SESSION_NO_BYE, "too many requests before CONNECT");
		return;
	}
	/* EST (enroll = on) first: it is all a session without a client
	 * certificate may reach. */
	if (est_http_is_est(rq)) {
		est_answer(s, rq);
		return;
	}
	if (s->anonymous) {
		est_refuse_other(s, rq);
		return;
	}
	if (!s->w->gw->cfg.openconnect) {
		refuse(s, 404, SESSION_NO_BYE, "OpenConnect is not served here (openconnect = off)");
		return;
	}
	switch (rq->method) {
	case OC_METHOD_CONNECT:
		answer_connect(s, rq);
		return;
	case OC_METHOD_POST:
		answer_post(s, rq);
		return;
	case OC_METHOD_GET:
		/* A client that starts with GET / (no XML POST) gets the
		 * same answer: the certificate has already said who it is. */
		if (strcmp(rq->path, "/") == 0)
			answer_auth(s);
		else
			refuse(s, 404, SESSION_NO_BYE, "GET of an unknown path");
		return;
	}
	refuse(s, 405, SESSION_NO_BYE, "method not allowed");
}

/* Every whole request in the receive buffer, in order. */
static void requests(struct session *s)
{
	struct buf *in = &s->rx.in;

	while (s->state == SESSION_HTTP) {
		struct oc_request rq;
		const char *why = NULL;
		unsigned status = 400;
		size_t used = 0;

		switch (oc_http_parse(buf_ptr(in), buf_len(in), &rq, &used, &status, &why)) {
		case OC_HTTP_NEED_MORE:
			return;
		case OC_HTTP_ERROR:
			refuse(s, status, SESSION_NO_BYE, why != NULL ? why : "malformed request");
			return;
		case OC_HTTP_OK:
			break;
		}
		/* Consumed first: after a CONNECT the rest is CSTP. The body
		 * stays in place until the next chan_space(). */
		buf_consume(in, used);
		s->oc_requests++;
		answer(s, &rq);
		if (rq.close && s->state == SESSION_HTTP) {
			session_close(s, SESSION_NO_BYE, "client asked to close");
			return;
		}
	}
}

void oc_input(struct session *s)
{
	ssize_t n = tls_fill(s->tls);
	int e = errno;

	while (s->state == SESSION_HTTP) {
		size_t room, got = 0;
		uint8_t *space = chan_space(&s->rx, &room);

		switch (tls_read(s->tls, space, room, &got)) {
		case TLS_OK:
			break;
		case TLS_WANT_READ:
		case TLS_WANT_WRITE:
			goto read_all;
		case TLS_CLOSED:
			session_close(s, SESSION_NO_BYE, "client closed the TLS session");
			return;
		case TLS_ERROR:
			session_close(s, SESSION_NO_BYE, "TLS error: %s", tls_error_str(s->tls));
			return;
		}
		chan_commit(&s->rx, got);
		requests(s);
	}
read_all:
	if (s->state != SESSION_HTTP)
		return;
	if (n == 0)
		session_close(s, SESSION_NO_BYE, "connection closed by the client");
	else if (n < 0 && e != EAGAIN && e != EWOULDBLOCK && e != EINTR)
		session_close(s, SESSION_NO_BYE, "connection error: %s", strerror(e));
}

void oc_begin(struct session *s)
{
	struct ev_loop *loop = s->w->loop;

	session_set_state(s, SESSION_HTTP);
	/* The HTTP exchange has handshake_timeout of its own. */
	ev_timer_arm(loop, &s->handshake_timer, (uint64_t)s->w->gw->cfg.handshake_timeout * 1000);
	session_log(s, SESSION_LOG_DEBUG, "openconnect client: %s %s", tls_version_name(s->tls),
		    tls_cipher_name(s->tls));
	/* What the handshake left queued goes now: a TLS 1.3 ticket, or
	 * the whole last flight of TLS 1.2, without which the client waits. */
	if (!router_session_flush(s))
		return;
	/* The first request may have come with the client's Finished. */
	if (tls_has_pending(s->tls))
		oc_input(s);
}

void oc_on_deadline(struct session *s)
{
	char out[256];
	size_t n = oc_reply_error(out, sizeof(out), 408, NULL);

	/* A stranger without a certificate (EST) that outstayed its time. */
	if (s->anonymous && !s->est_quiet)
		s->refusal = REFUSAL_HS_TIMEOUT;

	if (n > 0 && !oc_queue(s, out, n))
		return;
	session_close(s, SESSION_NO_BYE, "openconnect: no CONNECT within handshake_timeout (%us)",
		      s->w->gw->cfg.handshake_timeout);
}

/*
 * The families the client hears of: those it asked for, and of those only
 * ones its group routes. CSTP cannot say "no routes" for a family: one
 * without Split-Include would take all of that family's traffic (a full
 * tunnel the group never asked for), so an address family without routes
 * is not announced while the other has some. Its address stays leased and
 * routed by the gateway (sticky, as for our own client); nothing reaches it.
 */
static void announce_families(const struct session *s, struct msg_config *c)
{
	bool r4 = false, r6 = false;

	for (unsigned i = 0; i < c->n_routes; i++) {
		if (c->routes[i].addr.family == AF_INET)
			r4 = true;
		else
			r6 = true;
	}
	if (!s->oc_want4 || (!r4 && r6))
		memset(&c->addr4, 0, sizeof(c->addr4));
	if (!s->oc_want6 || (!r6 && r4))
		memset(&c->addr6, 0, sizeof(c->addr6));
}

bool oc_send_connected(struct session *s)
{
	const struct config_server *cfg = &s->w->gw->cfg;
	struct oc_connect_info ci;
	struct msg_config c;
	char out[OC_REPLY_CAP];
	int64_t left = s->cert_not_after - (int64_t)time(NULL);
	size_t n;

	establish_config(s, &c);
	c.mtu = (uint16_t)s->oc_mtu;
	announce_families(s, &c);
	if (c.addr4.addr.family == 0 && c.addr6.addr.family == 0) {
		session_close(s, BYE_NOT_AUTHORIZED,
			      "no address to announce: the client asked for %s, group %s has %s",
			      s->oc_want4 && s->oc_want6 ? "IPv4 and IPv6"
			      : s->oc_want6	       ? "IPv6 only"
						       : "IPv4 only",
			      s->group->net->name, "no such address or routes");
		return false;
	}
	memset(&ci, 0, sizeof(ci));
	ci.cfg = &c;
	/* openconnect calls the gateway dead after twice this without a
	 * byte: the same dead_peer_timeout the gateway applies to it. */
	ci.dpd = cfg->dead_peer_timeout / 2 > 0 ? cfg->dead_peer_timeout / 2 : 1;
	if (s->cert_not_after > 0 && left > 0)
		ci.session_timeout = (uint64_t)left;
	if (cfg->max_session_lifetime > 0) {
		int64_t end = tls_full_handshake_at(s->tls) + (int64_t)cfg->max_session_lifetime;
		int64_t rest = end - (int64_t)time(NULL);

		if (rest > 0 && (ci.session_timeout == 0 || (uint64_t)rest < ci.session_timeout))
			ci.session_timeout = (uint64_t)rest;
	}
	ci.server_name = "mtlsvpn";
	n = oc_reply_connect(out, sizeof(out), &ci);
	if (n == 0) {
		session_close(s, BYE_PROTOCOL_ERROR, "internal error: the CONNECT answer does not fit");
		return false;
	}
	chan_set_framing(&s->rx, CHAN_FRAMING_CSTP);
	chan_set_max_data(&s->rx, s->oc_mtu);
	return oc_queue(s, out, n);
}

bool oc_send_packet(struct session *s, uint8_t cstp_type, const void *payload, size_t len)
{
	uint8_t pkt[CSTP_HDR_LEN + 2 + BYE_MAX_TEXT];
	size_t n = cstp_packet(pkt, sizeof(pkt), cstp_type, payload, len);

	if (n == 0)
		return false;
	return oc_queue(s, pkt, n);
}

void oc_route_packet(struct session *s, struct buf *pkt, size_t len)
{
	if (!cstp_wrap_data(pkt))
		return;
	/* One record per packet: openconnect reads a record at a time. */
	switch (tls_write(s->tls, buf_ptr(pkt), buf_len(pkt))) {
	case TLS_OK:
		s->st.tx_packets++;
		s->st.tx_bytes += len;
		session_on_data_sent(s);
		router_mark_dirty(s);
		break;
	case TLS_WANT_WRITE:
		s->st.drop_backpressure++;
		break;
	default:
		session_close(s, SESSION_NO_BYE, "TLS write failed: %s", tls_error_str(s->tls));
		break;
	}
}

/* Closing: an established client gets a DISCONNECT with the reason
 * (openconnect prints it and ends; after a drain or at shutdown, a bare
 * close makes it reconnect instead); one still in its HTTP exchange an
 * HTTP error. */
void oc_on_close(struct session *s, uint16_t bye, bool was_up)
{
	char text[BYE_MAX_TEXT + 1];

	/* A drain or a shutdown is no reason to end the employee's session:
	 * a bare close makes openconnect reconnect, and the sticky lease
	 * gives it its address again. */
	if (bye != SESSION_NO_BYE && bye != BYE_DRAINING && bye != BYE_SHUTDOWN && was_up) {
		uint8_t pkt[CSTP_HDR_LEN + 2 + BYE_MAX_TEXT];
		size_t n;

		snprintf(text, sizeof(text), "%.40s: %.200s", msg_bye_reason_str(bye), s->reason);
		n = cstp_disconnect(pkt, sizeof(pkt), (uint8_t)bye, text);
		if (n > 0 && tls_write(s->tls, pkt, n) != TLS_OK)
			session_log(s, SESSION_LOG_DEBUG, "DISCONNECT not queued: %s",
				    tls_error_str(s->tls));
	} else if (bye != SESSION_NO_BYE && !was_up) {
		char out[768];
		unsigned status = bye == BYE_POOL_EXHAUSTED || bye == BYE_SHUTDOWN ||
					  bye == BYE_DRAINING
				      ? 503
				      : 403;
		size_t n;

		snprintf(text, sizeof(text), "%.40s: %.200s", msg_bye_reason_str(bye), s->reason);
		n = oc_reply_error(out, sizeof(out), status, text);
		if (n == 0)
			n = oc_reply_error(out, sizeof(out), status, NULL);
		if (n > 0 && tls_write(s->tls, out, n) != TLS_OK)
			session_log(s, SESSION_LOG_DEBUG, "HTTP refusal not queued: %s",
				    tls_error_str(s->tls));
	}
	tls_shutdown(s->tls);
}
