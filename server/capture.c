/*
 * capture.c - "mtlsvpnctl capture": one session's inner packets streamed as
 * PACKET frames over the control connection that asked. What is captured:
 * every packet the client sends into the tunnel as it arrives (before the
 * source and access-rule checks, so denied packets show too) and every
 * packet the gateway hands to the session after its to-client policy (what
 * is really sent, backpressure drops aside). The stream is bounded by the
 * control connection's output buffer: a packet that does not fit is
 * counted as dropped, never waited for; the loop never blocks. It ends when
 * its time is up, the session closes, or mtlsvpnctl hangs up (it filters
 * and counts packets itself).
 */
#include "server.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ctl_proto.h"
#include "log.h"

#define CAPTURE_MAX_SECONDS 3600

struct capture {
	struct control_conn *c;
	struct session *s;
	struct ev_timer end;
	uint64_t sent, dropped;
};

static void finish(struct capture *cap, const char *why)
{
	struct control_conn *c = cap->c;

	ev_timer_stop(workers_main(cap->s->w->gw)->loop, &cap->end);
	cap->s->capture = NULL;
	control_conn_set_capture(c, NULL);
	control_done(c, CTL_PROTO_STATUS_OK,
		     "capture ended (%s): %" PRIu64 " packets sent, %" PRIu64
		     " dropped by the gateway (control connection too slow)",
		     why, cap->sent, cap->dropped);
	session_log(cap->s, SESSION_LOG_INFO,
		    "capture ended (%s): %" PRIu64 " packets sent, %" PRIu64 " dropped", why,
		    cap->sent, cap->dropped);
	free(cap);
}

/* On the main worker, like the control connection; the session may be
 * another worker's, whose packets read s->capture: with the world stopped. */
static void on_end(struct ev_loop *loop, struct ev_timer *t)
{
	struct capture *cap = t->data;
	struct gateway *gw = cap->s->w->gw;

	(void)loop;
	workers_exclusive_begin(gw);
	finish(cap, "time limit");
	workers_exclusive_end(gw);
}

/* capture IDENTITY SECONDS */
void capture_start(struct control_conn *c, unsigned argc, const char **argv)
{
	struct gateway *gw = control_conn_gateway(c);
	struct session *s = sestab_find_id(&gw->by_id, argv[1]);
	unsigned long secs = argc > 2 ? strtoul(argv[2], NULL, 10) : 30;
	struct capture *cap;

	if (s == NULL || s->state != SESSION_ESTABLISHED) {
		control_done(c, CTL_PROTO_STATUS_FAIL, "no live session of identity \"%.200s\"",
			     argv[1]);
		return;
	}
	if (s->capture != NULL) {
		control_done(c, CTL_PROTO_STATUS_FAIL,
			     "the session of \"%.200s\" is already being captured", argv[1]);
		return;
	}
	if (secs == 0 || secs > CAPTURE_MAX_SECONDS)
		secs = CAPTURE_MAX_SECONDS;
	cap = calloc(1, sizeof(*cap));
	if (cap == NULL) {
		control_done(c, CTL_PROTO_STATUS_FAIL, "out of memory");
		return;
	}
	cap->c = c;
	cap->s = s;
	ev_timer_init(&cap->end, on_end, cap);
	ev_timer_arm(workers_main(gw)->loop, &cap->end, (uint64_t)secs * 1000);
	s->capture = cap;
	control_conn_set_capture(c, cap);
	session_log(s, SESSION_LOG_INFO, "capture started for up to %lu s", secs);
}

static void capture_tap_here(struct session *s, const uint8_t *pkt, size_t len)
{
	struct capture *cap = s->capture;
	uint8_t hdr[CTL_PROTO_HDR_LEN + 8];
	struct timespec ts;
	uint64_t us;

	if (len == 0 || len + 8 > CTL_PROTO_MAX_PAYLOAD ||
	    control_conn_room(cap->c) < sizeof(hdr) + len) {
		cap->dropped++;
		return;
	}
	clock_gettime(CLOCK_REALTIME, &ts);
	us = (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
	ctl_proto_encode_hdr(CTL_PROTO_PACKET, 8 + len, hdr, sizeof(hdr));
	buf_put32(hdr + CTL_PROTO_HDR_LEN, (uint32_t)(us >> 32));
	buf_put32(hdr + CTL_PROTO_HDR_LEN + 4, (uint32_t)us);
	(void)control_conn_append(cap->c, hdr, sizeof(hdr));
	(void)control_conn_append(cap->c, pkt, len);
	cap->sent++;
}

void capture_tap(struct session *s, const uint8_t *pkt, size_t len)
{
	struct gateway *gw = s->w->gw;

	/* The control connection is the main worker's: another worker's
	 * packets are written into it with the world stopped (slow, and only
	 * while a capture runs). */
	if (s->w != workers_main(gw)) {
		workers_exclusive_begin(gw);
		if (s->capture != NULL)
			capture_tap_here(s, pkt, len);
		workers_exclusive_end(gw);
		return;
	}
	capture_tap_here(s, pkt, len);
}

/* The session closes: the capture ends with it. */
void capture_session_gone(struct session *s)
{
	if (s->capture != NULL)
		finish(s->capture, "session closed");
}

/* mtlsvpnctl hung up (or the connection failed): stop quietly. */
void capture_conn_gone(struct capture *cap)
{
	struct gateway *gw = cap->s->w->gw;

	workers_exclusive_begin(gw);
	ev_timer_stop(workers_main(gw)->loop, &cap->end);
	session_log(cap->s, SESSION_LOG_INFO,
		    "capture ended (mtlsvpnctl is done): %" PRIu64 " packets sent, %" PRIu64
		    " dropped",
		    cap->sent, cap->dropped);
	cap->s->capture = NULL;
	free(cap);
	workers_exclusive_end(gw);
}
