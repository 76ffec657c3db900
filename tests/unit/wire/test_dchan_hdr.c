/*
 * test_dchan_hdr.c - the UDP data-channel header: a table of datagrams,
 * good and bad (short, each unknown type, reserved bytes, cid 0), and
 * encode/decode round trips.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "dchan_hdr.h"

struct hdr_case {
	const char *name;
	size_t len; /* of the datagram; bytes past the header are 0 */
	uint8_t head[DCHAN_HDR_LEN];
	enum dchan_hdr_result want;
};

#define CID_1 0, 0, 0, 0, 0, 0, 0, 1
#define CTR_7 0, 0, 0, 0, 0, 0, 0, 7

static const struct hdr_case cases[] = {
    {"data, minimum", DCHAN_MIN_LEN, {0x30, 5, 0, 0, CID_1, CTR_7}, DCHAN_HDR_OK},
    {"ping", DCHAN_MIN_LEN + 8, {0x31, 0, 0, 0, CID_1, CTR_7}, DCHAN_HDR_OK},
    {"pong", DCHAN_MIN_LEN + 8, {0x32, 255, 0, 0, CID_1, CTR_7}, DCHAN_HDR_OK},
    {"empty", 0, {0}, DCHAN_HDR_SHORT},
    {"header only", DCHAN_HDR_LEN, {0x30, 0, 0, 0, CID_1, CTR_7}, DCHAN_HDR_SHORT},
    {"one short of a tag", DCHAN_MIN_LEN - 1, {0x30, 0, 0, 0, CID_1, CTR_7}, DCHAN_HDR_SHORT},
    {"type 0 (STUN)", DCHAN_MIN_LEN, {0x00, 0, 0, 0, CID_1, CTR_7}, DCHAN_HDR_TYPE},
    {"type 0x17 (DTLS)", DCHAN_MIN_LEN, {0x17, 0, 0, 0, CID_1, CTR_7}, DCHAN_HDR_TYPE},
    {"type 0x2f", DCHAN_MIN_LEN, {0x2f, 0, 0, 0, CID_1, CTR_7}, DCHAN_HDR_TYPE},
    {"type 0x33", DCHAN_MIN_LEN, {0x33, 0, 0, 0, CID_1, CTR_7}, DCHAN_HDR_TYPE},
    {"type 0xff", DCHAN_MIN_LEN, {0xff, 0, 0, 0, CID_1, CTR_7}, DCHAN_HDR_TYPE},
    {"reserved byte 2", DCHAN_MIN_LEN, {0x30, 0, 1, 0, CID_1, CTR_7}, DCHAN_HDR_RESERVED},
    {"reserved byte 3", DCHAN_MIN_LEN, {0x30, 0, 0, 0x80, CID_1, CTR_7}, DCHAN_HDR_RESERVED},
    {"cid 0", DCHAN_MIN_LEN, {0x30, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, CTR_7}, DCHAN_HDR_CID},
};

static void test_dchan_hdr_decode_table(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		uint8_t d[DCHAN_MIN_LEN + 64] = {0};
		struct dchan_hdr h;
		enum dchan_hdr_result r;

		memcpy(d, cases[i].head, DCHAN_HDR_LEN);
		r = dchan_hdr_decode(d, cases[i].len, &h);
		if (r != cases[i].want)
			fail_msg("%s: got %s, want %s", cases[i].name, dchan_hdr_result_str(r),
				 dchan_hdr_result_str(cases[i].want));
		if (r == DCHAN_HDR_OK) {
			assert_int_equal(h.type, cases[i].head[0]);
			assert_int_equal(h.epoch, cases[i].head[1]);
			assert_true(h.cid == 1);
			assert_true(h.counter == 7);
		}
	}
}

static void test_dchan_hdr_encode_round_trip(void **state)
{
	static const struct dchan_hdr in[] = {
	    {DCHAN_DATA, 0, 1, 0},
	    {DCHAN_PING, 0x7f, UINT64_C(0x0102030405060708), UINT64_C(0x1112131415161718)},
	    {DCHAN_PONG, 0xff, UINT64_MAX, UINT64_MAX},
	};

	(void)state;
	for (size_t i = 0; i < sizeof(in) / sizeof(in[0]); i++) {
		uint8_t d[DCHAN_MIN_LEN];
		struct dchan_hdr out;

		memset(d, 0xaa, sizeof(d));
		dchan_hdr_encode(&in[i], d);
		assert_int_equal(d[2], 0);
		assert_int_equal(d[3], 0);
		assert_int_equal(dchan_hdr_decode(d, sizeof(d), &out), DCHAN_HDR_OK);
		assert_int_equal(out.type, in[i].type);
		assert_int_equal(out.epoch, in[i].epoch);
		assert_true(out.cid == in[i].cid);
		assert_true(out.counter == in[i].counter);
	}
}

/* Big-endian, byte for byte, as protocol.md 12.5 draws it. */
static void test_dchan_hdr_encode_layout(void **state)
{
	static const uint8_t want[DCHAN_HDR_LEN] = {0x31, 0x02, 0,    0,    1,	  2,	3,
						    4,	  5,	6,    7,    8,	  0x11, 0x12,
						    0x13, 0x14, 0x15, 0x16, 0x17, 0x18};
	const struct dchan_hdr h = {DCHAN_PING, 2, UINT64_C(0x0102030405060708),
				    UINT64_C(0x1112131415161718)};
	uint8_t d[DCHAN_HDR_LEN];

	(void)state;
	dchan_hdr_encode(&h, d);
	assert_memory_equal(d, want, sizeof(want));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_dchan_hdr_decode_table),
	    cmocka_unit_test(test_dchan_hdr_encode_round_trip),
	    cmocka_unit_test(test_dchan_hdr_encode_layout),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
