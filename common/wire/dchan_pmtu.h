/*
 * dchan_pmtu.h - one UDP data channel's path MTU state, the same on the
 * gateway and the client: the usable inner size (from the tunnel's MTU
 * until the kernel reports a path MTU), the way of each outgoing packet
 * with its "packet too big" error written when one is owed and the rate
 * limit allows it, the MSS SYNs are clamped to, and counters. Pure: time
 * and path MTUs are passed in; no I/O, no logging (docs/protocol.md
 * 12.15).
 */
#ifndef MTLSVPN_DCHAN_PMTU_H
#define MTLSVPN_DCHAN_PMTU_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "addr.h"
#include "dchan_mtu.h"
#include "tbucket.h"

/* Errors into the TUN: at most this many at once, and this many a second. */
#define DCHAN_PMTU_PTB_BURST 20
#define DCHAN_PMTU_PTB_RATE 10

/* The mss_clamp setting: off, auto (the channel's MSS while UDP carries
 * the packets), or a number in [DCHAN_PMTU_CLAMP_MIN, _MAX]. */
#define DCHAN_PMTU_CLAMP_OFF 0
#define DCHAN_PMTU_CLAMP_AUTO UINT32_MAX
#define DCHAN_PMTU_CLAMP_MIN 536
#define DCHAN_PMTU_CLAMP_MAX 65495

struct dchan_pmtu {
	size_t usable;	    /* the largest inner packet UDP carries now */
	size_t base;	    /* what the tunnel's MTU and the kernel allow */
	size_t probed;	    /* what padded PINGs found (12.15); SIZE_MAX: no cap */
	uint32_t path_mtu;  /* the kernel's last word; 0 before any */
	int outer_family;   /* of path_mtu */
	struct tbucket ptb; /* errors into the TUN */
	uint64_t too_big;   /* packets sent by TLS for their size */
	uint64_t ptb_sent, ptb_limited;
};

/* usable from the tunnel's MTU (every packet fits) until a path MTU is
 * learned. */
void dchan_pmtu_init(struct dchan_pmtu *p, size_t tun_mtu, uint64_t now_ms);

/* A path MTU the kernel reported for the channel's peer; usable follows
 * it down or up, never above tun_mtu (what the TUN can hand over anyway).
 * True if usable changed. */
bool dchan_pmtu_learn(struct dchan_pmtu *p, uint32_t path_mtu, int outer_family, size_t tun_mtu);

/* The probes' word (dchan_sess_mtu()): usable is the smaller of it and
 * base. True if usable changed. */
bool dchan_pmtu_probed(struct dchan_pmtu *p, size_t probed);

/* The way of the packet pkt[0..len) whose largest datagram is size bytes
 * (len for a plain packet, header + gso_size for a super-packet). On
 * DCHAN_MTU_TLS_PTB the error to deliver to the TUN is written to out
 * (*ptb_len > 0) when icmp_ptb writes one and the rate limit lets it;
 * *ptb_len is 0 otherwise. from is its source, of pkt's family; NULL for
 * pkt's destination (what the programs use, protocol.md 12.15). Counts too_big,
 * ptb_sent and ptb_limited. */
enum dchan_mtu_way dchan_pmtu_check(struct dchan_pmtu *p, const uint8_t *pkt, size_t len,
				    size_t size, const struct ipaddr *from, uint64_t now_ms,
				    uint8_t *out, size_t cap, size_t *ptb_len);

/* The MSS to clamp SYNs of family to under setting (the mss_clamp key);
 * 0 for none: off, or auto while the packets do not take UDP. */
uint16_t dchan_pmtu_mss(const struct dchan_pmtu *p, uint32_t setting, bool udp_up, int family);

#endif
