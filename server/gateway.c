/*
 * gateway.c - the gateway's life: load TLS and the pool, create the TUN
 * with the gateway's tunnel addresses, listen, run the worker's loop, and on
 * SIGTERM/SIGINT say BYE to every client, let the BYEs drain for a short
 * bounded grace period, remove the TUN and return. Order of undoing is the
 * reverse of setting up.
 */
#include "server.h"

#include <sys/resource.h>

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "notify.h"
#include "rtnl.h"
#include "tun.h"

/* How long BYEs may take to leave at shutdown. */
#define GATEWAY_GRACE_MS 1500

int gateway_init(struct gateway *gw, const struct config_server *cfg)
{
	struct tls_ctx_params tp;
	char err[512];

	memset(gw, 0, sizeof(*gw));
	gw->cfg = *cfg;
	gw->audit.fd = -1;
	/* The user it will run as exists (--check-config says so too). */
	if (confine_init(gw) < 0)
		return -1;
	/* Pools, static addresses and compiled rules of every group. */
	if (group_init_all(gw) < 0)
		return -1;
	memset(&tp, 0, sizeof(tp));
	tp.server = true;
	tp.ca_file = gw->cfg.ca;
	tp.cert_file = gw->cfg.cert;
	tp.key_file = gw->cfg.key;
	tp.key_passphrase_file = gw->cfg.key_passphrase_file;
	tp.pkcs11_module = gw->cfg.pkcs11_module;
	tp.resumption = gw->cfg.tls_resumption;
	tp.ticket_lifetime = gw->cfg.tls_ticket_lifetime;
	tp.max_session_lifetime = gw->cfg.max_session_lifetime;
	/* HTTP for OpenConnect, and for EST: enrollment by token needs a
	 * handshake without a client certificate (EST only, est.c). */
	tp.http = gw->cfg.openconnect || gw->cfg.enroll;
	tp.tls12 = gw->cfg.openconnect_tls12;
	tp.cert_optional = gw->cfg.enroll;
	gw->tls = tls_ctx_new(&tp, err, sizeof(err));
	if (gw->tls == NULL) {
		log_errx("%s: %s", cfg->path, err);
		group_deinit_all(gw);
		return -1;
	}
	/* Its notAfter for status and metrics; the file may be out of reach
	 * once confined. */
	{
		struct cert_info *ci = calloc(1, sizeof(*ci));

		if (ci != NULL && tls_cert_info_from_file(gw->cfg.cert, ci, err, sizeof(err)))
			gw->cert_not_after = ci->not_after;
		free(ci);
	}
	if (cfg->tls_resumption && !tls_resumption_compiled())
		log_warnx("tls_resumption = on, but this wolfSSL has no session tickets: every "
			  "connection is a full handshake");
	/* The CA bundle and every configured CRL, checked here so
	 * --check-config catches a bad CRL too. */
	if (revoke_init(gw) < 0) {
		tls_ctx_free(gw->tls);
		gw->tls = NULL;
		group_deinit_all(gw);
		return -1;
	}
	/* The CA an enrollment is signed with: read while still root. */
	if (est_start(gw) < 0) {
		revoke_deinit(gw);
		tls_ctx_free(gw->tls);
		gw->tls = NULL;
		group_deinit_all(gw);
		return -1;
	}
	/* The OCSP responder's name is resolved here, never in the loop. */
	if (ocsp_check_init(gw) < 0 || workers_alloc(gw, workers_wanted(cfg)) < 0) {
		ocsp_check_deinit(gw);
		est_stop(gw);
		revoke_deinit(gw);
		tls_ctx_free(gw->tls);
		gw->tls = NULL;
		group_deinit_all(gw);
		return -1;
	}
	return 0;
}

/* Clients reach the gateway either way; the networks behind it only with
 * forwarding on. Worth a warning, not a refusal (a lab may not need it). */
static void check_forwarding(const char *path, const char *key)
{
	char c = 0;
	FILE *f = fopen(path, "r");

	if (f == NULL)
		return;
	if (fread(&c, 1, 1, f) == 1 && c == '0')
		log_warnx("%s is 0 in this network namespace: clients will reach the gateway but "
			  "not the networks behind it (sysctl -w %s=1)", path, key);
	fclose(f);
}

/* One queue per worker: with several, every queue of the multi-queue
 * device has the same offload settings. */
