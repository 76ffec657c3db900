/*
 * certgen_token.c - a certgen key whose private half stays in a PKCS#11
 * token (p11key.h): a wolfCrypt EC key bound to the token's device and
 * object (id, else label) and carrying the public point the token holds,
 * so every signature certgen makes with it (certificates, requests, CRLs)
 * is made in the token, and certgen_key_matches compares the public key.
 * The p11key must outlive the key. Pure, like the rest of certgen.
 */
#include <wolfssl/options.h>
#include <wolfssl/wolfcrypt/settings.h>
#include <wolfssl/wolfcrypt/ecc.h>
#include <wolfssl/wolfcrypt/random.h>
#include <wolfssl/wolfcrypt/rsa.h>

#include <stdlib.h>
#include <string.h>

#include "certgen.h"
#include "certgen_int.h"
#include "p11key.h"

struct certgen_key *certgen_key_token(const struct p11key *k, char *err, size_t errlen)
{
	struct certgen_key *key;
	const uint8_t *point, *kid;
	uint8_t id[64];
	size_t n = p11key_ec_point(k, &point), id_len;
	int rc;

	if (p11key_type(k) != P11KEY_EC_P256 || n == 0) {
		errbuf_set(err, errlen,
			   "%s: an EC P-256 key whose public key object is in the token too "
			   "is needed (pkcs11-tool --keypairgen --key-type EC:prime256v1 makes "
			   "both)",
			   p11key_name(k));
		return NULL;
	}
	kid = p11key_id(k, &id_len);
	if (id_len > sizeof(id)) {
		errbuf_set(err, errlen, "%s: the key's id is too long", p11key_name(k));
		return NULL;
	}
	memcpy(id, kid, id_len);
	key = calloc(1, sizeof(*key));
	if (key == NULL) {
		errbuf_set(err, errlen, "out of memory");
		return NULL;
	}
	key->type = CERTGEN_KEY_EC_P256;
	rc = id_len > 0 ? wc_ecc_init_id(&key->u.ecc, id, (int)id_len, NULL, p11key_dev_id(k))
			: wc_ecc_init_label(&key->u.ecc, p11key_label(k), NULL, p11key_dev_id(k));
	if (rc != 0) {
		errbuf_set(err, errlen, "%s: %s", p11key_name(k), certgen_wc_err(rc));
		free(key);
		return NULL;
	}
	rc = wc_ecc_import_x963_ex(point, (word32)n, &key->u.ecc, ECC_SECP256R1);
	if (rc != 0) {
		errbuf_set(err, errlen, "%s: the token's public key does not load: %s",
			   p11key_name(k), certgen_wc_err(rc));
		certgen_key_free(key);
		return NULL;
	}
	return key;
}

int certgen_key_try_sign(struct certgen_key *key, char *err, size_t errlen)
{
	uint8_t digest[32], sig[ECC_MAX_SIG_SIZE];
	word32 sig_len = sizeof(sig);
	WC_RNG rng;
	int rc, ok = 0;

	if (key->type != CERTGEN_KEY_EC_P256)
		return 0; /* tokens hold EC keys only (certgen_key_token) */
	memset(digest, 0x5a, sizeof(digest));
	rc = wc_InitRng(&rng);
	if (rc == 0) {
		rc = wc_ecc_sign_hash(digest, sizeof(digest), sig, &sig_len, &rng, &key->u.ecc);
		if (rc == 0)
			rc = wc_ecc_verify_hash(sig, sig_len, digest, sizeof(digest), &ok,
						&key->u.ecc);
		wc_FreeRng(&rng);
	}
	if (rc != 0 || ok != 1) {
		errbuf_set(err, errlen, "%s",
			   rc != 0 ? certgen_wc_err(rc) : "the signature is wrong");
		return -1;
	}
	return 0;
}
