/*
 * test_dchan_msg.c - the UDP data channel on the TLS channel: the
 * CFG_ATTR_DCHAN attribute of CONFIG (round trip, every value out of range
 * refused both ways, ignored by what does not know it is a decoder matter
 * of msg.c), the DCHAN_REKEY / DCHAN_REKEY_ACK payload and frames, and the
 * CONTINUE payload and frame (section 12.10).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>

#include <cmocka.h>

#include "dchan_msg.h"
#include "frame.h"
#include "msg.h"

static void config_with(struct msg_config *c, uint64_t cid, uint16_t port, uint8_t aead)
{
	memset(c, 0, sizeof(*c));
	c->addr4.addr.family = AF_INET;
	memcpy(c->addr4.addr.bytes, (uint8_t[]){10, 8, 0, 2}, 4);
	c->addr4.len = 24;
	c->mtu = 1400;
	c->keepalive = 10;
	c->dchan.cid = cid;
	c->dchan.port = port;
	c->dchan.aead = aead;
}

static void test_msg_config_dchan_round_trip(void **state)
{
	struct msg_config c, d;
	uint8_t out[512];
	const char *why = NULL;
	size_t n;

	(void)state;
	config_with(&c, 0x0102030405060708ull, 8443, 2);
	n = msg_config_encode(&c, out, sizeof(out));
	assert_int_not_equal(n, 0);
	assert_int_equal(msg_config_decode(out, n, &d, &why), MSG_OK);
	assert_true(d.dchan.cid == 0x0102030405060708ull);
	assert_int_equal(d.dchan.port, 8443);
	assert_int_equal(d.dchan.aead, 2);
	/* Not offered: no attribute at all. */
	config_with(&c, 0, 0, 0);
	n = msg_config_encode(&c, out, sizeof(out));
	assert_int_equal(msg_config_decode(out, n, &d, &why), MSG_OK);
	assert_true(d.dchan.cid == 0);
}

/* Out of range: the encoder refuses, and the same bytes forced onto the
 * wire are refused by the decoder. */
static void test_msg_config_dchan_out_of_range(void **state)
{
	static const struct {
		uint16_t port;
		uint8_t aead;
		size_t len; /* the attribute's value length on the wire */
	} rows[] = {
	    {0, 1, 11}, {443, 0, 11}, {443, 3, 11}, {443, 1, 10}, {443, 1, 12},
	};
	(void)state;
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		struct msg_config c, d;
		uint8_t out[512];
		const char *why = NULL;
		size_t n;

		config_with(&c, 7, rows[i].port, rows[i].aead);
		if (rows[i].len == MSG_DCHAN_LEN)
			assert_int_equal(msg_config_encode(&c, out, sizeof(out)), 0);
		config_with(&c, 0, 0, 0);
		n = msg_config_encode(&c, out, sizeof(out));
		out[n] = CFG_ATTR_DCHAN;
		out[n + 1] = 0;
		out[n + 2] = (uint8_t)rows[i].len;
		memset(out + n + 3, 0, rows[i].len);
		out[n + 3 + 7] = 7; /* cid 7 */
		out[n + 3 + 8] = (uint8_t)(rows[i].port >> 8);
		out[n + 3 + 9] = (uint8_t)rows[i].port;
		out[n + 3 + 10] = rows[i].aead;
		assert_int_equal(msg_config_decode(out, n + 3 + rows[i].len, &d, &why), MSG_MALFORMED);
		assert_non_null(why);
	}
}

static void test_msg_config_dchan_cid_zero_refused(void **state)
{
	struct msg_config c, d;
	uint8_t out[512];
	const char *why = NULL;
	size_t n;

	(void)state;
	config_with(&c, 0, 0, 0);
	n = msg_config_encode(&c, out, sizeof(out));
	memcpy(out + n, (uint8_t[]){CFG_ATTR_DCHAN, 0, 11, 0, 0, 0, 0, 0, 0, 0, 0, 0x20, 0xfb, 1}, 14);
	assert_int_equal(msg_config_decode(out, n + 14, &d, &why), MSG_MALFORMED);
	assert_string_equal(why, "CONFIG data channel with connection id or port 0");
}

static void test_dchan_msg_epoch_codec(void **state)
{
	static const struct {
		uint8_t bytes[5];
		size_t n;
		enum msg_result r;
		uint32_t epoch;
	} rows[] = {
	    {{0, 0, 0, 1}, 4, MSG_OK, 1},
	    {{0xff, 0xff, 0xff, 0xff}, 4, MSG_OK, 0xffffffffu},
	    {{0, 0, 0, 0}, 4, MSG_MALFORMED, 0},
	    {{0, 0, 1}, 3, MSG_MALFORMED, 0},
	    {{0, 0, 0, 1, 0}, 5, MSG_MALFORMED, 0},
	    {{0}, 0, MSG_MALFORMED, 0},
	};
	uint8_t out[8];

	(void)state;
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		const char *why = NULL;
		uint32_t e = 99;

		assert_int_equal(dchan_msg_epoch_decode(rows[i].bytes, rows[i].n, &e, &why), rows[i].r);
		assert_int_equal(e, rows[i].epoch);
		if (rows[i].r == MSG_OK) {
			assert_int_equal(dchan_msg_epoch_encode(e, out, sizeof(out)), 4);
			assert_memory_equal(out, rows[i].bytes, 4);
		} else {
			assert_non_null(why);
		}
	}
	assert_int_equal(dchan_msg_epoch_encode(0, out, sizeof(out)), 0);
	assert_int_equal(dchan_msg_epoch_encode(1, out, 3), 0);
}

