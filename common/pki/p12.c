/*
 * p12.c - PKCS#12 (RFC 7292) encoding from wolfCrypt primitives: PBKDF2,
 * the PKCS#12 key derivation, AES-256-CBC or 3DES-CBC, HMAC. See p12.h for
 * why not wc_PKCS12_create.
 *
 * PFX ::= SEQUENCE { version 3, authSafe ContentInfo(data), MacData }
 * authSafe: SEQUENCE { ContentInfo(data: certificate bags),
 *                      ContentInfo(data: the pkcs8ShroudedKeyBag) }
 * The leaf's certificate bag and the key bag share a localKeyID and the
 * friendlyName, so a key store pairs them.
 */
#include <wolfssl/options.h>
#include <wolfssl/wolfcrypt/settings.h>
#include <wolfssl/wolfcrypt/aes.h>
#include <wolfssl/wolfcrypt/asn_public.h>
#include <wolfssl/wolfcrypt/des3.h>
#include <wolfssl/wolfcrypt/hash.h>
#include <wolfssl/wolfcrypt/hmac.h>
#include <wolfssl/wolfcrypt/pwdbased.h>
#include <wolfssl/wolfcrypt/random.h>
#include <wolfssl/wolfcrypt/sha256.h>

#include <stdlib.h>
#include <string.h>

#include "certgen_int.h"
#include "crl_build.h"
#include "errbuf.h"
#include "p12.h"

#define KEY_DER_MAX 4096
#define CERT_DER_MAX 8192

/* DER tags */
enum {
	T_INT = 0x02,
	T_OCTET = 0x04,
	T_NULL = 0x05,
	T_OID = 0x06,
	T_BMP = 0x1e,
	T_SEQ = 0x30,
	T_SET = 0x31,
	T_CTX0 = 0xa0, /* [0] EXPLICIT */
};

/* OIDs, content bytes */
static const uint8_t OID_DATA[] = {0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x07, 0x01};
static const uint8_t OID_SHROUDED_KEY_BAG[] = {0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d,
					       0x01, 0x0c, 0x0a, 0x01, 0x02};
static const uint8_t OID_CERT_BAG[] = {0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d,
				       0x01, 0x0c, 0x0a, 0x01, 0x03};
static const uint8_t OID_X509_CERT[] = {0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x09, 0x16, 0x01};
static const uint8_t OID_FRIENDLY_NAME[] = {0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x09, 0x14};
static const uint8_t OID_LOCAL_KEY_ID[] = {0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x09, 0x15};
static const uint8_t OID_PBES2[] = {0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x05, 0x0d};
static const uint8_t OID_PBKDF2[] = {0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x05, 0x0c};
static const uint8_t OID_HMAC_SHA256[] = {0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x02, 0x09};
static const uint8_t OID_AES256_CBC[] = {0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x01, 0x2a};
static const uint8_t OID_SHA256[] = {0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01};
#ifndef NO_DES3
static const uint8_t OID_PBE_SHA1_3DES[] = {0x2a, 0x86, 0x48, 0x86, 0xf7,
					    0x0d, 0x01, 0x0c, 0x01, 0x03};
static const uint8_t OID_SHA1[] = {0x2b, 0x0e, 0x03, 0x02, 0x1a};
#endif

/* ---- a growing DER buffer; any failure sticks in bad ---- */

struct der {
	uint8_t *p;
	size_t len, cap;
	bool bad;
};

static void der_free(struct der *d)
{
	if (d->p != NULL) {
		explicit_bzero(d->p, d->cap);
		free(d->p);
	}
	memset(d, 0, sizeof(*d));
}

static void der_raw(struct der *d, const void *v, size_t n)
{
	if (d->bad)
		return;
	if (d->len + n > d->cap) {
		size_t cap = (d->len + n) * 2 + 64;
		uint8_t *q = malloc(cap);

		if (q == NULL) {
			d->bad = true;
			return;
		}
		if (d->p != NULL) {
			memcpy(q, d->p, d->len);
			explicit_bzero(d->p, d->cap);
			free(d->p);
		}
		d->p = q;
		d->cap = cap;
	}
	if (n > 0)
		memcpy(d->p + d->len, v, n);
	d->len += n;
}

