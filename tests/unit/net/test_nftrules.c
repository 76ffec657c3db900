/*
 * test_nftrules.c - nftrules: the table name is derived from the TUN and
 * safe for nft; the ruleset replaces the table in one buffer, lets through
 * loopback, the tunnel, each gateway address with the port (both ways) and
 * the underlay's DHCP and neighbour discovery, and refuses everything else
 * in every hook; names nft cannot quote, no port and a short buffer are
 * refused with a reason.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "nftrules.h"

static char out[8192];

static void spec_two_gateways(struct nftrules_spec *s)
{
	memset(s, 0, sizeof(*s));
	s->tun = "mtlsvpn0";
	s->port = 8443;
	assert_true(addr_parse("192.0.2.1", &s->gw[0]));
	assert_true(addr_parse("2001:db8::1", &s->gw[1]));
	s->n_gw = 2;
}

/* The text of chain name inside out (up to its closing brace). */
static const char *chain(const char *name, char *buf, size_t cap)
{
	char head[64];
	const char *at, *end;

	snprintf(head, sizeof(head), "\tchain %s {\n", name);
	at = strstr(out, head);
	assert_non_null(at);
	end = strstr(at, "\n\t}\n");
	assert_non_null(end);
	assert_true((size_t)(end - at) < cap);
	memcpy(buf, at, (size_t)(end - at));
	buf[end - at] = '\0';
	return buf;
}

static void test_nftrules_table_name_sanitized(void **state)
{
	char t[NFTRULES_TABLE_MAX], err[128];

	(void)state;
	assert_int_equal(nftrules_table_name("mtlsvpn0", t, err, sizeof(err)), 0);
	assert_string_equal(t, "mtlsvpn_mtlsvpn0");
	assert_int_equal(nftrules_table_name("vpn-home.1", t, err, sizeof(err)), 0);
	assert_string_equal(t, "mtlsvpn_vpn_home_1");
	assert_int_equal(nftrules_table_name("abcdefghijklmno", t, err, sizeof(err)), 0);
	assert_string_equal(t, "mtlsvpn_abcdefghijklmno");
	assert_int_equal(nftrules_table_name("", t, err, sizeof(err)), -1);
	assert_int_equal(nftrules_table_name("abcdefghijklmnop", t, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "interface name"));
}

static void test_nftrules_install_replaces_atomically(void **state)
{
	struct nftrules_spec s;
	char err[128];
	size_t n;
	const char *add, *del, *body;

	(void)state;
	spec_two_gateways(&s);
	n = nftrules_install(&s, out, sizeof(out), err, sizeof(err));
	assert_int_not_equal(n, 0);
	assert_int_equal(n, strlen(out));
	/* Exists, then gone, then whole: one transaction for libnftables. */
	add = strstr(out, "add table inet mtlsvpn_mtlsvpn0\n");
	del = strstr(out, "delete table inet mtlsvpn_mtlsvpn0\n");
	body = strstr(out, "table inet mtlsvpn_mtlsvpn0 {\n");
	assert_ptr_equal(add, out);
	assert_non_null(del);
	assert_non_null(body);
	assert_true(add < del && del < body);
}

