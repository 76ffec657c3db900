/*
 * test_dchan_crypt.c - sealing and opening data-channel datagrams, every
 * test for both AEADs: the sealed bytes against python3-cryptography's
 * (dchan_kat.h), round trips in place, every byte tampered, every
 * truncation, replays, the other direction's datagram reflected back,
 * epochs (unknown, previous during the overlap, retired), the sender's and
 * the receiver's limits, and what is counted for each drop.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "dchan_crypt.h"
#include "dchan_kat.h"

/* A client and a gateway, epoch 0 installed both ways. */
struct ends {
	enum dchan_aead aead;
	struct dchan_tx ctx, stx; /* client's and gateway's senders */
	struct dchan_rx crx, srx; /* client's and gateway's receivers */
};

static const enum dchan_aead aeads[] = {DCHAN_AES256GCM, DCHAN_CHACHA20POLY1305};
#define N_AEADS (sizeof(aeads) / sizeof(aeads[0]))

/* An epoch's secret: the ratchet from epoch 0's (the exporter's). */
static void exported_for(uint32_t epoch, uint8_t out[static DCHAN_SECRET_LEN])
{
	memcpy(out, kat_secret0, DCHAN_SECRET_LEN);
	for (uint32_t e = 1; e <= epoch; e++)
		assert_int_equal(dchan_key_next(out, e), 0);
}

static void install(struct ends *e, uint32_t epoch, bool client_tx, bool server_tx)
{
	uint8_t ex[DCHAN_SECRET_LEN];
	struct dchan_epoch_keys k;

	exported_for(epoch, ex);
	assert_int_equal(dchan_key_derive(e->aead, ex, &k), 0);
	assert_int_equal(dchan_rx_install(&e->srx, e->aead, epoch, &k.c2s), 0);
	assert_int_equal(dchan_rx_install(&e->crx, e->aead, epoch, &k.s2c), 0);
	if (client_tx)
		assert_int_equal(dchan_tx_install(&e->ctx, e->aead, KAT_CID, epoch, &k.c2s), 0);
	if (server_tx)
		assert_int_equal(dchan_tx_install(&e->stx, e->aead, KAT_CID, epoch, &k.s2c), 0);
	dchan_key_wipe(&k);
}

static void ends_init(struct ends *e, enum dchan_aead aead)
{
	memset(e, 0, sizeof(*e));
	e->aead = aead;
	dchan_rx_init(&e->crx, KAT_CID);
	dchan_rx_init(&e->srx, KAT_CID);
	install(e, 0, true, true);
}

static void ends_deinit(struct ends *e)
{
	dchan_tx_deinit(&e->ctx);
	dchan_tx_deinit(&e->stx);
	dchan_rx_deinit(&e->crx);
	dchan_rx_deinit(&e->srx);
}

static size_t seal(struct dchan_tx *tx, const uint8_t *inner, size_t len, uint8_t *out, size_t cap)
{
	size_t n = 0;

	assert_int_equal(dchan_seal(tx, DCHAN_DATA, inner, len, out, cap, &n), DCHAN_SEAL_OK);
	assert_int_equal(n, DCHAN_MIN_LEN + len);
	return n;
}

static uint64_t total_drops(const struct dchan_rx *rx)
{
	uint64_t t = 0;

	for (int i = 1; i < DCHAN_OPEN_RESULTS; i++)
		t += rx->drops[i];
	return t;
}