/* tag, length (crl_build's DER lengths), content */
static void der_tlv(struct der *d, uint8_t tag, const void *v, size_t n)
{
	uint8_t l[9];
	size_t k = crl_build_len(n, l);

	der_raw(d, &tag, 1);
	der_raw(d, l, k);
	der_raw(d, v, n);
}

/* Appends inner, whole, as one TLV of tag; frees inner. */
static void der_wrap(struct der *d, uint8_t tag, struct der *inner)
{
	if (inner->bad)
		d->bad = true;
	else
		der_tlv(d, tag, inner->p, inner->len);
	der_free(inner);
}

static void der_oid(struct der *d, const uint8_t *oid, size_t n)
{
	der_tlv(d, T_OID, oid, n);
}

static void der_uint(struct der *d, unsigned v)
{
	uint8_t mag[4] = {(uint8_t)(v >> 24), (uint8_t)(v >> 16), (uint8_t)(v >> 8), (uint8_t)v};
	uint8_t tlv[8];

	der_raw(d, tlv, crl_build_integer(mag, sizeof(mag), tlv, sizeof(tlv)));
}

/* SEQUENCE { OID, NULL }: an AlgorithmIdentifier without parameters */
static void der_algo_null(struct der *d, const uint8_t *oid, size_t n)
{
	struct der a = {0};

	der_oid(&a, oid, n);
	der_tlv(&a, T_NULL, NULL, 0);
	der_wrap(d, T_SEQ, &a);
}

/* ---- passwords ---- */

/* UTF-8 to the BMPString the PKCS#12 key derivation takes: UTF-16BE
 * (surrogate pairs above U+FFFF) with two zero bytes at the end. Its
 * length, or -1 if s is not UTF-8 or too long. */
static int pass_bmp(const char *s, uint8_t *out, size_t cap)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t w = 0;

	while (*p != 0) {
		uint32_t c;
		int more;

		if (*p < 0x80) {
			c = *p;
			more = 0;
		} else if ((*p & 0xe0) == 0xc0) {
			c = *p & 0x1fu;
			more = 1;
		} else if ((*p & 0xf0) == 0xe0) {
			c = *p & 0x0fu;
			more = 2;
		} else if ((*p & 0xf8) == 0xf0) {
			c = *p & 0x07u;
			more = 3;
		} else {
			return -1;
		}
		p++;
		for (int i = 0; i < more; i++, p++) {
			if ((*p & 0xc0) != 0x80)
				return -1;
			c = (c << 6) | (*p & 0x3fu);
		}
		if ((more == 1 && c < 0x80) || (more == 2 && c < 0x800) ||
		    (more == 3 && (c < 0x10000 || c > 0x10ffff)) || (c >= 0xd800 && c < 0xe000))
			return -1;
		if (w + 6 > cap)
			return -1;
		if (c >= 0x10000) {
			uint32_t hi = 0xd800 + ((c - 0x10000) >> 10), lo = 0xdc00 + (c & 0x3ff);

			out[w++] = (uint8_t)(hi >> 8);
			out[w++] = (uint8_t)hi;
			out[w++] = (uint8_t)(lo >> 8);
			out[w++] = (uint8_t)lo;
		} else {
			out[w++] = (uint8_t)(c >> 8);
			out[w++] = (uint8_t)c;
		}
	}
	out[w++] = 0;
	out[w++] = 0;
	return (int)w;
}

/* ---- the shrouded key ---- */

/* in padded to blk (PKCS#7) into a fresh struct der's buffer. */
static int pad_copy(const uint8_t *in, size_t n, size_t blk, struct der *out)
{
	uint8_t pad = (uint8_t)(blk - n % blk);

	der_raw(out, in, n);
	for (uint8_t i = 0; i < pad; i++)
		der_raw(out, &pad, 1);
	return out->bad ? -1 : 0;
}

