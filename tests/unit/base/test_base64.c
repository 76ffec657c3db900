/*
 * test_base64.c - RFC 4648 base64: the RFC's test vectors both ways, line
 * breaks every N characters and their tolerance on decoding, a round trip
 * over every length up to 200 bytes, and refusal of what is not canonical
 * base64 (stray bytes, padding in the middle or too much, non-zero unused
 * bits, a result that does not fit).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "base64.h"

static void test_base64_rfc4648_vectors(void **state)
{
	static const char *const plain[] = {"", "f", "fo", "foo", "foob", "fooba", "foobar"};
	static const char *const coded[] = {"",		"Zg==",	    "Zm8=",    "Zm9v",
					    "Zm9vYg==", "Zm9vYmE=", "Zm9vYmFy"};
	char out[64];
	uint8_t back[64];
	size_t n;

	(void)state;
	for (size_t i = 0; i < 7; i++) {
		size_t len = strlen(plain[i]);

		assert_int_equal(base64_encoded_len(len, 0), strlen(coded[i]));
		assert_int_equal(base64_encode((const uint8_t *)plain[i], len, 0, out),
				 strlen(coded[i]));
		assert_string_equal(out, coded[i]);
		assert_true(base64_decode(coded[i], strlen(coded[i]), back, sizeof(back), &n));
		assert_int_equal(n, len);
		assert_memory_equal(back, plain[i], len);
	}
}

static void test_base64_lines_and_round_trip(void **state)
{
	uint8_t in[200], back[200];
	char out[400], spaced[800];
	size_t n;

	(void)state;
	for (size_t i = 0; i < sizeof(in); i++)
		in[i] = (uint8_t)(i * 131u + 7u);
	assert_int_equal(base64_encode(in, 48, 64, out), 64 + 2);
	assert_memory_equal(out + 64, "\r\n", 3);
	assert_int_equal(base64_encode(in, 49, 64, out), 64 + 2 + 4 + 2);
	for (size_t len = 0; len <= sizeof(in); len++) {
		size_t w = base64_encode(in, len, 64, out), s = 0;

		assert_int_equal(w, base64_encoded_len(len, 64));
		assert_true(base64_decode(out, w, back, sizeof(back), &n));
		assert_int_equal(n, len);
		assert_memory_equal(back, in, len);
		/* LF only, blanks and TABs anywhere: still the same bytes */
		for (size_t i = 0; i < w; i++) {
			if (out[i] == '\r')
				continue;
			spaced[s++] = out[i];
			if (i % 7 == 3)
				spaced[s++] = i % 2 ? ' ' : '\t';
		}
		assert_true(base64_decode(spaced, s, back, sizeof(back), &n));
		assert_int_equal(n, len);
		assert_memory_equal(back, in, len);
	}
}

static void test_base64_decode_refuses(void **state)
{
	static const char *const bad[] = {
	    "Zg=",	/* incomplete group */
	    "Zg",	/* no padding */
	    "Z===",	/* padding too early */
	    "Zm9v=",	/* padding after a full group */
	    "Zg==Zg==", /* data after padding */
	    "Zh==",	/* unused bits not zero */
	    "Zm9=",	/* unused bits not zero */
	    "Zm9v!A==", /* a stray byte */
	    "Zm9-",	/* URL-safe alphabet */
	};
	uint8_t out[16];
	size_t n;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (base64_decode(bad[i], strlen(bad[i]), out, sizeof(out), &n))
			fail_msg("'%s' decoded", bad[i]);
	}
	assert_false(base64_decode("Zm9vYmFy", 8, out, 5, &n));
	assert_true(base64_decode("Zm9vYmFy", 8, out, 6, &n));
	assert_true(base64_decoded_max(8) >= 6);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_base64_rfc4648_vectors),
	    cmocka_unit_test(test_base64_lines_and_round_trip),
	    cmocka_unit_test(test_base64_decode_refuses),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
