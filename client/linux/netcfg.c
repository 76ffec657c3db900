/*
 * netcfg.c - apply the gateway's CONFIG to the TUN: link up with the MTU,
 * addresses, routes, and in full-tunnel mode a host route keeping the
 * gateway outside the tunnel plus the two half-default routes into it;
 * a family the gateway gives no address is blocked by two unreachable
 * halves instead, so it never leaks around the tunnel.
 * Every change is written to the undo journal (undo.c) before it is made
 * and kept in memory once the kernel accepts it; undo removes exactly
 * those, newest first: never a route someone else owns.
 */
#include "client.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cfgdiff.h"
#include "log.h"
#include "rtnl.h"

void netcfg_init(struct netcfg *n, struct undo *u, const char *ifname, bool full_tunnel,
		 enum config_dns_mode dns, const char *config_path)
{
	memset(n, 0, sizeof(*n));
	n->undo = u;
	snprintf(n->ifname, sizeof(n->ifname), "%s", ifname);
	n->full_tunnel = full_tunnel;
	n->dns = dns;
	n->config_path = config_path;
}

const struct msg_config *netcfg_applied(const struct netcfg *n)
{
	return n->applied ? &n->cfg : NULL;
}

const char *netcfg_dns_how(const struct netcfg *n)
{
	return dns_how(&n->dns_state);
}

static int record(struct netcfg *n, enum netcfg_change_kind kind, const struct prefix *p,
		  const struct ipaddr *via, const char *ifname, uint32_t seq)
{
	struct netcfg_change *ch;

	if (n->n_changes == n->cap_changes) {
		size_t cap = n->cap_changes ? n->cap_changes * 2 : 16;
		ch = realloc(n->changes, cap * sizeof(*ch));
		if (ch == NULL)
			return -1;
		n->changes = ch;
		n->cap_changes = cap;
	}
	ch = &n->changes[n->n_changes++];
	memset(ch, 0, sizeof(*ch));
	ch->kind = kind;
	ch->prefix = *p;
	if (via != NULL)
		ch->via = *via;
	snprintf(ch->ifname, sizeof(ch->ifname), "%s", ifname);
	ch->seq = seq;
	return 0;
}

/* The journal hears of a change before the kernel does: a crash between
 * the two leaves an undo of nothing, which is harmless. 0 if it could not
 * be written (logged): then the change is not made. */
static uint32_t intend(struct netcfg *n, enum journal_kind kind, const struct prefix *p,
		       const struct ipaddr *via, const char *ifname)
{
	struct journal_rec r = {.kind = kind, .prefix = *p};

	if (via != NULL)
		r.via = *via;
	snprintf(r.ifname, sizeof(r.ifname), "%s", ifname);
	return undo_record(n->undo, &r);
}

static int add_addr(struct netcfg *n, const struct prefix *p)
{
	char s[ADDR_STRLEN];
	uint32_t seq = intend(n, JOURNAL_ADDR, p, NULL, n->ifname);

	if (seq == 0)
		return -1;
	if (rtnl_addr_add(n->ifname, p) < 0) {
		log_warn("cannot add address %s to %s", addr_fmt_prefix(p, s), n->ifname);
		undo_done(n->undo, seq);
		return -1;
	}
	log_debug("added address %s to %s", addr_fmt_prefix(p, s), n->ifname);
	return record(n, NETCFG_ADDR, p, NULL, n->ifname, seq);
}

/* A route the kernel already has (the connected route of our own address,
 * or one an administrator made) is not ours: use it, never remove it.
 * kind: NETCFG_ROUTE (through ifname, via optional) or NETCFG_UNREACH (no
 * device; ifname is the TUN it is made for). */
static int add_route_of(struct netcfg *n, enum netcfg_change_kind kind, const struct prefix *p,
			const struct ipaddr *via, const char *ifname)
{
	char s[ADDR_STRLEN], v[ADDR_STRLEN];
	bool unreach = kind == NETCFG_UNREACH;
	uint32_t seq = intend(n, unreach ? JOURNAL_UNREACH : JOURNAL_ROUTE, p, via, ifname);

	if (seq == 0)
		return -1;
	if ((unreach ? rtnl_unreach_add(p) : rtnl_route_add(p, via, ifname, 0)) < 0) {
		int e = errno;
		undo_done(n->undo, seq);
		if (e == EEXIST) {
			log_debug("route %s already exists; leaving it alone",
				  addr_fmt_prefix(p, s));
			return 0;
		}
		errno = e;
		log_warn("cannot add %sroute %s%s%s dev %s", unreach ? "unreachable " : "",
			 addr_fmt_prefix(p, s), via && via->family ? " via " : "",
			 via && via->family ? addr_fmt(via, v) : "", unreach ? "-" : ifname);
		return -1;
	}
	log_debug("added %sroute %s%s%s dev %s", unreach ? "unreachable " : "",
		  addr_fmt_prefix(p, s), via && via->family ? " via " : "",
		  via && via->family ? addr_fmt(via, v) : "", unreach ? "-" : ifname);
	return record(n, kind, p, via, ifname, seq);
}