/* The client's first two DATA datagrams are python3-cryptography's. */
static void test_dchan_seal_known_answer(void **state)
{
	(void)state;
	for (size_t a = 0; a < N_AEADS; a++) {
		const uint8_t *want0 =
		    aeads[a] == DCHAN_AES256GCM ? kat_aes_c2s_ctr0 : kat_chacha_c2s_ctr0;
		const uint8_t *want1 =
		    aeads[a] == DCHAN_AES256GCM ? kat_aes_c2s_ctr1 : kat_chacha_c2s_ctr1;
		struct dchan_epoch_keys k;
		struct dchan_tx tx;
		uint8_t d[128];
		size_t n;

		memset(&tx, 0, sizeof(tx));
		assert_int_equal(dchan_key_derive(aeads[a], kat_secret0, &k), 0);
		assert_int_equal(dchan_tx_install(&tx, aeads[a], KAT_CID, 0, &k.c2s), 0);
		n = seal(&tx, kat_inner, sizeof(kat_inner), d, sizeof(d));
		assert_int_equal(n, sizeof(kat_aes_c2s_ctr0));
		assert_memory_equal(d, want0, n);
		n = seal(&tx, kat_inner, sizeof(kat_inner), d, sizeof(d));
		assert_memory_equal(d, want1, n);
		dchan_tx_deinit(&tx);
	}
}

/* In place (the inner frame already after the header's room), both ways,
 * every size class the data path sees. */
static void test_dchan_open_round_trip_in_place(void **state)
{
	static const size_t sizes[] = {0, 1, 15, 16, 17, 64, 1400, 9000};

	(void)state;
	for (size_t a = 0; a < N_AEADS; a++) {
		struct ends e;

		ends_init(&e, aeads[a]);
		for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
			static uint8_t d[DCHAN_MIN_LEN + 9000], want[9000];
			struct dchan_opened o;
			size_t n;

			for (size_t j = 0; j < sizes[i]; j++)
				want[j] = (uint8_t)(j * 7 + i);
			memcpy(d + DCHAN_HDR_LEN, want, sizes[i]);
			n = seal(i % 2 ? &e.stx : &e.ctx, d + DCHAN_HDR_LEN, sizes[i], d,
				 sizeof(d));
			if (sizes[i] > 0)
				assert_memory_not_equal(d + DCHAN_HDR_LEN, want, sizes[i]);
			assert_int_equal(dchan_open(i % 2 ? &e.crx : &e.srx, d, n, &o),
					 DCHAN_OPEN_OK);
			assert_int_equal(o.type, DCHAN_DATA);
			assert_int_equal(o.inner_len, sizes[i]);
			assert_ptr_equal(o.inner, d + DCHAN_HDR_LEN);
			assert_memory_equal(o.inner, want, sizes[i]);
			assert_true(o.newest);
		}
		assert_true(total_drops(&e.srx) == 0 && total_drops(&e.crx) == 0);
		ends_deinit(&e);
	}
}

/* A bit flipped anywhere (header, ciphertext, tag) never opens, and the
 * refused copies change nothing: the genuine datagram still opens. */
static void test_dchan_open_tamper_every_byte(void **state)
{
	(void)state;
	for (size_t a = 0; a < N_AEADS; a++) {
		uint8_t d[DCHAN_MIN_LEN + 64], t[sizeof(d)];
		struct dchan_opened o;
		struct ends e;
		size_t n;

		ends_init(&e, aeads[a]);
		memset(d + DCHAN_HDR_LEN, 0x5a, 64);
		n = seal(&e.ctx, d + DCHAN_HDR_LEN, 64, d, sizeof(d));
		for (size_t pos = 0; pos < n; pos++)
			for (int bit = 0; bit < 8; bit += 7) {
				memcpy(t, d, n);
				t[pos] ^= (uint8_t)(1 << bit);
				if (dchan_open(&e.srx, t, n, &o) == DCHAN_OPEN_OK)
					fail_msg("%s: byte %zu bit %d flipped still opens",
						 dchan_aead_name(aeads[a]), pos, bit);
			}
		/* Past the header's own checks, every flip is an AEAD failure. */
		assert_true(e.srx.drops[DCHAN_OPEN_AUTH] >= 2 * (n - DCHAN_HDR_LEN));
		assert_true(e.srx.drops[DCHAN_OPEN_REPLAY] == 0);
		assert_int_equal(dchan_open(&e.srx, d, n, &o), DCHAN_OPEN_OK);
		ends_deinit(&e);
	}
}

