/*
 * config_lb.c - proxy_from, pool_slice and the check that ties
 * proxy_protocol to proxy_from (docs/operations.md "Running N gateways").
 * A load balancer's address is trusted to name the real client, so the
 * list is explicit: no default, no "any".
 */
#include "config_lb.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "config.h"
#include "config_file.h"

/* "10.0.0.5" is 10.0.0.5/32; "10.0.0.0/24" a whole network of balancers. */
static bool parse_source(const char *s, struct prefix *out, char why[static CONFIG_ERR_MAX])
{
	char q[CONFIG_QUOTE_MAX];

	if (strchr(s, '/') != NULL ? addr_parse_prefix(s, false, out) : addr_parse(s, &out->addr)) {
		if (strchr(s, '/') == NULL)
			out->len = out->addr.family == AF_INET ? 32 : 128;
		return true;
	}
	config_key_why(why,
		       "%s is not an address or prefix; list the load balancers' addresses, "
		       "e.g. 10.0.0.5, 10.0.1.0/28, fd00::5",
		       config_file_quote(s, q));
	return false;
}

bool config_lb_proxy_from(const struct config_file *f, const struct config_key *k,
			  const char *value, void *field, char why[static CONFIG_ERR_MAX])
{
	char items[CFG_MAX_PROXY_FROM][CONFIG_LIST_ITEM_MAX];
	struct config_server *s = field;
	unsigned n;

	(void)f;
	(void)k;
	if (!config_key_split(value, items, CFG_MAX_PROXY_FROM, &n, why))
		return false;
	for (unsigned i = 0; i < n; i++)
		if (!parse_source(items[i], &s->proxy_from[i], why))
			return false;
	s->n_proxy_from = n;
	return true;
}

bool config_lb_pool_slice(const struct config_file *f, const struct config_key *k,
			  const char *value, void *field, char why[static CONFIG_ERR_MAX])
{
	struct config_server *s = field;
	char q[CONFIG_QUOTE_MAX], *end;
	unsigned long kk, nn;

	(void)f;
	(void)k;
	kk = strtoul(value, &end, 10);
	if (end == value || *end != '/' || value[0] == '-' || end[1] == '-' || end[1] == '+')
		goto bad;
	nn = strtoul(end + 1, &end, 10);
	if (*end != '\0' || nn == 0 || nn > CFG_MAX_POOL_SLICES || (nn & (nn - 1)) != 0 ||
	    kk == 0 || kk > nn)
		goto bad;
	s->pool_slice_k = (unsigned)kk;
	s->pool_slice_n = (unsigned)nn;
	return true;
bad:
	config_key_why(why,
		       "%s is not a slice K/N with N a power of two up to %u and K from 1 to N; "
		       "e.g. 1/2 on the first of two gateways, 2/2 on the second",
		       config_file_quote(value, q), CFG_MAX_POOL_SLICES);
	return false;
}

int config_lb_check(const struct config_file *f, const struct config_server *s,
		    unsigned line_proxy_protocol, char *err)
{
	if (s->proxy_protocol && s->n_proxy_from == 0)
		return config_file_errf(f, line_proxy_protocol, "gateway", "proxy_protocol", err,
					"is on but proxy_from is not set; list the load "
					"balancers' addresses, e.g. proxy_from = 10.0.0.5");
	return 0;
}
