/*
 * ctl_cmd.h - the command table of mtlsvpnctl. ctl.c owns main() and one
 * table of command groups ("ca", later "user", "policy", ...); each group's
 * file (ctl_ca.c, ...) exports an array of struct ctl_cmd. The same tables
 * dispatch and print every --help, so usage never drifts from what runs.
 * Exit status of every command: CTL_EXIT_OK, CTL_EXIT_FAIL, CTL_EXIT_USAGE.
 */
#ifndef MTLSVPN_CTL_CMD_H
#define MTLSVPN_CTL_CMD_H

#include <stdbool.h>
#include <stddef.h>

#include "cli.h"

#define CTL_PROGNAME "mtlsvpnctl"
#define CTL_ARGS_MAX 8

enum {
	CTL_EXIT_OK = 0,
	CTL_EXIT_FAIL = 1,  /* the command ran and failed: nothing was changed */
	CTL_EXIT_USAGE = 2, /* bad command line: see --help */
};

struct ctl_cmd {
	/* "init" for "mtlsvpnctl ca init"; "" for a group that is itself a
	 * command ("mtlsvpnctl reload"). NULL ends an array. */
	const char *name;
	const char *args; /* positional synopsis: "NAME", "" if none */
	unsigned min_args, max_args;
	const char *summary;	    /* one line for the group's --help */
	const struct cli_opt *opts; /* must include --help (ctl_opt_help) */
	/* argv[0..argc) are the positional arguments only: options were
	 * applied to ctx before. Returns a CTL_EXIT_* status. */
	int (*run)(const struct ctl_cmd *cmd, int argc, char **argv, void *ctx);
	/* Size of the options context the dispatcher zero-allocates and
	 * passes to the cli_opt apply callbacks and to run. Its first member
	 * must be a struct ctl_ctx. */
	size_t ctx_size;
	void (*ctx_init)(void *ctx); /* defaults, or NULL */
};

/* The first member of every command's context. */
struct ctl_ctx {
	bool help;
	const char *fullname; /* "mtlsvpnctl ca init", for messages */
};

/* cli_opt apply callback for --help, usable in every command's table. */
bool ctl_opt_help(const char *value, void *ctx);

/* "mtlsvpnctl ca init: " + message on stderr. */
void ctl_errorf(const struct ctl_ctx *c, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* The command groups. */
extern const struct ctl_cmd ctl_ca_cmds[];
extern const struct ctl_cmd ctl_reload_cmds[];  /* ctl_control.c */
extern const struct ctl_cmd ctl_status_cmds[];
extern const struct ctl_cmd ctl_disconnect_cmds[];
extern const struct ctl_cmd ctl_drain_cmds[];    /* ctl_control.c */
extern const struct ctl_cmd ctl_capture_cmds[]; /* ctl_capture.c */
extern const struct ctl_cmd ctl_policy_cmds[];

#endif
