/*
 * test_renew_plan.c - the renewal timing: renew_at's forms (table), the
 * due time within its jitter for a minute and a year, late and expired
 * certificates, and retries that grow yet leave tries before expiry.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "renew_plan.h"

static void test_renew_at_parse_table(void **state)
{
	static const struct {
		const char *s;
		bool ok;
		unsigned num, den;
	} t[] = {
	    {"2/3", true, 2, 3},   {"0.75", true, 75, 100}, {"80%", true, 80, 100},
	    {"1/2", true, 1, 2},   {"0.5", true, 5, 10},    {"999/1000", true, 999, 1000},
	    {"3/3", false, 0, 0},  {"4/3", false, 0, 0},    {"0/3", false, 0, 0},
	    {"100%", false, 0, 0}, {"0%", false, 0, 0},	    {"1", false, 0, 0},
	    {"0.", false, 0, 0},   {"1.5", false, 0, 0},    {"0.1234", false, 0, 0},
	    {"2/", false, 0, 0},   {"/3", false, 0, 0},	    {"2/3x", false, 0, 0},
	    {"", false, 0, 0},	   {"1/1001", false, 0, 0}, {"-1/3", false, 0, 0},
	};

	(void)state;
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		struct renew_at at = {0, 0};
		const char *why = NULL;
		bool ok = renew_at_parse(t[i].s, &at, &why);

		print_message("renew_at %s\n", t[i].s);
		assert_int_equal(ok, t[i].ok);
		if (ok) {
			assert_int_equal(at.num, t[i].num);
			assert_int_equal(at.den, t[i].den);
		} else {
			assert_non_null(why);
		}
	}
}

static void test_renew_plan_due_within_jitter(void **state)
{
	static const struct {
		int64_t issued, life;
	} t[] = {{1000, 60}, {1000, 3600}, {1700000000, 365 * 86400}};

	(void)state;
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		struct renew_life l = {t[i].issued, t[i].issued + t[i].life};
		int64_t at = t[i].issued + t[i].life * 2 / 3, lo = at, hi = at;

		for (uint32_t r = 0; r < 5000; r += 7) {
			int64_t d =
			    renew_plan_due(&l, RENEW_AT_DEFAULT, t[i].issued, r * 2654435761u);

			assert_true(d <= at);
			assert_true(d >= at - t[i].life / 20);
			lo = d < lo ? d : lo;
		}
		/* The jitter is used, not a constant. */
		assert_true(lo < hi || t[i].life < 20);
	}
}

static void test_renew_plan_due_late_and_expired(void **state)
{
	struct renew_life l = {1000, 1060};

	(void)state;
	/* Past the point: now, or a moment later, never after expiry. */
	for (uint32_t r = 0; r < 100; r++) {
		int64_t d = renew_plan_due(&l, RENEW_AT_DEFAULT, 1050, r);

		assert_true(d >= 1050 && d <= 1053);
	}
	assert_int_equal(renew_plan_due(&l, RENEW_AT_DEFAULT, 1060, 0), -1);
	assert_int_equal(renew_plan_due(&l, RENEW_AT_DEFAULT, 5000, 0), -1);
	/* 1/2 comes before 2/3. */
	assert_true(renew_plan_due(&l, (struct renew_at){1, 2}, 1000, 0) == 1030);
}

static void test_renew_plan_retry_grows_and_fits(void **state)
{
	struct renew_life year = {0, 365 * 86400};
	struct renew_life minute = {0, 60};
	int64_t prev_max = 0;

	(void)state;
	/* A year: 30 s, 60 s, ... up to an hour; each in [d/2, d]. */
	for (unsigned f = 1; f <= 12; f++) {
		int64_t d = 30, lo, hi;

		for (unsigned i = 1; i < f && d < 3600; i++)
			d *= 2;
		d = d > 3600 ? 3600 : d;
		lo = renew_plan_retry(&year, f, 1000, 0) - 1000;
		hi = renew_plan_retry(&year, f, 1000, (uint32_t)(d - d / 2)) - 1000;
		assert_int_equal(lo, d / 2);
		assert_int_equal(hi, d);
		assert_true(hi >= prev_max);
		prev_max = hi;
	}
	/* A minute with 15 s left: at most 5 s away, so tries remain. */
	for (uint32_t r = 0; r < 100; r++) {
		int64_t n = renew_plan_retry(&minute, 3, 45, r);

		assert_true(n > 45 && n <= 50);
	}
	assert_int_equal(renew_plan_retry(&minute, 1, 60, 0), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_renew_at_parse_table),
	    cmocka_unit_test(test_renew_plan_due_within_jitter),
	    cmocka_unit_test(test_renew_plan_due_late_and_expired),
	    cmocka_unit_test(test_renew_plan_retry_grows_and_fits),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
