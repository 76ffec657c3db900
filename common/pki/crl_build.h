/*
 * crl_build.h - an X.509 v2 certificate revocation list (RFC 5280 5.1),
 * encoded in DER by our own small encoder (wolfSSL 5.5 parses CRLs but
 * cannot build them) and signed with wolfCrypt. Pure: no logging, no files;
 * errors go to the caller's buffer. Lengths are computed bottom-up with
 * overflow checks, so no input can make the encoder write out of bounds.
 */
#ifndef MTLSVPN_CRL_BUILD_H
#define MTLSVPN_CRL_BUILD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CRL_BUILD_SERIAL_MAX 20 /* RFC 5280 4.1.2.2: at most 20 octets */
#define CRL_BUILD_KEYID_MAX 64
#define CRL_BUILD_TIME_MAX 17 /* tag, length, YYYYMMDDHHMMSSZ */

/* RFC 5280 5.3.1 CRLReason values (7 is unused; certificateHold and
 * removeFromCRL are not offered: holds are not revocations). */
enum crl_build_reason {
	CRL_REASON_UNSPECIFIED = 0,
	CRL_REASON_KEY_COMPROMISE = 1,
	CRL_REASON_CA_COMPROMISE = 2,
	CRL_REASON_AFFILIATION_CHANGED = 3,
	CRL_REASON_SUPERSEDED = 4,
	CRL_REASON_CESSATION_OF_OPERATION = 5,
	CRL_REASON_PRIVILEGE_WITHDRAWN = 9,
};

/* "keyCompromise" <-> CRL_REASON_KEY_COMPROMISE; parse is exact-case. */
bool crl_build_reason_parse(const char *name, enum crl_build_reason *out);
const char *crl_build_reason_name(enum crl_build_reason r);

enum crl_build_sig {
	CRL_BUILD_SIG_ECDSA_SHA256, /* key: a wolfCrypt ecc_key */
	CRL_BUILD_SIG_RSA_SHA256,   /* key: a wolfCrypt RsaKey (PKCS#1 v1.5) */
};

struct crl_build_entry {
	uint8_t serial[CRL_BUILD_SERIAL_MAX]; /* unsigned big-endian magnitude */
	size_t serial_len;		      /* 1..20 */
	int64_t revoked;		      /* unix time */
	enum crl_build_reason reason;	      /* UNSPECIFIED: no reasonCode (5.3.1) */
};

struct crl_build_req {
	const uint8_t *issuer; /* the issuer's subject Name, DER, copied as is */
	size_t issuer_len;
	const uint8_t *key_id; /* the issuer's subjectKeyIdentifier value */
	size_t key_id_len;     /* 1..CRL_BUILD_KEYID_MAX */
	uint64_t crl_number;   /* cRLNumber: monotonic, never reused */
	int64_t this_update, next_update;
	const struct crl_build_entry *entries;
	size_t n_entries;
	enum crl_build_sig sig;
};

/* The whole signed CertificateList in a fresh heap buffer (*der, *der_len);
 * key is the wolfCrypt key object that matches req->sig. 0 or -1 with err. */
int crl_build(const struct crl_build_req *req, void *key, uint8_t **der, size_t *der_len, char *err,
	      size_t errlen);

/* The unsigned TBSCertList alone (what crl_build signs); for tests. */
int crl_build_tbs(const struct crl_build_req *req, uint8_t **der, size_t *der_len, char *err,
		  size_t errlen);

/* ---- the encoder's pieces, exposed for tests ---- */

/* DER length octets for len into out (up to 9 bytes); returns their count:
 * short form below 128, long form with the fewest octets otherwise. */
size_t crl_build_len(size_t len, uint8_t out[static 9]);
/* A complete INTEGER TLV for an unsigned magnitude: leading zero octets
 * dropped, one 0x00 added when the high bit is set, zero as 02 01 00.
 * Returns its size, or 0 if cap is too small. */
size_t crl_build_integer(const uint8_t *mag, size_t n, uint8_t *out, size_t cap);
/* A complete Time TLV: UTCTime for 1950..2049, GeneralizedTime otherwise
 * (RFC 5280 4.1.2.5). Returns its size, or 0 if t cannot be represented
 * (before year 0 or after 9999). */
size_t crl_build_time(int64_t t, uint8_t out[static CRL_BUILD_TIME_MAX]);

#endif
