/*
 * frames.c - the connected states' side of the state machine (WAIT_CONFIG,
 * UP, and CLOSING's last words): reads the TLS connection, and acts on
 * every complete frame in the order it came, each state taking only the
 * frames its list accepts; anything else is a protocol error that ends the
 * session. CONFIG brings the tunnel UP; BYE ends it, for good or for now.
 */
#include "client.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>

#include "frame.h"
#include "log.h"
#include "notify.h"
#include "tls.h"

#define DEAD_PEER_FACTOR 3
#define BIT(x) (1u << (x))

/* The frames each connected state accepts; anything else ends the session. */
static const unsigned accepted_frames[CLIENT_STATE_COUNT] = {
    [CLIENT_WAIT_CONFIG] = BIT(FRAME_CONFIG) | BIT(FRAME_KEEPALIVE) | BIT(FRAME_BYE),
    [CLIENT_UP] = BIT(FRAME_DATA) | BIT(FRAME_DATA_GSO) | BIT(FRAME_KEEPALIVE) | BIT(FRAME_BYE) |
		  BIT(FRAME_CONFIG_UPDATE) | BIT(FRAME_DCHAN_REKEY),
    /* While closing, the gateway's last words are read but not acted on. */
    [CLIENT_CLOSING] = BIT(FRAME_DATA) | BIT(FRAME_DATA_GSO) | BIT(FRAME_KEEPALIVE) |
		       BIT(FRAME_BYE) | BIT(FRAME_CONFIG_UPDATE) | BIT(FRAME_DCHAN_REKEY),
};

static void on_config(struct client *c, const struct msg_config *cfg)
{
	bool continued;

	if (netcfg_apply(&c->net, cfg, &c->gateway_ip) < 0) {
		client_fail(c,
			    "could not configure the tunnel interface %s (see above); "
			    "is this program running as root?",
			    c->tun_name);
		return;
	}
	c->config = *cfg;
	continued = cont_on_config(c, cfg);
	if (update_announce(c, cfg) < 0)
		return;
	if (!continued)
		udpchan_start(c);
	tunnel_set_offload(c);
	chan_set_max_data(&c->rx, cfg->mtu);
	c->keepalive_s = cfg->keepalive;
	/* The gateway's own dead_peer_timeout; an older gateway does not send
	 * it, and 3 x keepalive is what it uses by default. */
	c->dead_peer_s = cfg->dead_peer ? cfg->dead_peer : cfg->keepalive * DEAD_PEER_FACTOR;
	ev_timer_stop(c->loop, &c->state_timer);
	client_set_state(c, CLIENT_UP, "CONFIG applied");
	/* systemd: the unit is up once the tunnel is. */
	notify_status("connected to %s", c->gateway_str);
	notify_ready();
	c->up_since_ms = ev_now_ms(c->loop);
	memset(&c->stats, 0, sizeof(c->stats));
	connect_backoff_reset(&c->backoff);
	ev_timer_arm(c->loop, &c->keepalive_timer, (uint64_t)c->keepalive_s * 1000u);
	ev_timer_arm(c->loop, &c->dead_peer_timer, (uint64_t)c->dead_peer_s * 1000u);
	roam_on_connected(c);
	notice_connected(c);
	notice_cert_expiry(c);
	renew_on_up(c);
	tunnel_update_backpressure(c);
}

/* The gateway goes away on purpose: no failure, no backoff. Come back after
 * its delay, re-resolving (another gateway may take us); settings stay. */
static void on_drain(struct client *c, const struct msg_bye *bye)
{
	uint64_t delay;

	connect_backoff_reset(&c->backoff);
	delay = bye->has_retry_after ? bye->retry_after_ms : connect_backoff_next(&c->backoff);
	log_info("gateway is draining; reconnecting in %llu ms", (unsigned long long)delay);
	client_drop_and_retry(c, delay, false, "gateway is draining");
}

