/*
 * ocsp.c - OCSP requests and responses (RFC 6960) over the DER reader of
 * crl_parse.c and the signature check of crl_verify.c. Order: the small DER
 * writer and the request, certificate helpers (extensions, EKU, AIA), then
 * the response from the outside in. Invariant: every TLV is bounded by its
 * parent before any byte of it is read, and nothing in a response is
 * believed before its signature verifies with an acceptable signer.
 */
#include "ocsp.h"

#include <string.h>

#include <wolfssl/options.h>
#include <wolfssl/wolfcrypt/hash.h>
#include <wolfssl/wolfcrypt/sha.h>

#include "crl_verify.h"

#define OID(...)                                                                                   \
	{                                                                                          \
		(const uint8_t[]){__VA_ARGS__}, sizeof((const uint8_t[]){__VA_ARGS__})             \
	}

struct oid {
	const uint8_t *p;
	size_t len;
};

static const struct oid oid_sha1 = OID(0x2b, 0x0e, 0x03, 0x02, 0x1a);
static const struct oid oid_nonce = OID(0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x30, 0x01, 0x02);
static const struct oid oid_basic = OID(0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x30, 0x01, 0x01);
static const struct oid oid_ocsp = OID(0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x30, 0x01);
static const struct oid oid_aia = OID(0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x01, 0x01);
static const struct oid oid_eku = OID(0x55, 0x1d, 0x25);
static const struct oid oid_kp_ocsp = OID(0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x03, 0x09);

static bool oid_is(const struct crl_der *v, const struct oid *o)
{
	return v->len == o->len && memcmp(v->p, o->p, o->len) == 0;
}

static bool der_eq(const struct crl_der *a, const struct crl_der *b)
{
	return a->len == b->len && memcmp(a->p, b->p, a->len) == 0;
}

/* ---- the DER writer: a buffer grown from its contents outwards ---- */

struct wbuf {
	uint8_t *p;
	size_t len, cap;
	bool bad;
};

static void w_bytes(struct wbuf *w, const uint8_t *p, size_t n)
{
	if (w->bad || n > w->cap - w->len) {
		w->bad = true;
		return;
	}
	memcpy(w->p + w->len, p, n);
	w->len += n;
}

static void w_tlv(struct wbuf *w, uint8_t tag, const uint8_t *p, size_t n)
{
	uint8_t hdr[4] = {tag};
	size_t h = 2;

	if (n < 0x80) {
		hdr[1] = (uint8_t)n;
	} else if (n < 0x100) {
		hdr[1] = 0x81;
		hdr[2] = (uint8_t)n;
		h = 3;
	} else {
		hdr[1] = 0x82;
		hdr[2] = (uint8_t)(n >> 8);
		hdr[3] = (uint8_t)n;
		h = 4;
	}
	if (n > 0xffff) {
		w->bad = true;
		return;
	}
	w_bytes(w, hdr, h);
	w_bytes(w, p, n);
}

/* Wraps everything from start to the end of w in one TLV of tag. */
static void w_wrap(struct wbuf *w, size_t start, uint8_t tag)
{
	uint8_t tmp[OCSP_REQUEST_MAX];
	size_t n = w->len - start;

	if (w->bad || n > sizeof(tmp)) {
		w->bad = true;
		return;
	}
	memcpy(tmp, w->p + start, n);
	w->len = start;
	w_tlv(w, tag, tmp, n);
}

bool ocsp_certid_make(const struct crl_cert *issuer, const uint8_t *serial, size_t serial_len,
		      struct ocsp_certid *out)
{
	struct crl_der s = issuer->spki, seq, bits;

