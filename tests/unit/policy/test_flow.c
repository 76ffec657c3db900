/*
 * test_flow.c - the return-traffic table: a flow opened by an allowed
 * packet lets its replies in and nothing else; flows expire per protocol
 * (TCP shortened by FIN and RST), a full table evicts the least recently
 * used flow, ICMP echo is keyed by identifier, IPv6 works alike, and a
 * flow belongs to one session only.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "flow.h"
#include "pktbuild.h"

#define V4 AF_INET
#define V6 AF_INET6
#define SEC 1000ull

/* The key of a packet, from the side its direction says. */
static bool key_of(uint64_t owner, const struct pktbuild_spec *s, bool from_client,
		   struct flow_key *k, struct ippkt_l4 *l4)
{
	uint8_t pkt[256];
	size_t n = pktbuild_make(s, pkt, sizeof(pkt));
	struct ippkt_info ip;

	assert_int_equal(ippkt_parse(pkt, n, &ip), IPPKT_OK);
	ippkt_l4(pkt, n, &ip, l4);
	return flow_key_of(owner, &ip, l4, from_client, k);
}

static void open_pkt(struct flow_table *t, uint64_t owner, const struct pktbuild_spec *s,
		     uint64_t now)
{
	struct flow_key k;
	struct ippkt_l4 l4;

	assert_true(key_of(owner, s, true, &k, &l4));
	flow_open(t, &k, &l4, now);
}

static bool reply(struct flow_table *t, uint64_t owner, const struct pktbuild_spec *s, uint64_t now)
{
	struct flow_key k;
	struct ippkt_l4 l4;

	if (!key_of(owner, s, false, &k, &l4))
		return false;
	return flow_match(t, &k, &l4, now);
}

static const struct pktbuild_spec tcp_out = {V4,   "10.8.0.2", "10.20.0.2", 6, 40000,
					     8080, 0x02,       0,	    0, 0};
static const struct pktbuild_spec tcp_back = {V4,    "10.20.0.2", "10.8.0.2", 6, 8080,
					      40000, 0x12,	  0,	      0, 0};

static void test_flow_match_replies_only(void **state)
{
	static const struct pktbuild_spec others[] = {
	    {V4, "10.20.0.2", "10.8.0.2", 6, 8081, 40000, 0x12, 0, 0, 0}, /* other port */
	    {V4, "10.20.0.3", "10.8.0.2", 6, 8080, 40000, 0x12, 0, 0, 0}, /* other host */
	    {V4, "10.20.0.2", "10.8.0.3", 6, 8080, 40000, 0x12, 0, 0, 0}, /* other client */
	    {V4, "10.20.0.2", "10.8.0.2", 17, 8080, 40000, 0, 0, 0, 0},	  /* other protocol */
	    {V4, "10.20.0.2", "10.8.0.2", 6, 8080, 40001, 0x12, 0, 0, 0}, /* other client port */
	};
	struct flow_table t;

	(void)state;
	assert_int_equal(flow_init(&t, 16, 1), 0);
	assert_false(reply(&t, 7, &tcp_back, 0));
	open_pkt(&t, 7, &tcp_out, 0);
	assert_int_equal(flow_count(&t), 1);
	assert_true(reply(&t, 7, &tcp_back, 1));
	/* The same flow of another session (a later holder of the address). */
	assert_false(reply(&t, 8, &tcp_back, 1));
	for (size_t i = 0; i < sizeof(others) / sizeof(others[0]); i++)
		if (reply(&t, 7, &others[i], 1))
			fail_msg("case %zu matched", i);
	/* Refreshing does not add a flow. */
	open_pkt(&t, 7, &tcp_out, 2);
	assert_int_equal(flow_count(&t), 1);
	assert_int_equal(t.st.opened, 1);
	flow_deinit(&t);
}

