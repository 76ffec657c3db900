/*
 * config_lb.h - the [gateway] keys of a gateway behind a load balancer:
 * proxy_protocol, proxy_from (the balancers allowed to send a PROXY v2
 * header) and pool_slice (this gateway's share of every pool). Private to
 * the config_* files: parsers for config_server.c's key table and the one
 * check across keys, each saying what would be right.
 */
#ifndef MTLSVPN_CONFIG_LB_H
#define MTLSVPN_CONFIG_LB_H

#include "config_key.h"

/* proxy_from = ADDR[/PREFIX][, ...]; field is the struct config_server. */
bool config_lb_proxy_from(const struct config_file *f, const struct config_key *k,
			  const char *value, void *field, char why[static CONFIG_ERR_MAX]);
/* pool_slice = K/N, N a power of two up to 256, 1 <= K <= N; field is the
 * struct config_server. */
bool config_lb_pool_slice(const struct config_file *f, const struct config_key *k,
			  const char *value, void *field, char why[static CONFIG_ERR_MAX]);
/* proxy_protocol = on needs proxy_from; -1 with err filled if not. */
int config_lb_check(const struct config_file *f, const struct config_server *s,
		    unsigned line_proxy_protocol, char *err);

#endif
