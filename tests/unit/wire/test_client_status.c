/*
 * test_client_status.c - the client status record: a full record round
 * trip, a newer client's unknown attribute skipped, a table of hostile
 * records (truncations, wrong sizes, bad values, too many routes, control
 * characters, no state), the encoder's refusals, and the NAME.ended note.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include <cmocka.h>

#include "client_status.h"
#include "client_status_sample.h"

/* The shared record, with what it leaves at its defaults set too. */
static void sample(struct client_status *s)
{
	client_status_sample(s);
	s->retry_in_ms = 1500;
	snprintf(s->reason, sizeof(s->reason), "lost the connection");
	s->full_tunnel = true;
	s->tx_bytes = 1ull << 40;
	s->kill_switch = 1;
	s->udp.state = CLIENT_STATUS_UDP_FAILED;
	s->udp.epoch = 0xfffffffeu;
	s->udp.datagrams_in = 1ull << 50;
	s->udp.datagrams_out = 2;
	s->udp.fallbacks = 3;
	s->udp.recoveries = 4;
	s->udp.rekeys = 5;
	for (unsigned i = 0; i < CLIENT_STATUS_UDP_DROPS; i++)
		s->udp.drops[i] = 100 + i;
}

static void test_client_status_round_trip(void **state)
{
	static struct client_status in, out;
	static uint8_t buf[CLIENT_STATUS_MAX_LEN];
	const char *why = NULL;
	size_t n;

	(void)state;
	sample(&in);
	n = client_status_encode(&in, buf, sizeof(buf));
	assert_true(n > 0);
	assert_int_equal(client_status_decode(buf, n, &out, &why), CLIENT_STATUS_OK);
	assert_memory_equal(&in, &out, sizeof(in));
	/* One byte short of the whole is never accepted as whole. */
	assert_int_equal(client_status_decode(buf, n - 1, &out, &why), CLIENT_STATUS_MALFORMED);
	assert_non_null(why);
	/* Too small a buffer: nothing. */
	assert_int_equal(client_status_encode(&in, buf, n - 1), 0);
	/* Renewal on: its next try and last outcome come back too. */
	in.renew_on = true;
	in.renew_next = 1800004000;
	snprintf(in.renew_last, sizeof(in.renew_last), "the gateway refused (403): revoked");
	n = client_status_encode(&in, buf, sizeof(buf));
	assert_true(n > 0);
	assert_int_equal(client_status_decode(buf, n, &out, &why), CLIENT_STATUS_OK);
	assert_memory_equal(&in, &out, sizeof(in));
	/* The last outcome alone also says the client renews (as the fuzzer
	 * found: else it did not survive a round trip). */
	{
		static const uint8_t last_only[] = {1, 0, 1, 2, 27, 0, 1, 'x'};

		assert_int_equal(client_status_decode(last_only, sizeof(last_only), &out, &why),
				 CLIENT_STATUS_OK);
		assert_true(out.renew_on);
		assert_string_equal(out.renew_last, "x");
		assert_int_equal(out.renew_next, 0);
	}
}

static void test_client_status_decode_unknown_kill_switch_is_null(void **state)
{
	static struct client_status in, out;
	static uint8_t buf[CLIENT_STATUS_MAX_LEN];
	const char *why = NULL;
	size_t n;

	(void)state;
	client_status_init(&in, CLIENT_STATUS_CONNECTING);
	n = client_status_encode(&in, buf, sizeof(buf));
	assert_true(n > 0);
	/* A newer client's attribute 200 at the end is skipped. */
	memcpy(buf + n, (uint8_t[]){200, 0, 2, 'h', 'i'}, 5);
	assert_int_equal(client_status_decode(buf, n + 5, &out, &why), CLIENT_STATUS_OK);
	assert_int_equal(out.state, CLIENT_STATUS_CONNECTING);
	assert_int_equal(out.kill_switch, -1);
	/* No channel: no attribute, and none decoded. */
	assert_int_equal(out.udp.state, CLIENT_STATUS_UDP_NONE);
}

