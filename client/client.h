/*
 * client.h - the client's parts and what they share: the connection state
 * machine (client.c; the connected states' frames in frames.c) and its
 * messages to the person (notice.c); resolving, connecting and backing off
 * (connect.c); the TUN <-> TLS data path (tunnel.c); the undo journal on
 * disk (undo.c); `mtlsvpn-client status` (status.c, status_cmd.c). What
 * the client asks of the operating system is in platform.h, implemented
 * for Linux in linux/.
 */
#ifndef MTLSVPN_CLIENT_H
#define MTLSVPN_CLIENT_H

#include <limits.h>
#include <net/if.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>

#include "addr.h"
#include "buf.h"
#include "chan.h"
#include "config.h"
#include "dchan_pmtu.h"
#include "dchan_crypt.h"
#include "dchan_sess.h"
#include "ev.h"
#include "journal.h"
#include "msg.h"

/* ---- undo.c: the undo journal on disk ---- */

/* One per instance, locked for the client's life. Every change to routes,
 * addresses and DNS is recorded before it is made and marked done after it
 * is undone; what a dead client left is replayed at the next start. */
struct undo {
	int fd;                      /* -1: none */
	char path[PATH_MAX];
	char ifname[IFNAMSIZ];       /* the configured TUN name, for the owner record */
	uint32_t next_seq;
	size_t live;                 /* recorded and not undone yet */
};

/* state_dir/TUN.journal, or state_dir/CONFIG.journal for a numbered TUN.
 * 0, or -1 (ENAMETOOLONG). */
int undo_path(const struct config_client *cfg, char out[static PATH_MAX]);
/* The same instance's other files: state_dir/NAME followed by suffix
 * (".sock", ".ended"). */
int undo_instance_path(const struct config_client *cfg, const char *suffix,
		       char out[static PATH_MAX]);
/* Locks this instance's journal, first replaying one a dead client left.
 * 0, or -1 (logged): another client runs, or the old journal could not be
 * undone entirely (it is kept). */
int undo_open(struct undo *u, const struct config_client *cfg);
/* --cleanup: replays and removes a dead client's journal. 0, or -1 (logged). */
int undo_cleanup(const struct config_client *cfg);
/* Appends r (numbering it) and fsyncs, before the change it describes.
 * Returns its number, or 0 if it could not be recorded (logged). */
uint32_t undo_record(struct undo *u, struct journal_rec *r);
/* The change numbered seq is undone (or was never made). */
void undo_done(struct undo *u, uint32_t seq);
/* Removes the journal if everything is undone, and lets it go. */
void undo_close(struct undo *u);

/* ---- connect.c ---- */

#define CONNECT_MAX_ADDRS 8

struct connect_addrs {
	struct sockaddr_storage ss[CONNECT_MAX_ADDRS];
	socklen_t len[CONNECT_MAX_ADDRS];
	unsigned n;
};

/* Exponential backoff with full jitter: each delay is drawn uniformly from
 * [min, min(max, min * 2^attempt)]. */
struct connect_backoff {
	uint64_t min_ms, max_ms;
	unsigned attempt;
};

/* getaddrinfo(host, port) for TCP. 0, or -1 with err filled. */
int connect_resolve(const char *host, unsigned port, struct connect_addrs *out, char *err,
		    size_t errlen);
/* A non-blocking, close-on-exec socket with connect() in flight (or done).
 * Returns the fd, or -1 with errno. */
int connect_start(const struct sockaddr *sa, socklen_t len);
/* After EPOLLOUT: 0 if connected, or -1 with errno = the connect error. */
int connect_finish(int fd);
void connect_backoff_init(struct connect_backoff *b, unsigned min_s, unsigned max_s);
uint64_t connect_backoff_next(struct connect_backoff *b);
void connect_backoff_reset(struct connect_backoff *b);

#include "platform.h"
#include "pmtu_sock.h"

/* ---- est_io.c: one EST exchange, blocking (enroll, the renewal child) ---- */

#include "est_enroll.h"
#include "est_http.h"

struct est_io {
	const char *host;          /* the gateway: name or address */
	unsigned port;
	struct tls_ctx *tls;       /* made with client_http */
	const char *identity, *token; /* simpleenroll's Basic credentials */
	unsigned timeout_s;        /* for the whole exchange */
};

/* Connects, asks op (with the DER request csr for the enroll operations)
 * and reads the certificates answered: 0, or -1 with err saying why in
 * words for the person (the gateway's reason for a refusal). */
