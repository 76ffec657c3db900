/*
 * test_pool.c - pool: leases never cover the network, gateway or broadcast
 * address; an identity gets its old address back while nobody else took it;
 * otherwise a never-used one, then the one released longest ago. Time is
 * the caller's integer, so no test depends on the clock.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include <cmocka.h>

#include "pool.h"

#define N(t) (sizeof(t) / sizeof((t)[0]))

static struct ipaddr ip(const char *s)
{
	struct ipaddr a;

	if (!addr_parse(s, &a))
		fail_msg("test table: bad address %s", s);
	return a;
}

static struct prefix pfx(const char *s)
{
	struct prefix p;

	if (!addr_parse_prefix(s, false, &p))
		fail_msg("test table: bad prefix %s", s);
	return p;
}

static const char *fmt(const struct ipaddr *a)
{
	static char out[4][ADDR_STRLEN];
	static unsigned n;

	return addr_fmt(a, out[n++ % 4]);
}

/* A pool from prefix strings; NULL for a family it lacks. */
static void init(struct pool *p, const char *v4, const char *v6)
{
	struct prefix n4, n6;
	const char *why = NULL;

	if (v4 != NULL)
		n4 = pfx(v4);
	if (v6 != NULL)
		n6 = pfx(v6);
	if (pool_init(p, "test", v4 ? &n4 : NULL, v6 ? &n6 : NULL, &why) < 0)
		fail_msg("pool_init(%s, %s): %s", v4 ? v4 : "-", v6 ? v6 : "-", why);
}

static struct ipaddr take4(struct pool *p, const char *identity, int64_t now)
{
	struct ipaddr v4, v6;

	assert_int_equal(pool_acquire(p, identity, now, &v4, &v6), POOL_OK);
	return v4;
}

static struct ipaddr take6(struct pool *p, const char *identity, int64_t now)
{
	struct ipaddr v4, v6;

	assert_int_equal(pool_acquire(p, identity, now, &v4, &v6), POOL_OK);
	return v6;
}

static void assert_addr(const struct ipaddr *a, const char *want)
{
	struct ipaddr w = ip(want);

	if (!addr_eq(a, &w))
		fail_msg("got %s, want %s", fmt(a), want);
}

static const struct {
	const char *v4, *v6;
	uint32_t size4, size6;
	const char *gw4, *gw6;
} sizes[] = {
    {"10.8.0.0/30", NULL, 1, 0, "10.8.0.1", NULL},
    {"10.8.0.0/29", NULL, 5, 0, "10.8.0.1", NULL},
    {"10.8.0.0/24", NULL, 253, 0, "10.8.0.1", NULL},
    {"10.8.0.0/16", NULL, 65533, 0, "10.8.0.1", NULL},
    {"10.0.0.0/15", NULL, POOL_MAX_ADDRS, 0, "10.0.0.1", NULL},
    {"10.0.0.0/8", NULL, POOL_MAX_ADDRS, 0, "10.0.0.1", NULL},
    {NULL, "fd00:8::/126", 0, 2, NULL, "fd00:8::1"},
    {NULL, "fd00:8::/112", 0, 65534, NULL, "fd00:8::1"},
    {NULL, "fd00:8::/64", 0, POOL_MAX_ADDRS, NULL, "fd00:8::1"},
    {NULL, "fd00::/16", 0, POOL_MAX_ADDRS, NULL, "fd00::1"},
    {"10.8.0.0/24", "fd00:8::/64", 253, POOL_MAX_ADDRS, "10.8.0.1", "fd00:8::1"},
    /* Host bits in the prefix are cleared rather than shifting the pool. */
    {"10.8.0.77/24", NULL, 253, 0, "10.8.0.1", NULL},
};

