/*
 * test_certgen.c - the CA's certificates, read back by wolfCrypt's own
 * parser: a CA, a server and a client certificate built in a temporary
 * directory must carry the profile's extensions, positive 16-byte serials,
 * the requested validity, and signatures that verify under the CA key (and
 * under no other). openssl verify checks the chain and purposes as well.
 */
#include <wolfssl/options.h>
#include <wolfssl/wolfcrypt/settings.h>
#include <wolfssl/wolfcrypt/asn.h>
#include <wolfssl/wolfcrypt/asn_public.h>

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

#include "certgen.h"

#define NOW ((int64_t)1767225600) /* 2026-01-01 00:00:00 UTC */

/* One CA shared by the tests (key generation is the slow part). */
struct fixture {
	char dir[64];
	struct certgen_key *ca_key;
	struct certgen_cert ca;
};

static struct fixture fx;

static void path_in(char *out, size_t cap, const char *name)
{
	snprintf(out, cap, "%s/%s", fx.dir, name);
}

static int setup(void **state)
{
	struct certgen_req req = {
	    .kind = CERTGEN_CA, .cn = "Example Corp VPN CA", .days = 3650, .now = NOW};
	char err[256] = "";

	(void)state;
	snprintf(fx.dir, sizeof(fx.dir), "/tmp/test_certgen.XXXXXX");
	if (mkdtemp(fx.dir) == NULL)
		return -1;
	fx.ca_key = certgen_key_generate(CERTGEN_KEY_EC_P256, err, sizeof(err));
	if (fx.ca_key == NULL)
		return -1;
	if (certgen_issue(&req, fx.ca_key, NULL, NULL, &fx.ca, err, sizeof(err)) != 0) {
		fprintf(stderr, "CA: %s\n", err);
		return -1;
	}
	return 0;
}

static int teardown(void **state)
{
	char cmd[128];

	(void)state;
	certgen_cert_free(&fx.ca);
	certgen_key_free(fx.ca_key);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", fx.dir);
	return system(cmd) == 0 ? 0 : -1;
}

/* Parses der into dc (caller frees); fails the test if wolfCrypt cannot. */
static void parse(DecodedCert *dc, const struct certgen_cert *c)
{
	wc_InitDecodedCert(dc, c->der, (word32)c->der_len, NULL);
	assert_int_equal(wc_ParseCert(dc, CERT_TYPE, NO_VERIFY, NULL), 0);
}

/* True if c's signature verifies under the public key in signer. */
static bool signed_by(const struct certgen_cert *c, const struct certgen_cert *signer)
{
	uint8_t pub[1024];
	word32 pub_len = sizeof(pub);
	DecodedCert dc;
	word32 key_oid;

	parse(&dc, signer);
	assert_int_equal(wc_GetPubKeyDerFromCert(&dc, pub, &pub_len), 0);
	key_oid = dc.keyOID;
	wc_FreeDecodedCert(&dc);
	return wc_CheckCertSigPubKey(c->der, (word32)c->der_len, NULL, pub, pub_len,
				     (int)key_oid) == 0;
}

static bool has_alt_name(const DecodedCert *dc, int type, const void *val, size_t len)
{
	for (const DNS_entry *e = dc->altNames; e != NULL; e = e->next) {
		if (e->type == type && (size_t)e->len == len && memcmp(e->name, val, len) == 0)
			return true;
	}
	return false;
}

static int64_t date_of(const byte *date, int len)
{
	const byte *p;
	byte format;
	int plen;
	struct tm tm = {0};

	assert_int_equal(wc_GetDateInfo(date, len, &p, &format, &plen), 0);
	assert_int_equal(wc_GetDateAsCalendarTime(p, plen, format, &tm), 0);
	return (int64_t)timegm(&tm);
}

static void assert_serial_ok(const DecodedCert *dc, const struct certgen_cert *c)
{
	assert_int_equal(dc->serialSz, CERTGEN_SERIAL_LEN);
	assert_int_equal(dc->serial[0] & 0x80, 0); /* positive */
	assert_int_not_equal(dc->serial[0], 0);	   /* minimal DER, still 16 bytes */
	assert_int_equal(c->serial_len, CERTGEN_SERIAL_LEN);
	assert_memory_equal(c->serial, dc->serial, CERTGEN_SERIAL_LEN);
}

static void issue(enum certgen_kind kind, const struct certgen_req *tmpl, struct certgen_cert *out,
		  struct certgen_key **key_out)
{
	struct certgen_req req = *tmpl;
	struct certgen_key *key;
	char err[256] = "";