int est_io_exchange(const struct est_io *io, enum est_op op, const uint8_t *csr, size_t csr_len,
		    struct est_enroll_certs *out, char *err, size_t errlen);

/* ---- renew.c: the certificate renews itself (renew = auto) ---- */

/* Before the pair is loaded: a renewal interrupted between renaming the
 * certificate and the key into place is completed (logged). */
void renew_repair(const struct config_client *cfg);
/* Plans the first renewal (logs why there is none). After client_init. */
void renew_init(struct client *c);
void renew_deinit(struct client *c);
/* The tunnel is up: a renewed pair works, the old one is let go. */
void renew_on_up(struct client *c);
/* A handshake failed for good: true if it was a renewed pair and the
 * client went back to the previous one (the caller then just retries). */
bool renew_on_refused(struct client *c);
/* For status: false when there is no renewal; else the certificate's
 * notAfter, the next try (unix s, 0 none) and the last outcome ("" none). */
bool renew_view(const struct client *c, int64_t *not_after, int64_t *next, const char **last);
/* main.c: the TLS context of cfg's pair (logged on failure), also for a
 * renewed pair. */
struct tls_ctx *client_tls_ctx_new(const struct config_client *cfg);

/* enroll.c: `mtlsvpn-client enroll ...` (argv[0] is "enroll"): the exit
 * status (0 enrolled, 1 refused or failed, 2 usage). */
int enroll_main(int argc, char **argv);

/* ---- client.c ---- */

/* The connection's life. Every change goes through client_set_state(). */
enum client_state {
	CLIENT_RESOLVING,   /* looking up the gateway's addresses */
	CLIENT_CONNECTING,  /* TCP connect in flight to one of them */
	CLIENT_HANDSHAKE,   /* TLS 1.3 handshake with both certificates */
	CLIENT_WAIT_CONFIG, /* authenticated; waiting for the gateway's CONFIG */
	CLIENT_UP,          /* tunnel configured; packets flow */
	CLIENT_BACKOFF,     /* disconnected; waiting before the next attempt */
	CLIENT_CLOSING,     /* leaving: BYE sent, flushing, then the loop ends */
	CLIENT_STATE_COUNT,
};

struct client_stats {
	uint64_t tx_packets, tx_bytes;  /* TUN -> gateway */
	uint64_t rx_packets, rx_bytes;  /* gateway -> TUN */
	uint64_t drop_tun_read;         /* read from the TUN but not sent */
	uint64_t drop_tun_write;        /* from the gateway but the TUN refused */
	uint64_t drop_invalid;          /* not a sound IP packet */
	uint64_t drop_source;           /* from the TUN with a source not ours */
	/* Receive coalescing (tungro.c): packets from the gateway written as
	 * parts of TCP super-packets, and the TUN writes that saved. */
	uint64_t gro_coalesced, gro_writes_saved;
};

/* A continuation under way (cont.c): the channel's cid and continuation
 * key, and the old connection's socket, held open until it is answered. */
struct client_cont {
	bool active;
	bool keep_once; /* the next close_conn keeps the channel and socket */
	bool after_bye; /* this connection brought a BYE: nothing to continue */
	int old_sock;   /* -1: none */
	uint64_t cid;
	uint8_t key[32];
	uint64_t since_ms;
};

struct client {
	const struct config_client *cfg;
	struct ev_loop *loop;
	enum client_state state;
	int exit_code;                 /* main() returns it when the loop ends */

	struct tls_ctx *tls_ctx;
	struct tls_conn *tls;
	int sock;
	struct ev_io sock_io;
	bool sock_eof;

	struct connect_addrs addrs;
	unsigned addr_idx;
	struct ipaddr gateway_ip;      /* the address connected to */
	char gateway_str[ADDR_STRLEN];
	struct connect_backoff backoff;

	/* One timer per state with a deadline (connect, handshake, CONFIG,
	 * backoff, closing); keepalive and dead-peer run while connected. */
	struct ev_timer state_timer;
	struct ev_timer keepalive_timer;
	struct ev_timer dead_peer_timer;
	uint64_t last_tx_ms, last_rx_ms;
	unsigned keepalive_s, dead_peer_s;

	int tun_fd;
	char tun_name[IFNAMSIZ];
	bool tun_vnet;                 /* a virtio_net_hdr on every read and write */
	bool tun_offload;              /* its offloads are on: super-packets come */
	struct buf seg;                /* a segment cut from a super-packet */
	struct tungro *gro;            /* coalescing into the TUN; NULL without vnet */
	struct ev_io tun_io;
	bool tun_reading;

