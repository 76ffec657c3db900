/*
 * test_crl_parse.c - crl_parse and crl_verify against CRLs the openssl
 * command line makes at test time (crl_certs.sh): PEM and DER, v1 and v2,
 * ECDSA P-256/P-384 and RSA with SHA-256/384/512; the wrong issuer and a
 * flipped signature byte are refused; every truncation and every single
 * byte flip of a real CRL is survived; hand-made DER for the refusals.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "pki_scratch.h"

#include "crl_parse.h"
#include "crl_verify.h"

static uint8_t *slurp(const char *name, size_t *len)
{
	return pki_scratch_slurp(name, len);
}

static int setup(void **state)
{
	(void)state;
	return pki_scratch_make("test_crl_parse", "crl_certs.sh");
}

static int teardown(void **state)
{
	(void)state;
	return pki_scratch_remove();
}

static struct crl_issuer *bundle(const char *name, size_t *n)
{
	struct crl_issuer *iss;
	const char *why = NULL;
	size_t len;
	uint8_t *b = slurp(name, &len);

	assert_int_equal(crl_verify_issuers_load(b, len, &iss, n, &why), 0);
	free(b);
	return iss;
}

static void decode_ok(const char *name, struct crl *c)
{
	const char *why = NULL;
	size_t len;
	uint8_t *b = slurp(name, &len);
	enum crl_parse_result r = crl_parse_decode(b, len, c, &why);

	if (r != CRL_PARSE_OK)
		fail_msg("%s: %s", name, why);
	free(b);
}

static void test_crl_parse_decode_openssl_ec(void **state)
{
	struct crl pem, der;
	struct crl_issuer *iss;
	size_t n, which = 99;
	const char *why;
	time_t now = time(NULL);

	(void)state;
	decode_ok("ec.crl.pem", &pem);
	decode_ok("ec.crl.der", &der);
	assert_int_equal(pem.der_len, der.der_len);
	assert_memory_equal(pem.der, der.der, der.der_len);
	assert_int_equal(pem.version, 2);
	assert_int_equal(pem.sig_alg, CRL_SIG_ECDSA_SHA256);
	assert_int_equal(pem.n_entries, 3);
	assert_int_equal(pem.entries[0].serial_len, 2);
	assert_int_equal(pem.entries[0].serial[0], 0x10);
	assert_int_equal(pem.entries[0].serial[1], 0x00);
	assert_int_equal(pem.entries[0].reason, 1); /* keyCompromise */
	assert_int_equal(pem.entries[1].reason, CRL_REASON_NONE);
	assert_int_equal(pem.entries[2].reason, 4); /* superseded */
	assert_true(pem.entries[0].date > now - 3600 && pem.entries[0].date <= now + 60);
	assert_true(pem.this_update > now - 3600 && pem.this_update <= now + 60);
	assert_int_equal(pem.next_update - pem.this_update, 7 * 86400);
	assert_true(pem.has_number);
	assert_int_equal(pem.number_len, 1);
	assert_int_equal(pem.number[0], 2);
	assert_int_equal(pem.aki_len, 20);
	assert_string_equal(crl_parse_reason_name(pem.entries[0].reason), "keyCompromise");

	iss = bundle("bundle.pem", &n);
	assert_int_equal(n, 3);
	assert_int_equal(crl_verify(&pem, iss, n, &which, &why), CRL_VERIFY_OK);
	assert_int_equal(which, 0);
	assert_int_equal(pem.aki_len, iss[0].cert.ski.len);
	crl_verify_issuers_free(iss, n);
	crl_parse_free(&pem);
	crl_parse_free(&der);
}

static void test_crl_verify_algorithms(void **state)
{
	static const struct {
		const char *file;
		enum crl_sig_alg alg;
		size_t issuer;
	} cases[] = {
	    {"p384.crl.pem", CRL_SIG_ECDSA_SHA384, 1},
	    {"rsa256.crl.pem", CRL_SIG_RSA_SHA256, 2},
	    {"rsa384.crl.pem", CRL_SIG_RSA_SHA384, 2},
	    {"rsa512.crl.pem", CRL_SIG_RSA_SHA512, 2},
	    {"ec-empty.crl.pem", CRL_SIG_ECDSA_SHA256, 0},
	};
	struct crl_issuer *iss;
	size_t n;

	(void)state;
	iss = bundle("bundle.pem", &n);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct crl c;
		size_t which = 99;
		const char *why = NULL;

		decode_ok(cases[i].file, &c);
		assert_int_equal(c.sig_alg, cases[i].alg);
		if (crl_verify(&c, iss, n, &which, &why) != CRL_VERIFY_OK)
			fail_msg("%s: %s", cases[i].file, why);
		assert_int_equal(which, cases[i].issuer);
		crl_parse_free(&c);
	}
	crl_verify_issuers_free(iss, n);
}

