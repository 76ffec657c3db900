/*
 * test_http_get.c - the metrics endpoint's request parser: a scraper's
 * request, the head arriving in pieces, and each way a stranger's bytes
 * are refused (table-driven).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "http_get.h"

static enum http_get_result parse(const char *s, struct http_get_req *r, int *status)
{
	const char *why = NULL;
	enum http_get_result res = http_get_parse((const uint8_t *)s, strlen(s), r, status, &why);

	if (res == HTTP_GET_BAD)
		assert_non_null(why);
	return res;
}

static void test_http_get_parse_prometheus_request(void **state)
{
	const char *req = "GET /metrics?x=1 HTTP/1.1\r\nHost: 127.0.0.1:9560\r\nUser-Agent: "
			  "Prometheus/2.42.0\r\nAccept: text/plain;version=0.0.4;q=1\r\n\r\n";
	struct http_get_req r;
	int status;

	(void)state;
	assert_int_equal(parse(req, &r, &status), HTTP_GET_OK);
	assert_string_equal(r.method, "GET");
	assert_string_equal(r.path, "/metrics");
	assert_int_equal(r.head_len, strlen(req));
	assert_int_equal(parse("HEAD / HTTP/1.0\n\n", &r, &status), HTTP_GET_OK);
	assert_string_equal(r.method, "HEAD");
	assert_string_equal(r.path, "/");
}

static void test_http_get_parse_need_more_in_pieces(void **state)
{
	const char *req = "GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n";
	struct http_get_req r;
	const char *why;
	int status;

	(void)state;
	for (size_t n = 0; n < strlen(req); n++)
		assert_int_equal(http_get_parse((const uint8_t *)req, n, &r, &status, &why),
				 HTTP_GET_NEED_MORE);
	assert_int_equal(http_get_parse((const uint8_t *)req, strlen(req), &r, &status, &why),
			 HTTP_GET_OK);
}

static void test_http_get_parse_head_too_large(void **state)
{
	static uint8_t big[HTTP_GET_MAX_HEAD + 10];
	struct http_get_req r;
	const char *why;
	int status;

	(void)state;
	memset(big, 'a', sizeof(big));
	assert_int_equal(http_get_parse(big, HTTP_GET_MAX_HEAD - 1, &r, &status, &why),
			 HTTP_GET_NEED_MORE);
	assert_int_equal(http_get_parse(big, sizeof(big), &r, &status, &why), HTTP_GET_BAD);
	assert_int_equal(status, 431);
}

static const struct {
	const char *req;
	int status;
} bad_cases[] = {
    {"POST /metrics HTTP/1.1\r\n\r\n", 405},
    {"get /metrics HTTP/1.1\r\n\r\n", 400},
    {"GET metrics HTTP/1.1\r\n\r\n", 400},
    {"GET /metrics HTTP/2.0\r\n\r\n", 400},
    {"GET /metrics HTTP/1.2\r\n\r\n", 505},
    {"GET /metrics\r\n\r\n", 400},
    {"GET\r\n\r\n", 400},
    {"\r\n\r\n", 400},
    {"GET /a\x01 HTTP/1.1\r\n\r\n", 400},
    {"GET / HTTP/1.1\r\nno colon\r\n\r\n", 400},
    {"GET / HTTP/1.1\r\n: empty name\r\n\r\n", 400},
    {"GET / HTTP/1.1\r\nBad Name: x\r\n\r\n", 400},
    {"GET / HTTP/1.1\r\nX: a\x1b[31m\r\n\r\n", 400},
    {"GET /aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
     "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
     "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa HTTP/1.1\r\n\r\n",
     414},
};

static void test_http_get_parse_bad_requests(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(bad_cases) / sizeof(bad_cases[0]); i++) {
		struct http_get_req r;
		int status = 0;

		assert_int_equal(parse(bad_cases[i].req, &r, &status), HTTP_GET_BAD);
		assert_int_equal(status, bad_cases[i].status);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_http_get_parse_prometheus_request),
	    cmocka_unit_test(test_http_get_parse_need_more_in_pieces),
	    cmocka_unit_test(test_http_get_parse_head_too_large),
	    cmocka_unit_test(test_http_get_parse_bad_requests),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
