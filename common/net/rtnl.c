/*
 * rtnl.c - raw rtnetlink requests for link, address and route set-up.
 * Every request asks for an ACK and is matched by sequence number; the
 * kernel's error code becomes errno. A receive timeout bounds each wait so
 * a lost answer can never hang the caller.
 */
#include "rtnl.h"

#include <errno.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/if_addr.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#define RTNL_REQ_SPACE 512
#define RTNL_RECV_SPACE 16384
#define RTNL_TIMEOUT_S 5

struct rtnl_req {
	struct nlmsghdr hdr;
	/* Room for the family header (ifinfomsg/ifaddrmsg/rtmsg) and attributes. */
	uint8_t body[RTNL_REQ_SPACE];
};

/* What is done with each route message of an answer: the first one of a
 * lookup, or the best way to a destination among a dump's. */
struct route_sink {
	bool found;
	struct rtnl_route route;
	const struct ipaddr *dst; /* dump: the destination; NULL: keep the first */
	int avoid_ifindex;
};

static void req_init(struct rtnl_req *r, uint16_t type, uint16_t flags, const void *fam,
		     size_t fam_len)
{
	memset(r, 0, sizeof(*r));
	r->hdr.nlmsg_len = (uint32_t)NLMSG_LENGTH(fam_len);
	r->hdr.nlmsg_type = type;
	r->hdr.nlmsg_flags = (uint16_t)(NLM_F_REQUEST | NLM_F_ACK | flags);
	memcpy(NLMSG_DATA(&r->hdr), fam, fam_len);
}

static int req_attr(struct rtnl_req *r, uint16_t type, const void *data, size_t len)
{
	size_t off = NLMSG_ALIGN(r->hdr.nlmsg_len);
	struct rtattr rta;

	if (off + RTA_SPACE(len) > sizeof(*r)) {
		errno = ENOBUFS;
		return -1;
	}
	rta.rta_type = type;
	rta.rta_len = (unsigned short)RTA_LENGTH(len);
	memcpy((uint8_t *)r + off, &rta, sizeof(rta));
	memcpy((uint8_t *)r + off + RTA_LENGTH(0), data, len);
	r->hdr.nlmsg_len = (uint32_t)(off + RTA_SPACE(len));
	return 0;
}

static int req_attr_u32(struct rtnl_req *r, uint16_t type, uint32_t v)
{
	return req_attr(r, type, &v, sizeof(v));
}

static int ifindex_of(const char *ifname)
{
	unsigned idx;

	if (ifname == NULL || ifname[0] == '\0' || strlen(ifname) >= IFNAMSIZ) {
		errno = ENODEV;
		return -1;
	}
	idx = if_nametoindex(ifname);
	if (idx == 0) {
		errno = ENODEV;
		return -1;
	}
	return (int)idx;
}

static void sink_route(struct route_sink *sink, const uint8_t *p, size_t n)
{
	struct rtnl_route r;
	const char *why;

	if (rtnl_monitor_route(p, n, &r, &why) != RTNL_MON_OK)
		return;
	if (sink->dst == NULL) {
		if (!sink->found)
			sink->route = r;
		sink->found = true;
	} else if (rtnl_monitor_route_better(&r, sink->found ? &sink->route : NULL, sink->dst,
					     sink->avoid_ifindex)) {
		sink->route = r;
		sink->found = true;
	}
}

/* NLMSG_OK without its signed/unsigned comparison: the header fits in len
 * bytes and so does the whole message. */
static bool rtnl_msg_ok(const struct nlmsghdr *h, int len)
{
	return len >= (int)sizeof(*h) && h->nlmsg_len >= sizeof(*h) &&
	       h->nlmsg_len <= (unsigned)len;
}

/*
 * Sends r and reads until the kernel's ACK (or error, or the end of a dump)
 * for it. RTM_NEWROUTE answers on the way go to sink when it is given.
 */
static int rtnl_talk(struct rtnl_req *r, struct route_sink *sink)
{
	static uint32_t seq_counter;
	struct sockaddr_nl kernel = {.nl_family = AF_NETLINK};
	struct timeval tv = {.tv_sec = RTNL_TIMEOUT_S};
	uint32_t seq;
	int fd, e, ret = -1;
	union {
		struct nlmsghdr align;
		uint8_t bytes[RTNL_RECV_SPACE];
	} buf;

	fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
	if (fd < 0)
		return -1;
	if (setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) < 0)
		goto out;
	if (seq_counter == 0)
		seq_counter = (uint32_t)time(NULL);
	seq = ++seq_counter;
	r->hdr.nlmsg_seq = seq;
	if (sendto(fd, r, r->hdr.nlmsg_len, 0, (struct sockaddr *)&kernel, sizeof(kernel)) < 0)
		goto out;
	for (;;) {
		ssize_t n = recv(fd, buf.bytes, sizeof(buf.bytes), 0);
		int len;
		struct nlmsghdr *h;

		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				errno = ETIMEDOUT;
			goto out;
		}
		if (n == 0) {
			errno = ECONNRESET;
			goto out;
		}
		len = (int)n;
		for (h = &buf.align; rtnl_msg_ok(h, len); h = NLMSG_NEXT(h, len)) {
			if (h->nlmsg_seq != seq)
				continue;
			if (h->nlmsg_type == NLMSG_ERROR) {
				struct nlmsgerr err;
				if (h->nlmsg_len < NLMSG_LENGTH(sizeof(err))) {
					errno = EPROTO;
					goto out;
				}
				memcpy(&err, NLMSG_DATA(h), sizeof(err));
				if (err.error == 0) {
					ret = 0;
				} else {
					errno = -err.error;
				}
				goto out;
			}
			if (h->nlmsg_type == NLMSG_DONE) {
				ret = 0;
				goto out;
			}
			if (h->nlmsg_type == RTM_NEWROUTE && sink != NULL)
				sink_route(sink, (const uint8_t *)h, h->nlmsg_len);
		}
	}
