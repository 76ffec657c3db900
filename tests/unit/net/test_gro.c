/*
 * test_gro.c - the coalescer. The segments gso_segment cuts from a
 * super-packet coalesce back into that very super-packet, whose headers
 * and virtio_net_hdr are checked against an independent checksum; every
 * rule that forbids a merge is a row of a table; the order within a flow
 * never changes; and any interleaving of flows, cut back by gso_segment,
 * gives back the packets that went in, byte for byte.
 */
#include "gro.h"
#include "gso_fixture.h"

#define MAX_IN 512
#define SEG_CAP 2048
#define KEEP_WRITES 4

static uint8_t super[MAXPKT], storage[GRO_MAX_FLOWS * GRO_RUN_CAP];
static uint8_t segs[MAX_IN][SEG_CAP];
static size_t seg_len[MAX_IN];

/* The packets pushed, in order, and what came out. */
static const uint8_t *in[MAX_IN];
static size_t in_len[MAX_IN];
static size_t n_in;
static uint8_t out[MAX_IN][SEG_CAP];
static size_t out_len[MAX_IN], n_out;
static unsigned writes;
static uint32_t write_segs[MAX_IN];
static uint8_t write_vnet[MAX_IN][GSO_VNET_HDR_LEN];
static uint8_t kept[KEEP_WRITES][MAXPKT];
static size_t kept_len[KEEP_WRITES];

static void add(const uint8_t *p, size_t len)
{
	assert_true(n_in < MAX_IN);
	in[n_in] = p;
	in_len[n_in++] = len;
}

/* A write, as the kernel would see it: cut back into its segments. */
static void emit(const uint8_t *p, size_t len, uint32_t nsegs, size_t bytes, const uint8_t *vnet)
{
	size_t first = n_out, sum = 0;

	struct gso_meta m, om;
	struct gso_info inf;
	uint16_t cs, co;
	const char *why;

	assert_true(writes < MAX_IN);
	write_segs[writes] = nsegs;
	memcpy(write_vnet[writes], vnet, GSO_VNET_HDR_LEN);
	if (writes < KEEP_WRITES) {
		memcpy(kept[writes], p, len);
		kept_len[writes] = len;
	}
	writes++;
	assert_true(gso_from_vnet(vnet, &m, &cs, &co, &why));
	if (m.type == GSO_NONE) {
		assert_false(m.needs_csum);
		assert_int_equal(nsegs, 1);
		assert_true(n_out < MAX_IN && len <= SEG_CAP);
		memcpy(out[n_out], p, len);
		out_len[n_out++] = len;
		assert_int_equal(bytes, len);
		return;
	}
	assert_int_equal(gso_check(p, len, &m, SIZE_MAX, &inf, &why), GSO_OK);
	assert_int_equal(cs, inf.l3_len);
	assert_int_equal(co, 16);
	assert_int_equal(inf.segs, nsegs);
	for (uint32_t k = 0; k < inf.segs; k++) {
		assert_true(n_out < MAX_IN);
		out_len[n_out] = gso_segment(p, &inf, &m, k, 1, out[n_out], SEG_CAP, &om);
		assert_int_not_equal(out_len[n_out++], 0);
	}
	for (size_t i = first; i < n_out; i++)
		sum += out_len[i];
	assert_int_equal(bytes, sum);
}

static void take_all(struct gro *g)
{
	struct gro_write w;

	while (gro_take(g, &w))
		emit(w.pkt, w.len, w.segs, w.bytes, w.vnet);
}

/* Pushes in[] as one batch through a coalescer of flows runs (run
 * buffers of cap bytes) and flushes it. */
static void run_cap(unsigned flows, size_t cap)
{
	static const uint8_t plain[GSO_VNET_HDR_LEN];
	struct gro g;

	writes = 0;
	n_out = 0;
	gro_init(&g, storage, cap, flows);
	for (size_t i = 0; i < n_in; i++) {
		enum gro_verdict v;

		while ((v = gro_push(&g, in[i], in_len[i])) == GRO_TAKE_FIRST)
			take_all(&g);
		if (v == GRO_PASS)
			emit(in[i], in_len[i], 1, in_len[i], plain);
	}
	gro_flush(&g);
	take_all(&g);
	assert_false(gro_holding(&g));
}