static int tun_up(struct gateway *gw)
{
	struct worker *w = workers_main(gw);
	unsigned flags = (gw->cfg.offload ? TUN_OFFLOAD : 0) | (gw->threaded ? TUN_MULTI_QUEUE : 0);

	for (unsigned i = 0; i < gw->n_workers; i++) {
		struct worker *q = &gw->workers[i];
		char name[IFNAMSIZ];

		q->tun_fd = tun_open(i == 0 ? gw->cfg.tun : gw->tun_name, flags,
				     i == 0 ? gw->tun_name : name, &q->tun_offloads);
		if (q->tun_fd < 0) {
			log_warn("cannot create TUN device %s (queue %u)", gw->cfg.tun, i);
			return -1;
		}
		q->tun_vnet = gw->cfg.offload;
	}
	if (gw->cfg.offload && !(w->tun_offloads & TUN_OFFLOAD_TSO))
		log_warnx("%s: the kernel refused TCP segmentation offload; clients get one packet "
			  "per frame", gw->tun_name);
	else if (gw->cfg.offload)
		log_debug("%s: offloads: checksum, TCP segmentation%s", gw->tun_name,
			  w->tun_offloads & TUN_OFFLOAD_USO ? ", UDP segmentation" : "");
	/* The first address of every group's pool. */
	if (group_tun_add(gw) < 0)
		return -1;
	/* A short queue towards the clients: the kernel's 500 packets, most
	 * of them 64 KiB super-packets with offloads, held milliseconds of a
	 * download in front of another session's answer (performance.md,
	 * "Latency"). */
	if (rtnl_link_up(gw->tun_name, gw->cfg.mtu, gw->cfg.tun_queue) < 0) {
		log_warn("cannot bring %s up with MTU %u and a queue of %u", gw->tun_name,
			 gw->cfg.mtu, gw->cfg.tun_queue);
		return -1;
	}
	if (group_has_family(gw, AF_INET))
		check_forwarding("/proc/sys/net/ipv4/ip_forward", "net.ipv4.ip_forward");
	if (group_has_family(gw, AF_INET6))
		check_forwarding("/proc/sys/net/ipv6/conf/all/forwarding",
				 "net.ipv6.conf.all.forwarding");
	return 0;
}

static void tun_down(struct gateway *gw)
{
	/* Closing the last descriptor of a non-persistent TUN deletes the
	 * device; the addresses go first so nothing routes into a closing
	 * device. */
	group_tun_del(gw);
	for (unsigned i = 0; i < gw->n_workers; i++) {
		struct worker *w = &gw->workers[i];

		if (w->tun_fd >= 0) {
			ev_io_stop(w->loop, &w->tun_io);
			close(w->tun_fd);
			w->tun_fd = -1;
		}
	}
}

static void on_stop_signal(struct ev_loop *loop, int signo, void *data)
{
	struct gateway *gw = data;

	if (gw->stopping) {
		log_info("signal %d again: stopping now", signo);
		ev_loop_break(loop);
		return;
	}
	log_info("signal %d: shutting down", signo);
	gateway_shutdown(gw);
}

static void on_status_signal(struct ev_loop *loop, int signo, void *data)
{
	(void)loop;
	(void)signo;
	gateway_status(data);
}

/* Debug logging on and off without a restart, to watch one problem. */
static void on_debug_signal(struct ev_loop *loop, int signo, void *data)
{
	(void)loop;
	(void)signo;
	(void)data;
	log_verbosity = log_verbosity > 0 ? 0 : 1;
	log_info("SIGUSR2: debug logging %s", log_verbosity > 0 ? "on" : "off");
}

/* The watchdog keepalive, from the loop itself, with a status line. */
static void on_watchdog_due(struct ev_loop *loop, struct ev_timer *t)
{
	struct gateway *gw = t->data;

	unsigned est, half;

	workers_exclusive_begin(gw);
	est = gw->n_established;
	half = workers_n_halfopen(gw);
	workers_exclusive_end(gw);
	notify_watchdog();
	notify_status("%u session(s), %u half-open", est, half);
	ev_timer_arm(loop, t, notify_watchdog_period_ms());
}

static void on_grace_over(struct ev_loop *loop, struct ev_timer *t)
{
	(void)t;
	log_info("shutdown grace period over");
	ev_loop_break(loop);
}

/*
 * Every established session and every half-open connection holds a
 * descriptor, plus a few for the TUN, listener, control socket, CRL watches
 * and OCSP queries. Raise the soft limit to the hard one (as root set-up
 * may), and say at start if the bounds still do not fit: running out later
 * only pauses accept, but the admin should know why.
 */
