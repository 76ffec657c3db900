/*
 * test_msg.c - CONFIG, CONFIG_UPDATE and FEATURES payloads: full and
 * minimal round trips, every truncation, a table of hostile attributes
 * appended to a sound CONFIG, encoder refusals. BYE is test_msg_bye.c's.
 * Addresses are built by hand so the test needs nothing from addr.c.
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

static struct ipaddr ip4(uint8_t a, uint8_t b, uint8_t c, uint8_t d)
{
	struct ipaddr x = {.family = AF_INET, .bytes = {a, b, c, d}};
	return x;
}

/* fd00:<b2b3>::<last> */
static struct ipaddr ip6(uint8_t b3, uint8_t last)
{
	struct ipaddr x = {.family = AF_INET6, .bytes = {0xfd, 0, 0, b3}};
	x.bytes[15] = last;
	return x;
}

static struct prefix pfx(struct ipaddr a, uint8_t len)
{
	struct prefix p = {.addr = a, .len = len};
	return p;
}

static void minimal_config(struct msg_config *c)
{
	memset(c, 0, sizeof(*c));
	c->addr4 = pfx(ip4(10, 8, 0, 2), 24); /* host bits set: an interface */
	c->mtu = 1400;
	c->keepalive = 10;
}

/* Every field set, every list at its maximum. */
static void full_config(struct msg_config *c)
{
	memset(c, 0, sizeof(*c));
	c->addr4 = pfx(ip4(10, 8, 0, 7), 24);
	c->addr6 = pfx(ip6(8, 7), 64);
	c->gateway4 = ip4(10, 8, 0, 1);
	c->gateway6 = ip6(8, 1);
	c->mtu = MSG_MTU_MAX;
	c->keepalive = MSG_KEEPALIVE_MAX;
	for (unsigned i = 0; i < CFG_MAX_ROUTES; i++)
		c->routes[i] = i % 2 ? pfx(ip6((uint8_t)i, 0), 64)
				     : pfx(ip4(10, (uint8_t)i, 0, 0), (uint8_t)(16 + i % 8));
	c->routes[0] = pfx(ip4(0, 0, 0, 0), 0);
	c->routes[1] = pfx(ip6(0, 0), 128);
	c->routes[1].addr.bytes[15] = 1;
	c->n_routes = CFG_MAX_ROUTES;
	for (unsigned i = 0; i < CFG_MAX_DNS; i++)
		c->dns[i] = i % 2 ? ip6(20, (uint8_t)i) : ip4(10, 20, 0, (uint8_t)i);
	c->n_dns = CFG_MAX_DNS;
	for (unsigned i = 0; i < CFG_MAX_SEARCH; i++)
		snprintf(c->search[i], sizeof(c->search[i]), "corp%u.example", i);
	/* One search domain at the full 253 bytes: 3 labels of 63 and one of 61. */
	memset(c->search[0], 'a', MSG_DOMAIN_MAX);
	c->search[0][63] = c->search[0][127] = c->search[0][191] = '.';
	c->search[0][MSG_DOMAIN_MAX] = '\0';
	c->n_search = CFG_MAX_SEARCH;
	c->session_id = 0x0123456789abcdefULL;
	c->cert_not_after = 1900000000;
	c->cert_warn_days = 14;
	c->dead_peer = MSG_DEAD_PEER_MAX;
	/* Every routing domain at the full 253 bytes, each its own. */
	for (unsigned i = 0; i < CFG_MAX_ROUTING; i++) {
		memcpy(c->routing[i], c->search[0], sizeof(c->routing[i]));
		c->routing[i][0] = (char)('b' + i);
	}
	c->n_routing = CFG_MAX_ROUTING;
	c->features = PROTO_FEATURE_CONFIG_UPDATE;
}

static enum msg_result decode_config(const uint8_t *p, size_t n, struct msg_config *out,
				     const char **why)
{
	/* Exact-size heap copy so ASan sees any read past the payload. */
	uint8_t *c = malloc(n > 0 ? n : 1);
	enum msg_result r;

	assert_non_null(c);
	if (n > 0)
		memcpy(c, p, n);
	r = msg_config_decode(c, n, out, why);
	free(c);
	return r;
}

/* Field by field: struct padding is not part of the value. */
static void assert_addr_equal(const struct ipaddr *a, const struct ipaddr *b)
{
	assert_int_equal(a->family, b->family);
	assert_memory_equal(a->bytes, b->bytes, sizeof(a->bytes));
}

static void assert_prefix_equal(const struct prefix *a, const struct prefix *b)
{
	assert_addr_equal(&a->addr, &b->addr);
	assert_int_equal(a->len, b->len);
}

