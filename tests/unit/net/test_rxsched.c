/*
 * test_rxsched.c - the order staged datagrams are handed on in: a sparse
 * session's go first and whole, a bulk session's in arrival order within
 * the budget, no session's datagrams reordered, and the slot given up
 * when every slot is taken (the heaviest session's oldest, never a
 * sparse one's).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "rxsched.h"

static struct rxsched_slot slots[RXSCHED_MAX];
static uint32_t order[RXSCHED_MAX];
static struct rxsched_step out[RXSCHED_MAX];

/* Slot i gets key keys[i] and left lefts[i]; order is 0..n-1. */
static void stage(size_t n, const uint64_t *keys, const uint32_t *lefts)
{
	for (size_t i = 0; i < n; i++) {
		slots[i].key = keys[i];
		slots[i].left = lefts[i];
		order[i] = (uint32_t)i;
	}
}

static void ping_behind_bulk_goes_first(void **state)
{
	/* Bulk A (three GRO reads), then B's ping, then more of A. */
	const uint64_t keys[] = {0xa, 0xa, 0xa, 0xb, 0xa};
	const uint32_t lefts[] = {40, 40, 40, 1, 40};
	size_t m;

	(void)state;
	stage(5, keys, lefts);
	m = rxsched_plan(slots, order, 5, 64, out);
	assert_int_equal(m, 3);
	assert_int_equal(out[0].slot, 3);
	assert_int_equal(out[0].count, 1);
	assert_true(out[0].sparse);
	assert_false(out[1].sparse);
	assert_false(out[2].sparse);
	/* Then A from its oldest, 64 datagrams: 40 + 24 of the next. */
	assert_int_equal(out[1].slot, 0);
	assert_int_equal(out[1].count, 40);
	assert_int_equal(out[2].slot, 1);
	assert_int_equal(out[2].count, 24);
}

static void sparse_limit_is_per_session_not_per_slot(void **state)
{
	/* C has three single datagrams: 3 > RXSCHED_SPARSE in all, so it is
	 * bulk and keeps its place behind A's. D has two: sparse. */
	const uint64_t keys[] = {0xa, 0xc, 0xd, 0xc, 0xd, 0xc};
	const uint32_t lefts[] = {10, 1, 1, 1, 1, 1};
	size_t m;

	(void)state;
	stage(6, keys, lefts);
	m = rxsched_plan(slots, order, 6, 1000, out);
	assert_int_equal(m, 6);
	assert_int_equal(out[0].slot, 2);
	assert_int_equal(out[1].slot, 4);
	assert_int_equal(out[2].slot, 0);
	assert_int_equal(out[3].slot, 1);
	assert_int_equal(out[4].slot, 3);
	assert_int_equal(out[5].slot, 5);
}

static void sparse_ignores_budget_bulk_honours_it(void **state)
{
	const uint64_t keys[] = {0xa, 0xb, 0xc, 0xa};
	const uint32_t lefts[] = {50, 2, 1, 50};
	size_t m;

	(void)state;
	stage(4, keys, lefts);
	m = rxsched_plan(slots, order, 4, 0, out);
	assert_int_equal(m, 2);
	assert_int_equal(out[0].slot, 1);
	assert_int_equal(out[0].count, 2);
	assert_int_equal(out[1].slot, 2);
	m = rxsched_plan(slots, order, 4, 60, out);
	assert_int_equal(m, 4);
	assert_int_equal(out[2].slot, 0);
	assert_int_equal(out[2].count, 50);
	assert_int_equal(out[3].slot, 3);
	assert_int_equal(out[3].count, 10);
}

static void empty_slots_and_arrival_order(void **state)
{
	/* order is not index order: the plan follows order. A slot with
	 * nothing left is skipped. */
	const uint64_t keys[] = {0xa, 0xb, 0xa, 0xe};
	const uint32_t lefts[] = {5, 1, 0, 3};
	size_t m;

	(void)state;
	stage(4, keys, lefts);
	order[0] = 3;
	order[1] = 2;
	order[2] = 0;
	order[3] = 1;
	m = rxsched_plan(slots, order, 4, 100, out);
	assert_int_equal(m, 3);
	assert_int_equal(out[0].slot, 1);
	assert_int_equal(out[1].slot, 3);
	assert_int_equal(out[2].slot, 0);
	assert_int_equal(out[2].count, 5);
	assert_int_equal(rxsched_plan(slots, order, 0, 100, out), 0);
}

