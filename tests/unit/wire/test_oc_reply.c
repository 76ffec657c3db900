/*
 * test_oc_reply.c - the gateway's answers, read back the way openconnect
 * 9.01 reads them: the status line it compares (cstp.c "HTTP/1.1 200 ",
 * "HTTP/1.1 503 " then X-Reason), the Set-Cookie it keeps (http.c), the
 * auth id it takes as success (auth.c), and the X-CSTP-* headers it needs
 * (an MTU, an address, netmasks, split includes).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <cmocka.h>

#include "oc_reply.h"

/* How many lines of the head are exactly line. */
static unsigned count_line(const char *resp, const char *line)
{
	size_t n = strlen(line);
	unsigned count = 0;

	for (const char *p = resp; (p = strstr(p, line)) != NULL; p += n)
		if ((p == resp || p[-1] == '\n') && p[n] == '\r' && p[n + 1] == '\n')
			count++;
	return count;
}

static void test_oc_reply_error_statuses(void **state)
{
	static const unsigned statuses[] = {400, 401, 405, 411, 413, 414, 431, 501, 505};
	char out[512];
	size_t n;

	(void)state;
	for (size_t i = 0; i < sizeof(statuses) / sizeof(statuses[0]); i++) {
		char want[16];

		n = oc_reply_error(out, sizeof(out), statuses[i], "ignored");
		assert_true(n > 0);
		assert_int_equal(strlen(out), n);
		snprintf(want, sizeof(want), "HTTP/1.1 %u ", statuses[i]);
		assert_memory_equal(out, want, 13);
		assert_null(strstr(out, "X-Reason"));
		assert_int_equal(count_line(out, "Content-Length: 0"), 1);
		assert_int_equal(count_line(out, "Connection: close"), 1);
		assert_string_equal(out + n - 4, "\r\n\r\n");
	}
	assert_int_equal(oc_reply_error(out, sizeof(out), 99, NULL), 0);
}

static void test_oc_reply_error_503_reason(void **state)
{
	char out[512];
	size_t n;

	(void)state;
	n = oc_reply_error(out, sizeof(out), 503, "address pool\r\nexhausted");
	assert_true(n > 0);
	assert_memory_equal(out, "HTTP/1.1 503 Service Unavailable\r\n", 34);
	assert_int_equal(count_line(out, "X-Reason: address pool..exhausted"), 1);
	n = oc_reply_error(out, sizeof(out), 503, NULL);
	assert_null(strstr(out, "X-Reason"));
	/* Every size short of the whole answer is refused. */
	n = oc_reply_error(out, sizeof(out), 503, "full");
	for (size_t cap = 0; cap <= n; cap++)
		assert_int_equal(oc_reply_error(out, cap, 503, "full"), 0);
	assert_int_equal(oc_reply_error(out, n + 1, 503, "full"), n);
}

/* The 200 of an auth POST, parsed back: status line, the webvpn cookie,
 * a Content-Length equal to the body, and the success auth id. */
static void test_oc_reply_auth_ok(void **state)
{
	char out[4096];
	const char *body, *cl;
	size_t n;

	(void)state;
	n = oc_reply_auth_ok(out, sizeof(out), "C0FFEE42", "Welcome <staff> & guests");
	assert_true(n > 0);
	assert_int_equal(strlen(out), n);
	assert_memory_equal(out, "HTTP/1.1 200 ", 13);
	assert_int_equal(count_line(out, "Set-Cookie: webvpn=C0FFEE42; Secure"), 1);
	body = strstr(out, "\r\n\r\n");
	assert_non_null(body);
	body += 4;
	cl = strstr(out, "Content-Length: ");
	assert_non_null(cl);
	assert_int_equal(strtoul(cl + 16, NULL, 10), n - (size_t)(body - out));
	assert_non_null(strstr(body, "<config-auth client=\"vpn\" type=\"complete\""));
	assert_non_null(strstr(body, "<auth id=\"success\">"));
	assert_non_null(strstr(body, "<session-token>C0FFEE42</session-token>"));
	assert_non_null(strstr(body, "<banner>Welcome &lt;staff&gt; &amp; guests</banner>"));
	for (size_t cap = 0; cap <= n; cap++)
		assert_int_equal(oc_reply_auth_ok(out, cap, "C0FFEE42", "Welcome <staff> & guests"),
				 0);
}

static void test_oc_reply_auth_ok_refuses_bad_cookie(void **state)
{
	static const char *const bad[] = {"", "a b", "a;b", "a,b", "a\"b", "a\\b", "a\r\nX: y",
					  "caf\xc3\xa9"};
	char out[4096], big[300];

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(oc_reply_auth_ok(out, sizeof(out), bad[i], NULL), 0);
	memset(big, 'c', sizeof(big));
	big[255] = 0;
	assert_true(oc_reply_auth_ok(out, sizeof(out), big, NULL) > 0);
	assert_null(strstr(out, "<banner>"));
	big[255] = 'c';
	big[256] = 0;
	assert_int_equal(oc_reply_auth_ok(out, sizeof(out), big, NULL), 0);
}

