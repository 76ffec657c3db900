/*
 * fuzz_mss_clamp.c - arbitrary bytes as an inner packet to clamp. Byte 0:
 * bit 0 says the checksum is partial, bit 1 makes the IP lengths and the
 * TCP checksum agree with the bytes (so the fuzzer reaches the options
 * often); bytes 1-2 are the limit, the rest is the packet. Whatever
 * mss_clamp does not lower must be left byte for byte; what it lowers
 * differs in at most the option's two bytes and the checksum's, holds the
 * limit, and keeps a checksum that verified before verifying after.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>

#include "buf.h"
#include "csum.h"
#include "ippkt.h"
#include "mss_clamp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define META_LEN 3

/* The TCP checksum of pkt verifies; false if it is not a TCP packet whose
 * header ippkt_l4 finds. */
static bool tcp_csum_ok(const uint8_t *pkt, size_t n, size_t *off)
{
	struct ippkt_info ip;
	struct ippkt_l4 l4;

	if (ippkt_parse(pkt, n, &ip) != IPPKT_OK)
		return false;
	ippkt_l4(pkt, n, &ip, &l4);
	if (l4.proto != 6 || l4.off == 0 || l4.fragment || n - l4.off < 20)
		return false;
	*off = l4.off;
	return csum_add(csum_pseudo(pkt, ip.family, 6, n - l4.off),
			csum_sum(pkt + l4.off, n - l4.off)) == 0xffff;
}

/* A SYN from 10.0.0.1 or fd00::1 whose options are opts[0..4 * words)
 * and payload the rest; returns its length. */
static size_t wrap(uint8_t *p, bool v6, size_t words, const uint8_t *opts, size_t n)
{
	size_t l3 = v6 ? 40 : 20, olen = 4 * words;

	if (olen > n)
		olen = n & ~(size_t)3;
	if (l3 + 20 + n > 65535)
		return 0;
	memset(p, 0, l3 + 20);
	if (v6) {
		p[0] = 0x60;
		p[6] = 6;
		p[23] = 1;
		p[39] = 2;
		p[8] = p[24] = 0xfd;
	} else {
		p[0] = 0x45;
		p[9] = 6;
		p[12] = p[16] = 10;
		p[15] = 1;
		p[19] = 2;
	}
	p[l3 + 12] = (uint8_t)((20 + olen) / 4 << 4);
	p[l3 + 13] = 0x02;
	memcpy(p + l3 + 20, opts, n);
	return l3 + 20 + n;
}

static void fix(uint8_t *p, size_t n)
{
	struct ippkt_info ip;
	struct ippkt_l4 l4;

	if (n >= 20 && p[0] >> 4 == 4)
		buf_put16(p + 2, (uint16_t)n);
	else if (n >= 40 && p[0] >> 4 == 6)
		buf_put16(p + 4, (uint16_t)(n - 40));
	if (ippkt_parse(p, n, &ip) != IPPKT_OK)
		return;
	ippkt_l4(p, n, &ip, &l4);
	if (l4.proto != 6 || l4.off == 0 || l4.fragment || n - l4.off < 20)
		return;
	buf_put16(p + l4.off + 16, 0);
	buf_put16(p + l4.off + 16, (uint16_t)~csum_add(csum_pseudo(p, ip.family, 6, n - l4.off),
						       csum_sum(p + l4.off, n - l4.off)));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t pkt[65536], before[65536];
	bool partial;
	uint16_t max, old;
	size_t n, off = 0, diff = 0;
	bool ok_before;
	enum mss_clamp_result r;

	if (size < META_LEN || size - META_LEN > sizeof(pkt))
		return 0;
	partial = data[0] & 1;
	max = (uint16_t)(data[1] << 8 | data[2]);
	n = size - META_LEN;
	if (data[0] & 4) {
		n = wrap(pkt, data[0] & 8, data[0] >> 4, data + META_LEN, n);
		if (n == 0)
			return 0;
	} else {
		memcpy(pkt, data + META_LEN, n);
	}
	if (data[0] & 6)
		fix(pkt, n);
	memcpy(before, pkt, n);
	ok_before = tcp_csum_ok(pkt, n, &off);
	r = mss_clamp(pkt, n, partial, max, &old);
	for (size_t i = 0; i < n; i++)
		diff += pkt[i] != before[i];
	if (r != MSS_CLAMP_LOWERED) {
		if (diff != 0 || (r == MSS_CLAMP_KEPT && old > max) ||
		    (r != MSS_CLAMP_KEPT && old != 0))
			__builtin_trap();
		return 0;
	}
	if (diff > 4 || old <= max)
		__builtin_trap();
	if (ok_before && !partial && !tcp_csum_ok(pkt, n, &off))
		__builtin_trap();
	/* Clamping again finds the limit in place. */
	if (mss_clamp(pkt, n, partial, max, &old) != MSS_CLAMP_KEPT || old != max)
		__builtin_trap();
	return 0;
}
