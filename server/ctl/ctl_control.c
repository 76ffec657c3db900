/*
 * ctl_control.c - mtlsvpnctl's side of the control socket: "reload",
 * "status [--json]", "disconnect IDENTITY|--sid|--group" and
 * "drain [--seconds N]" send one request (common/wire/ctl_proto.h) to the
 * running gateway and print its answer; the gateway's DONE status becomes
 * the exit status. ctl_control_request is shared with "capture", which also
 * receives PACKET frames.
 */
#include "ctl_control.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "ctl_proto.h"

volatile sig_atomic_t ctl_control_interrupted;

bool ctl_control_opt_path(const char *value, void *ctx)
{
	((struct ctl_control_ctx *)ctx)->path = value;
	return true;
}

void ctl_control_ctx_init(void *ctx)
{
	((struct ctl_control_ctx *)ctx)->path = CTL_PROTO_DEFAULT_PATH;
}

static int dial(const struct ctl_control_ctx *c)
{
	struct sockaddr_un sun;
	int fd;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (strlen(c->path) >= sizeof(sun.sun_path)) {
		ctl_errorf(&c->base, "%s: the path is too long for a Unix socket", c->path);
		return -1;
	}
	memcpy(sun.sun_path, c->path, strlen(c->path));
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		ctl_errorf(&c->base, "socket: %s", strerror(errno));
		return -1;
	}
	if (connect(fd, (const struct sockaddr *)&sun, sizeof(sun)) == 0)
		return fd;
	if (errno == EACCES || errno == EPERM)
		ctl_errorf(&c->base,
			   "permission denied on the control socket %s: it is mode 0660, owner "
			   "root; run mtlsvpnctl as root",
			   c->path);
	else
		ctl_errorf(&c->base,
			   "cannot reach the gateway's control socket %s: %s (is mtlsvpn-server "
			   "running? --control PATH names another socket)",
			   c->path, strerror(errno));
	close(fd);
	return -1;
}

static bool write_all(int fd, const uint8_t *p, size_t n)
{
	while (n > 0) {
		ssize_t w = send(fd, p, n, MSG_NOSIGNAL);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return false;
		p += w;
		n -= (size_t)w;
	}
	return true;
}

