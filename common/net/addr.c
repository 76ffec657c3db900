/*
 * addr.c - IPv4/IPv6 addresses, prefixes and socket addresses. Numeric only
 * (inet_pton/inet_ntop, never a resolver), and strict: a string is accepted
 * only if all of it is understood, so "10.0.0.1/24x", "/08" or ":08443" are
 * refused rather than half-read. Pure: no I/O, no logging.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

#include "addr.h"

size_t addr_len(const struct ipaddr *a)
{
	if (a->family == AF_INET)
		return 4;
	if (a->family == AF_INET6)
		return 16;
	return 0;
}

static unsigned family_bits(int family)
{
	return family == AF_INET ? 32 : family == AF_INET6 ? 128 : 0;
}

void addr_from_v4(struct ipaddr *a, const uint8_t v4[static 4])
{
	memset(a, 0, sizeof(*a));
	a->family = AF_INET;
	memcpy(a->bytes, v4, 4);
}

void addr_from_v6(struct ipaddr *a, const uint8_t v6[static 16])
{
	memset(a, 0, sizeof(*a));
	a->family = AF_INET6;
	memcpy(a->bytes, v6, 16);
}

void addr_from_sockaddr(struct ipaddr *a, const struct sockaddr_storage *ss)
{
	memset(a, 0, sizeof(*a));
	if (ss->ss_family == AF_INET) {
		struct sockaddr_in sin;

		memcpy(&sin, ss, sizeof(sin));
		addr_from_v4(a, (const uint8_t *)&sin.sin_addr);
	} else if (ss->ss_family == AF_INET6) {
		struct sockaddr_in6 sin6;

		memcpy(&sin6, ss, sizeof(sin6));
		addr_from_v6(a, sin6.sin6_addr.s6_addr);
	}
}

/* Decimal without sign, spaces or leading zeros ("0" itself is fine), so a
 * value has exactly one spelling; false above max or on any other byte. */
static bool parse_decimal(const char *s, size_t n, unsigned long max, unsigned long *out)
{
	unsigned long v = 0;

	if (n == 0 || n > 10 || (n > 1 && s[0] == '0'))
		return false;
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		v = v * 10 + (unsigned long)(s[i] - '0');
		if (v > max)
			return false;
	}
	*out = v;
	return true;
}

/* inet_pton on a counted substring: copied first so a suffix never leaks
 * into the parse, and a string too long for any address fails early. */
static bool parse_n(const char *s, size_t n, struct ipaddr *out)
{
	char tmp[INET6_ADDRSTRLEN];
	struct ipaddr a;

	if (n == 0 || n >= sizeof(tmp))
		return false;
	memcpy(tmp, s, n);
	tmp[n] = '\0';
	memset(&a, 0, sizeof(a));
	if (inet_pton(AF_INET, tmp, a.bytes) == 1)
		a.family = AF_INET;
	else if (inet_pton(AF_INET6, tmp, a.bytes) == 1)
		a.family = AF_INET6;
	else
		return false;
	*out = a;
	return true;
}

bool addr_parse(const char *s, struct ipaddr *out)
{
	if (s == NULL)
		return false;
	return parse_n(s, strlen(s), out);
}

/* True if the bits of a from bit len on are all zero. */
static bool host_bits_zero(const struct ipaddr *a, unsigned len)
{
	size_t n = addr_len(a);

	for (size_t i = 0; i < n; i++) {
		unsigned first = (unsigned)i * 8;
		uint8_t host;

		if (first + 8 <= len)
			continue;
		host = first >= len ? 0xff : (uint8_t)(0xff >> (len - first));
		if (a->bytes[i] & host)
			return false;
	}
	return true;
}

bool addr_parse_prefix(const char *s, bool strict, struct prefix *out)
{
	const char *slash;
	unsigned long len;
	struct prefix p;

	if (s == NULL)
		return false;
	memset(&p, 0, sizeof(p));
	slash = strchr(s, '/');
	if (slash == NULL) {
		if (!parse_n(s, strlen(s), &p.addr))
			return false;
		p.len = (uint8_t)family_bits(p.addr.family);
		*out = p;
		return true;
	}
	if (!parse_n(s, (size_t)(slash - s), &p.addr))
		return false;
	if (!parse_decimal(slash + 1, strlen(slash + 1), family_bits(p.addr.family), &len))
		return false;
	p.len = (uint8_t)len;
	if (strict && !host_bits_zero(&p.addr, p.len))
		return false;
	*out = p;
	return true;
}

void addr_prefix_network(const struct prefix *p, struct prefix *out)
{
	struct prefix n = *p;
	size_t alen = addr_len(&n.addr);

	for (size_t i = 0; i < alen; i++) {
		unsigned first = (unsigned)i * 8;

		if (first + 8 <= n.len)
			continue;
		n.addr.bytes[i] &= first >= n.len ? 0 : (uint8_t)(0xff << (8 - (n.len - first)));
	}
	/* Bytes past the family's length are never meaningful. */
	memset(n.addr.bytes + alen, 0, sizeof(n.addr.bytes) - alen);
	*out = n;
}

bool addr_eq(const struct ipaddr *a, const struct ipaddr *b)
{
	return a->family == b->family && memcmp(a->bytes, b->bytes, addr_len(a)) == 0;
}

bool addr_in_prefix(const struct ipaddr *a, const struct prefix *p)
{
	unsigned full, rest;

	if (a->family == 0 || a->family != p->addr.family || p->len > family_bits(a->family))
		return false;
	full = p->len / 8;
	rest = p->len % 8;
	if (memcmp(a->bytes, p->addr.bytes, full) != 0)
		return false;
	if (rest == 0)
		return true;
	return ((a->bytes[full] ^ p->addr.bytes[full]) & (uint8_t)(0xff << (8 - rest))) == 0;
}

