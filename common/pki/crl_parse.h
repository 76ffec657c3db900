/*
 * crl_parse.h - a sans-I/O decoder for X.509 v1/v2 certificate revocation
 * lists (RFC 5280 section 5) in DER or PEM, from our CA or any other. Pure:
 * no I/O, no logging; a refusal comes back with a reason in words. Every
 * length is checked before it is trusted, the input and the entry count are
 * bounded, and a critical extension we do not understand refuses the CRL
 * (a delta or an indirect CRL must never be read as a complete one).
 * Also the small DER reader crl_verify.c, tls_cert.c and ocsp.c share.
 */
#ifndef MTLSVPN_CRL_PARSE_H
#define MTLSVPN_CRL_PARSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CRL_PARSE_MAX_INPUT (64u * 1024 * 1024) /* bytes, PEM or DER */
#define CRL_PARSE_MAX_ENTRIES 1000000u
#define CRL_SERIAL_MAX 32 /* bytes after leading zeros; RFC 5280 says 20 */
#define CRL_AKI_MAX 64

enum crl_parse_result {
	CRL_PARSE_OK,
	CRL_PARSE_MALFORMED,   /* not a CRL, or a length or value out of range */
	CRL_PARSE_UNSUPPORTED, /* well formed but not for us (critical extension, algorithm) */
	CRL_PARSE_TOO_BIG,     /* input or entry count over the bounds above */
	CRL_PARSE_NOMEM,
};

enum crl_sig_alg {
	CRL_SIG_UNKNOWN,
	CRL_SIG_ECDSA_SHA256,
	CRL_SIG_ECDSA_SHA384,
	CRL_SIG_ECDSA_SHA512,
	CRL_SIG_RSA_SHA256,
	CRL_SIG_RSA_SHA384,
	CRL_SIG_RSA_SHA512,
};

/* CRLReason (RFC 5280 5.3.1); CRL_REASON_NONE when the entry has none. */
#define CRL_REASON_NONE (-1)

struct crl_entry {
	uint8_t serial[CRL_SERIAL_MAX]; /* big endian, leading zero bytes removed */
	uint8_t serial_len;		/* 1..CRL_SERIAL_MAX */
	int8_t reason;			/* 0..10, or CRL_REASON_NONE */
	int64_t date;			/* revocationDate, unix time */
};

/* A decoded CRL. The slices point into der, which the struct owns. */
struct crl {
	uint8_t *der;
	size_t der_len;
	const uint8_t *tbs; /* tbsCertList TLV: what the signature covers */
	size_t tbs_len;
	const uint8_t *issuer; /* issuer Name TLV, as encoded */
	size_t issuer_len;
	enum crl_sig_alg sig_alg;
	const uint8_t *sig; /* signatureValue bits (whole bytes) */
	size_t sig_len;
	int version; /* 1 or 2 */
	int64_t this_update;
	int64_t next_update; /* 0 if absent */
	bool has_number;
	uint8_t number[20]; /* cRLNumber, big endian, leading zeros removed */
	uint8_t number_len;
	uint8_t aki[CRL_AKI_MAX];  /* authorityKeyIdentifier keyIdentifier */
	uint8_t aki_len;	   /* 0 if absent */
	struct crl_entry *entries; /* in the CRL's order */
	size_t n_entries;
};

/* Decode one CRL from PEM ("-----BEGIN X509 CRL-----") or DER. On success
 * *out owns a copy of the DER (free with crl_parse_free); on failure *out is
 * empty and *why says what is wrong. Does not verify the signature (see
 * crl_verify.h). */
enum crl_parse_result crl_parse_decode(const uint8_t *in, size_t len, struct crl *out,
				       const char **why);
void crl_parse_free(struct crl *c);

/* Finds the next PEM block labelled label ("X509 CRL", "CERTIFICATE") in
 * in[*off..len) and decodes its base64 into a malloc'd *der; advances *off
 * past it. 1 found, 0 no more blocks, -1 malformed block or no memory. */
int crl_parse_pem_next(const uint8_t *in, size_t len, size_t *off, const char *label, uint8_t **der,
		       size_t *der_len);

/* "keyCompromise", ... or "unspecified" for CRL_REASON_NONE. */
const char *crl_parse_reason_name(int reason);
const char *crl_parse_result_str(enum crl_parse_result r);

/* ---- the DER reader (shared with crl_verify.c and tls_cert.c) ---- */

struct crl_der {
	const uint8_t *p;
	size_t len;
};

/* Next TLV of d: single-byte tag, definite length of at most 4 bytes that
 * fits in d. *tlv (optional) spans the whole TLV, *val its contents. */
bool crl_der_next(struct crl_der *d, uint8_t *tag, struct crl_der *val, struct crl_der *tlv);
/* The next TLV must have tag want. */
bool crl_der_expect(struct crl_der *d, uint8_t want, struct crl_der *val, struct crl_der *tlv);

/* An INTEGER's contents, minimal, with leading zero bytes removed. */
bool crl_der_uint(const struct crl_der *v, struct crl_der *out);

/* An AlgorithmIdentifier's contents as a signature algorithm we verify;
 * CRL_SIG_UNKNOWN if it is none of them or has unexpected parameters. */
enum crl_sig_alg crl_der_sig_alg(const struct crl_der *alg);

/* UTCTime (tag 0x17) or GeneralizedTime (0x18), "Z" form, to unix time. */
bool crl_der_time(uint8_t tag, const struct crl_der *v, int64_t *out);

/* A certificate's serial and issuer Name TLV, and its subject and
 * subjectPublicKeyInfo and subjectKeyIdentifier (len 0 if absent), as slices
 * of der. False if the certificate does not decode. */
struct crl_cert {
	struct crl_der serial;	/* INTEGER contents, leading zeros removed */
	struct crl_der issuer;	/* Name TLV */
	struct crl_der subject; /* Name TLV */
	struct crl_der spki;	/* SubjectPublicKeyInfo TLV */
	struct crl_der ski;	/* keyIdentifier bytes */
};
bool crl_der_cert(const uint8_t *der, size_t len, struct crl_cert *out);

#endif
