/*
 * test_rtnl.c - rtnetlink set-up calls against the real kernel, inside a
 * private network namespace the test process creates for itself, so the
 * host's links, addresses and routes are never touched. Needs root; fails
 * (never skips) without it.
 */
#include <errno.h>
#include <net/if.h>
#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>

#include "addr.h"
#include "rtnl.h"
#include "tun.h"

static char tun_name[IFNAMSIZ];
static int tun_fd = -1;

static struct prefix pfx(const char *s)
{
	struct prefix p;

	if (!addr_parse_prefix(s, false, &p))
		fail_msg("test table: bad prefix %s", s);
	return p;
}

static struct ipaddr ip(const char *s)
{
	struct ipaddr a;

	if (!addr_parse(s, &a))
		fail_msg("test table: bad address %s", s);
	return a;
}

static int group_setup(void **state)
{
	(void)state;
	if (geteuid() != 0) {
		fprintf(stderr, "test_rtnl must run as root: it creates a network namespace "
				"and a TUN device in it\n");
		return -1;
	}
	if (unshare(CLONE_NEWNET) < 0) {
		fprintf(stderr, "unshare(CLONE_NEWNET): %s\n", strerror(errno));
		return -1;
	}
	tun_fd = tun_open("rtt%d", 0, tun_name, NULL);
	if (tun_fd < 0) {
		fprintf(stderr, "tun_open: %s\n", strerror(errno));
		return -1;
	}
	return 0;
}

static int group_teardown(void **state)
{
	(void)state;
	if (tun_fd >= 0)
		close(tun_fd);
	return 0;
}

/* One SIOCGIF* request for the interface: the ioctl interface, an
 * independent path from the netlink one under test. */
static struct ifreq if_get(const char *name, unsigned long req)
{
	struct ifreq ifr;
	int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	assert_true(s >= 0);
	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", name);
	assert_int_equal(ioctl(s, req, &ifr), 0);
	close(s);
	return ifr;
}

static void link_state(const char *name, short *flags, int *mtu)
{
	*flags = if_get(name, SIOCGIFFLAGS).ifr_flags;
	*mtu = if_get(name, SIOCGIFMTU).ifr_mtu;
}

static int txqlen(const char *name)
{
	return if_get(name, SIOCGIFTXQLEN).ifr_qlen;
}

static void expect_route(const char *dst, const char *want_via, const char *want_if)
{
	struct ipaddr d = ip(dst), via;
	char ifname[IFNAMSIZ];

	memset(&via, 0xa5, sizeof(via));
	if (rtnl_route_get(&d, &via, ifname) != 0)
		fail_msg("rtnl_route_get(%s): %s", dst, strerror(errno));
	assert_string_equal(ifname, want_if);
	if (want_via == NULL) {
		assert_int_equal(via.family, 0);
	} else {
		struct ipaddr w = ip(want_via);
		assert_true(addr_eq(&via, &w));
	}
}

static void expect_no_route(const char *dst)
{
	struct ipaddr d = ip(dst), via;
	char ifname[IFNAMSIZ];

	errno = 0;
	if (rtnl_route_get(&d, &via, ifname) == 0)
		fail_msg("unexpected route to %s through %s", dst, ifname);
	assert_int_equal(errno, ENETUNREACH);
}

static void test_rtnl_link_up_sets_flag_mtu_and_queue(void **state)
{
	short flags;
	int mtu;

	(void)state;
	link_state(tun_name, &flags, &mtu);
	assert_false(flags & IFF_UP);
	assert_int_equal(rtnl_link_up(tun_name, 1380, 0), 0);
	link_state(tun_name, &flags, &mtu);
	assert_true(flags & IFF_UP);
	assert_int_equal(mtu, 1380);
	/* mtu 0 leaves the MTU alone. */
	assert_int_equal(rtnl_link_up(tun_name, 0, 0), 0);
	link_state(tun_name, &flags, &mtu);
	assert_int_equal(mtu, 1380);
	/* The kernel's refusal comes back as errno. */
	errno = 0;
	assert_int_equal(rtnl_link_up(tun_name, 20, 0), -1);
	assert_int_equal(errno, EINVAL);
	/* The queue length: set when asked, left alone at 0. */
	assert_int_equal(txqlen(tun_name) == 16, false);
	assert_int_equal(rtnl_link_up(tun_name, 1380, 16), 0);
	assert_int_equal(txqlen(tun_name), 16);
	assert_int_equal(rtnl_link_up(tun_name, 1380, 0), 0);
	assert_int_equal(txqlen(tun_name), 16);
}

