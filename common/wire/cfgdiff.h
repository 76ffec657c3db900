/*
 * cfgdiff.h - what a CONFIG_UPDATE changes: the routes to add and to
 * remove, and whether the DNS servers, search or routing domains differ.
 * Shared by the gateway (does a reload change this session?) and the
 * client (what to apply). Pure, never logs.
 */
#ifndef MTLSVPN_CFGDIFF_H
#define MTLSVPN_CFGDIFF_H

#include <stdbool.h>
#include <stddef.h>

#include "msg.h"

struct cfgdiff {
	struct prefix added[CFG_MAX_ROUTES]; /* in new, not in old, new's order */
	unsigned n_added;
	struct prefix removed[CFG_MAX_ROUTES]; /* in old, not in new, old's order */
	unsigned n_removed;
	bool dns_changed; /* servers (or their order), search or routing */
};

/* Compares the routes and DNS of old and new; nothing else of them. */
void cfgdiff_make(const struct msg_config *old, const struct msg_config *new_cfg,
		  struct cfgdiff *d);
bool cfgdiff_empty(const struct cfgdiff *d);
/* Copies new's routes, DNS servers, search and routing domains into cfg,
 * keeping everything else of cfg (addresses, MTU, timers, session). */
void cfgdiff_take_lists(struct msg_config *cfg, const struct msg_config *new_cfg);
/* One line for a person: "routes +10.1.0.0/24 -10.2.0.0/24; DNS 10.0.0.53
 * search corp.example", or "nothing" if empty. Truncated to cap. */
void cfgdiff_describe(const struct cfgdiff *d, const struct msg_config *new_cfg, char *out,
		      size_t cap);

#endif
