/*
 * test_est_ca.c - signing from a CA directory as the enrollment signer
 * does: an enrollment is listed in the index and kept in issued/ with the
 * lifetime asked; a renewal of the listed certificate keeps its subject and
 * revokes it with a CRL when asked; a revoked certificate, a certificate
 * the index does not list, and a forged copy of a listed one (its serial,
 * other bytes) cannot renew; an encrypted issuing key is refused with the
 * reason; the public opening holds no key.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "ca_index.h"
#include "certgen.h"
#include "est_ca.h"

static char dir[64];
static char err[512];

static void path(const char *name, char out[static 512])
{
	snprintf(out, 512, "%s/%.200s", dir, name);
}

static int setup(void **state)
{
	struct certgen_req req = {.kind = CERTGEN_CA, .cn = "Test CA", .days = 365};
	struct certgen_key *key;
	struct certgen_cert ca;
	struct ca_index ix = {0};
	char p[512];

	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/test_est_ca.%d", (int)getpid());
	if (mkdir(dir, 0700) < 0)
		return -1;
	path("issued", p);
	if (mkdir(p, 0700) < 0)
		return -1;
	key = certgen_key_generate(CERTGEN_KEY_EC_P256, err, sizeof(err));
	if (key == NULL || certgen_issue(&req, key, NULL, NULL, &ca, err, sizeof(err)) < 0)
		return -1;
	path("ca.crt", p);
	if (certgen_cert_write(&ca, p, err, sizeof(err)) < 0)
		return -1;
	path("ca.key", p);
	if (certgen_key_write(key, p, err, sizeof(err)) < 0)
		return -1;
	path("index", p);
	if (ca_index_init(&ix) < 0 || ca_index_save(p, &ix, true, err, sizeof(err)) < 0)
		return -1;
	ca_index_free(&ix);
	certgen_cert_free(&ca);
	certgen_key_free(key);
	return 0;
}

static int teardown(void **state)
{
	char cmd[128];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	return system(cmd) == 0 ? 0 : -1;
}

static int occurrences(const struct certgen_cert *c, const char *s)
{
	size_t l = strlen(s);
	int n = 0;

	for (size_t i = 0; i + l <= c->der_len; i++)
		n += memcmp(c->der + i, s, l) == 0;
	return n;
}

static enum est_ca_verdict renew(struct est_ca *ca, const struct certgen_cert *cur, bool revoke,
				 struct est_ca_result *res)
{
	struct certgen_key *k = certgen_key_generate(CERTGEN_KEY_EC_P256, err, sizeof(err));
	struct est_ca_order o = {
	    .cur_der = cur->der, .cur_len = cur->der_len, .lifetime = 3600, .revoke_old = revoke};
	enum est_ca_verdict v;

	assert_non_null(k);
	v = est_ca_sign(ca, &o, k, res, err, sizeof(err));
	certgen_key_free(k);
	return v;
}

static void test_est_ca_sign_enroll_renew_revoke(void **state)
{
	struct est_ca_order o = {.cn = "alice@corp.example", .ou = "eng", .lifetime = 120};
	struct est_ca_result first, second, again;
	struct certgen_key *k;
	struct certgen_req_copy rc;
	struct est_ca ca;
	struct ca_index ix = {0};
	struct pkcs7_certs_item chain[2];
	char p[512], f[256];
	int64_t now = (int64_t)time(NULL);

	(void)state;
	assert_int_equal(est_ca_open(&ca, dir, err, sizeof(err)), 0);
	assert_int_equal(est_ca_chain(&ca, chain), 1);
	k = certgen_key_generate(CERTGEN_KEY_EC_P256, err, sizeof(err));
	assert_non_null(k);
	assert_int_equal(est_ca_sign(&ca, &o, k, &first, err, sizeof(err)), EST_CA_OK);
	certgen_key_free(k);
	assert_true(first.cert.not_after >= now + 119 && first.cert.not_after <= now + 121);
	snprintf(f, sizeof(f), "issued/alice@corp.example-%s.crt", first.serial);
	path(f, p);
	assert_int_equal(access(p, F_OK), 0);
	path("index", p);
	assert_int_equal(ca_index_load(p, &ix, err, sizeof(err)), 0);
	assert_non_null(ca_index_find_serial(&ix, first.serial));
	assert_string_equal(ca_index_find_serial(&ix, first.serial)->file, f);
	ca_index_free(&ix);

	/* Renewed: the same subject and e-mail SAN, the predecessor revoked. */
	assert_int_equal(renew(&ca, &first.cert, true, &second), EST_CA_OK);
	assert_true(second.revoked_old);
	assert_string_equal(second.old_serial, first.serial);
	assert_string_equal(second.crl_err, "");
	assert_int_equal(certgen_req_from_cert(&second.cert, CERTGEN_CLIENT, &rc, err, sizeof(err)),
			 0);
	assert_string_equal(rc.cn, "alice@corp.example");
	assert_string_equal(rc.ou, "eng");
	assert_int_equal(rc.req.n_email, 1);
	/* In the DER twice: the CN and the e-mail SAN. */
	assert_int_equal(occurrences(&second.cert, "alice@corp.example"), 2);
	assert_int_equal(occurrences(&first.cert, "alice@corp.example"), 2);
	path("crl.pem", p);
	assert_int_equal(access(p, F_OK), 0);
	/* The revoked one cannot renew again; the new one can. */
	assert_int_equal(renew(&ca, &first.cert, false, &again), EST_CA_REVOKED);
	assert_int_equal(renew(&ca, &second.cert, false, &again), EST_CA_OK);
	assert_false(again.revoked_old);
	certgen_cert_free(&again.cert);
	certgen_cert_free(&first.cert);
	certgen_cert_free(&second.cert);
	est_ca_close(&ca);
}

