/*
 * test_http_resp.c - the client's HTTP response parser: the gateway's EST
 * answers, a response arriving in pieces, a body that runs to the end of
 * the connection, and each way a response is refused (table-driven).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "http_resp.h"

struct resp_case {
	const char *name;
	const char *in;
	bool eof;
	enum http_resp_result want;
	unsigned status;
	const char *body;  /* expected body (OK) */
	const char *ctype; /* expected Content-Type (OK) */
	bool close;
	const char *why; /* a word of the reason (BAD) */
};

static const struct resp_case cases[] = {
    {"certs",
     "HTTP/1.1 200 OK\r\nContent-Type: application/pkcs7-mime; smime-type=certs-only\r\n"
     "Content-Transfer-Encoding: base64\r\nContent-Length: 4\r\n\r\nMIIB",
     false, HTTP_RESP_OK, 200, "MIIB", "application/pkcs7-mime; smime-type=certs-only", false,
     NULL},
    {"refusal",
     "HTTP/1.1 403 Forbidden\r\nContent-Type: text/plain\r\nContent-Length: 19\r\n"
     "Connection: close\r\n\r\ntoken already used\n",
     false, HTTP_RESP_OK, 403, "token already used\n", "text/plain", true, NULL},
    {"bare LF", "HTTP/1.1 404 Not Found\nContent-Length: 0\n\n", false, HTTP_RESP_OK, 404, "", "",
     false, NULL},
    {"to eof", "HTTP/1.0 200 OK\r\n\r\nabc", true, HTTP_RESP_OK, 200, "abc", "", true, NULL},
    {"to eof, open", "HTTP/1.1 200 OK\r\n\r\nabc", false, HTTP_RESP_NEED_MORE, 0, NULL, NULL, false,
     NULL},
    {"no reason",
     "HTTP/1.1 401\r\nWWW-Authenticate: Basic realm=\"x\"\r\nContent-Length: 0\r\n\r\n", false,
     HTTP_RESP_OK, 401, "", "", false, NULL},
    {"same length twice", "HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 1\r\n\r\nx",
     false, HTTP_RESP_OK, 200, "x", "", false, NULL},
    {"short body", "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nab", false, HTTP_RESP_NEED_MORE, 0,
     NULL, NULL, false, NULL},
    {"short body, closed", "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nab", true, HTTP_RESP_BAD, 0,
     NULL, NULL, false, "before the body"},
    {"no head end", "HTTP/1.1 200 OK\r\n", false, HTTP_RESP_NEED_MORE, 0, NULL, NULL, false, NULL},
    {"no head end, closed", "HTTP/1.1 200 OK\r\n", true, HTTP_RESP_BAD, 0, NULL, NULL, false,
     "head ended"},
    {"not http", "SSH-2.0-OpenSSH\r\n\r\n", false, HTTP_RESP_BAD, 0, NULL, NULL, false,
     "status line"},
    {"empty head", "\r\n\r\nHTTP/1.1 200 OK\r\n\r\n", true, HTTP_RESP_BAD, 0, NULL, NULL, false,
     "status line"},
    {"http 2", "HTTP/2 200\r\n\r\n", false, HTTP_RESP_BAD, 0, NULL, NULL, false, "status line"},
    {"letters", "HTTP/1.1 2x0 OK\r\n\r\n", false, HTTP_RESP_BAD, 0, NULL, NULL, false,
     "three digits"},
    {"four digits", "HTTP/1.1 2000 OK\r\n\r\n", false, HTTP_RESP_BAD, 0, NULL, NULL, false,
     "three digits"},
    {"interim", "HTTP/1.1 100 Continue\r\n\r\n", false, HTTP_RESP_BAD, 0, NULL, NULL, false,
     "interim"},
    {"control byte", "HTTP/1.1 200 O\001K\r\n\r\n", false, HTTP_RESP_BAD, 0, NULL, NULL, false,
     "control"},
    {"chunked", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1\r\nx\r\n0\r\n\r\n", false,
     HTTP_RESP_BAD, 0, NULL, NULL, false, "chunked"},
    {"two lengths", "HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nxy", false,
     HTTP_RESP_BAD, 0, NULL, NULL, false, "Content-Length"},
    {"signed length", "HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n", false, HTTP_RESP_BAD, 0,
     NULL, NULL, false, "Content-Length"},
    {"huge length", "HTTP/1.1 200 OK\r\nContent-Length: 999999999\r\n\r\n", false, HTTP_RESP_BAD, 0,
     NULL, NULL, false, "too large"},
    {"space in name", "HTTP/1.1 200 OK\r\nContent Length: 1\r\n\r\nx", false, HTTP_RESP_BAD, 0,
     NULL, NULL, false, "shape"},
    {"no colon", "HTTP/1.1 200 OK\r\nfolded\r\n\r\n", false, HTTP_RESP_BAD, 0, NULL, NULL, false,
     "without a name"},
};