	memset(out, 0, sizeof(*out));
	/* issuerKeyHash covers the subjectPublicKey BIT STRING's value bytes,
	 * without the unused-bits byte. */
	if (serial_len == 0 || serial_len > CRL_SERIAL_MAX ||
	    !crl_der_expect(&s, 0x30, &seq, NULL) || !crl_der_expect(&seq, 0x30, NULL, NULL) ||
	    !crl_der_expect(&seq, 0x03, &bits, NULL) || bits.len < 2 || bits.p[0] != 0 ||
	    issuer->subject.len > UINT32_MAX)
		return false;
	if (wc_ShaHash(issuer->subject.p, (word32)issuer->subject.len, out->name_hash) != 0 ||
	    wc_ShaHash(bits.p + 1, (word32)(bits.len - 1), out->key_hash) != 0)
		return false;
	memcpy(out->serial, serial, serial_len);
	out->serial_len = (uint8_t)serial_len;
	return true;
}

size_t ocsp_request_encode(const struct ocsp_certid *id, const uint8_t *nonce, size_t nonce_len,
			   uint8_t *out, size_t cap)
{
	static const uint8_t null_tlv[] = {0x05, 0x00};
	struct wbuf w = {out, 0, cap, false};
	uint8_t serial[CRL_SERIAL_MAX + 1];
	size_t sl = 0, start, ext;

	if (id->serial_len == 0 || id->serial_len > CRL_SERIAL_MAX ||
	    (nonce != NULL && (nonce_len == 0 || nonce_len > 32)))
		return 0;
	/* A positive INTEGER: a zero byte before a set top bit. */
	if (id->serial[0] & 0x80)
		serial[sl++] = 0;
	memcpy(serial + sl, id->serial, id->serial_len);
	sl += id->serial_len;
	/* CertID { AlgorithmIdentifier sha1, nameHash, keyHash, serial } */
	w_tlv(&w, 0x06, oid_sha1.p, oid_sha1.len);
	w_bytes(&w, null_tlv, sizeof(null_tlv));
	w_wrap(&w, 0, 0x30);
	w_tlv(&w, 0x04, id->name_hash, OCSP_SHA1_LEN);
	w_tlv(&w, 0x04, id->key_hash, OCSP_SHA1_LEN);
	w_tlv(&w, 0x02, serial, sl);
	w_wrap(&w, 0, 0x30); /* CertID */
	w_wrap(&w, 0, 0x30); /* Request */
	w_wrap(&w, 0, 0x30); /* requestList */
	if (nonce != NULL) {
		/* [2] EXPLICIT Extensions { Extension { nonce, OCTET STRING {
		 * OCTET STRING nonce } } }, the form OpenSSL sends and echoes. */
		ext = w.len;
		w_tlv(&w, 0x06, oid_nonce.p, oid_nonce.len);
		start = w.len;
		w_tlv(&w, 0x04, nonce, nonce_len);
		w_wrap(&w, start, 0x04);
		w_wrap(&w, ext, 0x30);
		w_wrap(&w, ext, 0x30);
		w_wrap(&w, ext, 0xa2);
	}
	w_wrap(&w, 0, 0x30); /* TBSRequest */
	w_wrap(&w, 0, 0x30); /* OCSPRequest */
	return w.bad ? 0 : w.len;
}

/* ---- certificates: extensions, EKU, validity, AIA ---- */

struct cert_parts {
	struct crl_der tbs_tlv; /* what the signature covers */
	struct crl_der tbs;	/* its contents */
	struct crl_der alg;	/* signatureAlgorithm contents */
	struct crl_der sig;	/* signatureValue bytes */
	int64_t not_before, not_after;
	struct crl_der exts; /* Extensions contents; len 0 if none */
};

static bool time_next(struct crl_der *d, int64_t *out)
{
	struct crl_der v;
	uint8_t tag;

	return crl_der_next(d, &tag, &v, NULL) && crl_der_time(tag, &v, out);
}

