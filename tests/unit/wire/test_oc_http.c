/*
 * test_oc_http.c - the OpenConnect request parser: the exact requests
 * openconnect 9.01 sends (auth.c's XML POST through http.c, cstp.c's
 * CONNECT), fed whole and a byte at a time, pipelined, and a table of
 * requests refused with each status.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "oc_http.h"

static const char oc_body[] =
	"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
	"<config-auth client=\"vpn\" type=\"init\" aggregate-auth-version=\"2\">"
	"<version who=\"vpn\">v9.01</version><device-id>linux-64</device-id>"
	"<capabilities><auth-method>single-sign-on</auth-method>"
	"<auth-method>single-sign-on-v2</auth-method></capabilities>"
	"<group-access>https://vpn.example.com/</group-access></config-auth>\n";

/* http.c: request line, cstp_common_headers, X-Pad to a multiple of 64. */
static size_t oc_post(char *out, size_t cap)
{
	size_t blen = strlen(oc_body), pad = 64 * (1 + blen / 64) - blen;
	int n = snprintf(out, cap,
			 "POST / HTTP/1.1\r\n"
			 "Host: vpn.example.com\r\n"
			 "User-Agent: Open AnyConnect VPN Agent v9.01\r\n"
			 "Accept: */*\r\n"
			 "Accept-Encoding: identity\r\n"
			 "X-Transcend-Version: 1\r\n"
			 "X-Aggregate-Auth: 1\r\n"
			 "X-Support-HTTP-Auth: true\r\n"
			 "X-Pad: %0*d\r\n"
			 "Content-Type: application/xml; charset=utf-8\r\n"
			 "Content-Length: %zu\r\n"
			 "\r\n%s",
			 (int)pad, 0, blen, oc_body);

	assert_true(n > 0 && (size_t)n < cap);
	return (size_t)n;
}

/* cstp.c start_cstp_connection, port 8443, on a reconnect. */
static const char oc_connect[] =
	"CONNECT /CSCOSSLC/tunnel HTTP/1.1\r\n"
	"Host: vpn.example.com:8443\r\n"
	"User-Agent: Open AnyConnect VPN Agent v9.01\r\n"
	"Cookie: webvpn=3A1F00C0FFEE\r\n"
	"X-CSTP-Version: 1\r\n"
	"X-CSTP-Hostname: laptop\r\n"
	"X-CSTP-Accept-Encoding: oc-lz4,lzs\r\n"
	"X-CSTP-Base-MTU: 1500\r\n"
	"X-CSTP-MTU: 1406\r\n"
	"X-CSTP-Address-Type: IPv6,IPv4\r\n"
	"X-CSTP-Address: 10.8.0.7\r\n"
	"X-CSTP-Full-IPv6-Capability: true\r\n"
	"X-CSTP-Address: fd00:8::7\r\n"
	"X-DTLS-Master-Secret: 00112233445566778899AABBCCDDEEFF00112233445566778899AABBCCDDEEFF\r\n"
	"X-DTLS-CipherSuite: AES256-SHA:AES128-SHA\r\n"
	"X-DTLS12-CipherSuite: ECDHE-RSA-AES256-GCM-SHA384\r\n"
	"X-DTLS-Accept-Encoding: oc-lz4,lzs\r\n"
	"\r\n";

static enum oc_http_result parse(const char *s, size_t n, struct oc_request *r, size_t *used,
				 unsigned *status)
{
	const char *why = NULL;
	uint8_t *copy = malloc(n > 0 ? n : 1);
	enum oc_http_result res;

	memcpy(copy, s, n);
	res = oc_http_parse(copy, n, r, used, status, &why);
	if (res == OC_HTTP_ERROR)
		assert_non_null(why);
	/* The body points into the bytes parsed: compare before freeing. */
	if (res == OC_HTTP_OK && r->body != NULL) {
		assert_true(r->body >= copy && r->body + r->body_len <= copy + n);
		r->body = (const uint8_t *)s + (r->body - copy);
	}
	free(copy);
	return res;
}

static void test_oc_http_parse_openconnect_post(void **state)
{
	char req[2048];
	size_t n = oc_post(req, sizeof(req)), used;
	struct oc_request r;
	unsigned status;

	(void)state;
	assert_int_equal(parse(req, n, &r, &used, &status), OC_HTTP_OK);
	assert_int_equal(used, n);
	assert_int_equal(r.method, OC_METHOD_POST);
	assert_string_equal(r.path, "/");
	assert_string_equal(r.host, "vpn.example.com");
	assert_string_equal(r.user_agent, "Open AnyConnect VPN Agent v9.01");
	assert_string_equal(r.cookie, "");
	assert_false(r.has_cookie);
	assert_false(r.close);
	assert_int_equal(r.body_len, strlen(oc_body));
	assert_memory_equal(r.body, oc_body, r.body_len);
}

