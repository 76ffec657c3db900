/*
 * test_chan.c - the sans-I/O receive side: byte arrays in, events out.
 * Frames split at every byte boundary, many frames in one read, and a table
 * of hostile streams that must be refused without reading past the input.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "chan.h"
#include "frame.h"
#include "ipv4_sample.h"

static size_t ipv4_packet(uint8_t out[32])
{
	return ipv4_sample(out, false);
}

static size_t put_frame(uint8_t *out, uint8_t type, const void *payload, size_t len)
{
	frame_header(out, type, len);
	if (len > 0)
		memcpy(out + FRAME_HDR_LEN, payload, len);
	return FRAME_HDR_LEN + len;
}

static size_t sample_config(struct msg_config *c, uint8_t *out, size_t cap)
{
	memset(c, 0, sizeof(*c));
	assert_true(addr_parse_prefix("10.8.0.2/24", false, &c->addr4));
	assert_true(addr_parse_prefix("10.20.0.0/24", true, &c->routes[0]));
	c->n_routes = 1;
	assert_true(addr_parse("10.20.0.53", &c->dns[0]));
	c->n_dns = 1;
	c->mtu = 1400;
	c->keepalive = 10;
	return msg_config_encode(c, out, cap);
}

/* A stream of DATA, KEEPALIVE, CONFIG, BYE in that order. */
static size_t sample_stream(uint8_t *out, size_t cap, struct msg_config *cfg)
{
	uint8_t pkt[32], payload[1024];
	struct msg_bye bye = {.reason = BYE_SHUTDOWN};
	size_t n = 0, plen;

	n += put_frame(out + n, FRAME_DATA, pkt, ipv4_packet(pkt));
	n += put_frame(out + n, FRAME_KEEPALIVE, NULL, 0);
	plen = sample_config(cfg, payload, sizeof(payload));
	assert_true(plen > 0);
	n += put_frame(out + n, FRAME_CONFIG, payload, plen);
	strcpy(bye.text, "maintenance");
	plen = msg_bye_encode(&bye, payload, sizeof(payload));
	assert_true(plen > 0);
	n += put_frame(out + n, FRAME_BYE, payload, plen);
	assert_true(n <= cap);
	return n;
}

static void expect_stream_events(struct chan *c, struct chan_event *ev, int *seen,
				 const struct msg_config *cfg)
{
	const char *why = NULL;
	enum chan_result r;

	while ((r = chan_next(c, ev, &why)) == CHAN_OK) {
		switch (*seen) {
		case 0:
			assert_int_equal(ev->type, FRAME_DATA);
			assert_int_equal(ev->len, 32);
			assert_int_equal(ev->ip_result, IPPKT_OK);
			assert_int_equal(ev->ip.family, AF_INET);
			assert_int_equal(ev->ip.proto, 17);
			assert_int_equal(ev->data[0], 0x45);
			break;
		case 1:
			assert_int_equal(ev->type, FRAME_KEEPALIVE);
			break;
		case 2:
			assert_int_equal(ev->type, FRAME_CONFIG);
			assert_int_equal(ev->config.mtu, cfg->mtu);
			assert_int_equal(ev->config.keepalive, cfg->keepalive);
			assert_true(addr_eq(&ev->config.addr4.addr, &cfg->addr4.addr));
			assert_int_equal(ev->config.addr4.len, 24);
			assert_int_equal(ev->config.n_routes, 1);
			assert_int_equal(ev->config.n_dns, 1);
			break;
		case 3:
			assert_int_equal(ev->type, FRAME_BYE);
			assert_int_equal(ev->bye.reason, BYE_SHUTDOWN);
			assert_string_equal(ev->bye.text, "maintenance");
			break;
		default:
			fail_msg("more events than frames");
		}
		(*seen)++;
	}
	assert_int_equal(r, CHAN_NEED_MORE);
}

