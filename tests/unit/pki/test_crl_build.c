/*
 * test_crl_build.c - the CRL DER encoder: length octets in short and long
 * form, INTEGER serials with the leading-zero rules, UTCTime before 2050 and
 * GeneralizedTime from 2050, a TBSCertList walked back element by element by
 * a test-local DER reader, and whole signed CRLs (EC and RSA) that
 * `openssl crl` must verify against the CA certificate.
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

#include "certgen.h"
#include "crl_build.h"

#define NOW ((int64_t)1767225600) /* 2026-01-01 00:00:00 UTC */

/* ---- a minimal DER reader, independent of the encoder ---- */

struct el {
	uint8_t tag;
	const uint8_t *c; /* content */
	size_t len;
	const uint8_t *next;
};

static void rd(const uint8_t *p, const uint8_t *end, struct el *e)
{
	size_t len = 0, n;

	assert_true(end - p >= 2);
	e->tag = p[0];
	if (p[1] < 0x80) {
		len = p[1];
		p += 2;
	} else {
		n = p[1] & 0x7f;
		assert_true(n >= 1 && n <= 4 && (size_t)(end - p) >= 2 + n);
		assert_true(p[2] != 0); /* DER: the fewest length octets */
		for (size_t i = 0; i < n; i++)
			len = len << 8 | p[2 + i];
		assert_true(len >= 0x80);
		p += 2 + n;
	}
	assert_true((size_t)(end - p) >= len);
	e->c = p;
	e->len = len;
	e->next = p + len;
}

/* ---- primitives ---- */

static void test_crl_build_len_forms(void **state)
{
	static const struct {
		size_t len;
		uint8_t want[5];
		size_t n;
	} cases[] = {
	    {0, {0x00}, 1},
	    {127, {0x7f}, 1},
	    {128, {0x81, 0x80}, 2},
	    {255, {0x81, 0xff}, 2},
	    {256, {0x82, 0x01, 0x00}, 3},
	    {65535, {0x82, 0xff, 0xff}, 3},
	    {65536, {0x83, 0x01, 0x00, 0x00}, 4},
	    {0x1000000, {0x84, 0x01, 0x00, 0x00, 0x00}, 5},
	};
	uint8_t out[9];

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		size_t n = crl_build_len(cases[i].len, out);

		assert_int_equal(n, cases[i].n);
		assert_memory_equal(out, cases[i].want, n);
	}
}

static void test_crl_build_integer_leading_zeros(void **state)
{
	static const struct {
		uint8_t in[4];
		size_t n;
		uint8_t want[6];
		size_t wn;
	} cases[] = {
	    {{0x00}, 1, {0x02, 0x01, 0x00}, 3},	      /* zero */
	    {{0x00, 0x00}, 2, {0x02, 0x01, 0x00}, 3}, /* zero, padded */
	    {{0x7f}, 1, {0x02, 0x01, 0x7f}, 3},
	    {{0x80}, 1, {0x02, 0x02, 0x00, 0x80}, 4},	    /* high bit: 0x00 added */
	    {{0x00, 0x00, 0x01}, 3, {0x02, 0x01, 0x01}, 3}, /* leading zeros dropped */
	    {{0x00, 0xff, 0x01}, 3, {0x02, 0x03, 0x00, 0xff, 0x01}, 5},
	    {{0x01, 0x00}, 2, {0x02, 0x02, 0x01, 0x00}, 4},
	};
	uint8_t out[32], big[20], tiny[3];

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		size_t n = crl_build_integer(cases[i].in, cases[i].n, out, sizeof(out));

		assert_int_equal(n, cases[i].wn);
		assert_memory_equal(out, cases[i].want, n);
	}
	/* 20 bytes with the high bit: 21 content bytes. */
	memset(big, 0xff, sizeof(big));
	assert_int_equal(crl_build_integer(big, sizeof(big), out, sizeof(out)), 23);
	assert_int_equal(out[1], 21);
	assert_int_equal(out[2], 0x00);
	/* Too small an output: refused, not overrun. */
	assert_int_equal(crl_build_integer(big, sizeof(big), out, 22), 0);
	assert_int_equal(crl_build_integer((const uint8_t *)"\x80", 1, tiny, 3), 0);
}