static void raise_fd_limit(const struct gateway *gw)
{
	struct rlimit rl;
	uint64_t need = (uint64_t)gw->cfg.max_clients + gw->cfg.max_handshakes + 64;

	if (getrlimit(RLIMIT_NOFILE, &rl) < 0)
		return;
	if (rl.rlim_cur < rl.rlim_max && rl.rlim_cur < need) {
		rl.rlim_cur = rl.rlim_max != RLIM_INFINITY && rl.rlim_max < need ? rl.rlim_max : need;
		(void)setrlimit(RLIMIT_NOFILE, &rl);
		(void)getrlimit(RLIMIT_NOFILE, &rl);
	}
	if (rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur < need)
		log_warnx("open files limit %llu is below max_clients + max_handshakes + 64 = %llu: "
			  "accepting will pause when descriptors run out",
			  (unsigned long long)rl.rlim_cur, (unsigned long long)need);
}

/* A worker's own loop, tables and hand-off ring; its TUN queue and
 * listener come later, in the order the gateway sets up. */
static int worker_setup(struct gateway *gw, struct worker *w)
{
	LIST_INIT(&w->sessions);
	LIST_INIT(&w->reap);
	w->loop = ev_loop_new();
	if (w->loop == NULL) {
		log_warn("cannot create the event loop");
		return -1;
	}
	ev_loop_set_busy_poll(w->loop, gw->cfg.busy_poll_us);
	refusal_init(w);
	session_trim_init(w);
	if (router_init(w) < 0) {
		log_warn("cannot allocate the session tables");
		return -1;
	}
	if (gw->threaded && handoff_init(w) < 0) {
		log_warn("cannot set up the hand-off between workers");
		return -1;
	}
	return 0;
}

int gateway_start(struct gateway *gw)
{
	struct worker *w = workers_main(gw);
	char a[ADDR_STRLEN], p4[ADDR_STRLEN] = "-", p6[ADDR_STRLEN] = "-";

	gw->started_unix = (int64_t)time(NULL);
	/* The enrollment signer first: it forks while one thread runs and
	 * little is open, and keeps the CA key out of this process. */
	if (est_signer_start(gw) < 0)
		return -1;
	for (unsigned i = 0; i < gw->n_workers; i++)
		if (worker_setup(gw, &gw->workers[i]) < 0)
			return -1;
	raise_fd_limit(gw);
	ev_timer_init(&gw->grace_timer, on_grace_over, gw);
	ev_timer_init(&gw->watchdog_timer, on_watchdog_due, gw);
	if (sestab_init(&gw->by_id, gw->cfg.max_clients) < 0 ||
	    sestab_init(&gw->by_addr, 2 * (size_t)gw->cfg.max_clients) < 0 ||
	    halfopen_init(gw) < 0) {
		log_warn("cannot allocate the session tables");
		return -1;
	}
	if (tun_up(gw) < 0)
		return -1;
	for (unsigned i = 0; i < gw->n_workers; i++) {
		struct worker *q = &gw->workers[i];

		ev_io_init(&q->tun_io, q->tun_fd, tun_rx_on_readable, q);
		if (ev_io_start(q->loop, &q->tun_io, EPOLLIN) < 0) {
			log_warn("cannot watch %s", gw->tun_name);
			return -1;
		}
	}
	/* Last run's sticky leases, before any client can take an address. */
	lease_restore(gw);
	lease_start(gw);
	/* One listener per worker (SO_REUSEPORT spreads connections). */
	for (unsigned i = 0; i < gw->n_workers; i++)
		if (listener_open(&gw->workers[i], &gw->cfg.listen, gw->cfg.listen_len) < 0) {
			log_warn("cannot listen on %s",
				 addr_fmt_sockaddr((const struct sockaddr *)&gw->cfg.listen, a));
			return -1;
		}
	/* The UDP data channel's sockets, one per worker, in worker order. */
	if (udp_open_all(gw) < 0)
		return -1;
	if (ev_signal_add(w->loop, SIGTERM, on_stop_signal, gw) < 0 ||
	    ev_signal_add(w->loop, SIGINT, on_stop_signal, gw) < 0 ||
	    ev_signal_add(w->loop, SIGUSR1, on_status_signal, gw) < 0 ||
	    ev_signal_add(w->loop, SIGUSR2, on_debug_signal, gw) < 0) {
		log_warn("cannot set up signal handling");
		return -1;
	}
	/* SIGHUP and the CRL files' watches. */
	if (revoke_start(w) < 0)
		return -1;
	/* mtlsvpnctl: status, reload, capture (server/control.c). */
	if (control_start(gw) < 0)
		return -1;
	/* The Prometheus endpoint, bound while still root. */
	if (metrics_start(gw) < 0)
		return -1;
	/* Pending decrypted input first (it may close sessions), then reap. */
	for (unsigned i = 0; i < gw->n_workers; i++) {
		struct worker *q = &gw->workers[i];

		if (ev_hook_add(q->loop, router_drain_pending, q) < 0 ||
		    ev_hook_add(q->loop, session_reap_all, q) < 0 ||
		    ev_hook_add(q->loop, halfopen_new_turn, q) < 0) {
			log_warn("cannot set up the event loop");
			return -1;
		}
	}
	/* The audit trail's file, opened as root (docs/audit.md). */
	if (audit_open(gw) < 0)
		return -1;
	/* Everything is open: from here on as cfg.user, sandboxed. */
	if (confine_start(gw) < 0)
		return -1;
	if (gw->n_groups > 0 && gw->groups[0].tun4.addr.family != 0)
		addr_fmt_prefix(&gw->groups[0].tun4, p4);
	if (gw->n_groups > 0 && gw->groups[0].tun6.addr.family != 0)
		addr_fmt_prefix(&gw->groups[0].tun6, p6);
	log_info("gateway up: listen=%s tun=%s mtu=%u address=%s address6=%s max_clients=%u "
		 "max_handshakes=%u max_handshakes_per_source=%u identity=%s workers=%u",
		 addr_fmt_sockaddr((const struct sockaddr *)&gw->cfg.listen, a), gw->tun_name,
		 gw->cfg.mtu, p4, p6, gw->cfg.max_clients, gw->cfg.max_handshakes,
		 gw->cfg.max_handshakes_per_source, identity_source_name(&gw->cfg.identity),
		 gw->n_workers);
	group_log_all(gw);
	/* The other workers' threads, confined like this one. */
	if (workers_start_threads(gw) < 0) {
		workers_stop_threads(gw);
		return -1;
	}
	if (notify_watchdog_period_ms() > 0)
		ev_timer_arm(w->loop, &gw->watchdog_timer, notify_watchdog_period_ms());
	notify_status("listening on %s", addr_fmt_sockaddr((const struct sockaddr *)&gw->cfg.listen, a));
	gateway_set_accepting(gw, true);
	notify_ready();
	return 0;
}

