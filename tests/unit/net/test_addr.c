/*
 * test_addr.c - addr: numeric parsing that accepts only whole, canonical
 * strings, formatting that round-trips, and prefix containment that never
 * matches across families. Tables of hostile input first.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "addr.h"

#define N(t) (sizeof(t) / sizeof((t)[0]))

static struct ipaddr ip(const char *s)
{
	struct ipaddr a;

	if (!addr_parse(s, &a))
		fail_msg("test table: bad address %s", s);
	return a;
}

static struct prefix pfx(const char *s)
{
	struct prefix p;

	if (!addr_parse_prefix(s, false, &p))
		fail_msg("test table: bad prefix %s", s);
	return p;
}

static const struct {
	const char *in;
	int family;
	const char *fmt; /* canonical form */
} parse_ok[] = {
    {"1.2.3.4", AF_INET, "1.2.3.4"},
    {"0.0.0.0", AF_INET, "0.0.0.0"},
    {"255.255.255.255", AF_INET, "255.255.255.255"},
    {"::", AF_INET6, "::"},
    {"::1", AF_INET6, "::1"},
    {"FD00:8:0:0:0:0:0:1", AF_INET6, "fd00:8::1"},
    {"::ffff:10.0.0.1", AF_INET6, "::ffff:10.0.0.1"},
};

static void test_addr_parse_valid(void **state)
{
	char out[ADDR_STRLEN];

	(void)state;
	for (size_t i = 0; i < N(parse_ok); i++) {
		struct ipaddr a;

		memset(&a, 0xa5, sizeof(a));
		assert_true(addr_parse(parse_ok[i].in, &a));
		assert_int_equal(a.family, parse_ok[i].family);
		assert_string_equal(addr_fmt(&a, out), parse_ok[i].fmt);
		if (a.family == AF_INET) /* the unused tail is zeroed */
			for (size_t j = 4; j < 16; j++)
				assert_int_equal(a.bytes[j], 0);
	}
}

static const char *const parse_bad[] = {
    "",
    " 1.2.3.4",
    "1.2.3.4 ",
    "1.2.3.4\n",
    "1.2.3",
    "1.2.3.4.5",
    "256.1.1.1",
    "01.2.3.4",
    "0x1.2.3.4",
    "1.2.3.4/24",
    "localhost",
    "fe80::1%eth0",
    "fe80::1%3",
    ":::",
    "1::2::3",
    "[::1]",
    "1:2:3:4:5:6:7:8:9",
    "::ffff:1.2.3.256",
    "0000000000000000000000000000000000000000000000000000000000000001.2.3.4",
};

static void test_addr_parse_rejects_hostile(void **state)
{
	(void)state;
	for (size_t i = 0; i < N(parse_bad); i++) {
		struct ipaddr a = ip("9.9.9.9");

		if (addr_parse(parse_bad[i], &a))
			fail_msg("accepted \"%s\"", parse_bad[i]);
		/* The output is left alone on failure. */
		assert_true(addr_eq(&a, &(struct ipaddr){AF_INET, {9, 9, 9, 9}}));
	}
	assert_false(addr_parse(NULL, &(struct ipaddr){0}));
}

static const struct {
	const char *in;
	bool strict;
	const char *fmt;
} prefix_ok[] = {
    {"10.0.0.0/8", true, "10.0.0.0/8"},	      {"10.0.0.1/24", false, "10.0.0.1/24"},
    {"10.0.0.1", true, "10.0.0.1/32"},	      {"0.0.0.0/0", true, "0.0.0.0/0"},
    {"10.0.0.128/25", true, "10.0.0.128/25"}, {"::/0", true, "::/0"},
    {"fd00:8::/64", true, "fd00:8::/64"},     {"fd00:8::1", true, "fd00:8::1/128"},
    {"fd00:8::1/64", false, "fd00:8::1/64"},  {"fd00::/7", false, "fd00::/7"},
};