static void test_chan_next_whole_stream_in_one_read(void **state)
{
	static uint8_t stream[4096];
	static struct chan_event ev;
	struct msg_config cfg;
	struct chan c;
	int seen = 0;
	size_t n = sample_stream(stream, sizeof(stream), &cfg);

	(void)state;
	assert_int_equal(chan_init(&c, CHAN_CLIENT, CHAN_DEFAULT_CAP), 0);
	assert_true(chan_feed(&c, stream, n));
	expect_stream_events(&c, &ev, &seen, &cfg);
	assert_int_equal(seen, 4);
	assert_int_equal(chan_pending(&c), 0);
	chan_deinit(&c);
}

static void test_chan_next_split_at_every_byte(void **state)
{
	static uint8_t stream[4096];
	static struct chan_event ev;
	struct msg_config cfg;
	struct chan c;
	size_t n = sample_stream(stream, sizeof(stream), &cfg);

	(void)state;
	/* Two chunks split at every possible point, through chan_space. */
	for (size_t cut = 0; cut <= n; cut++) {
		int seen = 0;
		size_t room;
		uint8_t *p;

		assert_int_equal(chan_init(&c, CHAN_CLIENT, CHAN_DEFAULT_CAP), 0);
		p = chan_space(&c, &room);
		assert_true(room >= cut);
		memcpy(p, stream, cut);
		chan_commit(&c, cut);
		expect_stream_events(&c, &ev, &seen, &cfg);
		p = chan_space(&c, &room);
		assert_true(room >= n - cut);
		memcpy(p, stream + cut, n - cut);
		chan_commit(&c, n - cut);
		expect_stream_events(&c, &ev, &seen, &cfg);
		assert_int_equal(seen, 4);
		chan_deinit(&c);
	}
	/* One byte at a time. */
	{
		int seen = 0;
		assert_int_equal(chan_init(&c, CHAN_CLIENT, CHAN_DEFAULT_CAP), 0);
		for (size_t i = 0; i < n; i++) {
			assert_true(chan_feed(&c, &stream[i], 1));
			expect_stream_events(&c, &ev, &seen, &cfg);
		}
		assert_int_equal(seen, 4);
		chan_deinit(&c);
	}
}

static void test_chan_space_room_for_largest_frame_after_partial(void **state)
{
	static struct chan_event ev;
	uint8_t *big = calloc(1, FRAME_HDR_LEN + FRAME_MAX_PAYLOAD);
	const char *why = NULL;
	struct chan c;
	size_t room, fed = 0, total = FRAME_HDR_LEN + FRAME_MAX_PAYLOAD;

	(void)state;
	assert_non_null(big);
	frame_header(big, FRAME_DATA, FRAME_MAX_PAYLOAD);
	big[FRAME_HDR_LEN] = 0x45; /* not a sound packet: counted, not fatal */
	assert_int_equal(chan_init(&c, CHAN_GATEWAY, FRAME_HDR_LEN + FRAME_MAX_PAYLOAD + 1), 0);
	/* A keepalive and the first bytes of the big frame: once the keepalive
	 * is consumed the rest must still fit in a buffer one byte larger than
	 * the largest frame. */
	assert_true(chan_feed(&c, (const uint8_t[]){1, FRAME_KEEPALIVE, 0, 0}, 4));
	assert_true(chan_feed(&c, big, 2));
	fed = 2;
	assert_int_equal(chan_next(&c, &ev, &why), CHAN_OK);
	assert_int_equal(ev.type, FRAME_KEEPALIVE);
	assert_int_equal(chan_next(&c, &ev, &why), CHAN_NEED_MORE);
	while (fed < total) {
		uint8_t *p = chan_space(&c, &room);
		size_t n = total - fed < 1000 ? total - fed : 1000;
		assert_true(room >= total - fed);
		memcpy(p, big + fed, n);
		chan_commit(&c, n);
		fed += n;
		if (fed < total)
			assert_int_equal(chan_next(&c, &ev, &why), CHAN_NEED_MORE);
	}
	assert_int_equal(chan_next(&c, &ev, &why), CHAN_OK);
	assert_int_equal(ev.type, FRAME_DATA);
	assert_int_equal(ev.len, FRAME_MAX_PAYLOAD);
	assert_int_not_equal(ev.ip_result, IPPKT_OK);
	chan_deinit(&c);
	free(big);
}

