/*
 * test_dchan_sess.c - one session's data channel on both sides, driven
 * with time passed in: probing up, PINGs lost until the fallback to TLS,
 * the re-probe back to UDP, re-keys with datagrams of both epochs in
 * flight, the previous epoch dropped after the overlap, the send limit,
 * roaming only on the newest authenticated datagram, replayed and forged
 * datagrams counted; then a client and a gateway through a lossy,
 * reordering, duplicating network for thousands of packets and re-keys.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <wolfssl/options.h>
#include <wolfssl/wolfcrypt/settings.h>
#include <wolfssl/wolfcrypt/hmac.h>

#include "dchan_sess.h"

#define CID 0x1122334455667788ull
#define BUF 256

struct pair {
	struct dchan_sess c, g;
	struct dchan_timing t;
};

/* test_dchan_sess.wrap: HKDF-Extract fails while this is set. */
static bool hkdf_fails;
int __real_wc_HKDF_Extract(int type, const byte *salt, word32 salt_len, const byte *in,
			   word32 in_len, byte *out);
int __wrap_wc_HKDF_Extract(int type, const byte *salt, word32 salt_len, const byte *in,
			   word32 in_len, byte *out);
int __wrap_wc_HKDF_Extract(int type, const byte *salt, word32 salt_len, const byte *in,
			   word32 in_len, byte *out)
{
	if (hkdf_fails)
		return -1;
	return __real_wc_HKDF_Extract(type, salt, salt_len, in, in_len, out);
}

static const enum dchan_aead aeads[] = {DCHAN_AES256GCM, DCHAN_CHACHA20POLY1305};

static void pair_init(struct pair *p, enum dchan_aead aead)
{
	uint8_t secret[DCHAN_SECRET_LEN];

	for (size_t i = 0; i < sizeof(secret); i++)
		secret[i] = (uint8_t)(i * 7 + 1);
	dchan_timing_default(&p->t);
	assert_int_equal(dchan_sess_init(&p->c, DCHAN_SIDE_CLIENT, aead, CID, secret, &p->t, 0), 0);
	assert_int_equal(dchan_sess_init(&p->g, DCHAN_SIDE_GATEWAY, aead, CID, secret, &p->t, 0), 0);
}

static void pair_deinit(struct pair *p)
{
	dchan_sess_deinit(&p->c);
	dchan_sess_deinit(&p->g);
}

static uint64_t drops(const struct dchan_sess *s)
{
	uint64_t n = 0;

	for (int r = 0; r < DCHAN_OPEN_RESULTS; r++)
		n += s->rx.drops[r];
	return n;
}

/* from ticks at now; if it sends a PING, to receives it and the PONG (if
 * any) goes back. Returns whether a PING was sent. */
static bool ping_round(struct dchan_sess *from, struct dchan_sess *to, uint64_t now, bool lose)
{
	uint8_t ping[BUF], pong[BUF];
	struct dchan_actions act;
	struct dchan_received r;

	dchan_sess_tick(from, now, ping, sizeof(ping), &act);
	if (act.ping_len == 0 || lose)
		return act.ping_len != 0;
	assert_int_equal(dchan_sess_receive(to, now, ping, act.ping_len, pong, sizeof(pong), &r),
			 DCHAN_RECV_REPLY);
	assert_int_equal(dchan_sess_receive(from, now, pong, r.reply_len, ping, sizeof(ping), &r),
			 DCHAN_RECV_DONE);
	return true;
}

/* A DATA datagram from `from` carrying `tag`; its length, 0 if TLS. */
static size_t data(struct dchan_sess *from, uint8_t tag, uint8_t out[static BUF])
{
	uint8_t inner[40];
	size_t len = 0;

	memset(inner, tag, sizeof(inner));
	if (dchan_sess_send(from, inner, sizeof(inner), out, BUF, &len) != DCHAN_SEND_UDP)
		return 0;
	return len;
}

static enum dchan_recv recv_copy(struct dchan_sess *to, uint64_t now, const uint8_t *d, size_t n,
				 struct dchan_received *r)
{
	static uint8_t copy[BUF], reply[BUF];

	memcpy(copy, d, n);
	return dchan_sess_receive(to, now, copy, n, reply, sizeof(reply), r);
}

