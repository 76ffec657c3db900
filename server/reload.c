/*
 * reload.c - the one reload path, for SIGHUP and "mtlsvpnctl reload": read
 * and validate server.ini anew, build the new groups (pools, static
 * addresses, compiled rules) beside the old ones, decide the fate of every
 * live session, load the CRLs, and only then commit (the revocation sweep
 * first, then the fates); anything failing before the commit changes
 * nothing. Live sessions keep their address and
 * session while their identity maps to a group of the same name whose new
 * pool still holds the address; otherwise they are closed with a reason.
 * Keys that need a restart keep their running value and are named.
 * A kept session whose group's routes or DNS changed gets a CONFIG_UPDATE
 * (server/update.c) once the new groups are in place.
 */
#include "server.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "log.h"
#include "notify.h"
#include "rtnl.h"

struct fate {
	struct session *s;
	int group;		    /* in the new groups; -1: close */
	bool changed;		    /* kept, and its routes or DNS change */
	char why[BYE_MAX_TEXT + 1]; /* the BYE text if closed */
};

/* The keys a running gateway cannot take: their old value is kept. */
static void keep_restart_keys(const struct config_server *o, struct config_server *n, char *out,
			      size_t cap)
{
	size_t l = 0;

#define KEEP(cond, name, assign)                                                                   \
	do {                                                                                       \
		if (cond) {                                                                        \
			l += (size_t)snprintf(out + l, l < cap ? cap - l : 0, "%s%s",              \
					      l > 0 ? ", " : "", name);                            \
			assign;                                                                    \
		}                                                                                  \
	} while (0)

	out[0] = 0;
	KEEP(o->listen_len != n->listen_len || memcmp(&o->listen, &n->listen, o->listen_len) != 0,
	     "listen", (n->listen = o->listen, n->listen_len = o->listen_len));
	KEEP(strcmp(o->tun, n->tun) != 0, "tun", memcpy(n->tun, o->tun, sizeof(n->tun)));
	KEEP(o->mtu != n->mtu, "mtu", n->mtu = o->mtu);
	KEEP(o->max_handshakes != n->max_handshakes, "max_handshakes",
	     n->max_handshakes = o->max_handshakes);
	KEEP(strcmp(o->ca, n->ca) != 0, "ca", memcpy(n->ca, o->ca, sizeof(n->ca)));
	KEEP(strcmp(o->cert, n->cert) != 0, "cert", memcpy(n->cert, o->cert, sizeof(n->cert)));
	KEEP(strcmp(o->key, n->key) != 0, "key", memcpy(n->key, o->key, sizeof(n->key)));
	KEEP(o->max_clients != n->max_clients, "max_clients", n->max_clients = o->max_clients);
	KEEP(strcmp(identity_source_name(&o->identity), identity_source_name(&n->identity)) != 0,
	     "identity", n->identity = o->identity);
	KEEP(o->keepalive != n->keepalive, "keepalive", n->keepalive = o->keepalive);
	KEEP(o->dead_peer_timeout != n->dead_peer_timeout, "dead_peer_timeout",
	     n->dead_peer_timeout = o->dead_peer_timeout);
	KEEP(o->handshake_timeout != n->handshake_timeout, "handshake_timeout",
	     n->handshake_timeout = o->handshake_timeout);
	KEEP(o->log_level != n->log_level, "log_level", n->log_level = o->log_level);
	KEEP(o->tls_resumption != n->tls_resumption || o->tls_ticket_lifetime != n->tls_ticket_lifetime,
	     "tls_resumption/tls_ticket_lifetime",
	     (n->tls_resumption = o->tls_resumption, n->tls_ticket_lifetime = o->tls_ticket_lifetime));
	KEEP(o->ocsp != n->ocsp || strcmp(o->ocsp_responder, n->ocsp_responder) != 0 ||
		 o->ocsp_timeout_ms != n->ocsp_timeout_ms || o->ocsp_fail != n->ocsp_fail ||
		 o->ocsp_cache != n->ocsp_cache,
	     "ocsp*",
	     (n->ocsp = o->ocsp,
	      memcpy(n->ocsp_responder, o->ocsp_responder, sizeof(n->ocsp_responder)),
	      n->ocsp_timeout_ms = o->ocsp_timeout_ms, n->ocsp_fail = o->ocsp_fail,
	      n->ocsp_cache = o->ocsp_cache));
	KEEP(strcmp(o->control, n->control) != 0, "control",
	     memcpy(n->control, o->control, sizeof(n->control)));
	KEEP(strcmp(o->user, n->user) != 0, "user", memcpy(n->user, o->user, sizeof(n->user)));
	/* The TLS context is made once: its ALPN and versions stay. */
	KEEP(o->openconnect != n->openconnect || o->openconnect_tls12 != n->openconnect_tls12,
	     "openconnect/openconnect_tls12",
	     (n->openconnect = o->openconnect, n->openconnect_tls12 = o->openconnect_tls12));
	/* The CA is loaded, and the TLS context made, once. */
	/* The CA is loaded, the TLS context made and the signer (which keeps
	 * its own copy of the configuration) forked once. */
	KEEP(o->enroll != n->enroll || strcmp(o->enroll_ca_dir, n->enroll_ca_dir) != 0 ||
		 o->cert_lifetime != n->cert_lifetime ||
		 o->enroll_revoke_old != n->enroll_revoke_old ||
		 strcmp(o->enroll_ca_key, n->enroll_ca_key) != 0,
	     "enroll/enroll_ca_dir/enroll_ca_key/cert_lifetime/enroll_revoke_old",
	     (n->enroll = o->enroll,
	      memcpy(n->enroll_ca_dir, o->enroll_ca_dir, sizeof(n->enroll_ca_dir)),
	      memcpy(n->enroll_ca_key, o->enroll_ca_key, sizeof(n->enroll_ca_key)),
	      n->cert_lifetime = o->cert_lifetime, n->enroll_revoke_old = o->enroll_revoke_old));
	KEEP(o->offload != n->offload, "offload", n->offload = o->offload);
	KEEP(o->workers != n->workers, "workers", n->workers = o->workers);
	KEEP(o->busy_poll_us != n->busy_poll_us, "busy_poll_us", n->busy_poll_us = o->busy_poll_us);
	/* The UDP sockets are bound once, before the privileges go. */
	KEEP(o->udp != n->udp || o->udp_port != n->udp_port ||
		 o->udp_rekey_interval != n->udp_rekey_interval,
	     "udp/udp_port/udp_rekey_interval",
	     (n->udp = o->udp, n->udp_port = o->udp_port,
	      n->udp_rekey_interval = o->udp_rekey_interval));
	KEEP(strcmp(o->control_group, n->control_group) != 0, "control_group",
	     memcpy(n->control_group, o->control_group, sizeof(n->control_group)));
	KEEP(o->metrics_len != n->metrics_len ||
		 memcmp(&o->metrics, &n->metrics, o->metrics_len) != 0,
	     "metrics", (n->metrics = o->metrics, n->metrics_len = o->metrics_len));
	KEEP(strcmp(o->key_passphrase_file, n->key_passphrase_file) != 0, "key_passphrase_file",
	     memcpy(n->key_passphrase_file, o->key_passphrase_file, sizeof(n->key_passphrase_file)));
	KEEP(strcmp(o->pkcs11_module, n->pkcs11_module) != 0, "pkcs11_module",
	     memcpy(n->pkcs11_module, o->pkcs11_module, sizeof(n->pkcs11_module)));
	KEEP(o->pool_slice_k != n->pool_slice_k || o->pool_slice_n != n->pool_slice_n, "pool_slice",
	     (n->pool_slice_k = o->pool_slice_k, n->pool_slice_n = o->pool_slice_n));
	KEEP(strcmp(o->audit_log, n->audit_log) != 0, "audit_log",
	     memcpy(n->audit_log, o->audit_log, sizeof(n->audit_log)));
#undef KEEP
}

