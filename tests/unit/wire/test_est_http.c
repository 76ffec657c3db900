/*
 * test_est_http.c - EST requests through the OpenConnect HTTP parser and
 * est_http_classify: the three operations, every refusal with its status
 * (404 unknown, not offered, CA label; 405 with the right Allow; 415 the
 * wrong media type; 400 a query, bad base64, not one DER SEQUENCE, bad
 * Basic credentials; 413 too large), base64 bodies with line breaks, RFC
 * 7617 Basic credentials, and the reply builders' exact heads.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "base64.h"
#include "est_http.h"
#include "est_reply.h"

/* "alice:4FCCEEGXC-HK2Z8K7S5-G53PS2KKB" */
#define ALICE_B64 "YWxpY2U6NEZDQ0VFR1hDLUhLMlo4SzdTNS1HNTNQUzJLS0I="

#define LONG64 "0123456789012345678901234567890123456789012345678901234567890123"

static char req[40000];

/* An HTTP request: method, path, extra header lines, body. */
static const char *build(const char *method, const char *path, const char *headers,
			 const char *body)
{
	snprintf(req, sizeof(req), "%s %s HTTP/1.1\r\nHost: vpn.example\r\n%s%s%zu\r\n\r\n%s",
		 method, path, headers, "Content-Length: ", strlen(body), body);
	return req;
}

/* Parses and classifies; returns the status (0 = accepted). */
static unsigned run(const char *text, struct est_request *er)
{
	struct oc_request rq;
	size_t used;
	unsigned status;
	const char *why;

	if (oc_http_parse((const uint8_t *)text, strlen(text), &rq, &used, &status, &why) !=
	    OC_HTTP_OK)
		return status;
	assert_true(est_http_is_est(&rq));
	if (!est_http_classify(&rq, er, &status, &why)) {
		assert_non_null(why);
		return status;
	}
	return 0;
}

static void test_est_http_classify_operations(void **state)
{
	static struct est_request er;

	(void)state;
	assert_int_equal(run(build("GET", "/.well-known/est/cacerts", "", ""), &er), 0);
	assert_int_equal(er.op, EST_OP_CACERTS);
	assert_false(er.has_basic);
	assert_int_equal(run(build("POST", "/.well-known/est/simpleenroll",
				   "Content-Type: application/pkcs10\r\n"
				   "Authorization: Basic " ALICE_B64 "\r\n",
				   "MAMCAQU="),
			     &er),
			 0);
	assert_int_equal(er.op, EST_OP_SIMPLEENROLL);
	assert_true(er.has_basic);
	assert_string_equal(er.user, "alice");
	assert_string_equal(er.password, "4FCCEEGXC-HK2Z8K7S5-G53PS2KKB");
	assert_int_equal(er.csr_len, 5);
	assert_memory_equal(er.csr, "\x30\x03\x02\x01\x05", 5);
	assert_int_equal(
	    run(build("POST", "/.well-known/est/simplereenroll",
		      "Content-Type: Application/PKCS10; charset=x\r\n", "MAMCAQU=\r\n"),
		&er),
	    0);
	assert_int_equal(er.op, EST_OP_SIMPLEREENROLL);
	assert_false(er.has_basic);
	assert_string_equal(est_op_name(EST_OP_SIMPLEREENROLL), "simplereenroll");
}

static void test_est_http_body_with_line_breaks(void **state)
{
	static struct est_request er;
	uint8_t der[1203];
	static char b64[2000];
	size_t n;

	(void)state;
	der[0] = 0x30;
	der[1] = 0x82;
	der[2] = 0x04;
	der[3] = 0xaf; /* 1199 */
	for (size_t i = 4; i < sizeof(der); i++)
		der[i] = (uint8_t)i;
	n = base64_encode(der, sizeof(der), 64, b64);
	assert_true(n > 64);
	assert_int_equal(run(build("POST", "/.well-known/est/simpleenroll",
				   "Content-Type: application/pkcs10\r\n", b64),
			     &er),
			 0);
	assert_int_equal(er.csr_len, sizeof(der));
	assert_memory_equal(er.csr, der, sizeof(der));
}

static void test_est_http_classify_refusals(void **state)
{
	static const struct {
		const char *method, *path, *headers, *body;
		unsigned status;
	} cases[] = {
	    {"GET", "/.well-known/est/nothing", "", "", 404},
	    {"GET", "/.well-known/est/csrattrs", "", "", 404},
	    {"POST", "/.well-known/est/serverkeygen", "", "", 404},
	    {"GET", "/.well-known/est/arbitraryLabel1/cacerts", "", "", 404},
	    {"GET", "/.well-known/est/", "", "", 404},
	    {"GET", "/.well-known/est/cacerts?x=1", "", "", 400},
	    {"POST", "/.well-known/est/cacerts", "", "", 405},
	    {"GET", "/.well-known/est/simpleenroll", "", "", 405},
	    {"POST", "/.well-known/est/simpleenroll", "", "MAMCAQU=", 415},
	    {"POST", "/.well-known/est/simpleenroll", "Content-Type: application/pkcs10x\r\n",
	     "MAMCAQU=", 415},
	    {"POST", "/.well-known/est/simpleenroll", "Content-Type: application/pkcs10\r\n", "",
	     400},
	    {"POST", "/.well-known/est/simpleenroll", "Content-Type: application/pkcs10\r\n",
	     "MAMC*QU=", 400},
	    {"POST", "/.well-known/est/simpleenroll", "Content-Type: application/pkcs10\r\n",
	     "MAMCAQUA", 400}, /* one byte after the SEQUENCE */
	    {"POST", "/.well-known/est/simpleenroll", "Content-Type: application/pkcs10\r\n",
	     "AgEF", 400}, /* an INTEGER */
	    {"POST", "/.well-known/est/simpleenroll",
	     "Content-Type: application/pkcs10\r\nAuthorization: Basic bm9jb2xvbg==\r\n",
	     "MAMCAQU=", 400}, /* "nocolon" */
	    {"POST", "/.well-known/est/simpleenroll",
	     "Content-Type: application/pkcs10\r\nAuthorization: Basic OnRva2Vu\r\n",
	     "MAMCAQU=", 400}, /* ":token": empty user */
	    {"POST", "/.well-known/est/simpleenroll",
	     "Content-Type: application/pkcs10\r\nAuthorization: Basic !!!!\r\n", "MAMCAQU=", 400},
	    /* the head parser keeps the two headers EST needs, bounded */
	    {"POST", "/.well-known/est/simpleenroll",
	     "Authorization: Basic " ALICE_B64 "\r\nAuthorization: Basic " ALICE_B64 "\r\n",
	     "MAMCAQU=", 400},
	    {"POST", "/.well-known/est/simpleenroll",
	     "Content-Type: application/pkcs10; x=" LONG64 LONG64 "\r\n", "MAMCAQU=", 431},
	};
	static struct est_request er;

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		unsigned got = run(
		    build(cases[i].method, cases[i].path, cases[i].headers, cases[i].body), &er);

		if (got != cases[i].status)
			fail_msg("case %zu (%s %s): status %u, expected %u", i, cases[i].method,
				 cases[i].path, got, cases[i].status);
		assert_false(er.has_basic);
		assert_string_equal(er.password, "");
	}
}