	req.kind = kind;
	key = certgen_key_generate(CERTGEN_KEY_EC_P256, err, sizeof(err));
	assert_non_null(key);
	if (certgen_issue(&req, key, &fx.ca, fx.ca_key, out, err, sizeof(err)) != 0)
		fail_msg("issue: %s", err);
	if (key_out != NULL)
		*key_out = key;
	else
		certgen_key_free(key);
}

static void test_certgen_issue_ca_profile(void **state)
{
	DecodedCert dc;

	(void)state;
	parse(&dc, &fx.ca);
	assert_int_equal(dc.version, 2); /* X.509 v3 is encoded as 2 */
	assert_serial_ok(&dc, &fx.ca);
	assert_true(dc.isCA);
	assert_true(dc.extBasicConstSet);
	assert_true(dc.extBasicConstCrit);
	assert_true(dc.extKeyUsageSet);
	assert_true(dc.extKeyUsageCrit);
	assert_int_equal(dc.extKeyUsage, KEYUSE_KEY_CERT_SIGN | KEYUSE_CRL_SIGN);
	assert_false(dc.extExtKeyUsageSet);
	assert_true(dc.extSubjKeyIdSet);
	assert_true(dc.extAuthKeyIdSet);
	assert_memory_equal(dc.extSubjKeyId, dc.extAuthKeyId, KEYID_SIZE);
	assert_int_equal(dc.subjectCNLen, strlen("Example Corp VPN CA"));
	assert_memory_equal(dc.subjectCN, "Example Corp VPN CA", dc.subjectCNLen);
	assert_memory_equal(dc.subjectHash, dc.issuerHash, KEYID_SIZE);
	assert_true(date_of(dc.beforeDate, dc.beforeDateLen) == NOW - CERTGEN_BACKDATE_SECS);
	assert_true(date_of(dc.afterDate, dc.afterDateLen) ==
		    NOW - CERTGEN_BACKDATE_SECS + 3650 * 86400LL);
	wc_FreeDecodedCert(&dc);
	assert_true(signed_by(&fx.ca, &fx.ca));
}

static void test_certgen_issue_server_profile(void **state)
{
	static const uint8_t ip4[] = {192, 0, 2, 1};
	static const uint8_t ip6[] = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
	struct certgen_req req = {.cn = "gw.example.test",
				  .dns = {"gw.example.test", "vpn.example.test"},
				  .n_dns = 2,
				  .ip = {"192.0.2.1", "2001:db8::1"},
				  .n_ip = 2,
				  .days = 825,
				  .now = NOW};
	struct certgen_cert c;
	DecodedCert dc, ca;

	(void)state;
	issue(CERTGEN_SERVER, &req, &c, NULL);
	parse(&dc, &c);
	parse(&ca, &fx.ca);
	assert_int_equal(dc.version, 2);
	assert_serial_ok(&dc, &c);
	assert_false(dc.isCA);
	assert_true(dc.extBasicConstSet); /* an explicit CA:FALSE */
	assert_int_equal(dc.extKeyUsage, KEYUSE_DIGITAL_SIG);
	assert_true(dc.extExtKeyUsageSet);
	assert_int_equal(dc.extExtKeyUsage, EXTKEYUSE_SERVER_AUTH);
	assert_true(dc.extSubjAltNameSet);
	assert_true(has_alt_name(&dc, ASN_DNS_TYPE, "gw.example.test", 15));
	assert_true(has_alt_name(&dc, ASN_DNS_TYPE, "vpn.example.test", 16));
#if defined(OPENSSL_ALL) || defined(WOLFSSL_IP_ALT_NAME)
	assert_true(has_alt_name(&dc, ASN_IP_TYPE, ip4, sizeof(ip4)));
	assert_true(has_alt_name(&dc, ASN_IP_TYPE, ip6, sizeof(ip6)));
#else
	/* This wolfSSL does not keep IP SANs; the DER must still hold them. */
	assert_non_null(memmem(c.der, c.der_len, ip4, sizeof(ip4)));
	assert_non_null(memmem(c.der, c.der_len, ip6, sizeof(ip6)));
#endif
	assert_true(dc.extAuthKeyIdSet);
	assert_memory_equal(dc.extAuthKeyId, ca.extSubjKeyId, KEYID_SIZE);
	assert_memory_not_equal(dc.extSubjKeyId, ca.extSubjKeyId, KEYID_SIZE);
	assert_memory_equal(dc.issuerHash, ca.subjectHash, KEYID_SIZE);
	/* The whole span counts, back-dating included: browsers and Apple's
	 * clients refuse a server certificate valid for more than 825 days. */
	assert_true(date_of(dc.beforeDate, dc.beforeDateLen) == NOW - CERTGEN_BACKDATE_SECS);
	assert_true(date_of(dc.afterDate, dc.afterDateLen) - date_of(dc.beforeDate, dc.beforeDateLen) <=
		    825 * 86400LL);
	assert_true(c.not_after == NOW - CERTGEN_BACKDATE_SECS + 825 * 86400LL);
	assert_true(c.not_after - c.not_before <= 825 * 86400LL);
	wc_FreeDecodedCert(&dc);
	wc_FreeDecodedCert(&ca);
	assert_true(signed_by(&c, &fx.ca));
	assert_false(signed_by(&c, &c)); /* not self-signed */
	certgen_cert_free(&c);
}

