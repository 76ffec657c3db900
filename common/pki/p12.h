/*
 * p12.h - a client certificate, its chain and its private key in one
 * PKCS#12 (RFC 7292) file, the form stock VPN clients and the key stores of
 * Windows, macOS, Android and iOS import. Pure, like the rest of certgen:
 * nothing here logs; failures fill an error buffer.
 *
 * The file is encoded here from wolfCrypt primitives, not with
 * wc_PKCS12_create: in wolfSSL 5.5.4 that function encrypts only with the
 * PKCS#12 PBEs of RC4, DES or 3DES (or not at all), so it cannot make the
 * modern form and, in a build with NO_DES3 and NO_RC4, cannot encrypt the
 * key at all.
 *
 * P12_MODERN: the key in a pkcs8ShroudedKeyBag under PBES2 (PBKDF2 with
 * HMAC-SHA256, AES-256-CBC), the MAC HMAC-SHA256. P12_LEGACY: the key under
 * pbeWithSHAAnd3-KeyTripleDES-CBC, the MAC HMAC-SHA1, for older key stores
 * that know nothing newer; only if this wolfSSL has 3DES. In both the
 * certificates (public) go unencrypted, the MAC covering them.
 */
#ifndef MTLSVPN_P12_H
#define MTLSVPN_P12_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "certgen.h"

#define P12_ITERATIONS 10000 /* PBKDF2 and MAC iterations */
#define P12_CHAIN_MAX 8	     /* certificates besides the leaf */
#define P12_PASS_MAX 1024

enum p12_enc { P12_MODERN, P12_LEGACY };

struct p12_in {
	const uint8_t *cert; /* the leaf, DER */
	size_t cert_len;
	/* the issuers up to the root, DER, nearest first */
	const uint8_t *chain[P12_CHAIN_MAX];
	size_t chain_len[P12_CHAIN_MAX];
	size_t n_chain;
	struct certgen_key *key; /* the leaf's private key */
	const char *pass;	 /* UTF-8, not empty */
	const char *name;	 /* friendlyName (UTF-8), or NULL */
	enum p12_enc enc;
	unsigned iterations; /* 0: P12_ITERATIONS */
};

/* True if this wolfSSL build can make P12_LEGACY (it has 3DES). */
bool p12_legacy_supported(void);

/* The DER PKCS#12 in a fresh buffer (*out, *out_len bytes; the caller
 * wipes and frees it), 0; or -1 with err. */
int p12_build(const struct p12_in *in, uint8_t **out, size_t *out_len, char *err, size_t errlen);

/* Every certificate of a PEM text, in order, as DER in fresh buffers
 * (der[i], len[i]; free each): their count (at most max), or -1 with err
 * (none, or more than max). */
int p12_pem_certs(const uint8_t *pem, size_t pem_len, uint8_t **der, size_t *len, size_t max,
		  char *err, size_t errlen);

#endif
