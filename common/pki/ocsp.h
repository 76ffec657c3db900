/*
 * ocsp.h - a sans-I/O OCSP client core (RFC 6960): the CertID of a
 * certificate, the DER of an OCSPRequest for it, and the decoding and
 * verification of the OCSPResponse that comes back. Pure (wolfCrypt only, no
 * I/O, no logging): every refusal comes back as a result and a reason in
 * words. A response is believed only if its signature verifies with the
 * issuing CA's key or with a delegated responder certificate the CA signed
 * for id-kp-OCSPSigning, and only while thisUpdate/nextUpdate say it is fresh.
 */
#ifndef MTLSVPN_OCSP_H
#define MTLSVPN_OCSP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "crl_parse.h"

#define OCSP_SHA1_LEN 20
#define OCSP_NONCE_LEN 16
#define OCSP_REQUEST_MAX 256	      /* bytes of an OCSPRequest we build */
#define OCSP_RESPONSE_MAX (64 * 1024) /* bytes of a response we read */
#define OCSP_URL_MAX 256

/* Which certificate a request asks about (SHA-1, as every responder knows). */
struct ocsp_certid {
	uint8_t name_hash[OCSP_SHA1_LEN]; /* of the issuer's subject Name DER */
	uint8_t key_hash[OCSP_SHA1_LEN];  /* of the issuer's subjectPublicKey bits */
	uint8_t serial[CRL_SERIAL_MAX];	  /* big endian, leading zeros removed */
	uint8_t serial_len;
};

enum ocsp_result {
	OCSP_OK,
	OCSP_MALFORMED,	    /* not an OCSPResponse, or a field out of range */
	OCSP_NOT_SUCCESS,   /* responseStatus is not successful (tryLater, ...) */
	OCSP_UNSUPPORTED,   /* not a basic response, or an algorithm we lack */
	OCSP_BAD_SIGNATURE, /* no acceptable signer verifies it */
	OCSP_NO_MATCH,	    /* no SingleResponse for our CertID */
	OCSP_STALE,	    /* thisUpdate in the future or nextUpdate past */
	OCSP_BAD_NONCE,	    /* the response echoes another nonce */
};

enum ocsp_status {
	OCSP_STATUS_GOOD,
	OCSP_STATUS_REVOKED,
	OCSP_STATUS_UNKNOWN,
};

struct ocsp_answer {
	enum ocsp_status status;
	int64_t this_update;
	int64_t next_update; /* 0 if the responder gave none */
	int64_t revoked_at;  /* revocationTime, if revoked */
	int reason;	     /* CRLReason, or CRL_REASON_NONE */
	bool delegated;	     /* signed by a delegated responder certificate */
};

/* What freshness means: how far the clocks may disagree, and how old a
 * response without nextUpdate may be. */
struct ocsp_policy {
	int64_t now;
	unsigned skew_s;
	unsigned max_age_s;
};

/* The CertID of the certificate with this serial issued by issuer. */
bool ocsp_certid_make(const struct crl_cert *issuer, const uint8_t *serial, size_t serial_len,
		      struct ocsp_certid *out);

/* An OCSPRequest for id, with a nonce extension when nonce is non-NULL
 * (nonce_len 1..32). Returns its length, 0 if cap is too small. */
size_t ocsp_request_encode(const struct ocsp_certid *id, const uint8_t *nonce, size_t nonce_len,
			   uint8_t *out, size_t cap);

/* Decode and verify an OCSPResponse about id from the CA issuer. When the
 * request carried a nonce and the response echoes one, they must match.
 * OCSP_OK fills *out; anything else sets *why. */
enum ocsp_result ocsp_response_check(const uint8_t *der, size_t len, const struct ocsp_certid *id,
				     const struct crl_cert *issuer, const uint8_t *nonce,
				     size_t nonce_len, const struct ocsp_policy *pol,
				     struct ocsp_answer *out, const char **why);

/* The first OCSP accessLocation URI of a certificate's Authority
 * Information Access extension. False if there is none (or it is not a
 * URI that fits in cap). */
bool ocsp_aia_url(const uint8_t *cert, size_t len, char *out, size_t cap);

const char *ocsp_result_str(enum ocsp_result r);
const char *ocsp_status_str(enum ocsp_status s);

#endif
