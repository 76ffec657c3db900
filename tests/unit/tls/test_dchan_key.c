/*
 * test_dchan_key.c - the data channel's key schedule against known answers
 * computed outside wolfCrypt (dchan_kat.py: Python's hmac/hashlib): keys per
 * direction, the epoch ratchet; the exporter context's layout; and that
 * directions, AEADs and epochs never share a key.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "dchan_kat.h"
#include "dchan_key.h"

static const struct {
	enum dchan_aead aead;
	const uint8_t *c2s_key, *c2s_iv, *s2c_key, *s2c_iv;
} kat_keys[] = {
    {DCHAN_AES256GCM, kat_aes_c2s_key, kat_aes_c2s_iv, kat_aes_s2c_key, kat_aes_s2c_iv},
    {DCHAN_CHACHA20POLY1305, kat_chacha_c2s_key, kat_chacha_c2s_iv, kat_chacha_s2c_key,
     kat_chacha_s2c_iv},
};

static void test_dchan_key_derive_known_answers(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(kat_keys) / sizeof(kat_keys[0]); i++) {
		struct dchan_epoch_keys k;

		assert_int_equal(dchan_key_derive(kat_keys[i].aead, kat_secret0, &k), 0);
		assert_memory_equal(k.c2s.key, kat_keys[i].c2s_key, DCHAN_KEY_LEN);
		assert_memory_equal(k.c2s.iv, kat_keys[i].c2s_iv, DCHAN_IV_LEN);
		assert_memory_equal(k.s2c.key, kat_keys[i].s2c_key, DCHAN_KEY_LEN);
		assert_memory_equal(k.s2c.iv, kat_keys[i].s2c_iv, DCHAN_IV_LEN);
		dchan_key_wipe(&k);
	}
}

/* Separate keys per direction and per AEAD; a different exporter output
 * (another epoch) gives different keys. */
static void test_dchan_key_derive_separation(void **state)
{
	struct dchan_epoch_keys a, c, e1;
	uint8_t other[DCHAN_SECRET_LEN];

	(void)state;
	memcpy(other, kat_secret0, sizeof(other));
	other[31] ^= 1;
	assert_int_equal(dchan_key_derive(DCHAN_AES256GCM, kat_secret0, &a), 0);
	assert_int_equal(dchan_key_derive(DCHAN_CHACHA20POLY1305, kat_secret0, &c), 0);
	assert_int_equal(dchan_key_derive(DCHAN_AES256GCM, other, &e1), 0);
	assert_memory_not_equal(a.c2s.key, a.s2c.key, DCHAN_KEY_LEN);
	assert_memory_not_equal(a.c2s.iv, a.s2c.iv, DCHAN_IV_LEN);
	assert_memory_not_equal(a.c2s.key, c.c2s.key, DCHAN_KEY_LEN);
	assert_memory_not_equal(a.c2s.key, e1.c2s.key, DCHAN_KEY_LEN);
	assert_memory_not_equal(a.s2c.iv, e1.s2c.iv, DCHAN_IV_LEN);
}

static void test_dchan_key_derive_unknown_aead(void **state)
{
	struct dchan_epoch_keys k;
	static const uint8_t zero[sizeof(k)];

	(void)state;
	memset(&k, 0xaa, sizeof(k));
	assert_int_equal(dchan_key_derive((enum dchan_aead)0, kat_secret0, &k), -1);
	assert_memory_equal(&k, zero, sizeof(k));
	assert_null(dchan_aead_name((enum dchan_aead)3));
}

static void test_dchan_key_context_layout(void **state)
{
	static const uint8_t want[DCHAN_CONTEXT_LEN] = {1, 2, 3, 4, 5, 6, 7, 8};
	uint8_t ctx[DCHAN_CONTEXT_LEN];

	(void)state;
	dchan_key_context(KAT_CID, ctx);
	assert_memory_equal(ctx, want, sizeof(want));
}

/* Epoch 0 -> 1 -> 2 in place, each step Python's; epoch 1's keys too. */
static void test_dchan_key_next_known_answer(void **state)
{
	uint8_t s[DCHAN_SECRET_LEN];
	struct dchan_epoch_keys k;

	(void)state;
	memcpy(s, kat_secret0, sizeof(s));
	assert_int_equal(dchan_key_next(s, 1), 0);
	assert_memory_equal(s, kat_secret1, sizeof(s));
	assert_int_equal(dchan_key_derive(DCHAN_AES256GCM, s, &k), 0);
	assert_memory_equal(k.c2s.key, kat_aes_epoch1_c2s_key, DCHAN_KEY_LEN);
	assert_int_equal(dchan_key_next(s, 2), 0);
	assert_memory_equal(s, kat_secret2, sizeof(s));
	/* The epoch number is an input: the same secret stepped to another
	 * number gives another secret. */
	memcpy(s, kat_secret1, sizeof(s));
	assert_int_equal(dchan_key_next(s, 3), 0);
	assert_memory_not_equal(s, kat_secret2, sizeof(s));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_dchan_key_derive_known_answers),
	    cmocka_unit_test(test_dchan_key_derive_separation),
	    cmocka_unit_test(test_dchan_key_derive_unknown_aead),
	    cmocka_unit_test(test_dchan_key_context_layout),
	    cmocka_unit_test(test_dchan_key_next_known_answer),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