struct addr_case {
	const char *addr; /* interface address */
	const char *peer; /* another address in its subnet */
	const char *outside;
};

static const struct addr_case addr_cases[] = {
    {"10.77.0.2/24", "10.77.0.9", "10.78.0.9"},
    {"fd00:77::2/64", "fd00:77::1234", "fd00:78::1"},
};

static void test_rtnl_addr_add_then_del(void **state)
{
	(void)state;
	assert_int_equal(rtnl_link_up(tun_name, 1400, 0), 0);
	for (size_t i = 0; i < sizeof(addr_cases) / sizeof(addr_cases[0]); i++) {
		const struct addr_case *c = &addr_cases[i];
		struct prefix p = pfx(c->addr);

		expect_no_route(c->peer);
		assert_int_equal(rtnl_addr_add(tun_name, &p), 0);
		/* The connected route the address brings answers for its subnet. */
		expect_route(c->peer, NULL, tun_name);
		expect_no_route(c->outside);
		errno = 0;
		assert_int_equal(rtnl_addr_add(tun_name, &p), -1);
		assert_int_equal(errno, EEXIST);
		assert_int_equal(rtnl_addr_del(tun_name, &p), 0);
		expect_no_route(c->peer);
		errno = 0;
		assert_int_equal(rtnl_addr_del(tun_name, &p), -1);
		assert_int_equal(errno, EADDRNOTAVAIL);
	}
}

struct route_case {
	const char *dst;
	const char *via; /* NULL: on-link through the TUN */
	unsigned metric;
	const char *probe; /* an address the route must carry */
};

static const struct route_case route_cases[] = {
    {"10.90.0.0/16", NULL, 0, "10.90.3.4"},
    {"10.91.0.0/16", "10.77.0.1", 0, "10.91.200.1"},
    {"10.92.0.0/24", NULL, 100, "10.92.0.77"},
    {"10.93.7.9/16", NULL, 0, "10.93.1.1"}, /* host bits are cleared */
    {"0.0.0.0/1", NULL, 0, "8.8.8.8"},
    {"128.0.0.0/1", NULL, 0, "203.0.113.5"},
    {"fd00:90::/48", NULL, 0, "fd00:90::5"},
    {"fd00:91::/48", "fd00:77::1", 0, "fd00:91:0:1::1"},
    {"::/1", NULL, 0, "2001:db8::1"},
    {"8000::/1", NULL, 0, "a000::1"},
};

