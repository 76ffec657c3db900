/*
 * test_client_status_fmt.c - the status as the person reads it and as
 * JSON: the whole text of an up client, the state line of every other
 * state, JSON with every key (null when unknown), string escaping and
 * bytes that are not UTF-8, and a buffer too small.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "client_status_fmt.h"
#include "client_status_sample.h"

static char out[CLIENT_STATUS_FMT_MAX];

static void test_client_status_text_up_whole(void **state)
{
	struct client_status s;
	size_t n;

	(void)state;
	client_status_sample(&s);
	n = client_status_text(&s, out, sizeof(out));
	assert_int_equal(n, strlen(out));
	assert_string_equal(out,
			    "state:        up since 2027-01-15 08:00:00 UTC (1h02m05s)\n"
			    "gateway:      vpn.example.com:8443 (192.0.2.1)\n"
			    "tunnel:       mtlsvpn0\n"
			    "addresses:    10.8.0.2/24, fd00:8::2/64\n"
			    "routes:       10.20.0.0/24, fd00:20::/64\n"
			    "dns servers:  10.20.0.53\n"
			    "dns domains:  corp.example\n"
			    "sent:         1000 bytes in 10 packets\n"
			    "received:     2000 bytes in 20 packets\n"
			    "identity:     alice\n"
			    "certificate:  valid until 2027-04-15 08:00:00 UTC (89d22h57m left)\n"
			    "kill switch:  not reported\n"
			    "udp:          off\n"
			    "renewal:      off\n");
}

/* The channel's line and JSON object in each state. */
static void test_client_status_udp_each_state(void **state)
{
	static const struct {
		uint8_t st;
		const char *line, *json;
	} rows[] = {
	    {CLIENT_STATUS_UDP_PROBING, "\nudp:          probing\n", "\"state\":\"probing\""},
	    {CLIENT_STATUS_UDP_UP, "\nudp:          up\n", "\"state\":\"up\""},
	    {CLIENT_STATUS_UDP_FAILED, "\nudp:          failed (TLS carries the traffic)\n",
	     "\"state\":\"failed\""},
	};

	(void)state;
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		struct client_status s;
		char want[512];

		client_status_sample(&s);
		s.udp.state = rows[i].st;
		s.udp.epoch = 7;
		s.udp.datagrams_in = 11;
		s.udp.datagrams_out = 12;
		s.udp.fallbacks = 1;
		s.udp.recoveries = 2;
		s.udp.rekeys = 3;
		for (unsigned d = 0; d < CLIENT_STATUS_UDP_DROPS; d++)
			s.udp.drops[d] = 20 + d;
		assert_true(client_status_text(&s, out, sizeof(out)) > 0);
		assert_non_null(strstr(out, rows[i].line));
		assert_true(client_status_json(&s, out, sizeof(out)) > 0);
		snprintf(want, sizeof(want),
			 ",\"kill_switch\":null,\"udp\":{%s,\"epoch\":7,\"datagrams_in\":11,"
			 "\"datagrams_out\":12,\"fallbacks\":1,\"recoveries\":2,\"rekeys\":3,"
			 "\"drops\":{\"malformed\":20,\"cid\":21,\"epoch\":22,\"limit\":23,"
			 "\"auth\":24,\"replay\":25,\"old\":26}},\"pid\":77,\"renewal\":null}\n",
			 rows[i].json);
		assert_non_null(strstr(out, want));
	}
}

