/*
 * test_gso.c - super-packets checked against their metadata: tables of
 * sound and unsound ones (each refusal with its reason), partial
 * checksums completed, the virtio_net_hdr both ways and the mask of header
 * bytes that vary between segments.
 */
#include <stdlib.h>

#include "gso_fixture.h"

static uint8_t pkt[MAXPKT], seg[MAXPKT], seg2[MAXPKT];

/* ---- gso_check tables ------------------------------------------------------ */

enum lie {
	NO_LIE,
	TOT_LEN,    /* IPv4 total length one more than the bytes */
	V6_PAYLOAD, /* IPv6 payload length one less */
	UDP_LEN,    /* UDP length one less */
	MF,	    /* IPv4 more-fragments */
	FRAG_OFF,   /* IPv4 fragment offset */
	SYN,
	RST,
	DOFF_4,	     /* TCP data offset below 5 */
	DOFF_BEYOND, /* TCP header longer than the packet */
	ICMP,	     /* protocol 1 under a partial checksum */
	VERSION_5,
};

static size_t build_lie(const struct spec *s, enum lie lie, uint8_t *p)
{
	size_t len = build(s, true, p), ip = l4_off(p);

	switch (lie) {
	case NO_LIE:
		break;
	case TOT_LEN:
		put16(p + 2, get16(p + 2) + 1);
		break;
	case V6_PAYLOAD:
		put16(p + 4, get16(p + 4) - 1);
		break;
	case UDP_LEN:
		put16(p + ip + 4, get16(p + ip + 4) - 1);
		break;
	case MF:
		put16(p + 6, 0x2000);
		break;
	case FRAG_OFF:
		put16(p + 6, 0x0001);
		break;
	case SYN:
		p[ip + 13] |= F_SYN;
		break;
	case RST:
		p[ip + 13] |= F_RST;
		break;
	case DOFF_4:
		p[ip + 12] = 0x40;
		break;
	case DOFF_BEYOND:
		p[ip + 12] = 0xf0;
		break;
	case ICMP:
		p[9] = 1;
		break;
	case VERSION_5:
		p[0] = 0x55;
		break;
	}
	return len;
}

static const struct {
	const char *name;
	struct spec s;
	struct gso_meta m;
	size_t seg_max;
	uint32_t segs;
	uint16_t l3_len, hdr_len;
} good[] = {
    {"tcpv4", V4TCP(14600), M(GSO_TCPV4, true, 1460), 1500, 10, 20, 40},
    {"tcpv4 options, 120-byte headers", V4TCPO(2761), M(GSO_TCPV4, true, 1380), 1500, 3, 60, 120},
    {"tcpv6 last short", V6TCP(1441), M(GSO_TCPV6, true, 1440), 1500, 2, 40, 60},
    {"udpv4", V4UDP(1473), M(GSO_UDP_L4, true, 1472), 1500, 2, 20, 28},
    {"udpv6, 128 segments", V6UDP(500 * 128), M(GSO_UDP_L4, true, 500), 1500, 128, 40, 48},
    {"segment exactly seg_max", V4TCP(2920), M(GSO_TCPV4, true, 1460), 1500, 2, 20, 40},
    {"one segment, no payload", V4TCP(0), M(GSO_TCPV4, true, 1460), 1500, 1, 20, 40},
    {"plain tcp, partial", V4TCP(9000), M(GSO_NONE, true, 0), 1500, 1, 20, 40},
    {"plain udp, partial, over seg_max", V6UDP(9000), M(GSO_NONE, true, 0), 100, 1, 40, 48},
    {"plain ipv6 ext header, partial", V6EXT(TCP, 100), M(GSO_NONE, true, 0), 1500, 1, 48, 68},
    {"plain complete", V4TCP(100), M(GSO_NONE, false, 0), 1500, 1, 20, 20},
};

static void test_gso_check_accepts(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		size_t len = build(&good[i].s, good[i].m.needs_csum, pkt);
		struct gso_info inf;
		const char *why = NULL;
		enum gso_result r = gso_check(pkt, len, &good[i].m, good[i].seg_max, &inf, &why);

		if (r != GSO_OK)
			fail_msg("%s: %s (%s)", good[i].name, gso_result_str(r), why);
		if (inf.segs != good[i].segs || inf.l3_len != good[i].l3_len ||
		    inf.hdr_len != good[i].hdr_len || inf.len != len)
			fail_msg("%s: segs %u l3 %u hdr %u", good[i].name, inf.segs, inf.l3_len,
				 inf.hdr_len);
	}
}