/* "fe80::1%3": only numeric scope ids, since an interface name would need
 * a lookup this module does not do. */
static bool parse_v6_scoped(const char *s, size_t n, struct in6_addr *a6, uint32_t *scope)
{
	const char *pct = memchr(s, '%', n);
	unsigned long id = 0;
	struct ipaddr a;

	if (pct != NULL) {
		size_t idn = n - (size_t)(pct - s) - 1;

		if (!parse_decimal(pct + 1, idn, UINT32_MAX, &id) || id == 0)
			return false;
		n = (size_t)(pct - s);
	}
	if (!parse_n(s, n, &a) || a.family != AF_INET6)
		return false;
	memcpy(a6, a.bytes, 16);
	*scope = (uint32_t)id;
	return true;
}

bool addr_parse_sockaddr(const char *s, uint16_t default_port, struct sockaddr_storage *ss,
			 socklen_t *len)
{
	const char *host = s, *port_s = NULL, *colon;
	size_t host_n, n;
	unsigned long port = default_port;
	bool bracket = false;
	struct ipaddr a;
	uint32_t scope = 0;
	struct in6_addr a6;

	if (s == NULL)
		return false;
	n = strlen(s);
	if (s[0] == '[') {
		const char *close = strchr(s, ']');

		if (close == NULL)
			return false;
		bracket = true;
		host = s + 1;
		host_n = (size_t)(close - host);
		if (close[1] == ':')
			port_s = close + 2;
		else if (close[1] != '\0')
			return false;
	} else if ((colon = strchr(s, ':')) != NULL && strchr(colon + 1, ':') == NULL) {
		/* Exactly one colon: v4:port. Two or more: a bare v6 address. */
		host_n = (size_t)(colon - s);
		port_s = colon + 1;
	} else {
		host_n = n;
	}
	if (port_s != NULL && !parse_decimal(port_s, strlen(port_s), 65535, &port))
		return false;
	if (port == 0)
		return false;

	/* *ss is written only on success. */
	if (bracket || memchr(host, ':', host_n) != NULL) {
		struct sockaddr_in6 sin6;

		if (!parse_v6_scoped(host, host_n, &a6, &scope))
			return false;
		memset(&sin6, 0, sizeof(sin6));
		sin6.sin6_family = AF_INET6;
		sin6.sin6_port = htons((uint16_t)port);
		sin6.sin6_addr = a6;
		sin6.sin6_scope_id = scope;
		memset(ss, 0, sizeof(*ss));
		memcpy(ss, &sin6, sizeof(sin6));
		*len = sizeof(sin6);
		return true;
	}
	if (!parse_n(host, host_n, &a) || a.family != AF_INET)
		return false;
	{
		struct sockaddr_in sin;

		memset(&sin, 0, sizeof(sin));
		sin.sin_family = AF_INET;
		sin.sin_port = htons((uint16_t)port);
		memcpy(&sin.sin_addr, a.bytes, 4);
		memset(ss, 0, sizeof(*ss));
		memcpy(ss, &sin, sizeof(sin));
		*len = sizeof(sin);
	}
	return true;
}

const char *addr_fmt(const struct ipaddr *a, char out[static ADDR_STRLEN])
{
	if (a->family != AF_INET && a->family != AF_INET6) {
		snprintf(out, ADDR_STRLEN, "-");
		return out;
	}
	if (inet_ntop(a->family, a->bytes, out, ADDR_STRLEN) == NULL)
		snprintf(out, ADDR_STRLEN, "?");
	return out;
}

const char *addr_fmt_prefix(const struct prefix *p, char out[static ADDR_STRLEN])
{
	char a[ADDR_STRLEN];

	snprintf(out, ADDR_STRLEN, "%s/%u", addr_fmt(&p->addr, a), (unsigned)p->len);
	return out;
}

const char *addr_fmt_sockaddr(const struct sockaddr *sa, char out[static ADDR_STRLEN])
{
	/* Room for what the compiler thinks inet_ntop and %u could produce;
	 * the real longest, "[v6%4294967295]:65535", fits ADDR_STRLEN. */
	char a[INET6_ADDRSTRLEN], tmp[2 * ADDR_STRLEN];
	size_t n;

	if (sa == NULL) {
		snprintf(out, ADDR_STRLEN, "-");
		return out;
	}
	/* Copied into typed locals: the caller's storage may be a plain
	 * sockaddr_storage, and the copy keeps alignment questions away. */
	if (sa->sa_family == AF_INET) {
		struct sockaddr_in sin;

		memcpy(&sin, sa, sizeof(sin));
		inet_ntop(AF_INET, &sin.sin_addr, a, sizeof(a));
		snprintf(tmp, sizeof(tmp), "%s:%u", a, (unsigned)ntohs(sin.sin_port));
	} else if (sa->sa_family == AF_INET6) {
		struct sockaddr_in6 sin6;

		memcpy(&sin6, sa, sizeof(sin6));
		inet_ntop(AF_INET6, &sin6.sin6_addr, a, sizeof(a));
		if (sin6.sin6_scope_id != 0)
			snprintf(tmp, sizeof(tmp), "[%s%%%u]:%u", a, (unsigned)sin6.sin6_scope_id,
				 (unsigned)ntohs(sin6.sin6_port));
		else
			snprintf(tmp, sizeof(tmp), "[%s]:%u", a, (unsigned)ntohs(sin6.sin6_port));
	} else {
		snprintf(tmp, sizeof(tmp), "?");
	}
	n = strnlen(tmp, ADDR_STRLEN - 1);
	memcpy(out, tmp, n);
	out[n] = '\0';
	return out;
}
