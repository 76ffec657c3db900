/*
 * srclimit.c - per-source token buckets in a fixed table (srclimit.h).
 */
#include "srclimit.h"

#include <string.h>

void srclimit_init(struct srclimit *l, uint32_t rate, uint32_t burst, uint64_t key, uint64_t now_ms)
{
	memset(l, 0, sizeof(*l));
	l->rate = rate;
	l->burst = burst;
	l->key = key;
	tbucket_init(&l->overflow, rate, burst, now_ms);
}

/* FNV-1a over the key and the source, then a final mix: spreads
 * neighbouring addresses, and without the key the slot is unknown. */
static size_t slot_of(const struct srclimit *l, const uint8_t *src, size_t len)
{
	uint64_t h = 0xcbf29ce484222325ull ^ l->key;

	for (size_t i = 0; i < len; i++) {
		h ^= src[i];
		h *= 0x100000001b3ull;
	}
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdull;
	h ^= h >> 33;
	return (size_t)(h % SRCLIMIT_SLOTS);
}

/* Whether the bucket has refilled whole by now (its holder has rested). */
static bool rested(const struct srclimit *l, const struct tbucket *b, uint64_t now_ms)
{
	uint64_t cap = (uint64_t)l->burst * 1000, need;

	if (b->tokens >= cap)
		return true;
	if (l->rate == 0 || now_ms <= b->last_ms)
		return false;
	need = cap - b->tokens;
	/* dt * rate >= need, without the product. */
	return now_ms - b->last_ms >= (need + l->rate - 1) / l->rate;
}

bool srclimit_take(struct srclimit *l, const uint8_t *src, size_t len, uint64_t now_ms)
{
	struct srclimit_slot *s;

	if (len == 0 || len > SRCLIMIT_KEY_MAX)
		return tbucket_take(&l->overflow, now_ms);
	s = &l->slots[slot_of(l, src, len)];
	if (s->len == len && memcmp(s->src, src, len) == 0)
		return tbucket_take(&s->b, now_ms);
	if (s->len != 0 && !rested(l, &s->b, now_ms))
		return tbucket_take(&l->overflow, now_ms);
	memset(s, 0, sizeof(*s));
	memcpy(s->src, src, len);
	s->len = (uint8_t)len;
	tbucket_init(&s->b, l->rate, l->burst, now_ms);
	return tbucket_take(&s->b, now_ms);
}