static void test_oc_http_parse_openconnect_connect(void **state)
{
	struct oc_request r;
	size_t used;
	unsigned status;

	(void)state;
	assert_int_equal(parse(oc_connect, strlen(oc_connect), &r, &used, &status), OC_HTTP_OK);
	assert_int_equal(used, strlen(oc_connect));
	assert_int_equal(r.method, OC_METHOD_CONNECT);
	assert_string_equal(r.path, "/CSCOSSLC/tunnel");
	assert_string_equal(r.host, "vpn.example.com:8443");
	assert_string_equal(r.cookie, "3A1F00C0FFEE");
	assert_true(r.has_cookie);
	assert_int_equal(r.cstp_version, 1);
	assert_string_equal(r.cstp_hostname, "laptop");
	assert_int_equal(r.cstp_mtu, 1406);
	assert_int_equal(r.cstp_base_mtu, 1500);
	assert_true(r.want_ipv4);
	assert_true(r.want_ipv6);
	assert_true(r.full_ipv6);
	assert_string_equal(r.cstp_address[0], "10.8.0.7");
	assert_string_equal(r.cstp_address[1], "fd00:8::7");
	assert_null(r.body);
	assert_int_equal(r.body_len, 0);
}

static void test_oc_http_parse_byte_at_a_time(void **state)
{
	char req[2048];
	size_t n = oc_post(req, sizeof(req)), used;
	struct oc_request r;
	unsigned status;

	(void)state;
	for (size_t i = 0; i < n; i++)
		assert_int_equal(parse(req, i, &r, &used, &status), OC_HTTP_NEED_MORE);
	assert_int_equal(parse(req, n, &r, &used, &status), OC_HTTP_OK);
	for (size_t i = 0; i < strlen(oc_connect); i++)
		assert_int_equal(parse(oc_connect, i, &r, &used, &status), OC_HTTP_NEED_MORE);
}

/* The POST, then the CONNECT on the same connection (openconnect reuses
 * it), then a partial third request. */
static void test_oc_http_parse_pipelined(void **state)
{
	char req[4096];
	size_t n = oc_post(req, sizeof(req)), used, off = 0;
	struct oc_request r;
	unsigned status;

	(void)state;
	memcpy(req + n, oc_connect, strlen(oc_connect));
	n += strlen(oc_connect);
	memcpy(req + n, "GET / HTT", 9);
	n += 9;
	assert_int_equal(parse(req, n, &r, &used, &status), OC_HTTP_OK);
	assert_int_equal(r.method, OC_METHOD_POST);
	assert_memory_equal(r.body + r.body_len - 15, "</config-auth>\n", 15);
	off += used;
	assert_int_equal(parse(req + off, n - off, &r, &used, &status), OC_HTTP_OK);
	assert_int_equal(r.method, OC_METHOD_CONNECT);
	off += used;
	assert_int_equal(n - off, 9);
	assert_int_equal(parse(req + off, n - off, &r, &used, &status), OC_HTTP_NEED_MORE);
}

static const struct good_case {
	const char *req;
	const char *check; /* what to compare, see below */
	const char *want;
} good_cases[] = {
	{"GET / HTTP/1.0\n\n", "close", "1"},
	{"GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n", "close", "0"},
	{"GET / HTTP/1.1\r\nHost: a\r\nConnection: Keep-Alive, close\r\n\r\n", "close", "1"},
	{"GET /a?b=c HTTP/1.1\r\nHost: a\r\n\r\n", "path", "/a?b=c"},
	{"GET / HTTP/1.1\r\nhOsT:   spaced\t \r\n\r\n", "host", "spaced"},
	{"GET / HTTP/1.1\r\nHost: a\r\nCookie: a=b; webvpn=xyz; c=d\r\n\r\n", "cookie", "xyz"},
	{"GET / HTTP/1.1\r\nHost: a\r\nCookie: webvpnc=no\r\nCookie: webvpn=\r\n\r\n", "cookie", ""},
	{"CONNECT /CSTP HTTP/1.1\r\nHost: a\r\nX-CSTP-Address-Type: IPv4\r\n\r\n", "v4v6", "10"},
	{"CONNECT /CSTP HTTP/1.1\r\nHost: a\r\nX-CSTP-Address-Type: IPv6\r\n\r\n", "v4v6", "01"},
	{"CONNECT /CSTP HTTP/1.1\r\nHost: a\r\n\r\n", "v4v6", "11"},
	{"POST /auth HTTP/1.1\r\nHost: a\r\nContent-Length: 0\r\n\r\n", "path", "/auth"},
};

