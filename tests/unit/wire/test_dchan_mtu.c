/*
 * test_dchan_mtu.c - sizes on the UDP data channel: the usable inner size
 * for each outer family (and paths too small for the overhead), the MSS
 * for each inner family, and the way of a packet (UDP, TLS with a PTB,
 * TLS alone) at the boundaries.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include <cmocka.h>

#include "dchan_mtu.h"

static void test_dchan_mtu_usable_table(void **state)
{
	static const struct {
		uint32_t path;
		int family;
		size_t want;
	} t[] = {
	    /* outer IP, UDP, channel header, tag */
	    {1500, AF_INET, 1500 - 20 - 8 - 20 - 16},
	    {1500, AF_INET6, 1500 - 40 - 8 - 20 - 16},
	    {1280, AF_INET6, 1280 - 40 - 8 - 20 - 16},
	    {9000, AF_INET, 9000 - 20 - 8 - 20 - 16},
	    {576, AF_INET, 576 - 20 - 8 - 20 - 16},
	    {20 + 8 + 36, AF_INET, 0},
	    {20 + 8 + 36 + 1, AF_INET, 1},
	    {40 + 8 + 36, AF_INET6, 0},
	    {0, AF_INET, 0},
	    {1500, AF_UNIX, 0},
	};

	(void)state;
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		if (dchan_mtu_usable(t[i].path, t[i].family) != t[i].want)
			fail_msg("usable(%u, %d) = %zu, want %zu", t[i].path, t[i].family,
				 dchan_mtu_usable(t[i].path, t[i].family), t[i].want);
}

static void test_dchan_mtu_mss_table(void **state)
{
	static const struct {
		size_t usable;
		int family;
		uint16_t want;
	} t[] = {
	    {1436, AF_INET, 1436 - 20 - 20},
	    {1436, AF_INET6, 1436 - 40 - 20},
	    {1416, AF_INET6, 1416 - 40 - 20},
	    {40, AF_INET, 0},
	    {41, AF_INET, 1},
	    {60, AF_INET6, 0},
	    {100000, AF_INET, 65535},
	    {1436, AF_UNIX, 0},
	};

	(void)state;
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		if (dchan_mtu_mss(t[i].usable, t[i].family) != t[i].want)
			fail_msg("mss(%zu, %d) = %u, want %u", t[i].usable, t[i].family,
				 dchan_mtu_mss(t[i].usable, t[i].family), t[i].want);
}

static void test_dchan_mtu_way_table(void **state)
{
	/* Headers only: the way reads no more than the version and the DF
	 * bit, so a len past the array's end is never read. */
	static const uint8_t v4_df[20] = {0x45, 0, 0, 0, 0, 0, 0x40, 0};
	static const uint8_t v4_df_mf[20] = {0x45, 0, 0, 0, 0, 0, 0x60, 0};
	static const uint8_t v4_nodf[20] = {0x45, 0, 0, 0, 0, 0, 0x20, 0};
	static const uint8_t v6[40] = {0x60};
	static const uint8_t v5[20] = {0x50};
	static const struct {
		const char *name;
		const uint8_t *pkt;
		size_t len, usable;
		enum dchan_mtu_way want;
	} t[] = {
	    {"v4 fits", v4_df, 20, 1436, DCHAN_MTU_UDP},
	    {"v4 exactly the usable size", v4_df, 1436, 1436, DCHAN_MTU_UDP},
	    {"v4 DF one byte over", v4_df, 1437, 1436, DCHAN_MTU_TLS_PTB},
	    {"v4 DF and MF over", v4_df_mf, 1500, 1436, DCHAN_MTU_TLS_PTB},
	    {"v4 without DF over", v4_nodf, 1500, 1436, DCHAN_MTU_TLS},
	    {"v4 DF over a channel below 68", v4_df, 100, 67, DCHAN_MTU_TLS},
	    {"v4 DF over a channel of 68", v4_df, 100, 68, DCHAN_MTU_TLS_PTB},
	    {"v4 shorter than its header", v4_df, 19, 10, DCHAN_MTU_TLS},
	    {"v6 fits", v6, 1416, 1416, DCHAN_MTU_UDP},
	    {"v6 over", v6, 1417, 1416, DCHAN_MTU_TLS_PTB},
	    {"v6 over a channel of 1280", v6, 1300, 1280, DCHAN_MTU_TLS_PTB},
	    {"v6 over a channel below 1280", v6, 1300, 1279, DCHAN_MTU_TLS},
	    {"not IP", v5, 1500, 1436, DCHAN_MTU_TLS},
	};

	(void)state;
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		enum dchan_mtu_way w = dchan_mtu_way(t[i].pkt, t[i].len, t[i].usable);

		if (w != t[i].want)
			fail_msg("%s: way %d, want %d", t[i].name, w, t[i].want);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_dchan_mtu_usable_table),
	    cmocka_unit_test(test_dchan_mtu_mss_table),
	    cmocka_unit_test(test_dchan_mtu_way_table),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
