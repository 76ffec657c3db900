/*
 * certgen_csr.c - keys that are not plain PEM: the public key of a PKCS#10
 * certificate request (the key was made elsewhere and never leaves its
 * owner), and CA keys stored as PKCS#8 "ENCRYPTED PRIVATE KEY" (PBES2,
 * AES-256-CBC) under a passphrase; and requests for a key that stays in a
 * PKCS#11 token, signed there through wolfCrypt's device. Pure, like the
 * rest of certgen.
 */
#include <wolfssl/options.h>
#include <wolfssl/wolfcrypt/settings.h>
#include <wolfssl/wolfcrypt/asn.h>
#include <wolfssl/wolfcrypt/asn_public.h>
#include <wolfssl/wolfcrypt/coding.h>
#include <wolfssl/wolfcrypt/ecc.h>
#include <wolfssl/wolfcrypt/error-crypt.h>
#include <wolfssl/wolfcrypt/random.h>
#include <wolfssl/wolfcrypt/rsa.h>

#include <stdlib.h>
#include <string.h>

#include "certgen.h"
#include "certgen_int.h"
#include "p11key.h"

#define KEY_DER_MAX 4096
#define CSR_DER_MAX 8192
#define PBKDF2_ITERATIONS 30000 /* wolfSSL 5.5.4 misencodes counts of three bytes */

/* ---- certificate requests ---- */

struct certgen_key *certgen_csr_parse(const uint8_t *der, size_t len, const char *name,
				     char *cn, size_t cn_cap, char *err, size_t errlen)
{
	uint8_t pub[KEY_DER_MAX];
	word32 pub_len = sizeof(pub), idx = 0;
	struct certgen_key *k = NULL;
	DecodedCert dc;
	int rc;

	if (cn != NULL && cn_cap > 0)
		cn[0] = 0;
	if (len == 0 || len > CSR_DER_MAX) {
		errbuf_set(err, errlen, "%s: empty, or larger than %d bytes", name, CSR_DER_MAX);
		return NULL;
	}
	wc_InitDecodedCert(&dc, der, (word32)len, NULL);
	/* VERIFY checks the request's self-signature: the requester holds
	 * the private key of the public key we are about to certify. */
	rc = wc_ParseCert(&dc, CERTREQ_TYPE, VERIFY, NULL);
	if (rc != 0) {
		errbuf_set(err, errlen, "%s: the request does not parse or verify: %s", name,
			   certgen_wc_err(rc));
		goto out;
	}
	if (cn != NULL && cn_cap > 0 && dc.subjectCN != NULL && dc.subjectCNLen > 0) {
		size_t n = (size_t)dc.subjectCNLen < cn_cap - 1 ? (size_t)dc.subjectCNLen : cn_cap - 1;

		memcpy(cn, dc.subjectCN, n);
		cn[n] = 0;
		if ((size_t)dc.subjectCNLen != n || strlen(cn) != n)
			cn[0] = 0; /* too long or an embedded NUL: no usable CN */
	}
	rc = wc_GetPubKeyDerFromCert(&dc, pub, &pub_len);
	if (rc != 0) {
		errbuf_set(err, errlen, "%s: cannot read the request's public key: %s", name,
			   certgen_wc_err(rc));
		goto out;
	}
	k = calloc(1, sizeof(*k));
	if (k == NULL) {
		errbuf_set(err, errlen, "out of memory");
		goto out;
	}
	if (dc.keyOID == ECDSAk) {
		k->type = CERTGEN_KEY_EC_P256;
		rc = wc_ecc_init(&k->u.ecc);
		if (rc == 0)
			rc = wc_EccPublicKeyDecode(pub, &idx, &k->u.ecc, pub_len);
		if (rc == 0 && (k->u.ecc.dp == NULL || k->u.ecc.dp->id != ECC_SECP256R1))
			rc = ECC_CURVE_OID_E;
	} else if (dc.keyOID == RSAk) {
		k->type = CERTGEN_KEY_RSA_3072;
		rc = wc_InitRsaKey(&k->u.rsa, NULL);
		if (rc == 0)
			rc = wc_RsaPublicKeyDecode(pub, &idx, &k->u.rsa, pub_len);
		if (rc == 0 && wc_RsaEncryptSize(&k->u.rsa) < 256)
			rc = WC_KEY_SIZE_E;
	} else {
		rc = ALGO_ID_E;
	}
	if (rc != 0) {
		errbuf_set(err, errlen,
			   "%s: the requested key is not usable (P-256 EC or RSA of 2048 "
			   "bits or more): %s",
			   name, certgen_wc_err(rc));
		certgen_key_free(k);
		k = NULL;
	}
out:
	wc_FreeDecodedCert(&dc);
	return k;
}