int ctl_control_request(const struct ctl_control_ctx *c, int argc, const char *const *argv,
			ctl_control_packet_fn *on_packet, void *arg)
{
	uint8_t req[CTL_PROTO_HDR_LEN + 4096];
	size_t cap = CTL_PROTO_HDR_LEN + CTL_PROTO_MAX_PAYLOAD, have = 0;
	uint8_t *in = malloc(cap);
	size_t plen;
	int fd, rc = CTL_EXIT_FAIL, stop;

	if (in == NULL) {
		ctl_errorf(&c->base, "out of memory");
		return CTL_EXIT_FAIL;
	}
	plen = ctl_proto_request_encode(argc, argv, req + CTL_PROTO_HDR_LEN,
					sizeof(req) - CTL_PROTO_HDR_LEN);
	if (plen == 0 || ctl_proto_encode_hdr(CTL_PROTO_REQUEST, plen, req, sizeof(req)) == 0) {
		ctl_errorf(&c->base, "the request is too long");
		free(in);
		return CTL_EXIT_USAGE;
	}
	fd = dial(c);
	if (fd < 0) {
		free(in);
		return CTL_EXIT_FAIL;
	}
	/* A gateway that refuses the caller answers and closes before reading
	 * the request: its answer is still there to read. */
	(void)write_all(fd, req, CTL_PROTO_HDR_LEN + plen);
	for (;;) {
		struct ctl_proto_frame f;
		const char *why = NULL;
		size_t used = 0;
		ssize_t n;

		switch (ctl_proto_decode(in, have, &f, &used, &why)) {
		case CTL_PROTO_MALFORMED:
			ctl_errorf(&c->base, "bad answer from the gateway: %s", why);
			goto out;
		case CTL_PROTO_NEED_MORE:
			n = read(fd, in + have, cap - have);
			if (n < 0 && errno == EINTR && ctl_control_interrupted) {
				/* Ctrl-C during a capture: what was written stays. */
				rc = CTL_EXIT_OK;
				goto out;
			}
			if (n < 0 && errno == EINTR)
				continue;
			if (n <= 0) {
				ctl_errorf(&c->base, "the gateway closed the connection without an "
						     "answer");
				goto out;
			}
			have += (size_t)n;
			continue;
		case CTL_PROTO_OK:
			break;
		}
		if (f.type == CTL_PROTO_TEXT) {
			fwrite(f.payload, 1, f.len, stdout);
		} else if (f.type == CTL_PROTO_PACKET && on_packet != NULL) {
			uint64_t usec;
			const uint8_t *pkt;
			size_t pl;

			if (ctl_proto_packet_decode(&f, &usec, &pkt, &pl, &why) != CTL_PROTO_OK) {
				ctl_errorf(&c->base, "bad answer from the gateway: %s", why);
				goto out;
			}
			if ((stop = on_packet(arg, usec, pkt, pl)) != 0) {
				/* Enough (1) or a failure (-1): hanging up ends it. */
				rc = stop > 0 ? CTL_EXIT_OK : CTL_EXIT_FAIL;
				goto out;
			}
		} else if (f.type == CTL_PROTO_DONE) {
			uint8_t st;
			const char *msg;
			size_t ml;

			if (ctl_proto_done_decode(&f, &st, &msg, &ml, &why) != CTL_PROTO_OK) {
				ctl_errorf(&c->base, "bad answer from the gateway: %s", why);
				goto out;
			}
			fflush(stdout);
			if (st == CTL_PROTO_STATUS_OK) {
				if (ml > 0)
					printf("%.*s\n", (int)ml, msg);
				rc = CTL_EXIT_OK;
			} else {
				ctl_errorf(&c->base, "%.*s", (int)ml, msg);
				rc = st == CTL_PROTO_STATUS_USAGE ? CTL_EXIT_USAGE : CTL_EXIT_FAIL;
			}
			goto out;
		}
		memmove(in, in + used, have - used);
		have -= used;
	}
out:
	close(fd);
	free(in);
	return rc;
}

static int run_simple(const struct ctl_cmd *cmd, int argc, char **argv, void *ctx)
{
	const char *args[CTL_PROTO_MAX_ARGS];
	const char *word = strrchr(((struct ctl_ctx *)ctx)->fullname, ' ') + 1;

	(void)cmd;
	args[0] = word;
	for (int i = 0; i < argc && i + 1 < CTL_PROTO_MAX_ARGS; i++)
		args[i + 1] = argv[i];
	return ctl_control_request(ctx, argc + 1, args, NULL, NULL);
}

static const struct cli_opt control_opts[] = {
    CTL_CONTROL_OPT,
    {"help", 'h', NULL, "show this help", ctl_opt_help},
    {NULL, 0, NULL, NULL, NULL},
};

#define SIMPLE(summary_, args_, n_)                                                                \
	{                                                                                          \
		{"",                                                                               \
		 args_,                                                                            \
		 n_,                                                                               \
		 n_,                                                                               \
		 summary_,                                                                         \
		 control_opts,                                                                     \
		 run_simple,                                                                       \
		 sizeof(struct ctl_control_ctx),                                                   \
		 ctl_control_ctx_init},                                                            \
		{                                                                                  \
			NULL, NULL, 0, 0, NULL, NULL, NULL, 0, NULL                                \
		}                                                                                  \
	}

const struct ctl_cmd ctl_reload_cmds[] =
    SIMPLE("reload server.ini in the running gateway (all or nothing; live sessions stay)", "", 0);

static bool opt_json(const char *value, void *ctx)
{
	(void)value;
	((struct ctl_control_ctx *)ctx)->json = true;
	return true;
}

static int run_status(const struct ctl_cmd *cmd, int argc, char **argv, void *ctx)
{
	const char *args[] = {"status", "json"};

	(void)cmd;
	(void)argc;
	(void)argv;
	return ctl_control_request(ctx, ((struct ctl_control_ctx *)ctx)->json ? 2 : 1, args, NULL,
				   NULL);
}

