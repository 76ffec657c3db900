/*
 * replay.c - the RFC 6479 sliding window (replay.h). Bit c % REPLAY_BITS of
 * the ring stands for counter c; moving the top forward clears the words
 * between the old and the new top's word (all of them when the jump is
 * wider than the ring), never shifts.
 */
#include <string.h>

#include "replay.h"

void replay_init(struct replay *w)
{
	memset(w, 0, sizeof(*w));
}

enum replay_result replay_accept(struct replay *w, uint64_t c, bool *newest)
{
	uint64_t word = c / 64, bit = (uint64_t)1 << (c % 64);
	uint64_t *slot = &w->bits[word % REPLAY_WORDS];

	*newest = false;
	if (!w->any || c > w->top) {
		uint64_t top_word = w->any ? w->top / 64 : 0;
		uint64_t gap = w->any ? word - top_word : REPLAY_WORDS;

		/* The words after the old top's, up to the new one's, hold
		 * counters from a lap ago: clear them. */
		if (gap >= REPLAY_WORDS)
			memset(w->bits, 0, sizeof(w->bits));
		else
			for (uint64_t i = 1; i <= gap; i++)
				w->bits[(top_word + i) % REPLAY_WORDS] = 0;
		w->top = c;
		w->any = true;
		*slot |= bit;
		*newest = true;
		return REPLAY_OK;
	}
	if (w->top - c >= REPLAY_WINDOW)
		return REPLAY_OLD;
	if (*slot & bit)
		return REPLAY_DUP;
	*slot |= bit;
	return REPLAY_OK;
}
