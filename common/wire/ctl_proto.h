/*
 * ctl_proto.h - the admin protocol between mtlsvpnctl and the gateway's
 * control socket (server/control.c): length-prefixed, versioned frames, no
 * I/O. A frame is an 8-byte header "MC", version, type, then a 32-bit
 * big-endian payload length of at most CTL_PROTO_MAX_PAYLOAD. The client
 * sends one REQUEST (its arguments, each NUL-terminated); the gateway
 * answers with any number of TEXT (and, for capture, PACKET) frames and
 * ends with one DONE (a status byte and a message). A running
 * mtlsvpn-client's status socket (client/status.c) speaks it too: REQUEST
 * "status", then one STATUS frame (client_status.h) and a DONE.
 */
#ifndef MTLSVPN_CTL_PROTO_H
#define MTLSVPN_CTL_PROTO_H

#include <stddef.h>
#include <stdint.h>

#define CTL_PROTO_VERSION 1
#define CTL_PROTO_HDR_LEN 8
#define CTL_PROTO_MAX_PAYLOAD (64 * 1024)
#define CTL_PROTO_MAX_ARGS 16
#define CTL_PROTO_DEFAULT_PATH "/run/mtlsvpn/control"

enum ctl_proto_type {
	CTL_PROTO_REQUEST = 1, /* client: argv, each string NUL-terminated */
	CTL_PROTO_TEXT = 2,    /* gateway: output for stdout */
	CTL_PROTO_DONE = 3,    /* gateway: status byte, then a message; the last frame */
	CTL_PROTO_PACKET = 4,  /* gateway: u64 time in us, then one inner IP packet */
	CTL_PROTO_STATUS = 5,  /* mtlsvpn-client: one status record (client_status.h) */
};

enum ctl_proto_status {
	CTL_PROTO_STATUS_OK = 0,
	CTL_PROTO_STATUS_FAIL = 1,   /* the command ran and failed */
	CTL_PROTO_STATUS_USAGE = 2,  /* unknown command or bad arguments */
	CTL_PROTO_STATUS_DENIED = 3, /* the caller may not use the socket */
};

enum ctl_proto_result { CTL_PROTO_OK, CTL_PROTO_NEED_MORE, CTL_PROTO_MALFORMED };

struct ctl_proto_frame {
	uint8_t type;
	const uint8_t *payload; /* into the decoded bytes */
	uint32_t len;
};

/* Header and payload into out; the frame's length, or 0 if type is
 * unknown, len is over the maximum or cap is too small. */
size_t ctl_proto_encode(uint8_t type, const void *payload, size_t len, uint8_t *out, size_t cap);
/* Writes only the header (payload follows it in the caller's buffer). */
size_t ctl_proto_encode_hdr(uint8_t type, size_t len, uint8_t *out, size_t cap);

/* One frame from the front of in[0..len): OK with *f and *used, NEED_MORE,
 * or MALFORMED with *why (bad magic, version, type or length). */
enum ctl_proto_result ctl_proto_decode(const uint8_t *in, size_t len, struct ctl_proto_frame *f,
				       size_t *used, const char **why);

/* A REQUEST's payload: argc strings, each with its NUL; 0 if too big. */
size_t ctl_proto_request_encode(int argc, const char *const *argv, uint8_t *out, size_t cap);
/* Splits a REQUEST payload into argv (pointers into it): OK, or MALFORMED
 * with *why if empty, not NUL-terminated, or over CTL_PROTO_MAX_ARGS. */
enum ctl_proto_result ctl_proto_request_args(const struct ctl_proto_frame *f,
					     const char *argv[static CTL_PROTO_MAX_ARGS],
					     unsigned *argc, const char **why);

/* DONE: payload = status byte + message (not NUL-terminated). */
size_t ctl_proto_done_encode(uint8_t status, const char *msg, uint8_t *out, size_t cap);
enum ctl_proto_result ctl_proto_done_decode(const struct ctl_proto_frame *f, uint8_t *status,
					    const char **msg, size_t *msg_len, const char **why);

/* PACKET: payload = 8-byte time in microseconds + the packet. */
enum ctl_proto_result ctl_proto_packet_decode(const struct ctl_proto_frame *f, uint64_t *usec,
					      const uint8_t **pkt, size_t *pkt_len,
					      const char **why);

#endif
