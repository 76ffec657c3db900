/*
 * p11uri.c - RFC 7512 PKCS#11 URIs: "pkcs11:" path attributes separated by
 * ';', then optionally '?' and query attributes separated by '&'. Values
 * are percent-decoded into fixed fields; nothing is allocated and nothing
 * logs. Unknown standard attributes are refused (a typo must not silently
 * pick another key); vendor attributes ("x-...") are allowed and ignored.
 */
#include "p11uri.h"
#include "errbuf.h"
#include "hex.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#define SCHEME "pkcs11:"

bool p11uri_is(const char *s)
{
	return s != NULL && strncasecmp(s, SCHEME, sizeof(SCHEME) - 1) == 0;
}

/* Percent-decodes [v, v + len) into out (cap bytes); binary allows NUL
 * bytes (an id), text does not and gets a NUL terminator. The decoded
 * length, or -1 (malformed), -2 (too long). */
static long decode(const char *v, size_t len, uint8_t *out, size_t cap, bool binary)
{
	size_t n = 0;

	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)v[i];

		if (c == '%') {
			int hi, lo;

			if (i + 2 >= len)
				return -1;
			hi = hex_value(v[i + 1]);
			lo = hex_value(v[i + 2]);
			if (hi < 0 || lo < 0)
				return -1;
			c = (unsigned char)(hi << 4 | lo);
			i += 2;
			if (c == 0 && !binary)
				return -1;
		} else if (c <= 0x20 || c >= 0x7f) {
			return -1;
		}
		if (binary ? n >= cap : n + 1 >= cap)
			return -2;
		out[n++] = c;
	}
	if (!binary)
		out[n] = '\0';
	return (long)n;
}

struct attr {
	const char *name;
	bool query;  /* after '?' */
	int field;   /* which field of struct p11uri, or F_IGNORED */
};

enum {
	F_IGNORED,
	F_TOKEN,
	F_OBJECT,
	F_ID,
	F_TYPE,
	F_SLOT_ID,
	F_PIN_VALUE,
	F_PIN_SOURCE,
	F_MODULE_PATH,
	F_MODULE_NAME,
};

static const struct attr attrs[] = {
    {"token", false, F_TOKEN},
    {"object", false, F_OBJECT},
    {"id", false, F_ID},
    {"type", false, F_TYPE},
    {"slot-id", false, F_SLOT_ID},
    {"manufacturer", false, F_IGNORED},
    {"model", false, F_IGNORED},
    {"serial", false, F_IGNORED},
    {"library-manufacturer", false, F_IGNORED},
    {"library-description", false, F_IGNORED},
    {"library-version", false, F_IGNORED},
    {"slot-description", false, F_IGNORED},
    {"slot-manufacturer", false, F_IGNORED},
    {"pin-value", true, F_PIN_VALUE},
    {"pin-source", true, F_PIN_SOURCE},
    {"module-path", true, F_MODULE_PATH},
    {"module-name", true, F_MODULE_NAME},
};
#define N_ATTRS (sizeof(attrs) / sizeof(attrs[0]))

static bool set_type(const char *v, struct p11uri *u)
{
	static const struct {
		const char *name;
		enum p11uri_type type;
	} types[] = {
	    {"private", P11URI_TYPE_PRIVATE}, {"public", P11URI_TYPE_PUBLIC},
	    {"cert", P11URI_TYPE_CERT},       {"secret-key", P11URI_TYPE_OTHER},
	    {"data", P11URI_TYPE_OTHER},
	};

	for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++)
		if (strcmp(v, types[i].name) == 0) {
			u->type = types[i].type;
			return true;
		}
	return false;
}

static bool set_slot_id(const char *v, struct p11uri *u)
{
	unsigned long n = 0;

	if (v[0] == '\0' || strlen(v) > 10)
		return false;
	for (const char *p = v; *p != '\0'; p++) {
		if (!isdigit((unsigned char)*p))
			return false;
		n = n * 10 + (unsigned long)(*p - '0');
	}
	u->slot_id = n;
	u->has_slot_id = true;
	return true;
}