/* Client probing -> up; the gateway learns the address on the PING. */
static void bring_up(struct pair *p)
{
	assert_int_equal(p->c.state, DCHAN_PROBING);
	assert_false(dchan_sess_udp(&p->c));
	assert_true(ping_round(&p->c, &p->g, 0, false));
	assert_int_equal(p->c.state, DCHAN_UP);
	assert_true(p->g.peer_known);
	/* The gateway probes the client's address in turn. */
	assert_true(ping_round(&p->g, &p->c, 0, false));
	assert_int_equal(p->g.state, DCHAN_UP);
	assert_true(dchan_sess_udp(&p->c));
	assert_true(dchan_sess_udp(&p->g));
}

static void test_dchan_sess_probe_up(void **state)
{
	(void)state;
	for (size_t a = 0; a < 2; a++) {
		struct pair p;
		uint8_t d[BUF];

		pair_init(&p, aeads[a]);
		/* Before any PONG, packets take the TLS channel; the gateway
		 * does not ping an address it does not have. */
		assert_int_equal(data(&p.c, 1, d), 0);
		assert_int_equal(p.c.sent_tls, 1);
		assert_false(ping_round(&p.g, &p.c, 0, false));
		bring_up(&p);
		assert_int_not_equal(data(&p.c, 2, d), 0);
		assert_int_equal(p.c.sent_udp, 1);
		pair_deinit(&p);
	}
}

/* PINGs lost in a row, from up: the state and path after each. */
static void test_dchan_sess_loss_fallback(void **state)
{
	static const struct {
		unsigned lost;
		enum dchan_state st;
		bool udp;
	} rows[] = {
	    {0, DCHAN_UP, true},
	    {1, DCHAN_UP, true},
	    {2, DCHAN_UP, true},
	    {3, DCHAN_FAILED, false},
	    {4, DCHAN_FAILED, false},
	};
	(void)state;
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		struct pair p;
		uint64_t now = 0;

		pair_init(&p, DCHAN_AES256GCM);
		bring_up(&p);
		for (unsigned k = 0; k < rows[i].lost; k++) {
			while (!p.c.ping_out) { /* the next PING goes out, and is lost */
				now = dchan_sess_next_timer(&p.c);
				ping_round(&p.c, &p.g, now, true);
			}
			now = dchan_sess_next_timer(&p.c); /* its PONG never comes */
			ping_round(&p.c, &p.g, now, true);
		}
		assert_int_equal(p.c.lost, rows[i].lost);
		assert_int_equal(p.c.state, rows[i].st);
		assert_int_equal(dchan_sess_udp(&p.c), rows[i].udp);
		assert_int_equal(p.c.fallbacks, rows[i].st == DCHAN_FAILED ? 1 : 0);
		pair_deinit(&p);
	}
}

/* Failed, then the re-probe is answered: back to UDP. */
static void test_dchan_sess_reprobe_back(void **state)
{
	struct pair p;
	uint64_t now = 0, failed_at;
	uint8_t d[BUF];

	(void)state;
	pair_init(&p, DCHAN_AES256GCM);
	bring_up(&p);
	while (p.c.state != DCHAN_FAILED) {
		now = dchan_sess_next_timer(&p.c);
		ping_round(&p.c, &p.g, now, true);
		assert_true(now < 60000);
	}
	failed_at = now;
	assert_int_equal(data(&p.c, 3, d), 0);
	/* The next PING waits for the re-probe interval. */
	assert_int_equal(dchan_sess_next_timer(&p.c), failed_at + p.t.reprobe_ms);
	now = dchan_sess_next_timer(&p.c);
	assert_true(ping_round(&p.c, &p.g, now, false));
	assert_int_equal(p.c.state, DCHAN_UP);
	assert_int_equal(p.c.recoveries, 1);
	assert_int_not_equal(data(&p.c, 4, d), 0);
	pair_deinit(&p);
}

/* Only gateway -> client is lost: the client's PINGs still reach the
 * gateway but their PONGs do not, and the gateway's own PINGs are lost:
 * both sides fall back to TLS, so neither sends into the broken half. */
