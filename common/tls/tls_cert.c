/*
 * tls_cert.c - the certificate half of the TLS wrapper: the checks wolfSSL
 * does not make the way the protocol wants them (EKU must be present, the
 * gateway is named by a subjectAltName only) and the extraction of a
 * struct cert_info from the peer's leaf (and the (issuer, serial) of every
 * certificate in its chain, for revocation). Nothing here logs or keeps state;
 * every wolfSSL object allocated here is freed before returning.
 */
#include "tls_internal.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <wolfssl/options.h>
#include <wolfssl/ssl.h>
#include <wolfssl/wolfcrypt/asn_public.h>
#include <wolfssl/wolfcrypt/hash.h>

#include "crl_verify.h"
#include "ocsp.h"
#include "ticket_table.h"

/* GeneralName CHOICE tags (RFC 5280 4.2.1.6), as wolfSSL reports them. */
enum {
	SAN_EMAIL = 1,
	SAN_DNS = 2,
	SAN_URI = 6,
};

/* wolfSSL_X509_get_extended_key_usage() flags (XKU_SSL_* in the OpenSSL
 * compatibility headers). */
#define EKU_SERVER_AUTH 0x1u
#define EKU_CLIENT_AUTH 0x2u

bool tls_cert_has_eku(struct WOLFSSL_X509 *x, bool want_client)
{
	unsigned int eku = wolfSSL_X509_get_extended_key_usage(x);

	return (eku & (want_client ? EKU_CLIENT_AUTH : EKU_SERVER_AUTH)) != 0;
}

/* ASN.1 string bytes, or NULL with *len 0. */
static const uint8_t *str_bytes(WOLFSSL_ASN1_STRING *s, size_t *len)
{
	int n;

	*len = 0;
	if (s == NULL)
		return NULL;
	n = wolfSSL_ASN1_STRING_length(s);
	if (n <= 0)
		return NULL;
	*len = (size_t)n;
	return wolfSSL_ASN1_STRING_data(s);
}

/* RFC 6125 6.4.3, restricted: "*" only as the entire left-most label, and
 * the pattern keeps at least two labels after it. */
static bool dns_matches(const uint8_t *pat, size_t plen, const char *host)
{
	size_t hlen = strlen(host);
	const char *dot;

	if (hlen > 0 && host[hlen - 1] == '.')
		hlen--;
	if (plen > 0 && pat[plen - 1] == '.')
		plen--;
	if (plen == 0 || hlen == 0 || memchr(pat, '\0', plen) != NULL)
		return false;
	if (plen == hlen && strncasecmp((const char *)pat, host, hlen) == 0)
		return true;
	if (plen < 4 || pat[0] != '*' || pat[1] != '.')
		return false;
	if (memchr(pat + 2, '.', plen - 2) == NULL)
		return false;
	dot = memchr(host, '.', hlen);
	if (dot == NULL || dot == host)
		return false;
	/* The wildcard stands for exactly the first label of host. */
	return hlen - (size_t)(dot - host) == plen - 1 &&
	       strncasecmp((const char *)pat + 1, dot, plen - 1) == 0;
}

/* DER walking for the one thing wolfSSL builds disagree on: without
 * WOLFSSL_IP_ALT_NAME (the optimized build) iPAddress names are dropped
 * before any accessor sees them, so they are read from the certificate
 * itself. Each step checks the length it is about to trust. */
struct der {
	const uint8_t *p;
	size_t len;
};

/* Next TLV of d into *tag and *val; false at the end or on malformed input. */
static bool der_next(struct der *d, uint8_t *tag, struct der *val)
{
	size_t len, hdr = 2;

	if (d->len < 2)
		return false;
	*tag = d->p[0];
	len = d->p[1];
	if (len & 0x80) {
		size_t n = len & 0x7f;

		if (n == 0 || n > 4 || d->len < 2 + n)
			return false;
		len = 0;
		for (size_t i = 0; i < n; i++)
			len = (len << 8) | d->p[2 + i];
		hdr += n;
	}
	if (len > d->len - hdr)
		return false;
	val->p = d->p + hdr;
	val->len = len;
	d->p += hdr + len;
	d->len -= hdr + len;
	return true;
}

