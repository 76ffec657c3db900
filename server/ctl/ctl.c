/*
 * ctl.c - mtlsvpnctl, the administrator's tool: main() and the dispatcher.
 * One table of command groups, each pointing at its file's array of
 * commands (see ctl_cmd.h); the same tables dispatch and print --help. The
 * dispatcher applies options and collects positional arguments in any
 * order, checks their count, then calls the command.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "ctl_cmd.h"
#include "version.h"

struct ctl_group {
	const char *name;
	const char *summary;
	const struct ctl_cmd *cmds;
};

/* Later groups slot in here: "policy" (test), "reload" and "capture" get
 * their own files. */
static const struct ctl_group groups[] = {
    {"ca", "certificate authority: issue, revoke, CRL, renew, client profiles", ctl_ca_cmds},
    {"status", "the running gateway's sessions", ctl_status_cmds},
    {"reload", "reload server.ini in the running gateway", ctl_reload_cmds},
    {"disconnect", "close one identity's session", ctl_disconnect_cmds},
    {"capture", "write a live session's packets to a pcap file", ctl_capture_cmds},
    {"drain", "stop accepting, send clients elsewhere, exit when empty", ctl_drain_cmds},
    {"policy", "access policy: what the rules decide, from the config files alone",
     ctl_policy_cmds},
};

#define N_GROUPS (sizeof(groups) / sizeof(groups[0]))

struct global_opts {
	bool help, version;
};

static bool opt_global_help(const char *v, void *ctx)
{
	(void)v;
	((struct global_opts *)ctx)->help = true;
	return true;
}

static bool opt_global_version(const char *v, void *ctx)
{
	(void)v;
	((struct global_opts *)ctx)->version = true;
	return true;
}

static const struct cli_opt global_options[] = {
    {"help", 'h', NULL, "show this help (COMMAND --help for a command's options)", opt_global_help},
    {"version", 0, NULL, "print the version and the crypto library in use", opt_global_version},
    {NULL, 0, NULL, NULL, NULL},
};

bool ctl_opt_help(const char *value, void *ctx)
{
	(void)value;
	((struct ctl_ctx *)ctx)->help = true;
	return true;
}

