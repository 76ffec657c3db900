/*
 * liveness.c - the UP tunnel's two liveness timers: a keepalive when the
 * client has sent nothing for keepalive seconds (so the gateway and any
 * NAT on the way see it alive), and the end of the session when nothing
 * at all was heard from the gateway for dead_peer seconds.
 */
#include "client.h"

#include "log.h"

void client_on_keepalive_due(struct ev_loop *loop, struct ev_timer *t)
{
	struct client *c = t->data;
	uint64_t idle = ev_now_ms(loop) - c->last_tx_ms;
	uint64_t every = (uint64_t)c->keepalive_s * 1000u;

	if (c->state != CLIENT_UP)
		return;
	if (idle >= every) {
		if (tunnel_send_frame(c, FRAME_KEEPALIVE, NULL, 0) < 0)
			return;
		idle = 0;
	}
	ev_timer_arm(loop, &c->keepalive_timer, every - idle);
}

void client_on_peer_silence(struct ev_loop *loop, struct ev_timer *t)
{
	struct client *c = t->data;
	uint64_t silent = ev_now_ms(loop) - c->last_rx_ms;
	uint64_t limit = (uint64_t)c->dead_peer_s * 1000u;

	if (c->state != CLIENT_UP)
		return;
	if (silent >= limit) {
		client_disconnect(c, "nothing heard from the gateway for %u s", c->dead_peer_s);
		return;
	}
	ev_timer_arm(loop, &c->dead_peer_timer, limit - silent);
}
