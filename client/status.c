/*
 * status.c - what the running client tells `mtlsvpn-client status`: a Unix
 * socket state_dir/NAME.sock (NAME as the undo journal's), mode 0660, group
 * status_group, served from the client's one event loop. A caller must be
 * root or a member of the group (platform_peer_allowed); at most
 * STATUS_MAX_CONNS at once, each closed after STATUS_DEADLINE_MS whatever
 * it does, so nobody can hold the client. The request and the answer are
 * ctl_proto frames: REQUEST "status", then one STATUS record
 * (common/wire/client_status.c) and a DONE. After a failure no retry fixes,
 * NAME.ended keeps the time and the reason for status to show.
 */
#include "client.h"

#include <errno.h>
#include <grp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "atomic_file.h"
#include "client_status.h"
#include "ctl_proto.h"
#include "dchan_sess.h"
#include "log.h"
#include "tls.h"

#define STATUS_MAX_CONNS 4
#define STATUS_DEADLINE_MS 2000
#define STATUS_IN_CAP (CTL_PROTO_HDR_LEN + 256)
#define STATUS_OUT_CAP (2 * CTL_PROTO_HDR_LEN + CLIENT_STATUS_MAX_LEN + 1024)

struct status_conn {
	struct status_srv *srv;
	int fd; /* -1: slot free */
	struct ev_io io;
	struct ev_timer deadline;
	bool allowed;
	unsigned long uid;
	uint8_t in[STATUS_IN_CAP];
	size_t in_len;
	uint8_t out[STATUS_OUT_CAP];
	size_t out_len, out_off;
};

struct status_srv {
	struct client *c;
	int fd;
	struct ev_io io;
	char path[sizeof(((struct sockaddr_un *)0)->sun_path)];
	char ended[PATH_MAX];
	bool have_gid;
	gid_t gid;
	char identity[CLIENT_STATUS_TEXT_MAX + 1];
	int64_t cert_not_after;
	struct status_conn conns[STATUS_MAX_CONNS];
};

/* ---- the record ---- */

static uint8_t view_of(const struct client *c)
{
	switch (c->state) {
	case CLIENT_UP:
		return CLIENT_STATUS_UP;
	case CLIENT_BACKOFF:
		return c->last_refused ? CLIENT_STATUS_REFUSED : CLIENT_STATUS_RECONNECTING;
	case CLIENT_CLOSING:
		return CLIENT_STATUS_CLOSING;
	default:
		return CLIENT_STATUS_CONNECTING;
	}
}

/* The UDP data channel's part, if the session has one running. */
static void fill_udp(const struct client *c, struct client_status_udp_info *u)
{
	static const uint8_t states[] = {
	    [DCHAN_PROBING] = CLIENT_STATUS_UDP_PROBING,
	    [DCHAN_UP] = CLIENT_STATUS_UDP_UP,
	    [DCHAN_FAILED] = CLIENT_STATUS_UDP_FAILED,
	};
	static const uint8_t drops[CLIENT_STATUS_UDP_DROPS] = {
	    [CLIENT_STATUS_UDP_MALFORMED] = DCHAN_OPEN_MALFORMED,
	    [CLIENT_STATUS_UDP_CID] = DCHAN_OPEN_CID,
	    [CLIENT_STATUS_UDP_EPOCH] = DCHAN_OPEN_EPOCH,
	    [CLIENT_STATUS_UDP_LIMIT] = DCHAN_OPEN_LIMIT,
	    [CLIENT_STATUS_UDP_AUTH] = DCHAN_OPEN_AUTH,
	    [CLIENT_STATUS_UDP_REPLAY] = DCHAN_OPEN_REPLAY,
	    [CLIENT_STATUS_UDP_OLD] = DCHAN_OPEN_OLD,
	};
	struct udpchan_view v;

	if (c->state != CLIENT_UP || !udpchan_view(c, &v) ||
	    (unsigned)v.state >= sizeof(states) / sizeof(states[0]))
		return;
	u->state = states[v.state];
	u->epoch = v.epoch;
	u->datagrams_in = v.datagrams_in;
	u->datagrams_out = v.datagrams_out;
	u->fallbacks = v.fallbacks;
	u->recoveries = v.recoveries;
	u->rekeys = v.rekeys;
	for (unsigned i = 0; i < CLIENT_STATUS_UDP_DROPS; i++)
		u->drops[i] = v.drops[drops[i]];
}

