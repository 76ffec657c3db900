/*
 * status_json.c - "mtlsvpnctl status --json": the gateway's state as one
 * JSON document (schema docs/gateway-status.schema.json, version STATUS_SCHEMA):
 * every live session with its certificate, addresses, counters and
 * cipher, then the gateway's totals, refusals by reason, pool use per
 * group and the revocation lists' ages. Built in memory (common/base/jsonw)
 * and sent as TEXT frames, the connection's output buffer grown to hold
 * it whole: a document is never cut into invalid JSON.
 */
#include "server.h"

#include <inttypes.h>
#include <string.h>
#include <stdio.h>
#include <time.h>

#include "ctl_proto.h"
#include "jsonw.h"

#define STATUS_SCHEMA 1
#define STATUS_TEXT_CHUNK 1900
/* About 800 bytes a session: 64 MiB is far beyond max_clients' 65536. */
#define STATUS_MAX (64u * 1024 * 1024)

void status_add_stats(struct session_stats *to, const struct session_stats *from)
{
	to->rx_bytes += from->rx_bytes;
	to->rx_packets += from->rx_packets;
	to->tx_bytes += from->tx_bytes;
	to->tx_packets += from->tx_packets;
	to->drop_src += from->drop_src;
	to->drop_acl += from->drop_acl;
	to->drop_inbound += from->drop_inbound;
	to->drop_other += from->drop_other;
	to->drop_backpressure += from->drop_backpressure;
}

/* Closed sessions' counters plus the live ones': never goes down. */
void status_totals(const struct gateway *gw, struct session_stats *out)
{
	const struct worker *w;
	const struct session *s, *next;

	memset(out, 0, sizeof(*out));
	for (w = gw->workers; w < gw->workers + gw->n_workers; w++)
		status_add_stats(out, &w->st.closed);
	WORKERS_FOREACH_SESSION(gw, w, s, next)
	{
		if (s->state == SESSION_ESTABLISHED)
			status_add_stats(out, &s->st);
	}
}

static void counters(struct jsonw *j, const struct session_stats *st)
{
	jsonw_obj_begin(j, "rx");
	jsonw_u64(j, "bytes", st->rx_bytes);
	jsonw_u64(j, "packets", st->rx_packets);
	jsonw_obj_end(j);
	jsonw_obj_begin(j, "tx");
	jsonw_u64(j, "bytes", st->tx_bytes);
	jsonw_u64(j, "packets", st->tx_packets);
	jsonw_obj_end(j);
	jsonw_obj_begin(j, "drops");
	jsonw_u64(j, "source", st->drop_src);
	jsonw_u64(j, "acl", st->drop_acl);
	jsonw_u64(j, "inbound", st->drop_inbound);
	jsonw_u64(j, "other", st->drop_other);
	jsonw_u64(j, "backpressure", st->drop_backpressure);
	jsonw_obj_end(j);
}

static void addr_or_null(struct jsonw *j, const char *key, const struct ipaddr *a)
{
	char t[ADDR_STRLEN];

	if (a->family == 0) {
		jsonw_null(j, key);
		return;
	}
	addr_fmt(a, t);
	jsonw_str(j, key, t);
}

