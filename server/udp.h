/*
 * udp.h - the gateway's side of the UDP data channel (docs/protocol.md
 * section 12, docs/design.md "UDP data channel"): each worker's socket and
 * cid table (udp.c) and each session's channel (udp_sess.c), allocated only
 * once its client took the channel in FEATURES.
 */
#ifndef MTLSVPN_SERVER_UDP_H
#define MTLSVPN_SERVER_UDP_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>

#include "cidtab.h"
#include "dchan_sess.h"
#include "ev.h"
#include "pmtu.h"
#include "rxsched.h"

struct session;
struct worker;
struct gateway;

/* Datagrams queued for one sendmmsg (runs of equal size to one peer go as
 * one UDP_SEGMENT message). */
#define UDP_BATCH 64
/* Receiving (udp_rx.c): reads staged ahead in slots, UDP_RX_SLOTS_GRO of
 * UDP_GRO_SLOT bytes with UDP_GRO on (each holds a run of one peer's
 * datagrams the kernel coalesced, up to 64 KiB: together about what the
 * socket's receive buffer holds), else UDP_RX_SLOTS of one datagram;
 * read in recvmmsg batches of up to UDP_RX_BATCH; UDP_RX_BUDGET
 * datagrams of heavy sessions handed on a turn. */
#define UDP_GRO_SLOT 65535
#define UDP_RX_SLOTS_GRO 32
#define UDP_RX_SLOTS 256
#define UDP_RX_BATCH 32
#define UDP_RX_BUDGET 64

/* The offer prepared when the handshake completes: the cid and epoch 0's
 * secret, held until the client's FEATURES takes it or not. */
struct udp_offer {
	bool ready;
	uint8_t aead; /* enum dchan_aead */
	uint64_t cid;
	uint8_t secret[DCHAN_SECRET_LEN];
};

/* The gateway's own address a datagram came to, when the socket is bound
 * to a wildcard address: answers leave from it (IP_PKTINFO /
 * IPV6_PKTINFO), or a client that sent to a secondary address would not
 * recognise them. family 0: not known, the kernel's route chooses. */
struct udp_local {
	sa_family_t family;
	struct in_addr v4;
	struct in6_addr v6;
};

/* What a session's channel counted besides dchan_sess's own counters. */
struct udp_sess_counts {
	uint64_t datagrams_in, datagrams_out, roams;
};

/* A session's channel, from FEATURES to the close. */
struct session_udp {
	struct dchan_sess ds;
	struct cidtab_node node; /* in its worker's cids */
	struct sockaddr_storage peer; /* where the gateway sends: the newest
					 authenticated datagram's source */
	socklen_t peer_len;	      /* 0: no datagram yet */
	struct udp_local local;       /* the address the peer sends to */
	struct ev_timer timer;	      /* at dchan_sess_next_timer() */
	enum dchan_state told;	      /* the state last logged */
	struct udp_sess_counts n;
	struct session_pmtu pmtu; /* its path MTU (pmtu.c) */
	uint8_t cont_key[32];	  /* proves a continuation (12.10), from epoch 0 */
};

/* Totals that outlive sessions: folded in when a channel closes, so
 * the gateway's counters never go down. */
struct udp_totals {
	uint64_t drops[DCHAN_OPEN_RESULTS];
	uint64_t fallbacks, recoveries, rekeys, roams;
};

/* A read staged in a slot until its datagrams are handed on (udp_rx.c). */
struct udp_rx_read {
	uint32_t len, seg, off; /* bytes, each datagram's (GRO), the next one's offset */
	int flags;
	socklen_t src_len;
	struct sockaddr_storage src;
	struct udp_local local;
};

/* One queued datagram of the send batch. */
struct udp_queued {
	uint32_t off, len;
	struct sockaddr_storage peer;
	socklen_t peer_len;
	struct udp_local local;
};

/* A worker's socket, table and counters. */
struct worker_udp {
	int fd; /* -1: no UDP */
	struct ev_io io;
	struct cidtab cids;
	uint8_t *rx;	   /* rx_slots slots of rx_slot bytes */
	size_t rx_slot;
	unsigned rx_slots;
	struct udp_rx_read *reads;  /* each slot's read */
	struct rxsched_slot *sched; /* each slot's session and datagrams left */
	uint32_t *order;	    /* the staged slots, oldest first */
	uint32_t *free;		    /* the free slots, a stack */
	unsigned n_order, n_free;
	bool rx_turned; /* the socket's callback ran this turn */
	bool gro;	   /* UDP_GRO: the kernel hands over runs of datagrams */
	bool pktinfo;	   /* bound to a wildcard address: answer from struct udp_local */
	uint8_t *tx;	   /* the send batch's datagrams, back to back */
	size_t tx_cap, tx_used;
	struct udp_queued q[UDP_BATCH];
	unsigned nq;
	bool gso_off; /* the kernel refused UDP_SEGMENT once: single datagrams */
	uint64_t datagrams_in, datagrams_out, unknown_cid, send_errors, gso_sends;
	uint64_t gro_reads; /* reads that held several datagrams (UDP_GRO) */
	uint64_t rx_evicted; /* staged datagrams given up for newer ones */
	struct udp_totals closed;
	struct worker_pmtu pmtu; /* path MTU questions (pmtu.c) */
};

