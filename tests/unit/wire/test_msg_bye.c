/*
 * test_msg_bye.c - BYE frames: encode and decode round trips, hostile and
 * unknown input, the reason strings, and the retry-after attribute a
 * draining gateway appends to the text. CONFIG and the other messages are
 * test_msg.c's.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <cmocka.h>

#include "buf.h"
#include "msg.h"

static enum msg_result decode_bye(const uint8_t *p, size_t n, struct msg_bye *out, const char **why)
{
	uint8_t *c = malloc(n > 0 ? n : 1);
	enum msg_result r;

	assert_non_null(c);
	if (n > 0)
		memcpy(c, p, n);
	r = msg_bye_decode(c, n, out, why);
	free(c);
	return r;
}

static void test_msg_bye_encode_round_trip(void **state)
{
	static const char *const texts[] = {"", "maintenance",
					    /* octal: a hex escape would swallow the 'e' */
					    "Gr\303\274\303\237e \342\202\254 \360\237\224\222",
					    "~ !\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}"};
	struct msg_bye in, back;
	uint8_t out[2 + BYE_MAX_TEXT];
	const char *why = NULL;
	size_t n;

	(void)state;
	for (uint16_t reason = 0; reason <= BYE_REASON_MAX; reason++) {
		for (size_t t = 0; t < sizeof(texts) / sizeof(texts[0]); t++) {
			memset(&in, 0, sizeof(in));
			in.reason = reason;
			strcpy(in.text, texts[t]);
			n = msg_bye_encode(&in, out, sizeof(out));
			assert_int_equal(n, 2 + strlen(texts[t]));
			assert_int_equal(buf_get16(out), reason);
			assert_int_equal(decode_bye(out, n, &back, &why), MSG_OK);
			assert_int_equal(back.reason, reason);
			assert_string_equal(back.text, texts[t]);
		}
	}
	/* The longest text fills the caller's usual 2 + BYE_MAX_TEXT array. */
	memset(in.text, 'x', BYE_MAX_TEXT);
	in.text[BYE_MAX_TEXT] = '\0';
	n = msg_bye_encode(&in, out, sizeof(out));
	assert_int_equal(n, sizeof(out));
	assert_int_equal(decode_bye(out, n, &back, &why), MSG_OK);
	assert_int_equal(strlen(back.text), BYE_MAX_TEXT);
	assert_int_equal(msg_bye_encode(&in, out, sizeof(out) - 1), 0);
}

struct bad_bye {
	const char *name;
	uint8_t bytes[12];
	size_t len;
};

static const struct bad_bye bad_byes[] = {
    {"empty", {0}, 0},
    {"one byte", {0}, 1},
    {"NUL in text", {0, 1, 'a', 0, 'b'}, 5},
    {"newline", {0, 1, 'a', '\n'}, 4},
    {"escape", {0, 1, 0x1b, '[', '2', 'J'}, 6},
    {"DEL", {0, 1, 0x7f}, 3},
    {"lone continuation byte", {0, 1, 0x80}, 3},
    {"overlong slash", {0, 1, 0xc0, 0xaf}, 4},
    {"overlong 3-byte", {0, 1, 0xe0, 0x80, 0xaf}, 5},
    {"surrogate", {0, 1, 0xed, 0xa0, 0x80}, 5},
    {"above U+10FFFF", {0, 1, 0xf4, 0x90, 0x80, 0x80}, 6},
    {"0xf5 lead", {0, 1, 0xf5, 0x80, 0x80, 0x80}, 6},
    {"0xff", {0, 1, 0xff}, 3},
    {"cut 2-byte sequence", {0, 1, 'a', 0xc3}, 4},
    {"cut 4-byte sequence", {0, 1, 0xf0, 0x9f, 0x94}, 5},
    {"bad continuation", {0, 1, 0xe2, 0x82, 0x41}, 5},
    {"C1 CSI", {0, 1, 0xc2, 0x9b, '2', 'J'}, 6},
    {"right-to-left override", {0, 1, 0xe2, 0x80, 0xae}, 5},
    {"line separator", {0, 1, 0xe2, 0x80, 0xa8}, 5},
    {"bidi isolate", {0, 1, 0xe2, 0x81, 0xa6}, 5},
};

