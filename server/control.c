/*
 * control.c - the admin socket in the worker's loop: a Unix stream socket
 * (mode 0660, owner root, group root or control_group) where mtlsvpnctl
 * sends one REQUEST and reads TEXT frames and a DONE. SO_PEERCRED decides
 * what a caller may do: uid 0 everything; a member of control_group the
 * read-only commands (status); anyone else nothing. The membership is
 * read once at start, before the gateway drops root
 * (common/wire/ctl_proto.h). Commands run inline in the loop and are short; a
 * reply is bounded by the connection's output buffer and written without
 * blocking, the connection closed once the DONE is out. Commands come from
 * one table, so "disconnect" and later ones slot in beside status/reload.
 */
#include "server.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "ctl_proto.h"
#include "log.h"

#define CONTROL_MAX_CONNS 8
#define CONTROL_IN_CAP (CTL_PROTO_HDR_LEN + 4096)
#define CONTROL_OUT_CAP (512 * 1024)
#define CONTROL_MAX_MEMBERS 64

struct control_conn {
	struct control *ctl;
	int fd;
	struct ev_io io;
	struct buf in, out;
	bool done;		 /* DONE queued: close once out drains */
	bool read_only;		 /* a control_group member, not root */
	struct capture *capture; /* streaming one session's packets */
	bool have_cred;		 /* SO_PEERCRED answered: uid and pid */
	uid_t uid;
	pid_t pid;
	LIST_ENTRY(control_conn) entry;
};

struct control {
	struct gateway *gw;
	int fd;
	struct ev_io io;
	char path[sizeof(((struct sockaddr_un *)0)->sun_path)];
	LIST_HEAD(, control_conn) conns;
	unsigned n_conns;
	/* control_group, resolved at start: its gid and its members' uids. */
	bool have_group;
	gid_t group_gid;
	uid_t members[CONTROL_MAX_MEMBERS];
	unsigned n_members;
};

struct control_cmd {
	const char *name;
	unsigned min_args, max_args; /* after the command word */
	bool changes;                /* changes state or shows traffic: root only */
	void (*run)(struct control_conn *c, unsigned argc, const char **argv);
};

static void conn_free(struct control_conn *c)
{
	struct control *ctl = c->ctl;

	if (c->capture != NULL)
		capture_conn_gone(c->capture);
	ev_io_stop(workers_main(ctl->gw)->loop, &c->io);
	close(c->fd);
	buf_deinit(&c->in);
	buf_deinit(&c->out);
	LIST_REMOVE(c, entry);
	ctl->n_conns--;
	free(c);
}

/* Writes what it can; false if the connection was freed. */
static bool conn_flush(struct control_conn *c)
{
	while (buf_len(&c->out) > 0) {
		ssize_t n = send(c->fd, buf_ptr(&c->out), buf_len(&c->out), MSG_NOSIGNAL);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN) {
			(void)ev_io_modify(workers_main(c->ctl->gw)->loop, &c->io, EPOLLOUT);
			return true;
		}
		if (n <= 0) {
			conn_free(c);
			return false;
		}
		buf_consume(&c->out, (size_t)n);
		/* Room is at the tail: make it again as the front drains. */
		if (buf_len(&c->out) == 0)
			buf_reset(&c->out, 0);
		else if (c->capture != NULL && c->out.head > CONTROL_OUT_CAP / 2)
			buf_compact(&c->out);
	}
	if (c->done) {
		/* Unread input would turn the close into a reset that can
		 * overtake the answer: read it away first. */
		char b[512];
		for (int i = 0; i < 16 && read(c->fd, b, sizeof(b)) > 0; i++)
			;
		conn_free(c);
		return false;
	}
	return true;
}

/* One TEXT frame per call; a reply over the buffer is cut (the DONE always
 * has room: CONTROL_OUT_CAP keeps 1 KiB for it). */
void control_textf(struct control_conn *c, const char *fmt, ...)
{
	char text[2048];
	uint8_t hdr[CTL_PROTO_HDR_LEN];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if ((size_t)n >= sizeof(text))
		n = sizeof(text) - 1;
	if (buf_room(&c->out) < sizeof(hdr) + (size_t)n + 1024)
		return;
	ctl_proto_encode_hdr(CTL_PROTO_TEXT, (size_t)n, hdr, sizeof(hdr));
	(void)buf_append(&c->out, hdr, sizeof(hdr));
	(void)buf_append(&c->out, text, (size_t)n);
}

