/*
 * platform_os.h - Linux's side of client/platform.h: the state the
 * portable client holds for it (struct netcfg, struct roam, struct
 * killswitch, opaque to the portable code, which only passes them back),
 * and what the Linux files ask of each other. Included by platform.h
 * alone, after client.h's struct undo and struct connect_addrs.
 *
 * netcfg.c: addresses and routes (rtnetlink), in the undo journal first;
 * dns.c and resolved.c: DNS through systemd-resolved's D-Bus API or
 * /etc/resolv.conf; roam.c: rtnetlink notifications of a moved path;
 * killswitch.c: the nftables table (libnftables); platform.c: the TUN
 * device, the privilege drop, peer credentials, the journal's replay.
 */
#ifndef MTLSVPN_PLATFORM_OS_H
#define MTLSVPN_PLATFORM_OS_H

#include <net/if.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>

#include "addr.h"
#include "config.h"
#include "dnsplan.h"
#include "ev.h"
#include "journal.h"
#include "msg.h"
#include "nftrules.h"
#include "rtnl_monitor.h"

struct undo;

/* ---- udpsock.c ---- */

/* Datagrams queued for one send. */
#define UDPSOCK_BATCH 64
/* Messages per recvmmsg, each up to UDPSOCK_RX_MSG bytes: with UDP GRO
 * one message holds a run of up to 64 datagrams of one size. */
#define UDPSOCK_RX_MSGS 32
#define UDPSOCK_RX_MSG 65536
#define UDPSOCK_RX_MAX (UDPSOCK_RX_MSGS * 64)
/* The largest datagram: an inner packet of the largest MTU with the
 * data channel's header and tag, rounded up. */
#define UDPSOCK_DGRAM_MAX 9216

/* The client's UDP socket for the data channel: unconnected (the route and
 * source address are looked up per send, so a moved path is followed),
 * talking only to the gateway's address and port. Outgoing datagrams are
 * sealed straight into a flat buffer and sent together: runs of equal
 * size as one UDP GSO message (UDP_SEGMENT) where the kernel has it, all
 * runs in one sendmmsg. */
struct udpsock {
	int fd;                          /* -1: closed */
	struct sockaddr_storage peer;    /* the gateway's address and UDP port */
	socklen_t peer_len;
	bool gso;                        /* UDP_SEGMENT works on this socket */
	uint8_t *tx;                     /* UDPSOCK_BATCH * UDPSOCK_DGRAM_MAX */
	size_t tx_len;                   /* bytes queued */
	uint16_t tx_lens[UDPSOCK_BATCH]; /* each queued datagram's length */
	unsigned tx_n;
	bool gro;                        /* UDP_GRO on: runs arrive coalesced */
	uint8_t *rx;                     /* UDPSOCK_RX_MSGS * UDPSOCK_RX_MSG */
	uint8_t *rx_d[UDPSOCK_RX_MAX];   /* the last udpsock_recv's datagrams */
	uint16_t rx_len[UDPSOCK_RX_MAX];
	uint64_t sent, send_errors, from_elsewhere, batches, gso_sends;
};

/* ---- dns.c ---- */

/* DNS servers and search domains for the tunnel, set through
 * systemd-resolved (per link) or by rewriting /etc/resolv.conf, and put back
 * exactly as they were. */
struct dns_state {
	bool active;
	bool via_resolved;
	char ifname[IFNAMSIZ];
	char *saved;                 /* resolv.conf before we wrote it */
	size_t saved_len;
	bool saved_missing;          /* there was no resolv.conf at all */
	char saved_link[4096];       /* non-empty if it was a symlink to this */
	char *written;               /* what we wrote, to notice other writers */
	size_t written_len;
	struct undo *undo;
	uint32_t seq;                /* its journal record */
};

/* 0 if set (or nothing to set), -1 (logged) if it could not be done. */
int dns_apply(struct dns_state *d, struct undo *u, const char *ifname, enum config_dns_mode mode,
	      bool full_tunnel, const struct msg_config *cfg);