/* Another CA with the same name: the v1 CRL (no AKI) reaches the name
 * check and fails on the signature; the real CA's CRL fails against the
 * other CA alone. */
static void test_crl_verify_wrong_issuer(void **state)
{
	struct crl_issuer *iss, *other;
	struct crl c;
	size_t n, no, which;
	const char *why;

	(void)state;
	iss = bundle("bundle.pem", &n);
	other = bundle("other.pem", &no);
	decode_ok("other.crl.pem", &c);
	assert_int_equal(c.version, 1);
	assert_false(c.has_number);
	assert_int_equal(c.n_entries, 1);
	assert_int_equal(crl_verify(&c, iss, n, &which, &why), CRL_VERIFY_BAD_SIGNATURE);
	assert_int_equal(crl_verify(&c, other, no, &which, &why), CRL_VERIFY_OK);
	crl_parse_free(&c);
	decode_ok("ec.crl.pem", &c);
	/* The AKI names the real CA's key: the other CA is not even tried. */
	assert_int_equal(crl_verify(&c, other, no, &which, &why), CRL_VERIFY_NO_ISSUER);
	crl_parse_free(&c);
	decode_ok("p384.crl.pem", &c);
	assert_int_equal(crl_verify(&c, other, no, &which, &why), CRL_VERIFY_NO_ISSUER);
	crl_parse_free(&c);
	crl_verify_issuers_free(other, no);
	crl_verify_issuers_free(iss, n);
}

static void test_crl_verify_flipped_signature(void **state)
{
	struct crl_issuer *iss;
	struct crl c;
	size_t n, which;
	const char *why;

	(void)state;
	iss = bundle("bundle.pem", &n);
	decode_ok("ec.crl.der", &c);
	c.der[c.der_len - 5] ^= 0x01; /* inside the signature's s */
	assert_int_equal(crl_verify(&c, iss, n, &which, &why), CRL_VERIFY_BAD_SIGNATURE);
	c.der[c.der_len - 5] ^= 0x01;
	assert_int_equal(crl_verify(&c, iss, n, &which, &why), CRL_VERIFY_OK);
	/* A revoked serial changed in the signed part. */
	c.der[(size_t)(c.tbs - c.der) + c.tbs_len / 2] ^= 0x01;
	assert_int_equal(crl_verify(&c, iss, n, &which, &why), CRL_VERIFY_BAD_SIGNATURE);
	crl_parse_free(&c);
	decode_ok("rsa256.crl.pem", &c);
	c.der[c.der_len - 1] ^= 0x80;
	assert_int_equal(crl_verify(&c, iss, n, &which, &why), CRL_VERIFY_BAD_SIGNATURE);
	crl_parse_free(&c);
	crl_verify_issuers_free(iss, n);
}

static void test_crl_verify_cert_ref_matches_entry(void **state)
{
	struct cert_ref r;
	struct crl c;
	uint8_t h[CERT_NAME_HASH_LEN];
	size_t len;
	uint8_t *pem = slurp("leaf.pem", &len), *der;
	size_t off = 0, der_len;

	(void)state;
	assert_int_equal(crl_parse_pem_next(pem, len, &off, "CERTIFICATE", &der, &der_len), 1);
	assert_true(crl_verify_cert_ref(der, der_len, &r));
	decode_ok("ec.crl.pem", &c);
	assert_int_equal(r.serial_len, c.entries[0].serial_len);
	assert_memory_equal(r.serial, c.entries[0].serial, r.serial_len);
	assert_true(crl_verify_name_hash(c.issuer, c.issuer_len, h));
	assert_memory_equal(h, r.issuer_hash, sizeof(h));
	crl_parse_free(&c);
	free(der);
	free(pem);
}

/* Every prefix of a real CRL is refused; every single-bit flip either
 * decodes or is refused, never crashes (ASan builds check the rest). */
