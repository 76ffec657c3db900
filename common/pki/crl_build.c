/*
 * crl_build.c - DER for an X.509 v2 CRL, then a wolfCrypt signature. Every
 * constructed element is built child-first into its own growable buffer and
 * then wrapped (tag, length, content) into its parent, so a length is always
 * the exact size of bytes already written; sizes are checked against
 * SIZE_MAX before every addition. Order of TBSCertList (RFC 5280 5.1.2):
 * version v2, signature, issuer, thisUpdate, nextUpdate,
 * revokedCertificates (omitted when empty), [0] crlExtensions with
 * authorityKeyIdentifier and cRLNumber.
 */
#include <wolfssl/options.h>
#include <wolfssl/wolfcrypt/settings.h>
#include <wolfssl/wolfcrypt/ecc.h>
#include <wolfssl/wolfcrypt/error-crypt.h>
#include <wolfssl/wolfcrypt/hash.h>
#include <wolfssl/wolfcrypt/random.h>
#include <wolfssl/wolfcrypt/rsa.h>
#include <wolfssl/wolfcrypt/signature.h>

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "crl_build.h"
#include "errbuf.h"

#define TAG_INTEGER 0x02
#define TAG_BIT_STRING 0x03
#define TAG_OCTET_STRING 0x04
#define TAG_ENUMERATED 0x0a
#define TAG_UTC_TIME 0x17
#define TAG_GENERALIZED_TIME 0x18
#define TAG_SEQUENCE 0x30
#define TAG_CTX0_CONS 0xa0 /* [0] EXPLICIT: crlExtensions */
#define TAG_CTX0_PRIM 0x80 /* [0] IMPLICIT: keyIdentifier */
#define SIG_MAX 1024	   /* RSA-8192 fits; ECDSA P-256 needs 72 */

static const uint8_t alg_ecdsa_sha256[] = {0x30, 0x0a, 0x06, 0x08, 0x2a, 0x86,
					   0x48, 0xce, 0x3d, 0x04, 0x03, 0x02};
static const uint8_t alg_rsa_sha256[] = {0x30, 0x0d, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86,
					 0xf7, 0x0d, 0x01, 0x01, 0x0b, 0x05, 0x00};
static const uint8_t oid_reason_code[] = {0x06, 0x03, 0x55, 0x1d, 0x15};
static const uint8_t oid_crl_number[] = {0x06, 0x03, 0x55, 0x1d, 0x14};
static const uint8_t oid_authority_key_id[] = {0x06, 0x03, 0x55, 0x1d, 0x23};

static const struct {
	const char *name;
	enum crl_build_reason reason;
} reasons[] = {
    {"unspecified", CRL_REASON_UNSPECIFIED},
    {"keyCompromise", CRL_REASON_KEY_COMPROMISE},
    {"cACompromise", CRL_REASON_CA_COMPROMISE},
    {"affiliationChanged", CRL_REASON_AFFILIATION_CHANGED},
    {"superseded", CRL_REASON_SUPERSEDED},
    {"cessationOfOperation", CRL_REASON_CESSATION_OF_OPERATION},
    {"privilegeWithdrawn", CRL_REASON_PRIVILEGE_WITHDRAWN},
};

bool crl_build_reason_parse(const char *name, enum crl_build_reason *out)
{
	for (size_t i = 0; i < sizeof(reasons) / sizeof(reasons[0]); i++) {
		if (strcmp(name, reasons[i].name) == 0) {
			*out = reasons[i].reason;
			return true;
		}
	}
	return false;
}

const char *crl_build_reason_name(enum crl_build_reason r)
{
	for (size_t i = 0; i < sizeof(reasons) / sizeof(reasons[0]); i++) {
		if (reasons[i].reason == r)
			return reasons[i].name;
	}
	return NULL;
}

/* ---- primitives ---- */

size_t crl_build_len(size_t len, uint8_t out[static 9])
{
	size_t n = 0;

	if (len < 0x80) {
		out[0] = (uint8_t)len;
		return 1;
	}
	for (size_t v = len; v != 0; v >>= 8)
		n++;
	out[0] = (uint8_t)(0x80 | n);
	for (size_t i = 0; i < n; i++)
		out[1 + i] = (uint8_t)(len >> (8 * (n - 1 - i)));
	return 1 + n;
}