static void test_dchan_sess_one_way_failure(void **state)
{
	struct pair p;
	uint64_t now = 0;
	uint8_t ping[BUF], pong[BUF];

	(void)state;
	pair_init(&p, DCHAN_AES256GCM);
	bring_up(&p);
	while (p.c.state != DCHAN_FAILED || p.g.state != DCHAN_FAILED) {
		struct dchan_actions act;
		struct dchan_received r;
		uint64_t tc = dchan_sess_next_timer(&p.c), tg = dchan_sess_next_timer(&p.g);

		now = tc < tg ? tc : tg;
		assert_true(now < 120000);
		dchan_sess_tick(&p.c, now, ping, sizeof(ping), &act);
		if (act.ping_len) /* reaches the gateway; the PONG is lost */
			assert_int_equal(dchan_sess_receive(&p.g, now, ping, act.ping_len, pong,
							    sizeof(pong), &r),
					 DCHAN_RECV_REPLY);
		dchan_sess_tick(&p.g, now, ping, sizeof(ping), &act); /* lost */
	}
	assert_false(dchan_sess_udp(&p.c));
	assert_false(dchan_sess_udp(&p.g));
	assert_int_equal(p.c.fallbacks, 1);
	assert_int_equal(p.g.fallbacks, 1);
	pair_deinit(&p);
}

/* The gateway's re-key, with datagrams of both epochs in flight both
 * ways; then the old epoch's stragglers after the overlap are dropped. */
static void test_dchan_sess_rekey_overlap(void **state)
{
	(void)state;
	for (size_t a = 0; a < 2; a++) {
		struct pair p;
		struct dchan_actions act;
		struct dchan_received r;
		uint8_t c_old[BUF], c_new[BUF], g_old[BUF], g_new[BUF], late[BUF], buf[BUF];
		size_t lc_old, lc_new, lg_old, lg_new, llate;
		uint64_t now = DCHAN_REKEY_MS;

		pair_init(&p, aeads[a]);
		bring_up(&p);
		lc_old = data(&p.c, 0x10, c_old);
		lg_old = data(&p.g, 0x20, g_old);
		llate = data(&p.c, 0x11, late);
		assert_true(dchan_sess_next_timer(&p.g) <= now);
		dchan_sess_tick(&p.g, now, buf, sizeof(buf), &act);
		assert_true(act.rekey);
		assert_int_equal(act.rekey_epoch, 1);
		/* The gateway still sends epoch 0 until the answer. */
		lg_old = data(&p.g, 0x21, g_old);
		assert_int_equal(g_old[1], 0);
		assert_int_equal(dchan_sess_on_rekey(&p.c, now, 1), 0);
		lc_new = data(&p.c, 0x12, c_new);
		assert_int_equal(c_new[1], 1);
		/* Both epochs open at the gateway, in either order. */
		assert_int_equal(recv_copy(&p.g, now, c_new, lc_new, &r), DCHAN_RECV_DATA);
		assert_true(r.roam);
		assert_int_equal(recv_copy(&p.g, now, c_old, lc_old, &r), DCHAN_RECV_DATA);
		assert_false(r.roam); /* the previous epoch never moves the peer */
		/* ... and at the client: the gateway's epoch-0 datagram. */
		assert_int_equal(recv_copy(&p.c, now, g_old, lg_old, &r), DCHAN_RECV_DATA);
		assert_int_equal(dchan_sess_on_rekey_ack(&p.g, now, 1), 0);
		lg_new = data(&p.g, 0x22, g_new);
		assert_int_equal(g_new[1], 1);
		assert_int_equal(recv_copy(&p.c, now, g_new, lg_new, &r), DCHAN_RECV_DATA);
		/* The overlap ends: epoch 0 is gone on both sides. */
		now += DCHAN_OVERLAP_MS;
		dchan_sess_tick(&p.g, now, buf, sizeof(buf), &act);
		dchan_sess_tick(&p.c, now, buf, sizeof(buf), &act);
		assert_int_equal(recv_copy(&p.g, now, late, llate, &r), DCHAN_RECV_DROP);
		assert_int_equal(p.g.rx.drops[DCHAN_OPEN_EPOCH], 1);
		assert_int_equal(recv_copy(&p.c, now, g_old, lg_old, &r), DCHAN_RECV_DROP);
		assert_int_equal(p.c.rx.drops[DCHAN_OPEN_EPOCH], 1);
		assert_int_equal(p.c.rekeys, 1);
		assert_int_equal(p.g.rekeys, 1);
		pair_deinit(&p);
	}
}