static void run(unsigned flows)
{
	run_cap(flows, GRO_RUN_CAP);
}

/* What came out is what went in, in the same order. */
static void assert_out_is_in(void)
{
	assert_int_equal(n_out, n_in);
	for (size_t i = 0; i < n_in; i++) {
		assert_int_equal(out_len[i], in_len[i]);
		assert_memory_equal(out[i], in[i], in_len[i]);
	}
}

/* Builds s (complete checksums) and cuts it into gso-byte segments;
 * returns how many. super keeps it with the partial checksum a
 * coalesced write must carry. */
static uint32_t cut_into(const struct spec *s, uint16_t gso, size_t *len, size_t first)
{
	struct gso_meta m = meta_for(s, gso), om;
	struct gso_info inf;

	*len = build_checked(s, &m, SEG_CAP, &inf, super);
	for (uint32_t k = 0; k < inf.segs; k++)
		seg_len[first + k] =
		    gso_segment(super, &inf, &m, k, 1, segs[first + k], SEG_CAP, &om);
	return inf.segs;
}

static uint32_t cut(const struct spec *s, uint16_t gso, size_t *len)
{
	return cut_into(s, gso, len, 0);
}

static void fix_ip_csum(uint8_t *p)
{
	if (p[0] >> 4 != 4)
		return;
	put16(p + 10, 0);
	put16(p + 10, ~rfc1071_add(0, p, l4_off(p)) & 0xffff);
}

static void fix_tcp_csum(uint8_t *p, size_t len)
{
	size_t off = l4_off(p);

	put16(p + off + 16, 0);
	put16(p + off + 16, ~rfc1071_add(pseudo(p, len - off), p + off, len - off) & 0xffff);
}

static void fix(uint8_t *p, size_t len)
{
	fix_ip_csum(p);
	fix_tcp_csum(p, len);
}

static unsigned le16(const uint8_t *p)
{
	return (unsigned)(p[0] | p[1] << 8);
}

static void test_gro_push_restores_super_packet(void **state)
{
	static const struct spec shapes[] = {
	    {AF_INET, TCP, 0, 12, false, F_ACK | F_PSH, 10000},
	    {AF_INET, TCP, 0, 0, false, F_ACK, 5000},
	    {AF_INET6, TCP, 0, 12, false, F_ACK | F_PSH, 14000},
	    {AF_INET6, TCP, 0, 0, false, F_ACK, 1200 * 12},
	};

	(void)state;
	for (size_t i = 0; i < sizeof(shapes) / sizeof(shapes[0]); i++) {
		const struct spec *s = &shapes[i];
		size_t len, l3 = s->family == AF_INET ? 20 : 40;
		uint32_t n = cut(s, 1200, &len);
		const uint8_t *v;

		n_in = 0;
		for (uint32_t k = 0; k < n; k++)
			add(segs[k], seg_len[k]);
		run(GRO_MAX_FLOWS);
		assert_int_equal(writes, 1);
		assert_int_equal(write_segs[0], n);
		/* Byte for byte the super-packet the segments were cut from,
		 * with the pseudo-header sum as TCP checksum. */
		assert_int_equal(kept_len[0], len);
		assert_memory_equal(kept[0], super, len);
		assert_true(ip_csum_ok(kept[0]));
		assert_int_equal(get16(kept[0] + l3 + 16), pseudo(kept[0], len - l3));
		/* virtio_net_hdr: NEEDS_CSUM, TCPV4 (1) or TCPV6 (4), hdr_len,
		 * gso_size, csum_start, csum_offset. */
		v = write_vnet[0];
		assert_int_equal(v[0], 1);
		assert_int_equal(v[1], s->family == AF_INET ? 1 : 4);
		assert_int_equal(le16(v + 2), l3 + 20 + s->tcp_opts);
		assert_int_equal(le16(v + 4), 1200);
		assert_int_equal(le16(v + 6), l3);
		assert_int_equal(le16(v + 8), 16);
		assert_out_is_in();
	}
}