static const struct {
	const char *name;
	struct spec s;
	enum lie lie;
	struct gso_meta m;
	size_t seg_max;
	enum gso_result want;
} bad[] = {
    {"unknown type", V4TCP(3000), NO_LIE, M(4, true, 1000), 1500, GSO_BAD_META},
    {"gso_size 0", V4TCP(3000), NO_LIE, M(GSO_TCPV4, true, 0), 1500, GSO_BAD_META},
    {"gso_size without GSO", V4TCP(3000), NO_LIE, M(GSO_NONE, true, 1000), 1500, GSO_BAD_META},
    {"GSO without partial csum", V4TCP(3000), NO_LIE, M(GSO_TCPV4, false, 1000), 1500,
     GSO_BAD_META},
    {"tot_len lie", V4TCP(3000), TOT_LEN, M(GSO_TCPV4, true, 1000), 1500, GSO_BAD_PACKET},
    {"payload_len lie", V6TCP(3000), V6_PAYLOAD, M(GSO_TCPV6, true, 1000), 1500, GSO_BAD_PACKET},
    {"udp length lie v4", V4UDP(3000), UDP_LEN, M(GSO_UDP_L4, true, 1000), 1500, GSO_BAD_PACKET},
    {"udp length lie v6", V6UDP(3000), UDP_LEN, M(GSO_UDP_L4, true, 1000), 1500, GSO_BAD_PACKET},
    {"udp length lie, plain", V6UDP(30), UDP_LEN, M(GSO_NONE, true, 0), 1500, GSO_BAD_PACKET},
    {"not IP", V4TCP(3000), VERSION_5, M(GSO_TCPV4, true, 1000), 1500, GSO_BAD_PACKET},
    {"tcp doff 4", V4TCP(3000), DOFF_4, M(GSO_TCPV4, true, 1000), 1500, GSO_BAD_PACKET},
    {"tcp doff beyond", V6TCP(30), DOFF_BEYOND, M(GSO_TCPV6, true, 1000), 1500, GSO_BAD_PACKET},
    {"tcpv6 meta on v4", V4TCP(3000), NO_LIE, M(GSO_TCPV6, true, 1000), 1500, GSO_MISMATCH},
    {"tcpv4 meta on v6", V6TCP(3000), NO_LIE, M(GSO_TCPV4, true, 1000), 1500, GSO_MISMATCH},
    {"udp packet, tcp meta", V4UDP(3000), NO_LIE, M(GSO_TCPV4, true, 1000), 1500, GSO_MISMATCH},
    {"tcp packet, udp meta", V6TCP(3000), NO_LIE, M(GSO_UDP_L4, true, 1000), 1500, GSO_MISMATCH},
    {"v4 more fragments", V4UDP(3000), MF, M(GSO_UDP_L4, true, 1000), 1500, GSO_MISMATCH},
    {"v4 fragment offset", V4TCP(3000), FRAG_OFF, M(GSO_TCPV4, true, 1000), 1500, GSO_MISMATCH},
    {"v4 fragment, plain partial", V4TCP(30), MF, M(GSO_NONE, true, 0), 1500, GSO_MISMATCH},
    {"v6 extension header", V6EXT(TCP, 3000), NO_LIE, M(GSO_TCPV6, true, 1000), 1500, GSO_MISMATCH},
    {"v6 extension header udp", V6EXT(UDP, 3000), NO_LIE, M(GSO_UDP_L4, true, 1000), 1500,
     GSO_MISMATCH},
    {"syn", V4TCP(3000), SYN, M(GSO_TCPV4, true, 1000), 1500, GSO_MISMATCH},
    {"rst", V6TCP(3000), RST, M(GSO_TCPV6, true, 1000), 1500, GSO_MISMATCH},
    {"icmp with partial csum", V4TCP(30), ICMP, M(GSO_NONE, true, 0), 1500, GSO_MISMATCH},
    {"gso_size over seg_max", V4TCP(3000), NO_LIE, M(GSO_TCPV4, true, 1461), 1500, GSO_BAD_SIZE},
    {"gso_size over an IP packet", V4TCP(3000), NO_LIE, M(GSO_TCPV4, true, 65535), 1 << 20,
     GSO_BAD_SIZE},
    {"129 segments", V6UDP(129 * 100), NO_LIE, M(GSO_UDP_L4, true, 100), 1500, GSO_BAD_SIZE},
    {"gso_size 1", V4TCP(3000), NO_LIE, M(GSO_TCPV4, true, 1), 1500, GSO_BAD_SIZE},
};

static void test_gso_check_refuses(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		size_t len = build_lie(&bad[i].s, bad[i].lie, pkt);
		struct gso_info inf;
		const char *why = NULL;
		enum gso_result r = gso_check(pkt, len, &bad[i].m, bad[i].seg_max, &inf, &why);

		if (r != bad[i].want)
			fail_msg("%s: got %s (%s)", bad[i].name, gso_result_str(r),
				 why ? why : "-");
		if (why == NULL || why[0] == '\0')
			fail_msg("%s: no reason", bad[i].name);
	}
}

