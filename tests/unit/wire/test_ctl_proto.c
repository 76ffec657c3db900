/*
 * test_ctl_proto.c - the admin protocol's frames: round trips, and a table
 * of hostile inputs (truncations, oversize lengths, bad magic, version and
 * type, unterminated and empty requests, too many arguments).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "ctl_proto.h"

static void test_ctl_proto_request_round_trip(void **state)
{
	const char *args[] = {"capture", "alice", "icmp or tcp"};
	uint8_t frame[256], payload[200];
	const char *argv[CTL_PROTO_MAX_ARGS], *why = NULL;
	struct ctl_proto_frame f;
	unsigned argc = 0;
	size_t pl, len, used = 0;

	(void)state;
	pl = ctl_proto_request_encode(3, args, payload, sizeof(payload));
	assert_int_equal(pl, strlen("capture alice icmp or tcp") + 1);
	len = ctl_proto_encode(CTL_PROTO_REQUEST, payload, pl, frame, sizeof(frame));
	assert_int_equal(len, CTL_PROTO_HDR_LEN + pl);
	/* Every strict prefix asks for more. */
	for (size_t i = 0; i < len; i++)
		assert_int_equal(ctl_proto_decode(frame, i, &f, &used, &why), CTL_PROTO_NEED_MORE);
	assert_int_equal(ctl_proto_decode(frame, len, &f, &used, &why), CTL_PROTO_OK);
	assert_int_equal(used, len);
	assert_int_equal(ctl_proto_request_args(&f, argv, &argc, &why), CTL_PROTO_OK);
	assert_int_equal(argc, 3);
	assert_string_equal(argv[0], "capture");
	assert_string_equal(argv[2], "icmp or tcp");
}

static void test_ctl_proto_done_and_packet(void **state)
{
	uint8_t frame[64], pkt[8 + 4] = {0, 0, 0, 1, 0, 0, 0, 2, 0x45, 1, 2, 3};
	struct ctl_proto_frame f;
	const char *why = NULL, *msg;
	const uint8_t *p;
	size_t used, ml, pl, len;
	uint64_t us;
	uint8_t st;

	(void)state;
	len = ctl_proto_done_encode(CTL_PROTO_STATUS_FAIL, "refused", frame, sizeof(frame));
	assert_int_equal(ctl_proto_decode(frame, len, &f, &used, &why), CTL_PROTO_OK);
	assert_int_equal(ctl_proto_done_decode(&f, &st, &msg, &ml, &why), CTL_PROTO_OK);
	assert_int_equal(st, CTL_PROTO_STATUS_FAIL);
	assert_int_equal(ml, 7);
	assert_memory_equal(msg, "refused", 7);
	len = ctl_proto_encode(CTL_PROTO_PACKET, pkt, sizeof(pkt), frame, sizeof(frame));
	assert_int_equal(ctl_proto_decode(frame, len, &f, &used, &why), CTL_PROTO_OK);
	assert_int_equal(ctl_proto_packet_decode(&f, &us, &p, &pl, &why), CTL_PROTO_OK);
	assert_true(us == ((1ULL << 32) | 2));
	assert_int_equal(pl, 4);
	assert_int_equal(p[0], 0x45);
	/* A DONE or PACKET too short for its fixed part. */
	f.type = CTL_PROTO_DONE;
	f.len = 0;
	assert_int_equal(ctl_proto_done_decode(&f, &st, &msg, &ml, &why), CTL_PROTO_MALFORMED);
	f.type = CTL_PROTO_PACKET;
	f.len = 8;
	assert_int_equal(ctl_proto_packet_decode(&f, &us, &p, &pl, &why), CTL_PROTO_MALFORMED);
}

struct hostile {
	const char *name;
	uint8_t bytes[24];
	size_t len;
	enum ctl_proto_result want;
};

