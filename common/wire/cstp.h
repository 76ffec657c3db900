/*
 * cstp.h - the CSTP framing of the OpenConnect (AnyConnect) tunnel: an
 * 8-byte header ('S' 'T' 'F' 1, payload length big endian, type, 0) before
 * each packet. Sans-I/O and pure like frame.h; the decoder reuses its
 * result enum and struct. Compression is never negotiated, so a COMPRESSED
 * packet is refused.
 */
#ifndef MTLSVPN_CSTP_H
#define MTLSVPN_CSTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "frame.h"

#define CSTP_HDR_LEN 8
#define CSTP_MAX_PAYLOAD 65535
/* DISCONNECT and TERMINATE: one reason byte and at most this much text. */
#define CSTP_MAX_TEXT 255
/* DPD may be padded by some clients to probe the path; never more. */
#define CSTP_DPD_MAX 2048

enum cstp_type {
	CSTP_DATA = 0,
	CSTP_DPD_REQ = 3,
	CSTP_DPD_RESP = 4,
	CSTP_DISCONNECT = 5,
	CSTP_KEEPALIVE = 7,
	CSTP_COMPRESSED = 8,
	CSTP_TERMINATE = 9,
};

/* The reason byte openconnect puts in the DISCONNECT it sends on exit. */
#define CSTP_REASON_CLIENT_BYE 0xb0

void cstp_header(uint8_t hdr[static CSTP_HDR_LEN], uint8_t type, size_t len);

/* Prepend a DATA header into b's headroom (needs CSTP_HDR_LEN); false if
 * too little, or if b is empty or longer than CSTP_MAX_PAYLOAD. */
bool cstp_wrap_data(struct buf *b);

/* A whole packet (header + payload) into out; 0 if it does not fit or len
 * is out of range for the type. */
size_t cstp_packet(uint8_t *out, size_t cap, uint8_t type, const void *payload, size_t len);

/* DISCONNECT: the reason byte then text, cut to CSTP_MAX_TEXT bytes; every
 * byte outside printable ASCII becomes '.', so a cut is never mid-UTF-8
 * and the client prints exactly what we sent. text may be NULL. */
size_t cstp_disconnect(uint8_t *out, size_t cap, uint8_t code, const char *text);

/* Decode one packet from p[0..n). MALFORMED as soon as the bytes show a
 * bad magic, version or trailing byte, COMPRESSED, an unknown type, DATA
 * empty or longer than max_data, or a control payload of a size its type
 * never carries (limits in cstp.c). *why names the problem (static). */
enum frame_result cstp_decode(const uint8_t *p, size_t n, size_t max_data, struct frame *out,
			      size_t *consumed, const char **why);

const char *cstp_type_name(uint8_t type);

#endif
