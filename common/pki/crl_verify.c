/*
 * crl_verify.c - CRL issuer matching and signature verification with
 * wolfCrypt (ECDSA P-256/384/521, RSA PKCS#1 v1.5; SHA-256/384/512). The
 * issuer is chosen by name first, then by key identifier, and only a
 * signature that verifies accepts the CRL. Keys live on the stack and are
 * freed before returning.
 */
#include "crl_verify.h"

#include <stdlib.h>
#include <string.h>

#include <wolfssl/options.h>
#include <wolfssl/wolfcrypt/asn_public.h>
#include <wolfssl/wolfcrypt/ecc.h>
#include <wolfssl/wolfcrypt/hash.h>
#include <wolfssl/wolfcrypt/rsa.h>
#include <wolfssl/wolfcrypt/sha256.h>
#include <wolfssl/wolfcrypt/signature.h>

bool crl_verify_name_hash(const uint8_t *name, size_t len, uint8_t out[static CERT_NAME_HASH_LEN])
{
	return len <= UINT32_MAX && wc_Sha256Hash(name, (word32)len, out) == 0;
}

bool crl_verify_cert_ref(const uint8_t *der, size_t len, struct cert_ref *out)
{
	struct crl_cert c;

	memset(out, 0, sizeof(*out));
	if (!crl_der_cert(der, len, &c) || c.serial.len > CERT_SERIAL_MAX)
		return false;
	memcpy(out->serial, c.serial.p, c.serial.len);
	out->serial_len = (uint8_t)c.serial.len;
	return crl_verify_name_hash(c.issuer.p, c.issuer.len, out->issuer_hash);
}

static int add_issuer(struct crl_issuer **v, size_t *n, uint8_t *der, size_t len)
{
	struct crl_issuer *nv, *iss;

	nv = realloc(*v, (*n + 1) * sizeof(**v));
	if (nv == NULL)
		return -1;
	*v = nv;
	iss = &nv[*n];
	memset(iss, 0, sizeof(*iss));
	if (!crl_der_cert(der, len, &iss->cert) ||
	    !crl_verify_name_hash(iss->cert.subject.p, iss->cert.subject.len, iss->subject_hash) ||
	    !crl_verify_name_hash(iss->cert.issuer.p, iss->cert.issuer.len, iss->issuer_hash))
		return -2;
	iss->der = der;
	iss->der_len = len;
	(*n)++;
	return 0;
}

int crl_verify_issuers_load(const uint8_t *in, size_t len, struct crl_issuer **out, size_t *n,
			    const char **why)
{
	size_t off = 0, der_len;
	uint8_t *der;
	int r;

	*out = NULL;
	*n = 0;
	if (len > 0 && in[0] == 0x30) {
		der = malloc(len);
		if (der == NULL)
			goto nomem;
		memcpy(der, in, len);
		r = add_issuer(out, n, der, len);
		if (r < 0) {
			free(der);
			goto bad;
		}
		return 0;
	}
	while ((r = crl_parse_pem_next(in, len, &off, "CERTIFICATE", &der, &der_len)) == 1) {
		r = add_issuer(out, n, der, der_len);
		if (r < 0) {
			free(der);
			goto bad;
		}
	}
	if (r < 0 || *n == 0) {
		*why = r < 0 ? "a CERTIFICATE block is malformed" : "holds no certificate";
		crl_verify_issuers_free(*out, *n);
		*out = NULL;
		*n = 0;
		return -1;
	}
	return 0;
bad:
	crl_verify_issuers_free(*out, *n);
	*out = NULL;
	*n = 0;
	*why = r == -1 ? "out of memory" : "a certificate does not decode";
	return -1;
nomem:
	*why = "out of memory";
	return -1;
}

void crl_verify_issuers_free(struct crl_issuer *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i].der);
	free(v);
}

static bool spki_alg_is(const struct crl_der *spki, const uint8_t *oid, size_t oid_len)
{
	struct crl_der s = *spki, seq, alg, o;

	return crl_der_expect(&s, 0x30, &seq, NULL) && crl_der_expect(&seq, 0x30, &alg, NULL) &&
	       crl_der_expect(&alg, 0x06, &o, NULL) && o.len == oid_len &&
	       memcmp(o.p, oid, oid_len) == 0;
}

/* What a signature covers and the key that must verify it. */
struct sig_job {
	const uint8_t *tbs, *sig;
	size_t tbs_len, sig_len;
	const struct crl_der *spki;
};

static enum crl_verify_result verify_ecc(const struct sig_job *j, enum wc_HashType h,
					 const char **why)
{
	static const uint8_t ec_oid[] = {0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01};
	ecc_key key;
	word32 idx = 0;
	int ret;

	if (!spki_alg_is(j->spki, ec_oid, sizeof(ec_oid))) {
		*why = "signed with ECDSA but the signer's key is not an EC key";
		return CRL_VERIFY_UNSUPPORTED;
	}
	if (wc_ecc_init(&key) != 0) {
		*why = "cannot initialise an EC key";
		return CRL_VERIFY_UNSUPPORTED;
	}
	if (wc_EccPublicKeyDecode(j->spki->p, &idx, &key, (word32)j->spki->len) != 0) {
		wc_ecc_free(&key);
		*why = "the signer's EC public key does not decode";
		return CRL_VERIFY_UNSUPPORTED;
	}
	ret = wc_SignatureVerify(h, WC_SIGNATURE_TYPE_ECC, j->tbs, (word32)j->tbs_len, j->sig,
				 (word32)j->sig_len, &key, sizeof(key));
	wc_ecc_free(&key);
	if (ret != 0) {
		*why = "the signature does not verify with the signer's key";
		return CRL_VERIFY_BAD_SIGNATURE;
	}
	return CRL_VERIFY_OK;
}

