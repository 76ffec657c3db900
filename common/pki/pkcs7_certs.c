/*
 * pkcs7_certs.c - PKCS#7 certs-only in DER (see pkcs7_certs.h): the writer
 * sizes everything first and writes once; the reader walks the same shape
 * with the bounded DER reader of crl_parse.c and refuses anything else.
 */
#include <stdlib.h>
#include <string.h>

#include "base64.h"
#include "crl_build.h"
#include "crl_parse.h"
#include "pkcs7_certs.h"

static const uint8_t oid_signed_data[] = {0x06, 0x09, 0x2a, 0x86, 0x48, 0x86,
					  0xf7, 0x0d, 0x01, 0x07, 0x02};
static const uint8_t oid_data[] = {0x06, 0x09, 0x2a, 0x86, 0x48, 0x86,
				   0xf7, 0x0d, 0x01, 0x07, 0x01};
/* version 1, digestAlgorithms SET {}, encapContentInfo SEQUENCE { data } */
static const uint8_t sd_head[] = {0x02, 0x01, 0x01, 0x31, 0x00, 0x30, 0x0b};
static const uint8_t empty_set[] = {0x31, 0x00}; /* signerInfos */

/* Size of a TLV with content n: tag, length, content. */
static size_t tlv_size(size_t n)
{
	uint8_t l[9];

	return 1 + crl_build_len(n, l) + n;
}

static size_t put_hdr(uint8_t *out, uint8_t tag, size_t n)
{
	out[0] = tag;
	return 1 + crl_build_len(n, out + 1);
}

/* One whole DER SEQUENCE and nothing after it. */
static bool is_one_sequence(const uint8_t *der, size_t len)
{
	struct crl_der d = {der, len};
	uint8_t tag;

	return crl_der_next(&d, &tag, NULL, NULL) && tag == 0x30 && d.len == 0;
}

uint8_t *pkcs7_certs_build(const struct pkcs7_certs_item *certs, size_t n, size_t *len)
{
	size_t certs_len = 0, sd_len, explicit_len, total, w = 0;
	uint8_t *out;

	if (n == 0 || n > PKCS7_CERTS_MAX)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		if (certs[i].len > 1u << 24 || !is_one_sequence(certs[i].der, certs[i].len))
			return NULL;
		certs_len += certs[i].len;
	}
	sd_len = sizeof(sd_head) + sizeof(oid_data) + tlv_size(certs_len) + sizeof(empty_set);
	explicit_len = tlv_size(sd_len);
	total = tlv_size(sizeof(oid_signed_data) + tlv_size(explicit_len));
	out = malloc(total);
	if (out == NULL)
		return NULL;
	w += put_hdr(out + w, 0x30, sizeof(oid_signed_data) + tlv_size(explicit_len));
	memcpy(out + w, oid_signed_data, sizeof(oid_signed_data));
	w += sizeof(oid_signed_data);
	w += put_hdr(out + w, 0xa0, explicit_len);
	w += put_hdr(out + w, 0x30, sd_len);
	memcpy(out + w, sd_head, sizeof(sd_head));
	w += sizeof(sd_head);
	memcpy(out + w, oid_data, sizeof(oid_data));
	w += sizeof(oid_data);
	w += put_hdr(out + w, 0xa0, certs_len);
	for (size_t i = 0; i < n; i++) {
		memcpy(out + w, certs[i].der, certs[i].len);
		w += certs[i].len;
	}
	memcpy(out + w, empty_set, sizeof(empty_set));
	w += sizeof(empty_set);
	*len = w;
	return out;
}

char *pkcs7_certs_build_base64(const struct pkcs7_certs_item *certs, size_t n, size_t *len)
{
	size_t der_len;
	uint8_t *der = pkcs7_certs_build(certs, n, &der_len);
	char *text;

	if (der == NULL)
		return NULL;
	text = malloc(base64_encoded_len(der_len, 64) + 1);
	if (text != NULL)
		*len = base64_encode(der, der_len, 64, text);
	free(der);
	return text;
}

static bool same(const struct crl_der *tlv, const uint8_t *want, size_t n)
{
	return tlv->len == n && memcmp(tlv->p, want, n) == 0;
}

bool pkcs7_certs_parse(const uint8_t *der, size_t len, struct pkcs7_certs_item *out, size_t max,
		       size_t *n, const char **why)
{
	struct crl_der all = {der, len}, ci, explicit, sd, f, set, ver, tlv;
	uint8_t tag;

	*n = 0;
	*why = "not a DER ContentInfo";
	if (!crl_der_expect(&all, 0x30, &ci, NULL) || all.len != 0)
		return false;
	if (!crl_der_expect(&ci, 0x06, NULL, &tlv) ||
	    !same(&tlv, oid_signed_data, sizeof(oid_signed_data))) {
		*why = "the content type is not signedData";
		return false;
	}
	*why = "a malformed SignedData";
	if (!crl_der_expect(&ci, 0xa0, &explicit, NULL) || ci.len != 0 ||
	    !crl_der_expect(&explicit, 0x30, &sd, NULL) || explicit.len != 0)
		return false;
	/* version, digestAlgorithms, encapContentInfo: any version and
	 * algorithms are read past; a degenerate one has no content. */
	if (!crl_der_expect(&sd, 0x02, &ver, NULL) || !crl_der_expect(&sd, 0x31, NULL, NULL) ||
	    !crl_der_expect(&sd, 0x30, &f, NULL) || !crl_der_expect(&f, 0x06, NULL, NULL))
		return false;
	if (f.len != 0) {
		*why = "the SignedData carries content: not certs-only";
		return false;
	}
	if (!crl_der_expect(&sd, 0xa0, &set, NULL)) {
		*why = "no certificates";
		return false;
	}
	while (set.len != 0) {
		if (!crl_der_next(&set, &tag, NULL, &tlv) || tag != 0x30) {
			*why = "a certificate is not a DER SEQUENCE";
			return false;
		}
		if (*n == max) {
			*why = "too many certificates";
			return false;
		}
		out[*n].der = tlv.p;
		out[(*n)++].len = tlv.len;
	}
	if (sd.len != 0 && sd.p[0] == 0xa1) /* crls: allowed, not used */
		crl_der_expect(&sd, 0xa1, NULL, NULL);
	if (!crl_der_expect(&sd, 0x31, &set, NULL) || sd.len != 0) {
		*why = "a malformed SignedData";
		return false;
	}
	if (set.len != 0) {
		*why = "the SignedData has signers: not certs-only";
		return false;
	}
	if (*n == 0) {
		*why = "no certificates";
		return false;
	}
	*why = NULL;
	return true;
}