/* wolfCrypt fails in the middle of the gateway's re-key step: no REKEY is
 * sent, TLS carries the rest of the session, and no timer spins. */
static void test_dchan_sess_rekey_crypto_failure(void **state)
{
	struct pair p;
	struct dchan_actions act;
	uint8_t d[BUF], buf[BUF];

	(void)state;
	pair_init(&p, DCHAN_AES256GCM);
	bring_up(&p);
	hkdf_fails = true;
	dchan_sess_tick(&p.g, DCHAN_REKEY_MS, buf, sizeof(buf), &act);
	hkdf_fails = false;
	assert_false(act.rekey);
	assert_int_equal(p.g.rekey, DCHAN_REKEY_BROKEN);
	assert_false(dchan_sess_udp(&p.g));
	assert_int_equal(data(&p.g, 9, d), 0);
	assert_int_equal(dchan_sess_next_timer(&p.g), UINT64_MAX);
	pair_deinit(&p);
}

/* A gateway with a shorter re-key interval (udp_rekey_interval) re-keys
 * at it, not before; an interval of 0 or above the protocol's 120 s is
 * taken as 120 s. */
static void test_dchan_sess_rekey_interval(void **state)
{
	static const struct {
		uint32_t set, want;
	} cases[] = {{10000, 10000}, {60000, 60000}, {0, DCHAN_REKEY_MS}, {DCHAN_REKEY_MS + 1, DCHAN_REKEY_MS}};
	uint8_t secret[DCHAN_SECRET_LEN] = {1}, buf[BUF];
	struct dchan_actions act;

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct dchan_timing t;
		struct dchan_sess g;

		dchan_timing_default(&t);
		t.rekey_ms = cases[i].set;
		assert_int_equal(dchan_sess_init(&g, DCHAN_SIDE_GATEWAY, DCHAN_AES256GCM, CID, secret, &t, 0), 0);
		dchan_sess_tick(&g, cases[i].want - 1, buf, sizeof(buf), &act);
		assert_false(act.rekey);
		dchan_sess_tick(&g, cases[i].want, buf, sizeof(buf), &act);
		assert_true(act.rekey);
		assert_int_equal(act.rekey_epoch, 1);
		dchan_sess_deinit(&g);
	}
}

/* Out-of-order control messages are protocol errors. */
static void test_dchan_sess_rekey_refused(void **state)
{
	struct pair p;

	(void)state;
	pair_init(&p, DCHAN_AES256GCM);
	assert_int_equal(dchan_sess_on_rekey(&p.c, 0, 2), -1);	 /* skips an epoch */
	assert_int_equal(dchan_sess_on_rekey(&p.c, 0, 0), -1);	 /* the current one */
	assert_int_equal(dchan_sess_on_rekey(&p.g, 0, 1), -1);	 /* a gateway is told nothing */
	assert_int_equal(dchan_sess_on_rekey_ack(&p.g, 0, 1), -1); /* none outstanding */
	assert_int_equal(dchan_sess_on_rekey_ack(&p.c, 0, 1), -1);
	assert_int_equal(p.c.epoch, 0);
	pair_deinit(&p);
}

/* The client's sender at the send limit: TLS until the new epoch; the
 * gateway sees the counter and re-keys at once. */
static void test_dchan_sess_send_limit(void **state)
{
	struct pair p;
	struct dchan_actions act;
	struct dchan_received r;
	uint8_t d[BUF], buf[BUF];
	size_t n;

	(void)state;
	pair_init(&p, DCHAN_AES256GCM);
	bring_up(&p);
	p.c.tx.next = DCHAN_SEND_LIMIT - 1; /* white box: 2^24 datagrams later */
	n = data(&p.c, 5, d);
	assert_int_not_equal(n, 0);
	assert_int_equal(recv_copy(&p.g, 1, d, n, &r), DCHAN_RECV_DATA);
	assert_false(dchan_sess_udp(&p.c));
	assert_int_equal(data(&p.c, 6, d), 0);
	assert_int_equal(p.c.sent_tls, 1);
	assert_int_equal(dchan_sess_next_timer(&p.g), 0);
	dchan_sess_tick(&p.g, 2, buf, sizeof(buf), &act);
	assert_true(act.rekey);
	assert_int_equal(dchan_sess_on_rekey(&p.c, 3, act.rekey_epoch), 0);
	n = data(&p.c, 7, d);
	assert_int_not_equal(n, 0);
	assert_int_equal(recv_copy(&p.g, 4, d, n, &r), DCHAN_RECV_DATA);
	pair_deinit(&p);
}