static void test_nftrules_install_allows_only_what_it_must(void **state)
{
	struct nftrules_spec s;
	char c[2048], err[128];

	(void)state;
	spec_two_gateways(&s);
	assert_int_not_equal(nftrules_install(&s, out, sizeof(out), err, sizeof(err)), 0);
	chain("output", c, sizeof(c));
	assert_non_null(strstr(c, "hook output priority 0; policy drop;"));
	assert_non_null(strstr(c, "oifname \"lo\" accept"));
	assert_non_null(strstr(c, "oifname \"mtlsvpn0\" accept"));
	assert_non_null(strstr(c, "ip daddr 192.0.2.1 tcp dport 8443 accept"));
	assert_non_null(strstr(c, "ip6 daddr 2001:db8::1 tcp dport 8443 accept"));
	/* The UDP data channel at the gateway's default udp_port. */
	assert_non_null(strstr(c, "ip daddr 192.0.2.1 udp dport 8443 accept"));
	assert_non_null(strstr(c, "ip6 daddr 2001:db8::1 udp dport 8443 accept"));
	assert_non_null(strstr(c, "udp sport 68 udp dport 67 accept"));
	assert_non_null(strstr(c, "udp sport 546 udp dport 547 accept"));
	assert_non_null(strstr(c, "nd-neighbor-solicit"));
	/* The last word is a refusal local senders hear at once. */
	assert_non_null(strstr(c, "\t\treject with icmpx type admin-prohibited"));
	assert_null(strstr(c, "saddr"));
	chain("input", c, sizeof(c));
	assert_non_null(strstr(c, "hook input priority 0; policy drop;"));
	assert_non_null(strstr(c, "iifname \"mtlsvpn0\" accept"));
	assert_non_null(strstr(c, "ip saddr 192.0.2.1 tcp sport 8443 accept"));
	assert_non_null(strstr(c, "ip6 saddr 2001:db8::1 tcp sport 8443 accept"));
	assert_non_null(strstr(c, "ip saddr 192.0.2.1 udp sport 8443 accept"));
	assert_non_null(strstr(c, "ip6 saddr 2001:db8::1 udp sport 8443 accept"));
	assert_non_null(strstr(c, "udp sport 67 udp dport 68 accept"));
	assert_non_null(strstr(c, "nd-router-advert"));
	assert_non_null(strstr(c, "ct state related accept"));
	assert_null(strstr(c, "daddr"));
	chain("forward", c, sizeof(c));
	assert_non_null(strstr(c, "hook forward priority 0; policy drop;"));
	assert_non_null(strstr(c, "iifname \"mtlsvpn0\" accept"));
	assert_non_null(strstr(c, "oifname \"mtlsvpn0\" accept"));
	/* Nothing else is let through anywhere: no blanket accept, no
	 * established-connection shortcut (a connection made before the
	 * kill switch must not go on outside the tunnel). */
	assert_null(strstr(out, "established"));
	assert_null(strstr(out, "policy accept"));
}

static void test_nftrules_install_without_gateway(void **state)
{
	struct nftrules_spec s;
	char err[128];

	(void)state;
	spec_two_gateways(&s);
	s.n_gw = 0;
	assert_int_not_equal(nftrules_install(&s, out, sizeof(out), err, sizeof(err)), 0);
	assert_null(strstr(out, "tcp dport"));
	assert_null(strstr(out, "tcp sport"));
	assert_null(strstr(out, "udp dport 8443"));
	assert_null(strstr(out, "udp sport 8443"));
	assert_non_null(strstr(out, "reject with icmpx"));
}

static void test_nftrules_install_refuses(void **state)
{
	struct nftrules_spec s;
	char err[128];

	(void)state;
	spec_two_gateways(&s);
	s.tun = "bad\"name";
	assert_int_equal(nftrules_install(&s, out, sizeof(out), err, sizeof(err)), 0);
	assert_non_null(strstr(err, "cannot be quoted"));
	spec_two_gateways(&s);
	s.port = 0;
	assert_int_equal(nftrules_install(&s, out, sizeof(out), err, sizeof(err)), 0);
	assert_non_null(strstr(err, "port"));
	spec_two_gateways(&s);
	assert_int_equal(nftrules_install(&s, out, 200, err, sizeof(err)), 0);
	assert_non_null(strstr(err, "more than 200 bytes"));
	assert_string_equal(out, "");
}

static void test_nftrules_remove_whether_or_not_it_exists(void **state)
{
	char err[128];

	(void)state;
	assert_int_not_equal(nftrules_remove("tun7", out, sizeof(out), err, sizeof(err)), 0);
	assert_string_equal(out, "add table inet mtlsvpn_tun7\ndelete table inet mtlsvpn_tun7\n");
	assert_int_equal(nftrules_remove("", out, sizeof(out), err, sizeof(err)), 0);
	assert_int_equal(nftrules_remove("tun7", out, 10, err, sizeof(err)), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_nftrules_table_name_sanitized),
	    cmocka_unit_test(test_nftrules_install_replaces_atomically),
	    cmocka_unit_test(test_nftrules_install_allows_only_what_it_must),
	    cmocka_unit_test(test_nftrules_install_without_gateway),
	    cmocka_unit_test(test_nftrules_install_refuses),
	    cmocka_unit_test(test_nftrules_remove_whether_or_not_it_exists),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