static void one_session(struct jsonw *j, const struct session *s, uint64_t now_ms,
			int64_t now_unix)
{
	uint64_t last = s->last_rx_ms > s->last_tx_ms ? s->last_rx_ms : s->last_tx_ms;
	const char *cipher = s->tls != NULL ? tls_cipher_name(s->tls) : NULL;

	jsonw_obj_begin(j, NULL);
	jsonw_u64(j, "sid", s->sid);
	jsonw_str(j, "identity", s->identity);
	jsonw_str(j, "group", s->group != NULL ? s->group->net->name : NULL);
	jsonw_obj_begin(j, "cert");
	jsonw_str(j, "serial", s->serial);
	jsonw_str(j, "fingerprint", s->fingerprint);
	jsonw_i64(j, "not_after", s->cert_not_after);
	jsonw_obj_end(j);
	jsonw_str(j, "remote", s->remote);
	jsonw_obj_begin(j, "tunnel");
	addr_or_null(j, "ipv4", &s->addr4);
	addr_or_null(j, "ipv6", &s->addr6);
	jsonw_obj_end(j);
	jsonw_i64(j, "connected_at", now_unix - (int64_t)((now_ms - s->up_ms) / 1000));
	jsonw_u64(j, "idle_seconds", now_ms > last ? (now_ms - last) / 1000 : 0);
	counters(j, &s->st);
	jsonw_str(j, "cipher", cipher);
	jsonw_str(j, "transport",
		  s->tls != NULL && strcmp(tls_version_name(s->tls), "TLSv1.2") == 0 ? "tls1.2/tcp"
										: "tls1.3/tcp");
	jsonw_str(j, "protocol", oc_proto_name(s));
	jsonw_u64(j, "worker", (uint64_t)(s->w - s->w->gw->workers));
	udp_status_session(j, s);
	jsonw_u64(j, "continued", s->continued);
	jsonw_bool(j, "detached", s->detached);
	jsonw_obj_end(j);
}

/* Each worker's own share: its sessions and the TUN packets it passed to
 * another worker's session or dropped with that worker's ring full. */
static void workers_part(struct jsonw *j, const struct gateway *gw)
{
	jsonw_arr_begin(j, "workers");
	for (unsigned i = 0; i < gw->n_workers; i++) {
		const struct worker *w = &gw->workers[i];
		unsigned est = 0;
		const struct session *s;

		LIST_FOREACH(s, &w->sessions, entry)
			est += s->state == SESSION_ESTABLISHED;
		jsonw_obj_begin(j, NULL);
		jsonw_u64(j, "sessions", est);
		jsonw_u64(j, "half_open", w->n_halfopen);
		jsonw_u64(j, "handoff_passed", w->st.handoff_passed);
		jsonw_u64(j, "handoff_dropped", w->st.handoff_dropped);
		jsonw_u64(j, "udp_datagrams_in", w->udp.datagrams_in);
		jsonw_u64(j, "staging_resident", rx_idle_resident(w));
		jsonw_u64(j, "staging_released", w->rx_idle_releases);
		jsonw_obj_end(j);
	}
	jsonw_arr_end(j);
}

static void refusals(struct jsonw *j, const struct worker_stats *st)
{
	jsonw_obj_begin(j, "refusals");
	jsonw_obj_begin(j, "before_auth");
	for (unsigned i = 0; i < REFUSAL_PRE_N; i++)
		jsonw_u64(j, refusal_pre_key(i), st->refused_pre[i]);
	jsonw_obj_end(j);
	jsonw_obj_begin(j, "after_auth");
	for (unsigned i = 0; i <= BYE_REASON_MAX; i++)
		if (refusal_post_key(i) != NULL)
			jsonw_u64(j, refusal_post_key(i), st->refused_post[i]);
	jsonw_u64(j, "max_clients", st->refused_full);
	jsonw_obj_end(j);
	jsonw_obj_end(j);
}

static void pools(struct jsonw *j, const struct gateway *gw)
{
	jsonw_arr_begin(j, "pools");
	for (unsigned i = 0; i < gw->n_groups; i++) {
		const struct group *g = &gw->groups[i];

		jsonw_obj_begin(j, NULL);
		jsonw_str(j, "group", g->net->name);
		jsonw_u64(j, "leased", pool_active_count(&g->pool));
		jsonw_u64(j, "size_ipv4", g->pool.size4);
		jsonw_u64(j, "size_ipv6", g->pool.size6);
		jsonw_obj_end(j);
	}
	jsonw_arr_end(j);
}

