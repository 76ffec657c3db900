/*
 * pktbuild.h - builds an IPv4 or IPv6 packet (TCP, UDP, ICMP or ICMPv6) as
 * a TUN carries it (no link header) from a readable description, with
 * correct lengths and checksums. Used by `mtlsvpnctl policy test`, which
 * runs the packet through the gateway's own compiled rules, and by the
 * unit tests and benchmarks. Pure: no I/O, no logging.
 */
#ifndef MTLSVPN_PKTBUILD_H
#define MTLSVPN_PKTBUILD_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h> /* AF_INET, AF_INET6 */

#define PKTBUILD_TCP 6
#define PKTBUILD_UDP 17
#define PKTBUILD_ICMP 1
#define PKTBUILD_ICMP6 58

struct pktbuild_spec {
	int family;	       /* AF_INET or AF_INET6 */
	const char *src, *dst; /* numeric addresses of that family */
	uint8_t proto;	       /* PKTBUILD_TCP, _UDP, _ICMP or _ICMP6 */
	uint16_t sport, dport; /* TCP, UDP */
	uint8_t tcp_flags;
	uint8_t icmp_type; /* ICMP and ICMPv6 */
	uint16_t icmp_id;
	size_t payload; /* zero bytes after the transport header */
};

/* Writes the packet to out[0..cap) and returns its length; 0 if it does
 * not fit in cap or 65535 bytes, an address does not parse as the family,
 * or proto is none of the four (or ICMP with the other family's IP). */
size_t pktbuild_make(const struct pktbuild_spec *s, uint8_t *out, size_t cap);

/* "tcp", "udp", "icmp", "icmp6" -> PKTBUILD_*; 0 if unknown. */
uint8_t pktbuild_proto_parse(const char *name);
const char *pktbuild_proto_name(uint8_t proto); /* "?" if unknown */

#endif
