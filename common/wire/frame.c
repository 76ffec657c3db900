/*
 * frame.c - the 4-byte frame header (version, type, big-endian length) and
 * the per-type payload limits. The decoder refuses a bad header as soon as
 * the byte that shows it has arrived, so a hostile peer cannot make us
 * buffer a 64 KiB payload only to refuse it afterwards.
 */
#include "frame.h"

#include <string.h>

/*
 * Largest payload each control type may carry; the encoder and the decoder
 * share these so we never send what the peer would refuse.
 *  - CONFIG: 8192. The largest CONFIG msg.c can write (both addresses and
 *    gateways, 64 IPv6 routes, 8 IPv6 DNS servers, 8 search and 8 routing
 *    domains of 253 bytes, the optional attributes) is about 5.7 KiB; the
 *    rest is room for optional attributes a newer gateway may add.
 *    server/establish.c
 *    encodes into an 8192-byte array for the same reason.
 *  - BYE: reason (2) + at most BYE_MAX_TEXT bytes of text, no terminator.
 *  - CONFIG_UPDATE: as CONFIG (it carries a subset of its attributes).
 *  - FEATURES, DCHAN_REKEY, DCHAN_REKEY_ACK: exactly 4 bytes.
 *  - CONTINUE: exactly 40 bytes.
 *  - KEEPALIVE: always empty.
 * DATA is bounded by the caller's max_data (the MTU), at most
 * FRAME_MAX_PAYLOAD, and is never empty. DATA_GSO holds its GSO header and
 * a packet of at least one byte, up to FRAME_MAX_PAYLOAD in all: its
 * segments are bounded by the MTU (gso_check), the frame is not.
 */
#define FRAME_CONFIG_MAX 8192
#define FRAME_BYE_MAX (2 + BYE_MAX_TEXT)
#define FRAME_FEATURES_LEN 4
#define FRAME_CONTINUE_LEN 40

static bool type_known(uint8_t type)
{
	return type == FRAME_DATA || type == FRAME_CONFIG || type == FRAME_KEEPALIVE ||
	       type == FRAME_BYE || type == FRAME_CONFIG_UPDATE || type == FRAME_FEATURES ||
	       type == FRAME_DATA_GSO || type == FRAME_DCHAN_REKEY || type == FRAME_DCHAN_REKEY_ACK ||
	       type == FRAME_CONTINUE;
}

/* NULL if a payload of len bytes is acceptable for type. */
static const char *check_len(uint8_t type, size_t len, size_t max_data)
{
	switch (type) {
	case FRAME_DATA:
		if (len == 0)
			return "empty DATA frame";
		if (len > max_data || len > FRAME_MAX_PAYLOAD)
			return "DATA frame larger than the MTU";
		return NULL;
	case FRAME_DATA_GSO:
		if (len <= FRAME_GSO_HDR_LEN)
			return "DATA_GSO frame without a packet";
		return len > FRAME_MAX_PAYLOAD ? "DATA_GSO frame too large" : NULL;
	case FRAME_CONFIG:
		return len > FRAME_CONFIG_MAX ? "CONFIG frame too large" : NULL;
	case FRAME_CONFIG_UPDATE:
		return len > FRAME_CONFIG_MAX ? "CONFIG_UPDATE frame too large" : NULL;
	case FRAME_FEATURES:
		return len != FRAME_FEATURES_LEN ? "FEATURES frame not 4 bytes" : NULL;
	case FRAME_DCHAN_REKEY:
	case FRAME_DCHAN_REKEY_ACK:
		return len != FRAME_FEATURES_LEN ? "DCHAN_REKEY frame not 4 bytes" : NULL;
	case FRAME_CONTINUE:
		return len != FRAME_CONTINUE_LEN ? "CONTINUE frame not 40 bytes" : NULL;
	case FRAME_KEEPALIVE:
		return len != 0 ? "KEEPALIVE frame with a payload" : NULL;
	case FRAME_BYE:
		return len > FRAME_BYE_MAX ? "BYE frame too large" : NULL;
	default:
		return "unknown frame type";
	}
}

