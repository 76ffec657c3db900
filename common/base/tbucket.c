/*
 * tbucket.c - the bucket is refilled lazily when a token is asked for:
 * rate millitokens per elapsed millisecond, capped at burst tokens. The
 * elapsed time is capped first at what a full refill takes, so no product
 * can overflow however long the bucket sat idle.
 */
#include "tbucket.h"

#define MILLI 1000u

void tbucket_init(struct tbucket *b, uint32_t rate, uint32_t burst, uint64_t now_ms)
{
	b->rate = rate;
	b->burst = burst;
	b->tokens = (uint64_t)burst * MILLI;
	b->last_ms = now_ms;
}

bool tbucket_take(struct tbucket *b, uint64_t now_ms)
{
	uint64_t cap = (uint64_t)b->burst * MILLI;

	if (now_ms > b->last_ms && b->rate > 0) {
		uint64_t dt = now_ms - b->last_ms, full = cap / b->rate + 1;

		/* Past a full refill more time adds nothing: dt * rate stays
		 * within cap + rate, far from overflowing. */
		b->tokens += (dt < full ? dt : full) * b->rate;
		if (b->tokens > cap)
			b->tokens = cap;
	}
	if (now_ms > b->last_ms)
		b->last_ms = now_ms;
	if (b->tokens < MILLI)
		return false;
	b->tokens -= MILLI;
	return true;
}
