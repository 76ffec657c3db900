/*
 * test_cfgdiff.c - the difference a CONFIG_UPDATE makes: routes added and
 * removed as a set, DNS (servers in order, search and routing domains)
 * compared as a whole, the lists taken over without touching the rest,
 * and the one-line description.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include <cmocka.h>

#include "cfgdiff.h"

static struct prefix r4(uint8_t b, uint8_t len)
{
	struct prefix p = {.addr = {.family = AF_INET, .bytes = {10, b, 0, 0}}, .len = len};
	return p;
}

static struct ipaddr dns4(uint8_t last)
{
	struct ipaddr a = {.family = AF_INET, .bytes = {10, 0, 0, last}};
	return a;
}

static void base(struct msg_config *c)
{
	memset(c, 0, sizeof(*c));
	c->addr4.addr.family = AF_INET;
	c->addr4.addr.bytes[0] = 10;
	c->addr4.len = 24;
	c->mtu = 1400;
	c->keepalive = 10;
	c->routes[0] = r4(1, 24);
	c->routes[1] = r4(2, 24);
	c->n_routes = 2;
	c->dns[0] = dns4(53);
	c->n_dns = 1;
	snprintf(c->search[0], sizeof(c->search[0]), "corp.example");
	c->n_search = 1;
}

static void test_cfgdiff_make_same_is_empty(void **state)
{
	static struct msg_config a, b;
	struct cfgdiff d;
	char text[64];

	(void)state;
	base(&a);
	base(&b);
	/* Routes are a set: another order changes nothing. */
	b.routes[0] = a.routes[1];
	b.routes[1] = a.routes[0];
	cfgdiff_make(&a, &b, &d);
	assert_true(cfgdiff_empty(&d));
	cfgdiff_describe(&d, &b, text, sizeof(text));
	assert_string_equal(text, "nothing");
}

static void test_cfgdiff_make_routes_added_and_removed(void **state)
{
	static struct msg_config a, b;
	struct cfgdiff d;
	char text[128];

	(void)state;
	base(&a);
	base(&b);
	b.routes[1] = r4(3, 24);
	b.routes[2] = r4(2, 16); /* same address, other length: another route */
	b.n_routes = 3;
	cfgdiff_make(&a, &b, &d);
	assert_false(cfgdiff_empty(&d));
	assert_false(d.dns_changed);
	assert_int_equal(d.n_added, 2);
	assert_int_equal(d.added[0].addr.bytes[1], 3);
	assert_int_equal(d.added[1].len, 16);
	assert_int_equal(d.n_removed, 1);
	assert_int_equal(d.removed[0].addr.bytes[1], 2);
	assert_int_equal(d.removed[0].len, 24);
	cfgdiff_describe(&d, &b, text, sizeof(text));
	assert_string_equal(text, "routes +10.3.0.0/24 +10.2.0.0/16 -10.2.0.0/24");
}

static void test_cfgdiff_make_dns_changes(void **state)
{
	static struct msg_config a, b;
	struct cfgdiff d;
	char text[128];

	(void)state;
	base(&a);
	/* A server's order matters: the first is asked first. */
	base(&b);
	a.dns[1] = dns4(54);
	a.n_dns = 2;
	b.dns[0] = dns4(54);
	b.dns[1] = dns4(53);
	b.n_dns = 2;
	cfgdiff_make(&a, &b, &d);
	assert_true(d.dns_changed);
	assert_int_equal(d.n_added + d.n_removed, 0);
	/* A search domain. */
	base(&b);
	snprintf(b.search[0], sizeof(b.search[0]), "new.example");
	base(&a);
	cfgdiff_make(&a, &b, &d);
	assert_true(d.dns_changed);
	cfgdiff_describe(&d, &b, text, sizeof(text));
	assert_string_equal(text, "DNS 10.0.0.53 search new.example");
	/* A routing domain only. */
	base(&b);
	snprintf(b.routing[0], sizeof(b.routing[0]), "int.example");
	b.n_routing = 1;
	cfgdiff_make(&a, &b, &d);
	assert_true(d.dns_changed);
	/* Everything gone. */
	b.n_dns = b.n_search = b.n_routing = b.n_routes = 0;
	cfgdiff_make(&a, &b, &d);
	cfgdiff_describe(&d, &b, text, sizeof(text));
	assert_string_equal(text, "routes -10.1.0.0/24 -10.2.0.0/24; DNS none");
}

static void test_cfgdiff_take_lists_keeps_the_rest(void **state)
{
	static struct msg_config cfg, lists;

	(void)state;
	base(&cfg);
	cfg.session_id = 7;
	memset(&lists, 0, sizeof(lists));
	lists.routes[0] = r4(9, 24);
	lists.n_routes = 1;
	cfgdiff_take_lists(&cfg, &lists);
	assert_int_equal(cfg.n_routes, 1);
	assert_int_equal(cfg.routes[0].addr.bytes[1], 9);
	assert_int_equal(cfg.n_dns, 0);
	assert_int_equal(cfg.n_search, 0);
	assert_int_equal(cfg.mtu, 1400);
	assert_int_equal(cfg.addr4.len, 24);
	assert_int_equal(cfg.session_id, 7);
}

static void test_cfgdiff_describe_truncates(void **state)
{
	static struct msg_config a, b;
	struct cfgdiff d;
	char text[10];

	(void)state;
	base(&a);
	base(&b);
	b.n_routes = 0;
	cfgdiff_make(&a, &b, &d);
	memset(text, 'x', sizeof(text));
	cfgdiff_describe(&d, &b, text, sizeof(text));
	assert_int_equal(strlen(text), sizeof(text) - 1);
	assert_memory_equal(text, "routes -1", 9);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_cfgdiff_make_same_is_empty),
	    cmocka_unit_test(test_cfgdiff_make_routes_added_and_removed),
	    cmocka_unit_test(test_cfgdiff_make_dns_changes),
	    cmocka_unit_test(test_cfgdiff_take_lists_keeps_the_rest),
	    cmocka_unit_test(test_cfgdiff_describe_truncates),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