/* udp.c: the sockets, receiving, batched sending */
bool udp_enabled(const struct gateway *gw);
int udp_open_all(struct gateway *gw);
void udp_close(struct worker *w);
/* Room for one more datagram of up to need bytes in the send batch
 * (flushing it first if full); *cap the room. */
uint8_t *udp_queue_slot(struct worker *w, size_t need, size_t *cap);
/* The datagram written at the slot goes to peer with the batch. */
void udp_queue_commit(struct worker *w, size_t len, const struct sockaddr_storage *peer,
		      socklen_t peer_len, const struct udp_local *local);
void udp_flush(struct worker *w);
/* One datagram now (a PING, a PONG). */
void udp_send_one(struct worker *w, const uint8_t *d, size_t len,
		  const struct sockaddr_storage *peer, socklen_t peer_len,
		  const struct udp_local *local);

/* udp_rx.c: receiving, sparse sessions first */
int udp_rx_init(struct worker *w);
void udp_rx_deinit(struct worker *w);
void udp_rx_on_readable(struct ev_loop *loop, struct ev_io *io, uint32_t revents);
/* A turn's end (an ev hook): staged datagrams left by the budget. */
void udp_rx_on_turn_end(struct ev_loop *loop, void *data);

/* udp_status.c: what status --json and the metrics show. */
struct jsonw;
struct udp_sum {
	uint64_t datagrams_in, datagrams_out, unknown_cid, gso_sends, send_errors, gro_reads;
	uint64_t evicted; /* staged datagrams given up (udp_rx.c) */
	struct udp_totals t; /* closed sessions' and live ones' */
	unsigned by_state[3];  /* live channels by enum dchan_state */
	uint64_t cont_ok, cont_refused; /* continuations (cont.c) */
	uint64_t detached, detach_expired; /* detach.c */
};
/* The drop reasons' names ("malformed", ...) by enum dchan_open_result;
 * NULL for DCHAN_OPEN_OK. */
const char *udp_drop_key(unsigned reason);
void udp_sum(const struct gateway *gw, struct udp_sum *out);
/* "udp": null, or the session's channel. */
void udp_status_session(struct jsonw *j, const struct session *s);
/* "udp": null when off, or the gateway's socket counters. */
void udp_status_gateway(struct jsonw *j, const struct gateway *gw);
/* "udp: up" and the like for the status table; "-" without a channel. */
const char *udp_status_word(const struct session *s);
/* One line for status: the port, datagrams each way, unknown cids, and
 * the channels by state. */
void udp_status_line(const struct gateway *gw, char *out, size_t cap);

/* udp_sess.c: one session's channel */
/* When the handshake is done: the cid and secret for CONFIG, if udp is on
 * and the exporter gives one. Then lets wolfSSL drop the handshake's
 * secrets (tls_export_done) either way. */
void udp_sess_prepare(struct session *s);
/* The DCHAN attribute and feature bit for CONFIG, when offered. */
bool udp_sess_offered(const struct session *s);
void udp_sess_offer_attr(const struct session *s, uint64_t *cid, uint16_t *port, uint8_t *aead);
/* The client's FEATURES: took the channel (create it) or not (forget the
 * offer). */
void udp_sess_on_features(struct session *s, bool taken);
void udp_sess_on_rekey_ack(struct session *s, uint32_t epoch);
/* A continuation gave the session a new connection: a DCHAN_REKEY still
 * unanswered is sent again on it (the old one may not have carried it). */
void udp_sess_on_attached(struct session *s);
/* The session closes: keys wiped, cid forgotten, counters folded. */
void udp_sess_close(struct session *s);
/* UDP carries the session's packets now (super-packets are then cut). */
bool udp_sess_active(const struct session *s);
/* A packet for the client: sealed and queued when UDP is the path (true:
 * taken, sent or counted as dropped); false: send it over TLS. */
bool udp_sess_route(struct session *s, const uint8_t *pkt, size_t len);
/* One datagram from src for this session, already steered to it by cid. */
void udp_sess_receive(struct session *s, uint8_t *d, size_t n, const struct sockaddr_storage *src,
		      socklen_t src_len, const struct udp_local *local);

#endif
