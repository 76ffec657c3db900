/*
 * msg.c - CONFIG (TLV attributes) and BYE (reason + text) payloads. The
 * encoder and the decoder apply the same range checks, so whatever we send
 * decodes, and whatever decodes can be applied to an interface, a routing
 * table, resolv.conf or a terminal without further checks.
 */
#include "msg.h"

#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "buf.h"

#define ATTR_HDR_LEN 3		     /* type (1), length (2) */
#define ATTR_OPTIONAL 0x80	     /* unknown types from here up are skipped */
#define WARN_DAYS_MAX 3650	     /* ten years: anything longer is a typo */
#define NOT_AFTER_MAX 253402300799LL /* 9999-12-31T23:59:59Z, X.509's last */

/* ---- shared checks ---- */

static size_t family_len(int family)
{
	return family == AF_INET ? 4 : family == AF_INET6 ? 16 : 0;
}

static bool host_bits_zero(const uint8_t *a, size_t alen, unsigned plen)
{
	for (size_t i = 0; i < alen; i++) {
		unsigned keep = plen >= 8 * (i + 1) ? 8 : plen > 8 * i ? plen - 8 * (unsigned)i : 0;
		uint8_t host = (uint8_t)(0xffu >> keep);

		if (keep < 8 && (a[i] & host) != 0)
			return false;
	}
	return true;
}

/* The search-domain rule of config_key_is_hostname(): labels of 1..63
 * letters, digits, '-' or '_', no empty label, at most MSG_DOMAIN_MAX
 * bytes. The names end up in resolv.conf and in systemd-resolved's link settings,
 * so nothing else may pass. */
static bool domain_ok(const uint8_t *s, size_t n)
{
	size_t label = 0;

	if (n == 0 || n > MSG_DOMAIN_MAX)
		return false;
	for (size_t i = 0; i <= n; i++) {
		uint8_t c = i < n ? s[i] : '.';

		if (c == '.') {
			if (label == 0 || label > 63)
				return false;
			label = 0;
		} else if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
			   (c >= '0' && c <= '9') || c == '-' || c == '_') {
			label++;
		} else {
			return false;
		}
	}
	return true;
}

/* Code points a terminal or log reader would act on rather than print:
 * C1 controls, line/paragraph separators, bidirectional controls. */
static bool invisible(uint32_t cp)
{
	return (cp >= 0x80 && cp <= 0x9f) || cp == 0x200e || cp == 0x200f ||
	       (cp >= 0x2028 && cp <= 0x202e) || (cp >= 0x2066 && cp <= 0x2069);
}

/* Well-formed UTF-8 (no overlongs, surrogates or values above U+10FFFF)
 * made of printable characters only. */
static bool text_ok(const uint8_t *s, size_t n)
{
	size_t i = 0;

	while (i < n) {
		uint8_t c = s[i];
		uint32_t cp, min;
		size_t k;

		if (c < 0x80) {
			if (c < 0x20 || c == 0x7f)
				return false;
			i++;
			continue;
		}
		if (c >= 0xc2 && c <= 0xdf) {
			k = 1, cp = c & 0x1fu, min = 0x80;
		} else if (c >= 0xe0 && c <= 0xef) {
			k = 2, cp = c & 0x0fu, min = 0x800;
		} else if (c >= 0xf0 && c <= 0xf4) {
			k = 3, cp = c & 0x07u, min = 0x10000;
		} else {
			return false;
		}
		if (n - i - 1 < k)
			return false;
		for (size_t j = 1; j <= k; j++) {
			if ((s[i + j] & 0xc0) != 0x80)
				return false;
			cp = cp << 6 | (s[i + j] & 0x3fu);
		}
		if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff) || invisible(cp))
			return false;
		i += 1 + k;
	}
	return true;
}

static bool iface_ok(const struct prefix *p, int family)
{
	return p->addr.family == family && p->len >= 1 && p->len <= family_len(family) * 8;
}

static bool route_ok(const struct prefix *p)
{
	size_t alen = family_len(p->addr.family);

	return alen != 0 && p->len <= alen * 8 && host_bits_zero(p->addr.bytes, alen, p->len);
}

