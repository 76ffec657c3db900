/*
 * metrics_render.c - every metric of the gateway in the Prometheus text
 * exposition format 0.0.4, rendered per scrape from the counters the
 * gateway keeps anyway (no per-packet work for metrics). Names follow the
 * Prometheus naming guide: mtlsvpn_ prefix, base units (seconds, bytes),
 * _total for counters. Labels are bounded sets (group, reason, result,
 * family, CRL file): no identity or address, whose number has no bound.
 */
#include "server.h"

#include <dirent.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

struct out {
	struct buf *b;
	bool failed;
};

static void __attribute__((format(printf, 2, 3))) put(struct out *o, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (o->failed)
		return;
	va_start(ap, fmt);
	n = vsnprintf((char *)buf_end(o->b), buf_room(o->b), fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= buf_room(o->b))
		o->failed = true;
	else
		buf_commit(o->b, (size_t)n);
}

static void help(struct out *o, const char *name, const char *type, const char *text)
{
	put(o, "# HELP %s %s\n# TYPE %s %s\n", name, text, name, type);
}

/* A label value: backslash, double quote and line feed escaped, other
 * control bytes replaced (a file name is the only free text here). */
static const char *label(const char *in, char *out, size_t cap)
{
	size_t j = 0;

	for (size_t i = 0; in[i] != 0 && j + 3 < cap; i++) {
		unsigned char c = (unsigned char)in[i];

		if (c == '\\' || c == '"') {
			out[j++] = '\\';
			out[j++] = (char)c;
		} else if (c == '\n') {
			out[j++] = '\\';
			out[j++] = 'n';
		} else {
			out[j++] = c < 0x20 || c == 0x7f ? '?' : (char)c;
		}
	}
	out[j] = 0;
	return out;
}

static void sessions(struct out *o, const struct gateway *gw, const struct worker_stats *st)
{
	const struct worker *w;
	char l[200];

	help(o, "mtlsvpn_sessions", "gauge", "Established sessions by group.");
	for (unsigned i = 0; i < gw->n_groups; i++) {
		const struct session *s, *next;
		unsigned n = 0;

		WORKERS_FOREACH_SESSION(gw, w, s, next)
		{
			if (s->state == SESSION_ESTABLISHED && s->group == &gw->groups[i])
				n++;
		}
		put(o, "mtlsvpn_sessions{group=\"%s\"} %u\n",
		    label(gw->groups[i].net->name, l, sizeof(l)), n);
	}
	{
		const struct session *s, *next;
		unsigned n[2] = {0, 0};

		WORKERS_FOREACH_SESSION(gw, w, s, next)
		{
			if (s->state == SESSION_ESTABLISHED)
				n[s->proto == PROTO_OPENCONNECT ? 1 : 0]++;
		}
		help(o, "mtlsvpn_sessions_by_protocol", "gauge",
		     "Established sessions by client protocol: ours, or OpenConnect (CSTP).");
		put(o, "mtlsvpn_sessions_by_protocol{protocol=\"mtlsvpn\"} %u\n", n[0]);
		put(o, "mtlsvpn_sessions_by_protocol{protocol=\"openconnect\"} %u\n", n[1]);
	}
	help(o, "mtlsvpn_sessions_max", "gauge", "max_clients: the bound on established sessions.");
	put(o, "mtlsvpn_sessions_max %u\n", gw->cfg.max_clients);
	help(o, "mtlsvpn_draining", "gauge",
	     "1 while the gateway drains (mtlsvpnctl drain): not accepting, clients told to leave.");
	put(o, "mtlsvpn_draining %d\n", gw->draining ? 1 : 0);
	help(o, "mtlsvpn_half_open_connections", "gauge",
	     "Connections accepted and not yet authenticated.");
	put(o, "mtlsvpn_half_open_connections %u\n", workers_n_halfopen(gw));
	help(o, "mtlsvpn_accept_pauses_total", "counter",
	     "Times accepting paused for want of descriptors.");
	put(o, "mtlsvpn_accept_pauses_total %" PRIu64 "\n", st->accept_pauses);
}

