/*
 * test_busypoll.c - the decision to poll before sleeping: no window unless
 * data moved, none when off; a window that finds data keeps polling on and
 * ends any back-off; empty windows in a row pause polling for a time that
 * doubles up to its cap. Each case is a table of turns.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "busypoll.h"

/* One turn: at now_us, whether data moved, the window expected, and (if
 * one was granted) whether it found an event. */
struct turn {
	uint64_t now_us;
	bool moved;
	uint32_t window;
	bool found;
};

struct busypoll_case {
	const char *name;
	uint32_t window_us;
	struct turn turns[16];
	unsigned n;
	uint64_t hits, empty, pauses;
};

#define MISS(t) {(t), true, 50, false}
#define HIT(t) {(t), true, 50, true}

static const struct busypoll_case cases[] = {
    {"off never polls", 0,
     {{0, true, 0, false}, {10, true, 0, false}, {20, false, 0, false}}, 3, 0, 0, 0},
    {"timers and keepalives alone never poll", 50,
     {{0, false, 0, false}, {1000, false, 0, false}, {2000, false, 0, false}}, 3, 0, 0, 0},
    {"a window that finds data leaves polling on", 50,
     {HIT(0), HIT(100), HIT(200), MISS(300), HIT(400), MISS(500), MISS(600), MISS(700), HIT(800)},
     9, 5, 4, 0},
    {"four empty windows pause for 1 ms", 50,
     {MISS(0), MISS(100), MISS(200), MISS(300), {400, true, 0, false}, {1299, true, 0, false},
      MISS(1300)},
     7, 0, 5, 1},
    {"pauses double while windows stay empty", 50,
     {MISS(0), MISS(1), MISS(2), MISS(3), /* paused until 1003 */
      MISS(1003), MISS(1004), MISS(1005), MISS(1006), /* 2 ms: until 3006 */
      {3005, true, 0, false}, MISS(3006), MISS(3007), MISS(3008), MISS(3009),
      /* 4 ms: until 7009 */
      {7008, true, 0, false}, HIT(7009), MISS(7010)},
     16, 1, 13, 3},
    {"a hit ends the back-off: the next pause is 1 ms again", 50,
     {MISS(0), MISS(1), MISS(2), MISS(3), MISS(1003), MISS(1004), MISS(1005), MISS(1006),
      HIT(3006), MISS(3007), MISS(3008), MISS(3009), MISS(3010), {4009, true, 0, false},
      MISS(4010)},
     15, 1, 13, 3},
    {"a window above the maximum is clamped", 5000,
     {{0, true, BUSYPOLL_WINDOW_MAX_US, true}, {1, false, 0, false}}, 2, 1, 0, 0},
};

static void test_busypoll_window_table(void **state)
{
	(void)state;
	for (size_t c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
		const struct busypoll_case *k = &cases[c];
		struct busypoll bp;

		busypoll_init(&bp, k->window_us);
		for (unsigned i = 0; i < k->n; i++) {
			const struct turn *t = &k->turns[i];
			uint32_t w = busypoll_window(&bp, t->now_us, t->moved);

			if (w != t->window)
				fail_msg("%s: turn %u at %llu us: window %u, expected %u", k->name, i,
					 (unsigned long long)t->now_us, w, t->window);
			if (w > 0)
				busypoll_result(&bp, t->now_us, t->found);
		}
		if (bp.hits != k->hits || bp.empty != k->empty || bp.pauses != k->pauses)
			fail_msg("%s: %llu hits %llu empty %llu pauses, expected %llu %llu %llu",
				 k->name, (unsigned long long)bp.hits,
				 (unsigned long long)bp.empty, (unsigned long long)bp.pauses,
				 (unsigned long long)k->hits, (unsigned long long)k->empty,
				 (unsigned long long)k->pauses);
	}
}

/* A one-way flow whose windows never find anything: once the pauses reach
 * their cap, polling takes MISS_LIMIT windows per longest pause. */
static void test_busypoll_result_share_is_bounded(void **state)
{
	struct busypoll bp;
	uint64_t polled = 0, t;
	const uint64_t span = 10u * 1000 * 1000;

	(void)state;
	busypoll_init(&bp, 100);
	/* A packet every 100 us for 10 s, from 1 s in. */
	for (t = 1000000; t < 1000000 + span; t += 100) {
		uint32_t w = busypoll_window(&bp, t, true);

		if (w > 0) {
			polled += w;
			busypoll_result(&bp, t + w, false);
		}
	}
	assert_int_equal(bp.hits, 0);
	assert_int_equal(bp.pause_us, BUSYPOLL_PAUSE_MAX_US);
	/* The ramp (1 + 2 + ... + 64 ms) and then the cap: under 1 %. */
	assert_true(polled * 100 < span);
	assert_true(polled >= (uint64_t)BUSYPOLL_MISS_LIMIT * 100 * (span / BUSYPOLL_PAUSE_MAX_US));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_busypoll_window_table),
	    cmocka_unit_test(test_busypoll_result_share_is_bounded),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