/* ---- CONFIG encoder ---- */

struct writer {
	uint8_t *out;
	size_t cap, len;
	bool full;
};

static void put_attr(struct writer *w, uint8_t type, const void *v, size_t vlen)
{
	if (w->full || w->cap - w->len < ATTR_HDR_LEN + vlen) {
		w->full = true;
		return;
	}
	w->out[w->len] = type;
	buf_put16(w->out + w->len + 1, (uint16_t)vlen);
	memcpy(w->out + w->len + ATTR_HDR_LEN, v, vlen);
	w->len += ATTR_HDR_LEN + vlen;
}

static void put_prefix(struct writer *w, uint8_t type, const struct prefix *p)
{
	uint8_t v[17];
	size_t alen = family_len(p->addr.family);

	memcpy(v, p->addr.bytes, alen);
	v[alen] = p->len;
	put_attr(w, type, v, alen + 1);
}

static void put_u16(struct writer *w, uint8_t type, uint16_t x)
{
	uint8_t v[2];

	buf_put16(v, x);
	put_attr(w, type, v, sizeof(v));
}

static void put_u64(struct writer *w, uint8_t type, uint64_t x)
{
	uint8_t v[8];

	buf_put32(v, (uint32_t)(x >> 32));
	buf_put32(v + 4, (uint32_t)x);
	put_attr(w, type, v, sizeof(v));
}

/* The repeated attributes, which a CONFIG_UPDATE carries as well. */
static bool lists_ok(const struct msg_config *c)
{
	if (c->n_routes > CFG_MAX_ROUTES || c->n_dns > CFG_MAX_DNS ||
	    c->n_search > CFG_MAX_SEARCH || c->n_routing > CFG_MAX_ROUTING)
		return false;
	for (unsigned i = 0; i < c->n_routes; i++)
		if (!route_ok(&c->routes[i]))
			return false;
	for (unsigned i = 0; i < c->n_dns; i++)
		if (family_len(c->dns[i].family) == 0)
			return false;
	for (unsigned i = 0; i < c->n_search; i++) {
		size_t l = strnlen(c->search[i], sizeof(c->search[i]));

		if (!domain_ok((const uint8_t *)c->search[i], l))
			return false;
	}
	for (unsigned i = 0; i < c->n_routing; i++)
		if (!domain_ok((const uint8_t *)c->routing[i],
			       strnlen(c->routing[i], sizeof(c->routing[i]))))
			return false;
	return true;
}

static bool config_ok(const struct msg_config *c)
{
	bool has4 = c->addr4.addr.family != 0, has6 = c->addr6.addr.family != 0;

	if ((!has4 && !has6) || (has4 && !iface_ok(&c->addr4, AF_INET)) ||
	    (has6 && !iface_ok(&c->addr6, AF_INET6)))
		return false;
	if ((c->gateway4.family != 0 && (c->gateway4.family != AF_INET || !has4)) ||
	    (c->gateway6.family != 0 && (c->gateway6.family != AF_INET6 || !has6)))
		return false;
	if (c->mtu < MSG_MTU_MIN || c->mtu > MSG_MTU_MAX || c->keepalive < MSG_KEEPALIVE_MIN ||
	    c->keepalive > MSG_KEEPALIVE_MAX)
		return false;
	if (!lists_ok(c))
		return false;
	if (c->dead_peer != 0 && (c->dead_peer <= c->keepalive || c->dead_peer > MSG_DEAD_PEER_MAX))
		return false;
	if (c->dchan.cid != 0 && (c->dchan.port == 0 || (c->dchan.aead != 1 && c->dchan.aead != 2)))
		return false;
	return c->cert_not_after >= 0 && c->cert_not_after <= NOT_AFTER_MAX &&
	       c->cert_warn_days <= WARN_DAYS_MAX;
}

