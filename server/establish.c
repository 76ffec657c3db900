/*
 * establish.c - the step from HANDSHAKE to ESTABLISHED once TLS is up: map
 * the client certificate to an identity, refuse it if revoked or denied
 * (server/revoke.c) or, when OCSP is on, wait in CHECKING for the responder
 * (server/ocsp_check.c), replace an older session of the
 * same identity, lease addresses from the identity's group, enter the
 * routing table and send CONFIG. Any refusal after the handshake goes out as
 * a BYE so the client can tell the person why.
 */
#include "server.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <time.h>

#include "log.h"
#include "msg.h"
#include "tls_export.h"
#include "tun.h"

/* Plaintext frames gathered for one tls_write: two full TLS records. It
 * grows to that under load and is given back when idle (session_on_idle). */
#define SESSION_TX_CAP (32 * 1024)
/* Decrypted bytes waiting to become frames: room, at most, for a partial
 * largest frame plus a whole one; it too starts small and grows. */
#define SESSION_RX_CAP (2 * (FRAME_HDR_LEN + FRAME_MAX_PAYLOAD) + 16)

/* The group a client belongs to: INI members, then the certificate's OU or
 * OID attribute (group_from), then default_group (common/config/config_group.c).
 * NULL with *why if none (default_group = deny) or the values are ambiguous. */
static struct group *group_for(struct session *s, const struct cert_info *ci, const char **why)
{
	struct gateway *gw = s->w->gw;
	unsigned g;

	if (!config_group_for(&gw->cfg, s->identity, ci, &g, &s->group_how, why) ||
	    g >= gw->n_groups)
		return NULL;
	return &gw->groups[g];
}

/* Addresses from the group: a configured static address where there is
 * one, the pool (sticky) for the other families. The pool leases every
 * family it has, so a dynamic address a static one replaces goes back. */
static enum pool_result lease(struct session *s, struct group *g)
{
	const struct config_server *cfg = &s->w->gw->cfg;
	const struct ipaddr *st4 = config_static_for(cfg, g->index, s->identity, AF_INET);
	const struct ipaddr *st6 = config_static_for(cfg, g->index, s->identity, AF_INET6);
	bool need4 = g->net->pool4.addr.family != 0 && st4 == NULL;
	bool need6 = g->net->pool6.addr.family != 0 && st6 == NULL;
	int64_t now = (int64_t)time(NULL);
	struct ipaddr a4, a6;

	memset(&a4, 0, sizeof(a4));
	memset(&a6, 0, sizeof(a6));
	if (need4 || need6) {
		enum pool_result r = pool_acquire(&g->pool, s->identity, now, &a4, &a6);

		if (r != POOL_OK)
			return r;
		if (st4 != NULL && a4.family != 0)
			pool_release(&g->pool, &a4, now);
		if (st6 != NULL && a6.family != 0)
			pool_release(&g->pool, &a6, now);
	}
	s->addr4 = st4 != NULL ? *st4 : a4;
	s->addr6 = st6 != NULL ? *st6 : a6;
	s->static4 = st4 != NULL;
	s->static6 = st6 != NULL;
	return POOL_OK;
}

void establish_config(const struct session *s, struct msg_config *c)
{
	const struct group *g = s->group;
	const struct config_net *net = g->net;
	const struct config_server *cfg = &s->w->gw->cfg;

	memset(c, 0, sizeof(*c));
	if (s->addr4.family != 0) {
		c->addr4.addr = s->addr4;
		c->addr4.len = net->pool4.len;
		c->gateway4 = g->tun4.addr;
	}
	if (s->addr6.family != 0) {
		c->addr6.addr = s->addr6;
		c->addr6.len = net->pool6.len;
		c->gateway6 = g->tun6.addr;
	}
	c->mtu = (uint16_t)cfg->mtu;
	c->keepalive = (uint16_t)cfg->keepalive;
	update_lists(net, c);
	c->session_id = s->sid;
	c->cert_not_after = s->cert_not_after;
	c->cert_warn_days = (uint16_t)cfg->cert_warn_days;
	/* Optional: older clients skip it and keep 3 x keepalive. */
	c->dead_peer = cfg->dead_peer_timeout;
	/* Optional too: a client that knows it answers with FEATURES. */
	c->features = establish_features_offered(s->w);
	/* The UDP data channel, for this session only (udp_sess.c). */
	if (udp_sess_offered(s)) {
		c->features |= PROTO_FEATURE_DCHAN;
		udp_sess_offer_attr(s, &c->dchan.cid, &c->dchan.port, &c->dchan.aead);
	}
}

