/*
 * client.c - the connection state machine: resolve, connect, handshake,
 * wait for CONFIG, run the tunnel, back off and reconnect. Every state
 * change goes through client_set_state(), which refuses transitions the
 * protocol does not have; each state has one handler and a list of the
 * frames it accepts. The tunnel's network settings outlive a reconnect, so
 * traffic does not leak around a full tunnel while it is re-established.
 */
#include "client.h"

#include <errno.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <time.h>
#include <unistd.h>

#include "frame.h"
#include "log.h"
#include "notify.h"
#include "tls.h"

#define CLOSING_FLUSH_MS 2000
#define DEAD_PEER_FACTOR 3
#define BIT(x) (1u << (x))

static const char *const state_names[CLIENT_STATE_COUNT] = {
    [CLIENT_RESOLVING] = "RESOLVING",
    [CLIENT_CONNECTING] = "CONNECTING",
    [CLIENT_HANDSHAKE] = "HANDSHAKE",
    [CLIENT_WAIT_CONFIG] = "WAIT_CONFIG",
    [CLIENT_UP] = "UP",
    [CLIENT_BACKOFF] = "BACKOFF",
    [CLIENT_CLOSING] = "CLOSING",
};

/* The transitions the protocol has; CLOSING is the end. */
static const unsigned allowed_next[CLIENT_STATE_COUNT] = {
    [CLIENT_RESOLVING] = BIT(CLIENT_CONNECTING) | BIT(CLIENT_BACKOFF) | BIT(CLIENT_CLOSING),
    [CLIENT_CONNECTING] =
	BIT(CLIENT_CONNECTING) | BIT(CLIENT_HANDSHAKE) | BIT(CLIENT_BACKOFF) | BIT(CLIENT_CLOSING),
    [CLIENT_HANDSHAKE] = BIT(CLIENT_WAIT_CONFIG) | BIT(CLIENT_BACKOFF) | BIT(CLIENT_CLOSING),
    [CLIENT_WAIT_CONFIG] = BIT(CLIENT_UP) | BIT(CLIENT_BACKOFF) | BIT(CLIENT_CLOSING),
    [CLIENT_UP] = BIT(CLIENT_BACKOFF) | BIT(CLIENT_CLOSING),
    [CLIENT_BACKOFF] = BIT(CLIENT_RESOLVING) | BIT(CLIENT_CLOSING),
    [CLIENT_CLOSING] = 0,
};

/* The frames each connected state accepts; anything else ends the session. */
static const unsigned accepted_frames[CLIENT_STATE_COUNT] = {
    [CLIENT_WAIT_CONFIG] = BIT(FRAME_CONFIG) | BIT(FRAME_KEEPALIVE) | BIT(FRAME_BYE),
    [CLIENT_UP] = BIT(FRAME_DATA) | BIT(FRAME_DATA_GSO) | BIT(FRAME_KEEPALIVE) | BIT(FRAME_BYE) |
		  BIT(FRAME_CONFIG_UPDATE) | BIT(FRAME_DCHAN_REKEY),
    /* While closing, the gateway's last words are read but not acted on. */
    [CLIENT_CLOSING] = BIT(FRAME_DATA) | BIT(FRAME_DATA_GSO) | BIT(FRAME_KEEPALIVE) |
		       BIT(FRAME_BYE) | BIT(FRAME_CONFIG_UPDATE) | BIT(FRAME_DCHAN_REKEY),
};

static void handle_resolving(struct client *c);
static void handle_connecting(struct client *c);
static void handle_handshake(struct client *c, uint32_t revents);
static size_t handle_connected(struct client *c, uint32_t revents);
static void handle_closing(struct client *c, uint32_t revents);
static void connect_next(struct client *c);
static void client_on_socket(struct ev_loop *loop, struct ev_io *w, uint32_t revents);

const char *client_state_name(enum client_state s)
{
	return (unsigned)s < CLIENT_STATE_COUNT ? state_names[s] : "?";
}

