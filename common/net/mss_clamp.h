/*
 * mss_clamp.h - lowers the MSS option of TCP SYN and SYN-ACK segments
 * crossing the tunnel, in place, so a connection never offers segments
 * the path cannot carry (what iptables' TCPMSS --set-mss does). Pure: no
 * I/O, no logging, no allocation; a packet it does not clamp is left
 * byte for byte as it was.
 */
#ifndef MTLSVPN_MSS_CLAMP_H
#define MTLSVPN_MSS_CLAMP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum mss_clamp_result {
	MSS_CLAMP_LOWERED,   /* the MSS option was above max: now max */
	MSS_CLAMP_KEPT,	     /* a SYN whose MSS option is already <= max */
	MSS_CLAMP_NOT_SYN,   /* not TCP, no SYN, SYN with RST, or a fragment */
	MSS_CLAMP_NO_OPTION, /* a SYN without an MSS option: not inserted */
	MSS_CLAMP_MALFORMED, /* not a sound IP packet, TCP header or option list */
};

/* Clamps the MSS option of pkt[0..len), a whole IPv4 or IPv6 packet as a
 * TUN gives it (ippkt_parse must accept it), to max_mss. The TCP checksum
 * is updated incrementally (RFC 1624), unless csum_partial says the
 * checksum field holds only the pseudo-header's sum (a TUN's
 * CHECKSUM_PARTIAL, gso_meta.needs_csum): the option bytes are then summed
 * when the checksum is completed, and the field stays as it is.
 * IPv6 extension headers are walked as ippkt_l4 walks them; any fragment,
 * first or later, is left alone. A TCP super-packet never carries a SYN
 * (gso_check refuses one), so super-packets come back MSS_CLAMP_NOT_SYN.
 * If old_mss is not NULL it receives the option's value as found (0 when
 * there was none). */
enum mss_clamp_result mss_clamp(uint8_t *pkt, size_t len, bool csum_partial, uint16_t max_mss,
				uint16_t *old_mss);

const char *mss_clamp_result_str(enum mss_clamp_result r);

#endif
