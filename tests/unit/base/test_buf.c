/*
 * test_buf.c - the bounded buffer: every operation either keeps
 * 0 <= head <= tail <= cap and moves the bytes it claims, or refuses and
 * changes nothing.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "buf.h"

static void assert_invariant(const struct buf *b)
{
	assert_true(b->head <= b->tail);
	assert_true(b->tail <= b->cap);
}

static void test_buf_init_empty_with_cap(void **state)
{
	struct buf b;

	(void)state;
	assert_int_equal(buf_init(&b, 64), 0);
	assert_non_null(b.data);
	assert_int_equal(b.cap, 64);
	assert_int_equal(buf_len(&b), 0);
	assert_int_equal(buf_room(&b), 64);
	assert_ptr_equal(buf_ptr(&b), b.data);
	buf_deinit(&b);
}

static void test_buf_init_zero_cap_is_usable(void **state)
{
	struct buf b;

	(void)state;
	assert_int_equal(buf_init(&b, 0), 0);
	assert_non_null(b.data);
	assert_false(buf_append(&b, "x", 1));
	assert_true(buf_append(&b, NULL, 0));
	buf_deinit(&b);
}

static void test_buf_deinit_clears_struct(void **state)
{
	struct buf b;

	(void)state;
	assert_int_equal(buf_init(&b, 16), 0);
	assert_true(buf_append(&b, "secret", 6));
	buf_deinit(&b);
	assert_null(b.data);
	assert_int_equal(b.cap, 0);
	assert_int_equal(b.head, 0);
	assert_int_equal(b.tail, 0);
	/* A second deinit (or one on a zeroed buf) is harmless. */
	buf_deinit(&b);
}

struct append_case {
	size_t cap, headroom, first, second;
	bool second_fits;
};

static const struct append_case append_cases[] = {
    {16, 0, 0, 16, true},  {16, 0, 0, 17, false}, {16, 0, 10, 6, true},
    {16, 0, 10, 7, false}, {16, 4, 0, 12, true},  {16, 4, 0, 13, false},
    {16, 16, 0, 0, true},  {16, 16, 0, 1, false}, {1, 0, 1, 1, false},
};

static void test_buf_append_refuses_past_cap(void **state)
{
	static const uint8_t src[32] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17};

	(void)state;
	for (size_t i = 0; i < sizeof(append_cases) / sizeof(append_cases[0]); i++) {
		const struct append_case *c = &append_cases[i];
		struct buf b;
		size_t before;

		assert_int_equal(buf_init(&b, c->cap), 0);
		buf_reset(&b, c->headroom);
		assert_true(buf_append(&b, src, c->first));
		before = b.tail;
		assert_int_equal(buf_append(&b, src, c->second), c->second_fits);
		assert_int_equal(b.tail, c->second_fits ? before + c->second : before);
		assert_invariant(&b);
		if (c->second_fits && c->second > 0)
			assert_memory_equal(b.data + before, src, c->second);
		buf_deinit(&b);
	}
}

static void test_buf_prepend_uses_headroom_only(void **state)
{
	struct buf b;

	(void)state;
	assert_int_equal(buf_init(&b, 32), 0);
	buf_reset(&b, 4);
	assert_true(buf_append(&b, "data", 4));
	assert_false(buf_prepend(&b, "12345", 5));
	assert_int_equal(b.head, 4);
	assert_true(buf_prepend(&b, "hd", 2));
	assert_int_equal(b.head, 2);
	assert_true(buf_prepend(&b, "HD", 2));
	assert_int_equal(b.head, 0);
	assert_false(buf_prepend(&b, "x", 1));
	assert_int_equal(buf_len(&b), 8);
	assert_memory_equal(buf_ptr(&b), "HDhddata", 8);
	assert_invariant(&b);
	buf_deinit(&b);
}

static void test_buf_commit_refuses_past_cap(void **state)
{
	struct buf b;

	(void)state;
	assert_int_equal(buf_init(&b, 10), 0);
	buf_reset(&b, 3);
	memcpy(buf_end(&b), "abcdefg", 7);
	assert_false(buf_commit(&b, 8));
	assert_int_equal(buf_len(&b), 0);
	assert_true(buf_commit(&b, 7));
	assert_int_equal(buf_len(&b), 7);
	assert_memory_equal(buf_ptr(&b), "abcdefg", 7);
	assert_false(buf_commit(&b, 1));
	assert_true(buf_commit(&b, 0));
	assert_invariant(&b);
	buf_deinit(&b);
}

static void test_buf_consume_clamps_and_keeps_bytes_in_place(void **state)
{
	struct buf b;
	const uint8_t *second;

	(void)state;
	assert_int_equal(buf_init(&b, 16), 0);
	assert_true(buf_append(&b, "0123456789", 10));
	second = buf_ptr(&b) + 4;
	buf_consume(&b, 4);
	assert_ptr_equal(buf_ptr(&b), second);
	assert_int_equal(buf_len(&b), 6);
	/* Pointers into consumed bytes stay valid until compaction. */
	buf_consume(&b, 100);
	assert_int_equal(buf_len(&b), 0);
	assert_memory_equal(second, "456789", 6);
	assert_invariant(&b);
	buf_deinit(&b);
}

