/*
 * ctl_capture.c - "mtlsvpnctl capture IDENTITY -w FILE [FILTER]": asks the
 * gateway to stream that session's inner packets (server/capture.c), keeps
 * those the pcap filter selects (compiled for raw IP, DLT_RAW) and writes
 * them to a pcap file tcpdump and Wireshark read. Bounded by --count
 * (packets written, default 1000) and --seconds (default 30, enforced by
 * the gateway).
 */
#include <errno.h>
#include <pcap/pcap.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "acl.h"
#include "ctl_control.h"
#include "ctl_proto.h"

struct capture_ctx {
	struct ctl_control_ctx cc; /* first: ctl_control_request takes it */
	const char *file;
	unsigned long count, seconds;
	pcap_dumper_t *dump;
	struct acl filter;               /* one rule: what to write */
	unsigned long seen, written;
};

static bool opt_write(const char *v, void *ctx)
{
	((struct capture_ctx *)ctx)->file = v;
	return true;
}

static bool opt_number(const char *v, unsigned long *out, const char *what)
{
	char *end;

	errno = 0;
	*out = strtoul(v, &end, 10);
	if (errno != 0 || *end != 0 || *out == 0 || *out > 1000000) {
		fprintf(stderr, "%s: '%s' is not a number from 1 to 1000000\n", what, v);
		return false;
	}
	return true;
}

static bool opt_count(const char *v, void *ctx)
{
	return opt_number(v, &((struct capture_ctx *)ctx)->count, "--count");
}

static bool opt_seconds(const char *v, void *ctx)
{
	return opt_number(v, &((struct capture_ctx *)ctx)->seconds, "--seconds");
}

static void capture_ctx_init(void *ctx)
{
	struct capture_ctx *c = ctx;

	ctl_control_ctx_init(ctx);
	c->count = 1000;
	c->seconds = 30;
}

static int on_packet(void *arg, uint64_t usec, const uint8_t *pkt, size_t len)
{
	struct capture_ctx *c = arg;
	struct pcap_pkthdr h;

	c->seen++;
	memset(&h, 0, sizeof(h));
	h.ts.tv_sec = (time_t)(usec / 1000000u);
	h.ts.tv_usec = (suseconds_t)(usec % 1000000u);
	h.caplen = h.len = (bpf_u_int32)len;
	/* acl_match, not pcap_offline_filter: it always returns, even under
	 * "protochain" on a crafted packet. */
	if (acl_match(&c->filter, pkt, len) != 0)
		return 0;
	pcap_dump((u_char *)c->dump, &h, pkt);
	c->written++;
	return c->written >= c->count ? 1 : 0;
}

static void on_stop_signal(int signo)
{
	(void)signo;
	ctl_control_interrupted = 1;
}

static int run_capture(const struct ctl_cmd *cmd, int argc, char **argv, void *ctx)
{
	struct capture_ctx *c = ctx;
	char filter[1024] = "", secs[24], err[ACL_ERR_MAX];
	const char *args[3];
	pcap_t *p;
	int rc;

	(void)cmd;
	if (c->file == NULL) {
		ctl_errorf(&c->cc.base, "-w FILE is required");
		return CTL_EXIT_USAGE;
	}
	for (int i = 1; i < argc; i++) {
		size_t l = strlen(filter);
		snprintf(filter + l, sizeof(filter) - l, "%s%s", l ? " " : "", argv[i]);
	}
	p = pcap_open_dead(DLT_RAW, 65535);
	if (p == NULL) {
		ctl_errorf(&c->cc.base, "libpcap: cannot open a raw IP handle");
		return CTL_EXIT_FAIL;
	}
	acl_init(&c->filter);
	if (acl_add(&c->filter, ACL_ALLOW, 0, filter, err) < 0) {
		ctl_errorf(&c->cc.base, "filter \"%s\" does not compile: %s", filter, err);
		acl_deinit(&c->filter);
		pcap_close(p);
		return CTL_EXIT_USAGE;
	}
	c->dump = pcap_dump_open(p, c->file);
	if (c->dump == NULL) {
		ctl_errorf(&c->cc.base, "%s", pcap_geterr(p));
		acl_deinit(&c->filter);
		pcap_close(p);
		return CTL_EXIT_FAIL;
	}
	/* Ctrl-C ends the capture with the file complete (no SA_RESTART:
	 * the blocked read returns). */
	{
		struct sigaction sa;

		memset(&sa, 0, sizeof(sa));
		sa.sa_handler = on_stop_signal;
		sigemptyset(&sa.sa_mask);
		(void)sigaction(SIGINT, &sa, NULL);
		(void)sigaction(SIGTERM, &sa, NULL);
	}
	snprintf(secs, sizeof(secs), "%lu", c->seconds);
	args[0] = "capture";
	args[1] = argv[0];
	args[2] = secs;
	fprintf(stderr, "capturing the session of %s for up to %lu packets or %lu s...\n", argv[0],
		c->count, c->seconds);
	rc = ctl_control_request(&c->cc, 3, args, on_packet, c);
	pcap_dump_close(c->dump);
	acl_deinit(&c->filter);
	pcap_close(p);
	if (rc == CTL_EXIT_OK)
		fprintf(stderr, "%lu packets written to %s (%lu received%s)\n", c->written, c->file,
			c->seen, c->written >= c->count ? ", --count reached" : "");
	return rc;
}

static const struct cli_opt capture_opts[] = {
    {"write", 'w', "FILE", "the pcap file to write (required)", opt_write},
    {"count", 'c', "N", "stop after N packets written (default 1000)", opt_count},
    {"seconds", 's', "S", "stop after S seconds (default 30)", opt_seconds},
    CTL_CONTROL_OPT,
    {"help", 'h', NULL, "show this help", ctl_opt_help},
    {NULL, 0, NULL, NULL, NULL},
};

const struct ctl_cmd ctl_capture_cmds[] = {
    {"", "IDENTITY [FILTER]", 1, CTL_ARGS_MAX,
     "write a live session's inner packets to a pcap file (-w FILE; both directions)", capture_opts,
     run_capture, sizeof(struct capture_ctx), capture_ctx_init},
    {NULL, NULL, 0, 0, NULL, NULL, NULL, 0, NULL},
};
