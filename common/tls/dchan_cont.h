/*
 * dchan_cont.h - the proof that continues a session over a new TLS
 * connection (docs/protocol.md section 12.10, "Continuation"): a key of its
 * own derived from the channel's epoch-0 secret, and an HMAC-SHA256 under it
 * of the cid and the new connection's exporter value, checked in constant
 * time. Takes everything as bytes (tls_export.c calls the exporter). Pure:
 * no I/O, no logging.
 */
#ifndef MTLSVPN_DCHAN_CONT_H
#define MTLSVPN_DCHAN_CONT_H

#include <stdbool.h>
#include <stdint.h>

#include "dchan_key.h"

#define DCHAN_CONT_ALPN "mtlsvpn-continue/1"
#define DCHAN_CONT_EXPORT_LABEL "EXPORTER-mtlsvpn-continue"
#define DCHAN_CONT_KEY_LEN 32
#define DCHAN_CONT_EXPORT_LEN 32
#define DCHAN_CONT_PROOF_LEN 32

/* K_cont = HKDF-Expand(S_0, "mtlsvpn dchan continue", 32). 0, or -1 (out
 * wiped). */
int dchan_cont_key(const uint8_t s0[static DCHAN_SECRET_LEN],
		   uint8_t out[static DCHAN_CONT_KEY_LEN]);

/* HMAC-SHA256(key, "mtlsvpn continue v1" || cid (8, big-endian) || exported).
 * 0, or -1 (out wiped). */
int dchan_cont_proof(const uint8_t key[static DCHAN_CONT_KEY_LEN], uint64_t cid,
		     const uint8_t exported[static DCHAN_CONT_EXPORT_LEN],
		     uint8_t out[static DCHAN_CONT_PROOF_LEN]);

/* True if proof is the one for (key, cid, exported); the comparison takes
 * the same time wherever the bytes differ. */
bool dchan_cont_verify(const uint8_t key[static DCHAN_CONT_KEY_LEN], uint64_t cid,
		       const uint8_t exported[static DCHAN_CONT_EXPORT_LEN],
		       const uint8_t proof[static DCHAN_CONT_PROOF_LEN]);

#endif
