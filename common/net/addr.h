/*
 * addr.h - IPv4/IPv6 addresses, prefixes and socket addresses: parse,
 * format, compare, contain. Pure; no name resolution.
 */
#ifndef MTLSVPN_ADDR_H
#define MTLSVPN_ADDR_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>

#define ADDR_STRLEN 64 /* enough for "[v6%scope]:port" and "v6/128" */

struct ipaddr {
	int family;          /* AF_INET or AF_INET6; 0 = unset */
	uint8_t bytes[16];   /* v4 uses the first 4 */
};

struct prefix {
	struct ipaddr addr;  /* host bits zero unless it is an interface address */
	uint8_t len;         /* 0..32 or 0..128 */
};

bool addr_parse(const char *s, struct ipaddr *out);
/* "a.b.c.d/len" or "v6/len"; a bare address gets the full length.
 * If strict, host bits must be zero. */
bool addr_parse_prefix(const char *s, bool strict, struct prefix *out);
/* "host:port", "[v6]:port", or "host" with default_port; numeric only. */
bool addr_parse_sockaddr(const char *s, uint16_t default_port,
			 struct sockaddr_storage *ss, socklen_t *len);
const char *addr_fmt(const struct ipaddr *a, char out[static ADDR_STRLEN]);
const char *addr_fmt_prefix(const struct prefix *p, char out[static ADDR_STRLEN]);
const char *addr_fmt_sockaddr(const struct sockaddr *sa, char out[static ADDR_STRLEN]);
bool addr_eq(const struct ipaddr *a, const struct ipaddr *b);
bool addr_in_prefix(const struct ipaddr *a, const struct prefix *p);
void addr_from_v4(struct ipaddr *a, const uint8_t v4[static 4]);
void addr_from_v6(struct ipaddr *a, const uint8_t v6[static 16]);
/* The address of an AF_INET or AF_INET6 socket address; family 0 otherwise. */
void addr_from_sockaddr(struct ipaddr *a, const struct sockaddr_storage *ss);
size_t addr_len(const struct ipaddr *a); /* 4, 16 or 0 */
/* The network address of a prefix (host bits cleared). */
void addr_prefix_network(const struct prefix *p, struct prefix *out);

#endif
