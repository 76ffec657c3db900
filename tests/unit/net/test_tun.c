/*
 * test_tun.c - opening TUN devices, inside a private network namespace the
 * test process creates for itself. Needs root; fails (never skips) without.
 */
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <linux/if_tun.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "tun.h"

static int group_setup(void **state)
{
	(void)state;
	if (geteuid() != 0) {
		fprintf(stderr, "test_tun must run as root: it creates a network namespace "
				"and TUN devices in it\n");
		return -1;
	}
	if (unshare(CLONE_NEWNET) < 0) {
		fprintf(stderr, "unshare(CLONE_NEWNET): %s\n", strerror(errno));
		return -1;
	}
	return 0;
}

static void test_tun_open_pattern_nonblocking_cloexec(void **state)
{
	char name[IFNAMSIZ];
	char buf[64];
	int fd;

	(void)state;
	memset(name, 'x', sizeof(name));
	fd = tun_open("tt%d", 0, name, NULL);
	assert_true(fd >= 0);
	assert_string_equal(name, "tt0");
	assert_int_not_equal(if_nametoindex(name), 0);
	assert_true(fcntl(fd, F_GETFL) & O_NONBLOCK);
	assert_true(fcntl(fd, F_GETFD) & FD_CLOEXEC);
	/* Nothing queued (and the link is down): read must not block. */
	errno = 0;
	assert_int_equal(read(fd, buf, sizeof(buf)), -1);
	assert_int_equal(errno, EAGAIN);
	close(fd);
}

static void test_tun_open_same_name_busy_unless_multi_queue(void **state)
{
	char a[IFNAMSIZ], b[IFNAMSIZ];
	int fa, fb;

	(void)state;
	fa = tun_open("ttsingle", 0, a, NULL);
	assert_true(fa >= 0);
	assert_string_equal(a, "ttsingle");
	errno = 0;
	assert_int_equal(tun_open("ttsingle", 0, b, NULL), -1);
	assert_int_equal(errno, EBUSY);
	close(fa);

	fa = tun_open("ttmulti", TUN_MULTI_QUEUE, a, NULL);
	assert_true(fa >= 0);
	fb = tun_open("ttmulti", TUN_MULTI_QUEUE, b, NULL);
	assert_true(fb >= 0);
	assert_string_equal(b, "ttmulti");
	close(fa);
	close(fb);
}

/* With TUN_OFFLOAD every read and write has a 10-byte virtio_net_hdr, and
 * the kernel of this project's machines (6.x) takes partial checksums and
 * TCP segmentation. */
static void test_tun_open_offload_vnet_header(void **state)
{
	struct ifreq ifr;
	int hdrsz = 0;
	char name[IFNAMSIZ];
	unsigned offloads = 0xff;
	int fd, ffd;

	(void)state;
	fd = tun_open("ttoff%d", TUN_OFFLOAD, name, &offloads);
	assert_true(fd >= 0);
	assert_true(offloads & TUN_OFFLOAD_CSUM);
	assert_true(offloads & TUN_OFFLOAD_TSO);
	assert_int_equal(ioctl(fd, TUNGETIFF, &ifr), 0);
	assert_true(ifr.ifr_flags & IFF_VNET_HDR);
	assert_int_equal(ioctl(fd, TUNGETVNETHDRSZ, &hdrsz), 0);
	assert_int_equal(hdrsz, 10);
	/* Off and on again, as the client does once the gateway agreed. */
	assert_int_equal(tun_set_offload(fd, false), 0);
	assert_true(tun_set_offload(fd, true) & TUN_OFFLOAD_TSO);
	/* Without offloads asked for, nothing is reported. */
	offloads = 0xff;
	ffd = tun_open("ttplain%d", 0, name, &offloads);
	assert_true(ffd >= 0);
	assert_int_equal(offloads, 0);
	close(ffd);
	close(fd);
}

static void test_tun_open_bad_names(void **state)
{
	static const char *const bad[] = {"", "a-name-far-too-long-for-ifnamsiz", NULL};
	char name[IFNAMSIZ];

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		errno = 0;
		assert_int_equal(tun_open(bad[i], 0, name, NULL), -1);
		assert_int_equal(errno, EINVAL);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_tun_open_pattern_nonblocking_cloexec),
	    cmocka_unit_test(test_tun_open_same_name_busy_unless_multi_queue),
	    cmocka_unit_test(test_tun_open_offload_vnet_header),
	    cmocka_unit_test(test_tun_open_bad_names),
	};

	return cmocka_run_group_tests(tests, group_setup, NULL);
}