/* One segment alone is the same plain packet with a plain header. */
static void test_gro_flush_single(void **state)
{
	static const uint8_t zero[GSO_VNET_HDR_LEN];
	struct spec s = V4TCP(3000);
	size_t len;

	(void)state;
	cut(&s, 1000, &len);
	n_in = 0;
	add(segs[0], seg_len[0]);
	run(GRO_MAX_FLOWS);
	assert_int_equal(writes, 1);
	assert_int_equal(write_segs[0], 1);
	assert_memory_equal(write_vnet[0], zero, sizeof(zero));
	assert_out_is_in();
}

/* Two in-order full-size segments; each change to one of them forbids
 * their merge. */
enum change {
	OTHER_PORT,
	OTHER_ADDR,
	SEQ_GAP,
	SEQ_BACK,
	ID_GAP,
	ID_FIXED,
	TOS,
	ECN_CE,
	TTL,
	ACK_NUM,
	WINDOW,
	TS_OPT,
	F_SYN_SET,
	F_FIN_SET,
	F_RST_SET,
	F_URG_SET,
	F_CWR_SET,
	F_ECE_SET,
	NO_ACK,
	PSH_FIRST,
	BAD_TCP_CSUM,
	BAD_IP_CSUM,
	LARGER,
	MORE_FRAGS,
	NOT_TCP,
	HOP_LIMIT,
	FLOW_LABEL,
	TCLASS,
	IP_OPTIONS,
	EXT_HEADER,
};

struct no_merge {
	enum change change;
	int family;
	const char *what;
};

static void apply(enum change c, uint8_t *p0, uint8_t *p, size_t n)
{
	size_t l3 = l4_off(p);
	uint8_t *t = p + l3;

	switch (c) {
	case OTHER_PORT:
		put16(t, 40001);
		break;
	case OTHER_ADDR:
		p[p[0] >> 4 == 4 ? 15 : 23] ^= 1;
		break;
	case SEQ_GAP:
		put32(t + 4, get32(t + 4) + 1);
		break;
	case SEQ_BACK:
		memcpy(t + 4, p0 + l3 + 4, 4);
		break;
	case ID_GAP:
		put16(p + 4, get16(p + 4) + 1);
		break;
	case ID_FIXED:
		put16(p + 4, get16(p0 + 4));
		break;
	case TOS:
		p[1] |= 0x10;
		break;
	case ECN_CE:
		p[1] |= 0x03;
		break;
	case TTL:
		p[8] = 63;
		break;
	case ACK_NUM:
		put32(t + 8, get32(t + 8) + 1);
		break;
	case WINDOW:
		put16(t + 14, 513);
		break;
	case TS_OPT:
		t[20 + 11] ^= 1;
		break;
	case F_SYN_SET:
		t[13] |= F_SYN;
		break;
	case F_FIN_SET:
		t[13] |= F_FIN;
		break;
	case F_RST_SET:
		t[13] |= F_RST;
		break;
	case F_URG_SET:
		t[13] |= 0x20;
		break;
	case F_CWR_SET:
		t[13] |= F_CWR;
		break;
	case F_ECE_SET:
		t[13] |= 0x40;
		break;
	case NO_ACK:
		t[13] = 0;
		break;
	case MORE_FRAGS:
		p[6] |= 0x20;
		break;
	case NOT_TCP:
		p[9] = UDP;
		break;
	case HOP_LIMIT:
		p[7] = 63;
		break;
	case FLOW_LABEL:
		p[3] ^= 1;
		break;
	case TCLASS:
		p[1] ^= 0x10;
		break;
	case PSH_FIRST:
	case BAD_TCP_CSUM:
	case BAD_IP_CSUM:
	case LARGER:
	case IP_OPTIONS:
	case EXT_HEADER:
		break;
	}
	(void)n;
}

