/*
 * certgen_key.c - the CA's and the issued certificates' private keys: ECDSA
 * P-256 (default) or RSA-3072, generated with wolfCrypt's RNG, written as
 * traditional PEM with mode 0600 through certgen_file_write, read back
 * (PKCS#8 too), matched against a certificate. Key bytes on the heap or the
 * stack are wiped before they are released.
 */
#include <wolfssl/options.h>
#include <wolfssl/wolfcrypt/settings.h>
#include <wolfssl/wolfcrypt/asn.h>
#include <wolfssl/wolfcrypt/asn_public.h>
#include <wolfssl/wolfcrypt/ecc.h>
#include <wolfssl/wolfcrypt/error-crypt.h>
#include <wolfssl/wolfcrypt/random.h>
#include <wolfssl/wolfcrypt/rsa.h>

#include <stdlib.h>
#include <string.h>

#include "certgen.h"
#include "certgen_int.h"

#define KEY_DER_MAX 4096

bool certgen_key_type_parse(const char *s, enum certgen_key_type *out)
{
	if (strcmp(s, "ec") == 0 || strcmp(s, "ecdsa") == 0 || strcmp(s, "p256") == 0) {
		*out = CERTGEN_KEY_EC_P256;
		return true;
	}
	if (strcmp(s, "rsa") == 0 || strcmp(s, "rsa3072") == 0) {
		*out = CERTGEN_KEY_RSA_3072;
		return true;
	}
	return false;
}

/* The wolfCrypt key type (ECC_TYPE / RSA_TYPE) and the key object. */
int certgen_key_wc_type(const struct certgen_key *k)
{
	return k->type == CERTGEN_KEY_EC_P256 ? ECC_TYPE : RSA_TYPE;
}

void *certgen_key_obj(struct certgen_key *k)
{
	return k->type == CERTGEN_KEY_EC_P256 ? (void *)&k->u.ecc : (void *)&k->u.rsa;
}

static void key_deinit(struct certgen_key *k)
{
	if (k->type == CERTGEN_KEY_EC_P256)
		wc_ecc_free(&k->u.ecc);
	else
		wc_FreeRsaKey(&k->u.rsa);
}

void certgen_key_free(struct certgen_key *key)
{
	if (key == NULL)
		return;
	key_deinit(key);
	explicit_bzero(key, sizeof(*key));
	free(key);
}

struct certgen_key *certgen_key_generate(enum certgen_key_type type, char *err, size_t errlen)
{
	struct certgen_key *k = calloc(1, sizeof(*k));
	WC_RNG rng;
	int rc;

	if (k == NULL) {
		errbuf_set(err, errlen, "out of memory");
		return NULL;
	}
	k->type = type;
	rc = wc_InitRng(&rng);
	if (rc != 0) {
		errbuf_set(err, errlen, "cannot initialise the random generator: %s",
			       certgen_wc_err(rc));
		free(k);
		return NULL;
	}
	if (type == CERTGEN_KEY_EC_P256) {
		rc = wc_ecc_init(&k->u.ecc);
		if (rc == 0)
			rc = wc_ecc_make_key_ex(&rng, 32, &k->u.ecc, ECC_SECP256R1);
	} else {
		rc = wc_InitRsaKey(&k->u.rsa, NULL);
		if (rc == 0)
			rc = wc_MakeRsaKey(&k->u.rsa, 3072, WC_RSA_EXPONENT, &rng);
	}
	wc_FreeRng(&rng);
	if (rc != 0) {
		errbuf_set(err, errlen, "cannot generate a %s key: %s",
			       type == CERTGEN_KEY_EC_P256 ? "P-256" : "RSA-3072",
			       certgen_wc_err(rc));
		certgen_key_free(k);
		return NULL;
	}
	return k;
}

struct certgen_key *certgen_key_load(const char *path, char *err, size_t errlen)
{
	return certgen_key_load_with(path, NULL, err, errlen);
}

