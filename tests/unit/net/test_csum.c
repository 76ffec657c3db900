/*
 * test_csum.c - the fast Internet checksum against RFC 1071's definition
 * (16-bit big-endian words, one's complement sum): every length from 0 to
 * past two SIMD blocks at every alignment of the start, all-ones data (the
 * largest sums, where a carry lost shows), a 64 KiB packet, sums of parts
 * at even offsets added with csum_add, and the pseudo-headers.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>

#include <cmocka.h>

#include "csum.h"

/* RFC 1071 as written: 16-bit words, carries folded as they come. */
static uint32_t reference(const uint8_t *p, size_t n)
{
	uint32_t s = 0;

	for (size_t i = 0; i < n; i += 2) {
		s += (uint32_t)p[i] << 8 | (i + 1 < n ? p[i + 1] : 0);
		s = (s & 0xffff) + (s >> 16);
	}
	return s;
}

static uint8_t data[65536 + 8];

static void fill(uint8_t seed)
{
	uint32_t x = seed * 2654435761u + 1;

	for (size_t i = 0; i < sizeof(data); i++) {
		x = x * 1103515245u + 12345u;
		data[i] = (uint8_t)(x >> 16);
	}
}

/* The folded results compare as one's complement values: 0 and 0xffff
 * are the same number, and only an all-zero input gives 0 here. */
static void same(const uint8_t *p, size_t n)
{
	uint32_t want = reference(p, n), got = csum_sum(p, n);

	if (want != got)
		fail_msg("length %zu at offset %td: got 0x%04x, want 0x%04x", n, p - data,
			 (unsigned)got, (unsigned)want);
}

static void test_csum_lengths_and_alignments(void **state)
{
	(void)state;
	fill(1);
	for (size_t off = 0; off < 8; off++)
		for (size_t n = 0; n <= 160; n++)
			same(data + off, n);
	for (size_t n = 1400; n <= 1500; n++)
		same(data + (n & 7), n);
}

static void test_csum_all_ones(void **state)
{
	(void)state;
	memset(data, 0xff, sizeof(data));
	for (size_t n = 0; n <= 130; n++)
		same(data + (n & 3), n);
	same(data, 65535);
	same(data + 1, 65536);
	assert_int_equal(csum_sum(data, 65536), 0xffff);
}

static void test_csum_large_packet(void **state)
{
	(void)state;
	fill(7);
	same(data, 65535);
	same(data + 3, 65536);
}

static void test_csum_parts_add_up(void **state)
{
	(void)state;
	fill(3);
	for (size_t cut = 0; cut <= 1500; cut += 2)
		assert_int_equal(csum_add(csum_sum(data, cut), csum_sum(data + cut, 1500 - cut)),
				 reference(data, 1500));
}

static void test_csum_pseudo(void **state)
{
	uint8_t ip4[20] = {0x45, 0, 0, 0, 0, 0, 0, 0, 64, 6, 0, 0, 192, 0, 2, 1, 10, 8, 0, 2};
	uint8_t ip6[40] = {0x60};

	(void)state;
	/* 0xc000 + 0x0201 + 0x0a08 + 0x0002 + 6 + 1400 */
	assert_int_equal(csum_pseudo(ip4, AF_INET, 6, 1400), (0xc000 + 0x0201 + 0x0a08 + 0x0002 +
							      6 + 1400) % 0xffff);
	for (int i = 8; i < 40; i++)
		ip6[i] = (uint8_t)(i * 13);
	assert_int_equal(csum_pseudo(ip6, AF_INET6, 17, 70000),
			 csum_add(csum_add(reference(ip6 + 8, 32), 17), csum_add(70000 & 0xffff, 1)));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_csum_lengths_and_alignments),
	    cmocka_unit_test(test_csum_all_ones),
	    cmocka_unit_test(test_csum_large_packet),
	    cmocka_unit_test(test_csum_parts_add_up),
	    cmocka_unit_test(test_csum_pseudo),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