static void test_http_resp_parse_table(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct resp_case *t = &cases[i];
		struct http_resp r;
		const char *why = NULL;
		enum http_resp_result got =
		    http_resp_parse((const uint8_t *)t->in, strlen(t->in), t->eof, &r, &why);

		print_message("case %s\n", t->name);
		assert_int_equal(got, t->want);
		if (got == HTTP_RESP_OK) {
			assert_int_equal(r.status, t->status);
			assert_int_equal(r.body_len, strlen(t->body));
			assert_memory_equal(r.body, t->body, r.body_len);
			assert_string_equal(r.content_type, t->ctype);
			assert_int_equal(r.close, t->close);
		} else if (got == HTTP_RESP_BAD) {
			assert_non_null(why);
			assert_non_null(strstr(why, t->why));
		}
	}
}

static void test_http_resp_parse_in_pieces(void **state)
{
	const char *in = "HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nabcTRAILING";
	size_t whole = strlen(in) - strlen("TRAILING");
	struct http_resp r;
	const char *why;

	(void)state;
	for (size_t n = 0; n < whole; n++)
		assert_int_equal(http_resp_parse((const uint8_t *)in, n, false, &r, &why),
				 HTTP_RESP_NEED_MORE);
	/* Bytes after the body are not its. */
	assert_int_equal(http_resp_parse((const uint8_t *)in, strlen(in), false, &r, &why),
			 HTTP_RESP_OK);
	assert_int_equal(r.body_len, 3);
	assert_int_equal(r.head_len, whole - 3);
}

static void test_http_resp_parse_head_too_large(void **state)
{
	static uint8_t big[HTTP_RESP_MAX_HEAD + 10];
	struct http_resp r;
	const char *why;

	(void)state;
	memset(big, 'a', sizeof(big));
	memcpy(big, "HTTP/1.1 200 OK\r\nX: ", 20);
	assert_int_equal(http_resp_parse(big, sizeof(big), false, &r, &why), HTTP_RESP_BAD);
	assert_non_null(strstr(why, "too large"));
	assert_int_equal(http_resp_parse(big, HTTP_RESP_MAX_HEAD - 1, false, &r, &why),
			 HTTP_RESP_NEED_MORE);
}

static void test_http_resp_type_is_table(void **state)
{
	static const struct {
		const char *ct, *type;
		bool want;
	} t[] = {
	    {"application/pkcs7-mime; smime-type=certs-only", "application/pkcs7-mime", true},
	    {"Application/PKCS7-MIME", "application/pkcs7-mime", true},
	    {" text/plain ;charset=utf-8", "text/plain", true},
	    {"application/pkcs7-mimex", "application/pkcs7-mime", false},
	    {"", "text/plain", false},
	};

	(void)state;
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		assert_int_equal(http_resp_type_is(t[i].ct, t[i].type), t[i].want);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_http_resp_parse_table),
	    cmocka_unit_test(test_http_resp_parse_in_pieces),
	    cmocka_unit_test(test_http_resp_parse_head_too_large),
	    cmocka_unit_test(test_http_resp_type_is_table),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
