/*
 * fuzz_http_resp.c - arbitrary bytes as the gateway's answer to the EST
 * client: the parser never reads past the input, a body lies within it and
 * its bound, the status is a final one, and a refusal always says why. The
 * first byte chooses whether the connection has closed.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "http_resp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct http_resp r;
	const char *why;
	uint8_t *p;
	bool eof;

	if (size == 0)
		return 0;
	eof = data[0] & 1;
	/* A copy of exactly the rest, so ASan sees any read past it. */
	p = malloc(size - 1 > 0 ? size - 1 : 1);
	if (p == NULL)
		return 0;
	memcpy(p, data + 1, size - 1);
	switch (http_resp_parse(p, size - 1, eof, &r, &why)) {
	case HTTP_RESP_OK:
		if (r.status < 200 || r.status > 599 || r.head_len == 0 ||
		    r.head_len > HTTP_RESP_MAX_HEAD || r.body != p + r.head_len ||
		    r.head_len + r.body_len > size - 1 || r.body_len > HTTP_RESP_MAX_BODY ||
		    strlen(r.content_type) >= sizeof(r.content_type))
			abort();
		break;
	case HTTP_RESP_BAD:
		if (why == NULL)
			abort();
		break;
	case HTTP_RESP_NEED_MORE:
		if (eof || size - 1 >= HTTP_RESP_MAX_HEAD + HTTP_RESP_MAX_BODY)
			abort();
		break;
	}
	free(p);
	return 0;
}
