/*
 * fuzz_crl_parse.c - arbitrary bytes as a CRL (DER, or PEM when the input
 * does not start with a SEQUENCE) and as a CA bundle. Whatever decodes must
 * keep its invariants: slices inside the DER it owns, entries within their
 * bounds, nextUpdate not before thisUpdate; a refusal always has a reason.
 * A decoded CRL is also run through signature verification against a fixed
 * self-signed P-256 CA (which must never accept it, barring a forgery).
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "crl_parse.h"
#include "crl_verify.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static bool inside(const struct crl *c, const uint8_t *p, size_t n)
{
	return p >= c->der && n <= c->der_len && (size_t)(p - c->der) <= c->der_len - n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct crl_issuer *iss = NULL;
	struct crl c;
	const char *why = NULL;
	size_t n = 0, which;
	struct cert_ref ref;

	if (crl_parse_decode(data, size, &c, &why) == CRL_PARSE_OK) {
		if (!inside(&c, c.tbs, c.tbs_len) || !inside(&c, c.issuer, c.issuer_len) ||
		    !inside(&c, c.sig, c.sig_len) || c.n_entries > CRL_PARSE_MAX_ENTRIES ||
		    (c.next_update != 0 && c.next_update < c.this_update) ||
		    (c.version != 1 && c.version != 2) || c.aki_len > CRL_AKI_MAX)
			__builtin_trap();
		for (size_t i = 0; i < c.n_entries; i++)
			if (c.entries[i].serial_len == 0 ||
			    c.entries[i].serial_len > CRL_SERIAL_MAX || c.entries[i].reason > 10)
				__builtin_trap();
		(void)crl_verify(&c, NULL, 0, &which, &why);
		crl_parse_free(&c);
	} else if (why == NULL) {
		__builtin_trap();
	}
	/* The same bytes as a certificate bundle, and as one certificate. */
	if (crl_verify_issuers_load(data, size, &iss, &n, &why) == 0)
		crl_verify_issuers_free(iss, n);
	(void)crl_verify_cert_ref(data, size, &ref);
	return 0;
}
