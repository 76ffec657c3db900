/*
 * test_mss_clamp.c - MSS clamping over a table of segments: SYN and
 * SYN-ACK over IPv4 and IPv6 (with IP options, extension headers, the MSS
 * option at even and odd offsets) are lowered with a checksum that still
 * verifies; everything else (kept, not a SYN, no option, fragments,
 * malformed option lists and headers) is left byte for byte.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdlib.h>

#include <cmocka.h>

#include "mss_clamp.h"
#include "tcp_syn_fixture.h"

#define MSS_1460 2, 4, 0x05, 0xb4
#define NOP 1
#define EOL 0
/* Timestamps (10 bytes), window scale (3), SACK permitted (2). */
#define TS 8, 10, 1, 2, 3, 4, 5, 6, 7, 8
#define WS 3, 3, 7
#define SACKOK 4, 2

enum lie {
	NO_LIE,
	DOFF_4,	      /* TCP data offset below 5 */
	DOFF_BEYOND,  /* TCP header longer than the packet */
	IP_LEN_SHORT, /* IPv4 total length one less than the bytes */
	TRUNC_TCP,    /* the packet ends 8 bytes into the TCP header */
	PROTO_UDP,    /* protocol 17 under the same bytes */
};

static const struct {
	const char *name;
	struct seg s;
	enum lie lie;
	uint16_t max;
	enum mss_clamp_result want;
	uint16_t old; /* the option's value reported */
} cases[] = {
    {"v4 SYN 1460 -> 1360",
     {AF_INET, EXT_NONE, 0x4000, SYN, {MSS_1460}, 4, 0},
     NO_LIE,
     1360,
     MSS_CLAMP_LOWERED,
     1460},
    {"v4 SYN-ACK with data",
     {AF_INET, EXT_NONE, 0, SYN | ACK, {MSS_1460}, 4, 33},
     NO_LIE,
     1000,
     MSS_CLAMP_LOWERED,
     1460},
    {"v4 SYN, Linux's option list",
     {AF_INET, EXT_NONE, 0x4000, SYN, {MSS_1460, SACKOK, TS, NOP, WS}, 20, 0},
     NO_LIE,
     1396,
     MSS_CLAMP_LOWERED,
     1460},
    {"v4 SYN, MSS at an odd offset",
     {AF_INET, EXT_NONE, 0, SYN, {NOP, MSS_1460, NOP, NOP, NOP}, 8, 0},
     NO_LIE,
     1300,
     MSS_CLAMP_LOWERED,
     1460},
    {"v4 SYN, MSS odd, one byte after it",
     {AF_INET, EXT_NONE, 0, SYN, {WS, MSS_1460, EOL}, 8, 5},
     NO_LIE,
     536,
     MSS_CLAMP_LOWERED,
     1460},
    {"v4 SYN, MSS in the header's last bytes",
     {AF_INET, EXT_NONE, 0, SYN, {NOP, NOP, NOP, NOP, NOP, WS, MSS_1460}, 12, 0},
     NO_LIE,
     1200,
     MSS_CLAMP_LOWERED,
     1460},
    {"v4 with IP options",
     {AF_INET, EXT_V4_OPTS, 0, SYN, {MSS_1460}, 4, 0},
     NO_LIE,
     1380,
     MSS_CLAMP_LOWERED,
     1460},
    {"v4 SYN, MSS already lower",
     {AF_INET, EXT_NONE, 0, SYN, {MSS_1460}, 4, 0},
     NO_LIE,
     1500,
     MSS_CLAMP_KEPT,
     1460},
    {"v4 SYN, MSS equal",
     {AF_INET, EXT_NONE, 0, SYN, {MSS_1460}, 4, 0},
     NO_LIE,
     1460,
     MSS_CLAMP_KEPT,
     1460},
    {"v4 ACK carries no MSS to clamp",
     {AF_INET, EXT_NONE, 0, ACK, {MSS_1460}, 4, 0},
     NO_LIE,
     1000,
     MSS_CLAMP_NOT_SYN,
     0},
    {"v4 SYN with RST",
     {AF_INET, EXT_NONE, 0, SYN | RST, {MSS_1460}, 4, 0},
     NO_LIE,
     1000,
     MSS_CLAMP_NOT_SYN,
     0},
    {"v4 first fragment (MF)",
     {AF_INET, EXT_NONE, 0x2000, SYN, {MSS_1460}, 4, 0},
     NO_LIE,
     1000,
     MSS_CLAMP_NOT_SYN,
     0},
    {"v4 later fragment",
     {AF_INET, EXT_NONE, 0x0003, SYN, {MSS_1460}, 4, 0},
     NO_LIE,
     1000,
     MSS_CLAMP_NOT_SYN,
     0},
    {"v4 UDP",
     {AF_INET, EXT_NONE, 0, SYN, {MSS_1460}, 4, 0},
     PROTO_UDP,
     1000,
     MSS_CLAMP_NOT_SYN,
     0},
    {"v4 SYN without options",
     {AF_INET, EXT_NONE, 0, SYN, {0}, 0, 0},
     NO_LIE,
     1000,
     MSS_CLAMP_NO_OPTION,
     0},
    {"v4 SYN, options without MSS",
     {AF_INET, EXT_NONE, 0, SYN, {SACKOK, TS}, 12, 0},
     NO_LIE,
     1000,
     MSS_CLAMP_NO_OPTION,
     0},
    {"v4 SYN, MSS after EOL is padding",
     {AF_INET, EXT_NONE, 0, SYN, {EOL, NOP, NOP, NOP, MSS_1460}, 8, 0},
     NO_LIE,
     1000,
     MSS_CLAMP_NO_OPTION,
     0},
    {"v4 SYN, option length 0",
     {AF_INET, EXT_NONE, 0, SYN, {WS, 0x22, 0, 0, 0, MSS_1460}, 8, 0},
     NO_LIE,
     1000,
     MSS_CLAMP_MALFORMED,
     0},
    {"v4 SYN, option length 1",
     {AF_INET, EXT_NONE, 0, SYN, {MSS_1460, 0x22, 1, 0, 0}, 8, 0},
     NO_LIE,
     1000,
     MSS_CLAMP_MALFORMED,
     0},
    {"v4 SYN, option past the header",
     {AF_INET, EXT_NONE, 0, SYN, {MSS_1460, 8, 10, 1, 2}, 8, 4},
     NO_LIE,
     1000,
     MSS_CLAMP_MALFORMED,
     0},
    {"v4 SYN, kind in the last byte",
     {AF_INET, EXT_NONE, 0, SYN, {MSS_1460, NOP, NOP, NOP, 8}, 8, 0},
     NO_LIE,
     1000,
     MSS_CLAMP_MALFORMED,
     0},
    {"v4 SYN, MSS of length 3",
     {AF_INET, EXT_NONE, 0, SYN, {2, 3, 0x05, NOP}, 4, 0},
     NO_LIE,
     1000,
     MSS_CLAMP_MALFORMED,
     0},
    {"v4 SYN, MSS of length 6",
     {AF_INET, EXT_NONE, 0, SYN, {2, 6, 0x05, 0xb4, 0, 0, NOP, NOP}, 8, 0},
     NO_LIE,
     1000,
     MSS_CLAMP_MALFORMED,
     0},
    {"v4 SYN, two MSS options",
     {AF_INET, EXT_NONE, 0, SYN, {MSS_1460, 2, 4, 0x02, 0x18}, 8, 0},
     NO_LIE,
     1000,
     MSS_CLAMP_MALFORMED,
     0},
    {"v4 SYN, data offset 4",
     {AF_INET, EXT_NONE, 0, SYN, {MSS_1460}, 4, 0},
     DOFF_4,
     1000,
     MSS_CLAMP_MALFORMED,
     0},
    {"v4 SYN, data offset past the packet",
     {AF_INET, EXT_NONE, 0, SYN, {MSS_1460}, 4, 20},
     DOFF_BEYOND,
     1000,
     MSS_CLAMP_MALFORMED,
     0},
    {"v4 SYN, IP length disagrees",
     {AF_INET, EXT_NONE, 0, SYN, {MSS_1460}, 4, 0},
     IP_LEN_SHORT,
     1000,
     MSS_CLAMP_MALFORMED,
     0},
    {"v4 SYN, TCP header cut short",
     {AF_INET, EXT_NONE, 0, SYN, {MSS_1460}, 4, 0},
     TRUNC_TCP,
     1000,
     MSS_CLAMP_MALFORMED,
     0},
    {"v6 SYN 1440 -> 1376",
     {AF_INET6, EXT_NONE, 0, SYN, {2, 4, 0x05, 0xa0, SACKOK, TS, NOP, WS}, 20, 0},
     NO_LIE,
     1376,
     MSS_CLAMP_LOWERED,
     1440},
    {"v6 SYN-ACK, MSS at an odd offset",
     {AF_INET6, EXT_NONE, 0, SYN | ACK, {NOP, MSS_1460, NOP, NOP, NOP}, 8, 0},
     NO_LIE,
     1220,
     MSS_CLAMP_LOWERED,
     1460},
    {"v6 behind hop-by-hop and dest options",
     {AF_INET6, EXT_V6_HBH_DST, 0, SYN, {MSS_1460}, 4, 0},
     NO_LIE,
     1376,
     MSS_CLAMP_LOWERED,
     1460},
    {"v6 atomic fragment is whole",
     {AF_INET6, EXT_V6_FRAG_ATOM, 0, SYN, {MSS_1460}, 4, 0},
     NO_LIE,
     1376,
     MSS_CLAMP_LOWERED,
     1460},
    {"v6 first of several fragments",
     {AF_INET6, EXT_V6_FRAG_M, 0, SYN, {MSS_1460}, 4, 0},
     NO_LIE,
     1376,
     MSS_CLAMP_NOT_SYN,
     0},
    {"v6 SYN, MSS lower",
     {AF_INET6, EXT_NONE, 0, SYN, {MSS_1460}, 4, 0},
     NO_LIE,
     8000,
     MSS_CLAMP_KEPT,
     1460},
    {"v6 SYN, two MSS options",
     {AF_INET6, EXT_NONE, 0, SYN, {MSS_1460, MSS_1460}, 8, 0},
     NO_LIE,
     1000,
     MSS_CLAMP_MALFORMED,
     0},
};

