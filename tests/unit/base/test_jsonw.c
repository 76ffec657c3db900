/*
 * test_jsonw.c - the JSON writer: nesting and commas, escaping of every
 * byte that is not printable ASCII, and the failures that stick (too
 * large, too deep, unbalanced).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "jsonw.h"

static void test_jsonw_finish_nested_document(void **state)
{
	struct jsonw w;
	const char *out;
	size_t len;

	(void)state;
	jsonw_init(&w, 1024);
	jsonw_obj_begin(&w, NULL);
	jsonw_u64(&w, "a", 18446744073709551615ull);
	jsonw_i64(&w, "b", -5);
	jsonw_arr_begin(&w, "c");
	jsonw_bool(&w, NULL, true);
	jsonw_null(&w, NULL);
	jsonw_obj_begin(&w, NULL);
	jsonw_obj_end(&w);
	jsonw_arr_end(&w);
	jsonw_str(&w, "d", NULL);
	jsonw_obj_end(&w);
	assert_true(jsonw_finish(&w, &out, &len));
	assert_string_equal(out,
			    "{\"a\":18446744073709551615,\"b\":-5,\"c\":[true,null,{}],\"d\":null}");
	assert_int_equal(len, strlen(out));
	jsonw_deinit(&w);
}

static void test_jsonw_str_escapes_every_unsafe_byte(void **state)
{
	struct jsonw w;
	const char *out;
	size_t len;

	(void)state;
	jsonw_init(&w, 1024);
	jsonw_obj_begin(&w, NULL);
	jsonw_str(&w, "k\"", "a\"b\\c\n\x1b\x7f\xc3\xa9z");
	jsonw_obj_end(&w);
	assert_true(jsonw_finish(&w, &out, &len));
	assert_string_equal(out, "{\"k\\\"\":\"a\\\"b\\\\c\\u000a\\u001b\\u007f\\u00c3\\u00a9z\"}");
	jsonw_deinit(&w);
}

static void test_jsonw_finish_false_over_max(void **state)
{
	struct jsonw w;
	const char *out;
	size_t len;

	(void)state;
	jsonw_init(&w, 16);
	jsonw_arr_begin(&w, NULL);
	for (int i = 0; i < 10; i++)
		jsonw_u64(&w, NULL, 12345);
	jsonw_arr_end(&w);
	assert_false(jsonw_finish(&w, &out, &len));
	jsonw_deinit(&w);
}

static void test_jsonw_finish_false_unbalanced_or_deep(void **state)
{
	struct jsonw w;
	const char *out;
	size_t len;

	(void)state;
	jsonw_init(&w, 1024);
	jsonw_obj_begin(&w, NULL);
	assert_false(jsonw_finish(&w, &out, &len));
	jsonw_deinit(&w);

	jsonw_init(&w, 1024);
	for (int i = 0; i < JSONW_MAX_DEPTH + 2; i++)
		jsonw_arr_begin(&w, NULL);
	for (int i = 0; i < JSONW_MAX_DEPTH + 2; i++)
		jsonw_arr_end(&w);
	assert_false(jsonw_finish(&w, &out, &len));
	jsonw_deinit(&w);

	jsonw_init(&w, 1024);
	jsonw_arr_end(&w);
	assert_false(jsonw_finish(&w, &out, &len));
	jsonw_deinit(&w);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_jsonw_finish_nested_document),
	    cmocka_unit_test(test_jsonw_str_escapes_every_unsafe_byte),
	    cmocka_unit_test(test_jsonw_finish_false_over_max),
	    cmocka_unit_test(test_jsonw_finish_false_unbalanced_or_deep),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
