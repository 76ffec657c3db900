/*
 * roam.c - noticing at once that the way to the gateway moved (a new
 * address, another link, another next hop), instead of after the
 * dead-peer timeout. One more NETLINK_ROUTE socket in the loop hears
 * every link, address and route change; common/net/rtnl_monitor.c says
 * which may matter. ROAM_SETTLE_MS after the first one, the pin is put
 * right (netcfg.c) and the kernel's way to the gateway is compared with
 * the one the connection uses: if it differs, client_on_path_changed().
 */
#include "client.h"

#include <errno.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "log.h"
#include "rtnl.h"

#define ROAM_GROUPS                                                                                \
	(RTMGRP_LINK | RTMGRP_IPV4_IFADDR | RTMGRP_IPV6_IFADDR | RTMGRP_IPV4_ROUTE |               \
	 RTMGRP_IPV6_ROUTE)
#define ROAM_READS_MAX 16 /* per readiness event; the rest next turn */
#define ROAM_RCVBUF (256 * 1024)

static bool same_way(const struct roam *r, const struct rtnl_route *now)
{
	if (now->oif != r->path.oif || !addr_eq(&now->via, &r->path.via))
		return false;
	/* The kernel names the source it would pick; the connection has one. */
	return now->prefsrc.family == 0 || addr_eq(&now->prefsrc, &r->source);
}

static void describe(const struct roam *r, const struct rtnl_route *now, char *out, size_t cap)
{
	char was[ADDR_STRLEN], is[ADDR_STRLEN], ifw[IFNAMSIZ] = "?", ifi[IFNAMSIZ] = "?";

	(void)if_indextoname((unsigned)r->path.oif, ifw);
	(void)if_indextoname((unsigned)now->oif, ifi);
	snprintf(out, cap, "the way to the gateway moved: from %s on %s to %s on %s",
		 addr_fmt(&r->source, was), ifw,
		 now->prefsrc.family ? addr_fmt(&now->prefsrc, is) : "?", ifi);
}

/* The network settled: is the gateway still reached the same way? */
static void roam_on_settled(struct ev_loop *loop, struct ev_timer *t)
{
	struct client *c = t->data;
	struct roam *r = &c->roam;
	const struct ipaddr *gw = &c->gateway_ip;
	bool mine = gw->family == AF_INET ? r->changed4 : r->changed6;
	struct rtnl_route now;
	char what[256];

	(void)loop;
	r->changed4 = r->changed6 = false;
	if (c->state != CLIENT_UP || !r->known || !mine)
		return;
	/* With a pin, the lookup below goes where the pin says: move it
	 * first. Without one (or no way yet), the lookup says the rest. */
	(void)netcfg_repin_gateway(&c->net, gw, r->tun_ifindex);
	if (rtnl_route_path(gw, &now) < 0 || now.oif == r->tun_ifindex) {
		log_info("the network changed and the gateway %s cannot be reached yet; "
			 "waiting for the next change",
			 c->gateway_str);
		return;
	}
	if (same_way(r, &now)) {
		log_debug("the network changed; the way to the gateway did not");
		return;
	}
	describe(r, &now, what, sizeof(what));
	r->known = false;
	client_on_path_changed(c, what);
}

static void roam_on_readable(struct ev_loop *loop, struct ev_io *w, uint32_t revents)
{
	struct client *c = w->data;
	struct roam *r = &c->roam;
	union {
		struct nlmsghdr align;
		uint8_t bytes[16384];
	} buf;
	bool changed = false;

	(void)revents;
	for (int i = 0; i < ROAM_READS_MAX; i++) {
		struct rtnl_mon_summary s;
		const char *why = NULL;
		ssize_t n = recv(r->fd, buf.bytes, sizeof(buf.bytes), MSG_DONTWAIT);

		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			break;
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno != ENOBUFS) {
			log_warn("rtnetlink notifications");
			break;
		}
		/* Notifications were lost (ENOBUFS), or one cannot be read:
		 * anything may have changed. */
		if (n < 0 || rtnl_monitor_decode(buf.bytes, (size_t)n, r->tun_ifindex, &s, &why) !=
				 RTNL_MON_OK) {
			log_debug("rtnetlink: %s; looking again",
				  n < 0 ? "notifications lost" : why);
			r->changed4 = r->changed6 = changed = true;
			continue;
		}
		if (s.changes == 0)
			continue;
		log_debug("network: %s (ifindex %d)%s", rtnl_monitor_type_name(s.last_type),
			  s.last_ifindex, s.changes > 1 ? " and more" : "");
		r->changed4 |= s.ipv4;
		r->changed6 |= s.ipv6;
		changed = true;
	}
	/* From the first change, not the last: a network that keeps changing
	 * is still looked at. */
	if (changed && !ev_timer_armed(&r->settle))
		ev_timer_arm(loop, &r->settle, ROAM_SETTLE_MS);
}

void roam_clear(struct roam *r)
{
	r->fd = -1;
}

int roam_init(struct client *c)
{
	struct roam *r = &c->roam;
	struct sockaddr_nl sa = {.nl_family = AF_NETLINK, .nl_groups = ROAM_GROUPS};
	int rcvbuf = ROAM_RCVBUF;

	r->fd = -1;
	ev_timer_init(&r->settle, roam_on_settled, c);
	r->tun_ifindex = (int)if_nametoindex(c->tun_name);
	r->fd = socket(AF_NETLINK, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, NETLINK_ROUTE);
	ev_io_init(&r->io, r->fd, roam_on_readable, c);
	if (r->fd < 0 || bind(r->fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		log_warn("cannot watch the network for changes; a move to another network "
			 "is noticed only when the gateway falls silent");
		roam_deinit(c);
		return -1;
	}
	/* A burst (a link going down takes its addresses and routes along)
	 * should not overflow; if it does, ENOBUFS says so. */
	(void)setsockopt(r->fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf));
	if (ev_io_start(c->loop, &r->io, EPOLLIN) < 0) {
		log_warn("epoll");
		roam_deinit(c);
		return -1;
	}
	return 0;
}

void roam_on_connected(struct client *c)
{
	struct roam *r = &c->roam;
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);

	r->known = false;
	if (r->fd < 0 || getsockname(c->sock, (struct sockaddr *)&ss, &len) < 0 ||
	    rtnl_route_path(&c->gateway_ip, &r->path) < 0)
		return;
	addr_from_sockaddr(&r->source, &ss);
	r->known = r->source.family != 0;
}

void roam_deinit(struct client *c)
{
	struct roam *r = &c->roam;

	/* Nothing was set up if there is no socket (client_init sets -1). */
	if (r->fd < 0)
		return;
	ev_timer_stop(c->loop, &r->settle);
	ev_io_stop(c->loop, &r->io);
	close(r->fd);
	r->fd = -1;
}
