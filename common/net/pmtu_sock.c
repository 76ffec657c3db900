/*
 * pmtu_sock.c - "don't fragment" and the path MTU question. connect() on
 * a UDP socket only looks the route up (nothing is sent), and connecting
 * again to another peer replaces the first, so one socket per family
 * answers for every peer; IP_MTU is the route's MTU, including what ICMP
 * "fragmentation needed" or "packet too big" taught the kernel for that
 * destination.
 */
#include "pmtu_sock.h"

#include <errno.h>
#include <netinet/in.h>
#include <string.h>
#include <unistd.h>

int pmtu_sock_set_df(int fd, int family)
{
	int v4 = IP_PMTUDISC_DO, v6 = IPV6_PMTUDISC_DO;

	if (family == AF_INET6) {
		if (setsockopt(fd, IPPROTO_IPV6, IPV6_MTU_DISCOVER, &v6, sizeof(v6)) < 0)
			return -1;
		/* Only a dual-stack socket has IPv4 traffic to govern; an
		 * IPV6_V6ONLY one may refuse, which is fine. */
		(void)setsockopt(fd, IPPROTO_IP, IP_MTU_DISCOVER, &v4, sizeof(v4));
		return 0;
	}
	return setsockopt(fd, IPPROTO_IP, IP_MTU_DISCOVER, &v4, sizeof(v4));
}

void pmtu_sock_init(struct pmtu_sock *q)
{
	*q = (struct pmtu_sock){.fd4 = -1, .fd6 = -1};
}

void pmtu_sock_close(struct pmtu_sock *q)
{
	if (q->open4)
		close(q->fd4);
	if (q->open6)
		close(q->fd6);
	pmtu_sock_init(q);
}

/* peer as the family it travels in: an IPv4-mapped IPv6 address as IPv4. */
static socklen_t outer(const struct sockaddr_storage *peer, socklen_t len,
		       struct sockaddr_storage *out)
{
	const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)(const void *)peer;
	struct sockaddr_in *s4 = (struct sockaddr_in *)(void *)out;

	memset(out, 0, sizeof(*out));
	if (peer->ss_family == AF_INET6 && len >= sizeof(*s6) &&
	    IN6_IS_ADDR_V4MAPPED(&s6->sin6_addr)) {
		s4->sin_family = AF_INET;
		s4->sin_port = s6->sin6_port;
		memcpy(&s4->sin_addr, s6->sin6_addr.s6_addr + 12, 4);
		return sizeof(*s4);
	}
	if (len > sizeof(*out))
		return 0;
	memcpy(out, peer, len);
	return len;
}

int pmtu_sock_query(struct pmtu_sock *q, const struct sockaddr_storage *peer, socklen_t len,
		    uint32_t *mtu, int *outer_family)
{
	struct sockaddr_storage to;
	socklen_t tolen = outer(peer, len, &to), vl;
	int *fd, v = 0;
	bool *open;

	if (tolen == 0 || (to.ss_family != AF_INET && to.ss_family != AF_INET6)) {
		errno = EAFNOSUPPORT;
		return -1;
	}
	fd = to.ss_family == AF_INET ? &q->fd4 : &q->fd6;
	open = to.ss_family == AF_INET ? &q->open4 : &q->open6;
	if (!*open) {
		*fd = socket(to.ss_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
		if (*fd < 0)
			return -1;
		*open = true;
	}
	if (connect(*fd, (const struct sockaddr *)&to, tolen) < 0)
		return -1;
	vl = sizeof(v);
	if (to.ss_family == AF_INET ? getsockopt(*fd, IPPROTO_IP, IP_MTU, &v, &vl)
				    : getsockopt(*fd, IPPROTO_IPV6, IPV6_MTU, &v, &vl))
		return -1;
	if (v <= 0) {
		errno = EINVAL;
		return -1;
	}
	*mtu = (uint32_t)v;
	*outer_family = to.ss_family;
	return 0;
}
