/*
 * test_p12.c - the PKCS#12 builder, read back by wolfCrypt's own parser
 * (wc_d2i_PKCS12, wc_PKCS12_parse): the right passphrase yields the leaf,
 * the chain and a private key that belongs to the leaf; a wrong one yields
 * nothing; an empty one is refused; --legacy works where 3DES is built in
 * and says why not where it is not.
 */
#include <wolfssl/options.h>
#include <wolfssl/wolfcrypt/settings.h>
#include <wolfssl/wolfcrypt/asn.h>
#include <wolfssl/wolfcrypt/asn_public.h>
#include <wolfssl/wolfcrypt/ecc.h>
#include <wolfssl/wolfcrypt/pkcs12.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "certgen.h"
#include "certgen_int.h" /* certgen_key_pkcs8: another key to compare */
#include "p12.h"

#define PASS "correct horse battery"

struct fixture {
	struct certgen_key *ca_key, *key, *other_key;
	struct certgen_cert ca, leaf;
};

static struct fixture fx;

static int setup(void **state)
{
	struct certgen_req ca_req = {.kind = CERTGEN_CA, .cn = "Example VPN CA", .days = 3650};
	struct certgen_req req = {.kind = CERTGEN_CLIENT, .cn = "alice@example.com", .days = 30};
	char err[256] = "";

	(void)state;
	fx.ca_key = certgen_key_generate(CERTGEN_KEY_EC_P256, err, sizeof(err));
	fx.key = certgen_key_generate(CERTGEN_KEY_EC_P256, err, sizeof(err));
	fx.other_key = certgen_key_generate(CERTGEN_KEY_EC_P256, err, sizeof(err));
	if (fx.ca_key == NULL || fx.key == NULL || fx.other_key == NULL ||
	    certgen_issue(&ca_req, fx.ca_key, NULL, NULL, &fx.ca, err, sizeof(err)) != 0 ||
	    certgen_issue(&req, fx.key, &fx.ca, fx.ca_key, &fx.leaf, err, sizeof(err)) != 0) {
		fprintf(stderr, "setup: %s\n", err);
		return -1;
	}
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	certgen_cert_free(&fx.ca);
	certgen_cert_free(&fx.leaf);
	certgen_key_free(fx.ca_key);
	certgen_key_free(fx.key);
	certgen_key_free(fx.other_key);
	return 0;
}

static struct p12_in input(enum p12_enc enc, const char *pass)
{
	struct p12_in in = {.cert = fx.leaf.der,
			    .cert_len = fx.leaf.der_len,
			    .n_chain = 1,
			    .key = fx.key,
			    .pass = pass,
			    .name = "alice@example.com",
			    .enc = enc};

	in.chain[0] = fx.ca.der;
	in.chain_len[0] = fx.ca.der_len;
	return in;
}

/* The uncompressed public point of a DER private key or of a
 * certificate, into out (65 bytes for P-256). */
static word32 point_of_key(const uint8_t *der, word32 len, uint8_t *out, word32 cap)
{
	ecc_key k;
	word32 idx = 0, n = cap;

	assert_int_equal(wc_ecc_init(&k), 0);
	assert_int_equal(wc_EccPrivateKeyDecode(der, &idx, &k, len), 0);
	if (k.type == ECC_PRIVATEKEY_ONLY)
		assert_int_equal(wc_ecc_make_pub(&k, NULL), 0);
	assert_int_equal(wc_ecc_export_x963(&k, out, &n), 0);
	wc_ecc_free(&k);
	return n;
}

static word32 point_of_cert(const struct certgen_cert *c, uint8_t *out, word32 cap)
{
	uint8_t spki[256];
	word32 spki_len = sizeof(spki), idx = 0, n = cap;
	DecodedCert dc;
	ecc_key k;

	wc_InitDecodedCert(&dc, c->der, (word32)c->der_len, NULL);
	assert_int_equal(wc_ParseCert(&dc, CERT_TYPE, NO_VERIFY, NULL), 0);
	assert_int_equal(wc_GetPubKeyDerFromCert(&dc, spki, &spki_len), 0);
	wc_FreeDecodedCert(&dc);
	assert_int_equal(wc_ecc_init(&k), 0);
	assert_int_equal(wc_EccPublicKeyDecode(spki, &idx, &k, spki_len), 0);
	assert_int_equal(wc_ecc_export_x963(&k, out, &n), 0);
	wc_ecc_free(&k);
	return n;
}

/* Builds in, parses it back with pass: 0 and the parts, or wolfCrypt's
 * error. */
static int round_trip(const struct p12_in *in, const char *pass, uint8_t **key, word32 *key_len,
		      uint8_t **cert, word32 *cert_len, WC_DerCertList **ca)
{
	char err[256] = "";
	uint8_t *der = NULL;
	size_t len = 0;
	WC_PKCS12 *p;
	int rc;

	assert_int_equal(p12_build(in, &der, &len, err, sizeof(err)), 0);
	assert_non_null(der);
	p = wc_PKCS12_new();
	assert_non_null(p);
	assert_int_equal(wc_d2i_PKCS12(der, (word32)len, p), 0);
	rc = wc_PKCS12_parse(p, pass, key, key_len, cert, cert_len, ca);
	wc_PKCS12_free(p);
	free(der);
	return rc;
}

