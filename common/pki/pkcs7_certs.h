/*
 * pkcs7_certs.h - PKCS#7 "certs-only" (RFC 7030 sections 4.1.3 and 4.2.3,
 * RFC 5652 section 5): a degenerate SignedData with no content and no
 * signers whose only payload is certificates; how EST hands out the CA
 * certificates and an issued certificate. Built and read here in plain DER
 * (the optimized wolfSSL has no PKCS7). Pure: no I/O, no logging.
 *
 *   ContentInfo { contentType signedData (1.2.840.113549.1.7.2),
 *     content [0] EXPLICIT SignedData {
 *       version 1, digestAlgorithms {}, encapContentInfo { data },
 *       certificates [0] IMPLICIT { Certificate ... }, signerInfos {} } }
 *
 * The certificates keep the caller's order (leaf first, as OpenSSL's
 * crl2pkcs7 does), not the sorted order strict DER asks of a SET OF:
 * readers take either, and the order tells a client which is its own.
 */
#ifndef MTLSVPN_PKCS7_CERTS_H
#define MTLSVPN_PKCS7_CERTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PKCS7_CERTS_MAX 16 /* certificates one reply carries at most */

struct pkcs7_certs_item {
	const uint8_t *der;
	size_t len;
};

/* The DER of a certs-only SignedData carrying certs[0..n) (each a whole
 * Certificate TLV), heap; NULL if n is 0 or over the limit, a certificate
 * is not one DER SEQUENCE, or memory runs out. */
uint8_t *pkcs7_certs_build(const struct pkcs7_certs_item *certs, size_t n, size_t *len);

/* The same, base64 with CRLF every 64 characters: an EST reply body. */
char *pkcs7_certs_build_base64(const struct pkcs7_certs_item *certs, size_t n, size_t *len);

/* Reads a certs-only SignedData: out[] points into der at each certificate
 * (in order), *n their number. false, with *why, if it is not one (another
 * content type, signers present, trailing bytes, more than max). */
bool pkcs7_certs_parse(const uint8_t *der, size_t len, struct pkcs7_certs_item *out, size_t max,
		       size_t *n, const char **why);

#endif