void control_done(struct control_conn *c, uint8_t status, const char *fmt, ...)
{
	char msg[1000];
	uint8_t frame[CTL_PROTO_HDR_LEN + sizeof(msg) + 1];
	size_t len;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	len = ctl_proto_done_encode(status, msg, frame, sizeof(frame));
	if (len > 0)
		(void)buf_append(&c->out, frame, len);
	c->done = true;
}

static void fmt_uptime(uint64_t ms, char *out, size_t cap)
{
	uint64_t s = ms / 1000;

	snprintf(out, cap, "%" PRIu64 "d%02" PRIu64 "h%02" PRIu64 "m%02" PRIu64 "s", s / 86400,
		 s / 3600 % 24, s / 60 % 60, s % 60);
}

static void cmd_status(struct control_conn *c, unsigned argc, const char **argv)
{
	struct gateway *gw = c->ctl->gw;
	struct worker *w;
	const struct session *s, *next;
	struct worker_stats st;
	unsigned up = 0, resumed = 0;
	char refused[1024];

	if (argc == 2 && strcmp(argv[1], "json") == 0) {
		status_json(c);
		return;
	}
	if (argc == 2) {
		control_done(c, CTL_PROTO_STATUS_USAGE, "status: unknown format \"%.32s\" (json)",
			     argv[1]);
		return;
	}
	workers_sum_stats(gw, &st);
	control_textf(c, "%-6s %-24s %-12s %-15s %-24s %-22s %12s %12s %8s %8s %10s %-7s %s\n",
		      "SID", "IDENTITY", "GROUP", "ADDRESS", "ADDRESS6", "REMOTE", "RX_BYTES",
		      "TX_BYTES", "DROP_ACL", "DROPS", "UPTIME", "UDP", "PROTO");
	WORKERS_FOREACH_SESSION(gw, w, s, next)
	{
		char a4[ADDR_STRLEN] = "-", a6[ADDR_STRLEN] = "-", id[IDENTITY_MAX * 4 + 1];
		char upt[32];
		uint64_t drops;

		if (s->state != SESSION_ESTABLISHED)
			continue;
		up++;
		resumed += tls_resumed(s->tls) ? 1 : 0;
		if (s->addr4.family != 0)
			addr_fmt(&s->addr4, a4);
		if (s->addr6.family != 0)
			addr_fmt(&s->addr6, a6);
		drops = s->st.drop_src + s->st.drop_acl + s->st.drop_inbound + s->st.drop_other +
			s->st.drop_backpressure;
		fmt_uptime(ev_now_ms(w->loop) - s->up_ms, upt, sizeof(upt));
		control_textf(c,
			      "%-6" PRIu64 " %-24s %-12s %-15s %-24s %-22s %12" PRIu64 " %12" PRIu64
			      " %8" PRIu64 " %8" PRIu64 " %10s %-7s %s\n",
			      s->sid, session_quote(s->identity, id, sizeof(id)),
			      s->group != NULL ? s->group->net->name : "-", a4, a6, s->remote,
			      s->st.rx_bytes, s->st.tx_bytes, s->st.drop_acl, drops, upt,
			      udp_status_word(s), s->proto == PROTO_OPENCONNECT ? "cstp" : "mtlsvpn");
	}
	control_textf(c, "%u session(s); groups:", up);
	for (unsigned i = 0; i < gw->n_groups; i++)
		control_textf(c, " %s(%u)", gw->groups[i].net->name,
			      pool_active_count(&gw->groups[i].pool));
	control_textf(c, "\n");
	control_textf(c, "half-open: %u (max_handshakes=%u, max_handshakes_per_source=%u); "
			 "accept pauses: %" PRIu64 "\n",
		      workers_n_halfopen(gw), gw->cfg.max_handshakes,
		      gw->cfg.max_handshakes_per_source, st.accept_pauses);
	control_textf(c, "tls resumption: %s; %zu ticket(s) held; %u session(s) up by resumption\n",
		      gw->cfg.tls_resumption && tls_resumption_compiled() ? "on" : "off",
		      tls_ctx_ticket_count(gw->tls), resumed);
	refusal_status_line(&st, refused, sizeof(refused));
	control_textf(c, "%s\n", refused);
	drain_status_line(gw, refused, sizeof(refused));
	control_textf(c, "%s\n", refused);
	workers_status_line(gw, refused, sizeof(refused));
	control_textf(c, "%s\n", refused);
	udp_status_line(gw, refused, sizeof(refused));
	control_textf(c, "%s\n", refused);
	control_done(c, CTL_PROTO_STATUS_OK, "%s", "");
}