/* One "name=value" of length len; seen marks attributes already given. */
static bool parse_attr(const char *a, size_t len, bool query, struct p11uri *u, unsigned *seen,
		       char *err, size_t errlen)
{
	const char *eq = memchr(a, '=', len);
	char tmp[P11URI_TEXT_MAX + 1];
	size_t nlen, vlen;
	const struct attr *at = NULL;
	long n;

	if (eq == NULL || eq == a) {
		errbuf_set(err, errlen, "'%.*s' is not an attribute=value pair", (int)len, a);
		return false;
	}
	nlen = (size_t)(eq - a);
	vlen = len - nlen - 1;
	for (size_t i = 0; i < N_ATTRS; i++)
		if (strlen(attrs[i].name) == nlen && strncmp(attrs[i].name, a, nlen) == 0)
			at = &attrs[i];
	if (at == NULL) {
		if (nlen > 2 && strncmp(a, "x-", 2) == 0)
			return true; /* a vendor's: ignored */
		errbuf_set(err, errlen, "attribute '%.*s' is unknown", (int)nlen, a);
		return false;
	}
	if (at->query != query) {
		errbuf_set(err, errlen, "attribute '%s' belongs %s the '?'", at->name,
			   at->query ? "after" : "before");
		return false;
	}
	if (*seen & (1u << (at - attrs))) {
		errbuf_set(err, errlen, "attribute '%s' is given twice", at->name);
		return false;
	}
	*seen |= 1u << (at - attrs);
	if (at->field == F_ID)
		n = decode(eq + 1, vlen, u->id, sizeof(u->id), true);
	else
		n = decode(eq + 1, vlen, (uint8_t *)tmp, sizeof(tmp), false);
	if (n == -1) {
		errbuf_set(err, errlen, "%s: bad character or percent-encoding", at->name);
		return false;
	}
	if (n == -2 || (at->field == F_TOKEN && n > P11URI_LABEL_MAX)) {
		errbuf_set(err, errlen, "%s: the value is too long", at->name);
		return false;
	}
	switch (at->field) {
	case F_TOKEN:
		memcpy(u->token, tmp, (size_t)n + 1);
		break;
	case F_OBJECT:
		memcpy(u->object, tmp, (size_t)n + 1);
		break;
	case F_ID:
		u->id_len = (size_t)n;
		break;
	case F_TYPE:
		if (!set_type(tmp, u)) {
			errbuf_set(err, errlen,
				   "type: '%s' is not private, public, cert, secret-key or data",
				   tmp);
			return false;
		}
		break;
	case F_SLOT_ID:
		if (!set_slot_id(tmp, u)) {
			errbuf_set(err, errlen, "slot-id: '%s' is not a decimal number", tmp);
			return false;
		}
		break;
	case F_PIN_VALUE:
		memcpy(u->pin_value, tmp, (size_t)n + 1);
		break;
	case F_PIN_SOURCE:
		/* A file: "file:/path" or "/path". */
		if (strncmp(tmp, "file:", 5) == 0)
			memmove(tmp, tmp + 5, strlen(tmp + 5) + 1);
		if (tmp[0] != '/') {
			errbuf_set(err, errlen, "pin-source: give an absolute file path "
						"(file:/path)");
			return false;
		}
		memcpy(u->pin_source, tmp, strlen(tmp) + 1);
		break;
	case F_MODULE_PATH:
		if (tmp[0] != '/') {
			errbuf_set(err, errlen, "module-path: give an absolute path");
			return false;
		}
		memcpy(u->module_path, tmp, (size_t)n + 1);
		break;
	default:
		break;
	}
	explicit_bzero(tmp, sizeof(tmp));
	return true;
}

