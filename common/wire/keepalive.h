/*
 * keepalive.h - when the gateway speaks on an idle session (docs/protocol.md
 * section 7). The client sends a KEEPALIVE after K seconds of sending
 * nothing; the gateway answers it when it has itself been silent for half
 * of K, so an idle session carries one exchange per K (the answer also
 * carries the TCP acknowledgement). The gateway's own KEEPALIVE waits K and
 * a grace in which the client's usually comes first, and stays well inside
 * the client's dead-peer limit. Pure: no I/O, no clock.
 */
#ifndef MTLSVPN_KEEPALIVE_H
#define MTLSVPN_KEEPALIVE_H

#include <stdbool.h>
#include <stdint.h>

/* Milliseconds of sending nothing after which the gateway sends its own
 * KEEPALIVE: K plus min(K / 4, (dead_peer - K) / 2), so never more than
 * halfway from K to the client's dead_peer limit. dead_peer_s <= keepalive_s
 * (which the configuration refuses) gives K. */
uint64_t keepalive_gateway_ms(unsigned keepalive_s, unsigned dead_peer_s);

/* Whether the gateway answers a client's KEEPALIVE, having sent nothing
 * for silent_ms: from half of K on. Never twice in one half interval, so
 * two ends following this rule cannot ping-pong. */
bool keepalive_answers(unsigned keepalive_s, uint64_t silent_ms);

#endif