static void test_flow_expire_per_protocol(void **state)
{
	static const struct pktbuild_spec udp_out = {
	    V4, "10.8.0.2", "10.20.0.53", 17, 5353, 53, 0, 0, 0, 0};
	static const struct pktbuild_spec udp_back = {
	    V4, "10.20.0.53", "10.8.0.2", 17, 53, 5353, 0, 0, 0, 0};
	struct flow_table t;

	(void)state;
	assert_int_equal(flow_init(&t, 16, 2), 0);
	open_pkt(&t, 1, &tcp_out, 0);
	open_pkt(&t, 1, &udp_out, 0);
	assert_true(reply(&t, 1, &udp_back, (FLOW_UDP_TIMEOUT - 1) * SEC));
	/* A reply refreshes: the timeout counts from it. */
	assert_true(reply(&t, 1, &udp_back, (2 * FLOW_UDP_TIMEOUT - 2) * SEC));
	assert_false(reply(&t, 1, &udp_back, (3 * FLOW_UDP_TIMEOUT) * SEC));
	assert_true(reply(&t, 1, &tcp_back, (FLOW_TCP_TIMEOUT - 1) * SEC));
	assert_false(reply(&t, 1, &tcp_back, (2 * FLOW_TCP_TIMEOUT) * SEC));
	assert_int_equal(flow_count(&t), 0);
	assert_int_equal(t.st.expired, 2);
	flow_deinit(&t);
}

static void test_flow_tcp_fin_rst_shorten(void **state)
{
	struct pktbuild_spec fin = tcp_out, rst = tcp_back, syn = tcp_out;
	struct flow_table t;

	(void)state;
	fin.tcp_flags = 0x11;
	rst.tcp_flags = 0x04;
	assert_int_equal(flow_init(&t, 16, 3), 0);
	open_pkt(&t, 1, &tcp_out, 0);
	open_pkt(&t, 1, &fin, 0);
	assert_true(reply(&t, 1, &tcp_back, (FLOW_TCP_CLOSING_TIMEOUT - 1) * SEC));
	assert_false(reply(&t, 1, &tcp_back, (2 * FLOW_TCP_CLOSING_TIMEOUT) * SEC));

	/* An RST from the network shortens it too; a new SYN restores it. */
	open_pkt(&t, 1, &tcp_out, 100 * SEC);
	assert_true(reply(&t, 1, &rst, 100 * SEC));
	open_pkt(&t, 1, &syn, 101 * SEC);
	assert_true(reply(&t, 1, &tcp_back, (101 + FLOW_TCP_TIMEOUT - 1) * SEC));
	flow_deinit(&t);
}

static void test_flow_evicts_least_recent(void **state)
{
	struct flow_table t;
	struct pktbuild_spec p = tcp_out, b = tcp_back;

	(void)state;
	assert_int_equal(flow_init(&t, 4, 4), 0);
	for (uint16_t i = 0; i < 4; i++) {
		p.sport = (uint16_t)(1000 + i);
		open_pkt(&t, 1, &p, i);
	}
	/* Use the oldest: the second oldest becomes the least recent. */
	b.dport = 1000;
	assert_true(reply(&t, 1, &b, 10));
	p.sport = 2000;
	open_pkt(&t, 1, &p, 11);
	assert_int_equal(flow_count(&t), 4);
	assert_int_equal(t.st.evicted, 1);
	b.dport = 1001;
	assert_false(reply(&t, 1, &b, 12));
	for (uint16_t port = 1000; port <= 2000; port = port == 1003 ? 2000 : port + 1) {
		if (port == 1001)
			continue;
		b.dport = port;
		if (!reply(&t, 1, &b, 13))
			fail_msg("port %u was evicted", port);
		if (port == 2000)
			break;
	}
	/* Many more flows than room: the table stays bounded and sound. */
	for (uint16_t i = 0; i < 1000; i++) {
		p.sport = (uint16_t)(3000 + i);
		open_pkt(&t, (uint64_t)i % 3, &p, 20 + i);
	}
	assert_int_equal(flow_count(&t), 4);
	flow_deinit(&t);
}