static bool cert_split(const uint8_t *der, size_t len, struct cert_parts *c)
{
	struct crl_der all = {der, len}, cert, t, validity, wrap, bits;
	uint8_t tag;

	memset(c, 0, sizeof(*c));
	if (!crl_der_expect(&all, 0x30, &cert, NULL) ||
	    !crl_der_expect(&cert, 0x30, &c->tbs, &c->tbs_tlv) ||
	    !crl_der_expect(&cert, 0x30, &c->alg, NULL) ||
	    !crl_der_expect(&cert, 0x03, &bits, NULL) || bits.len < 2 || bits.p[0] != 0)
		return false;
	c->sig.p = bits.p + 1;
	c->sig.len = bits.len - 1;
	t = c->tbs;
	(void)crl_der_expect(&t, 0xa0, NULL, NULL); /* version */
	if (!crl_der_expect(&t, 0x02, NULL, NULL) || !crl_der_expect(&t, 0x30, NULL, NULL) ||
	    !crl_der_expect(&t, 0x30, NULL, NULL) || !crl_der_expect(&t, 0x30, &validity, NULL) ||
	    !time_next(&validity, &c->not_before) || !time_next(&validity, &c->not_after))
		return false;
	while (crl_der_next(&t, &tag, &wrap, NULL))
		if (tag == 0xa3)
			return crl_der_expect(&wrap, 0x30, &c->exts, NULL);
	return true;
}

/* The extnValue contents of the extension oid, if present. */
static bool find_ext(struct crl_der exts, const struct oid *o, struct crl_der *val)
{
	struct crl_der ext, id;

	while (crl_der_expect(&exts, 0x30, &ext, NULL)) {
		if (!crl_der_expect(&ext, 0x06, &id, NULL) || !oid_is(&id, o))
			continue;
		(void)crl_der_expect(&ext, 0x01, NULL, NULL); /* critical */
		return crl_der_expect(&ext, 0x04, val, NULL);
	}
	return false;
}

static bool has_ocsp_signing(const struct crl_der *exts)
{
	struct crl_der val, seq, id;

	if (!find_ext(*exts, &oid_eku, &val) || !crl_der_expect(&val, 0x30, &seq, NULL))
		return false;
	while (crl_der_expect(&seq, 0x06, &id, NULL))
		if (oid_is(&id, &oid_kp_ocsp))
			return true;
	return false;
}

bool ocsp_aia_url(const uint8_t *cert, size_t len, char *out, size_t cap)
{
	struct cert_parts c;
	struct crl_der val, list, ad, method, loc;

	if (cap == 0 || !cert_split(cert, len, &c) || !find_ext(c.exts, &oid_aia, &val) ||
	    !crl_der_expect(&val, 0x30, &list, NULL))
		return false;
	/* AccessDescription { accessMethod, accessLocation [6] IA5String } */
	while (crl_der_expect(&list, 0x30, &ad, NULL)) {
		if (!crl_der_expect(&ad, 0x06, &method, NULL) || !oid_is(&method, &oid_ocsp) ||
		    !crl_der_expect(&ad, 0x86, &loc, NULL))
			continue;
		if (loc.len == 0 || loc.len >= cap || memchr(loc.p, '\0', loc.len) != NULL)
			return false;
		memcpy(out, loc.p, loc.len);
		out[loc.len] = '\0';
		return true;
	}
	return false;
}

/* ---- responses ---- */

struct resp {
	struct crl_der tbs_tlv, tbs;
	enum crl_sig_alg alg;
	struct crl_der sig;
	struct crl_der certs; /* SEQUENCE OF Certificate contents; len 0 if none */
	const char *why;
};

static enum ocsp_result fail(const char **why, enum ocsp_result r, const char *w)
{
	*why = w;
	return r;
}

