/*
 * est_enroll.h - the certificates of an EST enrollment on the client
 * (docs/protocol.md 13.10): the PKCS#10 request for a key made here, the
 * certificates out of the gateway's certs-only answer, and the SHA-256
 * fingerprints that let a token printout vouch for the CA (RFC 7030
 * 4.1.1). Pure: no I/O, never logs.
 */
#ifndef MTLSVPN_EST_ENROLL_H
#define MTLSVPN_EST_ENROLL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "certgen.h"
#include "pkcs7_certs.h"

#define EST_ENROLL_FP_LEN 32 /* SHA-256 */
#define EST_ENROLL_FP_HEX (2 * EST_ENROLL_FP_LEN + 1)

/* A PKCS#10 request, DER on the heap (*len bytes), subject CN=cn, signed
 * with key (proof of possession). NULL with err. */
uint8_t *est_enroll_csr(struct certgen_key *key, const char *cn, size_t *len, char *err,
			size_t errlen);

/* The certificates of a certs-only message (taking der, heap), in the
 * gateway's order: for an enrollment the new certificate first. */
struct est_enroll_certs {
	uint8_t *der;
	size_t der_len;
	struct pkcs7_certs_item certs[PKCS7_CERTS_MAX];
	size_t n;
};
/* 0, or -1 with err (der is freed either way: c owns it on success). */
int est_enroll_certs_take(uint8_t *der, size_t len, struct est_enroll_certs *c, char *err,
			  size_t errlen);
void est_enroll_certs_free(struct est_enroll_certs *c);

/* The SHA-256 of a DER certificate, as lowercase hex. */
void est_enroll_fingerprint(const uint8_t *der, size_t len, char out[static EST_ENROLL_FP_HEX]);
/* A fingerprint as people copy it: 64 hex digits, any case, colons or
 * spaces between bytes allowed, an optional "sha256:" in front. */
bool est_enroll_fingerprint_parse(const char *s, uint8_t out[static EST_ENROLL_FP_LEN]);
/* The index in c of the certificate with this fingerprint, or -1. */
int est_enroll_find_fingerprint(const struct est_enroll_certs *c,
				const uint8_t fp[static EST_ENROLL_FP_LEN]);

#endif
