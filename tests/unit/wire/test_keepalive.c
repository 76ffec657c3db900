/*
 * test_keepalive.c - the gateway's idle-session timing: its own KEEPALIVE
 * after K plus a grace that never reaches halfway to the client's dead-peer
 * limit, and the answer to a client's KEEPALIVE from half of K on.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "keepalive.h"

static void test_gateway_ms(void **state)
{
	(void)state;
	/* The defaults: K 10 s, dead peer 3 K. */
	assert_int_equal(keepalive_gateway_ms(10, 30), 12500);
	/* A dead-peer limit close to K bounds the grace. */
	assert_int_equal(keepalive_gateway_ms(10, 11), 10500);
	assert_int_equal(keepalive_gateway_ms(2, 3), 2500);
	assert_int_equal(keepalive_gateway_ms(1, 2), 1250);
	/* Not configurable, but defined: no grace at all. */
	assert_int_equal(keepalive_gateway_ms(10, 10), 10000);
	assert_int_equal(keepalive_gateway_ms(10, 5), 10000);
	/* The extremes of the keys' ranges do not overflow. */
	assert_int_equal(keepalive_gateway_ms(3600, 86400), 4500000);
}

/* Over the whole range of both keys: more than K, and the client still
 * hears the gateway before its dead-peer limit, with half the gap to
 * spare. */
static void test_gateway_ms_bounds(void **state)
{
	(void)state;
	for (unsigned k = 1; k <= 3600; k += (k < 20 ? 1 : 97)) {
		for (unsigned dp = k + 1; dp <= 86400; dp += (dp < k + 20 ? 1 : 1013)) {
			uint64_t g = keepalive_gateway_ms(k, dp);

			assert_true(g > (uint64_t)k * 1000);
			assert_true(g <= (uint64_t)k * 1250);
			assert_true(2 * g <= (uint64_t)k * 1000 + (uint64_t)dp * 1000);
		}
	}
}

static void test_answers(void **state)
{
	(void)state;
	assert_false(keepalive_answers(10, 0));
	assert_false(keepalive_answers(10, 4999));
	assert_true(keepalive_answers(10, 5000));
	assert_true(keepalive_answers(10, 12500));
	assert_false(keepalive_answers(1, 499));
	assert_true(keepalive_answers(1, 500));
	/* An answer just sent is never answered again. */
	for (unsigned k = 1; k <= 3600; k++)
		assert_false(keepalive_answers(k, 0));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_gateway_ms),
		cmocka_unit_test(test_gateway_ms_bounds),
		cmocka_unit_test(test_answers),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