/* A super-packet cut anywhere in its headers is refused, never read past
 * (the IP length made to agree, so the transport header is what is short). */
static void test_gso_check_truncated(void **state)
{
	struct spec s = V4TCPO(100);
	struct gso_meta m = meta_for(&s, 50);
	size_t len = build(&s, true, pkt);

	(void)state;
	assert_int_equal(len, 220);
	for (size_t n = 0; n < 120; n++) {
		uint8_t *c = malloc(n + 1);
		struct gso_info inf;
		const char *why;

		assert_non_null(c);
		memcpy(c, pkt, n);
		if (n >= 20)
			put16(c + 2, (unsigned)n);
		assert_int_not_equal(gso_check(c, n, &m, MTU, &inf, &why), GSO_OK);
		free(c);
	}
}

/* ---- plain packets ------------------------------------------------------ */

static void test_gso_csum_finish(void **state)
{
	static const struct spec plain[] = {
	    V4TCP(1), V4TCPO(999), V6TCP(0), V4UDP(77), V6UDP(1000), V6EXT(UDP, 33), V6EXT(TCP, 2),
	};

	(void)state;
	for (size_t i = 0; i < sizeof(plain) / sizeof(plain[0]); i++) {
		struct gso_meta m = {GSO_NONE, true, 0}, om;
		struct gso_info inf;
		size_t len = build_checked(&plain[i], &m, MTU, &inf, pkt);

		assert_int_equal(gso_segment(pkt, &inf, &m, 0, 1, seg, sizeof(seg), &om), len);
		assert_int_equal(om.type, GSO_NONE);
		assert_false(om.needs_csum);
		gso_csum_finish(pkt, &inf);
		assert_true(l4_csum_ok(pkt, len));
		assert_memory_equal(seg, pkt, len);
		assert_int_equal(build(&plain[i], false, seg2), len);
		assert_memory_equal(pkt, seg2, len);
	}
}

/* A UDP checksum that comes out as zero is sent as all ones. */
static void test_gso_csum_finish_udp_zero(void **state)
{
	struct spec s = V4UDP(64);
	struct gso_meta m = {GSO_NONE, true, 0};
	size_t len = build(&s, false, pkt);
	uint32_t w;
	struct gso_info inf;
	const char *why;

	(void)state;
	/* Fold the complete checksum into a payload word: now the data sums
	 * to all ones and the checksum is zero. */
	w = get16(pkt + 28) + get16(pkt + 26);
	put16(pkt + 28, (w & 0xffff) + (w >> 16));
	put16(pkt + 26, pseudo(pkt, len - 20));
	assert_int_equal(gso_check(pkt, len, &m, MTU, &inf, &why), GSO_OK);
	gso_csum_finish(pkt, &inf);
	assert_int_equal(get16(pkt + 26), 0xffff);
	assert_true(l4_csum_ok(pkt, len));
}

/* ---- the virtio_net_hdr ------------------------------------------------- */

static void test_gso_vnet_round_trip(void **state)
{
	static const struct {
		struct spec s;
		struct gso_meta m;
		uint8_t vnet[GSO_VNET_HDR_LEN];
	} cases[] = {
	    {V4TCP(3000), M(GSO_TCPV4, true, 1448), {1, 1, 40, 0, 0xa8, 5, 20, 0, 16, 0}},
	    {V6TCP(3000), M(GSO_TCPV6, true, 1428), {1, 4, 60, 0, 0x94, 5, 40, 0, 16, 0}},
	    {V4UDP(3000), M(GSO_UDP_L4, true, 1472), {1, 5, 28, 0, 0xc0, 5, 20, 0, 6, 0}},
	    {V6UDP(3000), M(GSO_UDP_L4, true, 1452), {1, 5, 48, 0, 0xac, 5, 40, 0, 6, 0}},
	    {V4UDP(30), M(GSO_NONE, true, 0), {1, 0, 0, 0, 0, 0, 20, 0, 6, 0}},
	    {V6EXT(TCP, 30), M(GSO_NONE, true, 0), {1, 0, 0, 0, 0, 0, 48, 0, 16, 0}},
	    {V6TCP(30), M(GSO_NONE, false, 0), {0}},
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		uint8_t hdr[GSO_VNET_HDR_LEN];
		struct gso_info inf;
		struct gso_meta back;
		uint16_t start, off;
		const char *why;

		build_checked(&cases[i].s, &cases[i].m, MTU, &inf, pkt);
		gso_to_vnet(&cases[i].m, &inf, hdr);
		assert_memory_equal(hdr, cases[i].vnet, GSO_VNET_HDR_LEN);
		assert_true(gso_from_vnet(hdr, &back, &start, &off, &why));
		assert_int_equal(back.type, cases[i].m.type);
		assert_int_equal(back.needs_csum, cases[i].m.needs_csum);
		assert_int_equal(back.gso_size, cases[i].m.gso_size);
		if (back.needs_csum) {
			assert_int_equal(start, inf.l3_len);
			assert_int_equal(off, inf.csum_offset);
		}
	}
}