static void test_frame_decode_dchan_rekey_lengths(void **state)
{
	static const struct {
		uint8_t type;
		size_t len;
		enum frame_result r;
	} rows[] = {
	    {FRAME_DCHAN_REKEY, 4, FRAME_OK},	  {FRAME_DCHAN_REKEY, 3, FRAME_MALFORMED},
	    {FRAME_DCHAN_REKEY, 0, FRAME_MALFORMED}, {FRAME_DCHAN_REKEY_ACK, 4, FRAME_OK},
	    {FRAME_DCHAN_REKEY_ACK, 5, FRAME_MALFORMED},
	};
	(void)state;
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		uint8_t b[16] = {0};
		struct frame f;
		size_t used = 0;
		const char *why = NULL;

		frame_header(b, rows[i].type, rows[i].len);
		b[FRAME_HDR_LEN + 3] = 1;
		assert_int_equal(frame_decode(b, FRAME_HDR_LEN + rows[i].len, 1500, &f, &used, &why),
				 rows[i].r);
	}
	assert_string_equal(frame_type_name(FRAME_DCHAN_REKEY), "DCHAN_REKEY");
	assert_string_equal(frame_type_name(FRAME_DCHAN_REKEY_ACK), "DCHAN_REKEY_ACK");
}

static void test_dchan_msg_continue_codec(void **state)
{
	static const struct {
		const char *name;
		size_t n;
		uint8_t cid0; /* first byte of the cid; the last is cid7 */
		uint8_t cid7;
		enum msg_result r;
	} rows[] = {
	    {"40 bytes", 40, 0x01, 0x08, MSG_OK},
	    {"cid with only the low bit", 40, 0x00, 0x01, MSG_OK},
	    {"cid 0", 40, 0x00, 0x00, MSG_MALFORMED},
	    {"39 bytes", 39, 0x01, 0x08, MSG_MALFORMED},
	    {"41 bytes", 41, 0x01, 0x08, MSG_MALFORMED},
	    {"empty", 0, 0x01, 0x08, MSG_MALFORMED},
	};
	uint8_t proof[DCHAN_CONT_MSG_PROOF_LEN], out[64];

	(void)state;
	for (size_t i = 0; i < sizeof(proof); i++)
		proof[i] = (uint8_t)(0xa0 + i);
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		uint8_t b[48] = {0}, got[DCHAN_CONT_MSG_PROOF_LEN];
		const char *why = NULL;
		uint64_t cid = 99;

		b[0] = rows[i].cid0;
		b[7] = rows[i].cid7;
		memcpy(b + 8, proof, sizeof(proof));
		assert_int_equal(dchan_msg_continue_decode(b, rows[i].n, &cid, got, &why), rows[i].r);
		if (rows[i].r != MSG_OK) {
			if (why == NULL)
				fail_msg("row %s: no reason", rows[i].name);
			assert_true(cid == 0);
			continue;
		}
		assert_true(cid == ((uint64_t)rows[i].cid0 << 56 | rows[i].cid7));
		assert_memory_equal(got, proof, sizeof(proof));
		assert_int_equal(dchan_msg_continue_encode(cid, got, out, sizeof(out)), 40);
		assert_memory_equal(out, b, 40);
	}
	assert_int_equal(dchan_msg_continue_encode(0, proof, out, sizeof(out)), 0);
	assert_int_equal(dchan_msg_continue_encode(1, proof, out, 39), 0);
}

static void test_frame_decode_continue_lengths(void **state)
{
	static const struct {
		size_t len;
		enum frame_result r;
	} rows[] = {{40, FRAME_OK}, {39, FRAME_MALFORMED}, {41, FRAME_MALFORMED}, {0, FRAME_MALFORMED}};

	(void)state;
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		uint8_t b[64] = {0};
		struct frame f;
		size_t used = 0;
		const char *why = NULL;

		frame_header(b, FRAME_CONTINUE, rows[i].len);
		assert_int_equal(frame_decode(b, FRAME_HDR_LEN + rows[i].len, 1500, &f, &used, &why),
				 rows[i].r);
	}
	assert_string_equal(frame_type_name(FRAME_CONTINUE), "CONTINUE");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_msg_config_dchan_round_trip),
	    cmocka_unit_test(test_msg_config_dchan_out_of_range),
	    cmocka_unit_test(test_msg_config_dchan_cid_zero_refused),
	    cmocka_unit_test(test_dchan_msg_epoch_codec),
	    cmocka_unit_test(test_frame_decode_dchan_rekey_lengths),
	    cmocka_unit_test(test_dchan_msg_continue_codec),
	    cmocka_unit_test(test_frame_decode_continue_lengths),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
