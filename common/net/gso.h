/*
 * gso.h - segmentation offload metadata for the inner packets: what a TUN
 * opened with IFF_VNET_HDR hands us (a TCP or UDP "super-packet" of up to
 * 64 KiB with its struct virtio_net_hdr) and what a DATA_GSO frame carries
 * across the tunnel. Pure: checks a super-packet against its metadata,
 * completes partial checksums, cuts it into segments (or smaller
 * super-packets) exactly as the kernel would, and says which header bytes
 * differ between its segments (for the access rules, acl_eval_gso).
 * Never logs, never allocates.
 */
#ifndef MTLSVPN_GSO_H
#define MTLSVPN_GSO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* struct virtio_net_hdr without the mergeable-buffers count: 10 bytes,
 * little endian (TUNSETVNETHDRSZ's default on x86 and arm64). */
#define GSO_VNET_HDR_LEN 10

/* Segments one super-packet may carry: a 64 KiB packet of 536-byte
 * segments needs 123. More is refused (a packet bomb, not a packet). */
#define GSO_MAX_SEGS 128

/* Header bytes gso_vary_mask describes: the longest IPv4 header with
 * options (60) plus the longest TCP header (60), or IPv6 (40) + TCP (60). */
#define GSO_MAX_HDR 120
#define GSO_MASK_BYTES (GSO_MAX_HDR / 8)

/* On the wire (DATA_GSO frames) and in struct gso_meta. */
enum gso_type {
	GSO_NONE = 0,   /* one packet, maybe with a partial checksum */
	GSO_TCPV4 = 1,
	GSO_TCPV6 = 2,
	GSO_UDP_L4 = 3, /* UDP segmentation (USO), IPv4 or IPv6 */
};

struct gso_meta {
	uint8_t type;       /* enum gso_type */
	bool needs_csum;    /* the L4 checksum field holds only the
			     * pseudo-header sum (CHECKSUM_PARTIAL) */
	uint16_t gso_size;  /* L4 payload bytes per segment; 0 with GSO_NONE */
};

/* What gso_check found out; everything derived from the packet itself,
 * never taken from the peer's word. */
struct gso_info {
	uint16_t l3_len;       /* IP header(s): the checksum start */
	uint16_t hdr_len;      /* IP + TCP/UDP header: what every segment repeats */
	uint16_t csum_offset;  /* of the L4 checksum from l3_len: 16 TCP, 6 UDP */
	uint8_t proto;         /* IPPROTO_TCP / IPPROTO_UDP, 0 with GSO_NONE and
				* no partial checksum */
	int family;            /* AF_INET / AF_INET6 */
	uint32_t segs;         /* segments: 1 for a plain packet */
	size_t len;            /* the whole packet */
};

enum gso_result {
	GSO_OK,
	GSO_BAD_META,    /* unknown type, gso_size 0 with GSO, or set without */
	GSO_BAD_PACKET,  /* not a sound IPv4/IPv6 packet of exactly len bytes */
	GSO_MISMATCH,    /* type against the packet: family, protocol,
			  * fragment, IPv6 extension headers, SYN/RST */
	GSO_BAD_SIZE,    /* a segment larger than seg_max, or more than
			  * GSO_MAX_SEGS segments, or a header beyond GSO_MAX_HDR */
};

/* The metadata of a virtio_net_hdr read from a TUN. False (with *why, a
 * static string) for what we never carry: ECN-flagged TSO, UFO, a checksum
 * start/offset that is not the L4 header's checksum (checked later by
 * gso_check against the packet: vnet_csum_start/offset are returned). */
bool gso_from_vnet(const uint8_t hdr[static GSO_VNET_HDR_LEN], struct gso_meta *m,
		   uint16_t *csum_start, uint16_t *csum_offset, const char **why);

/* The virtio_net_hdr to write in front of a packet gso_check accepted:
 * NEEDS_CSUM with start/offset from inf when m->needs_csum, the GSO type,
 * hdr_len and gso_size. All zero for a plain packet with full checksums. */
void gso_to_vnet(const struct gso_meta *m, const struct gso_info *inf,
		 uint8_t hdr[static GSO_VNET_HDR_LEN]);

/* Checks pkt[0..len) against m. seg_max bounds every segment (header +
 * gso_size, the tunnel MTU); a GSO_NONE packet is bounded by len itself.
 * Every GSO type needs needs_csum (a TUN always sets it with GSO, and
 * the kernel refuses UDP_L4 without it). A GSO packet of one segment
 * (payload <= gso_size, even none) is valid: segs == 1.
 * GSO_TCPV4: IPv4 (options allowed), not a fragment, TCP, no SYN or RST,
 * total length == len. GSO_TCPV6: IPv6 whose next header
 * is TCP (no extension headers), payload length == len - 40. GSO_UDP_L4:
 * either family, UDP, UDP length == len - l3_len. A GSO_NONE packet with
 * needs_csum must be TCP or UDP (ICMP never has a partial checksum here).
 * *why (static) names the first problem. */
enum gso_result gso_check(const uint8_t *pkt, size_t len, const struct gso_meta *m,
			  size_t seg_max, struct gso_info *inf, const char **why);

/* Replaces the partial checksum of a needs_csum packet with the full one,
 * in place (a GSO_NONE packet; for a super-packet use gso_segment). */
void gso_csum_finish(uint8_t *pkt, const struct gso_info *inf);

/* Writes segments [first, first + n) of the checked super-packet pkt as
 * one packet into out (at most cap bytes): n == 1 gives a plain packet
 * with complete checksums (*out_m = GSO_NONE, no partial checksum);
 * n > 1 a smaller super-packet whose *out_m keeps the type and gso_size
 * and a partial checksum. Headers are fixed as the kernel's segmentation
 * does: IPv4 total length, identification (+k for segment k) and header
 * checksum; IPv6 payload length; TCP sequence (+k * gso_size), FIN and
 * PSH only on the last segment, CWR only on the first; UDP length.
 * Returns the bytes written, 0 if first/n are out of range or cap is
 * too small. */
size_t gso_segment(const uint8_t *pkt, const struct gso_info *inf, const struct gso_meta *m,
		   uint32_t first, uint32_t n, uint8_t *out, size_t cap,
		   struct gso_meta *out_m);

/* Sets bit i (mask[i / 8] & (1 << (i % 8))) for every header byte i <
 * inf->hdr_len that can differ between the segments gso_segment makes:
 * IPv4 total length, identification and header checksum; IPv6 payload
 * length; TCP sequence number, flags and checksum; UDP length and
 * checksum. Bits at and after hdr_len are left clear; a caller treats
 * every byte from hdr_len on (the payload) as varying. A plain packet
 * (segs == 1) varies nowhere. */
void gso_vary_mask(const struct gso_info *inf, uint8_t mask[static GSO_MASK_BYTES]);

const char *gso_result_str(enum gso_result r);

#endif
