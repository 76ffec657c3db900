/*
 * dchan_mtu.c - sizes on the UDP data channel. A path MTU is the outer IP
 * packet's limit; the channel's datagram adds UDP, its 20-byte header and
 * the 16-byte tag, so what is left is the largest inner packet. An IPv6
 * packet too big for the channel is answered with a PTB only when the
 * channel carries at least IPv6's minimum MTU (a PTB may not announce
 * less than 1280, RFC 8200 section 5).
 */
#include "dchan_mtu.h"

#include <stdbool.h>
#include <sys/socket.h>

#include "buf.h"
#include "icmp_ptb.h"

#define IPV4_HDR_LEN 20
#define IPV6_HDR_LEN 40
#define IPV4_DF 0x4000

/* What a size loses to headers of family: v4 or v6 bytes; 0 and *ok
 * false for any other family. */
static size_t headers(int family, size_t v4, size_t v6, bool *ok)
{
	*ok = family == AF_INET || family == AF_INET6;
	return family == AF_INET ? v4 : family == AF_INET6 ? v6 : 0;
}

size_t dchan_mtu_usable(uint32_t path_mtu, int outer_family)
{
	bool ok;
	size_t cut = headers(outer_family, IPV4_HDR_LEN + DCHAN_MTU_OVERHEAD,
			     IPV6_HDR_LEN + DCHAN_MTU_OVERHEAD, &ok);

	return ok && path_mtu > cut ? path_mtu - cut : 0;
}

uint16_t dchan_mtu_mss(size_t usable, int inner_family)
{
	bool ok;
	size_t cut = headers(inner_family, DCHAN_MTU_TCPIP_V4, DCHAN_MTU_TCPIP_V6, &ok);

	if (!ok || usable <= cut)
		return 0;
	return usable - cut > UINT16_MAX ? UINT16_MAX : (uint16_t)(usable - cut);
}

enum dchan_mtu_way dchan_mtu_way(const uint8_t *pkt, size_t len, size_t usable)
{
	if (len <= usable)
		return DCHAN_MTU_UDP;
	switch (pkt[0] >> 4) {
	case 4:
		if (len < IPV4_HDR_LEN || !(buf_get16(pkt + 6) & IPV4_DF))
			return DCHAN_MTU_TLS;
		return usable >= ICMP_PTB_MIN_MTU_V4 ? DCHAN_MTU_TLS_PTB : DCHAN_MTU_TLS;
	case 6:
		return usable >= ICMP_PTB_MIN_MTU_V6 ? DCHAN_MTU_TLS_PTB : DCHAN_MTU_TLS;
	default:
		return DCHAN_MTU_TLS;
	}
}
