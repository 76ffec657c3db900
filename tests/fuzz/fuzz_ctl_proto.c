/*
 * fuzz_ctl_proto.c - arbitrary bytes as a stream of control frames, as the
 * gateway (REQUEST) and mtlsvpnctl (TEXT, DONE, PACKET) decode them. Every
 * frame that decodes stays inside the input and re-encodes to the same
 * bytes; a MALFORMED verdict always comes with a reason.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "ctl_proto.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static uint8_t out[CTL_PROTO_HDR_LEN + CTL_PROTO_MAX_PAYLOAD];

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t off = 0;

	while (off < size) {
		struct ctl_proto_frame f;
		const char *why = NULL, *argv[CTL_PROTO_MAX_ARGS], *msg;
		const uint8_t *pkt;
		unsigned argc;
		size_t used = 0, ml, pl;
		uint64_t us;
		uint8_t st;

		switch (ctl_proto_decode(data + off, size - off, &f, &used, &why)) {
		case CTL_PROTO_NEED_MORE:
			return 0;
		case CTL_PROTO_MALFORMED:
			if (why == NULL)
				__builtin_trap();
			return 0;
		case CTL_PROTO_OK:
			break;
		}
		if (used > size - off || used != CTL_PROTO_HDR_LEN + f.len)
			__builtin_trap();
		if (ctl_proto_encode(f.type, f.payload, f.len, out, sizeof(out)) != used ||
		    memcmp(out, data + off, used) != 0)
			__builtin_trap();
		switch (f.type) {
		case CTL_PROTO_REQUEST:
			if (ctl_proto_request_args(&f, argv, &argc, &why) == CTL_PROTO_OK) {
				size_t n =
				    ctl_proto_request_encode((int)argc, argv, out, sizeof(out));
				if (n != f.len || memcmp(out, f.payload, n) != 0)
					__builtin_trap();
			} else if (why == NULL) {
				__builtin_trap();
			}
			break;
		case CTL_PROTO_DONE:
			if (ctl_proto_done_decode(&f, &st, &msg, &ml, &why) == CTL_PROTO_OK &&
			    ml + 1 != f.len)
				__builtin_trap();
			break;
		case CTL_PROTO_PACKET:
			if (ctl_proto_packet_decode(&f, &us, &pkt, &pl, &why) == CTL_PROTO_OK &&
			    pkt + pl != f.payload + f.len)
				__builtin_trap();
			break;
		default:
			break;
		}
		off += used;
	}
	return 0;
}
