/*
 * gro.c - coalescing in the order packets arrive. A run starts with a TCP
 * segment carrying data and only ACK set; each next segment of the run
 * must carry the next sequence number (and for IPv4 the next id), repeat
 * every header byte but those gso_vary_mask names, and carry at most the
 * first segment's payload; a shorter one or PSH ends the run. Every
 * segment's checksum is verified before it joins, since the super-packet
 * leaves with a partial checksum that nobody checks again.
 */
#include "gro.h"

#include <string.h>
#include <sys/socket.h>

#include "buf.h"
#include "csum.h"

#define PROTO_TCP 6
#define TCP_PSH 0x08
#define TCP_ACK 0x10
#define IP_MAX_LEN 65535

/* What gro needs of a segment; see seg_parse. */
struct seg {
	struct gso_info inf;
	size_t payload;
	uint8_t flags;
	uint32_t seq;
};

void gro_init(struct gro *g, uint8_t *buf, size_t cap)
{
	memset(g, 0, sizeof(*g));
	g->buf = buf;
	g->cap = cap < IP_MAX_LEN ? cap : IP_MAX_LEN;
}

/* A TCP segment with data, flags among ACK and PSH, a sound header
 * (gso_check's rules for a TCP super-packet: no fragment, no IPv6
 * extension header) and right checksums: an IPv4 header checksum is
 * recomputed on the way out, so a wrong one must not join either. */
static bool seg_parse(const uint8_t *pkt, size_t len, struct seg *s)
{
	/* The largest gso_size any header allows: one segment, whatever len. */
	struct gso_meta m = {.needs_csum = true, .gso_size = IP_MAX_LEN - GSO_MAX_HDR};
	const uint8_t *t;
	const char *why;
	size_t l4;

	if (len < 1)
		return false;
	m.type = pkt[0] >> 4 == 4 ? GSO_TCPV4 : GSO_TCPV6;
	if (gso_check(pkt, len, &m, SIZE_MAX, &s->inf, &why) != GSO_OK)
		return false;
	t = pkt + s->inf.l3_len;
	l4 = len - s->inf.l3_len;
	s->payload = len - s->inf.hdr_len;
	s->flags = t[13];
	s->seq = buf_get32(t + 4);
	if (s->payload == 0 || (s->flags & ~(TCP_ACK | TCP_PSH)) != 0)
		return false;
	if (s->inf.family == AF_INET && csum_sum(pkt, s->inf.l3_len) != 0xffff)
		return false;
	return csum_add(csum_pseudo(pkt, s->inf.family, PROTO_TCP, l4), csum_sum(t, l4)) == 0xffff;
}

static void hold(struct gro *g, const uint8_t *pkt, size_t len, const struct seg *s)
{
	struct gso_info many = s->inf;

	memcpy(g->buf, pkt, len);
	g->len = len;
	g->family = s->inf.family;
	g->l3_len = s->inf.l3_len;
	g->hdr_len = s->inf.hdr_len;
	g->gso_size = (uint16_t)s->payload;
	g->first_id = s->inf.family == AF_INET ? buf_get16(pkt + 4) : 0;
	g->segs = 1;
	g->next_seq = s->seq + (uint32_t)s->payload;
	g->closed = false;
	many.segs = 2;
	gso_vary_mask(&many, g->vary);
}

static bool extends(const struct gro *g, const uint8_t *pkt, const struct seg *s)
{
	if (g->closed || s->inf.family != g->family || s->inf.l3_len != g->l3_len ||
	    s->inf.hdr_len != g->hdr_len || s->payload > g->gso_size)
		return false;
	if (g->len + s->payload > g->cap || g->segs >= GSO_MAX_SEGS || s->seq != g->next_seq)
		return false;
	if (g->family == AF_INET && buf_get16(pkt + 4) != (uint16_t)(g->first_id + g->segs))
		return false;
	if ((s->flags & ~TCP_PSH) != g->buf[g->l3_len + 13])
		return false;
	for (size_t i = 0; i < g->hdr_len; i++)
		if (!(g->vary[i / 8] & (1u << (i % 8))) && pkt[i] != g->buf[i])
			return false;
	return true;
}

enum gro_verdict gro_push(struct gro *g, const uint8_t *pkt, size_t len)
{
	struct seg s;

	if (!seg_parse(pkt, len, &s))
		return g->len != 0 ? GRO_TAKE_FIRST : GRO_PASS;
	if (g->len == 0) {
		/* A PSH segment would end its run at once. */
		if ((s.flags & TCP_PSH) || len > g->cap)
			return GRO_PASS;
		hold(g, pkt, len, &s);
		return GRO_HELD;
	}
	if (!extends(g, pkt, &s))
		return GRO_TAKE_FIRST;
	memcpy(g->buf + g->len, pkt + s.inf.hdr_len, s.payload);
	g->len += s.payload;
	g->segs++;
	g->next_seq += (uint32_t)s.payload;
	if (s.payload < g->gso_size || (s.flags & TCP_PSH)) {
		g->closed = true;
		g->buf[g->l3_len + 13] |= s.flags & TCP_PSH;
	}
	return GRO_HELD;
}

size_t gro_take(struct gro *g, struct gso_meta *m, struct gso_info *inf)
{
	size_t len = g->len;
	const char *why;

	memset(m, 0, sizeof(*m));
	memset(inf, 0, sizeof(*inf));
	if (len == 0)
		return 0;
	g->len = 0;
	if (g->segs > 1) {
		if (g->family == AF_INET) {
			buf_put16(g->buf + 2, (uint16_t)len);
			buf_put16(g->buf + 10, 0);
			buf_put16(g->buf + 10, (uint16_t)~csum_sum(g->buf, g->l3_len));
		} else {
			buf_put16(g->buf + 4, (uint16_t)(len - g->l3_len));
		}
		buf_put16(g->buf + g->l3_len + 16,
			  (uint16_t)csum_pseudo(g->buf, g->family, PROTO_TCP, len - g->l3_len));
		*m = (struct gso_meta){.type = g->family == AF_INET ? GSO_TCPV4 : GSO_TCPV6,
				       .needs_csum = true,
				       .gso_size = g->gso_size};
	}
	/* Cannot fail: every segment passed these checks on its way in. */
	if (gso_check(g->buf, len, m, SIZE_MAX, inf, &why) != GSO_OK)
		return 0;
	return len;
}