static size_t build_lie(const struct seg *s, enum lie lie, uint8_t *p, size_t *l3)
{
	size_t n = fx_build(s, p);

	*l3 = fx_l3_len(s);
	switch (lie) {
	case NO_LIE:
		break;
	case DOFF_4:
		p[*l3 + 12] = 0x40;
		break;
	case DOFF_BEYOND:
		p[*l3 + 12] = 0xf0;
		break;
	case IP_LEN_SHORT:
		fx_put16(p + 2, fx_get16(p + 2) - 1);
		break;
	case TRUNC_TCP:
		n = *l3 + 8;
		fx_put16(p + 2, (unsigned)n);
		break;
	case PROTO_UDP:
		p[9] = 17;
		break;
	}
	return n;
}

/* The offset of the MSS option's value in a case's options, or -1. */
static long mss_at(const struct seg *s)
{
	for (size_t i = 0; i + 3 < s->optlen;) {
		if (s->opts[i] == NOP) {
			i++;
			continue;
		}
		if (s->opts[i] == 2)
			return (long)i + 2;
		i += s->opts[i + 1];
	}
	return -1;
}

static void test_mss_clamp_table(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		uint8_t before[200], *p = malloc(200);
		size_t l3, n = build_lie(&cases[i].s, cases[i].lie, before, &l3);
		uint16_t old = 0xdead;
		enum mss_clamp_result r;

		assert_non_null(p);
		/* An exact-size copy so ASan sees any read past the packet. */
		p = realloc(p, n);
		memcpy(p, before, n);
		r = mss_clamp(p, n, false, cases[i].max, &old);
		if (r != cases[i].want || old != cases[i].old)
			fail_msg("%s: %s (old %u), want %s (old %u)", cases[i].name,
				 mss_clamp_result_str(r), old, mss_clamp_result_str(cases[i].want),
				 cases[i].old);
		if (r != MSS_CLAMP_LOWERED) {
			assert_memory_equal(p, before, n);
		} else {
			size_t at = l3 + 20 + (size_t)mss_at(&cases[i].s);

			assert_int_equal(fx_get16(p + at), cases[i].max);
			if (!fx_tcp_csum_ok(p, n, cases[i].s.family, l3))
				fail_msg("%s: TCP checksum does not verify", cases[i].name);
			/* Nothing else moved: the option's value and the checksum. */
			for (size_t k = 0; k < n; k++)
				if (k != at && k != at + 1 && k != l3 + 16 && k != l3 + 17 &&
				    p[k] != before[k])
					fail_msg("%s: byte %zu changed", cases[i].name, k);
		}
		free(p);
	}
}

