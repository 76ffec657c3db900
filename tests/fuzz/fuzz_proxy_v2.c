/*
 * fuzz_proxy_v2.c - arbitrary bytes as the first bytes of a connection from
 * a load balancer: the parser never reads past the input, a whole header
 * lies within it and the bound, a PROXY header carries an IPv4 or IPv6
 * source, and a refusal always says why.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "proxy_v2.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* A copy of exactly size bytes, so ASan sees any read past it. */
	uint8_t *p = malloc(size > 0 ? size : 1);
	struct proxy_v2_hdr h;
	const char *why = NULL;

	if (p == NULL)
		return 0;
	memcpy(p, data, size);
	switch (proxy_v2_parse(p, size, &h, &why)) {
	case PROXY_V2_OK:
		if (h.len < PROXY_V2_FIXED || h.len > size || h.len > PROXY_V2_MAX)
			abort();
		if (h.command == PROXY_V2_PROXY && h.src.ss_family != AF_INET &&
		    h.src.ss_family != AF_INET6)
			abort();
		break;
	case PROXY_V2_BAD:
		if (why == NULL)
			abort();
		break;
	case PROXY_V2_NEED_MORE:
		if (size >= PROXY_V2_MAX)
			abort();
		break;
	}
	free(p);
	return 0;
}
