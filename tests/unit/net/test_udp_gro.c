/*
 * test_udp_gro.c - udp_gro_split() and udp_gro_len(): a UDP_GRO read cut
 * into its datagrams, walked the way both receive paths walk it. An exact
 * multiple, a short last segment, no or an oversized segment size (one
 * datagram), and a read of 0 bytes (one empty datagram).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "udp_gro.h"

#define MAX_DGRAMS 8

static void test_udp_gro_split_table(void **state)
{
	static const struct {
		size_t n, seg;
		uint32_t count;
		size_t lens[MAX_DGRAMS];
	} cases[] = {
	    {4200, 1400, 3, {1400, 1400, 1400}}, /* exact multiple */
	    {3000, 1400, 3, {1400, 1400, 200}},	 /* short last segment */
	    {1401, 1400, 2, {1400, 1}},		 /* last of one byte */
	    {1400, 0, 1, {1400}},		 /* no GRO: one datagram */
	    {1400, 1400, 1, {1400}},		 /* one full segment */
	    {1400, 9000, 1, {1400}},		 /* segment over the read */
	    {1400, SIZE_MAX, 1, {1400}},	 /* absurd segment size */
	    {0, 0, 1, {0}},			 /* an empty datagram */
	    {0, 1400, 1, {0}},			 /* the same, with GRO */
	    {7, 1, 7, {1, 1, 1, 1, 1, 1, 1}},	 /* segments of one byte */
	    {65535, 1472, 45, {1472}},		 /* a full 64 KiB run */
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		size_t size = 12345, off = 0, total = 0;
		uint32_t count = udp_gro_split(cases[i].n, cases[i].seg, &size);

		assert_int_equal(count, cases[i].count);
		for (uint32_t c = 0; c < count; c++) {
			size_t len = udp_gro_len(cases[i].n, size, off);

			if (c < MAX_DGRAMS && cases[i].lens[c] != 0)
				assert_int_equal(len, cases[i].lens[c]);
			else if (c + 1 < count)
				assert_int_equal(len, size); /* all but the last: whole */
			off += len;
			total += len;
		}
		/* Every byte in exactly one datagram, nothing after the last. */
		assert_int_equal(total, cases[i].n);
		assert_int_equal(udp_gro_len(cases[i].n, size, off), 0);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_udp_gro_split_table),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