static bool san_ip_matches(const uint8_t *cert, size_t cert_len, const uint8_t *ip, size_t iplen)
{
	static const uint8_t san_oid[] = {0x55, 0x1d, 0x11}; /* 2.5.29.17 */
	struct der d = {cert, cert_len}, v, tbs, exts, ext, f, names;
	uint8_t tag;

	/* Certificate ::= SEQUENCE { tbsCertificate SEQUENCE, ... } */
	if (!der_next(&d, &tag, &v) || tag != 0x30 || !der_next(&v, &tag, &tbs) || tag != 0x30)
		return false;
	/* extensions [3] EXPLICIT SEQUENCE OF Extension, last in tbsCertificate */
	do {
		if (!der_next(&tbs, &tag, &v))
			return false;
	} while (tag != 0xa3);
	if (!der_next(&v, &tag, &exts) || tag != 0x30)
		return false;
	while (der_next(&exts, &tag, &ext)) {
		/* Extension ::= SEQUENCE { OID, critical BOOLEAN DEFAULT FALSE,
		 * extnValue OCTET STRING } */
		if (tag != 0x30 || !der_next(&ext, &tag, &f) || tag != 0x06 ||
		    f.len != sizeof(san_oid) || memcmp(f.p, san_oid, sizeof(san_oid)) != 0)
			continue;
		do {
			if (!der_next(&ext, &tag, &f))
				return false;
		} while (tag != 0x04);
		if (!der_next(&f, &tag, &names) || tag != 0x30)
			return false;
		/* GeneralNames: iPAddress is [7] IMPLICIT OCTET STRING. */
		while (der_next(&names, &tag, &v))
			if (tag == 0x87 && v.len == iplen && memcmp(v.p, ip, iplen) == 0)
				return true;
		return false;
	}
	return false;
}

bool tls_cert_names_host(struct WOLFSSL_X509 *x, const char *host)
{
	WOLFSSL_GENERAL_NAMES *names;
	const uint8_t *der;
	uint8_t ip[16];
	int der_len = 0;
	bool match = false;

	if (host == NULL || host[0] == '\0')
		return false;
	if (inet_pton(AF_INET, host, ip) == 1 || inet_pton(AF_INET6, host, ip) == 1) {
		der = wolfSSL_X509_get_der(x, &der_len);
		return der != NULL && der_len > 0 &&
		       san_ip_matches(der, (size_t)der_len, ip, strchr(host, ':') ? 16 : 4);
	}
	names = wolfSSL_X509_get_ext_d2i(x, NID_subject_alt_name, NULL, NULL);
	if (names == NULL)
		return false;
	for (int i = 0; i < wolfSSL_sk_GENERAL_NAME_num(names) && !match; i++) {
		WOLFSSL_GENERAL_NAME *gn = wolfSSL_sk_GENERAL_NAME_value(names, i);
		const uint8_t *p;
		size_t len;

		if (gn == NULL || gn->type != SAN_DNS)
			continue;
		p = str_bytes(gn->d.dNSName, &len);
		match = p != NULL && dns_matches(p, len, host);
	}
	wolfSSL_GENERAL_NAMES_free(names);
	return match;
}

/* Copy an attribute value into a fixed field. Too long, or holding a NUL
 * (which would silently shorten an identity), marks the info truncated. */
static void copy_field(char *dst, size_t cap, const uint8_t *p, size_t len, bool *truncated)
{
	size_t n = len;

	if (p == NULL)
		len = n = 0;
	if (n >= cap) {
		n = cap - 1;
		*truncated = true;
	}
	if (n > 0 && memchr(p, '\0', n) != NULL) {
		n = (size_t)((const uint8_t *)memchr(p, '\0', n) - p);
		*truncated = true;
	}
	if (n > 0)
		memcpy(dst, p, n);
	dst[n] = '\0';
}

static void add_name(char (*list)[IDENTITY_MAX + 1], unsigned *n, WOLFSSL_ASN1_STRING *s,
		     bool *truncated)
{
	const uint8_t *p;
	size_t len;

	if (*n >= CERT_MAX_NAMES) {
		*truncated = true;
		return;
	}
	p = str_bytes(s, &len);
	copy_field(list[*n], IDENTITY_MAX + 1, p, len, truncated);
	(*n)++;
}

static void subject_fields(WOLFSSL_X509 *x, struct cert_info *ci)
{
	WOLFSSL_X509_NAME *name = wolfSSL_X509_get_subject_name(x);
	bool have_cn = false;
	int count;

	if (name == NULL)
		return;
	count = wolfSSL_X509_NAME_entry_count(name);
	for (int i = 0; i < count; i++) {
		WOLFSSL_X509_NAME_ENTRY *e = wolfSSL_X509_NAME_get_entry(name, i);
		WOLFSSL_ASN1_STRING *s;
		const uint8_t *p;
		size_t len;
		int nid;

		if (e == NULL)
			continue;
		nid = wolfSSL_OBJ_obj2nid(wolfSSL_X509_NAME_ENTRY_get_object(e));
		s = wolfSSL_X509_NAME_ENTRY_get_data(e);
		if (nid == NID_commonName) {
			/* Two CNs: which one is the employee? Refuse rather than
			 * pick. */
			if (have_cn)
				ci->truncated = true;
			have_cn = true;
			p = str_bytes(s, &len);
			copy_field(ci->subject_cn, sizeof(ci->subject_cn), p, len, &ci->truncated);
		} else if (nid == NID_organizationalUnitName) {
			add_name(ci->subject_ou, &ci->n_ou, s, &ci->truncated);
		}
	}
}

