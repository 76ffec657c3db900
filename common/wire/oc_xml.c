/*
 * oc_xml.c - a bounded scanner for the config-auth document (oc_xml.h).
 * One pass, left to right: markup is recognised by its first bytes and
 * refused unless it is one of the few forms the client writes; a stack of
 * element names (spans into the input) checks balance; text and attribute
 * values are decoded only where they are kept, into fixed fields whose
 * size is checked before every byte is written.
 */
#include "oc_xml.h"

#include <stdbool.h>
#include <string.h>

struct span {
	const uint8_t *p;
	size_t n;
};

struct scan {
	const uint8_t *p;
	size_t n, i;
	const char *why;
	struct span stack[OC_XML_MAX_DEPTH];
	unsigned depth;
	bool root_done;
	struct oc_auth_req *out;
	char *field;        /* a kept child being read, or NULL */
	size_t field_cap, field_len;
};

/* Where the decoded text of one value goes. */
struct sink {
	char *buf;
	size_t cap, len;
};

static int fail(struct scan *s, const char *why)
{
	s->why = why;
	return -1;
}

static bool starts(const struct scan *s, const char *lit)
{
	size_t n = strlen(lit);

	return s->n - s->i >= n && memcmp(s->p + s->i, lit, n) == 0;
}

static bool is_space(uint8_t c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static bool is_name_char(uint8_t c, bool first)
{
	if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == ':' || c >= 0x80)
		return true;
	return !first && ((c >= '0' && c <= '9') || c == '-' || c == '.');
}

static bool span_is(struct span a, const char *lit)
{
	return a.n == strlen(lit) && memcmp(a.p, lit, a.n) == 0;
}

static void skip_space(struct scan *s)
{
	while (s->i < s->n && is_space(s->p[s->i]))
		s->i++;
}

static int name(struct scan *s, struct span *out)
{
	out->p = s->p + s->i;
	if (s->i >= s->n || !is_name_char(s->p[s->i], true))
		return fail(s, "a tag or attribute without a valid name");
	while (s->i < s->n && is_name_char(s->p[s->i], false))
		s->i++;
	out->n = (size_t)(s->p + s->i - out->p);
	return 0;
}

static int put(struct scan *s, struct sink *k, const uint8_t *b, size_t n)
{
	if (k == NULL)
		return 0;
	if (k->cap - 1 - k->len < n)
		return fail(s, "a value too long for its field");
	memcpy(k->buf + k->len, b, n);
	k->len += n;
	k->buf[k->len] = 0;
	return 0;
}

/* A code point as UTF-8; the caller checked it is a valid XML character. */
static size_t utf8(uint32_t cp, uint8_t out[4])
{
	if (cp < 0x80) {
		out[0] = (uint8_t)cp;
		return 1;
	}
	if (cp < 0x800) {
		out[0] = (uint8_t)(0xc0 | cp >> 6);
		out[1] = (uint8_t)(0x80 | (cp & 0x3f));
		return 2;
	}
	if (cp < 0x10000) {
		out[0] = (uint8_t)(0xe0 | cp >> 12);
		out[1] = (uint8_t)(0x80 | ((cp >> 6) & 0x3f));
		out[2] = (uint8_t)(0x80 | (cp & 0x3f));
		return 3;
	}
	out[0] = (uint8_t)(0xf0 | cp >> 18);
	out[1] = (uint8_t)(0x80 | ((cp >> 12) & 0x3f));
	out[2] = (uint8_t)(0x80 | ((cp >> 6) & 0x3f));
	out[3] = (uint8_t)(0x80 | (cp & 0x3f));
	return 4;
}

/* &#N; or &#xH; after the "&#"; at most 7 digits. */
static int char_ref(struct scan *s, struct sink *k)
{
	uint32_t cp = 0;
	unsigned digits = 0, base = 10;
	uint8_t b[4];

	if (s->i < s->n && s->p[s->i] == 'x') {
		base = 16;
		s->i++;
	}
	for (; s->i < s->n && s->p[s->i] != ';'; s->i++, digits++) {
		uint8_t c = s->p[s->i];
		unsigned d;

		if (c >= '0' && c <= '9')
			d = (unsigned)(c - '0');
		else if (base == 16 && ((c | 0x20) >= 'a' && (c | 0x20) <= 'f'))
			d = (unsigned)((c | 0x20) - 'a' + 10);
		else
			return fail(s, "a character reference with a bad digit");
		if (digits >= 7)
			return fail(s, "a character reference too long");
		cp = cp * base + d;
	}
	if (s->i >= s->n || digits == 0)
		return fail(s, "an unterminated character reference");
	s->i++;
	/* XML 1.0 Char: no NUL or other control, no surrogate, no FFFE/FFFF. */
	if ((cp < 0x20 && cp != '\t' && cp != '\n' && cp != '\r') ||
	    (cp >= 0xd800 && cp <= 0xdfff) || cp == 0xfffe || cp == 0xffff || cp > 0x10ffff)
		return fail(s, "a character reference to a character XML forbids");
	return put(s, k, b, utf8(cp, b));
}