void client_set_state(struct client *c, enum client_state next, const char *why)
{
	if ((unsigned)next >= CLIENT_STATE_COUNT || !(allowed_next[c->state] & BIT(next)))
		fatalx("client state %s -> %s is not a transition the protocol has (%s)",
		       client_state_name(c->state), client_state_name(next), why);
	log_debug("state %s -> %s: %s", client_state_name(c->state), client_state_name(next), why);
	/* Resolving, connecting and the handshake are one "connecting" to
	 * the person: its time starts with the first of them. */
	if (!(c->state <= CLIENT_WAIT_CONFIG && next <= CLIENT_WAIT_CONFIG))
		c->state_since = (int64_t)time(NULL);
	c->state = next;
}

/* ---- tearing down ---- */

/* Drops the connection (socket, TLS, timers, TUN reading); the TUN and its
 * network settings stay. */
static void close_conn(struct client *c)
{
	ev_io_stop(c->loop, &c->sock_io);
	ev_timer_stop(c->loop, &c->state_timer);
	ev_timer_stop(c->loop, &c->keepalive_timer);
	ev_timer_stop(c->loop, &c->dead_peer_timer);
	tunnel_stop_reading(c);
	/* The channel's keys die with the session, unless it is continued. */
	if (cont_keeps_conn(c))
		cont_hold_socket(c);
	else
		udpchan_stop(c);
	if (c->tls != NULL) {
		tls_conn_free(c->tls);
		c->tls = NULL;
	}
	if (c->sock >= 0) {
		close(c->sock);
		c->sock = -1;
	}
	c->sock_eof = false;
	chan_reset(&c->rx);
	buf_reset(&c->tx, 0);
	cont_on_closed(c);
}

/* Drops the connection and reconnects after delay ms, or after the
 * backoff's next (RETRY_BACKOFF). A failure is a warning; for a drain the
 * caller has said what happens. */
#define RETRY_BACKOFF UINT64_MAX
static void drop_and_retry(struct client *c, uint64_t delay, bool failure, const char *why)
{
	if (failure)
		log_warnx("%s", why);
	notify_status("reconnecting: %s", why);
	snprintf(c->last_reason, sizeof(c->last_reason), "%s", why);
	c->last_refused = false;
	if (c->state == CLIENT_CLOSING) {
		/* Leaving anyway: the goodbye just ends sooner. */
		close_conn(c);
		ev_loop_break(c->loop);
		return;
	}
	notice_session_end(c);
	close_conn(c);
	if (delay == RETRY_BACKOFF)
		delay = connect_backoff_next(&c->backoff);
	if (delay == 0)
		log_info("reconnecting now");
	else if (failure)
		log_info("reconnecting in %.1f s", (double)delay / 1000.0);
	client_set_state(c, CLIENT_BACKOFF, why);
	ev_timer_arm(c->loop, &c->state_timer, delay);
}

void client_disconnect(struct client *c, const char *fmt, ...)
{
	char why[512];
	va_list ap;

	if (c->state == CLIENT_BACKOFF)
		return;
	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	/* With the UDP channel up, the session is continued at once. */
	drop_and_retry(c, cont_begin(c, why) ? 0 : RETRY_BACKOFF, true, why);
}

/* The old connection leaves from an address or a link we no longer use:
 * nothing it sends arrives, so no goodbye and no waiting for silence. The
 * gateway replaces the old session when the new one authenticates. */
void client_on_path_changed(struct client *c, const char *what)
{
	if (c->state != CLIENT_UP)
		return;
	(void)cont_begin(c, what);
	drop_and_retry(c, 0, true, what);
}

