/*
 * certgen.c - X.509 v3 certificates for the mtlsvpnctl CA, built with
 * wolfCrypt's certificate generator (keys: certgen_key.c, files:
 * certgen_file.c). Order of an issue: validate the request, fill a Cert
 * (subject, issuer copied byte for byte from the CA certificate, dates,
 * random serial, extensions), make the body with the subject's public key,
 * patch what wolfCrypt 5.5 cannot express, sign with the issuer's key.
 * Never logs; errors go to the caller's buffer.
 */
#include <wolfssl/options.h>
#include <wolfssl/wolfcrypt/settings.h>
#include <wolfssl/wolfcrypt/asn.h>
#include <wolfssl/wolfcrypt/asn_public.h>
#include <wolfssl/wolfcrypt/ecc.h>
#include <wolfssl/wolfcrypt/error-crypt.h>
#include <wolfssl/wolfcrypt/hash.h>
#include <wolfssl/wolfcrypt/random.h>
#include <wolfssl/wolfcrypt/rsa.h>

#include <arpa/inet.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "certgen.h"
#include "certgen_int.h"
#include "identity.h"

#define CERT_DER_MAX 8192
#define DAYS_MAX 36500u /* 100 years: beyond that, a typo */

const char *certgen_wc_err(int rc)
{
	return wc_GetErrorString(rc);
}

const char *certgen_kind_name(enum certgen_kind k)
{
	switch (k) {
	case CERTGEN_CA:
		return "ca";
	case CERTGEN_SERVER:
		return "server";
	case CERTGEN_CLIENT:
		return "client";
	}
	return "?";
}

bool certgen_kind_parse(const char *s, enum certgen_kind *out)
{
	static const enum certgen_kind all[] = {CERTGEN_CA, CERTGEN_SERVER, CERTGEN_CLIENT};

	for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++) {
		if (strcmp(s, certgen_kind_name(all[i])) == 0) {
			*out = all[i];
			return true;
		}
	}
	return false;
}

/* DER -> PEM into a fresh buffer (size in *pem_len); NULL on failure. */
uint8_t *certgen_der_to_pem(const uint8_t *der, size_t der_len, int type, size_t *pem_len)
{
	size_t cap = der_len * 2 + 256;
	uint8_t *pem = malloc(cap);
	int n;

	if (pem == NULL)
		return NULL;
	n = wc_DerToPem(der, (word32)der_len, pem, (word32)cap, type);
	if (n <= 0) {
		explicit_bzero(pem, cap);
		free(pem);
		return NULL;
	}
	*pem_len = (size_t)n;
	return pem;
}

/* What a CN or OU may hold: the gateway's own rules for an identity
 * (UTF-8, no control or formatting characters), within the X.509 bound. */
static bool name_ok(const char *s, const char **why)
{
	if (strlen(s) >= CERTGEN_NAME_MAX) {
		*why = "it is longer than 63 bytes (the X.509 limit is 64)";
		return false;
	}
	return identity_valid(s, strlen(s), why);
}

/* IA5String content for a SAN dNSName or rfc822Name: printable ASCII. */
static bool ia5_ok(const char *s, size_t max)
{
	size_t len = strlen(s);

	if (len == 0 || len > max)
		return false;
	for (; *s != 0; s++) {
		if (*s <= 0x20 || *s >= 0x7f)
			return false;
	}
	return true;
}

/* X.509 Time: UTCTime through 2049, GeneralizedTime after (RFC 5280
 * 4.1.2.5), as tag, length, characters: the form wolfCrypt copies from
 * Cert.beforeDate/afterDate. */