static void test_crl_build_time_forms(void **state)
{
	static const struct {
		int64_t t;
		uint8_t tag;
		const char *text;
	} cases[] = {
	    {0, 0x17, "700101000000Z"},
	    {NOW, 0x17, "260101000000Z"},
	    {2524607999, 0x17, "491231235959Z"},   /* last second of 2049 */
	    {2524608000, 0x18, "20500101000000Z"}, /* 2050: GeneralizedTime */
	    {-631152001, 0x18, "19491231235959Z"}, /* before 1950 too */
	};
	uint8_t out[CRL_BUILD_TIME_MAX];

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		size_t n = crl_build_time(cases[i].t, out);
		size_t tl = strlen(cases[i].text);

		assert_int_equal(n, tl + 2);
		assert_int_equal(out[0], cases[i].tag);
		assert_int_equal(out[1], tl);
		assert_memory_equal(out + 2, cases[i].text, tl);
	}
	assert_int_equal(crl_build_time((int64_t)300000 * 365 * 86400, out), 0); /* year > 9999 */
}

static void test_crl_build_reason_names(void **state)
{
	enum crl_build_reason r;

	(void)state;
	assert_true(crl_build_reason_parse("keyCompromise", &r));
	assert_int_equal(r, CRL_REASON_KEY_COMPROMISE);
	assert_true(crl_build_reason_parse("privilegeWithdrawn", &r));
	assert_int_equal(r, 9);
	assert_false(crl_build_reason_parse("certificateHold", &r));
	assert_false(crl_build_reason_parse("keycompromise", &r));
	assert_string_equal(crl_build_reason_name(CRL_REASON_SUPERSEDED), "superseded");
	assert_null(crl_build_reason_name((enum crl_build_reason)7));
}

/* ---- the TBSCertList, walked back ---- */

static const uint8_t issuer[] = {0x30, 0x13, 0x31, 0x11, 0x30, 0x0f, 0x06, 0x03, 0x55, 0x04, 0x03,
				 0x0c, 0x08, 'T',  'e',	 's',  't',  ' ',  'C',	 'A',  '!'};
static const uint8_t keyid[20] = {1,  2,  3,  4,  5,  6,  7,  8,  9,  10,
				  11, 12, 13, 14, 15, 16, 17, 18, 19, 20};

static void fill_req(struct crl_build_req *req, struct crl_build_entry *e, size_t n)
{
	memset(req, 0, sizeof(*req));
	req->issuer = issuer;
	req->issuer_len = sizeof(issuer);
	req->key_id = keyid;
	req->key_id_len = sizeof(keyid);
	req->crl_number = 0x80; /* high bit of the low byte: needs the 0x00 */
	req->this_update = NOW;
	req->next_update = NOW + 7 * 86400;
	req->entries = e;
	req->n_entries = n;
	req->sig = CRL_BUILD_SIG_ECDSA_SHA256;
}

static void test_crl_build_tbs_round_trip(void **state)
{
	struct crl_build_entry e[200];
	struct crl_build_req req;
	struct el tbs, x, list, ent, f, exts;
	const uint8_t *end, *p;
	uint8_t *der;
	size_t len, count = 0;

	(void)state;
	/* 200 entries: the list is some 7 KiB, so the two-octet long form
	 * of a length is exercised as well as the short form. */
	for (size_t i = 0; i < 200; i++) {
		memset(&e[i], 0, sizeof(e[i]));
		e[i].serial_len = 16;
		memset(e[i].serial, (int)i, 16);
		e[i].serial[0] = (uint8_t)(0x70 + i % 32); /* some with the high bit */
		e[i].revoked = NOW - (int64_t)i;
		e[i].reason = i % 2 ? CRL_REASON_KEY_COMPROMISE : CRL_REASON_UNSPECIFIED;
	}
	fill_req(&req, e, 200);
	assert_int_equal(crl_build_tbs(&req, &der, &len, NULL, 0), 0);
	end = der + len;
	rd(der, end, &tbs);
	assert_int_equal(tbs.tag, 0x30);
	assert_ptr_equal(tbs.next, end);
	p = tbs.c;
	rd(p, tbs.next, &x); /* version v2 */
	assert_int_equal(x.tag, 0x02);
	assert_int_equal(x.len, 1);
	assert_int_equal(x.c[0], 1);
	rd(x.next, tbs.next, &x); /* signature: ecdsa-with-SHA256 */
	assert_int_equal(x.tag, 0x30);
	assert_memory_equal(x.c, "\x06\x08\x2a\x86\x48\xce\x3d\x04\x03\x02", 10);
	p = x.next; /* issuer, byte for byte */
	assert_memory_equal(p, issuer, sizeof(issuer));
	rd(p, tbs.next, &x);
	rd(x.next, tbs.next, &x); /* thisUpdate */
	assert_int_equal(x.tag, 0x17);
	assert_memory_equal(x.c, "260101000000Z", 13);
	rd(x.next, tbs.next, &x); /* nextUpdate */
	assert_memory_equal(x.c, "260108000000Z", 13);
	rd(x.next, tbs.next, &list);
	assert_int_equal(list.tag, 0x30);
	for (p = list.c; p < list.next; p = ent.next, count++) {
		rd(p, list.next, &ent);
		assert_int_equal(ent.tag, 0x30);
		rd(ent.c, ent.next, &f); /* serial */
		assert_int_equal(f.tag, 0x02);
		if (e[count].serial[0] & 0x80) {
			assert_int_equal(f.len, 17);
			assert_int_equal(f.c[0], 0);
			assert_memory_equal(f.c + 1, e[count].serial, 16);
		} else {
			assert_int_equal(f.len, 16);
			assert_memory_equal(f.c, e[count].serial, 16);
		}
		rd(f.next, ent.next, &f); /* revocationDate */
		assert_int_equal(f.tag, 0x17);
		if (e[count].reason == CRL_REASON_UNSPECIFIED) {
			assert_ptr_equal(f.next, ent.next); /* no reasonCode */
		} else {
			/* SEQ { SEQ { OID reasonCode, OCTET STRING { ENUMERATED 1 } } } */
			static const uint8_t want[] = {0x30, 0x0c, 0x30, 0x0a, 0x06, 0x03, 0x55,
						       0x1d, 0x15, 0x04, 0x03, 0x0a, 0x01, 0x01};
			assert_int_equal(ent.next - f.next, sizeof(want));
			assert_memory_equal(f.next, want, sizeof(want));
		}
	}
	assert_int_equal(count, 200);
	rd(list.next, tbs.next, &exts); /* [0] { Extensions } */
	assert_int_equal(exts.tag, 0xa0);
	assert_ptr_equal(exts.next, tbs.next);
	rd(exts.c, exts.next, &x);
	assert_int_equal(x.tag, 0x30);
	{
		/* AKI: SEQ { OID, OCTET STRING { SEQ { [0] keyid } } } */
		struct el ext;
		rd(x.c, x.next, &ext);
		assert_memory_equal(ext.c, "\x06\x03\x55\x1d\x23\x04\x18\x30\x16\x80\x14", 11);
		assert_memory_equal(ext.c + 11, keyid, 20);
		/* cRLNumber 0x80: INTEGER 00 80 */
		rd(ext.next, x.next, &ext);
		assert_int_equal(ext.len, 11);
		assert_memory_equal(ext.c, "\x06\x03\x55\x1d\x14\x04\x04\x02\x02\x00\x80", 11);
		assert_ptr_equal(ext.next, x.next);
	}
	free(der);
}

