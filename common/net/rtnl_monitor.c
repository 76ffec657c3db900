/*
 * rtnl_monitor.c - reading rtnetlink messages: notifications summed up
 * for a roaming client, route messages into struct rtnl_route. Every
 * length is checked before the bytes under it are copied into aligned
 * locals; nothing is cast onto the buffer, so a short or lying message is
 * MALFORMED, never a read past the end.
 */
#include "rtnl_monitor.h"

#include <linux/if_addr.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <string.h>
#include <sys/socket.h>

#define NL_HDR_LEN 16	     /* struct nlmsghdr */
#define IFINFO_LEN 16	     /* struct ifinfomsg */
#define IFADDR_LEN 8	     /* struct ifaddrmsg */
#define RTMSG_LEN 12	     /* struct rtmsg */
#define ALIGN4(x) (((x) + 3u) & ~(size_t)3u)

struct nl_hdr {
	uint32_t len;
	uint16_t type;
};

static uint16_t get16(const uint8_t *p)
{
	uint16_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

static uint32_t get32(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

static size_t family_len(int family)
{
	return family == AF_INET ? 4 : family == AF_INET6 ? 16 : 0;
}

/* The header of the message at p (n bytes left); false if it does not fit. */
static bool msg_header(const uint8_t *p, size_t n, struct nl_hdr *h)
{
	if (n < NL_HDR_LEN)
		return false;
	h->len = get32(p);
	h->type = get16(p + 4);
	return h->len >= NL_HDR_LEN && h->len <= n;
}

static bool get_addr(struct ipaddr *a, int family, const uint8_t *v, size_t len)
{
	if (len != family_len(family))
		return false;
	memset(a, 0, sizeof(*a));
	a->family = family;
	memcpy(a->bytes, v, len);
	return true;
}

/* Reads one attribute of a rtmsg into r. false if its value is the wrong
 * size for what it claims to be. */
static bool route_attr(struct rtnl_route *r, uint16_t type, const uint8_t *v, size_t len)
{
	switch (type) {
	case RTA_DST:
		return get_addr(&r->dst.addr, r->family, v, len);
	case RTA_GATEWAY:
		return get_addr(&r->via, r->family, v, len);
	case RTA_PREFSRC:
		return get_addr(&r->prefsrc, r->family, v, len);
	case RTA_OIF:
		if (len != 4)
			return false;
		r->oif = (int)get32(v);
		return true;
	case RTA_PRIORITY:
		if (len != 4)
			return false;
		r->priority = get32(v);
		return true;
	case RTA_TABLE:
		if (len != 4)
			return false;
		r->table = get32(v);
		return true;
	default:
		return true;
	}
}

enum rtnl_mon_result rtnl_monitor_route(const uint8_t *p, size_t n, struct rtnl_route *out,
					const char **why)
{
	struct nl_hdr h;
	size_t off;
	uint32_t flags;

	memset(out, 0, sizeof(*out));
	if (!msg_header(p, n, &h) || h.len < NL_HDR_LEN + RTMSG_LEN) {
		*why = "route message shorter than its header";
		return RTNL_MON_MALFORMED;
	}
	out->family = p[NL_HDR_LEN];
	out->table = p[NL_HDR_LEN + 4];
	out->type = p[NL_HDR_LEN + 7];
	flags = get32(p + NL_HDR_LEN + 8);
	out->cloned = (flags & RTM_F_CLONED) != 0;
	if (family_len(out->family) == 0)
		return RTNL_MON_OK; /* not IP: nothing more we read */
	out->dst.len = p[NL_HDR_LEN + 1];
	if (out->dst.len > family_len(out->family) * 8) {
		*why = "route prefix longer than its family's addresses";
		return RTNL_MON_MALFORMED;
	}
	out->dst.addr.family = out->family;
	for (off = NL_HDR_LEN + ALIGN4(RTMSG_LEN); off < h.len;) {
		size_t left = h.len - off, alen;
		uint16_t type;

		if (left < 4) {
			*why = "route attribute header truncated";
			return RTNL_MON_MALFORMED;
		}
		alen = get16(p + off);
		type = get16(p + off + 2) & NLA_TYPE_MASK;
		if (alen < 4 || alen > left) {
			*why = "route attribute longer than its message";
			return RTNL_MON_MALFORMED;
		}
		if (!route_attr(out, type, p + off + 4, alen - 4)) {
			*why = "route attribute has the wrong length";
			return RTNL_MON_MALFORMED;
		}
		off += ALIGN4(alen);
	}
	return RTNL_MON_OK;
}

/* A route the kernel makes for every address, or a cache entry: neither
 * says anything about the way out that the address notification did not. */
static bool route_matters(const struct rtnl_route *r, int ignore_ifindex)
{
	if (family_len(r->family) == 0 || r->cloned || r->table == RT_TABLE_LOCAL)
		return false;
	if (r->type == RTN_LOCAL || r->type == RTN_BROADCAST || r->type == RTN_MULTICAST ||
	    r->type == RTN_ANYCAST)
		return false;
	return ignore_ifindex <= 0 || r->oif != ignore_ifindex;
}

static void note(struct rtnl_mon_summary *s, uint16_t type, int ifindex, int family)
{
	s->changes++;
	s->last_type = type;
	s->last_ifindex = ifindex;
	if (family != AF_INET6)
		s->ipv4 = true;
	if (family != AF_INET)
		s->ipv6 = true;
}

/* One message of the batch; false with *why if it is malformed. */
static bool decode_one(const uint8_t *p, const struct nl_hdr *h, int ignore_ifindex,
		       struct rtnl_mon_summary *s, const char **why)
{
	size_t body = h->len - NL_HDR_LEN;

	switch (h->type) {
	case RTM_NEWLINK:
	case RTM_DELLINK: {
		int idx;

		if (body < IFINFO_LEN) {
			*why = "link message shorter than its header";
			return false;
		}
		idx = (int)get32(p + NL_HDR_LEN + 4);
		if (idx != ignore_ifindex)
			note(s, h->type, idx, AF_UNSPEC);
		return true;
	}
	case RTM_NEWADDR:
	case RTM_DELADDR: {
		int family, idx;
		uint8_t scope;

		if (body < IFADDR_LEN) {
			*why = "address message shorter than its header";
			return false;
		}
		family = p[NL_HDR_LEN];
		scope = p[NL_HDR_LEN + 3];
		idx = (int)get32(p + NL_HDR_LEN + 4);
		/* Link-local and loopback addresses never carry the way out. */
		if (family_len(family) != 0 && idx != ignore_ifindex && scope != RT_SCOPE_LINK &&
		    scope != RT_SCOPE_HOST)
			note(s, h->type, idx, family);
		return true;
	}
	case RTM_NEWROUTE:
	case RTM_DELROUTE: {
		struct rtnl_route r;

		if (rtnl_monitor_route(p, h->len, &r, why) != RTNL_MON_OK)
			return false;
		if (route_matters(&r, ignore_ifindex))
			note(s, h->type, r.oif, r.family);
		return true;
	}
	default:
		return true;
	}
}

enum rtnl_mon_result rtnl_monitor_decode(const uint8_t *p, size_t n, int ignore_ifindex,
					 struct rtnl_mon_summary *out, const char **why)
{
	size_t off = 0;

	memset(out, 0, sizeof(*out));
	while (off < n) {
		struct nl_hdr h;

		if (!msg_header(p + off, n - off, &h)) {
			*why = "netlink message runs past the end of the read";
			return RTNL_MON_MALFORMED;
		}
		out->messages++;
		if (!decode_one(p + off, &h, ignore_ifindex, out, why))
			return RTNL_MON_MALFORMED;
		/* The last message may lack its padding. */
		off += ALIGN4(h.len) <= n - off ? ALIGN4(h.len) : h.len;
	}
	return RTNL_MON_OK;
}

bool rtnl_monitor_route_better(const struct rtnl_route *r, const struct rtnl_route *best,
			       const struct ipaddr *dst, int avoid_ifindex)
{
	size_t bits = family_len(dst->family) * 8;

	if (r->family != dst->family || r->cloned || r->type != RTN_UNICAST ||
	    r->table != RT_TABLE_MAIN || r->oif <= 0 || r->oif == avoid_ifindex)
		return false;
	if (!addr_in_prefix(dst, &r->dst) || r->dst.len == bits)
		return false;
	if (best == NULL)
		return true;
	if (r->dst.len != best->dst.len)
		return r->dst.len > best->dst.len;
	return r->priority < best->priority;
}

const char *rtnl_monitor_type_name(uint16_t type)
{
	switch (type) {
	case RTM_NEWLINK:
		return "link changed";
	case RTM_DELLINK:
		return "link removed";
	case RTM_NEWADDR:
		return "address added";
	case RTM_DELADDR:
		return "address removed";
	case RTM_NEWROUTE:
		return "route added";
	case RTM_DELROUTE:
		return "route removed";
	default:
		return "change";
	}
}
