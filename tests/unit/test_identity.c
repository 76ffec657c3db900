/*
 * test_identity.c - identity: exactly one value from exactly the configured
 * field, kept byte for byte; missing, repeated, empty, truncated, too long,
 * invalid UTF-8 and control or formatting characters are refused.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "identity.h"

#define N(t) (sizeof(t) / sizeof((t)[0]))

static const enum identity_source all_sources[] = {IDENTITY_CN, IDENTITY_SAN_EMAIL,
						   IDENTITY_SAN_URI, IDENTITY_SAN_DNS};

/* Puts value into the field src reads (one more value each call). */
static void add(struct cert_info *ci, enum identity_source src, const char *value)
{
	char(*slot)[IDENTITY_MAX + 1];

	switch (src) {
	case IDENTITY_CN:
		slot = &ci->subject_cn;
		break;
	case IDENTITY_SAN_EMAIL:
		slot = &ci->san_email[ci->n_email++];
		break;
	case IDENTITY_SAN_URI:
		slot = &ci->san_uri[ci->n_uri++];
		break;
	case IDENTITY_SAN_DNS:
	default:
		slot = &ci->san_dns[ci->n_dns++];
		break;
	}
	snprintf(*slot, sizeof(*slot), "%s", value);
}

static void test_identity_source_parse_table(void **state)
{
	static const struct {
		const char *s;
		bool ok;
		enum identity_source src;
	} cases[] = {
	    {"cn", true, IDENTITY_CN},
	    {"san-email", true, IDENTITY_SAN_EMAIL},
	    {"san-uri", true, IDENTITY_SAN_URI},
	    {"san-dns", true, IDENTITY_SAN_DNS},
	    {"CN", false, 0},
	    {"cn ", false, 0},
	    {"", false, 0},
	    {"san", false, 0},
	    {"san-email\n", false, 0},
	    {"email", false, 0},
	    {"ou", false, 0},
	};

	(void)state;
	for (size_t i = 0; i < N(cases); i++) {
		enum identity_source out = IDENTITY_SAN_DNS;

		assert_int_equal(identity_source_parse(cases[i].s, &out), cases[i].ok);
		if (cases[i].ok) {
			assert_int_equal(out, cases[i].src);
			assert_string_equal(identity_source_name(out), cases[i].s);
		}
	}
	assert_false(identity_source_parse(NULL, &(enum identity_source){0}));
	assert_string_equal(identity_source_name((enum identity_source)99), "?");
}

static void test_identity_from_cert_each_source(void **state)
{
	static const char *const want[] = {"cn-value", "alice@example.com", "spiffe://corp/alice",
					   "alice.corp.example"};

	(void)state;
	for (size_t i = 0; i < N(all_sources); i++) {
		struct cert_info ci;
		char out[IDENTITY_MAX + 1];
		const char *why = NULL;

		memset(&ci, 0, sizeof(ci));
		add(&ci, IDENTITY_CN, "cn-value");
		add(&ci, IDENTITY_SAN_EMAIL, "alice@example.com");
		add(&ci, IDENTITY_SAN_URI, "spiffe://corp/alice");
		add(&ci, IDENTITY_SAN_DNS, "alice.corp.example");
		assert_true(identity_from_cert(&ci, all_sources[i], out, &why));
		assert_string_equal(out, want[i]);
	}
}

/* The configured field missing is a refusal even when others hold a name:
 * never fall back. */
static void test_identity_from_cert_missing_never_falls_back(void **state)
{
	(void)state;
	for (size_t i = 0; i < N(all_sources); i++) {
		struct cert_info ci;
		char out[IDENTITY_MAX + 1] = "untouched";
		const char *why = NULL;

		memset(&ci, 0, sizeof(ci));
		for (size_t j = 0; j < N(all_sources); j++)
			if (j != i)
				add(&ci, all_sources[j], "someone");
		assert_false(identity_from_cert(&ci, all_sources[i], out, &why));
		assert_non_null(why);
		assert_string_equal(out, "untouched");
	}
}

