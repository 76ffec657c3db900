/*
 * test_ocsp.c - ocsp and ocsp_http against `openssl ocsp` as the responder:
 * our requests go to it as files (ocsp_certs.sh makes the PKI), its answers
 * come back through ocsp_response_check: good, revoked (with the reason),
 * unknown, signed by the CA itself or a delegated responder, refused when
 * signed by a responder of another CA or one without OCSPSigning, stale,
 * another nonce, another certificate, every truncation and byte flip; the
 * AIA URL; the HTTP framing and URL rules.
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
#include "ocsp.h"
#include "ocsp_http.h"

static const uint8_t nonce[OCSP_NONCE_LEN] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15};

static uint8_t *slurp(const char *name, size_t *len)
{
	return pki_scratch_slurp(name, len);
}

static int setup(void **state)
{
	(void)state;
	return pki_scratch_make("test_ocsp", "ocsp_certs.sh");
}

static int teardown(void **state)
{
	(void)state;
	return pki_scratch_remove();
}

/* The CA (as a struct crl_issuer) and the CertID of a certificate file. */
struct fixture {
	struct crl_issuer *ca;
	size_t n_ca;
	uint8_t *ca_pem;
	struct ocsp_certid id;
};

static void load(struct fixture *fx, const char *cert_name)
{
	const char *why = NULL;
	size_t len, clen, off = 0, der_len;
	uint8_t *pem, *der;
	struct crl_cert c;

	memset(fx, 0, sizeof(*fx));
	fx->ca_pem = slurp("ca.pem", &len);
	assert_int_equal(crl_verify_issuers_load(fx->ca_pem, len, &fx->ca, &fx->n_ca, &why), 0);
	pem = slurp(cert_name, &clen);
	assert_int_equal(crl_parse_pem_next(pem, clen, &off, "CERTIFICATE", &der, &der_len), 1);
	assert_true(crl_der_cert(der, der_len, &c));
	assert_true(ocsp_certid_make(&fx->ca[0].cert, c.serial.p, c.serial.len, &fx->id));
	free(der);
	free(pem);
}

static void unload(struct fixture *fx)
{
	crl_verify_issuers_free(fx->ca, fx->n_ca);
	free(fx->ca_pem);
}

/* Our request for id, answered by openssl ocsp with signer (a name in pki_dir,
 * key NAME.key) and extra options; returns the DER response. */
static uint8_t *respond(const struct ocsp_certid *id, const uint8_t *n, const char *signer,
			const char *extra, size_t *len)
{
	uint8_t req[OCSP_REQUEST_MAX];
	size_t rl = ocsp_request_encode(id, n, n != NULL ? OCSP_NONCE_LEN : 0, req, sizeof(req));
	char path[512], cmd[2048];
	FILE *f;

	assert_true(rl > 0);
	snprintf(path, sizeof(path), "%s/req.der", pki_dir);
	f = fopen(path, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(req, 1, rl, f), rl);
	fclose(f);
	snprintf(cmd, sizeof(cmd),
		 "cd %s && rm -f resp.der && openssl ocsp -index db/index.txt -CA ca.pem "
		 "-rsigner %s.pem -rkey %s.key -reqin req.der -respout resp.der %s "
		 ">>openssl.log 2>&1",
		 pki_dir, signer, signer, extra);
	assert_int_equal(system(cmd), 0);
	return slurp("resp.der", len);
}

static struct ocsp_policy now_policy(int64_t shift)
{
	struct ocsp_policy p = {(int64_t)time(NULL) + shift, 300, 3600};
	return p;
}

static enum ocsp_result check(const struct fixture *fx, const uint8_t *der, size_t len,
			      const uint8_t *n, int64_t shift, struct ocsp_answer *a)
{
	struct ocsp_policy p = now_policy(shift);
	const char *why = NULL;
	enum ocsp_result r;

	r = ocsp_response_check(der, len, &fx->id, &fx->ca[0].cert, n,
				n != NULL ? OCSP_NONCE_LEN : 0, &p, a, &why);
	if (r != OCSP_OK)
		assert_non_null(why);
	return r;
}

static void test_ocsp_response_check_good_delegated(void **state)
{
	struct fixture fx;
	struct ocsp_answer a;
	size_t len;
	uint8_t *der;

	(void)state;
	load(&fx, "good.pem");
	der = respond(&fx.id, nonce, "resp", "-nmin 5", &len);
	assert_int_equal(check(&fx, der, len, nonce, 0, &a), OCSP_OK);
	assert_int_equal(a.status, OCSP_STATUS_GOOD);
	assert_true(a.delegated);
	assert_true(a.next_update > a.this_update);
	free(der);
	unload(&fx);
}

