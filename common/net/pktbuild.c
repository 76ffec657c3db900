/*
 * pktbuild.c - packets from a description. Header fields are written byte
 * by byte in network order into a zeroed buffer; the checksums (IPv4
 * header, and TCP/UDP/ICMPv6 over the pseudo-header, ICMP over itself) are
 * computed last, over the finished bytes.
 */
#include "pktbuild.h"

#include <arpa/inet.h>
#include <stdbool.h>
#include <string.h>
#include <sys/socket.h>

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

/* One's complement sum of p[0..n), folded into 16 bits, added to sum. */
static uint32_t csum_add(uint32_t sum, const uint8_t *p, size_t n)
{
	for (size_t i = 0; i + 1 < n; i += 2)
		sum += (uint32_t)(p[i] << 8 | p[i + 1]);
	if (n & 1)
		sum += (uint32_t)(p[n - 1] << 8);
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return sum;
}

static uint16_t csum_fin(uint32_t sum)
{
	return (uint16_t)~sum;
}

static size_t l4_header_len(uint8_t proto)
{
	return proto == PKTBUILD_TCP ? 20 : 8;
}

static bool proto_fits(int family, uint8_t proto)
{
	switch (proto) {
	case PKTBUILD_TCP:
	case PKTBUILD_UDP:
		return true;
	case PKTBUILD_ICMP:
		return family == AF_INET;
	case PKTBUILD_ICMP6:
		return family == AF_INET6;
	default:
		return false;
	}
}

size_t pktbuild_make(const struct pktbuild_spec *s, uint8_t *out, size_t cap)
{
	size_t ip, l4, n;
	uint8_t *t, pseudo[40];
	uint32_t sum = 0;
	size_t alen;

	if (s->family != AF_INET && s->family != AF_INET6)
		return 0;
	if (s->src == NULL || s->dst == NULL || !proto_fits(s->family, s->proto))
		return 0;
	ip = s->family == AF_INET ? 20 : 40;
	l4 = l4_header_len(s->proto);
	if (s->payload > 65535)
		return 0;
	n = ip + l4 + s->payload;
	if (n > cap || n > 65535)
		return 0;
	memset(out, 0, n);
	alen = s->family == AF_INET ? 4 : 16;
	if (s->family == AF_INET) {
		out[0] = 0x45;
		put16(out + 2, (uint16_t)n);
		out[8] = 64;
		out[9] = s->proto;
		if (inet_pton(AF_INET, s->src, out + 12) != 1 ||
		    inet_pton(AF_INET, s->dst, out + 16) != 1)
			return 0;
		put16(out + 10, csum_fin(csum_add(0, out, 20)));
	} else {
		out[0] = 0x60;
		put16(out + 4, (uint16_t)(n - 40));
		out[6] = s->proto;
		out[7] = 64;
		if (inet_pton(AF_INET6, s->src, out + 8) != 1 ||
		    inet_pton(AF_INET6, s->dst, out + 24) != 1)
			return 0;
	}
	t = out + ip;
	if (s->proto == PKTBUILD_TCP || s->proto == PKTBUILD_UDP) {
		put16(t, s->sport);
		put16(t + 2, s->dport);
		if (s->proto == PKTBUILD_TCP) {
			t[12] = 0x50; /* data offset: 5 words */
			t[13] = s->tcp_flags;
			put16(t + 14, 65535); /* window */
		} else {
			put16(t + 4, (uint16_t)(l4 + s->payload));
		}
	} else {
		t[0] = s->icmp_type;
		put16(t + 4, s->icmp_id);
		if (s->icmp_type == 0 || s->icmp_type == 8 || s->icmp_type == 128 ||
		    s->icmp_type == 129)
			put16(t + 6, 1); /* an echo's sequence number */
	}
	/* The pseudo-header: both addresses, the protocol and the length.
	 * Plain ICMP has none. */
	if (s->proto != PKTBUILD_ICMP) {
		memset(pseudo, 0, sizeof(pseudo));
		memcpy(pseudo, s->family == AF_INET ? out + 12 : out + 8, 2 * alen);
		if (s->family == AF_INET) {
			pseudo[9] = s->proto;
			put16(pseudo + 10, (uint16_t)(n - ip));
			sum = csum_add(0, pseudo, 12);
		} else {
			put16(pseudo + 34, (uint16_t)(n - ip));
			pseudo[39] = s->proto;
			sum = csum_add(0, pseudo, 40);
		}
	}
	sum = csum_fin(csum_add(sum, t, n - ip));
	/* UDP sends a computed zero as all ones: zero means "no checksum". */
	if (s->proto == PKTBUILD_UDP && sum == 0)
		sum = 0xffff;
	put16(t + (s->proto == PKTBUILD_TCP   ? 16
		   : s->proto == PKTBUILD_UDP ? 6
					      : 2),
	      (uint16_t)sum);
	return n;
}

static const struct {
	const char *name;
	uint8_t proto;
} protos[] = {
    {"tcp", PKTBUILD_TCP},
    {"udp", PKTBUILD_UDP},
    {"icmp", PKTBUILD_ICMP},
    {"icmp6", PKTBUILD_ICMP6},
};

uint8_t pktbuild_proto_parse(const char *name)
{
	for (size_t i = 0; i < sizeof(protos) / sizeof(protos[0]); i++)
		if (strcmp(name, protos[i].name) == 0)
			return protos[i].proto;
	return 0;
}

const char *pktbuild_proto_name(uint8_t proto)
{
	for (size_t i = 0; i < sizeof(protos) / sizeof(protos[0]); i++)
		if (protos[i].proto == proto)
			return protos[i].name;
	return "?";
}