static void test_addr_parse_prefix_valid(void **state)
{
	char out[ADDR_STRLEN];

	(void)state;
	for (size_t i = 0; i < N(prefix_ok); i++) {
		struct prefix p;

		if (!addr_parse_prefix(prefix_ok[i].in, prefix_ok[i].strict, &p))
			fail_msg("refused \"%s\"", prefix_ok[i].in);
		assert_string_equal(addr_fmt_prefix(&p, out), prefix_ok[i].fmt);
	}
}

static const struct {
	const char *in;
	bool strict;
} prefix_bad[] = {
    {"10.0.0.1/33", false},
    {"::/129", false},
    {"/", false},
    {"/24", false},
    {"10.0.0.0/", false},
    {"1.2.3.4/08", false},
    {"1.2.3.0/00", false},
    {"1.2.3.4/+8", false},
    {"1.2.3.4/-1", false},
    {"1.2.3.4/ 8", false},
    {"1.2.3.4/8 ", false},
    {"1.2.3.4/8x", false},
    {"10.0.0.0/8/8", false},
    {"1.2.3.4//8", false},
    {"1.2.3.4/4294967304", false},
    {"1.2.3.4/99999999999999999999", false},
    {"ten.eight/24", false},
    {"10.0.0.1/24", true},
    {"10.0.0.1/31", true},
    {"fd00:8::1/64", true},
    {"fd00::/6", true},
};

static void test_addr_parse_prefix_rejects_hostile(void **state)
{
	(void)state;
	for (size_t i = 0; i < N(prefix_bad); i++) {
		struct prefix p;

		if (addr_parse_prefix(prefix_bad[i].in, prefix_bad[i].strict, &p))
			fail_msg("accepted \"%s\" (strict %d)", prefix_bad[i].in,
				 prefix_bad[i].strict);
	}
}

static const struct {
	const char *in;
	uint16_t dflt;
	int family;
	uint16_t port;
	const char *fmt;
} sockaddr_ok[] = {
    {"1.2.3.4:5", 8443, AF_INET, 5, "1.2.3.4:5"},
    {"1.2.3.4", 8443, AF_INET, 8443, "1.2.3.4:8443"},
    {"0.0.0.0:65535", 8443, AF_INET, 65535, "0.0.0.0:65535"},
    {"[::1]:5", 8443, AF_INET6, 5, "[::1]:5"},
    {"[::]:9443", 8443, AF_INET6, 9443, "[::]:9443"},
    {"[::1]", 8443, AF_INET6, 8443, "[::1]:8443"},
    {"::1", 8443, AF_INET6, 8443, "[::1]:8443"},
    {"fd00::1:8443", 1, AF_INET6, 1, "[fd00::1:8443]:1"},
    {"[fe80::1%3]:5", 8443, AF_INET6, 5, "[fe80::1%3]:5"},
};

static void test_addr_parse_sockaddr_valid(void **state)
{
	char out[ADDR_STRLEN];

	(void)state;
	for (size_t i = 0; i < N(sockaddr_ok); i++) {
		struct sockaddr_storage ss;
		socklen_t len = 0;

		if (!addr_parse_sockaddr(sockaddr_ok[i].in, sockaddr_ok[i].dflt, &ss, &len))
			fail_msg("refused \"%s\"", sockaddr_ok[i].in);
		assert_int_equal(ss.ss_family, sockaddr_ok[i].family);
		if (ss.ss_family == AF_INET) {
			struct sockaddr_in sin;

			memcpy(&sin, &ss, sizeof(sin));
			assert_int_equal(len, sizeof(sin));
			assert_int_equal(ntohs(sin.sin_port), sockaddr_ok[i].port);
		} else {
			struct sockaddr_in6 sin6;

			memcpy(&sin6, &ss, sizeof(sin6));
			assert_int_equal(len, sizeof(sin6));
			assert_int_equal(ntohs(sin6.sin6_port), sockaddr_ok[i].port);
		}
		assert_string_equal(addr_fmt_sockaddr((const struct sockaddr *)&ss, out),
				    sockaddr_ok[i].fmt);
	}
}