/* Routes, DNS servers, search and routing domains, in that order. */
static void put_lists(struct writer *w, const struct msg_config *c)
{
	for (unsigned i = 0; i < c->n_routes; i++)
		put_prefix(w,
			   c->routes[i].addr.family == AF_INET ? CFG_ATTR_ROUTE4 : CFG_ATTR_ROUTE6,
			   &c->routes[i]);
	for (unsigned i = 0; i < c->n_dns; i++)
		put_attr(w, c->dns[i].family == AF_INET ? CFG_ATTR_DNS4 : CFG_ATTR_DNS6,
			 c->dns[i].bytes, family_len(c->dns[i].family));
	for (unsigned i = 0; i < c->n_search; i++)
		put_attr(w, CFG_ATTR_DNS_SEARCH, c->search[i], strlen(c->search[i]));
}

static void put_routing(struct writer *w, const struct msg_config *c)
{
	for (unsigned i = 0; i < c->n_routing; i++)
		put_attr(w, CFG_ATTR_DNS_ROUTING, c->routing[i], strlen(c->routing[i]));
}

size_t msg_config_encode(const struct msg_config *c, uint8_t *out, size_t cap)
{
	struct writer w = {.out = out, .cap = cap};

	if (!config_ok(c))
		return 0;
	if (c->addr4.addr.family != 0)
		put_prefix(&w, CFG_ATTR_IPV4, &c->addr4);
	if (c->addr6.addr.family != 0)
		put_prefix(&w, CFG_ATTR_IPV6, &c->addr6);
	put_u16(&w, CFG_ATTR_MTU, c->mtu);
	put_u16(&w, CFG_ATTR_KEEPALIVE, c->keepalive);
	if (c->gateway4.family != 0)
		put_attr(&w, CFG_ATTR_GATEWAY4, c->gateway4.bytes, 4);
	if (c->gateway6.family != 0)
		put_attr(&w, CFG_ATTR_GATEWAY6, c->gateway6.bytes, 16);
	put_lists(&w, c);
	if (c->session_id != 0)
		put_u64(&w, CFG_ATTR_SESSION_ID, c->session_id);
	if (c->cert_not_after != 0)
		put_u64(&w, CFG_ATTR_CERT_NOT_AFTER, (uint64_t)c->cert_not_after);
	if (c->cert_warn_days != 0)
		put_u16(&w, CFG_ATTR_CERT_WARN_DAYS, c->cert_warn_days);
	if (c->dead_peer != 0) {
		uint8_t v[4];

		buf_put32(v, c->dead_peer);
		put_attr(&w, CFG_ATTR_DEAD_PEER, v, sizeof(v));
	}
	put_routing(&w, c);
	if (c->features != 0) {
		uint8_t v[4];

		buf_put32(v, c->features);
		put_attr(&w, CFG_ATTR_FEATURES, v, sizeof(v));
	}
	if (c->dchan.cid != 0) {
		uint8_t v[MSG_DCHAN_LEN];

		buf_put32(v, (uint32_t)(c->dchan.cid >> 32));
		buf_put32(v + 4, (uint32_t)c->dchan.cid);
		buf_put16(v + 8, c->dchan.port);
		v[10] = c->dchan.aead;
		put_attr(&w, CFG_ATTR_DCHAN, v, sizeof(v));
	}
	return w.full ? 0 : w.len;
}

bool msg_update_encode(const struct msg_config *c, uint8_t *out, size_t cap, size_t *len)
{
	struct writer w = {.out = out, .cap = cap};

	*len = 0;
	if (!lists_ok(c))
		return false;
	put_lists(&w, c);
	put_routing(&w, c);
	*len = w.len;
	return !w.full;
}

/* ---- CONFIG decoder ---- */

static uint64_t get64(const uint8_t *v)
{
	return (uint64_t)buf_get32(v) << 32 | buf_get32(v + 4);
}

