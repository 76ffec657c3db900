/*
 * tcp_syn_fixture.h - TCP segments with options over IPv4 (with or without
 * IP options, fragment bits) and IPv6 (with hop-by-hop and destination
 * options, or a fragment header), their checksums computed with csum.c,
 * and the check that a packet's TCP checksum verifies.
 */
#ifndef TCP_SYN_FIXTURE_H
#define TCP_SYN_FIXTURE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>

#include "csum.h"

#define SYN 0x02
#define RST 0x04
#define ACK 0x10

enum ext {
	EXT_NONE,
	EXT_V4_OPTS,	  /* IPv4: 4 bytes of IP options (IHL 6) */
	EXT_V6_HBH_DST,	  /* IPv6: hop-by-hop, then destination options */
	EXT_V6_FRAG_M,	  /* IPv6: fragment header, offset 0, M set */
	EXT_V6_FRAG_ATOM, /* IPv6: fragment header, offset 0, M clear */
};

struct seg {
	int family;
	enum ext ext;
	uint16_t v4_frag; /* IPv4 flags and offset field */
	uint8_t flags;
	uint8_t opts[40];
	size_t optlen; /* a multiple of 4 */
	size_t payload;
};

static inline void fx_put16(uint8_t *p, unsigned v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static inline unsigned fx_get16(const uint8_t *p)
{
	return (unsigned)(p[0] << 8 | p[1]);
}

static inline size_t fx_l3_len(const struct seg *s)
{
	if (s->family == AF_INET)
		return s->ext == EXT_V4_OPTS ? 24 : 20;
	switch (s->ext) {
	case EXT_V6_HBH_DST:
		return 56;
	case EXT_V6_FRAG_M:
	case EXT_V6_FRAG_ATOM:
		return 48;
	default:
		return 40;
	}
}

static inline bool fx_tcp_csum_ok(const uint8_t *p, size_t n, int family, size_t l3)
{
	uint32_t s = csum_add(csum_pseudo(p, family, 6, n - l3), csum_sum(p + l3, n - l3));

	return s == 0xffff;
}

/* Writes the segment into p and returns its length. */
static inline size_t fx_build(const struct seg *s, uint8_t *p)
{
	size_t l3 = fx_l3_len(s), n = l3 + 20 + s->optlen + s->payload;
	uint8_t *t = p + l3;
	uint32_t sum;

	memset(p, 0, n);
	if (s->family == AF_INET) {
		p[0] = (uint8_t)(0x40 | l3 / 4);
		fx_put16(p + 2, (unsigned)n);
		fx_put16(p + 6, s->v4_frag);
		p[8] = 64;
		p[9] = 6;
		memcpy(p + 12, "\x0a\x08\x00\x02\xc0\x00\x02\x07", 8);
		if (s->ext == EXT_V4_OPTS)
			memset(p + 20, 1, 4); /* NOPs */
		fx_put16(p + 10, (uint16_t)~csum_sum(p, l3));
	} else {
		p[0] = 0x60;
		fx_put16(p + 4, (unsigned)(n - 40));
		p[7] = 64;
		memcpy(p + 8, "\xfd\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x02",
		       16);
		memcpy(p + 24, "\x20\x01\x0d\xb8\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x07",
		       16);
		switch (s->ext) {
		case EXT_V6_HBH_DST:
			p[6] = 0;
			p[40] = 60; /* then destination options */
			p[42] = 1;  /* PadN of 4 */
			p[43] = 4;
			p[48] = 6;
			p[50] = 1;
			p[51] = 4;
			break;
		case EXT_V6_FRAG_M:
		case EXT_V6_FRAG_ATOM:
			p[6] = 44;
			p[40] = 6;
			p[43] = s->ext == EXT_V6_FRAG_M ? 1 : 0;
			memcpy(p + 44, "\x12\x34\x56\x78", 4);
			break;
		default:
			p[6] = 6;
			break;
		}
	}
	fx_put16(t, 40000);
	fx_put16(t + 2, 443);
	memcpy(t + 4, "\x11\x22\x33\x44\x55\x66\x77\x88", 8);
	t[12] = (uint8_t)((20 + s->optlen) / 4 << 4);
	t[13] = s->flags;
	fx_put16(t + 14, 64240);
	memcpy(t + 20, s->opts, s->optlen);
	for (size_t i = 0; i < s->payload; i++)
		t[20 + s->optlen + i] = (uint8_t)(i * 7 + 3);
	sum = csum_add(csum_pseudo(p, s->family, 6, n - l3), csum_sum(t, n - l3));
	fx_put16(t + 16, (uint16_t)~sum);
	return n;
}

#endif
