/*
 * crl_parse.c - X.509 CRL decoding (RFC 5280 section 5), PEM unarmouring
 * and the small DER reader the CRL and certificate walkers share. Order:
 * the DER reader, times, PEM, then the CRL from the outside in. Invariant:
 * every TLV is bounded by its parent before any byte of it is read; a CRL
 * is accepted whole or not at all.
 */
#include "base64.h"
#include "crl_parse.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- DER ---- */

bool crl_der_next(struct crl_der *d, uint8_t *tag, struct crl_der *val, struct crl_der *tlv)
{
	size_t len, hdr = 2;

	if (d->len < 2)
		return false;
	/* High tag numbers never occur in the structures we read. */
	if ((d->p[0] & 0x1f) == 0x1f)
		return false;
	len = d->p[1];
	if (len & 0x80) {
		size_t n = len & 0x7f;

		/* n == 0 is BER's indefinite length: not DER. */
		if (n == 0 || n > 4 || d->len - 2 < n)
			return false;
		len = 0;
		for (size_t i = 0; i < n; i++)
			len = (len << 8) | d->p[2 + i];
		if (len < 0x80)
			return false; /* long form for a short length */
		hdr += n;
	}
	if (len > d->len - hdr)
		return false;
	*tag = d->p[0];
	if (val != NULL) {
		val->p = d->p + hdr;
		val->len = len;
	}
	if (tlv != NULL) {
		tlv->p = d->p;
		tlv->len = hdr + len;
	}
	d->p += hdr + len;
	d->len -= hdr + len;
	return true;
}

bool crl_der_expect(struct crl_der *d, uint8_t want, struct crl_der *val, struct crl_der *tlv)
{
	struct crl_der save = *d;
	uint8_t tag;

	if (crl_der_next(d, &tag, val, tlv) && tag == want)
		return true;
	*d = save;
	return false;
}

/* The next TLV has tag want (without consuming it). */
static bool der_peek(const struct crl_der *d, uint8_t want)
{
	return d->len >= 2 && d->p[0] == want;
}

/* An INTEGER's contents: minimal (no redundant sign byte beyond one), then
 * with leading zero bytes removed for comparison. */
bool crl_der_uint(const struct crl_der *v, struct crl_der *out)
{
	size_t off = 0;

	if (v->len == 0)
		return false;
	if (v->len > 1 && v->p[0] == 0 && !(v->p[1] & 0x80))
		return false; /* non-minimal */
	while (v->len - off > 1 && v->p[off] == 0)
		off++;
	out->p = v->p + off;
	out->len = v->len - off;
	return true;
}

static int digits(const uint8_t *p, size_t n)
{
	int v = 0;

	for (size_t i = 0; i < n; i++) {
		if (p[i] < '0' || p[i] > '9')
			return -1;
		v = v * 10 + (p[i] - '0');
	}
	return v;
}

/* Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant). */
static int64_t days_from_civil(int64_t y, int m, int d)
{
	int64_t era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

bool crl_der_time(uint8_t tag, const struct crl_der *v, int64_t *out)
{
	static const int mdays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	const uint8_t *p = v->p;
	int y, mo, d, h, mi, s, dim;

	if (tag == 0x17 && v->len == 13) {
		y = digits(p, 2);
		if (y < 0)
			return false;
		y += y >= 50 ? 1900 : 2000; /* RFC 5280 4.1.2.5.1 */
		p += 2;
	} else if (tag == 0x18 && v->len == 15) {
		y = digits(p, 4);
		if (y < 0)
			return false;
		p += 4;
	} else {
		return false;
	}
	mo = digits(p, 2);
	d = digits(p + 2, 2);
	h = digits(p + 4, 2);
	mi = digits(p + 6, 2);
	s = digits(p + 8, 2);
	if (p[10] != 'Z' || mo < 1 || mo > 12 || d < 1 || h < 0 || h > 23 || mi < 0 || mi > 59 ||
	    s < 0 || s > 59)
		return false;
	dim = mdays[mo - 1] + (mo == 2 && (y % 4 == 0 && (y % 100 != 0 || y % 400 == 0)));
	if (d > dim)
		return false;
	*out = days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + s;
	return true;
}

static bool der_time_next(struct crl_der *d, int64_t *out)
{
	struct crl_der v;
	uint8_t tag;

	return crl_der_next(d, &tag, &v, NULL) && crl_der_time(tag, &v, out);
}

/* ---- PEM ---- */

static const uint8_t *find(const uint8_t *h, size_t hlen, const char *needle)
{
	size_t n = strlen(needle);

	return n <= hlen ? memmem(h, hlen, needle, n) : NULL;
}

int crl_parse_pem_next(const uint8_t *in, size_t len, size_t *off, const char *label, uint8_t **der,
		       size_t *der_len)
{
	char begin[64], end[64];
	const uint8_t *b, *e, *body;
	size_t body_len;
	uint8_t *out;

	*der = NULL;
	*der_len = 0;
	if (strlen(label) > 40 || *off > len)
		return -1;
	snprintf(begin, sizeof(begin), "-----BEGIN %s-----", label);
	snprintf(end, sizeof(end), "-----END %s-----", label);
	b = find(in + *off, len - *off, begin);
	if (b == NULL)
		return 0;
	body = b + strlen(begin);
	e = find(body, (size_t)(in + len - body), end);
	if (e == NULL)
		return -1;
	body_len = (size_t)(e - body);
	*off = (size_t)(e - in) + strlen(end);
	out = malloc(base64_decoded_max(body_len));
	if (out == NULL)
		return -1;
	if (!base64_decode((const char *)body, body_len, out, base64_decoded_max(body_len),
			   der_len) ||
	    *der_len == 0) {
		free(out);
		*der_len = 0;
		return -1;
	}
	*der = out;
	return 1;
}

/* ---- the CRL ---- */

struct oid {
	const uint8_t *p;
	size_t len;
};
#define OID(...)                                                                                   \
	{                                                                                          \
		(const uint8_t[]){__VA_ARGS__}, sizeof((const uint8_t[]){__VA_ARGS__})             \
	}

static const struct {
	struct oid oid;
	enum crl_sig_alg alg;
	bool rsa;
} sig_algs[] = {
    {OID(0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x02), CRL_SIG_ECDSA_SHA256, false},
    {OID(0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x03), CRL_SIG_ECDSA_SHA384, false},
    {OID(0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x04), CRL_SIG_ECDSA_SHA512, false},
    {OID(0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0b), CRL_SIG_RSA_SHA256, true},
    {OID(0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0c), CRL_SIG_RSA_SHA384, true},
    {OID(0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0d), CRL_SIG_RSA_SHA512, true},
};

/* Extension OIDs under id-ce (2.5.29): the last byte. */
enum {
	CE_SKI = 0x0e,
	CE_CRL_NUMBER = 0x14,
	CE_REASON = 0x15,
	CE_INVALIDITY = 0x18,
	CE_IDP = 0x1c,
	CE_AKI = 0x23,
};

static bool oid_is_ce(const struct crl_der *v, uint8_t last)
{
	return v->len == 3 && v->p[0] == 0x55 && v->p[1] == 0x1d && v->p[2] == last;
}

static bool oid_is(const struct crl_der *v, const struct oid *o)
{
	return v->len == o->len && memcmp(v->p, o->p, o->len) == 0;
}

struct parse {
	struct crl *c;
	const char *why;
	enum crl_parse_result res;
};

static bool bad(struct parse *ps, enum crl_parse_result r, const char *why)
{
	ps->res = r;
	ps->why = why;
	return false;
}

/* AlgorithmIdentifier: a known signature algorithm, parameters absent
 * (ECDSA) or absent/NULL (RSA, RFC 4055). */
static bool parse_alg(struct parse *ps, const struct crl_der *alg, enum crl_sig_alg *out)
{
	struct crl_der a = *alg, oid, params;
	uint8_t tag;

	if (!crl_der_expect(&a, 0x06, &oid, NULL))
		return bad(ps, CRL_PARSE_MALFORMED, "signature algorithm has no OID");
	for (size_t i = 0; i < sizeof(sig_algs) / sizeof(sig_algs[0]); i++) {
		if (!oid_is(&oid, &sig_algs[i].oid))
			continue;
		if (a.len != 0) {
			if (!sig_algs[i].rsa || !crl_der_next(&a, &tag, &params, NULL) ||
			    tag != 0x05 || params.len != 0 || a.len != 0)
				return bad(ps, CRL_PARSE_MALFORMED,
					   "signature algorithm has unexpected parameters");
		}
		*out = sig_algs[i].alg;
		return true;
	}
	return bad(ps, CRL_PARSE_UNSUPPORTED,
		   "signature algorithm is not ECDSA or RSA PKCS#1 v1.5 with SHA-256/384/512");
}

enum crl_sig_alg crl_der_sig_alg(const struct crl_der *alg)
{
	struct parse ps = {0};
	enum crl_sig_alg out = CRL_SIG_UNKNOWN;

	return parse_alg(&ps, alg, &out) ? out : CRL_SIG_UNKNOWN;
}

/* Extension ::= SEQUENCE { extnID, critical BOOLEAN DEFAULT FALSE, extnValue } */
static bool parse_ext(struct parse *ps, struct crl_der *exts, struct crl_der *oid, bool *critical,
		      struct crl_der *value)
{
	struct crl_der ext, b;

	*critical = false;
	if (!crl_der_expect(exts, 0x30, &ext, NULL) || !crl_der_expect(&ext, 0x06, oid, NULL))
		return bad(ps, CRL_PARSE_MALFORMED, "an extension does not decode");
	if (crl_der_expect(&ext, 0x01, &b, NULL)) {
		/* DER: TRUE is 0xff, and FALSE (the default) is omitted. */
		if (b.len != 1 || b.p[0] != 0xff)
			return bad(ps, CRL_PARSE_MALFORMED,
				   "an extension's critical flag is not DER");
		*critical = true;
	}
	if (!crl_der_expect(&ext, 0x04, value, NULL) || ext.len != 0)
		return bad(ps, CRL_PARSE_MALFORMED, "an extension's value does not decode");
	return true;
}

/* The same extension twice is forbidden (RFC 5280 4.2); lists are short. */
static bool seen_before(const struct crl_der *list, const struct crl_der *oid)
{
	struct crl_der l = *list, ext, o;

	while (crl_der_expect(&l, 0x30, &ext, NULL) && crl_der_expect(&ext, 0x06, &o, NULL)) {
		if (o.p == oid->p)
			return false; /* reached the extension itself */
		if (o.len == oid->len && memcmp(o.p, oid->p, o.len) == 0)
			return true;
	}
	return false;
}

static bool parse_entry_exts(struct parse *ps, struct crl_der exts, struct crl_entry *e)
{
	struct crl_der all = exts, oid, val, v;
	bool critical;

	while (exts.len > 0) {
		if (!parse_ext(ps, &exts, &oid, &critical, &val))
			return false;
		if (seen_before(&all, &oid))
			return bad(ps, CRL_PARSE_MALFORMED, "an entry repeats an extension");
		if (oid_is_ce(&oid, CE_REASON)) {
			if (!crl_der_expect(&val, 0x0a, &v, NULL) || val.len != 0 || v.len != 1 ||
			    v.p[0] > 10 || v.p[0] == 7)
				return bad(ps, CRL_PARSE_MALFORMED,
					   "an entry's reason code is invalid");
			e->reason = (int8_t)v.p[0];
		} else if (oid_is_ce(&oid, CE_INVALIDITY)) {
			uint8_t tag;
			int64_t t;
			if (!crl_der_next(&val, &tag, &v, NULL) || tag != 0x18 ||
			    !crl_der_time(tag, &v, &t) || val.len != 0)
				return bad(ps, CRL_PARSE_MALFORMED,
					   "an entry's invalidity date is invalid");
		} else if (critical) {
			/* certificateIssuer (indirect CRLs) lands here too. */
			return bad(ps, CRL_PARSE_UNSUPPORTED,
				   "an entry has a critical extension this gateway does not "
				   "understand (indirect CRL?)");
		}
	}
	return true;
}

/* revokedCertificates: counted first so the array is allocated once. */
static bool parse_entries(struct parse *ps, struct crl_der list)
{
	struct crl_der l = list, ent, v;
	struct crl *c = ps->c;
	size_t n = 0;
	uint8_t tag;

	while (l.len > 0) {
		if (!crl_der_expect(&l, 0x30, NULL, NULL))
			return bad(ps, CRL_PARSE_MALFORMED, "a revoked entry is not a SEQUENCE");
		if (++n > CRL_PARSE_MAX_ENTRIES)
			return bad(ps, CRL_PARSE_TOO_BIG, "more than 1000000 revoked entries");
	}
	if (n == 0)
		return bad(ps, CRL_PARSE_MALFORMED, "revokedCertificates is present but empty");
	c->entries = calloc(n, sizeof(*c->entries));
	if (c->entries == NULL)
		return bad(ps, CRL_PARSE_NOMEM, "out of memory");
	for (l = list; l.len > 0; c->n_entries++) {
		struct crl_entry *e = &c->entries[c->n_entries];
		struct crl_der serial, exts;

		(void)crl_der_next(&l, &tag, &ent, NULL);
		e->reason = CRL_REASON_NONE;
		if (!crl_der_expect(&ent, 0x02, &v, NULL) || !crl_der_uint(&v, &serial))
			return bad(ps, CRL_PARSE_MALFORMED, "a revoked entry's serial is invalid");
		if (serial.len > CRL_SERIAL_MAX)
			return bad(ps, CRL_PARSE_MALFORMED,
				   "a revoked serial is longer than 32 bytes");
		memcpy(e->serial, serial.p, serial.len);
		e->serial_len = (uint8_t)serial.len;
		if (!der_time_next(&ent, &e->date))
			return bad(ps, CRL_PARSE_MALFORMED, "a revocation date is invalid");
		if (ent.len == 0)
			continue;
		if (c->version != 2)
			return bad(ps, CRL_PARSE_MALFORMED, "a v1 CRL entry has extensions");
		if (!crl_der_expect(&ent, 0x30, &exts, NULL) || ent.len != 0 || exts.len == 0)
			return bad(ps, CRL_PARSE_MALFORMED,
				   "a revoked entry's extensions are invalid");
		if (!parse_entry_exts(ps, exts, e))
			return false;
	}
	return true;
}

static bool parse_aki(struct parse *ps, struct crl_der val)
{
	struct crl_der seq, v;
	uint8_t tag;

	if (!crl_der_expect(&val, 0x30, &seq, NULL) || val.len != 0)
		return bad(ps, CRL_PARSE_MALFORMED, "authorityKeyIdentifier does not decode");
	while (seq.len > 0) {
		if (!crl_der_next(&seq, &tag, &v, NULL))
			return bad(ps, CRL_PARSE_MALFORMED,
				   "authorityKeyIdentifier does not decode");
		if (tag != 0x80)
			continue; /* authorityCertIssuer and serial are not used */
		if (v.len == 0 || v.len > CRL_AKI_MAX)
			return bad(ps, CRL_PARSE_MALFORMED,
				   "authorityKeyIdentifier keyIdentifier length out of range");
		memcpy(ps->c->aki, v.p, v.len);
		ps->c->aki_len = (uint8_t)v.len;
	}
	return true;
}

/* issuingDistributionPoint: the scope fields narrow what the CRL covers,
 * which is safe to ignore; an indirect CRL names other issuers' certificates
 * and is refused. */
static bool parse_idp(struct parse *ps, struct crl_der val)
{
	struct crl_der seq, v;
	uint8_t tag;

	if (!crl_der_expect(&val, 0x30, &seq, NULL) || val.len != 0)
		return bad(ps, CRL_PARSE_MALFORMED, "issuingDistributionPoint does not decode");
	while (seq.len > 0) {
		if (!crl_der_next(&seq, &tag, &v, NULL))
			return bad(ps, CRL_PARSE_MALFORMED,
				   "issuingDistributionPoint does not decode");
		if (tag == 0x84 && v.len == 1 && v.p[0] != 0)
			return bad(ps, CRL_PARSE_UNSUPPORTED, "indirect CRLs are not supported");
	}
	return true;
}

static bool parse_crl_exts(struct parse *ps, struct crl_der wrap)
{
	struct crl_der exts, all, oid, val, v, num;
	bool critical;

	if (!crl_der_expect(&wrap, 0x30, &exts, NULL) || wrap.len != 0 || exts.len == 0)
		return bad(ps, CRL_PARSE_MALFORMED, "crlExtensions does not decode");
	all = exts;
	while (exts.len > 0) {
		if (!parse_ext(ps, &exts, &oid, &critical, &val))
			return false;
		if (seen_before(&all, &oid))
			return bad(ps, CRL_PARSE_MALFORMED, "the CRL repeats an extension");
		if (oid_is_ce(&oid, CE_CRL_NUMBER)) {
			if (!crl_der_expect(&val, 0x02, &v, NULL) || val.len != 0 ||
			    !crl_der_uint(&v, &num) || (v.p[0] & 0x80) || num.len > 20)
				return bad(ps, CRL_PARSE_MALFORMED, "cRLNumber is out of range");
			memcpy(ps->c->number, num.p, num.len);
			ps->c->number_len = (uint8_t)num.len;
			ps->c->has_number = true;
		} else if (oid_is_ce(&oid, CE_AKI)) {
			if (!parse_aki(ps, val))
				return false;
		} else if (oid_is_ce(&oid, CE_IDP)) {
			if (!parse_idp(ps, val))
				return false;
		} else if (critical) {
			/* deltaCRLIndicator among others: a delta is not a full list. */
			return bad(
			    ps, CRL_PARSE_UNSUPPORTED,
			    "the CRL has a critical extension this gateway does not understand "
			    "(a delta CRL?)");
		}
	}
	return true;
}

static bool parse_tbs(struct parse *ps, struct crl_der tbs, const struct crl_der *outer_alg)
{
	struct crl *c = ps->c;
	struct crl_der v, alg, alg_tlv, issuer, list, exts;
	uint8_t tag;

	c->version = 1;
	if (crl_der_expect(&tbs, 0x02, &v, NULL)) {
		if (v.len != 1 || v.p[0] != 1)
			return bad(ps, CRL_PARSE_MALFORMED, "version is not v2 (v1 omits it)");
		c->version = 2;
	}
	if (!crl_der_expect(&tbs, 0x30, &alg, &alg_tlv))
		return bad(ps, CRL_PARSE_MALFORMED, "signature algorithm missing");
	if (alg_tlv.len != outer_alg->len || memcmp(alg_tlv.p, outer_alg->p, alg_tlv.len) != 0)
		return bad(ps, CRL_PARSE_MALFORMED,
			   "the signed and the outer signature algorithms differ");
	if (!parse_alg(ps, &alg, &c->sig_alg))
		return false;
	if (!crl_der_expect(&tbs, 0x30, &v, &issuer) || v.len == 0)
		return bad(ps, CRL_PARSE_MALFORMED, "issuer name missing or empty");
	c->issuer = issuer.p;
	c->issuer_len = issuer.len;
	if (!der_time_next(&tbs, &c->this_update))
		return bad(ps, CRL_PARSE_MALFORMED, "thisUpdate is not a valid time");
	if (der_peek(&tbs, 0x17) || der_peek(&tbs, 0x18)) {
		if (!der_time_next(&tbs, &c->next_update))
			return bad(ps, CRL_PARSE_MALFORMED, "nextUpdate is not a valid time");
		if (c->next_update < c->this_update)
			return bad(ps, CRL_PARSE_MALFORMED, "nextUpdate is before thisUpdate");
	}
	if (crl_der_expect(&tbs, 0x30, &list, NULL) && !parse_entries(ps, list))
		return false;
	if (crl_der_next(&tbs, &tag, &exts, NULL)) {
		if (tag != 0xa0 || c->version != 2)
			return bad(ps, CRL_PARSE_MALFORMED, "unexpected field after the entries");
		if (!parse_crl_exts(ps, exts))
			return false;
	}
	if (tbs.len != 0)
		return bad(ps, CRL_PARSE_MALFORMED, "trailing bytes in tbsCertList");
	return true;
}

static enum crl_parse_result parse_der(struct parse *ps)
{
	struct crl *c = ps->c;
	struct crl_der all = {c->der, c->der_len}, cl, tbs, tbs_tlv, alg, alg_tlv, sig;

	if (!crl_der_expect(&all, 0x30, &cl, NULL) || all.len != 0) {
		bad(ps, CRL_PARSE_MALFORMED, "not a DER CertificateList (or trailing bytes)");
		return ps->res;
	}
	if (!crl_der_expect(&cl, 0x30, &tbs, &tbs_tlv) ||
	    !crl_der_expect(&cl, 0x30, &alg, &alg_tlv) || !crl_der_expect(&cl, 0x03, &sig, NULL) ||
	    cl.len != 0) {
		bad(ps, CRL_PARSE_MALFORMED, "CertificateList does not have three fields");
		return ps->res;
	}
	if (sig.len < 2 || sig.p[0] != 0) {
		bad(ps, CRL_PARSE_MALFORMED, "signatureValue is empty or not whole bytes");
		return ps->res;
	}
	c->tbs = tbs_tlv.p;
	c->tbs_len = tbs_tlv.len;
	c->sig = sig.p + 1;
	c->sig_len = sig.len - 1;
	if (!parse_tbs(ps, tbs, &alg_tlv))
		return ps->res;
	return CRL_PARSE_OK;
}

enum crl_parse_result crl_parse_decode(const uint8_t *in, size_t len, struct crl *out,
				       const char **why)
{
	struct parse ps = {.c = out, .why = NULL, .res = CRL_PARSE_OK};
	enum crl_parse_result r;
	size_t off = 0;
	int pem;

	memset(out, 0, sizeof(*out));
	*why = NULL;
	if (len > CRL_PARSE_MAX_INPUT) {
		*why = "the file is larger than 64 MiB";
		return CRL_PARSE_TOO_BIG;
	}
	if (len == 0 || in == NULL) {
		*why = "the file is empty";
		return CRL_PARSE_MALFORMED;
	}
	if (in[0] == 0x30) {
		out->der = malloc(len);
		if (out->der == NULL) {
			*why = "out of memory";
			return CRL_PARSE_NOMEM;
		}
		memcpy(out->der, in, len);
		out->der_len = len;
	} else {
		pem = crl_parse_pem_next(in, len, &off, "X509 CRL", &out->der, &out->der_len);
		if (pem <= 0) {
			*why = pem == 0 ? "neither DER nor PEM with a BEGIN X509 CRL block"
					: "the PEM block is malformed";
			return CRL_PARSE_MALFORMED;
		}
	}
	r = parse_der(&ps);
	if (r != CRL_PARSE_OK) {
		*why = ps.why;
		crl_parse_free(out);
	}
	return r;
}

void crl_parse_free(struct crl *c)
{
	if (c == NULL)
		return;
	free(c->der);
	free(c->entries);
	memset(c, 0, sizeof(*c));
}

const char *crl_parse_reason_name(int reason)
{
	static const char *const names[] = {
	    "unspecified",   "keyCompromise",	     "cACompromise",	"affiliationChanged",
	    "superseded",    "cessationOfOperation", "certificateHold", "(7)",
	    "removeFromCRL", "privilegeWithdrawn",   "aACompromise",
	};

	if (reason < 0 || reason > 10)
		return "unspecified";
	return names[reason];
}

const char *crl_parse_result_str(enum crl_parse_result r)
{
	switch (r) {
	case CRL_PARSE_OK:
		return "ok";
	case CRL_PARSE_MALFORMED:
		return "malformed";
	case CRL_PARSE_UNSUPPORTED:
		return "unsupported";
	case CRL_PARSE_TOO_BIG:
		return "too big";
	case CRL_PARSE_NOMEM:
		return "out of memory";
	}
	return "?";
}

/* ---- certificates: only what revocation needs ---- */

static bool find_ski(struct crl_der tbs, struct crl_der *ski)
{
	struct crl_der wrap, exts, ext, oid, val, v;
	uint8_t tag = 0;

	ski->p = NULL;
	ski->len = 0;
	while (crl_der_next(&tbs, &tag, &wrap, NULL))
		if (tag == 0xa3)
			break;
	if (tag != 0xa3 || !crl_der_expect(&wrap, 0x30, &exts, NULL))
		return true;
	while (crl_der_expect(&exts, 0x30, &ext, NULL)) {
		if (!crl_der_expect(&ext, 0x06, &oid, NULL) || !oid_is_ce(&oid, CE_SKI))
			continue;
		(void)crl_der_expect(&ext, 0x01, NULL, NULL);
		if (!crl_der_expect(&ext, 0x04, &val, NULL) ||
		    !crl_der_expect(&val, 0x04, &v, NULL) || v.len == 0 || v.len > CRL_AKI_MAX)
			return false;
		*ski = v;
		return true;
	}
	return true;
}

bool crl_der_cert(const uint8_t *der, size_t len, struct crl_cert *out)
{
	struct crl_der all = {der, len}, cert, tbs, v;

	memset(out, 0, sizeof(*out));
	if (!crl_der_expect(&all, 0x30, &cert, NULL) || !crl_der_expect(&cert, 0x30, &tbs, NULL))
		return false;
	(void)crl_der_expect(&tbs, 0xa0, NULL, NULL); /* version */
	if (!crl_der_expect(&tbs, 0x02, &v, NULL) || !crl_der_uint(&v, &out->serial) ||
	    !crl_der_expect(&tbs, 0x30, NULL, NULL) ||	       /* signature */
	    !crl_der_expect(&tbs, 0x30, NULL, &out->issuer) || /* issuer */
	    !crl_der_expect(&tbs, 0x30, NULL, NULL) ||	       /* validity */
	    !crl_der_expect(&tbs, 0x30, NULL, &out->subject) ||
	    !crl_der_expect(&tbs, 0x30, NULL, &out->spki))
		return false;
	return find_ski(tbs, &out->ski);
}