	struct chan rx;
	struct chan_event ev;          /* big (holds a CONFIG): not on the stack */
	struct buf tx;                 /* one batch of DATA frames */
	struct msg_config config;      /* the last CONFIG received */
	struct netcfg net;
	struct roam roam;

	struct undo undo;              /* the journal net's changes go to first */
	struct client_stats stats;
	uint64_t up_since_ms;
	struct killswitch ks;          /* kill_switch = on */

	/* What `mtlsvpn-client status` is told (status.c). */
	struct status_srv *status;     /* NULL: no status socket */
	int64_t state_since;           /* wall clock (unix s) of the last change the person sees */
	char last_reason[256];         /* the last reason the tunnel went down; "" none */
	bool last_refused;             /* ... and it was the gateway refusing us */
	uint32_t features;             /* PROTO_FEATURE_* announced in this connection */
	struct udpchan *udp;           /* this session's UDP data channel; NULL: none */
	struct client_cont cont;       /* continuing the session (cont.c) */
	struct renew *renew;           /* renew = auto on files; NULL: no renewal */
};

/* Opens the TUN, sets up TLS and the loop's watchers. 0, or -1 (logged). */
int client_init(struct client *c, const struct config_client *cfg, struct ev_loop *loop);
/* Starts connecting; ev_run() does the rest. */
void client_start(struct client *c);
/* SIGTERM/SIGINT: say BYE if connected, then end the loop. */
void client_stop(struct client *c);
/* Undo the network changes, close everything. */
void client_deinit(struct client *c);
/* SIGUSR2: say BYE if connected and connect again at once; the tunnel's
 * network settings stay. */
void client_reconnect_now(struct client *c, const char *why);

