/*
 * gso_fixture.h - what the segmentation-offload tests share: an independent
 * RFC 1071 checksum (byte by byte, nothing like the module's) with the
 * pseudo-headers, and a builder of TCP and UDP super-packets over IPv4
 * (with options) and IPv6 (with a destination-options header) whose L4
 * checksum is complete or partial (the pseudo-header sum, as a TUN gives).
 */
#ifndef GSO_FIXTURE_H
#define GSO_FIXTURE_H

#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>

#include <cmocka.h>

#include "gso.h"

#define TCP 6
#define UDP 17
#define F_FIN 0x01
#define F_SYN 0x02
#define F_RST 0x04
#define F_PSH 0x08
#define F_ACK 0x10
#define F_CWR 0x80
#define MAXPKT 65535
#define MTU 1500

static inline void put16(uint8_t *p, unsigned v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static inline void put32(uint8_t *p, uint32_t v)
{
	put16(p, v >> 16);
	put16(p + 2, v & 0xffff);
}

static inline unsigned get16(const uint8_t *p)
{
	return (unsigned)(p[0] << 8 | p[1]);
}
static inline uint32_t get32(const uint8_t *p)
{
	return (uint32_t)get16(p) << 16 | get16(p + 2);
}

/* ---- an independent checksum: RFC 1071, byte by byte -------------------- */

static inline uint32_t rfc1071_add(uint32_t sum, const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i += 2)
		sum += (uint32_t)(p[i] << 8 | (i + 1 < n ? p[i + 1] : 0));
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return sum;
}

/* Where the transport header starts: IPv4's IHL, or IPv6 and at most one
 * destination-options header (what the builder makes). */
static inline size_t l4_off(const uint8_t *p)
{
	if (p[0] >> 4 == 4)
		return (size_t)(p[0] & 0x0f) * 4;
	return p[6] == 60 ? 40 + ((size_t)p[41] + 1) * 8 : 40;
}

static inline uint8_t l4_proto(const uint8_t *p)
{
	if (p[0] >> 4 == 4)
		return p[9];
	return p[6] == 60 ? p[40] : p[6];
}

static inline uint32_t pseudo(const uint8_t *p, size_t l4_len)
{
	uint8_t ph[40] = {0};

	if (p[0] >> 4 == 4) {
		memcpy(ph, p + 12, 8);
		ph[9] = l4_proto(p);
		put16(ph + 10, (unsigned)l4_len);
		return rfc1071_add(0, ph, 12);
	}
	memcpy(ph, p + 8, 32);
	put32(ph + 32, (uint32_t)l4_len);
	ph[39] = l4_proto(p);
	return rfc1071_add(0, ph, 40);
}

static inline bool l4_csum_ok(const uint8_t *p, size_t len)
{
	size_t off = l4_off(p);

	return rfc1071_add(pseudo(p, len - off), p + off, len - off) == 0xffff;
}

static inline bool ip_csum_ok(const uint8_t *p)
{
	return p[0] >> 4 == 6 || rfc1071_add(0, p, l4_off(p)) == 0xffff;
}

/* ---- building super-packets ----------------------------------------------- */

struct spec {
	int family;
	uint8_t proto;
	size_t ip_opts;	 /* IPv4 option bytes, a multiple of 4 */
	size_t tcp_opts; /* TCP option bytes, a multiple of 4 */
	bool ext_hdr;	 /* IPv6: a destination-options header first */
	uint8_t flags;
	size_t payload;
};

#define SEQ0 0xfffff000u /* wraps within a super-packet */
#define ID0 0xfffe	 /* wraps too */

/* The packet as a TUN hands it over: lengths right, the IPv4 header
 * checksum complete, and the L4 checksum field either complete or the
 * pseudo-header sum over the whole L4 length (partial). */
