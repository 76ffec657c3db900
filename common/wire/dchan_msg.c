/*
 * dchan_msg.c - DCHAN_REKEY and DCHAN_REKEY_ACK payloads (dchan_msg.h):
 * one big-endian 32-bit epoch, never 0; CONTINUE: a cid, never 0, and a
 * 32-byte proof.
 */
#include "dchan_msg.h"

#include <string.h>

#include "buf.h"

size_t dchan_msg_epoch_encode(uint32_t epoch, uint8_t *out, size_t cap)
{
	if (cap < DCHAN_MSG_LEN || epoch == 0)
		return 0;
	buf_put32(out, epoch);
	return DCHAN_MSG_LEN;
}

enum msg_result dchan_msg_epoch_decode(const uint8_t *p, size_t n, uint32_t *epoch,
				       const char **why)
{
	*epoch = 0;
	if (n != DCHAN_MSG_LEN) {
		*why = "DCHAN_REKEY is not 4 bytes";
		return MSG_MALFORMED;
	}
	if (buf_get32(p) == 0) {
		*why = "DCHAN_REKEY names epoch 0";
		return MSG_MALFORMED;
	}
	*epoch = buf_get32(p);
	return MSG_OK;
}

size_t dchan_msg_continue_encode(uint64_t cid, const uint8_t proof[static DCHAN_CONT_MSG_PROOF_LEN],
				 uint8_t *out, size_t cap)
{
	if (cap < DCHAN_CONT_MSG_LEN || cid == 0)
		return 0;
	buf_put32(out, (uint32_t)(cid >> 32));
	buf_put32(out + 4, (uint32_t)cid);
	memcpy(out + 8, proof, DCHAN_CONT_MSG_PROOF_LEN);
	return DCHAN_CONT_MSG_LEN;
}

enum msg_result dchan_msg_continue_decode(const uint8_t *p, size_t n, uint64_t *cid,
					  uint8_t proof[static DCHAN_CONT_MSG_PROOF_LEN],
					  const char **why)
{
	*cid = 0;
	memset(proof, 0, DCHAN_CONT_MSG_PROOF_LEN);
	if (n != DCHAN_CONT_MSG_LEN) {
		*why = "CONTINUE is not 40 bytes";
		return MSG_MALFORMED;
	}
	if (buf_get32(p) == 0 && buf_get32(p + 4) == 0) {
		*why = "CONTINUE names connection id 0";
		return MSG_MALFORMED;
	}
	*cid = (uint64_t)buf_get32(p) << 32 | buf_get32(p + 4);
	memcpy(proof, p + 8, DCHAN_CONT_MSG_PROOF_LEN);
	return MSG_OK;
}