static void test_gro_push_no_merge(void **state)
{
	static const struct no_merge rows[] = {
	    {OTHER_PORT, AF_INET, "another port"},
	    {OTHER_ADDR, AF_INET6, "another address"},
	    {SEQ_GAP, AF_INET, "a sequence gap"},
	    {SEQ_BACK, AF_INET6, "a retransmission"},
	    {ID_GAP, AF_INET, "an identification gap"},
	    {ID_FIXED, AF_INET, "a fixed identification under DF"},
	    {TOS, AF_INET, "another TOS"},
	    {ECN_CE, AF_INET, "ECN CE on one"},
	    {TTL, AF_INET, "another TTL"},
	    {ACK_NUM, AF_INET, "another ACK number"},
	    {WINDOW, AF_INET6, "another window"},
	    {TS_OPT, AF_INET, "another timestamp"},
	    {TS_OPT, AF_INET6, "another timestamp (IPv6)"},
	    {F_SYN_SET, AF_INET, "SYN"},
	    {F_FIN_SET, AF_INET, "FIN"},
	    {F_RST_SET, AF_INET6, "RST"},
	    {F_URG_SET, AF_INET, "URG"},
	    {F_CWR_SET, AF_INET, "CWR"},
	    {F_ECE_SET, AF_INET6, "ECE"},
	    {NO_ACK, AF_INET, "no ACK"},
	    {PSH_FIRST, AF_INET, "PSH on the first"},
	    {BAD_TCP_CSUM, AF_INET, "a wrong TCP checksum"},
	    {BAD_TCP_CSUM, AF_INET6, "a wrong TCP checksum (IPv6)"},
	    {BAD_IP_CSUM, AF_INET, "a wrong IPv4 header checksum"},
	    {LARGER, AF_INET, "a larger second segment"},
	    {MORE_FRAGS, AF_INET, "a fragment"},
	    {NOT_TCP, AF_INET, "UDP"},
	    {HOP_LIMIT, AF_INET6, "another hop limit"},
	    {FLOW_LABEL, AF_INET6, "another flow label"},
	    {TCLASS, AF_INET6, "another traffic class"},
	    {IP_OPTIONS, AF_INET, "IPv4 options"},
	    {EXT_HEADER, AF_INET6, "an IPv6 extension header"},
	};

	(void)state;
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		const struct no_merge *r = &rows[i];
		struct spec s = {r->family, TCP, 0, 12, false, F_ACK, 2000};
		size_t len;

		if (r->change == IP_OPTIONS)
			s.ip_opts = 8;
		if (r->change == EXT_HEADER) {
			/* gso_segment refuses it: two segments made by hand. */
			s.ext_hdr = true;
			s.payload = 1000;
			seg_len[0] = seg_len[1] = build(&s, false, segs[0]);
			memcpy(segs[1], segs[0], seg_len[0]);
			put32(segs[1] + 48 + 4, SEQ0 + 1000);
		} else {
			assert_int_equal(cut(&s, 1000, &len), 2);
		}
		apply(r->change, segs[0], segs[1], seg_len[1]);
		if (r->change == PSH_FIRST)
			segs[0][l4_off(segs[0]) + 13] |= F_PSH;
		if (r->change == LARGER) {
			/* The first cut to 999 bytes: the second is larger. */
			seg_len[0] -= 1;
			if (r->family == AF_INET)
				put16(segs[0] + 2, (unsigned)seg_len[0]);
			else
				put16(segs[0] + 4, (unsigned)seg_len[0] - 40);
		}
		fix(segs[0], seg_len[0]);
		if (r->change != NOT_TCP)
			fix(segs[1], seg_len[1]);
		if (r->change == BAD_TCP_CSUM)
			segs[1][seg_len[1] - 1] ^= 0x40;
		if (r->change == BAD_IP_CSUM)
			segs[1][10] ^= 0x01;
		n_in = 0;
		add(segs[0], seg_len[0]);
		add(segs[1], seg_len[1]);
		run(GRO_MAX_FLOWS);
		if (writes != 2 || write_segs[0] != 1 || write_segs[1] != 1)
			fail_msg("%s: merged", r->what);
		if (r->change == NOT_TCP) {
			/* Not TCP: it need not wait for the TCP run. */
			assert_memory_equal(out[0], segs[1], seg_len[1]);
			assert_memory_equal(out[1], segs[0], seg_len[0]);
		} else {
			assert_out_is_in();
		}
	}
}