/* An entity or character reference, s->i on the '&'. */
static int reference(struct scan *s, struct sink *k)
{
	static const struct {
		const char *ref;
		char ch;
	} predefined[] = {{"&lt;", '<'}, {"&gt;", '>'}, {"&amp;", '&'}, {"&quot;", '"'}, {"&apos;", '\''}};

	if (starts(s, "&#")) {
		s->i += 2;
		return char_ref(s, k);
	}
	for (size_t j = 0; j < sizeof(predefined) / sizeof(predefined[0]); j++) {
		if (starts(s, predefined[j].ref)) {
			s->i += strlen(predefined[j].ref);
			return put(s, k, (const uint8_t *)&predefined[j].ch, 1);
		}
	}
	return fail(s, "an entity other than the five predefined ones");
}

/* Characters up to a byte in stop (not consumed) or the end of input. */
static int chars(struct scan *s, struct sink *k, uint8_t stop, bool *blank)
{
	*blank = true;
	while (s->i < s->n && s->p[s->i] != stop && s->p[s->i] != '<') {
		uint8_t c = s->p[s->i];

		if (c == '&') {
			if (reference(s, k) < 0)
				return -1;
			*blank = false;
			continue;
		}
		if ((c < 0x20 && !is_space(c)) || c == 0x7f)
			return fail(s, "a control byte in the document");
		if (!is_space(c))
			*blank = false;
		if (put(s, k, &c, 1) < 0)
			return -1;
		s->i++;
	}
	return 0;
}

/* The sink of a kept child of the root, or NULL. */
static char *kept_field(struct scan *s, struct span el, size_t *cap)
{
	static const struct {
		const char *name;
		size_t off, cap;
	} fields[] = {
		{"version", offsetof(struct oc_auth_req, version), sizeof(((struct oc_auth_req *)0)->version)},
		{"device-id", offsetof(struct oc_auth_req, device_id),
		 sizeof(((struct oc_auth_req *)0)->device_id)},
		{"group-access", offsetof(struct oc_auth_req, group_access),
		 sizeof(((struct oc_auth_req *)0)->group_access)},
		{"group-select", offsetof(struct oc_auth_req, group_select),
		 sizeof(((struct oc_auth_req *)0)->group_select)},
	};

	for (size_t j = 0; j < sizeof(fields) / sizeof(fields[0]); j++) {
		if (span_is(el, fields[j].name)) {
			*cap = fields[j].cap;
			return (char *)s->out + fields[j].off;
		}
	}
	return NULL;
}

static int root_attr(struct scan *s, struct span an, const char *value, bool *client_vpn)
{
	if (span_is(an, "client")) {
		*client_vpn = strcmp(value, "vpn") == 0;
	} else if (span_is(an, "type")) {
		if (strcmp(value, "init") == 0)
			s->out->type = OC_AUTH_INIT;
		else if (strcmp(value, "auth-reply") == 0)
			s->out->type = OC_AUTH_REPLY;
		else if (strcmp(value, "logout") == 0)
			s->out->type = OC_AUTH_LOGOUT;
	}
	return 0;
}

/* Attributes of a start tag, up to and including its '>' or "/>". */
static int attributes(struct scan *s, struct span el, bool *empty)
{
	struct span seen[16];
	unsigned n_seen = 0;
	bool client_vpn = false, is_root = s->depth == 0;

	for (;;) {
		struct span an;
		uint8_t quote;
		char value[256];
		struct sink k = {value, sizeof(value), 0};
		bool blank;
		size_t start = s->i;

		skip_space(s);
		if (s->i >= s->n)
			return fail(s, "an unterminated start tag");
		if (s->p[s->i] == '>' || starts(s, "/>")) {
			*empty = s->p[s->i] == '/';
			s->i += *empty ? 2 : 1;
			break;
		}
		if (s->i == start)
			return fail(s, "attributes not separated by white space");
		if (name(s, &an) < 0)
			return -1;
		for (unsigned j = 0; j < n_seen; j++)
			if (seen[j].n == an.n && memcmp(seen[j].p, an.p, an.n) == 0)
				return fail(s, "a duplicate attribute");
		if (n_seen == sizeof(seen) / sizeof(seen[0]))
			return fail(s, "too many attributes");
		seen[n_seen++] = an;
		skip_space(s);
		if (s->i >= s->n || s->p[s->i] != '=')
			return fail(s, "an attribute without a value");
		s->i++;
		skip_space(s);
		if (s->i >= s->n || (s->p[s->i] != '"' && s->p[s->i] != '\''))
			return fail(s, "an attribute value without quotes");
		quote = s->p[s->i++];
		value[0] = 0;
		/* Only the root's attributes are kept; others are checked. */
		if (chars(s, is_root ? &k : NULL, quote, &blank) < 0)
			return -1;
		if (s->i >= s->n || s->p[s->i] != quote)
			return fail(s, "a '<' in an attribute value, or no closing quote");
		s->i++;
		if (is_root && root_attr(s, an, value, &client_vpn) < 0)
			return -1;
	}
	if (is_root && (!span_is(el, "config-auth") || !client_vpn))
		return fail(s, "the root is not <config-auth client=\"vpn\">");
	return 0;
}