static void assert_config_equal(const struct msg_config *a, const struct msg_config *b)
{
	assert_prefix_equal(&a->addr4, &b->addr4);
	assert_prefix_equal(&a->addr6, &b->addr6);
	assert_addr_equal(&a->gateway4, &b->gateway4);
	assert_addr_equal(&a->gateway6, &b->gateway6);
	assert_int_equal(a->mtu, b->mtu);
	assert_int_equal(a->keepalive, b->keepalive);
	assert_int_equal(a->n_routes, b->n_routes);
	for (unsigned i = 0; i < a->n_routes; i++)
		assert_prefix_equal(&a->routes[i], &b->routes[i]);
	assert_int_equal(a->n_dns, b->n_dns);
	for (unsigned i = 0; i < a->n_dns; i++)
		assert_addr_equal(&a->dns[i], &b->dns[i]);
	assert_int_equal(a->n_search, b->n_search);
	for (unsigned i = 0; i < a->n_search; i++)
		assert_string_equal(a->search[i], b->search[i]);
	assert_int_equal(a->session_id, b->session_id);
	assert_int_equal(a->cert_not_after, b->cert_not_after);
	assert_int_equal(a->cert_warn_days, b->cert_warn_days);
	assert_int_equal(a->dead_peer, b->dead_peer);
	assert_int_equal(a->n_routing, b->n_routing);
	for (unsigned i = 0; i < a->n_routing; i++)
		assert_string_equal(a->routing[i], b->routing[i]);
	assert_int_equal(a->features, b->features);
}

static void test_msg_config_encode_round_trip_full(void **state)
{
	static uint8_t out[8192];
	static struct msg_config in, back;
	const char *why = NULL;
	size_t n;

	(void)state;
	full_config(&in);
	n = msg_config_encode(&in, out, sizeof(out));
	assert_true(n > 0);
	/* frame.c's CONFIG limit leaves room above the largest we write. */
	assert_true(n <= 4096);
	assert_int_equal(decode_config(out, n, &back, &why), MSG_OK);
	assert_config_equal(&in, &back);
}

static void test_msg_config_encode_round_trip_minimal(void **state)
{
	static const uint8_t want[] = {
	    CFG_ATTR_IPV4,	0, 5, 10, 8, 0, 2, 24, CFG_ATTR_MTU, 0, 2, 0x05, 0x78,
	    CFG_ATTR_KEEPALIVE, 0, 2, 0,  10};
	static struct msg_config in, back;
	uint8_t out[64];
	const char *why = NULL;
	size_t n;

	(void)state;
	minimal_config(&in);
	n = msg_config_encode(&in, out, sizeof(out));
	assert_int_equal(n, sizeof(want));
	assert_memory_equal(out, want, sizeof(want));
	assert_int_equal(decode_config(out, n, &back, &why), MSG_OK);
	assert_config_equal(&in, &back);
	/* IPv6 only is enough too. */
	memset(&in.addr4, 0, sizeof(in.addr4));
	in.addr6 = pfx(ip6(8, 2), 64);
	n = msg_config_encode(&in, out, sizeof(out));
	assert_int_equal(n, 3 + 17 + 5 + 5);
	assert_int_equal(decode_config(out, n, &back, &why), MSG_OK);
	assert_config_equal(&in, &back);
}

static void test_msg_config_encode_refuses_small_cap(void **state)
{
	static uint8_t out[8192];
	static struct msg_config c;
	size_t full;

	(void)state;
	full_config(&c);
	full = msg_config_encode(&c, out, sizeof(out));
	assert_true(full > 0);
	for (size_t cap = 0; cap < full; cap++)
		assert_int_equal(msg_config_encode(&c, out, cap), 0);
	assert_int_equal(msg_config_encode(&c, out, full), full);
}

/* Walk the attribute boundaries of a sound encoding: a cut anywhere else
 * is malformed; a cut on one decodes only if the mandatory ones are in. */
static void test_msg_config_decode_truncated_at_every_length(void **state)
{
	static uint8_t out[8192];
	static struct msg_config c, back;
	bool boundary[8193] = {false};
	size_t n, off = 0;

	(void)state;
	full_config(&c);
	n = msg_config_encode(&c, out, sizeof(out));
	while (off < n) {
		boundary[off] = true;
		off += 3 + buf_get16(out + off + 1);
	}
	assert_int_equal(off, n);
	for (size_t k = 0; k < n; k++) {
		const char *why = NULL;
		enum msg_result r = decode_config(out, k, &back, &why);

		if (!boundary[k] && r != MSG_MALFORMED)
			fail_msg("cut at %zu inside an attribute decoded", k);
		if (r == MSG_MALFORMED)
			assert_non_null(why);
	}
	/* Our encoder writes the addresses, MTU and keepalive first: every
	 * boundary after them decodes. */
	for (size_t k = 3 + 5 + 3 + 17 + 3 + 2 + 3 + 2; k < n; k++) {
		const char *why = NULL;
		if (boundary[k])
			assert_int_equal(decode_config(out, k, &back, &why), MSG_OK);
	}
}

