/*
 * oc_http.c - parses one OpenConnect request (oc_http.h). The head ends at
 * the first empty line (CRLF, or a bare LF); every byte before it is
 * checked: no control byte but HTAB, a CR only before LF, no obs-fold. A
 * header is matched by name case-insensitively, its value trimmed of
 * OWS, and its length checked before anything is copied. Then the body, of
 * exactly Content-Length bytes; chunked bodies are never accepted.
 */
#include "oc_http.h"

#include <string.h>
#include <strings.h>

#include "http_get.h"

struct span {
	const uint8_t *p;
	size_t n;
};

/* What the headers said, before it is checked as a whole. */
struct head_state {
	bool has_host, has_length, keep_alive;
	size_t length;
};

static enum oc_http_result refuse(unsigned *status, const char **why, unsigned code,
				  const char *reason)
{
	*status = code;
	*why = reason;
	return OC_HTTP_ERROR;
}

static bool span_is(struct span s, const char *lit)
{
	size_t n = strlen(lit);

	return s.n == n && strncasecmp((const char *)s.p, lit, n) == 0;
}

static struct span span_trim(struct span s)
{
	while (s.n > 0 && (s.p[0] == ' ' || s.p[0] == '\t')) {
		s.p++;
		s.n--;
	}
	while (s.n > 0 && (s.p[s.n - 1] == ' ' || s.p[s.n - 1] == '\t'))
		s.n--;
	return s;
}

/* RFC 9110 tchar. */
static bool is_tchar(uint8_t c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c != 0 && strchr("!#$%&'*+-.^_`|~", c) != NULL);
}

/* False if s does not fit out (with its NUL). */
static bool copy_value(char *out, size_t cap, struct span s)
{
	if (s.n >= cap)
		return false;
	memcpy(out, s.p, s.n);
	out[s.n] = 0;
	return true;
}

/* A decimal of 1..max_digits digits, nothing else. */
static bool parse_uint(struct span s, size_t max_digits, unsigned long *out)
{
	unsigned long v = 0;

	if (s.n == 0 || s.n > max_digits)
		return false;
	for (size_t i = 0; i < s.n; i++) {
		if (s.p[i] < '0' || s.p[i] > '9')
			return false;
		v = v * 10 + (unsigned long)(s.p[i] - '0');
	}
	*out = v;
	return true;
}

/* The next comma- or semicolon-separated element of *list, trimmed. */
static bool next_item(struct span *list, uint8_t sep, struct span *item)
{
	const uint8_t *end;

	if (list->n == 0)
		return false;
	end = memchr(list->p, sep, list->n);
	item->p = list->p;
	item->n = end != NULL ? (size_t)(end - list->p) : list->n;
	list->p += item->n;
	list->n -= item->n;
	if (list->n > 0) {
		list->p++;
		list->n--;
	}
	*item = span_trim(*item);
	return true;
}

static enum oc_http_result parse_cookie(struct span v, struct oc_request *out, unsigned *status,
					const char **why)
{
	struct span item;

	while (next_item(&v, ';', &item)) {
		if (item.n < 7 || memcmp(item.p, "webvpn=", 7) != 0)
			continue;
		item.p += 7;
		item.n -= 7;
		if (out->has_cookie)
			return refuse(status, why, 400, "two webvpn cookies");
		if (!copy_value(out->cookie, sizeof(out->cookie), item))
			return refuse(status, why, 431, "the webvpn cookie is too long");
		out->has_cookie = true;
	}
	return OC_HTTP_OK;
}

static enum oc_http_result parse_address_type(struct span v, struct oc_request *out,
					      unsigned *status, const char **why)
{
	struct span item;

	out->want_ipv4 = out->want_ipv6 = false;
	while (next_item(&v, ',', &item)) {
		if (span_is(item, "IPv4"))
			out->want_ipv4 = true;
		else if (span_is(item, "IPv6"))
			out->want_ipv6 = true;
		else
			return refuse(status, why, 400, "X-CSTP-Address-Type is not IPv4 or IPv6");
	}
	if (!out->want_ipv4 && !out->want_ipv6)
		return refuse(status, why, 400, "X-CSTP-Address-Type is empty");
	return OC_HTTP_OK;
}