struct certgen_key *certgen_csr_load(const char *path, const char *cn, char *err, size_t errlen)
{
	uint8_t *pem, *der;
	struct certgen_key *k = NULL;
	char req_cn[256];
	size_t pem_len;
	int n;

	pem = certgen_file_read(path, &pem_len, err, errlen);
	if (pem == NULL)
		return NULL;
	der = malloc(CSR_DER_MAX);
	if (der == NULL) {
		free(pem);
		errbuf_set(err, errlen, "out of memory");
		return NULL;
	}
	n = wc_CertPemToDer(pem, (int)pem_len, der, CSR_DER_MAX, CERTREQ_TYPE);
	free(pem);
	if (n <= 0) {
		errbuf_set(err, errlen,
			   "%s: not a PEM certificate request (expected \"-----BEGIN "
			   "CERTIFICATE REQUEST-----\"): %s",
			   path, certgen_wc_err(n));
	} else {
		k = certgen_csr_parse(der, (size_t)n, path, req_cn, sizeof(req_cn), err, errlen);
	}
	if (k != NULL && cn != NULL && strcmp(req_cn, cn) != 0) {
		errbuf_set(err, errlen,
			   "%s: the request's subject CN is not \"%s\"; the certificate "
			   "would name someone else (make the request with CN=%s)",
			   path, cn, cn);
		certgen_key_free(k);
		k = NULL;
	}
	free(der);
	return k;
}

uint8_t *certgen_csr_token(const struct p11key *k, const char *cn, size_t *pem_len, char *err,
			   size_t errlen)
{
	uint8_t der[CSR_DER_MAX], *pem = NULL;
	struct certgen_key *key = certgen_key_token(k, err, errlen);
	Cert req;
	WC_RNG rng;
	int rc;

	if (key == NULL)
		return NULL;
	if (wc_InitRng(&rng) != 0) {
		errbuf_set(err, errlen, "cannot initialise the random generator");
		certgen_key_free(key);
		return NULL;
	}
	/* The public point goes into the request; the signature is made in
	 * the token. */
	rc = wc_InitCert(&req);
	if (rc == 0) {
		snprintf(req.subject.commonName, sizeof(req.subject.commonName), "%s", cn);
		req.version = 0;
		req.sigType = CTC_SHA256wECDSA;
		rc = wc_MakeCertReq_ex(&req, der, sizeof(der), ECC_TYPE, &key->u.ecc);
	}
	if (rc > 0)
		rc = wc_SignCert_ex(req.bodySz, req.sigType, der, sizeof(der), ECC_TYPE,
				    &key->u.ecc, &rng);
	if (rc <= 0)
		errbuf_set(err, errlen, "%s: cannot make the request: %s", p11key_name(k),
			   certgen_wc_err(rc));
	else if ((pem = certgen_der_to_pem(der, (size_t)rc, CERTREQ_TYPE, pem_len)) == NULL)
		errbuf_set(err, errlen, "out of memory");
	certgen_key_free(key);
	wc_FreeRng(&rng);
	return pem;
}

/* ---- passphrase-protected keys ---- */

int certgen_pem_decrypt(const uint8_t *pem, size_t pem_len, const char *pass, uint8_t *der,
			size_t cap)
{
	static const char begin[] = "-----BEGIN ENCRYPTED PRIVATE KEY-----";
	static const char end[] = "-----END ENCRYPTED PRIVATE KEY-----";
	const char *b = memmem(pem, pem_len, begin, sizeof(begin) - 1), *e;
	word32 out_len = (word32)cap;
	int rc;

	if (b == NULL)
		return ASN_PARSE_E;
	b += sizeof(begin) - 1;
	e = memmem(b, pem_len - (size_t)(b - (const char *)pem), end, sizeof(end) - 1);
	if (e == NULL)
		return ASN_PARSE_E;
	while (b < e && (*b == '\n' || *b == '\r'))
		b++;
	rc = Base64_Decode((const byte *)b, (word32)(e - b), der, &out_len);
	if (rc != 0)
		return rc;
	/* Decrypted in place; the PKCS#8 key then starts at der. */
	return wc_DecryptPKCS8Key(der, out_len, pass, (int)strlen(pass));
}

