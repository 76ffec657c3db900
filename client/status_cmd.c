/*
 * status_cmd.c - `mtlsvpn-client status [-c FILE|NAME] [--json]`: asks a
 * running client on its status socket (status.c) and prints the answer
 * for the person or as JSON. Needs no root: the socket serves members of
 * status_group too. -c names a configuration file (anything with a '/' or
 * ending in .ini) or a NAME: the profile of mtlsvpn-client@NAME if it can
 * be read, else the tunnel NAME's socket /run/mtlsvpn/NAME.sock. Exit
 * status: 0 up, 3 not up yet (connecting, reconnecting, refused for now),
 * 4 not running, 5 ended after a failure, 1 error, 2 usage.
 */
#include "client.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

#include "cli.h"
#include "client_status.h"
#include "client_status_fmt.h"
#include "ctl_proto.h"

#define PROG "mtlsvpn-client status"
#define STATUS_DEFAULT_DIR "/run/mtlsvpn"
#define STATUS_PROFILE_DIR "/etc/mtlsvpn/client" /* mtlsvpn-client@NAME.service's */
#define STATUS_TIMEOUT_S 3

enum {
	EXIT_UP = 0,
	EXIT_ERROR = 1,
	EXIT_USAGE = 2,
	EXIT_NOT_UP = 3,
	EXIT_NOT_RUNNING = 4,
	EXIT_ENDED = 5,
};

struct status_opts {
	const char *target;
	bool json;
	bool help;
};

static bool opt_target(const char *v, void *ctx)
{
	((struct status_opts *)ctx)->target = v;
	return true;
}

static bool opt_json(const char *v, void *ctx)
{
	(void)v;
	((struct status_opts *)ctx)->json = true;
	return true;
}

static bool opt_help(const char *v, void *ctx)
{
	(void)v;
	((struct status_opts *)ctx)->help = true;
	return true;
}

static const struct cli_opt status_options[] = {
    {"config", 'c', "FILE|NAME",
     "the client's configuration file, or NAME: the profile " STATUS_PROFILE_DIR
     "/NAME.ini (.profile), else the tunnel NAME (" STATUS_DEFAULT_DIR "/NAME.sock)",
     opt_target},
    {"json", 0, NULL, "print JSON (docs/status-json.md)", opt_json},
    {"help", 'h', NULL, "show this help", opt_help},
    {NULL, 0, NULL, NULL, NULL},
};

/* The socket and the ended note of the instance asked about. */
struct target {
	char sock[PATH_MAX];
	char ended[PATH_MAX];
	char group[CONFIG_GROUP_NAME_MAX + 1];
};

static bool is_file(const char *t)
{
	size_t n = strlen(t);

	return strchr(t, '/') != NULL || (n > 4 && strcmp(t + n - 4, ".ini") == 0);
}

static void by_name(const char *name, struct target *out)
{
	snprintf(out->sock, sizeof(out->sock), "%s/%s.sock", STATUS_DEFAULT_DIR, name);
	snprintf(out->ended, sizeof(out->ended), "%s/%s.ended", STATUS_DEFAULT_DIR, name);
	snprintf(out->group, sizeof(out->group), "mtlsvpn-status");
}

static int from_file(const char *path, struct target *out, bool quiet)
{
	static struct config_client cfg;
	char err[CONFIG_ERR_MAX];

	if (config_client_load_paths(path, &cfg, err) < 0) {
		if (!quiet)
			fprintf(stderr,
				"%s: %s\n(without access to the configuration, name the tunnel: "
				"-c NAME, e.g. -c mtlsvpn0)\n",
				PROG, err);
		return EXIT_ERROR;
	}
	snprintf(out->group, sizeof(out->group), "%s", cfg.status_group);
	if (undo_instance_path(&cfg, ".sock", out->sock) < 0 ||
	    undo_instance_path(&cfg, ".ended", out->ended) < 0) {
		config_client_free(&cfg);
		fprintf(stderr, "%s: %s: the state_dir path is too long\n", PROG, path);
		return EXIT_ERROR;
	}
	config_client_free(&cfg);
	return EXIT_UP;
}

/* No -c and no readable default configuration: the one instance in
 * STATUS_DEFAULT_DIR, if there is exactly one. */
