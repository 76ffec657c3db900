/*
 * gro.h - receive coalescing for the inner packets written to a TUN with
 * IFF_VNET_HDR: in a batch of packets (what one read brought), the
 * in-order TCP segments of each flow become one super-packet (with its
 * virtio_net_hdr: partial checksum, gso_type and gso_size) that the
 * kernel's segmentation, like gso_segment, cuts back into exactly those
 * segments. Pure: never logs, never allocates; runs live in the caller's
 * storage. The relative order of the packets of one flow never changes;
 * packets of different flows may overtake each other, as in the kernel.
 */
#ifndef MTLSVPN_GRO_H
#define MTLSVPN_GRO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "gso.h"

/* Flows coalesced at once; a new flow beyond that ends the oldest run. */
#define GRO_MAX_FLOWS 8
/* Storage one run needs to grow to an IP packet's limit. */
#define GRO_RUN_CAP 65535

/* One flow's super-packet in the making. */
struct gro_run {
	uint8_t *buf; /* in the caller's storage */
	size_t len;   /* 0: free */
	bool ready;   /* ended: waits for gro_take */
	bool closed;  /* a short or PSH segment ended it: nothing joins */
	int family;
	uint16_t l3_len, hdr_len;
	uint16_t gso_size; /* payload of the first segment */
	uint16_t first_id; /* IPv4 identification of the first segment */
	uint32_t segs;
	size_t bytes; /* of the packets that joined, as they came */
	uint32_t next_seq;
	uint64_t started;	      /* order among runs: the oldest is taken first */
	uint8_t vary[GSO_MASK_BYTES]; /* header bytes a segment may change */
};

struct gro {
	struct gro_run run[GRO_MAX_FLOWS];
	unsigned flows; /* runs in use at most, <= GRO_MAX_FLOWS */
	size_t cap;	/* of each run's buffer */
	uint64_t clock;
};

enum gro_verdict {
	GRO_HELD,	/* copied into a run; nothing to write now */
	GRO_PASS,	/* write it as it is, now (a plain virtio_net_hdr) */
	GRO_TAKE_FIRST, /* runs must be written before it: gro_take until
			 * false, then push it again */
};

/* One write for the TUN: a run's super-packet (or single packet) with
 * the virtio_net_hdr to put in front of it. pkt is valid until the next
 * gro_push or gro_flush. */
struct gro_write {
	const uint8_t *pkt;
	size_t len;
	uint32_t segs; /* the packets it carries */
	size_t bytes;  /* their lengths as they came, summed */
	uint8_t vnet[GSO_VNET_HDR_LEN];
};

/* storage holds flows runs of cap bytes each (cap GRO_RUN_CAP lets a run
 * grow to 64 KiB; more is not used). flows is clamped to 1..GRO_MAX_FLOWS. */
void gro_init(struct gro *g, uint8_t *storage, size_t cap, unsigned flows);

/* pkt is a plain packet with complete checksums (a DATA frame's), in
 * arrival order; it is never changed. A TCP segment that may join a run
 * is copied (HELD). Every other packet passes, but only once the run of
 * its own flow (or, for a packet whose flow cannot be told, every run)
 * has been taken. */
enum gro_verdict gro_push(struct gro *g, const uint8_t *pkt, size_t len);

/* The end of a batch: every run is ended, to be taken now. */
void gro_flush(struct gro *g);

/* The oldest ended run, finished (lengths, IPv4 header checksum, the
 * pseudo-header sum as TCP checksum) into *w, and frees it; false when
 * none waits. A run of one segment is that plain packet, unchanged. */
bool gro_take(struct gro *g, struct gro_write *w);

/* A run is held (not yet ended). */
bool gro_holding(const struct gro *g);

#endif