static void cmd_reload(struct control_conn *c, unsigned argc, const char **argv)
{
	char msg[900];
	int rc;

	(void)argc;
	(void)argv;
	rc = reload_config(c->ctl->gw, "mtlsvpnctl reload", msg, sizeof(msg));
	control_done(c, rc == 0 ? CTL_PROTO_STATUS_OK : CTL_PROTO_STATUS_FAIL, "%s", msg);
}

enum disconnect_by { BY_IDENTITY, BY_SID, BY_GROUP };

static bool disconnect_matches(const struct session *s, enum disconnect_by by, const char *v,
			       uint64_t sid)
{
	switch (by) {
	case BY_SID:
		return s->sid == sid;
	case BY_GROUP:
		return s->group != NULL && strcmp(s->group->net->name, v) == 0;
	default:
		return strcmp(s->identity, v) == 0;
	}
}

/* "disconnect IDENTITY" or "disconnect identity|sid|group VALUE": every
 * live session that matches gets BYE_ADMIN. */
static void cmd_disconnect(struct control_conn *c, unsigned argc, const char **argv)
{
	struct worker *w;
	struct session *s, *next;
	enum disconnect_by by = BY_IDENTITY;
	const char *v = argv[argc - 1], *what = "identity";
	uint64_t sid = 0, first = 0;
	unsigned n = 0;
	char *end;

	if (argc == 3 && strcmp(argv[1], "sid") == 0) {
		by = BY_SID;
		what = "sid";
		sid = strtoull(v, &end, 10);
		if (v[0] < '0' || v[0] > '9' || *end != 0) {
			control_done(c, CTL_PROTO_STATUS_USAGE,
				     "disconnect: sid \"%.32s\" is not a number", v);
			return;
		}
	} else if (argc == 3 && strcmp(argv[1], "group") == 0) {
		by = BY_GROUP;
		what = "group";
	} else if (argc == 3 && strcmp(argv[1], "identity") != 0) {
		control_done(c, CTL_PROTO_STATUS_USAGE,
			     "disconnect: by \"%.32s\"? use identity, sid or group", argv[1]);
		return;
	}
	WORKERS_FOREACH_SESSION(c->ctl->gw, w, s, next) {
		if (s->state != SESSION_ESTABLISHED || !disconnect_matches(s, by, v, sid))
			continue;
		if (n++ == 0)
			first = s->sid;
		session_close(s, BYE_ADMIN, "disconnected by an administrator");
	}
	if (n == 0) {
		control_done(c, CTL_PROTO_STATUS_FAIL, "no live session of %s \"%.200s\"", what, v);
		return;
	}
	if (n == 1)
		control_done(c, CTL_PROTO_STATUS_OK, "session %" PRIu64 " of %s \"%.200s\" "
			     "disconnected", first, what, v);
	else
		control_done(c, CTL_PROTO_STATUS_OK, "%u sessions of %s \"%.200s\" disconnected", n,
			     what, v);
}

static const struct control_cmd commands[] = {
    {"status", 0, 1, false, cmd_status},
    {"reload", 0, 0, true, cmd_reload},
    {"disconnect", 1, 2, true, cmd_disconnect},
    {"capture", 1, 2, true, capture_start},
    {"drain", 0, 1, true, drain_cmd},
};

