/*
 * ca_index.h - the CA state file DIR/index: every certificate the CA ever
 * issued, one line each. Loaded whole and checked line by line before any
 * command acts on it; rewritten whole and atomically (callers hold the CA
 * directory's lock). Pure: no logging, errors go to a buffer.
 *
 * The format is text: a first line "mtlsvpn-ca-index 1" (the format
 * version; readers refuse other versions), '#' comment lines, then one line
 * per certificate, oldest first, nine TAB-separated fields:
 *   status      V valid, R revoked (expiry is computed, never stored)
 *   serial      lowercase hex, as in logs and CRLs
 *   kind        ca, server or client
 *   not_before  YYYYMMDDHHMMSSZ (UTC)
 *   not_after   YYYYMMDDHHMMSSZ (UTC)
 *   revoked     YYYYMMDDHHMMSSZ, or "-"
 *   reason      RFC 5280 CRL reason name (keyCompromise, ...), or "-"
 *   file        certificate path, relative to the CA directory if inside it
 *   identity    the subject CN, byte for byte
 * file and identity are percent-escaped ('%', TAB, CR, LF and other control
 * bytes become %XX), so a line is always one record. "revoke" rewrites a
 * line's status, revoked and reason fields; "list", "expiring" and "crl"
 * read the records; "issue" and "renew" append. Comment lines are kept in
 * place. Counters and outputs (crlnumber, crl.pem) live in their own files.
 */
#ifndef MTLSVPN_CA_INDEX_H
#define MTLSVPN_CA_INDEX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "certgen.h"

#define CA_INDEX_MAGIC "mtlsvpn-ca-index 1"
#define CA_INDEX_MAX (16 * 1024 * 1024)
#define CA_INDEX_SERIAL_MAX 41

struct ca_index_rec {
	char *raw;   /* non-NULL: a comment or blank line kept verbatim, nothing else set */
	char status; /* 'V' or 'R' */
	char serial[CA_INDEX_SERIAL_MAX];
	enum certgen_kind kind;
	int64_t not_before, not_after;
	int64_t revoked;       /* 0 if not revoked */
	char reason[32];       /* "-" if none */
	char *file, *identity; /* unescaped, heap */
};

struct ca_index {
	struct ca_index_rec *recs;
	size_t n, cap;
};

/* Parses a whole index text; name is used in messages ("DIR/index:12: ...").
 * -1 with err naming the line and what to do. */
int ca_index_parse(const char *text, size_t len, const char *name, struct ca_index *ix, char *err,
		   size_t errlen);
int ca_index_load(const char *path, struct ca_index *ix, char *err, size_t errlen);
/* The text (heap, NUL-terminated) that ca_index_parse reads back equal. */
char *ca_index_format(const struct ca_index *ix, size_t *len);
/* Atomically writes the index: a new file if create (never replacing one),
 * else replacing the old one; on any failure the old file is untouched. */
int ca_index_save(const char *path, const struct ca_index *ix, bool create, char *err,
		  size_t errlen);
void ca_index_free(struct ca_index *ix);

/* An empty index with the magic and the explanatory comments. */
int ca_index_init(struct ca_index *ix);
/* Appends a valid record for cert (file and identity copied). */
int ca_index_add(struct ca_index *ix, const struct certgen_cert *cert, enum certgen_kind kind,
		 const char *file, const char *identity);
struct ca_index_rec *ca_index_find_serial(const struct ca_index *ix, const char *serial);

/* Marks r revoked at when with reason (an RFC 5280 name); false if r was
 * already revoked (nothing changes). */
bool ca_index_revoke(struct ca_index_rec *r, int64_t when, const char *reason);
/* Valid: status V and now before notAfter. */
bool ca_index_is_valid(const struct ca_index_rec *r, int64_t now);
/* Valid now and notAfter at most days days ahead. */
bool ca_index_expiring(const struct ca_index_rec *r, int64_t now, unsigned days);

/* Takes the CA directory's lock, DIR/.lock (flock, exclusive; waits for
 * it): every writer of the directory holds it. The descriptor, whose
 * close releases it, or -1 with err. */
int ca_index_lock(const char *dir, char *err, size_t errlen);
/* "YYYYMMDDHHMMSSZ" <-> unix time. */
void ca_index_format_time(int64_t t, char out[static 16]);
bool ca_index_parse_time(const char *s, int64_t *out);

#endif