static void fill(const struct status_srv *srv, struct client_status *r)
{
	const struct client *c = srv->c;
	const struct msg_config *net = netcfg_applied(&c->net);

	client_status_init(r, view_of(c));
	r->now = (int64_t)time(NULL);
	r->since = c->state_since;
	if (c->state == CLIENT_BACKOFF && ev_timer_armed(&c->state_timer)) {
		uint64_t now = ev_time_ms();
		uint64_t left = c->state_timer.when_ms > now ? c->state_timer.when_ms - now : 0;
		r->retry_in_ms = left > UINT32_MAX ? UINT32_MAX : (uint32_t)left;
	}
	if (c->state != CLIENT_UP)
		snprintf(r->reason, sizeof(r->reason), "%s", c->last_reason);
	snprintf(r->gateway_host, sizeof(r->gateway_host), "%s", c->cfg->gateway_host);
	r->gateway_port = (uint16_t)c->cfg->gateway_port;
	if (c->state >= CLIENT_CONNECTING && c->state <= CLIENT_UP)
		r->gateway_addr = c->gateway_ip;
	snprintf(r->tun, sizeof(r->tun), "%s", c->tun_name);
	r->full_tunnel = c->cfg->full_tunnel;
	/* The tunnel's settings outlive a reconnect: they are what is in force. */
	if (net != NULL) {
		r->addr4 = net->addr4;
		r->addr6 = net->addr6;
		r->n_routes = net->n_routes;
		memcpy(r->routes, net->routes, sizeof(r->routes[0]) * net->n_routes);
		r->n_dns = net->n_dns;
		memcpy(r->dns, net->dns, sizeof(r->dns[0]) * net->n_dns);
		r->n_search = net->n_search;
		for (unsigned i = 0; i < net->n_search; i++)
			snprintf(r->search[i], sizeof(r->search[i]), "%s", net->search[i]);
		r->dns_applied = netcfg_dns_how(&c->net) != NULL;
	}
	r->tx_bytes = c->stats.tx_bytes;
	r->tx_packets = c->stats.tx_packets;
	r->rx_bytes = c->stats.rx_bytes;
	r->rx_packets = c->stats.rx_packets;
	snprintf(r->identity, sizeof(r->identity), "%s", srv->identity);
	r->cert_not_after = srv->cert_not_after ? srv->cert_not_after : c->config.cert_not_after;
	/* On while the nftables table blocks everything but the gateway. */
	r->kill_switch = killswitch_installed(c) ? 1 : 0;
	r->pid = (uint32_t)getpid();
	fill_udp(c, &r->udp);
	{
		int64_t na = 0;
		const char *last = "";

		/* A renewed certificate is the one in force now. */
		r->renew_on = renew_view(c, &na, &r->renew_next, &last);
		if (r->renew_on && na != 0)
			r->cert_not_after = na;
		snprintf(r->renew_last, sizeof(r->renew_last), "%s", last);
	}
}

/* ---- connections ---- */

static void conn_close(struct status_conn *k)
{
	struct ev_loop *loop = k->srv->c->loop;

	ev_io_stop(loop, &k->io);
	ev_timer_stop(loop, &k->deadline);
	close(k->fd);
	k->fd = -1;
}

static void queue(struct status_conn *k, uint8_t type, const void *p, size_t n)
{
	size_t w = ctl_proto_encode(type, p, n, k->out + k->out_len, sizeof(k->out) - k->out_len);

	k->out_len += w;
}

static void queue_done(struct status_conn *k, uint8_t st, const char *msg)
{
	uint8_t frame[CTL_PROTO_HDR_LEN + 512];
	size_t n = ctl_proto_done_encode(st, msg, frame, sizeof(frame));

	if (n > 0 && n <= sizeof(k->out) - k->out_len) {
		memcpy(k->out + k->out_len, frame, n);
		k->out_len += n;
	}
}

/* Writes what it can; closes the connection once all is out. */
static void conn_flush(struct status_conn *k)
{
	while (k->out_off < k->out_len) {
		ssize_t n = send(k->fd, k->out + k->out_off, k->out_len - k->out_off, MSG_NOSIGNAL);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN) {
			(void)ev_io_modify(k->srv->c->loop, &k->io, EPOLLOUT);
			return;
		}
		if (n <= 0)
			break;
		k->out_off += (size_t)n;
	}
	conn_close(k);
}