/* Many sessions, random sizes: every datagram is planned exactly once
 * over the turns, each key's slots in arrival order, and every sparse
 * key's before any bulk datagram of the same turn. */
static void random_turns_keep_each_sessions_order(void **state)
{
	uint32_t x = 12345;

	(void)state;
	for (int round = 0; round < 200; round++) {
		size_t n = 1 + (x % RXSCHED_MAX);
		uint32_t total = 0, planned = 0;

		for (size_t i = 0; i < n; i++) {
			x = x * 1103515245u + 12345u;
			slots[i].key = (x >> 8) % 40; /* collide on purpose */
			slots[i].left = 1 + ((x >> 20) % 45);
			order[i] = (uint32_t)i;
			total += slots[i].left;
		}
		for (int turn = 0; turn < 10000 && planned < total; turn++) {
			uint32_t sum[40] = {0}, bulk_left = 0, bulk_taken = 0;
			bool seen_bulk = false;
			size_t m;

			for (size_t i = 0; i < n; i++)
				sum[slots[i].key] += slots[i].left;
			for (size_t i = 0; i < n; i++)
				if (sum[slots[i].key] > RXSCHED_SPARSE)
					bulk_left += slots[i].left;
			m = rxsched_plan(slots, order, n, 128, out);
			assert_true(m > 0);
			for (size_t k = 0; k < m; k++) {
				struct rxsched_slot *s = &slots[out[k].slot];
				bool sparse = sum[s->key] <= RXSCHED_SPARSE;

				assert_true(out[k].count > 0 && out[k].count <= s->left);
				/* No older slot of this key still holds datagrams. */
				for (size_t j = 0; j < out[k].slot; j++)
					assert_false(slots[j].key == s->key && slots[j].left > 0);
				assert_int_equal(out[k].sparse, sparse);
				if (sparse) {
					assert_false(seen_bulk);
					assert_int_equal(out[k].count, s->left);
				} else {
					seen_bulk = true;
					bulk_taken += out[k].count;
				}
				s->left -= out[k].count;
				planned += out[k].count;
			}
			assert_int_equal(bulk_taken, bulk_left < 128 ? bulk_left : 128);
		}
		assert_int_equal(planned, total);
		x = x * 1103515245u + 12345u;
	}
}

static void victim_is_heaviest_sessions_oldest(void **state)
{
	const uint64_t keys[] = {0xb, 0xa, 0xc, 0xa, 0xc};
	const uint32_t lefts[] = {1, 10, 8, 10, 8};

	(void)state;
	stage(5, keys, lefts);
	/* a: 20, c: 16, b: 1. */
	assert_int_equal(rxsched_victim(slots, order, 5), 1);
	slots[1].left = 0;
	slots[3].left = 1;
	assert_int_equal(rxsched_victim(slots, order, 5), 2);
}

static void no_victim_among_sparse_sessions(void **state)
{
	const uint64_t keys[] = {0xb, 0xa, 0xc, 0xa};
	const uint32_t lefts[] = {1, 1, 2, 1};

	(void)state;
	stage(4, keys, lefts);
	assert_int_equal(rxsched_victim(slots, order, 4), -1);
	slots[3].left = 2; /* a: 3 */
	assert_int_equal(rxsched_victim(slots, order, 4), 1);
	assert_int_equal(rxsched_victim(slots, order, 0), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(ping_behind_bulk_goes_first),
	    cmocka_unit_test(sparse_limit_is_per_session_not_per_slot),
	    cmocka_unit_test(sparse_ignores_budget_bulk_honours_it),
	    cmocka_unit_test(empty_slots_and_arrival_order),
	    cmocka_unit_test(random_turns_keep_each_sessions_order),
	    cmocka_unit_test(victim_is_heaviest_sessions_oldest),
	    cmocka_unit_test(no_victim_among_sparse_sessions),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
