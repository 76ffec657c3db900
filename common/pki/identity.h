/*
 * identity.h - who a client certificate says the employee is. Pure: the TLS
 * layer fills a struct cert_info from the peer certificate; this module picks
 * the identity from it by the configured source and validates it. Identities
 * are compared byte for byte (case-sensitive); see docs/admin-guide.md.
 */
#ifndef MTLSVPN_IDENTITY_H
#define MTLSVPN_IDENTITY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define IDENTITY_MAX 255
#define CERT_MAX_NAMES 16
#define CERT_MAX_CHAIN 8
#define CERT_SERIAL_MAX 32
#define CERT_NAME_HASH_LEN 32
#define IDENTITY_OID_MAX 64 /* a dotted OID and its NUL */

/* One subject attribute, read from the Name's DER (wolfSSL keeps only the
 * attribute types it knows). value is UTF-8: UTF8String, PrintableString
 * and IA5String as they are, BMPString converted; unreadable is set for
 * other string types (T61String, UniversalString, non-strings), whose value
 * is "" and never matches. */
struct cert_attr {
	char oid[IDENTITY_OID_MAX]; /* dotted, e.g. "2.5.4.5" */
	char value[IDENTITY_MAX + 1];
	bool unreadable;
};

/* One certificate as revocation sees it: who issued it (SHA-256 of the
 * issuer Name's DER) and its serial (leading zero bytes removed). */
struct cert_ref {
	uint8_t serial[CERT_SERIAL_MAX];
	uint8_t serial_len;
	uint8_t issuer_hash[CERT_NAME_HASH_LEN];
};

struct cert_info {
	char subject_cn[IDENTITY_MAX + 1]; /* "" if absent */
	char subject_ou[CERT_MAX_NAMES][IDENTITY_MAX + 1];
	unsigned n_ou;
	char san_email[CERT_MAX_NAMES][IDENTITY_MAX + 1];
	unsigned n_email;
	char san_dns[CERT_MAX_NAMES][IDENTITY_MAX + 1];
	unsigned n_dns;
	char san_uri[CERT_MAX_NAMES][IDENTITY_MAX + 1];
	unsigned n_uri;
	char serial_hex[41];		       /* lowercase, no separators */
	char fingerprint[17];		       /* first 8 bytes of SHA-256 of the DER, hex */
	int64_t not_before, not_after;	       /* unix time */
	bool truncated;			       /* a field did not fit: the cert is refused */
	struct cert_ref chain[CERT_MAX_CHAIN]; /* [0] the leaf, then as the peer sent them */
	unsigned n_chain;
	char ocsp_url[256]; /* the AIA's OCSP responder URI, "" if none */
	struct cert_attr subject_attrs[CERT_MAX_NAMES]; /* in the subject's order */
	unsigned n_subject_attrs;
};

enum identity_source_kind {
	IDENTITY_CN,
	IDENTITY_SAN_EMAIL,
	IDENTITY_SAN_URI,
	IDENTITY_SAN_DNS,
	IDENTITY_OID, /* the subject attribute with the OID in oid */
};

struct identity_source {
	enum identity_source_kind kind;
	char oid[IDENTITY_OID_MAX];	 /* IDENTITY_OID only */
	char name[4 + IDENTITY_OID_MAX]; /* "oid:..." as parsed, for messages */
};

/* Parse "cn", "san-email", "san-uri", "san-dns" or "oid:DOTTED"; false if
 * unknown or the OID is malformed (see identity_oid_valid). */
bool identity_source_parse(const char *s, struct identity_source *out);
/* The text identity_source_parse reads back into the same source. */
const char *identity_source_name(const struct identity_source *s);

/* A dotted OID as configured: at least two arcs, the first 0, 1 or 2,
 * decimal numbers without leading zeros, shorter than IDENTITY_OID_MAX.
 * False with *why (a phrase) otherwise. */
bool identity_oid_valid(const char *s, const char **why);

/* Pick the identity; false with *why set if the field is missing, appears
 * more than once (ambiguous), is empty, too long, or holds bytes that are
 * not printable UTF-8 (control characters, NUL). Never falls back to
 * another field. */
bool identity_from_cert(const struct cert_info *ci, const struct identity_source *src,
			char out[static IDENTITY_MAX + 1], const char **why);

/* True if s is an acceptable identity string (same rules as above). */
bool identity_valid(const char *s, size_t len, const char **why);

#endif