/* OCSPResponse down to the BasicOCSPResponse's parts. */
static enum ocsp_result open_response(const uint8_t *der, size_t len, struct resp *r,
				      const char **why)
{
	struct crl_der all = {der, len}, top, st, wrap, rb, type, oct, basic, alg, bits, cw;

	if (!crl_der_expect(&all, 0x30, &top, NULL) || all.len != 0 ||
	    !crl_der_expect(&top, 0x0a, &st, NULL) || st.len != 1)
		return fail(why, OCSP_MALFORMED, "not an OCSPResponse");
	if (st.p[0] != 0) {
		static const char *const names[] = {
		    "successful", "malformedRequest", "internalError", "tryLater",
		    "?",	  "sigRequired",      "unauthorized"};
		*why = st.p[0] < sizeof(names) / sizeof(names[0]) ? names[st.p[0]]
								  : "an unknown responseStatus";
		return OCSP_NOT_SUCCESS;
	}
	if (!crl_der_expect(&top, 0xa0, &wrap, NULL) || !crl_der_expect(&wrap, 0x30, &rb, NULL) ||
	    !crl_der_expect(&rb, 0x06, &type, NULL) || !crl_der_expect(&rb, 0x04, &oct, NULL))
		return fail(why, OCSP_MALFORMED, "a successful response without responseBytes");
	if (!oid_is(&type, &oid_basic))
		return fail(why, OCSP_UNSUPPORTED, "not a basic OCSP response");
	if (!crl_der_expect(&oct, 0x30, &basic, NULL) || oct.len != 0 ||
	    !crl_der_expect(&basic, 0x30, &r->tbs, &r->tbs_tlv) ||
	    !crl_der_expect(&basic, 0x30, &alg, NULL) ||
	    !crl_der_expect(&basic, 0x03, &bits, NULL) || bits.len < 2 || bits.p[0] != 0)
		return fail(why, OCSP_MALFORMED, "the BasicOCSPResponse does not decode");
	r->sig.p = bits.p + 1;
	r->sig.len = bits.len - 1;
	r->alg = crl_der_sig_alg(&alg);
	if (r->alg == CRL_SIG_UNKNOWN)
		return fail(why, OCSP_UNSUPPORTED,
			    "signature algorithm is not ECDSA or RSA PKCS#1 v1.5 with SHA-2");
	if (crl_der_expect(&basic, 0xa0, &cw, NULL) && !crl_der_expect(&cw, 0x30, &r->certs, NULL))
		return fail(why, OCSP_MALFORMED, "the certs field does not decode");
	return OCSP_OK;
}

/* Is der a responder certificate the CA issuer delegated OCSP signing to,
 * valid now? */
static bool delegate_ok(const struct crl_der *der, const struct crl_cert *issuer, int64_t now,
			unsigned skew, struct crl_cert *out)
{
	struct cert_parts c;
	enum crl_sig_alg alg;
	const char *w;

	if (!cert_split(der->p, der->len, &c) || !crl_der_cert(der->p, der->len, out) ||
	    !der_eq(&out->issuer, &issuer->subject) || !has_ocsp_signing(&c.exts) ||
	    now + (int64_t)skew < c.not_before || now - (int64_t)skew > c.not_after)
		return false;
	alg = crl_der_sig_alg(&c.alg);
	return crl_verify_signature(alg, c.tbs_tlv.p, c.tbs_tlv.len, c.sig.p, c.sig.len,
				    &issuer->spki, &w) == CRL_VERIFY_OK;
}

/* The CA itself, else a delegated responder in certs. */
static enum ocsp_result check_signer(const struct resp *r, const struct crl_cert *issuer,
				     const struct ocsp_policy *pol, bool *delegated,
				     const char **why)
{
	struct crl_der certs = r->certs, one;
	struct crl_cert dc;
	const char *w = NULL;
	uint8_t tag;

	*delegated = false;
	if (crl_verify_signature(r->alg, r->tbs_tlv.p, r->tbs_tlv.len, r->sig.p, r->sig.len,
				 &issuer->spki, &w) == CRL_VERIFY_OK)
		return OCSP_OK;
	while (crl_der_next(&certs, &tag, NULL, &one)) {
		if (tag != 0x30 || !delegate_ok(&one, issuer, pol->now, pol->skew_s, &dc))
			continue;
		if (crl_verify_signature(r->alg, r->tbs_tlv.p, r->tbs_tlv.len, r->sig.p, r->sig.len,
					 &dc.spki, &w) == CRL_VERIFY_OK) {
			*delegated = true;
			return OCSP_OK;
		}
	}
	return fail(why, OCSP_BAD_SIGNATURE,
		    "signed neither by the issuing CA nor by a responder certificate it "
		    "issued for OCSP signing");
}

