/*
 * fuzz_cstp.c - arbitrary bytes as an OpenConnect client's tunnel stream:
 * cstp_decode never reads past the input and keeps each packet within its
 * limits, and a gateway channel in CSTP mode, fed the same bytes in chunks
 * the first byte chooses, never reads past its buffer and gives only the
 * events the CSTP mode promises.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "chan.h"
#include "cstp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void decode_all(const uint8_t *p, size_t n)
{
	struct frame f;
	const char *why;
	size_t used;

	while (n > 0 && cstp_decode(p, n, 1400, &f, &used, &why) == FRAME_OK) {
		if (used != CSTP_HDR_LEN + f.len || used > n || f.payload != p + CSTP_HDR_LEN ||
		    (f.type == CSTP_DATA && (f.len == 0 || f.len > 1400)) ||
		    f.type == CSTP_COMPRESSED)
			abort();
		p += used;
		n -= used;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct chan c;
	static int ready;
	struct chan_event ev;
	const char *why;
	uint8_t *p;
	size_t chunk, off = 0;

	if (size < 1)
		return 0;
	if (!ready) {
		if (chan_init(&c, CHAN_GATEWAY, CHAN_DEFAULT_CAP) < 0)
			abort();
		ready = 1;
	}
	p = malloc(size - 1 > 0 ? size - 1 : 1);
	if (p == NULL)
		return 0;
	memcpy(p, data + 1, size - 1);
	decode_all(p, size - 1);

	chan_reset(&c);
	chan_set_framing(&c, CHAN_FRAMING_CSTP);
	chan_set_max_data(&c, 1400);
	chunk = (size_t)data[0] + 1;
	while (off < size - 1) {
		size_t k = size - 1 - off < chunk ? size - 1 - off : chunk;
		enum chan_result r;

		if (!chan_feed(&c, p + off, k))
			abort(); /* room for a whole packet after every event */
		off += k;
		while ((r = chan_next(&c, &ev, &why)) == CHAN_OK) {
			if (ev.type != FRAME_DATA && ev.type != FRAME_KEEPALIVE &&
			    ev.type != FRAME_BYE && ev.type != CHAN_EV_DPD_REQ &&
			    ev.type != CHAN_EV_DPD_RESP)
				abort();
			if (ev.type == FRAME_BYE && strlen(ev.bye.text) > CSTP_MAX_TEXT)
				abort();
		}
		if (r == CHAN_MALFORMED) {
			if (why == NULL)
				abort();
			break;
		}
	}
	free(p);
	return 0;
}
