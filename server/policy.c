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
	else if (rule == ACL_CUT)
		snprintf(by, sizeof(by), "a looping rule cut short");
	else
		snprintf(by, sizeof(by), "%srule%u", a == &s->group->in ? "inbound_" : "",
			 a->rules[rule].number);
	session_log(s, SESSION_LOG_INFO, "denied %s: %s -> %s proto %u ports %u -> %u (%s)", dir,
		    addr_fmt(&ip->src, src), addr_fmt(&ip->dst, dst), l4->proto, l4->sport,
		    l4->dport, by);
}

/* A worker's flow table is read by other workers too (a client answering
 * another worker's client): under its flows_mu. */

/* An allowed packet from the client opens or refreshes its flow. */
static void open_flow(struct session *s, const struct ippkt_info *ip, const struct ippkt_l4 *l4)
{
	struct flow_key k;

	if (!flow_key_of(s->sid, ip, l4, true, &k))
		return;
	workers_lock(s->w->gw, &s->w->flows_mu);
	flow_open(&s->w->flows, &k, l4, ev_now_ms(s->w->loop));
	workers_unlock(s->w->gw, &s->w->flows_mu);
}

/* A packet the rules denied gets in only as another client's reply (the
 * flow its owner opened to us); else n packets are dropped and counted. */
static bool reply_or_drop(struct session *s, const struct ippkt_info *ip,
			  const struct ippkt_l4 *l4, int rule, uint32_t n)
{
	struct session *peer = sestab_find_addr(&s->w->gw->by_addr, &ip->dst);
	struct flow_key k;
	bool ok = false;

	/* The peer's flows are its worker's (by_addr and peer->w change only
	 * with the world stopped). */
	if (peer != NULL && peer != s && flow_key_of(peer->sid, ip, l4, false, &k)) {
		workers_lock(peer->w->gw, &peer->w->flows_mu);
		ok = flow_match(&peer->w->flows, &k, l4, ev_now_ms(s->w->loop));
		workers_unlock(peer->w->gw, &peer->w->flows_mu);
	}
	if (ok)
		return true;
	s->st.drop_acl += n;
	log_drop(s, "from the client", ip, l4, &s->group->out, rule);
	return false;
}

bool policy_from_client(struct session *s, const uint8_t *pkt, size_t len,
			const struct ippkt_info *ip)
{
	struct group *g = s->group;
	struct ippkt_l4 l4;
	int rule;

	if (g->allow_all)
		return true;
	ippkt_l4(pkt, len, ip, &l4);
	if (acl_eval(&g->out, pkt, len, &rule)) {
		open_flow(s, ip, &l4);
		return true;
	}
	return reply_or_drop(s, ip, &l4, rule, 1);
}

/* A packet to the client in a flow it opened, or an ICMP error about a
 * packet it sent in one (unreachable, time exceeded, packet too big: path
 * MTU discovery). Flows are keyed by addresses, protocol and ports: the
 * answer holds for every segment of a super-packet. */
static bool in_client_flow(struct session *s, const uint8_t *pkt, size_t len,
			   const struct ippkt_info *ip, const struct ippkt_l4 *l4)
{
	struct worker *w = s->w;
	uint64_t now = ev_now_ms(w->loop);
	struct ippkt_info qip;
	struct ippkt_l4 ql4;
	struct flow_key k;
	bool ok;

	workers_lock(w->gw, &w->flows_mu);
	ok = (flow_key_of(s->sid, ip, l4, false, &k) && flow_match(&w->flows, &k, l4, now)) ||
	     (l4->icmp_error && ippkt_icmp_quoted(pkt, len, l4, &qip, &ql4) &&
	      flow_key_of(s->sid, &qip, &ql4, true, &k) && flow_match(&w->flows, &k, NULL, now));
	workers_unlock(w->gw, &w->flows_mu);
	return ok;
}

/* Denied by the inbound rules: n packets dropped and counted. */
static bool drop_inbound(struct session *s, const struct ippkt_info *ip,
			 const struct ippkt_l4 *l4, int rule, uint32_t n)
{
	s->st.drop_inbound += n;
	log_drop(s, "to the client", ip, l4, &s->group->in, rule);
	return false;
}

bool policy_to_client(struct session *s, const uint8_t *pkt, size_t len,
		      const struct ippkt_info *ip)
{
	struct group *g = s->group;
	struct ippkt_l4 l4;
	int rule;

	if (g == NULL || g->allow_all)
		return true;
	ippkt_l4(pkt, len, ip, &l4);
	if (in_client_flow(s, pkt, len, ip, &l4) || acl_eval(&g->in, pkt, len, &rule))
		return true;
	return drop_inbound(s, ip, &l4, rule, 1);
}

/* The rules see a super-packet's first segment as they would see it alone:
 * its length ends after one gso_size of payload. acl_eval_gso says
 * PER_SEGMENT whenever a rule reads what differs between segments. */
static enum acl_gso eval_gso(struct acl *a, const uint8_t *pkt, const struct gso_info *inf,
			     const struct gso_meta *m, int *rule)
{
	uint8_t vary[GSO_MASK_BYTES];
	size_t first = (size_t)inf->hdr_len + m->gso_size;

	gso_vary_mask(inf, vary);
	return acl_eval_gso(a, pkt, first < inf->len ? first : inf->len, inf->hdr_len, vary,
			    inf->segs, rule);
}

enum policy_verdict policy_from_client_gso(struct session *s, const uint8_t *pkt,
					   const struct gso_info *inf, const struct gso_meta *m,
					   const struct ippkt_info *ip)
{
	struct group *g = s->group;
	struct ippkt_l4 l4;
	int rule;

	if (g->allow_all)
		return POLICY_ALLOW;
	if (inf->segs == 1)
		return policy_from_client(s, pkt, inf->len, ip) ? POLICY_ALLOW : POLICY_DENY;
	ippkt_l4(pkt, inf->len, ip, &l4);
	switch (eval_gso(&g->out, pkt, inf, m, &rule)) {
	case ACL_GSO_PER_SEGMENT:
		return POLICY_PER_SEGMENT;
	case ACL_GSO_ALLOW:
		open_flow(s, ip, &l4);
		return POLICY_ALLOW;
	case ACL_GSO_DENY:
		break;
	}
	return reply_or_drop(s, ip, &l4, rule, inf->segs) ? POLICY_ALLOW : POLICY_DENY;
}

enum policy_verdict policy_to_client_gso(struct session *s, const uint8_t *pkt,
					 const struct gso_info *inf, const struct gso_meta *m,
					 const struct ippkt_info *ip)
{
	struct group *g = s->group;
	struct ippkt_l4 l4;
	int rule;

	if (g == NULL || g->allow_all)
		return POLICY_ALLOW;
	if (inf->segs == 1)
		return policy_to_client(s, pkt, inf->len, ip) ? POLICY_ALLOW : POLICY_DENY;
	ippkt_l4(pkt, inf->len, ip, &l4);
	if (in_client_flow(s, pkt, inf->len, ip, &l4))
		return POLICY_ALLOW;
	switch (eval_gso(&g->in, pkt, inf, m, &rule)) {
	case ACL_GSO_PER_SEGMENT:
		return POLICY_PER_SEGMENT;
	case ACL_GSO_ALLOW:
		return POLICY_ALLOW;
	case ACL_GSO_DENY:
		break;
	}
	drop_inbound(s, ip, &l4, rule, inf->segs);
	return POLICY_DENY;
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
		snprintf(out + n, cap - n, "default:%" PRIu64 " cut:%" PRIu64, a->default_hits,
			 a->cut_hits);
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
