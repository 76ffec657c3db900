/*
 * crl_verify.h - does a CRL come from one of our CAs? Pure (wolfCrypt only,
 * no wolfSSL, no I/O, no logging): the CA bundle is decoded once into
 * issuers; a CRL is accepted if its issuer Name equals an issuer's subject
 * byte for byte, its authorityKeyIdentifier (if any) equals that issuer's
 * subjectKeyIdentifier (if any), and its signature verifies with that
 * issuer's public key. Also the (issuer, serial) reference of a certificate
 * that revocation matches on.
 */
#ifndef MTLSVPN_CRL_VERIFY_H
#define MTLSVPN_CRL_VERIFY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "crl_parse.h"
#include "identity.h"

struct crl_issuer {
	uint8_t *der; /* owned */
	size_t der_len;
	struct crl_cert cert; /* slices of der */
	uint8_t subject_hash[CERT_NAME_HASH_LEN];
	uint8_t issuer_hash[CERT_NAME_HASH_LEN];
};

/* Every CERTIFICATE block of a PEM bundle (or one DER certificate).
 * 0 with *out (free with crl_verify_issuers_free), or -1 with *why. */
int crl_verify_issuers_load(const uint8_t *in, size_t len, struct crl_issuer **out, size_t *n,
			    const char **why);
void crl_verify_issuers_free(struct crl_issuer *v, size_t n);

enum crl_verify_result {
	CRL_VERIFY_OK,
	CRL_VERIFY_NO_ISSUER,	  /* no CA in the bundle has the CRL's issuer name (and key id) */
	CRL_VERIFY_BAD_SIGNATURE, /* the issuer's key does not verify it */
	CRL_VERIFY_UNSUPPORTED,	  /* key type does not fit the algorithm, or does not decode */
};

/* Does sig (signatureValue bytes) over tbs verify with the key of spki (a
 * SubjectPublicKeyInfo TLV)? Shared with ocsp.c. */
enum crl_verify_result crl_verify_signature(enum crl_sig_alg alg, const uint8_t *tbs,
					    size_t tbs_len, const uint8_t *sig, size_t sig_len,
					    const struct crl_der *spki, const char **why);

/* Tries every issuer that fits; *which is the one that verified. */
enum crl_verify_result crl_verify(const struct crl *c, const struct crl_issuer *iss, size_t n,
				  size_t *which, const char **why);

/* SHA-256 of a Name's DER. */
bool crl_verify_name_hash(const uint8_t *name, size_t len, uint8_t out[static CERT_NAME_HASH_LEN]);

/* The reference of a DER certificate. */
bool crl_verify_cert_ref(const uint8_t *der, size_t len, struct cert_ref *out);

#endif