static bool certid_matches(struct crl_der cid, const struct ocsp_certid *id)
{
	struct crl_der alg, oid, nh, kh, sn, serial;

	if (!crl_der_expect(&cid, 0x30, &alg, NULL) || !crl_der_expect(&alg, 0x06, &oid, NULL) ||
	    !oid_is(&oid, &oid_sha1) || !crl_der_expect(&cid, 0x04, &nh, NULL) ||
	    !crl_der_expect(&cid, 0x04, &kh, NULL) || !crl_der_expect(&cid, 0x02, &sn, NULL) ||
	    !crl_der_uint(&sn, &serial))
		return false;
	return nh.len == OCSP_SHA1_LEN && memcmp(nh.p, id->name_hash, OCSP_SHA1_LEN) == 0 &&
	       kh.len == OCSP_SHA1_LEN && memcmp(kh.p, id->key_hash, OCSP_SHA1_LEN) == 0 &&
	       serial.len == id->serial_len && memcmp(serial.p, id->serial, serial.len) == 0;
}

/* SingleResponse { certID, certStatus, thisUpdate, [0] nextUpdate, [1] exts } */
static enum ocsp_result parse_single(struct crl_der sr, struct ocsp_answer *a, const char **why)
{
	struct crl_der st, ri, v, wrap, e;
	uint8_t tag;

	a->reason = CRL_REASON_NONE;
	if (!crl_der_next(&sr, &tag, &st, NULL))
		return fail(why, OCSP_MALFORMED, "a SingleResponse has no certStatus");
	switch (tag) {
	case 0x80:
		if (st.len != 0)
			return fail(why, OCSP_MALFORMED, "certStatus good is not empty");
		a->status = OCSP_STATUS_GOOD;
		break;
	case 0xa1:
		a->status = OCSP_STATUS_REVOKED;
		ri = st;
		if (!time_next(&ri, &a->revoked_at))
			return fail(why, OCSP_MALFORMED, "revocationTime does not decode");
		if (crl_der_expect(&ri, 0xa0, &wrap, NULL)) {
			if (!crl_der_expect(&wrap, 0x0a, &e, NULL) || e.len != 1 || e.p[0] > 10)
				return fail(why, OCSP_MALFORMED, "revocationReason out of range");
			a->reason = e.p[0];
		}
		break;
	case 0x82:
		a->status = OCSP_STATUS_UNKNOWN;
		break;
	default:
		return fail(why, OCSP_MALFORMED, "certStatus is not good, revoked or unknown");
	}
	if (!time_next(&sr, &a->this_update))
		return fail(why, OCSP_MALFORMED, "thisUpdate does not decode");
	a->next_update = 0;
	if (crl_der_expect(&sr, 0xa0, &v, NULL) &&
	    (!time_next(&v, &a->next_update) || a->next_update < a->this_update))
		return fail(why, OCSP_MALFORMED,
			    "nextUpdate does not decode or precedes thisUpdate");
	return OCSP_OK;
}

/* responseExtensions: a nonce, if echoed, must be ours. */
static enum ocsp_result check_nonce(struct crl_der t, const uint8_t *nonce, size_t nonce_len,
				    const char **why)
{
	struct crl_der wrap, exts, val, inner = {NULL, 0};
	uint8_t tag = 0;

	while (crl_der_next(&t, &tag, &wrap, NULL))
		if (tag == 0xa1)
			break;
	if (tag != 0xa1 || !crl_der_expect(&wrap, 0x30, &exts, NULL) ||
	    !find_ext(exts, &oid_nonce, &val))
		return OCSP_OK; /* no nonce: a pre-produced response, judged by its times */
	if (nonce == NULL)
		return OCSP_OK;
	/* OpenSSL wraps the nonce in an OCTET STRING; some responders do not. */
	if (!crl_der_expect(&val, 0x04, &inner, NULL) || val.len != 0)
		inner = val;
	if (inner.len != nonce_len || memcmp(inner.p, nonce, nonce_len) != 0)
		return fail(why, OCSP_BAD_NONCE, "the response answers another request (nonce)");
	return OCSP_OK;
}

