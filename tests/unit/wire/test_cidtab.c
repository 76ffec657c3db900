/*
 * test_cidtab.c - the cid -> session table: insert, find, remove, cid 0 and
 * duplicates refused, growth keeps every entry, a removed node is gone.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <cmocka.h>

#include "cidtab.h"

static void test_cidtab_insert_find_remove(void **state)
{
	struct cidtab t;
	struct cidtab_node a = {0}, b = {0};
	int oa, ob;

	(void)state;
	assert_int_equal(cidtab_init(&t, 4, 42), 0);
	assert_true(cidtab_insert(&t, &a, 0x1122334455667700ULL, &oa));
	assert_true(cidtab_insert(&t, &b, 0x1122334455667701ULL, &ob));
	assert_ptr_equal(cidtab_find(&t, 0x1122334455667700ULL), &oa);
	assert_ptr_equal(cidtab_find(&t, 0x1122334455667701ULL), &ob);
	assert_null(cidtab_find(&t, 0x1122334455667702ULL));
	assert_int_equal(t.count, 2);
	cidtab_remove(&t, &a);
	assert_null(cidtab_find(&t, 0x1122334455667700ULL));
	assert_ptr_equal(cidtab_find(&t, 0x1122334455667701ULL), &ob);
	assert_int_equal(a.cid, 0);
	assert_int_equal(t.count, 1);
	/* Removing twice changes nothing. */
	cidtab_remove(&t, &a);
	assert_int_equal(t.count, 1);
	cidtab_deinit(&t);
}

static void test_cidtab_insert_refuses_zero_and_duplicate(void **state)
{
	struct cidtab t;
	struct cidtab_node a = {0}, b = {0}, z = {0};
	int oa, ob;

	(void)state;
	assert_int_equal(cidtab_init(&t, 0, 7), 0);
	assert_false(cidtab_insert(&t, &z, 0, &oa));
	assert_null(cidtab_find(&t, 0));
	assert_true(cidtab_insert(&t, &a, 99, &oa));
	assert_false(cidtab_insert(&t, &b, 99, &ob));
	assert_ptr_equal(cidtab_find(&t, 99), &oa);
	assert_int_equal(t.count, 1);
	cidtab_deinit(&t);
}

/* Many more entries than the initial buckets: all found after the
 * doublings, none after their removal. */
static void test_cidtab_insert_grows(void **state)
{
	enum { N = 5000 };
	struct cidtab t;
	struct cidtab_node *n = calloc(N, sizeof(*n));

	(void)state;
	assert_non_null(n);
	assert_int_equal(cidtab_init(&t, 16, 0x9e3779b97f4a7c15ULL), 0);
	for (size_t i = 0; i < N; i++)
		assert_true(cidtab_insert(&t, &n[i], (i + 1) << 8 | 3, &n[i]));
	assert_true(t.mask + 1 >= N);
	for (size_t i = 0; i < N; i++)
		assert_ptr_equal(cidtab_find(&t, (i + 1) << 8 | 3), &n[i]);
	for (size_t i = 0; i < N; i += 2)
		cidtab_remove(&t, &n[i]);
	for (size_t i = 0; i < N; i++) {
		if (i % 2 == 0)
			assert_null(cidtab_find(&t, (i + 1) << 8 | 3));
		else
			assert_ptr_equal(cidtab_find(&t, (i + 1) << 8 | 3), &n[i]);
	}
	assert_int_equal(t.count, N / 2);
	cidtab_deinit(&t);
	free(n);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_cidtab_insert_find_remove),
	    cmocka_unit_test(test_cidtab_insert_refuses_zero_and_duplicate),
	    cmocka_unit_test(test_cidtab_insert_grows),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
