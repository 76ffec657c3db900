/*
 * test_icmp_ptb.c - "packet too big" errors: for IPv4 with DF and for
 * IPv6, the error's headers, the MTU it announces, the quote's length
 * (576 and 1280 bytes at most) and its checksums, recomputed with csum.c;
 * and every refusal: a packet that fits, no DF, a later fragment, an
 * error about an error, a source that is not one host, an MTU below the
 * family's minimum, the other family's source, too little room.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <cmocka.h>

#include "buf.h"
#include "csum.h"
#include "icmp_ptb.h"
#include "ippkt.h"
#include "pktbuild.h"

#define FROM4 "10.8.0.1"
#define FROM6 "fd00::1"

enum lie {
	NO_LIE,
	NO_DF,
	MF,	     /* a first fragment with DF (odd, but a first fragment) */
	LATER_FRAG,  /* offset 1 with DF */
	BAD_LENGTH,  /* IPv4 total length one less than the bytes */
	V6_FRAG_HDR, /* an IPv6 later fragment: next header 44 */
};

struct pkt_spec {
	int family;
	const char *src, *dst;
	uint8_t proto, icmp_type;
	size_t payload;
	enum lie lie;
};

static const struct {
	const char *name;
	struct pkt_spec p;
	uint32_t mtu;
	const char *from;
	enum icmp_ptb_result want;
	size_t quote; /* bytes of the packet quoted */
} cases[] = {
    {"v4 TCP 1500 over 1400",
     {AF_INET, "192.0.2.7", "10.8.0.2", PKTBUILD_TCP, 0, 1460, NO_LIE},
     1400,
     FROM4,
     ICMP_PTB_OK,
     548},
    {"v4 small packet quoted whole",
     {AF_INET, "192.0.2.7", "10.8.0.2", PKTBUILD_UDP, 0, 72, NO_LIE},
     68,
     FROM4,
     ICMP_PTB_OK,
     100},
    {"v4 echo request",
     {AF_INET, "192.0.2.7", "10.8.0.2", PKTBUILD_ICMP, 8, 1472, NO_LIE},
     1436,
     FROM4,
     ICMP_PTB_OK,
     548},
    {"v4 first fragment",
     {AF_INET, "192.0.2.7", "10.8.0.2", PKTBUILD_UDP, 0, 1472, MF},
     1436,
     FROM4,
     ICMP_PTB_OK,
     548},
    {"v4 fits",
     {AF_INET, "192.0.2.7", "10.8.0.2", PKTBUILD_TCP, 0, 1396, NO_LIE},
     1436,
     FROM4,
     ICMP_PTB_FITS,
     0},
    {"v4 without DF",
     {AF_INET, "192.0.2.7", "10.8.0.2", PKTBUILD_TCP, 0, 1460, NO_DF},
     1400,
     FROM4,
     ICMP_PTB_NO_DF,
     0},
    {"v4 later fragment",
     {AF_INET, "192.0.2.7", "10.8.0.2", PKTBUILD_UDP, 0, 1472, LATER_FRAG},
     1400,
     FROM4,
     ICMP_PTB_FRAGMENT,
     0},
    {"v4 unreachable is an error",
     {AF_INET, "192.0.2.7", "10.8.0.2", PKTBUILD_ICMP, 3, 1472, NO_LIE},
     1400,
     FROM4,
     ICMP_PTB_ICMP_ERROR,
     0},
    {"v4 redirect is an error",
     {AF_INET, "192.0.2.7", "10.8.0.2", PKTBUILD_ICMP, 5, 1472, NO_LIE},
     1400,
     FROM4,
     ICMP_PTB_ICMP_ERROR,
     0},
    {"v4 time exceeded is an error",
     {AF_INET, "192.0.2.7", "10.8.0.2", PKTBUILD_ICMP, 11, 1472, NO_LIE},
     1400,
     FROM4,
     ICMP_PTB_ICMP_ERROR,
     0},
    {"v4 from 0.0.0.0",
     {AF_INET, "0.0.0.0", "10.8.0.2", PKTBUILD_TCP, 0, 1460, NO_LIE},
     1400,
     FROM4,
     ICMP_PTB_ADDRESS,
     0},
    {"v4 from loopback",
     {AF_INET, "127.0.0.1", "10.8.0.2", PKTBUILD_TCP, 0, 1460, NO_LIE},
     1400,
     FROM4,
     ICMP_PTB_ADDRESS,
     0},
    {"v4 from multicast",
     {AF_INET, "224.0.0.9", "10.8.0.2", PKTBUILD_UDP, 0, 1460, NO_LIE},
     1400,
     FROM4,
     ICMP_PTB_ADDRESS,
     0},
    {"v4 from class E",
     {AF_INET, "250.1.2.3", "10.8.0.2", PKTBUILD_UDP, 0, 1460, NO_LIE},
     1400,
     FROM4,
     ICMP_PTB_ADDRESS,
     0},
    {"v4 to multicast",
     {AF_INET, "192.0.2.7", "239.1.2.3", PKTBUILD_UDP, 0, 1460, NO_LIE},
     1400,
     FROM4,
     ICMP_PTB_ADDRESS,
     0},
    {"v4 to broadcast",
     {AF_INET, "192.0.2.7", "255.255.255.255", PKTBUILD_UDP, 0, 1460, NO_LIE},
     1400,
     FROM4,
     ICMP_PTB_ADDRESS,
     0},
    {"v4 error from 0.0.0.0",
     {AF_INET, "192.0.2.7", "10.8.0.2", PKTBUILD_TCP, 0, 1460, NO_LIE},
     1400,
     "0.0.0.0",
     ICMP_PTB_ADDRESS,
     0},
    {"v4 error from a group",
     {AF_INET, "192.0.2.7", "10.8.0.2", PKTBUILD_TCP, 0, 1460, NO_LIE},
     1400,
     "224.0.0.1",
     ICMP_PTB_ADDRESS,
     0},
    {"v4 error from the packet's destination",
     {AF_INET, "192.0.2.7", "10.8.0.2", PKTBUILD_TCP, 0, 1460, NO_LIE},
     1400,
     "10.8.0.2",
     ICMP_PTB_OK,
     548},
    {"v4 MTU 67",
     {AF_INET, "192.0.2.7", "10.8.0.2", PKTBUILD_UDP, 0, 100, NO_LIE},
     67,
     FROM4,
     ICMP_PTB_MTU,
     0},
    {"v4 from a v6 address",
     {AF_INET, "192.0.2.7", "10.8.0.2", PKTBUILD_TCP, 0, 1460, NO_LIE},
     1400,
     FROM6,
     ICMP_PTB_FAMILY,
     0},
    {"v4 bad length",
     {AF_INET, "192.0.2.7", "10.8.0.2", PKTBUILD_TCP, 0, 1460, BAD_LENGTH},
     1400,
     FROM4,
     ICMP_PTB_MALFORMED,
     0},
    {"v6 TCP 2000 over 1400",
     {AF_INET6, "2001:db8::7", "fd00::2", PKTBUILD_TCP, 0, 1940, NO_LIE},
     1400,
     FROM6,
     ICMP_PTB_OK,
     1232},
    {"v6 1300 over 1280 quotes 1232",
     {AF_INET6, "2001:db8::7", "fd00::2", PKTBUILD_UDP, 0, 1252, NO_LIE},
     1280,
     FROM6,
     ICMP_PTB_OK,
     1232},
    {"v6 echo request",
     {AF_INET6, "2001:db8::7", "fd00::2", PKTBUILD_ICMP6, 128, 1400, NO_LIE},
     1280,
     FROM6,
     ICMP_PTB_OK,
     1232},
    {"v6 to a multicast group",
     {AF_INET6, "2001:db8::7", "ff0e::1", PKTBUILD_UDP, 0, 1400, NO_LIE},
     1280,
     FROM6,
     ICMP_PTB_OK,
     1232},
    {"v6 later fragment",
     {AF_INET6, "2001:db8::7", "fd00::2", PKTBUILD_UDP, 0, 1400, V6_FRAG_HDR},
     1280,
     FROM6,
     ICMP_PTB_OK,
     1232},
    {"v6 fits",
     {AF_INET6, "2001:db8::7", "fd00::2", PKTBUILD_UDP, 0, 1232, NO_LIE},
     1280,
     FROM6,
     ICMP_PTB_FITS,
     0},
    {"v6 unreachable is an error",
     {AF_INET6, "2001:db8::7", "fd00::2", PKTBUILD_ICMP6, 1, 1400, NO_LIE},
     1280,
     FROM6,
     ICMP_PTB_ICMP_ERROR,
     0},
    {"v6 packet too big is an error",
     {AF_INET6, "2001:db8::7", "fd00::2", PKTBUILD_ICMP6, 2, 1400, NO_LIE},
     1280,
     FROM6,
     ICMP_PTB_ICMP_ERROR,
     0},
    {"v6 from ::",
     {AF_INET6, "::", "fd00::2", PKTBUILD_UDP, 0, 1400, NO_LIE},
     1280,
     FROM6,
     ICMP_PTB_ADDRESS,
     0},
    {"v6 from ::1",
     {AF_INET6, "::1", "fd00::2", PKTBUILD_UDP, 0, 1400, NO_LIE},
     1280,
     FROM6,
     ICMP_PTB_ADDRESS,
     0},
    {"v6 from multicast",
     {AF_INET6, "ff02::1", "fd00::2", PKTBUILD_UDP, 0, 1400, NO_LIE},
     1280,
     FROM6,
     ICMP_PTB_ADDRESS,
     0},
    {"v6 error from a group",
     {AF_INET6, "2001:db8::7", "ff0e::1", PKTBUILD_UDP, 0, 1400, NO_LIE},
     1280,
     "ff0e::1",
     ICMP_PTB_ADDRESS,
     0},
    {"v6 error from ::",
     {AF_INET6, "2001:db8::7", "fd00::2", PKTBUILD_UDP, 0, 1400, NO_LIE},
     1280,
     "::",
     ICMP_PTB_ADDRESS,
     0},
    {"v6 MTU 1279",
     {AF_INET6, "2001:db8::7", "fd00::2", PKTBUILD_UDP, 0, 1400, NO_LIE},
     1279,
     FROM6,
     ICMP_PTB_MTU,
     0},
    {"v6 from a v4 address",
     {AF_INET6, "2001:db8::7", "fd00::2", PKTBUILD_UDP, 0, 1400, NO_LIE},
     1280,
     FROM4,
     ICMP_PTB_FAMILY,
     0},
};

