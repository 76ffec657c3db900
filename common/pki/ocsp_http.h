/*
 * ocsp_http.h - OCSP over HTTP/1.0 (RFC 6960 appendix A), sans-I/O: the
 * responder URL (http:// only, host numeric or a name the caller resolves),
 * the POST that carries a request, and the response that carries the DER
 * back. Pure: no sockets, no logging; refusals come with a reason.
 */
#ifndef MTLSVPN_OCSP_HTTP_H
#define MTLSVPN_OCSP_HTTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ocsp.h"

struct ocsp_url {
	char host[OCSP_URL_MAX]; /* without brackets for IPv6 */
	uint16_t port;		 /* default 80 */
	char path[OCSP_URL_MAX]; /* "/" if none */
	bool numeric;		 /* host is an IPv4 or IPv6 literal */
};

/* "http://10.0.0.5:8888/ocsp". False with *why for anything else. */
bool ocsp_http_url_parse(const char *url, struct ocsp_url *out, const char **why);

/* The POST of body (an OCSPRequest) to u. Returns the length written, 0 if
 * cap is too small. */
size_t ocsp_http_request(const struct ocsp_url *u, const uint8_t *body, size_t body_len,
			 uint8_t *out, size_t cap);

enum ocsp_http_result {
	OCSP_HTTP_OK,	     /* *body spans the response's DER inside in */
	OCSP_HTTP_NEED_MORE, /* the headers or Content-Length bytes are not all there */
	OCSP_HTTP_MALFORMED, /* not HTTP, not 200, or not application/ocsp-response */
};

/* Parse what the responder sent so far; eof says the connection is closed
 * (an HTTP/1.0 body without Content-Length ends there). */
enum ocsp_http_result ocsp_http_response(const uint8_t *in, size_t len, bool eof,
					 const uint8_t **body, size_t *body_len, const char **why);

#endif
