/*
 * base64.h - RFC 4648 base64 for bodies that travel as text (EST's
 * PKCS#10 requests and PKCS#7 replies, RFC 7030 section 4). Pure: no
 * allocation, no logging; the caller sizes the output.
 */
#ifndef MTLSVPN_BASE64_H
#define MTLSVPN_BASE64_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Bytes base64_encode writes for len bytes, with a CRLF after every
 * line_width characters (0: one line) and after the last, NUL excluded. */
size_t base64_encoded_len(size_t len, size_t line_width);
/* Encodes into out (base64_encoded_len + 1 bytes, NUL-terminated);
 * line_width must be a multiple of 4 (0: no line breaks, no final CRLF).
 * Returns the characters written. */
size_t base64_encode(const uint8_t *in, size_t len, size_t line_width, char *out);

/* The most bytes base64_decode can produce from len characters. */
static inline size_t base64_decoded_max(size_t len)
{
	return len / 4 * 3 + 3;
}
/* Decodes text, skipping CR, LF, space and TAB anywhere; '=' padding only
 * at the end and only as much as the last group needs, and unused bits
 * of the last character zero (the canonical form). false on anything
 * else, or if the result would not fit cap. */
bool base64_decode(const char *in, size_t len, uint8_t *out, size_t cap, size_t *out_len);

#endif
