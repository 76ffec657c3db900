/*
 * base64.c - RFC 4648 base64, standard alphabet with '=' padding. The
 * decoder accepts line breaks and blanks between characters (RFC 7030
 * bodies are often wrapped at 64 or 76) but nothing else: a stray byte,
 * padding in the middle or non-zero trailing bits is an error, so one
 * encoding has one meaning.
 */
#include "base64.h"

static const char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

size_t base64_encoded_len(size_t len, size_t line_width)
{
	size_t chars = (len + 2) / 3 * 4;

	if (line_width == 0 || chars == 0)
		return chars;
	return chars + 2 * ((chars + line_width - 1) / line_width);
}

size_t base64_encode(const uint8_t *in, size_t len, size_t line_width, char *out)
{
	size_t w = 0, col = 0;

	for (size_t i = 0; i < len; i += 3) {
		uint32_t v = (uint32_t)in[i] << 16;
		size_t n = len - i < 3 ? len - i : 3;

		if (n > 1)
			v |= (uint32_t)in[i + 1] << 8;
		if (n > 2)
			v |= in[i + 2];
		out[w++] = alphabet[v >> 18 & 63];
		out[w++] = alphabet[v >> 12 & 63];
		out[w++] = n > 1 ? alphabet[v >> 6 & 63] : '=';
		out[w++] = n > 2 ? alphabet[v & 63] : '=';
		col += 4;
		if (line_width != 0 && (col == line_width || i + 3 >= len)) {
			out[w++] = '\r';
			out[w++] = '\n';
			col = 0;
		}
	}
	out[w] = 0;
	return w;
}

static int value_of(char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

bool base64_decode(const char *in, size_t len, uint8_t *out, size_t cap, size_t *out_len)
{
	uint32_t acc = 0;
	size_t n = 0, w = 0, pad = 0;

	for (size_t i = 0; i < len; i++) {
		char c = in[i];
		int v;

		if (c == '\r' || c == '\n' || c == ' ' || c == '\t')
			continue;
		if (c == '=') {
			/* padding: only in the last two places of a group */
			if (n % 4 < 2 || ++pad > 2)
				return false;
			v = 0;
		} else {
			v = value_of(c);
			if (v < 0 || pad != 0)
				return false;
		}
		acc = acc << 6 | (uint32_t)v;
		n++;
		if (n % 4 == 0) {
			size_t keep = 3 - pad;
			/* '=' stands for zero bits: the bits it hides must be 0 */
			uint32_t hidden = pad == 0 ? 0 : acc & (pad == 1 ? 0xffu : 0xffffu);

			if (w + keep > cap || hidden != 0)
				return false;
			for (size_t k = 0; k < keep; k++)
				out[w++] = (uint8_t)(acc >> (16 - 8 * k));
			acc = 0;
		}
	}
	if (n % 4 != 0)
		return false;
	*out_len = w;
	return true;
}
