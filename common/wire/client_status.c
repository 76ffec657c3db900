/*
 * client_status.c - the client status record and the NAME.ended note as
 * bytes (see client_status.h). Each attribute's length is checked before
 * its value is read; strings are at most their field's size, never hold a
 * NUL or a control character, and repeated attributes stop at their array.
 */
#include "client_status.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "buf.h"

enum attr {
	A_STATE = 1,	       /* u8 */
	A_NOW = 2,	       /* i64 */
	A_SINCE = 3,	       /* i64 */
	A_RETRY_MS = 4,	       /* u32 */
	A_REASON = 5,	       /* text */
	A_GATEWAY_HOST = 6,    /* text */
	A_GATEWAY_PORT = 7,    /* u16 */
	A_GATEWAY_ADDR = 8,    /* address */
	A_TUN = 9,	       /* text */
	A_ADDR4 = 10,	       /* prefix */
	A_ADDR6 = 11,	       /* prefix */
	A_FULL_TUNNEL = 12,    /* u8 0/1 */
	A_ROUTE = 13,	       /* prefix, repeated */
	A_DNS = 14,	       /* address, repeated */
	A_SEARCH = 15,	       /* text, repeated */
	A_TX_BYTES = 16,       /* u64 */
	A_TX_PACKETS = 17,     /* u64 */
	A_RX_BYTES = 18,       /* u64 */
	A_RX_PACKETS = 19,     /* u64 */
	A_IDENTITY = 20,       /* text */
	A_CERT_NOT_AFTER = 21, /* i64 */
	A_KILL_SWITCH = 22,    /* u8 0/1; absent: unknown */
	A_PID = 23,	       /* u32 */
	A_DNS_APPLIED = 24,    /* u8 0/1 */
	A_UDP = 25,	       /* u8 state 1-3, u32 epoch, 5 + CLIENT_STATUS_UDP_DROPS u64;
				  absent: no channel */
	A_RENEW_NEXT = 26,     /* i64, 0 none planned; absent: no renewal */
	A_RENEW_LAST = 27,     /* text */
};

#define UDP_LEN (1 + 4 + 8 * (5 + CLIENT_STATUS_UDP_DROPS))

static const char *const udp_names[] = {
    [CLIENT_STATUS_UDP_NONE] = "off",
    [CLIENT_STATUS_UDP_PROBING] = "probing",
    [CLIENT_STATUS_UDP_UP] = "up",
    [CLIENT_STATUS_UDP_FAILED] = "failed",
};

static const char *const drop_names[CLIENT_STATUS_UDP_DROPS] = {
    [CLIENT_STATUS_UDP_MALFORMED] = "malformed", [CLIENT_STATUS_UDP_CID] = "cid",
    [CLIENT_STATUS_UDP_EPOCH] = "epoch",	 [CLIENT_STATUS_UDP_LIMIT] = "limit",
    [CLIENT_STATUS_UDP_AUTH] = "auth",		 [CLIENT_STATUS_UDP_REPLAY] = "replay",
    [CLIENT_STATUS_UDP_OLD] = "old",
};

static const char *const state_names[] = {
    [CLIENT_STATUS_CONNECTING] = "connecting",	   [CLIENT_STATUS_UP] = "up",
    [CLIENT_STATUS_RECONNECTING] = "reconnecting", [CLIENT_STATUS_REFUSED] = "refused",
    [CLIENT_STATUS_CLOSING] = "closing",	   [CLIENT_STATUS_ENDED] = "ended",
    [CLIENT_STATUS_NOT_RUNNING] = "not_running",
};

void client_status_init(struct client_status *s, uint8_t state)
{
	memset(s, 0, sizeof(*s));
	s->state = state;
	s->kill_switch = -1;
}

const char *client_status_state_name(uint8_t state)
{
	if (state >= sizeof(state_names) / sizeof(state_names[0]) || state_names[state] == NULL)
		return "?";
	return state_names[state];
}

const char *client_status_udp_name(uint8_t state)
{
	return state < sizeof(udp_names) / sizeof(udp_names[0]) ? udp_names[state] : "?";
}

