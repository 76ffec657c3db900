/*
 * test_dchan_steer.c - the worker index in a cid and the reuseport program:
 * the program, run by libpcap's classic BPF interpreter (the kernel's
 * instruction set), picks for a datagram the worker dchan_steer_worker()
 * names for its cid, for 1 to 64 workers; a datagram too short for a cid
 * goes to worker 0.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "dchan_hdr.h"
#include "dchan_steer.h"

/* libpcap's interpreter (<pcap/bpf.h>: bpf_filter), declared here because
 * that header and <linux/filter.h> define the same macros differently.
 * Its struct bpf_insn is struct sock_filter: u16 code, u8 jt, u8 jf, u32 k. */
unsigned int bpf_filter(const struct sock_filter *pc, const unsigned char *p, unsigned int wirelen,
			unsigned int buflen);
_Static_assert(sizeof(struct sock_filter) == 8, "a classic BPF instruction is 8 bytes");

static unsigned run(const struct sock_filter *prog, const uint8_t *p, size_t n)
{
	return bpf_filter(prog, p, (unsigned)n, (unsigned)n);
}

static void test_dchan_steer_cid_low_byte(void **state)
{
	(void)state;
	assert_int_equal(dchan_steer_cid(0xa1b2c3d4e5f60718ULL, 5), 0xa1b2c3d4e5f60705ULL);
	assert_int_equal(dchan_steer_worker(0xa1b2c3d4e5f60705ULL, 8), 5);
	assert_int_equal(dchan_steer_worker(0xa1b2c3d4e5f60705ULL, 1), 0);
	/* All zero above the low byte and worker 0: the caller draws again. */
	assert_int_equal(dchan_steer_cid(0xff, 0), 0);
}

static void test_dchan_steer_prog_matches_worker(void **state)
{
	struct sock_filter prog[DCHAN_STEER_PROG_LEN];
	uint8_t d[DCHAN_MIN_LEN + 8];

	(void)state;
	for (unsigned n = 1; n <= 64; n++) {
		dchan_steer_prog(n, prog);
		for (unsigned w = 0; w < n; w++) {
			struct dchan_hdr h = {.type = DCHAN_DATA, .epoch = 3,
					      .cid = dchan_steer_cid(0x0123456789abcdefULL * (w + 1), w),
					      .counter = 77};

			memset(d, 0xee, sizeof(d));
			dchan_hdr_encode(&h, d);
			assert_int_equal(dchan_steer_worker(h.cid, n), w);
			assert_int_equal(run(prog, d, sizeof(d)), w);
		}
	}
}

static void test_dchan_steer_prog_short_datagram(void **state)
{
	struct sock_filter prog[DCHAN_STEER_PROG_LEN];
	uint8_t d[DCHAN_STEER_BYTE] = {0x30, 0, 0, 0, 1, 2, 3, 4, 5, 6, 7};

	(void)state;
	dchan_steer_prog(4, prog);
	assert_int_equal(run(prog, d, sizeof(d)), 0);
	assert_int_equal(run(prog, d, 0), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_dchan_steer_cid_low_byte),
	    cmocka_unit_test(test_dchan_steer_prog_matches_worker),
	    cmocka_unit_test(test_dchan_steer_prog_short_datagram),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