static enum oc_http_result parse_mtu(struct span v, unsigned *mtu, unsigned *status,
				     const char **why)
{
	unsigned long x;

	if (!parse_uint(v, 5, &x) || x > 65535)
		return refuse(status, why, 400, "an X-CSTP MTU is not a number up to 65535");
	*mtu = (unsigned)x;
	return OC_HTTP_OK;
}

/* One header line, already checked for bytes; name and value split. */
static enum oc_http_result header(struct span name, struct span v, struct oc_request *out,
				  struct head_state *hs, unsigned *status, const char **why)
{
	unsigned long x;

	if (span_is(name, "Host")) {
		if (hs->has_host)
			return refuse(status, why, 400, "two Host headers");
		hs->has_host = true;
		if (!copy_value(out->host, sizeof(out->host), v))
			return refuse(status, why, 431, "the Host header is too long");
	} else if (span_is(name, "Content-Length")) {
		if (hs->has_length)
			return refuse(status, why, 400, "two Content-Length headers");
		hs->has_length = true;
		if (!parse_uint(v, 9, &x))
			return refuse(status, why, 400, "Content-Length is not a number");
		if (x > OC_HTTP_MAX_BODY)
			return refuse(status, why, 413, "the body is too large");
		hs->length = (size_t)x;
	} else if (span_is(name, "Transfer-Encoding")) {
		return refuse(status, why, 501, "Transfer-Encoding is not supported");
	} else if (span_is(name, "Connection")) {
		struct span item;

		while (next_item(&v, ',', &item)) {
			if (span_is(item, "close"))
				out->close = true;
			else if (span_is(item, "keep-alive"))
				hs->keep_alive = true;
		}
	} else if (span_is(name, "Cookie")) {
		return parse_cookie(v, out, status, why);
	} else if (span_is(name, "Content-Type")) {
		if (!copy_value(out->content_type, sizeof(out->content_type), v))
			return refuse(status, why, 431, "the Content-Type header is too long");
	} else if (span_is(name, "Authorization")) {
		if (out->authorization[0] != 0)
			return refuse(status, why, 400, "two Authorization headers");
		if (!copy_value(out->authorization, sizeof(out->authorization), v))
			return refuse(status, why, 431, "the Authorization header is too long");
	} else if (span_is(name, "User-Agent")) {
		if (!copy_value(out->user_agent, sizeof(out->user_agent), v))
			return refuse(status, why, 431, "the User-Agent header is too long");
	} else if (span_is(name, "X-CSTP-Version")) {
		if (!parse_uint(v, 5, &x))
			return refuse(status, why, 400, "X-CSTP-Version is not a number");
		out->cstp_version = (unsigned)x;
	} else if (span_is(name, "X-CSTP-Hostname")) {
		if (!copy_value(out->cstp_hostname, sizeof(out->cstp_hostname), v))
			return refuse(status, why, 431, "X-CSTP-Hostname is too long");
	} else if (span_is(name, "X-CSTP-MTU")) {
		return parse_mtu(v, &out->cstp_mtu, status, why);
	} else if (span_is(name, "X-CSTP-Base-MTU")) {
		return parse_mtu(v, &out->cstp_base_mtu, status, why);
	} else if (span_is(name, "X-CSTP-Address-Type")) {
		return parse_address_type(v, out, status, why);
	} else if (span_is(name, "X-CSTP-Address")) {
		bool v6 = memchr(v.p, ':', v.n) != NULL;

		if (!copy_value(out->cstp_address[v6], sizeof(out->cstp_address[v6]), v))
			return refuse(status, why, 431, "X-CSTP-Address is too long");
	} else if (span_is(name, "X-CSTP-Full-IPv6-Capability")) {
		out->full_ipv6 = span_is(v, "true");
	}
	return OC_HTTP_OK;
}