struct hostile {
	const char *name;
	const char *why; /* a word of the expected reason */
	uint8_t bytes[40];
	size_t len;
};

#define A4 10, 8, 0, 2
#define Z15 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0

/* Appended to a sound minimal CONFIG (IPv4, MTU, keepalive). */
static const struct hostile hostile[] = {
    {"repeated IPV4", "repeated", {CFG_ATTR_IPV4, 0, 5, A4, 24}, 8},
    {"repeated MTU", "repeated", {CFG_ATTR_MTU, 0, 2, 5, 0x78}, 5},
    {"repeated KEEPALIVE", "repeated", {CFG_ATTR_KEEPALIVE, 0, 2, 0, 10}, 5},
    {"repeated IPV6",
     "repeated",
     {CFG_ATTR_IPV6, 0, 17, 0xfd, Z15, 64, CFG_ATTR_IPV6, 0, 17, 0xfd, Z15, 64},
     40},
    {"repeated GATEWAY4",
     "repeated",
     {CFG_ATTR_GATEWAY4, 0, 4, A4, CFG_ATTR_GATEWAY4, 0, 4, A4},
     14},
    {"repeated SESSION_ID",
     "repeated",
     {0x81, 0, 8, 0, 0, 0, 0, 0, 0, 0, 1, 0x81, 0, 8, 0, 0, 0, 0, 0, 0, 0, 1},
     22},
    {"repeated CERT_WARN_DAYS", "repeated", {0x83, 0, 2, 0, 7, 0x83, 0, 2, 0, 7}, 10},
    {"IPV6 prefix 129", "prefix length", {CFG_ATTR_IPV6, 0, 17, 0xfd, Z15, 129}, 20},
    {"IPV6 prefix 0", "prefix length", {CFG_ATTR_IPV6, 0, 17, 0xfd, Z15, 0}, 20},
    {"ROUTE4 prefix 33", "prefix length", {CFG_ATTR_ROUTE4, 0, 5, 10, 0, 0, 0, 33}, 8},
    {"ROUTE4 host bits", "host bits", {CFG_ATTR_ROUTE4, 0, 5, 10, 20, 0, 1, 24}, 8},
    {"ROUTE4 host bit in the prefix byte",
     "host bits",
     {CFG_ATTR_ROUTE4, 0, 5, 10, 20, 1, 0, 23},
     8},
    {"ROUTE4 default with bits", "host bits", {CFG_ATTR_ROUTE4, 0, 5, 0, 0, 0, 1, 0}, 8},
    {"ROUTE6 prefix 129", "prefix length", {CFG_ATTR_ROUTE6, 0, 17, 0xfd, Z15, 129}, 20},
    {"ROUTE6 host bits",
     "host bits",
     {CFG_ATTR_ROUTE6, 0, 17, 0xfd, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 64},
     20},
    {"ROUTE4 length 4", "wrong length", {CFG_ATTR_ROUTE4, 0, 4, 10, 0, 0, 0}, 7},
    {"ROUTE6 length 5", "wrong length", {CFG_ATTR_ROUTE6, 0, 5, 10, 0, 0, 0, 8}, 8},
    {"DNS4 length 5", "wrong length", {CFG_ATTR_DNS4, 0, 5, 10, 0, 0, 53, 0}, 8},
    {"DNS4 length 0", "wrong length", {CFG_ATTR_DNS4, 0, 0}, 3},
    {"DNS6 length 4", "wrong length", {CFG_ATTR_DNS6, 0, 4, 10, 0, 0, 53}, 7},
    {"GATEWAY6 without IPV6", "gateway", {CFG_ATTR_GATEWAY6, 0, 16, 0xfd, Z15}, 19},
    {"GATEWAY4 length 5", "wrong length", {CFG_ATTR_GATEWAY4, 0, 5, A4, 0}, 8},
    {"search empty", "wrong length", {CFG_ATTR_DNS_SEARCH, 0, 0}, 3},
    {"search with space", "domain", {CFG_ATTR_DNS_SEARCH, 0, 5, 'a', ' ', 'b', '.', 'c'}, 8},
    {"search with newline", "domain", {CFG_ATTR_DNS_SEARCH, 0, 5, 'a', '\n', 'n', 's', '1'}, 8},
    {"search with NUL", "domain", {CFG_ATTR_DNS_SEARCH, 0, 3, 'a', 0, 'b'}, 6},
    {"search empty label", "domain", {CFG_ATTR_DNS_SEARCH, 0, 4, 'a', '.', '.', 'b'}, 7},
    {"search leading dot", "domain", {CFG_ATTR_DNS_SEARCH, 0, 2, '.', 'a'}, 5},
    {"search trailing dot", "domain", {CFG_ATTR_DNS_SEARCH, 0, 2, 'a', '.'}, 5},
    {"search high byte", "domain", {CFG_ATTR_DNS_SEARCH, 0, 2, 'a', 0xc3}, 5},
    {"routing empty", "wrong length", {CFG_ATTR_DNS_ROUTING, 0, 0}, 3},
    {"routing with tilde", "domain", {CFG_ATTR_DNS_ROUTING, 0, 3, '~', 'a', 'b'}, 6},
    {"routing root dot", "domain", {CFG_ATTR_DNS_ROUTING, 0, 1, '.'}, 4},
    {"routing with newline", "domain", {CFG_ATTR_DNS_ROUTING, 0, 3, 'a', '\n', 'b'}, 6},
    {"SESSION_ID zero", "session id", {0x81, 0, 8, 0, 0, 0, 0, 0, 0, 0, 0}, 11},
    {"SESSION_ID length 7", "wrong length", {0x81, 0, 7, 0, 0, 0, 0, 0, 0, 1}, 10},
    {"CERT_NOT_AFTER zero", "expiry", {0x82, 0, 8, 0, 0, 0, 0, 0, 0, 0, 0}, 11},
    {"CERT_NOT_AFTER negative",
     "expiry",
     {0x82, 0, 8, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff},
     11},
    {"CERT_NOT_AFTER after 9999", "expiry", {0x82, 0, 8, 0, 0, 0, 0x3b, 0, 0, 0, 0}, 11},
    {"CERT_WARN_DAYS zero", "warning days", {0x83, 0, 2, 0, 0}, 5},
    {"CERT_WARN_DAYS 3651", "warning days", {0x83, 0, 2, 0x0e, 0x43}, 5},
    {"CERT_WARN_DAYS length 1", "wrong length", {0x83, 0, 1, 7}, 4},
    {"DEAD_PEER equal to the keepalive", "not above the keepalive", {0x84, 0, 4, 0, 0, 0, 10}, 7},
    {"DEAD_PEER below the keepalive", "not above the keepalive", {0x84, 0, 4, 0, 0, 0, 3}, 7},
    {"DEAD_PEER 1", "dead-peer timeout out of range", {0x84, 0, 4, 0, 0, 0, 1}, 7},
    {"DEAD_PEER 86401", "dead-peer timeout out of range", {0x84, 0, 4, 0, 1, 0x51, 0x81}, 7},
    {"DEAD_PEER 2^32-1", "dead-peer timeout out of range", {0x84, 0, 4, 0xff, 0xff, 0xff, 0xff}, 7},
    {"DEAD_PEER length 2", "wrong length", {0x84, 0, 2, 0, 30}, 5},
    {"repeated DEAD_PEER", "repeated", {0x84, 0, 4, 0, 0, 0, 30, 0x84, 0, 4, 0, 0, 0, 30}, 14},
    {"unknown mandatory 0x00", "unknown mandatory", {0x00, 0, 0}, 3},
    {"unknown mandatory 0x0c", "unknown mandatory", {0x0c, 0, 1, 0}, 4},
    {"unknown mandatory 0x7f", "unknown mandatory", {0x7f, 0, 0}, 3},
    {"attribute overruns", "longer than the message", {CFG_ATTR_DNS4, 0, 5, 10, 0, 0}, 6},
    {"optional attribute overruns", "longer than the message", {0x90, 0xff, 0xff, 1}, 4},
    {"header of 1 byte", "header truncated", {CFG_ATTR_DNS4}, 1},
    {"header of 2 bytes", "header truncated", {CFG_ATTR_DNS4, 0}, 2},
};