const char *client_status_udp_drop_name(unsigned drop)
{
	return drop < CLIENT_STATUS_UDP_DROPS ? drop_names[drop] : "?";
}

/* ---- encoding ---- */

struct writer {
	uint8_t *p;
	size_t cap, len;
	bool bad;
};

static void put(struct writer *w, uint8_t type, const void *v, size_t n)
{
	if (w->bad || n > UINT16_MAX || w->cap - w->len < 3 + n) {
		w->bad = true;
		return;
	}
	w->p[w->len] = type;
	buf_put16(w->p + w->len + 1, (uint16_t)n);
	if (n > 0)
		memcpy(w->p + w->len + 3, v, n);
	w->len += 3 + n;
}

static void put_u64(struct writer *w, uint8_t type, uint64_t v)
{
	uint8_t b[8];

	buf_put32(b, (uint32_t)(v >> 32));
	buf_put32(b + 4, (uint32_t)v);
	put(w, type, b, sizeof(b));
}

static void put_u32(struct writer *w, uint8_t type, uint32_t v)
{
	uint8_t b[4];

	buf_put32(b, v);
	put(w, type, b, sizeof(b));
}

/* The channel's record, fixed layout (A_UDP). */
static void put_udp(struct writer *w, const struct client_status_udp_info *u)
{
	const uint64_t v[5] = {u->datagrams_in, u->datagrams_out, u->fallbacks, u->recoveries,
			       u->rekeys};
	uint8_t b[UDP_LEN], *p = b + 5;

	if (u->state > CLIENT_STATUS_UDP_FAILED) {
		w->bad = true;
		return;
	}
	b[0] = u->state;
	buf_put32(b + 1, u->epoch);
	for (size_t i = 0; i < 5 + CLIENT_STATUS_UDP_DROPS; i++, p += 8) {
		uint64_t x = i < 5 ? v[i] : u->drops[i - 5];

		buf_put32(p, (uint32_t)(x >> 32));
		buf_put32(p + 4, (uint32_t)x);
	}
	put(w, A_UDP, b, sizeof(b));
}

static bool text_ok(const char *s, size_t max)
{
	size_t n = strnlen(s, max + 1);

	if (n > max)
		return false;
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			return false;
	return true;
}

static void put_text(struct writer *w, uint8_t type, const char *s, size_t max)
{
	if (!text_ok(s, max)) {
		w->bad = true;
		return;
	}
	put(w, type, s, strlen(s));
}

/* family (4 or 6), the address bytes, then the prefix length if any. */
static void put_addr(struct writer *w, uint8_t type, const struct ipaddr *a, int plen)
{
	uint8_t b[1 + 16 + 1];
	size_t n = addr_len(a);

	if (n == 0) {
		w->bad = true;
		return;
	}
	b[0] = a->family == AF_INET ? 4 : 6;
	memcpy(b + 1, a->bytes, n);
	if (plen >= 0)
		b[1 + n] = (uint8_t)plen;
	put(w, type, b, 1 + n + (plen >= 0 ? 1 : 0));
}

