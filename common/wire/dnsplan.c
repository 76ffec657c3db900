/*
 * dnsplan.c - the per-link DNS plan for systemd-resolved (see dnsplan.h).
 * Pure: no I/O, no logging; the client applies the plan (client/linux/resolved.c).
 */
#include "dnsplan.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

/* DNS names compare without regard to ASCII case. */
static bool listed(const struct dnsplan *p, const char *name)
{
	for (unsigned i = 0; i < p->n_domains; i++)
		if (strcasecmp(p->domains[i].name, name) == 0)
			return true;
	return false;
}

static void add(struct dnsplan *p, const char *name, bool routing_only)
{
	struct dnsplan_domain *d;

	if (p->n_domains == DNSPLAN_MAX_DOMAINS || listed(p, name))
		return;
	d = &p->domains[p->n_domains++];
	snprintf(d->name, sizeof(d->name), "%s", name);
	d->routing_only = routing_only;
}

bool dnsplan_make(const struct msg_config *cfg, bool full_tunnel, struct dnsplan *out)
{
	memset(out, 0, sizeof(*out));
	if (cfg->n_dns == 0)
		return false;
	for (unsigned i = 0; i < cfg->n_dns && i < CFG_MAX_DNS; i++)
		out->servers[out->n_servers++] = cfg->dns[i];
	for (unsigned i = 0; i < cfg->n_search && i < CFG_MAX_SEARCH; i++)
		add(out, cfg->search[i], false);
	if (full_tunnel) {
		add(out, ".", true);
		out->default_route = true;
		return true;
	}
	for (unsigned i = 0; i < cfg->n_routing && i < CFG_MAX_ROUTING; i++)
		add(out, cfg->routing[i], true);
	out->default_route = out->n_domains == 0;
	return true;
}

void dnsplan_describe(const struct dnsplan *p, char *out, size_t cap)
{
	size_t len = 0;
	int r;

	if (cap == 0)
		return;
	out[0] = '\0';
	for (unsigned i = 0; i < p->n_domains && len < cap; i++) {
		r = snprintf(out + len, cap - len, "%s%s%s", i > 0 ? " " : "",
			     p->domains[i].routing_only ? "~" : "", p->domains[i].name);
		if (r < 0)
			return;
		len += (size_t)r;
	}
	if (len < cap)
		snprintf(out + len, cap - len, "%sdefault route: %s", len > 0 ? ", " : "",
			 p->default_route ? "yes" : "no");
}
