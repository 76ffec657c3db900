/*
 * http_resp.h - an HTTP/1.x response as a client reads it (the EST client,
 * client/enroll.c): the status line, the headers that matter, and a body
 * bounded by Content-Length or by the end of the connection. No I/O, never
 * logs; the body is a pointer into the caller's bytes. Chunked bodies and
 * interim (1xx) answers are refused: the gateway sends neither.
 */
#ifndef MTLSVPN_HTTP_RESP_H
#define MTLSVPN_HTTP_RESP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define HTTP_RESP_MAX_HEAD 8192
#define HTTP_RESP_MAX_BODY (64 * 1024)
#define HTTP_RESP_TYPE_MAX 128

enum http_resp_result {
	HTTP_RESP_OK,	     /* a whole response: *out is filled */
	HTTP_RESP_NEED_MORE, /* read more (or call again with eof once the peer closed) */
	HTTP_RESP_BAD,	     /* not a response we take: *why says why */
};

struct http_resp {
	unsigned status;		       /* 200-599 */
	char content_type[HTTP_RESP_TYPE_MAX]; /* as sent, "" if none */
	bool close;			       /* Connection: close, or HTTP/1.0 */
	size_t head_len;		       /* the head, its empty line included */
	const uint8_t *body;		       /* into the input */
	size_t body_len;
};

/* p[0..len) is everything read so far; eof: the peer has closed, so a body
 * without Content-Length ends here. */
enum http_resp_result http_resp_parse(const uint8_t *p, size_t len, bool eof, struct http_resp *out,
				      const char **why);

/* True if the media type of ct (parameters and case ignored) is type. */
bool http_resp_type_is(const char *ct, const char *type);

#endif
