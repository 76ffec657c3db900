/*
 * test_srclimit.c - per-source rate limits: each source its own burst and
 * rate; a source that has rested gives its slot up; a newcomer whose slot
 * is held by a source still limited draws from the shared overflow and
 * does not reset the holder; a table full of sources stays bounded.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "srclimit.h"

static struct srclimit lim;

static unsigned takes(const uint8_t *src, size_t len, uint64_t now, unsigned tries)
{
	unsigned n = 0;

	for (unsigned i = 0; i < tries; i++)
		n += srclimit_take(&lim, src, len, now);
	return n;
}

static void ipv4(uint32_t a, uint8_t out[4])
{
	out[0] = (uint8_t)(a >> 24);
	out[1] = (uint8_t)(a >> 16);
	out[2] = (uint8_t)(a >> 8);
	out[3] = (uint8_t)a;
}

static void test_srclimit_take_per_source(void **state)
{
	uint8_t a[4], b[4];

	(void)state;
	srclimit_init(&lim, 1, 5, 42, 1000);
	ipv4(0xc0000201, a);
	ipv4(0xc0000202, b);
	assert_int_equal(takes(a, 4, 1000, 20), 5);
	/* Another source is not held by the first one's guesses. */
	assert_int_equal(takes(b, 4, 1000, 3), 3);
	/* One a second afterwards. */
	assert_int_equal(takes(a, 4, 1999, 3), 0);
	assert_int_equal(takes(a, 4, 2000, 3), 1);
}

/* A table of a key where two sources share a slot: found by search, so
 * the test does not depend on the hash. */
static bool find_collision(uint8_t a[4], uint8_t b[4])
{
	for (uint32_t i = 1; i < 100000; i++) {
		ipv4(0x0a000000, a);
		ipv4(0x0a000000 + i, b);
		srclimit_init(&lim, 1, 2, 7, 0);
		(void)srclimit_take(&lim, a, 4, 0);
		/* b hits a's slot iff its try leaves a's count untouched and
		 * a's slot still names a. */
		for (size_t s = 0; s < SRCLIMIT_SLOTS; s++)
			if (lim.slots[s].len == 4 && memcmp(lim.slots[s].src, a, 4) == 0) {
				(void)srclimit_take(&lim, b, 4, 0);
				if (memcmp(lim.slots[s].src, a, 4) == 0 &&
				    lim.overflow.tokens < 2000)
					return true;
				break;
			}
	}
	return false;
}

static void test_srclimit_take_collision_uses_overflow(void **state)
{
	uint8_t a[4], b[4];

	(void)state;
	assert_true(find_collision(a, b));
	srclimit_init(&lim, 1, 2, 7, 0);
	assert_int_equal(takes(a, 4, 0, 1), 1);
	/* a is still limited: b cannot take its slot, and draws from the
	 * overflow (2 at once), never resetting a's bucket. */
	assert_int_equal(takes(b, 4, 0, 5), 2);
	assert_int_equal(takes(a, 4, 0, 5), 1);
	/* Once a has rested (2 s at 1 a second), b takes the slot. */
	assert_int_equal(takes(b, 4, 10000, 5), 2);
}

static void test_srclimit_take_many_sources_bounded(void **state)
{
	uint8_t s[4];
	unsigned passed = 0;

	(void)state;
	srclimit_init(&lim, 1, 1, 99, 0);
	/* 100000 sources once each at one instant: each slot lets one source
	 * in, the overflow one more; the rest are refused. */
	for (uint32_t i = 0; i < 100000; i++) {
		ipv4(0x0b000000 + i, s);
		passed += srclimit_take(&lim, s, 4, 0);
	}
	assert_true(passed <= SRCLIMIT_SLOTS + 1);
	assert_true(passed > SRCLIMIT_SLOTS / 2);
}

static void test_srclimit_take_bad_length(void **state)
{
	uint8_t big[SRCLIMIT_KEY_MAX + 1] = {0};

	(void)state;
	srclimit_init(&lim, 1, 3, 1, 0);
	/* Not a source: only the overflow's burst passes. */
	assert_int_equal(takes(big, sizeof(big), 0, 10), 3);
	assert_int_equal(takes(big, 0, 0, 10), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_srclimit_take_per_source),
	    cmocka_unit_test(test_srclimit_take_collision_uses_overflow),
	    cmocka_unit_test(test_srclimit_take_many_sources_bounded),
	    cmocka_unit_test(test_srclimit_take_bad_length),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