void client_fail(struct client *c, const char *fmt, ...)
{
	char why[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	log_warnx("%s", why);
	notice_session_end(c);
	close_conn(c);
	/* Already leaving because we were asked to: that stays a clean exit. */
	if (c->state != CLIENT_CLOSING) {
		c->exit_code = 1;
		client_set_state(c, CLIENT_CLOSING, why);
		status_on_fatal(c, why);
	}
	ev_loop_break(c->loop);
}

/* Certificates do not fix themselves: those failures end the program. */
static void tls_failed(struct client *c, const char *when)
{
	char sentence[512];

	if (notice_tls_failure(c, when, sentence, sizeof(sentence)) && !renew_on_refused(c))
		client_fail(c, "%s", sentence);
	else
		client_disconnect(c, "%s", sentence);
}

/* ---- timers, named after what happened ---- */

static void client_on_state_deadline(struct ev_loop *loop, struct ev_timer *t)
{
	struct client *c = t->data;
	const struct config_client *cfg = c->cfg;

	(void)loop;
	switch (c->state) {
	case CLIENT_RESOLVING:
		handle_resolving(c);
		break;
	case CLIENT_CONNECTING:
		log_warnx("connecting to %s timed out after %u s", c->gateway_str,
			  cfg->connect_timeout);
		close_conn(c);
		c->addr_idx++;
		connect_next(c);
		break;
	case CLIENT_HANDSHAKE:
		client_disconnect(c, "the TLS handshake with %s did not finish within %u s",
				  c->gateway_str, cfg->connect_timeout);
		break;
	case CLIENT_WAIT_CONFIG:
		client_disconnect(c, "the gateway %s sent no configuration within %u s",
				  c->gateway_str, cfg->connect_timeout);
		break;
	case CLIENT_BACKOFF:
		client_set_state(c, CLIENT_RESOLVING, "backoff over");
		handle_resolving(c);
		break;
	case CLIENT_CLOSING:
		log_debug("the goodbye could not be flushed in time");
		close_conn(c);
		ev_loop_break(c->loop);
		break;
	default:
		break;
	}
}

/* ---- RESOLVING and CONNECTING ---- */

static void handle_resolving(struct client *c)
{
	char err[512];

	if (connect_resolve(c->cfg->gateway_host, c->cfg->gateway_port, &c->addrs, err,
			    sizeof(err)) < 0) {
		/* The kill switch blocks DNS outside the tunnel: what it lets
		 * through is where the gateway was. */
		if (!killswitch_last_addrs(c, &c->addrs)) {
			/* From RESOLVING straight to BACKOFF: no connection to drop. */
			client_disconnect(c, "%s", err);
			return;
		}
		log_info("%s; trying the gateway's last known addresses", err);
	}
	/* Before the first connect, and again whenever the gateway moved. */
	if (killswitch_allow(c, &c->addrs) < 0) {
		if (!killswitch_installed(c)) {
			client_fail(c,
				    "kill_switch is on in %s, but the kill switch could not "
				    "be installed (see above)",
				    c->cfg->path);
			return;
		}
		log_warnx("the kill switch still lets through only the gateway's old addresses");
	}
	c->addr_idx = 0;
	connect_next(c);
}

/* Tries the resolved addresses in order from addr_idx. */
static void connect_next(struct client *c)
{
	for (; c->addr_idx < c->addrs.n; c->addr_idx++) {
		const struct sockaddr_storage *ss = &c->addrs.ss[c->addr_idx];
		int fd;

		addr_from_sockaddr(&c->gateway_ip, ss);
		addr_fmt_sockaddr((const struct sockaddr *)ss, c->gateway_str);
		/* With a full tunnel still in place from the last session, the
		 * gateway must be reached around it. */
		if (netcfg_pin_gateway(&c->net, &c->gateway_ip) < 0)
			continue;
		fd = connect_start((const struct sockaddr *)ss, c->addrs.len[c->addr_idx]);
		if (fd < 0) {
			log_warn("cannot connect to %s", c->gateway_str);
			continue;
		}
		c->sock = fd;
		ev_io_init(&c->sock_io, fd, client_on_socket, c);
		if (ev_io_start(c->loop, &c->sock_io, EPOLLOUT) < 0) {
			log_warn("epoll");
			close_conn(c);
			continue;
		}
		client_set_state(c, CLIENT_CONNECTING, c->gateway_str);
		ev_timer_arm(c->loop, &c->state_timer, (uint64_t)c->cfg->connect_timeout * 1000u);
		return;
	}
	client_disconnect(c, "could not connect to %s:%u", c->cfg->gateway_host,
			  c->cfg->gateway_port);
}

static void handle_connecting(struct client *c)
{
	if (connect_finish(c->sock) < 0) {
		log_warn("cannot connect to %s", c->gateway_str);
		close_conn(c);
		c->addr_idx++;
		connect_next(c);
		return;
	}
	c->tls = tls_conn_new(c->tls_ctx, c->sock);
	if (c->tls == NULL) {
		client_disconnect(c, "cannot start TLS with %s: out of memory", c->gateway_str);
		return;
	}
	udpchan_on_tls_new(c);
	cont_on_tls_new(c);
	log_debug("TCP connected to %s", c->gateway_str);
	client_set_state(c, CLIENT_HANDSHAKE, c->gateway_str);
	/* connect_timeout covers the handshake too: the deadline runs on. */
	handle_handshake(c, 0);
}

/* ---- HANDSHAKE ---- */

static void want_events(struct client *c, uint32_t extra)
{
	uint32_t ev = EPOLLIN | extra;

	if (c->tls != NULL && tls_outq_len(c->tls) > 0)
		ev |= EPOLLOUT;
	if (ev_io_modify(c->loop, &c->sock_io, ev) < 0)
		log_warn("epoll");
}

/* recv() once if the socket said so. false if the connection is unusable
 * (already handled). */
static bool fill(struct client *c, uint32_t revents)
{
	ssize_t n;

	if (!(revents & (EPOLLIN | EPOLLERR | EPOLLHUP)))
		return true;
	n = tls_fill(c->tls);
	if (n == 0) {
		c->sock_eof = true;
	} else if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
		client_disconnect(c, "lost the connection to %s: %s", c->gateway_str,
				  strerror(errno));
		return false;
	}
	return true;
}