static void test_certgen_issue_client_profile(void **state)
{
	const char *id = "Alice.Smith@Example.com";
	struct certgen_req req = {
	    .cn = id, .ou = "engineering", .email = {id}, .n_email = 1, .days = 365, .now = NOW};
	struct certgen_cert c;
	DecodedCert dc;
	bool found = false;

	(void)state;
	issue(CERTGEN_CLIENT, &req, &c, NULL);
	parse(&dc, &c);
	assert_serial_ok(&dc, &c);
	assert_false(dc.isCA);
	assert_int_equal(dc.extKeyUsage, KEYUSE_DIGITAL_SIG);
	assert_int_equal(dc.extExtKeyUsage, EXTKEYUSE_CLIENT_AUTH);
	/* Byte for byte, case preserved. */
	assert_int_equal(dc.subjectCNLen, strlen(id));
	assert_memory_equal(dc.subjectCN, id, strlen(id));
	assert_int_equal(dc.subjectOULen, strlen("engineering"));
	assert_memory_equal(dc.subjectOU, "engineering", dc.subjectOULen);
	for (const DNS_entry *e = dc.altNames; e != NULL; e = e->next)
		found |= e->type == ASN_RFC822_TYPE && e->len == (int)strlen(id) &&
			 memcmp(e->name, id, strlen(id)) == 0;
#ifndef IGNORE_NAME_CONSTRAINTS
	for (const DNS_entry *e = dc.altEmailNames; e != NULL; e = e->next)
		found |= e->len == (int)strlen(id) && memcmp(e->name, id, strlen(id)) == 0;
#endif
	assert_true(found);
	wc_FreeDecodedCert(&dc);
	assert_true(signed_by(&c, &fx.ca));
	certgen_cert_free(&c);
}

static void test_certgen_issue_serials_differ(void **state)
{
	struct certgen_req req = {.cn = "bob", .days = 1, .now = NOW};
	struct certgen_cert a, b;

	(void)state;
	issue(CERTGEN_CLIENT, &req, &a, NULL);
	issue(CERTGEN_CLIENT, &req, &b, NULL);
	assert_memory_not_equal(a.serial, b.serial, CERTGEN_SERIAL_LEN);
	assert_memory_not_equal(a.serial, fx.ca.serial, CERTGEN_SERIAL_LEN);
	certgen_cert_free(&a);
	certgen_cert_free(&b);
}

static void test_certgen_issue_past_ca_expiry_refused(void **state)
{
	struct certgen_req req = {.kind = CERTGEN_CLIENT, .cn = "carol", .days = 3651, .now = NOW};
	struct certgen_key *key;
	struct certgen_cert c;
	char err[256] = "";

	(void)state;
	key = certgen_key_generate(CERTGEN_KEY_EC_P256, err, sizeof(err));
	assert_non_null(key);
	assert_int_equal(certgen_issue(&req, key, &fx.ca, fx.ca_key, &c, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "expires"));
	assert_non_null(strstr(err, "at most 3650 days"));
	assert_null(c.der);
	certgen_key_free(key);
}

