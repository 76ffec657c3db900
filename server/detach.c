/*
 * detach.c - a session whose TLS connection is lost while its UDP channel
 * is up (docs/protocol.md 12.10, "Detached sessions"): with
 * udp_detach_grace > 0 it is kept without a connection (fd -1, tls NULL),
 * still ESTABLISHED and counted once, its packets going by UDP under the
 * same rules (anything TLS would carry is dropped and counted), until a
 * continuation attaches a new connection (cont.c) or the grace ends. A
 * client's BYE, and every close with a BYE reason (revocation, expiry,
 * admin, shutdown, dead peer), end it at once like any other session.
 */
#include "server.h"

#include <stdlib.h>
#include <string.h>

#include "log.h"

static void on_grace_over(struct ev_loop *loop, struct ev_timer *t)
{
	struct session *s = t->data;

	(void)loop;
	s->w->st.detach_expired++;
	session_close(s, SESSION_NO_BYE, "detached for udp_detach_grace (%us) and not continued",
		      s->w->gw->cfg.udp_detach_grace);
}

void detach_init(struct session *s)
{
	ev_timer_init(&s->detach_timer, on_grace_over, s);
}

bool detach_keep(struct session *s)
{
	unsigned grace = s->w->gw->cfg.udp_detach_grace;

	if (grace == 0 || s->detached || s->peer_bye || s->state != SESSION_ESTABLISHED ||
	    s->proto != PROTO_MTLSVPN || !udp_sess_active(s))
		return false;
	/* A reload decides each session's group from its certificate: keep
	 * what the connection showed, for as long as there is none. */
	s->detached_ci = malloc(sizeof(*s->detached_ci));
	if (s->detached_ci == NULL || !tls_peer_info(s->tls, s->detached_ci)) {
		detach_free(s);
		return false;
	}
	session_drop_connection(s);
	/* Its keepalives went by TLS; the dead-peer timer stays (UDP feeds
	 * it), as do the certificate's and the lifetime's. */
	ev_timer_stop(s->w->loop, &s->keepalive_timer);
	ev_timer_arm(s->w->loop, &s->detach_timer, (uint64_t)grace * 1000u);
	s->detached = true;
	s->w->st.detached++;
	session_log(s, SESSION_LOG_INFO,
		    "connection lost (%s); detached: the UDP channel carries the session for up "
		    "to %us",
		    s->reason, grace);
	s->reason[0] = '\0';
	return true;
}

void detach_on_attached(struct session *s)
{
	ev_timer_stop(s->w->loop, &s->detach_timer);
	s->detached = false;
	detach_free(s);
	/* A re-key the lost connection may not have carried is asked again. */
	udp_sess_on_attached(s);
}

bool detach_cert_info(const struct session *s, struct cert_info *ci)
{
	if (s->tls != NULL)
		return tls_peer_info(s->tls, ci);
	if (s->detached_ci == NULL)
		return false;
	*ci = *s->detached_ci;
	return true;
}

void detach_free(struct session *s)
{
	if (s->detached_ci != NULL)
		explicit_bzero(s->detached_ci, sizeof(*s->detached_ci));
	free(s->detached_ci);
	s->detached_ci = NULL;
}
