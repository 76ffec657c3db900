/*
 * test_frame.c - the frame header codec: round trips of every type, every
 * truncation, hostile headers refused as soon as the offending byte is
 * there, and the per-type payload limits at their edges.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "frame.h"

#define CONFIG_MAX 8192 /* frame.c's documented limit */
#define BYE_MAX (2 + BYE_MAX_TEXT)

/* An exact-size heap copy so ASan catches any read past the input. */
static uint8_t *exact_copy(const uint8_t *p, size_t n)
{
	uint8_t *c = malloc(n > 0 ? n : 1);

	assert_non_null(c);
	if (n > 0)
		memcpy(c, p, n);
	return c;
}

static enum frame_result decode(const uint8_t *p, size_t n, size_t max_data, struct frame *f,
				size_t *used, const char **why)
{
	uint8_t *c = exact_copy(p, n);
	enum frame_result r = frame_decode(c, n, max_data, f, used, why);

	/* The payload must point into the input, never past it. */
	if (r == FRAME_OK) {
		assert_true(f->payload >= c && f->payload + f->len <= c + n);
		f->payload = p + (f->payload - c);
	}
	free(c);
	return r;
}

struct trip {
	uint8_t type;
	size_t len;
};

static const struct trip trips[] = {
    {FRAME_DATA, 1},	  {FRAME_DATA, 1400}, {FRAME_DATA, FRAME_MAX_PAYLOAD},
    {FRAME_CONFIG, 0},	  {FRAME_CONFIG, 17}, {FRAME_CONFIG, CONFIG_MAX},
    {FRAME_KEEPALIVE, 0}, {FRAME_BYE, 2},     {FRAME_BYE, BYE_MAX},
};

static void test_frame_decode_round_trip_each_type(void **state)
{
	struct buf b;

	(void)state;
	assert_int_equal(buf_init(&b, FRAME_HDR_LEN + FRAME_MAX_PAYLOAD), 0);
	for (size_t i = 0; i < sizeof(trips) / sizeof(trips[0]); i++) {
		const struct trip *t = &trips[i];
		uint8_t *payload = malloc(t->len + 1);
		const char *why = NULL;
		struct frame f;
		size_t used = 0;

		assert_non_null(payload);
		for (size_t j = 0; j < t->len; j++)
			payload[j] = (uint8_t)(j * 7 + 1);
		buf_reset(&b, 0);
		assert_true(frame_append(&b, t->type, payload, t->len));
		assert_int_equal(buf_len(&b), FRAME_HDR_LEN + t->len);
		assert_int_equal(buf_ptr(&b)[0], PROTO_VERSION);
		assert_int_equal(buf_ptr(&b)[1], t->type);
		assert_int_equal(buf_get16(buf_ptr(&b) + 2), t->len);
		assert_int_equal(
		    decode(buf_ptr(&b), buf_len(&b), FRAME_MAX_PAYLOAD, &f, &used, &why), FRAME_OK);
		assert_int_equal(f.type, t->type);
		assert_int_equal(f.len, t->len);
		assert_int_equal(used, FRAME_HDR_LEN + t->len);
		if (t->len > 0)
			assert_memory_equal(f.payload, payload, t->len);
		free(payload);
	}
	buf_deinit(&b);
}

static void test_frame_decode_need_more_at_every_truncation(void **state)
{
	uint8_t frame[FRAME_HDR_LEN + 40];

	(void)state;
	memset(frame, 0xab, sizeof(frame));
	frame_header(frame, FRAME_DATA, 40);
	for (size_t n = 0; n < sizeof(frame); n++) {
		const char *why = NULL;
		struct frame f;
		size_t used = 0;

		assert_int_equal(decode(frame, n, 1500, &f, &used, &why), FRAME_NEED_MORE);
	}
}

static void test_frame_decode_one_frame_of_many(void **state)
{
	uint8_t stream[64];
	const char *why = NULL;
	struct frame f;
	size_t used = 0, n = 0, off = 0;
	int count = 0;

	(void)state;
	frame_header(stream, FRAME_KEEPALIVE, 0);
	n += FRAME_HDR_LEN;
	frame_header(stream + n, FRAME_DATA, 3);
	memcpy(stream + n + FRAME_HDR_LEN, "abc", 3);
	n += FRAME_HDR_LEN + 3;
	frame_header(stream + n, FRAME_BYE, 2);
	stream[n + 4] = 0;
	stream[n + 5] = BYE_SHUTDOWN;
	n += FRAME_HDR_LEN + 2;
	while (decode(stream + off, n - off, 1500, &f, &used, &why) == FRAME_OK) {
		static const uint8_t types[] = {FRAME_KEEPALIVE, FRAME_DATA, FRAME_BYE};
		static const size_t lens[] = {0, 3, 2};

		assert_true(count < 3);
		assert_int_equal(f.type, types[count]);
		assert_int_equal(f.len, lens[count]);
		assert_int_equal(used, FRAME_HDR_LEN + lens[count]);
		off += used;
		count++;
	}
	assert_int_equal(count, 3);
	assert_int_equal(off, n);
}

