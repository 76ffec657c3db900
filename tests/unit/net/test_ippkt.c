/*
 * test_ippkt.c - inner packet checks: sound IPv4 and IPv6 packets give
 * their addresses and protocol; every truncation, a wrong version, a bad
 * IHL and any length disagreeing with the bytes are refused.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <cmocka.h>

#include "ippkt.h"
#include "pktbuild.h"

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

/* IPv4 UDP 10.8.0.1 -> 10.8.0.2, 20-byte header and 8 bytes of payload. */
static const uint8_t v4_pkt[28] = {0x45, 0, 0,	28, 0, 0, 0x40, 0, 64, 17, 0, 0, 10, 8,
				   0,	 1, 10, 8,  0, 2, 1,	2, 3,  4,  5, 6, 7,  8};

/* IPv6 ICMPv6 fd00::1 -> fd00::2 with 8 bytes of payload. */
static const uint8_t v6_pkt[48] = {0x60, 0, 0, 0, 0, 8, 58, 64, 0xfd, 0, 0, 0, 0, 0, 0, 0,
				   0,	 0, 0, 0, 0, 0, 0,  1,	0xfd, 0, 0, 0, 0, 0, 0, 0,
				   0,	 0, 0, 0, 0, 0, 0,  2,	1,    2, 3, 4, 5, 6, 7, 8};

static enum ippkt_result parse(const uint8_t *p, size_t n, struct ippkt_info *info)
{
	/* Exact-size heap copy so ASan sees any read past the packet. */
	uint8_t *c = malloc(n > 0 ? n : 1);
	enum ippkt_result r;

	assert_non_null(c);
	if (n > 0)
		memcpy(c, p, n);
	r = ippkt_parse(c, n, info);
	free(c);
	return r;
}

static void test_ippkt_parse_ipv4_fields(void **state)
{
	static const uint8_t src[4] = {10, 8, 0, 1}, dst[4] = {10, 8, 0, 2};
	struct ippkt_info info;

	(void)state;
	assert_int_equal(parse(v4_pkt, sizeof(v4_pkt), &info), IPPKT_OK);
	assert_int_equal(info.family, AF_INET);
	assert_int_equal(info.proto, 17);
	assert_int_equal(info.len, 28);
	assert_int_equal(info.src.family, AF_INET);
	assert_int_equal(info.dst.family, AF_INET);
	assert_memory_equal(info.src.bytes, src, 4);
	assert_memory_equal(info.dst.bytes, dst, 4);
}

static void test_ippkt_parse_ipv4_with_options(void **state)
{
	uint8_t p[32];
	struct ippkt_info info;

	(void)state;
	/* IHL 6: one 4-byte option (NOPs) before the payload. */
	memcpy(p, v4_pkt, 20);
	p[0] = 0x46;
	p[3] = 32;
	memset(p + 20, 1, 4);
	memcpy(p + 24, v4_pkt + 20, 8);
	assert_int_equal(parse(p, sizeof(p), &info), IPPKT_OK);
	assert_int_equal(info.len, 32);
	assert_int_equal(info.dst.bytes[3], 2);
}

static void test_ippkt_parse_ipv6_fields(void **state)
{
	struct ippkt_info info;

	(void)state;
	assert_int_equal(parse(v6_pkt, sizeof(v6_pkt), &info), IPPKT_OK);
	assert_int_equal(info.family, AF_INET6);
	assert_int_equal(info.proto, 58);
	assert_int_equal(info.len, 48);
	assert_int_equal(info.src.family, AF_INET6);
	assert_memory_equal(info.src.bytes, v6_pkt + 8, 16);
	assert_memory_equal(info.dst.bytes, v6_pkt + 24, 16);
}

static void test_ippkt_parse_ipv6_header_only(void **state)
{
	uint8_t p[40];
	struct ippkt_info info;

	(void)state;
	memcpy(p, v6_pkt, 40);
	p[5] = 0;
	p[6] = 59; /* no next header */
	assert_int_equal(parse(p, sizeof(p), &info), IPPKT_OK);
	assert_int_equal(info.len, 40);
}

static void test_ippkt_parse_truncated_at_every_length(void **state)
{
	struct ippkt_info info;

	(void)state;
	for (size_t n = 0; n < sizeof(v4_pkt); n++) {
		enum ippkt_result r = parse(v4_pkt, n, &info);
		assert_int_equal(r, n < 20 ? IPPKT_TOO_SHORT : IPPKT_BAD_LENGTH);
	}
	for (size_t n = 0; n < sizeof(v6_pkt); n++) {
		enum ippkt_result r = parse(v6_pkt, n, &info);
		assert_int_equal(r, n < 40 ? IPPKT_TOO_SHORT : IPPKT_BAD_LENGTH);
	}
}

