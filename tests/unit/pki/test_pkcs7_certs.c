/*
 * test_pkcs7_certs.c - PKCS#7 certs-only: our DER equals what "openssl
 * crl2pkcs7 -nocrl" writes for the same certificates, byte for byte; it
 * parses back to the same certificates in order; "openssl pkcs7 -inform
 * DER -print_certs" reads the same certificates out of it (a missing
 * openssl fails the test); the base64 form decodes to the same DER; and
 * the reader refuses what is not certs-only.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "base64.h"
#include "pki_scratch.h"
#include "pkcs7_certs.h"

static uint8_t *certs_der[3];
static struct pkcs7_certs_item certs[3];

static int setup(void **state)
{
	static const char *const names[] = {"a.der", "b.der", "c.der"};

	(void)state;
	if (pki_scratch_make("test_pkcs7_certs", "est_pki.sh") < 0)
		return -1;
	for (size_t i = 0; i < 3; i++) {
		certs_der[i] = pki_scratch_slurp(names[i], &certs[i].len);
		certs[i].der = certs_der[i];
	}
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	for (size_t i = 0; i < 3; i++)
		free(certs_der[i]);
	return pki_scratch_remove();
}

static void test_pkcs7_certs_build_equals_openssl(void **state)
{
	size_t len, ref_len;
	uint8_t *der = pkcs7_certs_build(certs, 3, &len);
	uint8_t *ref = pki_scratch_slurp("ref.p7", &ref_len);

	(void)state;
	assert_non_null(der);
	assert_int_equal(len, ref_len);
	assert_memory_equal(der, ref, len);
	free(der);
	free(ref);
}

static void test_pkcs7_certs_parse_back(void **state)
{
	struct pkcs7_certs_item got[PKCS7_CERTS_MAX];
	const char *why;
	size_t len, n;

	(void)state;
	for (size_t k = 1; k <= 3; k++) {
		uint8_t *der = pkcs7_certs_build(certs, k, &len);

		assert_non_null(der);
		assert_true(pkcs7_certs_parse(der, len, got, PKCS7_CERTS_MAX, &n, &why));
		assert_int_equal(n, k);
		for (size_t i = 0; i < k; i++) {
			assert_int_equal(got[i].len, certs[i].len);
			assert_memory_equal(got[i].der, certs[i].der, certs[i].len);
		}
		assert_false(pkcs7_certs_parse(der, len, got, k - 1, &n, &why));
		free(der);
	}
}

/* openssl, not our reader, lists the certificates: PEM blocks whose
 * contents must be our certificates' DER in the same order. */
static void test_pkcs7_certs_openssl_reads_them(void **state)
{
	char path[512], cmd[1200], line[256];
	size_t len, n = 0, b64_len = 0;
	uint8_t *der = pkcs7_certs_build(certs, 3, &len);
	static char b64[16384];
	uint8_t back[8192];
	size_t back_len;
	bool in_block = false;
	FILE *f;

	(void)state;
	assert_non_null(der);
	snprintf(path, sizeof(path), "%s/ours.p7", pki_dir);
	f = fopen(path, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(der, 1, len, f), len);
	assert_int_equal(fclose(f), 0);
	snprintf(cmd, sizeof(cmd),
		 "openssl pkcs7 -inform DER -in %s -print_certs -out %s/printed.pem 2>%s/p7.err",
		 path, pki_dir, pki_dir);
	assert_int_equal(system(cmd), 0);
	snprintf(path, sizeof(path), "%s/printed.pem", pki_dir);
	f = fopen(path, "r");
	assert_non_null(f);
	while (fgets(line, sizeof(line), f) != NULL) {
		if (strncmp(line, "-----BEGIN CERTIFICATE-----", 27) == 0) {
			in_block = true;
			b64_len = 0;
		} else if (strncmp(line, "-----END CERTIFICATE-----", 25) == 0) {
			assert_true(in_block);
			assert_true(n < 3);
			assert_true(base64_decode(b64, b64_len, back, sizeof(back), &back_len));
			assert_int_equal(back_len, certs[n].len);
			assert_memory_equal(back, certs[n].der, back_len);
			n++;
			in_block = false;
		} else if (in_block) {
			size_t l = strlen(line);

			assert_true(b64_len + l < sizeof(b64));
			memcpy(b64 + b64_len, line, l);
			b64_len += l;
		}
	}
	fclose(f);
	assert_int_equal(n, 3);
	free(der);
}

static void test_pkcs7_certs_base64_body(void **state)
{
	size_t len, der_len, back_len;
	char *text = pkcs7_certs_build_base64(certs, 2, &len);
	uint8_t *der = pkcs7_certs_build(certs, 2, &der_len);
	uint8_t *back;

	(void)state;
	assert_non_null(text);
	assert_non_null(der);
	assert_int_equal(strlen(text), len);
	assert_memory_equal(text + 64, "\r\n", 2);
	back = malloc(base64_decoded_max(len));
	assert_non_null(back);
	assert_true(base64_decode(text, len, back, base64_decoded_max(len), &back_len));
	assert_int_equal(back_len, der_len);
	assert_memory_equal(back, der, der_len);
	free(back);
	free(der);
	free(text);
}

static void test_pkcs7_certs_refuses(void **state)
{
	static const uint8_t not_seq[] = {0x02, 0x01, 0x00};
	struct pkcs7_certs_item bad = {not_seq, sizeof(not_seq)}, got[4];
	const char *why;
	size_t len, n;
	uint8_t *der = pkcs7_certs_build(certs, 1, &len), *copy;

	(void)state;
	assert_null(pkcs7_certs_build(&bad, 1, &len));
	assert_null(pkcs7_certs_build(certs, 0, &len));
	assert_non_null(der);
	/* every truncation is refused, never read past */
	for (size_t cut = 0; cut < len; cut++) {
		copy = malloc(cut + 1);
		memcpy(copy, der, cut);
		assert_false(pkcs7_certs_parse(copy, cut, got, 4, &n, &why));
		assert_non_null(why);
		free(copy);
	}
	copy = malloc(len + 1);
	memcpy(copy, der, len);
	copy[len] = 0;
	assert_false(pkcs7_certs_parse(copy, len + 1, got, 4, &n, &why)); /* trailing */
	copy[len - 1] = 0x01; /* signerInfos SET not empty: length 1 */
	assert_false(pkcs7_certs_parse(copy, len, got, 4, &n, &why));
	memcpy(copy, der, len);
	copy[14] = 0x03; /* signedData -> another pkcs7 type */
	assert_false(pkcs7_certs_parse(copy, len, got, 4, &n, &why));
	assert_non_null(strstr(why, "signedData"));
	free(copy);
	free(der);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_pkcs7_certs_build_equals_openssl),
	    cmocka_unit_test(test_pkcs7_certs_parse_back),
	    cmocka_unit_test(test_pkcs7_certs_openssl_reads_them),
	    cmocka_unit_test(test_pkcs7_certs_base64_body),
	    cmocka_unit_test(test_pkcs7_certs_refuses),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