static int add_route(struct netcfg *n, const struct prefix *p, const struct ipaddr *via,
		     const char *ifname)
{
	return add_route_of(n, NETCFG_ROUTE, p, via, ifname);
}

static const char *change_name(enum netcfg_change_kind k)
{
	return k == NETCFG_ADDR ? "address" : k == NETCFG_ROUTE ? "route" : "unreachable route";
}

static int undo_one(const struct netcfg_change *ch)
{
	char s[ADDR_STRLEN];
	int r;

	if (ch->kind == NETCFG_ADDR)
		r = rtnl_addr_del(ch->ifname, &ch->prefix);
	else if (ch->kind == NETCFG_UNREACH)
		r = rtnl_unreach_del(&ch->prefix);
	else
		r = rtnl_route_del(&ch->prefix, ch->via.family ? &ch->via : NULL, ch->ifname, 0);
	/* Gone already (the link went away with it, or it was never made
	 * before a crash) is as good as removed. */
	if (r < 0 && errno != ENODEV && errno != ESRCH && errno != EADDRNOTAVAIL &&
	    errno != ENOENT) {
		log_warn("cannot remove %s %s from %s", change_name(ch->kind),
			 addr_fmt_prefix(&ch->prefix, s), ch->ifname);
		return -1;
	}
	log_debug("removed %s %s (%s)%s", change_name(ch->kind), addr_fmt_prefix(&ch->prefix, s),
		  ch->ifname, r < 0 ? ": it was gone" : "");
	return 0;
}

int netcfg_undo_record(const struct journal_rec *r)
{
	struct netcfg_change ch = {
	    .kind = r->kind == JOURNAL_ADDR	 ? NETCFG_ADDR
		    : r->kind == JOURNAL_UNREACH ? NETCFG_UNREACH
						 : NETCFG_ROUTE,
	    .prefix = r->prefix,
	    .via = r->via,
	};

	snprintf(ch.ifname, sizeof(ch.ifname), "%s", r->ifname);
	return undo_one(&ch);
}

void netcfg_undo(struct netcfg *n)
{
	dns_undo(&n->dns_state);
	while (n->n_changes > 0) {
		const struct netcfg_change *ch = &n->changes[--n->n_changes];
		if (undo_one(ch) == 0)
			undo_done(n->undo, ch->seq);
	}
	free(n->changes);
	n->changes = NULL;
	n->cap_changes = 0;
	n->applied = false;
}

static struct netcfg_underlay *underlay_of(struct netcfg *n, int family)
{
	return family == AF_INET ? &n->underlay4 : &n->underlay6;
}

static void host_prefix(const struct ipaddr *a, struct prefix *p)
{
	p->addr = *a;
	p->len = (uint8_t)(addr_len(a) * 8);
}

static bool pinned(const struct netcfg *n, const struct ipaddr *gateway)
{
	for (size_t i = 0; i < n->n_changes; i++) {
		const struct netcfg_change *ch = &n->changes[i];
		if (ch->kind == NETCFG_ROUTE && ch->prefix.len == addr_len(gateway) * 8 &&
		    addr_eq(&ch->prefix.addr, gateway))
			return true;
	}
	return false;
}

/* A host route to the gateway through the way it was reached before the
 * tunnel existed, so the tunnel's own routes can never swallow it. */
static int pin(struct netcfg *n, const struct ipaddr *gateway)
{
	struct netcfg_underlay *u = underlay_of(n, gateway->family);
	struct prefix host;
	char s[ADDR_STRLEN];

	if (pinned(n, gateway))
		return 0;
	if (!u->known) {
		if (rtnl_route_get(gateway, &u->via, u->ifname) < 0) {
			log_warn("cannot find the route to the gateway %s", addr_fmt(gateway, s));
			return -1;
		}
		if (strcmp(u->ifname, n->ifname) == 0) {
			log_warnx("the gateway %s is only reachable through the tunnel itself",
				  addr_fmt(gateway, s));
			return -1;
		}
		u->known = true;
	}
	host_prefix(gateway, &host);
	return add_route(n, &host, u->via.family ? &u->via : NULL, u->ifname);
}

int netcfg_pin_gateway(struct netcfg *n, const struct ipaddr *gateway)
{
	if (!n->applied || gateway->family == 0)
		return 0;
	/* Only needed once our routes could carry the gateway's address. */
	if (!n->full_tunnel) {
		bool covered = false;
		for (unsigned i = 0; i < n->cfg.n_routes; i++)
			covered |= addr_in_prefix(gateway, &n->cfg.routes[i]);
		if (!covered)
			return 0;
	}
	return pin(n, gateway);
}