static void test_chan_next_data_not_ip_is_counted_not_fatal(void **state)
{
	static struct chan_event ev;
	static const uint8_t junk[][8] = {
	    {0x00, 1, 2, 3, 4, 5, 6, 7},  /* version 0 */
	    {0x45, 0, 0, 99, 0, 0, 0, 0}, /* v4 header cut short */
	    {0x60, 0, 0, 0, 0, 0, 0, 0},  /* v6 header cut short */
	};
	uint8_t frame[16];
	const char *why = NULL;
	struct chan c;

	(void)state;
	assert_int_equal(chan_init(&c, CHAN_CLIENT, CHAN_DEFAULT_CAP), 0);
	for (size_t i = 0; i < sizeof(junk) / sizeof(junk[0]); i++) {
		size_t n = put_frame(frame, FRAME_DATA, junk[i], sizeof(junk[i]));
		assert_true(chan_feed(&c, frame, n));
		assert_int_equal(chan_next(&c, &ev, &why), CHAN_OK);
		assert_int_equal(ev.type, FRAME_DATA);
		assert_int_not_equal(ev.ip_result, IPPKT_OK);
	}
	/* The channel is still in step: a keepalive after them decodes. */
	assert_true(chan_feed(&c, (const uint8_t[]){PROTO_VERSION, FRAME_KEEPALIVE, 0, 0}, 4));
	assert_int_equal(chan_next(&c, &ev, &why), CHAN_OK);
	assert_int_equal(ev.type, FRAME_KEEPALIVE);
	chan_deinit(&c);
}

/* DATA_GSO: the event carries the metadata and gso_check's verdict with
 * the channel's MTU as the largest segment; a bad one is a counted drop,
 * an unknown GSO type is malformed. */
static void test_chan_next_data_gso(void **state)
{
	static struct chan_event ev;
	uint8_t pkt[32], payload[FRAME_GSO_HDR_LEN + 32], frame[64];
	const char *why = NULL;
	struct chan c;
	size_t n = ipv4_packet(pkt);

	(void)state;
	assert_int_equal(chan_init(&c, CHAN_GATEWAY, CHAN_DEFAULT_CAP), 0);
	chan_set_max_data(&c, 1400);
	/* A UDP packet with a partial checksum: sound. */
	memcpy(payload, (const uint8_t[]){GSO_NONE, FRAME_GSO_F_CSUM, 0, 0}, 4);
	memcpy(payload + 4, pkt, n);
	assert_true(chan_feed(&c, frame, put_frame(frame, FRAME_DATA_GSO, payload, 4 + n)));
	assert_int_equal(chan_next(&c, &ev, &why), CHAN_OK);
	assert_int_equal(ev.type, FRAME_DATA_GSO);
	assert_int_equal(ev.len, n);
	assert_memory_equal(ev.data, pkt, n);
	assert_int_equal(ev.ip_result, IPPKT_OK);
	assert_int_equal(ev.gso_result, GSO_OK);
	assert_true(ev.gso.needs_csum);
	assert_int_equal(ev.gso_info.segs, 1);
	/* Claiming TCP segmentation for a UDP packet: dropped, not fatal. */
	memcpy(payload, (const uint8_t[]){GSO_TCPV4, FRAME_GSO_F_CSUM, 0x05, 0x00}, 4);
	assert_true(chan_feed(&c, frame, put_frame(frame, FRAME_DATA_GSO, payload, 4 + n)));
	assert_int_equal(chan_next(&c, &ev, &why), CHAN_OK);
	assert_int_equal(ev.type, FRAME_DATA_GSO);
	assert_int_not_equal(ev.gso_result, GSO_OK);
	assert_non_null(ev.gso_why);
	/* An unknown GSO type: the stream is unusable. */
	memcpy(payload, (const uint8_t[]){FRAME_GSO_TYPE_MAX + 1, 0, 0, 0}, 4);
	assert_true(chan_feed(&c, frame, put_frame(frame, FRAME_DATA_GSO, payload, 4 + n)));
	why = NULL;
	assert_int_equal(chan_next(&c, &ev, &why), CHAN_MALFORMED);
	assert_non_null(why);
	chan_deinit(&c);
}