struct mutation {
	const char *name;
	int v6;	       /* which sound packet to start from */
	size_t offset; /* byte to overwrite */
	uint8_t value;
	size_t extra; /* trailing bytes added after the packet */
	enum ippkt_result want;
};

static const struct mutation mutations[] = {
    {"version 0", 0, 0, 0x05, 0, IPPKT_BAD_VERSION},
    {"version 5", 0, 0, 0x55, 0, IPPKT_BAD_VERSION},
    {"version 15", 0, 0, 0xf5, 0, IPPKT_BAD_VERSION},
    {"v6 bytes with version 7", 1, 0, 0x75, 0, IPPKT_BAD_VERSION},
    {"IHL 0", 0, 0, 0x40, 0, IPPKT_BAD_HEADER},
    {"IHL 4", 0, 0, 0x44, 0, IPPKT_BAD_HEADER},
    {"IHL 8 beyond 28 bytes", 0, 0, 0x48, 0, IPPKT_BAD_HEADER},
    {"IHL 15", 0, 0, 0x4f, 0, IPPKT_BAD_HEADER},
    {"total length larger", 0, 3, 29, 0, IPPKT_BAD_LENGTH},
    {"total length smaller", 0, 3, 27, 0, IPPKT_BAD_LENGTH},
    {"total length below header", 0, 3, 19, 0, IPPKT_BAD_LENGTH},
    {"total length zero", 0, 3, 0, 0, IPPKT_BAD_LENGTH},
    {"total length high byte", 0, 2, 1, 0, IPPKT_BAD_LENGTH},
    {"v4 trailing bytes", 0, 0, 0x45, 4, IPPKT_BAD_LENGTH},
    {"v6 payload length larger", 1, 5, 9, 0, IPPKT_BAD_LENGTH},
    {"v6 payload length smaller", 1, 5, 7, 0, IPPKT_BAD_LENGTH},
    {"v6 payload length high byte", 1, 4, 1, 0, IPPKT_BAD_LENGTH},
    {"v6 jumbogram (payload length 0)", 1, 5, 0, 0, IPPKT_BAD_LENGTH},
    {"v6 trailing bytes", 1, 0, 0x60, 1, IPPKT_BAD_LENGTH},
};

static void test_ippkt_parse_mutations_refused(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(mutations) / sizeof(mutations[0]); i++) {
		const struct mutation *m = &mutations[i];
		const uint8_t *base = m->v6 ? v6_pkt : v4_pkt;
		size_t n = m->v6 ? sizeof(v6_pkt) : sizeof(v4_pkt);
		uint8_t p[64] = {0};
		struct ippkt_info info;
		enum ippkt_result r;

		memcpy(p, base, n);
		p[m->offset] = m->value;
		r = parse(p, n + m->extra, &info);
		if (r != m->want)
			fail_msg("%s: %s, want %s", m->name, ippkt_result_str(r),
				 ippkt_result_str(m->want));
	}
}

static void test_ippkt_result_str_distinct(void **state)
{
	static const enum ippkt_result all[] = {IPPKT_OK, IPPKT_TOO_SHORT, IPPKT_BAD_VERSION,
						IPPKT_BAD_HEADER, IPPKT_BAD_LENGTH};
	const size_t n = sizeof(all) / sizeof(all[0]);

	(void)state;
	for (size_t i = 0; i < n; i++) {
		assert_non_null(ippkt_result_str(all[i]));
		assert_true(strlen(ippkt_result_str(all[i])) > 0);
		for (size_t j = 0; j < i; j++)
			assert_string_not_equal(ippkt_result_str(all[i]), ippkt_result_str(all[j]));
	}
	assert_non_null(ippkt_result_str((enum ippkt_result)99));
}

/* Parses a built packet whole, then its transport header. */
static void l4_of(const uint8_t *p, size_t n, struct ippkt_l4 *l4)
{
	struct ippkt_info info;
	uint8_t *c = malloc(n);

	assert_non_null(c);
	memcpy(c, p, n);
	assert_int_equal(ippkt_parse(c, n, &info), IPPKT_OK);
	ippkt_l4(c, n, &info, l4);
	free(c);
}

