/*
 * test_dchan_probe.c - path MTU probing with padded PINGs: an answered
 * probe keeps the size, big probes lost while small PINGs are answered
 * lower it, a lowered size is raised again later, and probes lost while
 * the path is silent change nothing.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "dchan_probe.h"

#define MAX 1436u
#define FLOOR 1196u

/* One probe round at `now`: the due size is sent; `answered` says whether
 * its PONG arrives, `alive` whether an unpadded PING is answered meanwhile.
 * Returns the probed size. */
static size_t round_trip(struct dchan_probe *p, uint64_t *now, uint64_t id, bool answered,
			 bool alive)
{
	size_t size = dchan_probe_due(p, *now);
	assert_true(size != 0);
	dchan_probe_sent(p, id, size, *now);
	assert_int_equal(dchan_probe_due(p, *now), 0); /* one outstanding */
	*now += 100;
	if (alive)
		dchan_probe_alive(p, *now);
	if (answered)
		assert_true(dchan_probe_pong(p, id, *now));
	*now += DCHAN_PROBE_TIMEOUT_MS;
	dchan_probe_tick(p, *now);
	return size;
}

/* n probe rounds with the same fate, waiting for each to be due. */
static void rounds(struct dchan_probe *p, uint64_t *now, unsigned n, bool answered, bool alive)
{
	for (unsigned i = 0; i < n; i++) {
		if (dchan_probe_due(p, *now) == 0)
			*now = p->next_ms;
		round_trip(p, now, 1000 + i, answered, alive);
	}
}

/* A prober whose first probe is due at *now. */
static void start(struct dchan_probe *p, uint64_t *now)
{
	*now = 0;
	dchan_probe_init(p, MAX, FLOOR, *now);
	*now = DCHAN_PROBE_CONFIRM_MS;
}

/* Lowered once by a black hole and the lower size confirmed; returns it. */
static size_t lower_once(struct dchan_probe *p, uint64_t *now)
{
	start(p, now);
	rounds(p, now, DCHAN_PROBE_MISSES, false, true);
	size_t low = p->usable;
	assert_true(low < MAX);
	round_trip(p, now, 100, true, true);
	assert_int_equal(p->usable, low);
	return low;
}

static void test_dchan_probe_answered_keeps(void **state)
{
	struct dchan_probe p;
	uint64_t now = 1000;

	(void)state;
	dchan_probe_init(&p, MAX, FLOOR, now);
	assert_int_equal(dchan_probe_due(&p, now), 0);
	now += DCHAN_PROBE_CONFIRM_MS;
	assert_int_equal(round_trip(&p, &now, 7, true, true), MAX);
	assert_int_equal(p.usable, MAX);
	assert_int_equal(p.answered, 1);
	assert_int_equal(p.lost, 0);
	assert_false(dchan_probe_pong(&p, 7, now)); /* a repeat is not a probe */
	assert_false(dchan_probe_pong(&p, 8, now));
}

static void test_dchan_probe_black_hole_lowers(void **state)
{
	struct dchan_probe p;
	uint64_t now;

	(void)state;
	start(&p, &now);
	for (unsigned i = 0; i < DCHAN_PROBE_MISSES - 1; i++) {
		assert_int_equal(round_trip(&p, &now, 10 + i, false, true), MAX);
		assert_int_equal(p.usable, MAX);
	}
	assert_int_equal(round_trip(&p, &now, 20, false, true), MAX);
	assert_int_equal(p.usable, dchan_probe_below(&p, MAX));
	assert_true(p.usable < MAX && p.usable >= FLOOR);
	assert_int_equal(p.lowered, 1);
	/* the lower size is probed at once and holds when answered */
	size_t low = p.usable;
	assert_int_equal(round_trip(&p, &now, 30, true, true), low);
	assert_int_equal(p.usable, low);
}

static void test_dchan_probe_never_below_floor(void **state)
{
	struct dchan_probe p;
	uint64_t now;

	(void)state;
	start(&p, &now);
	rounds(&p, &now, 200, false, true);
	assert_int_equal(p.usable, FLOOR);
	assert_true(p.lowered >= 2);
}

static void test_dchan_probe_raises_later(void **state)
{
	struct dchan_probe p;
	uint64_t now;

	(void)state;
	size_t low = lower_once(&p, &now);
	/* no raise before the raise interval */
	assert_int_equal(dchan_probe_due(&p, now), 0);
	now += DCHAN_PROBE_RAISE_MS;
	size_t up = round_trip(&p, &now, 101, true, true);
	assert_int_equal(up, dchan_probe_above(&p, low));
	assert_int_equal(p.usable, up);
	assert_int_equal(p.raised, 1);
	/* the search goes on up to the ceiling */
	for (unsigned i = 0; i < 10 && p.usable < MAX; i++) {
		now = p.next_ms;
		round_trip(&p, &now, 200 + i, true, true);
	}
	assert_int_equal(p.usable, MAX);
}

static void test_dchan_probe_failed_raise_stays(void **state)
{
	struct dchan_probe p;
	uint64_t now;

	(void)state;
	size_t low = lower_once(&p, &now);
	now += DCHAN_PROBE_RAISE_MS;
	for (unsigned i = 0; i < DCHAN_PROBE_MISSES; i++)
		assert_true(round_trip(&p, &now, 60 + i, false, true) > low);
	assert_int_equal(p.usable, low);
	assert_int_equal(p.lowered, 1);
	assert_int_equal(dchan_probe_due(&p, now), 0);
}

static void test_dchan_probe_silent_path_changes_nothing(void **state)
{
	struct dchan_probe p;
	uint64_t now;

	(void)state;
	start(&p, &now);
	rounds(&p, &now, 20, false, false);
	assert_int_equal(p.usable, MAX);
	assert_int_equal(p.lost, 20);
	assert_int_equal(p.lowered, 0);
	assert_int_equal(p.misses, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_dchan_probe_answered_keeps),
	    cmocka_unit_test(test_dchan_probe_black_hole_lowers),
	    cmocka_unit_test(test_dchan_probe_never_below_floor),
	    cmocka_unit_test(test_dchan_probe_raises_later),
	    cmocka_unit_test(test_dchan_probe_failed_raise_stays),
	    cmocka_unit_test(test_dchan_probe_silent_path_changes_nothing),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
