/*
 * dnsplan.h - what a tunnel asks of systemd-resolved for its link, from the
 * pushed CONFIG and the tunnel mode: servers, search and routing-only
 * domains, and whether the link is the default route for DNS. Pure.
 */
#ifndef MTLSVPN_DNSPLAN_H
#define MTLSVPN_DNSPLAN_H

#include <stdbool.h>
#include <stddef.h>

#include "msg.h"

/* Search domains, routing domains and the root ("~.") at most. */
#define DNSPLAN_MAX_DOMAINS (CFG_MAX_SEARCH + CFG_MAX_ROUTING + 1)

struct dnsplan_domain {
	char name[MSG_DOMAIN_MAX + 1]; /* "." for the root */
	bool routing_only;	       /* ~name: routes queries, never appended */
};

struct dnsplan {
	struct ipaddr servers[CFG_MAX_DNS];
	unsigned n_servers;
	struct dnsplan_domain domains[DNSPLAN_MAX_DOMAINS];
	unsigned n_domains;
	bool default_route; /* names no link's domain claims go here too */
};

/*
 * Split tunnel: the search domains, then each routing domain as ~name
 * (one that is already a search domain, or repeats, is left out), and the
 * link is not a default route, so other names resolve as before. If no
 * domain at all was pushed, the link stays a default route: otherwise its
 * servers would answer nothing. Full tunnel: the search domains, ~. and
 * default route, so every query goes through the tunnel.
 * Returns false if there is nothing to set (no servers).
 */
bool dnsplan_make(const struct msg_config *cfg, bool full_tunnel, struct dnsplan *out);

/* "corp.example ~int.example, default route: no" into out (truncated to
 * cap); for log lines. */
void dnsplan_describe(const struct dnsplan *p, char *out, size_t cap);

#endif
