/*
 * test_dchan_cont.c - the continuation key and proof (common/tls/dchan_cont.c,
 * docs/protocol.md 12.10): a known answer computed independently with
 * Python's hmac/hashlib, and a table of proofs that must not verify (wrong
 * cid, wrong exporter value, wrong key, a flipped bit, a key derived from
 * another secret, the proof of the data keys' own label).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "dchan_cont.h"

#define CID 0x0102030405060708ull

/* python3: K = hmac(S0, b"mtlsvpn dchan continue\x01"), S0 = bytes(range(32));
 * P = hmac(K, b"mtlsvpn continue v1" + cid + E), E = bytes(range(0x40, 0x60)). */
static const uint8_t kat_key[32] = {
    0x17, 0x8e, 0xf0, 0x27, 0xfd, 0x8a, 0x2a, 0x34, 0x2b, 0xfd, 0x5f, 0xe1, 0x10, 0x26, 0x60, 0xee,
    0xf2, 0xa3, 0xe2, 0xff, 0x36, 0xe7, 0xe3, 0x84, 0x72, 0x17, 0xe4, 0x6e, 0xb3, 0xe0, 0x4a, 0x48};
static const uint8_t kat_proof[32] = {
    0xf0, 0xb4, 0x10, 0xcc, 0x14, 0x82, 0x5f, 0x82, 0x6f, 0x19, 0x40, 0x6c, 0x85, 0xa8, 0x80, 0x4b,
    0x62, 0xc0, 0xff, 0x07, 0xa6, 0xc3, 0x1c, 0xfa, 0xa3, 0x97, 0xc9, 0x8c, 0xb9, 0x97, 0x41, 0x3f};

static void fill(uint8_t *p, size_t n, uint8_t from)
{
	for (size_t i = 0; i < n; i++)
		p[i] = (uint8_t)(from + i);
}

static void test_dchan_cont_key_and_proof_known_answer(void **state)
{
	uint8_t s0[DCHAN_SECRET_LEN], k[DCHAN_CONT_KEY_LEN], e[DCHAN_CONT_EXPORT_LEN];
	uint8_t p[DCHAN_CONT_PROOF_LEN];

	(void)state;
	fill(s0, sizeof(s0), 0);
	fill(e, sizeof(e), 0x40);
	assert_int_equal(dchan_cont_key(s0, k), 0);
	assert_memory_equal(k, kat_key, sizeof(k));
	assert_int_equal(dchan_cont_proof(k, CID, e, p), 0);
	assert_memory_equal(p, kat_proof, sizeof(p));
	assert_true(dchan_cont_verify(k, CID, e, kat_proof));
}

/* Each row changes one input of the verifier; none may verify. */
enum change { WRONG_CID, WRONG_EXPORT, WRONG_KEY, OTHER_SECRET, FLIP_FIRST, FLIP_LAST, ZERO_PROOF };

static void test_dchan_cont_verify_refuses(void **state)
{
	static const struct {
		const char *name;
		enum change what;
	} rows[] = {
	    {"another cid", WRONG_CID},
	    {"another connection's exporter value", WRONG_EXPORT},
	    {"a key one bit off", WRONG_KEY},
	    {"the key of another session's secret", OTHER_SECRET},
	    {"first proof bit flipped", FLIP_FIRST},
	    {"last proof bit flipped", FLIP_LAST},
	    {"all-zero proof", ZERO_PROOF},
	};
	(void)state;
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		uint8_t s0[DCHAN_SECRET_LEN], k[DCHAN_CONT_KEY_LEN], e[DCHAN_CONT_EXPORT_LEN];
		uint8_t p[DCHAN_CONT_PROOF_LEN];
		uint64_t cid = CID;

		fill(s0, sizeof(s0), 0);
		fill(e, sizeof(e), 0x40);
		assert_int_equal(dchan_cont_key(s0, k), 0);
		assert_int_equal(dchan_cont_proof(k, CID, e, p), 0);
		switch (rows[i].what) {
		case WRONG_CID:
			cid ^= 1;
			break;
		case WRONG_EXPORT:
			e[17] ^= 0x80;
			break;
		case WRONG_KEY:
			k[0] ^= 1;
			break;
		case OTHER_SECRET:
			s0[31] ^= 1;
			assert_int_equal(dchan_cont_key(s0, k), 0);
			break;
		case FLIP_FIRST:
			p[0] ^= 0x01;
			break;
		case FLIP_LAST:
			p[31] ^= 0x80;
			break;
		case ZERO_PROOF:
			memset(p, 0, sizeof(p));
			break;
		}
		if (dchan_cont_verify(k, cid, e, p))
			fail_msg("row %zu (%s) verified", i, rows[i].name);
	}
}

/* The continuation key is none of the data channel's secrets: not S_0
 * itself, not epoch 1's. */
static void test_dchan_cont_key_is_not_a_data_secret(void **state)
{
	uint8_t s0[DCHAN_SECRET_LEN], s1[DCHAN_SECRET_LEN], k[DCHAN_CONT_KEY_LEN];

	(void)state;
	fill(s0, sizeof(s0), 0);
	memcpy(s1, s0, sizeof(s1));
	assert_int_equal(dchan_key_next(s1, 1), 0);
	assert_int_equal(dchan_cont_key(s0, k), 0);
	assert_memory_not_equal(k, s0, sizeof(k));
	assert_memory_not_equal(k, s1, sizeof(k));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_dchan_cont_key_and_proof_known_answer),
	    cmocka_unit_test(test_dchan_cont_verify_refuses),
	    cmocka_unit_test(test_dchan_cont_key_is_not_a_data_secret),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