void client_set_state(struct client *c, enum client_state next, const char *why);
const char *client_state_name(enum client_state s);
/* The connection is gone (reason logged): reconnect after a backoff. */
void client_disconnect(struct client *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* The way to the gateway moved (roam.c): drop the connection without a
 * goodbye and reconnect now, without a backoff. */
void client_on_path_changed(struct client *c, const char *what);
/* A failure no retry can fix: one sentence, exit status 1. */
void client_fail(struct client *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Drops the connection (socket, TLS, timers, TUN reading); the TUN and its
 * network settings stay. */
void client_close_conn(struct client *c);
/* Drops the connection and reconnects after delay ms, or after the
 * backoff's next (CLIENT_RETRY_BACKOFF). A failure is a warning; for a
 * drain the caller has said what happens. */
#define CLIENT_RETRY_BACKOFF UINT64_MAX
void client_drop_and_retry(struct client *c, uint64_t delay, bool failure, const char *why);
/* A TLS failure (when: "handshake", "session"). Certificates do not fix
 * themselves: those failures end the program; others reconnect. */
void client_tls_failed(struct client *c, const char *when);
/* EPOLLIN, EPOLLOUT while TLS output is queued, and extra. */
void client_want_events(struct client *c, uint32_t extra);
/* recv() once if the socket said so (revents). false if the connection is
 * unusable (already handled). */
bool client_fill(struct client *c, uint32_t revents);

/* ---- frames.c: WAIT_CONFIG, UP and CLOSING, frame by frame ---- */

/* Reads the connection and acts on every complete frame in the state's
 * list (anything else is a protocol error). Returns how many decrypted
 * bytes were read (for the pending-data hook). */
size_t frames_handle_connected(struct client *c, uint32_t revents);

/* ---- cont.c: continuing the session on a new connection (protocol.md 12.10) ---- */

/* The path changed (what): true if the UDP channel is up, continue =
 * auto, and the session will be continued (the next close_conn keeps the
 * channel and socket). */
bool cont_begin(struct client *c, const char *what);
/* close_conn asks: keep the channel and the socket this time? */
bool cont_keeps_conn(struct client *c);
void cont_hold_socket(struct client *c);
void cont_on_closed(struct client *c);
/* The continuation is over: the old socket closed; the held channel kept
 * (continued) or wiped. Safe when none. */
void cont_end(struct client *c, bool continued);
void cont_on_tls_new(struct client *c);
/* After the handshake: CONTINUE if the gateway chose the continuation.
 * -1 if the connection is gone (handled). */
int cont_on_handshake(struct client *c);
/* At CONFIG: true if it continues the held channel (kept as it is);
 * false: the channel the CONFIG offers is prepared (udpchan_prepare). */
bool cont_on_config(struct client *c, const struct msg_config *cfg);

/* ---- liveness.c: the UP tunnel's keepalive and dead-peer timers ---- */

void client_on_keepalive_due(struct ev_loop *loop, struct ev_timer *t);
void client_on_peer_silence(struct ev_loop *loop, struct ev_timer *t);

/* ---- notice.c: what the person is told ---- */

/* The sentence for a failed TLS handshake or session; true if it is
 * permanent (a certificate problem no retry can fix). */
bool notice_tls_failure(const struct client *c, const char *when, char *out, size_t cap);
/* "gateway closed the session: <reason>[ (<text>)]", made printable. */
void notice_bye(const struct msg_bye *bye, char *out, size_t cap);
void notice_connected(const struct client *c);   /* from c->config */
void notice_cert_expiry(const struct client *c); /* warns if close */
/* The first packet of a session with a source not ours; once per session. */
void notice_foreign_source(const struct client *c, const struct ippkt_info *ip);
void notice_session_end(struct client *c);       /* counters; once */
/* SIGUSR1: one line with the state, gateway, address, bytes and uptime. */
void notice_status(const struct client *c);

/* ---- status.c: `mtlsvpn-client status` ---- */

/* state_dir/NAME.sock, served from the loop to root and members of
 * status_group (SO_PEERCRED, SO_PEERGROUPS); removes a stale NAME.ended.
 * Before privileges are dropped. 0, or -1 (logged): the client runs
 * without it. */
int status_start(struct client *c);
void status_stop(struct client *c);
/* A failure no retry fixes: leave NAME.ended (time, reason) for status. */
void status_on_fatal(struct client *c, const char *why);
/* `mtlsvpn-client status ...` (argv[0] is "status"): the exit status. */
int status_cmd_main(int argc, char **argv, const char *default_config);

/* ---- tunnel.c: the data path while UP ---- */

/* One TUN read batch: at most this many packets, into one TLS write. */
#define TUNNEL_BATCH 64
#define TUNNEL_TX_CAP (TUNNEL_BATCH * (FRAME_HDR_LEN + MSG_MTU_MAX))
/* The largest TUN read: a super-packet. */
#define TUNNEL_READ_MAX 65536
/* Stop reading the TUN above this much queued ciphertext; resume below
 * the low mark. */
#define TUNNEL_OUTQ_HIGH (512 * 1024)
#define TUNNEL_OUTQ_LOW (128 * 1024)

/* The TUN's watcher. */
void tunnel_on_tun_event(struct ev_loop *loop, struct ev_io *w, uint32_t revents);
/* Reads the TUN in a bounded batch into one TLS write. */
void tunnel_on_tun_readable(struct client *c);
/* One inner packet from the UDP data channel, checked as a DATA frame's
 * (length within the MTU, a sound IP packet; zero padding after it cut),
 * coalesced into the TUN. */
void tunnel_deliver_ip(struct client *c, const uint8_t *pkt, size_t len);
/* Writes one DATA or DATA_GSO packet from the gateway to the TUN. */
void tunnel_deliver(struct client *c, const struct chan_event *ev);
/* A DATA, DATA_GSO or DCHAN_REKEY frame from TLS: NULL, or the protocol
 * error it is (the caller closes the session). */
const char *tunnel_on_frame(struct client *c, const struct chan_event *ev);
/* One write into the TUN (the virtio_net_hdr ignored without vnet),
 * counted as the segs packets of bytes it carries. */
void tunnel_tun_write(struct client *c, const uint8_t vnet[static GSO_VNET_HDR_LEN],
		      const uint8_t *pkt, size_t len, uint32_t segs, size_t bytes);

/* tungro.c: packets from the gateway coalesced per flow until
 * tungro_flush at the end of a TLS read. */
int tungro_init(struct client *c);
void tungro_deinit(struct client *c);
void tungro_write(struct client *c, const uint8_t *pkt, size_t len);
void tungro_flush(struct client *c);
/* After FEATURES: TUN offloads on if the gateway takes DATA_GSO, else off. */
void tunnel_set_offload(struct client *c);
/* Encrypts and queues len bytes of frames; flushes; records the send time. */
int tunnel_send(struct client *c, const void *p, size_t len);
/* Sends one control frame (KEEPALIVE, BYE). */
int tunnel_send_frame(struct client *c, uint8_t type, const void *payload, size_t len);
/* A BYE with this reason and text, best effort. */
void tunnel_send_bye(struct client *c, uint16_t reason, const char *text);
/* Starts or stops reading the TUN according to the TLS output backlog. */
void tunnel_update_backpressure(struct client *c);
void tunnel_stop_reading(struct client *c);
void tunnel_start_reading(struct client *c);

/* ---- udpchan.c: the UDP data channel (docs/protocol.md section 12) ---- */

/* What status shows of a running channel. */
struct udpchan_view {
	int state;                     /* enum dchan_state */
	uint32_t epoch;
	uint64_t datagrams_in, datagrams_out;
	uint64_t fallbacks, recoveries, rekeys;
	uint64_t drops[DCHAN_OPEN_RESULTS]; /* by enum dchan_open_result */
};

/* Right after the TLS object is made: keep what the exporter needs. */
void udpchan_on_tls_new(struct client *c);
/* At CONFIG: the old channel wiped; if the gateway offers one and udp =
 * auto, epoch 0 from the exporter and the socket opened. The exporter's
 * secrets are released either way. True: take PROTO_FEATURE_DCHAN. */
bool udpchan_prepare(struct client *c, const struct msg_config *cfg);
/* After FEATURES: probing starts if the bit went out, else the prepared
 * channel is wiped. */
void udpchan_start(struct client *c);
/* The TLS session ends: keys wiped, socket closed. Safe when none. */
void udpchan_stop(struct client *c);
/* One packet from the TUN (a super-packet is cut into its segments):
 * true if UDP took it (queued, or dropped and counted), false: send it
 * over TLS. */
bool udpchan_send(struct client *c, uint8_t *pkt, size_t len, const struct gso_meta *m);
/* After a TUN batch: send the queued datagrams. */
void udpchan_flush(struct client *c);
/* DCHAN_REKEY(epoch) from the gateway: step, answer DCHAN_REKEY_ACK.
 * NULL, or what is wrong (a protocol error: close the session). */
const char *udpchan_on_rekey(struct client *c, uint32_t epoch);
/* The running channel's cid and continuation key while it is up; false
 * otherwise. */
bool udpchan_cont_key(const struct client *c, uint64_t *cid, uint8_t key[static 32]);
/* False (v zeroed) when this session has no running channel. */
bool udpchan_view(const struct client *c, struct udpchan_view *v);

/* ---- pmtu.c: the UDP channel against the path MTU (protocol.md 12.15) ---- */

/* A channel's part (in udpchan.c's struct udpchan). */
struct client_pmtu {
	struct dchan_pmtu st;
	struct pmtu_sock q;
	bool asked;
	uint64_t asked_ms;
	uint64_t errors_seen;  /* the socket's send_errors then */
	size_t told;           /* the usable size last logged; 0 none */
	struct dchan_sess *ds; /* the channel whose PINGs probe the path */
};

/* The channel's socket is open: "don't fragment" on it, the state from
 * the tunnel's MTU. */
void client_pmtu_start(struct client *c, struct client_pmtu *p, struct udpsock *s,
		       struct dchan_sess *ds);
void client_pmtu_stop(struct client_pmtu *p);
/* A padded PING probe due now, sealed into buf[0..cap): its length, or 0. */
size_t client_pmtu_probe(struct client *c, struct client_pmtu *p, const struct udpsock *s,
			 uint8_t *buf, size_t cap);
/* After a timer turn: what the probes found caps the usable size. */
void client_pmtu_probed(struct client_pmtu *p);
/* A packet (or a super-packet's segments of size bytes) the channel is to
 * carry: true if it fits; false if TLS must carry it (the error owed for
 * it is already in the TUN). */
bool client_pmtu_fits(struct client *c, struct client_pmtu *p, const struct udpsock *s,
		      const uint8_t *pkt, size_t len, size_t size);
/* A packet read from the TUN: a SYN's MSS lowered under mss_clamp. */
void client_pmtu_clamp(struct client *c, uint8_t *pkt, size_t len, const struct gso_meta *m);
/* udpchan.c: the running channel's state while UDP carries the packets,
 * else NULL. */
const struct dchan_pmtu *udpchan_pmtu(struct client *c);

/* ---- update.c: CONFIG_UPDATE, routes and DNS changed on a live tunnel ---- */

/* After CONFIG: answers the gateway's FEATURES offer (0, or -1 if the
 * connection failed). */
int update_announce(struct client *c, const struct msg_config *cfg);
/* Applies a CONFIG_UPDATE's lists without dropping the tunnel; false if
 * this connection never announced it (a protocol error). */
bool update_apply(struct client *c, const struct msg_config *lists);

#endif