static void test_pool_init_sizes(void **state)
{
	(void)state;
	for (size_t i = 0; i < N(sizes); i++) {
		struct pool p;

		init(&p, sizes[i].v4, sizes[i].v6);
		assert_int_equal(p.size4, sizes[i].size4);
		assert_int_equal(p.size6, sizes[i].size6);
		assert_string_equal(p.name, "test");
		if (sizes[i].gw4)
			assert_addr(&p.gw4, sizes[i].gw4);
		else
			assert_int_equal(p.gw4.family, 0);
		if (sizes[i].gw6)
			assert_addr(&p.gw6, sizes[i].gw6);
		else
			assert_int_equal(p.gw6.family, 0);
		assert_int_equal(pool_active_count(&p), 0);
		pool_deinit(&p);
	}
}

static const struct {
	const char *v4, *v6;
} init_bad[] = {
    {NULL, NULL},	   {"10.8.0.0/31", NULL},	  {"10.8.0.0/32", NULL},
    {NULL, "fd00::/127"},  {NULL, "fd00::/128"},	  {"fd00::/64", NULL},
    {NULL, "10.8.0.0/24"}, {"10.8.0.0/24", "fd00::/127"},
};

static void test_pool_init_rejects_unusable(void **state)
{
	(void)state;
	for (size_t i = 0; i < N(init_bad); i++) {
		struct prefix n4, n6;
		const char *why = NULL;
		struct pool p;

		if (init_bad[i].v4)
			n4 = pfx(init_bad[i].v4);
		if (init_bad[i].v6)
			n6 = pfx(init_bad[i].v6);
		if (pool_init(&p, "bad", init_bad[i].v4 ? &n4 : NULL, init_bad[i].v6 ? &n6 : NULL,
			      &why) == 0)
			fail_msg("accepted %s %s", init_bad[i].v4 ? init_bad[i].v4 : "-",
				 init_bad[i].v6 ? init_bad[i].v6 : "-");
		assert_non_null(why);
		assert_null(p.leases4);
		assert_null(p.leases6);
		pool_deinit(&p); /* safe after a failed init */
	}
}

static void test_pool_acquire_v4_slash30_one_address(void **state)
{
	struct ipaddr v4, v6;
	struct pool p;

	(void)state;
	init(&p, "10.8.0.0/30", NULL);
	v4 = take4(&p, "alice", 1);
	assert_addr(&v4, "10.8.0.2");
	v6 = ip("::9");
	assert_int_equal(pool_acquire(&p, "bob", 2, &v4, &v6), POOL_EXHAUSTED);
	assert_addr(&v4, "10.8.0.2"); /* untouched on failure */
	pool_release(&p, &v4, 3);
	v4 = take4(&p, "bob", 4);
	assert_addr(&v4, "10.8.0.2");
	pool_deinit(&p);
}

/* Filling a pool hands out every host exactly once and never the network,
 * gateway or broadcast address. */
static void test_pool_acquire_never_reserved_addresses(void **state)
{
	static const struct {
		const char *net, *first, *last, *never[3];
	} cases[] = {
	    {"10.8.0.0/29", "10.8.0.2", "10.8.0.6", {"10.8.0.0", "10.8.0.1", "10.8.0.7"}},
	    {"10.8.0.0/24", "10.8.0.2", "10.8.0.254", {"10.8.0.0", "10.8.0.1", "10.8.0.255"}},
	    {"fd00:8::/125", "fd00:8::2", "fd00:8::7", {"fd00:8::", "fd00:8::1", "fd00:8::8"}},
	};

	(void)state;
	for (size_t c = 0; c < N(cases); c++) {
		bool v6 = strchr(cases[c].net, ':') != NULL;
		struct ipaddr a, first = ip(cases[c].first), last = ip(cases[c].last);
		uint32_t size;
		struct pool p;
		char id[32];

		init(&p, v6 ? NULL : cases[c].net, v6 ? cases[c].net : NULL);
		size = v6 ? p.size6 : p.size4;
		for (uint32_t i = 0; i < size; i++) {
			snprintf(id, sizeof(id), "user%u", i);
			a = v6 ? take6(&p, id, 1) : take4(&p, id, 1);
			assert_true(pool_contains(&p, &a));
			for (size_t k = 0; k < 3; k++) {
				struct ipaddr bad = ip(cases[c].never[k]);

				assert_false(addr_eq(&a, &bad));
				assert_false(pool_contains(&p, &bad));
			}
			if (i == 0)
				assert_true(addr_eq(&a, &first));
			if (i == size - 1)
				assert_true(addr_eq(&a, &last));
		}
		assert_int_equal(pool_active_count(&p), size);
		assert_int_equal(pool_acquire(&p, "one-more", 2, &a, &a), POOL_EXHAUSTED);
		pool_deinit(&p);
	}
}

