/*
 * dchan_hdr.h - the 20-byte header of a UDP data-channel datagram
 * (docs/protocol.md section 12.5): type, key epoch (low 8 bits), two
 * reserved zero bytes, the gateway's 64-bit connection id and the sender's
 * 64-bit packet counter. The header is the AEAD's additional data and is
 * never encrypted. Pure: no I/O, no allocation, no logging.
 */
#ifndef MTLSVPN_DCHAN_HDR_H
#define MTLSVPN_DCHAN_HDR_H

#include <stddef.h>
#include <stdint.h>

#define DCHAN_HDR_LEN 20
#define DCHAN_TAG_LEN 16
/* The smallest datagram that can be genuine: a header and a tag. */
#define DCHAN_MIN_LEN (DCHAN_HDR_LEN + DCHAN_TAG_LEN)

/* Datagram types; below 0x30 is refused so the first byte tells this
 * channel from TLS/DTLS records (0x14-0x17) and STUN (0x00-0x03). */
enum dchan_type {
	DCHAN_DATA = 0x30, /* one inner IP packet */
	DCHAN_PING = 0x31, /* 8-byte id, optional zero padding (PMTU probe) */
	DCHAN_PONG = 0x32, /* the PING's 8-byte id, never padded */
};

enum dchan_hdr_result {
	DCHAN_HDR_OK,
	DCHAN_HDR_SHORT,    /* fewer than DCHAN_MIN_LEN bytes */
	DCHAN_HDR_TYPE,	    /* not a known enum dchan_type */
	DCHAN_HDR_RESERVED, /* reserved bytes not zero */
	DCHAN_HDR_CID,	    /* connection id 0 (never chosen by a gateway) */
};

struct dchan_hdr {
	uint8_t type;  /* enum dchan_type */
	uint8_t epoch; /* low 8 bits of the sender's key epoch */
	uint64_t cid;
	uint64_t counter;
};

/* Decode the header of a whole datagram p[0..n). The length check counts
 * the tag too, so a truncated datagram is refused before any crypto. */
enum dchan_hdr_result dchan_hdr_decode(const uint8_t *p, size_t n, struct dchan_hdr *out);

/* Write h into out (always DCHAN_HDR_LEN bytes, reserved bytes zero). */
void dchan_hdr_encode(const struct dchan_hdr *h, uint8_t out[static DCHAN_HDR_LEN]);

/* A few words for a result, for counters' names and tests. */
const char *dchan_hdr_result_str(enum dchan_hdr_result r);

#endif
