/*
 * gro.c - coalescing a batch of packets in the order they arrive. A run
 * starts with a TCP segment carrying data with only ACK set (IPv4 without
 * options or fragments, IPv6 without extension headers); each next
 * segment of its flow joins if it carries the next sequence number (and
 * for IPv4 the next identification), repeats every header byte but those
 * gso_vary_mask names (so TOS, TTL, DF, flow label, hop limit, ACK number,
 * window and the TCP options, timestamps included, are all the same), and
 * carries at most the first segment's payload; a shorter one or PSH ends
 * the run. Every checksum is verified before a segment joins, since the
 * super-packet leaves with a partial checksum nobody checks again: a
 * segment with a wrong one passes alone, for the kernel to drop.
 *
 * Order: a packet that does not join the run of its own flow waits until
 * that run is taken; a packet whose flow cannot be told (an IPv4 fragment
 * after the first, an IPv6 extension header, anything malformed) waits
 * for every run. Packets that are clearly not TCP pass at once.
 *
 * IPv4 identifications must count up by one: a virtio_net_hdr cannot say
 * that they were fixed (the kernel's SKB_GSO_TCP_FIXEDID), so a run of
 * DF segments with one fixed identification would come out of the
 * kernel's segmentation renumbered; such segments pass one by one.
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
#define IPV4_HDR 20
#define IPV6_HDR 40

/* What gro needs of a segment that may join a run; see seg_parse. */
struct seg {
	struct gso_info inf;
	size_t payload;
	uint8_t flags;
	uint32_t seq;
};

/* Where a packet's flow (addresses and ports) lies, if it has one. */
enum kind {
	KIND_TCP,     /* TCP with readable ports: its flow is known */
	KIND_OTHER,   /* surely not TCP */
	KIND_UNKNOWN, /* might be TCP, but whose flow cannot be told */
};

struct flow {
	int family;
	size_t l4; /* offset of the ports */
};

void gro_init(struct gro *g, uint8_t *storage, size_t cap, unsigned flows)
{
	memset(g, 0, sizeof(*g));
	g->cap = cap < IP_MAX_LEN ? cap : IP_MAX_LEN;
	g->flows = flows < 1 ? 1 : flows > GRO_MAX_FLOWS ? GRO_MAX_FLOWS : flows;
	for (unsigned i = 0; i < g->flows; i++)
		g->run[i].buf = storage + (size_t)i * cap;
}

static bool ipv6_ext_header(uint8_t nh)
{
	switch (nh) {
	case 0:
	case 43:
	case 44:
	case 50:
	case 51:
	case 60:
	case 135:
	case 139:
	case 140:
	case 253:
	case 254:
		return true;
	default:
		return false;
	}
}

static enum kind classify(const uint8_t *pkt, size_t len, struct flow *f)
{
	size_t ihl;

	if (len >= IPV4_HDR && pkt[0] >> 4 == 4) {
		ihl = (size_t)(pkt[0] & 0x0f) * 4;
		if (ihl < IPV4_HDR || ihl > len)
			return KIND_UNKNOWN;
		if (pkt[9] != PROTO_TCP)
			return KIND_OTHER;
		if ((buf_get16(pkt + 6) & 0x1fff) != 0 || ihl + 4 > len)
			return KIND_UNKNOWN;
		*f = (struct flow){AF_INET, ihl};
		return KIND_TCP;
	}
	if (len >= IPV6_HDR && pkt[0] >> 4 == 6) {
		if (pkt[6] != PROTO_TCP)
			return ipv6_ext_header(pkt[6]) ? KIND_UNKNOWN : KIND_OTHER;
		if (len < IPV6_HDR + 4)
			return KIND_UNKNOWN;
		*f = (struct flow){AF_INET6, IPV6_HDR};
		return KIND_TCP;
	}
	return KIND_UNKNOWN;
}

static bool same_flow(const struct gro_run *r, const uint8_t *pkt, const struct flow *f)
{
	if (r->family != f->family)
		return false;
	if (f->family == AF_INET && memcmp(r->buf + 12, pkt + 12, 8) != 0)
		return false;
	if (f->family == AF_INET6 && memcmp(r->buf + 8, pkt + 8, 32) != 0)
		return false;
	return memcmp(r->buf + r->l3_len, pkt + f->l4, 4) == 0;
}