static const struct cli_opt status_opts[] = {
    CTL_CONTROL_OPT,
    {"json", 0, NULL, "one JSON document (schema: docs/gateway-status.schema.json)", opt_json},
    {"help", 'h', NULL, "show this help", ctl_opt_help},
    {NULL, 0, NULL, NULL, NULL},
};

const struct ctl_cmd ctl_status_cmds[] = {
    {"", "", 0, 0,
     "the live sessions (identity, group, addresses, bytes, drops) and the gateway's counters",
     status_opts, run_status, sizeof(struct ctl_control_ctx), ctl_control_ctx_init},
    {NULL, NULL, 0, 0, NULL, NULL, NULL, 0, NULL},
};

static bool set_by(struct ctl_control_ctx *c, const char *by, const char *value)
{
	if (c->by != NULL) {
		ctl_errorf(&c->base, "give one of IDENTITY, --sid and --group");
		return false;
	}
	c->by = by;
	c->by_value = value;
	return true;
}

static bool opt_sid(const char *value, void *ctx)
{
	return set_by(ctx, "sid", value);
}

static bool opt_group(const char *value, void *ctx)
{
	return set_by(ctx, "group", value);
}

/* IDENTITY, --sid N or --group NAME: exactly one. */
static int run_disconnect(const struct ctl_cmd *cmd, int argc, char **argv, void *ctx)
{
	struct ctl_control_ctx *c = ctx;
	const char *args[3] = {"disconnect", "identity", NULL};

	(void)cmd;
	if ((c->by == NULL) == (argc == 0) || (c->by != NULL && argc > 0)) {
		ctl_errorf(&c->base, "give one of IDENTITY, --sid SID and --group GROUP; see --help");
		return CTL_EXIT_USAGE;
	}
	if (c->by != NULL) {
		args[1] = c->by;
		args[2] = c->by_value;
	} else {
		args[2] = argv[0];
	}
	return ctl_control_request(ctx, 3, args, NULL, NULL);
}

static const struct cli_opt disconnect_opts[] = {
    CTL_CONTROL_OPT,
    {"sid", 0, "SID", "the session with this number (status shows it)", opt_sid},
    {"group", 0, "GROUP", "every session of this group", opt_group},
    {"help", 'h', NULL, "show this help", ctl_opt_help},
    {NULL, 0, NULL, NULL, NULL},
};

const struct ctl_cmd ctl_disconnect_cmds[] = {
    {"", "[IDENTITY]", 0, 1,
     "close the sessions of IDENTITY, one session (--sid) or a whole group (--group); BYE: "
     "disconnected by an administrator",
     disconnect_opts, run_disconnect, sizeof(struct ctl_control_ctx), ctl_control_ctx_init},
    {NULL, NULL, 0, 0, NULL, NULL, NULL, 0, NULL},
};

static bool opt_seconds(const char *value, void *ctx)
{
	((struct ctl_control_ctx *)ctx)->seconds = value;
	return true;
}

static int run_drain(const struct ctl_cmd *cmd, int argc, char **argv, void *ctx)
{
	struct ctl_control_ctx *c = ctx;
	const char *args[2] = {"drain", c->seconds};

	(void)cmd;
	(void)argc;
	(void)argv;
	return ctl_control_request(ctx, c->seconds != NULL ? 2 : 1, args, NULL, NULL);
}

static const struct cli_opt drain_opts[] = {
    CTL_CONTROL_OPT,
    {"seconds", 0, "N", "how long clients have to leave before the rest are closed (default 30)",
     opt_seconds},
    {"help", 'h', NULL, "show this help", ctl_opt_help},
    {NULL, 0, NULL, NULL, NULL},
};

const struct ctl_cmd ctl_drain_cmds[] = {
    {"", "", 0, 0,
     "stop accepting, tell every client to reconnect (BYE: gateway draining, with a retry-after "
     "of 0-2 s), exit 0 when none is left or after --seconds",
     drain_opts, run_drain, sizeof(struct ctl_control_ctx), ctl_control_ctx_init},
    {NULL, NULL, 0, 0, NULL, NULL, NULL, 0, NULL},
};