/* EncryptedPrivateKeyInfo under PBES2 (PBKDF2-HMAC-SHA256, AES-256-CBC). */
static int shroud_modern(const struct p12_in *in, unsigned iter, WC_RNG *rng, const uint8_t *p8,
			 size_t p8_len, struct der *out)
{
	uint8_t salt[16], iv[16], dk[32];
	struct der buf = {0}, kdf = {0}, prm = {0}, enc = {0}, pbes2 = {0}, algo = {0};
	Aes aes;
	int rc = -1;

	if (wc_RNG_GenerateBlock(rng, salt, sizeof(salt)) != 0 ||
	    wc_RNG_GenerateBlock(rng, iv, sizeof(iv)) != 0 ||
	    wc_PBKDF2(dk, (const byte *)in->pass, (int)strlen(in->pass), salt, (int)sizeof(salt),
		      (int)iter, (int)sizeof(dk), WC_SHA256) != 0 ||
	    pad_copy(p8, p8_len, 16, &buf) < 0)
		goto out;
	if (wc_AesInit(&aes, NULL, INVALID_DEVID) != 0)
		goto out;
	if (wc_AesSetKey(&aes, dk, sizeof(dk), iv, AES_ENCRYPTION) == 0 &&
	    wc_AesCbcEncrypt(&aes, buf.p, buf.p, (word32)buf.len) == 0)
		rc = 0;
	wc_AesFree(&aes);
	if (rc < 0)
		goto out;
	/* PBKDF2-params: salt, iterationCount, prf */
	der_tlv(&prm, T_OCTET, salt, sizeof(salt));
	der_uint(&prm, iter);
	der_algo_null(&prm, OID_HMAC_SHA256, sizeof(OID_HMAC_SHA256));
	der_oid(&kdf, OID_PBKDF2, sizeof(OID_PBKDF2));
	der_wrap(&kdf, T_SEQ, &prm);
	der_oid(&enc, OID_AES256_CBC, sizeof(OID_AES256_CBC));
	der_tlv(&enc, T_OCTET, iv, sizeof(iv));
	der_wrap(&pbes2, T_SEQ, &kdf);
	der_wrap(&pbes2, T_SEQ, &enc);
	der_oid(&algo, OID_PBES2, sizeof(OID_PBES2));
	der_wrap(&algo, T_SEQ, &pbes2);
	der_wrap(out, T_SEQ, &algo);
	der_tlv(out, T_OCTET, buf.p, buf.len);
	rc = out->bad ? -1 : 0;
out:
	explicit_bzero(dk, sizeof(dk));
	der_free(&buf);
	der_free(&kdf);
	der_free(&prm);
	der_free(&enc);
	der_free(&pbes2);
	der_free(&algo);
	return rc;
}

/* EncryptedPrivateKeyInfo under pbeWithSHAAnd3-KeyTripleDES-CBC. */
static int shroud_legacy(const uint8_t *bmp, int bmp_len, unsigned iter, WC_RNG *rng,
			 const uint8_t *p8, size_t p8_len, struct der *out)
{
#ifndef NO_DES3
	uint8_t salt[8], key[24], iv[8];
	struct der buf = {0}, prm = {0}, algo = {0};
	Des3 des;
	int rc = -1;

	if (wc_RNG_GenerateBlock(rng, salt, sizeof(salt)) != 0 ||
	    wc_PKCS12_PBKDF_ex(key, bmp, bmp_len, salt, (int)sizeof(salt), (int)iter,
			       (int)sizeof(key), WC_SHA, 1, NULL) != 0 ||
	    wc_PKCS12_PBKDF_ex(iv, bmp, bmp_len, salt, (int)sizeof(salt), (int)iter,
			       (int)sizeof(iv), WC_SHA, 2, NULL) != 0 ||
	    pad_copy(p8, p8_len, 8, &buf) < 0)
		goto out;
	if (wc_Des3Init(&des, NULL, INVALID_DEVID) != 0)
		goto out;
	if (wc_Des3_SetKey(&des, key, iv, DES_ENCRYPTION) == 0 &&
	    wc_Des3_CbcEncrypt(&des, buf.p, buf.p, (word32)buf.len) == 0)
		rc = 0;
	wc_Des3Free(&des);
	if (rc < 0)
		goto out;
	der_tlv(&prm, T_OCTET, salt, sizeof(salt));
	der_uint(&prm, iter);
	der_oid(&algo, OID_PBE_SHA1_3DES, sizeof(OID_PBE_SHA1_3DES));
	der_wrap(&algo, T_SEQ, &prm);
	der_wrap(out, T_SEQ, &algo);
	der_tlv(out, T_OCTET, buf.p, buf.len);
	rc = out->bad ? -1 : 0;
out:
	explicit_bzero(key, sizeof(key));
	explicit_bzero(iv, sizeof(iv));
	der_free(&buf);
	der_free(&prm);
	der_free(&algo);
	return rc;
#else
	(void)bmp;
	(void)bmp_len;
	(void)iter;
	(void)rng;
	(void)p8;
	(void)p8_len;
	(void)out;
	return -1;
#endif
}