uint32_t establish_features_offered(const struct worker *w)
{
	uint32_t f = PROTO_FEATURES_KNOWN;

	/* The UDP data channel is offered per session (server/udp_sess.c). */
	f &= ~PROTO_FEATURE_DCHAN;
	/* Super-packets need a TUN that hands them over and takes them. */
	if (!w->tun_vnet || !(w->tun_offloads & TUN_OFFLOAD_TSO))
		f &= ~PROTO_FEATURE_OFFLOAD;
	return f;
}

static bool send_config(struct session *s)
{
	struct msg_config c;
	uint8_t payload[8192];
	size_t len;

	establish_config(s, &c);
	len = msg_config_encode(&c, payload, sizeof(payload));
	if (len == 0) {
		session_close(s, BYE_PROTOCOL_ERROR, "internal error: CONFIG does not encode");
		return false;
	}
	return session_send_frame(s, FRAME_CONFIG, payload, len);
}

static void log_up(const struct session *s)
{
	char id[IDENTITY_MAX * 4 + 1], t4[ADDR_STRLEN], t6[ADDR_STRLEN];
	char tunnel[2 * ADDR_STRLEN + 20] = "";

	if (s->addr4.family != 0)
		snprintf(tunnel, sizeof(tunnel), " tunnel=%s", addr_fmt(&s->addr4, t4));
	if (s->addr6.family != 0) {
		size_t l = strlen(tunnel);
		snprintf(tunnel + l, sizeof(tunnel) - l, " tunnel6=%s", addr_fmt(&s->addr6, t6));
	}
	log_info("session up: sid=%llu identity=\"%s\" serial=%s fp=%s remote=%s%s group=%s "
		 "(%s) proto=%s tls=%s cipher=%s handshake=%s%s%s",
		 (unsigned long long)s->sid, session_quote(s->identity, id, sizeof(id)), s->serial,
		 s->fingerprint, s->remote, tunnel, s->group->net->name, s->group_how,
		 oc_proto_name(s), tls_version_name(s->tls), tls_cipher_name(s->tls),
		 tls_resumed(s->tls) ? "resumed" : "full",
		 tls_ticket_refused(s->tls) != NULL ? " ticket_refused=" : "",
		 tls_ticket_refused(s->tls) != NULL ? tls_ticket_refused(s->tls) : "");
	audit_session(s, AUDIT_CONNECT, NULL);
}

static void admit(struct session *s, const struct cert_info *ci);

/* Checked: our own client is admitted at once; an OpenConnect client
 * first has its HTTP exchange (oc.c), whose CONNECT admits it. */
static void proceed(struct session *s, const struct cert_info *ci)
{
	if (s->proto == PROTO_OPENCONNECT) {
		oc_begin(s);
	} else if (tls_app(s->tls) == TLS_APP_CONTINUE) {
		/* Nothing changes until its CONTINUE (cont.c), which may
		 * have come with the Finished. */
		session_set_state(s, SESSION_CONTINUING);
		if (tls_has_pending(s->tls))
			router_session_input(s);
	} else {
		admit(s, ci);
	}
}

/* The session of s's identity that s replaces, or NULL if there is room:
 * the identity table's bucket holds every session of the identity, so
 * admission costs what that identity has, never a walk of all sessions. */
static struct session *oldest_to_replace(const struct session *s)
{
	struct gateway *gw = s->w->gw;
	unsigned max = gw->cfg.max_sessions_per_identity;
	struct session *oldest;

	if (max <= 1)
		return sestab_find_id(&gw->by_id, s->identity);
	return sestab_count_id(&gw->by_id, s->identity, s, &oldest) >= max ? oldest : NULL;
}

/* The chain revocation matches for as long as the session lives: the
 * peer's, completed from the CA bundle, kept at the size it has (usually
 * two or three certificates, not the worst case, in every session). */
static bool keep_chain(struct session *s, const struct cert_info *ci)
{
	struct cert_ref chain[2 * CERT_MAX_CHAIN];
	unsigned n = ci->n_chain;

	memcpy(chain, ci->chain, n * sizeof(chain[0]));
	revoke_complete_chain(&s->w->gw->revoke, chain, &n, sizeof(chain) / sizeof(chain[0]));
	free(s->chain);
	s->chain = malloc((n > 0 ? n : 1) * sizeof(chain[0]));
	if (s->chain == NULL) {
		s->n_chain = 0;
		return false;
	}
	memcpy(s->chain, chain, n * sizeof(chain[0]));
	s->n_chain = n;
	return true;
}

/* The checks and admission read and change what all workers share (the
 * identity and address tables, pools, CRLs, OCSP): with the world stopped,
 * unless the session was closed meanwhile. */
