/*
 * p11uri.h - PKCS#11 URIs (RFC 7512) naming a private key inside a token:
 * "pkcs11:token=...;object=...;id=%01?pin-source=file:/etc/pin". Pure: a
 * parser that fills a struct and an error buffer, and a formatter that
 * writes the URI back (without the PIN), so logs never carry the PIN. Only
 * the attributes mtlsvpn uses are kept; other standard path attributes are
 * checked for form and then ignored, vendor ones ("x-...") likewise.
 */
#ifndef MTLSVPN_P11URI_H
#define MTLSVPN_P11URI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define P11URI_MAX 1024      /* the whole URI, in bytes */
#define P11URI_LABEL_MAX 32  /* CK_TOKEN_INFO.label */
#define P11URI_ID_MAX 64     /* CKA_ID bytes */
#define P11URI_TEXT_MAX 255  /* object label, pin, paths (decoded) */

enum p11uri_type {
	P11URI_TYPE_ANY,      /* no type= */
	P11URI_TYPE_PRIVATE,  /* type=private */
	P11URI_TYPE_PUBLIC,   /* type=public */
	P11URI_TYPE_CERT,     /* type=cert */
	P11URI_TYPE_OTHER,    /* type=secret-key or data: never a usable key */
};

struct p11uri {
	char token[P11URI_LABEL_MAX + 1];       /* "" = any token */
	char object[P11URI_TEXT_MAX + 1];       /* CKA_LABEL; "" = none given */
	uint8_t id[P11URI_ID_MAX];              /* CKA_ID */
	size_t id_len;                          /* 0 = none given */
	enum p11uri_type type;
	bool has_slot_id;
	unsigned long slot_id;
	char pin_value[P11URI_TEXT_MAX + 1];    /* "" = none; wipe after use */
	char pin_source[P11URI_TEXT_MAX + 1];   /* a file's path; "" = none */
	char module_path[P11URI_TEXT_MAX + 1];  /* "" = the configured module */
};

/* True if s starts with the scheme "pkcs11:" (any case). */
bool p11uri_is(const char *s);

/* Parses s into *out. False with err ("attribute 'foo' is unknown", "id:
 * bad percent-encoding", ...) on anything malformed, a repeated attribute,
 * a value too long for its field, both pin-value and pin-source, or no
 * object and no id (a key must be named). */
bool p11uri_parse(const char *s, struct p11uri *out, char *err, size_t errlen);

/* The URI of *u in canonical form, without the PIN value (pin-value is
 * dropped; pin-source is kept). The length written (< cap), or 0 if it
 * does not fit. */
size_t p11uri_format(const struct p11uri *u, char *buf, size_t cap);

/* Zeroes *u, the PIN included. */
void p11uri_wipe(struct p11uri *u);

#endif
