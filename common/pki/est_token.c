/*
 * est_token.c - one-time enrollment tokens (see est_token.h): the typeable
 * text with its check digit, and the store's pure logic. Redeeming compares
 * the presented token's hash with every stored hash without stopping at a
 * match, so its time depends only on the size of the store.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <wolfssl/options.h>
#include <wolfssl/wolfcrypt/hash.h>
#include <wolfssl/wolfcrypt/sha256.h>

#include "errbuf.h"
#include "est_token.h"

static const char alphabet[] = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

const char *est_token_verdict_str(enum est_token_verdict v)
{
	switch (v) {
	case EST_TOKEN_OK:
		return "accepted";
	case EST_TOKEN_MALFORMED:
		return "not a token (length or check digit wrong)";
	case EST_TOKEN_UNKNOWN:
		return "unknown token";
	case EST_TOKEN_WRONG_IDENTITY:
		return "token issued to another identity";
	case EST_TOKEN_EXPIRED:
		return "token expired";
	case EST_TOKEN_USED:
		return "token already used";
	}
	return "?";
}

/* Crockford's reading: case ignored, O is 0, I and L are 1. -1 if none. */
static int digit_value(char c)
{
	const char *p;

	if (c >= 'a' && c <= 'z')
		c = (char)(c - 'a' + 'A');
	if (c == 'O')
		c = '0';
	else if (c == 'I' || c == 'L')
		c = '1';
	p = c != 0 ? strchr(alphabet, c) : NULL;
	return p != NULL ? (int)(p - alphabet) : -1;
}

/* Luhn mod 32 over digits[0..n): the digit that makes the sum come out 0. */
static unsigned luhn32_check(const unsigned *digits, size_t n)
{
	unsigned sum = 0, factor = 2;

	for (size_t i = n; i-- > 0;) {
		unsigned a = factor * digits[i];

		sum += a / 32 + a % 32;
		factor = factor == 2 ? 1 : 2;
	}
	return (32 - sum % 32) % 32;
}

/* Bit j of the 130-bit string: two zero bits, then raw MSB first. */
static unsigned bit_at(const uint8_t raw[static EST_TOKEN_RAW], size_t j)
{
	if (j < 2)
		return 0;
	j -= 2;
	return (unsigned)(raw[j / 8] >> (7 - j % 8)) & 1u;
}

void est_token_encode(const uint8_t raw[static EST_TOKEN_RAW], char out[static EST_TOKEN_TEXT])
{
	unsigned d[EST_TOKEN_DIGITS];
	size_t w = 0;

	for (size_t i = 0; i < EST_TOKEN_DIGITS - 1; i++) {
		d[i] = 0;
		for (size_t b = 0; b < 5; b++)
			d[i] = d[i] << 1 | bit_at(raw, 5 * i + b);
	}
	d[EST_TOKEN_DIGITS - 1] = luhn32_check(d, EST_TOKEN_DIGITS - 1);
	for (size_t i = 0; i < EST_TOKEN_DIGITS; i++) {
		if (i == 9 || i == 18)
			out[w++] = '-';
		out[w++] = alphabet[d[i]];
	}
	out[w] = 0;
}

bool est_token_decode(const char *text, uint8_t raw[static EST_TOKEN_RAW])
{
	unsigned d[EST_TOKEN_DIGITS];
	size_t n = 0;

	for (const char *p = text; *p != 0; p++) {
		int v;

		if (*p == '-' || *p == ' ')
			continue;
		v = digit_value(*p);
		if (v < 0 || n == EST_TOKEN_DIGITS)
			return false;
		d[n++] = (unsigned)v;
	}
	if (n != EST_TOKEN_DIGITS || d[0] > 7 ||
	    luhn32_check(d, EST_TOKEN_DIGITS - 1) != d[EST_TOKEN_DIGITS - 1])
		return false;
	memset(raw, 0, EST_TOKEN_RAW);
	for (size_t j = 2; j < 130; j++) {
		unsigned bit = d[j / 5] >> (4 - j % 5) & 1u;

		raw[(j - 2) / 8] |= (uint8_t)(bit << (7 - (j - 2) % 8));
	}
	return true;
}

void est_token_id(const struct est_token_rec *r, char out[static EST_TOKEN_ID])
{
	static const char hex[] = "0123456789abcdef";

	for (size_t i = 0; i < (EST_TOKEN_ID - 1) / 2; i++) {
		out[2 * i] = hex[r->hash[i] >> 4];
		out[2 * i + 1] = hex[r->hash[i] & 15];
	}
	out[EST_TOKEN_ID - 1] = 0;
}

