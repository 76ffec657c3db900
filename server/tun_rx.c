/*
 * tun_rx.c - reading a worker's TUN queue, sparse sessions first. With
 * offloads a read is often a 64 KiB TCP super-packet of a download, and
 * sealing one takes tens of microseconds: the answer to another client's
 * ping, read after a dozen of them, would wait for all of them. So each
 * turn first reads what the queue holds into staged packets (up to
 * TUN_RX_SLOTS_OFFLOAD super-packets or TUN_RX_SLOTS single ones, and
 * TUN_RX_BUDGET bytes: a copy each), then routes
 * the packets of destinations with at most two packets staged, in arrival
 * order, sends them at once, and then routes the rest in arrival order
 * (common/net/rxsched.c; a destination's packets are never reordered).
 * Each packet is parsed and looked up once, when staged (router_find):
 * its session is its key, and is what it is routed to.
 * The TUN's queue is short (tun_queue), so one turn usually holds all of
 * it; what is left waits for the next turn (level-triggered).
 */
#include "server.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "gso.h"
#include "log.h"
#include "rxsched.h"

/* The scheduling key of a packet whose destination router_find found:
 * its session (both of a session's addresses are one key), else its
 * destination address; 0 with no IP header (the router counts it). Tags
 * keep the three kinds apart: a pointer is below 2^62 on every platform
 * the gateway runs on. */
static uint64_t key_of(const struct router_dest *d)
{
	uint64_t h = 0xcbf29ce484222325ull;

	if (d->s != NULL)
		return (uint64_t)(uintptr_t)d->s | 1ull << 62;
	if (!d->ok)
		return 0;
	if (d->ip.family == AF_INET)
		return 1ull << 32 | (uint64_t)d->ip.dst.bytes[0] << 24 |
		       (uint64_t)d->ip.dst.bytes[1] << 16 | (uint64_t)d->ip.dst.bytes[2] << 8 |
		       d->ip.dst.bytes[3];
	for (size_t i = 0; i < 16; i++)
		h = (h ^ d->ip.dst.bytes[i]) * 0x100000001b3ull;
	return h | 1ull << 63;
}

int tun_rx_init(struct worker *w)
{
	/* Without offloads a read is one packet of at most the MTU. */
	size_t cap =
	    ROUTER_HEADROOM + (w->gw->cfg.offload ? ROUTER_TUN_READ_MAX : w->gw->cfg.mtu + 64u);

	w->tun_stage_n = w->gw->cfg.offload ? TUN_RX_SLOTS_OFFLOAD : TUN_RX_SLOTS;
	for (unsigned i = 0; i < w->tun_stage_n; i++)
		if (buf_init(&w->tun_stage[i], cap) < 0)
			return -1;
	return 0;
}

void tun_rx_deinit(struct worker *w)
{
	for (unsigned i = 0; i < w->tun_stage_n; i++)
		buf_deinit(&w->tun_stage[i]);
}

/* Reads into the staged packets: how many, each with its destination
 * (parsed and looked up once, here) and its key. */
static unsigned read_ahead(struct worker *w, struct rxsched_slot *sched, struct router_dest *dest,
			   bool *elsewhere)
{
	size_t vh = w->tun_vnet ? GSO_VNET_HDR_LEN : 0, bytes = 0;
	unsigned n = 0;

	while (n < w->tun_stage_n && bytes < TUN_RX_BUDGET) {
		struct buf *pkt = &w->tun_stage[n];
		ssize_t got;

		/* With IFF_VNET_HDR its header lands just before the packet,
		 * in the headroom the frame headers overwrite later. */
		buf_reset(pkt, ROUTER_HEADROOM);
		got = read(w->tun_fd, buf_end(pkt) - vh, buf_room(pkt) + vh);
		if (got <= 0) {
			if (got < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
				log_warn("read from %s", w->gw->tun_name);
			break;
		}
		if ((size_t)got <= vh) {
			w->st.tun_bad++;
			continue;
		}
		(void)buf_commit(pkt, (size_t)got - vh);
		bytes += (size_t)got;
		router_find(w, pkt, &dest[n]);
		/* Another worker's session (several workers): handoff_pass
		 * looks it up again when it is this packet's turn (the header
		 * is not parsed again), and this worker never touches it,
		 * which that worker may free. */
		elsewhere[n] = dest[n].s != NULL && dest[n].s->w != w;
		if (elsewhere[n])
			dest[n].s = NULL;
		sched[n].key = key_of(&dest[n]);
		sched[n].left = 1;
		n++;
	}
	if (n > 0)
		rx_idle_on_staged(w);
	return n;
}

/* A staged packet's destination as the address table gives it now. This
 * worker's sessions are freed only by its own reaper, after the turn, so
 * the one found when staged can be asked whether it is still there: one
 * closed since (a send in this turn failed, or another worker stopped the
 * world to close it) has left the table, and the address is looked up
 * again. Packets staged for no session stay so: as if routed when read. */
static bool recheck(struct worker *w, struct buf *pkt, struct router_dest *d)
{
	const struct session *s = d->s;

	if (s != NULL && (d->ip.family == AF_INET ? s->by_addr4.s : s->by_addr6.s) == NULL)
		router_find(w, pkt, d);
	/* false: the address is another worker's session's now. */
	return d->s == NULL || d->s->w == w;
}

void tun_rx_on_readable(struct ev_loop *loop, struct ev_io *io, uint32_t revents)
{
	struct worker *w = io->data;
	struct rxsched_slot sched[TUN_RX_SLOTS];
	struct rxsched_step steps[TUN_RX_SLOTS];
	struct router_dest dest[TUN_RX_SLOTS];
	bool elsewhere[TUN_RX_SLOTS];
	uint32_t order[TUN_RX_SLOTS];
	size_t vh = w->tun_vnet ? GSO_VNET_HDR_LEN : 0, m;
	unsigned n = read_ahead(w, sched, dest, elsewhere);
	bool flushed = false;

	(void)loop;
	(void)revents;
	for (unsigned i = 0; i < n; i++)
		order[i] = i;
	m = rxsched_plan(sched, order, n, UINT32_MAX, steps);
	for (size_t k = 0; k < m; k++) {
		uint32_t i = steps[k].slot;
		struct buf *pkt = &w->tun_stage[i];

		/* The sparse ones are planned first: out before the rest. */
		if (!steps[k].sparse && k > 0 && !flushed) {
			router_flush_dirty(w);
			flushed = true;
		}
		if (!elsewhere[i] && recheck(w, pkt, &dest[i]))
			router_tun_packet_to(w, pkt, vh, &dest[i]);
		else if (!handoff_pass(w, pkt, vh, &dest[i]))
			router_tun_packet_to(w, pkt, vh, &dest[i]);
	}
	router_flush_dirty(w);
}