static size_t build(const struct pkt_spec *ps, uint8_t *p, size_t cap)
{
	struct pktbuild_spec s = {.family = ps->family,
				  .src = ps->src,
				  .dst = ps->dst,
				  .proto = ps->proto,
				  .sport = 40000,
				  .dport = 443,
				  .tcp_flags = 0x18,
				  .icmp_type = ps->icmp_type,
				  .payload = ps->payload};
	size_t n = pktbuild_make(&s, p, cap);
	uint16_t frag = 0x4000;

	assert_true(n > 0);
	if (ps->family == AF_INET6) {
		if (ps->lie == V6_FRAG_HDR) {
			/* The bytes after the fixed header become a fragment
			 * header (offset 185 * 8) and its payload. */
			p[40] = p[6];
			p[41] = 0;
			buf_put16(p + 42, 185 << 3);
			p[6] = 44;
		}
		return n;
	}
	switch (ps->lie) {
	case NO_DF:
		frag = 0;
		break;
	case MF:
		frag = 0x6000;
		break;
	case LATER_FRAG:
		frag = 0x4001;
		break;
	case BAD_LENGTH:
		buf_put16(p + 2, (uint16_t)(n - 1));
		break;
	default:
		break;
	}
	buf_put16(p + 6, frag);
	buf_put16(p + 10, 0);
	buf_put16(p + 10, (uint16_t)~csum_sum(p, 20));
	return n;
}