/* A header line: NAME ":" OWS VALUE OWS, no control byte but HTAB. */
static enum oc_http_result header_line(struct span line, struct oc_request *out,
				       struct head_state *hs, unsigned *status, const char **why)
{
	const uint8_t *colon;
	struct span name, value;

	if (line.p[0] == ' ' || line.p[0] == '\t')
		return refuse(status, why, 400, "a folded header line (obs-fold)");
	for (size_t i = 0; i < line.n; i++)
		if ((line.p[i] < 0x20 && line.p[i] != '\t') || line.p[i] == 0x7f)
			return refuse(status, why, 400, "a control byte in a header");
	colon = memchr(line.p, ':', line.n);
	if (colon == NULL || colon == line.p)
		return refuse(status, why, 400, "a header line without a name");
	name.p = line.p;
	name.n = (size_t)(colon - line.p);
	for (size_t i = 0; i < name.n; i++)
		if (!is_tchar(name.p[i]))
			return refuse(status, why, 400, "a header name is not a token");
	value.p = colon + 1;
	value.n = line.n - name.n - 1;
	return header(name, span_trim(value), out, hs, status, why);
}

static enum oc_http_result method(struct span m, struct oc_request *out, unsigned *status,
				  const char **why)
{
	static const char *const not_served[] = {"HEAD", "PUT", "DELETE", "OPTIONS",
						 "TRACE", "PATCH"};

	for (size_t i = 0; i < m.n; i++)
		if (!is_tchar(m.p[i]))
			return refuse(status, why, 400, "the method is not a token");
	if (m.n == 3 && memcmp(m.p, "GET", 3) == 0)
		out->method = OC_METHOD_GET;
	else if (m.n == 4 && memcmp(m.p, "POST", 4) == 0)
		out->method = OC_METHOD_POST;
	else if (m.n == 7 && memcmp(m.p, "CONNECT", 7) == 0)
		out->method = OC_METHOD_CONNECT;
	else {
		for (size_t i = 0; i < sizeof(not_served) / sizeof(not_served[0]); i++)
			if (m.n == strlen(not_served[i]) && memcmp(m.p, not_served[i], m.n) == 0)
				return refuse(status, why, 405, "the method is not allowed");
		return refuse(status, why, 501, "the method is unknown");
	}
	return OC_HTTP_OK;
}

/* METHOD SP TARGET SP HTTP/1.x */
static enum oc_http_result request_line(struct span line, struct oc_request *out,
					unsigned *status, const char **why)
{
	const uint8_t *sp1 = memchr(line.p, ' ', line.n), *sp2;
	struct span m, target, version;
	enum oc_http_result r;

	if (sp1 == NULL || sp1 == line.p)
		return refuse(status, why, 400, "the request line has no target");
	m.p = line.p;
	m.n = (size_t)(sp1 - line.p);
	target.p = sp1 + 1;
	sp2 = memchr(target.p, ' ', line.n - m.n - 1);
	if (sp2 == NULL)
		return refuse(status, why, 400, "the request line has no version");
	target.n = (size_t)(sp2 - target.p);
	version.p = sp2 + 1;
	version.n = line.n - m.n - target.n - 2;
	if (version.n != 8 || memcmp(version.p, "HTTP/", 5) != 0 || version.p[6] != '.' ||
	    version.p[5] < '0' || version.p[5] > '9' || version.p[7] < '0' || version.p[7] > '9')
		return refuse(status, why, 400, "not an HTTP version");
	if (version.p[5] != '1' || (version.p[7] != '0' && version.p[7] != '1'))
		return refuse(status, why, 505, "only HTTP/1.0 and HTTP/1.1 are served");
	out->http_minor = (unsigned)(version.p[7] - '0');
	r = method(m, out, status, why);
	if (r != OC_HTTP_OK)
		return r;
	if (target.n == 0 || target.p[0] != '/')
		return refuse(status, why, 400, "the target is not an absolute path");
	for (size_t i = 0; i < target.n; i++)
		if (target.p[i] <= 0x20 || target.p[i] >= 0x7f)
			return refuse(status, why, 400, "the target holds a byte that is not printable");
	if (!copy_value(out->path, sizeof(out->path), target))
		return refuse(status, why, 414, "the target is too long");
	return OC_HTTP_OK;
}