static void test_dchan_open_truncated(void **state)
{
	(void)state;
	for (size_t a = 0; a < N_AEADS; a++) {
		uint8_t d[DCHAN_MIN_LEN + 32], t[sizeof(d)];
		struct dchan_opened o;
		struct ends e;
		size_t n;

		ends_init(&e, aeads[a]);
		memset(d + DCHAN_HDR_LEN, 1, 32);
		n = seal(&e.ctx, d + DCHAN_HDR_LEN, 32, d, sizeof(d));
		for (size_t len = 0; len < n; len++) {
			memcpy(t, d, n);
			assert_int_not_equal(dchan_open(&e.srx, t, len, &o), DCHAN_OPEN_OK);
		}
		assert_true(e.srx.drops[DCHAN_OPEN_MALFORMED] == DCHAN_MIN_LEN);
		assert_true(e.srx.drops[DCHAN_OPEN_AUTH] == n - DCHAN_MIN_LEN);
		assert_int_equal(dchan_open(&e.srx, d, n, &o), DCHAN_OPEN_OK);
		ends_deinit(&e);
	}
}

static void test_dchan_open_replay_and_reorder(void **state)
{
	(void)state;
	for (size_t a = 0; a < N_AEADS; a++) {
		static uint8_t d[100][DCHAN_MIN_LEN + 8], copy[DCHAN_MIN_LEN + 8];
		struct dchan_opened o;
		struct ends e;
		size_t n = 0;

		ends_init(&e, aeads[a]);
		for (int i = 0; i < 100; i++) {
			memset(d[i] + DCHAN_HDR_LEN, i, 8);
			n = seal(&e.ctx, d[i] + DCHAN_HDR_LEN, 8, d[i], sizeof(d[i]));
		}
		/* Last first, then the rest backwards: all open, once. */
		for (int i = 99; i >= 0; i--) {
			memcpy(copy, d[i], n);
			assert_int_equal(dchan_open(&e.srx, copy, n, &o), DCHAN_OPEN_OK);
			assert_true(o.counter == (uint64_t)i);
			assert_int_equal(o.newest, i == 99);
			assert_int_equal(o.inner[0], i);
		}
		for (int i = 0; i < 100; i++) {
			memcpy(copy, d[i], n);
			assert_int_equal(dchan_open(&e.srx, copy, n, &o), DCHAN_OPEN_REPLAY);
		}
		assert_true(e.srx.drops[DCHAN_OPEN_REPLAY] == 100);
		assert_true(total_drops(&e.srx) == 100);
		ends_deinit(&e);
	}
}

/* A counter more than the window below the newest: authentic, but old. */
static void test_dchan_open_older_than_window(void **state)
{
	(void)state;
	for (size_t a = 0; a < N_AEADS; a++) {
		uint8_t first[DCHAN_MIN_LEN], d[DCHAN_MIN_LEN];
		struct dchan_opened o;
		struct ends e;
		size_t n;

		ends_init(&e, aeads[a]);
		n = seal(&e.ctx, NULL, 0, first, sizeof(first));
		e.ctx.next = REPLAY_WINDOW + 5;
		n = seal(&e.ctx, NULL, 0, d, sizeof(d));
		assert_int_equal(dchan_open(&e.srx, d, n, &o), DCHAN_OPEN_OK);
		assert_int_equal(dchan_open(&e.srx, first, n, &o), DCHAN_OPEN_OLD);
		assert_true(e.srx.drops[DCHAN_OPEN_OLD] == 1);
		ends_deinit(&e);
	}
}

/* The client's own datagram sent back to it (or a gateway's to the
 * gateway) does not open: each direction has its own key. */
