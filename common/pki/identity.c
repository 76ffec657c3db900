/*
 * identity.c - the employee identity a client certificate carries, taken
 * from exactly one configured field and never from another. A field that is
 * missing, repeated, empty, too long, truncated, not UTF-8 or holding control
 * characters refuses the certificate: an identity keys leases and access
 * rules, so a guess would be a privilege. Pure: returns reasons, no logging.
 */
#include <stdio.h>
#include <string.h>

#include "identity.h"

#define OID_PREFIX "oid:"

static const struct {
	const char *name;
	enum identity_source_kind src;
} sources[] = {
    {"cn", IDENTITY_CN},
    {"san-email", IDENTITY_SAN_EMAIL},
    {"san-uri", IDENTITY_SAN_URI},
    {"san-dns", IDENTITY_SAN_DNS},
};

bool identity_oid_valid(const char *s, const char **why)
{
	const char *dummy;
	unsigned arcs = 0;

	if (why == NULL)
		why = &dummy;
	if (s == NULL || s[0] == '\0') {
		*why = "the OID is empty";
		return false;
	}
	if (strlen(s) >= IDENTITY_OID_MAX) {
		*why = "the OID is longer than 63 characters";
		return false;
	}
	if (s[0] < '0' || s[0] > '2' || (s[1] != '.' && s[1] != '\0')) {
		*why = "the first arc of an OID is 0, 1 or 2";
		return false;
	}
	for (const char *p = s; *p != '\0'; arcs++) {
		const char *start = p;

		while (*p >= '0' && *p <= '9')
			p++;
		if (p == start) {
			*why = "an OID is decimal numbers separated by single dots";
			return false;
		}
		if (*start == '0' && p - start > 1) {
			*why = "an OID arc has no leading zeros";
			return false;
		}
		if (*p == '.' && p[1] == '\0') {
			*why = "an OID does not end with a dot";
			return false;
		}
		if (*p == '.')
			p++;
		else if (*p != '\0') {
			*why = "an OID is decimal numbers separated by single dots";
			return false;
		}
	}
	if (arcs < 2) {
		*why = "an OID has at least two arcs";
		return false;
	}
	return true;
}

bool identity_source_parse(const char *s, struct identity_source *out)
{
	if (s == NULL)
		return false;
	if (strncmp(s, OID_PREFIX, strlen(OID_PREFIX)) == 0) {
		const char *oid = s + strlen(OID_PREFIX);

		if (!identity_oid_valid(oid, NULL))
			return false;
		memset(out, 0, sizeof(*out));
		out->kind = IDENTITY_OID;
		snprintf(out->oid, sizeof(out->oid), "%s", oid);
		snprintf(out->name, sizeof(out->name), OID_PREFIX "%s", oid);
		return true;
	}
	for (size_t i = 0; i < sizeof(sources) / sizeof(sources[0]); i++) {
		if (strcmp(s, sources[i].name) == 0) {
			memset(out, 0, sizeof(*out));
			out->kind = sources[i].src;
			return true;
		}
	}
	return false;
}

const char *identity_source_name(const struct identity_source *s)
{
	if (s->kind == IDENTITY_OID)
		return s->name[0] != '\0' ? s->name : OID_PREFIX "?";
	for (size_t i = 0; i < sizeof(sources) / sizeof(sources[0]); i++)
		if (sources[i].src == s->kind)
			return sources[i].name;
	return "?";
}

/* Code points an identity may not hold although they are valid UTF-8: C0
 * and C1 controls and DEL (they forge log lines and terminal output), line
 * and paragraph separators, and bidirectional overrides and isolates (they
 * make an identity display as a different one in logs and the admin CLI). */
static bool code_point_refused(uint32_t cp)
{
	return cp < 0x20 || (cp >= 0x7f && cp < 0xa0) || cp == 0x2028 || cp == 0x2029 ||
	       (cp >= 0x202a && cp <= 0x202e) || (cp >= 0x2066 && cp <= 0x2069);
}

/* Length of the UTF-8 sequence at s[0..n) and its code point, or 0 if it is
 * not the shortest form of a scalar value (overlongs, surrogates, values
 * above U+10FFFF, stray continuation bytes, truncation). */