/* Each known attribute's value length: exact, or 1..253 for a domain. */
static bool attr_len_ok(uint8_t type, size_t len)
{
	switch (type) {
	case CFG_ATTR_IPV4:
	case CFG_ATTR_ROUTE4:
		return len == 5;
	case CFG_ATTR_IPV6:
	case CFG_ATTR_ROUTE6:
		return len == 17;
	case CFG_ATTR_MTU:
	case CFG_ATTR_KEEPALIVE:
	case CFG_ATTR_CERT_WARN_DAYS:
		return len == 2;
	case CFG_ATTR_DNS4:
	case CFG_ATTR_GATEWAY4:
	case CFG_ATTR_DEAD_PEER:
	case CFG_ATTR_FEATURES:
		return len == 4;
	case CFG_ATTR_DNS6:
	case CFG_ATTR_GATEWAY6:
		return len == 16;
	case CFG_ATTR_DNS_SEARCH:
	case CFG_ATTR_DNS_ROUTING:
		return len >= 1 && len <= MSG_DOMAIN_MAX;
	case CFG_ATTR_SESSION_ID:
	case CFG_ATTR_CERT_NOT_AFTER:
		return len == 8;
	case CFG_ATTR_DCHAN:
		return len == MSG_DCHAN_LEN;
	default:
		return true;
	}
}

static bool known(uint8_t type)
{
	return (type >= CFG_ATTR_IPV4 && type <= CFG_ATTR_GATEWAY6) ||
	       (type >= CFG_ATTR_SESSION_ID && type <= CFG_ATTR_DCHAN);
}

static bool repeatable(uint8_t type)
{
	return type == CFG_ATTR_ROUTE4 || type == CFG_ATTR_ROUTE6 || type == CFG_ATTR_DNS4 ||
	       type == CFG_ATTR_DNS6 || type == CFG_ATTR_DNS_SEARCH || type == CFG_ATTR_DNS_ROUTING;
}

static void get_addr(struct ipaddr *a, int family, const uint8_t *v)
{
	a->family = family;
	memcpy(a->bytes, v, family_len(family));
}

/* A domain attribute's value into out, if domain_ok() accepts it. */
static bool get_domain(char out[static MSG_DOMAIN_MAX + 1], const uint8_t *v, size_t len)
{
	if (!domain_ok(v, len))
		return false;
	memcpy(out, v, len);
	out[len] = '\0';
	return true;
}

/* Applies one attribute whose length attr_len_ok() accepted; NULL or why. */
static const char *apply_attr(struct msg_config *c, uint8_t type, const uint8_t *v, size_t len)
{
	int fam = AF_INET6;
	uint64_t x;

	switch (type) {
	case CFG_ATTR_IPV4:
		fam = AF_INET;
		/* fall through */
	case CFG_ATTR_IPV6: {
		struct prefix *p = fam == AF_INET ? &c->addr4 : &c->addr6;

		get_addr(&p->addr, fam, v);
		p->len = v[len - 1];
		return iface_ok(p, fam) ? NULL : "CONFIG address prefix length out of range";
	}
	case CFG_ATTR_ROUTE4:
	case CFG_ATTR_ROUTE6: {
		struct prefix *p = &c->routes[c->n_routes];

		if (c->n_routes == CFG_MAX_ROUTES)
			return "CONFIG has too many routes";
		get_addr(&p->addr, type == CFG_ATTR_ROUTE4 ? AF_INET : AF_INET6, v);
		p->len = v[len - 1];
		if (p->len > (len - 1) * 8)
			return "CONFIG route prefix length out of range";
		if (!route_ok(p))
			return "CONFIG route has host bits set";
		c->n_routes++;
		return NULL;
	}
	case CFG_ATTR_DNS4:
	case CFG_ATTR_DNS6:
		if (c->n_dns == CFG_MAX_DNS)
			return "CONFIG has too many DNS servers";
		get_addr(&c->dns[c->n_dns++], type == CFG_ATTR_DNS4 ? AF_INET : AF_INET6, v);
		return NULL;
	case CFG_ATTR_DNS_SEARCH:
		if (c->n_search == CFG_MAX_SEARCH)
			return "CONFIG has too many search domains";
		return get_domain(c->search[c->n_search++], v, len)
			   ? NULL
			   : "CONFIG search domain is not a domain name";
	case CFG_ATTR_DNS_ROUTING:
		if (c->n_routing == CFG_MAX_ROUTING)
			return "CONFIG has too many routing domains";
		return get_domain(c->routing[c->n_routing++], v, len)
			   ? NULL
			   : "CONFIG routing domain is not a domain name";
	case CFG_ATTR_MTU:
		c->mtu = buf_get16(v);
		return c->mtu >= MSG_MTU_MIN && c->mtu <= MSG_MTU_MAX ? NULL
								      : "CONFIG MTU out of range";
	case CFG_ATTR_KEEPALIVE:
		c->keepalive = buf_get16(v);
		return c->keepalive >= MSG_KEEPALIVE_MIN && c->keepalive <= MSG_KEEPALIVE_MAX
			   ? NULL
			   : "CONFIG keepalive out of range";
	case CFG_ATTR_GATEWAY4:
		get_addr(&c->gateway4, AF_INET, v);
		return NULL;
	case CFG_ATTR_GATEWAY6:
		get_addr(&c->gateway6, AF_INET6, v);
		return NULL;
	case CFG_ATTR_SESSION_ID:
		c->session_id = get64(v);
		return c->session_id != 0 ? NULL : "CONFIG session id is zero";
	case CFG_ATTR_CERT_NOT_AFTER:
		x = get64(v);
		if (x == 0 || x > (uint64_t)NOT_AFTER_MAX)
			return "CONFIG certificate expiry out of range";
		c->cert_not_after = (int64_t)x;
		return NULL;
	case CFG_ATTR_CERT_WARN_DAYS:
		c->cert_warn_days = buf_get16(v);
		return c->cert_warn_days >= 1 && c->cert_warn_days <= WARN_DAYS_MAX
			   ? NULL
			   : "CONFIG certificate warning days out of range";
	case CFG_ATTR_DEAD_PEER:
		/* More than the keepalive is checked once both are known. */
		c->dead_peer = buf_get32(v);
		return c->dead_peer >= 2 && c->dead_peer <= MSG_DEAD_PEER_MAX
			   ? NULL
			   : "CONFIG dead-peer timeout out of range";
	case CFG_ATTR_FEATURES:
		/* Unknown bits are a newer gateway's offers: kept, unused. */
		c->features = buf_get32(v);
		return NULL;
	case CFG_ATTR_DCHAN:
		c->dchan.cid = get64(v);
		c->dchan.port = buf_get16(v + 8);
		c->dchan.aead = v[10];
		if (c->dchan.cid == 0 || c->dchan.port == 0)
			return "CONFIG data channel with connection id or port 0";
		return c->dchan.aead == 1 || c->dchan.aead == 2 ? NULL
							       : "CONFIG data channel with an unknown AEAD";
	default:
		return NULL; /* known() let through only the types above */
	}
}