/* DER string tags a subject attribute value may carry (X.520
 * DirectoryString and the IA5String of emailAddress and domainComponent). */
enum {
	DER_UTF8STRING = 0x0c,
	DER_PRINTABLESTRING = 0x13,
	DER_IA5STRING = 0x16,
	DER_BMPSTRING = 0x1e,
};

/* Dotted text of an OBJECT IDENTIFIER's contents; false if it is malformed
 * or its text does not fit (such an OID cannot be configured, so it never
 * matches either way). */
static bool oid_text(const struct crl_der *v, char out[static IDENTITY_OID_MAX])
{
	size_t n = 0;
	uint64_t arc = 0;
	bool first = true;

	if (v->len == 0 || (v->p[v->len - 1] & 0x80) != 0)
		return false;
	for (size_t i = 0; i < v->len; i++) {
		int w;

		/* 0x80 to start an arc is a non-minimal encoding. */
		if (arc == 0 && v->p[i] == 0x80)
			return false;
		if (arc > (UINT64_MAX >> 7))
			return false;
		arc = arc << 7 | (v->p[i] & 0x7f);
		if (v->p[i] & 0x80)
			continue;
		if (first) {
			unsigned top = arc < 40 ? 0 : arc < 80 ? 1 : 2;

			w = snprintf(out + n, IDENTITY_OID_MAX - n, "%u.%llu", top,
				     (unsigned long long)(arc - 40u * top));
			first = false;
		} else {
			w = snprintf(out + n, IDENTITY_OID_MAX - n, ".%llu",
				     (unsigned long long)arc);
		}
		if (w < 0 || (size_t)w >= IDENTITY_OID_MAX - n)
			return false;
		n += (size_t)w;
		arc = 0;
	}
	return true;
}

/* A BMPString (UCS-2, big endian) as UTF-8; false if it has an odd length,
 * a surrogate or does not fit (then the info is marked truncated). */
static bool bmp_to_utf8(const struct crl_der *v, char *dst, size_t cap, bool *truncated)
{
	size_t n = 0;

	if (v->len % 2 != 0)
		return false;
	for (size_t i = 0; i < v->len; i += 2) {
		unsigned c = (unsigned)v->p[i] << 8 | v->p[i + 1];
		uint8_t u[3];
		size_t k;

		if (c >= 0xd800 && c <= 0xdfff)
			return false;
		if (c < 0x80) {
			u[0] = (uint8_t)c;
			k = 1;
		} else if (c < 0x800) {
			u[0] = (uint8_t)(0xc0 | c >> 6);
			u[1] = (uint8_t)(0x80 | (c & 0x3f));
			k = 2;
		} else {
			u[0] = (uint8_t)(0xe0 | c >> 12);
			u[1] = (uint8_t)(0x80 | ((c >> 6) & 0x3f));
			u[2] = (uint8_t)(0x80 | (c & 0x3f));
			k = 3;
		}
		if (n + k >= cap) {
			*truncated = true;
			break;
		}
		memcpy(dst + n, u, k);
		n += k;
	}
	dst[n] = '\0';
	return true;
}

/* Every AttributeTypeAndValue of the subject Name, in order, with its OID
 * as dotted text: wolfSSL's X509_NAME drops attribute types it does not
 * know, and identity = oid:... must see them all. A subject that does not
 * decode, or more attributes than fit, marks the info truncated. */
