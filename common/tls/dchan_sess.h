/*
 * dchan_sess.h - one session's UDP data channel on one side, sans-I/O
 * (docs/protocol.md sections 12.7-12.11): the epochs (current, previous for
 * the overlap), the re-key driven over the TLS channel, the path each
 * outgoing packet takes (UDP when up, TLS otherwise), the PING/PONG probe
 * and keepalive machine, and what an arriving datagram means (deliver,
 * answer, roam). Time comes in as milliseconds of a monotonic clock; no
 * I/O, no logging, no allocation; every drop is counted by reason.
 */
#ifndef MTLSVPN_DCHAN_SESS_H
#define MTLSVPN_DCHAN_SESS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dchan_crypt.h"
#include "dchan_probe.h"

#define DCHAN_PING_ID_LEN 8
#define DCHAN_OVERLAP_MS 10000u	 /* the previous receive key outlives a switch */
#define DCHAN_REKEY_MS 120000u	 /* the gateway re-keys an epoch this old */

enum dchan_side {
	DCHAN_SIDE_CLIENT,
	DCHAN_SIDE_GATEWAY,
};

/* The probe machine: the path outgoing packets take follows it. */
enum dchan_state {
	DCHAN_PROBING, /* no PONG yet: TLS carries the traffic, PINGs test UDP */
	DCHAN_UP,      /* the last PING was answered: UDP carries the traffic */
	DCHAN_FAILED,  /* fail_after PINGs unanswered: TLS, and a re-probe now and then */
};

/* The timers, in ms; dchan_sess_timing_default() gives the protocol's. */
struct dchan_timing {
	uint32_t probe_ms;     /* PING interval while probing or after a loss */
	uint32_t keepalive_ms; /* PING interval while up */
	uint32_t reprobe_ms;   /* PING interval once failed */
	uint32_t pong_ms;      /* a PING unanswered this long is lost */
	uint32_t fail_after;   /* this many lost in a row: failed */
	uint32_t rekey_ms;     /* gateway: re-key an epoch this old (<= DCHAN_REKEY_MS) */
};

enum dchan_rekey {
	DCHAN_REKEY_IDLE,
	DCHAN_REKEY_SENT, /* gateway: REKEY sent, new receive key installed,
			     sender still on the old epoch until the answer */
	DCHAN_REKEY_BROKEN, /* gateway: wolfCrypt failed mid-step; the sender
			       key is wiped, TLS carries the rest of the session */
};

struct dchan_sess {
	enum dchan_side side;
	enum dchan_state state;
	enum dchan_aead aead;
	struct dchan_timing t;
	uint64_t cid;
	uint8_t secret[DCHAN_SECRET_LEN]; /* the newest epoch's; past ones wiped */
	uint32_t epoch;			  /* the newest epoch installed for receiving */
	struct dchan_tx tx;
	struct dchan_rx rx;
	struct dchan_secret pending_tx; /* gateway: the next epoch's sender key */
	enum dchan_rekey rekey;
	uint64_t epoch_since; /* when the newest epoch was installed */
	uint64_t retire_at;   /* when to drop the previous receive key; 0: none */
	/* probe machine */
	bool peer_known; /* gateway: an authenticated datagram gave an address */
	bool ping_out;	 /* a PING awaits its PONG */
	uint64_t ping_id, ping_sent, next_ping;
	uint32_t lost; /* PINGs unanswered in a row */
	/* counters (drops are rx.drops, by enum dchan_open_result) */
	uint64_t sent_udp, sent_tls, send_errors, delivered;
	uint64_t pings_sent, pongs_sent, pongs_stale;
	uint64_t fallbacks, recoveries, rekeys;
	/* path MTU probing with padded PINGs (12.15), once mtu_start ran */
	bool mtu_on;
	uint64_t mtu_ids; /* probe PINGs sent: their ids have the top bit set */
	struct dchan_probe mtu;
};

/* What a timer turn asks of the caller. */
struct dchan_actions {
	size_t ping_len; /* > 0: a PING is in the buffer, send it by UDP */
	bool rekey;	 /* send REKEY(rekey_epoch) on the TLS channel */
	uint32_t rekey_epoch;
};