static void assert_why(const char *name, const char *why, const char *want)
{
	if (why == NULL || strstr(why, want) == NULL)
		fail_msg("%s: refused for \"%s\", expected \"%s\"", name, why ? why : "(null)",
			 want);
}

/* A search domain of len bytes of 'a', with a dot every label_max + 1. */
static size_t search_attr(uint8_t *out, size_t len, size_t label_max)
{
	out[0] = CFG_ATTR_DNS_SEARCH;
	buf_put16(out + 1, (uint16_t)len);
	memset(out + 3, 'a', len);
	for (size_t i = label_max; i < len; i += label_max + 1)
		out[3 + i] = '.';
	return 3 + len;
}

static void test_msg_config_decode_hostile_attributes_refused(void **state)
{
	static struct msg_config c, back;
	uint8_t sound[64], buf[512];
	size_t base, n;
	const char *why;

	(void)state;
	minimal_config(&c);
	base = msg_config_encode(&c, sound, sizeof(sound));
	assert_true(base > 0);
	memcpy(buf, sound, base);
	for (size_t i = 0; i < sizeof(hostile) / sizeof(hostile[0]); i++) {
		memcpy(buf + base, hostile[i].bytes, hostile[i].len);
		why = NULL;
		if (decode_config(buf, base + hostile[i].len, &back, &why) != MSG_MALFORMED)
			fail_msg("%s: accepted", hostile[i].name);
		assert_why(hostile[i].name, why, hostile[i].why);
	}
	/* Search domains at the length limits: 253 bytes and 63-byte labels
	 * pass, one more byte in either does not. */
	n = base + search_attr(buf + base, MSG_DOMAIN_MAX, 63);
	assert_int_equal(decode_config(buf, n, &back, &why), MSG_OK);
	assert_int_equal(strlen(back.search[0]), MSG_DOMAIN_MAX);
	n = base + search_attr(buf + base, MSG_DOMAIN_MAX + 1, 63);
	assert_int_equal(decode_config(buf, n, &back, &why), MSG_MALFORMED);
	assert_why("search of 254", why, "wrong length");
	n = base + search_attr(buf + base, 64, 64);
	assert_int_equal(decode_config(buf, n, &back, &why), MSG_MALFORMED);
	assert_why("label of 64", why, "domain");
}