static void test_identity_from_cert_several_values(void **state)
{
	(void)state;
	for (size_t i = 1; i < N(all_sources); i++) { /* CN holds one value */
		for (unsigned n = 2; n <= CERT_MAX_NAMES; n += CERT_MAX_NAMES - 2) {
			struct cert_info ci;
			char out[IDENTITY_MAX + 1];
			const char *why = NULL;

			memset(&ci, 0, sizeof(ci));
			for (unsigned k = 0; k < n; k++)
				add(&ci, all_sources[i], "same-value"); /* even identical */
			assert_false(identity_from_cert(&ci, all_sources[i], out, &why));
			assert_non_null(strstr(why, "more than one"));
		}
	}
}

static void test_identity_from_cert_empty_value(void **state)
{
	(void)state;
	for (size_t i = 0; i < N(all_sources); i++) {
		struct cert_info ci;
		char out[IDENTITY_MAX + 1];
		const char *why = NULL;

		memset(&ci, 0, sizeof(ci));
		add(&ci, all_sources[i], "");
		assert_false(identity_from_cert(&ci, all_sources[i], out, &why));
		assert_non_null(why);
	}
}

static void test_identity_from_cert_truncated(void **state)
{
	struct cert_info ci;
	char out[IDENTITY_MAX + 1];
	const char *why = NULL;

	(void)state;
	memset(&ci, 0, sizeof(ci));
	add(&ci, IDENTITY_CN, "alice");
	ci.truncated = true;
	assert_false(identity_from_cert(&ci, IDENTITY_CN, out, &why));
	assert_non_null(why);
}

static void test_identity_from_cert_lengths(void **state)
{
	struct cert_info ci;
	char out[IDENTITY_MAX + 1], v[IDENTITY_MAX + 1];
	const char *why = NULL;

	(void)state;
	memset(&ci, 0, sizeof(ci));
	memset(v, 'x', IDENTITY_MAX);
	v[IDENTITY_MAX] = '\0';
	add(&ci, IDENTITY_CN, v);
	assert_true(identity_from_cert(&ci, IDENTITY_CN, out, &why));
	assert_int_equal(strlen(out), IDENTITY_MAX);
	/* A field filled without a terminator is refused, not overread. */
	memset(ci.subject_cn, 'x', sizeof(ci.subject_cn));
	assert_false(identity_from_cert(&ci, IDENTITY_CN, out, &why));
	assert_non_null(why);
}

/* Case and multi-byte characters are kept exactly as the cert has them. */
static void test_identity_from_cert_kept_byte_for_byte(void **state)
{
	static const char *const values[] = {
	    "Alice.Smith@Example.COM",
	    "J\xc3\xbcrgen M\xc3\xbcller", /* Jürgen Müller */
	    "\xe7\x94\xb0\xe4\xb8\xad",	   /* 田中 */
	    "\xf0\x9f\x94\x91-key",	   /* U+1F511 */
	    "\xf4\x8f\xbf\xbf",		   /* U+10FFFF, the last */
	    "\xc2\xa0nbsp",		   /* U+00A0, first after C1 */
	    "a b",			   /* space is printable */
	    "\xef\xbb\xbf"
	    "bom", /* U+FEFF is not refused */
	};

	(void)state;
	for (size_t i = 0; i < N(values); i++) {
		struct cert_info ci;
		char out[IDENTITY_MAX + 1];
		const char *why = NULL;

		memset(&ci, 0, sizeof(ci));
		add(&ci, IDENTITY_SAN_EMAIL, values[i]);
		if (!identity_from_cert(&ci, IDENTITY_SAN_EMAIL, out, &why))
			fail_msg("refused value %zu: %s", i, why);
		assert_memory_equal(out, values[i], strlen(values[i]) + 1);
	}
}

