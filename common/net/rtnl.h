/*
 * rtnl.h - the few rtnetlink operations a VPN endpoint needs: bring a link
 * up with an MTU, add/remove an interface address, add/remove/look up a
 * route. Each call opens its own NETLINK_ROUTE socket and waits for the
 * kernel's ACK; they are set-up operations, not on the data path.
 * All return 0, or -1 with errno set from the kernel's answer.
 */
#ifndef MTLSVPN_RTNL_H
#define MTLSVPN_RTNL_H

#include <net/if.h>
#include <stdbool.h>

#include "addr.h"
#include "rtnl_monitor.h"

int rtnl_link_up(const char *ifname, unsigned mtu, unsigned txqlen);
int rtnl_link_delete(const char *ifname);
int rtnl_addr_add(const char *ifname, const struct prefix *p);
int rtnl_addr_del(const char *ifname, const struct prefix *p);
/* via may be NULL (on-link through ifname); ifname may be NULL when via is
 * given. metric 0 = kernel default. */
int rtnl_route_add(const struct prefix *dst, const struct ipaddr *via, const char *ifname,
		   unsigned metric);
int rtnl_route_del(const struct prefix *dst, const struct ipaddr *via, const char *ifname,
		   unsigned metric);
/* An unreachable route to dst in the main table (no device: senders get
 * EHOSTUNREACH / ENETUNREACH), and its removal. */
int rtnl_unreach_add(const struct prefix *dst);
int rtnl_unreach_del(const struct prefix *dst);
/* The kernel's route to dst right now: next hop (family 0 if on-link) and
 * output interface. */
int rtnl_route_get(const struct ipaddr *dst, struct ipaddr *via, char ifname[static IFNAMSIZ]);
/* The same lookup, whole: next hop, output interface and the source
 * address the kernel would pick (prefsrc). */
int rtnl_route_path(const struct ipaddr *dst, struct rtnl_route *out);
/* The way to dst the main table has besides avoid_ifindex (our TUN) and
 * besides a host route to dst (our pin): where a pin must point now that
 * the tunnel's own routes would swallow a plain lookup. A dump of the
 * table, chosen by rtnl_monitor_route_better(). */
int rtnl_route_underlay(const struct ipaddr *dst, int avoid_ifindex, struct rtnl_route *out);

#endif