out:
	e = errno;
	close(fd);
	errno = e;
	return ret;
}

int rtnl_link_up(const char *ifname, unsigned mtu, unsigned txqlen)
{
	struct ifinfomsg ifi;
	struct rtnl_req r;
	int idx = ifindex_of(ifname);

	if (idx < 0)
		return -1;
	memset(&ifi, 0, sizeof(ifi));
	ifi.ifi_family = AF_UNSPEC;
	ifi.ifi_index = idx;
	ifi.ifi_flags = IFF_UP;
	ifi.ifi_change = IFF_UP;
	req_init(&r, RTM_NEWLINK, 0, &ifi, sizeof(ifi));
	if (mtu != 0 && req_attr_u32(&r, IFLA_MTU, mtu) < 0)
		return -1;
	if (txqlen != 0 && req_attr_u32(&r, IFLA_TXQLEN, txqlen) < 0)
		return -1;
	return rtnl_talk(&r, NULL);
}

int rtnl_link_delete(const char *ifname)
{
	struct ifinfomsg ifi;
	struct rtnl_req r;
	int idx = ifindex_of(ifname);

	if (idx < 0)
		return -1;
	memset(&ifi, 0, sizeof(ifi));
	ifi.ifi_family = AF_UNSPEC;
	ifi.ifi_index = idx;
	req_init(&r, RTM_DELLINK, 0, &ifi, sizeof(ifi));
	return rtnl_talk(&r, NULL);
}

static int addr_check(const struct ipaddr *a, unsigned len)
{
	if ((a->family == AF_INET && len <= 32) || (a->family == AF_INET6 && len <= 128))
		return 0;
	errno = EAFNOSUPPORT;
	if (a->family == AF_INET || a->family == AF_INET6)
		errno = EINVAL;
	return -1;
}

static int addr_change(uint16_t type, uint16_t flags, const char *ifname, const struct prefix *p)
{
	struct ifaddrmsg ifa;
	struct rtnl_req r;
	size_t alen;
	int idx;

	if (addr_check(&p->addr, p->len) < 0)
		return -1;
	idx = ifindex_of(ifname);
	if (idx < 0)
		return -1;
	alen = addr_len(&p->addr);
	memset(&ifa, 0, sizeof(ifa));
	ifa.ifa_family = (uint8_t)p->addr.family;
	ifa.ifa_prefixlen = p->len;
	ifa.ifa_scope = RT_SCOPE_UNIVERSE;
	ifa.ifa_index = (uint32_t)idx;
	/* TUN links are NOARP so the kernel skips DAD anyway; say so
	 * explicitly so the address is usable at once. */
	if (p->addr.family == AF_INET6)
		ifa.ifa_flags = IFA_F_NODAD;
	req_init(&r, type, flags, &ifa, sizeof(ifa));
	if (req_attr(&r, IFA_LOCAL, p->addr.bytes, alen) < 0 ||
	    req_attr(&r, IFA_ADDRESS, p->addr.bytes, alen) < 0)
		return -1;
	return rtnl_talk(&r, NULL);
}

int rtnl_addr_add(const char *ifname, const struct prefix *p)
{
	return addr_change(RTM_NEWADDR, NLM_F_CREATE | NLM_F_EXCL, ifname, p);
}

int rtnl_addr_del(const char *ifname, const struct prefix *p)
{
	return addr_change(RTM_DELADDR, 0, ifname, p);
}

