/*
 * frame.h - encode and decode the length-prefixed frames carried inside TLS.
 * Sans-I/O: the decoder takes bytes and says OK, NEED_MORE or MALFORMED; it
 * never allocates. A decoded frame points into the caller's bytes.
 */
#ifndef MTLSVPN_FRAME_H
#define MTLSVPN_FRAME_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "gso.h"
#include "proto.h"

enum frame_result { FRAME_OK, FRAME_NEED_MORE, FRAME_MALFORMED };

struct frame {
	uint8_t type;            /* enum frame_type */
	const uint8_t *payload;  /* into the decoded bytes */
	size_t len;
};

/* Decode one frame from p[0..n). On FRAME_OK *consumed is its whole size.
 * MALFORMED: wrong version, unknown type, a KEEPALIVE with payload, a DATA
 * frame that is empty or larger than max_data, or a control payload larger
 * than its type allows. *why names the problem (static string). */
enum frame_result frame_decode(const uint8_t *p, size_t n, size_t max_data,
			       struct frame *out, size_t *consumed, const char **why);

/* Write a header for a payload of len bytes into hdr. */
void frame_header(uint8_t hdr[static FRAME_HDR_LEN], uint8_t type, size_t len);

/* Append a whole frame to b; false if b lacks room or len is too large. */
bool frame_append(struct buf *b, uint8_t type, const void *payload, size_t len);

/* Turn a packet already in b (content = the IP packet) into a DATA frame
 * by prepending a header into the headroom. False if headroom < 4. */
bool frame_wrap_data(struct buf *b);

/* The GSO header of a DATA_GSO payload (frame_decode checked its length).
 * False for an unknown GSO type or flag, with *why (static). Whether the
 * metadata fits the packet is gso_check's question. */
bool frame_gso_decode(const uint8_t *payload, size_t len, struct gso_meta *m, const char **why);

/* As frame_wrap_data for a DATA_GSO frame: prepends the frame and GSO
 * headers (8 bytes of headroom). False if they do not fit or the payload
 * would exceed FRAME_MAX_PAYLOAD. */
bool frame_wrap_gso(struct buf *b, const struct gso_meta *m);

const char *frame_type_name(uint8_t type);

#endif
