/*
 * est_http.c - an EST request out of a parsed HTTP request (est_http.h).
 * Order: the path (prefix, no query, no CA label, a known operation), the
 * method the operation takes, then for an enrollment the media type, the
 * base64 body decoded into the caller's struct, and any Basic credentials.
 * The body is checked to be one DER SEQUENCE and nothing more; reading the
 * PKCS#10 inside is common/pki's work.
 */
#include <string.h>
#include <strings.h>

#include "base64.h"
#include "est_http.h"

static const struct {
	const char *name;
	enum est_op op;
	enum oc_method method;
} ops[] = {
    {"cacerts", EST_OP_CACERTS, OC_METHOD_GET},
    {"simpleenroll", EST_OP_SIMPLEENROLL, OC_METHOD_POST},
    {"simplereenroll", EST_OP_SIMPLEREENROLL, OC_METHOD_POST},
};

/* RFC 7030 operations this gateway does not offer: a 404 that says so. */
static const char *const not_served[] = {"csrattrs", "serverkeygen", "fullcmc"};

static bool refuse(unsigned *status, const char **why, unsigned code, const char *reason)
{
	*status = code;
	*why = reason;
	return false;
}

bool est_http_is_est(const struct oc_request *rq)
{
	return strncmp(rq->path, EST_HTTP_PREFIX, strlen(EST_HTTP_PREFIX)) == 0;
}

const char *est_op_name(enum est_op op)
{
	for (size_t i = 0; i < sizeof(ops) / sizeof(ops[0]); i++)
		if (ops[i].op == op)
			return ops[i].name;
	return "unknown";
}

const char *est_http_allow(enum est_op op)
{
	return op == EST_OP_CACERTS ? "GET" : "POST";
}

static bool has_ctl(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			return true;
	return false;
}

bool est_http_basic(const char *authorization, char user[static EST_HTTP_MAX_USER],
		    char password[static EST_HTTP_MAX_PASSWORD])
{
	char plain[EST_HTTP_MAX_USER + EST_HTTP_MAX_PASSWORD + 1];
	const char *b64, *colon;
	size_t n, ulen;

	user[0] = password[0] = 0;
	if (strncasecmp(authorization, "Basic ", 6) != 0)
		return false;
	for (b64 = authorization + 6; *b64 == ' '; b64++)
		;
	if (strlen(b64) > base64_encoded_len(sizeof(plain) - 1, 0) ||
	    !base64_decode(b64, strlen(b64), (uint8_t *)plain, sizeof(plain) - 1, &n))
		return false;
	plain[n] = 0;
	colon = memchr(plain, ':', n);
	ulen = colon != NULL ? (size_t)(colon - plain) : 0;
	/* RFC 7617: the user-id has no ':', neither part a control byte */
	if (colon == NULL || ulen == 0 || ulen >= EST_HTTP_MAX_USER ||
	    n - ulen - 1 >= EST_HTTP_MAX_PASSWORD || has_ctl(plain, n)) {
		memset(plain, 0, sizeof(plain));
		return false;
	}
	memcpy(user, plain, ulen);
	user[ulen] = 0;
	memcpy(password, colon + 1, n - ulen - 1);
	password[n - ulen - 1] = 0;
	memset(plain, 0, sizeof(plain));
	return true;
}

/* "application/pkcs10", case ignored, parameters after ';' allowed. */
static bool is_pkcs10(const char *ct)
{
	static const char want[] = "application/pkcs10";
	size_t n = sizeof(want) - 1;

	if (strncasecmp(ct, want, n) != 0)
		return false;
	while (ct[n] == ' ' || ct[n] == '\t')
		n++;
	return ct[n] == 0 || ct[n] == ';';
}

/* One DER SEQUENCE with a definite length that spans exactly der[0..n). */
static bool is_one_sequence(const uint8_t *der, size_t n)
{
	size_t len, hdr = 2;

	if (n < 2 || der[0] != 0x30)
		return false;
	len = der[1];
	if (len & 0x80) {
		size_t k = len & 0x7f;

		if (k == 0 || k > 2 || n < 2 + k)
			return false;
		len = 0;
		for (size_t i = 0; i < k; i++)
			len = len << 8 | der[2 + i];
		hdr += k;
	}
	return hdr + len == n;
}

/* Characters of a base64 body that are not line breaks or blanks. */
static size_t significant(const uint8_t *p, size_t n)
{
	size_t k = 0;

	for (size_t i = 0; i < n; i++)
		k += p[i] != '\r' && p[i] != '\n' && p[i] != ' ' && p[i] != '\t';
	return k;
}

static bool enroll_body(const struct oc_request *rq, struct est_request *out, unsigned *status,
			const char **why)
{
	if (!is_pkcs10(rq->content_type))
		return refuse(status, why, 415, "an enrollment body must be application/pkcs10");
	if (rq->body_len == 0)
		return refuse(status, why, 400, "the request carries no PKCS#10 body");
	if (significant(rq->body, rq->body_len) / 4 * 3 > EST_HTTP_MAX_CSR + 2)
		return refuse(status, why, 413, "the PKCS#10 request is too large");
	if (!base64_decode((const char *)rq->body, rq->body_len, out->csr, sizeof(out->csr),
			   &out->csr_len))
		return refuse(status, why, 400, "the body is not base64 (RFC 7030 4.2.1)");
	if (!is_one_sequence(out->csr, out->csr_len))
		return refuse(status, why, 400, "the body is not one DER PKCS#10 request");
	return true;
}

bool est_http_classify(const struct oc_request *rq, struct est_request *out, unsigned *status,
		       const char **why)
{
	const char *rest = rq->path + strlen(EST_HTTP_PREFIX);
	size_t i;

	memset(out, 0, sizeof(*out));
	*status = 0;
	*why = NULL;
	out->close = rq->close;
	if (!est_http_is_est(rq))
		return refuse(status, why, 404, "not an EST path");
	if (strchr(rest, '?') != NULL)
		return refuse(status, why, 400, "EST requests take no query");
	if (strchr(rest, '/') != NULL)
		return refuse(status, why, 404,
			      "CA labels are not served: use /.well-known/est/<operation>");
	for (i = 0; i < sizeof(not_served) / sizeof(not_served[0]); i++)
		if (strcmp(rest, not_served[i]) == 0)
			return refuse(status, why, 404, "this EST operation is not offered");
	for (i = 0; i < sizeof(ops) / sizeof(ops[0]); i++)
		if (strcmp(rest, ops[i].name) == 0)
			break;
	if (i == sizeof(ops) / sizeof(ops[0]))
		return refuse(status, why, 404, "unknown EST operation");
	out->op = ops[i].op;
	if (rq->method != ops[i].method)
		return refuse(status, why, 405,
			      ops[i].method == OC_METHOD_GET ? "use GET" : "use POST");
	if (rq->authorization[0] != 0 && strncasecmp(rq->authorization, "Basic ", 6) == 0) {
		if (!est_http_basic(rq->authorization, out->user, out->password))
			return refuse(status, why, 400, "malformed Basic credentials (RFC 7617)");
		out->has_basic = true;
	}
	if (out->op != EST_OP_CACERTS && !enroll_body(rq, out, status, why)) {
		memset(out->password, 0, sizeof(out->password));
		out->has_basic = false;
		return false;
	}
	return true;
}
