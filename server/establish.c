/*
 * establish.c - the step from HANDSHAKE to ESTABLISHED once TLS is up: map
 * the client certificate to an identity, refuse it if revoked or denied
 * (server/revoke.c), replace an older session of the
 * same identity, lease addresses from the identity's group, enter the
 * routing table and send CONFIG. Any refusal after the handshake goes out as
 * a BYE so the client can tell the person why.
 */
#include "server.h"

#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <time.h>

#include "log.h"
#include "msg.h"

/* Plaintext frames gathered for one tls_write: two full TLS records. */
#define SESSION_TX_CAP (32 * 1024)
/* Decrypted bytes waiting to become frames: room for a partial largest
 * frame plus a whole one. */
#define SESSION_RX_CAP (2 * (FRAME_HDR_LEN + FRAME_MAX_PAYLOAD) + 16)

/* The group a client belongs to. One now; per-group pools select here. */
static struct group *group_for(struct gateway *gw, const struct cert_info *ci)
{
	(void)ci;
	return &gw->group;
}

static bool send_config(struct session *s)
{
	const struct group *g = s->group;
	const struct config_net *net = g->net;
	const struct config_server *cfg = &s->w->gw->cfg;
	struct msg_config c;
	uint8_t payload[8192];
	size_t len;

	memset(&c, 0, sizeof(c));
	if (s->addr4.family != 0) {
		c.addr4.addr = s->addr4;
		c.addr4.len = net->pool4.len;
		c.gateway4 = g->pool.gw4;
	}
	if (s->addr6.family != 0) {
		c.addr6.addr = s->addr6;
		c.addr6.len = net->pool6.len;
		c.gateway6 = g->pool.gw6;
	}
	c.mtu = (uint16_t)cfg->mtu;
	c.keepalive = (uint16_t)cfg->keepalive;
	memcpy(c.routes, net->routes, sizeof(c.routes));
	c.n_routes = net->n_routes;
	memcpy(c.dns, net->dns, sizeof(c.dns));
	c.n_dns = net->n_dns;
	memcpy(c.search, net->search, sizeof(c.search));
	c.n_search = net->n_search;
	c.session_id = s->sid;
	c.cert_not_after = s->cert_not_after;
	c.cert_warn_days = (uint16_t)cfg->cert_warn_days;
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
	log_info("session up: sid=%llu identity=\"%s\" serial=%s fp=%s remote=%s%s cipher=%s",
		 (unsigned long long)s->sid, session_quote(s->identity, id, sizeof(id)), s->serial,
		 s->fingerprint, s->remote, tunnel, tls_cipher_name(s->tls));
}

void establish_session(struct session *s)
{
	struct worker *w = s->w;
	struct gateway *gw = w->gw;
	struct cert_info ci;
	struct session *old;
	const char *why = NULL;
	char identity[IDENTITY_MAX + 1];
	char reason[160];

	/* The buffers first: a refusal below is sent as a BYE frame. */
	if (buf_init(&s->tx, SESSION_TX_CAP) < 0 ||
	    chan_init(&s->rx, CHAN_GATEWAY, SESSION_RX_CAP) < 0) {
		session_close(s, SESSION_NO_BYE, "out of memory");
		return;
	}
	chan_set_max_data(&s->rx, gw->cfg.mtu);
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
	if (!identity_from_cert(&ci, gw->cfg.identity, identity, &why)) {
		session_close(s, BYE_NOT_AUTHORIZED, "%s", why != NULL ? why : "no identity");
		return;
	}
	memcpy(s->identity, identity, sizeof(s->identity));

	/* Revocation before anything else changes: a revoked certificate must
	 * not even replace the live session of its identity. */
	memcpy(s->chain, ci.chain, ci.n_chain * sizeof(ci.chain[0]));
	s->n_chain = ci.n_chain;
	revoke_complete_chain(&gw->revoke, s->chain, &s->n_chain,
			      sizeof(s->chain) / sizeof(s->chain[0]));
	if (revoke_check(gw, s->chain, s->n_chain, identity, reason, sizeof(reason))) {
		session_log(s, SESSION_LOG_WARN, "certificate revoked: %s", reason);
		session_close(s, BYE_REVOKED, "%s", reason);
		return;
	}
	if (revoke_refuses_new(gw, reason, sizeof(reason))) {
		session_close(s, BYE_NOT_AUTHORIZED, "%s", reason);
		return;
	}

	/* One session per identity: the newer wins and takes the address. */
	old = sestab_find_id(&w->by_id, identity);
	if (old != NULL)
		session_close(old, BYE_REPLACED, "replaced by a newer session from %s", s->remote);

	s->group = group_for(gw, &ci);
	switch (pool_acquire(&s->group->pool, identity, (int64_t)time(NULL), &s->addr4,
			     &s->addr6)) {
	case POOL_OK:
		break;
	case POOL_EXHAUSTED:
		memset(&s->addr4, 0, sizeof(s->addr4));
		memset(&s->addr6, 0, sizeof(s->addr6));
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
	sestab_insert_id(&w->by_id, &s->by_id, s);
	s->in_id_table = true;
	router_add_session(s);
	session_set_state(s, SESSION_ESTABLISHED);
	session_on_established(s);
	log_up(s);
	if (!send_config(s) || !router_session_flush(s))
		return;
	/* Records that came with the client's Finished are already decrypted
	 * or buffered in wolfSSL, where epoll cannot see them. */
	if (tls_has_pending(s->tls))
		router_session_input(s);
}
