/*
 * fuzz_dchan_probe.c - arbitrary event sequences for the path MTU prober.
 * Bytes 0-3 give the ceiling and the floor; then each byte is one event
 * (low 2 bits: send the due probe, its PONG or a stray one, an answered
 * unpadded PING, time passing by the rest of the byte in 100 ms steps).
 * The usable size stays in [floor, max], one probe at most is outstanding,
 * losses and answers never outnumber probes sent, and a size changes only
 * when a probe's fate says so.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "dchan_probe.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct dchan_probe p;
	uint64_t now = 0, id = 0;

	if (size < 4)
		return 0;
	size_t max = 1u + ((size_t)data[0] << 8 | data[1]);
	size_t floor = (size_t)data[2] << 8 | data[3];
	dchan_probe_init(&p, max, floor, now);
	for (size_t i = 4; i < size; i++) {
		uint8_t ev = data[i];
		size_t before = p.usable;
		uint64_t lowered = p.lowered, raised = p.raised;
		size_t due = dchan_probe_due(&p, now);

		if ((ev & 3) == 0 && due != 0) {
			dchan_probe_sent(&p, ++id, due, now);
			if (dchan_probe_due(&p, now) != 0)
				abort();
		} else if ((ev & 3) == 1) {
			bool hit = dchan_probe_pong(&p, (ev & 4) ? id : id + 1, now);
			if (hit && !(ev & 4))
				abort();
		} else if ((ev & 3) == 2) {
			dchan_probe_alive(&p, now);
		} else {
			now += (uint64_t)(ev >> 2) * 100;
			dchan_probe_tick(&p, now);
		}
		if (p.usable < p.floor || p.usable > p.max)
			abort();
		if (p.answered + p.lost > p.sent)
			abort();
		if (p.usable < before && p.lowered != lowered + 1)
			abort();
		if (p.usable > before && p.raised != raised + 1)
			abort();
	}
	return 0;
}
