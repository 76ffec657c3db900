/*
 * crl_bundle.h - every CRL of one file, the way admins keep them: DER (one
 * CertificateList, or several back to back) or PEM with any number of
 * "X509 CRL" blocks (a root's CRL, then its intermediate's). Pure: no I/O,
 * no logging. All or nothing: a block with another label, a block that does
 * not decode, a truncated block, or bytes outside the blocks that are not
 * text refuse the whole file, naming the CRL and why.
 */
#ifndef MTLSVPN_CRL_BUNDLE_H
#define MTLSVPN_CRL_BUNDLE_H

#include <stddef.h>
#include <stdint.h>

#include "crl_parse.h"

#define CRL_BUNDLE_MAX 64 /* CRLs in one file */

struct crl_bundle {
	struct crl *crls; /* in the file's order; each owns its DER */
	size_t n;
};

/* 0 with *out (free with crl_bundle_free; at least one CRL), or -1 with
 * *out empty and err saying which CRL failed and why, e.g. "CRL 2 of the
 * file (line 14): not a usable CRL (malformed): ...". */
int crl_bundle_decode(const uint8_t *in, size_t len, struct crl_bundle *out, char *err,
		      size_t errlen);
void crl_bundle_free(struct crl_bundle *b);

#endif
