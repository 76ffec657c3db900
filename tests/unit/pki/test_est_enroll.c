/*
 * test_est_enroll.c - the client's side of an enrollment's certificates:
 * the request it makes passes the gateway's own check (est_csr_check) with
 * the right key and CN; fingerprints as people copy them (table); a
 * certs-only answer read back in order, and found by fingerprint.
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
#include "est_enroll.h"

static struct certgen_key *ca_key, *leaf_key;
static struct certgen_cert ca, leaf;

static int setup(void **state)
{
	struct certgen_req rca = {.kind = CERTGEN_CA, .cn = "Test CA", .days = 30};
	struct certgen_req rleaf = {.kind = CERTGEN_CLIENT, .cn = "alice", .days = 1};
	char err[256];

	(void)state;
	ca_key = certgen_key_generate(CERTGEN_KEY_EC_P256, err, sizeof(err));
	leaf_key = certgen_key_generate(CERTGEN_KEY_EC_P256, err, sizeof(err));
	if (ca_key == NULL || leaf_key == NULL ||
	    certgen_issue(&rca, ca_key, NULL, NULL, &ca, err, sizeof(err)) < 0 ||
	    certgen_issue(&rleaf, leaf_key, &ca, ca_key, &leaf, err, sizeof(err)) < 0)
		return -1;
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	certgen_cert_free(&ca);
	certgen_cert_free(&leaf);
	certgen_key_free(ca_key);
	certgen_key_free(leaf_key);
	return 0;
}

static void test_est_enroll_csr_passes_gateway_check(void **state)
{
	struct est_csr chk;
	char err[256] = "";
	size_t len = 0;
	uint8_t *der = est_enroll_csr(leaf_key, "alice", &len, err, sizeof(err));

	(void)state;
	assert_non_null(der);
	assert_int_equal(est_csr_check(der, len, &chk, err, sizeof(err)), 0);
	assert_string_equal(chk.requested_cn, "alice");
	/* The key certified would be ours: a certificate for it matches. */
	assert_true(certgen_key_matches(leaf_key, &leaf));
	est_csr_deinit(&chk);
	/* One flipped byte of the signature: the gateway refuses it. */
	der[len - 3] ^= 1;
	assert_int_equal(est_csr_check(der, len, &chk, err, sizeof(err)), -1);
	free(der);
	assert_null(est_enroll_csr(
	    leaf_key, "a-name-longer-than-sixty-four-bytes-is-not-a-common-name-at-all-x", &len,
	    err, sizeof(err)));
}

static void test_est_enroll_fingerprint_parse_table(void **state)
{
	char hex[EST_ENROLL_FP_HEX], colons[3 * EST_ENROLL_FP_LEN + 8], buf[200];
	uint8_t want[EST_ENROLL_FP_LEN], got[EST_ENROLL_FP_LEN];
	size_t w = 0;

	(void)state;
	est_enroll_fingerprint(ca.der, ca.der_len, hex);
	assert_int_equal(strlen(hex), 64);
	assert_true(est_enroll_fingerprint_parse(hex, want));
	for (size_t i = 0; i < 64; i += 2)
		w += (size_t)snprintf(colons + w, sizeof(colons) - w, "%s%c%c", i ? ":" : "",
				      hex[i] >= 'a' ? hex[i] - 32 : hex[i],
				      hex[i + 1] >= 'a' ? hex[i + 1] - 32 : hex[i + 1]);
	{
		const struct {
			const char *s;
			bool ok;
		} t[] = {
		    {colons, true},    /* openssl x509 -fingerprint -sha256 */
		    {"sha256:", true}, /* + hex below */
		    {"", false},       {"ab", false}, {":", false},
		};
		for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
			snprintf(buf, sizeof(buf), "%s%s", t[i].s, i == 1 ? hex : "");
			memset(got, 0, sizeof(got));
			assert_int_equal(est_enroll_fingerprint_parse(buf, got), t[i].ok);
			if (t[i].ok)
				assert_memory_equal(got, want, sizeof(want));
		}
	}
	/* One digit short, one too many, not hex, a colon first. */
	snprintf(buf, sizeof(buf), "%.63s", hex);
	assert_false(est_enroll_fingerprint_parse(buf, got));
	snprintf(buf, sizeof(buf), "%s00", hex);
	assert_false(est_enroll_fingerprint_parse(buf, got));
	snprintf(buf, sizeof(buf), "g%.63s", hex);
	assert_false(est_enroll_fingerprint_parse(buf, got));
	snprintf(buf, sizeof(buf), ":%s", hex);
	assert_false(est_enroll_fingerprint_parse(buf, got));
}

static void test_est_enroll_certs_take_in_order(void **state)
{
	struct pkcs7_certs_item items[2] = {{leaf.der, leaf.der_len}, {ca.der, ca.der_len}};
	struct est_enroll_certs c;
	char hex[EST_ENROLL_FP_HEX], err[256];
	uint8_t fp[EST_ENROLL_FP_LEN];
	size_t len;
	uint8_t *der = pkcs7_certs_build(items, 2, &len), *junk;

	(void)state;
	assert_non_null(der);
	assert_int_equal(est_enroll_certs_take(der, len, &c, err, sizeof(err)), 0);
	assert_int_equal(c.n, 2);
	assert_int_equal(c.certs[0].len, leaf.der_len);
	assert_memory_equal(c.certs[0].der, leaf.der, leaf.der_len);
	est_enroll_fingerprint(ca.der, ca.der_len, hex);
	assert_true(est_enroll_fingerprint_parse(hex, fp));
	assert_int_equal(est_enroll_find_fingerprint(&c, fp), 1);
	fp[5] ^= 0x40;
	assert_int_equal(est_enroll_find_fingerprint(&c, fp), -1);
	est_enroll_certs_free(&c);

	junk = malloc(4);
	assert_non_null(junk);
	memcpy(junk, "\x30\x02\x05\x00", 4);
	assert_int_equal(est_enroll_certs_take(junk, 4, &c, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "cannot be read"));
	assert_null(c.der);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_est_enroll_csr_passes_gateway_check),
	    cmocka_unit_test(test_est_enroll_fingerprint_parse_table),
	    cmocka_unit_test(test_est_enroll_certs_take_in_order),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