static void on_bye(struct client *c, const struct msg_bye *bye)
{
	char sentence[512];

	c->cont.after_bye = true; /* the session is over: nothing to continue */
	if (c->state == CLIENT_CLOSING)
		return;
	if (bye->reason == BYE_DRAINING) {
		on_drain(c, bye);
		return;
	}
	notice_bye(bye, sentence, sizeof(sentence));
	if (msg_bye_is_permanent(bye->reason)) {
		client_fail(c, "%s", sentence);
		return;
	}
	client_disconnect(c, "%s", sentence);
	/* A refusal for now (the gateway is full): status says so. */
	if (c->state == CLIENT_BACKOFF && bye->reason == BYE_POOL_EXHAUSTED)
		c->last_refused = true;
}

static void protocol_error(struct client *c, const char *what)
{
	tunnel_send_bye(c, BYE_PROTOCOL_ERROR, what);
	if (c->state != CLIENT_BACKOFF)
		client_disconnect(c, "protocol error from %s: %s", c->gateway_str, what);
}

/* Acts on every complete frame buffered. false once the connection is gone
 * or the state left the connected ones. */
static bool process_frames(struct client *c)
{
	struct chan_event *ev = &c->ev;
	enum client_state st = c->state;
	const char *why = NULL;
	enum chan_result r;

	while ((r = chan_next(&c->rx, ev, &why)) == CHAN_OK) {
		if (!(accepted_frames[c->state] & BIT(ev->type))) {
			char what[96];
			snprintf(what, sizeof(what), "unexpected %s frame in state %s",
				 frame_type_name(ev->type), client_state_name(c->state));
			protocol_error(c, what);
			return false;
		}
		if (c->state == CLIENT_CLOSING && ev->type != FRAME_BYE)
			continue;
		switch (ev->type) {
		case FRAME_DATA_GSO:
		case FRAME_DATA:
		case FRAME_DCHAN_REKEY:
			if ((why = tunnel_on_frame(c, ev)) != NULL) {
				protocol_error(c, why);
				return false;
			}
			break;
		case FRAME_KEEPALIVE:
			log_debug("keepalive from the gateway");
			break;
		case FRAME_CONFIG:
			on_config(c, &ev->config);
			break;
		case FRAME_CONFIG_UPDATE:
			if (!update_apply(c, &ev->config))
				protocol_error(c, "CONFIG_UPDATE this client did not announce");
			break;
		case FRAME_BYE:
			on_bye(c, &ev->bye);
			break;
		default:
			break;
		}
		if (c->state != st && !(st == CLIENT_WAIT_CONFIG && c->state == CLIENT_UP))
			return false;
		st = c->state;
	}
	if (r == CHAN_MALFORMED) {
		protocol_error(c, why ? why : "malformed frame");
		return false;
	}
	return true;
}

size_t frames_handle_connected(struct client *c, uint32_t revents)
{
	size_t total = 0;

	if ((revents & EPOLLOUT) && tls_flush(c->tls) < 0) {
		client_disconnect(c, "lost the connection to %s: %s", c->gateway_str,
				  strerror(errno));
		return 0;
	}
	if (!client_fill(c, revents))
		return 0;
	for (;;) {
		size_t room, got = 0;
		uint8_t *space = chan_space(&c->rx, &room);
		enum tls_result r = tls_read(c->tls, space, room, &got);

		if (r == TLS_OK) {
			bool go_on;

			chan_commit(&c->rx, got);
			total += got;
			go_on = process_frames(c);
			/* Nothing waits past the read that brought it. */
			tungro_flush(c);
			if (!go_on)
				return total;
			continue;
		}
		if (r == TLS_WANT_READ || r == TLS_WANT_WRITE)
			break;
		if (r == TLS_CLOSED) {
			if (c->state == CLIENT_CLOSING) {
				client_close_conn(c);
				ev_loop_break(c->loop);
			} else {
				client_disconnect(c, "the gateway %s closed the connection",
						  c->gateway_str);
			}
			return total;
		}
		client_tls_failed(c, "session");
		return total;
	}
	if (total > 0)
		c->last_rx_ms = ev_now_ms(c->loop);
	if (c->sock_eof) {
		if (c->state == CLIENT_CLOSING) {
			client_close_conn(c);
			ev_loop_break(c->loop);
		} else {
			client_disconnect(c,
					  "the gateway %s closed the connection without a goodbye",
					  c->gateway_str);
		}
		return total;
	}
	if (c->state == CLIENT_UP)
		tunnel_update_backpressure(c);
	else
		client_want_events(c, 0);
	return total;
}