bool p12_legacy_supported(void)
{
#ifndef NO_DES3
	return true;
#else
	return false;
#endif
}

/* ---- bags ---- */

/* One Attribute: SEQUENCE { OID, SET { tag value } } */
static void attr(struct der *d, const uint8_t *oid, size_t oid_len, uint8_t tag, const void *v,
		 size_t n)
{
	struct der a = {0}, set = {0};

	der_tlv(&set, tag, v, n);
	der_oid(&a, oid, oid_len);
	der_wrap(&a, T_SET, &set);
	der_wrap(d, T_SEQ, &a);
}

/* The bag attributes: localKeyID and, if given, friendlyName, in DER's
 * SET OF order. */
static void bag_attrs(struct der *d, const uint8_t *key_id, size_t id_len, const uint8_t *name,
		      size_t name_len)
{
	struct der id = {0}, fn = {0}, set = {0};

	attr(&id, OID_LOCAL_KEY_ID, sizeof(OID_LOCAL_KEY_ID), T_OCTET, key_id, id_len);
	if (name != NULL)
		attr(&fn, OID_FRIENDLY_NAME, sizeof(OID_FRIENDLY_NAME), T_BMP, name, name_len);
	if (fn.len == 0 || id.bad || fn.bad) {
		der_raw(&set, id.p, id.len);
		der_raw(&set, fn.p, fn.len);
	} else {
		size_t m = id.len < fn.len ? id.len : fn.len;
		int c = memcmp(id.p, fn.p, m);
		bool id_first = c < 0 || (c == 0 && id.len <= fn.len);

		der_raw(&set, id_first ? id.p : fn.p, id_first ? id.len : fn.len);
		der_raw(&set, id_first ? fn.p : id.p, id_first ? fn.len : id.len);
	}
	if (id.bad || fn.bad)
		set.bad = true;
	der_free(&id);
	der_free(&fn);
	der_wrap(d, T_SET, &set);
}

/* SafeBag { certBag, [0] CertBag { x509Certificate, [0] OCTET der } } */
static void cert_bag(struct der *d, const uint8_t *cert, size_t len, const uint8_t *key_id,
		     size_t id_len, const uint8_t *name, size_t name_len)
{
	struct der bag = {0}, cb = {0}, v = {0}, o = {0};

	der_tlv(&o, T_OCTET, cert, len);
	der_oid(&cb, OID_X509_CERT, sizeof(OID_X509_CERT));
	der_wrap(&cb, T_CTX0, &o);
	der_wrap(&v, T_SEQ, &cb);
	der_oid(&bag, OID_CERT_BAG, sizeof(OID_CERT_BAG));
	der_wrap(&bag, T_CTX0, &v);
	if (key_id != NULL)
		bag_attrs(&bag, key_id, id_len, name, name_len);
	der_wrap(d, T_SEQ, &bag);
}

/* ContentInfo { data, [0] OCTET content } */
static void content_info(struct der *d, struct der *content)
{
	struct der ci = {0}, o = {0};

	der_wrap(&o, T_OCTET, content);
	der_oid(&ci, OID_DATA, sizeof(OID_DATA));
	der_wrap(&ci, T_CTX0, &o);
	der_wrap(d, T_SEQ, &ci);
}