static void test_rtnl_route_add_get_del(void **state)
{
	struct prefix a4 = pfx("10.77.0.2/24"), a6 = pfx("fd00:77::2/64");

	(void)state;
	assert_int_equal(rtnl_link_up(tun_name, 1400, 0), 0);
	assert_int_equal(rtnl_addr_add(tun_name, &a4), 0);
	assert_int_equal(rtnl_addr_add(tun_name, &a6), 0);
	for (size_t i = 0; i < sizeof(route_cases) / sizeof(route_cases[0]); i++) {
		const struct route_case *c = &route_cases[i];
		struct prefix dst = pfx(c->dst);
		struct ipaddr via;
		const struct ipaddr *viap = NULL;

		if (c->via != NULL) {
			via = ip(c->via);
			viap = &via;
		}
		expect_no_route(c->probe);
		if (rtnl_route_add(&dst, viap, tun_name, c->metric) != 0)
			fail_msg("rtnl_route_add(%s): %s", c->dst, strerror(errno));
		expect_route(c->probe, c->via, tun_name);
		errno = 0;
		assert_int_equal(rtnl_route_add(&dst, viap, tun_name, c->metric), -1);
		assert_int_equal(errno, EEXIST);
		assert_int_equal(rtnl_route_del(&dst, viap, tun_name, c->metric), 0);
		expect_no_route(c->probe);
		errno = 0;
		assert_int_equal(rtnl_route_del(&dst, viap, tun_name, c->metric), -1);
		assert_int_equal(errno, ESRCH);
	}
	/* A route through a gateway needs no interface name. */
	{
		struct prefix dst = pfx("10.94.0.0/16");
		struct ipaddr via = ip("10.77.0.1");
		assert_int_equal(rtnl_route_add(&dst, &via, NULL, 0), 0);
		expect_route("10.94.1.1", "10.77.0.1", tun_name);
		assert_int_equal(rtnl_route_del(&dst, &via, NULL, 0), 0);
		expect_no_route("10.94.1.1");
	}
	assert_int_equal(rtnl_addr_del(tun_name, &a4), 0);
	assert_int_equal(rtnl_addr_del(tun_name, &a6), 0);
}

static void test_rtnl_route_add_unreachable_gateway_fails(void **state)
{
	struct prefix dst = pfx("10.95.0.0/16");
	struct ipaddr via = ip("192.0.2.1");

	(void)state;
	errno = 0;
	assert_int_equal(rtnl_route_add(&dst, &via, NULL, 0), -1);
	assert_int_equal(errno, ENETUNREACH);
}

static void test_rtnl_errors_bad_arguments(void **state)
{
	struct prefix p4 = pfx("10.96.0.0/16"), unset;
	struct ipaddr v6 = ip("fd00:77::1"), none;
	struct ipaddr via;
	char ifname[IFNAMSIZ];
	static const char *const bad_names[] = {"nosuchdev0", "",
						"a-name-far-too-long-for-ifnamsiz"};

	(void)state;
	for (size_t i = 0; i < sizeof(bad_names) / sizeof(bad_names[0]); i++) {
		const char *n = bad_names[i];
		errno = 0;
		assert_int_equal(rtnl_link_up(n, 1400, 0), -1);
		assert_int_equal(errno, ENODEV);
		errno = 0;
		assert_int_equal(rtnl_link_delete(n), -1);
		assert_int_equal(errno, ENODEV);
		errno = 0;
		assert_int_equal(rtnl_addr_add(n, &p4), -1);
		assert_int_equal(errno, ENODEV);
		errno = 0;
		assert_int_equal(rtnl_addr_del(n, &p4), -1);
		assert_int_equal(errno, ENODEV);
		errno = 0;
		assert_int_equal(rtnl_route_add(&p4, NULL, n, 0), -1);
		assert_int_equal(errno, ENODEV);
		errno = 0;
		assert_int_equal(rtnl_route_del(&p4, NULL, n, 0), -1);
		assert_int_equal(errno, ENODEV);
	}
	/* Neither a gateway nor an interface. */
	errno = 0;
	assert_int_equal(rtnl_route_add(&p4, NULL, NULL, 0), -1);
	assert_int_equal(errno, EINVAL);
	/* A v6 gateway for a v4 destination. */
	errno = 0;
	assert_int_equal(rtnl_route_add(&p4, &v6, tun_name, 0), -1);
	assert_int_equal(errno, EINVAL);
	/* Unset addresses. */
	memset(&unset, 0, sizeof(unset));
	memset(&none, 0, sizeof(none));
	errno = 0;
	assert_int_equal(rtnl_addr_add(tun_name, &unset), -1);
	assert_int_equal(errno, EAFNOSUPPORT);
	errno = 0;
	assert_int_equal(rtnl_route_add(&unset, NULL, tun_name, 0), -1);
	assert_int_equal(errno, EAFNOSUPPORT);
	errno = 0;
	assert_int_equal(rtnl_route_get(&none, &via, ifname), -1);
	assert_int_equal(errno, EAFNOSUPPORT);
	/* Prefix length beyond the family's width. */
	p4.len = 33;
	errno = 0;
	assert_int_equal(rtnl_addr_add(tun_name, &p4), -1);
	assert_int_equal(errno, EINVAL);
}

