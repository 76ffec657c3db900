/*
 * ippkt.c - just enough of the inner IPv4/IPv6 header to route by it: the
 * version, a length that matches the bytes exactly, and the addresses. A
 * TUN device hands over whole packets, so any disagreement between the
 * header's length and the bytes is a bad packet, not trailing padding.
 * Then the transport header for access rules and flows: every read is
 * checked against the bytes first, and the IPv6 extension header walk is
 * bounded by IPPKT_MAX_EXT.
 */
#include "ippkt.h"

#include <string.h>
#include <sys/socket.h>

#include "buf.h"

#define IPV4_HDR_MIN 20
#define IPV6_HDR_LEN 40

#define PROTO_HOPOPTS 0
#define PROTO_ICMP 1
#define PROTO_TCP 6
#define PROTO_UDP 17
#define PROTO_ROUTING 43
#define PROTO_FRAGMENT 44
#define PROTO_AH 51
#define PROTO_ICMPV6 58
#define PROTO_NONE 59
#define PROTO_DSTOPTS 60

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

/* Walks the IPv6 extension headers from off; sets out->proto, out->off and
 * out->fragment. An unreadable or too long chain leaves proto at NONE. */
static void walk_v6(const uint8_t *p, size_t n, uint8_t next, size_t off, struct ippkt_l4 *out)
{
	for (int i = 0; i <= IPPKT_MAX_EXT; i++) {
		size_t len;

		switch (next) {
		case PROTO_HOPOPTS:
		case PROTO_ROUTING:
		case PROTO_DSTOPTS:
			if (i == IPPKT_MAX_EXT || n < off + 2)
				return;
			len = ((size_t)p[off + 1] + 1) * 8;
			break;
		case PROTO_AH:
			if (i == IPPKT_MAX_EXT || n < off + 2)
				return;
			len = ((size_t)p[off + 1] + 2) * 4;
			break;
		case PROTO_FRAGMENT:
			if (i == IPPKT_MAX_EXT || n < off + 8)
				return;
			/* A later fragment: what follows is payload, not a header. */
			if ((buf_get16(p + off + 2) & 0xfff8) != 0) {
				out->proto = p[off];
				out->fragment = true;
				return;
			}
			/* Offset 0 with M clear is an atomic fragment: whole. */
			if (buf_get16(p + off + 2) & 1)
				out->frag_first = true;
			len = 8;
			break;
		default:
			out->proto = next;
			out->off = off;
			return;
		}
		if (len > n - off)
			return;
		next = p[off];
		off += len;
	}
}

static void read_transport(const uint8_t *p, size_t n, int family, struct ippkt_l4 *out)
{
	size_t off = out->off;

	if (out->fragment || off == 0)
		return;
	switch (out->proto) {
	case PROTO_TCP:
		if (n >= off + 14)
			out->tcp_flags = p[off + 13];
		if (n >= off + 4) {
			out->has_ports = true;
			out->sport = buf_get16(p + off);
			out->dport = buf_get16(p + off + 2);
		}
		return;
	case PROTO_UDP:
		if (n >= off + 4) {
			out->has_ports = true;
			out->sport = buf_get16(p + off);
			out->dport = buf_get16(p + off + 2);
		}
		return;
	case PROTO_ICMP:
	case PROTO_ICMPV6:
		if ((out->proto == PROTO_ICMP) != (family == AF_INET) || n < off + 2)
			return;
		out->has_icmp = true;
		out->icmp_type = p[off];
		out->icmp_code = p[off + 1];
		if (family == AF_INET) {
			out->icmp_echo = out->icmp_type == 0 || out->icmp_type == 8;
			out->icmp_error = out->icmp_type == 3 || out->icmp_type == 4 ||
					  out->icmp_type == 11 || out->icmp_type == 12;
		} else {
			out->icmp_echo = out->icmp_type == 128 || out->icmp_type == 129;
			out->icmp_error = out->icmp_type >= 1 && out->icmp_type <= 4;
		}
		if (out->icmp_echo) {
			if (n >= off + 6)
				out->icmp_id = buf_get16(p + off + 4);
			else
				out->icmp_echo = false;
		}
		return;
	default:
		return;
	}
}

/* The transport header of a packet whose IP header starts at p: for a
 * whole packet and for a quoted one alike (n may end anywhere). */
static void l4_at(const uint8_t *p, size_t n, int family, struct ippkt_l4 *out)
{
	memset(out, 0, sizeof(*out));
	out->proto = PROTO_NONE;
	if (family == AF_INET) {
		size_t hlen = (size_t)(p[0] & 0x0f) * 4;

		out->proto = p[9];
		/* Offset bits: any later fragment has no transport header. */
		if ((buf_get16(p + 6) & 0x1fff) != 0) {
			out->fragment = true;
			return;
		}
		out->frag_first = (buf_get16(p + 6) & 0x2000) != 0;
		if (hlen < IPV4_HDR_MIN || hlen > n)
			return;
		out->off = hlen;
	} else {
		walk_v6(p, n, p[6], IPV6_HDR_LEN, out);
	}
	read_transport(p, n, family, out);
}

void ippkt_l4(const uint8_t *p, size_t n, const struct ippkt_info *ip, struct ippkt_l4 *out)
{
	if (ip->family != AF_INET && ip->family != AF_INET6) {
		memset(out, 0, sizeof(*out));
		out->proto = PROTO_NONE;
		return;
	}
	l4_at(p, n, ip->family, out);
}

bool ippkt_icmp_quoted(const uint8_t *p, size_t n, const struct ippkt_l4 *l4,
		       struct ippkt_info *qip, struct ippkt_l4 *ql4)
{
	size_t off = l4->off + 8; /* ICMP and ICMPv6 errors: 8 bytes, then the quote */
	const uint8_t *q;
	size_t qn;

	memset(qip, 0, sizeof(*qip));
	if (!l4->icmp_error || l4->off == 0 || n < off + 1)
		return false;
	q = p + off;
	qn = n - off;
	switch (q[0] >> 4) {
	case 4:
		if (qn < IPV4_HDR_MIN || (q[0] & 0x0f) < 5)
			return false;
		qip->family = AF_INET;
		qip->proto = q[9];
		qip->len = buf_get16(q + 2);
		set_addr(&qip->src, AF_INET, q + 12, 4);
		set_addr(&qip->dst, AF_INET, q + 16, 4);
		break;
	case 6:
		if (qn < IPV6_HDR_LEN)
			return false;
		qip->family = AF_INET6;
		qip->proto = q[6];
		qip->len = IPV6_HDR_LEN + (size_t)buf_get16(q + 4);
		set_addr(&qip->src, AF_INET6, q + 8, 16);
		set_addr(&qip->dst, AF_INET6, q + 24, 16);
		break;
	default:
		return false;
	}
	l4_at(q, qn, qip->family, ql4);
	/* An error about an error is never sent (RFC 1122, 4443): ignore. */
	ql4->icmp_error = false;
	return true;
}