int gateway_run(struct gateway *gw)
{
	int rc = 0;

	workers_turn_enter(gw, workers_main(gw));
	if (ev_run(workers_main(gw)->loop) < 0) {
		log_warn("event loop failed");
		rc = -1;
	}
	workers_turn_leave(gw);
	workers_stop_threads(gw);
	return rc;
}

void gateway_shutdown(struct gateway *gw)
{
	struct worker *w = workers_main(gw), *ws;
	struct session *s, *next;

	if (gw->stopping)
		return;
	workers_exclusive_begin(gw);
	gw->stopping = true;
	notify_stopping();
	drain_stop(gw);
	/* No more packets for clients: the BYE is the last thing they get. */
	for (ws = gw->workers; ws < gw->workers + gw->n_workers; ws++) {
		listener_close(ws);
		ev_io_stop(ws->loop, &ws->tun_io);
	}
	WORKERS_FOREACH_SESSION(gw, ws, s, next) {
		if (s->state == SESSION_ESTABLISHED || s->state == SESSION_CHECKING ||
		    s->state == SESSION_CONTINUING)
			session_close(s, BYE_SHUTDOWN, "gateway shutting down");
		else if (s->state == SESSION_HANDSHAKE)
			session_close(s, SESSION_NO_BYE, "gateway shutting down");
	}
	ev_timer_arm(w->loop, &gw->grace_timer, GATEWAY_GRACE_MS);
	workers_exclusive_end(gw);
}

/* Whether GET /healthz tells a load balancer to send new sessions here;
 * the drain command turns it off. Sessions already up are not touched. */
void gateway_set_accepting(struct gateway *gw, bool on)
{
	if (gw->accepting != on)
		log_info("%s new sessions (health check: %s)", on ? "accepting" : "not accepting",
			 on ? "200" : "503");
	gw->accepting = on;
}

/* Called after every reap: the shutdown or the drain is over once nobody
 * lingers. */