static void subject_attrs(const uint8_t *der, size_t len, struct cert_info *ci)
{
	struct crl_cert cert;
	struct crl_der name, rdns, rdn, atv;
	uint8_t tag;

	if (!crl_der_cert(der, len, &cert)) {
		ci->truncated = true;
		return;
	}
	name = cert.subject;
	if (!crl_der_expect(&name, 0x30, &rdns, NULL)) {
		ci->truncated = true;
		return;
	}
	while (rdns.len > 0) {
		if (!crl_der_expect(&rdns, 0x31, &rdn, NULL)) {
			ci->truncated = true;
			return;
		}
		while (rdn.len > 0) {
			struct crl_der type, value;
			struct cert_attr *a;

			if (!crl_der_expect(&rdn, 0x30, &atv, NULL) ||
			    !crl_der_expect(&atv, 0x06, &type, NULL) ||
			    !crl_der_next(&atv, &tag, &value, NULL)) {
				ci->truncated = true;
				return;
			}
			if (ci->n_subject_attrs >= CERT_MAX_NAMES) {
				ci->truncated = true;
				return;
			}
			a = &ci->subject_attrs[ci->n_subject_attrs];
			if (!oid_text(&type, a->oid))
				continue;
			ci->n_subject_attrs++;
			switch (tag) {
			case DER_UTF8STRING:
			case DER_PRINTABLESTRING:
			case DER_IA5STRING:
				copy_field(a->value, sizeof(a->value), value.p, value.len,
					   &ci->truncated);
				break;
			case DER_BMPSTRING:
				a->unreadable = !bmp_to_utf8(&value, a->value, sizeof(a->value),
							     &ci->truncated);
				break;
			default:
				/* T61String's character set is ambiguous in
				 * practice, UniversalString is unused: refused. */
				a->unreadable = true;
				break;
			}
			if (a->unreadable)
				a->value[0] = '\0';
		}
	}
}

static void san_fields(WOLFSSL_X509 *x, struct cert_info *ci)
{
	WOLFSSL_GENERAL_NAMES *names =
	    wolfSSL_X509_get_ext_d2i(x, NID_subject_alt_name, NULL, NULL);

	if (names == NULL)
		return;
	for (int i = 0; i < wolfSSL_sk_GENERAL_NAME_num(names); i++) {
		WOLFSSL_GENERAL_NAME *gn = wolfSSL_sk_GENERAL_NAME_value(names, i);

		if (gn == NULL)
			continue;
		switch (gn->type) {
		case SAN_EMAIL:
			add_name(ci->san_email, &ci->n_email, gn->d.rfc822Name, &ci->truncated);
			break;
		case SAN_DNS:
			add_name(ci->san_dns, &ci->n_dns, gn->d.dNSName, &ci->truncated);
			break;
		case SAN_URI:
			add_name(ci->san_uri, &ci->n_uri, gn->d.uniformResourceIdentifier,
				 &ci->truncated);
			break;
		default:
			break;
		}
	}
	wolfSSL_GENERAL_NAMES_free(names);
}

static void hex(char *out, const uint8_t *p, size_t n)
{
	static const char digits[] = "0123456789abcdef";

	for (size_t i = 0; i < n; i++) {
		out[2 * i] = digits[p[i] >> 4];
		out[2 * i + 1] = digits[p[i] & 0xf];
	}
	out[2 * n] = '\0';
}

/* The serial as OpenSSL prints it: no sign-padding zero bytes. */
static void serial_field(WOLFSSL_X509 *x, struct cert_info *ci)
{
	uint8_t s[64];
	int len = (int)sizeof(s);
	size_t off = 0, n;

	if (wolfSSL_X509_get_serial_number(x, s, &len) != WOLFSSL_SUCCESS || len <= 0) {
		ci->truncated = true;
		return;
	}
	n = (size_t)len;
	while (n - off > 1 && s[off] == 0)
		off++;
	if (2 * (n - off) >= sizeof(ci->serial_hex)) {
		ci->truncated = true;
		return;
	}
	hex(ci->serial_hex, s + off, n - off);
}

static bool time_field(const WOLFSSL_ASN1_TIME *t, int64_t *out)
{
	struct tm tm;

	memset(&tm, 0, sizeof(tm));
	if (t == NULL || wolfSSL_ASN1_TIME_to_tm(t, &tm) != WOLFSSL_SUCCESS)
		return false;
	*out = (int64_t)timegm(&tm);
	return true;
}

bool tls_cert_info(const uint8_t *der, size_t len, struct cert_info *out)
{
	uint8_t md[32];
	WOLFSSL_X509 *x;
	bool ok = true;

	memset(out, 0, sizeof(*out));
	if (der == NULL || len == 0 || len > INT32_MAX)
		return false;
	x = wolfSSL_X509_d2i(NULL, der, (int)len);
	if (x == NULL)
		return false;
	if (wc_Sha256Hash(der, (word32)len, md) != 0) {
		ok = false;
		goto out;
	}
	hex(out->fingerprint, md, 8);
	subject_fields(x, out);
	subject_attrs(der, len, out);
	san_fields(x, out);
	serial_field(x, out);
	if (!time_field(wolfSSL_X509_get_notBefore(x), &out->not_before) ||
	    !time_field(wolfSSL_X509_get_notAfter(x), &out->not_after))
		ok = false;
	/* Where to ask about it, for the gateway's optional OCSP check. */
	(void)ocsp_aia_url(der, len, out->ocsp_url, sizeof(out->ocsp_url));
out:
	wolfSSL_X509_free(x);
	explicit_bzero(md, sizeof(md));
	return ok;
}

