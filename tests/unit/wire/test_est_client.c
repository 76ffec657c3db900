/*
 * test_est_client.c - the EST client's requests (read back by the
 * gateway's own parsers, oc_http and est_http) and its reading of the
 * gateway's answers: certificates, or the sentence for each refusal
 * (table-driven).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "est_client.h"
#include "est_http.h"
#include "oc_http.h"

static const uint8_t csr[] = {0x30, 0x03, 0x02, 0x01, 0x05};

/* The request as the gateway reads it. */
static void read_back(const char *req, size_t len, struct est_request *er)
{
	struct oc_request *h = calloc(1, sizeof(*h));
	unsigned status = 0;
	size_t used = 0;
	const char *why = NULL;

	assert_non_null(h);
	assert_int_equal(oc_http_parse((const uint8_t *)req, len, h, &used, &status, &why),
			 OC_HTTP_OK);
	assert_int_equal(used, len);
	assert_true(est_http_is_est(h));
	assert_true(est_http_classify(h, er, &status, &why));
	free(h);
}

static void test_est_client_request_read_by_gateway(void **state)
{
	struct est_request *er = calloc(1, sizeof(*er));
	size_t len;
	char *req;

	(void)state;
	assert_non_null(er);
	req = est_client_request(EST_OP_SIMPLEENROLL, "gw.test:8443", "alice",
				 "4FCCEEGXC-HK2Z8K7S5", csr, sizeof(csr), &len);
	assert_non_null(req);
	assert_int_equal(strlen(req), len);
	read_back(req, len, er);
	assert_int_equal(er->op, EST_OP_SIMPLEENROLL);
	assert_true(er->has_basic);
	assert_string_equal(er->user, "alice");
	assert_string_equal(er->password, "4FCCEEGXC-HK2Z8K7S5");
	assert_int_equal(er->csr_len, sizeof(csr));
	assert_memory_equal(er->csr, csr, sizeof(csr));
	free(req);

	memset(er, 0, sizeof(*er));
	req = est_client_request(EST_OP_SIMPLEREENROLL, "gw.test", NULL, NULL, csr, sizeof(csr),
				 &len);
	assert_non_null(req);
	read_back(req, len, er);
	assert_int_equal(er->op, EST_OP_SIMPLEREENROLL);
	assert_false(er->has_basic);
	assert_null(strstr(req, "Authorization"));
	free(req);

	memset(er, 0, sizeof(*er));
	req = est_client_request(EST_OP_CACERTS, "gw.test", NULL, NULL, NULL, 0, &len);
	assert_non_null(req);
	read_back(req, len, er);
	assert_int_equal(er->op, EST_OP_CACERTS);
	free(req);
	free(er);
}

static void test_est_client_request_refuses_bad_fields(void **state)
{
	size_t len;

	(void)state;
	assert_null(est_client_request(EST_OP_SIMPLEENROLL, "gw", "al:ice", "T", csr, 5, &len));
	assert_null(est_client_request(EST_OP_SIMPLEENROLL, "gw", "alice\n", "T", csr, 5, &len));
	assert_null(est_client_request(EST_OP_SIMPLEENROLL, "gw", "", "T", csr, 5, &len));
	assert_null(est_client_request(EST_OP_SIMPLEENROLL, "gw", "alice", NULL, csr, 5, &len));
	assert_null(est_client_request(EST_OP_SIMPLEREENROLL, "gw", NULL, NULL, NULL, 0, &len));
	assert_null(est_client_request(EST_OP_CACERTS, "g\r\nX: y", NULL, NULL, NULL, 0, &len));
}

struct reply_case {
	const char *name;
	enum est_op op;
	unsigned status;
	const char *ctype, *body;
	int want;	  /* 0 or -1 */
	const char *says; /* in err (-1), or the decoded body (0) */
};

static const struct reply_case replies[] = {
    {"certs", EST_OP_SIMPLEENROLL, 200, "application/pkcs7-mime; smime-type=certs-only",
     "MAMC\r\nAQU=\r\n", 0, "\x30\x03\x02\x01\x05"},
    {"used token", EST_OP_SIMPLEENROLL, 403, "text/plain", "token already used\n", -1,
     "refused (403): token already used"},
    {"no credentials", EST_OP_SIMPLEENROLL, 401, "text/plain", "", -1,
     "credentials (401): no reason given"},
    {"enroll off", EST_OP_SIMPLEENROLL, 404, "text/plain", "not found\n", -1, "enroll is off"},
    {"renew off", EST_OP_SIMPLEREENROLL, 404, "text/plain", "x\n", -1, "enroll is off"},
    {"cacerts 404", EST_OP_CACERTS, 404, "text/plain", "nope\n", -1, "answered 404: nope"},
    {"control bytes", EST_OP_SIMPLEENROLL, 403, "text/plain", "a\033[2Jb\nsecond", -1,
     "(403): a.[2Jb"},
    {"server error", EST_OP_SIMPLEREENROLL, 500, "text/plain", "signer down", -1,
     "answered 500: signer down"},
    {"wrong type", EST_OP_CACERTS, 200, "text/html", "MAMCAQU=", -1, "not application/pkcs7"},
    {"not base64", EST_OP_CACERTS, 200, "application/pkcs7-mime", "M!!!", -1, "not base64"},
};

static void test_est_client_reply_table(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(replies) / sizeof(replies[0]); i++) {
		const struct reply_case *t = &replies[i];
		struct http_resp r = {.status = t->status};
		char err[256] = "";
		uint8_t *der = NULL;
		size_t len = 0;
		int rc;

		print_message("case %s\n", t->name);
		strcpy(r.content_type, t->ctype);
		r.body = (const uint8_t *)t->body;
		r.body_len = strlen(t->body);
		rc = est_client_reply(t->op, &r, &der, &len, err, sizeof(err));
		assert_int_equal(rc, t->want);
		if (rc == 0) {
			assert_int_equal(len, strlen(t->says));
			assert_memory_equal(der, t->says, len);
		} else {
			assert_null(der);
			assert_non_null(strstr(err, t->says));
		}
		free(der);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_est_client_request_read_by_gateway),
	    cmocka_unit_test(test_est_client_request_refuses_bad_fields),
	    cmocka_unit_test(test_est_client_reply_table),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
