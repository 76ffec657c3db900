/*
 * update.c - routes and DNS the gateway changes on a live tunnel. After
 * CONFIG the client answers the gateway's FEATURES offer with the ones it
 * takes (only CONFIG_UPDATE today); the gateway then sends CONFIG_UPDATE
 * after a reload that changes this session's routes or DNS, and the
 * platform applies the difference (netcfg_update) without a reconnect.
 * docs/protocol.md, section 5.3.
 */
#include "client.h"

#include <stdlib.h>
#include <string.h>

#include "cfgdiff.h"
#include "log.h"

/* Test-only: behave like a client older than CONFIG_UPDATE (never
 * announce it), so a test can check that such a client keeps working. */
#define UPDATE_TEST_OLD_ENV "MTLSVPN_TEST_NO_FEATURES"

int update_announce(struct client *c, const struct msg_config *cfg)
{
	uint8_t payload[4];
	uint32_t take = cfg->features & PROTO_FEATURES_KNOWN;

	/* Super-packets need a TUN opened for them. */
	if (!c->tun_vnet)
		take &= ~PROTO_FEATURE_OFFLOAD;
	/* The UDP channel only when it is keyed and its socket open. */
	if (c->udp == NULL)
		take &= ~PROTO_FEATURE_DCHAN;
	size_t n;
	int r;

	c->features = 0;
	if (take == 0 || getenv(UPDATE_TEST_OLD_ENV) != NULL)
		return 0;
	n = msg_features_encode(take, payload, sizeof(payload));
	r = n == 0 ? 1 : tunnel_send_frame(c, FRAME_FEATURES, payload, n);
	if (r != 0)
		return r < 0 ? -1 : 0; /* not sent: we take no updates */
	c->features = take;
	log_debug("told the gateway we take features 0x%08x", (unsigned)take);
	return 0;
}

bool update_apply(struct client *c, const struct msg_config *lists)
{
	static struct msg_config next;
	struct cfgdiff d;
	char what[1024];

	if (c->state != CLIENT_UP)
		return true; /* CLOSING: read, not acted on */
	if (!(c->features & PROTO_FEATURE_CONFIG_UPDATE))
		return false; /* we never asked for it */
	next = c->config;
	cfgdiff_take_lists(&next, lists);
	cfgdiff_make(&c->config, &next, &d);
	cfgdiff_describe(&d, &next, what, sizeof(what));
	if (cfgdiff_empty(&d)) {
		log_info("the gateway re-sent the tunnel's routes and DNS: nothing changed");
		return true;
	}
	if (netcfg_update(&c->net, lists, &c->gateway_ip) < 0)
		log_warnx("the gateway changed the tunnel's routes and DNS, but not all of it "
			  "could be applied (see above)");
	c->config = next;
	log_info("the gateway changed the tunnel's settings: %s", what);
	return true;
}