static void establish_now(struct session *s);

void establish_session(struct session *s)
{
	struct gateway *gw = s->w->gw;
	enum session_state st = s->state;

	workers_exclusive_begin(gw);
	if (s->state == st)
		establish_now(s);
	workers_exclusive_end(gw);
}

static void establish_now(struct session *s)
{
	struct worker *w = s->w;
	struct gateway *gw = w->gw;
	struct cert_info ci;
	const char *why = NULL;
	char identity[IDENTITY_MAX + 1];
	char reason[160];

	/* The buffers first: a refusal below is sent as a BYE frame. */
	if (buf_init_growable(&s->tx, 0, SESSION_TX_CAP) < 0 ||
	    chan_init_growing(&s->rx, CHAN_GATEWAY, SESSION_RX_CAP) < 0) {
		session_close(s, SESSION_NO_BYE, "out of memory");
		return;
	}
	chan_set_max_data(&s->rx, gw->cfg.mtu);
	if (tls_app(s->tls) == TLS_APP_HTTP)
		s->proto = PROTO_OPENCONNECT;
	/* A continuation's proof is over this connection's exporter value:
	 * taken before the exporter's secrets go (zeros: no proof verifies). */
	if (tls_app(s->tls) == TLS_APP_CONTINUE)
		(void)tls_export_continue(s->tls, s->cont_export);
	/* No certificate (enroll = on, HTTP only): EST and nothing else; no
	 * identity, no lease, no UDP channel. */
	if (tls_peer_anonymous(s->tls)) {
		s->anonymous = true;
		oc_begin(s);
		return;
	}
	/* The handshake is done: the UDP channel's secret now or never. */
	udp_sess_prepare(s);
	if (!tls_peer_info(s->tls, &ci)) {
		session_close(s, BYE_NOT_AUTHORIZED, "client certificate unreadable");
		return;
	}
	memcpy(s->serial, ci.serial_hex, sizeof(s->serial));
	memcpy(s->fingerprint, ci.fingerprint, sizeof(s->fingerprint));
	s->cert_not_after = ci.not_after;
	if (ci.truncated) {
		session_close(s, BYE_NOT_AUTHORIZED, "client certificate has a field too long");
		return;
	}
	if (!identity_from_cert(&ci, &gw->cfg.identity, identity, &why)) {
		session_close(s, BYE_NOT_AUTHORIZED, "%s", why != NULL ? why : "no identity");
		return;
	}
	memcpy(s->identity, identity, sizeof(s->identity));

	/* Revocation before anything else changes: a revoked certificate must
	 * not even replace the live session of its identity. */
	if (!keep_chain(s, &ci)) {
		session_close(s, SESSION_NO_BYE, "out of memory");
		return;
	}
	if (revoke_check(gw, s->chain, s->n_chain, identity, reason, sizeof(reason))) {
		session_log(s, SESSION_LOG_WARN, "certificate revoked: %s", reason);
		session_close(s, BYE_REVOKED, "%s", reason);
		return;
	}
	if (revoke_refuses_new(gw, reason, sizeof(reason))) {
		session_close(s, BYE_NOT_AUTHORIZED, "%s", reason);
		return;
	}
	if (ocsp_check_begin(s, &ci) != OCSP_CHECK_PASS)
		return;
	proceed(s, &ci);
}

/* Read the certificate again from the TLS connection, and check the CRLs
 * and deny lists, which may have changed since the handshake, again.
 * False if the session was closed. */
static bool recheck(struct session *s, struct cert_info *ci)
{
	char reason[160];

	if (!tls_peer_info(s->tls, ci)) {
		session_close(s, BYE_NOT_AUTHORIZED, "client certificate unreadable");
		return false;
	}
	if (revoke_check(s->w->gw, s->chain, s->n_chain, s->identity, reason, sizeof(reason))) {
		session_log(s, SESSION_LOG_WARN, "certificate revoked: %s", reason);
		session_close(s, BYE_REVOKED, "%s", reason);
		return false;
	}
	return true;
}

/* CHECKING -> ESTABLISHED (or HTTP): the OCSP answer let the certificate
 * in; the responder took time, so everything is checked again. */
void establish_resume(struct session *s)
{
	struct gateway *gw = s->w->gw;
	struct cert_info ci;

	workers_exclusive_begin(gw);
	if (recheck(s, &ci)) {
		/* CHECKING did not read the socket; what the client sent
		 * since waits. */
		(void)ev_io_modify(s->w->loop, &s->io, EPOLLIN);
		proceed(s, &ci);
	}
	workers_exclusive_end(gw);
}

