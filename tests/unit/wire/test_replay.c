/*
 * test_replay.c - the RFC 6479 anti-replay window as tables of counters
 * fed in order, each with the answer it must get: in order, reordered
 * within the window, duplicates, too old, jumps beyond the window, the
 * edges of the window and of 64-bit counters.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "replay.h"

struct step {
	uint64_t c;
	enum replay_result want;
	bool newest;
};

#define W REPLAY_WINDOW

struct seq {
	const char *name;
	struct step steps[16];
	size_t n;
};

#define SEQ(name, ...)                                                                             \
	{                                                                                          \
		name, {__VA_ARGS__}, sizeof((struct step[]){__VA_ARGS__}) / sizeof(struct step)    \
	}

static const struct seq seqs[] = {
    SEQ("in order", {0, REPLAY_OK, true}, {1, REPLAY_OK, true}, {2, REPLAY_OK, true},
	{3, REPLAY_OK, true}),
    SEQ("first counter need not be 0", {1000, REPLAY_OK, true}, {999, REPLAY_OK, false},
	{0, REPLAY_OK, false}),
    SEQ("reordered within the window", {10, REPLAY_OK, true}, {7, REPLAY_OK, false},
	{9, REPLAY_OK, false}, {8, REPLAY_OK, false}, {11, REPLAY_OK, true}),
    SEQ("duplicate of the top", {5, REPLAY_OK, true}, {5, REPLAY_DUP, false}),
    SEQ("duplicate below the top", {5, REPLAY_OK, true}, {9, REPLAY_OK, true},
	{5, REPLAY_DUP, false}, {6, REPLAY_OK, false}, {6, REPLAY_DUP, false}),
    SEQ("edge of the window", {W, REPLAY_OK, true}, {1, REPLAY_OK, false}, {0, REPLAY_OLD, false},
	{1, REPLAY_DUP, false}),
    SEQ("window moves", {0, REPLAY_OK, true}, {W + 100, REPLAY_OK, true}, {100, REPLAY_OLD, false},
	{101, REPLAY_OK, false}),
    SEQ("jump beyond the ring clears it", {3, REPLAY_OK, true}, {3 + REPLAY_BITS, REPLAY_OK, true},
	{3 + REPLAY_BITS - 1, REPLAY_OK, false}, {3 + REPLAY_BITS - W + 1, REPLAY_OK, false},
	{3 + REPLAY_BITS, REPLAY_DUP, false}),
    SEQ("jump of a whole lap leaves no stale bit", {64, REPLAY_OK, true},
	{64 + REPLAY_BITS, REPLAY_OK, true}, {65 + REPLAY_BITS - 64, REPLAY_OK, false}),
    SEQ("huge jump", {1, REPLAY_OK, true}, {UINT64_C(1) << 40, REPLAY_OK, true},
	{1, REPLAY_OLD, false}, {(UINT64_C(1) << 40) - 1, REPLAY_OK, false}),
    SEQ("top of the 64-bit range", {UINT64_MAX - 1, REPLAY_OK, true}, {UINT64_MAX, REPLAY_OK, true},
	{UINT64_MAX, REPLAY_DUP, false}, {UINT64_MAX - 2, REPLAY_OK, false},
	{0, REPLAY_OLD, false}),
};

static void test_replay_accept_sequences(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(seqs) / sizeof(seqs[0]); i++) {
		struct replay w;

		replay_init(&w);
		for (size_t j = 0; j < seqs[i].n; j++) {
			const struct step *s = &seqs[i].steps[j];
			bool newest = !s->newest;
			enum replay_result r = replay_accept(&w, s->c, &newest);

			if (r != s->want || newest != s->newest)
				fail_msg("%s, step %zu (counter %llu): got %d/%d, want %d/%d",
					 seqs[i].name, j, (unsigned long long)s->c, r, newest,
					 s->want, s->newest);
		}
	}
}

/* Every counter of a window, in reverse, then all again: each accepted
 * once, then each a duplicate. */
static void test_replay_accept_whole_window_reversed(void **state)
{
	struct replay w;
	bool newest;

	(void)state;
	replay_init(&w);
	for (uint64_t c = 10000; c > 10000 - W; c--)
		assert_int_equal(replay_accept(&w, c, &newest), REPLAY_OK);
	assert_int_equal(replay_accept(&w, 10000 - W, &newest), REPLAY_OLD);
	for (uint64_t c = 10000 - W + 1; c <= 10000; c++)
		assert_int_equal(replay_accept(&w, c, &newest), REPLAY_DUP);
}

/* The window is at least the 2048 the protocol promises. */
static void test_replay_window_size(void **state)
{
	(void)state;
	assert_true(REPLAY_WINDOW >= 2048);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_replay_accept_sequences),
	    cmocka_unit_test(test_replay_accept_whole_window_reversed),
	    cmocka_unit_test(test_replay_window_size),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