struct incomplete {
	const char *name;
	const char *why;
	uint8_t bytes[64];
	size_t len;
};

#define MTU_KA CFG_ATTR_MTU, 0, 2, 5, 0x78, CFG_ATTR_KEEPALIVE, 0, 2, 0, 10

/* Whole CONFIGs, each missing something or with a mandatory value out of
 * range. */
static const struct incomplete incomplete[] = {
    {"empty", "no tunnel address", {0}, 0},
    {"no address", "no tunnel address", {MTU_KA}, 10},
    {"no MTU", "lacks", {CFG_ATTR_IPV4, 0, 5, A4, 24, CFG_ATTR_KEEPALIVE, 0, 2, 0, 10}, 13},
    {"no keepalive", "lacks", {CFG_ATTR_IPV4, 0, 5, A4, 24, CFG_ATTR_MTU, 0, 2, 5, 0x78}, 13},
    {"MTU 575",
     "MTU out of range",
     {CFG_ATTR_IPV4, 0, 5, A4, 24, CFG_ATTR_MTU, 0, 2, 0x02, 0x3f, CFG_ATTR_KEEPALIVE, 0, 2, 0, 10},
     18},
    {"MTU 9001",
     "MTU out of range",
     {CFG_ATTR_IPV4, 0, 5, A4, 24, CFG_ATTR_MTU, 0, 2, 0x23, 0x29, CFG_ATTR_KEEPALIVE, 0, 2, 0, 10},
     18},
    {"keepalive 0",
     "keepalive out of range",
     {CFG_ATTR_IPV4, 0, 5, A4, 24, CFG_ATTR_MTU, 0, 2, 5, 0x78, CFG_ATTR_KEEPALIVE, 0, 2, 0, 0},
     18},
    {"keepalive 3601",
     "keepalive out of range",
     {CFG_ATTR_IPV4, 0, 5, A4, 24, CFG_ATTR_MTU, 0, 2, 5, 0x78, CFG_ATTR_KEEPALIVE, 0, 2, 0x0e,
      0x11},
     18},
    {"IPV4 prefix 0", "prefix length", {CFG_ATTR_IPV4, 0, 5, A4, 0, MTU_KA}, 18},
    {"IPV4 prefix 33", "prefix length", {CFG_ATTR_IPV4, 0, 5, A4, 33, MTU_KA}, 18},
    {"IPV4 length 4", "wrong length", {CFG_ATTR_IPV4, 0, 4, A4, MTU_KA}, 17},
    {"MTU length 3",
     "wrong length",
     {CFG_ATTR_IPV4, 0, 5, A4, 24, CFG_ATTR_MTU, 0, 3, 0, 5, 0x78, CFG_ATTR_KEEPALIVE, 0, 2, 0, 10},
     19},
    {"GATEWAY4 without IPV4",
     "gateway",
     {CFG_ATTR_IPV6, 0, 17, 0xfd, Z15, 64, MTU_KA, CFG_ATTR_GATEWAY4, 0, 4, A4},
     37},
};

static void test_msg_config_decode_incomplete_refused(void **state)
{
	static struct msg_config back;

	(void)state;
	for (size_t i = 0; i < sizeof(incomplete) / sizeof(incomplete[0]); i++) {
		const char *why = NULL;

		if (decode_config(incomplete[i].bytes, incomplete[i].len, &back, &why) !=
		    MSG_MALFORMED)
			fail_msg("%s: accepted", incomplete[i].name);
		assert_why(incomplete[i].name, why, incomplete[i].why);
	}
}