void ctl_errorf(const struct ctl_ctx *c, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", c != NULL && c->fullname != NULL ? c->fullname : CTL_PROGNAME);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

static const struct ctl_group *find_group(const char *name)
{
	for (size_t i = 0; i < N_GROUPS; i++) {
		if (strcmp(groups[i].name, name) == 0)
			return &groups[i];
	}
	return NULL;
}

static const struct ctl_cmd *find_cmd(const struct ctl_group *g, const char *name)
{
	for (const struct ctl_cmd *c = g->cmds; c->name != NULL; c++) {
		if (strcmp(c->name, name) == 0)
			return c;
	}
	return NULL;
}

static void cmd_label(const struct ctl_group *g, const struct ctl_cmd *c, char *out, size_t len)
{
	if (c->name[0] == 0)
		snprintf(out, len, "%s", g->name);
	else
		snprintf(out, len, "%s %s", g->name, c->name);
}

static void usage(FILE *out)
{
	char label[64], line[128];

	fprintf(out,
		"Usage: %s [--help | --version]\n"
		"       %s COMMAND [ARGS] [OPTIONS]\n\n"
		"Administers an mtlsvpn gateway. Commands:\n",
		CTL_PROGNAME, CTL_PROGNAME);
	for (size_t i = 0; i < N_GROUPS; i++) {
		for (const struct ctl_cmd *c = groups[i].cmds; c->name != NULL; c++) {
			cmd_label(&groups[i], c, label, sizeof(label));
			snprintf(line, sizeof(line), "%s %s", label, c->args);
			fprintf(out, "  %-26s %s\n", line, c->summary);
		}
	}
	fprintf(out, "\nGlobal options:\n");
	for (const struct cli_opt *o = global_options; o->long_name != NULL; o++)
		fprintf(out, "  --%-24s %s\n", o->long_name, o->help);
	fprintf(out,
		"\nRun '%s COMMAND --help' for a command's arguments and options.\n"
		"Exit status: 0 success, 1 the command failed, 2 usage error.\n",
		CTL_PROGNAME);
}

static void group_usage(FILE *out, const struct ctl_group *g)
{
	fprintf(out, "Usage: %s %s SUBCOMMAND [ARGS] [OPTIONS]\n\n%s %s: %s\n\nSubcommands:\n",
		CTL_PROGNAME, g->name, CTL_PROGNAME, g->name, g->summary);
	for (const struct ctl_cmd *c = g->cmds; c->name != NULL; c++)
		fprintf(out, "  %-16s %s\n", c->name, c->summary);
	fprintf(out, "\nRun '%s %s SUBCOMMAND --help' for its options.\n", CTL_PROGNAME, g->name);
}

static void cmd_usage(FILE *out, const char *fullname, const struct ctl_cmd *c)
{
	char synopsis[256];

	snprintf(synopsis, sizeof(synopsis), "%s%s[options]", c->args, c->args[0] ? " " : "");
	fprintf(out, "%s: %s\n\n", fullname, c->summary);
	cli_usage(out, fullname, synopsis, c->opts);
}

/* Options and positional arguments in any order, as in
 * "ca issue-server gw.example.test --san 192.0.2.1". */
static int run_cmd(const struct ctl_group *g, const struct ctl_cmd *c, int argc, char **argv,
		   int first)
{
	char fullname[96], label[64];
	char *pos[CTL_ARGS_MAX];
	unsigned npos = 0;
	struct ctl_ctx *ctx;
	bool dashdash = false;
	int i = first, rc;

	cmd_label(g, c, label, sizeof(label));
	snprintf(fullname, sizeof(fullname), "%s %s", CTL_PROGNAME, label);
	ctx = calloc(1, c->ctx_size);
	if (ctx == NULL) {
		fprintf(stderr, "%s: out of memory\n", fullname);
		return CTL_EXIT_FAIL;
	}
	ctx->fullname = fullname;
	if (c->ctx_init != NULL)
		c->ctx_init(ctx);
	while (i < argc) {
		/* After "--" everything is an operand, even "-x". */
		int idx = dashdash ? i : cli_parse(c->opts, argc, argv, i, ctx, fullname);

		if (idx < 0) {
			fprintf(stderr, "Try '%s --help'.\n", fullname);
			rc = CTL_EXIT_USAGE;
			goto out;
		}
		if (idx > i && strcmp(argv[idx - 1], "--") == 0)
			dashdash = true;
		if (idx >= argc)
			break;
		if (npos == CTL_ARGS_MAX || npos == c->max_args) {
			if (ctx->help)
				break;
			ctl_errorf(ctx, "unexpected argument '%s' (usage: %s %s)", argv[idx],
				   fullname, c->args[0] ? c->args : "[options]");
			rc = CTL_EXIT_USAGE;
			goto out;
		}
		pos[npos++] = argv[idx];
		i = idx + 1;
	}
	if (ctx->help) {
		cmd_usage(stdout, fullname, c);
		rc = CTL_EXIT_OK;
		goto out;
	}
	if (npos < c->min_args) {
		ctl_errorf(ctx, "missing argument (usage: %s %s [options]); see --help", fullname,
			   c->args);
		rc = CTL_EXIT_USAGE;
		goto out;
	}
	rc = c->run(c, (int)npos, pos, ctx);
out:
	free(ctx);
	return rc;
}

int main(int argc, char **argv)
{
	struct global_opts o = {0};
	const struct ctl_group *g;
	const struct ctl_cmd *c;
	int idx;

	idx = cli_parse(global_options, argc, argv, 1, &o, CTL_PROGNAME);
	if (idx < 0) {
		fprintf(stderr, "Try '%s --help'.\n", CTL_PROGNAME);
		return CTL_EXIT_USAGE;
	}
	if (o.help) {
		usage(stdout);
		return CTL_EXIT_OK;
	}
	if (o.version) {
		version_print(stdout, CTL_PROGNAME);
		return CTL_EXIT_OK;
	}
	if (idx >= argc) {
		usage(stderr);
		return CTL_EXIT_USAGE;
	}
	if (strcmp(argv[idx], "help") == 0) {
		/* "mtlsvpnctl help [GROUP]" */
		if (idx + 1 < argc && (g = find_group(argv[idx + 1])) != NULL)
			group_usage(stdout, g);
		else
			usage(stdout);
		return CTL_EXIT_OK;
	}
	g = find_group(argv[idx]);
	if (g == NULL) {
		fprintf(stderr, "%s: unknown command '%s'; run '%s --help' for the list\n",
			CTL_PROGNAME, argv[idx], CTL_PROGNAME);
		return CTL_EXIT_USAGE;
	}
	idx++;
	if (g->cmds[0].name != NULL && g->cmds[0].name[0] == 0)
		return run_cmd(g, &g->cmds[0], argc, argv, idx);
	if (idx >= argc || strcmp(argv[idx], "--help") == 0 || strcmp(argv[idx], "-h") == 0) {
		group_usage(idx >= argc ? stderr : stdout, g);
		return idx >= argc ? CTL_EXIT_USAGE : CTL_EXIT_OK;
	}
	c = find_cmd(g, argv[idx]);
	if (c == NULL) {
		fprintf(stderr, "%s %s: unknown subcommand '%s'\n", CTL_PROGNAME, g->name,
			argv[idx]);
		group_usage(stderr, g);
		return CTL_EXIT_USAGE;
	}
	return run_cmd(g, c, argc, argv, idx + 1);
}