static const struct {
	const char *in;
	uint16_t dflt;
} sockaddr_bad[] = {
    {"1.2.3.4:0", 8443},
    {"1.2.3.4", 0},
    {"[::1]", 0},
    {"1.2.3.4:65536", 8443},
    {"1.2.3.4:99999999999999999999", 8443},
    {"1.2.3.4:", 8443},
    {":5", 8443},
    {":", 8443},
    {"", 8443},
    {"1.2.3.4:08443", 8443},
    {"1.2.3.4:https", 8443},
    {"1.2.3.4:-1", 8443},
    {"1.2.3.4:+5", 8443},
    {"1.2.3.4: 5", 8443},
    {"1.2.3.4:5 ", 8443},
    {"1.2.3.4:5x", 8443},
    {"[::1]:", 8443},
    {"[::1", 8443},
    {"[::1:8443", 8443},
    {"::1]:5", 8443},
    {"[::1]x", 8443},
    {"[::1]8443", 8443},
    {"[::1]:5x", 8443},
    {"[::1]]:5", 8443},
    {"[[::1]]:5", 8443},
    {"[]:5", 8443},
    {"[1.2.3.4]:5", 8443},
    {"localhost:8443", 8443},
    {"localhost", 8443},
    {"[fe80::1%eth0]:5", 8443},
    {"[fe80::1%0]:5", 8443},
    {"[fe80::1%]:5", 8443},
    {"[fe80::1%4294967296]:5", 8443},
    {"[fe80::1%03]:5", 8443},
    {"1.2.3.4%3:5", 8443},
    {"fd00::1::2", 8443},
};

static void test_addr_parse_sockaddr_rejects_hostile(void **state)
{
	(void)state;
	for (size_t i = 0; i < N(sockaddr_bad); i++) {
		struct sockaddr_storage ss;
		socklen_t len = 77;

		memset(&ss, 0x5a, sizeof(ss));
		if (addr_parse_sockaddr(sockaddr_bad[i].in, sockaddr_bad[i].dflt, &ss, &len))
			fail_msg("accepted \"%s\"", sockaddr_bad[i].in);
		assert_int_equal(len, 77);
	}
}

static void test_addr_fmt_sockaddr_unknown_family(void **state)
{
	struct sockaddr_storage ss;
	char out[ADDR_STRLEN];

	(void)state;
	memset(&ss, 0, sizeof(ss));
	ss.ss_family = AF_UNIX;
	assert_string_equal(addr_fmt_sockaddr((const struct sockaddr *)&ss, out), "?");
	assert_string_equal(addr_fmt_sockaddr(NULL, out), "-");
}

static void test_addr_fmt_unset(void **state)
{
	struct ipaddr a;
	char out[ADDR_STRLEN];

	(void)state;
	memset(&a, 0, sizeof(a));
	assert_string_equal(addr_fmt(&a, out), "-");
	assert_int_equal(addr_len(&a), 0);
}

static void test_addr_fmt_prefix_longest(void **state)
{
	char out[ADDR_STRLEN];
	struct prefix p = pfx("ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.255/128");
	struct sockaddr_storage ss;
	socklen_t len;
	const char *longest = "[ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff%4294967295]:65535";

	(void)state;
	assert_string_equal(addr_fmt_prefix(&p, out),
			    "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff/128");
	assert_true(addr_parse_sockaddr(longest, 1, &ss, &len));
	assert_string_equal(addr_fmt_sockaddr((const struct sockaddr *)&ss, out), longest);
}

static const struct {
	const char *addr, *prefix;
	bool in;
} contain[] = {
    {"10.0.0.1", "10.0.0.0/8", true},
    {"11.0.0.1", "10.0.0.0/8", false},
    {"10.0.0.255", "10.0.0.0/24", true},
    {"10.0.1.0", "10.0.0.0/24", false},
    {"10.0.0.127", "10.0.0.0/25", true},
    {"10.0.0.128", "10.0.0.0/25", false},
    {"10.0.0.9", "10.0.0.5/24", true}, /* an interface address */
    {"10.0.0.1", "10.0.0.1/32", true},
    {"10.0.0.2", "10.0.0.1/32", false},
    {"203.0.113.9", "0.0.0.0/0", true},
    {"fd00::1", "fd00::/8", true},
    {"fe00::", "fd00::/8", false},
    {"fd00:8::ffff", "fd00:8::/64", true},
    {"fd00:8:0:1::", "fd00:8::/64", false},
    {"::1", "::/0", true},
    /* Families never mix, even for the catch-all or mapped addresses. */
    {"10.0.0.1", "::/0", false},
    {"::", "0.0.0.0/0", false},
    {"::ffff:10.0.0.1", "10.0.0.0/8", false},
    {"10.0.0.1", "::ffff:10.0.0.0/104", false},
};

