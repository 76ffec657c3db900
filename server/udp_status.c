/*
 * udp_status.c - the UDP data channel in "mtlsvpnctl status" (--json:
 * docs/gateway-status.schema.json) and in the Prometheus metrics: each
 * session's channel, the sockets' counters, and the totals, closed
 * sessions' folded in (udp_sess_close) so they never go down.
 */
#include "server.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "jsonw.h"

const char *udp_drop_key(unsigned reason)
{
	switch (reason) {
	case DCHAN_OPEN_MALFORMED:
		return "malformed";
	case DCHAN_OPEN_CID:
		return "cid";
	case DCHAN_OPEN_EPOCH:
		return "epoch";
	case DCHAN_OPEN_LIMIT:
		return "limit";
	case DCHAN_OPEN_AUTH:
		return "auth";
	case DCHAN_OPEN_REPLAY:
		return "replay";
	case DCHAN_OPEN_OLD:
		return "old";
	default:
		return NULL;
	}
}

void udp_sum(const struct gateway *gw, struct udp_sum *out)
{
	const struct worker *w;
	const struct session *s, *next;

	memset(out, 0, sizeof(*out));
	for (w = gw->workers; w < gw->workers + gw->n_workers; w++) {
		const struct udp_totals *c = &w->udp.closed;

		out->datagrams_in += w->udp.datagrams_in;
		out->datagrams_out += w->udp.datagrams_out;
		out->unknown_cid += w->udp.unknown_cid;
		out->gso_sends += w->udp.gso_sends;
		out->send_errors += w->udp.send_errors;
		out->gro_reads += w->udp.gro_reads;
		out->evicted += w->udp.rx_evicted;
		out->cont_ok += w->st.cont_ok;
		out->cont_refused += w->st.cont_refused;
		out->detached += w->st.detached;
		out->detach_expired += w->st.detach_expired;
		for (unsigned i = 0; i < DCHAN_OPEN_RESULTS; i++)
			out->t.drops[i] += c->drops[i];
		out->t.fallbacks += c->fallbacks;
		out->t.recoveries += c->recoveries;
		out->t.rekeys += c->rekeys;
		out->t.roams += c->roams;
	}
	WORKERS_FOREACH_SESSION(gw, w, s, next)
	{
		const struct session_udp *u = s->udp;

		if (u == NULL)
			continue;
		for (unsigned i = 0; i < DCHAN_OPEN_RESULTS; i++)
			out->t.drops[i] += u->ds.rx.drops[i];
		out->t.fallbacks += u->ds.fallbacks;
		out->t.recoveries += u->ds.recoveries;
		out->t.rekeys += u->ds.rekeys;
		out->t.roams += u->n.roams;
		if ((unsigned)u->ds.state < 3)
			out->by_state[u->ds.state]++;
	}
}

void udp_status_session(struct jsonw *j, const struct session *s)
{
	const struct session_udp *u = s->udp;
	char a[ADDR_STRLEN];

	if (u == NULL) {
		jsonw_null(j, "udp");
		return;
	}
	jsonw_obj_begin(j, "udp");
	jsonw_str(j, "state", dchan_state_name(u->ds.state));
	if (u->peer_len != 0)
		jsonw_str(j, "peer", addr_fmt_sockaddr((const struct sockaddr *)&u->peer, a));
	else
		jsonw_null(j, "peer");
	jsonw_u64(j, "epoch", u->ds.epoch);
	jsonw_u64(j, "datagrams_in", u->n.datagrams_in);
	jsonw_u64(j, "datagrams_out", u->n.datagrams_out + u->ds.pings_sent + u->ds.pongs_sent);
	jsonw_u64(j, "fallbacks", u->ds.fallbacks);
	jsonw_u64(j, "recoveries", u->ds.recoveries);
	jsonw_u64(j, "rekeys", u->ds.rekeys);
	jsonw_u64(j, "roams", u->n.roams);
	pmtu_status(j, s);
	jsonw_obj_begin(j, "drops");
	for (unsigned i = 0; i < DCHAN_OPEN_RESULTS; i++)
		if (udp_drop_key(i) != NULL)
			jsonw_u64(j, udp_drop_key(i), u->ds.rx.drops[i]);
	jsonw_obj_end(j);
	jsonw_obj_end(j);
}

void udp_status_gateway(struct jsonw *j, const struct gateway *gw)
{
	struct udp_sum sum;

	if (!udp_enabled(gw)) {
		jsonw_null(j, "udp");
		return;
	}
	udp_sum(gw, &sum);
	jsonw_obj_begin(j, "udp");
	jsonw_u64(j, "port", gw->cfg.udp_port);
	jsonw_u64(j, "continued", sum.cont_ok);
	jsonw_u64(j, "continue_refused", sum.cont_refused);
	jsonw_u64(j, "detached", sum.detached);
	jsonw_u64(j, "detach_expired", sum.detach_expired);
	jsonw_u64(j, "datagrams_in", sum.datagrams_in);
	jsonw_u64(j, "datagrams_out", sum.datagrams_out);
	jsonw_u64(j, "unknown_cid", sum.unknown_cid);
	jsonw_u64(j, "evicted", sum.evicted);
	jsonw_obj_end(j);
}

const char *udp_status_word(const struct session *s)
{
	if (s->udp == NULL)
		return "-";
	return dchan_state_name(s->udp->ds.state);
}

void udp_status_line(const struct gateway *gw, char *out, size_t cap)
{
	struct udp_sum sum;

	if (!udp_enabled(gw)) {
		snprintf(out, cap, "udp: off");
		return;
	}
	udp_sum(gw, &sum);
	snprintf(out, cap,
		 "udp: port %u; channels up %u, probing %u, failed %u; datagrams in %" PRIu64
		 " (%" PRIu64 " reads of several, UDP GRO), out %" PRIu64 " (%" PRIu64
		 " UDP GSO sends, %" PRIu64 " failed: socket buffer full or error); unknown cid %" PRIu64
		 ", evicted %" PRIu64,
		 gw->cfg.udp_port, sum.by_state[DCHAN_UP], sum.by_state[DCHAN_PROBING],
		 sum.by_state[DCHAN_FAILED], sum.datagrams_in, sum.gro_reads, sum.datagrams_out,
		 sum.gso_sends, sum.send_errors, sum.unknown_cid, sum.evicted);
}