static void test_ocsp_response_check_good_by_ca(void **state)
{
	struct fixture fx;
	struct ocsp_answer a;
	size_t len;
	uint8_t *der;

	(void)state;
	load(&fx, "good.pem");
	der = respond(&fx.id, NULL, "ca", "", &len);
	assert_int_equal(check(&fx, der, len, NULL, 0, &a), OCSP_OK);
	assert_int_equal(a.status, OCSP_STATUS_GOOD);
	assert_false(a.delegated);
	assert_int_equal(a.next_update, 0);
	/* No nextUpdate: an hour and the skew later it is too old. */
	assert_int_equal(check(&fx, der, len, NULL, 3600 + 301, &a), OCSP_STALE);
	free(der);
	unload(&fx);
}

static void test_ocsp_response_check_revoked(void **state)
{
	struct fixture fx;
	struct ocsp_answer a;
	size_t len;
	uint8_t *der;

	(void)state;
	load(&fx, "revoked.pem");
	der = respond(&fx.id, nonce, "resp", "-nmin 5", &len);
	assert_int_equal(check(&fx, der, len, nonce, 0, &a), OCSP_OK);
	assert_int_equal(a.status, OCSP_STATUS_REVOKED);
	assert_int_equal(a.reason, 1); /* keyCompromise */
	assert_true(a.revoked_at > 0);
	free(der);
	unload(&fx);
}

static void test_ocsp_response_check_unknown(void **state)
{
	struct fixture fx;
	struct ocsp_answer a;
	size_t len;
	uint8_t *der;

	(void)state;
	load(&fx, "good.pem");
	fx.id.serial[0] = 0x7e; /* a serial the index does not hold */
	der = respond(&fx.id, nonce, "resp", "-nmin 5", &len);
	assert_int_equal(check(&fx, der, len, nonce, 0, &a), OCSP_OK);
	assert_int_equal(a.status, OCSP_STATUS_UNKNOWN);
	free(der);
	unload(&fx);
}

static void test_ocsp_response_check_wrong_signer(void **state)
{
	static const char *const signers[] = {"other", "otherresp", "noeku"};
	struct fixture fx;
	struct ocsp_answer a;
	size_t len;
	uint8_t *der;

	(void)state;
	load(&fx, "good.pem");
	for (size_t i = 0; i < sizeof(signers) / sizeof(signers[0]); i++) {
		der = respond(&fx.id, nonce, signers[i], "-nmin 5", &len);
		assert_int_equal(check(&fx, der, len, nonce, 0, &a), OCSP_BAD_SIGNATURE);
		free(der);
	}
	unload(&fx);
}

static void test_ocsp_response_check_stale_nonce_nomatch(void **state)
{
	static const uint8_t other_nonce[OCSP_NONCE_LEN] = {9};
	struct fixture fx;
	struct ocsp_answer a;
	struct ocsp_certid id;
	size_t len;
	uint8_t *der;

	(void)state;
	load(&fx, "good.pem");
	der = respond(&fx.id, nonce, "resp", "-nmin 1", &len);
	assert_int_equal(check(&fx, der, len, nonce, 60 + 240, &a), OCSP_OK); /* within skew */
	assert_int_equal(check(&fx, der, len, nonce, 60 + 301, &a), OCSP_STALE);
	/* From the future: before thisUpdate (and the responder's notBefore). */
	assert_int_not_equal(check(&fx, der, len, nonce, -400, &a), OCSP_OK);
	assert_int_equal(check(&fx, der, len, other_nonce, 0, &a), OCSP_BAD_NONCE);
	id = fx.id;
	fx.id.serial[fx.id.serial_len - 1] ^= 1;
	assert_int_equal(check(&fx, der, len, nonce, 0, &a), OCSP_NO_MATCH);
	fx.id = id;
	free(der);
	unload(&fx);
}