static void test_oc_http_parse_good_table(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(good_cases) / sizeof(good_cases[0]); i++) {
		const struct good_case *g = &good_cases[i];
		struct oc_request r;
		size_t used;
		unsigned status;
		char got[300];

		if (parse(g->req, strlen(g->req), &r, &used, &status) != OC_HTTP_OK)
			fail_msg("case %zu not parsed", i);
		assert_int_equal(used, strlen(g->req));
		if (strcmp(g->check, "close") == 0)
			snprintf(got, sizeof(got), "%d", r.close);
		else if (strcmp(g->check, "path") == 0)
			snprintf(got, sizeof(got), "%s", r.path);
		else if (strcmp(g->check, "host") == 0)
			snprintf(got, sizeof(got), "%s", r.host);
		else if (strcmp(g->check, "cookie") == 0)
			snprintf(got, sizeof(got), "%s", r.cookie);
		else
			snprintf(got, sizeof(got), "%d%d", r.want_ipv4, r.want_ipv6);
		if (strcmp(got, g->want) != 0)
			fail_msg("case %zu: %s is \"%s\", not \"%s\"", i, g->check, got, g->want);
	}
}

static const struct bad_case {
	const char *req;
	unsigned status;
} bad_cases[] = {
	{"\r\n\r\n", 400},
	{"GET\r\n\r\n", 400},
	{"GET /\r\n\r\n", 400},
	{"GET / HTTP/1.1 \r\n\r\n", 400},
	{"GET / FTP/1.1\r\n\r\n", 400},
	{"GET / HTTP/2.0\r\n\r\n", 505},
	{"GET / HTTP/1.2\r\n\r\n", 505},
	{"GET / HTTP/0.9\r\n\r\n", 505},
	{"DELETE / HTTP/1.1\r\nHost: a\r\n\r\n", 405},
	{"HEAD / HTTP/1.1\r\nHost: a\r\n\r\n", 405},
	{"BREW / HTTP/1.1\r\nHost: a\r\n\r\n", 501},
	{"get / HTTP/1.1\r\nHost: a\r\n\r\n", 501},
	{"G(T / HTTP/1.1\r\nHost: a\r\n\r\n", 400},
	{"GET http://a/ HTTP/1.1\r\nHost: a\r\n\r\n", 400},
	{"GET / HTTP/1.1\r\n\r\n", 400},                             /* no Host */
	{"GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", 400},
	{"GET / HTTP/1.1\r\nHost: a\r\n folded\r\n\r\n", 400},
	{"GET / HTTP/1.1\r\nHost: a\r\nX: a\x01b\r\n\r\n", 400},
	{"GET / HTTP/1.1\r\nHost: a\rX: b\r\n\r\n", 400},
	{"GET / HTTP/1.1\r\nHost: a\r\nNoColon\r\n\r\n", 400},
	{"GET / HTTP/1.1\r\nHost: a\r\n: empty\r\n\r\n", 400},
	{"GET / HTTP/1.1\r\nHost: a\r\nBad Name: x\r\n\r\n", 400},
	{"POST / HTTP/1.1\r\nHost: a\r\n\r\n", 411},
	{"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 1\r\nContent-Length: 1\r\n\r\nx", 400},
	{"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: -1\r\n\r\n", 400},
	{"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 1x\r\n\r\n", 400},
	{"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 16385\r\n\r\n", 413},
	{"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 99999999999\r\n\r\n", 400},
	{"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n", 501},
	{"CONNECT /CSTP HTTP/1.1\r\nHost: a\r\nContent-Length: 2\r\n\r\nab", 400},
	{"CONNECT /CSTP HTTP/1.1\r\nHost: a\r\nX-CSTP-MTU: 70000\r\n\r\n", 400},
	{"CONNECT /CSTP HTTP/1.1\r\nHost: a\r\nX-CSTP-Base-MTU: \r\n\r\n", 400},
	{"CONNECT /CSTP HTTP/1.1\r\nHost: a\r\nX-CSTP-Version: one\r\n\r\n", 400},
	{"CONNECT /CSTP HTTP/1.1\r\nHost: a\r\nX-CSTP-Address-Type: IPX\r\n\r\n", 400},
	{"CONNECT /CSTP HTTP/1.1\r\nHost: a\r\nCookie: webvpn=a; webvpn=b\r\n\r\n", 400},
};

static void test_oc_http_parse_bad_table(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(bad_cases) / sizeof(bad_cases[0]); i++) {
		struct oc_request r;
		size_t used;
		unsigned status = 0;
		enum oc_http_result res =
			parse(bad_cases[i].req, strlen(bad_cases[i].req), &r, &used, &status);

		if (res != OC_HTTP_ERROR || status != bad_cases[i].status)
			fail_msg("case %zu (%s): result %d status %u, want %u", i, bad_cases[i].req,
				 res, status, bad_cases[i].status);
	}
}

