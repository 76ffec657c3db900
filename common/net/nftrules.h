/*
 * nftrules.h - the kill switch's nftables ruleset, as text for libnftables:
 * one table of its own per TUN (inet mtlsvpn_<tun>) that lets through only
 * loopback, the tunnel, the gateway's addresses and port (TCP for TLS,
 * UDP for the data channel) on the underlay,
 * and what keeps the underlay itself alive (DHCPv4, DHCPv6, ICMPv6
 * neighbour and router discovery); everything else is refused (locally
 * sent packets with an ICMP error, so programs fail at once). Pure: no I/O,
 * no logging; a reason goes into err. The I/O is client/linux/killswitch.c's.
 */
#ifndef MTLSVPN_NFTRULES_H
#define MTLSVPN_NFTRULES_H

#include <net/if.h>
#include <stddef.h>
#include <stdint.h>

#include "addr.h"

/* "mtlsvpn_" and an interface name. */
#define NFTRULES_TABLE_MAX (8 + IFNAMSIZ)
/* The gateway's addresses a ruleset allows, at most. */
#define NFTRULES_GW_MAX 8

struct nftrules_spec {
	const char *tun;		   /* the tunnel interface */
	struct ipaddr gw[NFTRULES_GW_MAX]; /* the gateway's addresses */
	unsigned n_gw; /* 0: nothing outside the tunnel but the underlay's upkeep */
	uint16_t port; /* the gateway's TCP port, and UDP to the same number */
};

/* The table's name for tun: "mtlsvpn_" and tun with every character but
 * letters, digits and '_' made '_'. 0, or -1 (err) if tun is empty or too long. */
int nftrules_table_name(const char *tun, char out[static NFTRULES_TABLE_MAX], char *err,
			size_t errlen);
/* The commands that create the table, or replace it in one transaction if it
 * exists. Returns the length written to out (NUL-terminated), or 0 (err):
 * a name nft cannot quote, no port, or out too small. */
size_t nftrules_install(const struct nftrules_spec *s, char *out, size_t cap, char *err,
			size_t errlen);
/* The commands that remove the table, whether it exists or not. Returns the
 * length, or 0 (err). */
size_t nftrules_remove(const char *tun, char *out, size_t cap, char *err, size_t errlen);

#endif