static void test_crl_parse_decode_truncated_and_flipped(void **state)
{
	struct crl c;
	const char *why;
	size_t len;
	uint8_t *b = slurp("ec.crl.der", &len);

	(void)state;
	for (size_t i = 0; i < len; i++) {
		assert_int_not_equal(crl_parse_decode(b, i, &c, &why), CRL_PARSE_OK);
		assert_non_null(why);
		assert_null(c.der);
	}
	for (size_t i = 0; i < len; i++) {
		for (int bit = 0; bit < 8; bit++) {
			b[i] ^= (uint8_t)(1u << bit);
			if (crl_parse_decode(b, len, &c, &why) == CRL_PARSE_OK)
				crl_parse_free(&c);
			b[i] ^= (uint8_t)(1u << bit);
		}
	}
	free(b);
}

/* Hand-made CRLs, the signature a dummy: the decoder's refusals. */
static size_t build(uint8_t *out, const uint8_t *tbs_body, size_t tbs_len)
{
	static const uint8_t alg[] = {0x30, 0x0a, 0x06, 0x08, 0x2a, 0x86,
				      0x48, 0xce, 0x3d, 0x04, 0x03, 0x02};
	size_t o = 0, inner = 2 + tbs_len + sizeof(alg) + 4;

	assert_true(tbs_len < 120 && inner < 128);
	out[o++] = 0x30;
	out[o++] = (uint8_t)inner;
	out[o++] = 0x30;
	out[o++] = (uint8_t)tbs_len;
	memcpy(out + o, tbs_body, tbs_len);
	o += tbs_len;
	memcpy(out + o, alg, sizeof(alg));
	o += sizeof(alg);
	memcpy(out + o, (const uint8_t[]){0x03, 0x02, 0x00, 0x00}, 4);
	return o + 4;
}

#define ALG 0x30, 0x0a, 0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x02
#define NAME 0x30, 0x0d, 0x31, 0x0b, 0x30, 0x09, 0x06, 0x03, 0x55, 0x04, 0x03, 0x0c, 0x02, 'C', 'A'
#define T1 0x17, 0x0d, '2', '5', '0', '1', '0', '1', '0', '0', '0', '0', '0', '0', 'Z'
#define T2 0x18, 0x0f, '2', '0', '2', '5', '0', '2', '0', '1', '0', '0', '0', '0', '0', '0', 'Z'

static void test_crl_parse_decode_handmade(void **state)
{
	static const struct {
		const char *name;
		enum crl_parse_result want;
		uint8_t tbs[110];
		size_t len;
	} cases[] = {
#define C(n, w, ...) {n, w, {__VA_ARGS__}, sizeof((const uint8_t[]){__VA_ARGS__})}
	    C("minimal v1", CRL_PARSE_OK, ALG, NAME, T1),
	    C("v2 with next update, generalized time", CRL_PARSE_OK, 0x02, 0x01, 0x01, ALG, NAME,
	      T1, T2),
	    C("version 3", CRL_PARSE_MALFORMED, 0x02, 0x01, 0x02, ALG, NAME, T1),
	    C("next update before this update", CRL_PARSE_MALFORMED, ALG, NAME, T2, T1),
	    C("empty revoked list", CRL_PARSE_MALFORMED, ALG, NAME, T1, 0x30, 0x00),
	    C("v1 entry with extensions", CRL_PARSE_MALFORMED, ALG, NAME, T1, 0x30, 0x1a, 0x30,
	      0x18, 0x02, 0x01, 0x05, T1, 0x30, 0x00),
	    C("entry serial non-minimal", CRL_PARSE_MALFORMED, ALG, NAME, T1, 0x30, 0x13, 0x30,
	      0x11, 0x02, 0x02, 0x00, 0x05, T1),
	    C("critical unknown CRL extension", CRL_PARSE_UNSUPPORTED, 0x02, 0x01, 0x01, ALG, NAME,
	      T1, 0xa0, 0x10, 0x30, 0x0e, 0x30, 0x0c, 0x06, 0x03, 0x55, 0x1d, 0x1b, 0x01, 0x01,
	      0xff, 0x04, 0x02, 0x02, 0x00),
	    C("non-critical unknown CRL extension", CRL_PARSE_OK, 0x02, 0x01, 0x01, ALG, NAME, T1,
	      0xa0, 0x0d, 0x30, 0x0b, 0x30, 0x09, 0x06, 0x03, 0x55, 0x1d, 0x2e, 0x04, 0x02, 0x30,
	      0x00),
	    C("critical flag FALSE (not DER)", CRL_PARSE_MALFORMED, 0x02, 0x01, 0x01, ALG, NAME, T1,
	      0xa0, 0x10, 0x30, 0x0e, 0x30, 0x0c, 0x06, 0x03, 0x55, 0x1d, 0x2e, 0x01, 0x01, 0x00,
	      0x04, 0x02, 0x30, 0x00),
	    C("extensions in v1", CRL_PARSE_MALFORMED, ALG, NAME, T1, 0xa0, 0x0d, 0x30, 0x0b, 0x30,
	      0x09, 0x06, 0x03, 0x55, 0x1d, 0x2e, 0x04, 0x02, 0x30, 0x00),
	    C("indirect CRL", CRL_PARSE_UNSUPPORTED, 0x02, 0x01, 0x01, ALG, NAME, T1, 0xa0, 0x13,
	      0x30, 0x11, 0x30, 0x0f, 0x06, 0x03, 0x55, 0x1d, 0x1c, 0x01, 0x01, 0xff, 0x04, 0x05,
	      0x30, 0x03, 0x84, 0x01, 0xff),
	    C("reason code 7", CRL_PARSE_MALFORMED, 0x02, 0x01, 0x01, ALG, NAME, T1, 0x30, 0x23,
	      0x30, 0x21, 0x02, 0x01, 0x05, T1, 0x30, 0x0d, 0x30, 0x0b, 0x06, 0x03, 0x55, 0x1d,
	      0x15, 0x04, 0x03, 0x0a, 0x01, 0x07),
	    C("bad month", CRL_PARSE_MALFORMED, ALG, NAME, 0x17, 0x0d, '2', '5', '1', '3', '0', '1',
	      '0', '0', '0', '0', '0', '0', 'Z'),
	    C("time without Z", CRL_PARSE_MALFORMED, ALG, NAME, 0x17, 0x0d, '2', '5', '0', '1', '0',
	      '1', '0', '0', '0', '0', '0', '0', '0'),
	    C("trailing bytes in tbs", CRL_PARSE_MALFORMED, ALG, NAME, T1, 0x05, 0x00),
	    C("inner and outer algorithms differ", CRL_PARSE_MALFORMED, 0x30, 0x0a, 0x06, 0x08,
	      0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x09, NAME, T1),
#undef C
	};
	uint8_t der[256];

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct crl c;
		const char *why = NULL;
		size_t n = build(der, cases[i].tbs, cases[i].len);
		enum crl_parse_result r = crl_parse_decode(der, n, &c, &why);

		if (r != cases[i].want)
			fail_msg("%s: got %s (%s), want %s", cases[i].name, crl_parse_result_str(r),
				 why != NULL ? why : "-", crl_parse_result_str(cases[i].want));
		crl_parse_free(&c);
	}
}

