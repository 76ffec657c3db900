/*
 * tungro.c - receive coalescing on the gateway's way from clients into
 * its TUN (common/net/gro.c). A client that sends single packets (an
 * OpenConnect client, an older one, one with offload = off) would cost
 * one write() per packet; the packets a session's read batch allowed are
 * pushed here instead, after the access rules and anti-spoofing decided
 * each one, and written as TCP super-packets. The batch is flushed when
 * the session's read ends (router_session_input, router_drain_pending),
 * before a DATA_GSO super-packet of the session goes in, and when the
 * session leaves ESTABLISHED (its counters are then summed), so a packet
 * never waits past the read that brought it and no flow is reordered.
 * Only with a TUN opened with IFF_VNET_HDR (offload = on).
 */
#include "server.h"

#include <stdlib.h>

#include "gro.h"

struct tungro {
	struct gro gro;
	struct session *owner; /* whose packets the runs hold */
	uint8_t storage[];
};

/* Runs one worker holds at once: one session's flows in one read. */
#define TUNGRO_FLOWS GRO_MAX_FLOWS

int tungro_init(struct worker *w)
{
	w->gro = NULL;
	/* Before the TUN is up: offload is what will open it with vnet. */
	if (!w->gw->cfg.offload)
		return 0;
	w->gro = malloc(sizeof(*w->gro) + (size_t)TUNGRO_FLOWS * GRO_RUN_CAP);
	if (w->gro == NULL)
		return -1;
	gro_init(&w->gro->gro, w->gro->storage, GRO_RUN_CAP, TUNGRO_FLOWS);
	w->gro->owner = NULL;
	return 0;
}

void tungro_deinit(struct worker *w)
{
	free(w->gro);
	w->gro = NULL;
}

/* One write, counted for s as the packets it carries (bytes as they
 * came); w counts what coalescing saved. */
static void write_counted(struct session *s, const uint8_t *vnet, const uint8_t *pkt, size_t len,
			  uint32_t segs, size_t bytes)
{
	struct worker *w = s->w;

	if (!offload_tun_write(w, vnet, pkt, len)) {
		s->st.drop_other += segs;
		w->st.tun_write_fail++;
		return;
	}
	s->st.rx_packets += segs;
	s->st.rx_bytes += bytes;
	if (segs > 1) {
		w->st.gro_coalesced += segs;
		w->st.gro_writes_saved += segs - 1;
	}
}

static void take_all(struct tungro *t)
{
	struct gro_write gw;

	while (gro_take(&t->gro, &gw))
		write_counted(t->owner, gw.vnet, gw.pkt, gw.len, gw.segs, gw.bytes);
}

void tungro_flush(struct session *s)
{
	struct tungro *t = s->w->gro;

	if (t == NULL || t->owner == NULL)
		return;
	gro_flush(&t->gro);
	take_all(t);
	t->owner = NULL;
}

void tungro_write(struct session *s, const uint8_t *pkt, size_t len)
{
	struct tungro *t = s->w->gro;
	enum gro_verdict v;

	if (t == NULL || !s->w->tun_vnet) {
		write_counted(s, NULL, pkt, len, 1, len);
		return;
	}
	/* Runs hold one session's packets (their counts are its own). */
	if (t->owner != s && t->owner != NULL)
		tungro_flush(t->owner);
	t->owner = s;
	while ((v = gro_push(&t->gro, pkt, len)) == GRO_TAKE_FIRST)
		take_all(t);
	if (v == GRO_PASS)
		write_counted(s, NULL, pkt, len, 1, len);
}
