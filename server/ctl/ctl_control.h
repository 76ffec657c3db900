/*
 * ctl_control.h - mtlsvpnctl commands that talk to the running gateway over
 * its control socket (server/control.c, common/wire/ctl_proto.h).
 */
#ifndef MTLSVPN_CTL_CONTROL_H
#define MTLSVPN_CTL_CONTROL_H

#include <signal.h>
#include <stddef.h>
#include <stdint.h>

#include "ctl_cmd.h"

struct ctl_control_ctx {
	struct ctl_ctx base;
	const char *path; /* --control, default /run/mtlsvpn/control */
	bool json;        /* status --json */
	const char *by;   /* disconnect --sid/--group: "sid" or "group"; NULL: identity */
	const char *by_value;
	const char *seconds; /* drain --seconds; NULL: the gateway's default */
};

bool ctl_control_opt_path(const char *value, void *ctx);
void ctl_control_ctx_init(void *ctx);

#define CTL_CONTROL_OPT                                                                            \
	{                                                                                          \
		"control", 0, "PATH",                                                              \
		    "the gateway's control socket (default /run/mtlsvpn/control)",                 \
		    ctl_control_opt_path                                                           \
	}

/* Set by a signal handler (capture's Ctrl-C): a blocked read ends the
 * request with success. */
extern volatile sig_atomic_t ctl_control_interrupted;

/* A PACKET frame: 0 to go on, 1 to stop (success), -1 to stop (failure). */
typedef int ctl_control_packet_fn(void *arg, uint64_t usec, const uint8_t *pkt, size_t len);

/* Sends argv as one request, prints TEXT frames on stdout, hands PACKETs
 * to on_packet; returns the CTL_EXIT_* status of the gateway's DONE (its
 * message on stderr when it failed). ctx's first member is the ctl_control_ctx. */
int ctl_control_request(const struct ctl_control_ctx *c, int argc, const char *const *argv,
			ctl_control_packet_fn *on_packet, void *arg);

#endif
