/*
 * test_est_csr.c - EST enrollment requests made by the openssl command
 * line: P-256 and RSA-2048 accepted with their public key; RSA-1024, P-384
 * and Ed25519 refused; a flipped bit in the signature or in the signed
 * subject refused (the self-signature is really verified); every
 * truncation and garbage refused; the requested CN reported, for logs.
 * Then the whole first-enrollment path on the bytes curl really sent:
 * HTTP parser, EST classification, one-time token, request check.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "est_csr.h"
#include "est_curl_request.h"
#include "est_http.h"
#include "est_token.h"
#include "pki_scratch.h"

static int setup(void **state)
{
	(void)state;
	return pki_scratch_make("test_est_csr", "est_pki.sh");
}

static int teardown(void **state)
{
	(void)state;
	return pki_scratch_remove();
}

static void test_est_csr_check_accepts(void **state)
{
	static const struct {
		const char *file, *cn;
	} ok[] = {{"p256.der", "alice"}, {"rsa2048.der", "bob"}, {"sans.der", "admin"}};
	char err[256];

	(void)state;
	for (size_t i = 0; i < 3; i++) {
		size_t len;
		uint8_t *der = pki_scratch_slurp(ok[i].file, &len);
		struct est_csr c;

		if (est_csr_check(der, len, &c, err, sizeof(err)) != 0)
			fail_msg("%s refused: %s", ok[i].file, err);
		assert_non_null(c.key);
		assert_string_equal(c.requested_cn, ok[i].cn);
		est_csr_deinit(&c);
		assert_null(c.key);
		free(der);
	}
}

static void test_est_csr_check_refuses_weak_keys(void **state)
{
	static const char *const weak[] = {"rsa1024.der", "p384.der", "ed25519.der"};
	char err[256];

	(void)state;
	for (size_t i = 0; i < 3; i++) {
		size_t len;
		uint8_t *der = pki_scratch_slurp(weak[i], &len);
		struct est_csr c;

		if (est_csr_check(der, len, &c, err, sizeof(err)) == 0)
			fail_msg("%s accepted", weak[i]);
		assert_null(c.key);
		assert_true(strlen(err) > 0);
		free(der);
	}
}

/* Flip one bit at off; the check must refuse. */
static void flipped_refused(const uint8_t *der, size_t len, size_t off)
{
	uint8_t *copy = malloc(len);
	struct est_csr c;
	char err[256];

	assert_non_null(copy);
	memcpy(copy, der, len);
	copy[off] ^= 0x01;
	if (est_csr_check(copy, len, &c, err, sizeof(err)) == 0)
		fail_msg("a bit flipped at %zu of %zu was accepted", off, len);
	free(copy);
}

static void test_est_csr_check_verifies_signature(void **state)
{
	size_t len, at;
	uint8_t *der = pki_scratch_slurp("p256.der", &len);
	uint8_t *rsa;
	size_t rsa_len;
	const uint8_t *cn;

	(void)state;
	/* the last byte is inside the ECDSA signature's s */
	flipped_refused(der, len, len - 1);
	/* "alice" in the signed subject: the signature no longer matches */
	cn = memmem(der, len, "alice", 5);
	assert_non_null(cn);
	at = (size_t)(cn - der);
	flipped_refused(der, len, at);
	rsa = pki_scratch_slurp("rsa2048.der", &rsa_len);
	flipped_refused(rsa, rsa_len, rsa_len - 10);
	cn = memmem(rsa, rsa_len, "bob", 3);
	assert_non_null(cn);
	flipped_refused(rsa, rsa_len, (size_t)(cn - rsa));
	free(rsa);
	free(der);
}

static void test_est_csr_check_refuses_garbage(void **state)
{
	static const uint8_t junk[] = {0x30, 0x03, 0x02, 0x01, 0x05};
	size_t len;
	uint8_t *der = pki_scratch_slurp("p256.der", &len);
	struct est_csr c;
	char err[256];

	(void)state;
	assert_int_equal(est_csr_check(junk, sizeof(junk), &c, err, sizeof(err)), -1);
	assert_int_equal(est_csr_check(der, 0, &c, err, sizeof(err)), -1);
	for (size_t cut = 1; cut < len; cut += 7) {
		uint8_t *copy = malloc(cut);

		memcpy(copy, der, cut);
		assert_int_equal(est_csr_check(copy, cut, &c, err, sizeof(err)), -1);
		free(copy);
	}
	free(der);
}

/* What the gateway will do with a first enrollment, on curl's own bytes:
 * the token in the Basic password works once for alice, and only the
 * public key of the request is taken. */
static void test_est_csr_check_curl_enrollment(void **state)
{
	static struct est_request er;
	struct est_token_store st = {0};
	struct oc_request rq;
	struct est_csr c;
	uint8_t raw[EST_TOKEN_RAW];
	const char *why;
	unsigned status;
	size_t used;
	char err[256];

	(void)state;
	assert_int_equal(oc_http_parse((const uint8_t *)est_curl_request, strlen(est_curl_request),
				       &rq, &used, &status, &why),
			 OC_HTTP_OK);
	assert_int_equal(used, strlen(est_curl_request));
	assert_true(est_http_classify(&rq, &er, &status, &why));
	assert_int_equal(er.op, EST_OP_SIMPLEENROLL);
	assert_true(er.has_basic);
	assert_true(est_token_decode(er.password, raw));
	assert_int_equal(est_token_add(&st, raw, "alice", NULL, 1000, 3600, err, sizeof(err)), 0);
	assert_int_equal(est_token_redeem(&st, er.password, er.user, 1001, NULL), EST_TOKEN_OK);
	assert_int_equal(est_token_redeem(&st, er.password, er.user, 1002, NULL), EST_TOKEN_USED);
	assert_int_equal(est_csr_check(er.csr, er.csr_len, &c, err, sizeof(err)), 0);
	assert_string_equal(c.requested_cn, "alice");
	est_csr_deinit(&c);
	est_token_store_free(&st);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_est_csr_check_accepts),
	    cmocka_unit_test(test_est_csr_check_refuses_weak_keys),
	    cmocka_unit_test(test_est_csr_check_verifies_signature),
	    cmocka_unit_test(test_est_csr_check_refuses_garbage),
	    cmocka_unit_test(test_est_csr_check_curl_enrollment),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