static void test_dchan_open_reflected(void **state)
{
	(void)state;
	for (size_t a = 0; a < N_AEADS; a++) {
		uint8_t d[DCHAN_MIN_LEN + 20];
		struct dchan_opened o;
		struct ends e;
		size_t n;

		ends_init(&e, aeads[a]);
		memset(d + DCHAN_HDR_LEN, 3, 20);
		n = seal(&e.ctx, d + DCHAN_HDR_LEN, 20, d, sizeof(d));
		assert_int_equal(dchan_open(&e.crx, d, n, &o), DCHAN_OPEN_AUTH);
		memset(d + DCHAN_HDR_LEN, 3, 20);
		n = seal(&e.stx, d + DCHAN_HDR_LEN, 20, d, sizeof(d));
		assert_int_equal(dchan_open(&e.srx, d, n, &o), DCHAN_OPEN_AUTH);
		ends_deinit(&e);
	}
}

static void test_dchan_open_other_cid(void **state)
{
	(void)state;
	for (size_t a = 0; a < N_AEADS; a++) {
		uint8_t d[DCHAN_MIN_LEN];
		struct dchan_opened o;
		struct ends e;
		size_t n;

		ends_init(&e, aeads[a]);
		e.srx.cid = KAT_CID + 1;
		n = seal(&e.ctx, NULL, 0, d, sizeof(d));
		assert_int_equal(dchan_open(&e.srx, d, n, &o), DCHAN_OPEN_CID);
		assert_true(e.srx.drops[DCHAN_OPEN_CID] == 1);
		ends_deinit(&e);
	}
}

/* Re-keying: a datagram of an epoch not installed is refused; once the
 * receiver has the new epoch the previous one still opens (overlap) but
 * is never "newest"; after the overlap it is refused. */
static void test_dchan_open_epochs(void **state)
{
	(void)state;
	for (size_t a = 0; a < N_AEADS; a++) {
		uint8_t old[DCHAN_MIN_LEN], old2[DCHAN_MIN_LEN], d[DCHAN_MIN_LEN];
		struct dchan_opened o;
		struct dchan_epoch_keys k;
		uint8_t ex[DCHAN_SECRET_LEN];
		struct ends e;
		size_t n;

		ends_init(&e, aeads[a]);
		n = seal(&e.ctx, NULL, 0, old, sizeof(old));
		n = seal(&e.ctx, NULL, 0, old2, sizeof(old2));
		/* The client's sender moves to epoch 1 before the gateway knows. */
		exported_for(1, ex);
		assert_int_equal(dchan_key_derive(e.aead, ex, &k), 0);
		assert_int_equal(dchan_tx_install(&e.ctx, e.aead, KAT_CID, 1, &k.c2s), 0);
		assert_true(e.ctx.next == 0);
		n = seal(&e.ctx, NULL, 0, d, sizeof(d));
		assert_int_equal(d[1], 1);
		assert_int_equal(dchan_open(&e.srx, d, n, &o), DCHAN_OPEN_EPOCH);
		/* Now it does: both epochs open. */
		assert_int_equal(dchan_rx_install(&e.srx, e.aead, 1, &k.c2s), 0);
		assert_int_equal(dchan_open(&e.srx, d, n, &o), DCHAN_OPEN_OK);
		assert_int_equal(o.epoch, 1);
		assert_true(o.newest);
		assert_int_equal(dchan_open(&e.srx, old, n, &o), DCHAN_OPEN_OK);
		assert_int_equal(o.epoch, 0);
		assert_false(o.newest);
		/* Overlap over. */
		dchan_rx_retire_prev(&e.srx);
		assert_int_equal(dchan_open(&e.srx, old2, n, &o), DCHAN_OPEN_EPOCH);
		/* Epoch 2 is unknown to a receiver at 1. */
		exported_for(2, ex);
		assert_int_equal(dchan_key_derive(e.aead, ex, &k), 0);
		assert_int_equal(dchan_tx_install(&e.ctx, e.aead, KAT_CID, 2, &k.c2s), 0);
		n = seal(&e.ctx, NULL, 0, d, sizeof(d));
		assert_int_equal(dchan_open(&e.srx, d, n, &o), DCHAN_OPEN_EPOCH);
		assert_true(e.srx.drops[DCHAN_OPEN_EPOCH] == 3);
		dchan_key_wipe(&k);
		ends_deinit(&e);
	}
}

