/*
 * liveness.c - an established session's idle side (docs/protocol.md
 * section 7): the gateway's KEEPALIVE after keepalive_gateway_ms() of
 * sending nothing, the answer to a client's KEEPALIVE, the close of a
 * client silent for dead_peer_timeout, and giving an idle session's buffers
 * back after each keepalive. Sending and receiving only store a time stamp;
 * the timers re-check it when they fire.
 */
#include "server.h"

#include "frame.h"
#include "keepalive.h"

static void on_keepalive_due(struct ev_loop *loop, struct ev_timer *t);
static void on_dead_peer_check(struct ev_loop *loop, struct ev_timer *t);

void liveness_init(struct session *s)
{
	ev_timer_init(&s->keepalive_timer, on_keepalive_due, s);
	ev_timer_init(&s->dead_peer_timer, on_dead_peer_check, s);
}

/* Silence the gateway keeps before its own KEEPALIVE. OpenConnect clients
 * are told X-CSTP-Keepalive and judge the gateway by their DPD, so they get
 * one every keepalive seconds, as before. */
static uint64_t own_after_ms(const struct session *s)
{
	const struct config_server *cfg = &s->w->gw->cfg;

	if (s->proto == PROTO_OPENCONNECT)
		return (uint64_t)cfg->keepalive * 1000;
	return keepalive_gateway_ms(cfg->keepalive, cfg->dead_peer_timeout);
}

void liveness_arm(struct session *s)
{
	struct ev_loop *loop = s->w->loop;

	s->last_rx_ms = s->last_tx_ms = ev_now_ms(loop);
	s->keepalive_owed = false;
	ev_timer_arm(loop, &s->keepalive_timer, own_after_ms(s));
	ev_timer_arm(loop, &s->dead_peer_timer, (uint64_t)s->w->gw->cfg.dead_peer_timeout * 1000);
}

void session_on_data_received(struct session *s)
{
	s->last_rx_ms = ev_now_ms(s->w->loop);
}

void session_on_data_sent(struct session *s)
{
	s->last_tx_ms = ev_now_ms(s->w->loop);
}

/* Nothing queued either way: give back the buffers a burst grew, so an
 * idle session costs little more than its wolfSSL object. Each comes back,
 * small, with the next byte. */
void session_on_idle(struct session *s)
{
	if (s->state != SESSION_ESTABLISHED || s->tls == NULL || buf_len(&s->tx) > 0 ||
	    tls_outq_len(s->tls) > 0)
		return;
	buf_shrink(&s->tx, 0);
	chan_trim(&s->rx);
	tls_trim(s->tls);
}

/* A client's KEEPALIVE, read this turn (session_on_data_received() has
 * noted it). Answered once the input is drained (liveness_after_input). */
void liveness_on_keepalive(struct session *s)
{
	uint64_t silent = ev_now_ms(s->w->loop) - s->last_tx_ms;

	if (s->proto == PROTO_MTLSVPN && keepalive_answers(s->w->gw->cfg.keepalive, silent))
		s->keepalive_owed = true;
}

/* After a read: the answer owed, sent at once so it carries the TCP
 * acknowledgement of the client's KEEPALIVE, then the buffers given back.
 * With output of its own queued this turn, the answer goes with it. */
void liveness_after_input(struct session *s)
{
	if (!s->keepalive_owed)
		return;
	s->keepalive_owed = false;
	if (!session_send_frame(s, FRAME_KEEPALIVE, NULL, 0))
		return;
	if (s->on_dirty)
		return;
	if (router_session_flush(s))
		session_on_idle(s);
}

static void on_keepalive_due(struct ev_loop *loop, struct ev_timer *t)
{
	struct session *s = t->data;
	uint64_t after = own_after_ms(s);
	uint64_t silent = ev_now_ms(loop) - s->last_tx_ms;

	if (silent + 50 < after) {
		ev_timer_arm(loop, t, after - silent);
		return;
	}
	ev_timer_arm(loop, t, after);
	if (session_send_frame(s, FRAME_KEEPALIVE, NULL, 0) && router_session_flush(s))
		session_on_idle(s);
}

static void on_dead_peer_check(struct ev_loop *loop, struct ev_timer *t)
{
	struct session *s = t->data;
	uint64_t limit = (uint64_t)s->w->gw->cfg.dead_peer_timeout * 1000;
	uint64_t idle = ev_now_ms(loop) - s->last_rx_ms;

	if (idle < limit) {
		ev_timer_arm(loop, t, limit - idle);
		return;
	}
	session_close(s, BYE_TIMEOUT, "no data from the client for %us",
		      s->w->gw->cfg.dead_peer_timeout);
}
