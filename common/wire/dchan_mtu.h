/*
 * dchan_mtu.h - how large an inner packet the UDP data channel carries on
 * a path, the TCP MSS that fits in it, and, per outgoing packet, which way
 * it goes. Pure: the path MTU comes from the caller (the kernel's IP_MTU
 * or IPV6_MTU on the channel's socket after an EMSGSIZE); no I/O, no
 * logging. Here and not in net/ because the overhead is the channel's
 * (dchan_hdr.h).
 */
#ifndef MTLSVPN_DCHAN_MTU_H
#define MTLSVPN_DCHAN_MTU_H

#include <stddef.h>
#include <stdint.h>

#include "dchan_hdr.h"

#define DCHAN_MTU_UDP_LEN 8
/* Everything a datagram adds to an inner packet besides the outer IP
 * header: UDP, the channel's header and the AEAD tag. */
#define DCHAN_MTU_OVERHEAD (DCHAN_MTU_UDP_LEN + DCHAN_HDR_LEN + DCHAN_TAG_LEN)

/* Inner IP header + TCP header without options, per inner family. */
#define DCHAN_MTU_TCPIP_V4 40
#define DCHAN_MTU_TCPIP_V6 60

/* The largest inner packet a datagram carries on a path of path_mtu bytes
 * with outer_family (AF_INET or AF_INET6) headers: path_mtu - 20 or 40 -
 * 8 - 36. 0 if the path cannot carry even that overhead or the family is
 * neither. */
size_t dchan_mtu_usable(uint32_t path_mtu, int outer_family);

/* The MSS to clamp SYNs of inner_family to so their segments fit in
 * usable: usable - 40 (IPv4) or - 60 (IPv6); 0 if nothing fits. */
uint16_t dchan_mtu_mss(size_t usable, int inner_family);

enum dchan_mtu_way {
	DCHAN_MTU_UDP,	   /* fits: send it on the UDP channel */
	DCHAN_MTU_TLS_PTB, /* too big, and the sender must be told: send it by
			    * TLS and deliver icmp_ptb's error to the TUN */
	DCHAN_MTU_TLS,	   /* too big, IPv4 without DF (the path may fragment
			    * it) or IPv6 above a usable size below 1280: by
			    * TLS alone */
};

/* The way for the inner packet pkt[0..len) (its version and, for IPv4,
 * its DF bit are read; len is checked before) on a channel carrying
 * usable bytes. A super-packet is asked about segment by segment (the
 * channel sends one datagram per segment); an unreadable packet takes
 * TLS, whose own checks will refuse it. */
enum dchan_mtu_way dchan_mtu_way(const uint8_t *pkt, size_t len, size_t usable);

#endif