static void test_pool_acquire_sticky(void **state)
{
	struct ipaddr a, b, a2;
	struct pool p;

	(void)state;
	init(&p, "10.8.0.0/24", NULL);
	a = take4(&p, "alice", 1);
	b = take4(&p, "bob", 1);
	pool_release(&p, &a, 2);
	pool_release(&p, &b, 3);
	take4(&p, "carol", 4);
	a2 = take4(&p, "alice", 5);
	assert_true(addr_eq(&a, &a2));
	/* Byte for byte: another case is another identity. */
	a2 = take4(&p, "Bob", 6);
	assert_false(addr_eq(&a2, &b));
	pool_deinit(&p);
}

static void test_pool_acquire_dual_stack_sticky(void **state)
{
	struct ipaddr v4, v6, w4, w6;
	struct pool p;

	(void)state;
	init(&p, "10.8.0.0/24", "fd00:8::/64");
	assert_int_equal(pool_acquire(&p, "alice", 1, &v4, &v6), POOL_OK);
	assert_addr(&v4, "10.8.0.2");
	assert_addr(&v6, "fd00:8::2");
	assert_int_equal(pool_acquire(&p, "bob", 1, &w4, &w6), POOL_OK);
	assert_addr(&w4, "10.8.0.3");
	assert_addr(&w6, "fd00:8::3");
	assert_int_equal(pool_active_count(&p), 2);
	pool_release(&p, &v4, 2);
	pool_release(&p, &v6, 2);
	assert_int_equal(pool_active_count(&p), 1);
	assert_int_equal(pool_acquire(&p, "alice", 3, &w4, &w6), POOL_OK);
	assert_true(addr_eq(&v4, &w4));
	assert_true(addr_eq(&v6, &w6));
	pool_deinit(&p);
}

/* A v4-only pool reports no v6 address, and the reverse. */
static void test_pool_acquire_single_family_clears_other(void **state)
{
	struct ipaddr v4 = ip("1.1.1.1"), v6 = ip("::1");
	struct pool p;

	(void)state;
	init(&p, "10.8.0.0/24", NULL);
	assert_int_equal(pool_acquire(&p, "alice", 1, &v4, &v6), POOL_OK);
	assert_int_equal(v6.family, 0);
	pool_deinit(&p);
	init(&p, NULL, "fd00:8::/64");
	v4 = ip("1.1.1.1");
	assert_int_equal(pool_acquire(&p, "alice", 1, &v4, &v6), POOL_OK);
	assert_int_equal(v4.family, 0);
	assert_addr(&v6, "fd00:8::2");
	pool_deinit(&p);
}

/* When the v6 side is full the v4 side must not leak a lease. */
static void test_pool_acquire_all_or_nothing(void **state)
{
	struct ipaddr v4, v6;
	struct pool p;

	(void)state;
	init(&p, "10.8.0.0/24", "fd00:8::/126");
	assert_int_equal(pool_acquire(&p, "a", 1, &v4, &v6), POOL_OK);
	assert_int_equal(pool_acquire(&p, "b", 1, &v4, &v6), POOL_OK);
	assert_int_equal(pool_acquire(&p, "c", 1, &v4, &v6), POOL_EXHAUSTED);
	assert_int_equal(pool_active_count(&p), 2);
	pool_release(&p, &v6, 2);
	assert_int_equal(pool_acquire(&p, "c", 3, &v4, &v6), POOL_OK);
	assert_addr(&v4, "10.8.0.4"); /* the slot "c" did not get before */
	pool_deinit(&p);
}