static void audit_reload(struct gateway *gw, const char *trigger, bool ok, const char *msg)
{
	struct audit_event e = {.type = AUDIT_RELOAD, .trigger = trigger,
				.result = ok ? "ok" : "failed", .reason = msg};

	audit_emit(gw, &e);
}

static bool same_addr(const struct ipaddr *a, const struct ipaddr *b)
{
	return a->family == b->family && addr_eq(a, b);
}

/* Where one live session goes under the new groups; reserves its
 * addresses in the new pool (discarded with the pool if the reload is
 * refused later). */
static void decide(const struct config_server *n, struct group *ng, struct fate *f)
{
	struct session *s = f->s;
	struct cert_info ci;
	const char *why = NULL, *how = NULL;
	const struct ipaddr *addrs[2] = {&s->addr4, &s->addr6};
	const bool statics[2] = {s->static4, s->static6};
	unsigned gi;
	struct group *g;

	f->group = -1;
	if (!detach_cert_info(s, &ci)) {
		snprintf(f->why, sizeof(f->why), "reload: client certificate unreadable");
		return;
	}
	if (!config_group_for(n, s->identity, &ci, &gi, &how, &why) || gi >= n->n_groups) {
		snprintf(f->why, sizeof(f->why), "reload: identity no longer maps to a group (%s)",
			 why != NULL ? why : "no group");
		return;
	}
	g = &ng[gi];
	if (strcmp(g->net->name, s->group->net->name) != 0) {
		snprintf(f->why, sizeof(f->why), "reload: identity now maps to group %s (was %s)",
			 g->net->name, s->group->net->name);
		return;
	}
	for (int k = 0; k < 2; k++) {
		int fam = k == 0 ? AF_INET : AF_INET6;
		const struct ipaddr *a = addrs[k];
		const struct ipaddr *st = config_static_for(n, gi, s->identity, fam);
		char t[ADDR_STRLEN];

		if (a->family == 0)
			continue;
		if (statics[k] != (st != NULL) || (st != NULL && !same_addr(st, a))) {
			snprintf(f->why, sizeof(f->why),
				 "reload: the static address of the identity changed (had %s)",
				 addr_fmt(a, t));
			return;
		}
		if (st != NULL)
			continue; /* group_init holds it already */
		if (!pool_contains(&g->pool, a)) {
			snprintf(f->why, sizeof(f->why),
				 "reload: address %s is no longer in group %s's pool",
				 addr_fmt(a, t), g->net->name);
			if (k == 1 && s->addr4.family != 0 && !s->static4)
				pool_release(&g->pool, &s->addr4, (int64_t)time(NULL));
			return;
		}
		if (pool_reserve(&g->pool, a, s->identity, true, (int64_t)time(NULL)) != POOL_OK) {
			snprintf(f->why, sizeof(f->why),
				 "reload: address %s is now reserved for another identity",
				 addr_fmt(a, t));
			if (k == 1 && s->addr4.family != 0 && !s->static4)
				pool_release(&g->pool, &s->addr4, (int64_t)time(NULL));
			return;
		}
	}
	f->group = (int)gi;
	f->changed = update_differs(s->group->net, g->net);
	s->group_how = how;
}