static void test_msg_bye_decode_hostile_refused(void **state)
{
	static uint8_t longest[3 + BYE_MAX_TEXT];
	struct msg_bye back;
	const char *why = NULL;

	(void)state;
	for (size_t i = 0; i < sizeof(bad_byes) / sizeof(bad_byes[0]); i++) {
		why = NULL;
		if (decode_bye(bad_byes[i].bytes, bad_byes[i].len, &back, &why) != MSG_MALFORMED)
			fail_msg("%s: accepted", bad_byes[i].name);
		assert_non_null(why);
	}
	memset(longest, 'x', sizeof(longest));
	longest[0] = 0;
	longest[1] = BYE_SHUTDOWN;
	assert_int_equal(decode_bye(longest, sizeof(longest) - 1, &back, &why), MSG_OK);
	assert_int_equal(decode_bye(longest, sizeof(longest), &back, &why), MSG_MALFORMED);
}

static void test_msg_bye_decode_unknown_reason_accepted(void **state)
{
	static const uint8_t p[] = {0xff, 0xfe, 'n', 'e', 'w'};
	struct msg_bye back;
	const char *why = NULL;

	(void)state;
	assert_int_equal(decode_bye(p, sizeof(p), &back, &why), MSG_OK);
	assert_int_equal(back.reason, 0xfffe);
	assert_string_equal(back.text, "new");
	assert_non_null(msg_bye_reason_str(back.reason));
	assert_false(msg_bye_is_permanent(back.reason));
}

static void test_msg_bye_encode_refuses_out_of_range(void **state)
{
	struct msg_bye b;
	uint8_t out[2 + BYE_MAX_TEXT];

	(void)state;
	memset(&b, 0, sizeof(b));
	b.reason = BYE_REASON_MAX + 1;
	assert_int_equal(msg_bye_encode(&b, out, sizeof(out)), 0);
	b.reason = BYE_ADMIN;
	strcpy(b.text, "line one\nline two");
	assert_int_equal(msg_bye_encode(&b, out, sizeof(out)), 0);
	strcpy(b.text, "cut \xc3");
	assert_int_equal(msg_bye_encode(&b, out, sizeof(out)), 0);
	memset(b.text, 'x', sizeof(b.text)); /* no terminator */
	assert_int_equal(msg_bye_encode(&b, out, sizeof(out)), 0);
	b.text[0] = '\0';
	assert_int_equal(msg_bye_encode(&b, out, 1), 0);
	assert_int_equal(msg_bye_encode(&b, out, 2), 2);
}

struct reason_case {
	uint16_t reason;
	const char *sentence;
	bool permanent;
};

static const struct reason_case reasons[] = {
    {BYE_NORMAL, "disconnected normally", false},
    {BYE_SHUTDOWN, "gateway shutting down", false},
    {BYE_REVOKED, "certificate revoked", true},
    {BYE_EXPIRED, "certificate expired", true},
    {BYE_REPLACED, "replaced by a newer session", true},
    {BYE_POOL_EXHAUSTED, "address pool exhausted", false},
    {BYE_PROTOCOL_ERROR, "protocol error", false},
    {BYE_TIMEOUT, "no traffic from the peer for too long", false},
    {BYE_ADMIN, "disconnected by an administrator", true},
    {BYE_NOT_AUTHORIZED, "not authorized to connect", true},
    {BYE_LIFETIME, "maximum session lifetime reached", false},
    {BYE_DRAINING, "gateway draining: reconnect to another gateway", false},
};

static void test_msg_bye_reason_str_each_reason(void **state)
{
	(void)state;
	assert_int_equal(sizeof(reasons) / sizeof(reasons[0]), BYE_REASON_MAX + 1);
	for (size_t i = 0; i < sizeof(reasons) / sizeof(reasons[0]); i++) {
		assert_string_equal(msg_bye_reason_str(reasons[i].reason), reasons[i].sentence);
		assert_int_equal(msg_bye_is_permanent(reasons[i].reason), reasons[i].permanent);
	}
}

static void test_msg_bye_reason_str_unknown_is_generic(void **state)
{
	static const uint16_t unknown[] = {BYE_REASON_MAX + 1, 100, 0x7fff, 0xffff};

	(void)state;
	for (size_t i = 0; i < sizeof(unknown) / sizeof(unknown[0]); i++) {
		const char *s = msg_bye_reason_str(unknown[i]);

		assert_non_null(s);
		assert_true(strlen(s) > 0);
		for (size_t j = 0; j < sizeof(reasons) / sizeof(reasons[0]); j++)
			assert_string_not_equal(s, reasons[j].sentence);
		assert_false(msg_bye_is_permanent(unknown[i]));
	}
}

/* The retry-after attribute is printable text at the end: the exact bytes
 * an older peer shows, and this decoder takes back out. */