static void test_est_http_too_large(void **state)
{
	static struct est_request er;
	static char body[12001];

	(void)state;
	memset(body, 'A', sizeof(body) - 1);
	body[sizeof(body) - 1] = 0;
	assert_int_equal(run(build("POST", "/.well-known/est/simpleenroll",
				   "Content-Type: application/pkcs10\r\n", body),
			     &er),
			 413);
}

static void test_est_http_basic(void **state)
{
	char user[EST_HTTP_MAX_USER], pw[EST_HTTP_MAX_PASSWORD];

	(void)state;
	assert_true(est_http_basic("Basic " ALICE_B64, user, pw));
	assert_string_equal(user, "alice");
	assert_true(est_http_basic("basic   " ALICE_B64, user, pw));
	/* "a:b:c": the password may hold ':' (RFC 7617 2) */
	assert_true(est_http_basic("Basic YTpiOmM=", user, pw));
	assert_string_equal(user, "a");
	assert_string_equal(pw, "b:c");
	/* "a:" an empty password is well-formed (the token check refuses it) */
	assert_true(est_http_basic("Basic YTo=", user, pw));
	assert_string_equal(pw, "");
	assert_false(est_http_basic("Bearer " ALICE_B64, user, pw));
	assert_false(est_http_basic("Basic YQph", user, pw)); /* "a\na": control byte */
	assert_false(est_http_basic("Basic", user, pw));
	assert_string_equal(user, "");
}

static void test_est_reply_heads(void **state)
{
	char out[1024];
	size_t n;

	(void)state;
	n = est_reply_certs(out, sizeof(out), "MII=\r\n", 6);
	assert_int_equal(n, strlen("HTTP/1.1 200 OK\r\n"
				   "Content-Type: application/pkcs7-mime; smime-type=certs-only\r\n"
				   "Content-Transfer-Encoding: base64\r\n"
				   "Content-Length: 6\r\n\r\nMII=\r\n"));
	assert_memory_equal(out,
			    "HTTP/1.1 200 OK\r\n"
			    "Content-Type: application/pkcs7-mime; smime-type=certs-only\r\n"
			    "Content-Transfer-Encoding: base64\r\n"
			    "Content-Length: 6\r\n\r\nMII=\r\n",
			    n);
	assert_int_equal(est_reply_certs(out, 50, "MII=\r\n", 6), 0);
	n = est_reply_error(out, sizeof(out), 401, "a token is needed", EST_OP_SIMPLEENROLL);
	assert_true(n > 0);
	out[n] = 0;
	assert_non_null(strstr(out, "HTTP/1.1 401 Unauthorized\r\n"));
	assert_non_null(strstr(out, "\r\nWWW-Authenticate: Basic realm=\"mtlsvpn\"\r\n"));
	assert_non_null(strstr(out, "Content-Length: 18\r\n"));
	assert_non_null(strstr(out, "\r\n\r\na token is needed\n"));
	n = est_reply_error(out, sizeof(out), 405, NULL, EST_OP_CACERTS);
	out[n] = 0;
	assert_non_null(strstr(out, "HTTP/1.1 405 Method Not Allowed\r\nAllow: GET\r\n"));
	assert_non_null(strstr(out, "\r\n\r\nMethod Not Allowed\n"));
	n = est_reply_error(out, sizeof(out), 415, "x\r\ny", EST_OP_SIMPLEENROLL);
	out[n] = 0;
	assert_non_null(strstr(out, "415 Unsupported Media Type"));
	assert_non_null(strstr(out, "\r\n\r\nx..y\n"));
	assert_null(strstr(out, "Allow:"));
	assert_int_equal(est_reply_error(out, sizeof(out), 200, NULL, EST_OP_CACERTS), 0);
	assert_int_equal(est_reply_error(out, 40, 403, "no", EST_OP_CACERTS), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_est_http_classify_operations),
	    cmocka_unit_test(test_est_http_body_with_line_breaks),
	    cmocka_unit_test(test_est_http_classify_refusals),
	    cmocka_unit_test(test_est_http_too_large),
	    cmocka_unit_test(test_est_http_basic),
	    cmocka_unit_test(test_est_reply_heads),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
