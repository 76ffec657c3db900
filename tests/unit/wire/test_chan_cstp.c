/*
 * test_chan_cstp.c - a gateway channel in CSTP mode: openconnect's packets
 * in, the same events as our own wire out (DATA with its IP header parsed,
 * KEEPALIVE, BYE), plus the DPD events only CSTP has. Every split point,
 * many packets per read, and refusals.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "chan.h"
#include "cstp.h"
#include "frame.h"
#include "ipv4_sample.h"

/* DATA, KEEPALIVE, DPD request, DPD response, DISCONNECT: what openconnect
 * sends over a session's life. */
static size_t openconnect_stream(uint8_t *out, size_t cap)
{
	uint8_t ip[32];
	static const char bye[] = "\xb0" "Client received SIGINT\x01";
	size_t n = 0;

	n += cstp_packet(out + n, cap - n, CSTP_DATA, ip, ipv4_sample(ip, true));
	n += cstp_packet(out + n, cap - n, CSTP_KEEPALIVE, NULL, 0);
	n += cstp_packet(out + n, cap - n, CSTP_DPD_REQ, NULL, 0);
	n += cstp_packet(out + n, cap - n, CSTP_DPD_RESP, "xy", 2);
	n += cstp_packet(out + n, cap - n, CSTP_DISCONNECT, bye, sizeof(bye) - 1);
	return n;
}

static void check_stream_events(struct chan *c)
{
	static const uint8_t types[] = {FRAME_DATA, FRAME_KEEPALIVE, CHAN_EV_DPD_REQ,
					CHAN_EV_DPD_RESP, FRAME_BYE};
	struct chan_event ev;
	const char *why = NULL;

	for (size_t i = 0; i < sizeof(types); i++) {
		assert_int_equal(chan_next(c, &ev, &why), CHAN_OK);
		assert_int_equal(ev.type, types[i]);
		if (ev.type == FRAME_DATA) {
			assert_int_equal(ev.len, 32);
			assert_int_equal(ev.ip_result, IPPKT_OK);
			assert_int_equal(ev.ip.src.bytes[3], 2);
		} else if (ev.type == CHAN_EV_DPD_RESP) {
			assert_int_equal(ev.len, 2);
			assert_memory_equal(ev.data, "xy", 2);
		} else if (ev.type == FRAME_BYE) {
			assert_int_equal(ev.bye.reason, BYE_NORMAL);
			assert_string_equal(ev.bye.text, "Client received SIGINT.");
		}
	}
	assert_int_equal(chan_next(c, &ev, &why), CHAN_NEED_MORE);
}

static void test_chan_cstp_stream_in_one_read(void **state)
{
	uint8_t s[512];
	size_t n = openconnect_stream(s, sizeof(s));
	struct chan c;

	(void)state;
	assert_int_equal(chan_init(&c, CHAN_GATEWAY, CHAN_DEFAULT_CAP), 0);
	chan_set_framing(&c, CHAN_FRAMING_CSTP);
	chan_set_max_data(&c, 1400);
	assert_true(chan_feed(&c, s, n));
	check_stream_events(&c);
	chan_deinit(&c);
}

static void test_chan_cstp_stream_byte_at_a_time(void **state)
{
	uint8_t s[512];
	size_t n = openconnect_stream(s, sizeof(s)), events = 0;
	struct chan c;
	struct chan_event ev;
	const char *why;

	(void)state;
	assert_int_equal(chan_init(&c, CHAN_GATEWAY, CHAN_DEFAULT_CAP), 0);
	chan_set_framing(&c, CHAN_FRAMING_CSTP);
	for (size_t i = 0; i < n; i++) {
		enum chan_result r;

		assert_true(chan_feed(&c, s + i, 1));
		while ((r = chan_next(&c, &ev, &why)) == CHAN_OK)
			events++;
		assert_int_equal(r, CHAN_NEED_MORE);
	}
	assert_int_equal(events, 5);
	chan_deinit(&c);
}