void gateway_on_session_reaped(struct worker *w)
{
	struct gateway *gw = w->gw;
	unsigned n;

	if (!gw->stopping && !gw->draining)
		return;
	/* The main worker counts them all; another tells it once, when it
	 * has none left. */
	if (w != workers_main(gw)) {
		if (w->n_sessions == 0 && !w->told_empty) {
			w->told_empty = true;
			workers_wake(workers_main(gw));
		}
		return;
	}
	workers_exclusive_begin(gw);
	n = workers_n_sessions(gw);
	workers_exclusive_end(gw);
	if (n == 0)
		ev_loop_break(w->loop);
}

void gateway_status(struct gateway *gw)
{
	struct worker *w;
	const struct session *s, *next;
	struct worker_stats st;
	char refused[1024];

	workers_exclusive_begin(gw);
	workers_sum_stats(gw, &st);
	log_info("status: sessions=%u handshaking=%u leases=%u tun_no_route=%" PRIu64
		 " tun_bad=%" PRIu64 " tun_write_fail=%" PRIu64 " accept_pauses=%" PRIu64
		 " workers=%u handoff_passed=%" PRIu64 " handoff_dropped=%" PRIu64,
		 gw->n_established, workers_n_halfopen(gw), group_active_leases(gw), st.tun_no_route,
		 st.tun_bad, st.tun_write_fail, st.accept_pauses, gw->n_workers, st.handoff_passed,
		 st.handoff_dropped);
	refusal_status_line(&st, refused, sizeof(refused));
	log_info("status: %s", refused);
	workers_status_line(gw, refused, sizeof(refused));
	log_info("status: %s", refused);
	if (gw->audit.fd >= 0 || gw->audit.journal)
		log_info("status: audit file=%s journald=%s lost=%" PRIu64,
			 gw->audit.fd >= 0 ? gw->cfg.audit_log : "none",
			 gw->audit.journal ? "yes" : "no", gw->audit.lost);
	ocsp_check_status(gw);
	for (unsigned i = 0; i < gw->n_groups; i++)
		policy_group_status(&gw->groups[i]);
	WORKERS_FOREACH_SESSION(gw, w, s, next)
		if (s->state == SESSION_ESTABLISHED)
			session_status(s);
	workers_exclusive_end(gw);
}

/* Whatever still lingers after the grace period goes now. */
static void free_sessions(struct worker *w)
{
	struct session *s;

	while ((s = LIST_FIRST(&w->sessions)) != NULL) {
		if (s->state != SESSION_CLOSING)
			session_close(s, SESSION_NO_BYE, "gateway shutting down");
		if (!s->on_reap) {
			LIST_REMOVE(s, entry);
			w->n_sessions--;
			session_free(s);
		}
	}
	while ((s = LIST_FIRST(&w->reap)) != NULL) {
		LIST_REMOVE(s, entry);
		session_free(s);
	}
}

/* Single-threaded again: the other workers' threads are joined. */
void gateway_deinit(struct gateway *gw)
{
	struct worker *w = workers_main(gw);

	if (w->loop != NULL) {
		for (unsigned i = 0; i < gw->n_workers; i++)
			if (gw->workers[i].loop != NULL)
				free_sessions(&gw->workers[i]);
		/* Every lease is released now: the last write. */
		lease_stop(gw);
		ev_timer_stop(w->loop, &gw->grace_timer);
		ev_timer_stop(w->loop, &gw->watchdog_timer);
		drain_stop(gw);
		control_stop(gw);
		metrics_stop(gw);
		revoke_stop(w);
		ocsp_check_deinit(gw);
		halfopen_deinit(gw);
		for (unsigned i = 0; i < gw->n_workers; i++) {
			struct worker *q = &gw->workers[i];

			if (q->loop == NULL)
				continue;
			listener_close(q);
			refusal_deinit(q);
			ev_timer_stop(q->loop, &q->trim_timer);
		}
	}
	tun_down(gw);
	for (unsigned i = 0; i < gw->n_workers; i++) {
		struct worker *q = &gw->workers[i];

		if (q->loop == NULL)
			continue;
		handoff_deinit(q);
		udp_close(q);
		router_deinit(q);
		ev_loop_free(q->loop);
		q->loop = NULL;
	}
	sestab_deinit(&gw->by_id);
	sestab_deinit(&gw->by_addr);
	workers_free(gw);
	if (gw->tls != NULL)
		tls_ctx_free(gw->tls);
	gw->tls = NULL;
	est_stop(gw);
	ocsp_check_deinit(gw);
	revoke_deinit(gw);
	group_deinit_all(gw);
	audit_close(gw);
}