static void test_crl_build_empty_list_omitted(void **state)
{
	struct crl_build_req req;
	struct el tbs, x;
	uint8_t *der;
	size_t len;

	(void)state;
	fill_req(&req, NULL, 0);
	assert_int_equal(crl_build_tbs(&req, &der, &len, NULL, 0), 0);
	rd(der, der + len, &tbs);
	rd(tbs.c, tbs.next, &x);
	for (int i = 0; i < 5; i++) /* version .. nextUpdate */
		rd(x.next, tbs.next, &x);
	assert_int_equal(x.tag, 0xa0); /* straight to crlExtensions */
	free(der);
}

static void test_crl_build_refuses_bad_requests(void **state)
{
	struct crl_build_entry e = {.serial_len = 0, .revoked = NOW};
	struct crl_build_req req;
	char err[256] = "";
	uint8_t *der = (uint8_t *)"x";
	size_t len;

	(void)state;
	fill_req(&req, &e, 1);
	assert_int_equal(crl_build_tbs(&req, &der, &len, err, sizeof(err)), -1);
	assert_null(der);
	assert_non_null(strstr(err, "serial"));
	e.serial_len = 21;
	assert_int_equal(crl_build_tbs(&req, &der, &len, err, sizeof(err)), -1);
	e.serial_len = 1;
	e.reason = (enum crl_build_reason)7;
	assert_int_equal(crl_build_tbs(&req, &der, &len, err, sizeof(err)), -1);
	fill_req(&req, NULL, 0);
	req.next_update = req.this_update;
	assert_int_equal(crl_build_tbs(&req, &der, &len, err, sizeof(err)), -1);
	fill_req(&req, NULL, 0);
	req.key_id_len = 0;
	assert_int_equal(crl_build_tbs(&req, &der, &len, err, sizeof(err)), -1);
	fill_req(&req, NULL, 0);
	req.issuer_len = 1;
	assert_int_equal(crl_build_tbs(&req, &der, &len, err, sizeof(err)), -1);
}

/* ---- signed CRLs through the OpenSSL command line ---- */

static void run_openssl(const char *cmd, const char *want)
{
	char buf[8192];
	size_t n;
	FILE *p = popen(cmd, "r");

	assert_non_null(p);
	n = fread(buf, 1, sizeof(buf) - 1, p);
	buf[n] = 0;
	pclose(p);
	if (strstr(buf, want) == NULL)
		fail_msg("'%s' printed no '%s':\n%s", cmd, want, buf);
}