static void test_client_status_decode_hostile_table(void **state)
{
	static const struct {
		const char *name;
		uint8_t bytes[24];
		size_t len;
	} cases[] = {
	    {"empty (no state)", {0}, 0},
	    {"header cut", {1, 0}, 2},
	    {"value past the end", {1, 0, 2, 2}, 4},
	    {"state of 2 bytes", {1, 0, 2, 2, 0}, 5},
	    {"state 0", {1, 0, 1, 0}, 4},
	    {"state ended (never sent)", {1, 0, 1, 6}, 4},
	    {"state 99", {1, 0, 1, 99}, 4},
	    {"now of 4 bytes", {1, 0, 1, 2, 2, 0, 4, 0, 0, 0, 0}, 11},
	    {"reason with a newline", {1, 0, 1, 2, 5, 0, 2, 'a', '\n'}, 9},
	    {"reason with a NUL", {1, 0, 1, 2, 5, 0, 2, 'a', 0}, 9},
	    {"full_tunnel 2", {1, 0, 1, 2, 12, 0, 1, 2}, 8},
	    {"kill_switch 3", {1, 0, 1, 2, 22, 0, 1, 3}, 8},
	    {"addr4 /33", {1, 0, 1, 2, 10, 0, 6, 4, 10, 8, 0, 2, 33}, 13},
	    {"addr4 given an IPv6 family", {1, 0, 1, 2, 10, 0, 6, 6, 10, 8, 0, 2, 24}, 13},
	    {"route without a length", {1, 0, 1, 2, 13, 0, 5, 4, 10, 8, 0, 0}, 12},
	    {"dns family 5", {1, 0, 1, 2, 14, 0, 5, 5, 10, 8, 0, 1}, 12},
	    {"gateway address with a length", {1, 0, 1, 2, 8, 0, 6, 4, 192, 0, 2, 1, 32}, 13},
	    {"udp of 5 bytes", {1, 0, 1, 2, 25, 0, 5, 2, 0, 0, 0, 1}, 12},
	};
	struct client_status out;

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const char *why = NULL;

		if (client_status_decode(cases[i].bytes, cases[i].len, &out, &why) !=
		    CLIENT_STATUS_MALFORMED)
			fail_msg("accepted: %s", cases[i].name);
		if (why == NULL)
			fail_msg("no reason: %s", cases[i].name);
	}
}

/* The channel's state byte: 1-3 only (0 is said by leaving it out). */
static void test_client_status_decode_udp_states(void **state)
{
	static struct client_status in, out;
	static uint8_t buf[CLIENT_STATUS_MAX_LEN];
	static const struct {
		uint8_t st;
		bool ok;
	} rows[] = {{0, false}, {1, true}, {2, true}, {3, true}, {4, false}, {255, false}};

	(void)state;
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		const char *why = NULL;
		size_t n, at;

		client_status_init(&in, CLIENT_STATUS_UP);
		in.udp.state = CLIENT_STATUS_UDP_UP;
		n = client_status_encode(&in, buf, sizeof(buf));
		assert_true(n > 0);
		/* The channel's attribute is the last; its state byte after its header. */
		at = n - (1 + 4 + 8 * (5 + CLIENT_STATUS_UDP_DROPS));
		assert_int_equal(buf[at - 3], 25);
		buf[at] = rows[i].st;
		assert_int_equal(client_status_decode(buf, n, &out, &why),
				 rows[i].ok ? CLIENT_STATUS_OK : CLIENT_STATUS_MALFORMED);
		if (rows[i].ok)
			assert_int_equal(out.udp.state, rows[i].st);
	}
	/* The encoder refuses a state it has no name for. */
	in.udp.state = 4;
	assert_int_equal(client_status_encode(&in, buf, sizeof(buf)), 0);
}

static void test_client_status_decode_too_many_routes(void **state)
{
	static uint8_t buf[CLIENT_STATUS_MAX_LEN];
	static struct client_status out;
	const char *why = NULL;
	size_t n = 0;

	(void)state;
	memcpy(buf, (uint8_t[]){1, 0, 1, 2}, 4);
	n = 4;
	for (unsigned i = 0; i <= CFG_MAX_ROUTES; i++) {
		memcpy(buf + n, (uint8_t[]){13, 0, 6, 4, 10, (uint8_t)i, 0, 0, 16}, 9);
		n += 9;
	}
	assert_int_equal(client_status_decode(buf, n, &out, &why), CLIENT_STATUS_MALFORMED);
	assert_string_equal(why, "too many routes");
	/* Exactly the maximum is fine. */
	assert_int_equal(client_status_decode(buf, n - 9, &out, &why), CLIENT_STATUS_OK);
	assert_int_equal(out.n_routes, CFG_MAX_ROUTES);
}

