/*
 * test_acl.c - access rules: libpcap's message for expressions that do not
 * compile, evaluation tables over IPv4 and IPv6 TCP, UDP and ICMP packets,
 * first match wins, default deny, and the per-rule counters.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "acl.h"
#include "pktbuild.h"

#define V4 AF_INET
#define V6 AF_INET6

static void add(struct acl *a, const char *rule, unsigned number)
{
	char err[ACL_ERR_MAX];
	enum acl_action act;
	const char *expr;

	assert_true(acl_parse_rule(rule, &act, &expr));
	if (acl_add(a, act, number, expr, err) != 0)
		fail_msg("rule '%s': %s", rule, err);
}

static int eval(struct acl *a, const struct pktbuild_spec *s, bool *allowed)
{
	uint8_t pkt[256];
	size_t n = pktbuild_make(s, pkt, sizeof(pkt));
	int rule;

	assert_true(n > 0);
	*allowed = acl_eval(a, pkt, n, &rule);
	return rule;
}

static void test_acl_add_syntax_error_gives_libpcap_message(void **state)
{
	static const char *const bad[] = {"tcp dst prot 443", "host 10.0.0.300", "port 70000",
					  "(tcp", "tcp and"};
	struct acl a;
	char err[ACL_ERR_MAX];

	(void)state;
	acl_init(&a);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err[0] = '\0';
		assert_int_equal(acl_add(&a, ACL_ALLOW, 1, bad[i], err), -1);
		if (err[0] == '\0')
			fail_msg("'%s': no message", bad[i]);
		assert_false(acl_check(bad[i], err));
	}
	assert_int_equal(a.n, 0);
	assert_true(acl_check("tcp dst port 443", err));
	assert_true(acl_check("", err));
	/* The message is libpcap's own text. */
	assert_false(acl_check("(tcp", err));
	assert_non_null(strstr(err, "syntax error"));
	assert_false(acl_check("port 70000", err));
	assert_non_null(strstr(err, "70000"));
	acl_deinit(&a);
}

static void test_acl_parse_rule_verbs(void **state)
{
	enum acl_action act;
	const char *expr;

	(void)state;
	assert_true(acl_parse_rule("allow tcp port 80", &act, &expr));
	assert_int_equal(act, ACL_ALLOW);
	assert_string_equal(expr, "tcp port 80");
	assert_true(acl_parse_rule("  deny   icmp", &act, &expr));
	assert_int_equal(act, ACL_DENY);
	assert_string_equal(expr, "icmp");
	assert_true(acl_parse_rule("allow", &act, &expr));
	assert_string_equal(expr, "");
	assert_false(acl_parse_rule("allowed tcp", &act, &expr));
	assert_false(acl_parse_rule("permit tcp", &act, &expr));
	assert_false(acl_parse_rule("tcp port 80", &act, &expr));
	assert_false(acl_parse_rule("", &act, &expr));
	assert_string_equal(acl_action_name(ACL_ALLOW), "allow");
	assert_string_equal(acl_action_name(ACL_DENY), "deny");
}

