/*
 * icmp_ptb.c - "packet too big" errors. The refusals come first, in the
 * order RFC 1122 3.2.2 and RFC 4443 2.4 list them (a packet that fits, an
 * IPv4 packet the path may fragment, a later IPv4 fragment, an error
 * about an error, a source that is not one host); then the error is
 * written header by header into a zeroed buffer and its checksums are
 * computed last, over the finished bytes.
 */
#include "icmp_ptb.h"

#include <stdbool.h>
#include <string.h>
#include <sys/socket.h>

#include "buf.h"
#include "csum.h"
#include "ippkt.h"

#define IPV4_HDR_LEN 20
#define IPV6_HDR_LEN 40
#define ICMP_HDR_LEN 8
#define PROTO_ICMP 1
#define PROTO_ICMPV6 58

#define IPV4_DF 0x4000
#define IPV4_OFFSET 0x1fff
#define TOS_INTERNETCONTROL 0xc0 /* precedence 6, as the kernel's errors */
#define HOP_LIMIT 64

#define ICMP_DEST_UNREACH 3
#define ICMP_FRAG_NEEDED 4
#define ICMPV6_PKT_TOOBIG 2

static bool icmp_is_error(const struct ippkt_l4 *l4, int family)
{
	if (!l4->has_icmp)
		return false;
	if (family == AF_INET6)
		return l4->icmp_type < 128; /* RFC 4443 2.1: 0-127 are errors */
	switch (l4->icmp_type) {
	case 3:	 /* destination unreachable */
	case 4:	 /* source quench */
	case 5:	 /* redirect */
	case 11: /* time exceeded */
	case 12: /* parameter problem */
		return true;
	default:
		return false;
	}
}

/* An address that names one host: not unspecified, loopback, multicast
 * or (IPv4) class E and the limited broadcast. */
static bool one_host(const uint8_t *a, int family)
{
	static const uint8_t zero[16], loop6[16] = {[15] = 1};

	if (family == AF_INET)
		return a[0] != 0 && a[0] != 127 && a[0] < 224;
	return memcmp(a, zero, 16) != 0 && memcmp(a, loop6, 16) != 0 && a[0] != 0xff;
}

/* A source that names one host; for IPv4 also a destination that is not
 * multicast or the limited broadcast. IPv6 allows a PTB about a packet
 * sent to a multicast group (RFC 4443 2.4 (e.3)). */
static bool addresses_ok(const struct ippkt_info *ip)
{
	if (!one_host(ip->src.bytes, ip->family))
		return false;
	return ip->family == AF_INET6 || ip->dst.bytes[0] < 224;
}

static enum icmp_ptb_result check(const uint8_t *pkt, size_t len, uint32_t mtu,
				  const struct ipaddr *from, struct ippkt_info *ip)
{
	struct ippkt_l4 l4;

	if (ippkt_parse(pkt, len, ip) != IPPKT_OK)
		return ICMP_PTB_MALFORMED;
	if (from->family != ip->family)
		return ICMP_PTB_FAMILY;
	if (!one_host(from->bytes, from->family))
		return ICMP_PTB_ADDRESS;
	if (len <= mtu)
		return ICMP_PTB_FITS;
	if (mtu < (ip->family == AF_INET ? ICMP_PTB_MIN_MTU_V4 : ICMP_PTB_MIN_MTU_V6))
		return ICMP_PTB_MTU;
	if (ip->family == AF_INET) {
		if (buf_get16(pkt + 6) & IPV4_OFFSET)
			return ICMP_PTB_FRAGMENT;
		if (!(buf_get16(pkt + 6) & IPV4_DF))
			return ICMP_PTB_NO_DF;
	}
	ippkt_l4(pkt, len, ip, &l4);
	if (icmp_is_error(&l4, ip->family))
		return ICMP_PTB_ICMP_ERROR;
	if (!addresses_ok(ip))
		return ICMP_PTB_ADDRESS;
	return ICMP_PTB_OK;
}

