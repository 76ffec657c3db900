/*
 * fuzz_est_http.c - arbitrary bytes as an EST request: the HTTP parser
 * and est_http_classify never read past the input; an accepted request
 * has a known operation, a decoded PKCS#10 that is one DER SEQUENCE within
 * the bound and NUL-terminated credentials; a refusal always carries an
 * HTTP status and a reason; the error reply for it fits and is HTTP.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "est_http.h"
#include "est_reply.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* A copy of exactly size bytes, so ASan sees any read past it. */
	uint8_t *p = malloc(size > 0 ? size : 1);
	static struct est_request er;
	struct oc_request rq;
	const char *why;
	unsigned status;
	size_t used;
	char out[1024];

	if (p == NULL)
		return 0;
	memcpy(p, data, size);
	if (oc_http_parse(p, size, &rq, &used, &status, &why) == OC_HTTP_OK &&
	    est_http_is_est(&rq)) {
		if (est_http_classify(&rq, &er, &status, &why)) {
			if (er.op > EST_OP_SIMPLEREENROLL || strlen(er.user) >= sizeof(er.user) ||
			    strlen(er.password) >= sizeof(er.password) ||
			    (er.has_basic && er.user[0] == 0) || er.csr_len > sizeof(er.csr) ||
			    (er.op != EST_OP_CACERTS && (er.csr_len < 2 || er.csr[0] != 0x30)))
				abort();
		} else {
			size_t n;

			if (why == NULL || status < 400 || status > 499 || er.password[0] != 0)
				abort();
			n = est_reply_error(out, sizeof(out), status, why, er.op);
			if (n == 0 || memcmp(out, "HTTP/1.1 4", 10) != 0)
				abort();
		}
	}
	free(p);
	return 0;
}