/* The request line and header lines of p[0..end), end after the blank line. */
static enum oc_http_result parse_head(const uint8_t *p, size_t end, struct oc_request *out,
				      struct head_state *hs, unsigned *status, const char **why)
{
	unsigned lines = 0;
	enum oc_http_result r;

	for (size_t off = 0; off < end;) {
		const uint8_t *nl = memchr(p + off, '\n', end - off);
		struct span line = {p + off, (size_t)(nl - (p + off))};

		off = (size_t)(nl - p) + 1;
		if (line.n > 0 && line.p[line.n - 1] == '\r')
			line.n--;
		if (line.n == 0)
			break;
		if (lines == 0)
			r = request_line(line, out, status, why);
		else if (lines > OC_HTTP_MAX_HEADERS)
			return refuse(status, why, 431, "too many header lines");
		else
			r = header_line(line, out, hs, status, why);
		if (r != OC_HTTP_OK)
			return r;
		lines++;
	}
	if (lines == 0)
		return refuse(status, why, 400, "the request line is empty");
	return OC_HTTP_OK;
}

enum oc_http_result oc_http_parse(const uint8_t *p, size_t n, struct oc_request *out,
				  size_t *consumed, unsigned *status, const char **why)
{
	struct head_state hs = {0};
	enum oc_http_result r;
	size_t end;

	memset(out, 0, sizeof(*out));
	out->want_ipv4 = out->want_ipv6 = true;
	*consumed = 0;
	*status = 0;
	*why = NULL;
	end = http_get_head_end(p, n > OC_HTTP_MAX_HEAD ? OC_HTTP_MAX_HEAD : n);
	if (end == 0)
		return n >= OC_HTTP_MAX_HEAD ? refuse(status, why, 431, "the request head is too large")
					     : OC_HTTP_NEED_MORE;
	/* A NUL or a lone CR would end a line for one reader and not another. */
	for (size_t i = 0; i < end; i++)
		if (p[i] == 0 || (p[i] == '\r' && (i + 1 >= end || p[i + 1] != '\n')))
			return refuse(status, why, 400, "a NUL or a lone CR in the head");
	r = parse_head(p, end, out, &hs, status, why);
	if (r != OC_HTTP_OK)
		return r;
	if (out->http_minor == 1 && !hs.has_host)
		return refuse(status, why, 400, "an HTTP/1.1 request without Host");
	if (out->http_minor == 0 && !hs.keep_alive)
		out->close = true;
	if (out->method == OC_METHOD_POST && !hs.has_length)
		return refuse(status, why, 411, "a POST without Content-Length");
	if (out->method == OC_METHOD_CONNECT && hs.length > 0)
		return refuse(status, why, 400, "a CONNECT with a body");
	if (n - end < hs.length)
		return OC_HTTP_NEED_MORE;
	if (hs.length > 0) {
		out->body = p + end;
		out->body_len = hs.length;
	}
	*consumed = end + hs.length;
	return OC_HTTP_OK;
}

const char *oc_method_name(enum oc_method m)
{
	switch (m) {
	case OC_METHOD_GET:
		return "GET";
	case OC_METHOD_POST:
		return "POST";
	case OC_METHOD_CONNECT:
		return "CONNECT";
	}
	return "unknown";
}