/* Engineering-like rules: web to one server, DNS, ping; v4 and v6. */
static void test_acl_eval_table(void **state)
{
	static const struct {
		struct pktbuild_spec p;
		int rule; /* index, or ACL_DEFAULT */
		bool allowed;
	} cases[] = {
	    {{V4, "10.8.0.2", "10.20.0.2", 6, 40000, 8080, 0x02, 0, 0, 0}, 1, true},
	    {{V4, "10.8.0.2", "10.20.0.2", 6, 40000, 8081, 0x02, 0, 0, 0}, ACL_DEFAULT, false},
	    {{V4, "10.8.0.2", "10.20.0.3", 6, 40000, 8080, 0x02, 0, 0, 0}, ACL_DEFAULT, false},
	    {{V4, "10.8.0.2", "10.20.0.2", 17, 40000, 8080, 0, 0, 0, 4}, ACL_DEFAULT, false},
	    {{V4, "10.8.0.2", "10.20.0.53", 17, 5353, 53, 0, 0, 0, 10}, 2, true},
	    {{V4, "10.8.0.2", "10.20.0.53", 6, 5353, 53, 0x02, 0, 0, 0}, ACL_DEFAULT, false},
	    {{V4, "10.8.0.2", "10.20.0.9", 1, 0, 0, 0, 8, 77, 16}, 3, true},
	    {{V4, "10.8.0.2", "10.30.0.9", 1, 0, 0, 0, 8, 77, 16}, 0, false},
	    {{V4, "10.8.0.2", "10.30.0.9", 6, 1, 8080, 0x02, 0, 0, 0}, 0, false},
	    {{V6, "fd00:8::2", "fd00:20::2", 6, 40000, 8080, 0x02, 0, 0, 0}, 1, true},
	    {{V6, "fd00:8::2", "fd00:20::2", 6, 40000, 22, 0x02, 0, 0, 0}, ACL_DEFAULT, false},
	    {{V6, "fd00:8::2", "fd00:20::53", 17, 5353, 53, 0, 0, 0, 10}, 2, true},
	    {{V6, "fd00:8::2", "fd00:20::9", 58, 0, 0, 0, 128, 5, 16}, 4, true},
	    {{V6, "fd00:8::2", "fd00:20::9", 58, 0, 0, 0, 129, 5, 16}, ACL_DEFAULT, false},
	};
	struct acl a;

	(void)state;
	acl_init(&a);
	add(&a, "deny dst net 10.30.0.0/16", 5);
	add(&a, "allow (dst host 10.20.0.2 or dst host fd00:20::2) and tcp dst port 8080", 10);
	add(&a, "allow udp dst port 53", 20);
	add(&a, "allow icmp", 30);
	add(&a, "allow icmp6 and ip6[40] == 128", 40);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		bool allowed;
		int rule = eval(&a, &cases[i].p, &allowed);

		if (rule != cases[i].rule || allowed != cases[i].allowed)
			fail_msg("case %zu: rule %d allowed %d, want rule %d allowed %d", i, rule,
				 allowed, cases[i].rule, cases[i].allowed);
	}
	acl_deinit(&a);
}

static void test_acl_eval_first_match_wins(void **state)
{
	struct pktbuild_spec p = {V4, "10.8.0.2", "10.20.0.2", 6, 40000, 443, 0x02, 0, 0, 0};
	struct acl a;
	bool allowed;

	(void)state;
	acl_init(&a);
	add(&a, "deny tcp dst port 443", 1);
	add(&a, "allow tcp", 2);
	assert_int_equal(eval(&a, &p, &allowed), 0);
	assert_false(allowed);
	acl_deinit(&a);

	acl_init(&a);
	add(&a, "allow tcp", 1);
	add(&a, "deny tcp dst port 443", 2);
	assert_int_equal(eval(&a, &p, &allowed), 0);
	assert_true(allowed);
	acl_deinit(&a);
}

static void test_acl_eval_default_deny(void **state)
{
	struct pktbuild_spec p = {V6, "fd00:8::2", "fd00:20::2", 17, 1, 2, 0, 0, 0, 0};
	struct acl a;
	bool allowed;

	(void)state;
	acl_init(&a);
	assert_int_equal(eval(&a, &p, &allowed), ACL_DEFAULT);
	assert_false(allowed);
	assert_int_equal(a.default_hits, 1);
	/* An empty expression selects everything. */
	add(&a, "allow", 1);
	assert_int_equal(eval(&a, &p, &allowed), 0);
	assert_true(allowed);
	acl_deinit(&a);
}

static void test_acl_eval_counts_hits(void **state)
{
	struct pktbuild_spec tcp = {V4, "10.8.0.2", "10.20.0.2", 6, 1, 80, 0x10, 0, 0, 0};
	struct pktbuild_spec udp = {V4, "10.8.0.2", "10.20.0.2", 17, 1, 53, 0, 0, 0, 0};
	struct pktbuild_spec icmp = {V4, "10.8.0.2", "10.20.0.2", 1, 0, 0, 0, 8, 1, 0};
	struct acl a;
	bool allowed;

	(void)state;
	acl_init(&a);
	add(&a, "allow tcp", 1);
	add(&a, "deny udp", 2);
	for (int i = 0; i < 3; i++)
		(void)eval(&a, &tcp, &allowed);
	for (int i = 0; i < 2; i++)
		(void)eval(&a, &udp, &allowed);
	(void)eval(&a, &icmp, &allowed);
	assert_int_equal(a.rules[0].hits, 3);
	assert_int_equal(a.rules[1].hits, 2);
	assert_int_equal(a.default_hits, 1);
	assert_int_equal(a.rules[0].number, 1);
	assert_int_equal(a.rules[1].number, 2);
	/* acl_match is a question, not a decision: it counts nothing. */
	{
		uint8_t pkt[128];
		size_t n = pktbuild_make(&tcp, pkt, sizeof(pkt));

		assert_int_equal(acl_match(&a, pkt, n), 0);
		assert_int_equal(a.rules[0].hits, 3);
	}
	acl_deinit(&a);
}

