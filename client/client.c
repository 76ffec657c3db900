/*
 * client.c - the connection state machine: resolve, connect, handshake,
 * wait for CONFIG, run the tunnel, back off and reconnect. Every state
 * change goes through client_set_state(), which refuses transitions the
 * protocol does not have; each state has one handler. The connected
 * states' frames (WAIT_CONFIG, UP, CLOSING) are read and acted on in
 * frames.c. The tunnel's network settings outlive a reconnect, so traffic
 * does not leak around a full tunnel while it is re-established.
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

static void handle_resolving(struct client *c);
static void handle_connecting(struct client *c);
static void handle_handshake(struct client *c, uint32_t revents);
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

void client_close_conn(struct client *c)
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

void client_drop_and_retry(struct client *c, uint64_t delay, bool failure, const char *why)
{
	if (failure)
		log_warnx("%s", why);
	notify_status("reconnecting: %s", why);
	snprintf(c->last_reason, sizeof(c->last_reason), "%s", why);
	c->last_refused = false;
	if (c->state == CLIENT_CLOSING) {
		/* Leaving anyway: the goodbye just ends sooner. */
		client_close_conn(c);
		ev_loop_break(c->loop);
		return;
	}
	notice_session_end(c);
	client_close_conn(c);
	if (delay == CLIENT_RETRY_BACKOFF)
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
	client_drop_and_retry(c, cont_begin(c, why) ? 0 : CLIENT_RETRY_BACKOFF, true, why);
}

/* The old connection leaves from an address or a link we no longer use:
 * nothing it sends arrives, so no goodbye and no waiting for silence. The
 * gateway replaces the old session when the new one authenticates. */
void client_on_path_changed(struct client *c, const char *what)
{
	if (c->state != CLIENT_UP)
		return;
	(void)cont_begin(c, what);
	client_drop_and_retry(c, 0, true, what);
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
	client_close_conn(c);
	/* Already leaving because we were asked to: that stays a clean exit. */
	if (c->state != CLIENT_CLOSING) {
		c->exit_code = 1;
		client_set_state(c, CLIENT_CLOSING, why);
		status_on_fatal(c, why);
	}
	ev_loop_break(c->loop);
}

void client_tls_failed(struct client *c, const char *when)
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
		client_close_conn(c);
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
		client_close_conn(c);
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
			client_close_conn(c);
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
		client_close_conn(c);
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

void client_want_events(struct client *c, uint32_t extra)
{
	uint32_t ev = EPOLLIN | extra;

	if (c->tls != NULL && tls_outq_len(c->tls) > 0)
		ev |= EPOLLOUT;
	if (ev_io_modify(c->loop, &c->sock_io, ev) < 0)
		log_warn("epoll");
}

bool client_fill(struct client *c, uint32_t revents)
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
	frames_handle_connected(c, 0);
}

static void handle_handshake(struct client *c, uint32_t revents)
{
	enum tls_result r;

	if (!client_fill(c, revents))
		return;
	r = tls_handshake(c->tls);
	if (tls_flush(c->tls) < 0 && r != TLS_ERROR) {
		client_disconnect(c, "lost the connection to %s during the handshake: %s",
				  c->gateway_str, strerror(errno));
		return;
	}
	switch (r) {
	case TLS_OK:
		client_want_events(c, 0);
		on_handshake_done(c);
		return;
	case TLS_WANT_READ:
	case TLS_WANT_WRITE:
		if (c->sock_eof) {
			client_disconnect(c, "%s closed the connection during the TLS handshake",
					  c->gateway_str);
			return;
		}
		client_want_events(c, r == TLS_WANT_WRITE ? EPOLLOUT : 0);
		return;
	case TLS_CLOSED:
		client_disconnect(c, "%s closed the connection during the TLS handshake",
				  c->gateway_str);
		return;
	case TLS_ERROR:
		client_tls_failed(c, "handshake");
		return;
	}
}

/* ---- CLOSING ---- */

static void handle_closing(struct client *c, uint32_t revents)
{
	int f;

	if (revents & EPOLLIN) {
		(void)frames_handle_connected(c, revents & ~(uint32_t)EPOLLOUT);
		if (c->tls == NULL)
			return;
	}
	f = tls_flush(c->tls);
	if (f <= 0) {
		/* All said (or the socket is gone): nothing more to wait for. */
		client_close_conn(c);
		ev_loop_break(c->loop);
		return;
	}
	client_want_events(c, 0);
}

void client_stop(struct client *c)
{
	notify_stopping();
	if (c->state == CLIENT_CLOSING) {
		/* Asked twice: stop waiting for the goodbye to drain. */
		client_close_conn(c);
		ev_loop_break(c->loop);
		return;
	}
	notice_session_end(c);
	if (c->tls == NULL || (c->state != CLIENT_UP && c->state != CLIENT_WAIT_CONFIG)) {
		client_close_conn(c);
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
		client_drop_and_retry(c, 0, true, line);
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
		(void)frames_handle_connected(c, revents);
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
	if (tls_has_pending(c->tls) && frames_handle_connected(c, 0) > 0 && c->tls != NULL &&
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
	client_close_conn(c);
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