/* MacData { DigestInfo { algo, digest }, macSalt, iterations } */
static int mac_data(const struct der *auth, const uint8_t *bmp, int bmp_len, unsigned iter,
		    bool legacy, WC_RNG *rng, struct der *out)
{
	uint8_t salt[16], key[WC_SHA256_DIGEST_SIZE], digest[WC_SHA256_DIGEST_SIZE];
	int hash = WC_SHA256, len = WC_SHA256_DIGEST_SIZE;
	const uint8_t *oid = OID_SHA256;
	size_t oid_len = sizeof(OID_SHA256);
	struct der di = {0}, md = {0};
	Hmac hmac;
	int rc = -1;

#ifndef NO_DES3
	if (legacy) {
		hash = WC_SHA;
		len = WC_SHA_DIGEST_SIZE;
		oid = OID_SHA1;
		oid_len = sizeof(OID_SHA1);
	}
#else
	(void)legacy;
#endif
	if (wc_RNG_GenerateBlock(rng, salt, sizeof(salt)) != 0 ||
	    wc_PKCS12_PBKDF_ex(key, bmp, bmp_len, salt, (int)sizeof(salt), (int)iter, len, hash, 3,
			       NULL) != 0)
		goto out;
	if (wc_HmacInit(&hmac, NULL, INVALID_DEVID) != 0)
		goto out;
	if (wc_HmacSetKey(&hmac, hash, key, (word32)len) == 0 &&
	    wc_HmacUpdate(&hmac, auth->p, (word32)auth->len) == 0 &&
	    wc_HmacFinal(&hmac, digest) == 0)
		rc = 0;
	wc_HmacFree(&hmac);
	if (rc < 0)
		goto out;
	der_algo_null(&di, oid, oid_len);
	der_tlv(&di, T_OCTET, digest, (size_t)len);
	der_wrap(&md, T_SEQ, &di);
	der_tlv(&md, T_OCTET, salt, sizeof(salt));
	der_uint(&md, iter);
	der_wrap(out, T_SEQ, &md);
	rc = out->bad ? -1 : 0;
out:
	explicit_bzero(key, sizeof(key));
	return rc;
}

int p12_build(const struct p12_in *in, uint8_t **out, size_t *out_len, char *err, size_t errlen)
{
	uint8_t p8[KEY_DER_MAX], bmp[2 * P12_PASS_MAX + 8], name[2 * 256 + 8];
	uint8_t key_id[WC_SHA256_DIGEST_SIZE];
	unsigned iter = in->iterations != 0 ? in->iterations : P12_ITERATIONS;
	struct der certs = {0}, keys = {0}, kbag = {0}, epki = {0}, auth = {0}, pfx = {0},
		   inner = {0};
	int bmp_len, name_len = 0, p8_len, rc = -1;
	bool rng_ok = false;
	WC_RNG rng;

	*out = NULL;
	*out_len = 0;
	if (in->pass == NULL || in->pass[0] == 0 || strlen(in->pass) > P12_PASS_MAX) {
		errbuf_set(err, errlen, "the passphrase is empty or longer than %d bytes",
			   P12_PASS_MAX);
		return -1;
	}
	if (in->enc == P12_LEGACY && !p12_legacy_supported()) {
		errbuf_set(err, errlen,
			   "this wolfSSL build has no 3DES (NO_DES3): it cannot make the "
			   "legacy 3DES/SHA-1 PKCS#12");
		return -1;
	}
	if (in->n_chain > P12_CHAIN_MAX || in->cert == NULL || in->key == NULL) {
		errbuf_set(err, errlen, "no certificate, no key, or a chain longer than %d",
			   P12_CHAIN_MAX);
		return -1;
	}
	bmp_len = pass_bmp(in->pass, bmp, sizeof(bmp));
	if (bmp_len < 0) {
		errbuf_set(err, errlen, "the passphrase is not UTF-8 text");
		goto out;
	}
	if (in->name != NULL) {
		name_len = pass_bmp(in->name, name, sizeof(name));
		if (name_len < 2 || in->name[0] == 0) {
			errbuf_set(err, errlen,
				   "the friendly name is empty, not UTF-8 or longer "
				   "than 255 characters");
			goto out;
		}
		name_len -= 2; /* a BMPString carries no terminator */
	}
	p8_len = certgen_key_pkcs8(in->key, p8, sizeof(p8));
	if (p8_len <= 0) {
		errbuf_set(err, errlen, "cannot encode the private key as PKCS#8");
		goto out;
	}
	if (wc_Sha256Hash(in->cert, (word32)in->cert_len, key_id) != 0 || wc_InitRng(&rng) != 0) {
		errbuf_set(err, errlen, "cannot initialise the hash or the random generator");
		goto out;
	}
	rng_ok = true;

	/* the certificates: the leaf, then its issuers */
	cert_bag(&inner, in->cert, in->cert_len, key_id, sizeof(key_id),
		 in->name != NULL ? name : NULL, (size_t)name_len);
	for (size_t i = 0; i < in->n_chain; i++)
		cert_bag(&inner, in->chain[i], in->chain_len[i], NULL, 0, NULL, 0);
	der_wrap(&certs, T_SEQ, &inner);

	/* the key */
	if ((in->enc == P12_LEGACY
		 ? shroud_legacy(bmp, bmp_len, iter, &rng, p8, (size_t)p8_len, &epki)
		 : shroud_modern(in, iter, &rng, p8, (size_t)p8_len, &epki)) < 0) {
		errbuf_set(err, errlen, "cannot encrypt the private key");
		goto out;
	}
	der_oid(&kbag, OID_SHROUDED_KEY_BAG, sizeof(OID_SHROUDED_KEY_BAG));
	der_wrap(&inner, T_SEQ, &epki);
	der_wrap(&kbag, T_CTX0, &inner);
	bag_attrs(&kbag, key_id, sizeof(key_id), in->name != NULL ? name : NULL, (size_t)name_len);
	der_wrap(&inner, T_SEQ, &kbag);
	der_wrap(&keys, T_SEQ, &inner);

	/* AuthenticatedSafe, its MAC, the PFX */
	content_info(&inner, &certs);
	content_info(&inner, &keys);
	der_wrap(&auth, T_SEQ, &inner);
	if (auth.bad) {
		errbuf_set(err, errlen, "out of memory");
		goto out;
	}
	der_uint(&pfx, 3);
	if (mac_data(&auth, bmp, bmp_len, iter, in->enc == P12_LEGACY, &rng, &inner) < 0) {
		errbuf_set(err, errlen, "cannot compute the PKCS#12 MAC");
		goto out;
	}
	content_info(&pfx, &auth);
	der_raw(&pfx, inner.p, inner.len);
	der_free(&inner);
	der_wrap(&inner, T_SEQ, &pfx);
	if (inner.bad) {
		errbuf_set(err, errlen, "out of memory");
		goto out;
	}
	*out = inner.p;
	*out_len = inner.len;
	memset(&inner, 0, sizeof(inner));
	rc = 0;
out:
	if (rng_ok)
		wc_FreeRng(&rng);
	explicit_bzero(p8, sizeof(p8));
	explicit_bzero(bmp, sizeof(bmp));
	der_free(&certs);
	der_free(&keys);
	der_free(&kbag);
	der_free(&epki);
	der_free(&auth);
	der_free(&pfx);
	der_free(&inner);
	return rc;
}

