/*
 * test_rtnl_monitor.c - rtnetlink notifications and route messages as byte
 * arrays, built here the way the kernel lays them out: what counts as a
 * change of the way out (and what is ours or noise), every truncation, and
 * the choice of the underlying route among a dump's.
 */
#include <linux/if_addr.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <cmocka.h>

#include "rtnl_monitor.h"

#define TUN 7 /* our own TUN's ifindex in these tests */

struct msgbuf {
	uint8_t b[1024];
	size_t len;   /* all messages so far */
	size_t start; /* of the message being built */
};

static void begin(struct msgbuf *m, uint16_t type, const void *fam, size_t fam_len)
{
	struct nlmsghdr h = {.nlmsg_type = type};

	m->start = m->len;
	memcpy(m->b + m->len, &h, sizeof(h));
	memcpy(m->b + m->len + sizeof(h), fam, fam_len);
	m->len += NLMSG_ALIGN(sizeof(h) + fam_len);
}

static void attr(struct msgbuf *m, uint16_t type, const void *v, size_t len)
{
	struct rtattr a = {.rta_len = (unsigned short)RTA_LENGTH(len), .rta_type = type};

	memcpy(m->b + m->len, &a, sizeof(a));
	memcpy(m->b + m->len + sizeof(a), v, len);
	m->len += RTA_SPACE(len);
}

static void attr32(struct msgbuf *m, uint16_t type, uint32_t v)
{
	attr(m, type, &v, sizeof(v));
}

static void end(struct msgbuf *m)
{
	uint32_t len = (uint32_t)(m->len - m->start);

	memcpy(m->b + m->start, &len, sizeof(len));
}

static void link_msg(struct msgbuf *m, uint16_t type, int idx)
{
	struct ifinfomsg ifi = {.ifi_family = AF_UNSPEC, .ifi_index = idx};

	begin(m, type, &ifi, sizeof(ifi));
	end(m);
}

static void addr_msg(struct msgbuf *m, uint16_t type, int family, uint8_t scope, int idx)
{
	struct ifaddrmsg ifa = {.ifa_family = (uint8_t)family, .ifa_prefixlen = 24,
				.ifa_scope = scope, .ifa_index = (uint32_t)idx};
	uint8_t a[16] = {192, 0, 2, 21};

	begin(m, type, &ifa, sizeof(ifa));
	attr(m, IFA_LOCAL, a, family == AF_INET ? 4 : 16);
	end(m);
}

/* A route to dst/len (IPv4) via gw (0: on-link) out of oif. */
static void route_msg(struct msgbuf *m, uint16_t type, uint8_t len, uint32_t dst_be,
		      uint32_t gw_be, int oif, uint8_t table, uint8_t rtype, uint32_t metric)
{
	struct rtmsg rtm = {.rtm_family = AF_INET, .rtm_dst_len = len, .rtm_table = table,
			    .rtm_type = rtype, .rtm_protocol = RTPROT_BOOT};

	begin(m, type, &rtm, sizeof(rtm));
	attr32(m, RTA_TABLE, table);
	if (len > 0)
		attr(m, RTA_DST, &dst_be, 4);
	if (gw_be != 0)
		attr(m, RTA_GATEWAY, &gw_be, 4);
	if (oif != 0)
		attr32(m, RTA_OIF, (uint32_t)oif);
	if (metric != 0)
		attr32(m, RTA_PRIORITY, metric);
	end(m);
}

static uint32_t be(uint8_t a, uint8_t b, uint8_t c, uint8_t d)
{
	uint8_t x[4] = {a, b, c, d};
	uint32_t v;

	memcpy(&v, x, 4);
	return v;
}

static enum rtnl_mon_result decode(const struct msgbuf *m, size_t n, struct rtnl_mon_summary *s,
				   const char **why)
{
	/* Exact-size heap copy so ASan sees any read past the end. */
	uint8_t *c = malloc(n > 0 ? n : 1);
	enum rtnl_mon_result r;

	assert_non_null(c);
	memcpy(c, m->b, n);
	r = rtnl_monitor_decode(c, n, TUN, s, why);
	free(c);
	return r;
}

struct change_case {
	const char *name;
	void (*build)(struct msgbuf *m);
	unsigned changes;
	bool ipv4, ipv6;
};