static void test_client_status_text_state_lines(void **state)
{
	static const struct {
		uint8_t state;
		const char *reason;
		const char *line;
	} cases[] = {
	    {CLIENT_STATUS_CONNECTING, "", "state:        connecting\n"},
	    {CLIENT_STATUS_CONNECTING, "timed out",
	     "state:        connecting (the last connection: timed out)\n"},
	    {CLIENT_STATUS_RECONNECTING, "gateway gone",
	     "state:        reconnecting in 2.5 s (gateway gone)\n"},
	    {CLIENT_STATUS_REFUSED, "address pool exhausted",
	     "state:        refused: address pool exhausted (retrying in 2.5 s)\n"},
	    {CLIENT_STATUS_CLOSING, "", "state:        closing\n"},
	    {CLIENT_STATUS_ENDED, "certificate revoked",
	     "state:        ended: certificate revoked (at 2027-01-15 08:00:00 UTC)\n"},
	    {CLIENT_STATUS_NOT_RUNNING, "", "state:        not running\n"},
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct client_status s;
		const char *nl;

		client_status_sample(&s);
		s.state = cases[i].state;
		s.retry_in_ms = 2500;
		snprintf(s.reason, sizeof(s.reason), "%s", cases[i].reason);
		assert_true(client_status_text(&s, out, sizeof(out)) > 0);
		nl = strchr(out, '\n');
		assert_non_null(nl);
		if (strncmp(out, cases[i].line, (size_t)(nl - out + 1)) != 0 ||
		    strlen(cases[i].line) != (size_t)(nl - out + 1))
			fail_msg("state %u: got \"%.*s\"", cases[i].state, (int)(nl - out), out);
	}
	/* Ended and not running have nothing but the state. */
	{
		struct client_status s;

		client_status_init(&s, CLIENT_STATUS_NOT_RUNNING);
		assert_true(client_status_text(&s, out, sizeof(out)) > 0);
		assert_string_equal(out, "state:        not running\n");
	}
}

static void test_client_status_text_full_tunnel_nothing_pushed(void **state)
{
	struct client_status s;

	(void)state;
	client_status_sample(&s);
	s.full_tunnel = true;
	s.n_routes = 0;
	s.n_dns = 0;
	s.n_search = 0;
	s.kill_switch = 1;
	s.cert_not_after = s.now - 1;
	assert_true(client_status_text(&s, out, sizeof(out)) > 0);
	assert_non_null(strstr(out, "\nroutes:       everything (full tunnel)\n"));
	assert_non_null(strstr(out, "\ndns servers:  none pushed\ndns domains:  none\n"));
	assert_non_null(strstr(out, "\ncertificate:  expired on "));
	assert_non_null(strstr(out, "\nkill switch:  on\n"));
	s.n_dns = 1;
	s.dns_applied = false;
	assert_true(client_status_text(&s, out, sizeof(out)) > 0);
	assert_non_null(strstr(out, "\ndns servers:  10.20.0.53 (pushed, not applied)\n"));
}

static void test_client_status_json_up_whole(void **state)
{
	struct client_status s;

	(void)state;
	client_status_sample(&s);
	assert_true(client_status_json(&s, out, sizeof(out)) > 0);
	assert_string_equal(
	    out, "{\"version\":1,\"state\":\"up\",\"since\":\"2027-01-15T08:00:00Z\","
		 "\"retry_in_s\":null,\"reason\":null,\"gateway\":{\"host\":\"vpn.example.com\","
		 "\"port\":8443,\"address\":\"192.0.2.1\"},\"tunnel\":{\"interface\":\"mtlsvpn0\","
		 "\"addresses\":[\"10.8.0.2/24\",\"fd00:8::2/64\"]},\"full_tunnel\":false,"
		 "\"routes\":[\"10.20.0.0/24\",\"fd00:20::/64\"],\"dns\":{\"servers\":"
		 "[\"10.20.0.53\"],\"domains\":[\"corp.example\"],\"applied\":true},"
		 "\"traffic\":{\"sent_bytes\":1000,\"sent_packets\":10,\"received_bytes\":2000,"
		 "\"received_packets\":20},\"identity\":\"alice\",\"cert_not_after\":"
		 "\"2027-04-15T08:00:00Z\",\"kill_switch\":null,\"udp\":null,\"pid\":77,\"renewal\":null}\n");
}