/* A command that changes state, or a caller refused, in the audit trail. */
static void audit_command(struct control_conn *c, unsigned argc, const char **argv,
			  const char *result)
{
	struct audit_event e = {.type = AUDIT_CONTROL, .result = result,
				.has_caller = c->have_cred, .caller_uid = (uint32_t)c->uid,
				.caller_pid = (int64_t)c->pid};
	char line[512];
	size_t len = 0;

	line[0] = '\0';
	for (unsigned i = 0; i < argc && len < sizeof(line); i++) {
		int n = snprintf(line + len, sizeof(line) - len, "%s%s", i > 0 ? " " : "", argv[i]);

		if (n < 0)
			break;
		len += (size_t)n;
	}
	e.command = argc > 0 ? line : NULL;
	audit_emit(c->ctl->gw, &e);
}

static void dispatch(struct control_conn *c, const struct ctl_proto_frame *f)
{
	const char *argv[CTL_PROTO_MAX_ARGS], *why = NULL;
	unsigned argc = 0;

	if (ctl_proto_request_args(f, argv, &argc, &why) != CTL_PROTO_OK) {
		control_done(c, CTL_PROTO_STATUS_USAGE, "bad request: %s", why);
		return;
	}
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
		const struct control_cmd *k = &commands[i];

		if (strcmp(k->name, argv[0]) != 0)
			continue;
		if (argc - 1 < k->min_args || argc - 1 > k->max_args) {
			control_done(c, CTL_PROTO_STATUS_USAGE, "%s: wrong number of arguments",
				     k->name);
			return;
		}
		if (k->changes && c->read_only) {
			audit_command(c, argc, argv, "denied");
			log_info("control: refused %s to a member of control_group %s",
				 k->name, c->ctl->gw->cfg.control_group);
			control_done(c, CTL_PROTO_STATUS_DENIED,
				     "permission denied: %s is for root; members of control_group "
				     "%s may run status only",
				     k->name, c->ctl->gw->cfg.control_group);
			return;
		}
		log_debug("control: %s", argv[0]);
		if (k->changes)
			audit_command(c, argc, argv, "accepted");
		/* Every command reads or changes other workers' sessions. */
		workers_exclusive_begin(c->ctl->gw);
		k->run(c, argc, argv);
		workers_exclusive_end(c->ctl->gw);
		return;
	}
	control_done(c, CTL_PROTO_STATUS_USAGE,
		     "unknown command \"%.64s\" (this gateway knows status, reload, disconnect, "
		     "capture, drain)",
		     argv[0]);
}

static void on_conn_io(struct ev_loop *loop, struct ev_io *io, uint32_t revents)
{
	struct control_conn *c = io->data;
	struct ctl_proto_frame f;
	const char *why = NULL;
	size_t used = 0;
	ssize_t n;

	(void)loop;
	if (revents & EPOLLOUT) {
		if (!conn_flush(c))
			return;
		if (buf_len(&c->out) == 0)
			(void)ev_io_modify(loop, &c->io, c->done ? 0 : EPOLLIN);
		return;
	}
	if (c->done || c->capture != NULL) {
		/* Nothing more is read; a hang-up ends the connection. */
		char b[64];
		ssize_t r = read(c->fd, b, sizeof(b));

		if (r == 0 || (r < 0 && errno != EAGAIN && errno != EINTR))
			conn_free(c);
		return;
	}
	n = read(c->fd, buf_end(&c->in), buf_room(&c->in));
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n <= 0) {
		conn_free(c);
		return;
	}
	buf_commit(&c->in, (size_t)n);
	switch (ctl_proto_decode(buf_ptr(&c->in), buf_len(&c->in), &f, &used, &why)) {
	case CTL_PROTO_NEED_MORE:
		if (buf_room(&c->in) > 0)
			return;
		why = "request too long";
		/* fall through */
	case CTL_PROTO_MALFORMED:
		log_warnx("control: malformed request: %s", why);
		control_done(c, CTL_PROTO_STATUS_USAGE, "malformed request: %s", why);
		break;
	case CTL_PROTO_OK:
		dispatch(c, &f);
		break;
	}
	(void)conn_flush(c);
}

/* For a connection that stays open (capture). */
struct gateway *control_conn_gateway(const struct control_conn *c)
{
	return c->ctl->gw;
}