/* Flows interleaved coalesce each into its own super-packet. */
static void test_gro_push_interleaved_flows(void **state)
{
	struct spec a = V4TCP(3000), b = V6TCP(3000);
	size_t len;

	(void)state;
	assert_int_equal(cut_into(&a, 1000, &len, 0), 3);
	assert_int_equal(cut_into(&b, 1000, &len, 3), 3);
	n_in = 0;
	for (int k = 0; k < 3; k++) {
		add(segs[k], seg_len[k]);
		add(segs[3 + k], seg_len[3 + k]);
	}
	run(GRO_MAX_FLOWS);
	assert_int_equal(writes, 2);
	assert_int_equal(write_segs[0], 3);
	assert_int_equal(write_segs[1], 3);
	/* Flow a's run (started first), then b's, each in order. */
	for (int k = 0; k < 6; k++) {
		assert_int_equal(out_len[k], seg_len[k]);
		assert_memory_equal(out[k], segs[k], seg_len[k]);
	}
}

/* Segments 0 and 1 with p between them, through the coalescer. */
static void between(const uint8_t *p, size_t len)
{
	n_in = 0;
	add(segs[0], seg_len[0]);
	add(p, len);
	add(segs[1], seg_len[1]);
	run(GRO_MAX_FLOWS);
}

/* A packet of the flow that cannot join (a pure ACK) goes after the run
 * before it; one clearly not TCP passes at once; one whose flow cannot
 * be told (an IPv6 extension header) goes after every run. */
static void test_gro_push_keeps_flow_order(void **state)
{
	static uint8_t ack[SEG_CAP], udp[SEG_CAP], ext[SEG_CAP];
	struct spec a = V4TCP(4000), pure = V4TCP(0), u = V4UDP(100), e = V6EXT(TCP, 100);
	size_t len, ack_len, udp_len, ext_len;

	(void)state;
	assert_int_equal(cut(&a, 1000, &len), 4);
	ack_len = build(&pure, false, ack);
	udp_len = build(&u, false, udp);
	ext_len = build(&e, false, ext);

	n_in = 0;
	add(segs[0], seg_len[0]);
	add(segs[1], seg_len[1]);
	add(ack, ack_len);
	add(segs[2], seg_len[2]);
	add(segs[3], seg_len[3]);
	run(GRO_MAX_FLOWS);
	assert_int_equal(writes, 3);
	assert_int_equal(write_segs[0], 2);
	assert_int_equal(write_segs[2], 2);
	assert_out_is_in();

	between(udp, udp_len);
	assert_int_equal(writes, 2);
	assert_memory_equal(out[0], udp, udp_len);
	assert_int_equal(write_segs[1], 2);

	between(ext, ext_len);
	assert_int_equal(writes, 3);
	assert_out_is_in();
}

/* segs[k]: segs[like] with sequence number seq, right after segs[k - 1]
 * (its IPv4 identification + 1). */
static void follow(uint32_t k, uint32_t like, uint32_t seq)
{
	uint8_t *p = segs[k];

	memcpy(p, segs[like], seg_len[like]);
	seg_len[k] = seg_len[like];
	if (p[0] >> 4 == 4)
		put16(p + 4, get16(segs[k - 1] + 4) + 1);
	put32(p + l4_off(p) + 4, seq);
	fix(p, seg_len[k]);
}

static void run_segs(uint32_t n)
{
	n_in = 0;
	for (uint32_t k = 0; k < n; k++)
		add(segs[k], seg_len[k]);
	run(GRO_MAX_FLOWS);
}

