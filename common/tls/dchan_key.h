/*
 * dchan_key.h - the key schedule of the UDP data channel (docs/protocol.md
 * section 12.3): the TLS 1.3 exporter gives epoch 0's 32-byte secret; each
 * next epoch's secret is a one-way HKDF-SHA256 step from the previous one
 * (and the previous is wiped); from an epoch's secret HKDF-SHA256 derives a
 * key and an IV salt per direction. Takes the secrets as bytes, so it is
 * testable without a TLS session (tls_export.c is the call into wolfSSL).
 * Pure: no I/O, no logging.
 */
#ifndef MTLSVPN_DCHAN_KEY_H
#define MTLSVPN_DCHAN_KEY_H

#include <stdint.h>

#define DCHAN_EXPORT_LABEL "EXPORTER-mtlsvpn-dchan"
#define DCHAN_SECRET_LEN 32
#define DCHAN_CONTEXT_LEN 8 /* the cid, big-endian */
#define DCHAN_KEY_LEN 32
#define DCHAN_IV_LEN 12

enum dchan_aead {
	DCHAN_AES256GCM = 1,
	DCHAN_CHACHA20POLY1305 = 2,
};

/* One direction's secrets for one epoch. */
struct dchan_secret {
	uint8_t key[DCHAN_KEY_LEN];
	uint8_t iv[DCHAN_IV_LEN];
};

struct dchan_epoch_keys {
	struct dchan_secret c2s; /* client to gateway */
	struct dchan_secret s2c; /* gateway to client */
};

/* The exporter context for a cid. */
void dchan_key_context(uint64_t cid, uint8_t out[static DCHAN_CONTEXT_LEN]);

/* Both directions' keys from one epoch's secret. 0, or -1 for an unknown
 * aead or a wolfCrypt failure (out is wiped then). */
int dchan_key_derive(enum dchan_aead aead, const uint8_t secret[static DCHAN_SECRET_LEN],
		     struct dchan_epoch_keys *out);

/* The secret of epoch next_epoch from the previous epoch's, in place (the
 * old secret is overwritten: past epochs cannot be recomputed). 0 or -1. */
int dchan_key_next(uint8_t secret[static DCHAN_SECRET_LEN], uint32_t next_epoch);

void dchan_key_wipe(struct dchan_epoch_keys *k);

/* "aes-256-gcm", "chacha20-poly1305", or NULL for an unknown value. */
const char *dchan_aead_name(enum dchan_aead aead);

#endif
