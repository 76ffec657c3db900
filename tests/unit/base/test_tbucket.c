/*
 * test_tbucket.c - the token bucket: a full burst at once, then the rate;
 * refills capped at the burst, a clock going backwards, rate 0, a slow
 * rate that still refills, and an idle time long enough to overflow a
 * naive product.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "tbucket.h"

static unsigned takes(struct tbucket *b, uint64_t now, unsigned tries)
{
	unsigned n = 0;

	for (unsigned i = 0; i < tries; i++)
		n += tbucket_take(b, now);
	return n;
}

static void test_tbucket_take_burst_then_rate(void **state)
{
	struct tbucket b;

	(void)state;
	tbucket_init(&b, 10, 20, 5000);
	assert_int_equal(takes(&b, 5000, 100), 20);
	/* 10 a second: one token every 100 ms, not before. */
	assert_false(tbucket_take(&b, 5099));
	assert_true(tbucket_take(&b, 5100));
	assert_false(tbucket_take(&b, 5100));
	assert_int_equal(takes(&b, 6100, 100), 10);
	/* Ten idle seconds refill only the burst. */
	assert_int_equal(takes(&b, 16100, 100), 20);
}

static void test_tbucket_take_clock_backwards(void **state)
{
	struct tbucket b;

	(void)state;
	tbucket_init(&b, 1000, 1, 1000);
	assert_true(tbucket_take(&b, 1000));
	assert_false(tbucket_take(&b, 10));
	assert_false(tbucket_take(&b, 1000));
	assert_true(tbucket_take(&b, 1001));
}

static void test_tbucket_take_rate_zero_and_slow(void **state)
{
	struct tbucket b;

	(void)state;
	tbucket_init(&b, 0, 2, 0);
	assert_int_equal(takes(&b, 0, 5), 2);
	assert_int_equal(takes(&b, UINT64_MAX / 2, 5), 0);
	/* One a second: 999 ms leave 999 millitokens, not a token. */
	tbucket_init(&b, 1, 1, 0);
	assert_true(tbucket_take(&b, 0));
	assert_false(tbucket_take(&b, 999));
	assert_true(tbucket_take(&b, 1000));
}

static void test_tbucket_take_long_idle(void **state)
{
	struct tbucket b;

	(void)state;
	tbucket_init(&b, UINT32_MAX, 3, 0);
	assert_int_equal(takes(&b, 0, 5), 3);
	assert_int_equal(takes(&b, UINT64_MAX, 5), 3);
	tbucket_init(&b, UINT32_MAX, UINT32_MAX, 0);
	assert_int_equal(takes(&b, 0, 5), 5);
	assert_true(tbucket_take(&b, UINT64_MAX));
	assert_int_equal(b.tokens, (uint64_t)UINT32_MAX * 1000 - 1000);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_tbucket_take_burst_then_rate),
	    cmocka_unit_test(test_tbucket_take_clock_backwards),
	    cmocka_unit_test(test_tbucket_take_rate_zero_and_slow),
	    cmocka_unit_test(test_tbucket_take_long_idle),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