static void b_addr4_del(struct msgbuf *m) { addr_msg(m, RTM_DELADDR, AF_INET, RT_SCOPE_UNIVERSE, 2); }
static void b_addr6_add(struct msgbuf *m) { addr_msg(m, RTM_NEWADDR, AF_INET6, RT_SCOPE_UNIVERSE, 2); }
static void b_addr_tun(struct msgbuf *m) { addr_msg(m, RTM_NEWADDR, AF_INET, RT_SCOPE_UNIVERSE, TUN); }
static void b_addr6_ll(struct msgbuf *m) { addr_msg(m, RTM_NEWADDR, AF_INET6, RT_SCOPE_LINK, 2); }
static void b_addr_lo(struct msgbuf *m) { addr_msg(m, RTM_NEWADDR, AF_INET, RT_SCOPE_HOST, 1); }
static void b_link(struct msgbuf *m) { link_msg(m, RTM_NEWLINK, 3); }
static void b_link_tun(struct msgbuf *m) { link_msg(m, RTM_DELLINK, TUN); }
static void b_default_del(struct msgbuf *m)
{
	route_msg(m, RTM_DELROUTE, 0, 0, be(192, 0, 2, 254), 2, RT_TABLE_MAIN, RTN_UNICAST, 0);
}
static void b_route_tun(struct msgbuf *m)
{
	route_msg(m, RTM_NEWROUTE, 1, be(128, 0, 0, 0), 0, TUN, RT_TABLE_MAIN, RTN_UNICAST, 0);
}
static void b_route_local(struct msgbuf *m)
{
	route_msg(m, RTM_NEWROUTE, 32, be(192, 0, 2, 21), 0, 2, RT_TABLE_LOCAL, RTN_LOCAL, 0);
}
static void b_route_bcast(struct msgbuf *m)
{
	route_msg(m, RTM_NEWROUTE, 32, be(192, 0, 2, 255), 0, 2, RT_TABLE_MAIN, RTN_BROADCAST, 0);
}
static void b_unreachable(struct msgbuf *m)
{
	route_msg(m, RTM_NEWROUTE, 24, be(192, 0, 2, 0), 0, 0, RT_TABLE_MAIN, RTN_UNREACHABLE, 0);
}
static void b_other_msg(struct msgbuf *m)
{
	struct rtgenmsg g = {.rtgen_family = AF_INET};

	begin(m, RTM_NEWNEIGH, &g, sizeof(g));
	end(m);
}
static void b_batch(struct msgbuf *m)
{
	b_route_tun(m);
	b_addr4_del(m);
	b_addr6_ll(m);
	b_default_del(m);
}

static const struct change_case cases[] = {
    {"IPv4 address removed", b_addr4_del, 1, true, false},
    {"IPv6 address added", b_addr6_add, 1, false, true},
    {"address on our TUN", b_addr_tun, 0, false, false},
    {"IPv6 link-local address", b_addr6_ll, 0, false, false},
    {"loopback address", b_addr_lo, 0, false, false},
    {"another link changed", b_link, 1, true, true},
    {"our TUN removed", b_link_tun, 0, false, false},
    {"default route removed", b_default_del, 1, true, false},
    {"half-default route on our TUN", b_route_tun, 0, false, false},
    {"local route of an address", b_route_local, 0, false, false},
    {"broadcast route", b_route_bcast, 0, false, false},
    {"unreachable route", b_unreachable, 1, true, false},
    {"neighbour message", b_other_msg, 0, false, false},
    {"batch of four", b_batch, 2, true, false},
};

static void test_rtnl_monitor_decode_changes(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct msgbuf m = {.len = 0};
		struct rtnl_mon_summary s;
		const char *why = NULL;

		cases[i].build(&m);
		if (decode(&m, m.len, &s, &why) != RTNL_MON_OK)
			fail_msg("%s: malformed (%s)", cases[i].name, why);
		if (s.changes != cases[i].changes || s.ipv4 != cases[i].ipv4 ||
		    s.ipv6 != cases[i].ipv6)
			fail_msg("%s: %u changes v4 %d v6 %d", cases[i].name, s.changes, s.ipv4,
				 s.ipv6);
		assert_true(s.messages >= 1);
	}
}