struct hostile {
	const char *name;
	uint8_t bytes[8];
	size_t len;
	size_t max_data;
};

/* Each is refused with only the bytes shown: no payload needs to arrive. */
static const struct hostile hostile[] = {
    {"version 0", {0}, 1, 1500},
    {"version 2", {2}, 1, 1500},
    {"version 0xff, full header", {0xff, FRAME_DATA, 0, 1}, 4, 1500},
    {"type 0", {1, 0}, 2, 1500},
    {"type 0x0b", {1, 0x0b}, 2, 1500},
    {"continue of 39 bytes", {1, FRAME_CONTINUE, 0, 39}, 4, 1500},
    {"data_gso empty", {1, FRAME_DATA_GSO, 0, 0}, 4, 1500},
    {"data_gso with only its header", {1, FRAME_DATA_GSO, 0, 4}, 4, 1500},
    {"config_update above limit", {1, FRAME_CONFIG_UPDATE, 0x20, 0x01}, 4, 1500},
    {"features of 3 bytes", {1, FRAME_FEATURES, 0, 3}, 4, 1500},
    {"features of 5 bytes", {1, FRAME_FEATURES, 0, 5}, 4, 1500},
    {"type 0x81", {1, 0x81}, 2, 1500},
    {"type 0xff", {1, 0xff, 0, 0}, 4, 1500},
    {"keepalive with payload", {1, FRAME_KEEPALIVE, 0, 1}, 4, 1500},
    {"keepalive with 64 KiB", {1, FRAME_KEEPALIVE, 0xff, 0xff}, 4, 1500},
    {"empty data", {1, FRAME_DATA, 0, 0}, 4, 1500},
    {"data above max", {1, FRAME_DATA, 0x05, 0xdd}, 4, 1500},
    {"data 64 KiB, max 1", {1, FRAME_DATA, 0xff, 0xff}, 4, 1},
    {"config above limit", {1, FRAME_CONFIG, 0x20, 0x01}, 4, 1500},
    {"config 64 KiB", {1, FRAME_CONFIG, 0xff, 0xff}, 4, 1500},
    {"bye above limit", {1, FRAME_BYE, 0x01, 0x02}, 4, 1500},
    {"bye 64 KiB", {1, FRAME_BYE, 0xff, 0xff}, 4, 1500},
};

static void test_frame_decode_hostile_headers_refused(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(hostile) / sizeof(hostile[0]); i++) {
		const struct hostile *h = &hostile[i];
		const char *why = NULL;
		struct frame f;
		size_t used = 0;
		enum frame_result r = decode(h->bytes, h->len, h->max_data, &f, &used, &why);

		if (r != FRAME_MALFORMED)
			fail_msg("%s: result %d", h->name, (int)r);
		assert_non_null(why);
		assert_true(strlen(why) > 0);
	}
}

struct edge {
	uint8_t type;
	size_t len, max_data;
	enum frame_result want;
};

static const struct edge edges[] = {
    {FRAME_DATA, 1500, 1500, FRAME_OK},
    {FRAME_DATA, 1501, 1500, FRAME_MALFORMED},
    {FRAME_DATA, 1, 1, FRAME_OK},
    {FRAME_DATA, 2, 1, FRAME_MALFORMED},
    {FRAME_DATA, FRAME_MAX_PAYLOAD, FRAME_MAX_PAYLOAD, FRAME_OK},
    {FRAME_CONFIG, CONFIG_MAX, 1500, FRAME_OK},
    {FRAME_CONFIG, CONFIG_MAX + 1, 1500, FRAME_MALFORMED},
    {FRAME_BYE, BYE_MAX, 1500, FRAME_OK},
    {FRAME_BYE, BYE_MAX + 1, 1500, FRAME_MALFORMED},
    {FRAME_CONFIG_UPDATE, 0, 1500, FRAME_OK},
    {FRAME_CONFIG_UPDATE, CONFIG_MAX, 1500, FRAME_OK},
    {FRAME_CONFIG_UPDATE, CONFIG_MAX + 1, 1500, FRAME_MALFORMED},
    {FRAME_FEATURES, 4, 1500, FRAME_OK},
    {FRAME_FEATURES, 0, 1500, FRAME_MALFORMED},
    /* The frame layer bounds control payloads from above only; a BYE too
     * short for its reason is msg.c's to refuse. */
    {FRAME_BYE, 0, 1500, FRAME_OK},
    {FRAME_KEEPALIVE, 0, 1500, FRAME_OK},
};