/* A TCP/IPv4 super-packet's first segment: 40-byte header, payload
 * "BBBB..." (seg bytes a segment); segment k's payload is at 40 + k * seg.
 * The varying bytes are gso_vary_mask's: total length, id, checksum, TCP
 * sequence, flags, checksum. */
static size_t super_v4(uint8_t *pkt, size_t cap, uint16_t dport, size_t payload,
		       uint8_t vary[static GSO_MASK_BYTES])
{
	static const unsigned varying[] = {2, 3, 4, 5, 10, 11, 24, 25, 26, 27, 33, 36, 37};
	struct pktbuild_spec s = {V4, "10.8.0.2", "10.20.0.2", 6, 40000, dport, 0x18, 0, 0, payload};
	size_t n = pktbuild_make(&s, pkt, cap);

	assert_true(n == 40 + payload);
	memset(pkt + 40, 'B', payload);
	memset(vary, 0, GSO_MASK_BYTES);
	for (size_t i = 0; i < sizeof(varying) / sizeof(varying[0]); i++)
		vary[varying[i] / 8] |= (uint8_t)(1u << (varying[i] % 8));
	return n;
}

static void test_acl_eval_gso_header_rules_decide_all_segments(void **state)
{
	uint8_t pkt[2048], vary[GSO_MASK_BYTES];
	size_t n = super_v4(pkt, sizeof(pkt), 443, 1400, vary);
	struct acl a;
	int rule;

	(void)state;
	acl_init(&a);
	add(&a, "deny dst net 10.30.0.0/16", 1);
	add(&a, "deny tcp dst port 22", 2);
	add(&a, "allow ip proto 6 and src net 10.8.0.0/16 and tcp dst port 443", 3);
	assert_int_equal(acl_eval_gso(&a, pkt, n, 40, vary, 7, &rule), ACL_GSO_ALLOW);
	assert_int_equal(rule, 2);
	assert_int_equal(a.rules[2].hits, 7);
	n = super_v4(pkt, sizeof(pkt), 22, 1400, vary);
	assert_int_equal(acl_eval_gso(&a, pkt, n, 40, vary, 5, &rule), ACL_GSO_DENY);
	assert_int_equal(rule, 1);
	assert_int_equal(a.rules[1].hits, 5);
	n = super_v4(pkt, sizeof(pkt), 8080, 1400, vary);
	assert_int_equal(acl_eval_gso(&a, pkt, n, 40, vary, 3, &rule), ACL_GSO_DENY);
	assert_int_equal(rule, ACL_DEFAULT);
	assert_int_equal(a.default_hits, 3);
	acl_deinit(&a);
}

static void test_acl_eval_gso_varying_reads_go_per_segment(void **state)
{
	static const char *const exprs[] = {
	    "tcp[tcpflags] & tcp-fin != 0", "ip[2:2] > 1000", "tcp[4:4] > 7", "len < 100",
	    "greater 500", "tcp[20:4] = 0x42424242", "ip[4:2] = 1",
	};
	uint8_t pkt[2048], vary[GSO_MASK_BYTES];
	size_t n = super_v4(pkt, sizeof(pkt), 443, 1400, vary);
	char rule_text[128];

	(void)state;
	for (size_t i = 0; i < sizeof(exprs) / sizeof(exprs[0]); i++) {
		struct acl a;
		int rule = 99;

		acl_init(&a);
		snprintf(rule_text, sizeof(rule_text), "allow %s", exprs[i]);
		add(&a, rule_text, 1);
		add(&a, "allow", 2);
		if (acl_eval_gso(&a, pkt, n, 40, vary, 4, &rule) != ACL_GSO_PER_SEGMENT)
			fail_msg("'%s' decided a super-packet at once", exprs[i]);
		assert_int_equal(rule, 0);
		assert_int_equal(a.rules[0].hits + a.rules[1].hits + a.default_hits, 0);
		acl_deinit(&a);
	}
}

/* A rule that does not match the first segment still read its payload:
 * a later segment could match it. deny AAAA before allow tcp must never
 * let a super-packet through whose second segment starts with AAAA. */