struct hostile {
	const char *name;
	enum chan_role role;
	size_t max_data;
	uint8_t bytes[16];
	size_t len;
};

static const struct hostile hostile_cases[] = {
    {"wrong version", CHAN_CLIENT, 1500, {2, FRAME_KEEPALIVE, 0, 0}, 4},
    {"version zero", CHAN_CLIENT, 1500, {0, FRAME_DATA, 0, 1, 0x45}, 5},
    {"unknown type", CHAN_CLIENT, 1500, {1, 0x7f, 0, 0}, 4},
    {"type zero", CHAN_CLIENT, 1500, {1, 0, 0, 0}, 4},
    {"keepalive with payload", CHAN_CLIENT, 1500, {1, FRAME_KEEPALIVE, 0, 1, 0}, 5},
    {"empty data", CHAN_CLIENT, 1500, {1, FRAME_DATA, 0, 0}, 4},
    {"data above max", CHAN_CLIENT, 8, {1, FRAME_DATA, 0, 9}, 4},
    {"config to the gateway", CHAN_GATEWAY, 1500, {1, FRAME_CONFIG, 0, 0}, 4},
    {"empty config", CHAN_CLIENT, 1500, {1, FRAME_CONFIG, 0, 0}, 4},
    {"config attr overruns", CHAN_CLIENT, 1500, {1, FRAME_CONFIG, 0, 3, CFG_ATTR_MTU, 0, 9}, 7},
    {"config unknown mandatory attr", CHAN_CLIENT, 1500, {1, FRAME_CONFIG, 0, 3, 0x7e, 0, 0}, 7},
    {"empty bye", CHAN_CLIENT, 1500, {1, FRAME_BYE, 0, 0}, 4},
    {"bye one byte", CHAN_GATEWAY, 1500, {1, FRAME_BYE, 0, 1, 0}, 5},
    {"config_update to the gateway", CHAN_GATEWAY, 1500, {1, FRAME_CONFIG_UPDATE, 0, 0}, 4},
    {"features to the client", CHAN_CLIENT, 1500, {1, FRAME_FEATURES, 0, 4, 0, 0, 0, 1}, 8},
    {"dchan rekey to the gateway", CHAN_GATEWAY, 1500, {1, FRAME_DCHAN_REKEY, 0, 4, 0, 0, 0, 1}, 8},
    {"dchan rekey ack to the client",
     CHAN_CLIENT,
     1500,
     {1, FRAME_DCHAN_REKEY_ACK, 0, 4, 0, 0, 0, 1},
     8},
    {"dchan rekey to epoch 0", CHAN_CLIENT, 1500, {1, FRAME_DCHAN_REKEY, 0, 4, 0, 0, 0, 0}, 8},
    {"config_update with an MTU",
     CHAN_CLIENT,
     1500,
     {1, FRAME_CONFIG_UPDATE, 0, 5, CFG_ATTR_MTU, 0, 2, 5, 0x78},
     9},
};

