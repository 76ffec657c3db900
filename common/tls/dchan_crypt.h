/*
 * dchan_crypt.h - seal and open one UDP data-channel datagram
 * (docs/protocol.md sections 12.4-12.9): AES-256-GCM or ChaCha20-Poly1305,
 * nonce = IV salt XOR the 64-bit counter, the header as additional data.
 * The sender owns its counter and refuses past DCHAN_SEND_LIMIT; a receiver
 * holds the current and the previous epoch, opens in place, and consults
 * the replay window only after the tag verified. Every refused datagram is
 * counted by reason in struct dchan_rx. No I/O, no logging, no allocation.
 */
#ifndef MTLSVPN_DCHAN_CRYPT_H
#define MTLSVPN_DCHAN_CRYPT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <wolfssl/options.h>
#include <wolfssl/wolfcrypt/settings.h>
#include <wolfssl/wolfcrypt/aes.h>

#include "dchan_hdr.h"
#include "dchan_key.h"
#include "replay.h"

/* Per direction and epoch (section 12.7). */
#define DCHAN_REKEY_AFTER ((uint64_t)1 << 23)	  /* ask for a new epoch */
#define DCHAN_SEND_LIMIT ((uint64_t)1 << 24)	  /* refuse to seal; refuse to open */
#define DCHAN_AUTH_FAIL_LIMIT ((uint64_t)1 << 30) /* failed opens: retire the key */

/* One direction's key for one epoch. */
struct dchan_key {
	bool live;
	enum dchan_aead aead;
	uint32_t epoch;
	Aes aes;		    /* AES-256-GCM's key schedule */
	uint8_t key[DCHAN_KEY_LEN]; /* ChaCha20-Poly1305's key */
	uint8_t iv[DCHAN_IV_LEN];
};

struct dchan_tx {
	struct dchan_key k;
	uint64_t cid;
	uint64_t next; /* the counter of the next datagram in this epoch */
};

enum dchan_seal_result {
	DCHAN_SEAL_OK,
	DCHAN_SEAL_NOKEY,   /* no epoch installed */
	DCHAN_SEAL_LIMIT,   /* DCHAN_SEND_LIMIT reached: install a new epoch */
	DCHAN_SEAL_NOSPACE, /* cap < header + inner + tag, or inner too large */
	DCHAN_SEAL_TYPE,    /* not an enum dchan_type */
	DCHAN_SEAL_CRYPTO,  /* wolfCrypt failed */
};

struct dchan_rx_epoch {
	struct dchan_key k;
	struct replay win;
	uint64_t auth_fail;
};

/* Why a datagram was dropped; the index of dchan_rx's drop counters. */
enum dchan_open_result {
	DCHAN_OPEN_OK,
	DCHAN_OPEN_MALFORMED, /* header: short, type, reserved, cid 0 */
	DCHAN_OPEN_CID,	      /* another session's connection id */
	DCHAN_OPEN_EPOCH,     /* no live key for its epoch */
	DCHAN_OPEN_LIMIT,     /* counter at or past DCHAN_SEND_LIMIT */
	DCHAN_OPEN_AUTH,      /* the tag does not verify */
	DCHAN_OPEN_REPLAY,    /* authentic, but seen already */
	DCHAN_OPEN_OLD,	      /* authentic, but below the replay window */
	DCHAN_OPEN_RESULTS,
};

struct dchan_rx {
	uint64_t cid;
	struct dchan_rx_epoch cur, prev;
	uint64_t drops[DCHAN_OPEN_RESULTS];
};

struct dchan_opened {
	uint8_t type;	/* enum dchan_type */
	uint32_t epoch; /* the full epoch number of the key that opened it */
	uint64_t counter;
	uint8_t *inner; /* into the datagram, decrypted in place */
	size_t inner_len;
	bool newest; /* highest counter so far in the current epoch:
			the only datagram that may move the peer address */
};

/* Install epoch's key for sending; the counter restarts at 0. -1 if the
 * aead is unknown or wolfCrypt refuses the key (tx then has no key). */
int dchan_tx_install(struct dchan_tx *tx, enum dchan_aead aead, uint64_t cid, uint32_t epoch,
		     const struct dchan_secret *s);
void dchan_tx_deinit(struct dchan_tx *tx);
/* Time to start a re-key (section 12.7). */
bool dchan_tx_rekey_wanted(const struct dchan_tx *tx);

/* Seal one datagram into out[0..cap): header, inner encrypted, tag. inner
 * is either out + DCHAN_HDR_LEN (in place: the caller left headroom) or
 * does not overlap out at all. *out_len is the datagram's length. */
enum dchan_seal_result dchan_seal(struct dchan_tx *tx, uint8_t type, const uint8_t *inner,
				  size_t inner_len, uint8_t *out, size_t cap, size_t *out_len);

void dchan_rx_init(struct dchan_rx *rx, uint64_t cid);
/* Install epoch's receive key as the current; the current becomes the
 * previous (held for the overlap) and the previous one is wiped. */
int dchan_rx_install(struct dchan_rx *rx, enum dchan_aead aead, uint32_t epoch,
		     const struct dchan_secret *s);
/* The overlap is over: wipe the previous epoch's key. */
void dchan_rx_retire_prev(struct dchan_rx *rx);
void dchan_rx_deinit(struct dchan_rx *rx);

/* Open the datagram d[0..n) in place. On DCHAN_OPEN_OK *out points into d;
 * otherwise the datagram is to be dropped silently, rx->drops[result] has
 * been counted and nothing else of rx changed (but a key whose failed
 * opens reached DCHAN_AUTH_FAIL_LIMIT is retired). d's bytes are not
 * meaningful after a failure. */
enum dchan_open_result dchan_open(struct dchan_rx *rx, uint8_t *d, size_t n,
				  struct dchan_opened *out);

const char *dchan_open_result_str(enum dchan_open_result r);

#endif