static void test_msg_bye_retry_after_round_trip(void **state)
{
	static const struct {
		const char *text;
		uint32_t ms;
		const char *wire;
	} cases[] = {
	    {"gateway draining", 1500, "gateway draining [retry-after-ms=1500]"},
	    {"", 0, "[retry-after-ms=0]"},
	    {"x ", 7, "x  [retry-after-ms=7]"},
	    {"a [retry-after-ms=5]", 6, "a [retry-after-ms=5] [retry-after-ms=6]"},
	    {"d", BYE_RETRY_AFTER_MAX_MS, "d [retry-after-ms=3600000]"},
	};
	struct msg_bye in, back;
	uint8_t out[2 + BYE_MAX_TEXT];
	const char *why = NULL;
	size_t n;

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		memset(&in, 0, sizeof(in));
		in.reason = BYE_DRAINING;
		strcpy(in.text, cases[i].text);
		in.has_retry_after = true;
		in.retry_after_ms = cases[i].ms;
		n = msg_bye_encode(&in, out, sizeof(out));
		assert_int_equal(n, 2 + strlen(cases[i].wire));
		assert_memory_equal(out + 2, cases[i].wire, n - 2);
		assert_int_equal(decode_bye(out, n, &back, &why), MSG_OK);
		assert_int_equal(back.reason, BYE_DRAINING);
		assert_string_equal(back.text, cases[i].text);
		assert_true(back.has_retry_after);
		assert_int_equal(back.retry_after_ms, cases[i].ms);
	}
}

/* Anything but the canonical form is only text: no delay is taken from it. */
static void test_msg_bye_retry_after_not_canonical_is_text(void **state)
{
	static const char *const texts[] = {
	    "x[retry-after-ms=5]",   "x [retry-after-ms=05]",	    "x [retry-after-ms=3600001]",
	    "x [retry-after-ms=]",   "x [retry-after-ms=12345678]", " [retry-after-ms=1]",
	    "x [retry-after-ms=1] ", "x [Retry-After-ms=1]",	    "x [retry-after-ms=-1]",
	    "retry-after-ms=1]",
	};
	struct msg_bye back;
	uint8_t p[2 + BYE_MAX_TEXT];
	const char *why = NULL;

	(void)state;
	for (size_t i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
		size_t n = strlen(texts[i]);

		buf_put16(p, BYE_DRAINING);
		memcpy(p + 2, texts[i], n);
		assert_int_equal(decode_bye(p, 2 + n, &back, &why), MSG_OK);
		if (back.has_retry_after)
			fail_msg("\"%s\": took a retry-after of %u ms", texts[i],
				 back.retry_after_ms);
		assert_int_equal(back.retry_after_ms, 0);
		assert_string_equal(back.text, texts[i]);
	}
}

static void test_msg_bye_retry_after_encode_refused(void **state)
{
	struct msg_bye b;
	uint8_t out[2 + BYE_MAX_TEXT];

	(void)state;
	memset(&b, 0, sizeof(b));
	b.reason = BYE_DRAINING;
	b.has_retry_after = true;
	b.retry_after_ms = BYE_RETRY_AFTER_MAX_MS + 1;
	assert_int_equal(msg_bye_encode(&b, out, sizeof(out)), 0);
	/* Text and attribute share the BYE_MAX_TEXT bytes. */
	b.retry_after_ms = 100;
	memset(b.text, 'x', BYE_MAX_TEXT - 21);
	b.text[BYE_MAX_TEXT - 21] = '\0';
	assert_int_equal(msg_bye_encode(&b, out, sizeof(out)), 2 + BYE_MAX_TEXT);
	strcat(b.text, "x");
	assert_int_equal(msg_bye_encode(&b, out, sizeof(out)), 0);
	b.has_retry_after = false;
	assert_int_equal(msg_bye_encode(&b, out, sizeof(out)), 2 + BYE_MAX_TEXT - 20);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_msg_bye_encode_round_trip),
	    cmocka_unit_test(test_msg_bye_decode_hostile_refused),
	    cmocka_unit_test(test_msg_bye_decode_unknown_reason_accepted),
	    cmocka_unit_test(test_msg_bye_encode_refuses_out_of_range),
	    cmocka_unit_test(test_msg_bye_reason_str_each_reason),
	    cmocka_unit_test(test_msg_bye_reason_str_unknown_is_generic),
	    cmocka_unit_test(test_msg_bye_retry_after_round_trip),
	    cmocka_unit_test(test_msg_bye_retry_after_not_canonical_is_text),
	    cmocka_unit_test(test_msg_bye_retry_after_encode_refused),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
