/*
 * test_audit_event.c - an audit event as a JSON line and as journald
 * fields: the documented keys and names, absent fields left out, remote
 * addresses split into address and port, escaping, fixed MESSAGE_IDs, and
 * output that does not fit refused rather than cut.
 */
#include <ctype.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "audit_event.h"

static struct audit_event disconnect_event(void)
{
	struct audit_event e = {
	    .type = AUDIT_DISCONNECT,
	    .time_us = 1764921600123456, /* 2025-12-05T08:00:00.123456Z */
	    .sid = 42,
	    .identity = "alice",
	    .serial = "1a2b",
	    .fingerprint = "0011223344556677",
	    .group = "staff",
	    .remote = "203.0.113.4:50122",
	    .tunnel4 = "10.8.0.2",
	    .has_traffic = true,
	    .rx_bytes = 1000,
	    .rx_packets = 10,
	    .tx_bytes = 2000,
	    .tx_packets = 20,
	    .duration_ms = 1500,
	    .reason = "disconnected by an administrator",
	    .reason_code = "admin",
	};
	return e;
}

/* The value of journald field name in f, or NULL. */
static const char *field(const struct audit_fields *f, const char *name, char *out, size_t cap)
{
	size_t nl = strlen(name);

	for (unsigned i = 0; i < f->n; i++) {
		const char *p = f->iov[i].iov_base;
		size_t len = f->iov[i].iov_len;

		if (len > nl && memcmp(p, name, nl) == 0 && p[nl] == '=') {
			snprintf(out, cap, "%.*s", (int)(len - nl - 1), p + nl + 1);
			return out;
		}
	}
	return NULL;
}

static void test_audit_event_json_disconnect(void **state)
{
	struct audit_event e = disconnect_event();
	char out[2048];
	size_t len;

	(void)state;
	len = audit_event_json(&e, out, sizeof(out));
	assert_int_equal(len, strlen(out));
	assert_string_equal(
	    out, "{\"event\":\"disconnect\",\"time\":\"2025-12-05T08:00:00.123456Z\",\"sid\":42,"
		 "\"identity\":\"alice\",\"serial\":\"1a2b\",\"fingerprint\":\"0011223344556677\","
		 "\"group\":\"staff\",\"remote_addr\":\"203.0.113.4\",\"remote_port\":50122,"
		 "\"tunnel_ipv4\":\"10.8.0.2\",\"rx_bytes\":1000,\"rx_packets\":10,"
		 "\"tx_bytes\":2000,\"tx_packets\":20,\"duration_ms\":1500,"
		 "\"reason\":\"disconnected by an administrator\",\"reason_code\":\"admin\"}\n");
}

static void test_audit_event_json_absent_fields_left_out(void **state)
{
	struct audit_event e = {.type = AUDIT_RELOAD,
				.time_us = 0,
				.trigger = "SIGHUP",
				.result = "ok",
				.reason = "reloaded"};
	char out[512];

	(void)state;
	assert_true(audit_event_json(&e, out, sizeof(out)) > 0);
	assert_string_equal(out,
			    "{\"event\":\"reload\",\"time\":\"1970-01-01T00:00:00.000000Z\","
			    "\"reason\":\"reloaded\",\"trigger\":\"SIGHUP\",\"result\":\"ok\"}\n");
}

static void test_audit_event_json_remote_ipv6_and_unparsed(void **state)
{
	struct audit_event e = {.type = AUDIT_REFUSED, .remote = "[2001:db8::4]:443"};
	char out[512];

	(void)state;
	assert_true(audit_event_json(&e, out, sizeof(out)) > 0);
	assert_non_null(strstr(out, "\"remote_addr\":\"2001:db8::4\",\"remote_port\":443"));
	e.remote = "somewhere";
	assert_true(audit_event_json(&e, out, sizeof(out)) > 0);
	assert_non_null(strstr(out, "\"remote_addr\":\"somewhere\"}"));
	assert_null(strstr(out, "remote_port"));
	e.remote = "10.0.0.1:99999";
	assert_true(audit_event_json(&e, out, sizeof(out)) > 0);
	assert_non_null(strstr(out, "\"remote_addr\":\"10.0.0.1:99999\"}"));
}

/* A continuation shows the move: the session's new remote and the one it
 * had, and the cid the client named; a refusal the cid and its reason. */