/* The error's headers and checksums, checked field by field. */
static void check_error(const char *name, const uint8_t *e, size_t n, const uint8_t *pkt,
			size_t quote, uint32_t mtu, const struct ipaddr *from, int family)
{
	struct ippkt_info ip, qip;
	struct ippkt_l4 l4, ql4;
	size_t l3 = family == AF_INET ? 20 : 40;

	if (ippkt_parse(e, n, &ip) != IPPKT_OK)
		fail_msg("%s: the error is not a sound packet", name);
	assert_int_equal(ip.family, family);
	assert_memory_equal(ip.src.bytes, from->bytes, family == AF_INET ? 4 : 16);
	assert_memory_equal(ip.dst.bytes, family == AF_INET ? pkt + 12 : pkt + 8,
			    family == AF_INET ? 4 : 16);
	assert_int_equal(n, l3 + 8 + quote);
	assert_memory_equal(e + l3 + 8, pkt, quote);
	if (family == AF_INET) {
		assert_int_equal(csum_sum(e, 20), 0xffff);
		assert_int_equal(buf_get16(e + 6), 0x4000); /* DF, no offset */
		assert_int_equal(e[8], 64);
		assert_int_equal(e[9], 1);
		assert_int_equal(e[20], 3);
		assert_int_equal(e[21], 4);
		assert_int_equal(buf_get16(e + 24), 0);
		assert_int_equal(buf_get16(e + 26), mtu);
		assert_int_equal(csum_sum(e + 20, n - 20), 0xffff);
		assert_true(n <= ICMP_PTB_MAX_V4);
	} else {
		assert_int_equal(e[6], 58);
		assert_int_equal(e[7], 64);
		assert_int_equal(e[40], 2);
		assert_int_equal(e[41], 0);
		assert_int_equal(buf_get32(e + 44), mtu);
		if (csum_add(csum_pseudo(e, AF_INET6, 58, n - 40), csum_sum(e + 40, n - 40)) !=
		    0xffff)
			fail_msg("%s: ICMPv6 checksum does not verify", name);
		assert_true(n <= ICMP_PTB_MAX_V6);
	}
	/* What a receiving stack reads: an error quoting our packet. */
	ippkt_l4(e, n, &ip, &l4);
	assert_true(l4.icmp_error);
	assert_true(ippkt_icmp_quoted(e, n, &l4, &qip, &ql4));
	assert_memory_equal(qip.src.bytes, family == AF_INET ? pkt + 12 : pkt + 8,
			    family == AF_INET ? 4 : 16);
}

