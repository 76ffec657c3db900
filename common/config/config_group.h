/*
 * config_group.h - the [group NAME] sections of server.ini and the gateway
 * keys that choose a group. Private to the config_* files: config_server.c
 * hands the file over after its own keys are applied.
 */
#ifndef MTLSVPN_CONFIG_GROUP_H
#define MTLSVPN_CONFIG_GROUP_H

#include "config_key.h"

/* The file without its [group ...] sections, for config_key_apply; the
 * items are shared with f (free only view->items). -1 if out of memory. */
int config_group_view(const struct config_file *f, struct config_file *view,
		      char err[static CONFIG_ERR_MAX]);

/* Reads every [group NAME] section into s->groups (after [pool], which
 * config_key_apply has put into s->net), then checks what spans groups:
 * pools that overlap, statics outside their pool or given twice, an
 * identity in two groups, an unknown default_group. net_keys are the keys
 * [pool] shares with groups (ipv4, ipv6, routes, dns, search), offsets
 * relative to struct config_group. default_group_line is 0 if unset. */
int config_group_load(const struct config_file *f, struct config_server *s,
		      const struct config_key *net_keys, size_t n_net_keys,
		      unsigned default_group_line, char err[static CONFIG_ERR_MAX]);

/* The keys of a [group NAME] besides net_keys (members, static, ruleN,
 * inbound_ruleN), appended as config_key_names does. */
void config_group_key_names(struct config_key_name *out, size_t max, size_t *n);

/* [gateway] parsers: default_group = NAME | deny,
 * group_from = ou | oid:DOTTED | none (into a struct config_group_from). */
bool config_group_parse_default(const struct config_file *f, const struct config_key *k,
				const char *value, void *field, char why[static CONFIG_ERR_MAX]);
bool config_group_parse_from(const struct config_file *f, const struct config_key *k,
			     const char *value, void *field, char why[static CONFIG_ERR_MAX]);

#endif