static void test_audit_event_json_continue_and_refused(void **state)
{
	struct audit_event e = {.type = AUDIT_CONTINUE,
				.sid = 7,
				.identity = "alice",
				.remote = "198.51.100.9:40000",
				.prev_remote = "[2001:db8::4]:50122",
				.cid = "00112233aabbccdd"};
	static struct audit_fields f;
	char out[1024], v[256];

	(void)state;
	assert_true(audit_event_json(&e, out, sizeof(out)) > 0);
	assert_non_null(strstr(out, "\"event\":\"continue\","));
	assert_non_null(strstr(out, "\"remote_addr\":\"198.51.100.9\",\"remote_port\":40000,"
				    "\"previous_remote_addr\":\"2001:db8::4\","
				    "\"previous_remote_port\":50122,\"cid\":\"00112233aabbccdd\""));
	assert_true(audit_event_fields(&e, &f));
	assert_string_equal(field(&f, "MTLSVPN_PREVIOUS_REMOTE_ADDR", v, sizeof(v)), "2001:db8::4");
	assert_string_equal(field(&f, "MTLSVPN_PREVIOUS_REMOTE_PORT", v, sizeof(v)), "50122");
	assert_string_equal(field(&f, "MTLSVPN_CID", v, sizeof(v)), "00112233aabbccdd");
	assert_string_equal(field(&f, "PRIORITY", v, sizeof(v)), "6");

	e = (struct audit_event){.type = AUDIT_CONTINUE_REFUSED,
				 .identity = "bob",
				 .remote = "198.51.100.9:40001",
				 .cid = "00112233aabbccdd",
				 .reason = "another identity's session",
				 .reason_code = "other_identity"};
	assert_true(audit_event_json(&e, out, sizeof(out)) > 0);
	assert_non_null(strstr(out, "{\"event\":\"continue_refused\","));
	assert_non_null(strstr(out, "\"cid\":\"00112233aabbccdd\""));
	assert_non_null(strstr(out, "\"reason_code\":\"other_identity\"}"));
	assert_null(strstr(out, "previous_remote"));
	assert_true(audit_event_fields(&e, &f));
	assert_string_equal(field(&f, "MESSAGE_ID", v, sizeof(v)),
			    audit_event_message_id(AUDIT_CONTINUE_REFUSED));
	assert_string_equal(field(&f, "PRIORITY", v, sizeof(v)), "5");
}

/* A certificate's name is the peer's bytes: a newline must not split the
 * line, a quote must not end the string. */
static void test_audit_event_json_escapes_peer_bytes(void **state)
{
	struct audit_event e = {.type = AUDIT_CONNECT, .identity = "ev\"il\n{\"x\":1}"};
	char out[512];
	size_t len;

	(void)state;
	len = audit_event_json(&e, out, sizeof(out));
	assert_true(len > 0);
	assert_ptr_equal(strchr(out, '\n'), out + len - 1);
	assert_non_null(strstr(out, "\"identity\":\"ev\\\"il\\u000a{\\\"x\\\":1}\""));
}

static void test_audit_event_json_too_small(void **state)
{
	struct audit_event e = disconnect_event();
	char out[64];

	(void)state;
	assert_int_equal(audit_event_json(&e, out, sizeof(out)), 0);
}

static void test_audit_event_fields_disconnect(void **state)
{
	struct audit_event e = disconnect_event();
	static struct audit_fields f;
	char v[1024];

	(void)state;
	assert_true(audit_event_fields(&e, &f));
	assert_string_equal(field(&f, "MESSAGE_ID", v, sizeof(v)),
			    audit_event_message_id(AUDIT_DISCONNECT));
	assert_string_equal(field(&f, "MTLSVPN_EVENT", v, sizeof(v)), "disconnect");
	assert_string_equal(field(&f, "MTLSVPN_IDENTITY", v, sizeof(v)), "alice");
	assert_string_equal(field(&f, "MTLSVPN_SERIAL", v, sizeof(v)), "1a2b");
	assert_string_equal(field(&f, "MTLSVPN_SID", v, sizeof(v)), "42");
	assert_string_equal(field(&f, "MTLSVPN_REMOTE_ADDR", v, sizeof(v)), "203.0.113.4");
	assert_string_equal(field(&f, "MTLSVPN_REMOTE_PORT", v, sizeof(v)), "50122");
	assert_string_equal(field(&f, "MTLSVPN_RX_BYTES", v, sizeof(v)), "1000");
	assert_string_equal(field(&f, "MTLSVPN_TX_PACKETS", v, sizeof(v)), "20");
	assert_string_equal(field(&f, "MTLSVPN_REASON_CODE", v, sizeof(v)), "admin");
	assert_string_equal(field(&f, "PRIORITY", v, sizeof(v)), "6");
	assert_string_equal(field(&f, "SYSLOG_IDENTIFIER", v, sizeof(v)), "mtlsvpn-server");
	assert_null(field(&f, "MTLSVPN_TUNNEL_IPV6", v, sizeof(v)));
	assert_null(field(&f, "MTLSVPN_CALLER_UID", v, sizeof(v)));
	assert_string_equal(
	    field(&f, "MESSAGE", v, sizeof(v)),
	    "audit: disconnect sid=42 identity=\"alice\" serial=\"1a2b\" "
	    "fingerprint=\"0011223344556677\" group=\"staff\" "
	    "remote_addr=\"203.0.113.4\" remote_port=50122 tunnel_ipv4=\"10.8.0.2\" "
	    "rx_bytes=1000 rx_packets=10 tx_bytes=2000 tx_packets=20 "
	    "duration_ms=1500 reason=\"disconnected by an administrator\" "
	    "reason_code=\"admin\"");
}