enum frame_result frame_decode(const uint8_t *p, size_t n, size_t max_data, struct frame *out,
			       size_t *consumed, const char **why)
{
	uint8_t version, type;
	size_t len;
	const char *bad;

	if (n < 1)
		return FRAME_NEED_MORE;
	version = p[0];
	if (version != PROTO_VERSION) {
		*why = "unsupported protocol version";
		return FRAME_MALFORMED;
	}
	if (n < 2)
		return FRAME_NEED_MORE;
	type = p[1];
	if (!type_known(type)) {
		*why = "unknown frame type";
		return FRAME_MALFORMED;
	}
	if (n < FRAME_HDR_LEN)
		return FRAME_NEED_MORE;
	len = buf_get16(p + 2);
	bad = check_len(type, len, max_data);
	if (bad != NULL) {
		*why = bad;
		return FRAME_MALFORMED;
	}
	if (n - FRAME_HDR_LEN < len)
		return FRAME_NEED_MORE;
	out->type = type;
	out->payload = p + FRAME_HDR_LEN;
	out->len = len;
	*consumed = FRAME_HDR_LEN + len;
	return FRAME_OK;
}

void frame_header(uint8_t hdr[static FRAME_HDR_LEN], uint8_t type, size_t len)
{
	hdr[0] = PROTO_VERSION;
	hdr[1] = type;
	buf_put16(hdr + 2, (uint16_t)len);
}

bool frame_append(struct buf *b, uint8_t type, const void *payload, size_t len)
{
	uint8_t hdr[FRAME_HDR_LEN];

	/* DATA is checked against the largest payload only: the MTU is the
	 * receiver's to enforce. */
	if (check_len(type, len, FRAME_MAX_PAYLOAD) != NULL)
		return false;
	if (!buf_reserve(b, FRAME_HDR_LEN + len))
		return false;
	frame_header(hdr, type, len);
	(void)buf_append(b, hdr, sizeof(hdr));
	(void)buf_append(b, payload, len);
	return true;
}

bool frame_gso_decode(const uint8_t *payload, size_t len, struct gso_meta *m, const char **why)
{
	if (len <= FRAME_GSO_HDR_LEN) {
		*why = "DATA_GSO frame without a packet";
		return false;
	}
	if (payload[0] > FRAME_GSO_TYPE_MAX) {
		*why = "DATA_GSO frame with an unknown GSO type";
		return false;
	}
	if ((payload[1] & ~FRAME_GSO_F_CSUM) != 0) {
		*why = "DATA_GSO frame with unknown flags";
		return false;
	}
	m->type = payload[0];
	m->needs_csum = (payload[1] & FRAME_GSO_F_CSUM) != 0;
	m->gso_size = buf_get16(payload + 2);
	return true;
}

bool frame_wrap_gso(struct buf *b, const struct gso_meta *m)
{
	uint8_t hdr[FRAME_HDR_LEN + FRAME_GSO_HDR_LEN];
	size_t len = buf_len(b) + FRAME_GSO_HDR_LEN;

	if (b->head < sizeof(hdr) || buf_len(b) == 0 || len > FRAME_MAX_PAYLOAD)
		return false;
	frame_header(hdr, FRAME_DATA_GSO, len);
	hdr[FRAME_HDR_LEN] = m->type;
	hdr[FRAME_HDR_LEN + 1] = m->needs_csum ? FRAME_GSO_F_CSUM : 0;
	buf_put16(hdr + FRAME_HDR_LEN + 2, m->gso_size);
	return buf_prepend(b, hdr, sizeof(hdr));
}

bool frame_wrap_data(struct buf *b)
{
	uint8_t hdr[FRAME_HDR_LEN];
	size_t len = buf_len(b);

	if (b->head < FRAME_HDR_LEN || len == 0 || len > FRAME_MAX_PAYLOAD)
		return false;
	frame_header(hdr, FRAME_DATA, len);
	return buf_prepend(b, hdr, sizeof(hdr));
}

const char *frame_type_name(uint8_t type)
{
	switch (type) {
	case FRAME_DATA:
		return "DATA";
	case FRAME_CONFIG:
		return "CONFIG";
	case FRAME_KEEPALIVE:
		return "KEEPALIVE";
	case FRAME_BYE:
		return "BYE";
	case FRAME_CONFIG_UPDATE:
		return "CONFIG_UPDATE";
	case FRAME_FEATURES:
		return "FEATURES";
	case FRAME_DATA_GSO:
		return "DATA_GSO";
	case FRAME_DCHAN_REKEY:
		return "DCHAN_REKEY";
	case FRAME_DCHAN_REKEY_ACK:
		return "DCHAN_REKEY_ACK";
	case FRAME_CONTINUE:
		return "CONTINUE";
	default:
		return "unknown";
	}
}