/* A TCP segment with data, ACK and maybe PSH, a sound header (gso_check's
 * rules for a TCP super-packet) without IPv4 options, and right
 * checksums: an IPv4 header checksum is recomputed on the way out, so a
 * wrong one must not join either. */
static bool seg_parse(const uint8_t *pkt, size_t len, struct seg *s)
{
	/* The largest gso_size any header allows: one segment, whatever len. */
	struct gso_meta m = {.needs_csum = true, .gso_size = IP_MAX_LEN - GSO_MAX_HDR};
	const uint8_t *t;
	const char *why;
	size_t l4;

	m.type = pkt[0] >> 4 == 4 ? GSO_TCPV4 : GSO_TCPV6;
	if (gso_check(pkt, len, &m, SIZE_MAX, &s->inf, &why) != GSO_OK)
		return false;
	if (s->inf.family == AF_INET && s->inf.l3_len != IPV4_HDR)
		return false;
	t = pkt + s->inf.l3_len;
	l4 = len - s->inf.l3_len;
	s->payload = len - s->inf.hdr_len;
	s->flags = t[13];
	s->seq = buf_get32(t + 4);
	if (s->payload == 0 || (s->flags & ~TCP_PSH) != TCP_ACK)
		return false;
	if (s->inf.family == AF_INET && csum_sum(pkt, s->inf.l3_len) != 0xffff)
		return false;
	return csum_add(csum_pseudo(pkt, s->inf.family, PROTO_TCP, l4), csum_sum(t, l4)) == 0xffff;
}

static void hold(struct gro *g, struct gro_run *r, const uint8_t *pkt, size_t len,
		 const struct seg *s)
{
	struct gso_info many = s->inf;

	memcpy(r->buf, pkt, len);
	r->len = len;
	r->ready = false;
	r->closed = false;
	r->family = s->inf.family;
	r->l3_len = s->inf.l3_len;
	r->hdr_len = s->inf.hdr_len;
	r->gso_size = (uint16_t)s->payload;
	r->first_id = s->inf.family == AF_INET ? buf_get16(pkt + 4) : 0;
	r->segs = 1;
	r->bytes = len;
	r->next_seq = s->seq + (uint32_t)s->payload;
	r->started = g->clock++;
	many.segs = 2;
	gso_vary_mask(&many, r->vary);
}

static bool extends(const struct gro *g, const struct gro_run *r, const uint8_t *pkt,
		    const struct seg *s)
{
	if (r->closed || s->inf.family != r->family || s->inf.l3_len != r->l3_len ||
	    s->inf.hdr_len != r->hdr_len || s->payload > r->gso_size)
		return false;
	if (r->len + s->payload > g->cap || r->segs >= GSO_MAX_SEGS || s->seq != r->next_seq)
		return false;
	if (r->family == AF_INET && buf_get16(pkt + 4) != (uint16_t)(r->first_id + r->segs))
		return false;
	if ((s->flags & ~TCP_PSH) != r->buf[r->l3_len + 13])
		return false;
	for (size_t i = 0; i < r->hdr_len; i++)
		if (!(r->vary[i / 8] & (1u << (i % 8))) && pkt[i] != r->buf[i])
			return false;
	return true;
}

static void join(struct gro_run *r, const uint8_t *pkt, size_t len, const struct seg *s)
{
	r->bytes += len;
	memcpy(r->buf + r->len, pkt + s->inf.hdr_len, s->payload);
	r->len += s->payload;
	r->segs++;
	r->next_seq += (uint32_t)s->payload;
	if (s->payload < r->gso_size || (s->flags & TCP_PSH)) {
		r->closed = true;
		r->buf[r->l3_len + 13] |= s->flags & TCP_PSH;
	}
}

static bool any_ready(const struct gro *g)
{
	for (unsigned i = 0; i < g->flows; i++)
		if (g->run[i].ready)
			return true;
	return false;
}