static int only_instance(struct target *out)
{
	char names[1024] = "", first[256] = "";
	unsigned n = 0;
	struct dirent *e;
	DIR *d = opendir(STATUS_DEFAULT_DIR);

	while (d != NULL && (e = readdir(d)) != NULL) {
		size_t l = strlen(e->d_name);
		const char *dot = strrchr(e->d_name, '.');

		if (dot == NULL || (strcmp(dot, ".sock") != 0 && strcmp(dot, ".ended") != 0) ||
		    l >= sizeof(first))
			continue;
		/* NAME.sock and NAME.ended are one instance. */
		if (n > 0 && strncmp(first, e->d_name, (size_t)(dot - e->d_name)) == 0 &&
		    first[dot - e->d_name] == '\0')
			continue;
		if (n++ == 0)
			snprintf(first, sizeof(first), "%.*s", (int)(dot - e->d_name), e->d_name);
		snprintf(names + strlen(names), sizeof(names) - strlen(names), "%s%.*s",
			 names[0] ? ", " : "", (int)(dot - e->d_name), e->d_name);
	}
	if (d != NULL)
		closedir(d);
	if (n > 1) {
		fprintf(stderr, "%s: several tunnels in %s (%s): name one with -c NAME\n", PROG,
			STATUS_DEFAULT_DIR, names);
		return EXIT_USAGE;
	}
	by_name(n == 1 ? first : "mtlsvpn0", out);
	return EXIT_UP;
}

/* -c FILE (a '/' or .ini), -c NAME (/etc/mtlsvpn/client/NAME.ini or
 * .profile if readable, else the tunnel NAME in STATUS_DEFAULT_DIR), or
 * nothing (the default configuration if readable, else the only tunnel). */
static int resolve(const char *t, const char *default_config, struct target *out)
{
	char path[PATH_MAX];

	if (t == NULL)
		return from_file(default_config, out, true) == EXIT_UP ? EXIT_UP
								       : only_instance(out);
	if (is_file(t))
		return from_file(t, out, false);
	if (t[0] == '\0' || t[0] == '.' || strlen(t) > 64) {
		fprintf(stderr,
			"%s: '%s' is not a tunnel's name (e.g. mtlsvpn0) nor a "
			"configuration file\n",
			PROG, t);
		return EXIT_USAGE;
	}
	for (unsigned i = 0; i < 2; i++) {
		snprintf(path, sizeof(path), "%s/%s%s", STATUS_PROFILE_DIR, t,
			 i == 0 ? ".ini" : ".profile");
		if (access(path, R_OK) == 0)
			return from_file(path, out, false);
	}
	by_name(t, out);
	return EXIT_UP;
}

/* Not running: the ended note if there is one. */
static int not_running(const struct target *t, struct client_status *r)
{
	char text[1024], why[CLIENT_STATUS_TEXT_MAX + 1];
	const char *bad = NULL;
	int64_t when = 0;
	FILE *f = fopen(t->ended, "re");
	size_t n;

	client_status_init(r, CLIENT_STATUS_NOT_RUNNING);
	if (f == NULL)
		return EXIT_NOT_RUNNING;
	n = fread(text, 1, sizeof(text), f);
	fclose(f);
	if (client_status_ended_decode(text, n, &when, why, &bad) != CLIENT_STATUS_OK) {
		fprintf(stderr, "%s: %s: %s (ignored)\n", PROG, t->ended, bad);
		return EXIT_NOT_RUNNING;
	}
	r->state = CLIENT_STATUS_ENDED;
	r->since = when;
	snprintf(r->reason, sizeof(r->reason), "%s", why);
	return EXIT_ENDED;
}

static int dial(const struct target *t, struct client_status *r, bool *answered)
{
	struct sockaddr_un sun = {.sun_family = AF_UNIX};
	struct timeval tv = {.tv_sec = STATUS_TIMEOUT_S};
	int fd, err;

	*answered = false;
	if (strlen(t->sock) >= sizeof(sun.sun_path)) {
		fprintf(stderr, "%s: %s: the path is too long for a Unix socket\n", PROG, t->sock);
		return -1;
	}
	memcpy(sun.sun_path, t->sock, strlen(t->sock));
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		fprintf(stderr, "%s: socket: %s\n", PROG, strerror(errno));
		return -1;
	}
	(void)setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	(void)setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	if (connect(fd, (const struct sockaddr *)&sun, sizeof(sun)) == 0)
		return fd;
	err = errno;
	close(fd);
	if (err == EACCES || err == EPERM) {
		fprintf(stderr,
			"%s: permission denied on %s: it serves root and members of group %s "
			"(ask an administrator: adduser $USER %s, then log in again)\n",
			PROG, t->sock, t->group, t->group);
		return -1;
	}
	if (err == ENOENT || err == ECONNREFUSED) {
		/* Answered by its absence: r says not running, or ended. */
		(void)not_running(t, r);
		*answered = true;
		return -1;
	}
	fprintf(stderr, "%s: cannot reach %s: %s\n", PROG, t->sock, strerror(err));
	return -1;
}

