/*
 * test_gro.c - the coalescer: the segments gso_segment cuts from a
 * super-packet coalesce back into that very super-packet; anything that
 * does not extend the held run (another flow, a gap, a changed header, a
 * bad checksum, too many or too large segments) makes the caller take the
 * held one first, so nothing is reordered.
 */
#include "gro.h"
#include "gso_fixture.h"

static uint8_t super[MAXPKT], segs[GSO_MAX_SEGS + 2][2048], held[MAXPKT];
static size_t seg_len[GSO_MAX_SEGS + 2];

/* Builds s and cuts it into gso-byte segments; returns how many. */
static uint32_t cut(const struct spec *s, uint16_t gso, size_t *len)
{
	struct gso_meta m = meta_for(s, gso), om;
	struct gso_info inf;

	*len = build_checked(s, &m, 2048, &inf, super);
	for (uint32_t k = 0; k < inf.segs; k++)
		seg_len[k] = gso_segment(super, &inf, &m, k, 1, segs[k], sizeof(segs[k]), &om);
	return inf.segs;
}

static void fix_ip_csum(uint8_t *p)
{
	put16(p + 10, 0);
	put16(p + 10, ~rfc1071_add(0, p, l4_off(p)) & 0xffff);
}

static void fix_tcp_csum(uint8_t *p, size_t len)
{
	size_t off = l4_off(p);

	put16(p + off + 16, 0);
	put16(p + off + 16, ~rfc1071_add(pseudo(p, len - off), p + off, len - off) & 0xffff);
}

static void test_gro_push_restores_super_packet(void **state)
{
	static const struct spec shapes[] = {
	    {AF_INET, TCP, 0, 0, false, F_ACK | F_PSH, 10000},
	    {AF_INET, TCP, 40, 40, false, F_ACK, 5000},
	    {AF_INET6, TCP, 0, 12, false, F_ACK | F_PSH, 14000},
	    {AF_INET6, TCP, 0, 0, false, F_ACK, 1200 * 12},
	};

	(void)state;
	for (size_t i = 0; i < sizeof(shapes) / sizeof(shapes[0]); i++) {
		struct gro g;
		struct gso_meta m;
		struct gso_info inf;
		size_t len;
		uint32_t n = cut(&shapes[i], 1200, &len);

		gro_init(&g, held, sizeof(held));
		for (uint32_t k = 0; k < n; k++)
			assert_int_equal(gro_push(&g, segs[k], seg_len[k]), GRO_HELD);
		assert_int_equal(gro_take(&g, &m, &inf), len);
		assert_memory_equal(held, super, len);
		assert_int_equal(m.type, shapes[i].family == AF_INET ? GSO_TCPV4 : GSO_TCPV6);
		assert_true(m.needs_csum);
		assert_int_equal(m.gso_size, 1200);
		assert_int_equal(inf.segs, n);
		assert_int_equal(gro_take(&g, &m, &inf), 0);
	}
}

/* One segment held and taken is the same plain packet. */
static void test_gro_take_single(void **state)
{
	struct spec s = V4TCP(3000);
	struct gso_meta m;
	struct gso_info inf;
	struct gro g;
	size_t len;

	(void)state;
	cut(&s, 1000, &len);
	gro_init(&g, held, sizeof(held));
	assert_int_equal(gro_push(&g, segs[0], seg_len[0]), GRO_HELD);
	assert_int_equal(gro_take(&g, &m, &inf), seg_len[0]);
	assert_memory_equal(held, segs[0], seg_len[0]);
	assert_int_equal(m.type, GSO_NONE);
	assert_false(m.needs_csum);
}

/* What never starts a run passes while nothing is held. */
static void test_gro_push_passes(void **state)
{
	static const struct spec pass[] = {
	    {AF_INET, TCP, 0, 0, false, F_ACK | F_PSH, 100},
	    {AF_INET, TCP, 0, 0, false, F_ACK, 0},
	    {AF_INET, TCP, 0, 0, false, F_SYN, 10},
	    {AF_INET6, TCP, 0, 0, false, F_ACK | F_FIN, 10},
	    {AF_INET6, UDP, 0, 0, false, 0, 100},
	    {AF_INET6, TCP, 0, 0, true, F_ACK, 100},
	};
	struct gro g;

	(void)state;
	gro_init(&g, held, sizeof(held));
	for (size_t i = 0; i < sizeof(pass) / sizeof(pass[0]); i++) {
		size_t len = build(&pass[i], false, super);

		assert_int_equal(gro_push(&g, super, len), GRO_PASS);
	}
	/* A wrong TCP checksum, and a packet that is not IP at all. */
	assert_int_equal(build(&(struct spec)V4TCP(100), false, super), 140);
	super[139] ^= 1;
	assert_int_equal(gro_push(&g, super, 140), GRO_PASS);
	assert_int_equal(gro_push(&g, super, 0), GRO_PASS);
	/* A wrong IPv4 header checksum (the TTL is not in the TCP one). */
	super[139] ^= 1;
	super[8] = 63;
	assert_int_equal(gro_push(&g, super, 140), GRO_PASS);
	fix_ip_csum(super);
	assert_int_equal(gro_push(&g, super, 140), GRO_HELD);
}

/* Held: segment 0. Each of these must make the caller take it first. */
enum change { OTHER_FLOW, GAP, ID_GAP, WINDOW, ECN_CE, BAD_CSUM, NOT_TCP, LARGER };