static void test_chan_cstp_refusals(void **state)
{
	static const struct {
		const char *name;
		uint8_t bytes[12];
		size_t n;
	} cases[] = {
		{"our own framing", {PROTO_VERSION, FRAME_KEEPALIVE, 0, 0}, 4},
		{"COMPRESSED", {'S', 'T', 'F', 1, 0, 1, CSTP_COMPRESSED, 0, 0x55}, 9},
		{"unknown type", {'S', 'T', 'F', 1, 0, 0, 2, 0}, 8},
		{"DATA over max_data", {'S', 'T', 'F', 1, 0x05, 0x79, 0, 0}, 8},
		{"trailing byte", {'S', 'T', 'F', 1, 0, 0, 7, 1}, 8},
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct chan c;
		struct chan_event ev;
		const char *why = NULL;

		assert_int_equal(chan_init(&c, CHAN_GATEWAY, CHAN_DEFAULT_CAP), 0);
		chan_set_framing(&c, CHAN_FRAMING_CSTP);
		chan_set_max_data(&c, 1400);
		assert_true(chan_feed(&c, cases[i].bytes, cases[i].n));
		if (chan_next(&c, &ev, &why) != CHAN_MALFORMED)
			fail_msg("%s: not refused", cases[i].name);
		assert_non_null(why);
		chan_deinit(&c);
	}
}

/* A client channel never speaks CSTP: the setting is ignored there. */
static void test_chan_cstp_client_keeps_our_framing(void **state)
{
	static const uint8_t ka[] = {PROTO_VERSION, FRAME_KEEPALIVE, 0, 0};
	struct chan c;
	struct chan_event ev;
	const char *why;

	(void)state;
	assert_int_equal(chan_init(&c, CHAN_CLIENT, CHAN_DEFAULT_CAP), 0);
	chan_set_framing(&c, CHAN_FRAMING_CSTP);
	assert_int_equal(c.framing, CHAN_FRAMING_MTLSVPN);
	assert_true(chan_feed(&c, ka, sizeof(ka)));
	assert_int_equal(chan_next(&c, &ev, &why), CHAN_OK);
	assert_int_equal(ev.type, FRAME_KEEPALIVE);
	chan_deinit(&c);
}

/* The smallest cap chan_init accepts still carries the largest DATA packet
 * the channel admits, written through chan_space() after a partial one. */
static void test_chan_cstp_space_for_largest_packet(void **state)
{
	const size_t cap = FRAME_HDR_LEN + FRAME_MAX_PAYLOAD + 1;
	uint8_t *big = calloc(1, CSTP_HDR_LEN + FRAME_MAX_PAYLOAD);
	struct chan c;
	struct chan_event ev;
	const char *why;
	size_t room, fed = 0, total, max_data;

	(void)state;
	assert_non_null(big);
	assert_int_equal(chan_init(&c, CHAN_GATEWAY, cap), 0);
	chan_set_framing(&c, CHAN_FRAMING_CSTP);
	/* cap - CSTP_HDR_LEN is what fits; one more is refused up front. */
	max_data = cap - CSTP_HDR_LEN;
	cstp_header(big, CSTP_DATA, max_data + 1);
	assert_true(chan_feed(&c, big, CSTP_HDR_LEN));
	assert_int_equal(chan_next(&c, &ev, &why), CHAN_MALFORMED);
	chan_reset(&c);

	/* A keepalive first, so the big packet starts mid-buffer. */
	assert_true(chan_feed(&c, (const uint8_t[]){'S', 'T', 'F', 1, 0, 0, 7, 0}, 8));
	assert_int_equal(chan_next(&c, &ev, &why), CHAN_OK);
	total = CSTP_HDR_LEN + max_data;
	cstp_header(big, CSTP_DATA, max_data);
	big[CSTP_HDR_LEN] = 0x45;
	assert_true(chan_feed(&c, big, 100));
	fed = 100;
	assert_int_equal(chan_next(&c, &ev, &why), CHAN_NEED_MORE);
	while (fed < total) {
		uint8_t *w = chan_space(&c, &room);
		size_t k = total - fed < room ? total - fed : room;

		assert_true(room > 0);
		memcpy(w, big + fed, k);
		chan_commit(&c, k);
		fed += k;
	}
	assert_int_equal(chan_next(&c, &ev, &why), CHAN_OK);
	assert_int_equal(ev.type, FRAME_DATA);
	assert_int_equal(ev.len, max_data);
	chan_deinit(&c);
	free(big);
}