static void test_chan_next_hostile_streams_refused(void **state)
{
	static struct chan_event ev;
	struct chan c;

	(void)state;
	for (size_t i = 0; i < sizeof(hostile_cases) / sizeof(hostile_cases[0]); i++) {
		const struct hostile *h = &hostile_cases[i];
		const char *why = NULL;
		enum chan_result r;
		/* Exact-size heap copy so ASan sees any read past the input. */
		uint8_t *copy = malloc(h->len);

		assert_non_null(copy);
		memcpy(copy, h->bytes, h->len);
		assert_int_equal(chan_init(&c, h->role, CHAN_DEFAULT_CAP), 0);
		chan_set_max_data(&c, h->max_data);
		assert_true(chan_feed(&c, copy, h->len));
		r = chan_next(&c, &ev, &why);
		if (r != CHAN_MALFORMED)
			fail_msg("%s: accepted (result %d)", h->name, (int)r);
		assert_non_null(why);
		chan_deinit(&c);
		free(copy);
	}
}

static void test_chan_next_gateway_role_accepts_client_frames(void **state)
{
	static uint8_t stream[256];
	static struct chan_event ev;
	struct msg_bye bye = {.reason = BYE_NORMAL};
	uint8_t pkt[32], payload[64];
	const char *why = NULL;
	struct chan c;
	size_t n = 0, plen = msg_bye_encode(&bye, payload, sizeof(payload));

	(void)state;
	assert_true(plen > 0);
	n += put_frame(stream + n, FRAME_DATA, pkt, ipv4_packet(pkt));
	n += put_frame(stream + n, FRAME_KEEPALIVE, NULL, 0);
	n += put_frame(stream + n, FRAME_BYE, payload, plen);
	assert_int_equal(chan_init(&c, CHAN_GATEWAY, CHAN_DEFAULT_CAP), 0);
	assert_true(chan_feed(&c, stream, n));
	assert_int_equal(chan_next(&c, &ev, &why), CHAN_OK);
	assert_int_equal(ev.type, FRAME_DATA);
	assert_int_equal(ev.ip_result, IPPKT_OK);
	assert_int_equal(chan_next(&c, &ev, &why), CHAN_OK);
	assert_int_equal(ev.type, FRAME_KEEPALIVE);
	assert_int_equal(chan_next(&c, &ev, &why), CHAN_OK);
	assert_int_equal(ev.type, FRAME_BYE);
	assert_int_equal(ev.bye.reason, BYE_NORMAL);
	assert_int_equal(chan_next(&c, &ev, &why), CHAN_NEED_MORE);
	chan_deinit(&c);
}

/* FEATURES goes to the gateway, CONFIG_UPDATE (even an empty one) to the
 * client. */
static void test_chan_next_features_and_update_by_role(void **state)
{
	static const uint8_t features[] = {PROTO_VERSION, FRAME_FEATURES, 0, 4, 0, 0, 0, 1};
	static const uint8_t update[] = {
	    PROTO_VERSION, FRAME_CONFIG_UPDATE, 0, 8, CFG_ATTR_ROUTE4, 0, 5, 10, 1, 0, 0, 24,
	    PROTO_VERSION, FRAME_CONFIG_UPDATE, 0, 0};
	static struct chan_event ev;
	const char *why = NULL;
	struct chan c;

	(void)state;
	assert_int_equal(chan_init(&c, CHAN_GATEWAY, CHAN_DEFAULT_CAP), 0);
	assert_true(chan_feed(&c, features, sizeof(features)));
	assert_int_equal(chan_next(&c, &ev, &why), CHAN_OK);
	assert_int_equal(ev.type, FRAME_FEATURES);
	assert_int_equal(ev.features, PROTO_FEATURE_CONFIG_UPDATE);
	chan_deinit(&c);

	assert_int_equal(chan_init(&c, CHAN_CLIENT, CHAN_DEFAULT_CAP), 0);
	assert_true(chan_feed(&c, update, sizeof(update)));
	assert_int_equal(chan_next(&c, &ev, &why), CHAN_OK);
	assert_int_equal(ev.type, FRAME_CONFIG_UPDATE);
	assert_int_equal(ev.config.n_routes, 1);
	assert_int_equal(ev.config.routes[0].len, 24);
	assert_int_equal(ev.config.routes[0].addr.bytes[1], 1);
	assert_int_equal(chan_next(&c, &ev, &why), CHAN_OK);
	assert_int_equal(ev.type, FRAME_CONFIG_UPDATE);
	assert_int_equal(ev.config.n_routes, 0);
	assert_int_equal(chan_next(&c, &ev, &why), CHAN_NEED_MORE);
	chan_deinit(&c);
}

