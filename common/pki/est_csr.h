/*
 * est_csr.h - the checks an EST enrollment request (RFC 7030 4.2.1, a DER
 * PKCS#10 from est_http.h) passes before the gateway signs anything:
 * parsed, its self-signature verified with its own public key (proof of
 * possession, RFC 7030 3.4 without channel binding), and its key strong
 * enough: EC P-256 or RSA of 2048 bits or more; other curves and key
 * types, and smaller RSA keys, are refused. Pure: no I/O, no logging.
 *
 * THE RULE: only the public key is taken from the request. The subject
 * and the SANs of the certificate issued are decided by the gateway: the
 * identity (and group) of the one-time token for simpleenroll, the subject
 * and SANs of the current, verified client certificate for simplereenroll.
 * Whatever subject, SANs, extensions or attributes the request carries are
 * ignored; requested_cn is kept only so a mismatch can be logged.
 */
#ifndef MTLSVPN_EST_CSR_H
#define MTLSVPN_EST_CSR_H

#include <stddef.h>
#include <stdint.h>

#include "certgen.h"

struct est_csr {
	struct certgen_key *key; /* the public key to certify (owned) */
	char requested_cn[256];	 /* for the audit trail only, never the subject */
};

/* 0 with out filled (free with est_csr_deinit), or -1 with err saying
 * why the request is refused: it does not parse, its signature does not
 * verify, its key is weak or of an unsupported type. */
int est_csr_check(const uint8_t *der, size_t len, struct est_csr *out, char *err, size_t errlen);
void est_csr_deinit(struct est_csr *c);

#endif