static bool same_prefix(const struct prefix *a, const struct prefix *b)
{
	return a->addr.family != 0 && a->len == b->len && same_addr(&a->addr, &b->addr);
}

/* The gateway's address in each pool: keep those in both, add the new,
 * remove the gone. A failure is logged; sessions are not affected. */
static void move_tun_addrs(struct gateway *gw, struct group *old, unsigned n_old, struct group *ng,
			   unsigned n_new)
{
	char a[ADDR_STRLEN];

	for (unsigned i = 0; i < n_new; i++) {
		struct prefix *p[2] = {&ng[i].tun4, &ng[i].tun6};
		bool *added[2] = {&ng[i].tun4_added, &ng[i].tun6_added};

		for (int k = 0; k < 2; k++) {
			if (p[k]->addr.family == 0)
				continue;
			for (unsigned j = 0; j < n_old && !*added[k]; j++) {
				struct prefix *q = k == 0 ? &old[j].tun4 : &old[j].tun6;
				bool *qa = k == 0 ? &old[j].tun4_added : &old[j].tun6_added;

				if (*qa && same_prefix(p[k], q)) {
					*qa = false;
					*added[k] = true;
				}
			}
			if (*added[k])
				continue;
			if (rtnl_addr_add(gw->tun_name, p[k]) < 0)
				log_warn("reload: cannot add %s to %s", addr_fmt_prefix(p[k], a),
					 gw->tun_name);
			else
				*added[k] = true;
		}
	}
	for (unsigned j = 0; j < n_old; j++) {
		if (old[j].tun4_added && rtnl_addr_del(gw->tun_name, &old[j].tun4) < 0)
			log_warn("reload: cannot remove %s from %s",
				 addr_fmt_prefix(&old[j].tun4, a), gw->tun_name);
		if (old[j].tun6_added && rtnl_addr_del(gw->tun_name, &old[j].tun6) < 0)
			log_warn("reload: cannot remove %s from %s",
				 addr_fmt_prefix(&old[j].tun6, a), gw->tun_name);
		old[j].tun4_added = old[j].tun6_added = false;
	}
}

