/*
 * gro.h - receive coalescing for the inner packets written to a TUN with
 * IFF_VNET_HDR: consecutive in-order TCP segments of one flow become one
 * super-packet (with its gso_meta and a partial checksum) that gso_segment
 * would cut back into exactly those segments. Pure, never allocates: one
 * super-packet is held at a time in the caller's buffer, and a packet that
 * does not extend it is refused until the held one is taken, so nothing is
 * ever reordered.
 */
#ifndef MTLSVPN_GRO_H
#define MTLSVPN_GRO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "gso.h"

struct gro {
	uint8_t *buf; /* the held super-packet; the caller's */
	size_t cap;
	size_t len; /* 0: nothing held */
	int family;
	uint16_t l3_len, hdr_len;
	uint16_t gso_size; /* payload of the first segment */
	uint16_t first_id; /* IPv4 identification of the first segment */
	uint32_t segs;
	uint32_t next_seq;
	bool closed;		      /* a short or PSH segment ended the run */
	uint8_t vary[GSO_MASK_BYTES]; /* header bytes a segment may change */
};

enum gro_verdict {
	GRO_HELD,	/* merged into the held super-packet, or now held */
	GRO_PASS,	/* nothing held and nothing to merge: write it as it is */
	GRO_TAKE_FIRST, /* something is held and this does not extend it:
			 * gro_take and write that, then push this again */
};

/* buf receives the held super-packet: cap of 65535 lets it grow to an IP
 * packet's limit. */
void gro_init(struct gro *g, uint8_t *buf, size_t cap);

/* pkt is a plain packet with complete checksums, in arrival order. A
 * mergeable one is copied (HELD); pkt is never changed. */
enum gro_verdict gro_push(struct gro *g, const uint8_t *pkt, size_t len);

/* Finishes the held super-packet in g->buf and lets go of it: returns its
 * length (0 if nothing was held) with the metadata and info gso_to_vnet
 * needs. One segment stays a plain packet with its complete checksum. */
size_t gro_take(struct gro *g, struct gso_meta *m, struct gso_info *inf);

#endif
