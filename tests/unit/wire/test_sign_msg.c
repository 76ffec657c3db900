/*
 * test_sign_msg.c - the gateway-signer messages: requests and answers
 * come back equal from their bytes; every truncation, a wrong magic,
 * version, kind or length field, trailing bytes, a field over its bound
 * and a control byte in a string are refused; the encoders refuse what
 * the decoders would.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "sign_msg.h"

static const uint8_t csr[] = {0x30, 0x03, 0x02, 0x01, 0x00};
static const uint8_t cert[] = {0x30, 0x04, 0x02, 0x02, 0x01, 0x02};
static uint8_t big[SIGN_MSG_DER + 1];

static struct sign_req req_of(enum sign_kind k)
{
	struct sign_req r;

	memset(&r, 0, sizeof(r));
	r.kind = k;
	if (k == SIGN_KIND_ENROLL) {
		strcpy(r.identity, "alice@corp.example");
		strcpy(r.token, "4FCCEEGXC-HK2Z8K7S5-G53PS2KKB");
	} else {
		r.cur = cert;
		r.cur_len = sizeof(cert);
	}
	r.csr = csr;
	r.csr_len = sizeof(csr);
	return r;
}

static void test_sign_msg_req_round_trip(void **state)
{
	static const enum sign_kind kinds[] = {SIGN_KIND_ENROLL, SIGN_KIND_RENEW};
	uint8_t buf[1024];

	(void)state;
	for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
		struct sign_req r = req_of(kinds[i]), d;
		const char *why = NULL;
		size_t n = sign_msg_req_encode(&r, buf, sizeof(buf));

		assert_true(n > SIGN_MSG_HDR);
		assert_true(sign_msg_req_decode(buf, n, &d, &why));
		assert_int_equal(d.kind, r.kind);
		assert_string_equal(d.identity, r.identity);
		assert_string_equal(d.token, r.token);
		assert_int_equal(d.csr_len, sizeof(csr));
		assert_memory_equal(d.csr, csr, sizeof(csr));
		assert_int_equal(d.cur_len, r.cur_len);
		if (r.cur_len > 0)
			assert_memory_equal(d.cur, cert, sizeof(cert));
		/* Every shorter prefix is refused. */
		for (size_t l = 0; l < n; l++)
			assert_false(sign_msg_req_decode(buf, l, &d, &why));
	}
}

static void test_sign_msg_answer_round_trip(void **state)
{
	struct sign_answer a, d;
	uint8_t buf[1024];
	const char *why = NULL;
	size_t n;

	(void)state;
	memset(&a, 0, sizeof(a));
	a.status = SIGN_ISSUED;
	a.code = 0;
	a.revoked_old = true;
	a.lifetime = 86400;
	strcpy(a.identity, "bob");
	strcpy(a.group, "eng");
	strcpy(a.serial, "5c2e");
	strcpy(a.old_serial, "1a");
	a.cert = cert;
	a.cert_len = sizeof(cert);
	n = sign_msg_answer_encode(&a, buf, sizeof(buf));
	assert_true(n > 0);
	assert_true(sign_msg_answer_decode(buf, n, &d, &why));
	assert_int_equal(d.status, SIGN_ISSUED);
	assert_true(d.revoked_old);
	assert_int_equal(d.lifetime, 86400);
	assert_string_equal(d.identity, "bob");
	assert_string_equal(d.group, "eng");
	assert_string_equal(d.serial, "5c2e");
	assert_string_equal(d.old_serial, "1a");
	assert_string_equal(d.why, "");
	assert_memory_equal(d.cert, cert, sizeof(cert));
	for (size_t l = 0; l < n; l++)
		assert_false(sign_msg_answer_decode(buf, l, &d, &why));
	/* A request is not an answer, nor the other way. */
	{
		struct sign_req r = req_of(SIGN_KIND_ENROLL), dr;
		size_t m = sign_msg_req_encode(&r, buf, sizeof(buf));

		assert_false(sign_msg_answer_decode(buf, m, &d, &why));
		assert_string_equal(why, "not an answer");
		n = sign_msg_answer_encode(&a, buf, sizeof(buf));
		assert_false(sign_msg_req_decode(buf, n, &dr, &why));
	}
}