static void test_oc_reply_auth_fail(void **state)
{
	char out[2048];
	size_t n;

	(void)state;
	n = oc_reply_auth_fail(out, sizeof(out), "Certificate Validation Failure");
	assert_true(n > 0);
	assert_memory_equal(out, "HTTP/1.1 200 ", 13);
	assert_null(strstr(out, "Set-Cookie"));
	assert_non_null(strstr(out, "type=\"auth-request\""));
	assert_non_null(strstr(out, "<auth id=\"main\">"));
	assert_non_null(strstr(out, ">Certificate Validation Failure</error>"));
	assert_null(strstr(out, "<form"));
	assert_null(strstr(out, "success"));
}

static void test_oc_reply_netmask(void **state)
{
	char m[16];

	(void)state;
	assert_string_equal(oc_reply_netmask(0, m), "0.0.0.0");
	assert_string_equal(oc_reply_netmask(1, m), "128.0.0.0");
	assert_string_equal(oc_reply_netmask(24, m), "255.255.255.0");
	assert_string_equal(oc_reply_netmask(27, m), "255.255.255.224");
	assert_string_equal(oc_reply_netmask(32, m), "255.255.255.255");
	assert_string_equal(oc_reply_netmask(40, m), "255.255.255.255");
}

static void split_config(struct msg_config *c)
{
	memset(c, 0, sizeof(*c));
	assert_true(addr_parse_prefix("10.8.0.7/24", false, &c->addr4));
	assert_true(addr_parse_prefix("fd00:8::7/64", false, &c->addr6));
	assert_true(addr_parse_prefix("10.20.0.0/16", true, &c->routes[0]));
	assert_true(addr_parse_prefix("192.168.7.0/24", true, &c->routes[1]));
	assert_true(addr_parse_prefix("fd00:20::/48", true, &c->routes[2]));
	c->n_routes = 3;
	assert_true(addr_parse("10.20.0.53", &c->dns[0]));
	assert_true(addr_parse("fd00:20::53", &c->dns[1]));
	c->n_dns = 2;
	strcpy(c->search[0], "corp.example");
	strcpy(c->search[1], "lab.example");
	c->n_search = 2;
	strcpy(c->routing[0], "internal.example");
	c->n_routing = 1;
	c->mtu = 1400;
	c->keepalive = 20;
}

/* A split tunnel with both families, as openconnect would parse it. */
static void test_oc_reply_connect_split(void **state)
{
	struct msg_config c;
	struct oc_connect_info ci = {.cfg = &c, .dpd = 30, .session_timeout = 86400,
				     .disconnected_timeout = 60, .base_mtu = 1500,
				     .banner = "Hello\n100%", .server_name = "mtlsvpn"};
	char out[4096];
	size_t n;

	(void)state;
	split_config(&c);
	n = oc_reply_connect(out, sizeof(out), &ci);
	assert_true(n > 0);
	assert_int_equal(strlen(out), n);
	assert_memory_equal(out, "HTTP/1.1 200 CONNECTED\r\n", 24);
	assert_string_equal(out + n - 4, "\r\n\r\n");
	assert_int_equal(count_line(out, "X-CSTP-Version: 1"), 1);
	assert_int_equal(count_line(out, "X-CSTP-Server-Name: mtlsvpn"), 1);
	assert_int_equal(count_line(out, "X-CSTP-Address: 10.8.0.7"), 1);
	assert_int_equal(count_line(out, "X-CSTP-Netmask: 255.255.255.0"), 1);
	assert_int_equal(count_line(out, "X-CSTP-Address-IP6: fd00:8::7/64"), 1);
	assert_int_equal(count_line(out, "X-CSTP-DNS: 10.20.0.53"), 1);
	assert_int_equal(count_line(out, "X-CSTP-DNS-IP6: fd00:20::53"), 1);
	assert_int_equal(count_line(out, "X-CSTP-Default-Domain: corp.example lab.example"), 1);
	assert_int_equal(count_line(out, "X-CSTP-Split-DNS: internal.example"), 1);
	assert_int_equal(count_line(out, "X-CSTP-Split-Include: 10.20.0.0/255.255.0.0"), 1);
	assert_int_equal(count_line(out, "X-CSTP-Split-Include: 192.168.7.0/255.255.255.0"), 1);
	assert_int_equal(count_line(out, "X-CSTP-Split-Include-IP6: fd00:20::/48"), 1);
	assert_null(strstr(out, "Tunnel-All-DNS"));
	assert_int_equal(count_line(out, "X-CSTP-MTU: 1400"), 1);
	assert_int_equal(count_line(out, "X-CSTP-Base-MTU: 1500"), 1);
	assert_int_equal(count_line(out, "X-CSTP-Keepalive: 20"), 1);
	assert_int_equal(count_line(out, "X-CSTP-DPD: 30"), 1);
	assert_int_equal(count_line(out, "X-CSTP-Idle-Timeout: none"), 1);
	assert_int_equal(count_line(out, "X-CSTP-Session-Timeout: 86400"), 1);
	assert_int_equal(count_line(out, "X-CSTP-Lease-Duration: 86400"), 1);
	assert_int_equal(count_line(out, "X-CSTP-Disconnected-Timeout: 60"), 1);
	assert_int_equal(count_line(out, "X-CSTP-Keep: true"), 1);
	assert_int_equal(count_line(out, "X-CSTP-Rekey-Method: none"), 1);
	assert_int_equal(count_line(out, "X-CSTP-Banner: Hello%0A100%25"), 1);
	assert_null(strstr(out, "X-DTLS"));
	assert_null(strstr(out, "Content-Encoding"));
	for (size_t cap = 0; cap <= n; cap++)
		assert_int_equal(oc_reply_connect(out, cap, &ci), 0);
}

