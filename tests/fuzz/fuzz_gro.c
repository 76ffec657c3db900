/*
 * fuzz_gro.c - a stream of TCP segments through the coalescer. The input
 * is a super-packet (lengths and checksums made right, so it is usually
 * one) cut by gso_segment, then edited: segments dropped, doubled,
 * swapped or with a byte changed (checksums fixed or not; a changed port
 * or address makes another flow). Whatever the stream, what comes out -
 * passed packets and taken super-packets cut back into segments - is the
 * stream itself, byte for byte, each packet once, and no packet overtook
 * an earlier one unless both are TCP of different flows or one is TCP
 * and the other surely not: the coalescer never reorders a flow, loses,
 * invents or repairs.
 * Byte 0: bit 0 fixes checksums after a byte edit, bits 1-3 the runs
 * (flows) minus one; bytes 1-2 gso_size; byte 3 the number of edits,
 * three bytes each (op, segment, offset); the rest the packet.
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

static uint8_t out[MAX_IN][SEG_CAP];
static size_t out_len[MAX_IN];

static void emit(const uint8_t *p, size_t n)
{
	if (n_out >= n_in || n > SEG_CAP)
		__builtin_trap();
	memcpy(out[n_out], p, n);
	out_len[n_out++] = n;
}

static void take_all(struct gro *g)
{
	static uint8_t seg[SEG_CAP];
	struct gro_write w;
	struct gso_meta m, om;
	struct gso_info inf;
	uint16_t cs, co;
	const char *why;

	while (gro_take(g, &w)) {
		if (!gso_from_vnet(w.vnet, &m, &cs, &co, &why))
			__builtin_trap();
		if (m.type == GSO_NONE) {
			if (m.needs_csum || w.segs != 1)
				__builtin_trap();
			emit(w.pkt, w.len);
			continue;
		}
		if (gso_check(w.pkt, w.len, &m, SIZE_MAX, &inf, &why) != GSO_OK ||
		    inf.segs != w.segs || cs != inf.l3_len || co != inf.csum_offset)
			__builtin_trap();
		for (uint32_t k = 0; k < inf.segs; k++)
			emit(seg, gso_segment(w.pkt, &inf, &m, k, 1, seg, sizeof(seg), &om));
	}
}

/* 1: TCP whose ports can be read (*key, *klen its addresses and ports);
 * 0: surely not TCP; -1: cannot tell. Written apart from gro.c's. */
static int tcp_flow(const uint8_t *p, size_t n, const uint8_t **key, size_t *klen)
{
	static uint8_t k[36];
	size_t ihl;

	if (n >= 20 && p[0] >> 4 == 4) {
		ihl = (size_t)(p[0] & 15) * 4;
		if (ihl < 20 || ihl > n)
			return -1;
		if (p[9] != 6)
			return 0;
		if (((p[6] << 8 | p[7]) & 0x1fff) != 0 || n < ihl + 4)
			return -1;
		memcpy(k, p + 12, 8);
		memcpy(k + 8, p + ihl, 4);
		*klen = 12;
	} else if (n >= 40 && p[0] >> 4 == 6) {
		static const uint8_t ext[] = {0, 43, 44, 50, 51, 60, 135, 139, 140, 253, 254};

		if (p[6] != 6)
			return memchr(ext, p[6], sizeof(ext)) != NULL ? -1 : 0;
		if (n < 44)
			return -1;
		memcpy(k, p + 8, 32);
		memcpy(k + 32, p + 40, 4);
		*klen = 36;
	} else {
		return -1;
	}
	*key = k;
	return 1;
}

static bool may_overtake(size_t later, size_t earlier)
{
	static uint8_t ka[36];
	const uint8_t *k;
	size_t la, lb;
	int a = tcp_flow(in[later], in_len[later], &k, &la), b;

	if (a == 1)
		memcpy(ka, k, la);
	b = tcp_flow(in[earlier], in_len[earlier], &k, &lb);
	if (a == 1 && b == 1)
		return la != lb || memcmp(ka, k, la) != 0;
	return (a == 1 && b == 0) || (a == 0 && b == 1);
}

/* Every packet out is an unused one in, and those before it still unused
 * may be overtaken. */
static void check(void)
{
	static bool used[MAX_IN];

	if (n_out != n_in)
		__builtin_trap();
	memset(used, 0, sizeof(used));
	for (size_t o = 0; o < n_out; o++) {
		size_t i;

		for (i = 0; i < n_in; i++)
			if (!used[i] && in_len[i] == out_len[o] &&
			    memcmp(in[i], out[o], in_len[i]) == 0)
				break;
		if (i == n_in)
			__builtin_trap();
		for (size_t j = 0; j < i; j++)
			if (!used[j] && !may_overtake(i, j))
				__builtin_trap();
		used[i] = true;
	}
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
	static uint8_t pkt[65536], storage[GRO_MAX_FLOWS * GRO_RUN_CAP];
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

	gro_init(&g, storage, GRO_RUN_CAP, 1 + ((data[0] >> 1) & 7));
	n_out = 0;
	for (size_t i = 0; i < n_in; i++) {
		enum gro_verdict v;

		while ((v = gro_push(&g, in[i], in_len[i])) == GRO_TAKE_FIRST)
			take_all(&g);
		if (v == GRO_PASS)
			emit(in[i], in_len[i]);
	}
	gro_flush(&g);
	take_all(&g);
	if (gro_holding(&g))
		__builtin_trap();
	check();
	return 0;
}