/* Never-used addresses go first, so released ones stay sticky as long as
 * possible; then the one released longest ago is reused. */
static void test_pool_acquire_least_recently_released(void **state)
{
	struct ipaddr a[5], x;
	const char *ids[5] = {"u0", "u1", "u2", "u3", "u4"};
	struct pool p;

	(void)state;
	init(&p, "10.8.0.0/29", NULL); /* .2 - .6 */
	for (int i = 0; i < 3; i++)
		a[i] = take4(&p, ids[i], 10);
	pool_release(&p, &a[1], 20); /* oldest */
	pool_release(&p, &a[0], 40);
	pool_release(&p, &a[2], 30);
	x = take4(&p, "new1", 50); /* never-used .5 before any released one */
	assert_addr(&x, "10.8.0.5");
	x = take4(&p, "new2", 50);
	assert_addr(&x, "10.8.0.6");
	x = take4(&p, "new3", 60);
	assert_true(addr_eq(&x, &a[1]));
	x = take4(&p, "new4", 60);
	assert_true(addr_eq(&x, &a[2]));
	/* u1 lost its address to new3; u0's is still free and sticky. */
	x = take4(&p, "u0", 70);
	assert_true(addr_eq(&x, &a[0]));
	assert_int_equal(pool_acquire(&p, "u1", 80, &x, &x), POOL_EXHAUSTED);
	pool_deinit(&p);
}

/* Equal release times are reused in release order. */
static void test_pool_acquire_lru_ties_in_release_order(void **state)
{
	struct ipaddr a[4], x;
	const char *ids[4] = {"u0", "u1", "u2", "u3"};
	const int order[4] = {2, 0, 3, 1};
	struct pool p;

	(void)state;
	init(&p, "10.8.0.0/29", NULL);
	for (int i = 0; i < 4; i++)
		a[i] = take4(&p, ids[i], 1);
	take4(&p, "filler", 1);
	for (int i = 0; i < 4; i++)
		pool_release(&p, &a[order[i]], 5);
	for (int i = 0; i < 4; i++) {
		char id[8];

		snprintf(id, sizeof(id), "n%d", i);
		x = take4(&p, id, 6);
		assert_true(addr_eq(&x, &a[order[i]]));
	}
	pool_deinit(&p);
}

/* A second concurrent session of an identity gets another address, and
 * the first address stays the identity's sticky one. */
static void test_pool_acquire_same_identity_twice(void **state)
{
	struct ipaddr a, b, c;
	struct pool p;

	(void)state;
	init(&p, "10.8.0.0/24", NULL);
	a = take4(&p, "alice", 1);
	b = take4(&p, "alice", 2);
	assert_false(addr_eq(&a, &b));
	pool_release(&p, &b, 3);
	pool_release(&p, &a, 4);
	c = take4(&p, "alice", 5);
	assert_true(addr_eq(&c, &a));
	pool_deinit(&p);
}

static void test_pool_acquire_rejects_bad_identity(void **state)
{
	char longid[300];
	struct ipaddr v4;
	struct pool p;

	(void)state;
	memset(longid, 'a', sizeof(longid) - 1);
	longid[sizeof(longid) - 1] = '\0';
	init(&p, "10.8.0.0/24", NULL);
	assert_int_equal(pool_acquire(&p, "", 1, &v4, NULL), POOL_INVALID);
	assert_int_equal(pool_acquire(&p, NULL, 1, &v4, NULL), POOL_INVALID);
	assert_int_equal(pool_acquire(&p, longid, 1, &v4, NULL), POOL_INVALID);
	longid[255] = '\0'; /* 255 bytes is the longest identity */
	assert_int_equal(pool_acquire(&p, longid, 1, &v4, NULL), POOL_OK);
	assert_int_equal(pool_active_count(&p), 1);
	pool_deinit(&p);
}