/* The table's sound packets started with a valid checksum; so must the
 * fixture, or the check after clamping proves nothing. */
static void test_mss_clamp_fixture_checksums_verify(void **state)
{
	uint8_t p[200];

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		size_t n = fx_build(&cases[i].s, p);

		assert_true(fx_tcp_csum_ok(p, n, cases[i].s.family, fx_l3_len(&cases[i].s)));
		p[n - 1] ^= 0x40;
		if (n > fx_l3_len(&cases[i].s) + 20)
			assert_false(
			    fx_tcp_csum_ok(p, n, cases[i].s.family, fx_l3_len(&cases[i].s)));
	}
}

/* Every MSS and limit, at both alignments and in both families: the
 * incremental update always lands on a checksum that verifies, whatever
 * the carries (RFC 1624's case of a sum that becomes zero included). */
static void test_mss_clamp_checksum_sweep(void **state)
{
	struct seg s = {AF_INET, EXT_NONE, 0, SYN, {NOP, NOP, NOP, NOP, 2, 4, 0, 0}, 8, 3};
	uint8_t p[200];
	unsigned lowered = 0;

	(void)state;
	for (int fam = 0; fam < 2; fam++) {
		s.family = fam ? AF_INET6 : AF_INET;
		for (int odd = 0; odd < 2; odd++) {
			/* NOP NOP NOP NOP MSS or NOP NOP NOP MSS NOP */
			memset(s.opts, NOP, 8);
			memcpy(s.opts + 4 - odd, "\x02\x04", 2);
			for (unsigned mss = 1; mss <= 0xffff; mss += 251) {
				s.opts[6 - odd] = (uint8_t)(mss >> 8);
				s.opts[7 - odd] = (uint8_t)mss;
				for (unsigned max = 0; max <= 0xffff; max += 4093) {
					size_t n = fx_build(&s, p);
					enum mss_clamp_result r =
					    mss_clamp(p, n, false, (uint16_t)max, NULL);

					assert_int_equal(r, mss > max ? MSS_CLAMP_LOWERED
								      : MSS_CLAMP_KEPT);
					assert_true(fx_tcp_csum_ok(p, n, s.family, fx_l3_len(&s)));
					lowered += r == MSS_CLAMP_LOWERED;
				}
			}
		}
	}
	assert_true(lowered > 1000);
}