void control_conn_set_capture(struct control_conn *c, struct capture *cap)
{
	c->capture = cap;
}

/* Before the loop sleeps: write what every connection has queued (a
 * capture's packets go out once per turn, not one write per packet). */
static void flush_all(struct ev_loop *loop, void *data)
{
	struct control *ctl = data;
	struct control_conn *c, *next;

	(void)loop;
	for (c = LIST_FIRST(&ctl->conns); c != NULL; c = next) {
		next = LIST_NEXT(c, entry);
		if (buf_len(&c->out) > 0 || c->done)
			(void)conn_flush(c);
	}
}

/* Room for an answer of n bytes that must go out whole (status --json):
 * the empty output buffer of this one-request connection is replaced by a
 * larger one. False if it cannot be had. */
bool control_conn_reserve(struct control_conn *c, size_t n)
{
	struct buf bigger;

	if (control_conn_room(c) >= n)
		return true;
	if (buf_len(&c->out) > 0 || buf_init(&bigger, n + 1024) < 0)
		return false;
	buf_deinit(&c->out);
	c->out = bigger;
	return true;
}

size_t control_conn_room(const struct control_conn *c)
{
	return buf_room(&c->out) > 1024 ? buf_room(&c->out) - 1024 : 0;
}

bool control_conn_append(struct control_conn *c, const void *p, size_t n)
{
	return buf_append(&c->out, p, n);
}

static bool is_member(const struct control *ctl, uid_t uid, gid_t gid)
{
	if (!ctl->have_group)
		return false;
	if (gid == ctl->group_gid)
		return true;
	for (unsigned i = 0; i < ctl->n_members; i++)
		if (ctl->members[i] == uid)
			return true;
	return false;
}

static void on_accept(struct ev_loop *loop, struct ev_io *io, uint32_t revents)
{
	struct control *ctl = io->data;

	(void)revents;
	for (int round = 0; round < 16; round++) {
		struct control_conn *c;
		struct ucred cred;
		socklen_t cl = sizeof(cred);
		int fd = accept4(ctl->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);

		if (fd < 0) {
			if (errno != EAGAIN && errno != EINTR)
				log_warn("control: accept");
			return;
		}
		c = calloc(1, sizeof(*c));
		if (c == NULL || ctl->n_conns >= CONTROL_MAX_CONNS ||
		    buf_init(&c->in, CONTROL_IN_CAP) < 0 ||
		    buf_init(&c->out, CONTROL_OUT_CAP) < 0) {
			log_warnx("control: connection refused (busy or out of memory)");
			if (c != NULL) {
				buf_deinit(&c->in);
				buf_deinit(&c->out);
			}
			free(c);
			close(fd);
			continue;
		}
		c->ctl = ctl;
		c->fd = fd;
		LIST_INSERT_HEAD(&ctl->conns, c, entry);
		ctl->n_conns++;
		ev_io_init(&c->io, fd, on_conn_io, c);
		if (ev_io_start(loop, &c->io, EPOLLIN) < 0) {
			log_warn("control: cannot watch a connection");
			conn_free(c);
			continue;
		}
		if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &cl) < 0)
			cl = 0;
		c->have_cred = cl == sizeof(cred);
		c->uid = c->have_cred ? cred.uid : (uid_t)-1;
		c->pid = c->have_cred ? cred.pid : -1;
		if (cl == sizeof(cred) && cred.uid != 0 && is_member(ctl, cred.uid, cred.gid)) {
			c->read_only = true;
		} else if (cl != sizeof(cred) || cred.uid != 0) {
			log_warnx("control: refused a caller with uid %ld pid %ld: only root and "
				  "members of control_group may use the control socket",
				  cl == sizeof(cred) ? (long)cred.uid : -1L,
				  cl == sizeof(cred) ? (long)cred.pid : -1L);
			audit_command(c, 0, NULL, "denied");
			if (ctl->have_group)
				control_done(c, CTL_PROTO_STATUS_DENIED,
					     "permission denied: the control socket %s serves root "
					     "(uid 0), and members of control_group %s read-only",
					     ctl->path, ctl->gw->cfg.control_group);
			else
				control_done(c, CTL_PROTO_STATUS_DENIED,
					     "permission denied: the control socket %s serves root "
					     "(uid 0) only",
					     ctl->path);
			(void)conn_flush(c);
		}
	}
}

