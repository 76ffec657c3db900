/*
 * fuzz_pkcs7_certs.c - arbitrary bytes as a PKCS#7 certs-only reply (what
 * an EST client will read): the reader never reads past the input, every
 * certificate it returns lies inside it, and what it accepts is rebuilt
 * by the writer into the same bytes when it is in the writer's own shape.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "pkcs7_certs.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t *p = malloc(size > 0 ? size : 1);
	struct pkcs7_certs_item certs[PKCS7_CERTS_MAX];
	const char *why;
	size_t n;

	if (p == NULL)
		return 0;
	memcpy(p, data, size);
	if (pkcs7_certs_parse(p, size, certs, PKCS7_CERTS_MAX, &n, &why)) {
		size_t len;
		uint8_t *again;

		if (n == 0 || n > PKCS7_CERTS_MAX || why != NULL)
			abort();
		for (size_t i = 0; i < n; i++)
			if (certs[i].der < p || certs[i].len == 0 ||
			    certs[i].der + certs[i].len > p + size)
				abort();
		again = pkcs7_certs_build(certs, n, &len);
		if (again == NULL)
			abort();
		/* a parse of what we wrote gives the same certificates */
		{
			struct pkcs7_certs_item back[PKCS7_CERTS_MAX];
			size_t m;

			if (!pkcs7_certs_parse(again, len, back, PKCS7_CERTS_MAX, &m, &why) ||
			    m != n)
				abort();
			for (size_t i = 0; i < n; i++)
				if (back[i].len != certs[i].len ||
				    memcmp(back[i].der, certs[i].der, certs[i].len) != 0)
					abort();
		}
		free(again);
	} else if (why == NULL) {
		abort();
	}
	free(p);
	return 0;
}
