/*
 * udp_offload.h - what the UDP data channel's sockets on both ends share
 * about the kernel's UDP offloads (linux/udp.h): the option numbers for C
 * libraries that lack them, and the segment size of a coalesced read.
 */
#ifndef MTLSVPN_UDP_OFFLOAD_H
#define MTLSVPN_UDP_OFFLOAD_H

#include <stddef.h>
#include <sys/socket.h>

#ifndef SOL_UDP
#define SOL_UDP 17
#endif
#ifndef UDP_SEGMENT
#define UDP_SEGMENT 103 /* GSO on send, Linux 4.18 */
#endif
#ifndef UDP_GRO
#define UDP_GRO 104 /* GRO on receive, Linux 5.0 */
#endif

/* With UDP_GRO the kernel says the size of the datagrams one read holds
 * (the last may be shorter); 0: the read is one datagram. */
size_t udp_gro_size(struct msghdr *h);

#endif