size_t client_status_encode(const struct client_status *s, uint8_t *out, size_t cap)
{
	struct writer w = {.p = out, .cap = cap};

	if (s->state < CLIENT_STATUS_CONNECTING || s->state > CLIENT_STATUS_NOT_RUNNING ||
	    s->n_routes > CFG_MAX_ROUTES || s->n_dns > CFG_MAX_DNS || s->n_search > CFG_MAX_SEARCH)
		return 0;
	put(&w, A_STATE, &s->state, 1);
	put_u64(&w, A_NOW, (uint64_t)s->now);
	put_u64(&w, A_SINCE, (uint64_t)s->since);
	put_u32(&w, A_RETRY_MS, s->retry_in_ms);
	put_text(&w, A_REASON, s->reason, CLIENT_STATUS_TEXT_MAX);
	put_text(&w, A_GATEWAY_HOST, s->gateway_host, CLIENT_STATUS_TEXT_MAX);
	put(&w, A_GATEWAY_PORT,
	    (uint8_t[2]){(uint8_t)(s->gateway_port >> 8), (uint8_t)s->gateway_port}, 2);
	if (s->gateway_addr.family != 0)
		put_addr(&w, A_GATEWAY_ADDR, &s->gateway_addr, -1);
	put_text(&w, A_TUN, s->tun, CLIENT_STATUS_NAME_MAX);
	if (s->addr4.addr.family != 0)
		put_addr(&w, A_ADDR4, &s->addr4.addr, s->addr4.len);
	if (s->addr6.addr.family != 0)
		put_addr(&w, A_ADDR6, &s->addr6.addr, s->addr6.len);
	put(&w, A_FULL_TUNNEL, &(uint8_t){s->full_tunnel ? 1 : 0}, 1);
	for (unsigned i = 0; i < s->n_routes; i++)
		put_addr(&w, A_ROUTE, &s->routes[i].addr, s->routes[i].len);
	for (unsigned i = 0; i < s->n_dns; i++)
		put_addr(&w, A_DNS, &s->dns[i], -1);
	for (unsigned i = 0; i < s->n_search; i++)
		put_text(&w, A_SEARCH, s->search[i], CLIENT_STATUS_TEXT_MAX);
	put_u64(&w, A_TX_BYTES, s->tx_bytes);
	put_u64(&w, A_TX_PACKETS, s->tx_packets);
	put_u64(&w, A_RX_BYTES, s->rx_bytes);
	put_u64(&w, A_RX_PACKETS, s->rx_packets);
	put_text(&w, A_IDENTITY, s->identity, CLIENT_STATUS_TEXT_MAX);
	put_u64(&w, A_CERT_NOT_AFTER, (uint64_t)s->cert_not_after);
	if (s->kill_switch >= 0)
		put(&w, A_KILL_SWITCH, &(uint8_t){s->kill_switch ? 1 : 0}, 1);
	put_u32(&w, A_PID, s->pid);
	put(&w, A_DNS_APPLIED, &(uint8_t){s->dns_applied ? 1 : 0}, 1);
	if (s->udp.state != CLIENT_STATUS_UDP_NONE)
		put_udp(&w, &s->udp);
	if (s->renew_on) {
		put_u64(&w, A_RENEW_NEXT, (uint64_t)s->renew_next);
		put_text(&w, A_RENEW_LAST, s->renew_last, CLIENT_STATUS_TEXT_MAX);
	}
	return w.bad ? 0 : w.len;
}

/* ---- decoding ---- */

static uint64_t get_u64(const uint8_t *p)
{
	return (uint64_t)buf_get32(p) << 32 | buf_get32(p + 4);
}

/* out has max + 1 bytes; all of them are written, so a repeated attribute
 * leaves nothing of the one before. */
static bool get_text(const uint8_t *v, size_t n, char *out, size_t max)
{
	if (n > max || memchr(v, 0, n) != NULL)
		return false;
	memset(out, 0, max + 1);
	memcpy(out, v, n);
	return text_ok(out, max);
}

/* want_prefix: a length byte follows and must fit the family. */
static bool get_addr(const uint8_t *v, size_t n, struct ipaddr *a, uint8_t *plen)
{
	size_t alen;

	if (n < 1 || (v[0] != 4 && v[0] != 6))
		return false;
	alen = v[0] == 4 ? 4 : 16;
	if (n != 1 + alen + (plen != NULL ? 1 : 0))
		return false;
	if (v[0] == 4)
		addr_from_v4(a, v + 1);
	else
		addr_from_v6(a, v + 1);
	if (plen != NULL) {
		*plen = v[1 + alen];
		if (*plen > alen * 8)
			return false;
	}
	return true;
}

static bool get_udp(const uint8_t *v, struct client_status_udp_info *u)
{
	uint64_t x[5 + CLIENT_STATUS_UDP_DROPS];

	for (size_t i = 0; i < sizeof(x) / sizeof(x[0]); i++)
		x[i] = get_u64(v + 5 + 8 * i);
	u->state = v[0];
	u->epoch = buf_get32(v + 1);
	u->datagrams_in = x[0];
	u->datagrams_out = x[1];
	u->fallbacks = x[2];
	u->recoveries = x[3];
	u->rekeys = x[4];
	memcpy(u->drops, x + 5, sizeof(u->drops));
	return v[0] >= CLIENT_STATUS_UDP_PROBING && v[0] <= CLIENT_STATUS_UDP_FAILED;
}