/* Roaming: only an authenticated, new and newest datagram moves the peer;
 * replayed and forged ones are counted and move nothing. */
static void test_dchan_sess_roam_newest(void **state)
{
	static const struct {
		int which; /* index of the datagram, -1 forged */
		enum dchan_recv res;
		bool roam;
		enum dchan_open_result counted;
	} rows[] = {
	    {1, DCHAN_RECV_DATA, true, DCHAN_OPEN_OK},
	    {0, DCHAN_RECV_DATA, false, DCHAN_OPEN_OK}, /* reordered: older */
	    {1, DCHAN_RECV_DROP, false, DCHAN_OPEN_REPLAY},
	    {-1, DCHAN_RECV_DROP, false, DCHAN_OPEN_AUTH},
	    {2, DCHAN_RECV_DATA, true, DCHAN_OPEN_OK},
	    {0, DCHAN_RECV_DROP, false, DCHAN_OPEN_REPLAY},
	};
	struct pair p;
	uint8_t d[3][BUF], forged[BUF];
	size_t n[3];

	(void)state;
	pair_init(&p, DCHAN_AES256GCM);
	bring_up(&p);
	for (int i = 0; i < 3; i++)
		n[i] = data(&p.c, (uint8_t)i, d[i]);
	memcpy(forged, d[2], n[2]);
	forged[DCHAN_HDR_LEN + 3] ^= 0x40;
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		struct dchan_received r;
		uint64_t before = rows[i].counted == DCHAN_OPEN_OK ? 0 : p.g.rx.drops[rows[i].counted];
		const uint8_t *dg = rows[i].which < 0 ? forged : d[rows[i].which];
		size_t len = rows[i].which < 0 ? n[2] : n[rows[i].which];

		assert_int_equal(recv_copy(&p.g, 5, dg, len, &r), rows[i].res);
		assert_int_equal(r.roam, rows[i].roam);
		if (rows[i].counted != DCHAN_OPEN_OK)
			assert_int_equal(p.g.rx.drops[rows[i].counted], before + 1);
	}
	assert_int_equal(drops(&p.g), 3);
	pair_deinit(&p);
}

/* Genuine datagrams whose inner part is the wrong size are dropped. */
static void test_dchan_sess_inner_malformed(void **state)
{
	static const struct {
		uint8_t type;
		size_t len;
	} rows[] = {{DCHAN_DATA, 0}, {DCHAN_PING, 7}, {DCHAN_PONG, 9}, {DCHAN_PONG, 0}};
	(void)state;
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		struct pair p;
		struct dchan_received r;
		uint8_t inner[16] = {0}, d[BUF];
		size_t n;

		pair_init(&p, DCHAN_AES256GCM);
		assert_int_equal(dchan_seal(&p.c.tx, rows[i].type, inner, rows[i].len, d, sizeof(d), &n),
				 DCHAN_SEAL_OK);
		assert_int_equal(recv_copy(&p.g, 0, d, n, &r), DCHAN_RECV_DROP);
		assert_int_equal(p.g.rx.drops[DCHAN_OPEN_MALFORMED], 1);
		assert_false(p.g.peer_known);
		pair_deinit(&p);
	}
}

/* ---- two parties through a lossy, reordering, duplicating network ---- */

#define SIM_SLOTS 64
struct dgram {
	uint8_t b[BUF];
	size_t n;
	uint64_t due;
	bool used;
};
struct link {
	struct dgram q[SIM_SLOTS];
	uint64_t injected, lost, duped, arrived, overflow;
};
struct tally {
	uint64_t data, reply, done, drop;
};

static uint64_t rng_state;
static uint32_t rnd(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return (uint32_t)rng_state;
}