struct certgen_key *certgen_key_load_with(const char *path, const char *pass, char *err,
					  size_t errlen)
{
	struct certgen_key *k;
	uint8_t der[KEY_DER_MAX];
	uint8_t *pem;
	size_t pem_len;
	word32 idx = 0;
	int der_len, rc;

	pem = certgen_file_read(path, &pem_len, err, errlen);
	if (pem == NULL)
		return NULL;
	if (pass != NULL)
		der_len = certgen_pem_decrypt(pem, pem_len, pass, der, sizeof(der));
	else
		der_len = wc_KeyPemToDer(pem, (int)pem_len, der, sizeof(der), NULL);
	explicit_bzero(pem, pem_len);
	free(pem);
	if (der_len <= 0) {
		errbuf_set(
		    err, errlen,
		    "%s: not a PEM private key (expected \"-----BEGIN EC PRIVATE KEY-----\" "
		    "or an RSA/PKCS#8 key%s): %s",
		    path, pass != NULL ? ", or the passphrase is wrong" : "",
		    certgen_wc_err(der_len));
		return NULL;
	}
	k = calloc(1, sizeof(*k));
	if (k == NULL) {
		explicit_bzero(der, sizeof(der));
		errbuf_set(err, errlen, "out of memory");
		return NULL;
	}
	/* A PKCS#8 wrapper is skipped; a traditional key has none. */
	if (wc_GetPkcs8TraditionalOffset(der, &idx, (word32)der_len) < 0)
		idx = 0;
	k->type = CERTGEN_KEY_EC_P256;
	rc = wc_ecc_init(&k->u.ecc);
	if (rc == 0) {
		word32 i = idx;
		rc = wc_EccPrivateKeyDecode(der, &i, &k->u.ecc, (word32)der_len);
		if (rc == 0 && k->u.ecc.dp != NULL && k->u.ecc.dp->id != ECC_SECP256R1)
			rc = ECC_CURVE_OID_E;
	}
	if (rc != 0) {
		word32 i = idx;
		wc_ecc_free(&k->u.ecc);
		k->type = CERTGEN_KEY_RSA_3072;
		rc = wc_InitRsaKey(&k->u.rsa, NULL);
		if (rc == 0)
			rc = wc_RsaPrivateKeyDecode(der, &i, &k->u.rsa, (word32)der_len);
		if (rc == 0 && wc_RsaEncryptSize(&k->u.rsa) < 256)
			rc = WC_KEY_SIZE_E;
	}
	explicit_bzero(der, sizeof(der));
	if (rc != 0) {
		errbuf_set(
		    err, errlen,
		    "%s: not a usable private key (P-256 EC or RSA of 2048 bits or more): %s", path,
		    certgen_wc_err(rc));
		certgen_key_free(k);
		return NULL;
	}
	return k;
}

int certgen_key_write(struct certgen_key *key, const char *path, char *err, size_t errlen)
{
	uint8_t der[KEY_DER_MAX];
	uint8_t *pem;
	size_t pem_len = 0;
	int der_len, rc;

	if (key->type == CERTGEN_KEY_EC_P256)
		der_len = wc_EccKeyToDer(&key->u.ecc, der, sizeof(der));
	else
		der_len = wc_RsaKeyToDer(&key->u.rsa, der, sizeof(der));
	if (der_len <= 0) {
		errbuf_set(err, errlen, "cannot encode the private key for %s: %s", path,
			       certgen_wc_err(der_len));
		return -1;
	}
	pem = certgen_der_to_pem(
	    der, (size_t)der_len,
	    key->type == CERTGEN_KEY_EC_P256 ? ECC_PRIVATEKEY_TYPE : PRIVATEKEY_TYPE, &pem_len);
	explicit_bzero(der, sizeof(der));
	if (pem == NULL) {
		errbuf_set(err, errlen, "cannot encode the private key for %s as PEM", path);
		return -1;
	}
	rc = certgen_file_write(path, pem, pem_len, 0600, false, err, errlen);
	explicit_bzero(pem, pem_len);
	free(pem);
	return rc;
}

/* ---- names and dates ---- */

/* UTF-8 without control characters: what a CN or OU may hold. */
bool certgen_key_matches(struct certgen_key *key, const struct certgen_cert *cert)
{
	uint8_t mine[KEY_DER_MAX], theirs[KEY_DER_MAX];
	word32 theirs_len = sizeof(theirs);
	DecodedCert dc;
	int n;
	bool same = false;

	wc_InitDecodedCert(&dc, cert->der, (word32)cert->der_len, NULL);
	if (wc_ParseCert(&dc, CERT_TYPE, NO_VERIFY, NULL) != 0 ||
	    wc_GetPubKeyDerFromCert(&dc, theirs, &theirs_len) != 0) {
		wc_FreeDecodedCert(&dc);
		return false;
	}
	wc_FreeDecodedCert(&dc);
	/* wolfCrypt hands out the EC key as a SubjectPublicKeyInfo and the RSA
	 * key as a bare RSAPublicKey; compare against both encodings. */
	for (int with_header = 0; with_header <= 1 && !same; with_header++) {
		if (key->type == CERTGEN_KEY_EC_P256)
			n = wc_EccPublicKeyToDer(&key->u.ecc, mine, sizeof(mine), with_header);
		else
			n = wc_RsaKeyToPublicDer_ex(&key->u.rsa, mine, sizeof(mine), with_header);
		same = n > 0 && theirs_len == (word32)n && memcmp(mine, theirs, (size_t)n) == 0;
	}
	return same;
}