static void test_pool_release_ignores_foreign(void **state)
{
	struct ipaddr a, other[] = {ip("10.8.0.1"), ip("10.8.0.0"),   ip("10.9.0.2"),
				    ip("fd00::2"),  ip("10.8.0.255"), ip("10.8.0.3")};
	struct pool p;

	(void)state;
	init(&p, "10.8.0.0/24", NULL);
	a = take4(&p, "alice", 1);
	for (size_t i = 0; i < N(other); i++)
		pool_release(&p, &other[i], 2);
	pool_release(&p, NULL, 2);
	assert_int_equal(pool_active_count(&p), 1);
	pool_release(&p, &a, 3);
	pool_release(&p, &a, 4); /* twice is harmless */
	assert_int_equal(pool_active_count(&p), 0);
	pool_deinit(&p);
}

static void test_pool_reserve_conflicts(void **state)
{
	struct ipaddr a = ip("10.8.0.9"), x;
	struct pool p;

	(void)state;
	init(&p, "10.8.0.0/24", NULL);
	assert_int_equal(pool_reserve(&p, &a, "alice", true, 1), POOL_OK);
	assert_int_equal(pool_active_count(&p), 1);
	assert_int_equal(pool_reserve(&p, &a, "bob", true, 2), POOL_EXHAUSTED);
	assert_int_equal(pool_reserve(&p, &a, "bob", false, 2), POOL_EXHAUSTED);
	assert_int_equal(pool_reserve(&p, &a, "alice", true, 2), POOL_EXHAUSTED);
	assert_int_equal(pool_reserve(&p, &a, "alice", false, 2), POOL_OK);
	/* The acquire cursor steps over the reserved address. */
	for (int i = 0; i < 10; i++) {
		char id[8];

		snprintf(id, sizeof(id), "u%d", i);
		x = take4(&p, id, 3);
		assert_false(addr_eq(&x, &a));
	}
	pool_release(&p, &a, 4);
	assert_int_equal(pool_reserve(&p, &a, "bob", false, 5), POOL_OK);
	x = take4(&p, "bob", 6);
	assert_true(addr_eq(&x, &a));
	x = take4(&p, "alice", 7);
	assert_false(addr_eq(&x, &a));
	pool_deinit(&p);
}

static void test_pool_reserve_rejects_invalid(void **state)
{
	static const char *const bad[] = {"10.8.0.0", "10.8.0.1",  "10.8.0.255",
					  "10.8.1.2", "fd00:8::2", "0.0.0.0"};
	struct ipaddr unset;
	struct pool p;

	(void)state;
	init(&p, "10.8.0.0/24", NULL);
	for (size_t i = 0; i < N(bad); i++) {
		struct ipaddr a = ip(bad[i]);

		if (pool_reserve(&p, &a, "alice", false, 1) != POOL_INVALID)
			fail_msg("reserved %s", bad[i]);
	}
	memset(&unset, 0, sizeof(unset));
	assert_int_equal(pool_reserve(&p, &unset, "alice", false, 1), POOL_INVALID);
	assert_int_equal(pool_reserve(&p, &(struct ipaddr){0}, "alice", false, 1), POOL_INVALID);
	assert_int_equal(pool_reserve(&p, &(struct ipaddr){AF_INET, {10, 8, 0, 2}}, "", false, 1),
			 POOL_INVALID);
	assert_int_equal(pool_active_count(&p), 0);
	pool_deinit(&p);
}

