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

int rtnl_link_up(const char *ifname, unsigned mtu);
int rtnl_link_delete(const char *ifname);
int rtnl_addr_add(const char *ifname, const struct prefix *p);
int rtnl_addr_del(const char *ifname, const struct prefix *p);
/* via may be NULL (on-link through ifname); ifname may be NULL when via is
 * given. metric 0 = kernel default. */
int rtnl_route_add(const struct prefix *dst, const struct ipaddr *via, const char *ifname,
		   unsigned metric);
int rtnl_route_del(const struct prefix *dst, const struct ipaddr *via, const char *ifname,
		   unsigned metric);
/* The kernel's route to dst right now: next hop (family 0 if on-link) and
 * output interface. */
int rtnl_route_get(const struct ipaddr *dst, struct ipaddr *via, char ifname[static IFNAMSIZ]);

#endif
