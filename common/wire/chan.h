/*
 * chan.h - the receive side of a tunnel channel, sans-I/O: decrypted bytes
 * go in, checked events come out (a DATA packet with its parsed IP header, a
 * decoded CONFIG or BYE, a KEEPALIVE). A frame may span reads and one read
 * may hold many frames. Shared by the client and the gateway; pure, never
 * logs. Which state accepts which event is the caller's state machine's job.
 */
#ifndef MTLSVPN_CHAN_H
#define MTLSVPN_CHAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "gso.h"
#include "ippkt.h"
#include "msg.h"
#include "proto.h"

/* Which end we are: only a client accepts CONFIG and CONFIG_UPDATE, only
 * a gateway FEATURES. */
enum chan_role { CHAN_CLIENT, CHAN_GATEWAY };

/* What the byte stream is cut into: our frames (the default) or the CSTP
 * packets of an OpenConnect client (gateway only). */
enum chan_framing { CHAN_FRAMING_MTLSVPN, CHAN_FRAMING_CSTP };

/* Events only a CSTP channel produces (never on our wire); data/len hold
 * the DPD's payload, which a response echoes. */
#define CHAN_EV_DPD_REQ 0xf1
#define CHAN_EV_DPD_RESP 0xf2

/* Enough for the largest frame plus a burst of small ones. */
#define CHAN_DEFAULT_CAP (256 * 1024)

struct chan {
	struct buf in;
	enum chan_role role;
	enum chan_framing framing;
	size_t max_data;   /* largest DATA payload accepted (the MTU) */
	bool growing;      /* chan_init_growing: chan_trim() shrinks it */
};

enum chan_result { CHAN_OK, CHAN_NEED_MORE, CHAN_MALFORMED };

struct chan_event {
	uint8_t type;                /* enum frame_type */
	/* DATA: the packet, pointing into the channel's buffer; valid until
	 * the next chan_space() or chan_feed(). */
	const uint8_t *data;
	size_t len;
	/* DATA: IPPKT_OK and ip filled, or why the packet is not a sound IP
	 * packet (the caller drops and counts it; the channel stays usable). */
	enum ippkt_result ip_result;
	struct ippkt_info ip;
	/* DATA_GSO: the packet's metadata and gso_check's verdict on it (with
	 * max_data as the largest segment); gso_why names a failure. A
	 * refused one is dropped and counted, like a bad IP packet. */
	struct gso_meta gso;
	enum gso_result gso_result;
	struct gso_info gso_info;
	const char *gso_why;
	struct msg_config config;    /* CONFIG; CONFIG_UPDATE: only its lists */
	struct msg_bye bye;          /* BYE; CSTP DISCONNECT and TERMINATE */
	uint32_t features;           /* FEATURES */
	uint32_t dchan_epoch;        /* DCHAN_REKEY, DCHAN_REKEY_ACK */
	uint64_t cont_cid;           /* CONTINUE: the cid, and its proof */
	uint8_t cont_proof[32];
};

/* A growing channel's buffer while idle, and the room below which
 * chan_space() doubles it (a KEEPALIVE or a small packet fits without). */
#define CHAN_IDLE_CAP 512
#define CHAN_GROW_ROOM 256

/* cap must exceed FRAME_HDR_LEN + FRAME_MAX_PAYLOAD. 0 / -1 ENOMEM, EINVAL. */
int chan_init(struct chan *c, enum chan_role role, size_t cap);
/* A channel whose buffer starts at CHAN_IDLE_CAP and grows, as bytes
 * arrive, up to max (which must exceed FRAME_HDR_LEN + FRAME_MAX_PAYLOAD,
 * so the largest frame always fits); chan_trim() gives it back. For a
 * gateway holding many idle sessions. 0 / -1 ENOMEM, EINVAL. */
int chan_init_growing(struct chan *c, enum chan_role role, size_t max);
/* A growing channel with nothing buffered back to CHAN_IDLE_CAP. */
void chan_trim(struct chan *c);
void chan_deinit(struct chan *c);            /* wipes and frees */
void chan_reset(struct chan *c);             /* forget buffered bytes */
/* DATA frames with a longer payload are malformed; clamped to
 * 1..FRAME_MAX_PAYLOAD. */
void chan_set_max_data(struct chan *c, size_t max_data);
/* CSTP on a CHAN_GATEWAY channel only (a client's is left as it is): DATA
 * comes out as FRAME_DATA, KEEPALIVE as FRAME_KEEPALIVE, DPD as
 * CHAN_EV_DPD_REQ / CHAN_EV_DPD_RESP, DISCONNECT and TERMINATE as FRAME_BYE
 * with reason BYE_NORMAL and the text with non-printables as '.'. Call it
 * before any byte is fed. */
void chan_set_framing(struct chan *c, enum chan_framing f);

/* Where the next decrypted bytes can be written directly, and how many fit
 * (never less than one whole frame after the buffered partial one; on a
 * growing channel at least CHAN_GROW_ROOM, the buffer doubling while the
 * reads fill it, up to its max). NULL with *room 0 only if a growing
 * channel is out of memory. */
uint8_t *chan_space(struct chan *c, size_t *room);
void chan_commit(struct chan *c, size_t n);
/* Copy bytes in; false if they do not fit (read events out first). */
bool chan_feed(struct chan *c, const void *p, size_t n);

/* The next event. NEED_MORE: wait for more bytes. MALFORMED: *why names the
 * problem (static string); the stream is unusable from here on. */
enum chan_result chan_next(struct chan *c, struct chan_event *ev, const char **why);

/* Bytes buffered but not yet returned as events. */
static inline size_t chan_pending(const struct chan *c) { return buf_len(&c->in); }

#endif
