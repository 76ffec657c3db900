/*
 * udp_gro.h - a UDP_GRO read cut into the datagrams it holds: the kernel
 * coalesces datagrams of one segment size into one read, the last maybe
 * shorter. Pure arithmetic, shared by the gateway's and the client's
 * receive paths (server/udp_rx.c, client/linux/udpsock.c).
 */
#ifndef MTLSVPN_UDP_GRO_H
#define MTLSVPN_UDP_GRO_H

#include <stddef.h>
#include <stdint.h>

/* How many datagrams a read of n bytes holds whose segment size the
 * kernel gave as seg; *size is the size of each (the last may be shorter).
 * seg 0 (no GRO) or not below n: one datagram of n bytes. A read of 0
 * bytes is one empty datagram (UDP allows it). */
uint32_t udp_gro_split(size_t n, size_t seg, size_t *size);

/* The length of the datagram at offset off of such a read (size from
 * udp_gro_split); 0 once off reaches n. */
size_t udp_gro_len(size_t n, size_t size, size_t off);

#endif
