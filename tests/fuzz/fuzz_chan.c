/*
 * fuzz_chan.c - arbitrary bytes as the decrypted stream of one tunnel,
 * fed in chunks whose sizes the input chooses (a frame spans reads, a read
 * holds many frames). The first bytes pick the role and the MTU. The
 * channel must never hand out bytes it was not fed.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "chan.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static volatile uint8_t sink;

static bool drain(struct chan *c)
{
	static struct chan_event ev;
	const char *why = NULL;
	enum chan_result r;

	while ((r = chan_next(c, &ev, &why)) == CHAN_OK) {
		if (ev.type == FRAME_DATA) {
			if (ev.len == 0 || ev.len > c->max_data)
				__builtin_trap();
			/* Touch every byte so ASan checks the span. */
			for (size_t i = 0; i < ev.len; i++)
				sink ^= ev.data[i];
			if (ev.ip_result == IPPKT_OK && ev.ip.len != ev.len)
				__builtin_trap();
		}
		/* CONTINUE (gateway role only): a cid never 0. */
		if (ev.type == FRAME_CONTINUE && (ev.cont_cid == 0 || c->role != CHAN_GATEWAY))
			__builtin_trap();
	}
	if (r == CHAN_MALFORMED && why == NULL)
		__builtin_trap();
	return r == CHAN_NEED_MORE;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct chan c;
	size_t off = 3;

	if (size < 3)
		return 0;
	/* A small buffer makes compaction and "no room" paths common. */
	if (chan_init(&c, data[0] & 1 ? CHAN_CLIENT : CHAN_GATEWAY,
		      FRAME_HDR_LEN + FRAME_MAX_PAYLOAD + 1 + (data[0] >> 1)) < 0)
		return 0;
	chan_set_max_data(&c, (size_t)(data[1] << 8 | data[2]));
	while (off < size) {
		size_t chunk = (size_t)data[off] + 1, room;
		uint8_t *p;

		off++;
		if (chunk > size - off)
			chunk = size - off;
		p = chan_space(&c, &room);
		if (chunk > room)
			chunk = room;
		memcpy(p, data + off, chunk);
		chan_commit(&c, chunk);
		off += chunk;
		if (!drain(&c))
			break;
	}
	chan_deinit(&c);
	return 0;
}