static void test_flow_icmp_echo_by_identifier(void **state)
{
	static const struct pktbuild_spec req = {V4, "10.8.0.2", "10.20.0.9", 1, 0, 0, 0, 8, 77, 8};
	static const struct pktbuild_spec rep = {V4, "10.20.0.9", "10.8.0.2", 1, 0, 0, 0, 0, 77, 8};
	static const struct pktbuild_spec rep_other = {V4, "10.20.0.9", "10.8.0.2", 1,	0,
						       0,  0,		0,	    78, 8};
	static const struct pktbuild_spec req_in = {V4, "10.20.0.9", "10.8.0.2", 1,  0,
						    0,	0,	     8,		 77, 8};
	static const struct pktbuild_spec unreach = {V4, "10.20.0.9", "10.8.0.2", 1, 0,
						     0,	 0,	      3,	  0, 8};
	struct flow_table t;
	struct flow_key k;
	struct ippkt_l4 l4;

	(void)state;
	assert_int_equal(flow_init(&t, 8, 5), 0);
	open_pkt(&t, 1, &req, 0);
	assert_true(reply(&t, 1, &rep, 1));
	assert_false(reply(&t, 1, &rep_other, 1));
	/* An echo request from the network is no reply, whatever its id. */
	assert_false(reply(&t, 1, &req_in, 1));
	assert_false(key_of(1, &unreach, false, &k, &l4));
	/* An echo reply the client sends opens nothing. */
	assert_false(key_of(1, &rep, true, &k, &l4));
	assert_false(reply(&t, 1, &rep, (FLOW_ICMP_TIMEOUT + 2) * SEC));
	flow_deinit(&t);
}

static void test_flow_ipv6(void **state)
{
	static const struct pktbuild_spec out = {
	    V6, "fd00:8::2", "fd00:20::2", 17, 4000, 7, 0, 0, 0, 4};
	static const struct pktbuild_spec back = {
	    V6, "fd00:20::2", "fd00:8::2", 17, 7, 4000, 0, 0, 0, 4};
	static const struct pktbuild_spec back4 = {V4,	 "10.20.0.2", "10.8.0.2", 17, 7,
						   4000, 0,	      0,	  0,  4};
	static const struct pktbuild_spec ping = {V6, "fd00:8::2", "fd00:20::2", 58, 0,
						  0,  0,	   128,		 9,  4};
	static const struct pktbuild_spec pong = {V6, "fd00:20::2", "fd00:8::2", 58, 0, 0,
						  0,  129,	    9,		 4};
	struct flow_table t;

	(void)state;
	assert_int_equal(flow_init(&t, 8, 6), 0);
	open_pkt(&t, 1, &out, 0);
	open_pkt(&t, 1, &ping, 0);
	assert_true(reply(&t, 1, &back, 1));
	assert_true(reply(&t, 1, &pong, 1));
	assert_false(reply(&t, 1, &back4, 1));
	flow_deinit(&t);
}

static void test_flow_expire_frees_room(void **state)
{
	struct flow_table t;
	struct pktbuild_spec p = tcp_out;

	(void)state;
	assert_int_equal(flow_init(&t, 8, 7), 0);
	for (uint16_t i = 0; i < 8; i++) {
		p.sport = (uint16_t)(1000 + i);
		p.proto = i % 2 ? 6 : 17;
		open_pkt(&t, 1, &p, 0);
	}
	assert_int_equal(flow_expire(&t, (FLOW_UDP_TIMEOUT + 1) * SEC, 100), 4);
	assert_int_equal(flow_count(&t), 4);
	assert_int_equal(flow_expire(&t, (FLOW_TCP_TIMEOUT + 1) * SEC, 2), 2);
	assert_int_equal(flow_count(&t), 2);
	flow_deinit(&t);
	assert_int_equal(flow_init(&t, 0, 0), -1);
	assert_int_equal(flow_init(&t, (1u << 24) + 1, 0), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_flow_match_replies_only),
	    cmocka_unit_test(test_flow_expire_per_protocol),
	    cmocka_unit_test(test_flow_tcp_fin_rst_shorten),
	    cmocka_unit_test(test_flow_evicts_least_recent),
	    cmocka_unit_test(test_flow_icmp_echo_by_identifier),
	    cmocka_unit_test(test_flow_ipv6),
	    cmocka_unit_test(test_flow_expire_frees_room),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