static void answer(struct status_conn *k, const struct ctl_proto_frame *f)
{
	const char *argv[CTL_PROTO_MAX_ARGS], *why = NULL;
	unsigned argc = 0;
	struct client_status *r;
	uint8_t *rec;
	size_t n;

	if (!k->allowed) {
		char msg[256];

		log_warnx("status: refused a caller with uid %lu: not root nor in group %s", k->uid,
			  k->srv->c->cfg->status_group);
		snprintf(msg, sizeof(msg),
			 "permission denied: the status socket serves root and members of group "
			 "%s",
			 k->srv->c->cfg->status_group);
		queue_done(k, CTL_PROTO_STATUS_DENIED, msg);
		return;
	}
	if (ctl_proto_request_args(f, argv, &argc, &why) != CTL_PROTO_OK) {
		queue_done(k, CTL_PROTO_STATUS_USAGE, why);
		return;
	}
	if (argc != 1 || strcmp(argv[0], "status") != 0) {
		queue_done(k, CTL_PROTO_STATUS_USAGE, "this socket answers \"status\" only");
		return;
	}
	r = malloc(sizeof(*r));
	rec = malloc(CLIENT_STATUS_MAX_LEN);
	if (r == NULL || rec == NULL) {
		queue_done(k, CTL_PROTO_STATUS_FAIL, "out of memory");
	} else {
		fill(k->srv, r);
		n = client_status_encode(r, rec, CLIENT_STATUS_MAX_LEN);
		if (n == 0) {
			queue_done(k, CTL_PROTO_STATUS_FAIL, "the status does not fit in a record");
		} else {
			queue(k, CTL_PROTO_STATUS, rec, n);
			queue_done(k, CTL_PROTO_STATUS_OK, "");
		}
	}
	free(r);
	free(rec);
}

static void on_conn_io(struct ev_loop *loop, struct ev_io *io, uint32_t revents)
{
	struct status_conn *k = io->data;
	struct ctl_proto_frame f;
	const char *why = NULL;
	size_t used = 0;
	ssize_t n;

	(void)loop;
	if (k->out_len > 0) {
		if (revents & (EPOLLOUT | EPOLLERR | EPOLLHUP))
			conn_flush(k);
		return;
	}
	n = recv(k->fd, k->in + k->in_len, sizeof(k->in) - k->in_len, 0);
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n <= 0) {
		conn_close(k);
		return;
	}
	k->in_len += (size_t)n;
	switch (ctl_proto_decode(k->in, k->in_len, &f, &used, &why)) {
	case CTL_PROTO_NEED_MORE:
		if (k->in_len < sizeof(k->in))
			return;
		queue_done(k, CTL_PROTO_STATUS_USAGE, "request too long");
		break;
	case CTL_PROTO_MALFORMED:
		queue_done(k, CTL_PROTO_STATUS_USAGE, why);
		break;
	case CTL_PROTO_OK:
		if (f.type == CTL_PROTO_REQUEST)
			answer(k, &f);
		else
			queue_done(k, CTL_PROTO_STATUS_USAGE, "expected a request");
		break;
	}
	conn_flush(k);
}

static void on_conn_deadline(struct ev_loop *loop, struct ev_timer *t)
{
	struct status_conn *k = t->data;

	(void)loop;
	log_debug("status: a caller took longer than %d ms; closed", STATUS_DEADLINE_MS);
	conn_close(k);
}

static void on_accept(struct ev_loop *loop, struct ev_io *io, uint32_t revents)
{
	struct status_srv *srv = io->data;

	(void)revents;
	for (int round = 0; round < 8; round++) {
		struct status_conn *k = NULL;
		int fd = accept4(srv->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);

		if (fd < 0) {
			if (errno != EAGAIN && errno != EINTR)
				log_warn("status: accept");
			return;
		}
		for (unsigned i = 0; i < STATUS_MAX_CONNS && k == NULL; i++)
			if (srv->conns[i].fd < 0)
				k = &srv->conns[i];
		if (k == NULL) {
			/* Busy: the caller sees the connection closed. */
			log_debug("status: %d callers already; one more closed", STATUS_MAX_CONNS);
			close(fd);
			continue;
		}
		k->fd = fd;
		k->in_len = k->out_len = k->out_off = 0;
		k->allowed = platform_peer_allowed(fd, srv->have_gid, srv->gid, &k->uid);
		ev_io_init(&k->io, fd, on_conn_io, k);
		if (ev_io_start(loop, &k->io, EPOLLIN) < 0) {
			log_warn("status: cannot watch a connection");
			close(fd);
			k->fd = -1;
			continue;
		}
		ev_timer_arm(loop, &k->deadline, STATUS_DEADLINE_MS);
	}
}

/* ---- set-up ---- */

/* Our certificate's CN and notAfter, read once (the file is root's). */
static void read_own_cert(struct status_srv *srv)
{
	struct cert_info *ci = calloc(1, sizeof(*ci));
	char err[256];

	if (ci == NULL)
		return;
	if (srv->c->cfg->cert[0] != '\0' &&
	    tls_cert_info_from_file(srv->c->cfg->cert, ci, err, sizeof(err))) {
		snprintf(srv->identity, sizeof(srv->identity), "%s", ci->subject_cn);
		srv->cert_not_after = ci->not_after;
	}
	free(ci);
}