static void on_handshake_done(struct client *c)
{
	struct cert_info peer;

	if (tls_peer_info(c->tls, &peer))
		log_debug("gateway certificate: cn=\"%s\" serial=%s fp=%s", peer.subject_cn,
			  peer.serial_hex, peer.fingerprint);
	/* A resumed session proved no certificate again here; the gateway
	 * re-checked the stored one (docs/design.md, "Resumption"). */
	if (tls_resumed(c->tls))
		log_info("resumed the TLS session with %s (no certificate signature)",
			 c->gateway_str);
	client_set_state(c, CLIENT_WAIT_CONFIG, tls_cipher_name(c->tls));
	c->last_rx_ms = c->last_tx_ms = ev_now_ms(c->loop);
	ev_timer_arm(c->loop, &c->state_timer, (uint64_t)c->cfg->connect_timeout * 1000u);
	if (cont_on_handshake(c) < 0)
		return;
	/* The CONFIG may have come in the same flight as the handshake. */
	handle_connected(c, 0);
}

static void handle_handshake(struct client *c, uint32_t revents)
{
	enum tls_result r;

	if (!fill(c, revents))
		return;
	r = tls_handshake(c->tls);
	if (tls_flush(c->tls) < 0 && r != TLS_ERROR) {
		client_disconnect(c, "lost the connection to %s during the handshake: %s",
				  c->gateway_str, strerror(errno));
		return;
	}
	switch (r) {
	case TLS_OK:
		want_events(c, 0);
		on_handshake_done(c);
		return;
	case TLS_WANT_READ:
	case TLS_WANT_WRITE:
		if (c->sock_eof) {
			client_disconnect(c, "%s closed the connection during the TLS handshake",
					  c->gateway_str);
			return;
		}
		want_events(c, r == TLS_WANT_WRITE ? EPOLLOUT : 0);
		return;
	case TLS_CLOSED:
		client_disconnect(c, "%s closed the connection during the TLS handshake",
				  c->gateway_str);
		return;
	case TLS_ERROR:
		tls_failed(c, "handshake");
		return;
	}
}