/* control_group's gid and its listed members, before the drop (the
 * files may be out of reach later, and membership is decided once). */
static int resolve_group(struct control *ctl, const char *name)
{
	char why[128];

	if (name[0] == 0)
		return 0;
	if (privdrop_group_lookup(name, &ctl->group_gid, ctl->members, CONTROL_MAX_MEMBERS,
				  &ctl->n_members, why, sizeof(why)) < 0) {
		log_warnx("%s: [gateway] control_group: %s; create it (groupadd --system %s) or "
			  "remove the key",
			  ctl->gw->cfg.path, why, name);
		return -1;
	}
	ctl->have_group = true;
	return 0;
}

/* Another gateway answering on the path keeps it; a stale socket goes. */
static bool path_in_use(const struct sockaddr_un *sun)
{
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	bool used;

	if (fd < 0)
		return false;
	used = connect(fd, (const struct sockaddr *)sun, sizeof(*sun)) == 0;
	close(fd);
	return used;
}

int control_start(struct gateway *gw)
{
	const char *path = gw->cfg.control;
	struct control *ctl;
	struct sockaddr_un sun;
	mode_t old;

	if (path[0] == 0)
		return 0;
	ctl = calloc(1, sizeof(*ctl));
	if (ctl == NULL)
		return -1;
	ctl->gw = gw;
	ctl->fd = -1;
	LIST_INIT(&ctl->conns);
	snprintf(ctl->path, sizeof(ctl->path), "%s", path);
	if (resolve_group(ctl, gw->cfg.control_group) < 0) {
		free(ctl);
		return -1;
	}
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", path);
	if (strcmp(path, CTL_PROTO_DEFAULT_PATH) == 0 && mkdir("/run/mtlsvpn", 0755) < 0 &&
	    errno != EEXIST)
		log_warn("cannot create /run/mtlsvpn");
	if (path_in_use(&sun)) {
		log_warnx("control socket %s is in use by another process: this gateway runs "
			  "without one (set [gateway] control to another path)",
			  path);
		free(ctl);
		return 0;
	}
	(void)unlink(path);
	ctl->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	old = umask(0117);
	if (ctl->fd < 0 || bind(ctl->fd, (const struct sockaddr *)&sun, sizeof(sun)) < 0) {
		umask(old);
		log_warn("cannot create the control socket %s; mtlsvpnctl reload/status will not "
			 "work (SIGHUP still reloads)",
			 path);
		if (ctl->fd >= 0)
			close(ctl->fd);
		free(ctl);
		return 0;
	}
	umask(old);
	if (chmod(path, 0660) < 0 || (ctl->have_group && chown(path, 0, ctl->group_gid) < 0) ||
	    listen(ctl->fd, 8) < 0) {
		log_warn("cannot set up the control socket %s", path);
		close(ctl->fd);
		(void)unlink(path);
		free(ctl);
		return 0;
	}
	ev_io_init(&ctl->io, ctl->fd, on_accept, ctl);
	if (ev_io_start(workers_main(gw)->loop, &ctl->io, EPOLLIN) < 0 ||
	    ev_hook_add(workers_main(gw)->loop, flush_all, ctl) < 0) {
		log_warn("cannot watch the control socket");
		close(ctl->fd);
		(void)unlink(path);
		free(ctl);
		return -1;
	}
	gw->control = ctl;
	if (ctl->have_group)
		log_info("control socket %s (mode 0660, root; group %s read-only)", path,
			 gw->cfg.control_group);
	else
		log_info("control socket %s (mode 0660, root only)", path);
	return 0;
}

void control_stop(struct gateway *gw)
{
	struct control *ctl = gw->control;
	struct control_conn *c;

	if (ctl == NULL)
		return;
	while ((c = LIST_FIRST(&ctl->conns)) != NULL)
		conn_free(c);
	ev_io_stop(workers_main(gw)->loop, &ctl->io);
	close(ctl->fd);
	(void)unlink(ctl->path);
	free(ctl);
	gw->control = NULL;
}