bool certgen_key_is_encrypted(const char *path)
{
	size_t len;
	uint8_t *pem = certgen_pem_read(path, &len, NULL, 0);
	bool enc;

	if (pem == NULL)
		return false;
	enc = strstr((const char *)pem, "-----BEGIN ENCRYPTED PRIVATE KEY-----") != NULL ||
	      strstr((const char *)pem, "Proc-Type: 4,ENCRYPTED") != NULL;
	explicit_bzero(pem, len);
	free(pem);
	return enc;
}

struct certgen_key *certgen_key_load_pass(const char *path, const char *pass, char *err,
					  size_t errlen)
{
	if (pass == NULL) {
		if (certgen_key_is_encrypted(path)) {
			errbuf_set(err, errlen,
				       "%s is encrypted: give its passphrase with "
				       "--passphrase-file FILE or the environment variable "
				       "MTLSVPN_CA_PASSPHRASE",
				       path);
			return NULL;
		}
		return certgen_key_load(path, err, errlen);
	}
	return certgen_key_load_with(path, pass, err, errlen);
}

int certgen_key_pkcs8(struct certgen_key *key, uint8_t *out, size_t cap)
{
	uint8_t trad[KEY_DER_MAX];
	word32 p8_len = (word32)cap;
	const byte *curve = NULL;
	word32 curve_len = 0;
	int n;

	if (key->type == CERTGEN_KEY_EC_P256) {
		n = wc_EccKeyToDer(&key->u.ecc, trad, sizeof(trad));
		if (n > 0 && wc_ecc_get_oid(key->u.ecc.dp->oidSum, &curve, &curve_len) < 0)
			n = -1;
	} else {
		n = wc_RsaKeyToDer(&key->u.rsa, trad, sizeof(trad));
	}
	if (n > 0)
		n = wc_CreatePKCS8Key(out, &p8_len, trad, (word32)n,
				      key->type == CERTGEN_KEY_EC_P256 ? ECDSAk : RSAk, curve,
				      curve_len);
	explicit_bzero(trad, sizeof(trad));
	return n > 0 ? n : -1;
}

int certgen_key_write_pass(struct certgen_key *key, const char *path, const char *pass, char *err,
			   size_t errlen)
{
	uint8_t p8[KEY_DER_MAX], enc[KEY_DER_MAX];
	word32 p8_len, enc_len = sizeof(enc);
	uint8_t *pem = NULL;
	size_t pem_len = 0;
	int n, rc = -1;
	WC_RNG rng;

	if (pass == NULL)
		return certgen_key_write(key, path, err, errlen);
	n = certgen_key_pkcs8(key, p8, sizeof(p8));
	if (n <= 0) {
		errbuf_set(err, errlen, "cannot encode the private key for %s", path);
		goto out;
	}
	p8_len = (word32)n;
	if (wc_InitRng(&rng) != 0) {
		errbuf_set(err, errlen, "cannot initialise the random generator");
		goto out;
	}
	n = wc_EncryptPKCS8Key(p8, p8_len, enc, &enc_len, pass, (int)strlen(pass), PKCS5, PBES2,
			       AES256CBCb, NULL, 0, PBKDF2_ITERATIONS, &rng, NULL);
	wc_FreeRng(&rng);
	if (n <= 0) {
		errbuf_set(err, errlen,
			       "cannot encrypt the private key for %s (this wolfSSL build may "
			       "lack PKCS#8 encryption): %s",
			       path, certgen_wc_err(n));
		goto out;
	}
	pem = certgen_der_to_pem(enc, (size_t)n, PKCS8_ENC_PRIVATEKEY_TYPE, &pem_len);
	if (pem == NULL) {
		errbuf_set(err, errlen, "cannot encode the encrypted key for %s as PEM", path);
		goto out;
	}
	rc = certgen_file_write(path, pem, pem_len, 0600, false, err, errlen);
out:
	explicit_bzero(p8, sizeof(p8));
	explicit_bzero(enc, sizeof(enc));
	if (pem != NULL) {
		explicit_bzero(pem, pem_len);
		free(pem);
	}
	return rc;
}