static const struct {
	const char *name;
	const char *s;
} refused[] = {
    {"C0 newline", "alice\nbob"},
    {"C0 carriage return", "alice\r"},
    {"C0 tab", "al\tice"},
    {"C0 escape", "\x1b[31malice"},
    {"C0 first", "\x01"},
    {"C0 unit separator", "\x1f"},
    {"DEL", "alice\x7f"},
    {"C1 U+0085 NEL", "alice\xc2\x85"},
    {"C1 U+009B CSI", "\xc2\x9b"
		      "31m"},
    {"C1 U+0080", "\xc2\x80"},
    {"line separator U+2028", "a\xe2\x80\xa8"},
    {"paragraph separator U+2029", "a\xe2\x80\xa9"},
    {"bidi override U+202E", "\xe2\x80\xae"
			     "ecila"},
    {"bidi isolate U+2066", "\xe2\x81\xa6"
			    "a"},
    {"stray continuation", "\x80"},
    {"continuation after ASCII", "a\xbf"},
    {"lead C0 (overlong)", "\xc0\xaf"},
    {"lead C1 (overlong)", "\xc1\xbf"},
    {"overlong 3-byte slash", "\xe0\x80\xaf"},
    {"overlong 3-byte max", "\xe0\x9f\xbf"},
    {"overlong 4-byte", "\xf0\x8f\xbf\xbf"},
    {"overlong NUL", "\xc0\x80"},
    {"surrogate high", "\xed\xa0\x80"},
    {"surrogate low", "\xed\xbf\xbf"},
    {"above U+10FFFF", "\xf4\x90\x80\x80"},
    {"lead F5", "\xf5\x80\x80\x80"},
    {"lead FF", "\xff"},
    {"lead FE", "\xfe"},
    {"5-byte form", "\xf8\x88\x80\x80\x80"},
    {"truncated 2-byte", "a\xc3"},
    {"truncated 3-byte", "\xe7\x94"},
    {"truncated 4-byte", "\xf0\x9f\x94"},
    {"lead then ASCII", "\xc3"
			"a"},
    {"missing continuation mid", "\xe7"
				 "a"
				 "\x94"},
};

static void test_identity_valid_refuses_table(void **state)
{
	(void)state;
	for (size_t i = 0; i < N(refused); i++) {
		struct cert_info ci;
		char out[IDENTITY_MAX + 1];
		const char *why = NULL;

		if (identity_valid(refused[i].s, strlen(refused[i].s), &why))
			fail_msg("identity_valid accepted %s", refused[i].name);
		assert_non_null(why);
		/* The same through a certificate, in every field. */
		for (size_t j = 0; j < N(all_sources); j++) {
			memset(&ci, 0, sizeof(ci));
			add(&ci, all_sources[j], refused[i].s);
			if (identity_from_cert(&ci, all_sources[j], out, &why))
				fail_msg("identity_from_cert accepted %s", refused[i].name);
		}
	}
}

static void test_identity_valid_lengths_and_nul(void **state)
{
	char v[IDENTITY_MAX + 2];
	const char *why = NULL;

	(void)state;
	memset(v, 'a', sizeof(v));
	assert_true(identity_valid(v, IDENTITY_MAX, &why));
	assert_false(identity_valid(v, IDENTITY_MAX + 1, &why));
	assert_non_null(strstr(why, "longer"));
	assert_false(identity_valid(v, 0, &why));
	assert_false(identity_valid(NULL, 3, &why));
	/* An embedded NUL is a control character, not an end. */
	assert_false(identity_valid("ali\0ce", 6, &why));
	assert_true(identity_valid("ali\0ce", 3, NULL));
	/* A multi-byte character cut by len is invalid. */
	assert_false(identity_valid("\xc3\xbc", 1, &why));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_identity_source_parse_table),
	    cmocka_unit_test(test_identity_from_cert_each_source),
	    cmocka_unit_test(test_identity_from_cert_missing_never_falls_back),
	    cmocka_unit_test(test_identity_from_cert_several_values),
	    cmocka_unit_test(test_identity_from_cert_empty_value),
	    cmocka_unit_test(test_identity_from_cert_truncated),
	    cmocka_unit_test(test_identity_from_cert_lengths),
	    cmocka_unit_test(test_identity_from_cert_kept_byte_for_byte),
	    cmocka_unit_test(test_identity_valid_refuses_table),
	    cmocka_unit_test(test_identity_valid_lengths_and_nul),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