/* Two halves instead of a default route: more specific than any default,
 * so nothing needs to be deleted or replaced. Into the tunnel for a family
 * the tunnel carries; unreachable for one it does not, so that family's
 * traffic is refused instead of leaking around the tunnel. */
static int add_halves(struct netcfg *n, int family, bool carried)
{
	static const uint8_t half4[4] = {128, 0, 0, 0};
	static const uint8_t half6[16] = {0x80};
	enum netcfg_change_kind kind = carried ? NETCFG_ROUTE : NETCFG_UNREACH;
	struct prefix p;

	for (int i = 0; i < 2; i++) {
		memset(&p, 0, sizeof(p));
		p.addr.family = family;
		p.len = 1;
		if (i == 1 && family == AF_INET)
			addr_from_v4(&p.addr, half4);
		else if (i == 1)
			addr_from_v6(&p.addr, half6);
		if (add_route_of(n, kind, &p, NULL, n->ifname) < 0)
			return -1;
	}
	return 0;
}

/* One pushed route into the tunnel, unless the tunnel has no address of
 * its family. */
static int add_pushed_route(struct netcfg *n, const struct msg_config *cfg, const struct prefix *r)
{
	const struct prefix *own = r->addr.family == AF_INET ? &cfg->addr4 : &cfg->addr6;
	char s[ADDR_STRLEN];

	if (own->addr.family == 0) {
		log_info("skipping route %s: the tunnel has no %s address", addr_fmt_prefix(r, s),
			 r->addr.family == AF_INET ? "IPv4" : "IPv6");
		return 0;
	}
	return add_route(n, r, NULL, n->ifname);
}

static int apply_routes(struct netcfg *n, const struct msg_config *cfg)
{
	for (unsigned i = 0; i < cfg->n_routes; i++)
		if (add_pushed_route(n, cfg, &cfg->routes[i]) < 0)
			return -1;
	if (!n->full_tunnel)
		return 0;
	if (cfg->addr4.addr.family != AF_INET)
		log_info("full tunnel without an IPv4 address: IPv4 is blocked while connected");
	if (cfg->addr6.addr.family != AF_INET6)
		log_info("full tunnel without an IPv6 address: IPv6 is blocked while connected");
	if (add_halves(n, AF_INET, cfg->addr4.addr.family == AF_INET) < 0)
		return -1;
	return add_halves(n, AF_INET6, cfg->addr6.addr.family == AF_INET6);
}

int netcfg_apply(struct netcfg *n, const struct msg_config *cfg, const struct ipaddr *gateway)
{
	if (n->applied) {
		if (netcfg_same(n, cfg))
			return 0;
		log_info("the gateway sent a different configuration; replacing the old one");
		netcfg_undo(n);
	}
	n->cfg = *cfg;
	/* Before any route of ours exists, so the lookup sees the real way. */
	memset(&n->underlay4, 0, sizeof(n->underlay4));
	memset(&n->underlay6, 0, sizeof(n->underlay6));
	n->applied = true;
	if (rtnl_link_up(n->ifname, cfg->mtu, 0) < 0) {
		log_warn("cannot bring %s up with MTU %u", n->ifname, cfg->mtu);
		goto fail;
	}
	if (gateway != NULL && netcfg_pin_gateway(n, gateway) < 0)
		goto fail;
	if (cfg->addr4.addr.family == AF_INET && add_addr(n, &cfg->addr4) < 0)
		goto fail;
	if (cfg->addr6.addr.family == AF_INET6 && add_addr(n, &cfg->addr6) < 0)
		goto fail;
	if (apply_routes(n, cfg) < 0)
		goto fail;
	/* DNS is a convenience: the tunnel works without it, so a failure is
	 * reported (by dns.c) but does not tear the session down. */
	(void)dns_apply(&n->dns_state, n->undo, n->ifname, n->dns, n->full_tunnel, cfg);
	return 0;
fail:
	netcfg_undo(n);
	return -1;
}

static bool prefix_eq(const struct prefix *a, const struct prefix *b)
{
	if (a->addr.family != b->addr.family)
		return false;
	if (a->addr.family == 0)
		return true;
	return a->len == b->len && addr_eq(&a->addr, &b->addr);
}

/* Removes a pushed route of ours (on-link through the TUN) and forgets it;
 * one we never added (skipped, or the kernel had it) is left alone. */
