/*
 * test_config_client.c - client.ini loading (every key, defaults, the
 * gateway's forms, keywords, the bad files of test_config_cases.h) and the
 * private key's mode check. The fixture is config_fixture.h's.
 */
#include "config_fixture.h"

static void test_config_client_load_bad_files(void **state)
{
	(void)state;
	run_bad(CLIENT, client_bad, sizeof(client_bad) / sizeof(client_bad[0]));
}

static void test_config_client_load_defaults(void **state)
{
	static struct config_client c;

	(void)state;
	load_ok_client(CL, &c);
	assert_string_equal(c.gateway_host, "vpn.example.com");
	assert_int_equal(c.gateway_port, 8443);
	assert_string_equal(c.server_name, "vpn.example.com");
	assert_path(c.ca, "ca.crt");
	assert_path(c.cert, "alice.crt");
	assert_path(c.key, "alice.key");
	assert_string_equal(c.tun, "mtlsvpn0");
	assert_false(c.full_tunnel);
	assert_false(c.kill_switch);
	assert_int_equal(c.dns, CONFIG_DNS_AUTO);
	assert_true(c.udp);
	assert_true(c.continuation);
	assert_int_equal(c.mss_clamp, DCHAN_PMTU_CLAMP_AUTO);
	assert_true(c.renew);
	assert_int_equal(c.renew_at.num, 2);
	assert_int_equal(c.renew_at.den, 3);
	assert_int_equal(c.busy_poll_us, CONFIG_BUSY_POLL_DEFAULT_US);
	assert_int_equal(c.reconnect_min, 1);
	assert_int_equal(c.reconnect_max, 60);
	assert_int_equal(c.connect_timeout, 10);
	assert_int_equal(c.log_level, 0);
	assert_string_equal(c.status_group, "mtlsvpn-status");
}

static void test_config_client_load_gateway_forms(void **state)
{
	static const struct {
		const char *value, *host;
		unsigned port;
	} forms[] = {
	    {"vpn.example.com", "vpn.example.com", 8443},
	    {"VPN.Example.com:443", "VPN.Example.com", 443},
	    {"10.99.0.1:8443", "10.99.0.1", 8443},
	    {"10.99.0.1", "10.99.0.1", 8443},
	    {"[fd00::1]:9443", "fd00::1", 9443},
	    {"[fd00::1]", "fd00::1", 8443},
	    {"fd00::1", "fd00::1", 8443},
	    {"gw:65535", "gw", 65535},
	    {"gw:1", "gw", 1},
	};
	static struct config_client c;
	char text[512];

	(void)state;
	for (size_t i = 0; i < sizeof(forms) / sizeof(forms[0]); i++) {
		snprintf(text, sizeof(text), CL_GW("%s"), forms[i].value);
		load_ok_client(text, &c);
		assert_string_equal(c.gateway_host, forms[i].host);
		assert_int_equal(c.gateway_port, forms[i].port);
		assert_string_equal(c.server_name, forms[i].host);
	}
}

static void test_config_client_load_every_key(void **state)
{
	static struct config_client c;

	(void)state;
	load_ok_client("[Client]\n"
		       "Gateway = 10.99.0.1:8443\n"
		       "Server_Name = GW.Example\n"
		       "ca = pki/ca.crt\n"
		       "cert = alice.crt\n"
		       "key = ro.key\n"
		       "tun = vpn0\n"
		       "full_tunnel = yes\n"
		       "dns = resolvconf\n"
		       "reconnect_min = 5\n"
		       "reconnect_max = 5\n"
		       "connect_timeout = 300\n"
		       "log_level = debug\n"
		       "kill_switch = on\n"
		       "udp = off\n"
		       "continue = off\n"
		       "mss_clamp = 1200\n"
		       "renew = off\n"
		       "renew_at = 80%\n"
		       "busy_poll_us = 250\n"
		       "status_group = vpn_users.2\n",
		       &c);
	assert_string_equal(c.gateway_host, "10.99.0.1");
	assert_string_equal(c.server_name, "GW.Example");
	assert_path(c.ca, "pki/ca.crt");
	assert_path(c.key, "ro.key");
	assert_string_equal(c.tun, "vpn0");
	assert_true(c.full_tunnel);
	assert_int_equal(c.dns, CONFIG_DNS_RESOLVCONF);
	assert_int_equal(c.reconnect_min, 5);
	assert_int_equal(c.reconnect_max, 5);
	assert_int_equal(c.connect_timeout, 300);
	assert_int_equal(c.log_level, 1);
	assert_true(c.kill_switch);
	assert_false(c.udp);
	assert_false(c.continuation);
	assert_int_equal(c.mss_clamp, 1200);
	assert_false(c.renew);
	assert_int_equal(c.renew_at.num, 80);
	assert_int_equal(c.renew_at.den, 100);
	assert_int_equal(c.busy_poll_us, 250);
	assert_string_equal(c.status_group, "vpn_users.2");
}

