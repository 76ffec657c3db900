/*
 * platform.h - everything the client asks of the operating system, and
 * nothing else does: the tunnel device, giving up privileges, who is on
 * the other end of the status socket, the network changes for the tunnel
 * (addresses, routes, DNS), noticing that the way to the gateway moved,
 * the kill switch, and putting back what a dead client changed.
 *
 * The portable client (the files of client/ itself: the connection, the data path, the
 * journal file, status) calls only these. Each system implements them in
 * its own folder, client/SYSTEM/, with a platform_os.h defining the state
 * types below; Linux's is client/linux/ (TUN, rtnetlink, systemd-resolved
 * or resolv.conf, nftables, capabilities). docs/design.md, "Porting the
 * client", says what a port must provide.
 */
#ifndef MTLSVPN_PLATFORM_H
#define MTLSVPN_PLATFORM_H

#include <net/if.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "platform_os.h" /* struct netcfg, struct roam, struct killswitch */

struct client;
struct journal_rec;
struct msg_config;

/* ---- the tunnel device ---- */

/* Creates the tunnel device want (a name the system may number) for one
 * client: non-blocking, close-on-exec, one IP packet per read and write,
 * no extra header. Its name goes to name. The fd, or -1 (errno). */
/* offload: with a virtio_net_hdr on every packet, its offloads off until
 * tun_set_offload turns them on. */
int platform_tun_open(const char *want, bool offload, char name[static IFNAMSIZ]);

/* ---- privileges ---- */

/* Once set up: keep only what changing addresses, routes, DNS and the
 * kill switch and undoing them at exit needs, for good. 0, or -1 with the
 * reason in why. */
int platform_confine(char *why, size_t cap);

/* ---- the status socket's caller ---- */

/* The uid of the process at the other end of the connected local socket
 * fd (or -1), and whether it may read the status: root, or gid (when
 * have_gid) among its groups. */
bool platform_peer_allowed(int fd, bool have_gid, gid_t gid, unsigned long *uid);

/* ---- the network changes for the tunnel ---- */

/* Nothing applied yet; every change will be recorded in u before it is
 * made. dns says how DNS is installed; tun_queue is the txqueuelen the link
 * gets when it is brought up (0: the kernel's); config_path is for
 * messages. */
void netcfg_init(struct netcfg *n, struct undo *u, const char *ifname, bool full_tunnel,
		 enum config_dns_mode dns, unsigned tun_queue, const char *config_path);
/* Link up with the MTU, addresses, routes, DNS. gateway: the address we are
 * connected to (for the full-tunnel host route). On failure everything
 * this call added is removed again and -1 is returned (already logged). */
int netcfg_apply(struct netcfg *n, const struct msg_config *cfg, const struct ipaddr *gateway);
/* A CONFIG_UPDATE on a live tunnel: takes lists' routes, DNS servers,
 * search and routing domains into the settings in force; adds the routes
 * that are new and removes the ones of ours that are gone (each in the
 * journal, as netcfg_apply), replaces DNS if it changed. Addresses and MTU
 * stay. 0, or -1 if a route could not be changed (logged; the rest is
 * applied). */
int netcfg_update(struct netcfg *n, const struct msg_config *lists, const struct ipaddr *gateway);
/* Full tunnel only: make sure the gateway at addr is reached outside the
 * tunnel before connecting to it. 0, or -1 (logged). */
int netcfg_pin_gateway(struct netcfg *n, const struct ipaddr *gateway);
/* Remove every change, newest first. Safe to call twice. */
void netcfg_undo(struct netcfg *n);
/* The settings in force (they outlive a reconnect), or NULL if none. */
const struct msg_config *netcfg_applied(const struct netcfg *n);
/* Where DNS went, for messages ("systemd-resolved", "/etc/resolv.conf"),
 * or NULL if the pushed DNS is not installed. */
const char *netcfg_dns_how(const struct netcfg *n);

/* ---- noticing that the way to the gateway moved ---- */

/* Nothing open yet: roam_deinit() may be called. */
void roam_clear(struct roam *r);
/* Starts watching the system's addresses and routes; a change that moves
 * the way to the gateway calls client_on_path_changed(). 0, or -1
 * (logged): the client then runs without, and a move is noticed by the
 * dead-peer timeout instead. */
int roam_init(struct client *c);
/* The connection is up: remember the way it uses. */
void roam_on_connected(struct client *c);
void roam_deinit(struct client *c);

/* ---- the UDP data channel's socket ---- */

/* A socket for the gateway's address gw (its TCP port replaced by port);
 * buffers allocated. 0, or -1 (errno). */
int udpsock_open(struct udpsock *u, const struct sockaddr *gw, socklen_t len, uint16_t port);
/* Closes and frees; safe on a closed one. */
void udpsock_close(struct udpsock *u);
/* Where the next datagram is sealed and its room (at most
 * UDPSOCK_DGRAM_MAX); NULL when the batch is full (flush first). */
uint8_t *udpsock_space(struct udpsock *u, size_t *room);
/* The datagram sealed at udpsock_space() is len bytes: queued. */
void udpsock_commit(struct udpsock *u, size_t len);
/* Sends what is queued, as few syscalls as the kernel allows; datagrams
 * the kernel refuses (full buffer, no route) are dropped and counted in
 * send_errors. Returns the number sent. */
unsigned udpsock_flush(struct udpsock *u);
/* Receives up to UDPSOCK_RX_MSGS messages with one recvmmsg (with UDP GRO
 * a message may hold a run of datagrams, split here); only the gateway's
 * are kept (others counted in from_elsewhere): *got datagrams in
 * u->rx_d[i], u->rx_len[i], valid until the next call. Returns how many
 * messages were read (UDPSOCK_RX_MSGS: more may wait), 0 when none, -1 on
 * an error (errno). */
int udpsock_recv(struct udpsock *u, unsigned *got);

/* ---- the kill switch (kill_switch = on) ---- */

/* Installs the kill switch (recorded in the journal first) or replaces it
 * if addrs differ from the addresses it lets through; nothing if
 * kill_switch is off. 0, or -1 (logged): not installed or not updated. */
int killswitch_allow(struct client *c, const struct connect_addrs *addrs);
/* The addresses the kill switch lets through, for a resolution it blocks
 * (DNS outside the tunnel). False if it is not installed. */
bool killswitch_last_addrs(const struct client *c, struct connect_addrs *out);
/* True while it blocks everything but the gateway. */
bool killswitch_installed(const struct client *c);
/* Removes it (exit). Safe to call twice or when off. */
void killswitch_remove(struct client *c);

/* ---- what a dead client left ---- */

/* Undoes the change one journal record describes (the kinds this system
 * writes; others are not its own and are left): 0 if it is gone, or was
 * never made, or someone else has changed it since; -1 (logged). */
int platform_undo_record(const struct journal_rec *r);

#endif
