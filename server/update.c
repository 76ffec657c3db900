/*
 * update.c - a session's routes and DNS, as CONFIG and CONFIG_UPDATE carry
 * them, and pushing them to a live session after a reload. Only a client
 * that answered the CONFIG's FEATURES offer with FEATURES holding
 * PROTO_FEATURE_CONFIG_UPDATE gets an update; an older client keeps what
 * it has until it reconnects (docs/protocol.md, section 5.3). A client
 * whose FEATURES arrives after such a reload is sent the update then.
 */
#include "server.h"

#include <string.h>

#include "cfgdiff.h"
#include "msg.h"

void update_lists(const struct config_net *net, struct msg_config *c)
{
	memcpy(c->routes, net->routes, sizeof(c->routes));
	c->n_routes = net->n_routes;
	memcpy(c->dns, net->dns, sizeof(c->dns));
	c->n_dns = net->n_dns;
	memcpy(c->search, net->search, sizeof(c->search));
	c->n_search = net->n_search;
	memcpy(c->routing, net->routing, sizeof(c->routing));
	c->n_routing = net->n_routing;
}

bool update_differs(const struct config_net *old, const struct config_net *new_net)
{
	static struct msg_config a, b; /* single-threaded worker; ~5 KiB each */
	struct cfgdiff d;

	memset(&a, 0, sizeof(a));
	memset(&b, 0, sizeof(b));
	update_lists(old, &a);
	update_lists(new_net, &b);
	cfgdiff_make(&a, &b, &d);
	return !cfgdiff_empty(&d);
}

void update_on_features(struct session *s, uint32_t features)
{
	/* Only what we offered counts; a newer client's other bits mean
	 * nothing to us. */
	s->features = features & establish_features_offered(s->w);
	if (udp_sess_offered(s) || s->udp != NULL) {
		udp_sess_on_features(s, (features & PROTO_FEATURE_DCHAN) != 0);
		if (s->udp != NULL)
			s->features |= PROTO_FEATURE_DCHAN;
	}
	session_log(s, SESSION_LOG_DEBUG, "client accepts features 0x%08x", (unsigned)features);
	/* A reload came between our CONFIG and this answer: its CONFIG
	 * holds the old lists. */
	if (s->update_owed && (s->features & PROTO_FEATURE_CONFIG_UPDATE))
		(void)update_session(s);
}

enum update_result update_session(struct session *s)
{
	static struct msg_config c;
	uint8_t payload[8192];
	size_t len;

	if (s->state != SESSION_ESTABLISHED || s->group == NULL)
		return UPDATE_NOT_SENT;
	if (!(s->features & PROTO_FEATURE_CONFIG_UPDATE))
		return UPDATE_OLD_CLIENT;
	memset(&c, 0, sizeof(c));
	update_lists(s->group->net, &c);
	if (!msg_update_encode(&c, payload, sizeof(payload), &len)) {
		session_close(s, BYE_PROTOCOL_ERROR,
			      "internal error: CONFIG_UPDATE does not encode");
		return UPDATE_NOT_SENT;
	}
	if (!session_send_frame(s, FRAME_CONFIG_UPDATE, payload, len) || !router_session_flush(s))
		return UPDATE_NOT_SENT;
	s->update_owed = false;
	session_log(s, SESSION_LOG_INFO, "sent CONFIG_UPDATE: %u route(s), %u DNS server(s)",
		    c.n_routes, c.n_dns);
	return UPDATE_SENT;
}
