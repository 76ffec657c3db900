/*
 * test_ratelog.c - the flood logger: the burst told in full each second,
 * the rest held and summarised once an interval, sources ranked, and a
 * bound on lines whatever the flood.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "ratelog.h"

static const char *const names[RATELOG_REASONS] = {"no certificate", "unknown CA", "timeout"};

static void test_ratelog_event_burst_then_held(void **state)
{
	struct ratelog r;
	unsigned told = 0;

	(void)state;
	ratelog_init(&r, 5, 10000, 1000);
	for (int i = 0; i < 100; i++)
		told += ratelog_event(&r, 1000 + (uint64_t)i, 0, "192.0.2.1");
	assert_int_equal(told, 5);
	/* A new second: the burst again. */
	assert_true(ratelog_event(&r, 2000, 0, "192.0.2.1"));
	assert_int_equal(r.win_total, 101);
	assert_int_equal(r.win_held, 95);
}

static void test_ratelog_summary_counts_reasons_and_top_sources(void **state)
{
	struct ratelog r;
	char line[512];

	(void)state;
	ratelog_init(&r, 1, 10000, 0);
	for (int i = 0; i < 60; i++)
		ratelog_event(&r, 10, 0, "203.0.113.4");
	for (int i = 0; i < 30; i++)
		ratelog_event(&r, 20, 1, "203.0.113.5");
	for (int i = 0; i < 10; i++)
		ratelog_event(&r, 30, 2, "2001:db8::/64");
	/* Not yet due. */
	assert_false(ratelog_summary(&r, 9999, false, names, "connections refused", line, sizeof(line)));
	assert_int_equal(ratelog_due_in(&r, 9000), 1000);
	assert_true(ratelog_summary(&r, 10000, false, names, "connections refused", line, sizeof(line)));
	assert_string_equal(line, "100 connections refused in the last 10 s (99 not logged): "
				  "60 no certificate, 30 unknown CA, 10 timeout; top sources "
				  "203.0.113.4 (60), 203.0.113.5 (30), 2001:db8::/64 (10)");
	/* A new interval: nothing held, nothing to say. */
	assert_int_equal(ratelog_due_in(&r, 10000), UINT64_MAX);
	assert_false(ratelog_summary(&r, 30000, false, names, "x", line, sizeof(line)));
}

static void test_ratelog_summary_nothing_held_no_line(void **state)
{
	struct ratelog r;
	char line[128];

	(void)state;
	ratelog_init(&r, 10, 1000, 0);
	ratelog_event(&r, 1, 0, "a");
	assert_false(ratelog_summary(&r, 5000, false, names, "x", line, sizeof(line)));
	assert_string_equal(line, "");
}

/* A flood from many sources: the heavy source stays on top even when the
 * table is full of one-off sources (space-saving). */
static void test_ratelog_sources_heavy_hitter_survives(void **state)
{
	struct ratelog r;
	char line[512], src[32];

	(void)state;
	ratelog_init(&r, 0, 1000, 0);
	for (int i = 0; i < 2000; i++) {
		if (i % 2 == 0) {
			ratelog_event(&r, 1, 0, "198.51.100.7");
		} else {
			snprintf(src, sizeof(src), "10.0.%d.%d", i / 256, i % 256);
			ratelog_event(&r, 1, 0, src);
		}
	}
	assert_true(r.n_src <= RATELOG_SOURCES);
	assert_true(ratelog_summary(&r, 1000, false, names, "refused", line, sizeof(line)));
	assert_non_null(strstr(line, "top sources 198.51.100.7 ("));
}

/* Lines are bounded: burst per second plus one per interval. */
static void test_ratelog_lines_bounded(void **state)
{
	struct ratelog r;
	char line[256];
	unsigned lines = 0;

	(void)state;
	ratelog_init(&r, 10, 10000, 0);
	for (uint64_t t = 0; t < 60000; t += 1) { /* 1000 events a second for 60 s */
		lines += ratelog_event(&r, t, 1, "192.0.2.9");
		lines += ratelog_summary(&r, t, false, names, "refused", line, sizeof(line));
	}
	assert_true(lines <= 60 * 10 + 6);
	assert_true(lines >= 60 * 10);
}

/* At shutdown what was held back is said at once, over the true span. */
static void test_ratelog_summary_forced_before_interval_end(void **state)
{
	struct ratelog r;
	char line[256];

	(void)state;
	ratelog_init(&r, 0, 10000, 1000);
	ratelog_event(&r, 1500, 2, "192.0.2.1");
	assert_false(ratelog_summary(&r, 4000, false, names, "refused", line, sizeof(line)));
	assert_true(ratelog_summary(&r, 4000, true, names, "refused", line, sizeof(line)));
	assert_string_equal(line, "1 refused in the last 3 s (1 not logged): 1 timeout; "
				  "top sources 192.0.2.1 (1)");
}

static void test_ratelog_summary_truncates_safely(void **state)
{
	struct ratelog r;
	char line[16];

	(void)state;
	ratelog_init(&r, 0, 1, 0);
	ratelog_event(&r, 0, 0, "192.0.2.1");
	assert_true(ratelog_summary(&r, 1, false, names, "connections refused", line, sizeof(line)));
	assert_int_equal(strlen(line), sizeof(line) - 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ratelog_event_burst_then_held),
		cmocka_unit_test(test_ratelog_summary_counts_reasons_and_top_sources),
		cmocka_unit_test(test_ratelog_summary_nothing_held_no_line),
		cmocka_unit_test(test_ratelog_sources_heavy_hitter_survives),
		cmocka_unit_test(test_ratelog_lines_bounded),
		cmocka_unit_test(test_ratelog_summary_forced_before_interval_end),
		cmocka_unit_test(test_ratelog_summary_truncates_safely),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