/* With the default cap, chan_space() offers a whole 65535-byte CSTP
 * packet after a partial one, even when the tail room left would do for
 * our 4-byte header but not for CSTP's 8. */
static void test_chan_cstp_space_default_cap(void **state)
{
	struct chan c;
	struct chan_event ev;
	const char *why;
	size_t room, off = 0, used;
	uint8_t *w;

	(void)state;
	assert_int_equal(chan_init(&c, CHAN_GATEWAY, CHAN_DEFAULT_CAP), 0);
	chan_set_framing(&c, CHAN_FRAMING_CSTP);
	w = chan_space(&c, &room);
	assert_int_equal(room, CHAN_DEFAULT_CAP);
	/* Packets and a 1-byte partial leaving FRAME_HDR_LEN + FRAME_MAX_PAYLOAD
	 * bytes of tail room. */
	used = CHAN_DEFAULT_CAP - (FRAME_HDR_LEN + FRAME_MAX_PAYLOAD) - 1;
	assert_int_equal((used - CSTP_HDR_LEN) % CSTP_HDR_LEN, 4);
	off += cstp_packet(w, room, CSTP_DPD_REQ, "abcd", 4);
	while (off < used)
		off += cstp_packet(w + off, room - off, CSTP_KEEPALIVE, NULL, 0);
	assert_int_equal(off, used);
	w[off++] = 'S';
	chan_commit(&c, off);
	while (chan_next(&c, &ev, &why) == CHAN_OK)
		;
	assert_int_equal(chan_pending(&c), 1);
	(void)chan_space(&c, &room);
	assert_true(room >= CSTP_HDR_LEN + FRAME_MAX_PAYLOAD - 1);
	chan_deinit(&c);
}

/* A growing channel (the gateway's) that has not grown yet still takes a
 * CSTP packet of the MTU: the bound is what it may grow to, not its size
 * now (an OpenConnect client's first bulk packets were refused as larger
 * than the MTU). */
static void test_chan_cstp_growing_takes_mtu_packet_first(void **state)
{
	uint8_t *pkt = calloc(1, CSTP_HDR_LEN + 1400);
	struct chan c;
	struct chan_event ev;
	const char *why = NULL;
	size_t room, fed = 0, total = CSTP_HDR_LEN + 1400;

	(void)state;
	assert_non_null(pkt);
	assert_int_equal(chan_init_growing(&c, CHAN_GATEWAY, CHAN_DEFAULT_CAP), 0);
	chan_set_framing(&c, CHAN_FRAMING_CSTP);
	chan_set_max_data(&c, 1400);
	cstp_header(pkt, CSTP_DATA, 1400);
	pkt[CSTP_HDR_LEN] = 0x45;
	while (fed < total) {
		uint8_t *w = chan_space(&c, &room);
		size_t k = total - fed < room ? total - fed : room;

		assert_true(room > 0);
		memcpy(w, pkt + fed, k);
		chan_commit(&c, k);
		fed += k;
		if (fed < total)
			assert_int_equal(chan_next(&c, &ev, &why), CHAN_NEED_MORE);
	}
	assert_int_equal(chan_next(&c, &ev, &why), CHAN_OK);
	assert_int_equal(ev.type, FRAME_DATA);
	assert_int_equal(ev.len, 1400);
	chan_deinit(&c);
	free(pkt);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_chan_cstp_stream_in_one_read),
	    cmocka_unit_test(test_chan_cstp_stream_byte_at_a_time),
	    cmocka_unit_test(test_chan_cstp_refusals),
	    cmocka_unit_test(test_chan_cstp_client_keeps_our_framing),
	    cmocka_unit_test(test_chan_cstp_space_for_largest_packet),
	    cmocka_unit_test(test_chan_cstp_space_default_cap),
	    cmocka_unit_test(test_chan_cstp_growing_takes_mtu_packet_first),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