static void test_gro_push_take_first(void **state)
{
	static const enum change changes[] = {OTHER_FLOW, GAP,	    ID_GAP,  WINDOW,
					      ECN_CE,	  BAD_CSUM, NOT_TCP, LARGER};
	struct spec s = V4TCP(5000);

	(void)state;
	for (size_t i = 0; i < sizeof(changes) / sizeof(changes[0]); i++) {
		struct gso_meta m;
		struct gso_info inf;
		struct gro g;
		size_t len, n;
		uint8_t *p;

		cut(&s, 1000, &len);
		p = segs[changes[i] == GAP ? 2 : 1];
		n = seg_len[1];
		switch (changes[i]) {
		case OTHER_FLOW:
			put16(p + 20, 40001);
			break;
		case ID_GAP:
			put16(p + 4, get16(p + 4) + 1);
			break;
		case WINDOW:
			put16(p + 34, 513);
			break;
		case ECN_CE:
			p[1] = 0x03;
			break;
		case BAD_CSUM:
			p[n - 1] ^= 0x40;
			break;
		case NOT_TCP:
			p[9] = UDP;
			break;
		case LARGER:
			/* Segment 0 cut to 999 bytes: segment 1 is larger. */
			seg_len[0] -= 1;
			put16(segs[0] + 2, (unsigned)seg_len[0]);
			fix_ip_csum(segs[0]);
			fix_tcp_csum(segs[0], seg_len[0]);
			break;
		case GAP:
			break;
		}
		if (changes[i] != BAD_CSUM && changes[i] != NOT_TCP) {
			fix_ip_csum(p);
			fix_tcp_csum(p, n);
		}
		gro_init(&g, held, sizeof(held));
		assert_int_equal(gro_push(&g, segs[0], seg_len[0]), GRO_HELD);
		if (gro_push(&g, p, n) != GRO_TAKE_FIRST)
			fail_msg("change %d merged", changes[i]);
		assert_int_equal(gro_take(&g, &m, &inf), seg_len[0]);
		assert_memory_equal(held, segs[0], seg_len[0]);
		assert_int_not_equal(gro_push(&g, p, n), GRO_TAKE_FIRST);
	}
}

/* A short segment or PSH ends the run: the next one, even in order,
 * waits for the take. */
static void test_gro_push_run_ends(void **state)
{
	struct spec s = V6TCP(2500);
	struct gso_meta m;
	struct gso_info inf;
	struct gro g;
	size_t len;

	(void)state;
	cut(&s, 1000, &len);
	gro_init(&g, held, sizeof(held));
	for (int k = 0; k < 3; k++)
		assert_int_equal(gro_push(&g, segs[k], seg_len[k]), GRO_HELD);
	assert_int_equal(gro_push(&g, segs[0], seg_len[0]), GRO_TAKE_FIRST);
	assert_int_equal(gro_take(&g, &m, &inf), len);
	assert_memory_equal(held, super, len);

	s.flags = F_ACK | F_PSH;
	s.payload = 4000;
	cut(&s, 1000, &len);
	/* Segment 1 with PSH set (and its checksum fixed) ends a run of two. */
	segs[1][40 + 13] |= F_PSH;
	fix_tcp_csum(segs[1], seg_len[1]);
	assert_int_equal(gro_push(&g, segs[0], seg_len[0]), GRO_HELD);
	assert_int_equal(gro_push(&g, segs[1], seg_len[1]), GRO_HELD);
	assert_int_equal(gro_push(&g, segs[2], seg_len[2]), GRO_TAKE_FIRST);
	assert_int_equal(gro_take(&g, &m, &inf), 60 + 2000);
	assert_int_equal(inf.segs, 2);
	assert_int_equal(held[40 + 13], F_ACK | F_PSH);
}

/* At most GSO_MAX_SEGS segments, and no more than the buffer holds. */
static void test_gro_push_limits(void **state)
{
	struct spec s = V4TCP(10 * GSO_MAX_SEGS);
	uint8_t *next = segs[GSO_MAX_SEGS];
	struct gso_meta m;
	struct gso_info inf;
	struct gro g;
	size_t len;

	(void)state;
	assert_int_equal(cut(&s, 10, &len), GSO_MAX_SEGS);
	/* The segment after the last one, in order. */
	memcpy(next, segs[GSO_MAX_SEGS - 1], 50);
	put16(next + 4, get16(next + 4) + 1);
	put32(next + 24, get32(next + 24) + 10);
	fix_ip_csum(next);
	fix_tcp_csum(next, 50);
	gro_init(&g, held, sizeof(held));
	for (uint32_t k = 0; k < GSO_MAX_SEGS; k++)
		assert_int_equal(gro_push(&g, segs[k], seg_len[k]), GRO_HELD);
	assert_int_equal(gro_push(&g, next, 50), GRO_TAKE_FIRST);
	assert_int_equal(gro_take(&g, &m, &inf), len);
	assert_memory_equal(held, super, len);
	assert_int_equal(inf.segs, GSO_MAX_SEGS);

	gro_init(&g, held, 40 + 25);
	assert_int_equal(gro_push(&g, segs[0], seg_len[0]), GRO_HELD);
	assert_int_equal(gro_push(&g, segs[1], seg_len[1]), GRO_HELD);
	assert_int_equal(gro_push(&g, segs[2], seg_len[2]), GRO_TAKE_FIRST);
	assert_int_equal(gro_take(&g, &m, &inf), 60);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_gro_push_restores_super_packet),
	    cmocka_unit_test(test_gro_take_single),
	    cmocka_unit_test(test_gro_push_passes),
	    cmocka_unit_test(test_gro_push_take_first),
	    cmocka_unit_test(test_gro_push_run_ends),
	    cmocka_unit_test(test_gro_push_limits),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