/* Sticky memory: the released leases of each old group go to the new
 * group of the same name, where their address is still free and in the
 * pool (statics and kept sessions were placed first). */
static void carry_leases(struct group *old, unsigned n_old, struct group *ng, unsigned n_new)
{
	for (unsigned j = 0; j < n_old; j++) {
		for (unsigned i = 0; i < n_new; i++) {
			const struct pool_lease *l[2] = {old[j].pool.leases4, old[j].pool.leases6};
			const uint32_t n[2] = {old[j].pool.size4, old[j].pool.size6};

			if (strcmp(old[j].net->name, ng[i].net->name) != 0)
				continue;
			for (int k = 0; k < 2; k++)
				for (uint32_t x = 0; l[k] != NULL && x < n[k]; x++)
					if (l[k][x].identity[0] != '\0' && !l[k][x].active &&
					    pool_contains(&ng[i].pool, &l[k][x].addr))
						(void)pool_reserve(&ng[i].pool, &l[k][x].addr,
								   l[k][x].identity, false,
								   l[k][x].last_used);
		}
	}
}

static void free_groups(struct group *g, unsigned n)
{
	for (unsigned i = 0; g != NULL && i < n; i++)
		group_deinit(&g[i]);
	free(g);
}

static int reload_apply(struct gateway *gw, const char *trigger, char *msg, size_t cap);

/* The service manager sees the reload begin and end (systemctl reload
 * waits for it). */
int reload_config(struct gateway *gw, const char *trigger, char *msg, size_t cap)
{
	int rc;

	notify_reloading();
	/* The configuration, groups and rules every worker reads change. */
	workers_exclusive_begin(gw);
	rc = reload_apply(gw, trigger, msg, cap);
	workers_exclusive_end(gw);
	if (rc == 0)
		workers_main(gw)->st.reloads_ok++;
	else
		workers_main(gw)->st.reloads_failed++;
	workers_main(gw)->st.last_reload_unix = (int64_t)time(NULL);
	workers_main(gw)->st.last_reload_ok = rc == 0;
	notify_ready();
	return rc;
}