int p12_pem_certs(const uint8_t *pem, size_t pem_len, uint8_t **der, size_t *len, size_t max,
		  char *err, size_t errlen)
{
	static const char begin[] = "-----BEGIN CERTIFICATE-----";
	static const char end[] = "-----END CERTIFICATE-----";
	const char *p = (const char *)pem, *stop = (const char *)pem + pem_len;
	size_t n = 0;

	for (;;) {
		const char *b = memmem(p, (size_t)(stop - p), begin, sizeof(begin) - 1), *e;
		int k;

		if (b == NULL)
			break;
		e = memmem(b, (size_t)(stop - b), end, sizeof(end) - 1);
		if (e == NULL)
			break;
		e += sizeof(end) - 1;
		if (n == max) {
			errbuf_set(err, errlen, "more than %zu certificates", max);
			goto fail;
		}
		der[n] = malloc(CERT_DER_MAX);
		if (der[n] == NULL) {
			errbuf_set(err, errlen, "out of memory");
			goto fail;
		}
		k = wc_CertPemToDer((const unsigned char *)b, (int)(e - b), der[n], CERT_DER_MAX,
				    CERT_TYPE);
		if (k <= 0) {
			free(der[n]);
			errbuf_set(err, errlen, "certificate %zu is not valid PEM: %s", n + 1,
				   certgen_wc_err(k));
			goto fail;
		}
		len[n++] = (size_t)k;
		p = e;
	}
	if (n == 0) {
		errbuf_set(err, errlen, "no PEM certificate");
		return -1;
	}
	return (int)n;
fail:
	while (n > 0)
		free(der[--n]);
	return -1;
}