/* Restored leases keep their release times: the oldest is reused first
 * even when restored last. */
static void test_pool_reserve_restored_lru(void **state)
{
	struct ipaddr x;
	struct pool p;

	(void)state;
	init(&p, "10.8.0.0/29", NULL);
	assert_int_equal(
	    pool_reserve(&p, &(struct ipaddr){AF_INET, {10, 8, 0, 2}}, "a", false, 300), POOL_OK);
	assert_int_equal(
	    pool_reserve(&p, &(struct ipaddr){AF_INET, {10, 8, 0, 3}}, "b", false, 200), POOL_OK);
	assert_int_equal(pool_reserve(&p, &(struct ipaddr){AF_INET, {10, 8, 0, 4}}, "c", true, 100),
			 POOL_OK);
	assert_int_equal(
	    pool_reserve(&p, &(struct ipaddr){AF_INET, {10, 8, 0, 5}}, "d", false, 100), POOL_OK);
	x = take4(&p, "e", 400);
	assert_addr(&x, "10.8.0.6");
	x = take4(&p, "f", 400);
	assert_addr(&x, "10.8.0.5");
	x = take4(&p, "g", 400);
	assert_addr(&x, "10.8.0.3");
	x = take4(&p, "a", 400);
	assert_addr(&x, "10.8.0.2");
	pool_deinit(&p);
}

/* A /8 and a /64 are capped at POOL_MAX_ADDRS; every one is handed out
 * once, then the pool is full. */
static void test_pool_acquire_cap_65536(void **state)
{
	struct ipaddr v4, v6, last4, last6;
	struct pool p;
	char id[32];

	(void)state;
	init(&p, "10.0.0.0/8", "fd00:8::/64");
	for (uint32_t i = 0; i < POOL_MAX_ADDRS; i++) {
		snprintf(id, sizeof(id), "user%u", i);
		if (pool_acquire(&p, id, i, &v4, &v6) != POOL_OK)
			fail_msg("acquire %u failed", i);
	}
	assert_addr(&v4, "10.1.0.1"); /* offset 65537 */
	assert_addr(&v6, "fd00:8::1:1");
	assert_int_equal(pool_active_count(&p), POOL_MAX_ADDRS);
	assert_int_equal(pool_acquire(&p, "extra", 1, &v4, &v6), POOL_EXHAUSTED);
	last4 = ip("10.1.0.2");
	last6 = ip("fd00:8::1:2");
	assert_false(pool_contains(&p, &last4));
	assert_false(pool_contains(&p, &last6));
	/* Everyone leaves, in order; everyone comes back to the same place. */
	for (uint32_t i = 0; i < POOL_MAX_ADDRS; i++) {
		struct ipaddr a4 = p.leases4[i].addr, a6 = p.leases6[i].addr;

		pool_release(&p, &a4, 100000 + i);
		pool_release(&p, &a6, 100000 + i);
	}
	assert_int_equal(pool_active_count(&p), 0);
	for (uint32_t i = POOL_MAX_ADDRS; i-- > 0;) {
		snprintf(id, sizeof(id), "user%u", i);
		assert_int_equal(pool_acquire(&p, id, 200000, &v4, &v6), POOL_OK);
		assert_true(addr_eq(&v4, &p.leases4[i].addr));
		assert_true(addr_eq(&v6, &p.leases6[i].addr));
	}
	pool_deinit(&p);
}

/* A linear-scan model of the documented rules, run against the pool on a
 * long deterministic sequence of acquires, releases and reservations: it
 * checks the hash and heap bookkeeping where hand-written cases cannot. */
#define M_SLOTS 253 /* a /24, the largest model */
#define M_IDS 1000

struct model {
	int owner[M_SLOTS]; /* identity index, -1 never used */
	bool active[M_SLOTS];
	int64_t last[M_SLOTS];
	uint64_t order[M_SLOTS];
	int sticky[M_IDS]; /* slot, -1 none */
	uint64_t seq;
};