static void test_est_ca_sign_unlisted_and_forged(void **state)
{
	struct est_ca_order o = {.cn = "bob", .lifetime = 600};
	struct certgen_req req = {.kind = CERTGEN_CLIENT, .cn = "bob", .days = 1};
	struct est_ca_result listed, res;
	struct certgen_cert stray, forged;
	struct certgen_key *k;
	struct est_ca ca;

	(void)state;
	assert_int_equal(est_ca_open(&ca, dir, err, sizeof(err)), 0);
	k = certgen_key_generate(CERTGEN_KEY_EC_P256, err, sizeof(err));
	assert_non_null(k);
	assert_int_equal(est_ca_sign(&ca, &o, k, &listed, err, sizeof(err)), EST_CA_OK);
	/* Signed by the CA's key, never recorded. */
	assert_int_equal(certgen_issue(&req, k, &ca.cert, ca.key, &stray, err, sizeof(err)), 0);
	certgen_key_free(k);
	assert_int_equal(renew(&ca, &stray, false, &res), EST_CA_NOT_LISTED);
	/* A listed serial in other bytes (the signature's last byte). */
	forged.der = malloc(listed.cert.der_len);
	assert_non_null(forged.der);
	memcpy(forged.der, listed.cert.der, listed.cert.der_len);
	forged.der_len = listed.cert.der_len;
	forged.der[forged.der_len - 1] ^= 0x01;
	assert_int_equal(renew(&ca, &forged, false, &res), EST_CA_NOT_LISTED);
	free(forged.der);
	certgen_cert_free(&stray);
	certgen_cert_free(&listed.cert);
	est_ca_close(&ca);
}

static void test_est_ca_open_public_and_encrypted(void **state)
{
	struct est_ca ca;
	struct certgen_key *k;
	char p[512], sub[128];

	(void)state;
	assert_int_equal(est_ca_open_public(&ca, dir, err, sizeof(err)), 0);
	assert_null(ca.key);
	assert_non_null(ca.cert.der);
	est_ca_close(&ca);
	/* The same directory with an encrypted key, in another place. */
	snprintf(p, sizeof(p), "cp -a %s %s.enc", dir, dir);
	assert_int_equal(system(p), 0);
	snprintf(sub, sizeof(sub), "%s.enc", dir);
	path("ca.key", p);
	k = certgen_key_load(p, err, sizeof(err));
	assert_non_null(k);
	snprintf(p, sizeof(p), "%s/ca.key", sub);
	assert_int_equal(unlink(p), 0);
	if (certgen_key_write_pass(k, p, "secret", err, sizeof(err)) == 0) {
		assert_int_equal(est_ca_open(&ca, sub, err, sizeof(err)), -1);
		assert_non_null(strstr(err, "is encrypted"));
	}
	certgen_key_free(k);
	snprintf(p, sizeof(p), "rm -rf %s", sub);
	assert_int_equal(system(p), 0);
	assert_int_equal(est_ca_open(&ca, "/nonexistent", err, sizeof(err)), -1);
	assert_non_null(strstr(err, "/nonexistent/ca.crt"));
}

/* A token that cannot be opened: -1, the module named, no key and no
 * certificate kept; a directory without its CA is refused first. */
static void test_est_ca_open_token_unusable(void **state)
{
	static const struct {
		const char *dir_or_null, *uri, *module, *want;
	} cases[] = {
	    {NULL, "pkcs11:token=ca;object=k?pin-value=1", "/nonexistent/p11.so",
	     "the issuing key: cannot load the PKCS#11 module /nonexistent/p11.so"},
	    {"/nonexistent", "pkcs11:token=ca;object=k?pin-value=1", "/nonexistent/p11.so",
	     "/nonexistent/ca.crt"},
	};
	struct est_ca ca;

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const char *d = cases[i].dir_or_null != NULL ? cases[i].dir_or_null : dir;

		memset(&ca, 0xa5, sizeof(ca));
		assert_int_equal(est_ca_open_token(&ca, d, cases[i].uri, cases[i].module, err,
						   sizeof(err)),
				 -1);
		assert_non_null(strstr(err, cases[i].want));
		assert_null(ca.key);
		assert_null(ca.token);
		assert_null(ca.cert.der);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_est_ca_sign_enroll_renew_revoke),
	    cmocka_unit_test(test_est_ca_sign_unlisted_and_forged),
	    cmocka_unit_test(test_est_ca_open_public_and_encrypted),
	    cmocka_unit_test(test_est_ca_open_token_unusable),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