/* A default route is a full tunnel: no Split-Include for its family, all
 * DNS through the tunnel. The address keeps its own netmask. */
static void test_oc_reply_connect_full_tunnel(void **state)
{
	struct msg_config c;
	struct oc_connect_info ci = {.cfg = &c};
	char out[4096];

	(void)state;
	split_config(&c);
	assert_true(addr_parse_prefix("0.0.0.0/0", true, &c.routes[0]));
	c.n_routes = 2;
	c.addr6.addr.family = 0;
	assert_true(oc_reply_connect(out, sizeof(out), &ci) > 0);
	assert_null(strstr(out, "X-CSTP-Split-Include: 0.0.0.0"));
	assert_int_equal(count_line(out, "X-CSTP-Split-Include: 192.168.7.0/255.255.255.0"), 1);
	assert_int_equal(count_line(out, "X-CSTP-Tunnel-All-DNS: true"), 1);
	assert_int_equal(count_line(out, "X-CSTP-Netmask: 255.255.255.0"), 1);
	assert_null(strstr(out, "Address-IP6"));
	assert_null(strstr(out, "Server-Name"));
	assert_null(strstr(out, "Banner"));
	assert_int_equal(count_line(out, "X-CSTP-Session-Timeout: none"), 1);

	/* Both defaults: not a single Split-Include. */
	assert_true(addr_parse_prefix("::/0", true, &c.routes[1]));
	assert_true(oc_reply_connect(out, sizeof(out), &ci) > 0);
	assert_null(strstr(out, "Split-Include"));
	assert_int_equal(count_line(out, "X-CSTP-Tunnel-All-DNS: true"), 1);
}

/* The host bits of a route never reach the client. */
static void test_oc_reply_connect_route_network(void **state)
{
	struct msg_config c;
	struct oc_connect_info ci = {.cfg = &c};
	char out[4096];

	(void)state;
	split_config(&c);
	assert_true(addr_parse_prefix("10.20.30.40/20", false, &c.routes[0]));
	c.n_routes = 1;
	assert_true(oc_reply_connect(out, sizeof(out), &ci) > 0);
	assert_int_equal(count_line(out, "X-CSTP-Split-Include: 10.20.16.0/255.255.240.0"), 1);
}

static void test_oc_reply_connect_refuses(void **state)
{
	struct msg_config c;
	struct oc_connect_info ci = {.cfg = &c};
	char out[4096];

	(void)state;
	split_config(&c);
	c.mtu = 0;
	assert_int_equal(oc_reply_connect(out, sizeof(out), &ci), 0);
	split_config(&c);
	c.addr4.addr.family = 0;
	c.addr6.addr.family = 0;
	assert_int_equal(oc_reply_connect(out, sizeof(out), &ci), 0);
	split_config(&c);
	strcpy(c.search[1], "bad domain");
	assert_int_equal(oc_reply_connect(out, sizeof(out), &ci), 0);
	split_config(&c);
	strcpy(c.routing[0], "bad\r\nX-CSTP-MTU: 9");
	assert_int_equal(oc_reply_connect(out, sizeof(out), &ci), 0);
	split_config(&c);
	ci.server_name = "two words";
	assert_int_equal(oc_reply_connect(out, sizeof(out), &ci), 0);
	ci.server_name = NULL;
	ci.cfg = NULL;
	assert_int_equal(oc_reply_connect(out, sizeof(out), &ci), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_oc_reply_error_statuses),
	    cmocka_unit_test(test_oc_reply_error_503_reason),
	    cmocka_unit_test(test_oc_reply_auth_ok),
	    cmocka_unit_test(test_oc_reply_auth_ok_refuses_bad_cookie),
	    cmocka_unit_test(test_oc_reply_auth_fail),
	    cmocka_unit_test(test_oc_reply_netmask),
	    cmocka_unit_test(test_oc_reply_connect_split),
	    cmocka_unit_test(test_oc_reply_connect_full_tunnel),
	    cmocka_unit_test(test_oc_reply_connect_route_network),
	    cmocka_unit_test(test_oc_reply_connect_refuses),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