static void test_ocsp_response_check_truncated_and_flipped(void **state)
{
	struct fixture fx;
	struct ocsp_answer a;
	size_t len;
	uint8_t *der, *cut;

	(void)state;
	load(&fx, "good.pem");
	der = respond(&fx.id, nonce, "resp", "-nmin 5", &len);
	for (size_t n = 0; n < len; n++) {
		cut = malloc(n + 1);
		assert_non_null(cut);
		memcpy(cut, der, n);
		assert_int_not_equal(check(&fx, cut, n, nonce, 0, &a), OCSP_OK);
		free(cut);
	}
	/* A flipped byte may land in a part nobody signs (the certs' outer
	 * lengths still fail to decode): it must never turn into revoked or
	 * an answer about another certificate, and must not crash. */
	for (size_t i = 0; i < len; i++) {
		der[i] ^= 0x5a;
		if (check(&fx, der, len, nonce, 0, &a) == OCSP_OK)
			assert_int_equal(a.status, OCSP_STATUS_GOOD);
		der[i] ^= 0x5a;
	}
	free(der);
	unload(&fx);
}

static void test_ocsp_response_check_handmade(void **state)
{
	static const uint8_t try_later[] = {0x30, 0x03, 0x0a, 0x01, 0x03};
	static const uint8_t no_bytes[] = {0x30, 0x03, 0x0a, 0x01, 0x00};
	static const uint8_t junk[] = {0x04, 0x01, 0x00};
	struct fixture fx;
	struct ocsp_answer a;

	(void)state;
	load(&fx, "good.pem");
	assert_int_equal(check(&fx, try_later, sizeof(try_later), NULL, 0, &a), OCSP_NOT_SUCCESS);
	assert_int_equal(check(&fx, no_bytes, sizeof(no_bytes), NULL, 0, &a), OCSP_MALFORMED);
	assert_int_equal(check(&fx, junk, sizeof(junk), NULL, 0, &a), OCSP_MALFORMED);
	assert_int_equal(check(&fx, NULL, 0, NULL, 0, &a), OCSP_MALFORMED);
	unload(&fx);
}

static void test_ocsp_request_encode_bounds(void **state)
{
	struct ocsp_certid id;
	uint8_t out[OCSP_REQUEST_MAX];

	(void)state;
	memset(&id, 0, sizeof(id));
	assert_int_equal(ocsp_request_encode(&id, NULL, 0, out, sizeof(out)), 0); /* no serial */
	id.serial_len = 1;
	id.serial[0] = 0x80; /* needs a sign byte */
	assert_true(ocsp_request_encode(&id, NULL, 0, out, sizeof(out)) > 0);
	assert_int_equal(ocsp_request_encode(&id, nonce, 16, out, 20), 0);
}

static void test_ocsp_aia_url_present(void **state)
{
	char url[OCSP_URL_MAX];
	size_t clen, off = 0, der_len;
	uint8_t *pem, *der;

	(void)state;
	pem = slurp("good.pem", &clen);
	assert_int_equal(crl_parse_pem_next(pem, clen, &off, "CERTIFICATE", &der, &der_len), 1);
	assert_true(ocsp_aia_url(der, der_len, url, sizeof(url)));
	assert_string_equal(url, "http://10.1.2.3:8888/ocsp");
	assert_false(ocsp_aia_url(der, der_len, url, 10)); /* does not fit */
	free(der);
	free(pem);
	pem = slurp("resp.pem", &clen);
	off = 0;
	assert_int_equal(crl_parse_pem_next(pem, clen, &off, "CERTIFICATE", &der, &der_len), 1);
	assert_false(ocsp_aia_url(der, der_len, url, sizeof(url)));
	free(der);
	free(pem);
}

static void test_ocsp_http_url_parse_cases(void **state)
{
	static const struct {
		const char *url;
		bool ok;
		const char *host;
		unsigned port;
		const char *path;
		bool numeric;
	} cases[] = {
	    {"http://10.0.0.5:8888/ocsp", true, "10.0.0.5", 8888, "/ocsp", true},
	    {"http://10.0.0.5", true, "10.0.0.5", 80, "/", true},
	    {"http://[fd00::5]:81/", true, "fd00::5", 81, "/", true},
	    {"http://ocsp.corp.example/x", true, "ocsp.corp.example", 80, "/x", false},
	    {"https://10.0.0.5/", false, NULL, 0, NULL, false},
	    {"http://10.0.0.5:0/", false, NULL, 0, NULL, false},
	    {"http://10.0.0.5:99999/", false, NULL, 0, NULL, false},
	    {"http://10.0.0.5/a?b", false, NULL, 0, NULL, false},
	    {"http://", false, NULL, 0, NULL, false},
	    {"http://[fd00::5/", false, NULL, 0, NULL, false},
	};
	struct ocsp_url u;
	const char *why;

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		why = NULL;
		assert_int_equal(ocsp_http_url_parse(cases[i].url, &u, &why), cases[i].ok);
		if (!cases[i].ok) {
			assert_non_null(why);
			continue;
		}
		assert_string_equal(u.host, cases[i].host);
		assert_int_equal(u.port, cases[i].port);
		assert_string_equal(u.path, cases[i].path);
		assert_int_equal(u.numeric, cases[i].numeric);
	}
}