static void handshakes(struct out *o, const struct worker_stats *st)
{
	static const uint64_t bounds[METRICS_HS_BUCKETS] = METRICS_HS_BOUNDS_MS;

	help(o, "mtlsvpn_handshakes_total", "counter",
	     "Connections by outcome: established, or refused by stage and reason.");
	put(o, "mtlsvpn_handshakes_total{result=\"established\",reason=\"\"} %" PRIu64 "\n",
	    st->hs_count);
	for (unsigned i = 0; i < REFUSAL_PRE_N; i++)
		put(o, "mtlsvpn_handshakes_total{result=\"refused_before_auth\",reason=\"%s\"} %" PRIu64
		       "\n",
		    refusal_pre_key(i), st->refused_pre[i]);
	for (unsigned i = 0; i <= BYE_REASON_MAX; i++)
		if (refusal_post_key(i) != NULL)
			put(o, "mtlsvpn_handshakes_total{result=\"refused_after_auth\",reason=\"%s\"} "
			       "%" PRIu64 "\n",
			    refusal_post_key(i), st->refused_post[i]);
	put(o, "mtlsvpn_handshakes_total{result=\"refused_after_auth\",reason=\"max_clients\"} "
	       "%" PRIu64 "\n",
	    st->refused_full);
	help(o, "mtlsvpn_handshake_duration_seconds", "histogram",
	     "From accept to an established session (TLS, identity, checks, lease).");
	for (unsigned i = 0; i < METRICS_HS_BUCKETS; i++)
		put(o, "mtlsvpn_handshake_duration_seconds_bucket{le=\"%g\"} %" PRIu64 "\n",
		    (double)bounds[i] / 1000.0, st->hs_buckets[i]);
	put(o, "mtlsvpn_handshake_duration_seconds_bucket{le=\"+Inf\"} %" PRIu64 "\n",
	    st->hs_count);
	put(o, "mtlsvpn_handshake_duration_seconds_sum %.6f\n", (double)st->hs_sum_us / 1e6);
	put(o, "mtlsvpn_handshake_duration_seconds_count %" PRIu64 "\n", st->hs_count);
}

static void traffic(struct out *o, const struct gateway *gw, const struct worker_stats *st)
{
	struct session_stats t;

	status_totals(gw, &t);
	help(o, "mtlsvpn_received_bytes_total", "counter",
	     "Inner packet bytes from clients into the network.");
	put(o, "mtlsvpn_received_bytes_total %" PRIu64 "\n", t.rx_bytes);
	help(o, "mtlsvpn_received_packets_total", "counter",
	     "Inner packets from clients into the network.");
	put(o, "mtlsvpn_received_packets_total %" PRIu64 "\n", t.rx_packets);
	help(o, "mtlsvpn_sent_bytes_total", "counter", "Inner packet bytes sent to clients.");
	put(o, "mtlsvpn_sent_bytes_total %" PRIu64 "\n", t.tx_bytes);
	help(o, "mtlsvpn_sent_packets_total", "counter", "Inner packets sent to clients.");
	put(o, "mtlsvpn_sent_packets_total %" PRIu64 "\n", t.tx_packets);
	help(o, "mtlsvpn_dropped_packets_total", "counter", "Packets dropped, by reason.");
#define DROP(r, v) put(o, "mtlsvpn_dropped_packets_total{reason=\"" r "\"} %" PRIu64 "\n", v)
	DROP("source", t.drop_src);
	DROP("acl", t.drop_acl);
	DROP("inbound", t.drop_inbound);
	DROP("other", t.drop_other);
	DROP("backpressure", t.drop_backpressure);
	DROP("no_route", st->tun_no_route);
	DROP("bad_packet", st->tun_bad);
	DROP("tun_write", st->tun_write_fail);
#undef DROP
	help(o, "mtlsvpn_offload_superpackets_total", "counter",
	     "TCP/UDP super-packets carried whole in DATA_GSO frames, by direction.");
	put(o, "mtlsvpn_offload_superpackets_total{direction=\"to_clients\"} %" PRIu64 "\n",
	    st->gso_to_clients);
	put(o, "mtlsvpn_offload_superpackets_total{direction=\"from_clients\"} %" PRIu64 "\n",
	    st->gso_from_clients);
	help(o, "mtlsvpn_offload_cut_total", "counter",
	     "Super-packets cut into segments by the gateway (a client without offloads, or "
	     "rules that must see every segment).");
	put(o, "mtlsvpn_offload_cut_total %" PRIu64 "\n", st->gso_cut);
	help(o, "mtlsvpn_offload_cut_segments_total", "counter",
	     "Segments those super-packets were cut into.");
	put(o, "mtlsvpn_offload_cut_segments_total %" PRIu64 "\n", st->gso_cut_segments);
	help(o, "mtlsvpn_offload_coalesced_packets_total", "counter",
	     "Packets from clients written into the TUN as parts of coalesced TCP super-packets.");
	put(o, "mtlsvpn_offload_coalesced_packets_total %" PRIu64 "\n", st->gro_coalesced);
	help(o, "mtlsvpn_offload_coalesced_writes_saved_total", "counter",
	     "TUN writes coalescing saved (packets coalesced minus super-packets written).");
	put(o, "mtlsvpn_offload_coalesced_writes_saved_total %" PRIu64 "\n",
	    st->gro_writes_saved);
}

