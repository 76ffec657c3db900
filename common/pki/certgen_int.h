/*
 * certgen_int.h - what the certgen_*.c files share and nobody else sees:
 * the key object (wolfCrypt types stay out of certgen.h), the error-buffer
 * helper and whole-file reads.
 */
#ifndef MTLSVPN_CERTGEN_INT_H
#define MTLSVPN_CERTGEN_INT_H

#include <wolfssl/options.h> /* before any wolfCrypt header: struct layouts */
#include <wolfssl/wolfcrypt/settings.h>
#include <wolfssl/wolfcrypt/ecc.h>
#include <wolfssl/wolfcrypt/rsa.h>

#include <stddef.h>
#include <stdint.h>

#include "certgen.h"
#include "errbuf.h"

struct certgen_key {
	enum certgen_key_type type;
	union {
		ecc_key ecc;
		RsaKey rsa;
	} u;
};

const char *certgen_wc_err(int rc); /* wolfCrypt's words for an error code */

/* wolfCrypt's key type (ECC_TYPE / RSA_TYPE) and key object. */
int certgen_key_wc_type(const struct certgen_key *k);
void *certgen_key_obj(struct certgen_key *k);

/* certgen_key_load with an optional passphrase (encrypted PEM keys). */
struct certgen_key *certgen_key_load_with(const char *path, const char *pass, char *err,
					  size_t errlen);

/* The private key as PKCS#8 PrivateKeyInfo DER into out: its length, or
 * -1. The caller wipes out. */
int certgen_key_pkcs8(struct certgen_key *key, uint8_t *out, size_t cap);

/* DER -> PEM in a fresh buffer; NULL on failure. */
uint8_t *certgen_der_to_pem(const uint8_t *der, size_t der_len, int type, size_t *pem_len);

/* A whole file of at most 64 KiB; NULL with err set. The caller wipes
 * (keys) and frees. */
uint8_t *certgen_file_read(const char *path, size_t *len, char *err, size_t errlen);

#endif