static void test_oc_http_parse_nul_refused(void **state)
{
	static const char req[] = "GET / HTTP/1.1\r\nHost: a\0b\r\n\r\n";
	struct oc_request r;
	size_t used;
	unsigned status;

	(void)state;
	assert_int_equal(parse(req, sizeof(req) - 1, &r, &used, &status), OC_HTTP_ERROR);
	assert_int_equal(status, 400);
}

/* 414, 431 for a head over the limit, too many lines, a long kept value. */
static void test_oc_http_parse_limits(void **state)
{
	char *req = malloc(OC_HTTP_MAX_HEAD + 64);
	struct oc_request r;
	size_t used, n;
	unsigned status;

	(void)state;
	/* A 255-byte target is kept, a 256-byte one is 414. */
	for (size_t len = 255; len <= 256; len++) {
		n = (size_t)sprintf(req, "GET /");
		memset(req + n, 'a', len - 1);
		n += len - 1;
		n += (size_t)sprintf(req + n, " HTTP/1.1\r\nHost: a\r\n\r\n");
		assert_int_equal(parse(req, n, &r, &used, &status),
				 len == 255 ? OC_HTTP_OK : OC_HTTP_ERROR);
		if (len == 256)
			assert_int_equal(status, 414);
	}

	/* 64 header lines are fine, 65 are not. */
	for (unsigned lines = 64; lines <= 65; lines++) {
		n = (size_t)sprintf(req, "GET / HTTP/1.1\r\nHost: a\r\n");
		for (unsigned i = 1; i < lines; i++)
			n += (size_t)sprintf(req + n, "X-%u: y\r\n", i);
		n += (size_t)sprintf(req + n, "\r\n");
		assert_int_equal(parse(req, n, &r, &used, &status),
				 lines == 64 ? OC_HTTP_OK : OC_HTTP_ERROR);
		if (lines == 65)
			assert_int_equal(status, 431);
	}

	/* A kept value of 256 bytes. */
	n = (size_t)sprintf(req, "GET / HTTP/1.1\r\nHost: a\r\nUser-Agent: ");
	memset(req + n, 'u', 256);
	n += 256;
	n += (size_t)sprintf(req + n, "\r\n\r\n");
	assert_int_equal(parse(req, n, &r, &used, &status), OC_HTTP_ERROR);
	assert_int_equal(status, 431);

	/* No end of head within OC_HTTP_MAX_HEAD bytes: NEED_MORE before, 431 at. */
	n = (size_t)sprintf(req, "GET / HTTP/1.1\r\nHost: a\r\nX: ");
	memset(req + n, 'x', OC_HTTP_MAX_HEAD + 10 - n);
	assert_int_equal(parse(req, OC_HTTP_MAX_HEAD - 1, &r, &used, &status), OC_HTTP_NEED_MORE);
	assert_int_equal(parse(req, OC_HTTP_MAX_HEAD, &r, &used, &status), OC_HTTP_ERROR);
	assert_int_equal(status, 431);
	free(req);
}

/* A body of exactly OC_HTTP_MAX_BODY bytes is read whole. */
static void test_oc_http_parse_largest_body(void **state)
{
	size_t cap = 256 + OC_HTTP_MAX_BODY, n, used;
	char *req = malloc(cap);
	struct oc_request r;
	unsigned status;

	(void)state;
	n = (size_t)sprintf(req, "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: %d\r\n\r\n",
			    OC_HTTP_MAX_BODY);
	memset(req + n, 'b', OC_HTTP_MAX_BODY);
	assert_int_equal(parse(req, n + OC_HTTP_MAX_BODY - 1, &r, &used, &status),
			 OC_HTTP_NEED_MORE);
	assert_int_equal(parse(req, n + OC_HTTP_MAX_BODY, &r, &used, &status), OC_HTTP_OK);
	assert_int_equal(r.body_len, OC_HTTP_MAX_BODY);
	assert_int_equal(used, n + OC_HTTP_MAX_BODY);
	free(req);
}

static void test_oc_method_name(void **state)
{
	(void)state;
	assert_string_equal(oc_method_name(OC_METHOD_CONNECT), "CONNECT");
	assert_string_equal(oc_method_name(OC_METHOD_POST), "POST");
	assert_string_equal(oc_method_name(OC_METHOD_GET), "GET");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_oc_http_parse_openconnect_post),
	    cmocka_unit_test(test_oc_http_parse_openconnect_connect),
	    cmocka_unit_test(test_oc_http_parse_byte_at_a_time),
	    cmocka_unit_test(test_oc_http_parse_pipelined),
	    cmocka_unit_test(test_oc_http_parse_good_table),
	    cmocka_unit_test(test_oc_http_parse_bad_table),
	    cmocka_unit_test(test_oc_http_parse_nul_refused),
	    cmocka_unit_test(test_oc_http_parse_limits),
	    cmocka_unit_test(test_oc_http_parse_largest_body),
	    cmocka_unit_test(test_oc_method_name),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