static void pools(struct out *o, const struct gateway *gw)
{
	char l[200];

	help(o, "mtlsvpn_pool_leased_addresses", "gauge",
	     "Addresses held by live sessions, by group.");
	for (unsigned i = 0; i < gw->n_groups; i++)
		put(o, "mtlsvpn_pool_leased_addresses{group=\"%s\"} %u\n",
		    label(gw->groups[i].net->name, l, sizeof(l)),
		    pool_active_count(&gw->groups[i].pool));
	help(o, "mtlsvpn_pool_size_addresses", "gauge",
	     "Leasable addresses, by group and family.");
	for (unsigned i = 0; i < gw->n_groups; i++) {
		const struct pool *p = &gw->groups[i].pool;

		label(gw->groups[i].net->name, l, sizeof(l));
		if (p->size4 > 0)
			put(o, "mtlsvpn_pool_size_addresses{group=\"%s\",family=\"ipv4\"} %u\n", l,
			    (unsigned)p->size4);
		if (p->size6 > 0)
			put(o, "mtlsvpn_pool_size_addresses{group=\"%s\",family=\"ipv6\"} %u\n", l,
			    (unsigned)p->size6);
	}
}

static void revocation(struct out *o, const struct gateway *gw, const struct worker_stats *st)
{
	const struct ocsp_check *oc = &gw->ocsp;
	char l[PATH_MAX + 64], f[PATH_MAX + 16];

	help(o, "mtlsvpn_revoked_sessions_total", "counter",
	     "Live sessions closed because their certificate was revoked.");
	put(o, "mtlsvpn_revoked_sessions_total %" PRIu64 "\n", st->revoked_live);
	help(o, "mtlsvpn_crl_entries", "gauge", "Revoked serials in each CRL in force.");
	help(o, "mtlsvpn_crl_this_update_timestamp_seconds", "gauge", "thisUpdate of each CRL.");
	help(o, "mtlsvpn_crl_next_update_timestamp_seconds", "gauge",
	     "nextUpdate of each CRL (absent if it has none).");
	for (unsigned i = 0; i < gw->revoke.n_srcs; i++) {
		const struct revoke_src *src = &gw->revoke.srcs[i];

		for (unsigned k = 0; k < src->n_crls; k++) {
			const struct revoke_crl *c = &src->crls[k];

			snprintf(f, sizeof(f), "%s#%u", c->file, c->index);
			label(f, l, sizeof(l));
			put(o, "mtlsvpn_crl_entries{crl=\"%s\"} %zu\n", l, c->crl.n_entries);
			put(o, "mtlsvpn_crl_this_update_timestamp_seconds{crl=\"%s\"} %" PRId64 "\n", l,
			    c->crl.this_update);
			if (c->crl.next_update != 0)
				put(o,
				    "mtlsvpn_crl_next_update_timestamp_seconds{crl=\"%s\"} %" PRId64
				    "\n",
				    l, c->crl.next_update);
		}
	}
	help(o, "mtlsvpn_ocsp_queries_total", "counter",
	     "OCSP answers about client certificates, by result (cache: answered from it).");
#define OCSP(r, v) put(o, "mtlsvpn_ocsp_queries_total{result=\"" r "\"} %" PRIu64 "\n", v)
	OCSP("good", oc->n_good);
	OCSP("revoked", oc->n_revoked);
	OCSP("unknown", oc->n_unknown);
	OCSP("failed", oc->n_failed);
	OCSP("cache", oc->n_cache_hits);
#undef OCSP
	help(o, "mtlsvpn_certificate_expiry_timestamp_seconds", "gauge",
	     "notAfter of the gateway's own certificate.");
	put(o, "mtlsvpn_certificate_expiry_timestamp_seconds %" PRId64 "\n", gw->cert_not_after);
}