/* DCHAN_REKEY goes to the client, DCHAN_REKEY_ACK to the gateway. */
static void test_chan_next_dchan_rekey_by_role(void **state)
{
	static const uint8_t rekey[] = {PROTO_VERSION, FRAME_DCHAN_REKEY, 0, 4, 0, 0, 1, 2};
	static const uint8_t ack[] = {PROTO_VERSION, FRAME_DCHAN_REKEY_ACK, 0, 4, 0, 0, 1, 2};
	static struct chan_event ev;
	const char *why = NULL;
	struct chan c;

	(void)state;
	assert_int_equal(chan_init(&c, CHAN_CLIENT, CHAN_DEFAULT_CAP), 0);
	assert_true(chan_feed(&c, rekey, sizeof(rekey)));
	assert_int_equal(chan_next(&c, &ev, &why), CHAN_OK);
	assert_int_equal(ev.type, FRAME_DCHAN_REKEY);
	assert_int_equal(ev.dchan_epoch, 0x102);
	chan_deinit(&c);

	assert_int_equal(chan_init(&c, CHAN_GATEWAY, CHAN_DEFAULT_CAP), 0);
	assert_true(chan_feed(&c, ack, sizeof(ack)));
	assert_int_equal(chan_next(&c, &ev, &why), CHAN_OK);
	assert_int_equal(ev.type, FRAME_DCHAN_REKEY_ACK);
	assert_int_equal(ev.dchan_epoch, 0x102);
	chan_deinit(&c);
}

static void test_chan_init_rejects_small_buffer(void **state)
{
	struct chan c;

	(void)state;
	errno = 0;
	assert_int_equal(chan_init(&c, CHAN_CLIENT, FRAME_HDR_LEN + FRAME_MAX_PAYLOAD), -1);
	assert_int_equal(errno, EINVAL);
}

static void test_chan_feed_refuses_overflow(void **state)
{
	static uint8_t big[FRAME_HDR_LEN + FRAME_MAX_PAYLOAD + 2];
	struct chan c;

	(void)state;
	assert_int_equal(chan_init(&c, CHAN_CLIENT, FRAME_HDR_LEN + FRAME_MAX_PAYLOAD + 1), 0);
	assert_false(chan_feed(&c, big, sizeof(big)));
	assert_true(chan_feed(&c, big, sizeof(big) - 1));
	assert_int_equal(chan_pending(&c), sizeof(big) - 1);
	chan_deinit(&c);
}

/* A growing channel takes the largest DATA frame through reads as small as
 * the room it offers, grows to hold it, and chan_trim() shrinks it back. */
