/*
 * pktgen.h - test helper: builds IPv4/IPv6 TCP, UDP and ICMP packets as a
 * TUN carries them (no link header) from a readable description. Checksums
 * are left zero: nothing under test reads them.
 */
#ifndef TEST_PKTGEN_H
#define TEST_PKTGEN_H

#include <arpa/inet.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>

struct pkt_spec {
	int family;
	const char *src, *dst;
	uint8_t proto;	       /* 6, 17, 1 or 58 */
	uint16_t sport, dport; /* TCP, UDP */
	uint8_t tcp_flags;
	uint8_t icmp_type; /* ICMP and ICMPv6 */
	uint16_t icmp_id;
	size_t payload; /* bytes after the transport header */
};

static inline void pkt_put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

/* The packet's length, 0 if it does not fit. */
static inline size_t pkt_build(const struct pkt_spec *s, uint8_t *out, size_t cap)
{
	size_t ip = s->family == AF_INET ? 20 : 40;
	size_t l4 = s->proto == 6 ? 20 : 8;
	size_t n = ip + l4 + s->payload;
	uint8_t *t = out + ip;

	if (n > cap)
		return 0;
	memset(out, 0, n);
	if (s->family == AF_INET) {
		out[0] = 0x45;
		pkt_put16(out + 2, (uint16_t)n);
		out[8] = 64;
		out[9] = s->proto;
		inet_pton(AF_INET, s->src, out + 12);
		inet_pton(AF_INET, s->dst, out + 16);
	} else {
		out[0] = 0x60;
		pkt_put16(out + 4, (uint16_t)(n - 40));
		out[6] = s->proto;
		out[7] = 64;
		inet_pton(AF_INET6, s->src, out + 8);
		inet_pton(AF_INET6, s->dst, out + 24);
	}
	if (s->proto == 6 || s->proto == 17) {
		pkt_put16(t, s->sport);
		pkt_put16(t + 2, s->dport);
		if (s->proto == 6) {
			t[12] = 0x50;
			t[13] = s->tcp_flags;
		} else {
			pkt_put16(t + 4, (uint16_t)(l4 + s->payload));
		}
	} else {
		t[0] = s->icmp_type;
		pkt_put16(t + 4, s->icmp_id);
	}
	return n;
}

#endif
