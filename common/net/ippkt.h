/*
 * ippkt.h - checks on the inner IP packets carried in DATA frames.
 * Pure: validates the header enough to trust version, length and addresses,
 * and reads the transport header (ports, ICMP type and echo identifier)
 * that access rules and the flow table key on.
 */
#ifndef MTLSVPN_IPPKT_H
#define MTLSVPN_IPPKT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "addr.h"

enum ippkt_result {
	IPPKT_OK,
	IPPKT_TOO_SHORT,   /* shorter than the version's fixed header */
	IPPKT_BAD_VERSION, /* neither 4 nor 6 */
	IPPKT_BAD_HEADER,  /* IHL < 5, or header longer than the packet */
	IPPKT_BAD_LENGTH,  /* total/payload length disagrees with the bytes */
};

struct ippkt_info {
	int family;            /* AF_INET / AF_INET6 */
	struct ipaddr src, dst;
	uint8_t proto;         /* v4 protocol or v6 next header (first) */
	size_t len;            /* length the header claims */
};

/* The transport header, as far as it is in the packet. Fields that cannot
 * be read stay 0/false: a packet is never refused for them here (the access
 * rules decide what to do with a packet without ports). */
struct ippkt_l4 {
	uint8_t proto;      /* after any IPv6 extension headers; 59 (none) if unknown */
	bool fragment;      /* a later fragment: it carries no transport header */
	bool frag_first;    /* the first of several fragments (IPv4 MF, or an
			     * IPv6 fragment header with offset 0 and M set) */
	bool has_ports;     /* TCP or UDP with both ports present */
	uint16_t sport, dport;
	uint8_t tcp_flags;  /* TCP only; IPPKT_TCP_* */
	bool has_icmp;      /* ICMP or ICMPv6 with type and code present */
	uint8_t icmp_type, icmp_code;
	bool icmp_echo;     /* an echo request or reply: icmp_id is its identifier */
	bool icmp_error;    /* an error quoting a packet (ippkt_icmp_quoted) */
	uint16_t icmp_id;
	size_t off;         /* of the transport header in the packet */
};

#define IPPKT_TCP_FIN 0x01
#define IPPKT_TCP_SYN 0x02
#define IPPKT_TCP_RST 0x04
#define IPPKT_TCP_ACK 0x10

/* IPv6 extension headers walked before giving up (proto stays 59). */
#define IPPKT_MAX_EXT 8

enum ippkt_result ippkt_parse(const uint8_t *p, size_t n, struct ippkt_info *out);
const char *ippkt_result_str(enum ippkt_result r);

/* The transport header of p[0..n), a packet ippkt_parse accepted as ip.
 * IPv6 hop-by-hop, routing, destination-options, fragment and AH headers
 * are walked (at most IPPKT_MAX_EXT, each bounds-checked). */
void ippkt_l4(const uint8_t *p, size_t n, const struct ippkt_info *ip, struct ippkt_l4 *out);

/* The packet an ICMP or ICMPv6 error (l4->icmp_error) quotes: its
 * addresses, protocol and as much of its transport header as was quoted.
 * The quote is usually truncated, so lengths are not checked against it.
 * False if there is no readable IP header in the quote. */
bool ippkt_icmp_quoted(const uint8_t *p, size_t n, const struct ippkt_l4 *l4,
		       struct ippkt_info *qip, struct ippkt_l4 *ql4);

#endif
