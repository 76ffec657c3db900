/*
 * test_gso_segment.c - real TCPv4 (with and without IP and TCP options),
 * TCPv6 and UDP super-packets cut into segments and into smaller
 * super-packets: every segment checked with an independent RFC 1071
 * verifier and against the kernel's rules for ids, sequence numbers,
 * flags and lengths; header bytes outside gso_vary_mask never change.
 */
#include <stdlib.h>

#include "gso_fixture.h"
#include "ippkt.h"

static uint8_t pkt[MAXPKT], seg[MAXPKT], seg2[MAXPKT], chunk[MAXPKT];

/* ---- checking segments -------------------------------------------------- */

static bool masked(const uint8_t mask[GSO_MASK_BYTES], size_t i)
{
	return mask[i / 8] & (1u << (i % 8));
}

/* Segment k of the super-packet s as gso_segment wrote it (n == 1). */
static void check_segment(const struct spec *s, const struct gso_info *inf, uint16_t gso,
			  uint32_t k, const uint8_t *out, size_t n)
{
	size_t payload = inf->len - inf->hdr_len, plen = payload - (size_t)k * gso;
	const uint8_t *t = out + inf->l3_len;
	bool last = k + 1 == inf->segs;
	struct gso_meta none = {0};
	struct gso_info sinf;
	struct ippkt_info ip;
	uint8_t mask[GSO_MASK_BYTES];
	const char *why;

	if (plen > gso)
		plen = gso;
	assert_int_equal(n, inf->hdr_len + plen);
	assert_int_equal(ippkt_parse(out, n, &ip), IPPKT_OK);
	assert_int_equal(gso_check(out, n, &none, MTU, &sinf, &why), GSO_OK);
	assert_true(ip_csum_ok(out));
	assert_true(l4_csum_ok(out, n));
	assert_memory_equal(out + inf->hdr_len, pkt + inf->hdr_len + (size_t)k * gso, plen);
	if (s->family == AF_INET)
		assert_int_equal(get16(out + 4), (ID0 + k) & 0xffff);
	if (s->proto == TCP) {
		uint8_t want = s->flags;

		assert_int_equal(get32(t + 4), (uint32_t)(SEQ0 + k * gso));
		if (!last)
			want &= (uint8_t) ~(F_FIN | F_PSH);
		if (k > 0)
			want &= (uint8_t)~F_CWR;
		assert_int_equal(t[13], want);
	} else {
		assert_int_equal(get16(t + 4), n - inf->l3_len);
	}
	/* Everything else in the headers is the super-packet's. */
	gso_vary_mask(inf, mask);
	for (size_t i = 0; i < inf->hdr_len; i++) {
		if (masked(mask, i))
			continue;
		if (inf->segs == 1 && i >= inf->l3_len + inf->csum_offset &&
		    i < inf->l3_len + inf->csum_offset + 2u)
			continue; /* partial -> complete */
		if (out[i] != pkt[i])
			fail_msg("header byte %zu differs", i);
	}
}

/* Builds s, checks it and cuts it into single segments; returns segs. */
static uint32_t segment_all(const struct spec *s, uint16_t gso, size_t seg_max)
{
	struct gso_meta m = meta_for(s, gso), om;
	struct gso_info inf;
	size_t len = build_checked(s, &m, seg_max, &inf, pkt), total = 0;
	for (uint32_t k = 0; k < inf.segs; k++) {
		size_t n = gso_segment(pkt, &inf, &m, k, 1, seg, sizeof(seg), &om);

		assert_int_equal(om.type, GSO_NONE);
		assert_false(om.needs_csum);
		check_segment(s, &inf, gso, k, seg, n);
		total += n - inf.hdr_len;
	}
	assert_int_equal(total, len - inf.hdr_len);
	assert_int_equal(gso_segment(pkt, &inf, &m, inf.segs, 1, seg, sizeof(seg), &om), 0);
	return inf.segs;
}

