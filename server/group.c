/*
 * group.c - the configured groups made ready for the gateway: one address
 * pool each with its static addresses held for their owners, the gateway's
 * own address in each pool on the TUN, and each group's rules compiled
 * (they compiled when the configuration was checked, so a failure here is
 * out of memory). Undone in reverse order by group_deinit_all.
 */
#include "server.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "rtnl.h"

static int compile(const struct config_server *cfg, struct acl *a, const struct config_rule *r,
		   unsigned n, const char *gname, char *why, size_t cap)
{
	char err[ACL_ERR_MAX];

	for (unsigned i = 0; i < n; i++) {
		if (acl_add(a, r[i].deny ? ACL_DENY : ACL_ALLOW, r[i].number,
			    config_text(cfg, r[i].expr), err) < 0) {
			snprintf(why, cap, "%s:%u [group %s] %srule%u: %s", cfg->path, r[i].line,
				 gname, r[i].inbound ? "inbound_" : "", r[i].number, err);
			return -1;
		}
	}
	return 0;
}

/* The network's first host: host bits are at least two, so no carry. */
static void group_first_host(const struct prefix *pool, struct prefix *out)
{
	addr_prefix_network(pool, out);
	out->addr.bytes[addr_len(&out->addr) - 1] |= 1;
	out->len = pool->len;
}

/* Group i of cfg into g; -1 with err[] saying why. */
int group_init(const struct config_server *cfg, struct group *g, unsigned i, char *err, size_t cap)
{
	const struct config_group *cg = &cfg->groups[i];
	const struct config_net *net = &cg->net;
	const char *why = NULL;

	g->cfg = cg;
	g->net = net;
	g->index = i;
	g->allow_all = cg->allow_all;
	acl_init(&g->out);
	acl_init(&g->in);
	struct prefix p4 = net->pool4, p6 = net->pool6;

	/* pool_slice: lease from this gateway's part of each pool only. */
	if (cfg->pool_slice_n > 1 &&
	    ((p4.addr.family != 0 &&
	      !pool_slice(&net->pool4, cfg->pool_slice_k, cfg->pool_slice_n, &p4)) ||
	     (p6.addr.family != 0 &&
	      !pool_slice(&net->pool6, cfg->pool_slice_k, cfg->pool_slice_n, &p6)))) {
		snprintf(err, cap, "%s: group %s: pool_slice %u/%u does not fit its pool", cfg->path,
			 net->name, cfg->pool_slice_k, cfg->pool_slice_n);
		return -1;
	}
	if (pool_init(&g->pool, net->name, p4.addr.family ? &p4 : NULL,
		      p6.addr.family ? &p6 : NULL, &why) < 0) {
		snprintf(err, cap, "%s: group %s: %s%s", cfg->path, net->name,
			 why != NULL ? why : "invalid pool",
			 cfg->pool_slice_n > 1 ? " (in its pool_slice)" : "");
		return -1;
	}
	/* The gateway's own address: the whole pool's first host and length,
	 * the same on every gateway sharing the pool. */
	if (net->pool4.addr.family != 0)
		group_first_host(&net->pool4, &g->tun4);
	if (net->pool6.addr.family != 0)
		group_first_host(&net->pool6, &g->tun6);
	/* A static address is held as an active lease of its owner for good,
	 * so the pool never hands it to anyone else. */
	for (unsigned k = 0; k < cfg->n_statics; k++) {
		const struct config_static *st = &cfg->statics[k];

		if (st->group != i)
			continue;
		if (pool_reserve(&g->pool, &st->addr, config_text(cfg, st->identity), true, 0) !=
		    POOL_OK) {
			char a[ADDR_STRLEN];

			snprintf(err, cap, "%s:%u [group %s] static: %s cannot be reserved%s",
				 cfg->path, st->line, net->name, addr_fmt(&st->addr, a),
				 cfg->pool_slice_n > 1 ? " (outside this gateway's pool_slice)" : "");
			return -1;
		}
	}
	if (compile(cfg, &g->out, &cfg->rules[cg->first_rule], cg->n_rules, net->name, err, cap) <
		0 ||
	    compile(cfg, &g->in, &cfg->rules[cg->first_inbound], cg->n_inbound, net->name, err,
		    cap) < 0)
		return -1;
	return 0;
}