/* The IPv4 header of an error of n bytes to the source of pkt. */
static void put_v4_header(uint8_t *out, size_t n, const uint8_t *pkt, const struct ipaddr *from)
{
	out[0] = 0x45;
	out[1] = TOS_INTERNETCONTROL;
	buf_put16(out + 2, (uint16_t)n);
	buf_put16(out + 6, IPV4_DF);
	out[8] = HOP_LIMIT;
	out[9] = PROTO_ICMP;
	memcpy(out + 12, from->bytes, 4);
	memcpy(out + 16, pkt + 12, 4);
	buf_put16(out + 10, (uint16_t)~csum_sum(out, IPV4_HDR_LEN));
}

static void put_v6_header(uint8_t *out, size_t n, const uint8_t *pkt, const struct ipaddr *from)
{
	out[0] = 0x60;
	buf_put16(out + 4, (uint16_t)(n - IPV6_HDR_LEN));
	out[6] = PROTO_ICMPV6;
	out[7] = HOP_LIMIT;
	memcpy(out + 8, from->bytes, 16);
	memcpy(out + 24, pkt + 8, 16);
}

/* The whole error: IP header, ICMP header, quote, checksums. */
static size_t write_error(const uint8_t *pkt, size_t len, uint32_t mtu, const struct ipaddr *from,
			  uint8_t *out, size_t cap)
{
	bool v4 = from->family == AF_INET;
	size_t l3 = v4 ? IPV4_HDR_LEN : IPV6_HDR_LEN;
	size_t room = (v4 ? ICMP_PTB_MAX_V4 : ICMP_PTB_MAX_V6) - l3 - ICMP_HDR_LEN;
	size_t quote = len < room ? len : room, n = l3 + ICMP_HDR_LEN + quote;
	uint8_t *icmp = out + l3;
	uint32_t sum;

	if (n > cap)
		return 0;
	memset(out, 0, l3 + ICMP_HDR_LEN);
	memcpy(icmp + ICMP_HDR_LEN, pkt, quote);
	if (v4) {
		put_v4_header(out, n, pkt, from);
		icmp[0] = ICMP_DEST_UNREACH;
		icmp[1] = ICMP_FRAG_NEEDED;
		buf_put16(icmp + 6, (uint16_t)(mtu > 0xffff ? 0xffff : mtu));
		sum = csum_sum(icmp, n - l3);
	} else {
		put_v6_header(out, n, pkt, from);
		icmp[0] = ICMPV6_PKT_TOOBIG;
		buf_put32(icmp + 4, mtu);
		sum = csum_add(csum_pseudo(out, AF_INET6, PROTO_ICMPV6, n - l3),
			       csum_sum(icmp, n - l3));
	}
	buf_put16(icmp + 2, (uint16_t)~sum);
	return n;
}

size_t icmp_ptb(const uint8_t *pkt, size_t len, uint32_t mtu, const struct ipaddr *from,
		uint8_t *out, size_t cap, enum icmp_ptb_result *why)
{
	struct ippkt_info ip;
	size_t n;

	*why = check(pkt, len, mtu, from, &ip);
	if (*why != ICMP_PTB_OK)
		return 0;
	n = write_error(pkt, len, mtu, from, out, cap);
	if (n == 0)
		*why = ICMP_PTB_NO_ROOM;
	return n;
}

const char *icmp_ptb_result_str(enum icmp_ptb_result r)
{
	switch (r) {
	case ICMP_PTB_OK:
		return "ok";
	case ICMP_PTB_FITS:
		return "the packet fits";
	case ICMP_PTB_MALFORMED:
		return "not a sound IP packet";
	case ICMP_PTB_NO_DF:
		return "IPv4 without DF (may be fragmented)";
	case ICMP_PTB_ICMP_ERROR:
		return "an ICMP error is never answered";
	case ICMP_PTB_FRAGMENT:
		return "a later IPv4 fragment";
	case ICMP_PTB_ADDRESS:
		return "source or destination not one host";
	case ICMP_PTB_MTU:
		return "MTU below the family's minimum";
	case ICMP_PTB_FAMILY:
		return "source address of the other family";
	case ICMP_PTB_NO_ROOM:
		return "no room for the error";
	}
	return "unknown result";
}