static void test_frame_decode_limits_at_edges(void **state)
{
	static uint8_t frame[FRAME_HDR_LEN + FRAME_MAX_PAYLOAD];

	(void)state;
	for (size_t i = 0; i < sizeof(edges) / sizeof(edges[0]); i++) {
		const struct edge *e = &edges[i];
		const char *why = NULL;
		struct frame f;
		size_t used = 0;
		enum frame_result r;

		frame_header(frame, e->type, e->len);
		r = frame_decode(frame, FRAME_HDR_LEN + e->len, e->max_data, &f, &used, &why);
		if (r != e->want)
			fail_msg("%s of %zu (max %zu): result %d, want %d",
				 frame_type_name(e->type), e->len, e->max_data, (int)r,
				 (int)e->want);
		if (r == FRAME_OK)
			assert_int_equal(used, FRAME_HDR_LEN + e->len);
	}
}

static void test_frame_append_refuses_without_room(void **state)
{
	struct buf b;

	(void)state;
	assert_int_equal(buf_init(&b, FRAME_HDR_LEN + 10), 0);
	assert_false(frame_append(&b, FRAME_DATA, "01234567890", 11));
	assert_int_equal(buf_len(&b), 0);
	assert_true(frame_append(&b, FRAME_DATA, "0123456789", 10));
	assert_false(frame_append(&b, FRAME_KEEPALIVE, NULL, 0));
	assert_int_equal(buf_len(&b), FRAME_HDR_LEN + 10);
	buf_deinit(&b);
}

struct bad_append {
	uint8_t type;
	size_t len;
};

/* What frame_decode would refuse is never written. */
static const struct bad_append bad_appends[] = {
    {FRAME_DATA, 0},
    {FRAME_DATA, FRAME_MAX_PAYLOAD + 1},
    {FRAME_KEEPALIVE, 1},
    {FRAME_CONFIG, CONFIG_MAX + 1},
    {FRAME_BYE, BYE_MAX + 1},
    {0, 0},
    {0x07, 1},
    {FRAME_FEATURES, 0},
    {FRAME_CONFIG_UPDATE, CONFIG_MAX + 1},
    {0xff, 0},
};

static void test_frame_append_refuses_bad_lengths(void **state)
{
	static uint8_t payload[FRAME_MAX_PAYLOAD + 1];
	struct buf b;

	(void)state;
	assert_int_equal(buf_init(&b, 2 * (FRAME_HDR_LEN + FRAME_MAX_PAYLOAD)), 0);
	for (size_t i = 0; i < sizeof(bad_appends) / sizeof(bad_appends[0]); i++) {
		assert_false(frame_append(&b, bad_appends[i].type, payload, bad_appends[i].len));
		assert_int_equal(buf_len(&b), 0);
	}
	buf_deinit(&b);
}

static void test_frame_wrap_data_prepends_header(void **state)
{
	const char *why = NULL;
	struct frame f;
	struct buf b;
	size_t used = 0;

	(void)state;
	assert_int_equal(buf_init(&b, 64), 0);
	buf_reset(&b, FRAME_HDR_LEN);
	assert_true(buf_append(&b, "\x45packet", 7));
	assert_true(frame_wrap_data(&b));
	assert_int_equal(b.head, 0);
	assert_int_equal(buf_len(&b), FRAME_HDR_LEN + 7);
	assert_int_equal(decode(buf_ptr(&b), buf_len(&b), 1500, &f, &used, &why), FRAME_OK);
	assert_int_equal(f.type, FRAME_DATA);
	assert_int_equal(f.len, 7);
	assert_memory_equal(f.payload, "\x45packet", 7);
	buf_deinit(&b);
}