static void reloads(struct out *o, const struct worker_stats *st)
{
	help(o, "mtlsvpn_reloads_total", "counter", "Configuration reloads, by result.");
	put(o, "mtlsvpn_reloads_total{result=\"ok\"} %" PRIu64 "\n", st->reloads_ok);
	put(o, "mtlsvpn_reloads_total{result=\"failed\"} %" PRIu64 "\n", st->reloads_failed);
	help(o, "mtlsvpn_last_reload_timestamp_seconds", "gauge",
	     "When the last reload was tried (0: none since start).");
	put(o, "mtlsvpn_last_reload_timestamp_seconds %" PRId64 "\n", st->last_reload_unix);
	help(o, "mtlsvpn_last_reload_success", "gauge",
	     "1 if the last reload was applied (or none was tried), 0 if it was refused.");
	put(o, "mtlsvpn_last_reload_success %d\n",
	    st->last_reload_unix == 0 || st->last_reload_ok ? 1 : 0);
	help(o, "mtlsvpn_metrics_requests_total", "counter",
	     "Requests to this endpoint, by result (refused: bad, unknown path, too many, too slow).");
	put(o, "mtlsvpn_metrics_requests_total{result=\"served\"} %" PRIu64 "\n",
	    st->metrics_scrapes);
	put(o, "mtlsvpn_metrics_requests_total{result=\"refused\"} %" PRIu64 "\n",
	    st->metrics_refused);
}

static void enrollment(struct out *o, const struct gateway *gw, const struct worker_stats *st)
{
	int up = est_signer_state(gw);

	if (up >= 0) {
		help(o, "mtlsvpn_est_signer_up", "gauge",
		     "1 while the enrollment signer process answers, 0 once it has failed "
		     "(enrollments get 500 until a restart).");
		put(o, "mtlsvpn_est_signer_up %d\n", up);
	}
	help(o, "mtlsvpn_est_requests_total", "counter",
	     "EST requests (enroll = on), by result: cacerts answered, certificates issued by "
	     "simpleenroll (enrolled) and simplereenroll (renewed), refused.");
	put(o, "mtlsvpn_est_requests_total{result=\"cacerts\"} %" PRIu64 "\n", st->est_cacerts);
	put(o, "mtlsvpn_est_requests_total{result=\"enrolled\"} %" PRIu64 "\n", st->est_enrolled);
	put(o, "mtlsvpn_est_requests_total{result=\"renewed\"} %" PRIu64 "\n", st->est_renewed);
	put(o, "mtlsvpn_est_requests_total{result=\"refused\"} %" PRIu64 "\n", st->est_refused);
}

/* From /proc and the clocks: the seccomp filter allows openat, read,
 * getdents64 and clock_gettime (server/confine.c). */
static void process(struct out *o, const struct gateway *gw)
{
	struct timespec ts;
	unsigned long vsz = 0, rss = 0;
	unsigned fds = 0;
	FILE *f = fopen("/proc/self/statm", "r");
	DIR *d;

	if (f != NULL) {
		if (fscanf(f, "%lu %lu", &vsz, &rss) != 2)
			vsz = rss = 0;
		fclose(f);
	}
	d = opendir("/proc/self/fd");
	if (d != NULL) {
		while (readdir(d) != NULL)
			fds++;
		closedir(d);
		fds = fds >= 3 ? fds - 3 : 0; /* ".", ".." and this one */
	}
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	help(o, "process_cpu_seconds_total", "counter", "User and system CPU time spent.");
	put(o, "process_cpu_seconds_total %.3f\n", (double)ts.tv_sec + (double)ts.tv_nsec / 1e9);
	help(o, "process_resident_memory_bytes", "gauge", "Resident memory size.");
	put(o, "process_resident_memory_bytes %lu\n", rss * (unsigned long)sysconf(_SC_PAGESIZE));
	help(o, "process_virtual_memory_bytes", "gauge", "Virtual memory size.");
	put(o, "process_virtual_memory_bytes %lu\n", vsz * (unsigned long)sysconf(_SC_PAGESIZE));
	help(o, "process_open_fds", "gauge", "Open file descriptors.");
	put(o, "process_open_fds %u\n", fds);
	help(o, "process_start_time_seconds", "gauge", "Start time since the epoch.");
	put(o, "process_start_time_seconds %" PRId64 "\n", gw->started_unix);
}

/* Per worker: how the sessions spread, and the TUN packets a worker read
 * for another worker's session (server/handoff.c). */