/* One attribute more than each list holds. */
static void test_msg_config_decode_too_many_refused(void **state)
{
	static const uint8_t attrs[][20] = {
	    {CFG_ATTR_ROUTE4, 0, 5, 10, 20, 0, 0, 24},
	    {CFG_ATTR_DNS6, 0, 16, 0xfd, Z15},
	    {CFG_ATTR_DNS_SEARCH, 0, 3, 'a', '.', 'b'},
	    {CFG_ATTR_DNS_ROUTING, 0, 3, 'a', '.', 'b'},
	};
	static const unsigned max[] = {CFG_MAX_ROUTES, CFG_MAX_DNS, CFG_MAX_SEARCH,
				       CFG_MAX_ROUTING};
	static const size_t len[] = {8, 19, 6, 6};
	static struct msg_config c, back;
	static uint8_t buf[4096];

	(void)state;
	minimal_config(&c);
	for (size_t a = 0; a < 4; a++) {
		size_t n = msg_config_encode(&c, buf, sizeof(buf));
		const char *why = NULL;

		for (unsigned i = 0; i < max[a]; i++, n += len[a])
			memcpy(buf + n, attrs[a], len[a]);
		assert_int_equal(decode_config(buf, n, &back, &why), MSG_OK);
		memcpy(buf + n, attrs[a], len[a]);
		n += len[a];
		assert_int_equal(decode_config(buf, n, &back, &why), MSG_MALFORMED);
		assert_non_null(why);
	}
}

static void test_msg_config_decode_skips_unknown_optional(void **state)
{
	static const uint8_t extra[] = {0x80, 0, 0, 0xff, 0,	3, 1, 2, 3,
					0xa0, 0, 1, 9,	  0xa0, 0, 1, 9};
	static struct msg_config c, back;
	uint8_t buf[128];
	const char *why = NULL;
	size_t n;

	(void)state;
	minimal_config(&c);
	n = msg_config_encode(&c, buf, sizeof(buf));
	memcpy(buf + n, extra, sizeof(extra));
	/* Before, between and after the known ones. */
	assert_int_equal(decode_config(buf, n + sizeof(extra), &back, &why), MSG_OK);
	assert_config_equal(&c, &back);
	memmove(buf + sizeof(extra), buf, n);
	memcpy(buf, extra, sizeof(extra));
	assert_int_equal(decode_config(buf, n + sizeof(extra), &back, &why), MSG_OK);
	assert_config_equal(&c, &back);
}

/* DEAD_PEER is optional: absent it decodes as 0 (an older gateway, the
 * client keeps 3 x keepalive); present it lies in (keepalive, 86400],
 * whichever order the two attributes come in. */
static void test_msg_config_decode_dead_peer_limits(void **state)
{
	static const struct {
		uint32_t value;
		bool ok;
	} cases[] = {{0, false}, {2, false}, {10, false}, {11, true}, {30, true},
		     {MSG_DEAD_PEER_MAX, true}, {MSG_DEAD_PEER_MAX + 1, false}, {65536, true}};
	static struct msg_config c, back;
	uint8_t buf[128], attr[7] = {CFG_ATTR_DEAD_PEER, 0, 4};
	const char *why = NULL;
	size_t n;

	(void)state;
	minimal_config(&c);
	n = msg_config_encode(&c, buf, sizeof(buf));
	assert_int_equal(decode_config(buf, n, &back, &why), MSG_OK);
	assert_int_equal(back.dead_peer, 0);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		buf_put32(attr + 3, cases[i].value);
		/* After the keepalive, then before it. */
		memcpy(buf + n, attr, sizeof(attr));
		why = NULL;
		assert_int_equal(decode_config(buf, n + sizeof(attr), &back, &why),
				 cases[i].ok ? MSG_OK : MSG_MALFORMED);
		if (cases[i].ok)
			assert_int_equal(back.dead_peer, cases[i].value);
		else
			assert_non_null(why);
		memmove(buf + sizeof(attr), buf, n);
		memcpy(buf, attr, sizeof(attr));
		assert_int_equal(decode_config(buf, n + sizeof(attr), &back, &why),
				 cases[i].ok ? MSG_OK : MSG_MALFORMED);
		memmove(buf, buf + sizeof(attr), n);
		/* What decodes encodes to the same bytes at the end. */
		c.dead_peer = cases[i].value;
		if (cases[i].ok) {
			uint8_t out[128];
			size_t m = msg_config_encode(&c, out, sizeof(out));

			assert_int_equal(m, n + sizeof(attr));
			assert_memory_equal(out + n, attr, sizeof(attr));
		}
		c.dead_peer = 0;
	}
}