bool est_token_name_ok(const char *s, bool group, char *err, size_t errlen)
{
	size_t max = group ? EST_TOKEN_GROUP_MAX : EST_TOKEN_IDENTITY_MAX;
	const char *what = group ? "group" : "identity";

	if (s[0] == 0 || (group && strcmp(s, "-") == 0)) {
		errbuf_set(err, errlen, "%s '%s': give a non-empty name (the certificate's %s)",
			   what, s, group ? "OU" : "CN");
		return false;
	}
	if (strlen(s) >= max) {
		errbuf_set(err, errlen, "%s: longer than %zu bytes", what, max - 1);
		return false;
	}
	for (const unsigned char *p = (const unsigned char *)s; *p != 0; p++) {
		if (*p < 0x20 || *p == 0x7f) {
			errbuf_set(err, errlen, "%s: control characters are not allowed", what);
			return false;
		}
	}
	return true;
}

static bool hash_raw(const uint8_t raw[static EST_TOKEN_RAW], uint8_t out[static EST_TOKEN_HASH])
{
	return wc_Sha256Hash(raw, EST_TOKEN_RAW, out) == 0;
}

int est_token_add(struct est_token_store *st, const uint8_t raw[static EST_TOKEN_RAW],
		  const char *identity, const char *group, int64_t now, int64_t ttl, char *err,
		  size_t errlen)
{
	struct est_token_rec r;

	if (group == NULL)
		group = "";
	if (!est_token_name_ok(identity, false, err, errlen) ||
	    (group[0] != 0 && !est_token_name_ok(group, true, err, errlen)))
		return -1;
	if (ttl <= 0) {
		errbuf_set(err, errlen, "the lifetime must be positive");
		return -1;
	}
	memset(&r, 0, sizeof(r));
	if (!hash_raw(raw, r.hash)) {
		errbuf_set(err, errlen, "SHA-256 failed");
		return -1;
	}
	snprintf(r.identity, sizeof(r.identity), "%s", identity);
	snprintf(r.group, sizeof(r.group), "%s", group);
	r.created = now;
	r.expires = now + ttl;
	if (est_token_store_append(st, &r) < 0) {
		errbuf_set(err, errlen, "out of memory");
		return -1;
	}
	return 0;
}

int est_token_store_append(struct est_token_store *st, const struct est_token_rec *r)
{
	if (st->n == st->cap) {
		size_t cap = st->cap != 0 ? 2 * st->cap : 16;
		struct est_token_rec *n = realloc(st->recs, cap * sizeof(*n));

		if (n == NULL)
			return -1;
		st->recs = n;
		st->cap = cap;
	}
	st->recs[st->n++] = *r;
	return 0;
}

/* 1 if equal, 0 if not, in time independent of where they differ. */
static unsigned hash_equal(const uint8_t *a, const uint8_t *b)
{
	volatile uint8_t diff = 0;

	for (size_t i = 0; i < EST_TOKEN_HASH; i++)
		diff |= (uint8_t)(a[i] ^ b[i]);
	return (unsigned)((diff - 1u) >> 8) & 1u;
}

enum est_token_verdict est_token_redeem(struct est_token_store *st, const char *text,
					const char *identity, int64_t now,
					struct est_token_rec *out)
{
	uint8_t raw[EST_TOKEN_RAW], h[EST_TOKEN_HASH];
	size_t found = st->n;
	struct est_token_rec *r;

	if (!est_token_decode(text, raw))
		return EST_TOKEN_MALFORMED;
	if (!hash_raw(raw, h)) {
		memset(raw, 0, sizeof(raw));
		return EST_TOKEN_UNKNOWN;
	}
	memset(raw, 0, sizeof(raw));
	/* No break: every record is compared. Hashes are unique (128 random
	 * bits), so at most one matches. */
	for (size_t i = 0; i < st->n; i++) {
		size_t m = (size_t)0 - (size_t)hash_equal(h, st->recs[i].hash);

		found = (found & ~m) | (i & m);
	}
	if (found == st->n)
		return EST_TOKEN_UNKNOWN;
	r = &st->recs[found];
	if (strcmp(r->identity, identity) != 0)
		return EST_TOKEN_WRONG_IDENTITY;
	if (r->used != 0)
		return EST_TOKEN_USED;
	if (now >= r->expires)
		return EST_TOKEN_EXPIRED;
	r->used = now > 0 ? now : 1;
	if (out != NULL)
		*out = *r;
	return EST_TOKEN_OK;
}

bool est_token_revoke(struct est_token_store *st, const char *id)
{
	char rid[EST_TOKEN_ID];

	for (size_t i = 0; i < st->n; i++) {
		est_token_id(&st->recs[i], rid);
		if (strcmp(rid, id) == 0) {
			memmove(&st->recs[i], &st->recs[i + 1],
				(st->n - i - 1) * sizeof(*st->recs));
			st->n--;
			return true;
		}
	}
	return false;
}

size_t est_token_prune(struct est_token_store *st, int64_t cutoff)
{
	size_t w = 0, dropped;

	for (size_t i = 0; i < st->n; i++) {
		if (st->recs[i].expires >= cutoff)
			st->recs[w++] = st->recs[i];
	}
	dropped = st->n - w;
	st->n = w;
	return dropped;
}

void est_token_store_free(struct est_token_store *st)
{
	free(st->recs);
	st->recs = NULL;
	st->n = st->cap = 0;
}