static void signed_crl(enum certgen_key_type kt)
{
	struct certgen_req req = {.kind = CERTGEN_CA, .cn = "CRL Test CA", .days = 30};
	struct crl_build_entry e[2] = {
	    {.serial = {0x80, 0x01},
	     .serial_len = 2,
	     .revoked = NOW,
	     .reason = CRL_REASON_KEY_COMPROMISE},
	    {.serial = {0x01}, .serial_len = 1, .revoked = NOW, .reason = CRL_REASON_SUPERSEDED},
	};
	struct certgen_crl crl = {.number = 42, .entries = e, .n_entries = 2, .der_only = true};
	struct certgen_cert ca = {0}, other = {0};
	struct certgen_key *key, *other_key;
	char dir[] = "/tmp/test_crl_build.XXXXXX", crt[64], bad[64], der_path[64], cmd[512];
	char err[256] = "";
	uint8_t *der;
	size_t len;
	FILE *f;

	assert_non_null(mkdtemp(dir));
	key = certgen_key_generate(kt, err, sizeof(err));
	assert_non_null(key);
	assert_int_equal(certgen_issue(&req, key, NULL, NULL, &ca, err, sizeof(err)), 0);
	other_key = certgen_key_generate(kt, err, sizeof(err));
	assert_int_equal(certgen_issue(&req, other_key, NULL, NULL, &other, err, sizeof(err)), 0);
	crl.this_update = (int64_t)time(NULL);
	crl.next_update = crl.this_update + 86400;
	assert_int_equal(certgen_crl_make(&ca, key, &crl, &der, &len, err, sizeof(err)), 0);
	free(der);
	/* The wrong key for this CA certificate is refused. */
	assert_int_equal(certgen_crl_make(&ca, other_key, &crl, &der, &len, err, sizeof(err)), -1);
	assert_int_equal(certgen_crl_make(&ca, key, &crl, &der, &len, err, sizeof(err)), 0);
	snprintf(crt, sizeof(crt), "%s/ca.crt", dir);
	snprintf(bad, sizeof(bad), "%s/other.crt", dir);
	snprintf(der_path, sizeof(der_path), "%s/crl.der", dir);
	assert_int_equal(certgen_cert_write(&ca, crt, err, sizeof(err)), 0);
	assert_int_equal(certgen_cert_write(&other, bad, err, sizeof(err)), 0);
	f = fopen(der_path, "w");
	assert_non_null(f);
	assert_int_equal(fwrite(der, 1, len, f), len);
	fclose(f);
	snprintf(cmd, sizeof(cmd), "openssl crl -inform DER -in %s -noout -text 2>&1", der_path);
	run_openssl(cmd, "Version 2");
	run_openssl(cmd, "X509v3 CRL Number: \n                42");
	run_openssl(cmd, "Serial Number: 8001");
	run_openssl(cmd, "Key Compromise");
	run_openssl(cmd, "Superseded");
	run_openssl(cmd,
		    kt == CERTGEN_KEY_EC_P256 ? "ecdsa-with-SHA256" : "sha256WithRSAEncryption");
	snprintf(cmd, sizeof(cmd), "openssl crl -inform DER -in %s -CAfile %s -noout 2>&1",
		 der_path, crt);
	run_openssl(cmd, "verify OK");
	/* Another CA's certificate must not verify it: the test can fail. */
	snprintf(cmd, sizeof(cmd), "openssl crl -inform DER -in %s -CAfile %s -noout 2>&1",
		 der_path, bad);
	run_openssl(cmd, "verify failure");
	free(der);
	certgen_cert_free(&ca);
	certgen_cert_free(&other);
	certgen_key_free(key);
	certgen_key_free(other_key);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	assert_int_equal(system(cmd), 0);
}

static void test_crl_build_signed_ec_verifies(void **state)
{
	(void)state;
	signed_crl(CERTGEN_KEY_EC_P256);
}

static void test_crl_build_signed_rsa_verifies(void **state)
{
	(void)state;
	signed_crl(CERTGEN_KEY_RSA_3072);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_crl_build_len_forms),
	    cmocka_unit_test(test_crl_build_integer_leading_zeros),
	    cmocka_unit_test(test_crl_build_time_forms),
	    cmocka_unit_test(test_crl_build_reason_names),
	    cmocka_unit_test(test_crl_build_tbs_round_trip),
	    cmocka_unit_test(test_crl_build_empty_list_omitted),
	    cmocka_unit_test(test_crl_build_refuses_bad_requests),
	    cmocka_unit_test(test_crl_build_signed_ec_verifies),
	    cmocka_unit_test(test_crl_build_signed_rsa_verifies),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
