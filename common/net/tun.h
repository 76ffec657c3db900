/*
 * tun.h - open a TUN device (IFF_TUN | IFF_NO_PI, optionally multi-queue),
 * non-blocking and close-on-exec.
 */
#ifndef MTLSVPN_TUN_H
#define MTLSVPN_TUN_H

#include <net/if.h>
#include <stdbool.h>

/* name: wanted name ("mtlsvpn0", or a pattern like "mtv%d"); the kernel's
 * choice is written to out_name. Returns the fd, or -1 with errno. */
int tun_open(const char *name, bool multi_queue, char out_name[static IFNAMSIZ]);

#endif
