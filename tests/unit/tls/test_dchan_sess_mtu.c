/*
 * test_dchan_sess_mtu.c - path MTU probing inside one session's data
 * channel (docs/protocol.md 12.15): a probe is a PING exactly as long as
 * a DATA datagram of the probed size, pulls a keepalive forward, is
 * answered by an unpadded PONG that the keepalive machine does not take
 * for its own; probes lost on a path that drops big datagrams lower the
 * usable size; probes lost on a silent path, or while UDP is down, do not.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "dchan_sess.h"

#define CID 0x0102030405060708ull
#define BUF 2048
#define MAX 1400u
#define FLOOR 1196u

struct pair {
	struct dchan_sess c, g;
	struct dchan_timing t;
};

static void pair_init(struct pair *p)
{
	uint8_t secret[DCHAN_SECRET_LEN];

	for (size_t i = 0; i < sizeof(secret); i++)
		secret[i] = (uint8_t)(i * 5 + 3);
	dchan_timing_default(&p->t);
	assert_int_equal(
	    dchan_sess_init(&p->c, DCHAN_SIDE_CLIENT, DCHAN_AES256GCM, CID, secret, &p->t, 0), 0);
	assert_int_equal(
	    dchan_sess_init(&p->g, DCHAN_SIDE_GATEWAY, DCHAN_AES256GCM, CID, secret, &p->t, 0), 0);
}

/* from ticks at now and its PING, if any, crosses unless lost; the PONG
 * comes back. Returns what the tick asked for. */
static void tick(struct dchan_sess *from, struct dchan_sess *to, uint64_t now,
				 bool lose)
{
	static uint8_t ping[BUF], pong[BUF];
	struct dchan_actions act;
	struct dchan_received r;

	dchan_sess_tick(from, now, ping, sizeof(ping), &act);
	if (act.ping_len != 0 && !lose &&
	    dchan_sess_receive(to, now, ping, act.ping_len, pong, sizeof(pong), &r) ==
		DCHAN_RECV_REPLY)
		assert_int_equal(dchan_sess_receive(from, now, pong, r.reply_len, ping,
						    sizeof(ping), &r),
				 DCHAN_RECV_DONE);
}

/* Both ends up, the client probing from t = 0. */
static void up(struct pair *p)
{
	pair_init(p);
	tick(&p->c, &p->g, 0, false);
	tick(&p->g, &p->c, 0, false);
	assert_true(dchan_sess_udp(&p->c));
	assert_true(dchan_sess_udp(&p->g));
	dchan_sess_mtu_start(&p->c, MAX, FLOOR, 0);
}

/* The client's probe due at now: sent, and delivered unless lost. The
 * keepalive it pulled forward goes in the next tick. */
static size_t probe(struct pair *p, uint64_t now, bool lose)
{
	static uint8_t d[BUF], pong[BUF];
	struct dchan_received r;
	size_t n = dchan_sess_mtu_probe(&p->c, now, d, sizeof(d));

	if (n == 0 || lose)
		return n;
	assert_int_equal(dchan_sess_receive(&p->g, now, d, n, pong, sizeof(pong), &r),
			 DCHAN_RECV_REPLY);
	assert_int_equal(r.reply_len, DCHAN_MIN_LEN + DCHAN_PING_ID_LEN); /* never padded */
	assert_int_equal(dchan_sess_receive(&p->c, now, pong, r.reply_len, d, sizeof(d), &r),
			 DCHAN_RECV_DONE);
	return n;
}

static void test_dchan_sess_mtu_probe_shape(void **state)
{
	uint8_t d[BUF], inner[MAX];
	struct pair p;
	size_t n, len;

	(void)state;
	up(&p);
	assert_int_equal(dchan_sess_mtu(&p.c), MAX);
	assert_int_equal(dchan_sess_mtu(&p.g), SIZE_MAX); /* not started: no cap */
	assert_int_equal(dchan_sess_mtu_probe(&p.c, 1000, d, sizeof(d)), 0); /* not due */
	assert_true(dchan_sess_next_timer(&p.c) <= DCHAN_PROBE_CONFIRM_MS);
	/* Due: as long as a DATA datagram of MAX inner bytes, answered. */
	n = probe(&p, DCHAN_PROBE_CONFIRM_MS, false);
	memset(inner, 0x45, sizeof(inner));
	assert_int_equal(dchan_sess_send(&p.c, inner, sizeof(inner), d, sizeof(d), &len),
			 DCHAN_SEND_UDP);
	assert_int_equal(n, len);
	assert_int_equal(p.c.mtu.answered, 1);
	assert_int_equal(p.c.pongs_stale, 0); /* the keepalive machine left it alone */
	assert_false(p.c.ping_out);
	/* No room for the probe: nothing sent, nothing counted. */
	assert_int_equal(dchan_sess_mtu_probe(&p.c, 2 * DCHAN_PROBE_CONFIRM_MS + 10, d, 100), 0);
	assert_int_equal(p.c.mtu.sent, 1);
	dchan_sess_deinit(&p.c);
	dchan_sess_deinit(&p.g);
}