static void test_chan_space_growing_takes_largest_frame_then_trims(void **state)
{
	static uint8_t stream[2 * (FRAME_HDR_LEN + FRAME_MAX_PAYLOAD)];
	static uint8_t payload[FRAME_MAX_PAYLOAD];
	struct chan c;
	struct chan_event ev;
	const char *why = NULL;
	size_t n, off = 0, frames = 0;

	(void)state;
	memset(payload, 0x45, sizeof(payload));
	n = put_frame(stream, FRAME_KEEPALIVE, NULL, 0);
	n += put_frame(stream + n, FRAME_DATA, payload, sizeof(payload));
	n += put_frame(stream + n, FRAME_KEEPALIVE, NULL, 0);
	assert_int_equal(chan_init_growing(&c, CHAN_GATEWAY, FRAME_HDR_LEN + FRAME_MAX_PAYLOAD), -1);
	assert_int_equal(chan_init_growing(&c, CHAN_GATEWAY, 2 * (FRAME_HDR_LEN + FRAME_MAX_PAYLOAD) + 16), 0);
	assert_int_equal(c.in.cap, CHAN_IDLE_CAP);
	while (off < n) {
		size_t room, take;
		uint8_t *space = chan_space(&c, &room);

		assert_non_null(space);
		assert_true(room >= CHAN_GROW_ROOM);
		take = n - off < room ? n - off : room;
		memcpy(space, stream + off, take);
		chan_commit(&c, take);
		off += take;
		while (chan_next(&c, &ev, &why) == CHAN_OK) {
			if (ev.type == FRAME_DATA)
				assert_int_equal(ev.len, FRAME_MAX_PAYLOAD);
			frames++;
		}
	}
	assert_int_equal(frames, 3);
	assert_true(c.in.cap > FRAME_HDR_LEN + FRAME_MAX_PAYLOAD);
	assert_true(c.in.cap <= c.in.max);
	chan_trim(&c);
	assert_int_equal(c.in.cap, CHAN_IDLE_CAP);
	/* Still usable after the trim. */
	n = put_frame(stream, FRAME_KEEPALIVE, NULL, 0);
	assert_true(chan_feed(&c, stream, n));
	assert_int_equal(chan_next(&c, &ev, &why), CHAN_OK);
	assert_int_equal(ev.type, FRAME_KEEPALIVE);
	chan_deinit(&c);
}

/* chan_trim() keeps a partial frame, and never shrinks a fixed channel. */
static void test_chan_trim_keeps_partial_and_fixed(void **state)
{
	uint8_t hdr[FRAME_HDR_LEN];
	struct chan g, f;
	size_t cap;

	(void)state;
	assert_int_equal(chan_init_growing(&g, CHAN_GATEWAY, 2 * (FRAME_HDR_LEN + FRAME_MAX_PAYLOAD) + 16), 0);
	frame_header(hdr, FRAME_DATA, 1000);
	assert_true(chan_feed(&g, hdr, sizeof(hdr)));
	cap = g.in.cap;
	chan_trim(&g);
	assert_int_equal(g.in.cap, cap);
	assert_int_equal(chan_pending(&g), sizeof(hdr));
	chan_deinit(&g);
	assert_int_equal(chan_init(&f, CHAN_CLIENT, CHAN_DEFAULT_CAP), 0);
	chan_trim(&f);
	assert_int_equal(f.in.cap, CHAN_DEFAULT_CAP);
	chan_deinit(&f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_chan_next_whole_stream_in_one_read),
	    cmocka_unit_test(test_chan_next_split_at_every_byte),
	    cmocka_unit_test(test_chan_space_room_for_largest_frame_after_partial),
	    cmocka_unit_test(test_chan_next_data_not_ip_is_counted_not_fatal),
	    cmocka_unit_test(test_chan_next_data_gso),
	    cmocka_unit_test(test_chan_next_hostile_streams_refused),
	    cmocka_unit_test(test_chan_next_gateway_role_accepts_client_frames),
	    cmocka_unit_test(test_chan_next_features_and_update_by_role),
	    cmocka_unit_test(test_chan_next_dchan_rekey_by_role),
	    cmocka_unit_test(test_chan_init_rejects_small_buffer),
	    cmocka_unit_test(test_chan_feed_refuses_overflow),
	    cmocka_unit_test(test_chan_space_growing_takes_largest_frame_then_trims),
	    cmocka_unit_test(test_chan_trim_keeps_partial_and_fixed),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
