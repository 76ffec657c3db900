/*
 * tungro.c - receive coalescing on the client's way from the gateway into
 * its TUN (common/net/gro.c): the single packets of one TLS read (a
 * gateway that got them one by one from its LAN) go into the TUN as TCP
 * super-packets, one write for many. Flushed at the end of every TLS read
 * (client.c) and before a DATA_GSO super-packet, so a packet never waits
 * past the read that brought it and no flow is reordered. Only with a TUN
 * opened with IFF_VNET_HDR (offload = on).
 */
#include "client.h"

#include <stdlib.h>

#include "gro.h"

struct tungro {
	struct gro gro;
	uint8_t storage[];
};

int tungro_init(struct client *c)
{
	c->gro = NULL;
	if (!c->tun_vnet)
		return 0;
	c->gro = malloc(sizeof(*c->gro) + (size_t)GRO_MAX_FLOWS * GRO_RUN_CAP);
	if (c->gro == NULL)
		return -1;
	gro_init(&c->gro->gro, c->gro->storage, GRO_RUN_CAP, GRO_MAX_FLOWS);
	return 0;
}

void tungro_deinit(struct client *c)
{
	free(c->gro);
	c->gro = NULL;
}

static void take_all(struct client *c)
{
	struct gro_write w;

	while (gro_take(&c->gro->gro, &w)) {
		tunnel_tun_write(c, w.vnet, w.pkt, w.len, w.segs, w.bytes);
		if (w.segs > 1) {
			c->stats.gro_coalesced += w.segs;
			c->stats.gro_writes_saved += w.segs - 1;
		}
	}
}

void tungro_flush(struct client *c)
{
	if (c->gro == NULL || !gro_holding(&c->gro->gro))
		return;
	gro_flush(&c->gro->gro);
	take_all(c);
}

void tungro_write(struct client *c, const uint8_t *pkt, size_t len)
{
	static const uint8_t plain[GSO_VNET_HDR_LEN];
	enum gro_verdict v = GRO_PASS;

	if (c->gro != NULL)
		while ((v = gro_push(&c->gro->gro, pkt, len)) == GRO_TAKE_FIRST)
			take_all(c);
	if (v == GRO_PASS)
		tunnel_tun_write(c, plain, pkt, len, 1, len);
}