static void test_ippkt_l4_tcp_udp_icmp(void **state)
{
	static const struct pktbuild_spec tcp = {AF_INET, "10.8.0.2", "10.20.0.2", 6, 40000, 443, 0x12, 0, 0, 5};
	static const struct pktbuild_spec udp6 = {AF_INET6, "fd00::2", "fd00::1", 17, 53, 5353, 0, 0, 0, 0};
	static const struct pktbuild_spec ping = {AF_INET, "10.8.0.2", "10.20.0.2", 1, 0, 0, 0, 8, 4242, 0};
	static const struct pktbuild_spec ping6 = {AF_INET6, "fd00::2", "fd00::1", 58, 0, 0, 0, 129, 7, 0};
	uint8_t p[128];
	struct ippkt_l4 l4;

	(void)state;
	l4_of(p, pktbuild_make(&tcp, p, sizeof(p)), &l4);
	assert_int_equal(l4.proto, 6);
	assert_true(l4.has_ports);
	assert_int_equal(l4.sport, 40000);
	assert_int_equal(l4.dport, 443);
	assert_int_equal(l4.tcp_flags, IPPKT_TCP_SYN | IPPKT_TCP_ACK);
	assert_int_equal(l4.off, 20);
	l4_of(p, pktbuild_make(&udp6, p, sizeof(p)), &l4);
	assert_int_equal(l4.proto, 17);
	assert_int_equal(l4.sport, 53);
	assert_int_equal(l4.dport, 5353);
	assert_int_equal(l4.off, 40);
	l4_of(p, pktbuild_make(&ping, p, sizeof(p)), &l4);
	assert_true(l4.has_icmp && l4.icmp_echo && !l4.icmp_error);
	assert_int_equal(l4.icmp_type, 8);
	assert_int_equal(l4.icmp_id, 4242);
	assert_false(l4.has_ports);
	l4_of(p, pktbuild_make(&ping6, p, sizeof(p)), &l4);
	assert_true(l4.icmp_echo);
	assert_int_equal(l4.icmp_id, 7);
}

static void test_ippkt_l4_fragments(void **state)
{
	static const struct pktbuild_spec udp = {AF_INET, "10.8.0.2", "10.20.0.2", 17, 1, 2, 0, 0, 0, 16};
	uint8_t p[128];
	size_t n = pktbuild_make(&udp, p, sizeof(p));
	struct ippkt_l4 l4;

	(void)state;
	p[6] = 0x20; /* more fragments, offset 0: the first fragment has ports */
	l4_of(p, n, &l4);
	assert_false(l4.fragment);
	assert_true(l4.frag_first);
	assert_true(l4.has_ports);
	p[6] = 0x40; /* DF alone: whole */
	l4_of(p, n, &l4);
	assert_false(l4.frag_first);
	p[6] = 0x20;
	p[7] = 0x03; /* offset 24 bytes: a later fragment */
	l4_of(p, n, &l4);
	assert_true(l4.fragment);
	assert_false(l4.has_ports);
	assert_int_equal(l4.proto, 17);
}

/* IPv6 UDP behind a chain of extension headers, built by hand. */
static size_t v6_chain(uint8_t *p, const uint8_t *types, size_t n_ext, uint16_t frag_off)
{
	size_t off = 40;

	memset(p, 0, 512);
	p[0] = 0x60;
	p[6] = n_ext > 0 ? types[0] : 17;
	p[7] = 64;
	p[8] = 0xfd;
	p[24] = 0xfd;
	for (size_t i = 0; i < n_ext; i++) {
		uint8_t next = i + 1 < n_ext ? types[i + 1] : 17;

		p[off] = next;
		if (types[i] == 44) {
			put16(p + off + 2, frag_off);
			off += 8;
		} else if (types[i] == 51) {
			p[off + 1] = 2; /* (2 + 2) * 4 = 16 bytes */
			off += 16;
		} else {
			p[off + 1] = 1; /* 16 bytes */
			off += 16;
		}
	}
	put16(p + off, 1111);
	put16(p + off + 2, 2222);
	off += 8;
	put16(p + 4, (uint16_t)(off - 40));
	return off;
}

static void test_ippkt_l4_ipv6_extension_headers(void **state)
{
	static const uint8_t chain[] = {0, 60, 43, 51, 44, 60};
	static const uint8_t long_chain[IPPKT_MAX_EXT + 1] = {60, 60, 60, 60, 60, 60, 60, 60, 60};
	uint8_t p[512];
	struct ippkt_l4 l4;
	size_t n;

	(void)state;
	n = v6_chain(p, chain, sizeof(chain), 0);
	l4_of(p, n, &l4);
	assert_int_equal(l4.proto, 17);
	assert_true(l4.has_ports);
	assert_int_equal(l4.sport, 1111);
	assert_int_equal(l4.dport, 2222);
	assert_int_equal(l4.off, 40 + 16 + 16 + 16 + 16 + 8 + 16);
	assert_false(l4.frag_first); /* offset 0, M clear: an atomic fragment */

	n = v6_chain(p, chain, sizeof(chain), 0x0001);
	l4_of(p, n, &l4);
	assert_true(l4.frag_first); /* offset 0, M set */
	assert_false(l4.fragment);
	assert_true(l4.has_ports);

	n = v6_chain(p, chain, sizeof(chain), 0x0010);
	l4_of(p, n, &l4);
	assert_true(l4.fragment);
	assert_false(l4.has_ports);

	n = v6_chain(p, long_chain, IPPKT_MAX_EXT, 0);
	l4_of(p, n, &l4);
	assert_true(l4.has_ports);
	n = v6_chain(p, long_chain, IPPKT_MAX_EXT + 1, 0);
	l4_of(p, n, &l4);
	assert_int_equal(l4.proto, 59);
	assert_false(l4.has_ports);

	/* An extension header claiming more than the packet holds. */
	n = v6_chain(p, chain, 1, 0);
	p[41] = 200;
	l4_of(p, n, &l4);
	assert_int_equal(l4.proto, 59);
	assert_false(l4.has_ports);

	/* Every truncation: never a read past the bytes (ASan), never ports
	 * that are not there. */
	n = v6_chain(p, chain, sizeof(chain), 0);
	for (size_t cut = 40; cut < n; cut++) {
		struct ippkt_info info;
		uint8_t *c = malloc(cut);

		assert_non_null(c);
		memcpy(c, p, cut);
		put16(c + 4, (uint16_t)(cut - 40));
		assert_int_equal(ippkt_parse(c, cut, &info), IPPKT_OK);
		ippkt_l4(c, cut, &info, &l4);
		assert_false(l4.has_ports && cut < n - 4);
		free(c);
	}
}

