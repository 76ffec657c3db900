/*
 * sign_msg.h - the gateway's requests to its signer process and the
 * signer's answers (server/est_signer.c): one message per SOCK_SEQPACKET
 * record, both ways, so the worker that parses network input never holds
 * the CA key. Sans-I/O: structs to bytes and back, never logs; a decoder
 * checks every length against the bytes there before it reads.
 *
 *   header   u8 magic 0x53 ('S'), u8 version 1, u8 kind, u8 0,
 *            u32 total length (big-endian), the header included
 *   request  kind 1 enroll, 2 renew; then fields, each u16 length + bytes:
 *            identity, token (enroll; empty for renew), csr (DER),
 *            current certificate (renew; empty for enroll)
 *   answer   kind 3; u8 status (0 issued, 1 refused, 2 failed), u8 code,
 *            u8 flags (bit 0: the predecessor was revoked), u8 0,
 *            u32 lifetime (s); then fields, each u16 length + bytes:
 *            identity, group, serial, old serial, why, certificate (DER)
 *
 * Strings carry no NUL and no control byte; every field has a bound
 * (SIGN_MSG_*), and a message longer than SIGN_MSG_MAX is refused.
 */
#ifndef MTLSVPN_SIGN_MSG_H
#define MTLSVPN_SIGN_MSG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SIGN_MSG_MAGIC 0x53
#define SIGN_MSG_VERSION 1
#define SIGN_MSG_HDR 8
#define SIGN_MSG_MAX 32768
#define SIGN_MSG_TEXT 256 /* identity, why: with the NUL */
#define SIGN_MSG_TOKEN 128
#define SIGN_MSG_GROUP 64
#define SIGN_MSG_SERIAL 41
#define SIGN_MSG_DER 8192 /* a CSR or a certificate */

enum sign_kind {
	SIGN_KIND_ENROLL = 1, /* a token's first enrollment */
	SIGN_KIND_RENEW = 2,  /* a renewal over the current certificate */
	SIGN_KIND_ANSWER = 3,
};

enum sign_status {
	SIGN_ISSUED = 0,
	SIGN_REFUSED = 1, /* code: an est_token_verdict or est_ca_verdict */
	SIGN_FAILED = 2,  /* the signer could not: why says */
};

/* An answer's code when refused: an est_token_verdict (enroll) or an
 * est_ca_verdict (renew), or one of these. */
#define SIGN_CODE_CSR 200      /* the request does not pass est_csr_check */
#define SIGN_CODE_IDENTITY 201 /* renew: the certificate maps to no identity */
#define SIGN_CODE_EXPIRED 202  /* renew: the certificate has expired */

struct sign_req {
	enum sign_kind kind;
	char identity[SIGN_MSG_TEXT];
	char token[SIGN_MSG_TOKEN]; /* a secret: wipe after use */
	const uint8_t *csr;	    /* into the decoded message */
	size_t csr_len;
	const uint8_t *cur;
	size_t cur_len;
};

struct sign_answer {
	enum sign_status status;
	uint8_t code;
	bool revoked_old;
	uint32_t lifetime;
	char identity[SIGN_MSG_TEXT];
	char group[SIGN_MSG_GROUP];
	char serial[SIGN_MSG_SERIAL];
	char old_serial[SIGN_MSG_SERIAL];
	char why[SIGN_MSG_TEXT];
	const uint8_t *cert; /* into the decoded message */
	size_t cert_len;
};

/* The bytes of a message in out: their number, or 0 if a field is over
 * its bound, holds a control byte, or out is too small. */
size_t sign_msg_req_encode(const struct sign_req *r, uint8_t *out, size_t cap);
size_t sign_msg_answer_encode(const struct sign_answer *a, uint8_t *out, size_t cap);

/* One whole message of len bytes. false, with *why, if it is not exactly
 * one well-formed message of that kind; out's pointers point into in. */
bool sign_msg_req_decode(const uint8_t *in, size_t len, struct sign_req *out, const char **why);
bool sign_msg_answer_decode(const uint8_t *in, size_t len, struct sign_answer *out,
			    const char **why);

#endif