static int remove_pushed_route(struct netcfg *n, const struct prefix *p)
{
	for (size_t i = 0; i < n->n_changes; i++) {
		struct netcfg_change *ch = &n->changes[i];

		if (ch->kind != NETCFG_ROUTE || ch->via.family != 0 ||
		    strcmp(ch->ifname, n->ifname) != 0 || !prefix_eq(&ch->prefix, p))
			continue;
		if (undo_one(ch) < 0)
			return -1;
		undo_done(n->undo, ch->seq);
		memmove(ch, ch + 1, (n->n_changes - i - 1) * sizeof(*ch));
		n->n_changes--;
		return 0;
	}
	return 0;
}

int netcfg_update(struct netcfg *n, const struct msg_config *lists, const struct ipaddr *gateway)
{
	struct cfgdiff d;
	int rc = 0;

	if (!n->applied)
		return -1;
	cfgdiff_make(&n->cfg, lists, &d);
	/* Gone first, so a route that moved between overlapping prefixes
	 * never has two ways at once for long. */
	for (unsigned i = 0; i < d.n_removed; i++)
		if (remove_pushed_route(n, &d.removed[i]) < 0)
			rc = -1;
	cfgdiff_take_lists(&n->cfg, lists);
	/* A new route may now cover the gateway's own address. */
	if (gateway != NULL && gateway->family != 0 && netcfg_pin_gateway(n, gateway) < 0)
		rc = -1;
	for (unsigned i = 0; i < d.n_added; i++)
		if (add_pushed_route(n, &n->cfg, &d.added[i]) < 0)
			rc = -1;
	if (d.dns_changed)
		(void)dns_apply(&n->dns_state, n->undo, n->ifname, n->dns, n->full_tunnel, &n->cfg);
	return rc;
}

bool netcfg_same(const struct netcfg *n, const struct msg_config *cfg)
{
	const struct msg_config *o = &n->cfg;

	if (!n->applied || !prefix_eq(&o->addr4, &cfg->addr4) ||
	    !prefix_eq(&o->addr6, &cfg->addr6) || o->mtu != cfg->mtu ||
	    o->n_routes != cfg->n_routes || o->n_dns != cfg->n_dns || o->n_search != cfg->n_search)
		return false;
	for (unsigned i = 0; i < o->n_routes; i++)
		if (!prefix_eq(&o->routes[i], &cfg->routes[i]))
			return false;
	for (unsigned i = 0; i < o->n_dns; i++)
		if (!addr_eq(&o->dns[i], &cfg->dns[i]))
			return false;
	for (unsigned i = 0; i < o->n_search; i++)
		if (strcmp(o->search[i], cfg->search[i]) != 0)
			return false;
	return true;
}

/* Forgets the recorded pin of gateway, removing it from the kernel too
 * (gone already is as good as removed). */
static void unpin(struct netcfg *n, const struct ipaddr *gateway)
{
	for (size_t i = 0; i < n->n_changes; i++) {
		struct netcfg_change *ch = &n->changes[i];

		if (ch->kind == NETCFG_ROUTE && ch->prefix.len == addr_len(gateway) * 8 &&
		    addr_eq(&ch->prefix.addr, gateway)) {
			undo_one(ch);
			memmove(ch, ch + 1, (n->n_changes - i - 1) * sizeof(*ch));
			n->n_changes--;
			return;
		}
	}
}

int netcfg_repin_gateway(struct netcfg *n, const struct ipaddr *gateway, int tun_ifindex)
{
	struct netcfg_underlay *u = underlay_of(n, gateway->family);
	struct rtnl_route r;
	struct prefix host;
	char ifname[IFNAMSIZ], s[ADDR_STRLEN];

	if (!pinned(n, gateway))
		return 0;
	if (rtnl_route_underlay(gateway, tun_ifindex, &r) < 0 ||
	    if_indextoname((unsigned)r.oif, ifname) == NULL) {
		log_debug("no way to the gateway %s around the tunnel yet", addr_fmt(gateway, s));
		return -1;
	}
	host_prefix(gateway, &host);
	if (u->known && addr_eq(&u->via, &r.via) && strcmp(u->ifname, ifname) == 0) {
		/* The same way: the pin only needs to exist, and the kernel
		 * drops it with the last address of its link. */
		if (rtnl_route_add(&host, u->via.family ? &u->via : NULL, u->ifname, 0) < 0 &&
		    errno != EEXIST) {
			log_warn("cannot pin the gateway %s to %s", addr_fmt(gateway, s),
				 u->ifname);
			return -1;
		}
		return 0;
	}
	unpin(n, gateway);
	u->via = r.via;
	snprintf(u->ifname, sizeof(u->ifname), "%s", ifname);
	u->known = true;
	log_info("the gateway %s is now reached through %s", addr_fmt(gateway, s), u->ifname);
	return add_route(n, &host, u->via.family ? &u->via : NULL, u->ifname);
}
