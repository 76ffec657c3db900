/*
 * est_token_file.h - the enrollment tokens' state file, DIR/tokens in the
 * CA directory, and the one locked read-check-write a gateway makes.
 *
 * Text, rewritten whole and atomically (atomic_file_write, 0600) under the
 * CA directory's lock DIR/.lock (flock, the lock every "mtlsvpnctl ca"
 * command takes), so a command and a gateway racing never lose an entry
 * and a token is marked used on disk before any certificate is signed.
 * First line "mtlsvpn-ca-tokens 1", '#' comment lines, then one token a
 * line, six TAB-separated fields:
 *   hash      SHA-256 of the token's 16 random bytes, 64 lowercase hex
 *   identity  the CN the token enrolls (no control bytes)
 *   group     the OU, or "-"
 *   created   YYYYMMDDHHMMSSZ (UTC)
 *   expires   YYYYMMDDHHMMSSZ
 *   used      YYYYMMDDHHMMSSZ, or "-" while unused
 * Comments are not kept: the file is regenerated with its header.
 */
#ifndef MTLSVPN_EST_TOKEN_FILE_H
#define MTLSVPN_EST_TOKEN_FILE_H

#include <stddef.h>
#include <stdint.h>

#include "est_token.h"

#define EST_TOKEN_FILE_MAGIC "mtlsvpn-ca-tokens 1"
#define EST_TOKEN_FILE_NAME "tokens"
#define EST_TOKEN_FILE_MAX (4 * 1024 * 1024)

/* Parses the whole text; name appears in errors as "NAME:LINE: ...". */
int est_token_file_parse(const char *text, size_t len, const char *name, struct est_token_store *st,
			 char *err, size_t errlen);
/* Heap, NUL-terminated; est_token_file_parse reads it back equal. */
char *est_token_file_format(const struct est_token_store *st, size_t *len);

/* A missing file is an empty store. -1 with err naming file and line. */
int est_token_file_load(const char *path, struct est_token_store *st, char *err, size_t errlen);
/* Replaces path atomically (0600). The caller holds the lock. */
int est_token_file_save(const char *path, const struct est_token_store *st, char *err,
			size_t errlen);

/* What a gateway calls: takes DIR/.lock, loads DIR/tokens, redeems
 * (est_token_redeem), saves when the token was accepted, releases the
 * lock. 0 with *verdict set (and *out on EST_TOKEN_OK), or -1 with err on
 * an I/O or format failure: then *verdict means nothing and the caller
 * must refuse (a token accepted but not saved could work twice). */
int est_token_file_redeem(const char *dir, const char *text, const char *identity, int64_t now,
			  enum est_token_verdict *verdict, struct est_token_rec *out, char *err,
			  size_t errlen);

#endif
