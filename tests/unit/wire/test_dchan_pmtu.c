/*
 * test_dchan_pmtu.c - a channel's path MTU state: the tunnel's MTU until
 * a path MTU is learned, learning down and up (never above the tunnel's),
 * nonsense ignored; each packet's way with the error written and counted,
 * the rate limit on errors, super-packets judged by their segment size;
 * the MSS for off, auto (UDP up or not) and a number.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>

#include <cmocka.h>

#include "buf.h"
#include "dchan_pmtu.h"
#include "icmp_ptb.h"
#include "pktbuild.h"

static void test_dchan_pmtu_learn(void **state)
{
	struct dchan_pmtu p;

	(void)state;
	dchan_pmtu_init(&p, 1400, 0);
	assert_int_equal(p.usable, 1400);
	assert_int_equal(p.path_mtu, 0);
	/* 1500 over IPv4 leaves 1436: more than the tunnel's 1400. */
	assert_false(dchan_pmtu_learn(&p, 1500, AF_INET, 1400));
	assert_int_equal(p.usable, 1400);
	assert_int_equal(p.path_mtu, 1500);
	assert_true(dchan_pmtu_learn(&p, 1400, AF_INET, 1400));
	assert_int_equal(p.usable, 1400 - 20 - 8 - 36);
	assert_true(dchan_pmtu_learn(&p, 1280, AF_INET6, 1400));
	assert_int_equal(p.usable, 1280 - 40 - 8 - 36);
	assert_int_equal(p.outer_family, AF_INET6);
	/* A path too small for the overhead is no news. */
	assert_false(dchan_pmtu_learn(&p, 60, AF_INET, 1400));
	assert_int_equal(p.usable, 1280 - 40 - 8 - 36);
	assert_true(dchan_pmtu_learn(&p, 9000, AF_INET, 1400));
	assert_int_equal(p.usable, 1400);
}

/* The probes' cap and the kernel's word: usable is the smaller. */
static void test_dchan_pmtu_probed(void **state)
{
	struct dchan_pmtu p;

	(void)state;
	dchan_pmtu_init(&p, 1400, 0);
	assert_true(dchan_pmtu_probed(&p, 1250));
	assert_int_equal(p.usable, 1250);
	assert_false(dchan_pmtu_learn(&p, 1500, AF_INET, 1400)); /* base 1400: still 1250 */
	assert_int_equal(p.base, 1400);
	assert_true(dchan_pmtu_learn(&p, 1280, AF_INET, 1400)); /* base 1216 < 1250 */
	assert_int_equal(p.usable, 1280 - 20 - 8 - 36);
	assert_false(dchan_pmtu_probed(&p, 1300));
	assert_true(dchan_pmtu_learn(&p, 1500, AF_INET, 1400));
	assert_int_equal(p.usable, 1300);
	assert_true(dchan_pmtu_probed(&p, SIZE_MAX));
	assert_int_equal(p.usable, 1400);
}

static size_t make(int family, size_t payload, uint8_t *out, size_t cap)
{
	struct pktbuild_spec s = {.family = family,
				  .src = family == AF_INET ? "192.0.2.7" : "2001:db8::7",
				  .dst = family == AF_INET ? "10.8.0.2" : "fd00::2",
				  .proto = PKTBUILD_UDP,
				  .sport = 5000,
				  .dport = 53,
				  .payload = payload};
	size_t n = pktbuild_make(&s, out, cap);

	assert_true(n > 0);
	if (family == AF_INET) {
		buf_put16(out + 6, 0x4000); /* DF */
		buf_put16(out + 10, 0);
	}
	return n;
}

