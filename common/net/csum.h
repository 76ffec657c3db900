/*
 * csum.h - the Internet checksum (RFC 1071) on the data path: a fast one's
 * complement sum of packet bytes and the TCP/UDP pseudo-header. Pure.
 * Sums are folded to 16 bits and hold big-endian words as host integers;
 * a packet's checksum field stores the complement of the final sum.
 */
#ifndef MTLSVPN_CSUM_H
#define MTLSVPN_CSUM_H

#include <stddef.h>
#include <stdint.h>

/* The folded sum of p[0..n) as big-endian 16-bit words (an odd last byte
 * padded with zero). Regions added with csum_add must start at even
 * offsets of the checksummed data. */
uint32_t csum_sum(const uint8_t *p, size_t n);

/* The folded one's complement sum of two folded sums. */
uint32_t csum_add(uint32_t a, uint32_t b);

/* The pseudo-header of an IPv4 (family AF_INET) or IPv6 packet ip:
 * addresses from the fixed header, proto and the transport length. */
uint32_t csum_pseudo(const uint8_t *ip, int family, uint8_t proto, size_t l4_len);

#endif
