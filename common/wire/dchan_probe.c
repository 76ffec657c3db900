/*
 * dchan_probe.c - path MTU probing with padded PINGs (docs/protocol.md
 * 12.15): a halving ladder between the floor and the ceiling, probes in
 * their own slot, lowering only on losses while the path answers.
 */
#include "dchan_probe.h"

#define STEP_MIN 16u /* closer than this to the bound: go to the bound */

void dchan_probe_init(struct dchan_probe *p, size_t max, size_t floor, uint64_t now_ms)
{
	*p = (struct dchan_probe){0};
	p->max = max;
	p->floor = floor < max ? floor : max;
	p->usable = max;
	p->trying = max;
	p->alive_ms = now_ms;
	p->next_ms = now_ms + DCHAN_PROBE_CONFIRM_MS;
}

void dchan_probe_ceiling(struct dchan_probe *p, size_t max)
{
	bool full = p->usable >= p->max;

	if (max == p->max)
		return;
	p->max = max;
	if (p->floor > max)
		p->floor = max;
	if (full || p->usable > max)
		p->usable = max;
	if (full || p->trying > max)
		p->trying = full ? max : p->usable;
}

size_t dchan_probe_below(const struct dchan_probe *p, size_t size)
{
	if (size <= p->floor + STEP_MIN)
		return p->floor;
	return p->floor + (size - p->floor) / 2;
}

size_t dchan_probe_above(const struct dchan_probe *p, size_t size)
{
	if (size + STEP_MIN >= p->max)
		return p->max;
	return size + (p->max - size + 1) / 2;
}

size_t dchan_probe_due(const struct dchan_probe *p, uint64_t now_ms)
{
	if (p->size != 0 || now_ms < p->next_ms)
		return 0;
	return p->trying;
}

void dchan_probe_sent(struct dchan_probe *p, uint64_t id, size_t size, uint64_t now_ms)
{
	p->size = size;
	p->id = id;
	p->sent_ms = now_ms;
	p->sent++;
}

void dchan_probe_alive(struct dchan_probe *p, uint64_t now_ms)
{
	p->alive_ms = now_ms;
}

/* Next probe after one answered at the usable size or above it. */
static void schedule_up(struct dchan_probe *p, uint64_t now_ms, bool raised)
{
	p->misses = 0;
	if (p->usable >= p->max) {
		p->trying = p->max;
		p->next_ms = now_ms + DCHAN_PROBE_CONFIRM_MS;
		return;
	}
	p->trying = dchan_probe_above(p, p->usable);
	p->next_ms = now_ms + (raised ? DCHAN_PROBE_CONFIRM_MS : DCHAN_PROBE_RAISE_MS);
}

bool dchan_probe_pong(struct dchan_probe *p, uint64_t id, uint64_t now_ms)
{
	if (p->size == 0 || id != p->id)
		return false;
	bool raised = p->size > p->usable;
	p->answered++;
	if (raised) {
		p->usable = p->size;
		p->raised++;
	}
	p->size = 0;
	p->alive_ms = now_ms;
	schedule_up(p, now_ms, raised);
	return true;
}

bool dchan_probe_tick(struct dchan_probe *p, uint64_t now_ms)
{
	if (p->size == 0 || now_ms - p->sent_ms < DCHAN_PROBE_TIMEOUT_MS)
		return false;
	p->lost++;
	p->size = 0;
	if (p->alive_ms < p->sent_ms) {
		/* the path said nothing either: not the size's fault */
		p->next_ms = now_ms + DCHAN_PROBE_TIMEOUT_MS;
		return false;
	}
	p->next_ms = now_ms;
	if (++p->misses < DCHAN_PROBE_MISSES)
		return false;
	p->misses = 0;
	if (p->trying > p->usable) {
		/* a raise that did not pass: stay, try again later */
		p->next_ms = now_ms + DCHAN_PROBE_RAISE_MS;
		return false;
	}
	size_t lower = dchan_probe_below(p, p->usable);
	if (lower == p->usable) {
		p->next_ms = now_ms + DCHAN_PROBE_CONFIRM_MS;
		return false;
	}
	p->usable = lower;
	p->trying = lower;
	p->lowered++;
	return true;
}
