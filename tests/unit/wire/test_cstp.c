/*
 * test_cstp.c - CSTP packets as openconnect 9.01 writes and reads them
 * (cstp.c: the 8-byte "STF\1" header, DPD and KEEPALIVE without payload, a
 * DISCONNECT of reason 0xb0 and text): encode, decode at every split, and a
 * table of headers that must be refused as soon as they show it.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "cstp.h"

static void test_cstp_header_bytes(void **state)
{
	uint8_t hdr[CSTP_HDR_LEN];

	(void)state;
	cstp_header(hdr, CSTP_DATA, 0x0102);
	assert_memory_equal(hdr, ((const uint8_t[]){'S', 'T', 'F', 1, 1, 2, 0, 0}), CSTP_HDR_LEN);
	cstp_header(hdr, CSTP_TERMINATE, 65535);
	assert_memory_equal(hdr, ((const uint8_t[]){'S', 'T', 'F', 1, 0xff, 0xff, 9, 0}), CSTP_HDR_LEN);
}

/* openconnect's own control packets (cstp.c keepalive_pkt, dpd_pkt,
 * dpd_resp_pkt, and the BYE of cstp_bye("Client received SIGINT")). */
static void test_cstp_decode_openconnect_packets(void **state)
{
	static const uint8_t ka[] = {'S', 'T', 'F', 1, 0, 0, 7, 0};
	static const uint8_t dpd[] = {'S', 'T', 'F', 1, 0, 0, 3, 0};
	static const uint8_t dpd_resp[] = {'S', 'T', 'F', 1, 0, 0, 4, 0};
	uint8_t bye[64] = {'S', 'T', 'F', 1, 0, 0, 5, 0, 0xb0};
	const char *text = "Client received SIGINT";
	struct frame f;
	size_t used;
	const char *why;

	(void)state;
	assert_int_equal(cstp_decode(ka, sizeof(ka), 1400, &f, &used, &why), FRAME_OK);
	assert_int_equal(f.type, CSTP_KEEPALIVE);
	assert_int_equal(used, 8);
	assert_int_equal(cstp_decode(dpd, sizeof(dpd), 1400, &f, &used, &why), FRAME_OK);
	assert_int_equal(f.type, CSTP_DPD_REQ);
	assert_int_equal(cstp_decode(dpd_resp, sizeof(dpd_resp), 1400, &f, &used, &why), FRAME_OK);
	assert_int_equal(f.type, CSTP_DPD_RESP);
	memcpy(bye + 9, text, strlen(text));
	bye[5] = (uint8_t)(1 + strlen(text));
	assert_int_equal(cstp_decode(bye, 9 + strlen(text), 1400, &f, &used, &why), FRAME_OK);
	assert_int_equal(f.type, CSTP_DISCONNECT);
	assert_int_equal(f.len, 1 + strlen(text));
	assert_int_equal(f.payload[0], CSTP_REASON_CLIENT_BYE);
	assert_memory_equal(f.payload + 1, text, strlen(text));
}

static void test_cstp_decode_data_every_split(void **state)
{
	uint8_t pkt[CSTP_HDR_LEN + 100];
	struct frame f;
	size_t used;
	const char *why;

	(void)state;
	for (size_t i = 0; i < 100; i++)
		pkt[CSTP_HDR_LEN + i] = (uint8_t)i;
	cstp_header(pkt, CSTP_DATA, 100);
	for (size_t n = 0; n < sizeof(pkt); n++)
		assert_int_equal(cstp_decode(pkt, n, 1400, &f, &used, &why), FRAME_NEED_MORE);
	assert_int_equal(cstp_decode(pkt, sizeof(pkt), 1400, &f, &used, &why), FRAME_OK);
	assert_int_equal(f.type, CSTP_DATA);
	assert_int_equal(f.len, 100);
	assert_ptr_equal(f.payload, pkt + CSTP_HDR_LEN);
	assert_int_equal(used, sizeof(pkt));
}