/* Requests the module must refuse, with the reason in err. */
static void test_certgen_issue_bad_requests_refused(void **state)
{
	static const struct {
		struct certgen_req req;
		const char *why;
	} cases[] = {
	    {{.kind = CERTGEN_CLIENT, .cn = "", .days = 1}, "empty"},
	    {{.kind = CERTGEN_CLIENT,
	      .cn = "0123456789012345678901234567890123456789012345678901234567890123",
	      .days = 1},
	     "longer"},
	    {{.kind = CERTGEN_CLIENT, .cn = "a\nb", .days = 1}, "control"},
	    {{.kind = CERTGEN_CLIENT, .cn = "a\xc3", .days = 1}, "UTF-8"},
	    {{.kind = CERTGEN_CLIENT, .cn = "a\xc0\xaf", .days = 1}, "UTF-8"},
	    {{.kind = CERTGEN_CLIENT, .cn = "ok", .ou = "x\x01", .days = 1}, "control"},
	    {{.kind = CERTGEN_CLIENT, .cn = "ok", .days = 0}, "range"},
	    {{.kind = CERTGEN_SERVER, .cn = "gw", .ip = {"300.1.1.1"}, .n_ip = 1, .days = 1},
	     "neither"},
	    {{.kind = CERTGEN_SERVER, .cn = "gw", .dns = {"a b"}, .n_dns = 1, .days = 1}, "DNS"},
	    {{.kind = CERTGEN_CLIENT,
	      .cn = "ok",
	      .email = {"J\xc3\xbcrgen@x.test"},
	      .n_email = 1,
	      .days = 1},
	     "ASCII"},
	};
	struct certgen_key *key;
	char err[256];

	(void)state;
	key = certgen_key_generate(CERTGEN_KEY_EC_P256, err, sizeof(err));
	assert_non_null(key);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct certgen_cert c;

		err[0] = 0;
		assert_int_equal(
		    certgen_issue(&cases[i].req, key, &fx.ca, fx.ca_key, &c, err, sizeof(err)), -1);
		if (strstr(err, cases[i].why) == NULL)
			fail_msg("case %zu: err \"%s\" lacks \"%s\"", i, err, cases[i].why);
	}
	certgen_key_free(key);
}

static void test_certgen_key_write_mode_0600_no_replace(void **state)
{
	char path[128], err[256] = "";
	struct certgen_key *loaded;
	struct stat st;

	(void)state;
	path_in(path, sizeof(path), "ca.key");
	assert_int_equal(certgen_key_write(fx.ca_key, path, err, sizeof(err)), 0);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0600);
	/* Never replaces: an existing CA key is never lost to a second run. */
	assert_int_equal(certgen_key_write(fx.ca_key, path, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "exists"));
	loaded = certgen_key_load(path, err, sizeof(err));
	assert_non_null(loaded);
	assert_true(certgen_key_matches(loaded, &fx.ca));
	certgen_key_free(loaded);
}

static void test_certgen_cert_load_round_trip(void **state)
{
	struct certgen_cert back;
	struct certgen_key *other;
	char path[128], err[256] = "";
	struct stat st;

	(void)state;
	path_in(path, sizeof(path), "ca.crt");
	assert_int_equal(certgen_cert_write(&fx.ca, path, err, sizeof(err)), 0);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0644);
	assert_int_equal(certgen_cert_load(path, &back, err, sizeof(err)), 0);
	assert_int_equal(back.der_len, fx.ca.der_len);
	assert_memory_equal(back.der, fx.ca.der, back.der_len);
	assert_int_equal(back.serial_len, CERTGEN_SERIAL_LEN);
	assert_memory_equal(back.serial, fx.ca.serial, CERTGEN_SERIAL_LEN);
	assert_true(back.not_before == fx.ca.not_before);
	assert_true(back.not_after == fx.ca.not_after);
	other = certgen_key_generate(CERTGEN_KEY_EC_P256, err, sizeof(err));
	assert_false(certgen_key_matches(other, &back));
	certgen_key_free(other);
	certgen_cert_free(&back);
	assert_int_equal(certgen_cert_load("/nonexistent/ca.crt", &back, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "/nonexistent/ca.crt"));
}

static void test_certgen_file_write_replace(void **state)
{
	char path[128], err[256] = "", buf[8] = "";
	FILE *f;

	(void)state;
	path_in(path, sizeof(path), "state");
	assert_int_equal(certgen_file_write(path, "one", 3, 0644, true, err, sizeof(err)), 0);
	assert_int_equal(certgen_file_write(path, "two", 3, 0644, true, err, sizeof(err)), 0);
	f = fopen(path, "r");
	assert_non_null(f);
	assert_int_equal(fread(buf, 1, sizeof(buf) - 1, f), 3);
	fclose(f);
	assert_string_equal(buf, "two");
}