size_t crl_build_integer(const uint8_t *mag, size_t n, uint8_t *out, size_t cap)
{
	size_t lead = 0, body, w = 0;
	uint8_t l[9];
	size_t ll;
	bool pad;

	while (lead < n && mag[lead] == 0)
		lead++;
	mag += lead;
	n -= lead;
	pad = n == 0 || (mag[0] & 0x80) != 0;
	body = n + (pad ? 1 : 0);
	ll = crl_build_len(body, l);
	if (cap < 1 || cap - 1 < ll || cap - 1 - ll < body)
		return 0;
	out[w++] = TAG_INTEGER;
	memcpy(out + w, l, ll);
	w += ll;
	if (pad)
		out[w++] = 0;
	if (n > 0)
		memcpy(out + w, mag, n);
	return w + n;
}

size_t crl_build_time(int64_t t, uint8_t out[static CRL_BUILD_TIME_MAX])
{
	time_t tt = (time_t)t;
	struct tm tm;
	char s[32];
	int year, n;

	if ((int64_t)tt != t || gmtime_r(&tt, &tm) == NULL)
		return 0;
	year = tm.tm_year + 1900;
	if (year < 0 || year > 9999)
		return 0;
	if (year >= 1950 && year < 2050) {
		n = snprintf(s, sizeof(s), "%02d%02d%02d%02d%02d%02dZ", year % 100, tm.tm_mon + 1,
			     tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
		out[0] = TAG_UTC_TIME;
	} else {
		n = snprintf(s, sizeof(s), "%04d%02d%02d%02d%02d%02dZ", year, tm.tm_mon + 1,
			     tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
		out[0] = TAG_GENERALIZED_TIME;
	}
	if (n != 13 && n != 15)
		return 0;
	out[1] = (uint8_t)n;
	memcpy(out + 2, s, (size_t)n);
	return (size_t)n + 2;
}

/* ---- a growable buffer; a failed append poisons it ---- */

struct enc {
	uint8_t *b;
	size_t len, cap;
	bool fail;
};

static void enc_put(struct enc *e, const void *p, size_t n)
{
	if (e->fail || n == 0)
		return;
	if (n > SIZE_MAX / 2 - e->len) {
		e->fail = true;
		return;
	}
	if (e->len + n > e->cap) {
		size_t cap = e->cap < 256 ? 256 : e->cap;
		uint8_t *nb;

		while (cap < e->len + n)
			cap *= 2;
		nb = realloc(e->b, cap);
		if (nb == NULL) {
			e->fail = true;
			return;
		}
		e->b = nb;
		e->cap = cap;
	}
	memcpy(e->b + e->len, p, n);
	e->len += n;
}

static void enc_free(struct enc *e)
{
	free(e->b);
	memset(e, 0, sizeof(*e));
}

/* tag, length, content into e. */
static void enc_tlv(struct enc *e, uint8_t tag, const void *content, size_t n)
{
	uint8_t l[9];
	size_t ll = crl_build_len(n, l);

	enc_put(e, &tag, 1);
	enc_put(e, l, ll);
	enc_put(e, content, n);
}

/* Wraps child (consumed) as tag { child } into e. */
static void enc_wrap(struct enc *e, uint8_t tag, struct enc *child)
{
	if (child->fail)
		e->fail = true;
	else
		enc_tlv(e, tag, child->b, child->len);
	enc_free(child);
}

static void enc_integer(struct enc *e, const uint8_t *mag, size_t n)
{
	uint8_t buf[CRL_BUILD_SERIAL_MAX + 16];
	size_t w;

	if (n > CRL_BUILD_SERIAL_MAX) {
		e->fail = true;
		return;
	}
	w = crl_build_integer(mag, n, buf, sizeof(buf));
	if (w == 0)
		e->fail = true;
	enc_put(e, buf, w);
}

static void enc_time(struct enc *e, int64_t t)
{
	uint8_t buf[CRL_BUILD_TIME_MAX];
	size_t w = crl_build_time(t, buf);

	if (w == 0)
		e->fail = true;
	enc_put(e, buf, w);
}

/* Extension ::= SEQUENCE { extnID, extnValue OCTET STRING { value } }
 * (critical omitted: FALSE is the DEFAULT, which DER leaves out). */
static void enc_extension(struct enc *e, const uint8_t *oid, size_t oid_len, struct enc *value)
{
	struct enc ext = {0};

	enc_put(&ext, oid, oid_len);
	enc_wrap(&ext, TAG_OCTET_STRING, value);
	enc_wrap(e, TAG_SEQUENCE, &ext);
}

static void enc_entry(struct enc *e, const struct crl_build_entry *r)
{
	struct enc entry = {0}, exts = {0}, val = {0};
	uint8_t reason = (uint8_t)r->reason;

	enc_integer(&entry, r->serial, r->serial_len);
	enc_time(&entry, r->revoked);
	/* 5.3.1: "unspecified" SHOULD be expressed by leaving reasonCode out. */
	if (r->reason != CRL_REASON_UNSPECIFIED) {
		enc_tlv(&val, TAG_ENUMERATED, &reason, 1);
		enc_extension(&exts, oid_reason_code, sizeof(oid_reason_code), &val);
		enc_wrap(&entry, TAG_SEQUENCE, &exts);
	}
	enc_wrap(e, TAG_SEQUENCE, &entry);
}

static int check_req(const struct crl_build_req *req, char *err, size_t errlen)
{
	if (req->issuer == NULL || req->issuer_len < 2 || req->issuer[0] != TAG_SEQUENCE) {
		errbuf_set(err, errlen, "the issuer name is missing or not a DER SEQUENCE");
		return -1;
	}
	if (req->key_id == NULL || req->key_id_len == 0 || req->key_id_len > CRL_BUILD_KEYID_MAX) {
		errbuf_set(err, errlen,
		       "the issuer has no subject key identifier (1 to %d bytes) for the "
		       "CRL's authority key identifier",
		       CRL_BUILD_KEYID_MAX);
		return -1;
	}
	if (req->next_update <= req->this_update) {
		errbuf_set(err, errlen, "nextUpdate must come after thisUpdate");
		return -1;
	}
	if (req->n_entries > 0 && req->entries == NULL) {
		errbuf_set(err, errlen, "entries missing");
		return -1;
	}
	for (size_t i = 0; i < req->n_entries; i++) {
		const struct crl_build_entry *r = &req->entries[i];

		if (r->serial_len == 0 || r->serial_len > CRL_BUILD_SERIAL_MAX) {
			errbuf_set(err, errlen, "entry %zu: a serial of %zu bytes (1 to %d allowed)", i,
			       r->serial_len, CRL_BUILD_SERIAL_MAX);
			return -1;
		}
		if (crl_build_reason_name(r->reason) == NULL) {
			errbuf_set(err, errlen, "entry %zu: reason %d is not offered", i,
			       (int)r->reason);
			return -1;
		}
	}
	return 0;
}

int crl_build_tbs(const struct crl_build_req *req, uint8_t **der, size_t *der_len, char *err,
		  size_t errlen)
{
	struct enc tbs = {0}, list = {0}, exts = {0}, ext0 = {0}, val = {0}, aki = {0};
	static const uint8_t version_v2[] = {TAG_INTEGER, 0x01, 0x01};
	uint8_t num[8];

	*der = NULL;
	*der_len = 0;
	if (check_req(req, err, errlen) < 0)
		return -1;
	enc_put(&tbs, version_v2, sizeof(version_v2));
	if (req->sig == CRL_BUILD_SIG_ECDSA_SHA256)
		enc_put(&tbs, alg_ecdsa_sha256, sizeof(alg_ecdsa_sha256));
	else
		enc_put(&tbs, alg_rsa_sha256, sizeof(alg_rsa_sha256));
	enc_put(&tbs, req->issuer, req->issuer_len);
	enc_time(&tbs, req->this_update);
	enc_time(&tbs, req->next_update);
	if (req->n_entries > 0) {
		for (size_t i = 0; i < req->n_entries; i++)
			enc_entry(&list, &req->entries[i]);
		enc_wrap(&tbs, TAG_SEQUENCE, &list);
	}
	/* AuthorityKeyIdentifier ::= SEQUENCE { [0] keyIdentifier } */
	enc_tlv(&aki, TAG_CTX0_PRIM, req->key_id, req->key_id_len);
	enc_wrap(&val, TAG_SEQUENCE, &aki);
	enc_extension(&exts, oid_authority_key_id, sizeof(oid_authority_key_id), &val);
	for (size_t i = 0; i < sizeof(num); i++)
		num[i] = (uint8_t)(req->crl_number >> (8 * (sizeof(num) - 1 - i)));
	enc_integer(&val, num, sizeof(num));
	enc_extension(&exts, oid_crl_number, sizeof(oid_crl_number), &val);
	enc_wrap(&ext0, TAG_SEQUENCE, &exts);
	enc_wrap(&tbs, TAG_CTX0_CONS, &ext0);
	enc_wrap(&list, TAG_SEQUENCE, &tbs); /* list reused as the outer buffer */
	if (list.fail) {
		enc_free(&list);
		errbuf_set(err, errlen, "out of memory, or a date outside the years 0 to 9999");
		return -1;
	}
	*der = list.b;
	*der_len = list.len;
	return 0;
}

static int sign(const struct crl_build_req *req, void *key, const uint8_t *tbs, size_t tbs_len,
		uint8_t *sig, word32 *sig_len, char *err, size_t errlen)
{
	enum wc_SignatureType type;
	word32 key_len;
	WC_RNG rng;
	int rc;

	if (req->sig == CRL_BUILD_SIG_ECDSA_SHA256) {
		type = WC_SIGNATURE_TYPE_ECC;
		key_len = sizeof(ecc_key);
	} else {
		type = WC_SIGNATURE_TYPE_RSA_W_ENC; /* DigestInfo, then PKCS#1 v1.5 */
		key_len = sizeof(RsaKey);
	}
	rc = wc_InitRng(&rng);
	if (rc != 0) {
		errbuf_set(err, errlen, "cannot initialise the random generator: %s",
		       wc_GetErrorString(rc));
		return -1;
	}
	rc = wc_SignatureGetSize(type, key, key_len);
	if (rc <= 0 || (word32)rc > *sig_len) {
		wc_FreeRng(&rng);
		errbuf_set(err, errlen, "the signing key does not match the signature algorithm");
		return -1;
	}
	*sig_len = (word32)rc;
	rc = wc_SignatureGenerate(WC_HASH_TYPE_SHA256, type, tbs, (word32)tbs_len, sig, sig_len,
				  key, key_len, &rng);
	wc_FreeRng(&rng);
	if (rc != 0) {
		errbuf_set(err, errlen, "cannot sign the CRL: %s", wc_GetErrorString(rc));
		return -1;
	}
	return 0;
}

int crl_build(const struct crl_build_req *req, void *key, uint8_t **der, size_t *der_len, char *err,
	      size_t errlen)
{
	struct enc crl = {0}, outer = {0};
	uint8_t sig[SIG_MAX + 1];
	word32 sig_len = SIG_MAX;
	uint8_t *tbs;
	size_t tbs_len;

	*der = NULL;
	*der_len = 0;
	if (key == NULL) {
		errbuf_set(err, errlen, "no signing key");
		return -1;
	}
	if (crl_build_tbs(req, &tbs, &tbs_len, err, errlen) < 0)
		return -1;
	if (sign(req, key, tbs, tbs_len, sig + 1, &sig_len, err, errlen) < 0) {
		free(tbs);
		return -1;
	}
	/* CertificateList ::= SEQUENCE { tbsCertList, signatureAlgorithm,
	 * signatureValue BIT STRING (0 unused bits) } */
	enc_put(&crl, tbs, tbs_len);
	free(tbs);
	if (req->sig == CRL_BUILD_SIG_ECDSA_SHA256)
		enc_put(&crl, alg_ecdsa_sha256, sizeof(alg_ecdsa_sha256));
	else
		enc_put(&crl, alg_rsa_sha256, sizeof(alg_rsa_sha256));
	sig[0] = 0;
	enc_tlv(&crl, TAG_BIT_STRING, sig, (size_t)sig_len + 1);
	enc_wrap(&outer, TAG_SEQUENCE, &crl);
	if (outer.fail) {
		enc_free(&outer);
		errbuf_set(err, errlen, "out of memory");
		return -1;
	}
	*der = outer.b;
	*der_len = outer.len;
	return 0;
}
