/*
 * est_token.h - one-time enrollment tokens (RFC 7030 section 3.2.3 HTTP
 * Basic authentication of a first enrollment): the token text, and the
 * store of tokens the CA handed out, kept only as SHA-256 hashes. Pure: no
 * I/O and no logging; est_token_file.h reads and writes the store.
 *
 * The token is 128 random bits written as 26 Crockford base32 digits (the
 * first is 0-7: its top two bits are zero) and one Luhn mod 32 check digit, shown in three
 * groups of nine: "7ZK3M-..." without I, L, O or U, so it can be read over
 * the phone and typed; decoding ignores case, '-' and spaces and reads O as
 * 0 and I, L as 1. The check digit catches every single mistyped character
 * and most swaps of neighbours before a gateway is asked. 128 uniformly
 * random bits cannot be searched, so one unsalted SHA-256 is enough to keep
 * a stolen store from revealing usable tokens: a slow password hash guards
 * low-entropy secrets, which these are not.
 */
#ifndef MTLSVPN_EST_TOKEN_H
#define MTLSVPN_EST_TOKEN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define EST_TOKEN_RAW 16			  /* random bytes of a token */
#define EST_TOKEN_DIGITS 27			  /* 26 data digits + 1 check digit */
#define EST_TOKEN_TEXT (EST_TOKEN_DIGITS + 2 + 1) /* two dashes, the NUL */
#define EST_TOKEN_HASH 32
#define EST_TOKEN_ID 13 /* 12 hex digits of the hash and a NUL */
#define EST_TOKEN_IDENTITY_MAX 256
#define EST_TOKEN_GROUP_MAX 64

struct est_token_rec {
	uint8_t hash[EST_TOKEN_HASH]; /* SHA-256 of the 16 raw bytes */
	char identity[EST_TOKEN_IDENTITY_MAX];
	char group[EST_TOKEN_GROUP_MAX]; /* "" if none */
	int64_t created, expires;	 /* unix time; valid while now < expires */
	int64_t used;			 /* 0 if never used, else when */
};

struct est_token_store {
	struct est_token_rec *recs;
	size_t n, cap;
};

/* Why a token was refused; EST_TOKEN_OK means accepted and now used. */
enum est_token_verdict {
	EST_TOKEN_OK = 0,
	EST_TOKEN_MALFORMED,	  /* not 27 digits, or the check digit is wrong */
	EST_TOKEN_UNKNOWN,	  /* no such token (never issued, or revoked) */
	EST_TOKEN_WRONG_IDENTITY, /* issued to somebody else */
	EST_TOKEN_EXPIRED,
	EST_TOKEN_USED, /* it worked once already */
};
const char *est_token_verdict_str(enum est_token_verdict v);

/* raw -> "XXXXXXXXX-XXXXXXXXX-XXXXXXXXX". */
void est_token_encode(const uint8_t raw[static EST_TOKEN_RAW], char out[static EST_TOKEN_TEXT]);
/* Text as a person typed it -> raw; false if it is not a token (length,
 * a character outside the alphabet, a wrong check digit, extra bits). */
bool est_token_decode(const char *text, uint8_t raw[static EST_TOKEN_RAW]);

/* The id "ca tokens" shows and "ca token --revoke" takes: the hash's
 * first 12 hex digits (nothing about the token can be learnt from it). */
void est_token_id(const struct est_token_rec *r, char out[static EST_TOKEN_ID]);

/* An identity or group a token may carry: not empty (identity), shorter
 * than the limits, no control bytes (the state file is TAB-separated), a
 * group not "-". false with err saying what would be right. */
bool est_token_name_ok(const char *s, bool group, char *err, size_t errlen);

/* Adds a token for raw bound to identity and group (NULL or "": none),
 * valid from now for ttl seconds. -1 with err on bad names or memory. */
int est_token_add(struct est_token_store *st, const uint8_t raw[static EST_TOKEN_RAW],
		  const char *identity, const char *group, int64_t now, int64_t ttl, char *err,
		  size_t errlen);

/* The check a gateway makes before it issues anything: text is what the
 * client sent as its HTTP Basic password, identity its user name. Every
 * stored hash is compared in constant time (no early exit), so the time
 * taken says nothing about which bytes matched. On EST_TOKEN_OK the record
 * is marked used at now (the caller saves the store before signing) and
 * *out (if not NULL) receives a copy. */
enum est_token_verdict est_token_redeem(struct est_token_store *st, const char *text,
					const char *identity, int64_t now,
					struct est_token_rec *out);

/* Appends a copy of r (the state file's reader); -1 when out of memory. */
int est_token_store_append(struct est_token_store *st, const struct est_token_rec *r);

/* Removes the token with that id; false if none has it. */
bool est_token_revoke(struct est_token_store *st, const char *id);
/* Drops tokens that expired before cutoff (used or not); returns how many. */
size_t est_token_prune(struct est_token_store *st, int64_t cutoff);

void est_token_store_free(struct est_token_store *st);

#endif
