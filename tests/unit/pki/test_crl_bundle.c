/*
 * test_crl_bundle.c - crl_bundle (every CRL of one file) and crl_name (an
 * issuer as text) against CRLs the openssl command line makes at test time
 * (crl_certs.sh): several PEM CRLs in either order, text between them,
 * several DER CRLs back to back; refused whole: a block that is not a CRL,
 * a garbage block, binary bytes, every truncation inside a block, too many.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "pki_scratch.h"

#include "crl_bundle.h"
#include "crl_name.h"
#include "crl_verify.h"

struct bytes {
	uint8_t *p;
	size_t len;
};

static struct bytes slurp(const char *name)
{
	struct bytes b;

	b.p = pki_scratch_slurp(name, &b.len);
	return b;
}

/* The pieces joined: a file name, or a literal when it starts with '='. */
static struct bytes join(const char *const *parts)
{
	struct bytes out = {NULL, 0};

	for (size_t i = 0; parts[i] != NULL; i++) {
		struct bytes one;

		if (parts[i][0] == '=') {
			one.len = strlen(parts[i] + 1);
			one.p = (uint8_t *)strdup(parts[i] + 1);
		} else {
			one = slurp(parts[i]);
		}
		out.p = realloc(out.p, out.len + one.len);
		assert_non_null(out.p);
		memcpy(out.p + out.len, one.p, one.len);
		out.len += one.len;
		free(one.p);
	}
	return out;
}

static int setup(void **state)
{
	(void)state;
	return pki_scratch_make("test_crl_bundle", "crl_certs.sh");
}

static int teardown(void **state)
{
	(void)state;
	return pki_scratch_remove();
}

static void decode_n(const char *const *parts, size_t want)
{
	struct bytes in = join(parts);
	struct crl_bundle b;
	char err[256] = "";

	if (crl_bundle_decode(in.p, in.len, &b, err, sizeof(err)) < 0)
		fail_msg("refused: %s", err);
	assert_int_equal(b.n, want);
	crl_bundle_free(&b);
	free(in.p);
}

/* Refused, and the reason holds each of the words given. */
static void refused(const char *const *parts, const char *w1, const char *w2)
{
	struct bytes in = join(parts);
	struct crl_bundle b;
	char err[256] = "";

	assert_int_equal(crl_bundle_decode(in.p, in.len, &b, err, sizeof(err)), -1);
	assert_null(b.crls);
	assert_int_equal(b.n, 0);
	if (w1 != NULL && strstr(err, w1) == NULL)
		fail_msg("\"%s\" does not say \"%s\"", err, w1);
	if (w2 != NULL && strstr(err, w2) == NULL)
		fail_msg("\"%s\" does not say \"%s\"", err, w2);
	free(in.p);
}

static void test_crl_bundle_decode_several_pem(void **state)
{
	static const char *const root_first[] = {"ec.crl.pem", "p384.crl.pem", "rsa256.crl.pem",
						 NULL};
	static const char *const inter_first[] = {"p384.crl.pem", "ec.crl.pem", NULL};
	struct bytes in = join(root_first), bun = slurp("bundle.pem");
	struct crl_issuer *iss;
	struct crl_bundle b;
	size_t n, which;
	const char *why;
	char err[256];

	(void)state;
	assert_int_equal(crl_bundle_decode(in.p, in.len, &b, err, sizeof(err)), 0);
	assert_int_equal(b.n, 3);
	assert_int_equal(b.crls[0].n_entries, 3);
	assert_int_equal(b.crls[1].sig_alg, CRL_SIG_ECDSA_SHA384);
	assert_int_equal(b.crls[2].sig_alg, CRL_SIG_RSA_SHA256);
	/* Each verifies against its own issuer of the bundle. */
	assert_int_equal(crl_verify_issuers_load(bun.p, bun.len, &iss, &n, &why), 0);
	for (size_t i = 0; i < b.n; i++) {
		assert_int_equal(crl_verify(&b.crls[i], iss, n, &which, &why), CRL_VERIFY_OK);
		assert_int_equal(which, i);
	}
	crl_verify_issuers_free(iss, n);
	crl_bundle_free(&b);
	free(in.p);
	free(bun.p);
	decode_n(inter_first, 2);
}

static void test_crl_bundle_decode_text_between(void **state)
{
	static const char *const parts[] = {"=Certificate Revocation List (CRL):\n  Version 2\n\n",
					    "ec.crl.pem",
					    "=\r\n# the intermediate's, below\t\xc3\xa9\n",
					    "p384.crl.pem",
					    "=\n\n",
					    NULL};

	(void)state;
	decode_n(parts, 2);
}

static void test_crl_bundle_decode_der(void **state)
{
	static const char *const one[] = {"ec.crl.der", NULL};
	static const char *const two[] = {"ec.crl.der", "ec.crl.der", NULL};
	static const char *const junk[] = {"ec.crl.der", "=\x01", NULL};
	static const char *const half[] = {"ec.crl.der", "=\x30\x82\x01", NULL};

	(void)state;
	decode_n(one, 1);
	decode_n(two, 2);
	refused(junk, "CRL 2", "DER");
	refused(half, "CRL 2", "cut short");
}

