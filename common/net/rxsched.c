/*
 * rxsched.c - the order a worker hands on its staged datagrams in
 * (rxsched.h). Each key's total is counted in a small open-addressing
 * table on the stack: a plan costs O(n) for n slots.
 */
#include "rxsched.h"

#include <string.h>

/* Twice RXSCHED_MAX, a power of two: at most half full. */
#define TOTALS_SIZE (2 * RXSCHED_MAX)

struct totals {
	uint64_t key[TOTALS_SIZE];
	uint32_t sum[TOTALS_SIZE];
	bool used[TOTALS_SIZE];
};

static size_t find(const struct totals *t, uint64_t key)
{
	/* Fibonacci hashing: keys here are random cids, but a poor one must
	 * cost time, never a wrong answer. */
	size_t i = (size_t)((key * 0x9e3779b97f4a7c15ull) >> 55) & (TOTALS_SIZE - 1);

	while (t->used[i] && t->key[i] != key)
		i = (i + 1) & (TOTALS_SIZE - 1);
	return i;
}

static void count(struct totals *t, const struct rxsched_slot *slots, const uint32_t *order,
		  size_t n)
{
	memset(t->used, 0, sizeof(t->used));
	for (size_t k = 0; k < n; k++) {
		const struct rxsched_slot *s = &slots[order[k]];
		size_t i = find(t, s->key);

		if (!t->used[i]) {
			t->used[i] = true;
			t->key[i] = s->key;
			t->sum[i] = 0;
		}
		t->sum[i] += s->left;
	}
}

static bool sparse(const struct totals *t, uint64_t key)
{
	return t->sum[find(t, key)] <= RXSCHED_SPARSE;
}

size_t rxsched_plan(const struct rxsched_slot *slots, const uint32_t *order, size_t n,
		    uint32_t budget, struct rxsched_step *out)
{
	struct totals t;
	size_t m = 0;

	if (n > RXSCHED_MAX)
		n = RXSCHED_MAX;
	count(&t, slots, order, n);
	for (size_t k = 0; k < n; k++) {
		const struct rxsched_slot *s = &slots[order[k]];

		if (s->left > 0 && sparse(&t, s->key))
			out[m++] = (struct rxsched_step){
			    .slot = order[k], .count = s->left, .sparse = true};
	}
	for (size_t k = 0; k < n && budget > 0; k++) {
		const struct rxsched_slot *s = &slots[order[k]];
		uint32_t take;

		if (s->left == 0 || sparse(&t, s->key))
			continue;
		take = s->left < budget ? s->left : budget;
		out[m++] = (struct rxsched_step){.slot = order[k], .count = take};
		budget -= take;
	}
	return m;
}

long rxsched_victim(const struct rxsched_slot *slots, const uint32_t *order, size_t n)
{
	struct totals t;
	uint32_t most = RXSCHED_SPARSE;
	long victim = -1;

	if (n > RXSCHED_MAX)
		n = RXSCHED_MAX;
	count(&t, slots, order, n);
	for (size_t k = 0; k < n; k++) {
		uint32_t sum = t.sum[find(&t, slots[order[k]].key)];

		/* Strictly more: the oldest slot of the heaviest key. */
		if (sum > most) {
			most = sum;
			victim = (long)order[k];
		}
	}
	return victim;
}
