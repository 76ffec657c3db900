/*
 * policy.c - the access rules on the data path, the second half of
 * "routing is the security invariant" (router.c does the first: sources and
 * destinations). A packet from a client enters the network only if its
 * group's rules (ruleN) allow it, or it answers a flow another client opened
 * to it; an allowed packet opens or refreshes a flow. A packet to a client
 * is delivered only if it belongs to a flow that client opened (an ICMP
 * error by the packet it quotes) or its group's inbound rules allow it.
 * [pool]'s implicit group allows everything and keeps no flows.
 * Drops are counted per session and per rule; log_drops adds a few lines a
 * second per session, never more.
 */
#include "server.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "log.h"

/* log_drops: lines per session per second. */
#define POLICY_LOG_PER_SEC 5

static void log_drop(struct session *s, const char *dir, const struct ippkt_info *ip,
		     const struct ippkt_l4 *l4, const struct acl *a, int rule)
{
	uint64_t now = ev_now_ms(s->w->loop);
	char src[ADDR_STRLEN], dst[ADDR_STRLEN], by[32];

	if (!s->w->gw->cfg.log_drops)
		return;
	if (now - s->drop_log_ms >= 1000) {
		s->drop_log_ms = now;
		s->drop_log_n = 0;
	}
	if (s->drop_log_n++ >= POLICY_LOG_PER_SEC)
		return;
	if (rule == ACL_DEFAULT)
		snprintf(by, sizeof(by), "no rule matched");
	else
		snprintf(by, sizeof(by), "%srule%u", a == &s->group->in ? "inbound_" : "",
			 a->rules[rule].number);
	session_log(s, SESSION_LOG_INFO, "denied %s: %s -> %s proto %u ports %u -> %u (%s)", dir,
		    addr_fmt(&ip->src, src), addr_fmt(&ip->dst, dst), l4->proto, l4->sport,
		    l4->dport, by);
}

bool policy_from_client(struct session *s, const uint8_t *pkt, size_t len,
			const struct ippkt_info *ip)
{
	struct worker *w = s->w;
	struct group *g = s->group;
	uint64_t now = ev_now_ms(w->loop);
	struct ippkt_l4 l4;
	struct flow_key k;
	struct session *peer;
	int rule;

	if (g->allow_all)
		return true;
	ippkt_l4(pkt, len, ip, &l4);
	if (acl_eval(&g->out, pkt, len, &rule)) {
		if (flow_key_of(s->sid, ip, &l4, true, &k))
			flow_open(&w->flows, &k, &l4, now);
		return true;
	}
	/* Another client's reply path: the flow its owner opened to us. */
	peer = sestab_find_addr(&w->by_addr, &ip->dst);
	if (peer != NULL && peer != s && flow_key_of(peer->sid, ip, &l4, false, &k) &&
	    flow_match(&w->flows, &k, &l4, now))
		return true;
	s->st.drop_acl++;
	log_drop(s, "from the client", ip, &l4, &g->out, rule);
	return false;
}

bool policy_to_client(struct session *s, const uint8_t *pkt, size_t len,
		      const struct ippkt_info *ip)
{
	struct worker *w = s->w;
	struct group *g = s->group;
	uint64_t now = ev_now_ms(w->loop);
	struct ippkt_info qip;
	struct ippkt_l4 l4, ql4;
	struct flow_key k;
	int rule;

	if (g == NULL || g->allow_all)
		return true;
	ippkt_l4(pkt, len, ip, &l4);
	if (flow_key_of(s->sid, ip, &l4, false, &k) && flow_match(&w->flows, &k, &l4, now))
		return true;
	/* An ICMP error about a packet the client sent in a flow it opened:
	 * unreachable, time exceeded, packet too big (path MTU discovery). */
	if (l4.icmp_error && ippkt_icmp_quoted(pkt, len, &l4, &qip, &ql4) &&
	    flow_key_of(s->sid, &qip, &ql4, true, &k) && flow_match(&w->flows, &k, NULL, now))
		return true;
	if (acl_eval(&g->in, pkt, len, &rule))
		return true;
	s->st.drop_inbound++;
	log_drop(s, "to the client", ip, &l4, &g->in, rule);
	return false;
}

static void rules_fmt(const struct acl *a, char *out, size_t cap)
{
	size_t n = 0;

	out[0] = '\0';
	for (unsigned i = 0; i < a->n && n < cap; i++) {
		int r = snprintf(out + n, cap - n, "%u:%" PRIu64 " ", a->rules[i].number,
				 a->rules[i].hits);
		if (r < 0)
			return;
		n += (size_t)r;
	}
	if (n < cap)
		snprintf(out + n, cap - n, "default:%" PRIu64, a->default_hits);
}

void policy_group_status(const struct group *g)
{
	char out[1024], in[1024];

	if (g->allow_all) {
		log_info("group status: group=%s leases=%u rules=all", g->net->name,
			 pool_active_count(&g->pool));
		return;
	}
	rules_fmt(&g->out, out, sizeof(out));
	rules_fmt(&g->in, in, sizeof(in));
	log_info("group status: group=%s leases=%u hits=\"%s\" inbound_hits=\"%s\"", g->net->name,
		 pool_active_count(&g->pool), out, in);
}