static int reload_apply(struct gateway *gw, const char *trigger, char *msg, size_t cap)
{
	struct worker *w;
	struct config_server *n = calloc(1, sizeof(*n));
	struct fate *fates = calloc(workers_n_sessions(gw) + 1, sizeof(*fates));
	struct group *ng = NULL, *old;
	unsigned n_ng = 0, n_fates = 0, kept = 0, closed = 0, n_old;
	unsigned updated = 0, not_updated = 0;
	size_t tickets;
	uint64_t t0 = ev_time_ms();
	char err[CONFIG_ERR_MAX], restart[256];
	struct session *s, *next;

	if (n == NULL || fates == NULL) {
		snprintf(err, sizeof(err), "out of memory");
		goto refuse;
	}
	if (config_server_reload(gw->cfg.path, n, err) < 0)
		goto refuse;
	keep_restart_keys(&gw->cfg, n, restart, sizeof(restart));
	ng = calloc(n->n_groups > 0 ? n->n_groups : 1, sizeof(*ng));
	if (ng == NULL) {
		snprintf(err, sizeof(err), "out of memory");
		goto refuse;
	}
	for (; n_ng < n->n_groups; n_ng++)
		if (group_init(n, &ng[n_ng], n_ng, err, sizeof(err)) < 0) {
			n_ng++;
			goto refuse;
		}
	WORKERS_FOREACH_SESSION(gw, w, s, next)
	{
		if (s->state != SESSION_ESTABLISHED || s->group == NULL)
			continue;
		fates[n_fates].s = s;
		decide(n, ng, &fates[n_fates++]);
	}
	/* The last step that may refuse: it commits the CRLs when it passes. */
	if (revoke_apply_config(gw, n, trigger, err, sizeof(err)) < 0)
		goto refuse;

	/* Commit. Closing releases into the old pools, still in place. The
	 * revocation sweep goes first, under the settings just committed, so
	 * a session it closes is counted closed, not kept. */
	revoke_after_reload(gw);
	for (unsigned i = 0; i < n_fates; i++) {
		if (fates[i].s->state != SESSION_ESTABLISHED) {
			fates[i].group = -1; /* revoked by the sweep */
			closed++;
			continue;
		}
		if (fates[i].group >= 0)
			continue;
		session_log(fates[i].s, SESSION_LOG_INFO, "%s", fates[i].why);
		session_close(fates[i].s, BYE_NOT_AUTHORIZED, "%s", fates[i].why);
		closed++;
	}
	for (unsigned i = 0; i < n_fates; i++)
		if (fates[i].group >= 0) {
			fates[i].s->group = &ng[fates[i].group];
			kept++;
		}
	/* Closed sessions only print their group from now on. */
	WORKERS_FOREACH_SESSION(gw, w, s, next)
	if (s->state == SESSION_CLOSING)
		s->group = NULL;
	for (w = gw->workers; w < gw->workers + gw->n_workers; w++)
		LIST_FOREACH(s, &w->reap, entry)
		s->group = NULL;
	old = gw->groups;
	n_old = gw->n_groups;
	carry_leases(old, n_old, ng, n_ng);
	move_tun_addrs(gw, old, n_old, ng, n_ng);
	gw->cfg = *n;
	for (unsigned i = 0; i < n_ng; i++) {
		ng[i].cfg = &gw->cfg.groups[i];
		ng[i].net = &gw->cfg.groups[i].net;
	}
	gw->groups = ng;
	gw->n_groups = n_ng;
	free_groups(old, n_old);
	lease_changed(gw);
	/* Now that every kept session points into the new groups. */
	for (unsigned i = 0; i < n_fates; i++) {
		if (fates[i].group < 0 || !fates[i].changed)
			continue;
		switch (update_session(fates[i].s)) {
		case UPDATE_SENT:
			updated++;
			break;
		case UPDATE_OLD_CLIENT:
			/* Or one whose FEATURES is still on its way. */
			fates[i].s->update_owed = true;
			session_log(fates[i].s, SESSION_LOG_INFO,
				    "reload: routes or DNS changed, but the client takes no "
				    "CONFIG_UPDATE; it keeps the old ones until it reconnects");
			not_updated++;
			break;
		case UPDATE_NOT_SENT:
			not_updated++;
			break;
		}
	}
	/* Tickets were issued under the old trust and policy: every client
	 * proves its certificate again. */
	tickets = tls_ctx_ticket_count(gw->tls);
	tls_ctx_reset_tickets(gw->tls, gw->cfg.max_session_lifetime);
	snprintf(msg, cap,
		 "%s reloaded in %" PRIu64 " ms: %u group(s), %u rule(s); %u session(s) kept, "
		 "%u closed, %u session(s) updated, %u not updated, %zu ticket(s) dropped%s%s%s",
		 gw->cfg.path, ev_time_ms() - t0, gw->n_groups, gw->cfg.n_rules, kept, closed,
		 updated, not_updated, tickets,
		 restart[0] ? "; needs a restart, running value kept: " : "", restart,
		 restart[0] ? "" : "");
	log_info("%s: %s", trigger, msg);
	audit_reload(gw, trigger, true, msg);
	group_log_all(gw);
	free(fates);
	free(n);
	return 0;

refuse:
	free_groups(ng, n_ng);
	snprintf(msg, cap, "reload refused: %s; the running settings stay as they were", err);
	log_warnx("%s: %s", trigger, msg);
	audit_reload(gw, trigger, false, msg);
	free(fates);
	free(n);
	return -1;
}
