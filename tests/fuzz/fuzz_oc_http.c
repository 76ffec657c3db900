/*
 * fuzz_oc_http.c - arbitrary bytes as an OpenConnect client's request: the
 * parser never reads past the input, a parsed request lies within it and
 * the limits, its strings are NUL-terminated, its body is inside the bytes
 * given, and a refusal always carries a status and a reason.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "oc_http.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* A copy of exactly size bytes, so ASan sees any read past it. */
	uint8_t *p = malloc(size > 0 ? size : 1);
	struct oc_request r;
	const char *why;
	unsigned status;
	size_t used;

	if (p == NULL)
		return 0;
	memcpy(p, data, size);
	switch (oc_http_parse(p, size, &r, &used, &status, &why)) {
	case OC_HTTP_OK:
		if (used == 0 || used > size || used > OC_HTTP_MAX_HEAD + OC_HTTP_MAX_BODY ||
		    r.path[0] != '/' || strlen(r.path) >= sizeof(r.path) ||
		    strlen(r.host) >= sizeof(r.host) || strlen(r.cookie) >= sizeof(r.cookie) ||
		    strlen(r.cstp_hostname) >= sizeof(r.cstp_hostname) || r.cstp_mtu > 65535 ||
		    r.http_minor > 1 || (!r.want_ipv4 && !r.want_ipv6))
			abort();
		if ((r.body == NULL) != (r.body_len == 0) ||
		    (r.body != NULL && (r.body < p || r.body + r.body_len != p + used)))
			abort();
		break;
	case OC_HTTP_ERROR:
		if (why == NULL || status < 400 || status > 505)
			abort();
		break;
	case OC_HTTP_NEED_MORE:
		if (size >= OC_HTTP_MAX_HEAD + OC_HTTP_MAX_BODY)
			abort();
		break;
	}
	free(p);
	return 0;
}