/* HTTP -> ESTABLISHED: an OpenConnect client's CONNECT, checked again. */
void establish_admit(struct session *s)
{
	struct gateway *gw = s->w->gw;
	struct cert_info ci;

	workers_exclusive_begin(gw);
	if (s->state == SESSION_HTTP && recheck(s, &ci))
		admit(s, &ci);
	workers_exclusive_end(gw);
}

bool establish_still_good(struct session *s, struct cert_info *ci)
{
	struct gateway *gw = s->w->gw;
	bool ok;

	workers_exclusive_begin(gw);
	ok = s->state == SESSION_HTTP && recheck(s, ci);
	workers_exclusive_end(gw);
	return ok;
}

void establish_admit_new(struct session *s)
{
	struct gateway *gw = s->w->gw;
	struct cert_info ci;

	workers_exclusive_begin(gw);
	if (s->state == SESSION_CONTINUING && recheck(s, &ci))
		admit(s, &ci);
	workers_exclusive_end(gw);
}

struct group *establish_group_of(struct session *s, const char **why)
{
	struct cert_info ci;

	if (!tls_peer_info(s->tls, &ci)) {
		*why = "client certificate unreadable";
		return NULL;
	}
	return group_for(s, &ci, why);
}

bool establish_send_config(struct session *s)
{
	return send_config(s);
}

/* The BYE text for a group refusal: the peer is authenticated, so it is
 * told which rule refused it (docs/user-guide.md promises the detail),
 * without the "not authorized" its BYE reason already says. */
static const char *refusal_detail(const char *why)
{
	static const char said[] = "not authorized: ";

	if (why == NULL)
		return "the identity is in no group";
	if (strncmp(why, said, sizeof(said) - 1) == 0)
		return why + sizeof(said) - 1;
	return why;
}

/* Replace, lease, route, send CONFIG. */
static void admit(struct session *s, const struct cert_info *ci)
{
	struct worker *w = s->w;
	const char *why = NULL;
	struct session *old;

	/* The group before anything changes: a refused identity must not
	 * replace its live session. */
	s->group = group_for(s, ci, &why);
	if (s->group == NULL) {
		session_log(s, SESSION_LOG_INFO, "refused: %s", why != NULL ? why : "no group");
		session_close(s, BYE_NOT_AUTHORIZED, "%s", refusal_detail(why));
		return;
	}

	/* One session per identity by default: the newer wins and takes the
	 * address. With max_sessions_per_identity = N, the oldest of N goes. */
	old = oldest_to_replace(s);
	if (old != NULL)
		session_close(old, BYE_REPLACED, "replaced by a newer session from %s", s->remote);

	/* max_clients bounds employees' sessions only: strangers never reach
	 * here, and the half-open table has its own bound (halfopen.c). */
	if (w->gw->n_established >= w->gw->cfg.max_clients) {
		s->over_max_clients = true;
		session_close(s, BYE_POOL_EXHAUSTED,
			      "gateway full: too many clients (max_clients=%u)",
			      w->gw->cfg.max_clients);
		return;
	}

	switch (lease(s, s->group)) {
	case POOL_OK:
		break;
	case POOL_EXHAUSTED:
		memset(&s->addr4, 0, sizeof(s->addr4));
		memset(&s->addr6, 0, sizeof(s->addr6));
		session_log(s, SESSION_LOG_WARN,
			    "refused: the address pool of group %s is exhausted (%u leases active)",
			    s->group->pool.name, pool_active_count(&s->group->pool));
		session_close(s, BYE_POOL_EXHAUSTED, "address pool %s exhausted",
			      s->group->pool.name);
		return;
	case POOL_INVALID:
	default:
		memset(&s->addr4, 0, sizeof(s->addr4));
		memset(&s->addr6, 0, sizeof(s->addr6));
		session_close(s, BYE_NOT_AUTHORIZED, "identity not accepted by the address pool");
		return;
	}
	s->leased = true;
	lease_changed(w->gw);
	sestab_insert_id(&w->gw->by_id, &s->by_id, s);
	s->in_id_table = true;
	router_add_session(s);
	session_set_state(s, SESSION_ESTABLISHED);
	session_on_established(s);
	log_up(s);
	if (s->proto == PROTO_OPENCONNECT) {
		if (!oc_send_connected(s) || !router_session_flush(s))
			return;
	} else if (!send_config(s) || !router_session_flush(s)) {
		return;
	}
	/* The handshake's buffers are not needed until the client speaks. */
	session_on_idle(s);
	/* Records that came with the client's Finished are already decrypted
	 * or buffered in wolfSSL, where epoll cannot see them. */
	if (tls_has_pending(s->tls))
		router_session_input(s);
}