bool tls_cert_ref_add(struct cert_info *out, const uint8_t *der, size_t len)
{
	if (out->n_chain >= CERT_MAX_CHAIN || der == NULL || len == 0 ||
	    !crl_verify_cert_ref(der, len, &out->chain[out->n_chain])) {
		out->truncated = true;
		return false;
	}
	out->n_chain++;
	return true;
}

bool tls_cert_chain_copy(const WOLFSSL_BUFFER_INFO *certs, int n, uint8_t **out, size_t *out_len)
{
	size_t len = 0, off = 0;
	uint8_t *p;

	*out = NULL;
	*out_len = 0;
	if (certs == NULL || n < 1)
		return false;
	for (int i = 0; i < n; i++) {
		if (certs[i].buffer == NULL || certs[i].length == 0 || certs[i].length > 0xffffff)
			return false;
		len += 3 + certs[i].length;
	}
	p = malloc(len);
	if (p == NULL)
		return false;
	for (int i = 0; i < n; i++) {
		size_t l = certs[i].length;

		p[off] = (uint8_t)(l >> 16);
		p[off + 1] = (uint8_t)(l >> 8);
		p[off + 2] = (uint8_t)l;
		memcpy(p + off + 3, certs[i].buffer, l);
		off += 3 + l;
	}
	*out = p;
	*out_len = len;
	return true;
}

bool tls_cert_chain_info(const uint8_t *chain, size_t chain_len, struct cert_info *out)
{
	const uint8_t *der;
	size_t len;

	memset(out, 0, sizeof(*out));
	if (!ticket_chain_at(chain, chain_len, 0, &der, &len) || !tls_cert_info(der, len, out))
		return false;
	out->n_chain = 0;
	for (size_t i = 0; ticket_chain_at(chain, chain_len, i, &der, &len); i++)
		if (!tls_cert_ref_add(out, der, len))
			break;
	return !out->truncated;
}

/* A certificate file is small; anything larger is not one. */
#define CERT_FILE_MAX (64 * 1024)

bool tls_cert_info_from_file(const char *path, struct cert_info *out, char *err, size_t errlen)
{
	uint8_t *pem = NULL, *der = NULL;
	size_t len = 0;
	FILE *f;
	int n;
	bool ok = false;

	memset(out, 0, sizeof(*out));
	f = fopen(path, "rb");
	if (f == NULL) {
		snprintf(err, errlen, "cannot open %s: %s", path, strerror(errno));
		return false;
	}
	pem = malloc(CERT_FILE_MAX + 1);
	der = malloc(CERT_FILE_MAX);
	if (pem == NULL || der == NULL) {
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	len = fread(pem, 1, CERT_FILE_MAX + 1, f);
	if (ferror(f) || len > CERT_FILE_MAX) {
		snprintf(err, errlen, "cannot read %s: %s", path,
			 ferror(f) ? strerror(errno) : "larger than 64 KiB");
		goto out;
	}
	n = wc_CertPemToDer(pem, (int)len, der, CERT_FILE_MAX, CERT_TYPE);
	if (n <= 0) {
		snprintf(err, errlen,
			 "%s: not a PEM certificate (expected \"-----BEGIN CERTIFICATE-----\")",
			 path);
		goto out;
	}
	if (!tls_cert_info(der, (size_t)n, out)) {
		snprintf(err, errlen, "%s: the certificate does not parse", path);
		goto out;
	}
	ok = true;
out:
	fclose(f);
	free(pem);
	free(der);
	return ok;
}

bool tls_peer_leaf(const struct tls_conn *c, const uint8_t **der, size_t *len)
{
	const uint8_t *chain = c->peer_chain;
	size_t chain_len = c->peer_chain_len;

	if (!c->hs_done || c->anonymous)
		return false;
	if (c->resumed && c->ctx->server) {
		if (c->ticket == NULL)
			return false;
		chain = c->ticket->chain;
		chain_len = c->ticket->chain_len;
	}
	return chain != NULL && ticket_chain_at(chain, chain_len, 0, der, len);
}

bool tls_peer_anonymous(const struct tls_conn *c)
{
	return c->hs_done && c->anonymous;
}
