/*
 * test_pktbuild.c - the packet synthesiser: what it builds parses as the
 * gateway parses it (ippkt), lengths and checksums are right, and
 * descriptions it cannot honour build nothing.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "ippkt.h"
#include "pktbuild.h"

#define V4 AF_INET
#define V6 AF_INET6

/* One's complement sum of p[0..n) plus a start value, folded. */
static uint16_t fold(uint32_t sum, const uint8_t *p, size_t n)
{
	for (size_t i = 0; i + 1 < n; i += 2)
		sum += (uint32_t)(p[i] << 8 | p[i + 1]);
	if (n & 1)
		sum += (uint32_t)(p[n - 1] << 8);
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)sum;
}

/* The transport checksum verifies: the sum over pseudo-header and segment
 * is all ones. */
static bool l4_sum_ok(const uint8_t *p, size_t n, int family, uint8_t proto)
{
	size_t ip = family == V4 ? 20 : 40, alen = family == V4 ? 4 : 16;
	uint32_t sum = 0;

	if (proto != PKTBUILD_ICMP) {
		sum = fold(0, p + (family == V4 ? 12 : 8), 2 * alen);
		sum += proto + (uint32_t)(n - ip);
	}
	return fold(sum, p + ip, n - ip) == 0xffff;
}

static void test_pktbuild_make_table(void **state)
{
	static const struct {
		struct pktbuild_spec s;
		size_t len;
	} cases[] = {
	    {{V4, "10.8.0.2", "10.20.0.2", PKTBUILD_TCP, 40000, 443, 0x02, 0, 0, 0}, 40},
	    {{V4, "10.8.0.2", "10.20.0.2", PKTBUILD_UDP, 5353, 53, 0, 0, 0, 11}, 39},
	    {{V4, "10.8.0.2", "10.20.0.2", PKTBUILD_ICMP, 0, 0, 0, 8, 77, 16}, 44},
	    {{V6, "fd00:8::2", "fd00:20::2", PKTBUILD_TCP, 40000, 8080, 0x12, 0, 0, 3}, 63},
	    {{V6, "fd00:8::2", "fd00:20::2", PKTBUILD_UDP, 1, 7777, 0, 0, 0, 0}, 48},
	    {{V6, "fd00:8::2", "fd00:20::2", PKTBUILD_ICMP6, 0, 0, 0, 128, 9, 4}, 52},
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct pktbuild_spec *s = &cases[i].s;
		uint8_t p[256];
		size_t n = pktbuild_make(s, p, sizeof(p));
		struct ippkt_info ip;
		struct ippkt_l4 l4;
		struct ipaddr src, dst;

		assert_int_equal(n, cases[i].len);
		assert_int_equal(ippkt_parse(p, n, &ip), IPPKT_OK);
		assert_int_equal(ip.family, s->family);
		assert_true(addr_parse(s->src, &src) && addr_eq(&ip.src, &src));
		assert_true(addr_parse(s->dst, &dst) && addr_eq(&ip.dst, &dst));
		ippkt_l4(p, n, &ip, &l4);
		assert_int_equal(l4.proto, s->proto);
		if (s->proto == PKTBUILD_TCP || s->proto == PKTBUILD_UDP) {
			assert_true(l4.has_ports);
			assert_int_equal(l4.sport, s->sport);
			assert_int_equal(l4.dport, s->dport);
		} else {
			assert_true(l4.icmp_echo);
			assert_int_equal(l4.icmp_type, s->icmp_type);
			assert_int_equal(l4.icmp_id, s->icmp_id);
		}
		if (s->proto == PKTBUILD_TCP)
			assert_int_equal(l4.tcp_flags, s->tcp_flags);
		if (s->family == V4)
			assert_int_equal(fold(0, p, 20), 0xffff);
		if (!l4_sum_ok(p, n, s->family, s->proto))
			fail_msg("case %zu: transport checksum does not verify", i);
	}
}

static void test_pktbuild_make_refused(void **state)
{
	static const struct pktbuild_spec bad[] = {
	    {V6, "fd00::2", "fd00::1", PKTBUILD_ICMP, 0, 0, 0, 8, 1, 0},      /* ICMP over v6 */
	    {V4, "10.0.0.1", "10.0.0.2", PKTBUILD_ICMP6, 0, 0, 0, 128, 1, 0}, /* ICMPv6 over v4 */
	    {V4, "fd00::2", "10.0.0.2", PKTBUILD_TCP, 1, 2, 0, 0, 0, 0},      /* wrong family */
	    {V6, "fd00::2", "10.0.0.2", PKTBUILD_UDP, 1, 2, 0, 0, 0, 0},
	    {V4, "10.0.0.300", "10.0.0.2", PKTBUILD_UDP, 1, 2, 0, 0, 0, 0},
	    {V4, "10.0.0.1", "10.0.0.2", 47, 0, 0, 0, 0, 0, 0}, /* GRE: unsupported */
	    {0, "10.0.0.1", "10.0.0.2", PKTBUILD_UDP, 1, 2, 0, 0, 0, 0},
	    {V4, "10.0.0.1", "10.0.0.2", PKTBUILD_UDP, 1, 2, 0, 0, 0, 65535}, /* > 64 KiB */
	};
	uint8_t p[256];
	static uint8_t big[70000];
	const struct pktbuild_spec fits = {V4, "10.0.0.1", "10.0.0.2", PKTBUILD_TCP, 1, 2, 0,
					   0,  0,	   0};

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (pktbuild_make(&bad[i], i + 1 == sizeof(bad) / sizeof(bad[0]) ? big : p,
				  i + 1 == sizeof(bad) / sizeof(bad[0]) ? sizeof(big)
									: sizeof(p)) != 0)
			fail_msg("case %zu: built a packet", i);
	/* A buffer one byte short builds nothing. */
	assert_int_equal(pktbuild_make(&fits, p, 39), 0);
	assert_int_equal(pktbuild_make(&fits, p, 40), 40);
}

static void test_pktbuild_proto_parse_names(void **state)
{
	(void)state;
	assert_int_equal(pktbuild_proto_parse("tcp"), PKTBUILD_TCP);
	assert_int_equal(pktbuild_proto_parse("udp"), PKTBUILD_UDP);
	assert_int_equal(pktbuild_proto_parse("icmp"), PKTBUILD_ICMP);
	assert_int_equal(pktbuild_proto_parse("icmp6"), PKTBUILD_ICMP6);
	assert_int_equal(pktbuild_proto_parse("TCP"), 0);
	assert_int_equal(pktbuild_proto_parse("gre"), 0);
	assert_int_equal(pktbuild_proto_parse(""), 0);
	assert_string_equal(pktbuild_proto_name(PKTBUILD_ICMP6), "icmp6");
	assert_string_equal(pktbuild_proto_name(47), "?");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_pktbuild_make_table),
	    cmocka_unit_test(test_pktbuild_make_refused),
	    cmocka_unit_test(test_pktbuild_proto_parse_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