static int model_choose(const struct model *m, int slots, int id)
{
	int best = -1;

	if (m->sticky[id] >= 0 && !m->active[m->sticky[id]])
		return m->sticky[id];
	for (int s = 0; s < slots; s++)
		if (m->owner[s] < 0)
			return s;
	for (int s = 0; s < slots; s++) {
		if (m->active[s])
			continue;
		if (best < 0 || m->last[s] < m->last[best] ||
		    (m->last[s] == m->last[best] && m->order[s] < m->order[best]))
			best = s;
	}
	return best;
}

static void model_assign(struct model *m, int s, int id, bool sticky)
{
	if (m->owner[s] != id) {
		if (m->owner[s] >= 0 && m->sticky[m->owner[s]] == s)
			m->sticky[m->owner[s]] = -1;
		m->owner[s] = id;
	}
	if (sticky || m->sticky[id] < 0)
		m->sticky[id] = s;
}

static uint32_t lcg(uint64_t *x)
{
	*x = *x * 6364136223846793005ull + 1442695040888963407ull;
	return (uint32_t)(*x >> 33);
}

/* Percentages of acquires and releases; the rest are reservations. */
static void model_run(const char *net, int slots, int ids, uint32_t acq, uint32_t rel, uint64_t rnd)
{
	static struct model m;
	struct pool p;
	int64_t now = 0;

	init(&p, net, NULL);
	assert_int_equal(p.size4, slots);
	memset(&m, 0, sizeof(m));
	for (int s = 0; s < slots; s++)
		m.owner[s] = -1;
	for (int i = 0; i < ids; i++)
		m.sticky[i] = -1;
	for (int step = 0; step < 200000; step++) {
		uint32_t op = lcg(&rnd) % 100;
		int id = (int)(lcg(&rnd) % (uint32_t)ids), s = (int)(lcg(&rnd) % (uint32_t)slots);
		char name[16];
		struct ipaddr a;

		now += lcg(&rnd) % 3; /* ties on purpose */
		snprintf(name, sizeof(name), "id%d", id);
		if (op < acq) {
			int want = model_choose(&m, slots, id);
			enum pool_result r = pool_acquire(&p, name, now, &a, NULL);

			if (want < 0) {
				assert_int_equal(r, POOL_EXHAUSTED);
				continue;
			}
			assert_int_equal(r, POOL_OK);
			if (!addr_eq(&a, &p.leases4[want].addr))
				fail_msg("%s step %d: %s got %s, model says %s", net, step, name,
					 fmt(&a), fmt(&p.leases4[want].addr));
			model_assign(&m, want, id, false);
			m.active[want] = true;
			m.last[want] = now;
		} else if (op < acq + rel) {
			pool_release(&p, &p.leases4[s].addr, now);
			if (m.active[s]) {
				m.active[s] = false;
				m.last[s] = now;
				m.order[s] = ++m.seq;
			}
		} else {
			bool act = op % 2 == 0;
			enum pool_result r = pool_reserve(&p, &p.leases4[s].addr, name, act, now);

			if (m.active[s]) {
				bool ok = !act && m.owner[s] == id;

				assert_int_equal(r, ok ? POOL_OK : POOL_EXHAUSTED);
				if (ok)
					m.sticky[id] = s;
				continue;
			}
			assert_int_equal(r, POOL_OK);
			model_assign(&m, s, id, true);
			m.active[s] = act;
			m.last[s] = now;
			if (!act)
				m.order[s] = ++m.seq;
		}
	}
	pool_deinit(&p);
}

static void test_pool_acquire_matches_model(void **state)
{
	(void)state;
	/* Nearly full, few identities: stickiness and second leases. */
	model_run("10.8.0.0/26", 61, 90, 45, 50, 42);
	/* Many more identities than addresses: constant reuse by others. */
	model_run("10.8.0.0/24", 253, 1000, 50, 45, 7);
	/* Tiny tables wrap often; few identities come back often. */
	model_run("10.8.0.0/29", 5, 8, 30, 65, 3);
	model_run("10.8.0.0/28", 13, 20, 30, 65, 5);
}

