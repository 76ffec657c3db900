/*
 * fuzz_sign_msg.c - arbitrary bytes as a message to or from the signer
 * process: the decoders never read past the input; what they accept has
 * its fields within bounds, NUL-terminated and free of control bytes, and
 * encodes back to exactly the same bytes (one spelling per message).
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sign_msg.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void text_sound(const char *s, size_t cap)
{
	size_t n = strnlen(s, cap);

	if (n == cap)
		abort();
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* A copy of exactly size bytes, so ASan sees any read past it. */
	uint8_t *p = malloc(size > 0 ? size : 1);
	static uint8_t again[SIGN_MSG_MAX];
	struct sign_req r;
	struct sign_answer a;
	const char *why = NULL;
	size_t n;

	if (p == NULL)
		return 0;
	memcpy(p, data, size);
	if (sign_msg_req_decode(p, size, &r, &why)) {
		text_sound(r.identity, sizeof(r.identity));
		text_sound(r.token, sizeof(r.token));
		if (r.csr_len > SIGN_MSG_DER || r.cur_len > SIGN_MSG_DER)
			abort();
		n = sign_msg_req_encode(&r, again, sizeof(again));
		if (n != size || memcmp(again, p, size) != 0)
			abort();
	} else if (why == NULL) {
		abort();
	}
	why = NULL;
	if (sign_msg_answer_decode(p, size, &a, &why)) {
		text_sound(a.identity, sizeof(a.identity));
		text_sound(a.group, sizeof(a.group));
		text_sound(a.serial, sizeof(a.serial));
		text_sound(a.old_serial, sizeof(a.old_serial));
		text_sound(a.why, sizeof(a.why));
		if (a.status > SIGN_FAILED || a.cert_len > SIGN_MSG_DER)
			abort();
		n = sign_msg_answer_encode(&a, again, sizeof(again));
		if (n != size || memcmp(again, p, size) != 0)
			abort();
	} else if (why == NULL) {
		abort();
	}
	free(p);
	return 0;
}
