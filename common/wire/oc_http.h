/*
 * oc_http.h - one HTTP/1.x request from an OpenConnect (AnyConnect) client
 * on the gateway's TLS listener: the XML auth POST and the CSTP CONNECT.
 * Bounded and sans-I/O: bytes in, a filled struct or an HTTP status out;
 * never logs, never allocates. The headers that matter to the tunnel are
 * kept; any other well-formed header is checked for shape and skipped.
 */
#ifndef MTLSVPN_OC_HTTP_H
#define MTLSVPN_OC_HTTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define OC_HTTP_MAX_HEAD 8192   /* request line + headers + blank line */
#define OC_HTTP_MAX_BODY 16384
#define OC_HTTP_MAX_HEADERS 64  /* header lines, the request line not counted */

enum oc_method { OC_METHOD_GET, OC_METHOD_POST, OC_METHOD_CONNECT };

struct oc_request {
	enum oc_method method;
	char path[256];              /* the whole target as sent, query included */
	char host[256];
	char user_agent[256];
	char cookie[256];            /* the value of the webvpn cookie; "" if none */
	bool has_cookie;             /* a webvpn cookie was sent, maybe empty */
	unsigned http_minor;         /* 0 or 1 */
	unsigned cstp_version;       /* X-CSTP-Version, 0 if absent */
	char cstp_hostname[256];
	unsigned cstp_mtu, cstp_base_mtu;   /* 0 if absent */
	char cstp_address[2][64];    /* X-CSTP-Address on reconnect (v4, v6 as
					sent), "" if absent; unchecked text */
	bool want_ipv4, want_ipv6;   /* X-CSTP-Address-Type; both true if absent */
	bool full_ipv6;              /* X-CSTP-Full-IPv6-Capability: true */
	bool close;                  /* Connection: close, or HTTP/1.0 without keep-alive */
	char content_type[128];      /* as sent, "" if absent (EST: application/pkcs10) */
	char authorization[512];     /* as sent, "" if absent (EST: Basic credentials) */
	const uint8_t *body;         /* into the caller's bytes; NULL if none */
	size_t body_len;
};

enum oc_http_result { OC_HTTP_OK, OC_HTTP_NEED_MORE, OC_HTTP_ERROR };

/* Parse one request from p[0..n). OK: *consumed = head + body bytes (a
 * pipelined request after it is left alone). NEED_MORE: the head has no
 * end yet and is shorter than OC_HTTP_MAX_HEAD, or the body is incomplete.
 * ERROR: *status is the HTTP status to answer (400; 405 a method we do not
 * serve, 501 one we do not know or a Transfer-Encoding; 411 a POST without
 * Content-Length; 413 a body over OC_HTTP_MAX_BODY; 414 a target over 255
 * bytes; 431 a head over OC_HTTP_MAX_HEAD, more than OC_HTTP_MAX_HEADERS
 * lines or a kept value too long; 505 not HTTP/1.0 or 1.1) and *why a
 * static string. The connection is unusable after an ERROR. */
enum oc_http_result oc_http_parse(const uint8_t *p, size_t n, struct oc_request *out,
				  size_t *consumed, unsigned *status, const char **why);

const char *oc_method_name(enum oc_method m);

#endif