bool gro_holding(const struct gro *g)
{
	for (unsigned i = 0; i < g->flows; i++)
		if (g->run[i].len != 0)
			return true;
	return false;
}

void gro_flush(struct gro *g)
{
	for (unsigned i = 0; i < g->flows; i++)
		if (g->run[i].len != 0)
			g->run[i].ready = true;
}

/* A free run for a new flow, or NULL once the oldest was ended for it. */
static struct gro_run *free_run(struct gro *g)
{
	struct gro_run *oldest = NULL;

	for (unsigned i = 0; i < g->flows; i++) {
		struct gro_run *r = &g->run[i];

		if (r->len == 0)
			return r;
		if (oldest == NULL || r->started < oldest->started)
			oldest = r;
	}
	oldest->ready = true;
	return NULL;
}

enum gro_verdict gro_push(struct gro *g, const uint8_t *pkt, size_t len)
{
	struct gro_run *r = NULL;
	struct flow f;
	struct seg s;

	if (any_ready(g))
		return GRO_TAKE_FIRST;
	switch (classify(pkt, len, &f)) {
	case KIND_OTHER:
		return GRO_PASS;
	case KIND_UNKNOWN:
		if (!gro_holding(g))
			return GRO_PASS;
		gro_flush(g);
		return GRO_TAKE_FIRST;
	case KIND_TCP:
		break;
	}
	for (unsigned i = 0; i < g->flows && r == NULL; i++)
		if (g->run[i].len != 0 && same_flow(&g->run[i], pkt, &f))
			r = &g->run[i];
	if (!seg_parse(pkt, len, &s)) {
		if (r == NULL)
			return GRO_PASS;
		r->ready = true;
		return GRO_TAKE_FIRST;
	}
	if (r != NULL) {
		if (!extends(g, r, pkt, &s)) {
			r->ready = true;
			return GRO_TAKE_FIRST;
		}
		join(r, pkt, len, &s);
		return GRO_HELD;
	}
	/* A PSH segment would end its run at once. */
	if ((s.flags & TCP_PSH) || len > g->cap)
		return GRO_PASS;
	r = free_run(g);
	if (r == NULL)
		return GRO_TAKE_FIRST;
	hold(g, r, pkt, len, &s);
	return GRO_HELD;
}

/* The run's headers made those of one super-packet, and its metadata. */
static void finish(struct gro_run *r, struct gso_meta *m)
{
	size_t len = r->len;

	memset(m, 0, sizeof(*m));
	if (r->segs < 2)
		return;
	if (r->family == AF_INET) {
		buf_put16(r->buf + 2, (uint16_t)len);
		buf_put16(r->buf + 10, 0);
		buf_put16(r->buf + 10, (uint16_t)~csum_sum(r->buf, r->l3_len));
	} else {
		buf_put16(r->buf + 4, (uint16_t)(len - r->l3_len));
	}
	buf_put16(r->buf + r->l3_len + 16,
		  (uint16_t)csum_pseudo(r->buf, r->family, PROTO_TCP, len - r->l3_len));
	*m = (struct gso_meta){.type = r->family == AF_INET ? GSO_TCPV4 : GSO_TCPV6,
			       .needs_csum = true,
			       .gso_size = r->gso_size};
}

bool gro_take(struct gro *g, struct gro_write *w)
{
	struct gro_run *r = NULL;
	struct gso_meta m;
	struct gso_info inf;
	const char *why;

	for (unsigned i = 0; i < g->flows; i++)
		if (g->run[i].ready && (r == NULL || g->run[i].started < r->started))
			r = &g->run[i];
	if (r == NULL)
		return false;
	finish(r, &m);
	memset(w, 0, sizeof(*w));
	w->pkt = r->buf;
	w->len = r->len;
	w->segs = r->segs;
	w->bytes = r->bytes;
	r->len = 0;
	r->ready = false;
	/* Cannot fail: every segment passed these checks on its way in. */
	if (gso_check(w->pkt, w->len, &m, SIZE_MAX, &inf, &why) == GSO_OK)
		gso_to_vnet(&m, &inf, w->vnet);
	return true;
}