/* The chain and purposes as OpenSSL sees them, not only as wolfCrypt does. */
static void test_certgen_chain_openssl_verify(void **state)
{
	struct certgen_req sreq = {
	    .cn = "gw.example.test", .dns = {"gw.example.test"}, .n_dns = 1, .days = 30};
	struct certgen_req creq = {.cn = "Alice", .days = 30};
	struct certgen_cert ca, s, c;
	struct certgen_key *ca_key;
	char ca_path[128], s_path[128], c_path[128], cmd[1024], err[256] = "";
	struct certgen_req careq = {.kind = CERTGEN_CA, .cn = "Live CA", .days = 60};

	(void)state;
	/* Dated now: openssl verify checks validity against the clock. */
	ca_key = certgen_key_generate(CERTGEN_KEY_EC_P256, err, sizeof(err));
	assert_non_null(ca_key);
	assert_int_equal(certgen_issue(&careq, ca_key, NULL, NULL, &ca, err, sizeof(err)), 0);
	struct certgen_key *k = certgen_key_generate(CERTGEN_KEY_EC_P256, err, sizeof(err));
	sreq.kind = CERTGEN_SERVER;
	creq.kind = CERTGEN_CLIENT;
	assert_int_equal(certgen_issue(&sreq, k, &ca, ca_key, &s, err, sizeof(err)), 0);
	assert_int_equal(certgen_issue(&creq, k, &ca, ca_key, &c, err, sizeof(err)), 0);
	path_in(ca_path, sizeof(ca_path), "live-ca.crt");
	path_in(s_path, sizeof(s_path), "live-s.crt");
	path_in(c_path, sizeof(c_path), "live-c.crt");
	assert_int_equal(certgen_cert_write(&ca, ca_path, err, sizeof(err)), 0);
	assert_int_equal(certgen_cert_write(&s, s_path, err, sizeof(err)), 0);
	assert_int_equal(certgen_cert_write(&c, c_path, err, sizeof(err)), 0);
	snprintf(cmd, sizeof(cmd),
		 "openssl verify -CAfile %s -purpose sslserver %s >/dev/null && "
		 "openssl verify -CAfile %s -purpose sslclient %s >/dev/null && "
		 "! openssl verify -CAfile %s -purpose sslserver %s >/dev/null 2>&1",
		 ca_path, s_path, ca_path, c_path, ca_path, c_path);
	assert_int_equal(system(cmd), 0);
	certgen_cert_free(&ca);
	certgen_cert_free(&s);
	certgen_cert_free(&c);
	certgen_key_free(k);
	certgen_key_free(ca_key);
}

static void test_certgen_rsa_chain(void **state)
{
	struct certgen_req careq = {.kind = CERTGEN_CA, .cn = "RSA CA", .days = 10, .now = NOW};
	struct certgen_req creq = {.kind = CERTGEN_CLIENT, .cn = "dave", .days = 5, .now = NOW};
	struct certgen_key *ca_key, *key, *loaded;
	struct certgen_cert ca, c;
	char path[128], err[256] = "";

	(void)state;
	ca_key = certgen_key_generate(CERTGEN_KEY_RSA_3072, err, sizeof(err));
	assert_non_null(ca_key);
	assert_int_equal(certgen_issue(&careq, ca_key, NULL, NULL, &ca, err, sizeof(err)), 0);
	/* An EC client under an RSA CA: the signer's algorithm is the CA's. */
	key = certgen_key_generate(CERTGEN_KEY_EC_P256, err, sizeof(err));
	assert_int_equal(certgen_issue(&creq, key, &ca, ca_key, &c, err, sizeof(err)), 0);
	assert_true(signed_by(&ca, &ca));
	assert_true(signed_by(&c, &ca));
	path_in(path, sizeof(path), "rsa.key");
	assert_int_equal(certgen_key_write(ca_key, path, err, sizeof(err)), 0);
	loaded = certgen_key_load(path, err, sizeof(err));
	assert_non_null(loaded);
	assert_true(certgen_key_matches(loaded, &ca));
	assert_false(certgen_key_matches(loaded, &fx.ca));
	certgen_key_free(loaded);
	certgen_key_free(key);
	certgen_key_free(ca_key);
	certgen_cert_free(&ca);
	certgen_cert_free(&c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_certgen_issue_ca_profile),
	    cmocka_unit_test(test_certgen_issue_server_profile),
	    cmocka_unit_test(test_certgen_issue_client_profile),
	    cmocka_unit_test(test_certgen_issue_serials_differ),
	    cmocka_unit_test(test_certgen_issue_past_ca_expiry_refused),
	    cmocka_unit_test(test_certgen_issue_bad_requests_refused),
	    cmocka_unit_test(test_certgen_key_write_mode_0600_no_replace),
	    cmocka_unit_test(test_certgen_cert_load_round_trip),
	    cmocka_unit_test(test_certgen_file_write_replace),
	    cmocka_unit_test(test_certgen_chain_openssl_verify),
	    cmocka_unit_test(test_certgen_rsa_chain),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
