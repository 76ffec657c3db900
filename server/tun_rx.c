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

/* A destination address as a key: whose packets these are. 0: no IP
 * header (the router counts it). */
static uint64_t key_of(const uint8_t *p, size_t n)
{
	uint64_t h = 0xcbf29ce484222325ull;

	if (n >= 20 && p[0] >> 4 == 4)
		return 1ull << 32 | (uint64_t)p[16] << 24 | (uint64_t)p[17] << 16 |
		       (uint64_t)p[18] << 8 | p[19];
	if (n < 40 || p[0] >> 4 != 6)
		return 0;
	for (size_t i = 24; i < 40; i++)
		h = (h ^ p[i]) * 0x100000001b3ull;
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

/* Reads into the staged packets: how many (each with its key). */
static unsigned read_ahead(struct worker *w, struct rxsched_slot *sched)
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
		sched[n].key = key_of(buf_ptr(pkt), buf_len(pkt));
		sched[n].left = 1;
		n++;
	}
	if (n > 0)
		rx_idle_on_staged(w);
	return n;
}

void tun_rx_on_readable(struct ev_loop *loop, struct ev_io *io, uint32_t revents)
{
	struct worker *w = io->data;
	struct rxsched_slot sched[TUN_RX_SLOTS];
	struct rxsched_step steps[TUN_RX_SLOTS];
	uint32_t order[TUN_RX_SLOTS];
	size_t vh = w->tun_vnet ? GSO_VNET_HDR_LEN : 0, m;
	unsigned n = read_ahead(w, sched);
	bool flushed = false;

	(void)loop;
	(void)revents;
	for (unsigned i = 0; i < n; i++)
		order[i] = i;
	m = rxsched_plan(sched, order, n, UINT32_MAX, steps);
	for (size_t k = 0; k < m; k++) {
		struct buf *pkt = &w->tun_stage[steps[k].slot];

		/* The sparse ones are planned first: out before the rest. */
		if (!steps[k].sparse && k > 0 && !flushed) {
			router_flush_dirty(w);
			flushed = true;
		}
		if (!handoff_pass(w, pkt, vh))
			router_tun_packet(w, pkt, vh);
	}
	router_flush_dirty(w);
}
