/*
 * dchan_msg.h - the UDP data channel's messages on the TLS control channel
 * (docs/protocol.md section 12.13): DCHAN_REKEY (gateway -> client, the
 * next key epoch) and its answer DCHAN_REKEY_ACK (client -> gateway, the
 * epoch its sender now uses), each a 4-byte big-endian epoch. The channel
 * itself is announced in CONFIG (msg.h, CFG_ATTR_DCHAN). Pure, sans-I/O.
 */
#ifndef MTLSVPN_DCHAN_MSG_H
#define MTLSVPN_DCHAN_MSG_H

#include <stddef.h>
#include <stdint.h>

#include "msg.h"

#define DCHAN_MSG_LEN 4

/* Both messages: the payload length written (4), or 0 if cap < 4 or the
 * epoch is 0 (epoch 0 comes from the exporter, never from a re-key). */
size_t dchan_msg_epoch_encode(uint32_t epoch, uint8_t *out, size_t cap);
/* MSG_MALFORMED with *why (static) unless exactly 4 bytes of a non-zero
 * epoch. Whether it is the epoch expected is dchan_sess's question. */
enum msg_result dchan_msg_epoch_decode(const uint8_t *p, size_t n, uint32_t *epoch,
				       const char **why);

#endif