/* Walks the attributes into out (zeroed first), marking which were seen.
 * update: only the repeatable ones (routes, DNS servers, search and routing
 * domains) are allowed, the ones a CONFIG_UPDATE carries. */
static enum msg_result decode_attrs(const uint8_t *p, size_t n, bool update, struct msg_config *out,
				    bool seen[static 256], const char **why)
{
	size_t off = 0;

	memset(out, 0, sizeof(*out));
	while (off < n) {
		uint8_t type;
		size_t len;
		const char *bad;

		if (n - off < ATTR_HDR_LEN) {
			*why = "CONFIG attribute header truncated";
			return MSG_MALFORMED;
		}
		type = p[off];
		len = buf_get16(p + off + 1);
		off += ATTR_HDR_LEN;
		if (n - off < len) {
			*why = "CONFIG attribute longer than the message";
			return MSG_MALFORMED;
		}
		if (!known(type)) {
			/* Unknown optional attributes may repeat: we cannot
			 * know their rules, only skip them. */
			if (type < ATTR_OPTIONAL) {
				*why = "CONFIG has an unknown mandatory attribute";
				return MSG_MALFORMED;
			}
			off += len;
			continue;
		}
		if (update && !repeatable(type)) {
			*why = "CONFIG_UPDATE carries an attribute an update cannot change";
			return MSG_MALFORMED;
		}
		if (!attr_len_ok(type, len)) {
			*why = "CONFIG attribute has the wrong length";
			return MSG_MALFORMED;
		}
		if (seen[type] && !repeatable(type)) {
			*why = "CONFIG attribute repeated";
			return MSG_MALFORMED;
		}
		seen[type] = true;
		bad = apply_attr(out, type, p + off, len);
		if (bad != NULL) {
			*why = bad;
			return MSG_MALFORMED;
		}
		off += len;
	}
	return MSG_OK;
}

