/*
 * pmtu_sock.h - the kernel's path MTU for the UDP data channel: datagrams
 * sent with "don't fragment" (IP_PMTUDISC_DO, IPV6_PMTUDISC_DO), so a
 * datagram too big for the path fails with EMSGSIZE instead of being cut,
 * and the path MTU towards one peer read from the kernel's route cache
 * (IP_MTU / IPV6_MTU on a UDP socket connected to it; the channel's own
 * sockets are unconnected, so a small socket of its own is kept for the
 * question). A system module: setsockopt, connect, getsockopt; no logging.
 */
#ifndef MTLSVPN_PMTU_SOCK_H
#define MTLSVPN_PMTU_SOCK_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>

/* The sockets the questions go through, one per family, opened on first
 * use; embedded in their owner. A zeroed one is closed. */
struct pmtu_sock {
	int fd4, fd6;
	bool open4, open6;
};

/* Sets "don't fragment" on a UDP socket of family: IP_PMTUDISC_DO, and on
 * an IPv6 socket IPV6_PMTUDISC_DO too (with IPv4-mapped peers the IPv4
 * option governs). 0, or -1 with errno. */
int pmtu_sock_set_df(int fd, int family);

void pmtu_sock_init(struct pmtu_sock *q);
void pmtu_sock_close(struct pmtu_sock *q);

/* The path MTU towards peer (IPv4, IPv6, or IPv4-mapped IPv6, which is
 * asked as IPv4) and the outer family it counts for. 0, or -1 with errno
 * (no route: ENETUNREACH, and the like). */
int pmtu_sock_query(struct pmtu_sock *q, const struct sockaddr_storage *peer, socklen_t len,
		    uint32_t *mtu, int *outer_family);

#endif