static inline size_t build(const struct spec *s, bool partial, uint8_t *p)
{
	size_t ip = s->family == AF_INET ? 20 + s->ip_opts : 40 + (s->ext_hdr ? 8 : 0);
	size_t th = s->proto == TCP ? 20 + s->tcp_opts : 8;
	size_t len = ip + th + s->payload, cf;
	uint8_t *t = p + ip;

	memset(p, 0, ip + th);
	if (s->family == AF_INET) {
		p[0] = (uint8_t)(0x40 | ip / 4);
		p[1] = 0x02; /* ECT(0): left alone */
		put16(p + 2, (unsigned)len);
		put16(p + 4, ID0);
		put16(p + 6, 0x4000); /* DF */
		p[8] = 64;
		p[9] = s->proto;
		memcpy(p + 12, (const uint8_t[]){10, 8, 0, 1, 10, 8, 0, 2}, 8);
		memset(p + 20, 1, s->ip_opts); /* NOPs */
		put16(p + 10, (unsigned)~rfc1071_add(0, p, ip) & 0xffff);
	} else {
		p[0] = 0x60;
		p[3] = 0x42; /* flow label */
		put16(p + 4, (unsigned)(len - 40));
		p[6] = s->ext_hdr ? 60 : s->proto;
		p[7] = 64;
		p[8] = 0xfd;
		p[23] = 1;
		p[24] = 0xfd;
		p[39] = 2;
		if (s->ext_hdr) {
			p[40] = s->proto;
			p[42] = 1; /* PadN of 4 */
			p[43] = 4;
		}
	}
	put16(t, 40000);
	put16(t + 2, 443);
	if (s->proto == TCP) {
		put32(t + 4, SEQ0);
		put32(t + 8, 0x01020304);
		t[12] = (uint8_t)((th / 4) << 4);
		t[13] = s->flags;
		put16(t + 14, 512);
		memset(t + 20, 1, s->tcp_opts);
		cf = 16;
	} else {
		put16(t + 4, (unsigned)(th + s->payload));
		cf = 6;
	}
	for (size_t i = 0; i < s->payload; i++)
		p[ip + th + i] = (uint8_t)(i * 7 + i / 251);
	if (partial) {
		put16(t + cf, pseudo(p, len - ip));
	} else {
		unsigned c = ~rfc1071_add(pseudo(p, len - ip), t, len - ip) & 0xffff;

		put16(t + cf, c == 0 && s->proto == UDP ? 0xffff : c);
	}
	return len;
}

static inline struct gso_meta meta_for(const struct spec *s, uint16_t gso_size)
{
	struct gso_meta m = {.needs_csum = true, .gso_size = gso_size};

	if (s->proto == UDP)
		m.type = GSO_UDP_L4;
	else
		m.type = s->family == AF_INET ? GSO_TCPV4 : GSO_TCPV6;
	return m;
}

/* Builds s into pkt and checks it against m; fails the test if refused. */
static inline size_t build_checked(const struct spec *s, const struct gso_meta *m, size_t seg_max,
				   struct gso_info *inf, uint8_t *pkt)
{
	size_t len = build(s, m->needs_csum, pkt);
	const char *why = NULL;
	enum gso_result r = gso_check(pkt, len, m, seg_max, inf, &why);

	if (r != GSO_OK)
		fail_msg("gso_check: %s (%s)", gso_result_str(r), why);
	return len;
}

/* clang-format off */
#define V4TCP(n) {AF_INET, TCP, 0, 0, false, F_ACK, n}
#define V4TCPO(n) {AF_INET, TCP, 40, 40, false, F_ACK, n}
#define V6TCP(n) {AF_INET6, TCP, 0, 0, false, F_ACK, n}
#define V6EXT(p, n) {AF_INET6, p, 0, 0, true, F_ACK, n}
#define V4UDP(n) {AF_INET, UDP, 0, 0, false, 0, n}
#define V6UDP(n) {AF_INET6, UDP, 0, 0, false, 0, n}
#define M(t, c, g) {t, c, g}
/* clang-format on */

#endif
