/*
 * dchan_msg.c - DCHAN_REKEY and DCHAN_REKEY_ACK payloads (dchan_msg.h):
 * one big-endian 32-bit epoch, never 0.
 */
#include "dchan_msg.h"

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