static void workers(struct out *o, const struct gateway *gw)
{
	help(o, "mtlsvpn_workers", "gauge", "Event-loop threads of the gateway ([gateway] workers).");
	put(o, "mtlsvpn_workers %u\n", gw->n_workers);
	help(o, "mtlsvpn_worker_sessions", "gauge", "Established sessions each worker carries.");
	for (unsigned i = 0; i < gw->n_workers; i++) {
		const struct session *s;
		unsigned n = 0;

		LIST_FOREACH(s, &gw->workers[i].sessions, entry)
			n += s->state == SESSION_ESTABLISHED;
		put(o, "mtlsvpn_worker_sessions{worker=\"%u\"} %u\n", i, n);
	}
	help(o, "mtlsvpn_handoff_packets_total", "counter",
	     "TUN packets a worker read for another worker's session: passed on, or dropped with "
	     "that worker's ring full.");
	for (unsigned i = 0; i < gw->n_workers; i++) {
		const struct worker_stats *st = &gw->workers[i].st;

		put(o, "mtlsvpn_handoff_packets_total{worker=\"%u\",result=\"passed\"} %" PRIu64 "\n",
		    i, st->handoff_passed);
		put(o, "mtlsvpn_handoff_packets_total{worker=\"%u\",result=\"dropped\"} %" PRIu64 "\n",
		    i, st->handoff_dropped);
	}
}

/* The UDP data channel (server/udp*.c): closed sessions' counters are
 * folded into their worker's, so these totals never go down. */
static void udp(struct out *o, const struct gateway *gw)
{
	static const char *const states[] = {"probing", "up", "failed"};
	struct udp_sum u;

	if (!udp_enabled(gw))
		return;
	udp_sum(gw, &u);
	help(o, "mtlsvpn_udp_datagrams_total", "counter", "UDP data-channel datagrams, each way.");
	put(o, "mtlsvpn_udp_datagrams_total{direction=\"in\"} %" PRIu64 "\n", u.datagrams_in);
	put(o, "mtlsvpn_udp_datagrams_total{direction=\"out\"} %" PRIu64 "\n", u.datagrams_out);
	help(o, "mtlsvpn_udp_drops_total", "counter",
	     "UDP datagrams dropped, by reason: unknown_cid (no live session), evicted (given "
	     "up from the heaviest session when the worker's receive slots are full), or the "
	     "session's (protocol.md 12.6).");
	put(o, "mtlsvpn_udp_drops_total{reason=\"unknown_cid\"} %" PRIu64 "\n", u.unknown_cid);
	put(o, "mtlsvpn_udp_drops_total{reason=\"evicted\"} %" PRIu64 "\n", u.evicted);
	for (unsigned i = 0; i < DCHAN_OPEN_RESULTS; i++)
		if (udp_drop_key(i) != NULL)
			put(o, "mtlsvpn_udp_drops_total{reason=\"%s\"} %" PRIu64 "\n", udp_drop_key(i),
			    u.t.drops[i]);
	help(o, "mtlsvpn_udp_sessions", "gauge", "Sessions with a UDP data channel, by its state.");
	for (unsigned i = 0; i < 3; i++)
		put(o, "mtlsvpn_udp_sessions{state=\"%s\"} %u\n", states[i], u.by_state[i]);
	help(o, "mtlsvpn_udp_fallbacks_total", "counter",
	     "Times a session's UDP channel failed and TLS took its packets back.");
	put(o, "mtlsvpn_udp_fallbacks_total %" PRIu64 "\n", u.t.fallbacks);
	help(o, "mtlsvpn_udp_recoveries_total", "counter",
	     "Times a failed UDP channel came back up.");
	put(o, "mtlsvpn_udp_recoveries_total %" PRIu64 "\n", u.t.recoveries);
	help(o, "mtlsvpn_udp_rekeys_total", "counter", "UDP key epochs completed (re-keys).");
	put(o, "mtlsvpn_udp_rekeys_total %" PRIu64 "\n", u.t.rekeys);
	help(o, "mtlsvpn_udp_roams_total", "counter",
	     "Times a client's UDP address or port changed (NAT rebinding, a new network).");
	put(o, "mtlsvpn_udp_roams_total %" PRIu64 "\n", u.t.roams);
}

bool metrics_render(const struct gateway *gw, struct buf *b)
{
	struct out o = {.b = b, .failed = false};
	struct worker_stats st;

	workers_sum_stats(gw, &st);
	sessions(&o, gw, &st);
	handshakes(&o, &st);
	traffic(&o, gw, &st);
	pools(&o, gw);
	revocation(&o, gw, &st);
	reloads(&o, &st);
	enrollment(&o, gw, &st);
	workers(&o, gw);
	udp(&o, gw);
	process(&o, gw);
	return !o.failed;
}