static bool get_prefix(const uint8_t *v, size_t n, struct prefix *p, int family)
{
	return get_addr(v, n, &p->addr, &p->len) && (family == 0 || p->addr.family == family);
}

/* One attribute into s; false with *why. */
static bool decode_attr(uint8_t type, const uint8_t *v, size_t n, struct client_status *s,
			const char **why)
{
	/* Fixed sizes first: one check for all. */
	static const uint8_t fixed[] = {
	    [A_STATE] = 1,	  [A_NOW] = 8,	       [A_SINCE] = 8,	       [A_RETRY_MS] = 4,
	    [A_GATEWAY_PORT] = 2, [A_FULL_TUNNEL] = 1, [A_TX_BYTES] = 8,       [A_TX_PACKETS] = 8,
	    [A_RX_BYTES] = 8,	  [A_RX_PACKETS] = 8,  [A_CERT_NOT_AFTER] = 8, [A_KILL_SWITCH] = 1,
	    [A_PID] = 4,	  [A_DNS_APPLIED] = 1, [A_UDP] = UDP_LEN,      [A_RENEW_NEXT] = 8,
	};

	if (type < sizeof(fixed) && fixed[type] != 0 && n != fixed[type]) {
		*why = "a fixed-size attribute has the wrong length";
		return false;
	}
	*why = "an attribute's value is out of range";
	switch (type) {
	case A_STATE:
		s->state = v[0];
		return v[0] >= CLIENT_STATUS_CONNECTING && v[0] <= CLIENT_STATUS_CLOSING;
	case A_NOW:
		s->now = (int64_t)get_u64(v);
		return true;
	case A_SINCE:
		s->since = (int64_t)get_u64(v);
		return true;
	case A_RETRY_MS:
		s->retry_in_ms = buf_get32(v);
		return true;
	case A_REASON:
		return get_text(v, n, s->reason, CLIENT_STATUS_TEXT_MAX);
	case A_GATEWAY_HOST:
		return get_text(v, n, s->gateway_host, CLIENT_STATUS_TEXT_MAX);
	case A_GATEWAY_PORT:
		s->gateway_port = buf_get16(v);
		return true;
	case A_GATEWAY_ADDR:
		return get_addr(v, n, &s->gateway_addr, NULL);
	case A_TUN:
		return get_text(v, n, s->tun, CLIENT_STATUS_NAME_MAX);
	case A_ADDR4:
		return get_prefix(v, n, &s->addr4, AF_INET);
	case A_ADDR6:
		return get_prefix(v, n, &s->addr6, AF_INET6);
	case A_FULL_TUNNEL:
		s->full_tunnel = v[0] != 0;
		return v[0] <= 1;
	case A_ROUTE:
		if (s->n_routes >= CFG_MAX_ROUTES) {
			*why = "too many routes";
			return false;
		}
		return get_prefix(v, n, &s->routes[s->n_routes++], 0);
	case A_DNS:
		if (s->n_dns >= CFG_MAX_DNS) {
			*why = "too many DNS servers";
			return false;
		}
		return get_addr(v, n, &s->dns[s->n_dns++], NULL);
	case A_SEARCH:
		if (s->n_search >= CFG_MAX_SEARCH) {
			*why = "too many search domains";
			return false;
		}
		return get_text(v, n, s->search[s->n_search++], CLIENT_STATUS_TEXT_MAX);
	case A_TX_BYTES:
		s->tx_bytes = get_u64(v);
		return true;
	case A_TX_PACKETS:
		s->tx_packets = get_u64(v);
		return true;
	case A_RX_BYTES:
		s->rx_bytes = get_u64(v);
		return true;
	case A_RX_PACKETS:
		s->rx_packets = get_u64(v);
		return true;
	case A_IDENTITY:
		return get_text(v, n, s->identity, CLIENT_STATUS_TEXT_MAX);
	case A_CERT_NOT_AFTER:
		s->cert_not_after = (int64_t)get_u64(v);
		return true;
	case A_KILL_SWITCH:
		s->kill_switch = (int8_t)v[0];
		return v[0] <= 1;
	case A_PID:
		s->pid = buf_get32(v);
		return true;
	case A_DNS_APPLIED:
		s->dns_applied = v[0] != 0;
		return v[0] <= 1;
	case A_UDP:
		return get_udp(v, &s->udp);
	case A_RENEW_NEXT:
		s->renew_on = true;
		s->renew_next = (int64_t)get_u64(v);
		return true;
	case A_RENEW_LAST:
		/* Either attribute says the client renews. */
		s->renew_on = true;
		return get_text(v, n, s->renew_last, CLIENT_STATUS_TEXT_MAX);
	default:
		/* A newer client's attribute. */
		return true;
	}
}