/* A partial checksum (the pseudo-header's sum, as a TUN hands it with
 * NEEDS_CSUM) is left as it is: completing it afterwards sums the new
 * option bytes. */
static void test_mss_clamp_partial_checksum_untouched(void **state)
{
	struct seg s = {AF_INET6, EXT_NONE, 0, SYN, {MSS_1460}, 4, 10};
	uint8_t p[200];
	size_t n = fx_build(&s, p), l3 = fx_l3_len(&s);
	uint32_t pseudo = csum_pseudo(p, AF_INET6, 6, n - l3);
	uint16_t old;

	(void)state;
	fx_put16(p + l3 + 16, (uint16_t)pseudo);
	assert_int_equal(mss_clamp(p, n, true, 1300, &old), MSS_CLAMP_LOWERED);
	assert_int_equal(old, 1460);
	assert_int_equal(fx_get16(p + l3 + 22), 1300);
	assert_int_equal(fx_get16(p + l3 + 16), (uint16_t)pseudo);
	/* Completed as the kernel would: sum of the segment with the pseudo
	 * sum in place, complemented. */
	fx_put16(p + l3 + 16, (uint16_t)~csum_sum(p + l3, n - l3));
	assert_true(fx_tcp_csum_ok(p, n, AF_INET6, l3));
}

static void test_mss_clamp_not_ip(void **state)
{
	uint8_t p[40] = {0x50};

	(void)state;
	assert_int_equal(mss_clamp(p, sizeof(p), false, 1000, NULL), MSS_CLAMP_MALFORMED);
	assert_int_equal(mss_clamp(p, 0, false, 1000, NULL), MSS_CLAMP_MALFORMED);
	assert_string_equal(mss_clamp_result_str(MSS_CLAMP_NO_OPTION), "SYN without an MSS option");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_mss_clamp_table),
	    cmocka_unit_test(test_mss_clamp_fixture_checksums_verify),
	    cmocka_unit_test(test_mss_clamp_checksum_sweep),
	    cmocka_unit_test(test_mss_clamp_partial_checksum_untouched),
	    cmocka_unit_test(test_mss_clamp_not_ip),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