/* The i-th way to spoil a sound minimal CONFIG; NULL past the last. */
static const char *spoil(unsigned i, struct msg_config *c)
{
	switch (i) {
	case 0:
		memset(&c->addr4, 0, sizeof(c->addr4));
		return "no address";
	case 1:
		c->addr4.addr.family = AF_INET6;
		return "addr4 of family AF_INET6";
	case 2:
		c->addr4.len = 0;
		return "addr4 /0";
	case 3:
		c->addr4.len = 33;
		return "addr4 /33";
	case 4:
		c->addr6 = pfx(ip6(8, 2), 129);
		return "addr6 /129";
	case 5:
		c->mtu = MSG_MTU_MIN - 1;
		return "MTU below the minimum";
	case 6:
		c->mtu = MSG_MTU_MAX + 1;
		return "MTU above the maximum";
	case 7:
		c->keepalive = 0;
		return "keepalive 0";
	case 8:
		c->keepalive = MSG_KEEPALIVE_MAX + 1;
		return "keepalive above the maximum";
	case 9:
		c->gateway6 = ip6(8, 1);
		return "gateway6 without addr6";
	case 10:
		c->gateway4 = ip6(8, 1);
		return "gateway4 of family AF_INET6";
	case 11:
		c->routes[0] = pfx(ip4(10, 20, 0, 1), 24);
		c->n_routes = 1;
		return "route with host bits";
	case 12:
		c->routes[0] = pfx(ip4(10, 20, 0, 0), 33);
		c->n_routes = 1;
		return "route /33";
	case 13:
		c->n_routes = 1; /* routes[0] is all zero: no family */
		return "route without a family";
	case 14:
		c->n_routes = CFG_MAX_ROUTES + 1;
		return "too many routes";
	case 15:
		c->n_dns = 1;
		return "DNS server without a family";
	case 16:
		c->n_dns = CFG_MAX_DNS + 1;
		return "too many DNS servers";
	case 17:
		c->n_search = CFG_MAX_SEARCH + 1;
		return "too many search domains";
	case 18:
		strcpy(c->search[0], "corp.example\nnameserver 6.6.6.6");
		c->n_search = 1;
		return "search domain with a newline";
	case 19:
		memset(c->search[0], 'a', sizeof(c->search[0]));
		c->n_search = 1;
		return "search domain without a terminator";
	case 20:
		c->cert_not_after = -1;
		return "negative certificate expiry";
	case 21:
		c->cert_warn_days = 3651;
		return "certificate warning days above ten years";
	case 22:
		c->dead_peer = c->keepalive;
		return "dead-peer timeout equal to the keepalive";
	case 23:
		c->dead_peer = MSG_DEAD_PEER_MAX + 1;
		return "dead-peer timeout above a day";
	case 24:
		c->n_routing = CFG_MAX_ROUTING + 1;
		return "too many routing domains";
	case 25:
		strcpy(c->routing[0], "~corp.example");
		c->n_routing = 1;
		return "routing domain with a tilde";
	default:
		return NULL;
	}
}

static void test_msg_config_encode_refuses_out_of_range(void **state)
{
	static struct msg_config c;
	static uint8_t out[8192];
	const char *name;
	unsigned i = 0;

	(void)state;
	for (;;) {
		minimal_config(&c);
		assert_true(msg_config_encode(&c, out, sizeof(out)) > 0);
		if ((name = spoil(i++, &c)) == NULL)
			break;
		if (msg_config_encode(&c, out, sizeof(out)) != 0)
			fail_msg("%s: encoded", name);
	}
	assert_int_equal(i, 27);
}

/* ---- BYE ---- */


/* ---- CONFIG_UPDATE and FEATURES ---- */

static void test_msg_update_encode_round_trip_lists_only(void **state)
{
	static uint8_t out[8192];
	static struct msg_config in, lists, back;
	const char *why = NULL;
	size_t n = 0;

	(void)state;
	full_config(&in);
	assert_true(msg_update_encode(&in, out, sizeof(out), &n));
	assert_true(n > 0);
	assert_int_equal(msg_update_decode(out, n, &back, &why), MSG_OK);
	/* Only the lists travel: everything else decodes as zero. */
	memset(&lists, 0, sizeof(lists));
	memcpy(lists.routes, in.routes, sizeof(lists.routes));
	lists.n_routes = in.n_routes;
	memcpy(lists.dns, in.dns, sizeof(lists.dns));
	lists.n_dns = in.n_dns;
	memcpy(lists.search, in.search, sizeof(lists.search));
	lists.n_search = in.n_search;
	memcpy(lists.routing, in.routing, sizeof(lists.routing));
	lists.n_routing = in.n_routing;
	assert_config_equal(&lists, &back);
	/* Too small a buffer is refused, never cut short. */
	assert_false(msg_update_encode(&in, out, n - 1, &n));
}

