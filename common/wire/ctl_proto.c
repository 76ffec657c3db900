/*
 * ctl_proto.c - encode and decode the admin protocol's frames (see
 * ctl_proto.h). Every length is checked before a byte is read; decoders
 * return OK / NEED_MORE / MALFORMED and never log.
 */
#include "ctl_proto.h"

#include <string.h>

#include "buf.h"

static int type_known(uint8_t t)
{
	return t >= CTL_PROTO_REQUEST && t <= CTL_PROTO_STATUS;
}

size_t ctl_proto_encode_hdr(uint8_t type, size_t len, uint8_t *out, size_t cap)
{
	if (!type_known(type) || len > CTL_PROTO_MAX_PAYLOAD || cap < CTL_PROTO_HDR_LEN)
		return 0;
	out[0] = 'M';
	out[1] = 'C';
	out[2] = CTL_PROTO_VERSION;
	out[3] = type;
	buf_put32(out + 4, (uint32_t)len);
	return CTL_PROTO_HDR_LEN;
}

size_t ctl_proto_encode(uint8_t type, const void *payload, size_t len, uint8_t *out, size_t cap)
{
	if (len > CTL_PROTO_MAX_PAYLOAD || cap < CTL_PROTO_HDR_LEN + len)
		return 0;
	if (ctl_proto_encode_hdr(type, len, out, cap) == 0)
		return 0;
	if (len > 0)
		memcpy(out + CTL_PROTO_HDR_LEN, payload, len);
	return CTL_PROTO_HDR_LEN + len;
}

enum ctl_proto_result ctl_proto_decode(const uint8_t *in, size_t len, struct ctl_proto_frame *f,
				       size_t *used, const char **why)
{
	uint32_t plen;

	/* Reject a wrong magic or version as soon as its bytes are here. */
	if ((len >= 1 && in[0] != 'M') || (len >= 2 && in[1] != 'C')) {
		*why = "not an mtlsvpn control frame (bad magic)";
		return CTL_PROTO_MALFORMED;
	}
	if (len >= 3 && in[2] != CTL_PROTO_VERSION) {
		*why = "unsupported control protocol version (mtlsvpnctl and the gateway differ)";
		return CTL_PROTO_MALFORMED;
	}
	if (len >= 4 && !type_known(in[3])) {
		*why = "unknown control frame type";
		return CTL_PROTO_MALFORMED;
	}
	if (len < CTL_PROTO_HDR_LEN)
		return CTL_PROTO_NEED_MORE;
	plen = buf_get32(in + 4);
	if (plen > CTL_PROTO_MAX_PAYLOAD) {
		*why = "control frame length over the maximum";
		return CTL_PROTO_MALFORMED;
	}
	if (len - CTL_PROTO_HDR_LEN < plen)
		return CTL_PROTO_NEED_MORE;
	f->type = in[3];
	f->payload = in + CTL_PROTO_HDR_LEN;
	f->len = plen;
	*used = CTL_PROTO_HDR_LEN + plen;
	return CTL_PROTO_OK;
}

size_t ctl_proto_request_encode(int argc, const char *const *argv, uint8_t *out, size_t cap)
{
	size_t off = 0;

	if (argc <= 0 || argc > CTL_PROTO_MAX_ARGS)
		return 0;
	for (int i = 0; i < argc; i++) {
		size_t l = strlen(argv[i]) + 1;

		if (l > cap - off || off + l > CTL_PROTO_MAX_PAYLOAD)
			return 0;
		memcpy(out + off, argv[i], l);
		off += l;
	}
	return off;
}

enum ctl_proto_result ctl_proto_request_args(const struct ctl_proto_frame *f,
					     const char *argv[static CTL_PROTO_MAX_ARGS],
					     unsigned *argc, const char **why)
{
	uint32_t off = 0;
	unsigned n = 0;

	if (f->type != CTL_PROTO_REQUEST || f->len == 0) {
		*why = "expected a request with a command";
		return CTL_PROTO_MALFORMED;
	}
	if (f->payload[f->len - 1] != 0) {
		*why = "request arguments are not NUL-terminated";
		return CTL_PROTO_MALFORMED;
	}
	while (off < f->len) {
		const uint8_t *end = memchr(f->payload + off, 0, f->len - off);

		if (n == CTL_PROTO_MAX_ARGS) {
			*why = "too many request arguments";
			return CTL_PROTO_MALFORMED;
		}
		argv[n++] = (const char *)f->payload + off;
		off = (uint32_t)(end - f->payload) + 1;
	}
	if (argv[0][0] == 0) {
		*why = "empty command";
		return CTL_PROTO_MALFORMED;
	}
	*argc = n;
	return CTL_PROTO_OK;
}

size_t ctl_proto_done_encode(uint8_t status, const char *msg, uint8_t *out, size_t cap)
{
	size_t ml = strlen(msg);

	if (ml > CTL_PROTO_MAX_PAYLOAD - 1)
		ml = CTL_PROTO_MAX_PAYLOAD - 1;
	if (cap < CTL_PROTO_HDR_LEN + 1 + ml ||
	    ctl_proto_encode_hdr(CTL_PROTO_DONE, 1 + ml, out, cap) == 0)
		return 0;
	out[CTL_PROTO_HDR_LEN] = status;
	memcpy(out + CTL_PROTO_HDR_LEN + 1, msg, ml);
	return CTL_PROTO_HDR_LEN + 1 + ml;
}

enum ctl_proto_result ctl_proto_done_decode(const struct ctl_proto_frame *f, uint8_t *status,
					    const char **msg, size_t *msg_len, const char **why)
{
	if (f->type != CTL_PROTO_DONE || f->len < 1) {
		*why = "a DONE frame needs a status byte";
		return CTL_PROTO_MALFORMED;
	}
	*status = f->payload[0];
	*msg = (const char *)f->payload + 1;
	*msg_len = f->len - 1;
	return CTL_PROTO_OK;
}

enum ctl_proto_result ctl_proto_packet_decode(const struct ctl_proto_frame *f, uint64_t *usec,
					      const uint8_t **pkt, size_t *pkt_len,
					      const char **why)
{
	if (f->type != CTL_PROTO_PACKET || f->len < 8 + 1) {
		*why = "a PACKET frame needs a time and at least one byte";
		return CTL_PROTO_MALFORMED;
	}
	*usec = ((uint64_t)buf_get32(f->payload) << 32) | buf_get32(f->payload + 4);
	*pkt = f->payload + 8;
	*pkt_len = f->len - 8;
	return CTL_PROTO_OK;
}