static void test_client_status_encode_refuses_bad_fields(void **state)
{
	static struct client_status s;
	static uint8_t buf[CLIENT_STATUS_MAX_LEN];

	(void)state;
	sample(&s);
	snprintf(s.reason, sizeof(s.reason), "two\nlines");
	assert_int_equal(client_status_encode(&s, buf, sizeof(buf)), 0);
	sample(&s);
	s.state = 0;
	assert_int_equal(client_status_encode(&s, buf, sizeof(buf)), 0);
	sample(&s);
	s.n_routes = CFG_MAX_ROUTES + 1;
	assert_int_equal(client_status_encode(&s, buf, sizeof(buf)), 0);
	sample(&s);
	memset(s.tun, 'x', sizeof(s.tun) - 1);
	s.tun[sizeof(s.tun) - 1] = '\0';
	assert_true(client_status_encode(&s, buf, sizeof(buf)) > 0);
}

static void test_client_status_ended_round_trip(void **state)
{
	char text[512], reason[CLIENT_STATUS_TEXT_MAX + 1];
	const char *why = NULL;
	int64_t when = 0;
	size_t n;

	(void)state;
	n = client_status_ended_encode(1800000000, "gateway closed the session: revoked\nx", text,
				       sizeof(text));
	assert_string_equal(text, "ended 1800000000\ngateway closed the session: revoked?x\n");
	assert_int_equal(client_status_ended_decode(text, n, &when, reason, &why),
			 CLIENT_STATUS_OK);
	assert_int_equal(when, 1800000000);
	assert_string_equal(reason, "gateway closed the session: revoked?x");
	assert_int_equal(client_status_ended_encode(1, "x", text, 4), 0);
}

static void test_client_status_ended_decode_hostile(void **state)
{
	static const char *const bad[] = {
	    "",
	    "ended\n",
	    "ended \n",
	    "ended x\n",
	    "ended -5\nr\n",
	    "ended 12 \nr\n",
	    "ENDED 1\nr\n",
	    "ended 1",
	    "ended 123456789012345678901234567890\n",
	};
	char reason[CLIENT_STATUS_TEXT_MAX + 1];
	int64_t when;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		const char *why = NULL;

		if (client_status_ended_decode(bad[i], strlen(bad[i]), &when, reason, &why) !=
		    CLIENT_STATUS_MALFORMED)
			fail_msg("accepted: \"%s\"", bad[i]);
		assert_non_null(why);
	}
	/* No reason line: an empty reason. Control bytes become '?'. */
	assert_int_equal(
	    client_status_ended_decode("ended 7\n", 8, &when, reason, &(const char *){0}),
	    CLIENT_STATUS_OK);
	assert_string_equal(reason, "");
	assert_int_equal(
	    client_status_ended_decode("ended 7\na\tb\x1b", 12, &when, reason, &(const char *){0}),
	    CLIENT_STATUS_OK);
	assert_string_equal(reason, "a?b?");
}

static void test_client_status_state_name_all(void **state)
{
	(void)state;
	assert_string_equal(client_status_state_name(CLIENT_STATUS_CONNECTING), "connecting");
	assert_string_equal(client_status_state_name(CLIENT_STATUS_REFUSED), "refused");
	assert_string_equal(client_status_state_name(CLIENT_STATUS_NOT_RUNNING), "not_running");
	assert_string_equal(client_status_state_name(0), "?");
	assert_string_equal(client_status_state_name(200), "?");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_client_status_round_trip),
	    cmocka_unit_test(test_client_status_decode_unknown_kill_switch_is_null),
	    cmocka_unit_test(test_client_status_decode_udp_states),
	    cmocka_unit_test(test_client_status_decode_hostile_table),
	    cmocka_unit_test(test_client_status_decode_too_many_routes),
	    cmocka_unit_test(test_client_status_encode_refuses_bad_fields),
	    cmocka_unit_test(test_client_status_ended_round_trip),
	    cmocka_unit_test(test_client_status_ended_decode_hostile),
	    cmocka_unit_test(test_client_status_state_name_all),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
