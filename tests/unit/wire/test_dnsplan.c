/*
 * test_dnsplan.c - the per-link DNS plan: split tunnel (search domains,
 * ~routing domains, no default route), full tunnel (~. and default route),
 * duplicates left out, nothing to do without servers, and the log text.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include <cmocka.h>

#include "dnsplan.h"

static void pushed(struct msg_config *c, const char *const *search, const char *const *routing)
{
	memset(c, 0, sizeof(*c));
	c->dns[0] = (struct ipaddr){.family = AF_INET, .bytes = {10, 20, 0, 53}};
	c->n_dns = 1;
	for (; search != NULL && *search != NULL; search++)
		snprintf(c->search[c->n_search++], sizeof(c->search[0]), "%s", *search);
	for (; routing != NULL && *routing != NULL; routing++)
		snprintf(c->routing[c->n_routing++], sizeof(c->routing[0]), "%s", *routing);
}

static void assert_domains(const struct dnsplan *p, const char *want)
{
	char got[1024];

	dnsplan_describe(p, got, sizeof(got));
	assert_string_equal(got, want);
}

static void test_dnsplan_make_split_routes_domains_only(void **state)
{
	static const char *const search[] = {"corp.example", NULL};
	static const char *const routing[] = {"int.example", "10.in-addr.arpa", NULL};
	struct msg_config c;
	struct dnsplan p;

	(void)state;
	pushed(&c, search, routing);
	assert_true(dnsplan_make(&c, false, &p));
	assert_int_equal(p.n_servers, 1);
	assert_memory_equal(p.servers[0].bytes, c.dns[0].bytes, 4);
	assert_int_equal(p.n_domains, 3);
	assert_false(p.domains[0].routing_only);
	assert_true(p.domains[1].routing_only);
	assert_true(p.domains[2].routing_only);
	assert_false(p.default_route);
	assert_domains(&p, "corp.example ~int.example ~10.in-addr.arpa, default route: no");
}

static void test_dnsplan_make_full_routes_everything(void **state)
{
	static const char *const search[] = {"corp.example", NULL};
	static const char *const routing[] = {"int.example", NULL};
	struct msg_config c;
	struct dnsplan p;

	(void)state;
	pushed(&c, search, routing);
	assert_true(dnsplan_make(&c, true, &p));
	/* ~. covers the routing domains: they are not listed again. */
	assert_domains(&p, "corp.example ~., default route: yes");
	assert_true(p.default_route);
	assert_string_equal(p.domains[1].name, ".");
	assert_true(p.domains[1].routing_only);
}

static void test_dnsplan_make_full_without_domains(void **state)
{
	struct msg_config c;
	struct dnsplan p;

	(void)state;
	pushed(&c, NULL, NULL);
	assert_true(dnsplan_make(&c, true, &p));
	assert_domains(&p, "~., default route: yes");
}

static void test_dnsplan_make_split_duplicates_left_out(void **state)
{
	static const char *const search[] = {"Corp.Example", "corp.example", NULL};
	static const char *const routing[] = {"CORP.example", "int.example", "INT.example", NULL};
	struct msg_config c;
	struct dnsplan p;

	(void)state;
	pushed(&c, search, routing);
	assert_true(dnsplan_make(&c, false, &p));
	assert_domains(&p, "Corp.Example ~int.example, default route: no");
}

/* Servers with no domain to route: the link answers as a default route,
 * as before routing domains existed. */
static void test_dnsplan_make_split_without_domains_is_default_route(void **state)
{
	struct msg_config c;
	struct dnsplan p;

	(void)state;
	pushed(&c, NULL, NULL);
	assert_true(dnsplan_make(&c, false, &p));
	assert_int_equal(p.n_domains, 0);
	assert_true(p.default_route);
	assert_domains(&p, "default route: yes");
}

static void test_dnsplan_make_without_servers_is_nothing(void **state)
{
	static const char *const search[] = {"corp.example", NULL};
	struct msg_config c;
	struct dnsplan p;

	(void)state;
	pushed(&c, search, NULL);
	c.n_dns = 0;
	assert_false(dnsplan_make(&c, false, &p));
	assert_false(dnsplan_make(&c, true, &p));
}

static void test_dnsplan_make_every_list_full(void **state)
{
	struct msg_config c;
	struct dnsplan p;

	(void)state;
	pushed(&c, NULL, NULL);
	for (unsigned i = 0; i < CFG_MAX_SEARCH; i++)
		snprintf(c.search[i], sizeof(c.search[i]), "s%u.example", i);
	for (unsigned i = 0; i < CFG_MAX_ROUTING; i++)
		snprintf(c.routing[i], sizeof(c.routing[i]), "r%u.example", i);
	c.n_search = CFG_MAX_SEARCH;
	c.n_routing = CFG_MAX_ROUTING;
	assert_true(dnsplan_make(&c, false, &p));
	assert_int_equal(p.n_domains, CFG_MAX_SEARCH + CFG_MAX_ROUTING);
	assert_true(dnsplan_make(&c, true, &p));
	assert_int_equal(p.n_domains, CFG_MAX_SEARCH + 1);
}

static void test_dnsplan_describe_truncates(void **state)
{
	static const char *const search[] = {"corp.example", NULL};
	struct msg_config c;
	struct dnsplan p;
	char out[8];

	(void)state;
	pushed(&c, search, NULL);
	assert_true(dnsplan_make(&c, false, &p));
	memset(out, 'x', sizeof(out));
	dnsplan_describe(&p, out, sizeof(out));
	assert_string_equal(out, "corp.ex");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_dnsplan_make_split_routes_domains_only),
	    cmocka_unit_test(test_dnsplan_make_full_routes_everything),
	    cmocka_unit_test(test_dnsplan_make_full_without_domains),
	    cmocka_unit_test(test_dnsplan_make_split_duplicates_left_out),
	    cmocka_unit_test(test_dnsplan_make_split_without_domains_is_default_route),
	    cmocka_unit_test(test_dnsplan_make_without_servers_is_nothing),
	    cmocka_unit_test(test_dnsplan_make_every_list_full),
	    cmocka_unit_test(test_dnsplan_describe_truncates),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