static void test_acl_eval_gso_payload_rule_never_smuggles(void **state)
{
	uint8_t pkt[2048], vary[GSO_MASK_BYTES], seg[2048];
	size_t n = super_v4(pkt, sizeof(pkt), 443, 2 * 500, vary);
	struct acl a;
	int rule;

	(void)state;
	memcpy(pkt + 40 + 500, "AAAA", 4);
	acl_init(&a);
	add(&a, "deny tcp[20:4] = 0x41414141", 1);
	add(&a, "allow tcp", 2);
	assert_int_equal(acl_eval_gso(&a, pkt, n, 40, vary, 2, &rule), ACL_GSO_PER_SEGMENT);
	assert_int_equal(rule, 0);
	/* Segment by segment the second is denied. */
	memcpy(seg, pkt, 40);
	memcpy(seg + 40, pkt + 40 + 500, 500);
	assert_false(acl_eval(&a, seg, 540, &rule));
	assert_int_equal(rule, 0);
	/* The same rules over a header with TCP options: tcp[20:4] is then an
	 * option every segment repeats, and the packet is decided at once. */
	{
		uint8_t opt[2048], vary2[GSO_MASK_BYTES] = {0};

		memcpy(opt, pkt, 40);
		memcpy(opt + 44, pkt + 40, 1000);
		memcpy(opt + 40, "\x01\x01\x01\x01", 4);
		opt[32] = 0x60;
		memcpy(vary2, vary, sizeof(vary2));
		assert_int_equal(acl_eval_gso(&a, opt, 1044, 44, vary2, 2, &rule), ACL_GSO_ALLOW);
		assert_int_equal(rule, 1);
		assert_int_equal(a.rules[1].hits, 2);
	}
	acl_deinit(&a);
}

/* An IPv6 packet whose AH header names AH again with length 0: libpcap
 * 1.10's bpf_filter never returns on it under "ip6 protochain 6" (the
 * program loops backwards). The rule runs bounded instead and the packet
 * is denied as cut short (fail closed: the allow rule after it is not
 * reached); sound IPv6 packets with extension headers are still judged. */
static void test_acl_protochain_crafted_packet_is_cut_and_denied(void **state)
{
	uint8_t pkt[200] = {0}, ok[80] = {0}, vary[GSO_MASK_BYTES] = {0};
	struct acl a;
	int rule;

	(void)state;
	acl_init(&a);
	add(&a, "deny ip6 protochain 6", 1);
	add(&a, "allow ip6", 2);
	assert_true(a.rules[0].loops);
	assert_false(a.rules[1].loops);
	pkt[0] = 0x60;
	pkt[5] = sizeof(pkt) - 40; /* payload length */
	pkt[6] = 51;		   /* AH */
	pkt[7] = 64;
	pkt[40] = 51; /* AH again, length 0 */
	assert_int_equal(acl_match(&a, pkt, sizeof(pkt)), ACL_CUT);
	assert_false(acl_eval(&a, pkt, sizeof(pkt), &rule));
	assert_int_equal(rule, ACL_CUT);
	assert_int_equal(a.cut_hits, 1);
	assert_int_equal(a.rules[1].hits, 0);
	assert_int_equal(acl_eval_gso(&a, pkt, sizeof(pkt), 48, vary, 3, &rule),
			 ACL_GSO_PER_SEGMENT);
	/* A destination-options header (8 bytes), then TCP: the deny rule
	 * sees through it; then UDP: the allow rule takes it. */
	ok[0] = 0x60;
	ok[5] = sizeof(ok) - 40;
	ok[6] = 60;
	ok[7] = 64;
	ok[40] = 6;
	ok[60] = 0x50;
	assert_false(acl_eval(&a, ok, sizeof(ok), &rule));
	assert_int_equal(rule, 0);
	ok[40] = 17;
	assert_true(acl_eval(&a, ok, sizeof(ok), &rule));
	assert_int_equal(rule, 1);
	assert_int_equal(a.cut_hits, 1);
	acl_deinit(&a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_acl_add_syntax_error_gives_libpcap_message),
	    cmocka_unit_test(test_acl_parse_rule_verbs),
	    cmocka_unit_test(test_acl_eval_table),
	    cmocka_unit_test(test_acl_eval_first_match_wins),
	    cmocka_unit_test(test_acl_eval_default_deny),
	    cmocka_unit_test(test_acl_eval_counts_hits),
	    cmocka_unit_test(test_acl_eval_gso_header_rules_decide_all_segments),
	    cmocka_unit_test(test_acl_eval_gso_varying_reads_go_per_segment),
	    cmocka_unit_test(test_acl_eval_gso_payload_rule_never_smuggles),
	    cmocka_unit_test(test_acl_protochain_crafted_packet_is_cut_and_denied),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