static const struct bad_case {
	const char *name;
	uint8_t hdr[CSTP_HDR_LEN];
	size_t n;          /* bytes given: refused with no more */
} bad_cases[] = {
	{"wrong first magic byte", {'X'}, 1},
	{"wrong third magic byte", {'S', 'T', 'G'}, 3},
	{"version 2", {'S', 'T', 'F', 2}, 4},
	{"trailing byte set", {'S', 'T', 'F', 1, 0, 4, 0, 1}, 8},
	{"COMPRESSED", {'S', 'T', 'F', 1, 0, 4, 8, 0}, 8},
	{"unknown type 1", {'S', 'T', 'F', 1, 0, 0, 1, 0}, 8},
	{"unknown type 6", {'S', 'T', 'F', 1, 0, 0, 6, 0}, 8},
	{"unknown type 10", {'S', 'T', 'F', 1, 0, 0, 10, 0}, 8},
	{"empty DATA", {'S', 'T', 'F', 1, 0, 0, 0, 0}, 8},
	{"DATA over the MTU", {'S', 'T', 'F', 1, 0x05, 0x79, 0, 0}, 8}, /* 1401 */
	{"KEEPALIVE with payload", {'S', 'T', 'F', 1, 0, 1, 7, 0}, 8},
	{"DPD too large", {'S', 'T', 'F', 1, 0x08, 0x01, 3, 0}, 8},
	{"DISCONNECT too large", {'S', 'T', 'F', 1, 1, 1, 5, 0}, 8},
	{"TERMINATE too large", {'S', 'T', 'F', 1, 1, 1, 9, 0}, 8},
};

static void test_cstp_decode_refuses_bad_headers(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(bad_cases) / sizeof(bad_cases[0]); i++) {
		const struct bad_case *bc = &bad_cases[i];
		uint8_t *p = malloc(bc->n);
		struct frame f;
		size_t used;
		const char *why = NULL;

		memcpy(p, bc->hdr, bc->n);
		if (cstp_decode(p, bc->n, 1400, &f, &used, &why) != FRAME_MALFORMED)
			fail_msg("%s: not refused", bc->name);
		assert_non_null(why);
		free(p);
	}
}

static void test_cstp_decode_limits_accepted(void **state)
{
	static uint8_t pkt[CSTP_HDR_LEN + CSTP_MAX_PAYLOAD];
	struct frame f;
	size_t used;
	const char *why;

	(void)state;
	cstp_header(pkt, CSTP_DATA, 1400);
	assert_int_equal(cstp_decode(pkt, CSTP_HDR_LEN + 1400, 1400, &f, &used, &why), FRAME_OK);
	cstp_header(pkt, CSTP_DATA, CSTP_MAX_PAYLOAD);
	assert_int_equal(cstp_decode(pkt, sizeof(pkt), CSTP_MAX_PAYLOAD, &f, &used, &why), FRAME_OK);
	assert_int_equal(used, sizeof(pkt));
	cstp_header(pkt, CSTP_DPD_REQ, CSTP_DPD_MAX);
	assert_int_equal(cstp_decode(pkt, CSTP_HDR_LEN + CSTP_DPD_MAX, 1400, &f, &used, &why), FRAME_OK);
	cstp_header(pkt, CSTP_TERMINATE, 0);
	assert_int_equal(cstp_decode(pkt, CSTP_HDR_LEN, 1400, &f, &used, &why), FRAME_OK);
	cstp_header(pkt, CSTP_DISCONNECT, 1 + CSTP_MAX_TEXT);
	assert_int_equal(cstp_decode(pkt, CSTP_HDR_LEN + 1 + CSTP_MAX_TEXT, 1400, &f, &used, &why),
			 FRAME_OK);
}

static void test_cstp_decode_two_packets_in_one_read(void **state)
{
	uint8_t two[CSTP_HDR_LEN * 2 + 3];
	struct frame f;
	size_t used, off = 0;
	const char *why;

	(void)state;
	off += cstp_packet(two, sizeof(two), CSTP_DATA, "abc", 3);
	off += cstp_packet(two + off, sizeof(two) - off, CSTP_KEEPALIVE, NULL, 0);
	assert_int_equal(off, sizeof(two));
	assert_int_equal(cstp_decode(two, off, 1400, &f, &used, &why), FRAME_OK);
	assert_int_equal(used, CSTP_HDR_LEN + 3);
	assert_int_equal(cstp_decode(two + used, off - used, 1400, &f, &used, &why), FRAME_OK);
	assert_int_equal(f.type, CSTP_KEEPALIVE);
}