static void test_ctl_proto_decode_hostile_table(void **state)
{
	static const struct hostile cases[] = {
	    {"empty", {0}, 0, CTL_PROTO_NEED_MORE},
	    {"bad magic first byte", {'X'}, 1, CTL_PROTO_MALFORMED},
	    {"bad magic second byte", {'M', 'X'}, 2, CTL_PROTO_MALFORMED},
	    {"version 0", {'M', 'C', 0}, 3, CTL_PROTO_MALFORMED},
	    {"version 2", {'M', 'C', 2, 1, 0, 0, 0, 0}, 8, CTL_PROTO_MALFORMED},
	    {"type 0", {'M', 'C', 1, 0}, 4, CTL_PROTO_MALFORMED},
	    {"type 6", {'M', 'C', 1, 6, 0, 0, 0, 0}, 8, CTL_PROTO_MALFORMED},
	    {"header cut", {'M', 'C', 1, 1, 0, 0}, 6, CTL_PROTO_NEED_MORE},
	    {"payload cut", {'M', 'C', 1, 2, 0, 0, 0, 4, 'a', 'b'}, 10, CTL_PROTO_NEED_MORE},
	    {"length max+1", {'M', 'C', 1, 2, 0, 1, 0, 1}, 8, CTL_PROTO_MALFORMED},
	    {"length 4 GiB-1", {'M', 'C', 1, 2, 0xff, 0xff, 0xff, 0xff}, 8, CTL_PROTO_MALFORMED},
	    {"empty text", {'M', 'C', 1, 2, 0, 0, 0, 0}, 8, CTL_PROTO_OK},
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct ctl_proto_frame f;
		const char *why = NULL;
		size_t used = 0;
		enum ctl_proto_result r =
		    ctl_proto_decode(cases[i].bytes, cases[i].len, &f, &used, &why);

		if (r != cases[i].want)
			fail_msg("%s: got %d, want %d", cases[i].name, r, cases[i].want);
		if (r == CTL_PROTO_MALFORMED && why == NULL)
			fail_msg("%s: no reason", cases[i].name);
	}
}

static void test_ctl_proto_request_args_hostile(void **state)
{
	static const struct {
		const char *name;
		const char *p;
		uint32_t len;
	} cases[] = {
	    {"empty payload", "", 0},
	    {"not terminated", "status", 6},
	    {"empty command", "\0alice", 7},
	    {"17 arguments", "a\0b\0c\0d\0e\0f\0g\0h\0i\0j\0k\0l\0m\0n\0o\0p\0q", 34},
	};
	const char *argv[CTL_PROTO_MAX_ARGS], *why;
	unsigned argc;

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct ctl_proto_frame f = {CTL_PROTO_REQUEST, (const uint8_t *)cases[i].p,
					    cases[i].len};

		why = NULL;
		if (ctl_proto_request_args(&f, argv, &argc, &why) != CTL_PROTO_MALFORMED ||
		    why == NULL)
			fail_msg("%s: accepted", cases[i].name);
	}
}

static void test_ctl_proto_encode_limits(void **state)
{
	static uint8_t big[CTL_PROTO_MAX_PAYLOAD + 1], out[CTL_PROTO_HDR_LEN + sizeof(big)];
	const char *many[CTL_PROTO_MAX_ARGS + 1];

	(void)state;
	assert_int_equal(ctl_proto_encode(CTL_PROTO_TEXT, big, sizeof(big), out, sizeof(out)), 0);
	assert_int_equal(
	    ctl_proto_encode(CTL_PROTO_TEXT, big, CTL_PROTO_MAX_PAYLOAD, out, sizeof(out)),
	    CTL_PROTO_HDR_LEN + CTL_PROTO_MAX_PAYLOAD);
	assert_int_equal(ctl_proto_encode(9, big, 1, out, sizeof(out)), 0);
	assert_int_equal(ctl_proto_encode(CTL_PROTO_TEXT, big, 10, out, CTL_PROTO_HDR_LEN + 9), 0);
	for (int i = 0; i <= CTL_PROTO_MAX_ARGS; i++)
		many[i] = "x";
	assert_int_equal(ctl_proto_request_encode(CTL_PROTO_MAX_ARGS + 1, many, out, sizeof(out)),
			 0);
	assert_int_equal(ctl_proto_request_encode(0, many, out, sizeof(out)), 0);
	assert_int_equal(ctl_proto_request_encode(2, many, out, 3), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_ctl_proto_request_round_trip),
	    cmocka_unit_test(test_ctl_proto_done_and_packet),
	    cmocka_unit_test(test_ctl_proto_decode_hostile_table),
	    cmocka_unit_test(test_ctl_proto_request_args_hostile),
	    cmocka_unit_test(test_ctl_proto_encode_limits),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