/* A path that drops what is over `limit` inner bytes, keepalives pass. */
static void test_dchan_sess_mtu_black_hole(void **state)
{
	struct pair p;
	uint64_t now = DCHAN_PROBE_CONFIRM_MS;
	bool changed = false;

	(void)state;
	up(&p);
	for (int round = 0; round < 12 && !changed; round++) {
		size_t n = probe(&p, now, true);
		assert_int_not_equal(n, 0);
		assert_int_equal(p.c.next_ping, now); /* the keepalive goes with it */
		tick(&p.c, &p.g, now, false);	      /* and is answered */
		assert_int_equal(p.c.state, DCHAN_UP);
		now += DCHAN_PROBE_TIMEOUT_MS;
		assert_true(dchan_sess_next_timer(&p.c) <= now);
		tick(&p.c, &p.g, now, false);
		changed = dchan_sess_mtu(&p.c) != MAX;
	}
	assert_true(changed);
	assert_int_equal(p.c.mtu.lost, DCHAN_PROBE_MISSES);
	assert_true(dchan_sess_mtu(&p.c) < MAX);
	assert_true(dchan_sess_mtu(&p.c) >= FLOOR);
	assert_int_equal(p.c.state, DCHAN_UP); /* lost probes never fail the channel */
	/* The lower size is probed at once and passes. */
	assert_int_not_equal(probe(&p, now, false), 0);
	assert_int_equal(p.c.mtu.answered, 1);
	dchan_sess_deinit(&p.c);
	dchan_sess_deinit(&p.g);
}

/* Everything lost: the keepalives fail the channel, the probes change no
 * size, and no probe goes while UDP is not up. */
static void test_dchan_sess_mtu_silent_path(void **state)
{
	uint8_t d[BUF];
	struct pair p;
	uint64_t now = DCHAN_PROBE_CONFIRM_MS;

	(void)state;
	up(&p);
	for (int round = 0; round < 10; round++) {
		if (dchan_sess_udp(&p.c))
			(void)probe(&p, now, true);
		tick(&p.c, &p.g, now, true);
		now += DCHAN_PROBE_TIMEOUT_MS;
		tick(&p.c, &p.g, now, true);
		assert_int_equal(dchan_sess_mtu(&p.c), MAX);
	}
	assert_int_equal(p.c.state, DCHAN_FAILED);
	assert_int_equal(dchan_sess_mtu(&p.c), MAX);
	assert_int_equal(dchan_sess_mtu_probe(&p.c, now + DCHAN_PROBE_RAISE_MS, d, sizeof(d)), 0);
	dchan_sess_deinit(&p.c);
	dchan_sess_deinit(&p.g);
}

/* The kernel's path MTU moves the ceiling: an unlowered size follows it
 * both ways, a lowered one only comes down to it. */
static void test_dchan_sess_mtu_ceiling(void **state)
{
	struct pair p;

	(void)state;
	up(&p);
	dchan_sess_mtu_ceiling(&p.c, 1300);
	assert_int_equal(dchan_sess_mtu(&p.c), 1300);
	dchan_sess_mtu_ceiling(&p.c, MAX);
	assert_int_equal(dchan_sess_mtu(&p.c), MAX);
	p.c.mtu.usable = 1250; /* as if lowered by lost probes */
	p.c.mtu.trying = 1250;
	dchan_sess_mtu_ceiling(&p.c, 1300);
	assert_int_equal(dchan_sess_mtu(&p.c), 1250);
	dchan_sess_mtu_ceiling(&p.c, 1220);
	assert_int_equal(dchan_sess_mtu(&p.c), 1220);
	assert_int_equal(p.c.mtu.trying, 1220);
	dchan_sess_mtu_ceiling(&p.c, 1100); /* below the floor: the floor follows */
	assert_int_equal(dchan_sess_mtu(&p.c), 1100);
	assert_int_equal(p.c.mtu.floor, 1100);
	dchan_sess_deinit(&p.c);
	dchan_sess_deinit(&p.g);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_dchan_sess_mtu_probe_shape),
	    cmocka_unit_test(test_dchan_sess_mtu_black_hole),
	    cmocka_unit_test(test_dchan_sess_mtu_silent_path),
	    cmocka_unit_test(test_dchan_sess_mtu_ceiling),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