static void test_cstp_packet_refuses(void **state)
{
	uint8_t out[64];

	(void)state;
	assert_int_equal(cstp_packet(out, sizeof(out), CSTP_DATA, "x", 0), 0);
	assert_int_equal(cstp_packet(out, sizeof(out), CSTP_KEEPALIVE, "x", 1), 0);
	assert_int_equal(cstp_packet(out, sizeof(out), CSTP_COMPRESSED, "x", 1), 0);
	assert_int_equal(cstp_packet(out, sizeof(out), 42, NULL, 0), 0);
	assert_int_equal(cstp_packet(out, CSTP_HDR_LEN + 2, CSTP_DATA, "abc", 3), 0);
	assert_int_equal(cstp_packet(out, CSTP_HDR_LEN - 1, CSTP_KEEPALIVE, NULL, 0), 0);
	assert_int_equal(cstp_packet(out, CSTP_HDR_LEN + 3, CSTP_DATA, "abc", 3), CSTP_HDR_LEN + 3);
}

static void test_cstp_disconnect_text(void **state)
{
	uint8_t out[CSTP_HDR_LEN + 1 + CSTP_MAX_TEXT + 8];
	char long_text[400];
	size_t n;

	(void)state;
	n = cstp_disconnect(out, sizeof(out), 0, "certificate revoked");
	assert_int_equal(n, CSTP_HDR_LEN + 1 + 19);
	assert_memory_equal(out, ((const uint8_t[]){'S', 'T', 'F', 1, 0, 20, 5, 0, 0}), 9);
	assert_memory_equal(out + 9, "certificate revoked", 19);

	/* UTF-8 and control bytes never reach the client. */
	n = cstp_disconnect(out, sizeof(out), 2, "caf\xc3\xa9\n!");
	assert_int_equal(n, CSTP_HDR_LEN + 1 + 7);
	assert_memory_equal(out + 9, "caf...!", 7);

	memset(long_text, 'a', sizeof(long_text) - 1);
	long_text[sizeof(long_text) - 1] = 0;
	n = cstp_disconnect(out, sizeof(out), 1, long_text);
	assert_int_equal(n, CSTP_HDR_LEN + 1 + CSTP_MAX_TEXT);

	n = cstp_disconnect(out, sizeof(out), 7, NULL);
	assert_int_equal(n, CSTP_HDR_LEN + 1);
	assert_int_equal(out[8], 7);
	assert_int_equal(cstp_disconnect(out, CSTP_HDR_LEN, 7, NULL), 0);
}

static void test_cstp_wrap_data(void **state)
{
	struct buf b;

	(void)state;
	assert_int_equal(buf_init(&b, 64), 0);
	buf_reset(&b, CSTP_HDR_LEN);
	assert_false(cstp_wrap_data(&b)); /* empty */
	assert_true(buf_append(&b, "\x45\x00", 2));
	assert_true(cstp_wrap_data(&b));
	assert_int_equal(buf_len(&b), CSTP_HDR_LEN + 2);
	assert_memory_equal(buf_ptr(&b), ((const uint8_t[]){'S', 'T', 'F', 1, 0, 2, 0, 0, 0x45, 0}),
			    10);
	buf_reset(&b, CSTP_HDR_LEN - 1);
	assert_true(buf_append(&b, "x", 1));
	assert_false(cstp_wrap_data(&b));
	buf_deinit(&b);
}

static void test_cstp_type_name(void **state)
{
	(void)state;
	assert_string_equal(cstp_type_name(CSTP_DATA), "DATA");
	assert_string_equal(cstp_type_name(CSTP_DPD_REQ), "DPD_REQ");
	assert_string_equal(cstp_type_name(CSTP_TERMINATE), "TERMINATE");
	assert_string_equal(cstp_type_name(200), "unknown");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_cstp_header_bytes),
	    cmocka_unit_test(test_cstp_decode_openconnect_packets),
	    cmocka_unit_test(test_cstp_decode_data_every_split),
	    cmocka_unit_test(test_cstp_decode_refuses_bad_headers),
	    cmocka_unit_test(test_cstp_decode_limits_accepted),
	    cmocka_unit_test(test_cstp_decode_two_packets_in_one_read),
	    cmocka_unit_test(test_cstp_packet_refuses),
	    cmocka_unit_test(test_cstp_disconnect_text),
	    cmocka_unit_test(test_cstp_wrap_data),
	    cmocka_unit_test(test_cstp_type_name),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