static void test_rtnl_monitor_decode_names_last_change(void **state)
{
	struct msgbuf m = {.len = 0};
	struct rtnl_mon_summary s;
	const char *why = NULL;

	(void)state;
	b_batch(&m);
	assert_int_equal(decode(&m, m.len, &s, &why), RTNL_MON_OK);
	assert_int_equal(s.messages, 4);
	assert_int_equal(s.last_type, RTM_DELROUTE);
	assert_int_equal(s.last_ifindex, 2);
	assert_string_equal(rtnl_monitor_type_name(s.last_type), "route removed");
	assert_string_equal(rtnl_monitor_type_name(RTM_DELADDR), "address removed");
	assert_string_equal(rtnl_monitor_type_name(0xffff), "change");
}

/* Cut a sound batch anywhere but between messages: malformed, with a
 * reason; an empty read is no change. */
static void test_rtnl_monitor_decode_truncated_at_every_length(void **state)
{
	struct msgbuf m = {.len = 0};
	bool boundary[1024] = {false};
	size_t off = 0;

	(void)state;
	b_batch(&m);
	while (off < m.len) {
		uint32_t l;

		boundary[off] = true;
		memcpy(&l, m.b + off, 4);
		off += NLMSG_ALIGN(l);
	}
	for (size_t k = 0; k < m.len; k++) {
		struct rtnl_mon_summary s;
		const char *why = NULL;
		enum rtnl_mon_result r = decode(&m, k, &s, &why);

		if (boundary[k])
			assert_int_equal(r, RTNL_MON_OK);
		else if (r != RTNL_MON_MALFORMED)
			fail_msg("cut at %zu inside a message decoded", k);
		else
			assert_non_null(why);
	}
}

static void test_rtnl_monitor_decode_lying_lengths_refused(void **state)
{
	struct msgbuf m = {.len = 0};
	struct rtnl_mon_summary s;
	const char *why = NULL;
	uint32_t l;
	uint16_t al;

	(void)state;
	/* A message length below the header's own. */
	b_addr4_del(&m);
	l = 8;
	memcpy(m.b, &l, 4);
	assert_int_equal(decode(&m, m.len, &s, &why), RTNL_MON_MALFORMED);
	/* An address message whose body is shorter than struct ifaddrmsg. */
	m.len = 0;
	b_addr4_del(&m);
	l = NLMSG_HDRLEN + 4;
	memcpy(m.b, &l, 4);
	assert_int_equal(decode(&m, l, &s, &why), RTNL_MON_MALFORMED);
	/* A route attribute longer than its message. */
	m.len = 0;
	b_default_del(&m);
	memcpy(&al, m.b + NLMSG_HDRLEN + NLMSG_ALIGN(sizeof(struct rtmsg)), 2);
	al = 200;
	memcpy(m.b + NLMSG_HDRLEN + NLMSG_ALIGN(sizeof(struct rtmsg)), &al, 2);
	assert_int_equal(decode(&m, m.len, &s, &why), RTNL_MON_MALFORMED);
	assert_non_null(strstr(why, "attribute"));
}

static void test_rtnl_monitor_route_reads_fields(void **state)
{
	struct msgbuf m = {.len = 0};
	struct rtnl_route r;
	const char *why = NULL;
	uint32_t src = be(192, 0, 2, 21);

	(void)state;
	route_msg(&m, RTM_NEWROUTE, 0, 0, be(192, 0, 2, 254), 2, RT_TABLE_MAIN, RTN_UNICAST, 100);
	/* A lookup's answer also names the source; append it. */
	attr(&m, RTA_PREFSRC, &src, 4);
	end(&m);
	assert_int_equal(rtnl_monitor_route(m.b, m.len, &r, &why), RTNL_MON_OK);
	assert_int_equal(r.family, AF_INET);
	assert_int_equal(r.dst.len, 0);
	assert_int_equal(r.via.family, AF_INET);
	assert_memory_equal(r.via.bytes, "\xc0\x00\x02\xfe", 4);
	assert_int_equal(r.prefsrc.family, AF_INET);
	assert_memory_equal(r.prefsrc.bytes, "\xc0\x00\x02\x15", 4);
	assert_int_equal(r.oif, 2);
	assert_int_equal(r.priority, 100);
	assert_int_equal(r.table, RT_TABLE_MAIN);
	/* A gateway of the wrong size for the family. */
	m.len = 0;
	route_msg(&m, RTM_NEWROUTE, 0, 0, 0, 2, RT_TABLE_MAIN, RTN_UNICAST, 0);
	attr(&m, RTA_GATEWAY, "\x01\x02", 2);
	end(&m);
	assert_int_equal(rtnl_monitor_route(m.b, m.len, &r, &why), RTNL_MON_MALFORMED);
	/* A prefix longer than the family allows. */
	m.len = 0;
	route_msg(&m, RTM_NEWROUTE, 33, be(10, 0, 0, 0), 0, 2, RT_TABLE_MAIN, RTN_UNICAST, 0);
	assert_int_equal(rtnl_monitor_route(m.b, m.len, &r, &why), RTNL_MON_MALFORMED);
}

