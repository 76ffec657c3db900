/*
 * fuzz_p11uri.c - libFuzzer target for the PKCS#11 URI parser: any input
 * either fails or yields a key whose formatted URI parses back to the same
 * fields, and the formatted URI never holds the PIN value.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "p11uri.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char s[P11URI_MAX + 16], out[3 * P11URI_MAX + 64], err[256];
	struct p11uri u, v;

	if (size >= sizeof(s))
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	if (!p11uri_parse(s, &u, err, sizeof(err)))
		return 0;
	if (p11uri_format(&u, out, sizeof(out)) == 0)
		abort();
	if (!p11uri_parse(out, &v, err, sizeof(err)))
		abort();
	if (strcmp(u.token, v.token) != 0 || strcmp(u.object, v.object) != 0 ||
	    u.id_len != v.id_len || memcmp(u.id, v.id, u.id_len) != 0 || u.type != v.type ||
	    u.has_slot_id != v.has_slot_id || u.slot_id != v.slot_id ||
	    strcmp(u.pin_source, v.pin_source) != 0 || strcmp(u.module_path, v.module_path) != 0 ||
	    v.pin_value[0] != '\0')
		abort();
	return 0;
}