/* Where DNS went, for the connect message: "systemd-resolved", "/etc/resolv.conf". */
const char *dns_how(const struct dns_state *d);
void dns_undo(struct dns_state *d);
/* Replays a RESOLVED or RESOLV_FILE record a dead client left: 0 if DNS
 * is as it was (or someone else has changed it since), -1 (logged). */
int dns_undo_record(const struct journal_rec *r);

/* ---- resolved.c ---- */

/* systemd-resolved owns org.freedesktop.resolve1 on the system bus. */
bool resolved_present(void);
/* Sets ifname's servers, domains and default-route flag: 0, or -1 logged. */
int resolved_set_link(const char *ifname, const struct dnsplan *p);
/* RevertLink; 0 also if the link is gone (its settings went with it). */
int resolved_revert_link(const char *ifname);

/* ---- netcfg.c ---- */

enum netcfg_change_kind { NETCFG_ADDR, NETCFG_ROUTE, NETCFG_UNREACH };

struct netcfg_change {
	enum netcfg_change_kind kind;
	struct prefix prefix;        /* ADDR, ROUTE, UNREACH */
	struct ipaddr via;           /* ROUTE: family 0 if on-link */
	char ifname[IFNAMSIZ];       /* ADDR, ROUTE (may be another link); UNREACH: the TUN */
	uint32_t seq;                /* its journal record */
};

/* The route the gateway was reachable by before the tunnel took over,
 * per family, so a reconnect to a new gateway address can be pinned too. */
struct netcfg_underlay {
	bool known;
	struct ipaddr via;
	char ifname[IFNAMSIZ];
};

struct netcfg {
	char ifname[IFNAMSIZ];
	bool full_tunnel;
	enum config_dns_mode dns;
	unsigned tun_queue;          /* the link's txqueuelen; 0 = the kernel's */
	const char *config_path;     /* for messages */
	bool applied;
	struct msg_config cfg;       /* what is applied */
	struct netcfg_change *changes; /* in the order made; undone in reverse */
	size_t n_changes, cap_changes;
	struct netcfg_underlay underlay4, underlay6;
	struct dns_state dns_state;
	struct undo *undo;           /* where changes are recorded first */
};

/* True if cfg would configure exactly what is applied now. */
bool netcfg_same(const struct netcfg *n, const struct msg_config *cfg);
/* After a change of the network (roaming): if the gateway is pinned, point
 * the pin at the way the main table now has around tun_ifindex, or put it
 * back if the kernel dropped it with an address. 0 if the pin is right (or
 * there is none), -1 if there is no way yet or it cannot be set (logged). */
int netcfg_repin_gateway(struct netcfg *n, const struct ipaddr *gateway, int tun_ifindex);

/* ---- roam.c: noticing that the way to the gateway moved ---- */

struct client;

/* A moment for a change to complete (an address removed, then its
 * successor added; a route replaced) before the way is looked up. */
#define ROAM_SETTLE_MS 150

struct roam {
	int fd;                        /* NETLINK_ROUTE, subscribed to changes; -1 if none */
	struct ev_io io;
	struct ev_timer settle;        /* the look, ROAM_SETTLE_MS after a change */
	int tun_ifindex;               /* our own changes there are not news */
	bool changed4, changed6;       /* since the last look */
	bool known;                    /* path and source hold the connection's way */
	struct rtnl_route path;        /* the way to the gateway when connected */
	struct ipaddr source;          /* the connection's own address */
};


/* Replays an ADDR, ROUTE or UNREACH record a dead client left: 0 if it is gone
 * (or was never made), -1 (logged). */
int netcfg_undo_record(const struct journal_rec *r);

/* ---- killswitch.c: kill_switch = on (nftables) ---- */

struct killswitch {
	bool installed;
	uint32_t seq;                  /* its journal record */
	struct nftrules_spec spec;     /* what is installed */
	struct connect_addrs last;     /* the addresses it lets through */
};

/* Replays an NFT_TABLE record a dead client left: 0 if the table is gone
 * (or never was), -1 (logged). */
int killswitch_undo_record(const struct journal_rec *r);

#endif