static void test_buf_compact_moves_content_to_front(void **state)
{
	struct buf b;

	(void)state;
	assert_int_equal(buf_init(&b, 16), 0);
	assert_true(buf_append(&b, "0123456789abcdef", 16));
	assert_int_equal(buf_room(&b), 0);
	buf_consume(&b, 10);
	buf_compact(&b);
	assert_int_equal(b.head, 0);
	assert_int_equal(buf_len(&b), 6);
	assert_int_equal(buf_room(&b), 10);
	assert_memory_equal(buf_ptr(&b), "abcdef", 6);
	/* Already at the front: nothing moves. */
	buf_compact(&b);
	assert_memory_equal(buf_ptr(&b), "abcdef", 6);
	/* Empty content compacts to an empty buffer at offset 0. */
	buf_consume(&b, 6);
	buf_compact(&b);
	assert_int_equal(b.head, 0);
	assert_int_equal(b.tail, 0);
	assert_invariant(&b);
	buf_deinit(&b);
}

static void test_buf_reset_clamps_headroom(void **state)
{
	static const size_t headrooms[] = {0, 1, 4, 15, 16, 17, SIZE_MAX};
	struct buf b;

	(void)state;
	assert_int_equal(buf_init(&b, 16), 0);
	for (size_t i = 0; i < sizeof(headrooms) / sizeof(headrooms[0]); i++) {
		size_t want = headrooms[i] > 16 ? 16 : headrooms[i];

		assert_true(buf_append(&b, "x", buf_room(&b) > 0 ? 1 : 0));
		buf_reset(&b, headrooms[i]);
		assert_int_equal(b.head, want);
		assert_int_equal(b.tail, want);
		assert_int_equal(buf_room(&b), 16 - want);
		assert_invariant(&b);
	}
	buf_deinit(&b);
}

static void test_buf_get_put_round_trip(void **state)
{
	static const uint32_t values[] = {
	    0, 1, 0x80, 0xff, 0x100, 0xfffe, 0xffff, 0x10000, 0x12345678, 0x80000000u, 0xffffffffu};
	uint8_t p[4];

	(void)state;
	buf_put16(p, 0x1234);
	assert_int_equal(p[0], 0x12);
	assert_int_equal(p[1], 0x34);
	buf_put32(p, 0xa1b2c3d4u);
	assert_int_equal(p[0], 0xa1);
	assert_int_equal(p[3], 0xd4);
	for (size_t i = 0; i < sizeof(values) / sizeof(values[0]); i++) {
		buf_put32(p, values[i]);
		assert_int_equal(buf_get32(p), values[i]);
		buf_put16(p, (uint16_t)values[i]);
		assert_int_equal(buf_get16(p), (uint16_t)values[i]);
	}
}

static void test_buf_reserve_growable_up_to_max_then_shrink(void **state)
{
	struct buf b;
	uint8_t x[300];

	(void)state;
	memset(x, 7, sizeof(x));
	assert_int_equal(buf_init_growable(&b, 0, 1000), 0);
	assert_non_null(b.data);
	assert_true(buf_append(&b, x, sizeof(x)));
	assert_true(buf_append(&b, x, sizeof(x)));
	assert_true(buf_append(&b, x, sizeof(x)));
	assert_false(buf_append(&b, x, sizeof(x))); /* past max */
	assert_int_equal(buf_len(&b), 900);
	assert_true(b.cap <= 1000);
	assert_int_equal(buf_ptr(&b)[899], 7);
	buf_shrink(&b, 0); /* not empty: kept */
	assert_int_equal(buf_len(&b), 900);
	buf_consume(&b, 900);
	buf_shrink(&b, 0);
	assert_int_equal(b.cap, 0);
	assert_non_null(b.data);
	assert_true(buf_reserve(&b, 10));
	buf_deinit(&b);
}

static void test_buf_reserve_plain_never_grows(void **state)
{
	struct buf b, hand;
	uint8_t x[8] = {0};

	(void)state;
	assert_int_equal(buf_init(&b, 16), 0);
	assert_true(buf_reserve(&b, 16));
	assert_false(buf_reserve(&b, 17));
	hand = (struct buf){.data = b.data, .cap = 4};
	assert_false(buf_append(&hand, x, sizeof(x)));
	buf_deinit(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_buf_reserve_growable_up_to_max_then_shrink),
	    cmocka_unit_test(test_buf_reserve_plain_never_grows),
	    cmocka_unit_test(test_buf_init_empty_with_cap),
	    cmocka_unit_test(test_buf_init_zero_cap_is_usable),
	    cmocka_unit_test(test_buf_deinit_clears_struct),
	    cmocka_unit_test(test_buf_append_refuses_past_cap),
	    cmocka_unit_test(test_buf_prepend_uses_headroom_only),
	    cmocka_unit_test(test_buf_commit_refuses_past_cap),
	    cmocka_unit_test(test_buf_consume_clamps_and_keeps_bytes_in_place),
	    cmocka_unit_test(test_buf_compact_moves_content_to_front),
	    cmocka_unit_test(test_buf_reset_clamps_headroom),
	    cmocka_unit_test(test_buf_get_put_round_trip),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
