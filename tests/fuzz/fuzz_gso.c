/*
 * fuzz_gso.c - arbitrary bytes as a super-packet with arbitrary metadata.
 * Byte 0 chooses the GSO type (bits 0-1), needs_csum (bit 2) and whether
 * the IP and UDP lengths are made to agree with the bytes (bit 3, so the
 * fuzzer reaches segmentation often); bytes 1-2 are gso_size, 3-4 seg_max,
 * the rest is the packet. Whatever gso_check accepts must cut into
 * segments that are sound plain packets, whose payloads add up to the
 * super-packet's, and whose header bytes outside gso_vary_mask are the
 * super-packet's; a cut into two smaller super-packets must pass
 * gso_check with the metadata gso_segment gave them.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>

#include "gso.h"
#include "ippkt.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define META_LEN 5

static void put16(uint8_t *p, size_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

/* IPv4 total length, IPv6 payload length and a UDP length right after a
 * plain header, set from the bytes. */
static void fix_lengths(uint8_t *p, size_t n)
{
	size_t l3;

	if (n >= 20 && p[0] >> 4 == 4) {
		put16(p + 2, n);
		l3 = (size_t)(p[0] & 0x0f) * 4;
		if (p[9] == 17 && l3 >= 20 && n >= l3 + 8)
			put16(p + l3 + 4, n - l3);
	} else if (n >= 40 && p[0] >> 4 == 6) {
		put16(p + 4, n - 40);
		if (p[6] == 17 && n >= 48)
			put16(p + 44, n - 40);
	}
}

/* The segment's header against the super-packet's: equal outside the mask
 * and outside the checksums gso_segment computes anew (a partial L4 one
 * becomes complete; a single GSO segment's IPv4 header checksum is
 * recomputed too, and the fuzzer's need not have been right). */
static void check_header(const uint8_t *pkt, const struct gso_info *inf, const uint8_t *out)
{
	uint8_t mask[GSO_MASK_BYTES];
	size_t csum = (size_t)inf->l3_len + inf->csum_offset;

	gso_vary_mask(inf, mask);
	for (size_t i = 0; i < inf->hdr_len; i++) {
		if (i < GSO_MAX_HDR && (mask[i / 8] & (1u << (i % 8))))
			continue;
		if (inf->proto != 0 && (i == csum || i == csum + 1))
			continue;
		if (inf->family == AF_INET && (i == 10 || i == 11))
			continue;
		if (out[i] != pkt[i])
			__builtin_trap();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t pkt[65536], out[65536];
	struct gso_meta m, plain = {0}, om;
	struct gso_info inf, sinf;
	struct ippkt_info ip;
	const char *why = NULL;
	size_t len, seg_max, total = 0;

	if (size < META_LEN || size - META_LEN > sizeof(pkt))
		return 0;
	m.type = data[0] & 3;
	m.needs_csum = (data[0] & 4) != 0;
	m.gso_size = (uint16_t)(data[1] << 8 | data[2]);
	seg_max = (size_t)(data[3] << 8 | data[4]);
	len = size - META_LEN;
	memcpy(pkt, data + META_LEN, len);
	if (data[0] & 8)
		fix_lengths(pkt, len);
	if (gso_check(pkt, len, &m, seg_max, &inf, &why) != GSO_OK) {
		if (why == NULL)
			__builtin_trap();
		return 0;
	}
	if (inf.segs == 0 || inf.segs > GSO_MAX_SEGS || inf.hdr_len > len || inf.len != len)
		__builtin_trap();
	for (uint32_t k = 0; k < inf.segs; k++) {
		size_t n = gso_segment(pkt, &inf, &m, k, 1, out, sizeof(out), &om);

		if (n < inf.hdr_len || om.type != GSO_NONE || om.needs_csum)
			__builtin_trap();
		if (m.type != GSO_NONE && n > seg_max)
			__builtin_trap();
		if (ippkt_parse(out, n, &ip) != IPPKT_OK ||
		    gso_check(out, n, &plain, seg_max, &sinf, &why) != GSO_OK)
			__builtin_trap();
		check_header(pkt, &inf, out);
		total += n - inf.hdr_len;
	}
	if (total != len - inf.hdr_len)
		__builtin_trap();
	if (inf.segs > 1) {
		uint32_t half = inf.segs / 2;
		size_t n = gso_segment(pkt, &inf, &m, half, inf.segs - half, out, sizeof(out), &om);

		if (n == 0 || gso_check(out, n, &om, seg_max, &sinf, &why) != GSO_OK ||
		    sinf.segs != inf.segs - half)
			__builtin_trap();
	}
	return 0;
}