/* A lookup names the source address; the underlay is the way besides a
 * more specific route on another link (a tunnel's) and besides a pin. */
static void test_rtnl_route_path_and_underlay(void **state)
{
	struct prefix a1 = pfx("10.78.0.2/24"), a2 = pfx("10.79.0.2/24");
	struct prefix wide = pfx("10.95.0.0/16"), narrow = pfx("10.95.0.0/17");
	struct prefix pin = pfx("10.95.0.5/32");
	struct ipaddr via = ip("10.78.0.1"), dst = ip("10.95.0.5"), want;
	struct rtnl_route r;
	char other[IFNAMSIZ];
	int fd = tun_open("rtu%d", 0, other, NULL);
	int idx1 = (int)if_nametoindex(tun_name), idx2;

	(void)state;
	assert_true(fd >= 0);
	idx2 = (int)if_nametoindex(other);
	assert_int_equal(rtnl_link_up(tun_name, 1400, 0), 0);
	assert_int_equal(rtnl_link_up(other, 1400, 0), 0);
	assert_int_equal(rtnl_addr_add(tun_name, &a1), 0);
	assert_int_equal(rtnl_addr_add(other, &a2), 0);
	assert_int_equal(rtnl_route_add(&wide, &via, tun_name, 0), 0);
	assert_int_equal(rtnl_route_add(&narrow, NULL, other, 0), 0);
	assert_int_equal(rtnl_route_path(&dst, &r), 0);
	assert_int_equal(r.oif, idx2);
	want = ip("10.79.0.2");
	assert_true(addr_eq(&r.prefsrc, &want));
	for (int pinned = 0; pinned < 2; pinned++) {
		assert_int_equal(rtnl_route_underlay(&dst, idx2, &r), 0);
		assert_int_equal(r.oif, idx1);
		assert_int_equal(r.dst.len, 16);
		assert_true(addr_eq(&r.via, &via));
		assert_int_equal(rtnl_route_add(&pin, &via, tun_name, 0), pinned ? -1 : 0);
	}
	assert_int_equal(rtnl_route_path(&dst, &r), 0);
	assert_int_equal(r.oif, idx1);
	want = ip("10.78.0.2");
	assert_true(addr_eq(&r.prefsrc, &want));
	/* Avoiding the only link there is: no way. */
	assert_int_equal(rtnl_route_del(&wide, &via, tun_name, 0), 0);
	errno = 0;
	assert_int_equal(rtnl_route_underlay(&dst, idx2, &r), -1);
	assert_int_equal(errno, ENETUNREACH);
	close(fd);
	assert_int_equal(rtnl_addr_del(tun_name, &a1), 0);
}

static void test_rtnl_link_delete_removes_link(void **state)
{
	char name[IFNAMSIZ];
	int fd;

	(void)state;
	/* A persistent-less TUN goes away with its fd; delete it while the fd
	 * is still open to see the netlink call itself do it. */
	fd = tun_open("rtdel%d", 0, name, NULL);
	assert_true(fd >= 0);
	assert_int_not_equal(if_nametoindex(name), 0);
	assert_int_equal(rtnl_link_delete(name), 0);
	assert_int_equal(if_nametoindex(name), 0);
	close(fd);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_rtnl_link_up_sets_flag_mtu_and_queue),
	    cmocka_unit_test(test_rtnl_addr_add_then_del),
	    cmocka_unit_test(test_rtnl_route_add_get_del),
	    cmocka_unit_test(test_rtnl_route_add_unreachable_gateway_fails),
	    cmocka_unit_test(test_rtnl_errors_bad_arguments),
	    cmocka_unit_test(test_rtnl_route_path_and_underlay),
	    cmocka_unit_test(test_rtnl_link_delete_removes_link),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