bool p11uri_parse(const char *s, struct p11uri *out, char *err, size_t errlen)
{
	const char *p, *end;
	unsigned seen = 0;
	bool query = false;

	memset(out, 0, sizeof(*out));
	if (!p11uri_is(s)) {
		errbuf_set(err, errlen, "not a PKCS#11 URI (it starts with \"pkcs11:\")");
		return false;
	}
	if (strlen(s) > P11URI_MAX) {
		errbuf_set(err, errlen, "longer than %d bytes", P11URI_MAX);
		return false;
	}
	p = s + sizeof(SCHEME) - 1;
	while (*p != '\0') {
		size_t len = strcspn(p, query ? "&" : ";?");

		end = p + len;
		if (len > 0 && !parse_attr(p, len, query, out, &seen, err, errlen))
			goto bad;
		if (*end == '?')
			query = true; /* in the query, '?' is a value's character */
		else if (*end == '\0')
			break;
		p = end + 1;
	}
	if (out->pin_value[0] != '\0' && out->pin_source[0] != '\0') {
		errbuf_set(err, errlen, "give pin-value or pin-source, not both");
		goto bad;
	}
	if (out->object[0] == '\0' && out->id_len == 0) {
		errbuf_set(err, errlen, "name the key with object=LABEL or id=%%HEX");
		goto bad;
	}
	if (out->type != P11URI_TYPE_ANY && out->type != P11URI_TYPE_PRIVATE) {
		errbuf_set(err, errlen, "type: a key for TLS is type=private");
		goto bad;
	}
	return true;
bad:
	p11uri_wipe(out);
	return false;
}

/* Appends sep (unless '\0'), then name=value with everything but
 * unreserved characters (and '/') percent-encoded; all of it if all_hex. */
static bool put(char *buf, size_t cap, size_t *n, char sep, const char *name, const uint8_t *v,
		size_t vlen, bool all_hex)
{
	static const char hex[] = "0123456789ABCDEF";
	int w = snprintf(buf + *n, cap - *n, "%.1s%s=", &sep, name);

	if (w < 0 || (size_t)w >= cap - *n)
		return false;
	*n += (size_t)w;
	for (size_t i = 0; i < vlen; i++) {
		unsigned char c = v[i];

		if (!all_hex && (isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~' ||
				 c == '/')) {
			if (*n + 1 >= cap)
				return false;
			buf[(*n)++] = (char)c;
		} else {
			if (*n + 3 >= cap)
				return false;
			buf[(*n)++] = '%';
			buf[(*n)++] = hex[c >> 4];
			buf[(*n)++] = hex[c & 15];
		}
	}
	buf[*n] = '\0';
	return true;
}

/* One attribute p11uri_format may write, in the order written. */
struct fmt_field {
	bool query, present, all_hex;
	const char *name;
	const uint8_t *v;
	size_t len;
};

size_t p11uri_format(const struct p11uri *u, char *buf, size_t cap)
{
	struct fmt_field f[6];
	char slot[24];
	size_t n = sizeof(SCHEME) - 1, k = 0;
	char sep = '\0';
	bool in_query = false;

	snprintf(slot, sizeof(slot), "%lu", u->slot_id);
#define FIELD(q, name, val, len, hex)                                                              \
	f[k++] = (struct fmt_field){q, (len) > 0, hex, name, (const uint8_t *)(val), len}
	FIELD(false, "token", u->token, strlen(u->token), false);
	FIELD(false, "object", u->object, strlen(u->object), false);
	FIELD(false, "id", u->id, u->id_len, true);
	FIELD(false, "type", "private", u->type == P11URI_TYPE_PRIVATE ? 7 : 0, false);
	FIELD(false, "slot-id", slot, u->has_slot_id ? strlen(slot) : 0, false);
	FIELD(true, "pin-source", u->pin_source, strlen(u->pin_source), false);
#undef FIELD
	if (cap <= n)
		return 0;
	memcpy(buf, SCHEME, n + 1);
	for (size_t i = 0; i < k; i++) {
		if (!f[i].present)
			continue;
		if (f[i].query && !in_query) {
			sep = '?';
			in_query = true;
		}
		if (!put(buf, cap, &n, sep, f[i].name, f[i].v, f[i].len, f[i].all_hex))
			return 0;
		sep = in_query ? '&' : ';';
	}
	if (u->module_path[0] != '\0' &&
	    !put(buf, cap, &n, in_query ? '&' : '?', "module-path",
		 (const uint8_t *)u->module_path, strlen(u->module_path), false))
		return 0;
	return n;
}

void p11uri_wipe(struct p11uri *u)
{
	explicit_bzero(u, sizeof(*u));
}