/* ---- WAIT_CONFIG and UP ---- */

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
	drop_and_retry(c, delay, false, "gateway is draining");
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

/* Returns how many decrypted bytes were read (for the pending-data hook). */
static size_t handle_connected(struct client *c, uint32_t revents)
{
	size_t total = 0;

	if ((revents & EPOLLOUT) && tls_flush(c->tls) < 0) {
		client_disconnect(c, "lost the connection to %s: %s", c->gateway_str,
				  strerror(errno));
		return 0;
	}
	if (!fill(c, revents))
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
				close_conn(c);
				ev_loop_break(c->loop);
			} else {
				client_disconnect(c, "the gateway %s closed the connection",
						  c->gateway_str);
			}
			return total;
		}
		tls_failed(c, "session");
		return total;
	}
	if (total > 0)
		c->last_rx_ms = ev_now_ms(c->loop);
	if (c->sock_eof) {
		if (c->state == CLIENT_CLOSING) {
			close_conn(c);
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
		want_events(c, 0);
	return total;
}

/* ---- CLOSING ---- */

static void handle_closing(struct client *c, uint32_t revents)
{
	int f;

	if (revents & EPOLLIN) {
		(void)handle_connected(c, revents & ~(uint32_t)EPOLLOUT);
		if (c->tls == NULL)
			return;
	}
	f = tls_flush(c->tls);
	if (f <= 0) {
		/* All said (or the socket is gone): nothing more to wait for. */
		close_conn(c);
		ev_loop_break(c->loop);
		return;
	}
	want_events(c, 0);
}

void client_stop(struct client *c)
{
	notify_stopping();
	if (c->state == CLIENT_CLOSING) {
		/* Asked twice: stop waiting for the goodbye to drain. */
		close_conn(c);
		ev_loop_break(c->loop);
		return;
	}
	notice_session_end(c);
	if (c->tls == NULL || (c->state != CLIENT_UP && c->state != CLIENT_WAIT_CONFIG)) {
		close_conn(c);
		client_set_state(c, CLIENT_CLOSING, "stop requested");
		ev_loop_break(c->loop);
		return;
	}
	tunnel_stop_reading(c);
	ev_timer_stop(c->loop, &c->keepalive_timer);
	ev_timer_stop(c->loop, &c->dead_peer_timer);
	client_set_state(c, CLIENT_CLOSING, "stop requested");
	tunnel_send_bye(c, BYE_NORMAL, "client disconnected");
	if (c->tls == NULL) {
		ev_loop_break(c->loop);
		return;
	}
	tls_shutdown(c->tls);
	ev_timer_arm(c->loop, &c->state_timer, CLOSING_FLUSH_MS);
	handle_closing(c, 0);
}

void client_reconnect_now(struct client *c, const char *why)
{
	if (c->state == CLIENT_CLOSING)
		return;
	if (c->tls != NULL && (c->state == CLIENT_UP || c->state == CLIENT_WAIT_CONFIG))
		tunnel_send_bye(c, BYE_NORMAL, "client reconnecting");
	/* A wish, not a failure: the next attempt is not delayed. */
	connect_backoff_reset(&c->backoff);
	if (c->state != CLIENT_BACKOFF) {
		char line[256];

		snprintf(line, sizeof(line), "%s: reconnecting now", why);
		drop_and_retry(c, 0, true, line);
	}
	if (c->state == CLIENT_BACKOFF)
		ev_timer_arm(c->loop, &c->state_timer, 0);
}

/* ---- dispatch ---- */

static void client_on_socket(struct ev_loop *loop, struct ev_io *w, uint32_t revents)
{
	struct client *c = w->data;

	(void)loop;
	switch (c->state) {
	case CLIENT_CONNECTING:
		handle_connecting(c);
		break;
	case CLIENT_HANDSHAKE:
		handle_handshake(c, revents);
		break;
	case CLIENT_WAIT_CONFIG:
	case CLIENT_UP:
		(void)handle_connected(c, revents);
		break;
	case CLIENT_CLOSING:
		handle_closing(c, revents);
		break;
	default:
		ev_io_stop(c->loop, w);
		break;
	}
}

/* Records wolfSSL decrypted but epoll cannot see: read them before
 * sleeping, and do not sleep while that still makes progress. */
static void client_before_sleep(struct ev_loop *loop, void *data)
{
	struct client *c = data;

	if (c->tls == NULL || (c->state != CLIENT_UP && c->state != CLIENT_WAIT_CONFIG))
		return;
	if (tls_has_pending(c->tls) && handle_connected(c, 0) > 0 && c->tls != NULL &&
	    tls_has_pending(c->tls))
		ev_loop_no_sleep(loop);
}

int client_init(struct client *c, const struct config_client *cfg, struct ev_loop *loop)
{
	struct tls_ctx *ctx = c->tls_ctx;

	memset(c, 0, sizeof(*c));
	c->tls_ctx = ctx;
	c->cfg = cfg;
	c->loop = loop;
	c->sock = -1;
	c->cont.old_sock = -1;
	roam_clear(&c->roam);
	c->undo.fd = -1;
	c->tun_fd = -1;
	c->state = CLIENT_RESOLVING;
	c->exit_code = 0;
	connect_backoff_init(&c->backoff, cfg->reconnect_min, cfg->reconnect_max);
	ev_timer_init(&c->state_timer, client_on_state_deadline, c);
	ev_timer_init(&c->keepalive_timer, client_on_keepalive_due, c);
	ev_timer_init(&c->dead_peer_timer, client_on_peer_silence, c);
	ev_io_init(&c->sock_io, -1, client_on_socket, c);
	if (chan_init(&c->rx, CHAN_CLIENT, CHAN_DEFAULT_CAP) < 0 ||
	    buf_init(&c->tx, TUNNEL_TX_CAP) < 0 ||
	    (cfg->offload && buf_init(&c->seg, FRAME_HDR_LEN + TUNNEL_READ_MAX) < 0)) {
		log_warn("cannot allocate buffers");
		return -1;
	}
	/* What a crashed run left is put back before anything new is done. */
	if (undo_open(&c->undo, cfg) < 0)
		return -1;
	c->state_since = (int64_t)time(NULL);
	(void)status_start(c);
	c->tun_fd = platform_tun_open(cfg->tun, cfg->offload, c->tun_name);
	c->tun_vnet = cfg->offload;
	if (c->tun_fd < 0) {
		log_warn("cannot create the TUN device %s", cfg->tun);
		return -1;
	}
	if (tungro_init(c) < 0) {
		log_warn("cannot allocate buffers");
		return -1;
	}
	ev_io_init(&c->tun_io, c->tun_fd, tunnel_on_tun_event, c);
	netcfg_init(&c->net, &c->undo, c->tun_name, cfg->full_tunnel, cfg->dns, cfg->path);
	(void)roam_init(c);
	if (ev_hook_add(loop, client_before_sleep, c) < 0) {
		log_warn("cannot add the loop hook");
		return -1;
	}
	return 0;
}

void client_start(struct client *c)
{
	/* Resolve from inside the loop so signals are already handled. */
	ev_timer_arm(c->loop, &c->state_timer, 0);
}

void client_deinit(struct client *c)
{
	status_stop(c);
	roam_deinit(c);
	close_conn(c);
	netcfg_undo(&c->net);
	killswitch_remove(c);
	undo_close(&c->undo);
	if (c->tun_fd >= 0)
		close(c->tun_fd);
	c->tun_fd = -1;
	tungro_deinit(c);
	chan_deinit(&c->rx);
	buf_deinit(&c->tx);
	buf_deinit(&c->seg);
	explicit_bzero(&c->config, sizeof(c->config));
}