struct mutation {
	const char *name;
	size_t at; /* byte to change */
	uint8_t value;
	const char *why;
};

static void test_sign_msg_req_decode_refuses(void **state)
{
	static const struct mutation cases[] = {
	    {"magic", 0, 0x54, "not a signer message of version 1"},
	    {"version", 1, 2, "not a signer message of version 1"},
	    {"kind", 2, 9, "not a request"},
	    {"reserved", 3, 1, "reserved byte set"},
	    {"length field", 7, 0xff, "length field does not match the message"},
	    /* identity's length made longer than what follows */
	    {"field past the end", 8, 0x7f,
	     "a field runs past the message, is over its bound or holds a control byte"},
	    /* a control byte inside the identity ("alice...": byte 10) */
	    {"control byte", 10, 0x0a,
	     "a field runs past the message, is over its bound or holds a control byte"},
	};
	struct sign_req r = req_of(SIGN_KIND_ENROLL), d;
	uint8_t good[1024], buf[1024];
	size_t n = sign_msg_req_encode(&r, good, sizeof(good));

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const char *why = NULL;

		memcpy(buf, good, n);
		buf[cases[i].at] = cases[i].value;
		if (sign_msg_req_decode(buf, n, &d, &why))
			fail_msg("case %s: accepted", cases[i].name);
		if (why == NULL || strcmp(why, cases[i].why) != 0)
			fail_msg("case %s: why '%s', want '%s'", cases[i].name,
				 why ? why : "(null)", cases[i].why);
		assert_string_equal(d.token, "");
	}
	/* A trailing byte, counted in the length field. */
	{
		const char *why = NULL;

		memcpy(buf, good, n);
		buf[n] = 0;
		buf[7] = (uint8_t)(n + 1);
		buf[6] = (uint8_t)((n + 1) >> 8);
		assert_false(sign_msg_req_decode(buf, n + 1, &d, &why));
		assert_string_equal(why, "bytes after the last field");
	}
}

static void test_sign_msg_encode_refuses(void **state)
{
	struct sign_req r = req_of(SIGN_KIND_ENROLL);
	struct sign_answer a;
	uint8_t buf[SIGN_MSG_MAX + 64];

	(void)state;
	r.identity[3] = '\t';
	assert_int_equal(sign_msg_req_encode(&r, buf, sizeof(buf)), 0);
	r = req_of(SIGN_KIND_ENROLL);
	r.csr = big;
	r.csr_len = sizeof(big);
	assert_int_equal(sign_msg_req_encode(&r, buf, sizeof(buf)), 0);
	r = req_of(SIGN_KIND_ENROLL);
	r.kind = SIGN_KIND_ANSWER;
	assert_int_equal(sign_msg_req_encode(&r, buf, sizeof(buf)), 0);
	r = req_of(SIGN_KIND_RENEW);
	/* Too small a buffer: nothing, never a cut message. */
	assert_int_equal(sign_msg_req_encode(&r, buf, 12), 0);
	memset(&a, 0, sizeof(a));
	a.status = 3;
	assert_int_equal(sign_msg_answer_encode(&a, buf, sizeof(buf)), 0);
	a.status = SIGN_FAILED;
	memset(a.why, 'x', sizeof(a.why)); /* no NUL */
	assert_int_equal(sign_msg_answer_encode(&a, buf, sizeof(buf)), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_sign_msg_req_round_trip),
	    cmocka_unit_test(test_sign_msg_answer_round_trip),
	    cmocka_unit_test(test_sign_msg_req_decode_refuses),
	    cmocka_unit_test(test_sign_msg_encode_refuses),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
