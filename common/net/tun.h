/*
 * tun.h - open a TUN device (IFF_TUN | IFF_NO_PI, optionally multi-queue
 * and with segmentation offloads), non-blocking and close-on-exec.
 */
#ifndef MTLSVPN_TUN_H
#define MTLSVPN_TUN_H

#include <net/if.h>
#include <stdbool.h>

#define TUN_MULTI_QUEUE 0x1u /* IFF_MULTI_QUEUE: one more queue of a device */
/* IFF_VNET_HDR: every read and write starts with a struct virtio_net_hdr
 * (GSO_VNET_HDR_LEN bytes, common/net/gso.h), and the kernel is asked to
 * hand over TCP (and UDP, where it can) super-packets with partial
 * checksums (TUNSETOFFLOAD). */
#define TUN_OFFLOAD 0x2u

/* What TUNSETOFFLOAD enabled (*offloads): */
#define TUN_OFFLOAD_CSUM 0x1u /* partial checksums */
#define TUN_OFFLOAD_TSO 0x2u  /* TCP super-packets, IPv4 and IPv6 */
#define TUN_OFFLOAD_USO 0x4u  /* UDP super-packets (kernel 6.2 and later) */

/* name: wanted name ("mtlsvpn0", or a pattern like "mtv%d"); the kernel's
 * choice is written to out_name. flags: TUN_*. With TUN_OFFLOAD the
 * descriptor always carries virtio_net_hdr; *offloads (may be NULL) says
 * which offloads the kernel took (0 if it took none: plain packets with
 * an all-zero header). Every queue of a multi-queue device must be opened
 * with the same TUN_OFFLOAD. Returns the fd, or -1 with errno. */
int tun_open(const char *name, unsigned flags, char out_name[static IFNAMSIZ],
	     unsigned *offloads);

/* Turns the offloads of a descriptor opened with TUN_OFFLOAD on (all we
 * can carry) or off (plain packets, still behind a virtio_net_hdr). The
 * TUN_OFFLOAD_* now in force, or -1 with errno. */
int tun_set_offload(int fd, bool on);

#endif