/* The super-packets every segmentation test runs over. */
static const struct {
	const char *name;
	struct spec s;
} shapes[] = {
    {"tcpv4", {AF_INET, TCP, 0, 0, false, F_ACK | F_PSH | F_FIN | F_CWR, 10000}},
    {"tcpv4 options", {AF_INET, TCP, 40, 40, false, F_ACK | F_PSH, 20001}},
    {"tcpv4 timestamps", {AF_INET, TCP, 0, 12, false, F_ACK, 64000}},
    {"tcpv6", {AF_INET6, TCP, 0, 0, false, F_ACK | F_PSH | F_CWR, 30000}},
    {"tcpv6 options", {AF_INET6, TCP, 0, 40, false, F_ACK | F_FIN, 9999}},
    {"udpv4", {AF_INET, UDP, 0, 0, false, 0, 12345}},
    {"udpv4 options", {AF_INET, UDP, 8, 0, false, 0, 4000}},
    {"udpv6", {AF_INET6, UDP, 0, 0, false, 0, 60000}},
};

static void test_gso_segment_every_segment(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(shapes) / sizeof(shapes[0]); i++) {
		const struct spec *s = &shapes[i].s;
		uint32_t segs = segment_all(s, 1200, MTU);

		assert_true(segs > 1);
		segment_all(s, 536, 536 + 120);
		/* About a hundred segments. */
		segment_all(s, (uint16_t)(s->payload / 100 + 1), 65535);
	}
}

/* n > 1 gives smaller super-packets with a partial checksum over their own
 * length; cut again to n == 1, they give the very segments a direct cut
 * gives. */
static void test_gso_segment_twice_equals_once(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(shapes) / sizeof(shapes[0]); i++) {
		const struct spec *s = &shapes[i].s;
		struct gso_meta m = meta_for(s, 1000), cm, om;
		struct gso_info inf, cinf;
		const char *why;

		build_checked(s, &m, MTU, &inf, pkt);
		for (uint32_t first = 0; first < inf.segs; first += 3) {
			uint32_t n = inf.segs - first < 3 ? inf.segs - first : 3;
			size_t cl = gso_segment(pkt, &inf, &m, first, n, chunk, sizeof(chunk), &cm);
			size_t l4 = cl - inf.l3_len;

			assert_true(cl > 0);
			if (n == 1) {
				assert_int_equal(cm.type, GSO_NONE);
				continue;
			}
			assert_int_equal(cm.type, m.type);
			assert_true(cm.needs_csum);
			assert_int_equal(cm.gso_size, 1000);
			assert_int_equal(get16(chunk + inf.l3_len + inf.csum_offset),
					 pseudo(chunk, l4));
			assert_true(ip_csum_ok(chunk));
			if (gso_check(chunk, cl, &cm, MTU, &cinf, &why) != GSO_OK)
				fail_msg("%s chunk %u: %s", shapes[i].name, first, why);
			assert_int_equal(cinf.segs, n);
			for (uint32_t j = 0; j < n; j++) {
				size_t a =
				    gso_segment(chunk, &cinf, &cm, j, 1, seg, sizeof(seg), &om);
				size_t b = gso_segment(pkt, &inf, &m, first + j, 1, seg2,
						       sizeof(seg2), &om);

				assert_true(a > 0);
				assert_int_equal(a, b);
				assert_memory_equal(seg, seg2, a);
			}
		}
	}
}

/* One segment: payload equal to gso_size, shorter, or none at all. */
static void test_gso_segment_single(void **state)
{
	static const size_t payloads[] = {1400, 1399, 1, 0};
	struct spec s = {AF_INET, TCP, 0, 0, false, F_ACK | F_PSH | F_FIN | F_CWR, 0};
	uint8_t mask[GSO_MASK_BYTES], zero[GSO_MASK_BYTES] = {0};

	(void)state;
	for (size_t i = 0; i < sizeof(payloads) / sizeof(payloads[0]); i++) {
		for (int f = 0; f < 2; f++) {
			struct gso_meta m, om;
			struct gso_info inf;
			size_t n;

			s.family = f ? AF_INET6 : AF_INET;
			s.payload = payloads[i];
			m = meta_for(&s, 1400);
			build_checked(&s, &m, MTU, &inf, pkt);
			assert_int_equal(inf.segs, 1);
			gso_vary_mask(&inf, mask);
			assert_memory_equal(mask, zero, sizeof(mask));
			n = gso_segment(pkt, &inf, &m, 0, 1, seg, sizeof(seg), &om);
			check_segment(&s, &inf, 1400, 0, seg, n);
			/* The complete packet a builder makes directly. */
			assert_int_equal(build(&s, false, seg2), n);
			assert_memory_equal(seg, seg2, n);
		}
	}
}