static void test_crl_bundle_decode_not_a_crl(void **state)
{
	static const char *const cert[] = {"ec.crl.pem", "ec.pem", "p384.crl.pem", NULL};
	static const char *const garbage[] = {
	    "ec.crl.pem", "p384.crl.pem",
	    "=-----BEGIN X509 CRL-----\nZ2FyYmFnZSBnYXJiYWdl\n-----END X509 CRL-----\n", NULL};
	static const char *const seq[] = {
	    "ec.crl.pem", "p384.crl.pem",
	    "=-----BEGIN X509 CRL-----\nMAMCAQA=\n-----END X509 CRL-----\n", NULL};
	static const char *const badb64[] = {
	    "ec.crl.pem", "=-----BEGIN X509 CRL-----\nMI*\n-----END X509 CRL-----\n", NULL};
	static const char *const binary[] = {"ec.crl.pem", "=\x01\x02garbage", NULL};
	static const char *const stray_end[] = {"ec.crl.pem", "=-----END X509 CRL-----\n", NULL};
	static const char *const text[] = {"=just some text\n", NULL};
	static const char *const dash[] = {"=----BEGIN X509 CRL-----\n", NULL};
	static const char *const label[] = {"=-----BEGIN X509 CRL\n", NULL};

	(void)state;
	refused(cert, "CRL 2", "CERTIFICATE");
	refused(garbage, "CRL 3", "not a DER");
	refused(seq, "CRL 3", "not a usable CRL");
	refused(badb64, "CRL 2", "base64");
	refused(binary, "neither text nor", NULL);
	refused(stray_end, "neither text nor", NULL);
	refused(dash, "neither text nor", NULL);
	refused(text, "no CRL", NULL);
	refused(label, "CRL 1", "BEGIN");
	assert_int_equal(
	    crl_bundle_decode((const uint8_t *)"", 0, &(struct crl_bundle){0}, NULL, 0), -1);
}

/* Every cut of two CRLs: a cut inside the second refuses the file; the
 * only cuts that load end after the first block or after the second. */
static void test_crl_bundle_decode_truncated(void **state)
{
	static const char *const parts[] = {"ec.crl.pem", "p384.crl.pem", NULL};
	struct bytes in = join(parts), first = slurp("ec.crl.pem");
	char err[256];

	(void)state;
	for (size_t cut = 1; cut <= in.len; cut++) {
		struct crl_bundle b;
		int r = crl_bundle_decode(in.p, cut, &b, err, sizeof(err));

		if (cut < first.len - 1) {
			assert_int_equal(r, -1);
		} else if (cut <= first.len) {
			/* the first block whole, its last newline perhaps not */
			assert_int_equal(r, 0);
			assert_int_equal(b.n, 1);
		} else if (cut < in.len - 1) {
			assert_int_equal(r, -1);
			assert_true(strstr(err, "CRL 2") != NULL ||
				    strstr(err, "after CRL 1") != NULL);
		} else {
			assert_int_equal(r, 0);
			assert_int_equal(b.n, 2);
		}
		crl_bundle_free(&b);
	}
	free(in.p);
	free(first.p);
}

static void test_crl_bundle_decode_too_many(void **state)
{
	const char *parts[CRL_BUNDLE_MAX + 2];
	struct bytes in;
	struct crl_bundle b;
	char err[256];

	(void)state;
	for (size_t i = 0; i < CRL_BUNDLE_MAX + 1; i++)
		parts[i] = "ec-empty.crl.pem";
	parts[CRL_BUNDLE_MAX + 1] = NULL;
	in = join(parts);
	assert_int_equal(crl_bundle_decode(in.p, in.len, &b, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "more than"));
	assert_int_equal(
	    crl_bundle_decode(in.p, in.len - in.len / (CRL_BUNDLE_MAX + 1), &b, err, sizeof(err)),
	    0);
	assert_int_equal(b.n, CRL_BUNDLE_MAX);
	crl_bundle_free(&b);
	free(in.p);
}

static void test_crl_name_text(void **state)
{
	static const char *const parts[] = {"ec.crl.pem", NULL};
	/* CN="a\nb", then an attribute we do not name, then C=DE */
	static const uint8_t odd[] = {
	    0x30, 0x23, /* Name */
	    0x31, 0x0c, 0x30, 0x0a, 0x06, 0x03, 0x55, 0x04, 0x03, 0x0c, 0x03,
	    'a',  '\n', 'b',						      /* CN */
	    0x31, 0x08, 0x30, 0x06, 0x06, 0x02, 0x2a, 0x03, 0x0c, 0x00,	      /* 1.2.3 */
	    0x31, 0x09, 0x30, 0x07, 0x06, 0x03, 0x55, 0x04, 0x06, 0x13, 0x00, /* C */
	};
	struct bytes in = join(parts);
	struct crl_bundle b;
	char err[256], out[128], tiny[6];

	(void)state;
	assert_int_equal(crl_bundle_decode(in.p, in.len, &b, err, sizeof(err)), 0);
	crl_name_text(b.crls[0].issuer, b.crls[0].issuer_len, out, sizeof(out));
	assert_string_equal(out, "CN=CRL Test CA, O=mtlsvpn");
	crl_name_text(b.crls[0].issuer, b.crls[0].issuer_len, tiny, sizeof(tiny));
	assert_true(strlen(tiny) < sizeof(tiny));
	crl_bundle_free(&b);
	free(in.p);
	crl_name_text(odd, sizeof(odd), out, sizeof(out));
	assert_string_equal(out, "CN=a\\x0ab, C=");
	crl_name_text(odd, 5, out, sizeof(out));
	assert_string_equal(out, "?");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_crl_bundle_decode_several_pem),
	    cmocka_unit_test(test_crl_bundle_decode_text_between),
	    cmocka_unit_test(test_crl_bundle_decode_der),
	    cmocka_unit_test(test_crl_bundle_decode_not_a_crl),
	    cmocka_unit_test(test_crl_bundle_decode_truncated),
	    cmocka_unit_test(test_crl_bundle_decode_too_many),
	    cmocka_unit_test(test_crl_name_text),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
