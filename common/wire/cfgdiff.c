/*
 * cfgdiff.c - the difference between the routes and DNS a session has and
 * those a CONFIG_UPDATE brings. Routes are a set (a route kept keeps its
 * place in the kernel); DNS is compared as a whole, in order, because the
 * first server is tried first and the client replaces DNS in one step.
 */
#include "cfgdiff.h"

#include <stdio.h>
#include <string.h>

static bool prefix_same(const struct prefix *a, const struct prefix *b)
{
	return a->len == b->len && addr_eq(&a->addr, &b->addr);
}

static bool has_route(const struct msg_config *c, const struct prefix *p)
{
	for (unsigned i = 0; i < c->n_routes; i++)
		if (prefix_same(&c->routes[i], p))
			return true;
	return false;
}

static bool same_domains(const char (*a)[MSG_DOMAIN_MAX + 1], unsigned na,
			 const char (*b)[MSG_DOMAIN_MAX + 1], unsigned nb)
{
	if (na != nb)
		return false;
	for (unsigned i = 0; i < na; i++)
		if (strcmp(a[i], b[i]) != 0)
			return false;
	return true;
}

static bool same_dns(const struct msg_config *a, const struct msg_config *b)
{
	if (a->n_dns != b->n_dns)
		return false;
	for (unsigned i = 0; i < a->n_dns; i++)
		if (!addr_eq(&a->dns[i], &b->dns[i]))
			return false;
	return same_domains(a->search, a->n_search, b->search, b->n_search) &&
	       same_domains(a->routing, a->n_routing, b->routing, b->n_routing);
}

void cfgdiff_make(const struct msg_config *old, const struct msg_config *new_cfg, struct cfgdiff *d)
{
	memset(d, 0, sizeof(*d));
	for (unsigned i = 0; i < new_cfg->n_routes && i < CFG_MAX_ROUTES; i++)
		if (!has_route(old, &new_cfg->routes[i]))
			d->added[d->n_added++] = new_cfg->routes[i];
	for (unsigned i = 0; i < old->n_routes && i < CFG_MAX_ROUTES; i++)
		if (!has_route(new_cfg, &old->routes[i]))
			d->removed[d->n_removed++] = old->routes[i];
	d->dns_changed = !same_dns(old, new_cfg);
}

bool cfgdiff_empty(const struct cfgdiff *d)
{
	return d->n_added == 0 && d->n_removed == 0 && !d->dns_changed;
}

void cfgdiff_take_lists(struct msg_config *cfg, const struct msg_config *new_cfg)
{
	memcpy(cfg->routes, new_cfg->routes, sizeof(cfg->routes));
	cfg->n_routes = new_cfg->n_routes;
	memcpy(cfg->dns, new_cfg->dns, sizeof(cfg->dns));
	cfg->n_dns = new_cfg->n_dns;
	memcpy(cfg->search, new_cfg->search, sizeof(cfg->search));
	cfg->n_search = new_cfg->n_search;
	memcpy(cfg->routing, new_cfg->routing, sizeof(cfg->routing));
	cfg->n_routing = new_cfg->n_routing;
}

struct out {
	char *p;
	size_t cap, len;
};

static void put(struct out *o, const char *s)
{
	size_t n = strlen(s);

	if (o->cap == 0)
		return;
	if (o->len + n >= o->cap)
		n = o->cap - 1 - o->len;
	memcpy(o->p + o->len, s, n);
	o->len += n;
	o->p[o->len] = '\0';
}

static void put_prefixes(struct out *o, char sign, const struct prefix *p, unsigned n)
{
	char t[ADDR_STRLEN + 2];

	for (unsigned i = 0; i < n; i++) {
		char a[ADDR_STRLEN];

		snprintf(t, sizeof(t), " %c%s", sign, addr_fmt_prefix(&p[i], a));
		put(o, t);
	}
}

void cfgdiff_describe(const struct cfgdiff *d, const struct msg_config *new_cfg, char *out,
		      size_t cap)
{
	struct out o = {.p = out, .cap = cap};

	if (cap > 0)
		out[0] = '\0';
	if (cfgdiff_empty(d)) {
		put(&o, "nothing");
		return;
	}
	if (d->n_added > 0 || d->n_removed > 0) {
		put(&o, "routes");
		put_prefixes(&o, '+', d->added, d->n_added);
		put_prefixes(&o, '-', d->removed, d->n_removed);
	}
	if (!d->dns_changed)
		return;
	put(&o, o.len > 0 ? "; DNS" : "DNS");
	if (new_cfg->n_dns == 0)
		put(&o, " none");
	for (unsigned i = 0; i < new_cfg->n_dns; i++) {
		char a[ADDR_STRLEN];

		put(&o, " ");
		put(&o, addr_fmt(&new_cfg->dns[i], a));
	}
	if (new_cfg->n_search > 0)
		put(&o, " search");
	for (unsigned i = 0; i < new_cfg->n_search; i++) {
		put(&o, " ");
		put(&o, new_cfg->search[i]);
	}
	if (new_cfg->n_routing > 0)
		put(&o, " routing");
	for (unsigned i = 0; i < new_cfg->n_routing; i++) {
		put(&o, " ~");
		put(&o, new_cfg->routing[i]);
	}
}
