/*
 * drain.c - "mtlsvpnctl drain": the gateway stops accepting (the listener
 * closes, so a load balancer's health check fails and new connections go to
 * another gateway), tells every client BYE(DRAINING) with a retry-after,
 * and exits 0 once no session is left or when the drain window ends (the
 * rest then get the ordinary shutdown). The control socket and the metrics
 * endpoint keep answering meanwhile. A told session stays up until its
 * client leaves: what it has in flight still gets through.
 *
 * Thundering herd: every client is told at once, each with its own delay
 * drawn uniformly from 0..DRAIN_SPREAD_MS, so the reconnects reach the
 * other gateways spread over that time rather than in one burst; the delay
 * is short because a told client is still on a gateway that is going away.
 */
#include "server.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/random.h>

#include "ctl_proto.h"
#include "log.h"
#include "notify.h"

/* The largest retry-after a drain hands out. */
#define DRAIN_SPREAD_MS 2000u

uint32_t drain_retry_after_ms(void)
{
	uint32_t r;

	if (getrandom(&r, sizeof(r), GRND_NONBLOCK) != (ssize_t)sizeof(r))
		r = (uint32_t)ev_time_ms() * 2654435761u;
	return r % (DRAIN_SPREAD_MS + 1);
}

static void drain_on_deadline(struct ev_loop *loop, struct ev_timer *t)
{
	struct gateway *gw = t->data;

	(void)loop;
	log_info("drain: the window is over with %u session(s) left; closing them",
		 gw->n_established);
	gateway_shutdown(gw);
}

unsigned drain_start(struct gateway *gw, unsigned seconds)
{
	struct worker *w = workers_main(gw), *ws;
	struct session *s, *next;
	unsigned told = 0;

	gw->draining = true;
	gw->drain_deadline_ms = ev_now_ms(w->loop) + (uint64_t)seconds * 1000u;
	notify_stopping();
	/* A load balancer's health check (GET /healthz) answers 503 from now
	 * on, and the port refuses: new sessions go to another gateway. */
	gateway_set_accepting(gw, false);
	for (ws = gw->workers; ws < gw->workers + gw->n_workers; ws++)
		listener_close(ws);
	WORKERS_FOREACH_SESSION(gw, ws, s, next) {
		if (s->state == SESSION_ESTABLISHED) {
			told += session_tell_draining(s) ? 1 : 0;
		} else if (s->state == SESSION_CHECKING || s->state == SESSION_HTTP ||
			   s->state == SESSION_CONTINUING) {
			session_close(s, BYE_DRAINING, "gateway draining");
			told++;
		} else if (s->state == SESSION_HANDSHAKE) {
			/* Not ours yet: its client backs off and finds another. */
			session_close(s, SESSION_NO_BYE, "gateway draining");
		}
	}
	gw->drain_told = told;
	log_info("drain: stopped accepting; told %u session(s) to reconnect within %u ms; "
		 "exiting when they are gone or in %u s",
		 told, DRAIN_SPREAD_MS, seconds);
	notify_status("draining: %u session(s) told", told);
	ev_timer_init(&gw->drain_timer, drain_on_deadline, gw);
	ev_timer_arm(w->loop, &gw->drain_timer, (uint64_t)seconds * 1000u);
	/* Nobody to wait for (the closes above are reaped before the loop
	 * sleeps, and the reap hook ends the loop too). */
	if (workers_n_sessions(gw) == 0)
		ev_loop_break(w->loop);
	return told;
}

/* "drain [SECONDS]": root only (control.c's table says so). */
void drain_cmd(struct control_conn *c, unsigned argc, const char **argv)
{
	struct gateway *gw = control_conn_gateway(c);
	unsigned long secs = DRAIN_DEFAULT_SECONDS;
	char *end;

	if (argc == 2) {
		secs = strtoul(argv[1], &end, 10);
		if (argv[1][0] < '0' || argv[1][0] > '9' || *end != '\0' || secs < 1 ||
		    secs > DRAIN_MAX_SECONDS) {
			control_done(c, CTL_PROTO_STATUS_USAGE,
				     "drain: seconds \"%.32s\" is not a number from 1 to %u",
				     argv[1], DRAIN_MAX_SECONDS);
			return;
		}
	}
	if (gw->stopping) {
		control_done(c, CTL_PROTO_STATUS_FAIL, "the gateway is already shutting down");
		return;
	}
	if (gw->draining) {
		uint64_t now = ev_now_ms(workers_main(gw)->loop);
		uint64_t left = gw->drain_deadline_ms > now ? gw->drain_deadline_ms - now : 0;

		control_done(c, CTL_PROTO_STATUS_OK,
			     "already draining: %u session(s) left, exiting in at most %" PRIu64
			     " s (the first drain's window stays)",
			     gw->n_established, (left + 999) / 1000);
		return;
	}
	log_info("control: drain for %lu s", secs);
	control_done(c, CTL_PROTO_STATUS_OK,
		     "draining: told %u session(s) to reconnect elsewhere; the gateway exits when "
		     "they are gone or in %lu s",
		     drain_start(gw, (unsigned)secs), secs);
}

void drain_status_line(const struct gateway *gw, char *out, size_t cap)
{
	uint64_t now, left;

	if (!gw->draining) {
		snprintf(out, cap, "draining: no");
		return;
	}
	now = ev_now_ms(workers_main(gw)->loop);
	left = gw->drain_deadline_ms > now ? gw->drain_deadline_ms - now : 0;
	snprintf(out, cap, "draining: yes; %u session(s) told, %u left; deadline in %" PRIu64 " s",
		 gw->drain_told, gw->n_established, (left + 999) / 1000);
}

void drain_stop(struct gateway *gw)
{
	if (gw->draining)
		ev_timer_stop(workers_main(gw)->loop, &gw->drain_timer);
}
