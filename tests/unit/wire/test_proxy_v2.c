/*
 * test_proxy_v2.c - the PROXY protocol v2 header: what HAProxy sends for
 * IPv4 and IPv6 clients and for its health checks (LOCAL), TLVs skipped,
 * the header arriving byte by byte, and each refusal as early as the byte
 * that shows it (table-driven).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <cmocka.h>

#include "proxy_v2.h"

#define SIG 0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d, 0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a

/* 203.0.113.7:50122 -> 10.99.0.1:4433, then a TLS record's first bytes. */
static const uint8_t hdr4[] = {SIG, 0x21, 0x11, 0x00, 0x0c, 203, 0, 113, 7, 10, 99, 0, 1,
			       0xc3, 0xca, 0x11, 0x51, 0x16, 0x03, 0x01};

static enum proxy_v2_result parse(const uint8_t *p, size_t n, struct proxy_v2_hdr *h)
{
	const char *why = NULL;
	enum proxy_v2_result r = proxy_v2_parse(p, n, h, &why);

	if (r == PROXY_V2_BAD)
		assert_non_null(why);
	return r;
}

static void test_proxy_v2_parse_inet(void **state)
{
	struct proxy_v2_hdr h;
	const struct sockaddr_in *s4 = (const struct sockaddr_in *)&h.src;
	char a[INET_ADDRSTRLEN];

	(void)state;
	assert_int_equal(parse(hdr4, sizeof(hdr4), &h), PROXY_V2_OK);
	assert_int_equal(h.command, PROXY_V2_PROXY);
	assert_int_equal(h.len, 28); /* the TLS bytes after it are not consumed */
	assert_int_equal(h.src.ss_family, AF_INET);
	assert_string_equal(inet_ntop(AF_INET, &s4->sin_addr, a, sizeof(a)), "203.0.113.7");
	assert_int_equal(ntohs(s4->sin_port), 50122);
	assert_int_equal(ntohs(((const struct sockaddr_in *)&h.dst)->sin_port), 4433);
}

static void test_proxy_v2_parse_inet6_with_tlvs(void **state)
{
	uint8_t b[16 + 36 + 7] = {SIG, 0x21, 0x21, 0x00, 36 + 7};
	struct proxy_v2_hdr h;
	const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)&h.src;
	char a[INET6_ADDRSTRLEN];

	(void)state;
	inet_pton(AF_INET6, "2001:db8::42", b + 16);
	inet_pton(AF_INET6, "2001:db8::1", b + 32);
	b[48] = 0x12; b[49] = 0x34; b[50] = 0x11; b[51] = 0x51;
	/* PP2_TYPE_UNIQUE_ID, 4 bytes: skipped */
	b[52] = 0x05; b[53] = 0x00; b[54] = 0x04;
	assert_int_equal(parse(b, sizeof(b), &h), PROXY_V2_OK);
	assert_int_equal(h.len, sizeof(b));
	assert_int_equal(h.src.ss_family, AF_INET6);
	assert_string_equal(inet_ntop(AF_INET6, &s6->sin6_addr, a, sizeof(a)), "2001:db8::42");
	assert_int_equal(ntohs(s6->sin6_port), 0x1234);
}

static void test_proxy_v2_parse_local_health_check(void **state)
{
	/* HAProxy's "check send-proxy-v2": LOCAL, family UNSPEC, no block. */
	const uint8_t b[] = {SIG, 0x20, 0x00, 0x00, 0x00};
	struct proxy_v2_hdr h;

	(void)state;
	assert_int_equal(parse(b, sizeof(b), &h), PROXY_V2_OK);
	assert_int_equal(h.command, PROXY_V2_LOCAL);
	assert_int_equal(h.len, 16);
	assert_int_equal(h.src.ss_family, AF_UNSPEC);
}

static void test_proxy_v2_parse_need_more_in_pieces(void **state)
{
	struct proxy_v2_hdr h;

	(void)state;
	for (size_t n = 0; n < 28; n++)
		assert_int_equal(parse(hdr4, n, &h), PROXY_V2_NEED_MORE);
	assert_int_equal(parse(hdr4, 28, &h), PROXY_V2_OK);
}

struct bad_case {
	const char *name;
	uint8_t b[20];
	size_t n;       /* refused from this many bytes on */
};

static const struct bad_case bad_cases[] = {
	{"TLS ClientHello instead", {0x16, 0x03, 0x01, 0x02, 0x00}, 1},
	{"PROXY v1 text", {'P', 'R', 'O', 'X', 'Y', ' '}, 1},
	{"signature wrong at its end", {0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d, 0x0a, 0x51, 0x55, 0x49,
					0x54, 0x0b}, 12},
	{"version 1 in binary", {SIG, 0x11, 0x11, 0x00, 0x0c}, 13},
	{"unknown command", {SIG, 0x22, 0x11, 0x00, 0x0c}, 13},
	{"UDP over IPv4", {SIG, 0x21, 0x12, 0x00, 0x0c}, 14},
	{"UNIX stream", {SIG, 0x21, 0x31, 0x00, 0xd8}, 14},
	{"PROXY with UNSPEC", {SIG, 0x21, 0x00, 0x00, 0x00}, 14},
	{"IPv4 block too short", {SIG, 0x21, 0x11, 0x00, 0x0b}, 16},
	{"IPv6 block too short", {SIG, 0x21, 0x21, 0x00, 0x0c}, 16},
	{"longer than the bound", {SIG, 0x21, 0x11, 0x02, 0x09}, 16},
	{"LOCAL longer than the bound", {SIG, 0x20, 0x00, 0xff, 0xff}, 16},
};

static void test_proxy_v2_parse_refused_early(void **state)
{
	struct proxy_v2_hdr h;

	(void)state;
	for (size_t i = 0; i < sizeof(bad_cases) / sizeof(bad_cases[0]); i++) {
		const struct bad_case *c = &bad_cases[i];

		print_message("%s\n", c->name);
		if (c->n > 1)
			assert_int_equal(parse(c->b, c->n - 1, &h), PROXY_V2_NEED_MORE);
		assert_int_equal(parse(c->b, c->n, &h), PROXY_V2_BAD);
	}
}

static void test_proxy_v2_parse_longest_allowed(void **state)
{
	static uint8_t b[PROXY_V2_MAX] = {SIG, 0x21, 0x11};
	struct proxy_v2_hdr h;

	(void)state;
	b[14] = (PROXY_V2_MAX - 16) >> 8;
	b[15] = (PROXY_V2_MAX - 16) & 0xff;
	assert_int_equal(parse(b, sizeof(b) - 1, &h), PROXY_V2_NEED_MORE);
	assert_int_equal(parse(b, sizeof(b), &h), PROXY_V2_OK);
	assert_int_equal(h.len, PROXY_V2_MAX);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_proxy_v2_parse_inet),
		cmocka_unit_test(test_proxy_v2_parse_inet6_with_tlvs),
		cmocka_unit_test(test_proxy_v2_parse_local_health_check),
		cmocka_unit_test(test_proxy_v2_parse_need_more_in_pieces),
		cmocka_unit_test(test_proxy_v2_parse_refused_early),
		cmocka_unit_test(test_proxy_v2_parse_longest_allowed),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