/* n: what send or recv returned (errno set if negative). -1. */
static int no_answer(const char *sock, ssize_t n)
{
	fprintf(stderr,
		"%s: %s closed without an answer%s%s (the client may be busy: it serves a few "
		"callers at a time)\n",
		PROG, sock, n < 0 ? ": " : "", n < 0 ? strerror(errno) : "");
	return -1;
}

/* One REQUEST, then a STATUS and a DONE. 0, or -1 (said). */
static int ask(int fd, const char *sock, struct client_status *r)
{
	static uint8_t in[2 * CTL_PROTO_HDR_LEN + CLIENT_STATUS_MAX_LEN + 1024];
	const char *argv[] = {"status"};
	uint8_t req[CTL_PROTO_HDR_LEN + 16];
	size_t have = 0, plen = ctl_proto_request_encode(1, argv, req + CTL_PROTO_HDR_LEN, 16);
	bool got = false;

	ctl_proto_encode_hdr(CTL_PROTO_REQUEST, plen, req, sizeof(req));
	/* A busy client closes at once: the request may meet a closed socket. */
	if (send(fd, req, CTL_PROTO_HDR_LEN + plen, MSG_NOSIGNAL) !=
	    (ssize_t)(CTL_PROTO_HDR_LEN + plen))
		return no_answer(sock, -1);
	for (;;) {
		struct ctl_proto_frame f;
		const char *why = NULL, *msg;
		size_t used = 0, ml;
		uint8_t st;
		ssize_t n;

		switch (ctl_proto_decode(in, have, &f, &used, &why)) {
		case CTL_PROTO_MALFORMED:
			fprintf(stderr, "%s: bad answer on %s: %s\n", PROG, sock, why);
			return -1;
		case CTL_PROTO_NEED_MORE:
			n = recv(fd, in + have, sizeof(in) - have, 0);
			if (n < 0 && errno == EINTR)
				continue;
			if (n <= 0)
				return no_answer(sock, n);
			have += (size_t)n;
			continue;
		case CTL_PROTO_OK:
			break;
		}
		if (f.type == CTL_PROTO_STATUS) {
			if (client_status_decode(f.payload, f.len, r, &why) != CLIENT_STATUS_OK) {
				fprintf(stderr, "%s: bad status record on %s: %s\n", PROG, sock,
					why);
				return -1;
			}
			got = true;
		} else if (f.type == CTL_PROTO_DONE) {
			if (ctl_proto_done_decode(&f, &st, &msg, &ml, &why) != CTL_PROTO_OK) {
				fprintf(stderr, "%s: bad answer on %s: %s\n", PROG, sock, why);
				return -1;
			}
			if (st != CTL_PROTO_STATUS_OK || !got) {
				fprintf(stderr, "%s: %s: %.*s\n", PROG, sock, (int)ml, msg);
				return -1;
			}
			return 0;
		}
		memmove(in, in + used, have - used);
		have -= used;
	}
}

static int exit_for(uint8_t state)
{
	switch (state) {
	case CLIENT_STATUS_UP:
		return EXIT_UP;
	case CLIENT_STATUS_ENDED:
		return EXIT_ENDED;
	case CLIENT_STATUS_NOT_RUNNING:
		return EXIT_NOT_RUNNING;
	default:
		return EXIT_NOT_UP;
	}
}

int status_cmd_main(int argc, char **argv, const char *default_config)
{
	static char out[CLIENT_STATUS_FMT_MAX];
	struct status_opts o = {.target = NULL};
	struct client_status *r = malloc(sizeof(*r));
	struct target t;
	bool answered;
	int idx, rc, fd;
	size_t n;

	if (r == NULL) {
		fprintf(stderr, "%s: out of memory\n", PROG);
		return EXIT_ERROR;
	}
	idx = cli_parse(status_options, argc, argv, 1, &o, PROG);
	if (idx < 0 || idx < argc) {
		if (idx >= 0)
			fprintf(stderr, "%s: unexpected argument '%s'; see --help\n", PROG,
				argv[idx]);
		free(r);
		return EXIT_USAGE;
	}
	if (o.help) {
		cli_usage(stdout, PROG, "[-c FILE|NAME] [--json]", status_options);
		free(r);
		return EXIT_UP;
	}
	rc = resolve(o.target, default_config, &t);
	if (rc != EXIT_UP) {
		free(r);
		return rc;
	}
	fd = dial(&t, r, &answered);
	if (fd >= 0) {
		rc = ask(fd, t.sock, r);
		close(fd);
		if (rc < 0) {
			free(r);
			return EXIT_ERROR;
		}
	} else if (!answered) {
		free(r);
		return EXIT_ERROR;
	}
	n = o.json ? client_status_json(r, out, sizeof(out))
		   : client_status_text(r, out, sizeof(out));
	fwrite(out, 1, n, stdout);
	rc = exit_for(r->state);
	free(r);
	return rc;
}