static void test_ocsp_http_response_framing(void **state)
{
	static const char ok[] = "HTTP/1.0 200 OK\r\nContent-type: application/ocsp-response\r\n"
				 "Content-Length: 4\r\n\r\nABCD";
	static const char nolen[] = "HTTP/1.1 200 OK\r\nContent-Type: application/ocsp-response\r\n"
				    "\r\nXYZ";
	static const char notfound[] = "HTTP/1.0 404 Not Found\r\n\r\n";
	static const char html[] = "HTTP/1.0 200 OK\r\nContent-Type: text/html\r\n\r\n<p>";
	const uint8_t *body;
	size_t bl;
	const char *why;
	struct ocsp_url u;
	uint8_t req[512];

	(void)state;
	assert_int_equal(
	    ocsp_http_response((const uint8_t *)ok, sizeof(ok) - 1, false, &body, &bl, &why),
	    OCSP_HTTP_OK);
	assert_int_equal(bl, 4);
	assert_memory_equal(body, "ABCD", 4);
	for (size_t n = 0; n < sizeof(ok) - 1; n++)
		assert_int_equal(
		    ocsp_http_response((const uint8_t *)ok, n, false, &body, &bl, &why),
		    OCSP_HTTP_NEED_MORE);
	assert_int_equal(
	    ocsp_http_response((const uint8_t *)ok, sizeof(ok) - 2, true, &body, &bl, &why),
	    OCSP_HTTP_MALFORMED);
	assert_int_equal(
	    ocsp_http_response((const uint8_t *)nolen, sizeof(nolen) - 1, false, &body, &bl, &why),
	    OCSP_HTTP_NEED_MORE);
	assert_int_equal(
	    ocsp_http_response((const uint8_t *)nolen, sizeof(nolen) - 1, true, &body, &bl, &why),
	    OCSP_HTTP_OK);
	assert_int_equal(bl, 3);
	assert_int_equal(ocsp_http_response((const uint8_t *)notfound, sizeof(notfound) - 1, true,
					    &body, &bl, &why),
			 OCSP_HTTP_MALFORMED);
	assert_int_equal(
	    ocsp_http_response((const uint8_t *)html, sizeof(html) - 1, true, &body, &bl, &why),
	    OCSP_HTTP_MALFORMED);
	assert_true(ocsp_http_url_parse("http://10.0.0.5:8888/ocsp", &u, &why));
	bl = ocsp_http_request(&u, (const uint8_t *)"\x30\x00", 2, req, sizeof(req));
	assert_true(bl > 0);
	assert_true(memmem(req, bl, "POST /ocsp HTTP/1.0\r\n", 21) == req);
	assert_non_null(memmem(req, bl, "Content-Type: application/ocsp-request\r\n", 40));
	assert_non_null(memmem(req, bl, "Content-Length: 2\r\n", 19));
	assert_memory_equal(req + bl - 6, "\r\n\r\n\x30\x00", 6);
	assert_int_equal(ocsp_http_request(&u, req, 2, req, 20), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_ocsp_response_check_good_delegated),
	    cmocka_unit_test(test_ocsp_response_check_good_by_ca),
	    cmocka_unit_test(test_ocsp_response_check_revoked),
	    cmocka_unit_test(test_ocsp_response_check_unknown),
	    cmocka_unit_test(test_ocsp_response_check_wrong_signer),
	    cmocka_unit_test(test_ocsp_response_check_stale_nonce_nomatch),
	    cmocka_unit_test(test_ocsp_response_check_truncated_and_flipped),
	    cmocka_unit_test(test_ocsp_response_check_handmade),
	    cmocka_unit_test(test_ocsp_request_encode_bounds),
	    cmocka_unit_test(test_ocsp_aia_url_present),
	    cmocka_unit_test(test_ocsp_http_url_parse_cases),
	    cmocka_unit_test(test_ocsp_http_response_framing),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
