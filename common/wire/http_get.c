/*
 * http_get.c - parses an HTTP/1.x request head (http_get.h). The head ends
 * at the first CRLF CRLF (a bare LF LF too, as RFC 9112 tolerates); every
 * byte before it is checked: the request line is METHOD SP TARGET SP
 * HTTP/1.0|1.1, header lines are NAME ":" VALUE with no control bytes but
 * HTAB. Lengths are checked before anything is copied.
 */
#include "http_get.h"

#include <stdbool.h>
#include <string.h>

static enum http_get_result bad(int *status, const char **why, int code, const char *reason)
{
	*status = code;
	*why = reason;
	return HTTP_GET_BAD;
}

size_t http_get_head_end(const uint8_t *p, size_t len)
{
	for (size_t i = 0; i + 1 < len; i++) {
		if (p[i] != '\n')
			continue;
		if (p[i + 1] == '\n')
			return i + 2;
		if (i + 2 < len && p[i + 1] == '\r' && p[i + 2] == '\n')
			return i + 3;
	}
	return 0;
}

/* [p, p+n) without its CR, if it ends with one. */
static size_t strip_cr(const uint8_t *p, size_t n)
{
	return n > 0 && p[n - 1] == '\r' ? n - 1 : n;
}

static bool header_ok(const uint8_t *p, size_t n)
{
	size_t colon = 0;

	for (size_t i = 0; i < n; i++) {
		if (p[i] == ':' && colon == 0)
			colon = i;
		if ((p[i] < 0x20 && p[i] != '\t') || p[i] == 0x7f)
			return false;
		/* A name has no spaces (RFC 9112 5.1), nor an empty one. */
		if (colon == 0 && (p[i] == ' ' || p[i] == '\t'))
			return false;
	}
	return colon > 0;
}

static enum http_get_result request_line(const uint8_t *p, size_t n, struct http_get_req *out,
					 int *status, const char **why)
{
	const uint8_t *sp1 = memchr(p, ' ', n), *sp2, *target, *q;
	size_t mlen, tlen, vlen;

	if (sp1 == NULL)
		return bad(status, why, 400, "the request line has no target");
	mlen = (size_t)(sp1 - p);
	sp2 = memchr(sp1 + 1, ' ', n - mlen - 1);
	if (sp2 == NULL)
		return bad(status, why, 400, "the request line has no version");
	target = sp1 + 1;
	tlen = (size_t)(sp2 - target);
	vlen = n - (size_t)(sp2 + 1 - p);
	if (vlen != 8 || memcmp(sp2 + 1, "HTTP/1.", 7) != 0)
		return bad(status, why, 400, "not an HTTP/1.x request");
	if (sp2[8] != '0' && sp2[8] != '1')
		return bad(status, why, 505, "only HTTP/1.0 and HTTP/1.1 are served");
	for (size_t i = 0; i < mlen; i++)
		if (p[i] < 'A' || p[i] > 'Z')
			return bad(status, why, 400, "the method is not a token");
	if (!(mlen == 3 && memcmp(p, "GET", 3) == 0) && !(mlen == 4 && memcmp(p, "HEAD", 4) == 0))
		return bad(status, why, 405, "only GET and HEAD are served");
	if (tlen == 0 || target[0] != '/')
		return bad(status, why, 400, "the target is not an absolute path");
	for (size_t i = 0; i < tlen; i++)
		if (target[i] <= 0x20 || target[i] >= 0x7f)
			return bad(status, why, 400, "the target holds a byte that is not printable");
	q = memchr(target, '?', tlen);
	if (q != NULL)
		tlen = (size_t)(q - target);
	if (tlen >= sizeof(out->path))
		return bad(status, why, 414, "the path is too long");
	memcpy(out->method, p, mlen);
	out->method[mlen] = 0;
	memcpy(out->path, target, tlen);
	out->path[tlen] = 0;
	return HTTP_GET_OK;
}

enum http_get_result http_get_parse(const uint8_t *p, size_t len, struct http_get_req *out,
				    int *status, const char **why)
{
	size_t end, off, first = 1;
	enum http_get_result r;

	memset(out, 0, sizeof(*out));
	*status = 0;
	*why = NULL;
	end = http_get_head_end(p, len > HTTP_GET_MAX_HEAD ? HTTP_GET_MAX_HEAD : len);
	if (end == 0)
		return len >= HTTP_GET_MAX_HEAD ? bad(status, why, 431, "the request head is too large")
						: HTTP_GET_NEED_MORE;
	/* Lines up to the empty one that ends the head. */
	for (off = 0; off < end;) {
		const uint8_t *nl = memchr(p + off, '\n', end - off);
		size_t n = strip_cr(p + off, (size_t)(nl - (p + off)));

		if (n == 0)
			break;
		if (first) {
			r = request_line(p + off, n, out, status, why);
			if (r != HTTP_GET_OK)
				return r;
			first = 0;
		} else if (!header_ok(p + off, n)) {
			return bad(status, why, 400, "a header line is malformed");
		}
		off = (size_t)(nl - p) + 1;
	}
	if (first)
		return bad(status, why, 400, "the request line is empty");
	out->head_len = end;
	return HTTP_GET_OK;
}
