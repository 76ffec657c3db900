/*
 * ippkt.c - just enough of the inner IPv4/IPv6 header to route by it: the
 * version, a length that matches the bytes exactly, and the addresses. A
 * TUN device hands over whole packets, so any disagreement between the
 * header's length and the bytes is a bad packet, not trailing padding.
 */
#include "ippkt.h"

#include <string.h>
#include <sys/socket.h>

#include "buf.h"

#define IPV4_HDR_MIN 20
#define IPV6_HDR_LEN 40

static void set_addr(struct ipaddr *a, int family, const uint8_t *p, size_t len)
{
	a->family = family;
	memcpy(a->bytes, p, len);
}

static enum ippkt_result parse_v4(const uint8_t *p, size_t n, struct ippkt_info *out)
{
	size_t hlen, total;

	if (n < IPV4_HDR_MIN)
		return IPPKT_TOO_SHORT;
	hlen = (size_t)(p[0] & 0x0f) * 4;
	if (hlen < IPV4_HDR_MIN || hlen > n)
		return IPPKT_BAD_HEADER;
	total = buf_get16(p + 2);
	if (total != n)
		return IPPKT_BAD_LENGTH;
	out->family = AF_INET;
	out->proto = p[9];
	out->len = total;
	set_addr(&out->src, AF_INET, p + 12, 4);
	set_addr(&out->dst, AF_INET, p + 16, 4);
	return IPPKT_OK;
}

/* A jumbogram (payload length 0 and a Jumbo Payload option) cannot come
 * through a TUN with an MTU of at most 65535, so it is simply a length
 * mismatch here. */
static enum ippkt_result parse_v6(const uint8_t *p, size_t n, struct ippkt_info *out)
{
	size_t total;

	if (n < IPV6_HDR_LEN)
		return IPPKT_TOO_SHORT;
	total = IPV6_HDR_LEN + (size_t)buf_get16(p + 4);
	if (total != n)
		return IPPKT_BAD_LENGTH;
	out->family = AF_INET6;
	out->proto = p[6];
	out->len = total;
	set_addr(&out->src, AF_INET6, p + 8, 16);
	set_addr(&out->dst, AF_INET6, p + 24, 16);
	return IPPKT_OK;
}

enum ippkt_result ippkt_parse(const uint8_t *p, size_t n, struct ippkt_info *out)
{
	memset(out, 0, sizeof(*out));
	if (n < 1)
		return IPPKT_TOO_SHORT;
	switch (p[0] >> 4) {
	case 4:
		return parse_v4(p, n, out);
	case 6:
		return parse_v6(p, n, out);
	default:
		return IPPKT_BAD_VERSION;
	}
}

const char *ippkt_result_str(enum ippkt_result r)
{
	switch (r) {
	case IPPKT_OK:
		return "ok";
	case IPPKT_TOO_SHORT:
		return "shorter than an IP header";
	case IPPKT_BAD_VERSION:
		return "not IPv4 or IPv6";
	case IPPKT_BAD_HEADER:
		return "bad IPv4 header length";
	case IPPKT_BAD_LENGTH:
		return "IP length does not match the packet";
	}
	return "unknown result";
}