/* A short segment or PSH ends the run: the next one, even in order,
 * starts another. */
static void test_gro_push_run_ends(void **state)
{
	struct spec s = V6TCP(2500);
	size_t len;

	(void)state;
	assert_int_equal(cut(&s, 1000, &len), 3);
	follow(3, 0, SEQ0 + 2500);
	run_segs(4);
	assert_int_equal(writes, 2);
	assert_int_equal(write_segs[0], 3);
	assert_memory_equal(kept[0], super, len);
	assert_out_is_in();

	s = (struct spec)V4TCP(4000);
	assert_int_equal(cut(&s, 1000, &len), 4);
	segs[1][20 + 13] |= F_PSH;
	fix(segs[1], seg_len[1]);
	run_segs(4);
	assert_int_equal(writes, 2);
	assert_int_equal(write_segs[0], 2);
	assert_int_equal(write_segs[1], 2);
	assert_int_equal(kept[0][20 + 13], F_ACK | F_PSH);
	assert_int_equal(kept[1][20 + 13], F_ACK);
	assert_out_is_in();
}

/* More flows than runs: the oldest run ends for the newcomer. */
static void test_gro_push_flow_limit(void **state)
{
	struct spec s = V4TCP(2000);
	size_t len;

	(void)state;
	for (unsigned f = 0; f < 3; f++) {
		s.payload = 2000;
		cut_into(&s, 1000, &len, 2 * f);
		for (int k = 0; k < 2; k++) {
			put16(segs[2 * f + k] + 20, 40000 + f);
			fix(segs[2 * f + k], seg_len[2 * f + k]);
		}
	}
	/* a0 b0 c0 a1 b1 c1 with two runs: c0 ends a, a1 ends b, ... */
	n_in = 0;
	for (int k = 0; k < 2; k++)
		for (unsigned f = 0; f < 3; f++)
			add(segs[2 * f + k], seg_len[2 * f + k]);
	run(2);
	assert_int_equal(writes, 6);
	for (unsigned f = 0; f < 3; f++) {
		/* Each flow's first segment came out before its second. */
		size_t first = MAX_IN, second = MAX_IN;

		for (size_t i = 0; i < n_out; i++) {
			if (out_len[i] == seg_len[2 * f] &&
			    !memcmp(out[i], segs[2 * f], out_len[i]))
				first = i;
			if (out_len[i] == seg_len[2 * f + 1] &&
			    !memcmp(out[i], segs[2 * f + 1], out_len[i]))
				second = i;
		}
		assert_true(first < second && second < n_out);
	}
	run(3);
	assert_int_equal(writes, 3);
}

/* At most GSO_MAX_SEGS segments, and no more than a run's buffer holds. */
static void test_gro_push_limits(void **state)
{
	struct spec s = V4TCP(10 * GSO_MAX_SEGS);
	size_t len;

	(void)state;
	assert_int_equal(cut(&s, 10, &len), GSO_MAX_SEGS);
	/* The segment after the last one, in order. */
	follow(GSO_MAX_SEGS, GSO_MAX_SEGS - 1, get32(segs[GSO_MAX_SEGS - 1] + 24) + 10);
	run_segs(GSO_MAX_SEGS + 1);
	assert_int_equal(writes, 2);
	assert_int_equal(write_segs[0], GSO_MAX_SEGS);
	assert_int_equal(kept_len[0], len);
	assert_memory_equal(kept[0], super, len);
	assert_out_is_in();

	n_in = 0;
	for (uint32_t k = 0; k < 3; k++)
		add(segs[k], 50);
	run_cap(1, 40 + 25);
	assert_int_equal(writes, 2);
	assert_int_equal(write_segs[0], 2);
	assert_out_is_in();

	/* 64 KiB: 65535 bytes of IPv4 at most; a 47th segment of 1400
	 * would make 65840. */
	s = (struct spec)V4TCP(1400 * 46);
	assert_int_equal(cut(&s, 1400, &len), 46);
	follow(46, 45, get32(segs[45] + 24) + 1400);
	run_segs(47);
	assert_int_equal(writes, 2);
	assert_true(kept_len[0] <= 65535);
	assert_int_equal(write_segs[0], 46);
	assert_out_is_in();
}