/* The sender stops at its limit and asks for a re-key before it. */
static void test_dchan_seal_limits(void **state)
{
	(void)state;
	for (size_t a = 0; a < N_AEADS; a++) {
		uint8_t d[DCHAN_MIN_LEN + 4], inner[4] = {1, 2, 3, 4};
		struct dchan_opened o;
		struct ends e;
		size_t n = 0;

		ends_init(&e, aeads[a]);
		assert_false(dchan_tx_rekey_wanted(&e.ctx));
		e.ctx.next = DCHAN_REKEY_AFTER;
		assert_true(dchan_tx_rekey_wanted(&e.ctx));
		e.ctx.next = DCHAN_SEND_LIMIT - 1;
		n = seal(&e.ctx, inner, sizeof(inner), d, sizeof(d));
		assert_int_equal(dchan_open(&e.srx, d, n, &o), DCHAN_OPEN_OK);
		assert_int_equal(
		    dchan_seal(&e.ctx, DCHAN_DATA, inner, sizeof(inner), d, sizeof(d), &n),
		    DCHAN_SEAL_LIMIT);
		assert_true(e.ctx.next == DCHAN_SEND_LIMIT);
		/* Too small a buffer or a bad type spends no counter. */
		e.ctx.next = 5;
		assert_int_equal(
		    dchan_seal(&e.ctx, DCHAN_DATA, inner, sizeof(inner), d, sizeof(d) - 1, &n),
		    DCHAN_SEAL_NOSPACE);
		assert_int_equal(dchan_seal(&e.ctx, 0x17, inner, sizeof(inner), d, sizeof(d), &n),
				 DCHAN_SEAL_TYPE);
		assert_true(e.ctx.next == 5);
		dchan_tx_deinit(&e.ctx);
		assert_int_equal(
		    dchan_seal(&e.ctx, DCHAN_DATA, inner, sizeof(inner), d, sizeof(d), &n),
		    DCHAN_SEAL_NOKEY);
		ends_deinit(&e);
	}
}

/* A counter at the limit is refused before any crypto; a key that has
 * seen DCHAN_AUTH_FAIL_LIMIT forgeries is retired. */
static void test_dchan_open_receive_limits(void **state)
{
	(void)state;
	for (size_t a = 0; a < N_AEADS; a++) {
		uint8_t d[DCHAN_MIN_LEN], t[DCHAN_MIN_LEN];
		struct dchan_opened o;
		struct ends e;
		size_t n;

		ends_init(&e, aeads[a]);
		n = seal(&e.ctx, NULL, 0, d, sizeof(d));
		memcpy(t, d, n);
		t[12 + 4] = 1; /* counter 2^24 */
		assert_int_equal(dchan_open(&e.srx, t, n, &o), DCHAN_OPEN_LIMIT);
		e.srx.cur.auth_fail = DCHAN_AUTH_FAIL_LIMIT - 1;
		memcpy(t, d, n);
		t[n - 1] ^= 1;
		assert_int_equal(dchan_open(&e.srx, t, n, &o), DCHAN_OPEN_AUTH);
		assert_int_equal(dchan_open(&e.srx, d, n, &o), DCHAN_OPEN_EPOCH);
		ends_deinit(&e);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_dchan_seal_known_answer),
	    cmocka_unit_test(test_dchan_open_round_trip_in_place),
	    cmocka_unit_test(test_dchan_open_tamper_every_byte),
	    cmocka_unit_test(test_dchan_open_truncated),
	    cmocka_unit_test(test_dchan_open_replay_and_reorder),
	    cmocka_unit_test(test_dchan_open_older_than_window),
	    cmocka_unit_test(test_dchan_open_reflected),
	    cmocka_unit_test(test_dchan_open_other_cid),
	    cmocka_unit_test(test_dchan_open_epochs),
	    cmocka_unit_test(test_dchan_seal_limits),
	    cmocka_unit_test(test_dchan_open_receive_limits),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