static void test_crl_parse_decode_bounds(void **state)
{
	static const uint8_t indefinite[] = {0x30, 0x80, 0x00, 0x00};
	static const uint8_t long5[] = {0x30, 0x85, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00};
	static const uint8_t nonmin[] = {0x30, 0x81, 0x05, 0, 0, 0, 0, 0};
	struct crl c;
	const char *why;

	(void)state;
	assert_int_equal(crl_parse_decode(indefinite, sizeof(indefinite), &c, &why),
			 CRL_PARSE_MALFORMED);
	assert_int_equal(crl_parse_decode(long5, sizeof(long5), &c, &why), CRL_PARSE_MALFORMED);
	assert_int_equal(crl_parse_decode(nonmin, sizeof(nonmin), &c, &why), CRL_PARSE_MALFORMED);
	assert_int_equal(crl_parse_decode(indefinite, CRL_PARSE_MAX_INPUT + 1, &c, &why),
			 CRL_PARSE_TOO_BIG);
	assert_int_equal(crl_parse_decode((const uint8_t *)"", 0, &c, &why), CRL_PARSE_MALFORMED);
	assert_int_equal(crl_parse_decode((const uint8_t *)"-----BEGIN X509 CRL-----\nMI*\n"
							   "-----END X509 CRL-----\n",
					  52, &c, &why),
			 CRL_PARSE_MALFORMED);
	assert_int_equal(crl_parse_decode((const uint8_t *)"hello", 5, &c, &why),
			 CRL_PARSE_MALFORMED);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_crl_parse_decode_openssl_ec),
	    cmocka_unit_test(test_crl_verify_algorithms),
	    cmocka_unit_test(test_crl_verify_wrong_issuer),
	    cmocka_unit_test(test_crl_verify_flipped_signature),
	    cmocka_unit_test(test_crl_verify_cert_ref_matches_entry),
	    cmocka_unit_test(test_crl_parse_decode_truncated_and_flipped),
	    cmocka_unit_test(test_crl_parse_decode_handmade),
	    cmocka_unit_test(test_crl_parse_decode_bounds),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