static void link_put(struct link *l, const uint8_t *b, size_t n, uint64_t now)
{
	int copies = 1;

	l->injected++;
	if (rnd() % 100 < 3) {
		l->lost++;
		return;
	}
	if (rnd() % 100 < 2) {
		l->duped++;
		copies = 2;
	}
	for (int c = 0; c < copies; c++) {
		int k;

		for (k = 0; k < SIM_SLOTS && l->q[k].used; k++)
			;
		if (k == SIM_SLOTS) { /* a full queue loses it, as a router would */
			l->overflow++;
			continue;
		}
		memcpy(l->q[k].b, b, n);
		l->q[k].n = n;
		l->q[k].due = now + 5 + rnd() % 20; /* random delay: reordering */
		l->q[k].used = true;
	}
}

/* Data payloads: the direction and a serial number in 8 bytes. */
static void link_deliver(struct link *l, struct dchan_sess *to, struct link *back, uint64_t now,
			 uint8_t *seen, uint64_t nsent, struct tally *t, bool all)
{
	for (int k = 0; k < SIM_SLOTS; k++) {
		struct dchan_received r;
		uint8_t reply[BUF];
		uint64_t serial = 0;

		if (!l->q[k].used || (!all && l->q[k].due > now))
			continue;
		l->q[k].used = false;
		l->arrived++;
		switch (dchan_sess_receive(to, now, l->q[k].b, l->q[k].n, reply, sizeof(reply), &r)) {
		case DCHAN_RECV_DATA:
			assert_int_equal(r.inner_len, 8);
			for (int i = 0; i < 8; i++)
				serial = serial << 8 | r.inner[i];
			assert_true(serial < nsent);		    /* it was sent */
			assert_false(seen[serial / 8] & (1u << (serial % 8))); /* once */
			seen[serial / 8] |= (uint8_t)(1u << (serial % 8));
			t->data++;
			break;
		case DCHAN_RECV_REPLY:
			t->reply++;
			link_put(back, reply, r.reply_len, now);
			break;
		case DCHAN_RECV_DONE:
			t->done++;
			break;
		case DCHAN_RECV_DROP:
			t->drop++;
			break;
		}
	}
}

#define SIM_MS 700000u /* 700 s: five re-keys at 120 s */
#define SIM_MAX_PKTS (2 * SIM_MS)

static void side_send(struct dchan_sess *s, struct link *l, uint64_t now, uint64_t *serial,
		      uint64_t *by_tls)
{
	uint8_t inner[8], out[BUF];
	size_t n;

	for (int i = 0; i < 8; i++)
		inner[i] = (uint8_t)(*serial >> (8 * (7 - i)));
	switch (dchan_sess_send(s, inner, sizeof(inner), out, sizeof(out), &n)) {
	case DCHAN_SEND_UDP:
		link_put(l, out, n, now);
		break;
	case DCHAN_SEND_TLS:
		(*by_tls)++;
		break;
	case DCHAN_SEND_ERROR:
		fail_msg("send error");
	}
	(*serial)++;
}

