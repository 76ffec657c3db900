/*
 * http_get.h - the request head of a plain HTTP/1.x GET, as a scraper sends
 * it to the gateway's metrics endpoint (server/metrics.c): the request line
 * and header lines up to the empty line, at most HTTP_GET_MAX_HEAD bytes.
 * No I/O, never logs. Only the method and the path (without a query) are
 * kept; header lines are checked for shape and otherwise ignored, and a
 * body is never read.
 */
#ifndef MTLSVPN_HTTP_GET_H
#define MTLSVPN_HTTP_GET_H

#include <stddef.h>
#include <stdint.h>

#define HTTP_GET_MAX_HEAD 4096
#define HTTP_GET_MAX_PATH 256

enum http_get_result {
	HTTP_GET_OK,        /* a whole head: *out is filled */
	HTTP_GET_NEED_MORE, /* no empty line yet, and room left for one */
	HTTP_GET_BAD,       /* *status (400, 405, 414, 431, 505) and *why say why */
};

struct http_get_req {
	char method[8];                  /* "GET" or "HEAD" */
	char path[HTTP_GET_MAX_PATH];    /* "/metrics"; the query is cut off */
	size_t head_len;                 /* bytes of the head, the empty line included */
};

/* The length of a request head, its empty line included, or 0 if that
 * line is not within p[0..len). Shared with oc_http.c. */
size_t http_get_head_end(const uint8_t *p, size_t len);

enum http_get_result http_get_parse(const uint8_t *p, size_t len, struct http_get_req *out,
				    int *status, const char **why);

#endif