/* The routes a full-tunnel laptop has: its default and connected routes,
 * the tunnel's half-defaults, and the pin to the gateway. */
static void test_rtnl_monitor_route_better_finds_underlay(void **state)
{
	static const struct {
		uint8_t len;
		uint32_t dst, gw;
		int oif;
		uint8_t table, type;
		uint32_t metric;
		bool better; /* than the best so far */
	} table[] = {
	    {0, 0, 0x01020304, 3, RT_TABLE_MAIN, RTN_UNICAST, 600, true},   /* default, wlan */
	    {0, 0, 0x05060708, 2, RT_TABLE_MAIN, RTN_UNICAST, 100, true},   /* lower metric */
	    {0, 0, 0x05060709, 4, RT_TABLE_MAIN, RTN_UNICAST, 200, false},  /* higher metric */
	    {1, 0, 0, TUN, RT_TABLE_MAIN, RTN_UNICAST, 0, false},           /* ours */
	    {32, 0xc6336401, 0x05060708, 2, RT_TABLE_MAIN, RTN_UNICAST, 0, false}, /* the pin */
	    {24, 0xc6336400, 0, 0, RT_TABLE_MAIN, RTN_UNICAST, 0, false},   /* no oif */
	    {24, 0xc6336400, 0, 5, RT_TABLE_MAIN, RTN_BLACKHOLE, 0, false}, /* not unicast */
	    {24, 0xc6336400, 0, 5, 100, RTN_UNICAST, 0, false},             /* other table */
	    {24, 0x0a000000, 0, 5, RT_TABLE_MAIN, RTN_UNICAST, 0, false},   /* elsewhere */
	    {24, 0xc6336400, 0, 5, RT_TABLE_MAIN, RTN_UNICAST, 0, true},    /* on-link /24 */
	    {16, 0xc6330000, 0, 6, RT_TABLE_MAIN, RTN_UNICAST, 0, false},   /* shorter */
	};
	struct ipaddr gw = {.family = AF_INET, .bytes = {198, 51, 100, 1}};
	struct rtnl_route best;
	bool have = false;

	(void)state;
	for (size_t i = 0; i < sizeof(table) / sizeof(table[0]); i++) {
		struct msgbuf m = {.len = 0};
		struct rtnl_route r;
		const char *why = NULL;
		uint32_t dst = __builtin_bswap32(table[i].dst), via = __builtin_bswap32(table[i].gw);
		bool better;

		route_msg(&m, RTM_NEWROUTE, table[i].len, dst, via, table[i].oif, table[i].table,
			  table[i].type, table[i].metric);
		assert_int_equal(rtnl_monitor_route(m.b, m.len, &r, &why), RTNL_MON_OK);
		better = rtnl_monitor_route_better(&r, have ? &best : NULL, &gw, TUN);
		if (better != table[i].better)
			fail_msg("row %zu: better %d", i, better);
		if (better) {
			best = r;
			have = true;
		}
	}
	assert_int_equal(best.oif, 5);
	assert_int_equal(best.dst.len, 24);
	/* An IPv6 destination never takes an IPv4 route. */
	gw.family = AF_INET6;
	assert_false(rtnl_monitor_route_better(&best, NULL, &gw, TUN));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_rtnl_monitor_decode_changes),
	    cmocka_unit_test(test_rtnl_monitor_decode_names_last_change),
	    cmocka_unit_test(test_rtnl_monitor_decode_truncated_at_every_length),
	    cmocka_unit_test(test_rtnl_monitor_decode_lying_lengths_refused),
	    cmocka_unit_test(test_rtnl_monitor_route_reads_fields),
	    cmocka_unit_test(test_rtnl_monitor_route_better_finds_underlay),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
