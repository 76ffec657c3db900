/*
 * ocsp_http.c - the HTTP/1.0 framing of OCSP: URL, POST, response. The
 * response parser looks only at the status line, Content-Type and
 * Content-Length; the body is bounded by OCSP_RESPONSE_MAX and by what was
 * received, and the headers by OCSP_HTTP_HEADER_MAX.
 */
#include "ocsp_http.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define OCSP_HTTP_HEADER_MAX 8192

bool ocsp_http_url_parse(const char *url, struct ocsp_url *out, const char **why)
{
	const char *p, *host, *host_end, *path;
	uint8_t tmp[16];
	size_t hl;
	unsigned long port = 80;

	memset(out, 0, sizeof(*out));
	if (strncasecmp(url, "http://", 7) != 0) {
		*why = "the URL must start with http:// (OCSP runs over plain HTTP)";
		return false;
	}
	p = url + 7;
	if (*p == '[') {
		host = p + 1;
		host_end = strchr(host, ']');
		if (host_end == NULL) {
			*why = "an IPv6 address in the URL lacks its closing ']'";
			return false;
		}
		p = host_end + 1;
	} else {
		host = p;
		host_end = host + strcspn(host, ":/?#");
		p = host_end;
	}
	hl = (size_t)(host_end - host);
	if (hl == 0 || hl >= sizeof(out->host)) {
		*why = "the URL has no host, or a host that is too long";
		return false;
	}
	memcpy(out->host, host, hl);
	if (*p == ':') {
		char *end;

		port = strtoul(p + 1, &end, 10);
		if (end == p + 1 || port == 0 || port > 65535 || (*end != '\0' && *end != '/')) {
			*why = "the port must be a number from 1 to 65535";
			return false;
		}
		p = end;
	}
	if (*p != '\0' && *p != '/') {
		*why = "the URL holds a query or fragment; use http://HOST[:PORT]/PATH";
		return false;
	}
	path = *p == '/' ? p : "/";
	if (strlen(path) >= sizeof(out->path) || strpbrk(path, " \r\n\t?#") != NULL) {
		*why = "the path is too long or holds spaces, '?' or '#'";
		return false;
	}
	snprintf(out->path, sizeof(out->path), "%s", path);
	out->port = (uint16_t)port;
	out->numeric =
	    inet_pton(AF_INET, out->host, tmp) == 1 || inet_pton(AF_INET6, out->host, tmp) == 1;
	if (!out->numeric && strchr(out->host, ':') != NULL) {
		*why = "the host is neither an address nor a name";
		return false;
	}
	return true;
}

size_t ocsp_http_request(const struct ocsp_url *u, const uint8_t *body, size_t body_len,
			 uint8_t *out, size_t cap)
{
	bool v6 = strchr(u->host, ':') != NULL;
	int n;

	n = snprintf((char *)out, cap,
		     "POST %s HTTP/1.0\r\nHost: %s%s%s:%u\r\nContent-Type: "
		     "application/ocsp-request\r\nContent-Length: %zu\r\nConnection: close\r\n\r\n",
		     u->path, v6 ? "[" : "", u->host, v6 ? "]" : "", u->port, body_len);
	if (n < 0 || (size_t)n >= cap || body_len > cap - (size_t)n)
		return 0;
	memcpy(out + n, body, body_len);
	return (size_t)n + body_len;
}

/* The value of header name in [p, end), trimmed; NULL if absent. */
static const uint8_t *header(const uint8_t *p, const uint8_t *end, const char *name, size_t *vlen)
{
	size_t nl = strlen(name);

	while (p < end) {
		const uint8_t *eol = memchr(p, '\n', (size_t)(end - p));
		const uint8_t *line_end = eol != NULL ? eol : end;
		size_t ll = (size_t)(line_end - p);

		if (ll > nl && p[nl] == ':' && strncasecmp((const char *)p, name, nl) == 0) {
			const uint8_t *v = p + nl + 1, *ve = line_end;

			while (v < ve && (*v == ' ' || *v == '\t'))
				v++;
			while (ve > v && (ve[-1] == '\r' || ve[-1] == ' ' || ve[-1] == '\t'))
				ve--;
			*vlen = (size_t)(ve - v);
			return v;
		}
		p = line_end + 1;
	}
	return NULL;
}

enum ocsp_http_result ocsp_http_response(const uint8_t *in, size_t len, bool eof,
					 const uint8_t **body, size_t *body_len, const char **why)
{
	static const char ctype[] = "application/ocsp-response";
	const uint8_t *hend = NULL, *v, *first_eol;
	size_t vlen, have, want = 0;
	bool has_len = false;

	for (size_t i = 0; i + 3 < len && i < OCSP_HTTP_HEADER_MAX; i++)
		if (memcmp(in + i, "\r\n\r\n", 4) == 0) {
			hend = in + i + 2;
			break;
		}
	if (hend == NULL) {
		if (len >= OCSP_HTTP_HEADER_MAX) {
			*why = "the HTTP headers are too long";
			return OCSP_HTTP_MALFORMED;
		}
		*why = eof ? "the responder closed the connection before the HTTP headers ended"
			   : "incomplete headers";
		return eof ? OCSP_HTTP_MALFORMED : OCSP_HTTP_NEED_MORE;
	}
	/* "HTTP/1.x 200 ..." */
	if (len < 12 || memcmp(in, "HTTP/1.", 7) != 0 || in[8] != ' ') {
		*why = "the responder did not answer with HTTP";
		return OCSP_HTTP_MALFORMED;
	}
	if (memcmp(in + 9, "200", 3) != 0) {
		*why = "the responder answered with an HTTP status other than 200";
		return OCSP_HTTP_MALFORMED;
	}
	first_eol = memchr(in, '\n', (size_t)(hend - in));
	v = header(first_eol + 1, hend, "content-type", &vlen);
	if (v == NULL || vlen != sizeof(ctype) - 1 ||
	    strncasecmp((const char *)v, ctype, vlen) != 0) {
		*why = "the response's Content-Type is not application/ocsp-response";
		return OCSP_HTTP_MALFORMED;
	}
	v = header(first_eol + 1, hend, "content-length", &vlen);
	if (v != NULL) {
		if (vlen == 0 || vlen > 9) {
			*why = "Content-Length is not a number or too large";
			return OCSP_HTTP_MALFORMED;
		}
		for (size_t i = 0; i < vlen; i++) {
			if (v[i] < '0' || v[i] > '9') {
				*why = "Content-Length is not a number";
				return OCSP_HTTP_MALFORMED;
			}
			want = want * 10 + (size_t)(v[i] - '0');
		}
		has_len = true;
		if (want == 0 || want > OCSP_RESPONSE_MAX) {
			*why = "the response body is empty or over 64 KiB";
			return OCSP_HTTP_MALFORMED;
		}
	}
	hend += 2;
	have = len - (size_t)(hend - in);
	if (has_len ? have < want : !eof) {
		*why = eof ? "the responder closed the connection before the body ended"
			   : "incomplete body";
		return eof ? OCSP_HTTP_MALFORMED : OCSP_HTTP_NEED_MORE;
	}
	if (!has_len)
		want = have;
	if (want == 0 || want > OCSP_RESPONSE_MAX) {
		*why = "the response body is empty or over 64 KiB";
		return OCSP_HTTP_MALFORMED;
	}
	*body = hend;
	*body_len = want;
	return OCSP_HTTP_OK;
}