/* The last segment carries what is left: here one byte. */
static void test_gso_segment_last_short(void **state)
{
	struct spec s = {AF_INET6, UDP, 0, 0, false, 0, 3 * 1000 + 1};
	struct gso_meta m = meta_for(&s, 1000), om;
	struct gso_info inf;

	(void)state;
	build_checked(&s, &m, MTU, &inf, pkt);
	assert_int_equal(inf.segs, 4);
	assert_int_equal(gso_segment(pkt, &inf, &m, 3, 1, seg, sizeof(seg), &om), 48 + 1);
	check_segment(&s, &inf, 1000, 3, seg, 49);
	assert_int_equal(gso_segment(pkt, &inf, &m, 2, 2, seg, sizeof(seg), &om), 48 + 1000 + 1);
	assert_int_equal(om.type, GSO_UDP_L4);
}

static void test_gso_segment_out_of_range(void **state)
{
	struct spec s = {AF_INET, TCP, 0, 0, false, F_ACK, 5000};
	struct gso_meta m = meta_for(&s, 1000), om;
	struct gso_info inf;
	size_t len = build_checked(&s, &m, MTU, &inf, pkt);

	(void)state;
	assert_int_equal(inf.segs, 5);
	assert_int_equal(gso_segment(pkt, &inf, &m, 0, 0, seg, sizeof(seg), &om), 0);
	assert_int_equal(gso_segment(pkt, &inf, &m, 5, 1, seg, sizeof(seg), &om), 0);
	assert_int_equal(gso_segment(pkt, &inf, &m, 4, 2, seg, sizeof(seg), &om), 0);
	assert_int_equal(gso_segment(pkt, &inf, &m, 1, UINT32_MAX, seg, sizeof(seg), &om), 0);
	assert_int_equal(gso_segment(pkt, &inf, &m, 0, 1, seg, 1039, &om), 0);
	assert_int_equal(gso_segment(pkt, &inf, &m, 0, 1, seg, 1040, &om), 1040);
	assert_int_equal(gso_segment(pkt, &inf, &m, 0, 5, seg, len - 1, &om), 0);
	assert_int_equal(gso_segment(pkt, &inf, &m, 0, 5, seg, len, &om), len);
}

static void test_gso_segment_plain_complete(void **state)
{
	struct spec s = V6UDP(0);
	struct gso_meta m = {GSO_NONE, false, 0}, om;
	struct gso_info inf;
	const char *why;
	size_t len;

	(void)state;
	len = build(&s, false, pkt);
	pkt[6] = 58; /* ICMPv6: fine without a partial checksum */
	assert_int_equal(gso_check(pkt, len, &m, 10, &inf, &why), GSO_OK);
	assert_int_equal(inf.proto, 0);
	assert_int_equal(inf.segs, 1);
	assert_int_equal(gso_segment(pkt, &inf, &m, 0, 1, seg, sizeof(seg), &om), len);
	assert_memory_equal(seg, pkt, len);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_gso_segment_every_segment),
	    cmocka_unit_test(test_gso_segment_twice_equals_once),
	    cmocka_unit_test(test_gso_segment_single),
	    cmocka_unit_test(test_gso_segment_last_short),
	    cmocka_unit_test(test_gso_segment_out_of_range),
	    cmocka_unit_test(test_gso_segment_plain_complete),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