enum msg_result msg_config_decode(const uint8_t *p, size_t n, struct msg_config *out,
				  const char **why)
{
	bool seen[256] = {false};

	if (decode_attrs(p, n, false, out, seen, why) != MSG_OK)
		return MSG_MALFORMED;
	if (!seen[CFG_ATTR_IPV4] && !seen[CFG_ATTR_IPV6]) {
		*why = "CONFIG carries no tunnel address";
		return MSG_MALFORMED;
	}
	if (!seen[CFG_ATTR_MTU] || !seen[CFG_ATTR_KEEPALIVE]) {
		*why = "CONFIG lacks the MTU or the keepalive";
		return MSG_MALFORMED;
	}
	if ((seen[CFG_ATTR_GATEWAY4] && !seen[CFG_ATTR_IPV4]) ||
	    (seen[CFG_ATTR_GATEWAY6] && !seen[CFG_ATTR_IPV6])) {
		*why = "CONFIG gateway address without a tunnel address of its family";
		return MSG_MALFORMED;
	}
	if (seen[CFG_ATTR_DEAD_PEER] && out->dead_peer <= out->keepalive) {
		*why = "CONFIG dead-peer timeout not above the keepalive";
		return MSG_MALFORMED;
	}
	return MSG_OK;
}

enum msg_result msg_update_decode(const uint8_t *p, size_t n, struct msg_config *out,
				  const char **why)
{
	bool seen[256] = {false};

	return decode_attrs(p, n, true, out, seen, why);
}

size_t msg_features_encode(uint32_t features, uint8_t *out, size_t cap)
{
	if (cap < 4)
		return 0;
	buf_put32(out, features);
	return 4;
}

enum msg_result msg_features_decode(const uint8_t *p, size_t n, uint32_t *out, const char **why)
{
	*out = 0;
	if (n != 4) {
		*why = "FEATURES is not 4 bytes";
		return MSG_MALFORMED;
	}
	*out = buf_get32(p);
	return MSG_OK;
}

/* ---- BYE: reason (2, big endian), then 0..BYE_MAX_TEXT bytes of text ----
 * The text may end with the retry-after attribute (proto.h). It is text
 * too, so an older peer decodes the BYE and only shows it; the decoder
 * takes it out of the text only in its one canonical form, so whatever
 * decodes encodes again to the same bytes. */

#define RETRY_ATTR_LEN (sizeof(BYE_ATTR_RETRY_AFTER) - 1)
#define RETRY_DIGITS_MAX 7 /* BYE_RETRY_AFTER_MAX_MS has 7 */

size_t msg_bye_encode(const struct msg_bye *b, uint8_t *out, size_t cap)
{
	size_t len = strnlen(b->text, sizeof(b->text));
	char attr[32] = "";
	size_t alen = 0;

	if (b->has_retry_after) {
		if (b->retry_after_ms > BYE_RETRY_AFTER_MAX_MS)
			return 0;
		alen = (size_t)snprintf(attr, sizeof(attr), "%s" BYE_ATTR_RETRY_AFTER "%u]",
					len > 0 ? " " : "", (unsigned)b->retry_after_ms);
	}
	if (b->reason > BYE_REASON_MAX || len > BYE_MAX_TEXT || alen > BYE_MAX_TEXT - len ||
	    !text_ok((const uint8_t *)b->text, len) || cap < 2 || cap - 2 < len + alen)
		return 0;
	buf_put16(out, b->reason);
	memcpy(out + 2, b->text, len);
	memcpy(out + 2 + len, attr, alen);
	return 2 + len + alen;
}

/* The length of the canonical retry-after attribute that ends t[0..n) (with
 * the space before it, if any), its value in *ms; 0 if t does not end so. */