static void test_client_status_json_not_running_all_null(void **state)
{
	struct client_status s;

	(void)state;
	client_status_init(&s, CLIENT_STATUS_NOT_RUNNING);
	assert_true(client_status_json(&s, out, sizeof(out)) > 0);
	assert_string_equal(out, "{\"version\":1,\"state\":\"not_running\",\"since\":null,"
				 "\"retry_in_s\":null,\"reason\":null,\"gateway\":null,"
				 "\"tunnel\":null,\"full_tunnel\":null,\"routes\":[],\"dns\":null,"
				 "\"traffic\":null,\"identity\":null,\"cert_not_after\":null,"
				 "\"kill_switch\":null,\"udp\":null,\"pid\":null,\"renewal\":null}\n");
	client_status_init(&s, CLIENT_STATUS_REFUSED);
	s.retry_in_ms = 1234;
	assert_true(client_status_json(&s, out, sizeof(out)) > 0);
	assert_non_null(strstr(out, "\"state\":\"refused\",\"since\":null,\"retry_in_s\":1.2,"));
}

static void test_client_status_json_escapes_strings(void **state)
{
	struct client_status s;

	(void)state;
	client_status_init(&s, CLIENT_STATUS_ENDED);
	/* Quote, backslash, a control byte, valid UTF-8 (é), a lone 0xff. */
	snprintf(s.reason, sizeof(s.reason),
		 "a\"b\\c\x01"
		 "d\xc3\xa9"
		 "e\xff");
	assert_true(client_status_json(&s, out, sizeof(out)) > 0);
	assert_non_null(strstr(out, "\"reason\":\"a\\\"b\\\\c\\u0001d\xc3\xa9"
				    "e?\","));
	/* A truncated UTF-8 sequence at the end. */
	snprintf(s.reason, sizeof(s.reason), "x\xe2\x82");
	assert_true(client_status_json(&s, out, sizeof(out)) > 0);
	assert_non_null(strstr(out, "\"reason\":\"x??\","));
}

static void test_client_status_fmt_buffer_too_small(void **state)
{
	struct client_status s;
	char small[64];

	(void)state;
	client_status_sample(&s);
	assert_int_equal(client_status_text(&s, small, sizeof(small)), 0);
	assert_string_equal(small, "");
	assert_int_equal(client_status_json(&s, small, sizeof(small)), 0);
	assert_string_equal(small, "");
}

/* The renewal line and object: planned, none planned, off. */
static void test_client_status_renewal_text_and_json(void **state)
{
	struct client_status s;

	(void)state;
	client_status_sample(&s);
	s.renew_on = true;
	s.renew_next = s.now + 125;
	snprintf(s.renew_last, sizeof(s.renew_last), "renewed");
	assert_true(client_status_text(&s, out, sizeof(out)) > 0);
	assert_non_null(strstr(out, "\nrenewal:      next at 2027-01-15 09:04:10 UTC (in 2m05s); "
				    "last: renewed\n"));
	assert_true(client_status_json(&s, out, sizeof(out)) > 0);
	assert_non_null(strstr(out, ",\"pid\":77,\"renewal\":{\"next\":\"2027-01-15T09:04:10Z\","
				    "\"last\":\"renewed\"}}\n"));
	s.renew_next = 0;
	s.renew_last[0] = 0;
	assert_true(client_status_text(&s, out, sizeof(out)) > 0);
	assert_non_null(strstr(out, "\nrenewal:      none planned\n"));
	assert_true(client_status_json(&s, out, sizeof(out)) > 0);
	assert_non_null(strstr(out, "\"renewal\":{\"next\":null,\"last\":null}}\n"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_client_status_text_up_whole),
	    cmocka_unit_test(test_client_status_udp_each_state),
	    cmocka_unit_test(test_client_status_text_state_lines),
	    cmocka_unit_test(test_client_status_text_full_tunnel_nothing_pushed),
	    cmocka_unit_test(test_client_status_json_up_whole),
	    cmocka_unit_test(test_client_status_json_not_running_all_null),
	    cmocka_unit_test(test_client_status_json_escapes_strings),
	    cmocka_unit_test(test_client_status_fmt_buffer_too_small),
	    cmocka_unit_test(test_client_status_renewal_text_and_json),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