static void test_pool_slice_parts(void **state)
{
	struct prefix whole = pfx("10.8.0.0/24"), w6 = pfx("fd00:8::/64"), out;
	struct pool p;
	struct ipaddr a4, a6;
	char t[ADDR_STRLEN];

	(void)state;
	assert_true(pool_slice(&whole, 1, 1, &out));
	assert_string_equal(addr_fmt_prefix(&out, t), "10.8.0.0/24");
	assert_true(pool_slice(&whole, 1, 2, &out));
	assert_string_equal(addr_fmt_prefix(&out, t), "10.8.0.0/25");
	assert_true(pool_slice(&whole, 2, 2, &out));
	assert_string_equal(addr_fmt_prefix(&out, t), "10.8.0.128/25");
	assert_true(pool_slice(&whole, 3, 4, &out));
	assert_string_equal(addr_fmt_prefix(&out, t), "10.8.0.128/26");
	assert_true(pool_slice(&whole, 256, 256, &out));
	assert_string_equal(addr_fmt_prefix(&out, t), "10.8.0.255/32");
	assert_true(pool_slice(&w6, 2, 2, &out));
	assert_string_equal(addr_fmt_prefix(&out, t), "fd00:8:0:0:8000::/65");
	assert_false(pool_slice(&whole, 0, 2, &out));
	assert_false(pool_slice(&whole, 3, 2, &out));
	assert_false(pool_slice(&whole, 1, 3, &out));
	whole = pfx("10.8.0.0/30");
	assert_false(pool_slice(&whole, 1, 8, &out));

	/* The second of two gateways leases from the upper half only. */
	whole = pfx("10.8.0.0/24");
	assert_true(pool_slice(&whole, 2, 2, &out));
	assert_int_equal(pool_init(&p, "default", &out, NULL, NULL), 0);
	assert_int_equal(pool_acquire(&p, "alice", 1, &a4, &a6), POOL_OK);
	assert_string_equal(addr_fmt(&a4, t), "10.8.0.130");
	a4 = pfx("10.8.0.2/32").addr;
	assert_false(pool_contains(&p, &a4));
	assert_int_equal(pool_reserve(&p, &a4, "bob", true, 0), POOL_INVALID);
	pool_deinit(&p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_pool_init_sizes),
	    cmocka_unit_test(test_pool_init_rejects_unusable),
	    cmocka_unit_test(test_pool_acquire_v4_slash30_one_address),
	    cmocka_unit_test(test_pool_acquire_never_reserved_addresses),
	    cmocka_unit_test(test_pool_acquire_sticky),
	    cmocka_unit_test(test_pool_acquire_dual_stack_sticky),
	    cmocka_unit_test(test_pool_acquire_single_family_clears_other),
	    cmocka_unit_test(test_pool_acquire_all_or_nothing),
	    cmocka_unit_test(test_pool_acquire_least_recently_released),
	    cmocka_unit_test(test_pool_acquire_lru_ties_in_release_order),
	    cmocka_unit_test(test_pool_acquire_same_identity_twice),
	    cmocka_unit_test(test_pool_acquire_rejects_bad_identity),
	    cmocka_unit_test(test_pool_release_ignores_foreign),
	    cmocka_unit_test(test_pool_reserve_conflicts),
	    cmocka_unit_test(test_pool_reserve_rejects_invalid),
	    cmocka_unit_test(test_pool_reserve_restored_lru),
	    cmocka_unit_test(test_pool_acquire_cap_65536),
	    cmocka_unit_test(test_pool_acquire_matches_model),
	    cmocka_unit_test(test_pool_slice_parts),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