static void test_ippkt_icmp_quoted_errors(void **state)
{
	static const struct pktbuild_spec sent = {AF_INET, "10.8.0.2", "10.20.0.2", 17, 4000, 7, 0, 0, 0, 0};
	static const struct pktbuild_spec sent6 = {AF_INET6, "fd00::2", "fd00::9", 6, 4000, 443, 0x02, 0, 0, 0};
	uint8_t p[256], q[128];
	struct ippkt_info qip;
	struct ippkt_l4 l4, ql4;
	size_t qn, n;

	(void)state;
	/* Port unreachable quoting 28 bytes of the sent datagram. */
	qn = pktbuild_make(&sent, q, sizeof(q));
	{
		struct pktbuild_spec err = {AF_INET, "10.20.0.2", "10.8.0.2", 1, 0, 0, 0, 3, 0, 28};

		n = pktbuild_make(&err, p, sizeof(p));
		memcpy(p + 28, q, 28);
		(void)qn;
	}
	l4_of(p, n, &l4);
	assert_true(l4.icmp_error);
	assert_true(ippkt_icmp_quoted(p, n, &l4, &qip, &ql4));
	assert_int_equal(qip.family, AF_INET);
	assert_int_equal(qip.proto, 17);
	assert_int_equal(ql4.sport, 4000);
	assert_int_equal(ql4.dport, 7);

	/* ICMPv6 packet too big quoting 44 bytes (ports only). */
	qn = pktbuild_make(&sent6, q, sizeof(q));
	{
		struct pktbuild_spec err = {AF_INET6, "fd00::9", "fd00::2", 58, 0, 0, 0, 2, 0, 44};

		n = pktbuild_make(&err, p, sizeof(p));
		memcpy(p + 48, q, 44);
	}
	l4_of(p, n, &l4);
	assert_true(l4.icmp_error);
	assert_true(ippkt_icmp_quoted(p, n, &l4, &qip, &ql4));
	assert_int_equal(qip.family, AF_INET6);
	assert_true(ql4.has_ports);
	assert_int_equal(ql4.dport, 443);
	assert_int_equal(ql4.tcp_flags, 0); /* cut off */

	/* A quote too short for an IP header, and an echo: nothing quoted. */
	assert_false(ippkt_icmp_quoted(p, 48 + 10, &l4, &qip, &ql4));
	{
		struct pktbuild_spec echo = {AF_INET, "10.20.0.2", "10.8.0.2", 1, 0, 0, 0, 0, 1, 28};

		n = pktbuild_make(&echo, p, sizeof(p));
	}
	l4_of(p, n, &l4);
	assert_false(ippkt_icmp_quoted(p, n, &l4, &qip, &ql4));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_ippkt_parse_ipv4_fields),
	    cmocka_unit_test(test_ippkt_parse_ipv4_with_options),
	    cmocka_unit_test(test_ippkt_parse_ipv6_fields),
	    cmocka_unit_test(test_ippkt_parse_ipv6_header_only),
	    cmocka_unit_test(test_ippkt_parse_truncated_at_every_length),
	    cmocka_unit_test(test_ippkt_parse_mutations_refused),
	    cmocka_unit_test(test_ippkt_result_str_distinct),
	    cmocka_unit_test(test_ippkt_l4_tcp_udp_icmp),
	    cmocka_unit_test(test_ippkt_l4_fragments),
	    cmocka_unit_test(test_ippkt_l4_ipv6_extension_headers),
	    cmocka_unit_test(test_ippkt_icmp_quoted_errors),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