static int route_change(uint16_t type, uint16_t flags, const struct prefix *dst,
			const struct ipaddr *via, const char *ifname, unsigned metric,
			uint8_t rtype)
{
	struct prefix net;
	struct rtmsg rtm;
	struct rtnl_req r;
	int idx = 0;

	if (addr_check(&dst->addr, dst->len) < 0)
		return -1;
	if ((via == NULL || via->family == 0) && ifname == NULL && rtype == RTN_UNICAST) {
		errno = EINVAL;
		return -1;
	}
	if (via != NULL && via->family != 0 && via->family != dst->addr.family) {
		errno = EINVAL;
		return -1;
	}
	if (ifname != NULL) {
		idx = ifindex_of(ifname);
		if (idx < 0)
			return -1;
	}
	/* The kernel refuses a route whose host bits are set. */
	addr_prefix_network(dst, &net);
	memset(&rtm, 0, sizeof(rtm));
	rtm.rtm_family = (uint8_t)dst->addr.family;
	rtm.rtm_dst_len = dst->len;
	rtm.rtm_table = RT_TABLE_MAIN;
	if (type == RTM_NEWROUTE) {
		rtm.rtm_protocol = RTPROT_STATIC;
		rtm.rtm_type = rtype;
		rtm.rtm_scope = (rtype != RTN_UNICAST || (via != NULL && via->family != 0))
				    ? RT_SCOPE_UNIVERSE
				    : RT_SCOPE_LINK;
	} else {
		/* Match whatever scope and protocol the route was added with;
		 * a type other than unicast must match too. */
		rtm.rtm_scope = RT_SCOPE_NOWHERE;
		if (rtype != RTN_UNICAST)
			rtm.rtm_type = rtype;
	}
	req_init(&r, type, flags, &rtm, sizeof(rtm));
	if (dst->len > 0 && req_attr(&r, RTA_DST, net.addr.bytes, addr_len(&net.addr)) < 0)
		return -1;
	if (via != NULL && via->family != 0 &&
	    req_attr(&r, RTA_GATEWAY, via->bytes, addr_len(via)) < 0)
		return -1;
	if (idx > 0 && req_attr_u32(&r, RTA_OIF, (uint32_t)idx) < 0)
		return -1;
	if (metric != 0 && req_attr_u32(&r, RTA_PRIORITY, metric) < 0)
		return -1;
	return rtnl_talk(&r, NULL);
}

int rtnl_route_add(const struct prefix *dst, const struct ipaddr *via, const char *ifname,
		   unsigned metric)
{
	return route_change(RTM_NEWROUTE, NLM_F_CREATE | NLM_F_EXCL, dst, via, ifname, metric,
			    RTN_UNICAST);
}

int rtnl_route_del(const struct prefix *dst, const struct ipaddr *via, const char *ifname,
		   unsigned metric)
{
	return route_change(RTM_DELROUTE, 0, dst, via, ifname, metric, RTN_UNICAST);
}

int rtnl_unreach_add(const struct prefix *dst)
{
	return route_change(RTM_NEWROUTE, NLM_F_CREATE | NLM_F_EXCL, dst, NULL, NULL, 0,
			    RTN_UNREACHABLE);
}

int rtnl_unreach_del(const struct prefix *dst)
{
	return route_change(RTM_DELROUTE, 0, dst, NULL, NULL, 0, RTN_UNREACHABLE);
}

int rtnl_route_path(const struct ipaddr *dst, struct rtnl_route *out)
{
	struct route_sink sink = {.found = false};
	struct rtmsg rtm;
	struct rtnl_req r;
	size_t alen = addr_len(dst);

	if (alen == 0) {
		errno = EAFNOSUPPORT;
		return -1;
	}
	memset(&rtm, 0, sizeof(rtm));
	rtm.rtm_family = (uint8_t)dst->family;
	rtm.rtm_dst_len = (uint8_t)(alen * 8);
	req_init(&r, RTM_GETROUTE, 0, &rtm, sizeof(rtm));
	if (req_attr(&r, RTA_DST, dst->bytes, alen) < 0)
		return -1;
	if (rtnl_talk(&r, &sink) < 0)
		return -1;
	if (!sink.found || sink.route.oif == 0) {
		errno = ENETUNREACH;
		return -1;
	}
	*out = sink.route;
	return 0;
}

int rtnl_route_get(const struct ipaddr *dst, struct ipaddr *via, char ifname[static IFNAMSIZ])
{
	struct rtnl_route route;

	if (rtnl_route_path(dst, &route) < 0)
		return -1;
	*via = route.via;
	if (if_indextoname((unsigned)route.oif, ifname) == NULL)
		return -1;
	return 0;
}

int rtnl_route_underlay(const struct ipaddr *dst, int avoid_ifindex, struct rtnl_route *out)
{
	struct route_sink sink = {.dst = dst, .avoid_ifindex = avoid_ifindex};
	struct rtmsg rtm;
	struct rtnl_req r;

	if (addr_len(dst) == 0) {
		errno = EAFNOSUPPORT;
		return -1;
	}
	memset(&rtm, 0, sizeof(rtm));
	rtm.rtm_family = (uint8_t)dst->family;
	rtm.rtm_table = RT_TABLE_MAIN;
	req_init(&r, RTM_GETROUTE, NLM_F_DUMP, &rtm, sizeof(rtm));
	if (rtnl_talk(&r, &sink) < 0)
		return -1;
	if (!sink.found) {
		errno = ENETUNREACH;
		return -1;
	}
	*out = sink.route;
	return 0;
}
