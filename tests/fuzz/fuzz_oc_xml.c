/*
 * fuzz_oc_xml.c - arbitrary bytes as the XML body of an OpenConnect auth
 * POST: the scanner never reads past the input, every kept field is
 * NUL-terminated within its size, and a refusal carries a reason and
 * leaves the fields empty.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "oc_xml.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* A copy of exactly size bytes, so ASan sees any read past it. */
	uint8_t *p = malloc(size > 0 ? size : 1);
	struct oc_auth_req r;
	const char *why = NULL;

	if (p == NULL)
		return 0;
	memcpy(p, data, size);
	if (oc_xml_auth_parse(p, size, &r, &why) == 0) {
		if (strnlen(r.version, sizeof(r.version)) == sizeof(r.version) ||
		    strnlen(r.device_id, sizeof(r.device_id)) == sizeof(r.device_id) ||
		    strnlen(r.group_access, sizeof(r.group_access)) == sizeof(r.group_access) ||
		    strnlen(r.group_select, sizeof(r.group_select)) == sizeof(r.group_select) ||
		    r.type > OC_AUTH_OTHER)
			abort();
	} else if (why == NULL || r.version[0] != 0 || r.group_access[0] != 0) {
		abort();
	}
	free(p);
	return 0;
}