enum client_status_result client_status_decode(const uint8_t *p, size_t n,
					       struct client_status *out, const char **why)
{
	size_t off = 0;

	client_status_init(out, 0);
	if (n > CLIENT_STATUS_MAX_LEN) {
		*why = "the status record is too long";
		return CLIENT_STATUS_MALFORMED;
	}
	while (off < n) {
		size_t len;

		if (n - off < 3) {
			*why = "a truncated attribute header";
			return CLIENT_STATUS_MALFORMED;
		}
		len = buf_get16(p + off + 1);
		if (n - off - 3 < len) {
			*why = "an attribute runs past the end of the record";
			return CLIENT_STATUS_MALFORMED;
		}
		if (!decode_attr(p[off], p + off + 3, len, out, why))
			return CLIENT_STATUS_MALFORMED;
		off += 3 + len;
	}
	if (out->state == 0) {
		*why = "the status record has no state";
		return CLIENT_STATUS_MALFORMED;
	}
	return CLIENT_STATUS_OK;
}

/* ---- NAME.ended ---- */

size_t client_status_ended_encode(int64_t when, const char *reason, char *out, size_t cap)
{
	char r[CLIENT_STATUS_TEXT_MAX + 1];
	int n;

	snprintf(r, sizeof(r), "%s", reason);
	for (char *c = r; *c != '\0'; c++)
		if ((unsigned char)*c < 0x20 || *c == 0x7f)
			*c = '?';
	n = snprintf(out, cap, "ended %" PRId64 "\n%s\n", when, r);
	return n < 0 || (size_t)n >= cap ? 0 : (size_t)n;
}

enum client_status_result client_status_ended_decode(const char *p, size_t n, int64_t *when,
						     char reason[static CLIENT_STATUS_TEXT_MAX + 1],
						     const char **why)
{
	char head[32];
	const char *nl = memchr(p, '\n', n), *rest, *end;
	size_t hl, rl;
	char *stop;
	long long v;

	if (nl == NULL || (hl = (size_t)(nl - p)) < 7 || hl >= sizeof(head) ||
	    memcmp(p, "ended ", 6) != 0) {
		*why = "the first line is not 'ended UNIXTIME'";
		return CLIENT_STATUS_MALFORMED;
	}
	memcpy(head, p + 6, hl - 6);
	head[hl - 6] = '\0';
	v = strtoll(head, &stop, 10);
	if (*stop != '\0' || head[0] == '-' || head[0] == '+' || head[0] == ' ') {
		*why = "the time is not a number";
		return CLIENT_STATUS_MALFORMED;
	}
	*when = v;
	rest = nl + 1;
	end = p + n;
	rl = (size_t)(end - rest);
	if (rl > 0 && memchr(rest, '\n', rl) != NULL)
		rl = (size_t)((const char *)memchr(rest, '\n', rl) - rest);
	if (rl > CLIENT_STATUS_TEXT_MAX)
		rl = CLIENT_STATUS_TEXT_MAX;
	memcpy(reason, rest, rl);
	reason[rl] = '\0';
	for (size_t i = 0; i < rl; i++)
		if ((unsigned char)reason[i] < 0x20 || reason[i] == 0x7f)
			reason[i] = '?';
	return CLIENT_STATUS_OK;
}
