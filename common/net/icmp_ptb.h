/*
 * icmp_ptb.h - the ICMP "fragmentation needed" (IPv4, type 3 code 4, RFC
 * 792/1191) or ICMPv6 "packet too big" (type 2, RFC 4443) error for an
 * inner packet too large for the path it was meant to take, addressed to
 * the packet's source and quoting the packet's start. Pure: no I/O, no
 * logging, no allocation.
 *
 * The caller's rule (docs/protocol.md 12.15): a packet too big for the UDP
 * channel is never dropped for it; it goes over TLS, and when icmp_ptb
 * writes an error (IPv4 with DF, or IPv6) that error is delivered to the
 * TUN as well, so the sender lowers its size for the next packets.
 */
#ifndef MTLSVPN_ICMP_PTB_H
#define MTLSVPN_ICMP_PTB_H

#include <stddef.h>
#include <stdint.h>

#include "addr.h"

/* The largest errors written: RFC 1812 4.3.2.3 (an IPv4 error of at most
 * 576 bytes) and RFC 4443 2.4(c) (an ICMPv6 error within the minimum
 * IPv6 MTU). A buffer of ICMP_PTB_MAX_LEN bytes always suffices. */
#define ICMP_PTB_MAX_V4 576
#define ICMP_PTB_MAX_V6 1280
#define ICMP_PTB_MAX_LEN ICMP_PTB_MAX_V6

/* The smallest MTU each error may announce: RFC 791's 68 octets every
 * IPv4 link carries, RFC 8200's 1280 for IPv6. */
#define ICMP_PTB_MIN_MTU_V4 68
#define ICMP_PTB_MIN_MTU_V6 1280

enum icmp_ptb_result {
	ICMP_PTB_OK,	     /* the error is written */
	ICMP_PTB_FITS,	     /* the packet is not larger than mtu: no error */
	ICMP_PTB_MALFORMED,  /* not a packet ippkt_parse accepts */
	ICMP_PTB_NO_DF,	     /* IPv4 without DF: the path may fragment it */
	ICMP_PTB_ICMP_ERROR, /* an ICMP(v6) error: never answered by another */
	ICMP_PTB_FRAGMENT,   /* an IPv4 fragment other than the first */
	ICMP_PTB_ADDRESS,    /* the packet's source or from not one host, or an
			      * IPv4 broadcast or multicast destination
			      * (RFC 1122 3.2.2, 4443 2.4) */
	ICMP_PTB_MTU,	     /* mtu below the family's minimum: no PTB can say it */
	ICMP_PTB_FAMILY,     /* from is not the packet's family */
	ICMP_PTB_NO_ROOM,    /* cap too small for the error */
};

/* Writes into out[0..cap) the error for pkt[0..len) on a path whose MTU
 * is mtu, from address from (of pkt's family, one host, and not one the
 * host receiving the error owns: Linux drops a packet arriving with one
 * of its own addresses as source; the programs pass pkt's destination,
 * docs/protocol.md 12.15), to pkt's source.
 * IPv4: DF set, TTL 64, the ICMP next-hop MTU field = mtu (at most
 * 65535), quoting min(len, 548) bytes of pkt (at least its header and 8
 * bytes, as RFC 792 asks). IPv6: hop limit 64, the MTU field = mtu,
 * quoting min(len, 1232) bytes. Checksums complete (ICMPv6 over its
 * pseudo-header). Returns the error's length; 0 with *why saying why
 * none is written. */
size_t icmp_ptb(const uint8_t *pkt, size_t len, uint32_t mtu, const struct ipaddr *from,
		uint8_t *out, size_t cap, enum icmp_ptb_result *why);

const char *icmp_ptb_result_str(enum icmp_ptb_result r);

#endif