int group_init_all(struct gateway *gw)
{
	gw->groups = calloc(gw->cfg.n_groups > 0 ? gw->cfg.n_groups : 1, sizeof(*gw->groups));
	if (gw->groups == NULL) {
		log_warn("cannot allocate the groups");
		return -1;
	}
	gw->n_groups = gw->cfg.n_groups;
	for (unsigned i = 0; i < gw->n_groups; i++) {
		char err[CONFIG_ERR_MAX];

		if (group_init(&gw->cfg, &gw->groups[i], i, err, sizeof(err)) < 0) {
			log_warnx("%s", err);
			group_deinit_all(gw);
			return -1;
		}
	}
	return 0;
}

void group_deinit(struct group *g)
{
	acl_deinit(&g->out);
	acl_deinit(&g->in);
	pool_deinit(&g->pool);
}

void group_deinit_all(struct gateway *gw)
{
	for (unsigned i = 0; i < gw->n_groups; i++)
		group_deinit(&gw->groups[i]);
	free(gw->groups);
	gw->groups = NULL;
	gw->n_groups = 0;
}

int group_tun_add(struct gateway *gw)
{
	char a[ADDR_STRLEN];

	for (unsigned i = 0; i < gw->n_groups; i++) {
		struct group *g = &gw->groups[i];

		if (g->tun4.addr.family != 0) {
			if (rtnl_addr_add(gw->tun_name, &g->tun4) < 0) {
				log_warn("cannot add %s to %s", addr_fmt_prefix(&g->tun4, a),
					 gw->tun_name);
				return -1;
			}
			g->tun4_added = true;
		}
		if (g->tun6.addr.family != 0) {
			if (rtnl_addr_add(gw->tun_name, &g->tun6) < 0) {
				log_warn("cannot add %s to %s", addr_fmt_prefix(&g->tun6, a),
					 gw->tun_name);
				return -1;
			}
			g->tun6_added = true;
		}
	}
	return 0;
}

void group_tun_del(struct gateway *gw)
{
	char a[ADDR_STRLEN];

	for (unsigned i = 0; i < gw->n_groups; i++) {
		struct group *g = &gw->groups[i];

		if (g->tun6_added && rtnl_addr_del(gw->tun_name, &g->tun6) < 0 && errno != ENODEV)
			log_warn("cannot remove %s from %s", addr_fmt_prefix(&g->tun6, a),
				 gw->tun_name);
		if (g->tun4_added && rtnl_addr_del(gw->tun_name, &g->tun4) < 0 && errno != ENODEV)
			log_warn("cannot remove %s from %s", addr_fmt_prefix(&g->tun4, a),
				 gw->tun_name);
		g->tun4_added = g->tun6_added = false;
	}
}

bool group_has_family(const struct gateway *gw, int family)
{
	for (unsigned i = 0; i < gw->n_groups; i++)
		if ((family == AF_INET ? gw->groups[i].tun4 : gw->groups[i].tun6).addr.family != 0)
			return true;
	return false;
}

unsigned group_active_leases(const struct gateway *gw)
{
	unsigned n = 0;

	for (unsigned i = 0; i < gw->n_groups; i++)
		n += pool_active_count(&gw->groups[i].pool);
	return n;
}

void group_log_all(const struct gateway *gw)
{
	for (unsigned i = 0; i < gw->n_groups; i++) {
		const struct group *g = &gw->groups[i];
		char p4[ADDR_STRLEN] = "-", p6[ADDR_STRLEN] = "-";

		if (g->tun4.addr.family != 0)
			addr_fmt_prefix(&g->tun4, p4);
		if (g->tun6.addr.family != 0)
			addr_fmt_prefix(&g->tun6, p6);
		log_info("group %s: address=%s address6=%s rules=%s%u inbound_rules=%u%s",
			 g->net->name, p4, p6, g->allow_all ? "all " : "", g->out.n, g->in.n,
			 (int)i == gw->cfg.default_group ? " (default_group)" : "");
	}
}