static enum ocsp_result check_fresh(const struct ocsp_answer *a, const struct ocsp_policy *pol,
				    const char **why)
{
	int64_t skew = pol->skew_s;

	if (a->this_update > pol->now + skew)
		return fail(why, OCSP_STALE, "thisUpdate is in the future (check the clocks)");
	if (a->next_update != 0 && pol->now - skew > a->next_update)
		return fail(why, OCSP_STALE, "nextUpdate has passed");
	if (a->next_update == 0 && pol->now - a->this_update > (int64_t)pol->max_age_s + skew)
		return fail(why, OCSP_STALE, "thisUpdate is too old and there is no nextUpdate");
	return OCSP_OK;
}

enum ocsp_result ocsp_response_check(const uint8_t *der, size_t len, const struct ocsp_certid *id,
				     const struct crl_cert *issuer, const uint8_t *nonce,
				     size_t nonce_len, const struct ocsp_policy *pol,
				     struct ocsp_answer *out, const char **why)
{
	struct resp r;
	struct crl_der t, list, sr, cid;
	enum ocsp_result res;
	bool delegated;
	uint8_t tag;

	memset(out, 0, sizeof(*out));
	memset(&r, 0, sizeof(r));
	*why = NULL;
	if (der == NULL || len == 0 || len > OCSP_RESPONSE_MAX)
		return fail(why, OCSP_MALFORMED, "empty or too long");
	res = open_response(der, len, &r, why);
	if (res != OCSP_OK)
		return res;
	res = check_signer(&r, issuer, pol, &delegated, why);
	if (res != OCSP_OK)
		return res;
	/* ResponseData { [0] version, responderID, producedAt, responses, [1] exts } */
	t = r.tbs;
	(void)crl_der_expect(&t, 0xa0, NULL, NULL);
	if (!crl_der_next(&t, &tag, NULL, NULL) || (tag != 0xa1 && tag != 0xa2) ||
	    !crl_der_expect(&t, 0x18, NULL, NULL) || !crl_der_expect(&t, 0x30, &list, NULL))
		return fail(why, OCSP_MALFORMED, "ResponseData does not decode");
	res = check_nonce(t, nonce, nonce_len, why);
	if (res != OCSP_OK)
		return res;
	while (crl_der_expect(&list, 0x30, &sr, NULL)) {
		if (!crl_der_expect(&sr, 0x30, &cid, NULL))
			return fail(why, OCSP_MALFORMED, "a SingleResponse has no CertID");
		if (!certid_matches(cid, id))
			continue;
		res = parse_single(sr, out, why);
		if (res == OCSP_OK)
			res = check_fresh(out, pol, why);
		out->delegated = delegated;
		return res;
	}
	return fail(why, OCSP_NO_MATCH, "the response says nothing about this certificate");
}

const char *ocsp_result_str(enum ocsp_result r)
{
	switch (r) {
	case OCSP_OK:
		return "ok";
	case OCSP_MALFORMED:
		return "malformed";
	case OCSP_NOT_SUCCESS:
		return "not successful";
	case OCSP_UNSUPPORTED:
		return "unsupported";
	case OCSP_BAD_SIGNATURE:
		return "bad signature";
	case OCSP_NO_MATCH:
		return "no answer for this certificate";
	case OCSP_STALE:
		return "stale";
	case OCSP_BAD_NONCE:
		return "nonce mismatch";
	}
	return "?";
}

const char *ocsp_status_str(enum ocsp_status s)
{
	switch (s) {
	case OCSP_STATUS_GOOD:
		return "good";
	case OCSP_STATUS_REVOKED:
		return "revoked";
	case OCSP_STATUS_UNKNOWN:
		return "unknown";
	}
	return "?";
}