static void test_addr_in_prefix_table(void **state)
{
	(void)state;
	for (size_t i = 0; i < N(contain); i++) {
		struct ipaddr a = ip(contain[i].addr);
		struct prefix p = pfx(contain[i].prefix);

		if (addr_in_prefix(&a, &p) != contain[i].in)
			fail_msg("%s in %s should be %d", contain[i].addr, contain[i].prefix,
				 contain[i].in);
	}
}

static void test_addr_in_prefix_unset_never_matches(void **state)
{
	struct ipaddr a;
	struct prefix p;

	(void)state;
	memset(&a, 0, sizeof(a));
	memset(&p, 0, sizeof(p));
	assert_false(addr_in_prefix(&a, &p));
	p = pfx("0.0.0.0/0");
	assert_false(addr_in_prefix(&a, &p));
	/* A corrupt length must not read past the address. */
	p.len = 200;
	a = ip("0.0.0.0");
	assert_false(addr_in_prefix(&a, &p));
}

static void test_addr_eq_families(void **state)
{
	uint8_t b[16] = {10, 0, 0, 1};
	struct ipaddr v4, v6;

	(void)state;
	addr_from_v4(&v4, b);
	addr_from_v6(&v6, b);
	assert_int_equal(addr_len(&v4), 4);
	assert_int_equal(addr_len(&v6), 16);
	assert_false(addr_eq(&v4, &v6));
	assert_true(addr_eq(&v4, &(struct ipaddr){AF_INET, {10, 0, 0, 1}}));
	assert_false(addr_eq(&v4, &(struct ipaddr){AF_INET, {10, 0, 0, 2}}));
	assert_true(addr_eq(&v6, &v6));
}

static const struct {
	const char *in, *net;
} network[] = {
    {"10.1.2.3/20", "10.1.0.0/20"},
    {"10.1.2.3/0", "0.0.0.0/0"},
    {"10.1.2.3/32", "10.1.2.3/32"},
    {"10.1.2.255/25", "10.1.2.128/25"},
    {"fd00::ffff/120", "fd00::ff00/120"},
    {"fd00:8::1/64", "fd00:8::/64"},
    {"ffff::1/1", "8000::/1"},
};

static void test_addr_prefix_network_table(void **state)
{
	char out[ADDR_STRLEN];

	(void)state;
	for (size_t i = 0; i < N(network); i++) {
		struct prefix p = pfx(network[i].in), n;

		addr_prefix_network(&p, &n);
		assert_string_equal(addr_fmt_prefix(&n, out), network[i].net);
		/* The network passes the strict parse; the input might not. */
		assert_true(addr_parse_prefix(out, true, &p));
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_addr_parse_valid),
	    cmocka_unit_test(test_addr_parse_rejects_hostile),
	    cmocka_unit_test(test_addr_parse_prefix_valid),
	    cmocka_unit_test(test_addr_parse_prefix_rejects_hostile),
	    cmocka_unit_test(test_addr_parse_sockaddr_valid),
	    cmocka_unit_test(test_addr_parse_sockaddr_rejects_hostile),
	    cmocka_unit_test(test_addr_fmt_sockaddr_unknown_family),
	    cmocka_unit_test(test_addr_fmt_unset),
	    cmocka_unit_test(test_addr_fmt_prefix_longest),
	    cmocka_unit_test(test_addr_in_prefix_table),
	    cmocka_unit_test(test_addr_in_prefix_unset_never_matches),
	    cmocka_unit_test(test_addr_eq_families),
	    cmocka_unit_test(test_addr_prefix_network_table),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