static void test_icmp_ptb_table(void **state)
{
	static uint8_t pkt[4096], out[ICMP_PTB_MAX_LEN];

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		size_t len = build(&cases[i].p, pkt, sizeof(pkt)), n;
		struct ipaddr from;
		enum icmp_ptb_result why = ICMP_PTB_OK;
		uint8_t *copy = malloc(len);

		assert_non_null(copy);
		assert_true(addr_parse(cases[i].from, &from));
		memcpy(copy, pkt, len);
		memset(out, 0xa5, sizeof(out));
		n = icmp_ptb(copy, len, cases[i].mtu, &from, out, sizeof(out), &why);
		if (why != cases[i].want)
			fail_msg("%s: %s, want %s", cases[i].name, icmp_ptb_result_str(why),
				 icmp_ptb_result_str(cases[i].want));
		if (why != ICMP_PTB_OK)
			assert_int_equal(n, 0);
		else
			check_error(cases[i].name, out, n, pkt, cases[i].quote, cases[i].mtu, &from,
				    cases[i].p.family);
		free(copy);
	}
}

/* The error is written only when it fits whole in the caller's buffer. */
static void test_icmp_ptb_no_room(void **state)
{
	static uint8_t pkt[2048], out[ICMP_PTB_MAX_LEN];
	struct pkt_spec ps = {AF_INET, "192.0.2.7", "10.8.0.2", PKTBUILD_TCP, 0, 1460, NO_LIE};
	size_t len = build(&ps, pkt, sizeof(pkt));
	struct ipaddr from;
	enum icmp_ptb_result why;

	(void)state;
	assert_true(addr_parse(FROM4, &from));
	assert_int_equal(icmp_ptb(pkt, len, 1400, &from, out, 575, &why), 0);
	assert_int_equal(why, ICMP_PTB_NO_ROOM);
	assert_int_equal(icmp_ptb(pkt, len, 1400, &from, out, 576, &why), 576);
	assert_int_equal(why, ICMP_PTB_OK);
}

/* Fed its own IPv4 error (576 bytes, DF set) on a smaller path, icmp_ptb
 * refuses: an error is never answered by another. */
static void test_icmp_ptb_never_about_itself(void **state)
{
	static uint8_t pkt[2048], out[ICMP_PTB_MAX_LEN], out2[ICMP_PTB_MAX_LEN];
	struct pkt_spec ps = {AF_INET, "192.0.2.7", "10.8.0.2", PKTBUILD_TCP, 0, 1460, NO_LIE};
	size_t len = build(&ps, pkt, sizeof(pkt)), n;
	struct ipaddr from;
	enum icmp_ptb_result why;

	(void)state;
	assert_true(addr_parse(FROM4, &from));
	n = icmp_ptb(pkt, len, 1400, &from, out, sizeof(out), &why);
	assert_int_equal(n, 576);
	/* To itself, so the source is one host: only the error rule refuses. */
	memcpy(out + 16, out + 12, 4);
	assert_int_equal(icmp_ptb(out, n, 500, &from, out2, sizeof(out2), &why), 0);
	assert_int_equal(why, ICMP_PTB_ICMP_ERROR);
}

static void test_icmp_ptb_result_str(void **state)
{
	(void)state;
	for (int r = ICMP_PTB_OK; r <= ICMP_PTB_NO_ROOM; r++)
		assert_string_not_equal(icmp_ptb_result_str((enum icmp_ptb_result)r),
					"unknown result");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_icmp_ptb_table),
	    cmocka_unit_test(test_icmp_ptb_no_room),
	    cmocka_unit_test(test_icmp_ptb_never_about_itself),
	    cmocka_unit_test(test_icmp_ptb_result_str),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