static int encode_time(int64_t t, uint8_t out[static CTC_DATE_SIZE])
{
	time_t tt = (time_t)t;
	struct tm tm;
	char s[24];
	int n;

	if (gmtime_r(&tt, &tm) == NULL)
		return -1;
	if (tm.tm_year + 1900 >= 1950 && tm.tm_year + 1900 < 2050) {
		n = snprintf(s, sizeof(s), "%02d%02d%02d%02d%02d%02dZ", tm.tm_year % 100,
			     tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
		out[0] = ASN_UTC_TIME;
	} else {
		n = snprintf(s, sizeof(s), "%04d%02d%02d%02d%02d%02dZ", tm.tm_year + 1900,
			     tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
		out[0] = ASN_GENERALIZED_TIME;
	}
	if (n <= 0 || n + 2 > CTC_DATE_SIZE)
		return -1;
	out[1] = (uint8_t)n;
	memcpy(out + 2, s, (size_t)n);
	return n + 2;
}

static void format_date(int64_t t, char out[static 32])
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (gmtime_r(&tt, &tm) == NULL || strftime(out, 32, "%Y-%m-%d %H:%M:%S UTC", &tm) == 0)
		snprintf(out, 32, "@%lld", (long long)t);
}

/* Parses a DecodedCert date (tag, length, characters) to unix time. */
static bool decode_time(const byte *date, int len, int64_t *out)
{
	const byte *p;
	byte format;
	int plen;
	struct tm tm;

	if (date == NULL || len <= 0)
		return false;
	if (wc_GetDateInfo(date, len, &p, &format, &plen) != 0)
		return false;
	memset(&tm, 0, sizeof(tm));
	if (wc_GetDateAsCalendarTime(p, plen, format, &tm) != 0)
		return false;
	*out = (int64_t)timegm(&tm);
	return true;
}

/* ---- subject alternative names ---- */

/* DER length octets; returns their count. */
static size_t der_len(size_t len, uint8_t out[static 4])
{
	if (len < 0x80) {
		out[0] = (uint8_t)len;
		return 1;
	}
	if (len <= 0xff) {
		out[0] = 0x81;
		out[1] = (uint8_t)len;
		return 2;
	}
	out[0] = 0x82;
	out[1] = (uint8_t)(len >> 8);
	out[2] = (uint8_t)len;
	return 3;
}

struct san_buf {
	uint8_t b[CTC_MAX_ALT_SIZE];
	size_t len;
	bool overflow;
};

static void san_put(struct san_buf *sb, uint8_t tag, const void *val, size_t len)
{
	uint8_t l[4];
	size_t ll = der_len(len, l);

	if (sb->len + 1 + ll + len > sizeof(sb->b)) {
		sb->overflow = true;
		return;
	}
	sb->b[sb->len++] = tag;
	memcpy(sb->b + sb->len, l, ll);
	sb->len += ll;
	memcpy(sb->b + sb->len, val, len);
	sb->len += len;
}

/* GeneralNames into cert->altNames: the extension value wolfCrypt wraps. */
static int encode_sans(const struct certgen_req *req, Cert *cert, char *err, size_t errlen)
{
	struct san_buf *sb;
	uint8_t l[4];
	size_t ll;

	if (req->n_dns + req->n_ip + req->n_email == 0)
		return 0;
	if (req->n_dns > CERTGEN_MAX_SANS || req->n_ip > CERTGEN_MAX_SANS ||
	    req->n_email > CERTGEN_MAX_SANS) {
		errbuf_set(err, errlen,
			       "too many subject alternative names (at most %d of each kind)",
			       CERTGEN_MAX_SANS);
		return -1;
	}
	sb = calloc(1, sizeof(*sb));
	if (sb == NULL) {
		errbuf_set(err, errlen, "out of memory");
		return -1;
	}
	for (size_t i = 0; i < req->n_email; i++) {
		if (!ia5_ok(req->email[i], 254) || strchr(req->email[i], '@') == NULL) {
			errbuf_set(
			    err, errlen,
			    "SAN e-mail \"%s\" is not an ASCII address of the form local@domain",
			    req->email[i]);
			goto fail;
		}
		san_put(sb, ASN_CONTEXT_SPECIFIC | ASN_RFC822_TYPE, req->email[i],
			strlen(req->email[i]));
	}
	for (size_t i = 0; i < req->n_dns; i++) {
		if (!ia5_ok(req->dns[i], 253)) {
			errbuf_set(err, errlen,
				       "SAN DNS name \"%s\" is not a printable ASCII host name",
				       req->dns[i]);
			goto fail;
		}
		san_put(sb, ASN_CONTEXT_SPECIFIC | ASN_DNS_TYPE, req->dns[i], strlen(req->dns[i]));
	}
	for (size_t i = 0; i < req->n_ip; i++) {
		uint8_t a[16];

		if (inet_pton(AF_INET, req->ip[i], a) == 1) {
			san_put(sb, ASN_CONTEXT_SPECIFIC | ASN_IP_TYPE, a, 4);
		} else if (inet_pton(AF_INET6, req->ip[i], a) == 1) {
			san_put(sb, ASN_CONTEXT_SPECIFIC | ASN_IP_TYPE, a, 16);
		} else {
			errbuf_set(err, errlen,
				       "SAN IP address \"%s\" is neither IPv4 nor IPv6",
				       req->ip[i]);
			goto fail;
		}
	}
	ll = der_len(sb->len, l);
	if (sb->overflow || 1 + ll + sb->len > sizeof(cert->altNames)) {
		errbuf_set(err, errlen, "the subject alternative names do not fit in %d bytes",
			       CTC_MAX_ALT_SIZE);
		goto fail;
	}
	cert->altNames[0] = ASN_SEQUENCE | ASN_CONSTRUCTED;
	memcpy(cert->altNames + 1, l, ll);
	memcpy(cert->altNames + 1 + ll, sb->b, sb->len);
	cert->altNamesSz = (int)(1 + ll + sb->len);
	free(sb);
	return 0;
fail:
	free(sb);
	return -1;
}

/* ---- the critical flag on basicConstraints ---- */

/* One DER element at buf[off]: single-byte tag, definite length. */
struct tlv {
	size_t off, hdr, len; /* element at off; content at off + hdr */
	uint8_t tag;
};

static size_t tlv_end(const struct tlv *t)
{
	return t->off + t->hdr + t->len;
}

static bool tlv_read(const uint8_t *buf, size_t end, size_t off, struct tlv *t)
{
	size_t n, len = 0;

	if (off + 2 > end)
		return false;
	t->off = off;
	t->tag = buf[off];
	if (buf[off + 1] < 0x80) {
		len = buf[off + 1];
		t->hdr = 2;
	} else {
		n = buf[off + 1] & 0x7f;
		if (n == 0 || n > 3 || off + 2 + n > end)
			return false;
		for (size_t i = 0; i < n; i++)
			len = len << 8 | buf[off + 2 + i];
		t->hdr = 2 + n;
	}
	t->len = len;
	return off + t->hdr + len <= end;
}

static size_t put_hdr(uint8_t *out, uint8_t tag, size_t len)
{
	out[0] = tag;
	return 1 + der_len(len, out + 1);
}

static size_t hdr_size(size_t len)
{
	uint8_t l[4];
	return 1 + der_len(len, l);
}

/* RFC 5280 4.2.1.9 wants basicConstraints critical in a CA certificate;
 * wolfCrypt 5.5 encodes it without the flag. Before signing, rewrite the
 * TBSCertificate with "critical TRUE" inserted after the extension's OID,
 * re-encoding the lengths of every enclosing element. Returns the new body
 * length, or -1 if the body is not shaped as wolfCrypt writes it. */
static int mark_basic_constraints_critical(uint8_t *der, size_t body, size_t cap)
{
	static const uint8_t bc_oid[] = {0x06, 0x03, 0x55, 0x1d, 0x13};
	static const uint8_t crit[] = {0x01, 0x01, 0xff};
	struct tlv tbs, a3 = {0}, exts, ext = {0}, oid, next;
	size_t off, ext_c, exts_c, a3_c, tbs_c, w = 0;
	bool found = false;
	uint8_t *out;

	if (!tlv_read(der, body, 0, &tbs) || tbs.tag != 0x30 || tlv_end(&tbs) != body)
		return -1;
	for (off = tbs.hdr; off < body; off = tlv_end(&a3)) {
		if (!tlv_read(der, body, off, &a3))
			return -1;
		if (a3.tag == 0xa3) {
			found = true;
			break;
		}
	}
	if (!found || !tlv_read(der, tlv_end(&a3), a3.off + a3.hdr, &exts) || exts.tag != 0x30)
		return -1;
	found = false;
	for (off = exts.off + exts.hdr; off < tlv_end(&exts); off = tlv_end(&ext)) {
		if (!tlv_read(der, tlv_end(&exts), off, &ext) || ext.tag != 0x30)
			return -1;
		if (ext.len >= sizeof(bc_oid) &&
		    memcmp(der + ext.off + ext.hdr, bc_oid, sizeof(bc_oid)) == 0) {
			found = true;
			break;
		}
	}
	if (!found || !tlv_read(der, tlv_end(&ext), ext.off + ext.hdr, &oid) ||
	    !tlv_read(der, tlv_end(&ext), tlv_end(&oid), &next))
		return -1;
	if (next.tag == 0x01)
		return (int)body; /* already carries a critical flag */

	ext_c = ext.len + sizeof(crit);
	exts_c = exts.len - (tlv_end(&ext) - ext.off) + hdr_size(ext_c) + ext_c;
	a3_c = hdr_size(exts_c) + exts_c;
	tbs_c = tbs.len - (tlv_end(&a3) - a3.off) + hdr_size(a3_c) + a3_c;
	if (hdr_size(tbs_c) + tbs_c > cap || (out = malloc(cap)) == NULL)
		return -1;
	w += put_hdr(out + w, 0x30, tbs_c);
	memcpy(out + w, der + tbs.hdr, a3.off - tbs.hdr);
	w += a3.off - tbs.hdr;
	w += put_hdr(out + w, 0xa3, a3_c);
	w += put_hdr(out + w, 0x30, exts_c);
	memcpy(out + w, der + exts.off + exts.hdr, ext.off - (exts.off + exts.hdr));
	w += ext.off - (exts.off + exts.hdr);
	w += put_hdr(out + w, 0x30, ext_c);
	memcpy(out + w, der + oid.off, tlv_end(&oid) - oid.off);
	w += tlv_end(&oid) - oid.off;
	memcpy(out + w, crit, sizeof(crit));
	w += sizeof(crit);
	memcpy(out + w, der + next.off, tlv_end(&ext) - next.off);
	w += tlv_end(&ext) - next.off;
	memcpy(out + w, der + tlv_end(&ext), tlv_end(&exts) - tlv_end(&ext));
	w += tlv_end(&exts) - tlv_end(&ext);
	memcpy(out + w, der + tlv_end(&a3), body - tlv_end(&a3));
	w += body - tlv_end(&a3);
	memcpy(der, out, w);
	free(out);
	return (int)w;
}

/* ---- issuing ---- */

/* 16 random bytes, top bit clear (a positive INTEGER) and a non-zero first
 * byte, so the DER encoding is exactly 16 bytes. */
static int random_serial(WC_RNG *rng, uint8_t out[static CERTGEN_SERIAL_LEN])
{
	do {
		int rc = wc_RNG_GenerateBlock(rng, out, CERTGEN_SERIAL_LEN);
		if (rc != 0)
			return rc;
		out[0] &= 0x7f;
	} while (out[0] == 0);
	return 0;
}

static int check_req(const struct certgen_req *req, const struct certgen_cert *issuer,
		     struct certgen_key *issuer_key, char *err, size_t errlen)
{
	const char *why;

	if ((issuer == NULL) != (issuer_key == NULL)) {
		errbuf_set(err, errlen, "the issuer needs both its certificate and its key");
		return -1;
	}
	if (req->kind != CERTGEN_CA && (issuer == NULL || issuer_key == NULL)) {
		errbuf_set(err, errlen, "a %s certificate needs the CA certificate and key",
			       certgen_kind_name(req->kind));
		return -1;
	}
	if (req->cn == NULL) {
		errbuf_set(err, errlen, "the common name is missing");
		return -1;
	}
	if (!name_ok(req->cn, &why)) {
		errbuf_set(err, errlen, "the common name is refused: %s", why);
		return -1;
	}
	if (req->ou != NULL && !name_ok(req->ou, &why)) {
		errbuf_set(err, errlen, "the organizational unit is refused: %s", why);
		return -1;
	}
	if (req->path_len > 4) {
		errbuf_set(err, errlen, "a path length of %u is beyond what this CA makes",
			       req->path_len);
		return -1;
	}
	if (req->secs == 0 && (req->days < 1 || req->days > DAYS_MAX)) {
		errbuf_set(err, errlen, "a validity of %u days is out of range (1 to %u)",
			       req->days, DAYS_MAX);
		return -1;
	}
	return 0;
}

static int set_validity(const struct certgen_req *req, const struct certgen_cert *issuer,
			Cert *cert, int64_t *nb, int64_t *na, char *err, size_t errlen)
{
	int64_t now = req->now != 0 ? req->now : (int64_t)time(NULL);
	int64_t start = now - CERTGEN_BACKDATE_SECS;
	int n;

	/* The span notBefore..notAfter is what clients measure (825 days at
	 * most for a server certificate), so the back-dating comes out of the
	 * days asked for rather than adding to them. */
	*nb = start;
	*na = req->secs != 0 ? now + (int64_t)req->secs : start + (int64_t)req->days * 86400;
	if (issuer != NULL) {
		char a[32], b[32];

		if (*nb < issuer->not_before)
			*nb = issuer->not_before;
		if (*na > issuer->not_after) {
			format_date(*na, a);
			format_date(issuer->not_after, b);
			errbuf_set(
			    err, errlen,
			    "a validity of %u %s would end %s, after the CA certificate "
			    "itself expires (%s): ask for at most %lld days",
			    req->secs != 0 ? req->secs : req->days,
			    req->secs != 0 ? "seconds" : "days", a, b, (long long)((issuer->not_after - start) / 86400));
			return -1;
		}
	}
	n = encode_time(*nb, cert->beforeDate);
	if (n < 0)
		goto bad;
	cert->beforeDateSz = n;
	n = encode_time(*na, cert->afterDate);
	if (n < 0)
		goto bad;
	cert->afterDateSz = n;
	return 0;
bad:
	errbuf_set(err, errlen, "cannot encode the validity dates");
	return -1;
}

static int set_extensions(const struct certgen_req *req, Cert *cert, char *err, size_t errlen)
{
	const char *ku, *eku = NULL;
	int rc;

	switch (req->kind) {
	case CERTGEN_CA:
		/* pathlen 0: this CA signs end-entity certificates only; 1: a
		 * root above one intermediate. The
		 * critical flag is added after wc_MakeCert (see above). */
		cert->isCA = 1;
		cert->pathLen = (byte)req->path_len;
		cert->pathLenSet = 1;
		ku = "keyCertSign,cRLSign";
		break;
	case CERTGEN_SERVER:
		ku = "digitalSignature";
		eku = "serverAuth";
		break;
	case CERTGEN_CLIENT:
	default:
		ku = "digitalSignature";
		eku = "clientAuth";
		break;
	}
	if (req->kind != CERTGEN_CA) {
		/* An explicit CA:FALSE, so nobody mistakes a leaf for a CA. */
		cert->isCA = 0;
		cert->basicConstSet = 1;
	}
	rc = wc_SetKeyUsage(cert, ku);
	if (rc == 0 && eku != NULL)
		rc = wc_SetExtKeyUsage(cert, eku);
	if (rc != 0) {
		errbuf_set(err, errlen, "cannot set the key usage extensions: %s",
			       certgen_wc_err(rc));
		return -1;
	}
	return encode_sans(req, cert, err, errlen);
}

static int sig_type(const struct certgen_key *signer)
{
	return signer->type == CERTGEN_KEY_EC_P256 ? CTC_SHA256wECDSA : CTC_SHA256wRSA;
}

int certgen_issue(const struct certgen_req *req, struct certgen_key *subject_key,
		  const struct certgen_cert *issuer, struct certgen_key *issuer_key,
		  struct certgen_cert *out, char *err, size_t errlen)
{
	struct certgen_key *signer = issuer_key != NULL ? issuer_key : subject_key;
	int64_t nb = 0, na = 0;
	uint8_t *der = NULL;
	Cert *cert = NULL;
	WC_RNG rng;
	bool rng_ok = false;
	int rc, len;

	memset(out, 0, sizeof(*out));
	if (check_req(req, issuer, issuer_key, err, errlen) < 0)
		return -1;
	cert = calloc(1, sizeof(*cert)); /* ~30 KiB: not on the stack */
	der = malloc(CERT_DER_MAX);
	if (cert == NULL || der == NULL) {
		errbuf_set(err, errlen, "out of memory");
		goto fail;
	}
	rc = wc_InitRng(&rng);
	if (rc != 0) {
		errbuf_set(err, errlen, "cannot initialise the random generator: %s",
			       certgen_wc_err(rc));
		goto fail;
	}
	rng_ok = true;
	rc = wc_InitCert(cert);
	if (rc != 0) {
		errbuf_set(err, errlen, "wc_InitCert: %s", certgen_wc_err(rc));
		goto fail;
	}
	cert->version = 2; /* v3 */
	cert->sigType = sig_type(signer);
	snprintf(cert->subject.commonName, sizeof(cert->subject.commonName), "%s", req->cn);
	cert->subject.commonNameEnc = CTC_UTF8;
	if (req->ou != NULL) {
		snprintf(cert->subject.unit, sizeof(cert->subject.unit), "%s", req->ou);
		cert->subject.unitEnc = CTC_UTF8;
	}
	rc = random_serial(&rng, cert->serial);
	if (rc != 0) {
		errbuf_set(err, errlen, "cannot draw a serial number: %s", certgen_wc_err(rc));
		goto fail;
	}
	cert->serialSz = CERTGEN_SERIAL_LEN;
	if (set_validity(req, issuer, cert, &nb, &na, err, errlen) < 0)
		goto fail;
	if (set_extensions(req, cert, err, errlen) < 0)
		goto fail;

	rc = wc_SetSubjectKeyIdFromPublicKey_ex(cert, certgen_key_wc_type(subject_key),
						certgen_key_obj(subject_key));
	if (rc != 0) {
		errbuf_set(err, errlen, "cannot compute the subject key identifier: %s",
			       certgen_wc_err(rc));
		goto fail;
	}
	if (issuer == NULL) {
		cert->selfSigned = 1;
		rc = wc_SetAuthKeyIdFromPublicKey_ex(cert, certgen_key_wc_type(subject_key),
						     certgen_key_obj(subject_key));
	} else {
		/* The issuer name is copied from the CA certificate byte for byte,
		 * so it matches the CA's subject exactly. */
		rc = wc_SetIssuerBuffer(cert, issuer->der, (int)issuer->der_len);
		if (rc == 0)
			rc = wc_SetAuthKeyIdFromCert(cert, issuer->der, (int)issuer->der_len);
		cert->selfSigned = 0;
	}
	if (rc != 0) {
		errbuf_set(err, errlen, "cannot take the issuer name and key identifier: %s",
			       certgen_wc_err(rc));
		goto fail;
	}

	rc = wc_MakeCert_ex(cert, der, CERT_DER_MAX, certgen_key_wc_type(subject_key),
			    certgen_key_obj(subject_key), &rng);
	if (rc < 0) {
		errbuf_set(err, errlen, "cannot build the certificate: %s", certgen_wc_err(rc));
		goto fail;
	}
	if (req->kind == CERTGEN_CA) {
		cert->bodySz =
		    mark_basic_constraints_critical(der, (size_t)cert->bodySz, CERT_DER_MAX);
		if (cert->bodySz < 0) {
			errbuf_set(
			    err, errlen,
			    "cannot mark basicConstraints critical: unexpected encoding");
			goto fail;
		}
	}
	len = wc_SignCert_ex(cert->bodySz, cert->sigType, der, CERT_DER_MAX,
			     certgen_key_wc_type(signer), certgen_key_obj(signer), &rng);
	if (len <= 0) {
		errbuf_set(err, errlen, "cannot sign the certificate: %s", certgen_wc_err(len));
		goto fail;
	}
	wc_FreeRng(&rng);
	rng_ok = false;
	out->der = malloc((size_t)len);
	if (out->der == NULL) {
		errbuf_set(err, errlen, "out of memory");
		goto fail;
	}
	memcpy(out->der, der, (size_t)len);
	free(der);
	out->der_len = (size_t)len;
	memcpy(out->serial, cert->serial, CERTGEN_SERIAL_LEN);
	out->serial_len = CERTGEN_SERIAL_LEN;
	out->not_before = nb;
	out->not_after = na;
	free(cert);
	return 0;
fail:
	if (rng_ok)
		wc_FreeRng(&rng);
	free(cert);
	free(der);
	return -1;
}

/* ---- certificates on disk ---- */

/* Fills serial and validity from out->der. */
static int cert_decode(struct certgen_cert *out, const char *what, char *err, size_t errlen)
{
	DecodedCert dc;
	int rc;

	wc_InitDecodedCert(&dc, out->der, (word32)out->der_len, NULL);
	rc = wc_ParseCert(&dc, CERT_TYPE, NO_VERIFY, NULL);
	if (rc != 0) {
		errbuf_set(err, errlen, "%s: cannot parse the certificate: %s", what,
			       certgen_wc_err(rc));
		wc_FreeDecodedCert(&dc);
		return -1;
	}
	if (dc.serialSz <= 0 || (size_t)dc.serialSz > sizeof(out->serial) ||
	    !decode_time(dc.beforeDate, dc.beforeDateLen, &out->not_before) ||
	    !decode_time(dc.afterDate, dc.afterDateLen, &out->not_after)) {
		errbuf_set(err, errlen, "%s: the certificate's serial or validity is malformed",
			       what);
		wc_FreeDecodedCert(&dc);
		return -1;
	}
	memcpy(out->serial, dc.serial, (size_t)dc.serialSz);
	out->serial_len = (size_t)dc.serialSz;
	wc_FreeDecodedCert(&dc);
	return 0;
}

int certgen_cert_load(const char *path, struct certgen_cert *out, char *err, size_t errlen)
{
	uint8_t *pem;
	size_t pem_len;
	int n;

	memset(out, 0, sizeof(*out));
	pem = certgen_file_read(path, &pem_len, err, errlen);
	if (pem == NULL)
		return -1;
	out->der = malloc(CERT_DER_MAX);
	if (out->der == NULL) {
		free(pem);
		errbuf_set(err, errlen, "out of memory");
		return -1;
	}
	n = wc_CertPemToDer(pem, (int)pem_len, out->der, CERT_DER_MAX, CERT_TYPE);
	free(pem);
	if (n <= 0) {
		errbuf_set(
		    err, errlen,
		    "%s: not a PEM certificate (expected \"-----BEGIN CERTIFICATE-----\"): %s",
		    path, certgen_wc_err(n));
		certgen_cert_free(out);
		return -1;
	}
	out->der_len = (size_t)n;
	if (cert_decode(out, path, err, errlen) < 0) {
		certgen_cert_free(out);
		return -1;
	}
	return 0;
}

int certgen_cert_from_der(const uint8_t *der, size_t len, struct certgen_cert *out, char *err,
			  size_t errlen)
{
	memset(out, 0, sizeof(*out));
	if (len == 0 || len > CERT_DER_MAX || (out->der = malloc(len)) == NULL) {
		errbuf_set(err, errlen, "a certificate of %zu bytes cannot be read", len);
		return -1;
	}
	memcpy(out->der, der, len);
	out->der_len = len;
	if (cert_decode(out, "the certificate", err, errlen) < 0) {
		certgen_cert_free(out);
		return -1;
	}
	return 0;
}

int certgen_cert_write(const struct certgen_cert *cert, const char *path, char *err, size_t errlen)
{
	size_t pem_len = 0;
	uint8_t *pem = certgen_der_to_pem(cert->der, cert->der_len, CERT_TYPE, &pem_len);
	int rc;

	if (pem == NULL) {
		errbuf_set(err, errlen, "cannot encode the certificate for %s as PEM", path);
		return -1;
	}
	rc = certgen_file_write(path, pem, pem_len, 0644, false, err, errlen);
	free(pem);
	return rc;
}

void certgen_cert_free(struct certgen_cert *cert)
{
	if (cert == NULL)
		return;
	free(cert->der);
	memset(cert, 0, sizeof(*cert));
}

void certgen_serial_hex(const struct certgen_cert *cert, char out[static 41])
{
	size_t n = cert->serial_len > 20 ? 20 : cert->serial_len;

	for (size_t i = 0; i < n; i++)
		snprintf(out + 2 * i, 3, "%02x", cert->serial[i]);
	out[2 * n] = 0;
}

void certgen_fingerprint(const struct certgen_cert *cert, char out[static 17])
{
	uint8_t d[WC_SHA256_DIGEST_SIZE];

	if (wc_Sha256Hash(cert->der, (word32)cert->der_len, d) != 0) {
		snprintf(out, 17, "%s", "????????????????");
		return;
	}
	for (size_t i = 0; i < 8; i++)
		snprintf(out + 2 * i, 3, "%02x", d[i]);
}
