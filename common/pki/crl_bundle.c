/*
 * crl_bundle.c - see crl_bundle.h. PEM text outside the blocks is allowed
 * (RFC 7468 explanatory text, "openssl crl -text" output), but only as
 * text: a NUL or another control byte there means something binary was
 * appended, and that is refused like any other block that is not a CRL.
 */
#include "crl_bundle.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "errbuf.h"

static const char pem_begin[] = "-----BEGIN ";

static unsigned line_of(const uint8_t *in, size_t off)
{
	unsigned line = 1;

	for (size_t i = 0; i < off; i++)
		line += in[i] == '\n';
	return line;
}

/* Text an admin or a tool may leave between PEM blocks. No line of it may
 * start with '-': that is a BEGIN or END line, perhaps cut short, and a
 * file cut inside the BEGIN line of its second CRL must not load as one. */
static bool is_text(const uint8_t *p, size_t n, bool line_start)
{
	for (size_t i = 0; i < n; i++) {
		if ((p[i] < 0x20 && p[i] != '\t' && p[i] != '\n' && p[i] != '\r') || p[i] == 0x7f)
			return false;
		if (p[i] == '-' && line_start)
			return false;
		line_start = p[i] == '\n';
	}
	return true;
}

static const uint8_t *find(const uint8_t *h, size_t hlen, const char *needle)
{
	size_t n = strlen(needle);

	return n <= hlen ? memmem(h, hlen, needle, n) : NULL;
}

static int push(struct crl_bundle *b, const uint8_t *der, size_t der_len, unsigned idx,
		const char *where, char *err, size_t errlen)
{
	enum crl_parse_result r;
	const char *why = NULL;

	if (b->n == CRL_BUNDLE_MAX) {
		errbuf_set(err, errlen, "the file holds more than %d CRLs", CRL_BUNDLE_MAX);
		return -1;
	}
	if (der_len == 0 || der[0] != 0x30) {
		errbuf_set(err, errlen, "CRL %u of the file (%s): not a DER CertificateList", idx,
			   where);
		return -1;
	}
	r = crl_parse_decode(der, der_len, &b->crls[b->n], &why);
	if (r != CRL_PARSE_OK) {
		errbuf_set(err, errlen, "CRL %u of the file (%s): not a usable CRL (%s): %s", idx,
			   where, crl_parse_result_str(r), why != NULL ? why : "?");
		return -1;
	}
	b->n++;
	return 0;
}

/* One or more DER CertificateLists back to back, nothing else. */
static int decode_der(const uint8_t *in, size_t len, struct crl_bundle *b, char *err, size_t errlen)
{
	struct crl_der all = {in, len}, tlv;
	char where[48];
	uint8_t tag;

	while (all.len > 0) {
		size_t at = len - all.len;

		snprintf(where, sizeof(where), "DER at byte %zu", at);
		if (!crl_der_next(&all, &tag, NULL, &tlv) || tag != 0x30) {
			errbuf_set(err, errlen,
				   "CRL %zu of the file (%s): not a DER CertificateList, or cut "
				   "short",
				   b->n + 1, where);
			return -1;
		}
		if (push(b, tlv.p, tlv.len, (unsigned)b->n + 1, where, err, errlen) < 0)
			return -1;
	}
	return 0;
}

/* The label of the block at p ("X509 CRL"), if the BEGIN line is whole. */
static bool block_label(const uint8_t *p, size_t n, char label[static 41])
{
	size_t i = strlen(pem_begin), o = 0;

	for (; i + 5 <= n && o < 40; i++) {
		if (memcmp(p + i, "-----", 5) == 0) {
			label[o] = '\0';
			return true;
		}
		if (p[i] < 0x20 || p[i] > 0x7e)
			return false;
		label[o++] = (char)p[i];
	}
	return false;
}

static int decode_pem(const uint8_t *in, size_t len, struct crl_bundle *b, char *err, size_t errlen)
{
	size_t off = 0;

	for (;;) {
		const uint8_t *blk = find(in + off, len - off, pem_begin);
		size_t gap = blk != NULL ? (size_t)(blk - in) - off : len - off;
		size_t at = blk != NULL ? (size_t)(blk - in) : 0;
		unsigned idx = (unsigned)b->n + 1, line;
		char label[41], where[32];
		uint8_t *der = NULL;
		size_t der_len = 0;
		int r;

		if (!is_text(in + off, gap, off == 0 || in[off - 1] == '\n')) {
			errbuf_set(err, errlen,
				   "line %u of the file: neither text nor a whole PEM block (after "
				   "CRL %zu)",
				   line_of(in, off), b->n);
			return -1;
		}
		if (blk == NULL)
			return 0;
		line = line_of(in, at);
		snprintf(where, sizeof(where), "line %u", line);
		if (!block_label(blk, len - at, label)) {
			errbuf_set(err, errlen, "CRL %u of the file (%s): a broken BEGIN line", idx,
				   where);
			return -1;
		}
		if (strcmp(label, "X509 CRL") != 0) {
			errbuf_set(
			    err, errlen,
			    "CRL %u of the file (%s): a %s block, not an X509 CRL; keep only "
			    "CRLs in this file",
			    idx, where, label);
			return -1;
		}
		off = at;
		r = crl_parse_pem_next(in, len, &off, "X509 CRL", &der, &der_len);
		if (r <= 0) {
			errbuf_set(err, errlen,
				   "CRL %u of the file (%s): the PEM block is cut short or its "
				   "base64 is broken",
				   idx, where);
			return -1;
		}
		r = push(b, der, der_len, idx, where, err, errlen);
		free(der);
		if (r < 0)
			return -1;
	}
}

int crl_bundle_decode(const uint8_t *in, size_t len, struct crl_bundle *out, char *err,
		      size_t errlen)
{
	int r;

	memset(out, 0, sizeof(*out));
	if (len > CRL_PARSE_MAX_INPUT) {
		errbuf_set(err, errlen, "the file is larger than 64 MiB");
		return -1;
	}
	if (len == 0 || in == NULL) {
		errbuf_set(err, errlen, "the file is empty");
		return -1;
	}
	out->crls = calloc(CRL_BUNDLE_MAX, sizeof(*out->crls));
	if (out->crls == NULL) {
		errbuf_set(err, errlen, "out of memory");
		return -1;
	}
	r = in[0] == 0x30 ? decode_der(in, len, out, err, errlen)
			  : decode_pem(in, len, out, err, errlen);
	if (r == 0 && out->n == 0) {
		errbuf_set(err, errlen, "the file holds no CRL (no BEGIN X509 CRL block)");
		r = -1;
	}
	if (r < 0)
		crl_bundle_free(out);
	return r;
}

void crl_bundle_free(struct crl_bundle *b)
{
	if (b == NULL)
		return;
	for (size_t i = 0; i < b->n; i++)
		crl_parse_free(&b->crls[i]);
	free(b->crls);
	memset(b, 0, sizeof(*b));
}
