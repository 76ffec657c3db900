/*
 * http_resp.c - parses an HTTP/1.x response (http_resp.h). The head ends
 * at the first empty line (http_get_head_end); every line of it is checked
 * for shape before anything is copied: STATUS-LINE is HTTP/1.x SP 3DIGIT
 * [SP reason], header lines NAME ":" VALUE without control bytes but HTAB.
 * Content-Length must be digits, at most HTTP_RESP_MAX_BODY, and agree
 * with itself when repeated.
 */
#include "http_resp.h"

#include <string.h>
#include <strings.h>

#include "http_get.h"

static enum http_resp_result bad(const char **why, const char *reason)
{
	*why = reason;
	return HTTP_RESP_BAD;
}

static size_t strip_cr(const uint8_t *p, size_t n)
{
	return n > 0 && p[n - 1] == '\r' ? n - 1 : n;
}

static bool name_is(const uint8_t *p, size_t n, const char *name)
{
	return n == strlen(name) && strncasecmp((const char *)p, name, n) == 0;
}

/* The value of a header line without the blanks around it. */
static void trim(const uint8_t **v, size_t *n)
{
	while (*n > 0 && (**v == ' ' || **v == '\t')) {
		(*v)++;
		(*n)--;
	}
	while (*n > 0 && ((*v)[*n - 1] == ' ' || (*v)[*n - 1] == '\t'))
		(*n)--;
}

static bool status_line(const uint8_t *p, size_t n, struct http_resp *out, const char **why)
{
	if (n < 12 || memcmp(p, "HTTP/1.", 7) != 0 || (p[7] != '0' && p[7] != '1') || p[8] != ' ') {
		*why = "not an HTTP/1.x status line";
		return false;
	}
	for (size_t i = 9; i < 12; i++)
		if (p[i] < '0' || p[i] > '9') {
			*why = "the status is not three digits";
			return false;
		}
	if (n > 12 && p[12] != ' ') {
		*why = "the status is not three digits";
		return false;
	}
	for (size_t i = 12; i < n; i++)
		if ((p[i] < 0x20 && p[i] != '\t') || p[i] == 0x7f) {
			*why = "a control byte in the status line";
			return false;
		}
	out->status =
	    (unsigned)(p[9] - '0') * 100 + (unsigned)(p[10] - '0') * 10 + (unsigned)(p[11] - '0');
	out->close = p[7] == '0';
	if (out->status < 200 || out->status > 599) {
		*why = "an interim or unknown status";
		return false;
	}
	return true;
}

/* Content-Length: digits only, bounded; *len set. */
static bool length_value(const uint8_t *v, size_t n, size_t *len)
{
	size_t x = 0;

	if (n == 0 || n > 9)
		return false;
	for (size_t i = 0; i < n; i++) {
		if (v[i] < '0' || v[i] > '9')
			return false;
		x = x * 10 + (size_t)(v[i] - '0');
	}
	*len = x;
	return true;
}

/* One header line (no CR LF): what it says is put into out. */
static bool header(const uint8_t *p, size_t n, struct http_resp *out, bool *has_len, size_t *clen,
		   const char **why)
{
	const uint8_t *colon = memchr(p, ':', n), *v;
	size_t nlen, vlen, l;

	if (colon == NULL || colon == p) {
		*why = "a header line without a name";
		return false;
	}
	nlen = (size_t)(colon - p);
	for (size_t i = 0; i < n; i++)
		if ((p[i] < 0x20 && p[i] != '\t') || p[i] == 0x7f ||
		    (i < nlen && (p[i] == ' ' || p[i] == '\t'))) {
			*why = "a header line of the wrong shape";
			return false;
		}
	v = colon + 1;
	vlen = n - nlen - 1;
	trim(&v, &vlen);
	if (name_is(p, nlen, "content-length")) {
		if (!length_value(v, vlen, &l) || (*has_len && l != *clen)) {
			*why = "a bad or contradictory Content-Length";
			return false;
		}
		*has_len = true;
		*clen = l;
	} else if (name_is(p, nlen, "transfer-encoding")) {
		*why = "a chunked or encoded body is not taken";
		return false;
	} else if (name_is(p, nlen, "content-type")) {
		if (vlen >= sizeof(out->content_type)) {
			*why = "Content-Type is too long";
			return false;
		}
		memcpy(out->content_type, v, vlen);
		out->content_type[vlen] = 0;
	} else if (name_is(p, nlen, "connection")) {
		if (vlen == 5 && strncasecmp((const char *)v, "close", 5) == 0)
			out->close = true;
	}
	return true;
}

enum http_resp_result http_resp_parse(const uint8_t *p, size_t len, bool eof, struct http_resp *out,
				      const char **why)
{
	size_t head = http_get_head_end(p, len < HTTP_RESP_MAX_HEAD ? len : HTTP_RESP_MAX_HEAD);
	size_t off = 0, clen = 0;
	bool has_len = false, first = true;

	memset(out, 0, sizeof(*out));
	*why = NULL;
	if (head == 0) {
		if (len >= HTTP_RESP_MAX_HEAD)
			return bad(why, "the response head is too large");
		if (eof)
			return bad(why, "the connection closed before the response head ended");
		return HTTP_RESP_NEED_MORE;
	}
	while (off < head) {
		const uint8_t *nl = memchr(p + off, '\n', head - off);
		size_t n = strip_cr(p + off, (size_t)(nl - (p + off)));

		if (n == 0)
			break; /* the empty line */
		if (first ? !status_line(p + off, n, out, why)
			  : !header(p + off, n, out, &has_len, &clen, why))
			return HTTP_RESP_BAD;
		first = false;
		off = (size_t)(nl - p) + 1;
	}
	if (first)
		return bad(why, "not an HTTP/1.x status line");
	out->head_len = head;
	if (has_len) {
		if (clen > HTTP_RESP_MAX_BODY)
			return bad(why, "the body is too large");
		if (len - head < clen)
			return eof ? bad(why, "the connection closed before the body ended")
				   : HTTP_RESP_NEED_MORE;
	} else {
		/* The body runs to the end of the connection (RFC 9112 6.3). */
		if (len - head > HTTP_RESP_MAX_BODY)
			return bad(why, "the body is too large");
		if (!eof)
			return HTTP_RESP_NEED_MORE;
		clen = len - head;
		out->close = true;
	}
	out->body = p + head;
	out->body_len = clen;
	return HTTP_RESP_OK;
}

bool http_resp_type_is(const char *ct, const char *type)
{
	size_t n = strlen(type);

	while (*ct == ' ' || *ct == '\t')
		ct++;
	if (strncasecmp(ct, type, n) != 0)
		return false;
	ct += n;
	while (*ct == ' ' || *ct == '\t')
		ct++;
	return *ct == 0 || *ct == ';';
}