static int start_tag(struct scan *s)
{
	struct span el;
	bool empty;

	s->i++;
	if (s->root_done)
		return fail(s, "an element after the root");
	if (name(s, &el) < 0 || attributes(s, el, &empty) < 0)
		return -1;
	if (s->depth == 1) {
		size_t cap;
		char *f = kept_field(s, el, &cap);

		if (f != NULL) {
			f[0] = 0;
			if (!empty) {
				s->field = f;
				s->field_cap = cap;
				s->field_len = 0;
			}
		}
	}
	if (empty) {
		if (s->depth == 0)
			s->root_done = true;
		return 0;
	}
	if (s->depth == OC_XML_MAX_DEPTH)
		return fail(s, "elements nested too deep");
	s->stack[s->depth++] = el;
	return 0;
}

static int end_tag(struct scan *s)
{
	struct span el;

	s->i += 2;
	if (name(s, &el) < 0)
		return -1;
	skip_space(s);
	if (s->i >= s->n || s->p[s->i] != '>')
		return fail(s, "an unterminated end tag");
	s->i++;
	if (s->depth == 0 || s->stack[s->depth - 1].n != el.n ||
	    memcmp(s->stack[s->depth - 1].p, el.p, el.n) != 0)
		return fail(s, "an end tag that does not match its start tag");
	s->depth--;
	if (s->depth == 1)
		s->field = NULL;
	if (s->depth == 0)
		s->root_done = true;
	return 0;
}

static int comment(struct scan *s)
{
	s->i += 4;
	for (; s->i + 1 < s->n; s->i++) {
		if (s->p[s->i] == '-' && s->p[s->i + 1] == '-') {
			if (s->i + 2 < s->n && s->p[s->i + 2] == '>') {
				s->i += 3;
				return 0;
			}
			return fail(s, "\"--\" inside a comment");
		}
	}
	return fail(s, "an unterminated comment");
}

/* <?xml ...?> at the very start (after a BOM): its content is not kept. */
static int declaration(struct scan *s)
{
	if (!starts(s, "<?xml") || s->i + 5 >= s->n || !is_space(s->p[s->i + 5]))
		return fail(s, "a processing instruction");
	for (s->i += 5; s->i + 1 < s->n; s->i++) {
		if (s->p[s->i] == '?' && s->p[s->i + 1] == '>') {
			s->i += 2;
			return 0;
		}
		if (s->p[s->i] == '<' || (s->p[s->i] < 0x20 && !is_space(s->p[s->i])))
			return fail(s, "a malformed XML declaration");
	}
	return fail(s, "an unterminated XML declaration");
}

static int markup(struct scan *s, size_t doc_start)
{
	if (starts(s, "<!--"))
		return comment(s);
	if (starts(s, "<!"))
		return fail(s, "DOCTYPE, ENTITY or CDATA");
	if (starts(s, "<?"))
		return s->i == doc_start ? declaration(s) : fail(s, "a processing instruction");
	if (starts(s, "</"))
		return end_tag(s);
	return start_tag(s);
}

static int text(struct scan *s)
{
	struct sink k = {s->field, s->field_cap, s->field_len};
	bool blank;

	if (chars(s, s->field != NULL && s->depth == 2 ? &k : NULL, '<', &blank) < 0)
		return -1;
	if (s->field != NULL && s->depth == 2)
		s->field_len = k.len;
	if (s->depth == 0 && !blank)
		return fail(s, "text outside the root element");
	return 0;
}

int oc_xml_auth_parse(const uint8_t *p, size_t n, struct oc_auth_req *out, const char **why)
{
	struct scan s = {.p = p, .n = n, .out = out};
	size_t doc_start = 0;

	memset(out, 0, sizeof(*out));
	out->type = OC_AUTH_OTHER;
	if (n >= 3 && memcmp(p, "\xef\xbb\xbf", 3) == 0)
		s.i = doc_start = 3;
	while (s.i < s.n) {
		int r = s.p[s.i] == '<' ? markup(&s, doc_start) : text(&s);

		if (r < 0) {
			*why = s.why;
			memset(out, 0, sizeof(*out));
			out->type = OC_AUTH_OTHER;
			return -1;
		}
	}
	if (!s.root_done || s.depth != 0) {
		*why = s.depth != 0 ? "an element is not closed" : "no config-auth element";
		memset(out, 0, sizeof(*out));
		out->type = OC_AUTH_OTHER;
		return -1;
	}
	return 0;
}

const char *oc_auth_type_name(enum oc_auth_type t)
{
	switch (t) {
	case OC_AUTH_INIT:
		return "init";
	case OC_AUTH_REPLY:
		return "auth-reply";
	case OC_AUTH_LOGOUT:
		return "logout";
	case OC_AUTH_OTHER:
		return "other";
	}
	return "other";
}