/* Values go as they are (the native protocol carries any bytes); the
 * human MESSAGE escapes them. */
static void test_audit_event_fields_control_and_message_escapes(void **state)
{
	struct audit_event e = {.type = AUDIT_CONTROL,
				.command = "disconnect a\"b\n",
				.result = "ok",
				.has_caller = true,
				.caller_uid = 0,
				.caller_pid = 77};
	static struct audit_fields f;
	char v[1024];

	(void)state;
	assert_true(audit_event_fields(&e, &f));
	assert_string_equal(field(&f, "MTLSVPN_COMMAND", v, sizeof(v)), "disconnect a\"b\n");
	assert_string_equal(field(&f, "MTLSVPN_CALLER_UID", v, sizeof(v)), "0");
	assert_string_equal(field(&f, "MTLSVPN_CALLER_PID", v, sizeof(v)), "77");
	assert_string_equal(field(&f, "PRIORITY", v, sizeof(v)), "5");
	assert_string_equal(field(&f, "MESSAGE", v, sizeof(v)),
			    "audit: control command=\"disconnect a\\\"b\\x0a\" result=\"ok\" "
			    "caller_uid=0 caller_pid=77");
}

static void test_audit_event_fields_too_large(void **state)
{
	static char big[AUDIT_FIELDS_BYTES];
	struct audit_event e = {.type = AUDIT_REFUSED, .reason = big};
	static struct audit_fields f;

	(void)state;
	memset(big, 'x', sizeof(big) - 1);
	assert_false(audit_event_fields(&e, &f));
	e.type = AUDIT_TYPE_N;
	e.reason = "x";
	assert_false(audit_event_fields(&e, &f));
}

/* Every type has a name and a distinct 128-bit id in lowercase hex. */
static void test_audit_event_message_id_distinct(void **state)
{
	(void)state;
	for (unsigned i = 0; i < AUDIT_TYPE_N; i++) {
		const char *id = audit_event_message_id((enum audit_type)i);

		assert_non_null(audit_event_name((enum audit_type)i));
		assert_int_equal(strlen(id), 32);
		for (const char *p = id; *p != '\0'; p++)
			assert_true(isxdigit((unsigned char)*p) && !isupper((unsigned char)*p));
		for (unsigned j = 0; j < i; j++)
			assert_string_not_equal(id, audit_event_message_id((enum audit_type)j));
	}
	assert_null(audit_event_name(AUDIT_TYPE_N));
	assert_null(audit_event_message_id(AUDIT_TYPE_N));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_audit_event_json_disconnect),
	    cmocka_unit_test(test_audit_event_json_absent_fields_left_out),
	    cmocka_unit_test(test_audit_event_json_remote_ipv6_and_unparsed),
	    cmocka_unit_test(test_audit_event_json_continue_and_refused),
	    cmocka_unit_test(test_audit_event_json_escapes_peer_bytes),
	    cmocka_unit_test(test_audit_event_json_too_small),
	    cmocka_unit_test(test_audit_event_fields_disconnect),
	    cmocka_unit_test(test_audit_event_fields_control_and_message_escapes),
	    cmocka_unit_test(test_audit_event_fields_too_large),
	    cmocka_unit_test(test_audit_event_message_id_distinct),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