static size_t retry_attr_at_end(const uint8_t *t, size_t n, uint32_t *ms)
{
	size_t d = 0, start;
	uint32_t v = 0;

	if (n < RETRY_ATTR_LEN + 2 || t[n - 1] != ']')
		return 0;
	while (d < n - 1 && d <= RETRY_DIGITS_MAX && t[n - 2 - d] >= '0' && t[n - 2 - d] <= '9')
		d++;
	if (d == 0 || d > RETRY_DIGITS_MAX || n - 1 - d < RETRY_ATTR_LEN)
		return 0;
	start = n - 1 - d - RETRY_ATTR_LEN;
	if (memcmp(t + start, BYE_ATTR_RETRY_AFTER, RETRY_ATTR_LEN) != 0 ||
	    (d > 1 && t[n - 1 - d] == '0'))
		return 0;
	for (size_t i = n - 1 - d; i < n - 1; i++)
		v = v * 10 + (uint32_t)(t[i] - '0');
	if (v > BYE_RETRY_AFTER_MAX_MS)
		return 0;
	/* After other text, the attribute is set off by exactly one space. */
	if (start > 0) {
		if (t[start - 1] != ' ')
			return 0;
		start--;
	}
	*ms = v;
	return n - start;
}

/* An unknown reason is accepted: a newer peer may add reasons, and
 * msg_bye_reason_str() has a sentence for those too. */
enum msg_result msg_bye_decode(const uint8_t *p, size_t n, struct msg_bye *out, const char **why)
{
	size_t tlen, alen;

	memset(out, 0, sizeof(*out));
	if (n < 2) {
		*why = "BYE shorter than its reason code";
		return MSG_MALFORMED;
	}
	if (n - 2 > BYE_MAX_TEXT) {
		*why = "BYE text too long";
		return MSG_MALFORMED;
	}
	if (!text_ok(p + 2, n - 2)) {
		*why = "BYE text is not printable UTF-8";
		return MSG_MALFORMED;
	}
	out->reason = buf_get16(p);
	tlen = n - 2;
	alen = retry_attr_at_end(p + 2, tlen, &out->retry_after_ms);
	/* " [retry-after-ms=1]" alone is text ending in a space, then nothing:
	 * it stays text, as the encoder never writes it. */
	if (alen > 0 && !(alen == tlen && p[2] == ' ')) {
		out->has_retry_after = true;
		tlen -= alen;
	} else {
		out->retry_after_ms = 0;
	}
	memcpy(out->text, p + 2, tlen);
	out->text[tlen] = '\0';
	return MSG_OK;
}

const char *msg_bye_reason_str(uint16_t reason)
{
	static const char *const sentences[] = {
	    [BYE_NORMAL] = "disconnected normally",
	    [BYE_SHUTDOWN] = "gateway shutting down",
	    [BYE_REVOKED] = "certificate revoked",
	    [BYE_EXPIRED] = "certificate expired",
	    [BYE_REPLACED] = "replaced by a newer session",
	    [BYE_POOL_EXHAUSTED] = "address pool exhausted",
	    [BYE_PROTOCOL_ERROR] = "protocol error",
	    [BYE_TIMEOUT] = "no traffic from the peer for too long",
	    [BYE_ADMIN] = "disconnected by an administrator",
	    [BYE_NOT_AUTHORIZED] = "not authorized to connect",
	    [BYE_LIFETIME] = "maximum session lifetime reached",
	    [BYE_DRAINING] = "gateway draining: reconnect to another gateway",
	};

	if (reason < sizeof(sentences) / sizeof(sentences[0]) && sentences[reason] != NULL)
		return sentences[reason];
	return "disconnected for a reason this version does not know";
}

/*
 * Permanent: reconnecting cannot succeed, or would undo a deliberate act.
 *  - REVOKED, EXPIRED, NOT_AUTHORIZED: the same certificate is refused again.
 *  - REPLACED: another live client holds this identity now; reconnecting
 *    would only take the session back and start a ping-pong.
 *  - ADMIN: an administrator's disconnect must stick until the person
 *    reconnects by hand.
 * Everything else (shutdown, pool exhausted, timeout, lifetime, protocol
 * error, normal, draining, unknown reasons) may succeed later: retry.
 */
bool msg_bye_is_permanent(uint16_t reason)
{
	switch (reason) {
	case BYE_REVOKED:
	case BYE_EXPIRED:
	case BYE_NOT_AUTHORIZED:
	case BYE_REPLACED:
	case BYE_ADMIN:
		return true;
	default:
		return false;
	}
}
