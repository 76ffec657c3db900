/*
 * dchan_msg.h - the UDP data channel's messages on the TLS control channel
 * (docs/protocol.md section 12.13): DCHAN_REKEY (gateway -> client, the
 * next key epoch) and its answer DCHAN_REKEY_ACK (client -> gateway, the
 * epoch its sender now uses), each a 4-byte big-endian epoch; CONTINUE
 * (client -> gateway, section 12.10: a cid and a proof). The channel
 * itself is announced in CONFIG (msg.h, CFG_ATTR_DCHAN). Pure, sans-I/O.
 */
#ifndef MTLSVPN_DCHAN_MSG_H
#define MTLSVPN_DCHAN_MSG_H

#include <stddef.h>
#include <stdint.h>

#include "msg.h"

#define DCHAN_MSG_LEN 4
/* CONTINUE (client -> gateway, section 12.10): cid (8) + proof (32). */
#define DCHAN_CONT_MSG_LEN 40
#define DCHAN_CONT_MSG_PROOF_LEN 32

/* Both messages: the payload length written (4), or 0 if cap < 4 or the
 * epoch is 0 (epoch 0 comes from the exporter, never from a re-key). */
size_t dchan_msg_epoch_encode(uint32_t epoch, uint8_t *out, size_t cap);
/* MSG_MALFORMED with *why (static) unless exactly 4 bytes of a non-zero
 * epoch. Whether it is the epoch expected is dchan_sess's question. */
enum msg_result dchan_msg_epoch_decode(const uint8_t *p, size_t n, uint32_t *epoch,
				       const char **why);

/* CONTINUE: the payload length written (40), or 0 if cap < 40 or the cid
 * is 0. */
size_t dchan_msg_continue_encode(uint64_t cid, const uint8_t proof[static DCHAN_CONT_MSG_PROOF_LEN],
				 uint8_t *out, size_t cap);
/* MSG_MALFORMED with *why (static) unless exactly 40 bytes with a non-zero
 * cid; whether the proof is right is dchan_cont's question. */
enum msg_result dchan_msg_continue_decode(const uint8_t *p, size_t n, uint64_t *cid,
					  uint8_t proof[static DCHAN_CONT_MSG_PROOF_LEN],
					  const char **why);

#endif
