/*
 * fuzz_journal.c - libFuzzer target for the undo journal's decoder: any
 * input decodes to records that re-encode to the same bytes, and the
 * replay order only names records that exist.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "journal.h"

#define MAX_RECS 64

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct journal_rec recs[MAX_RECS];
	static uint8_t again[JOURNAL_BODY_MAX + 8];
	size_t order[MAX_RECS], n = 0, off, start, k;

	if (journal_decode_start(data, size, &off) != JOURNAL_OK)
		return 0;
	for (start = off; n < MAX_RECS; start = off) {
		if (journal_decode_next(data, size, &off, &recs[n], NULL, 0) != JOURNAL_OK)
			break;
		k = journal_encode(&recs[n], again, sizeof(again), NULL, 0);
		if (k != off - start || memcmp(again, data + start, k) != 0)
			abort();
		n++;
	}
	k = journal_replay_order(recs, n, order);
	if (k > n)
		abort();
	for (size_t i = 0; i < k; i++)
		if (order[i] >= n || (i > 0 && order[i] >= order[i - 1]))
			abort();
	return 0;
}