static void crls(struct jsonw *j, const struct gateway *gw, int64_t now)
{
	jsonw_arr_begin(j, "crls");
	for (unsigned i = 0; i < gw->revoke.n_srcs; i++) {
		const struct revoke_src *src = &gw->revoke.srcs[i];

		for (unsigned k = 0; k < src->n_crls; k++) {
			const struct revoke_crl *c = &src->crls[k];

			jsonw_obj_begin(j, NULL);
			jsonw_str(j, "file", c->file);
			jsonw_u64(j, "index", c->index);
			jsonw_u64(j, "entries", c->crl.n_entries);
			jsonw_i64(j, "this_update", c->crl.this_update);
			if (c->crl.next_update != 0)
				jsonw_i64(j, "next_update", c->crl.next_update);
			else
				jsonw_null(j, "next_update");
			jsonw_i64(j, "age_seconds", now - c->crl.this_update);
			jsonw_obj_end(j);
		}
	}
	jsonw_arr_end(j);
}

static void gateway_part(struct jsonw *j, const struct gateway *gw, int64_t now)
{
	struct worker_stats st;
	struct session_stats tot;

	jsonw_obj_begin(j, "gateway");
	jsonw_i64(j, "started_at", gw->started_unix);
	workers_sum_stats(gw, &st);
	jsonw_u64(j, "sessions", gw->n_established);
	jsonw_u64(j, "half_open", workers_n_halfopen(gw));
	jsonw_u64(j, "max_clients", gw->cfg.max_clients);
	jsonw_u64(j, "handshakes", st.hs_count);
	jsonw_u64(j, "accept_pauses", st.accept_pauses);
	status_totals(gw, &tot);
	jsonw_obj_begin(j, "totals");
	counters(j, &tot);
	jsonw_u64(j, "tun_no_route", st.tun_no_route);
	jsonw_u64(j, "tun_bad", st.tun_bad);
	jsonw_u64(j, "tun_write_fail", st.tun_write_fail);
	jsonw_obj_end(j);
	refusals(j, &st);
	pools(j, gw);
	crls(j, gw, now);
	jsonw_i64(j, "cert_not_after", gw->cert_not_after);
	jsonw_obj_begin(j, "reloads");
	jsonw_u64(j, "ok", st.reloads_ok);
	jsonw_u64(j, "failed", st.reloads_failed);
	if (st.last_reload_unix != 0)
		jsonw_i64(j, "last_at", st.last_reload_unix);
	else
		jsonw_null(j, "last_at");
	jsonw_obj_end(j);
	jsonw_bool(j, "draining", gw->draining);
	workers_part(j, gw);
	udp_status_gateway(j, gw);
	jsonw_obj_end(j);
}

void status_json(struct control_conn *c)
{
	const struct gateway *gw = control_conn_gateway(c);
	const struct worker *w;
	uint64_t now_ms = ev_now_ms(workers_main(gw)->loop);
	int64_t now = (int64_t)time(NULL);
	const struct session *s, *next;
	struct jsonw j;
	const char *doc;
	size_t len;

	jsonw_init(&j, STATUS_MAX);
	jsonw_obj_begin(&j, NULL);
	jsonw_u64(&j, "schema_version", STATUS_SCHEMA);
	jsonw_i64(&j, "time", now);
	jsonw_arr_begin(&j, "sessions");
	WORKERS_FOREACH_SESSION(gw, w, s, next)
	{
		if (s->state == SESSION_ESTABLISHED)
			one_session(&j, s, now_ms, now);
	}
	jsonw_arr_end(&j);
	gateway_part(&j, gw, now);
	jsonw_obj_end(&j);
	/* Frame headers and the control_textf margin on top of the text. */
	if (!jsonw_finish(&j, &doc, &len) ||
	    !control_conn_reserve(c, len + (len / STATUS_TEXT_CHUNK + 2) * CTL_PROTO_HDR_LEN +
					 2048)) {
		jsonw_deinit(&j);
		control_done(c, CTL_PROTO_STATUS_FAIL,
			     "out of memory for the status of %u sessions; use the table or the "
			     "metrics endpoint",
			     gw->n_established);
		return;
	}
	for (size_t off = 0; off < len; off += STATUS_TEXT_CHUNK) {
		size_t n = len - off < STATUS_TEXT_CHUNK ? len - off : STATUS_TEXT_CHUNK;

		control_textf(c, "%.*s", (int)n, doc + off);
	}
	control_textf(c, "\n");
	jsonw_deinit(&j);
	control_done(c, CTL_PROTO_STATUS_OK, "%s", "");
}
