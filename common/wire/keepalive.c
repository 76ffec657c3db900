/*
 * keepalive.c - when the gateway speaks on an idle session (keepalive.h).
 */
#include "keepalive.h"

uint64_t keepalive_gateway_ms(unsigned keepalive_s, unsigned dead_peer_s)
{
	uint64_t k = (uint64_t)keepalive_s * 1000, grace = k / 4;

	if (dead_peer_s <= keepalive_s)
		return k;
	if (((uint64_t)dead_peer_s * 1000 - k) / 2 < grace)
		grace = ((uint64_t)dead_peer_s * 1000 - k) / 2;
	return k + grace;
}

bool keepalive_answers(unsigned keepalive_s, uint64_t silent_ms)
{
	return silent_ms >= (uint64_t)keepalive_s * 500;
}
