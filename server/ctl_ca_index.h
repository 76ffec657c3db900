/*
 * ctl_ca_index.h - the CA state file DIR/index: every certificate the CA
 * ever issued, one line each. Loaded whole and checked line by line before
 * any command acts on it; rewritten whole and atomically (callers hold the
 * CA directory's lock).
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
 * read the records; "renew" appends a new line. Counters and outputs of
 * later commands (crlnumber, crl.pem, profiles/) live in their own files.
 */
#ifndef MTLSVPN_CTL_CA_INDEX_H
#define MTLSVPN_CTL_CA_INDEX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "certgen.h"
#include "ctl_cmd.h"

#define CTL_CA_INDEX_MAGIC "mtlsvpn-ca-index 1"

struct ctl_ca_index {
	char *text; /* the whole file, NUL-terminated; heap */
	size_t len;
};

struct ctl_ca_record {
	char status; /* 'V' or 'R' */
	char serial[41];
	enum certgen_kind kind;
	int64_t not_before, not_after;
	int64_t revoked;	     /* 0 if not revoked */
	const char *reason;	     /* "-" if none */
	const char *file, *identity; /* still escaped; they point into the line */
};

/* Splits one record line in place; false with *why. */
bool ctl_ca_index_parse_line(char *line, struct ctl_ca_record *r, const char **why);
/* Undoes the %XX escaping of a file or identity field into out. */
void ctl_ca_index_unescape(const char *s, char *out, size_t cap);

/* Reads and checks DIR/index; -1 after printing file:line and what to do. */
int ctl_ca_index_load(const struct ctl_ctx *c, const char *dir, struct ctl_ca_index *ix);
void ctl_ca_index_free(struct ctl_ca_index *ix);
bool ctl_ca_index_has_serial(const struct ctl_ca_index *ix, const char *serial);

/* Writes ix->text plus the line add as DIR/index: a new file if create
 * (never replacing one), else atomically replacing the old one. */
int ctl_ca_index_write(const struct ctl_ctx *c, const char *dir, const struct ctl_ca_index *ix,
		       const char *add, bool create);

/* The record line (with its newline) for a new, valid cert at cert_path. */
void ctl_ca_index_line(const char *dir, const struct certgen_cert *cert, enum certgen_kind kind,
		       const char *cert_path, const char *identity, char *out, size_t cap);

#endif
