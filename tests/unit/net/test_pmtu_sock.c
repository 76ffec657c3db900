/*
 * test_pmtu_sock.c - "don't fragment" set and read back on IPv4 and IPv6
 * sockets, and the path MTU question over loopback (its MTU, as the
 * kernel has it for the device): IPv4, IPv6, IPv4-mapped asked as IPv4,
 * a family that has none refused. Learned path MTUs below a route's are
 * the integration test's (tests/integration/test_pmtu.sh).
 */
#include <errno.h>
#include <net/if.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cmocka.h>

#include "pmtu_sock.h"

/* The loopback device's MTU, read another way (SIOCGIFMTU). */
static uint32_t lo_mtu(void)
{
	struct ifreq ifr;
	int fd = socket(AF_INET, SOCK_DGRAM, 0);

	assert_true(fd >= 0);
	memset(&ifr, 0, sizeof(ifr));
	strcpy(ifr.ifr_name, "lo");
	assert_int_equal(ioctl(fd, SIOCGIFMTU, &ifr), 0);
	close(fd);
	return (uint32_t)ifr.ifr_mtu;
}

static void test_pmtu_sock_set_df_reads_back(void **state)
{
	int fd4 = socket(AF_INET, SOCK_DGRAM, 0), fd6 = socket(AF_INET6, SOCK_DGRAM, 0), v = -1;
	socklen_t l = sizeof(v);

	(void)state;
	assert_true(fd4 >= 0);
	assert_int_equal(pmtu_sock_set_df(fd4, AF_INET), 0);
	assert_int_equal(getsockopt(fd4, IPPROTO_IP, IP_MTU_DISCOVER, &v, &l), 0);
	assert_int_equal(v, IP_PMTUDISC_DO);
	if (fd6 >= 0) {
		assert_int_equal(pmtu_sock_set_df(fd6, AF_INET6), 0);
		l = sizeof(v);
		assert_int_equal(getsockopt(fd6, IPPROTO_IPV6, IPV6_MTU_DISCOVER, &v, &l), 0);
		assert_int_equal(v, IPV6_PMTUDISC_DO);
		l = sizeof(v);
		assert_int_equal(getsockopt(fd6, IPPROTO_IP, IP_MTU_DISCOVER, &v, &l), 0);
		assert_int_equal(v, IP_PMTUDISC_DO);
		close(fd6);
	}
	close(fd4);
	assert_int_equal(pmtu_sock_set_df(-1, AF_INET), -1);
}

static void test_pmtu_sock_query_loopback(void **state)
{
	struct pmtu_sock q;
	struct sockaddr_storage ss;
	struct sockaddr_in *s4 = (struct sockaddr_in *)(void *)&ss;
	struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)(void *)&ss;
	/* An IPv4 route's MTU stops at 65535 (IP_MAX_MTU), loopback's is
	 * 65536 by default. */
	uint32_t mtu = 0, want = lo_mtu(), want4 = want > 65535 ? 65535 : want;
	int fam = 0;

	(void)state;
	pmtu_sock_init(&q);
	memset(&ss, 0, sizeof(ss));
	s4->sin_family = AF_INET;
	s4->sin_port = htons(9);
	s4->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(pmtu_sock_query(&q, &ss, sizeof(*s4), &mtu, &fam), 0);
	assert_int_equal(mtu, want4);
	assert_int_equal(fam, AF_INET);
	assert_true(q.open4 && q.fd4 >= 0);

	/* ::ffff:127.0.0.1 travels as IPv4. */
	memset(&ss, 0, sizeof(ss));
	s6->sin6_family = AF_INET6;
	s6->sin6_port = htons(9);
	s6->sin6_addr.s6_addr[10] = s6->sin6_addr.s6_addr[11] = 0xff;
	s6->sin6_addr.s6_addr[12] = 127;
	s6->sin6_addr.s6_addr[15] = 1;
	mtu = 0;
	assert_int_equal(pmtu_sock_query(&q, &ss, sizeof(*s6), &mtu, &fam), 0);
	assert_int_equal(mtu, want4);
	assert_int_equal(fam, AF_INET);

	memset(&s6->sin6_addr, 0, sizeof(s6->sin6_addr));
	s6->sin6_addr.s6_addr[15] = 1;
	mtu = 0;
	if (pmtu_sock_query(&q, &ss, sizeof(*s6), &mtu, &fam) == 0) {
		assert_int_equal(mtu, want);
		assert_int_equal(fam, AF_INET6);
		assert_true(q.open6 && q.fd6 >= 0);
	} else {
		/* A machine without IPv6 on loopback: the error is the kernel's. */
		assert_true(errno == EADDRNOTAVAIL || errno == ENETUNREACH ||
			    errno == EAFNOSUPPORT);
	}
	pmtu_sock_close(&q);
	assert_false(q.open4);
	assert_false(q.open6);
}

static void test_pmtu_sock_query_other_family(void **state)
{
	struct pmtu_sock q = {0}; /* zeroed is closed, as pmtu_sock_init leaves it */
	struct sockaddr_storage ss;
	uint32_t mtu = 7;
	int fam = 7;

	(void)state;
	memset(&ss, 0, sizeof(ss));
	ss.ss_family = AF_UNIX;
	assert_int_equal(pmtu_sock_query(&q, &ss, sizeof(struct sockaddr_un), &mtu, &fam), -1);
	assert_int_equal(errno, EAFNOSUPPORT);
	assert_int_equal(mtu, 7);
	assert_false(q.open4);
	pmtu_sock_close(&q);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_pmtu_sock_set_df_reads_back),
	    cmocka_unit_test(test_pmtu_sock_query_loopback),
	    cmocka_unit_test(test_pmtu_sock_query_other_family),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
