/*
 * fuzz_frame.c - arbitrary bytes as a frame stream. Every decoded frame
 * must lie inside the input and re-encode to the same bytes; the first two
 * input bytes choose max_data so the DATA limit is exercised too.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "frame.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t storage[FRAME_HDR_LEN + FRAME_MAX_PAYLOAD];
	struct buf b = {.data = storage, .cap = sizeof(storage)};
	size_t max_data, off = 2;

	if (size < 2)
		return 0;
	max_data = (size_t)(data[0] << 8 | data[1]);
	while (off < size) {
		const char *why = NULL;
		struct frame f;
		size_t used = 0;
		enum frame_result r =
		    frame_decode(data + off, size - off, max_data, &f, &used, &why);

		if (r == FRAME_MALFORMED) {
			if (why == NULL)
				__builtin_trap();
			break;
		}
		if (r == FRAME_NEED_MORE)
			break;
		if (used != FRAME_HDR_LEN + f.len || used > size - off ||
		    f.payload != data + off + FRAME_HDR_LEN)
			__builtin_trap();
		if (f.type == FRAME_DATA && (f.len == 0 || f.len > max_data))
			__builtin_trap();
		/* What decodes re-encodes byte for byte. */
		buf_reset(&b, 0);
		if (!frame_append(&b, f.type, f.payload, f.len) || buf_len(&b) != used ||
		    memcmp(buf_ptr(&b), data + off, used) != 0)
			__builtin_trap();
		off += used;
	}
	return 0;
}