static void test_msg_update_empty_is_valid(void **state)
{
	static struct msg_config in, back;
	uint8_t out[4];
	const char *why = NULL;
	size_t n = 99;

	(void)state;
	memset(&in, 0, sizeof(in));
	assert_true(msg_update_encode(&in, out, sizeof(out), &n));
	assert_int_equal(n, 0);
	assert_int_equal(msg_update_decode(out, 0, &back, &why), MSG_OK);
	assert_int_equal(back.n_routes + back.n_dns + back.n_search + back.n_routing, 0);
}

static void test_msg_update_decode_refuses_other_attributes(void **state)
{
	static const uint8_t bad[][12] = {
	    {CFG_ATTR_MTU, 0, 2, 0x05, 0x78},
	    {CFG_ATTR_IPV4, 0, 5, 10, 8, 0, 2, 24},
	    {CFG_ATTR_KEEPALIVE, 0, 2, 0, 10},
	    {CFG_ATTR_SESSION_ID, 0, 8, 0, 0, 0, 0, 0, 0, 0, 7},
	    {CFG_ATTR_FEATURES, 0, 4, 0, 0, 0, 1},
	    {0x7e, 0, 0},
	    {CFG_ATTR_ROUTE4, 0, 5, 10, 1, 0, 1, 24}, /* host bits */
	};
	static const size_t len[] = {5, 8, 5, 11, 7, 3, 8};
	static struct msg_config back;
	/* An unknown optional attribute is skipped, as in CONFIG. */
	static const uint8_t skip[] = {0xfe, 0, 1, 0, CFG_ATTR_DNS4, 0, 4, 10, 0, 0, 53};

	(void)state;
	for (size_t i = 0; i < sizeof(len) / sizeof(len[0]); i++) {
		const char *why = NULL;

		if (msg_update_decode(bad[i], len[i], &back, &why) != MSG_MALFORMED)
			fail_msg("case %zu accepted", i);
		assert_non_null(why);
	}
	{
		const char *why = NULL;

		assert_int_equal(msg_update_decode(skip, sizeof(skip), &back, &why), MSG_OK);
		assert_int_equal(back.n_dns, 1);
	}
}

static void test_msg_update_encode_refuses_out_of_range(void **state)
{
	static struct msg_config in;
	uint8_t out[64];
	size_t n;

	(void)state;
	memset(&in, 0, sizeof(in));
	in.routes[0] = pfx(ip4(10, 1, 0, 1), 24); /* host bits set */
	in.n_routes = 1;
	assert_false(msg_update_encode(&in, out, sizeof(out), &n));
	memset(&in, 0, sizeof(in));
	in.n_dns = CFG_MAX_DNS + 1;
	assert_false(msg_update_encode(&in, out, sizeof(out), &n));
}

static void test_msg_features_round_trip_and_length(void **state)
{
	uint8_t out[4];
	uint32_t f = 0;
	const char *why = NULL;

	(void)state;
	assert_int_equal(msg_features_encode(0x80000001u, out, sizeof(out)), 4);
	assert_int_equal(msg_features_decode(out, 4, &f, &why), MSG_OK);
	assert_int_equal(f, 0x80000001u);
	assert_int_equal(msg_features_encode(1, out, 3), 0);
	assert_int_equal(msg_features_decode(out, 3, &f, &why), MSG_MALFORMED);
	assert_int_equal(msg_features_decode(out, 5, &f, &why), MSG_MALFORMED);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_msg_config_encode_round_trip_full),
	    cmocka_unit_test(test_msg_config_encode_round_trip_minimal),
	    cmocka_unit_test(test_msg_config_encode_refuses_small_cap),
	    cmocka_unit_test(test_msg_config_decode_truncated_at_every_length),
	    cmocka_unit_test(test_msg_config_decode_hostile_attributes_refused),
	    cmocka_unit_test(test_msg_config_decode_incomplete_refused),
	    cmocka_unit_test(test_msg_config_decode_too_many_refused),
	    cmocka_unit_test(test_msg_config_decode_skips_unknown_optional),
	    cmocka_unit_test(test_msg_config_decode_dead_peer_limits),
	    cmocka_unit_test(test_msg_config_encode_refuses_out_of_range),
	    cmocka_unit_test(test_msg_update_encode_round_trip_lists_only),
	    cmocka_unit_test(test_msg_update_empty_is_valid),
	    cmocka_unit_test(test_msg_update_decode_refuses_other_attributes),
	    cmocka_unit_test(test_msg_update_encode_refuses_out_of_range),
	    cmocka_unit_test(test_msg_features_round_trip_and_length),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