static void free_ca(WC_DerCertList *ca)
{
	while (ca != NULL) {
		WC_DerCertList *next = ca->next;

		XFREE(ca->buffer, NULL, DYNAMIC_TYPE_PKCS);
		XFREE(ca, NULL, DYNAMIC_TYPE_PKCS);
		ca = next;
	}
}

static void check_contents(enum p12_enc enc)
{
	struct p12_in in = input(enc, PASS);
	uint8_t *key = NULL, *cert = NULL, kp[128], cp[128], op[128];
	word32 key_len = 0, cert_len = 0, kn, cn, on;
	WC_DerCertList *ca = NULL;
	uint8_t other[4096];
	int other_len;

	assert_int_equal(round_trip(&in, PASS, &key, &key_len, &cert, &cert_len, &ca), 0);
	/* the leaf, and the CA as the chain */
	assert_int_equal(cert_len, fx.leaf.der_len);
	assert_memory_equal(cert, fx.leaf.der, cert_len);
	assert_non_null(ca);
	assert_null(ca->next);
	assert_int_equal(ca->bufferSz, fx.ca.der_len);
	assert_memory_equal(ca->buffer, fx.ca.der, fx.ca.der_len);
	/* the key is the leaf's, and not just any key */
	kn = point_of_key(key, key_len, kp, sizeof(kp));
	cn = point_of_cert(&fx.leaf, cp, sizeof(cp));
	assert_int_equal(kn, cn);
	assert_memory_equal(kp, cp, kn);
	other_len = certgen_key_pkcs8(fx.other_key, other, sizeof(other));
	assert_true(other_len > 0);
	on = point_of_key(other, (word32)other_len, op, sizeof(op));
	assert_false(on == cn && memcmp(op, cp, on) == 0);
	XFREE(key, NULL, DYNAMIC_TYPE_PUBLIC_KEY);
	XFREE(cert, NULL, DYNAMIC_TYPE_PKCS);
	free_ca(ca);
}

static void test_p12_round_trip(void **state)
{
	(void)state;
	check_contents(P12_MODERN);
}

static void test_p12_wrong_passphrase(void **state)
{
	struct p12_in in = input(P12_MODERN, PASS);
	uint8_t *key = NULL, *cert = NULL;
	word32 key_len = 0, cert_len = 0;
	WC_DerCertList *ca = NULL;

	(void)state;
	assert_int_not_equal(
	    round_trip(&in, "correct horse battery!", &key, &key_len, &cert, &cert_len, &ca), 0);
	assert_null(key);
	XFREE(cert, NULL, DYNAMIC_TYPE_PKCS);
	free_ca(ca);
}

static void test_p12_empty_passphrase_refused(void **state)
{
	struct p12_in in = input(P12_MODERN, "");
	char err[256] = "";
	uint8_t *der = NULL;
	size_t len = 0;

	(void)state;
	assert_int_equal(p12_build(&in, &der, &len, err, sizeof(err)), -1);
	assert_null(der);
	assert_non_null(strstr(err, "empty"));
}

static void test_p12_legacy(void **state)
{
	struct p12_in in = input(P12_LEGACY, PASS);
	char err[256] = "";
	uint8_t *der = NULL;
	size_t len = 0;

	(void)state;
	if (p12_legacy_supported()) {
		check_contents(P12_LEGACY);
		return;
	}
	assert_int_equal(p12_build(&in, &der, &len, err, sizeof(err)), -1);
	assert_null(der);
	assert_non_null(strstr(err, "3DES"));
}

static void test_p12_pem_certs(void **state)
{
	size_t l1 = 0, l2 = 0, lens[2];
	uint8_t *p1 = certgen_cert_pem(&fx.leaf, &l1), *p2 = certgen_cert_pem(&fx.ca, &l2);
	uint8_t *both = malloc(l1 + l2), *der[2];
	char err[256] = "";

	(void)state;
	assert_non_null(both);
	memcpy(both, p1, l1);
	memcpy(both + l1, p2, l2);
	assert_int_equal(p12_pem_certs(both, l1 + l2, der, lens, 2, err, sizeof(err)), 2);
	assert_int_equal(lens[0], fx.leaf.der_len);
	assert_memory_equal(der[0], fx.leaf.der, lens[0]);
	assert_memory_equal(der[1], fx.ca.der, lens[1]);
	free(der[0]);
	free(der[1]);
	/* more than max, and none */
	assert_int_equal(p12_pem_certs(both, l1 + l2, der, lens, 1, err, sizeof(err)), -1);
	assert_int_equal(p12_pem_certs((const uint8_t *)"x", 1, der, lens, 2, err, sizeof(err)),
			 -1);
	free(both);
	free(p1);
	free(p2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_p12_round_trip),
	    cmocka_unit_test(test_p12_wrong_passphrase),
	    cmocka_unit_test(test_p12_empty_passphrase_refused),
	    cmocka_unit_test(test_p12_legacy),
	    cmocka_unit_test(test_p12_pem_certs),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
