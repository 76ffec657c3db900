/*
 * cstp.c - CSTP packet headers and the per-type payload limits. Like
 * frame.c, the decoder refuses a bad header as soon as the byte that shows
 * it has arrived, and checks a payload's length before waiting for it.
 * Limits:
 *  - DATA: 1..max_data (the MTU), never more than CSTP_MAX_PAYLOAD.
 *  - KEEPALIVE: empty (openconnect sends an 8-byte header only).
 *  - DPD_REQ / DPD_RESP: 0..CSTP_DPD_MAX (openconnect sends none).
 *  - DISCONNECT / TERMINATE: 0..1 + CSTP_MAX_TEXT (reason byte and text).
 */
#include "cstp.h"

#include <string.h>

static const uint8_t cstp_magic[4] = { 'S', 'T', 'F', 1 };

/* NULL if a payload of len bytes is acceptable for type. */
static const char *check_len(uint8_t type, size_t len, size_t max_data)
{
	switch (type) {
	case CSTP_DATA:
		if (len == 0)
			return "empty CSTP DATA packet";
		if (len > max_data || len > CSTP_MAX_PAYLOAD)
			return "CSTP DATA packet larger than the MTU";
		return NULL;
	case CSTP_KEEPALIVE:
		return len != 0 ? "CSTP KEEPALIVE with a payload" : NULL;
	case CSTP_DPD_REQ:
	case CSTP_DPD_RESP:
		return len > CSTP_DPD_MAX ? "CSTP DPD packet too large" : NULL;
	case CSTP_DISCONNECT:
	case CSTP_TERMINATE:
		return len > 1 + CSTP_MAX_TEXT ? "CSTP DISCONNECT packet too large" : NULL;
	case CSTP_COMPRESSED:
		return "CSTP COMPRESSED packet, compression was never negotiated";
	default:
		return "unknown CSTP packet type";
	}
}

void cstp_header(uint8_t hdr[static CSTP_HDR_LEN], uint8_t type, size_t len)
{
	memcpy(hdr, cstp_magic, sizeof(cstp_magic));
	buf_put16(hdr + 4, (uint16_t)len);
	hdr[6] = type;
	hdr[7] = 0;
}

bool cstp_wrap_data(struct buf *b)
{
	uint8_t hdr[CSTP_HDR_LEN];
	size_t len = buf_len(b);

	if (b->head < CSTP_HDR_LEN || len == 0 || len > CSTP_MAX_PAYLOAD)
		return false;
	cstp_header(hdr, CSTP_DATA, len);
	return buf_prepend(b, hdr, sizeof(hdr));
}

size_t cstp_packet(uint8_t *out, size_t cap, uint8_t type, const void *payload, size_t len)
{
	if (check_len(type, len, CSTP_MAX_PAYLOAD) != NULL)
		return 0;
	if (cap < CSTP_HDR_LEN || cap - CSTP_HDR_LEN < len)
		return 0;
	cstp_header(out, type, len);
	if (len > 0)
		memcpy(out + CSTP_HDR_LEN, payload, len);
	return CSTP_HDR_LEN + len;
}

size_t cstp_disconnect(uint8_t *out, size_t cap, uint8_t code, const char *text)
{
	uint8_t payload[1 + CSTP_MAX_TEXT];
	size_t n = 1;

	payload[0] = code;
	for (; text != NULL && text[n - 1] != 0 && n < sizeof(payload); n++) {
		uint8_t ch = (uint8_t)text[n - 1];

		payload[n] = ch >= 0x20 && ch < 0x7f ? ch : '.';
	}
	return cstp_packet(out, cap, CSTP_DISCONNECT, payload, n);
}

enum frame_result cstp_decode(const uint8_t *p, size_t n, size_t max_data, struct frame *out,
			      size_t *consumed, const char **why)
{
	const char *bad;
	size_t len;

	for (size_t i = 0; i < sizeof(cstp_magic) && i < n; i++) {
		if (p[i] != cstp_magic[i]) {
			*why = i < 3 ? "not a CSTP packet" : "unsupported CSTP version";
			return FRAME_MALFORMED;
		}
	}
	if (n < CSTP_HDR_LEN)
		return FRAME_NEED_MORE;
	if (p[7] != 0) {
		*why = "CSTP header's last byte is not zero";
		return FRAME_MALFORMED;
	}
	len = buf_get16(p + 4);
	bad = check_len(p[6], len, max_data);
	if (bad != NULL) {
		*why = bad;
		return FRAME_MALFORMED;
	}
	if (n - CSTP_HDR_LEN < len)
		return FRAME_NEED_MORE;
	out->type = p[6];
	out->payload = p + CSTP_HDR_LEN;
	out->len = len;
	*consumed = CSTP_HDR_LEN + len;
	return FRAME_OK;
}

const char *cstp_type_name(uint8_t type)
{
	switch (type) {
	case CSTP_DATA:
		return "DATA";
	case CSTP_DPD_REQ:
		return "DPD_REQ";
	case CSTP_DPD_RESP:
		return "DPD_RESP";
	case CSTP_DISCONNECT:
		return "DISCONNECT";
	case CSTP_KEEPALIVE:
		return "KEEPALIVE";
	case CSTP_COMPRESSED:
		return "COMPRESSED";
	case CSTP_TERMINATE:
		return "TERMINATE";
	default:
		return "unknown";
	}
}