static int listen_on(struct status_srv *srv)
{
	struct sockaddr_un sun = {.sun_family = AF_UNIX};
	mode_t old;
	int rc;

	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", srv->path);
	/* We hold this instance's journal lock: a socket here is stale. */
	(void)unlink(srv->path);
	srv->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (srv->fd < 0)
		return -1;
	old = umask(0177);
	rc = bind(srv->fd, (const struct sockaddr *)&sun, sizeof(sun));
	umask(old);
	if (rc < 0)
		return -1;
	if (srv->have_gid && chown(srv->path, 0, srv->gid) == 0) {
		if (chmod(srv->path, 0660) < 0)
			return -1;
	} else if (srv->have_gid) {
		/* No CAP_CHOWN (a sandbox): the file lets anyone connect and the
		 * peer check below is what keeps the others out. */
		log_warn("status: cannot give %s to group %s; it is mode 0666 and callers are "
			 "checked on connect",
			 srv->path, srv->c->cfg->status_group);
		if (chmod(srv->path, 0666) < 0)
			return -1;
	}
	return listen(srv->fd, STATUS_MAX_CONNS);
}

int status_start(struct client *c)
{
	struct status_srv *srv = calloc(1, sizeof(*srv));
	char path[PATH_MAX];
	struct group *g;

	if (srv == NULL) {
		log_warnx("status: out of memory; running without a status socket");
		return -1;
	}
	srv->c = c;
	srv->fd = -1;
	for (unsigned i = 0; i < STATUS_MAX_CONNS; i++) {
		srv->conns[i].fd = -1;
		srv->conns[i].srv = srv;
		ev_timer_init(&srv->conns[i].deadline, on_conn_deadline, &srv->conns[i]);
	}
	if (undo_instance_path(c->cfg, ".ended", srv->ended) == 0)
		(void)unlink(srv->ended);
	else
		srv->ended[0] = '\0';
	if (undo_instance_path(c->cfg, ".sock", path) < 0 || strlen(path) >= sizeof(srv->path)) {
		log_warnx("status: the socket path in %s is too long for a Unix socket; "
			  "running without one (choose a shorter state_dir)",
			  c->cfg->state_dir);
		c->status = srv;
		return -1;
	}
	snprintf(srv->path, sizeof(srv->path), "%s", path);
	g = getgrnam(c->cfg->status_group);
	if (g != NULL) {
		srv->have_gid = true;
		srv->gid = g->gr_gid;
	}
	read_own_cert(srv);
	if (listen_on(srv) < 0) {
		log_warn("status: cannot create %s; `mtlsvpn-client status` will not work",
			 srv->path);
		if (srv->fd >= 0)
			close(srv->fd);
		srv->fd = -1;
		(void)unlink(srv->path);
		c->status = srv;
		return -1;
	}
	ev_io_init(&srv->io, srv->fd, on_accept, srv);
	if (ev_io_start(c->loop, &srv->io, EPOLLIN) < 0) {
		log_warn("status: cannot watch %s", srv->path);
		close(srv->fd);
		srv->fd = -1;
		(void)unlink(srv->path);
		c->status = srv;
		return -1;
	}
	c->status = srv;
	if (srv->have_gid)
		log_debug("status socket %s (root and group %s)", srv->path, c->cfg->status_group);
	else
		log_info("status socket %s serves root only: group %s does not exist (status_group "
			 "in %s)",
			 srv->path, c->cfg->status_group, c->cfg->path);
	return 0;
}

void status_stop(struct client *c)
{
	struct status_srv *srv = c->status;

	if (srv == NULL)
		return;
	for (unsigned i = 0; i < STATUS_MAX_CONNS; i++)
		if (srv->conns[i].fd >= 0)
			conn_close(&srv->conns[i]);
	if (srv->fd >= 0) {
		ev_io_stop(c->loop, &srv->io);
		close(srv->fd);
		(void)unlink(srv->path);
	}
	free(srv);
	c->status = NULL;
}

void status_on_fatal(struct client *c, const char *why)
{
	struct status_srv *srv = c->status;
	char text[CLIENT_STATUS_TEXT_MAX + 64], err[256];
	size_t n;

	if (srv == NULL || srv->ended[0] == '\0')
		return;
	n = client_status_ended_encode((int64_t)time(NULL), why, text, sizeof(text));
	/* Readable by all: it holds what the log already said. */
	if (n == 0 || atomic_file_write(srv->ended, text, n, 0644, true, err, sizeof(err)) < 0)
		log_warnx("status: cannot write %s: %s", srv->ended, n ? err : "too long");
}