static void test_dchan_pmtu_check_ways_and_errors(void **state)
{
	static uint8_t pkt[2000], out[ICMP_PTB_MAX_LEN];
	struct dchan_pmtu p;
	struct ipaddr from4, from6;
	size_t n, e;

	(void)state;
	assert_true(addr_parse("10.8.0.2", &from4));
	assert_true(addr_parse("fd00::2", &from6));
	dchan_pmtu_init(&p, 1400, 0);
	(void)dchan_pmtu_learn(&p, 1400, AF_INET, 1400); /* usable 1336 */

	n = make(AF_INET, 1336 - 28, pkt, sizeof(pkt));
	assert_int_equal(dchan_pmtu_check(&p, pkt, n, n, &from4, 0, out, sizeof(out), &e),
			 DCHAN_MTU_UDP);
	assert_int_equal(e, 0);
	assert_int_equal(p.too_big, 0);

	n = make(AF_INET, 1337 - 28, pkt, sizeof(pkt));
	assert_int_equal(dchan_pmtu_check(&p, pkt, n, n, &from4, 0, out, sizeof(out), &e),
			 DCHAN_MTU_TLS_PTB);
	assert_int_equal(e, 576);
	assert_int_equal(out[20], 3);
	assert_int_equal(buf_get16(out + 26), 1336);
	assert_int_equal(p.too_big, 1);
	assert_int_equal(p.ptb_sent, 1);

	/* Without DF: TLS alone, no error. */
	buf_put16(pkt + 6, 0);
	assert_int_equal(dchan_pmtu_check(&p, pkt, n, n, &from4, 0, out, sizeof(out), &e),
			 DCHAN_MTU_TLS);
	assert_int_equal(e, 0);
	assert_int_equal(p.too_big, 2);

	/* IPv6 on a channel below 1280: TLS alone. */
	(void)dchan_pmtu_learn(&p, 1300, AF_INET6, 1400); /* usable 1216 */
	n = make(AF_INET6, 1400, pkt, sizeof(pkt));
	assert_int_equal(dchan_pmtu_check(&p, pkt, n, n, &from6, 0, out, sizeof(out), &e),
			 DCHAN_MTU_TLS);
	assert_int_equal(e, 0);
	(void)dchan_pmtu_learn(&p, 1500, AF_INET6, 1400); /* 1416: the tunnel's 1400 */
	assert_int_equal(dchan_pmtu_check(&p, pkt, n, n, &from6, 0, out, sizeof(out), &e),
			 DCHAN_MTU_TLS_PTB);
	assert_int_equal(e, 1280);
	assert_int_equal(buf_get32(out + 44), 1400);
	assert_int_equal(p.ptb_sent, 2);
	assert_int_equal(p.too_big, 4);
	/* No source given: the packet's destination speaks. */
	assert_int_equal(dchan_pmtu_check(&p, pkt, n, n, NULL, 0, out, sizeof(out), &e),
			 DCHAN_MTU_TLS_PTB);
	assert_int_equal(e, 1280);
	assert_memory_equal(out + 8, pkt + 24, 16);
	assert_memory_equal(out + 24, pkt + 8, 16);

	/* A super-packet is judged by its segment: 1340 fits, though the
	 * bytes are longer. */
	assert_int_equal(dchan_pmtu_check(&p, pkt, n, 1340, &from6, 0, out, sizeof(out), &e),
			 DCHAN_MTU_UDP);
}

static void test_dchan_pmtu_check_rate_limit(void **state)
{
	static uint8_t pkt[2000], out[ICMP_PTB_MAX_LEN];
	struct dchan_pmtu p;
	struct ipaddr from;
	size_t n, e;
	unsigned sent = 0;

	(void)state;
	assert_true(addr_parse("10.8.0.2", &from));
	dchan_pmtu_init(&p, 1400, 1000);
	(void)dchan_pmtu_learn(&p, 1400, AF_INET, 1400);
	n = make(AF_INET, 1372, pkt, sizeof(pkt));
	for (int i = 0; i < 100; i++) {
		assert_int_equal(dchan_pmtu_check(&p, pkt, n, n, &from, 1000, out, sizeof(out), &e),
				 DCHAN_MTU_TLS_PTB);
		sent += e > 0;
	}
	assert_int_equal(sent, DCHAN_PMTU_PTB_BURST);
	assert_int_equal(p.ptb_sent, DCHAN_PMTU_PTB_BURST);
	assert_int_equal(p.ptb_limited, 100 - DCHAN_PMTU_PTB_BURST);
	assert_int_equal(p.too_big, 100);
	/* A second later, the rate's worth again. */
	sent = 0;
	for (int i = 0; i < 100; i++) {
		(void)dchan_pmtu_check(&p, pkt, n, n, &from, 2000, out, sizeof(out), &e);
		sent += e > 0;
	}
	assert_int_equal(sent, DCHAN_PMTU_PTB_RATE);
}

static void test_dchan_pmtu_mss(void **state)
{
	struct dchan_pmtu p;

	(void)state;
	dchan_pmtu_init(&p, 1400, 0);
	(void)dchan_pmtu_learn(&p, 1400, AF_INET, 1400); /* usable 1336 */
	assert_int_equal(dchan_pmtu_mss(&p, DCHAN_PMTU_CLAMP_OFF, true, AF_INET), 0);
	assert_int_equal(dchan_pmtu_mss(&p, DCHAN_PMTU_CLAMP_AUTO, true, AF_INET), 1336 - 40);
	assert_int_equal(dchan_pmtu_mss(&p, DCHAN_PMTU_CLAMP_AUTO, true, AF_INET6), 1336 - 60);
	assert_int_equal(dchan_pmtu_mss(&p, DCHAN_PMTU_CLAMP_AUTO, false, AF_INET), 0);
	assert_int_equal(dchan_pmtu_mss(&p, 1200, false, AF_INET), 1200);
	assert_int_equal(dchan_pmtu_mss(&p, 1200, true, AF_INET6), 1200);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_dchan_pmtu_learn),
	    cmocka_unit_test(test_dchan_pmtu_probed),
	    cmocka_unit_test(test_dchan_pmtu_check_ways_and_errors),
	    cmocka_unit_test(test_dchan_pmtu_check_rate_limit),
	    cmocka_unit_test(test_dchan_pmtu_mss),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
