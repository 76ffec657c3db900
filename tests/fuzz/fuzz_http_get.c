/*
 * fuzz_http_get.c - arbitrary bytes as a request head to the metrics
 * endpoint: the parser never reads past the input, a whole head lies
 * within it and the limit, the path is a NUL-terminated absolute path, and
 * a refusal always carries a status and a reason.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "http_get.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* A copy of exactly size bytes, so ASan sees any read past it. */
	uint8_t *p = malloc(size > 0 ? size : 1);
	struct http_get_req r;
	const char *why;
	int status;

	if (p == NULL)
		return 0;
	memcpy(p, data, size);
	switch (http_get_parse(p, size, &r, &status, &why)) {
	case HTTP_GET_OK:
		if (r.head_len == 0 || r.head_len > size || r.head_len > HTTP_GET_MAX_HEAD ||
		    r.path[0] != '/' || strlen(r.path) >= sizeof(r.path))
			abort();
		break;
	case HTTP_GET_BAD:
		if (why == NULL || status < 400)
			abort();
		break;
	case HTTP_GET_NEED_MORE:
		if (size >= HTTP_GET_MAX_HEAD)
			abort();
		break;
	}
	free(p);
	return 0;
}