static void test_frame_wrap_data_refuses_without_headroom(void **state)
{
	static const size_t headrooms[] = {0, 1, 2, 3};
	struct buf b;

	(void)state;
	assert_int_equal(buf_init(&b, 64), 0);
	for (size_t i = 0; i < sizeof(headrooms) / sizeof(headrooms[0]); i++) {
		buf_reset(&b, headrooms[i]);
		assert_true(buf_append(&b, "pkt", 3));
		assert_false(frame_wrap_data(&b));
		assert_int_equal(b.head, headrooms[i]);
		assert_int_equal(buf_len(&b), 3);
	}
	/* Headroom but no packet: an empty DATA frame is never made. */
	buf_reset(&b, FRAME_HDR_LEN);
	assert_false(frame_wrap_data(&b));
	buf_deinit(&b);
}

static void test_frame_type_name_known_and_unknown(void **state)
{
	(void)state;
	assert_string_equal(frame_type_name(FRAME_DATA), "DATA");
	assert_string_equal(frame_type_name(FRAME_CONFIG), "CONFIG");
	assert_string_equal(frame_type_name(FRAME_KEEPALIVE), "KEEPALIVE");
	assert_string_equal(frame_type_name(FRAME_BYE), "BYE");
	assert_string_equal(frame_type_name(FRAME_CONFIG_UPDATE), "CONFIG_UPDATE");
	assert_string_equal(frame_type_name(FRAME_FEATURES), "FEATURES");
	assert_string_equal(frame_type_name(0), "unknown");
	assert_string_equal(frame_type_name(0xff), "unknown");
}

/* DATA_GSO: the GSO header goes on with the frame header; a decoder reads
 * it back; unknown types and flags are refused, named. */
static void test_frame_gso_wrap_and_decode(void **state)
{
	struct gso_meta m = {.type = GSO_TCPV6, .needs_csum = true, .gso_size = 1388}, back;
	uint8_t pkt[60] = {0x60};
	struct frame f;
	struct buf b;
	size_t used = 0;
	const char *why = NULL;

	(void)state;
	assert_int_equal(buf_init(&b, 8 + sizeof(pkt)), 0);
	buf_reset(&b, 8);
	assert_true(buf_append(&b, pkt, sizeof(pkt)));
	assert_true(frame_wrap_gso(&b, &m));
	assert_int_equal(buf_len(&b), 8 + sizeof(pkt));
	assert_int_equal(frame_decode(buf_ptr(&b), buf_len(&b), 1500, &f, &used, &why), FRAME_OK);
	assert_int_equal(f.type, FRAME_DATA_GSO);
	assert_int_equal(f.len, FRAME_GSO_HDR_LEN + sizeof(pkt));
	assert_true(frame_gso_decode(f.payload, f.len, &back, &why));
	assert_int_equal(back.type, GSO_TCPV6);
	assert_true(back.needs_csum);
	assert_int_equal(back.gso_size, 1388);
	assert_memory_equal(f.payload + FRAME_GSO_HDR_LEN, pkt, sizeof(pkt));
	/* No headroom for both headers: refused, nothing written. */
	buf_reset(&b, 7);
	assert_true(buf_append(&b, pkt, 1));
	assert_false(frame_wrap_gso(&b, &m));
	buf_deinit(&b);

	uint8_t bad_type[] = {FRAME_GSO_TYPE_MAX + 1, 0, 0, 0, 0x45};
	uint8_t bad_flag[] = {GSO_TCPV4, 0x02, 0x05, 0x00, 0x45};
	why = NULL;
	assert_false(frame_gso_decode(bad_type, sizeof(bad_type), &back, &why));
	assert_non_null(why);
	why = NULL;
	assert_false(frame_gso_decode(bad_flag, sizeof(bad_flag), &back, &why));
	assert_non_null(why);
	assert_string_equal(frame_type_name(FRAME_DATA_GSO), "DATA_GSO");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_frame_decode_round_trip_each_type),
	    cmocka_unit_test(test_frame_decode_need_more_at_every_truncation),
	    cmocka_unit_test(test_frame_decode_one_frame_of_many),
	    cmocka_unit_test(test_frame_decode_hostile_headers_refused),
	    cmocka_unit_test(test_frame_decode_limits_at_edges),
	    cmocka_unit_test(test_frame_append_refuses_without_room),
	    cmocka_unit_test(test_frame_append_refuses_bad_lengths),
	    cmocka_unit_test(test_frame_wrap_data_prepends_header),
	    cmocka_unit_test(test_frame_wrap_data_refuses_without_headroom),
	    cmocka_unit_test(test_frame_type_name_known_and_unknown),
	    cmocka_unit_test(test_frame_gso_wrap_and_decode),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