/* ---- the property: any interleaving of flows, with losses, duplicates
 * and damage, comes out as the same packets, each flow in order -------- */

static uint32_t rng = 12345;

static uint32_t next_rand(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 17;
	rng ^= rng << 5;
	return rng;
}

static void test_gro_roundtrip_property(void **state)
{
	static uint8_t pool[MAX_IN][SEG_CAP];
	static unsigned flow_of[MAX_IN];

	(void)state;
	for (int iter = 0; iter < 300; iter++) {
		unsigned nflows = 1 + next_rand() % 4, pos[4] = {0}, cnt[4], base[4];
		size_t total = 0, len;
		bool emitted[MAX_IN] = {false};

		for (unsigned f = 0; f < nflows; f++) {
			struct spec s = {next_rand() % 2 ? AF_INET : AF_INET6,
					 TCP,
					 0,
					 (next_rand() % 3) * 4,
					 false,
					 (uint8_t)(F_ACK | (next_rand() % 2 ? F_PSH : 0)),
					 1 + next_rand() % 12000};
			uint16_t gso = (uint16_t)(200 + next_rand() % 1200);

			base[f] = (unsigned)total;
			cnt[f] = cut_into(&s, gso, &len, total);
			for (unsigned k = 0; k < cnt[f]; k++) {
				uint8_t *p = segs[total + k];

				put16(p + l4_off(p), 1000 + f);
				fix(p, seg_len[total + k]);
			}
			total += cnt[f];
		}
		/* Interleave the flows, each in its own order, with damage. */
		n_in = 0;
		for (size_t left = total; left > 0 && n_in < MAX_IN - 2;) {
			unsigned f = next_rand() % nflows, r = next_rand() % 40;
			size_t k;
			uint8_t *p;

			if (pos[f] >= cnt[f])
				continue;
			left--;
			k = base[f] + pos[f]++;
			if (r == 0)
				continue; /* lost */
			memcpy(pool[n_in], segs[k], seg_len[k]);
			p = pool[n_in];
			if (r == 1)
				p[l4_off(p) + 13] |= F_PSH;
			if (r == 1 || r == 2)
				fix(p, seg_len[k]);
			if (r == 3) /* damaged, checksums left wrong */
				p[seg_len[k] - 1 - next_rand() % 8] ^= 0x10;
			flow_of[n_in] = f;
			add(p, seg_len[k]);
			if (r == 4) { /* doubled */
				memcpy(pool[n_in], p, seg_len[k]);
				flow_of[n_in] = f;
				add(pool[n_in], seg_len[k]);
			}
		}
		run(1 + next_rand() % GRO_MAX_FLOWS);
		/* Each packet out is the first not yet out of its flow. */
		assert_int_equal(n_out, n_in);
		for (size_t o = 0; o < n_out; o++) {
			size_t i;

			for (i = 0; i < n_in; i++)
				if (!emitted[i] && out_len[o] == in_len[i] &&
				    memcmp(out[o], in[i], in_len[i]) == 0)
					break;
			assert_true(i < n_in);
			for (size_t j = 0; j < i; j++)
				if (!emitted[j] && flow_of[j] == flow_of[i])
					fail_msg("iteration %d: packet %zu overtook %zu", iter, i,
						 j);
			emitted[i] = true;
		}
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_gro_push_restores_super_packet),
	    cmocka_unit_test(test_gro_flush_single),
	    cmocka_unit_test(test_gro_push_no_merge),
	    cmocka_unit_test(test_gro_push_interleaved_flows),
	    cmocka_unit_test(test_gro_push_keeps_flow_order),
	    cmocka_unit_test(test_gro_push_run_ends),
	    cmocka_unit_test(test_gro_push_flow_limit),
	    cmocka_unit_test(test_gro_push_limits),
	    cmocka_unit_test(test_gro_roundtrip_property),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