static void test_dchan_sess_simulation(void **state)
{
	static struct link up, down;
	static uint8_t seen_c2s[SIM_MAX_PKTS / 8 + 1], seen_s2c[SIM_MAX_PKTS / 8 + 1];
	struct tally tg = {0}, tc = {0};
	uint64_t sc = 0, sg = 0, tls_c = 0, tls_g = 0, rekey_due = 0;
	uint32_t rekey_epoch = 0;
	bool rekey_pending = false, ack_pending = false;
	uint64_t ack_due = 0;
	struct pair p;

	(void)state;
	rng_state = 0x9e3779b97f4a7c15ull;
	memset(&up, 0, sizeof(up));
	memset(&down, 0, sizeof(down));
	pair_init(&p, DCHAN_AES256GCM);
	for (uint64_t now = 0; now < SIM_MS; now += 10) {
		struct dchan_actions act;
		uint8_t buf[BUF];

		/* The TLS channel: reliable and in order, 30 ms late. */
		if (rekey_pending && now >= rekey_due) {
			assert_int_equal(dchan_sess_on_rekey(&p.c, now, rekey_epoch), 0);
			rekey_pending = false;
			ack_pending = true;
			ack_due = now + 30;
		}
		if (ack_pending && now >= ack_due) {
			assert_int_equal(dchan_sess_on_rekey_ack(&p.g, now, rekey_epoch), 0);
			ack_pending = false;
		}
		dchan_sess_tick(&p.c, now, buf, sizeof(buf), &act);
		assert_false(act.rekey);
		if (act.ping_len)
			link_put(&up, buf, act.ping_len, now);
		dchan_sess_tick(&p.g, now, buf, sizeof(buf), &act);
		if (act.ping_len)
			link_put(&down, buf, act.ping_len, now);
		if (act.rekey) {
			rekey_pending = true;
			rekey_epoch = act.rekey_epoch;
			rekey_due = now + 30;
		}
		side_send(&p.c, &up, now, &sc, &tls_c);
		side_send(&p.g, &down, now, &sg, &tls_g);
		link_deliver(&up, &p.g, &down, now, seen_c2s, sc, &tg, false);
		link_deliver(&down, &p.c, &up, now, seen_s2c, sg, &tc, false);
	}
	link_deliver(&up, &p.g, &down, SIM_MS, seen_c2s, sc, &tg, true);
	link_deliver(&down, &p.c, &up, SIM_MS, seen_s2c, sg, &tc, true);
	link_deliver(&up, &p.g, &down, SIM_MS, seen_c2s, sc, &tg, true);

	/* Several re-keys happened, and UDP carried most of the traffic. */
	assert_true(p.g.rekeys >= 5);
	assert_int_equal(p.c.rekeys, p.g.rekeys);
	assert_true(p.c.sent_udp > 9 * sc / 10);
	assert_true(p.g.sent_udp > 9 * sg / 10);
	/* Every arrival has exactly one outcome; the sessions agree. */
	assert_int_equal(up.arrived, tg.data + tg.reply + tg.done + tg.drop);
	assert_int_equal(down.arrived, tc.data + tc.reply + tc.done + tc.drop);
	assert_int_equal(up.injected, p.c.sent_udp + p.c.pings_sent + p.c.pongs_sent);
	assert_int_equal(down.injected, p.g.sent_udp + p.g.pings_sent + p.g.pongs_sent);
	assert_int_equal(up.arrived, up.injected - up.lost + up.duped - up.overflow);
	assert_int_equal(down.arrived, down.injected - down.lost + down.duped - down.overflow);
	assert_int_equal(tc.data, p.c.delivered);
	assert_int_equal(p.g.sent_udp + tls_g, sg);
	assert_int_equal(tg.data, p.g.delivered);
	assert_int_equal(tg.drop, drops(&p.g));
	assert_int_equal(tc.drop, drops(&p.c));
	assert_int_equal(p.c.sent_udp + tls_c, sc);
	/* The network forges nothing: drops are duplicates and stragglers. */
	assert_int_equal(p.g.rx.drops[DCHAN_OPEN_AUTH] + p.g.rx.drops[DCHAN_OPEN_MALFORMED], 0);
	assert_true(p.g.rx.drops[DCHAN_OPEN_REPLAY] > 0);
	assert_true(p.g.rx.drops[DCHAN_OPEN_REPLAY] <= up.duped);
	/* Nothing sent by UDP arrived twice, nothing was lost but by the net. */
	assert_true(p.g.delivered + up.lost + up.overflow >= p.c.sent_udp);
	pair_deinit(&p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_dchan_sess_probe_up),
	    cmocka_unit_test(test_dchan_sess_loss_fallback),
	    cmocka_unit_test(test_dchan_sess_reprobe_back),
	    cmocka_unit_test(test_dchan_sess_one_way_failure),
	    cmocka_unit_test(test_dchan_sess_rekey_overlap),
	    cmocka_unit_test(test_dchan_sess_rekey_refused),
	    cmocka_unit_test(test_dchan_sess_rekey_crypto_failure),
	    cmocka_unit_test(test_dchan_sess_send_limit),
	    cmocka_unit_test(test_dchan_sess_roam_newest),
	    cmocka_unit_test(test_dchan_sess_inner_malformed),
	    cmocka_unit_test(test_dchan_sess_simulation),
	    cmocka_unit_test(test_dchan_sess_rekey_interval),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