static size_t utf8_decode(const uint8_t *s, size_t n, uint32_t *cp)
{
	uint8_t b = s[0], lo = 0x80, hi = 0xbf;
	size_t len;
	uint32_t v;

	if (b < 0x80) {
		*cp = b;
		return 1;
	}
	if (b >= 0xc2 && b <= 0xdf) {
		len = 2;
		v = b & 0x1f;
	} else if (b >= 0xe0 && b <= 0xef) {
		len = 3;
		v = b & 0x0f;
		if (b == 0xe0)
			lo = 0xa0; /* below is overlong */
		else if (b == 0xed)
			hi = 0x9f; /* above is a surrogate */
	} else if (b >= 0xf0 && b <= 0xf4) {
		len = 4;
		v = b & 0x07;
		if (b == 0xf0)
			lo = 0x90; /* below is overlong */
		else if (b == 0xf4)
			hi = 0x8f; /* above is past U+10FFFF */
	} else {
		return 0;
	}
	if (n < len)
		return 0;
	for (size_t i = 1; i < len; i++) {
		uint8_t c = s[i];

		if (c < (i == 1 ? lo : 0x80) || c > (i == 1 ? hi : 0xbf))
			return 0;
		v = v << 6 | (c & 0x3f);
	}
	*cp = v;
	return len;
}

bool identity_valid(const char *s, size_t len, const char **why)
{
	const uint8_t *u = (const uint8_t *)s;
	const char *dummy;

	if (why == NULL)
		why = &dummy;
	if (s == NULL || len == 0) {
		*why = "the identity is empty";
		return false;
	}
	if (len > IDENTITY_MAX) {
		*why = "the identity is longer than 255 bytes";
		return false;
	}
	for (size_t i = 0; i < len;) {
		uint32_t cp;
		size_t n = utf8_decode(u + i, len - i, &cp);

		if (n == 0) {
			*why = "the identity is not valid UTF-8";
			return false;
		}
		if (code_point_refused(cp)) {
			*why = "the identity holds a control or formatting character";
			return false;
		}
		i += n;
	}
	return true;
}

/* The single value of a multi-valued field, or NULL with *why set. */
static const char *single(const char (*vals)[IDENTITY_MAX + 1], unsigned n, const char *missing,
			  const char *ambiguous, const char **why)
{
	if (n == 0) {
		*why = missing;
		return NULL;
	}
	if (n > 1) {
		*why = ambiguous;
		return NULL;
	}
	return vals[0];
}

/* The single subject attribute with oid, or NULL with *why set. */
static const char *single_attr(const struct cert_info *ci, const char *oid, const char **why)
{
	const struct cert_attr *found = NULL;

	for (unsigned i = 0; i < ci->n_subject_attrs && i < CERT_MAX_NAMES; i++) {
		if (strcmp(ci->subject_attrs[i].oid, oid) != 0)
			continue;
		if (found != NULL) {
			*why = "the certificate subject has more than one attribute with the "
			       "identity OID (identity source oid), so the identity is ambiguous";
			return NULL;
		}
		found = &ci->subject_attrs[i];
	}
	if (found == NULL) {
		*why = "the certificate subject has no attribute with the identity OID "
		       "(identity source oid)";
		return NULL;
	}
	if (found->unreadable) {
		*why = "the certificate subject's identity attribute (identity source oid) "
		       "is not a UTF8String, PrintableString, IA5String or BMPString";
		return NULL;
	}
	return found->value;
}

bool identity_from_cert(const struct cert_info *ci, const struct identity_source *src,
			char out[static IDENTITY_MAX + 1], const char **why)
{
	const char *v = NULL, *dummy;
	size_t len;

	if (why == NULL)
		why = &dummy;
	if (ci->truncated) {
		*why = "the certificate has a field too long to read";
		return false;
	}
	switch (src->kind) {
	case IDENTITY_CN:
		v = ci->subject_cn;
		if (v[0] == '\0') {
			*why = "the certificate subject has no CN (identity source cn)";
			return false;
		}
		break;
	case IDENTITY_SAN_EMAIL:
		v = single(ci->san_email, ci->n_email,
			   "the certificate has no SAN email (identity source san-email)",
			   "the certificate has more than one SAN email, so the identity "
			   "is ambiguous",
			   why);
		break;
	case IDENTITY_SAN_URI:
		v = single(ci->san_uri, ci->n_uri,
			   "the certificate has no SAN URI (identity source san-uri)",
			   "the certificate has more than one SAN URI, so the identity is "
			   "ambiguous",
			   why);
		break;
	case IDENTITY_SAN_DNS:
		v = single(ci->san_dns, ci->n_dns,
			   "the certificate has no SAN DNS name (identity source san-dns)",
			   "the certificate has more than one SAN DNS name, so the identity "
			   "is ambiguous",
			   why);
		break;
	case IDENTITY_OID:
		v = single_attr(ci, src->oid, why);
		break;
	default:
		*why = "unknown identity source";
		return false;
	}
	if (v == NULL)
		return false;
	/* A field with no NUL in its buffer was filled wrongly: the bounded
	 * length makes identity_valid refuse it as too long, never overread. */
	len = strnlen(v, IDENTITY_MAX + 1);
	if (!identity_valid(v, len, why))
		return false;
	memcpy(out, v, len + 1);
	return true;
}