static enum crl_verify_result verify_rsa(const struct sig_job *j, enum wc_HashType h,
					 const char **why)
{
	static const uint8_t rsa_oid[] = {0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01};
	struct crl_der s = *j->spki, seq, bits;
	RsaKey key;
	word32 idx = 0;
	int ret;

	/* SubjectPublicKeyInfo { AlgorithmIdentifier, BIT STRING { RSAPublicKey } } */
	if (!spki_alg_is(&s, rsa_oid, sizeof(rsa_oid)) || !crl_der_expect(&s, 0x30, &seq, NULL) ||
	    !crl_der_expect(&seq, 0x30, NULL, NULL) || !crl_der_expect(&seq, 0x03, &bits, NULL) ||
	    bits.len < 2 || bits.p[0] != 0) {
		*why = "signed with RSA but the signer's key is not an RSA key";
		return CRL_VERIFY_UNSUPPORTED;
	}
	if (wc_InitRsaKey(&key, NULL) != 0) {
		*why = "cannot initialise an RSA key";
		return CRL_VERIFY_UNSUPPORTED;
	}
	if (wc_RsaPublicKeyDecode(bits.p + 1, &idx, &key, (word32)(bits.len - 1)) != 0) {
		wc_FreeRsaKey(&key);
		*why = "the signer's RSA public key does not decode";
		return CRL_VERIFY_UNSUPPORTED;
	}
	ret = wc_SignatureVerify(h, WC_SIGNATURE_TYPE_RSA_W_ENC, j->tbs, (word32)j->tbs_len, j->sig,
				 (word32)j->sig_len, &key, sizeof(key));
	wc_FreeRsaKey(&key);
	if (ret != 0) {
		*why = "the signature does not verify with the signer's key";
		return CRL_VERIFY_BAD_SIGNATURE;
	}
	return CRL_VERIFY_OK;
}

enum crl_verify_result crl_verify_signature(enum crl_sig_alg alg, const uint8_t *tbs,
					    size_t tbs_len, const uint8_t *sig, size_t sig_len,
					    const struct crl_der *spki, const char **why)
{
	struct sig_job j = {tbs, sig, tbs_len, sig_len, spki};

	if (tbs_len > UINT32_MAX || sig_len > UINT32_MAX || spki->len > UINT32_MAX) {
		*why = "too long to verify";
		return CRL_VERIFY_UNSUPPORTED;
	}
	switch (alg) {
	case CRL_SIG_ECDSA_SHA256:
		return verify_ecc(&j, WC_HASH_TYPE_SHA256, why);
	case CRL_SIG_ECDSA_SHA384:
		return verify_ecc(&j, WC_HASH_TYPE_SHA384, why);
	case CRL_SIG_ECDSA_SHA512:
		return verify_ecc(&j, WC_HASH_TYPE_SHA512, why);
	case CRL_SIG_RSA_SHA256:
		return verify_rsa(&j, WC_HASH_TYPE_SHA256, why);
	case CRL_SIG_RSA_SHA384:
		return verify_rsa(&j, WC_HASH_TYPE_SHA384, why);
	case CRL_SIG_RSA_SHA512:
		return verify_rsa(&j, WC_HASH_TYPE_SHA512, why);
	default:
		*why = "unsupported signature algorithm";
		return CRL_VERIFY_UNSUPPORTED;
	}
}

enum crl_verify_result crl_verify(const struct crl *c, const struct crl_issuer *iss, size_t n,
				  size_t *which, const char **why)
{
	enum crl_verify_result best = CRL_VERIFY_NO_ISSUER;

	*why = "no CA certificate in the bundle has the CRL's issuer name";
	if (c->tbs_len > UINT32_MAX || c->sig_len > UINT32_MAX)
		return CRL_VERIFY_UNSUPPORTED;
	for (size_t i = 0; i < n; i++) {
		const struct crl_cert *ct = &iss[i].cert;
		const char *w = NULL;
		enum crl_verify_result r;

		if (ct->subject.len != c->issuer_len ||
		    memcmp(ct->subject.p, c->issuer, c->issuer_len) != 0)
			continue;
		/* Same name, another key (a re-keyed CA): the key id decides. */
		if (c->aki_len > 0 && ct->ski.len > 0 &&
		    (ct->ski.len != c->aki_len || memcmp(ct->ski.p, c->aki, c->aki_len) != 0)) {
			if (best == CRL_VERIFY_NO_ISSUER)
				*why =
				    "the CRL's authority key identifier matches no CA of that name";
			continue;
		}
		r = crl_verify_signature(c->sig_alg, c->tbs, c->tbs_len, c->sig, c->sig_len,
					 &ct->spki, &w);
		if (r == CRL_VERIFY_OK) {
			*which = i;
			*why = NULL;
			return r;
		}
		/* A bad signature says more than a key of the wrong type. */
		if (best != CRL_VERIFY_BAD_SIGNATURE) {
			best = r;
			*why = w;
		}
	}
	return best;
}
