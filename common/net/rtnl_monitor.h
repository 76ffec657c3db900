/*
 * rtnl_monitor.h - what the kernel's rtnetlink messages say, without a
 * socket: a batch of link, address and route notifications summed up as
 * "the way out may have changed, for these families", one route message
 * read into a struct (a lookup's answer, a line of a table dump), and the
 * choice of the route a destination takes among dumped ones.
 * Pure and sans-I/O: bytes in (host byte order, as the kernel writes
 * them), a result out; the socket belongs to the caller.
 */
#ifndef MTLSVPN_RTNL_MONITOR_H
#define MTLSVPN_RTNL_MONITOR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "addr.h"

enum rtnl_mon_result { RTNL_MON_OK, RTNL_MON_MALFORMED };

/* One route as the kernel described it. */
struct rtnl_route {
	int family;             /* AF_INET, AF_INET6; another family: nothing else is read */
	struct prefix dst;      /* len 0: a default route */
	struct ipaddr via;      /* next hop; family 0 if on-link */
	struct ipaddr prefsrc;  /* the source address it prefers; family 0 if none */
	int oif;                /* output interface; 0 if none (multipath, blackhole) */
	uint32_t priority;      /* metric */
	uint32_t table;
	uint8_t type;           /* RTN_UNICAST, RTN_LOCAL, ... */
	bool cloned;            /* RTM_F_CLONED: a cache entry, not a route */
};

/* What a batch of notifications may have changed. */
struct rtnl_mon_summary {
	unsigned messages;      /* netlink messages read */
	unsigned changes;       /* of them, those that may move a way out */
	bool ipv4, ipv6;        /* the families those changes may affect */
	uint16_t last_type;     /* RTM_* of the last change, for the log */
	int last_ifindex;       /* and its interface */
};

/*
 * Reads n bytes of netlink messages (one recv()) into *out. A change on
 * ignore_ifindex (our own TUN) is not one; neither are link-local and host
 * addresses, cache entries, and the local, broadcast, multicast and anycast
 * routes the kernel makes for every address. MALFORMED with *why if a
 * message or attribute runs past its end.
 */
enum rtnl_mon_result rtnl_monitor_decode(const uint8_t *p, size_t n, int ignore_ifindex,
					 struct rtnl_mon_summary *out, const char **why);

/* One RTM_NEWROUTE or RTM_DELROUTE message, netlink header included. */
enum rtnl_mon_result rtnl_monitor_route(const uint8_t *p, size_t n, struct rtnl_route *out,
					const char **why);

/*
 * True if r is a way to dst that avoids avoid_ifindex and is better than
 * best (NULL: than nothing): a unicast route of the main table with an
 * output interface, not a host route to dst itself (that is a pin, the
 * thing being looked for), longest prefix first, then the lowest metric.
 */
bool rtnl_monitor_route_better(const struct rtnl_route *r, const struct rtnl_route *best,
			       const struct ipaddr *dst, int avoid_ifindex);

/* "address removed", "route added", ... for a RTM_* type. */
const char *rtnl_monitor_type_name(uint16_t type);

#endif