enum dchan_send {
	DCHAN_SEND_UDP,	  /* the datagram is in the buffer */
	DCHAN_SEND_TLS,	  /* send the packet on the TLS channel instead */
	DCHAN_SEND_ERROR, /* no room or wolfCrypt failed: drop, counted */
};

enum dchan_recv {
	DCHAN_RECV_DROP,  /* counted in rx.drops by reason */
	DCHAN_RECV_DATA,  /* an inner packet for the TUN */
	DCHAN_RECV_REPLY, /* a PONG is in the reply buffer, send it by UDP */
	DCHAN_RECV_DONE,  /* a PONG, or a PING the sender could not answer */
};

struct dchan_received {
	uint8_t *inner; /* DATA: into the datagram, decrypted in place */
	size_t inner_len;
	size_t reply_len;
	/* The datagram authenticated, is new and the newest of the current
	 * epoch: the gateway sends to its source from now on (12.10). */
	bool roam;
};

void dchan_timing_default(struct dchan_timing *t);

/* Epoch 0 from the exporter's secret, copied (the caller wipes its own).
 * now: the clock. -1 if wolfCrypt refuses (s is wiped then). */
int dchan_sess_init(struct dchan_sess *s, enum dchan_side side, enum dchan_aead aead, uint64_t cid,
		    const uint8_t secret[static DCHAN_SECRET_LEN], const struct dchan_timing *t,
		    uint64_t now);
void dchan_sess_deinit(struct dchan_sess *s);

/* The path an outgoing packet would take now. */
bool dchan_sess_udp(const struct dchan_sess *s);

/* One outgoing inner packet: sealed into out[0..cap) when UDP is the path
 * (inner may be out + DCHAN_HDR_LEN), or DCHAN_SEND_TLS. */
enum dchan_send dchan_sess_send(struct dchan_sess *s, const uint8_t *inner, size_t len,
				uint8_t *out, size_t cap, size_t *out_len);

/* One arriving datagram d[0..n), opened in place. A PONG for a PING is
 * written into reply[0..cap). */
enum dchan_recv dchan_sess_receive(struct dchan_sess *s, uint64_t now, uint8_t *d, size_t n,
				   uint8_t *reply, size_t cap, struct dchan_received *out);

/* Timers: PINGs, lost PONGs, the end of an overlap, the gateway's re-key.
 * buf[0..cap) receives a PING. Call at dchan_sess_next_timer() or later. */
void dchan_sess_tick(struct dchan_sess *s, uint64_t now, uint8_t *buf, size_t cap,
		     struct dchan_actions *act);
uint64_t dchan_sess_next_timer(const struct dchan_sess *s);

/* Client: the gateway's REKEY(epoch). Steps to epoch, installs both keys
 * (the previous receive key held for the overlap); the caller answers
 * REKEY_ACK(epoch). -1: not the next epoch, or not a client (close the
 * session: a protocol error), or wolfCrypt failed. */
int dchan_sess_on_rekey(struct dchan_sess *s, uint64_t now, uint32_t epoch);
/* Gateway: the client's REKEY_ACK(epoch): the sender switches. -1 if no
 * REKEY for that epoch is outstanding. */
int dchan_sess_on_rekey_ack(struct dchan_sess *s, uint64_t now, uint32_t epoch);

/* Path MTU probing for paths that drop ICMP (12.15): max is the usable
 * inner size the tunnel's MTU and the kernel's path MTU allow, floor the
 * smallest a probe may lower it to. Off until called. */
void dchan_sess_mtu_start(struct dchan_sess *s, size_t max, size_t floor, uint64_t now);
/* The kernel's word on the path changed max. */
void dchan_sess_mtu_ceiling(struct dchan_sess *s, size_t max);
/* While UDP is up and a probe is due: a PING padded to the datagram size
 * of the probed inner size is sealed into buf[0..cap) and its length
 * returned (0: none due). A keepalive PING is pulled forward to go with it,
 * so a lost probe counts only while the path answers. */
size_t dchan_sess_mtu_probe(struct dchan_sess *s, uint64_t now, uint8_t *buf, size_t cap);
/* The largest inner packet the probes let through; SIZE_MAX when off. */
size_t dchan_sess_mtu(const struct dchan_sess *s);

const char *dchan_state_name(enum dchan_state st);

#endif
