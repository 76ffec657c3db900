/*
 * est_csr.c - an EST enrollment request checked (see est_csr.h for the
 * rule that only its public key is used). wolfCrypt does the work in
 * certgen_csr_parse: wc_ParseCert(CERTREQ_TYPE, VERIFY) verifies the
 * request's signature with the key it carries, in the optimized build and
 * in Debian's libwolfssl alike (both define WOLFSSL_CERT_REQ).
 */
#include <string.h>

#include "est_csr.h"

int est_csr_check(const uint8_t *der, size_t len, struct est_csr *out, char *err, size_t errlen)
{
	memset(out, 0, sizeof(*out));
	out->key = certgen_csr_parse(der, len, "the enrollment request", out->requested_cn,
				     sizeof(out->requested_cn), err, errlen);
	return out->key != NULL ? 0 : -1;
}

void est_csr_deinit(struct est_csr *c)
{
	certgen_key_free(c->key);
	memset(c, 0, sizeof(*c));
}
