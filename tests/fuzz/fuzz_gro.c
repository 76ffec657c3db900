/*
 * fuzz_gro.c - a stream of TCP segments through the coalescer. The input
 * is a super-packet (lengths and checksums made right, so it is usually
 * one) cut by gso_segment, then edited: segments dropped, doubled,
 * swapped or with a byte changed (checksums fixed or not). Whatever the
 * stream, what comes out - passed packets and taken super-packets cut
 * back into segments - is the stream itself, packet for packet, byte for
 * byte: the coalescer never reorders, loses, invents or repairs.
 * Byte 0: bit 0 fixes checksums after a byte edit; bytes 1-2 gso_size;
 * byte 3 the number of edits, three bytes each (op, segment, offset);
 * the rest the packet.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>

#include "csum.h"
#include "gro.h"
#include "gso.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_IN (GSO_MAX_SEGS * 2)
#define SEG_CAP 2048

static uint8_t in[MAX_IN][SEG_CAP];
static size_t in_len[MAX_IN];
static size_t n_in, n_out;

static void put16(uint8_t *p, size_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

/* Lengths from the bytes, the IPv4 header checksum and the TCP checksum
 * complete (partial when partial is set). */
static void fix(uint8_t *p, size_t n, bool partial)
{
	size_t l3;
	uint32_t s;

	if (n >= 20 && p[0] >> 4 == 4) {
		l3 = (size_t)(p[0] & 0x0f) * 4;
		put16(p + 2, n);
		if (l3 < 20 || l3 > n)
			return;
		put16(p + 10, 0);
		put16(p + 10, (uint16_t)~csum_sum(p, l3));
	} else if (n >= 40 && p[0] >> 4 == 6) {
		l3 = 40;
		put16(p + 4, n - 40);
	} else {
		return;
	}
	if (n < l3 + 20)
		return;
	put16(p + l3 + 16, 0);
	s = csum_pseudo(p, p[0] >> 4 == 4 ? AF_INET : AF_INET6, 6, n - l3);
	put16(p + l3 + 16, partial ? s : (uint16_t)~csum_add(s, csum_sum(p + l3, n - l3)));
}

/* The next packet out must be the next one in. */
static void emit(const uint8_t *p, size_t n)
{
	if (n_out >= n_in || n != in_len[n_out] || memcmp(p, in[n_out], n) != 0)
		__builtin_trap();
	n_out++;
}

static void take(struct gro *g)
{
	static uint8_t out[SEG_CAP];
	struct gso_meta m, om;
	struct gso_info inf;
	size_t n = gro_take(g, &m, &inf);

	if (n == 0)
		__builtin_trap();
	if (m.type == GSO_NONE) {
		emit(g->buf, n);
		return;
	}
	for (uint32_t k = 0; k < inf.segs; k++)
		emit(out, gso_segment(g->buf, &inf, &m, k, 1, out, sizeof(out), &om));
}

static void edit(const uint8_t *e, bool fix_csum)
{
	size_t i = e[1] % n_in, off = e[2];

	switch (e[0] % 4) {
	case 0:
		if (off < in_len[i]) {
			in[i][off] ^= (uint8_t)(1u << (e[0] >> 5));
			if (fix_csum)
				fix(in[i], in_len[i], false);
		}
		break;
	case 1:
		if (i + 1 < n_in) {
			static uint8_t tmp[SEG_CAP];
			size_t tl = in_len[i];

			memcpy(tmp, in[i], tl);
			memcpy(in[i], in[i + 1], in_len[i + 1]);
			in_len[i] = in_len[i + 1];
			memcpy(in[i + 1], tmp, tl);
			in_len[i + 1] = tl;
		}
		break;
	case 2:
		if (n_in > 1) {
			memmove(in[i], in[i + 1], (n_in - i - 1) * SEG_CAP);
			memmove(in_len + i, in_len + i + 1, (n_in - i - 1) * sizeof(in_len[0]));
			n_in--;
		}
		break;
	default:
		if (n_in < MAX_IN) {
			memmove(in[i + 1], in[i], (n_in - i) * SEG_CAP);
			memmove(in_len + i + 1, in_len + i, (n_in - i) * sizeof(in_len[0]));
			n_in++;
		}
		break;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t pkt[65536], held[65535];
	struct gso_meta m = {.needs_csum = true};
	struct gso_info inf;
	const char *why;
	struct gro g;
	size_t len, edits, off;

	if (size < 4)
		return 0;
	m.gso_size = (uint16_t)(data[1] << 8 | data[2]);
	edits = data[3];
	off = 4 + 3 * edits;
	if (off > size || size - off > sizeof(pkt))
		return 0;
	len = size - off;
	memcpy(pkt, data + off, len);
	fix(pkt, len, true);
	m.type = len > 0 && pkt[0] >> 4 == 4 ? GSO_TCPV4 : GSO_TCPV6;
	if (gso_check(pkt, len, &m, SEG_CAP, &inf, &why) != GSO_OK)
		return 0;
	for (n_in = 0; n_in < inf.segs; n_in++) {
		struct gso_meta om;

		in_len[n_in] =
		    gso_segment(pkt, &inf, &m, (uint32_t)n_in, 1, in[n_in], SEG_CAP, &om);
		if (in_len[n_in] == 0)
			__builtin_trap();
	}
	for (size_t e = 0; e < edits; e++)
		edit(data + 4 + 3 * e, data[0] & 1);

	gro_init(&g, held, sizeof(held));
	n_out = 0;
	for (size_t i = 0; i < n_in; i++) {
		switch (gro_push(&g, in[i], in_len[i])) {
		case GRO_HELD:
			break;
		case GRO_PASS:
			emit(in[i], in_len[i]);
			break;
		case GRO_TAKE_FIRST:
			take(&g);
			i--; /* push it again */
			break;
		}
	}
	if (g.len != 0)
		take(&g);
	if (n_out != n_in)
		__builtin_trap();
	return 0;
}