static void test_gso_from_vnet_refuses(void **state)
{
	static const struct {
		const char *name;
		uint8_t vnet[GSO_VNET_HDR_LEN];
	} cases[] = {
	    {"tcpv4 ecn", {1, 0x81, 40, 0, 0xa8, 5, 20, 0, 16, 0}},
	    {"tcpv6 ecn", {1, 0x84, 60, 0, 0xa8, 5, 40, 0, 16, 0}},
	    {"ufo", {1, 3, 28, 0, 0xa8, 5, 20, 0, 6, 0}},
	    {"type 2", {1, 2, 28, 0, 0xa8, 5, 20, 0, 6, 0}},
	    {"type 6", {1, 6, 28, 0, 0xa8, 5, 20, 0, 6, 0}},
	    {"type 0x40", {1, 0x40, 28, 0, 0xa8, 5, 20, 0, 6, 0}},
	    {"rsc flag", {4, 0, 0, 0, 0, 0, 0, 0, 0, 0}},
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct gso_meta m;
		uint16_t start, off;
		const char *why = NULL;

		if (gso_from_vnet(cases[i].vnet, &m, &start, &off, &why))
			fail_msg("%s accepted", cases[i].name);
		assert_non_null(why);
	}
}

/* DATA_VALID (a checksum the kernel already checked) is no partial one;
 * gso_size without a GSO type is ignored, as the kernel ignores it. */
static void test_gso_from_vnet_plain(void **state)
{
	static const uint8_t vnet[GSO_VNET_HDR_LEN] = {2, 0, 0, 0, 0xa8, 5, 0, 0, 0, 0};
	struct gso_meta m;
	uint16_t start, off;
	const char *why = NULL;

	(void)state;
	assert_true(gso_from_vnet(vnet, &m, &start, &off, &why));
	assert_int_equal(m.type, GSO_NONE);
	assert_false(m.needs_csum);
	assert_int_equal(m.gso_size, 0);
}

/* ---- the vary mask -------------------------------------------------------- */

static void test_gso_vary_mask(void **state)
{
	static const struct {
		struct spec s;
		uint16_t gso;
		size_t bytes[16];
	} cases[] = {
	    {V4TCP(3000), 1000, {2, 3, 4, 5, 10, 11, 24, 25, 26, 27, 33, 36, 37}},
	    {V4TCPO(3000), 1000, {2, 3, 4, 5, 10, 11, 64, 65, 66, 67, 73, 76, 77}},
	    {V6TCP(3000), 1000, {4, 5, 44, 45, 46, 47, 53, 56, 57}},
	    {V4UDP(3000), 1000, {2, 3, 4, 5, 10, 11, 24, 25, 26, 27}},
	    {V6UDP(3000), 1000, {4, 5, 44, 45, 46, 47}},
	    {V6UDP(3000), 3000, {0}},
	    {V4TCP(3000), 3000, {0}},
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct gso_meta m = meta_for(&cases[i].s, cases[i].gso);
		uint8_t mask[GSO_MASK_BYTES], want[GSO_MASK_BYTES] = {0};
		struct gso_info inf;

		build_checked(&cases[i].s, &m, 1 << 16, &inf, pkt);
		for (size_t j = 0; j < 16 && cases[i].bytes[j] != 0; j++)
			want[cases[i].bytes[j] / 8] |= (uint8_t)(1u << (cases[i].bytes[j] % 8));
		gso_vary_mask(&inf, mask);
		assert_memory_equal(mask, want, sizeof(mask));
	}
}

static void test_gso_result_str(void **state)
{
	(void)state;
	for (int r = GSO_OK; r <= GSO_BAD_SIZE; r++)
		assert_string_not_equal(gso_result_str((enum gso_result)r), "unknown result");
	assert_string_equal(gso_result_str((enum gso_result)99), "unknown result");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_gso_check_accepts),
	    cmocka_unit_test(test_gso_check_refuses),
	    cmocka_unit_test(test_gso_check_truncated),
	    cmocka_unit_test(test_gso_csum_finish),
	    cmocka_unit_test(test_gso_csum_finish_udp_zero),
	    cmocka_unit_test(test_gso_vnet_round_trip),
	    cmocka_unit_test(test_gso_from_vnet_refuses),
	    cmocka_unit_test(test_gso_from_vnet_plain),
	    cmocka_unit_test(test_gso_vary_mask),
	    cmocka_unit_test(test_gso_result_str),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