static void test_config_client_load_keywords(void **state)
{
	static const struct {
		const char *line;
		bool full_tunnel;
		enum config_dns_mode dns;
		bool continuation;
	} rows[] = {
	    {"full_tunnel = no\ndns = none\n", false, CONFIG_DNS_NONE, true},
	    {"full_tunnel = true\ndns = resolvectl\n", true, CONFIG_DNS_RESOLVECTL, true},
	    {"dns = resolved\n", false, CONFIG_DNS_RESOLVECTL, true},
	    {"full_tunnel = off\ndns = auto\n", false, CONFIG_DNS_AUTO, true},
	    {"full_tunnel = on\n", true, CONFIG_DNS_AUTO, true},
	    {"full_tunnel = 1\n", true, CONFIG_DNS_AUTO, true},
	    {"full_tunnel = 0\n", false, CONFIG_DNS_AUTO, true},
	    {"full_tunnel = false\n", false, CONFIG_DNS_AUTO, true},
	    /* continue = auto | off, as udp and renew; auto also without UDP. */
	    {"continue = auto\n", false, CONFIG_DNS_AUTO, true},
	    {"continue = off\n", false, CONFIG_DNS_AUTO, false},
	    {"udp = off\ncontinue = auto\n", false, CONFIG_DNS_AUTO, true},
	    {"udp = auto\ncontinue = off\n", false, CONFIG_DNS_AUTO, false},
	};
	static struct config_client c;
	char text[512];

	(void)state;
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		snprintf(text, sizeof(text), CL "%s", rows[i].line);
		load_ok_client(text, &c);
		assert_int_equal(c.full_tunnel, rows[i].full_tunnel);
		assert_int_equal(c.dns, rows[i].dns);
		assert_int_equal(c.continuation, rows[i].continuation);
	}
}

static void test_config_check_key_mode_modes(void **state)
{
	static const struct {
		mode_t mode;
		int rc;
	} rows[] = {
	    {0600, 0},	{0400, 0},  {0700, 0},	{0200, 0},  {0640, -1},
	    {0604, -1}, {0660, -1}, {0644, -1}, {0610, -1}, {0601, -1},
	};
	char path[PATH_MAX + 64], want[3 * PATH_MAX], err[CONFIG_ERR_MAX];

	(void)state;
	path_of("mode.key", path);
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		put("mode.key", "k\n", rows[i].mode);
		err[0] = '\0';
		assert_int_equal(config_check_key_mode(path, err), rows[i].rc);
		if (rows[i].rc == 0)
			continue;
		snprintf(want, sizeof(want),
			 "%s is accessible by group or others (mode %04o); run chmod 600 %s", path,
			 (unsigned)rows[i].mode, path);
		assert_string_equal(err, want);
	}
}

static void test_config_check_key_mode_not_a_file(void **state)
{
	char path[PATH_MAX + 64], want[3 * PATH_MAX], err[CONFIG_ERR_MAX];

	(void)state;
	path_of("adir", path);
	assert_int_equal(config_check_key_mode(path, err), -1);
	snprintf(want, sizeof(want), "%s is not a regular file; give the path of the private key",
		 path);
	assert_string_equal(err, want);
	path_of("none.key", path);
	assert_int_equal(config_check_key_mode(path, err), -1);
	snprintf(want, sizeof(want),
		 "%s cannot be used (No such file or directory); give the path of the private key",
		 path);
	assert_string_equal(err, want);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_config_client_load_bad_files),
	    cmocka_unit_test(test_config_client_load_defaults),
	    cmocka_unit_test(test_config_client_load_gateway_forms),
	    cmocka_unit_test(test_config_client_load_every_key),
	    cmocka_unit_test(test_config_client_load_keywords),
	    cmocka_unit_test(test_config_check_key_mode_modes),
	    cmocka_unit_test(test_config_check_key_mode_not_a_file),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
