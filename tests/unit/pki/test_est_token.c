/*
 * test_est_token.c - one-time enrollment tokens: the typeable text and its
 * check digit (every single mistyped character refused), the verdicts of a
 * redeem (accepted once, then used; wrong identity; expired; unknown;
 * malformed), revoke and prune, the state file's round trip and its
 * line-numbered refusals, and two processes redeeming one token at once
 * through the locked file: exactly one wins.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "est_token.h"
#include "est_token_file.h"

#define NOW ((int64_t)1767225600) /* 2026-01-01 00:00:00 UTC */
#define HOUR 3600

static const char digits[] = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

static void raw_fill(uint8_t raw[static EST_TOKEN_RAW], uint8_t seed)
{
	for (size_t i = 0; i < EST_TOKEN_RAW; i++)
		raw[i] = (uint8_t)(seed * 37u + i * 11u + 5u);
}

static void test_est_token_encode_round_trip(void **state)
{
	static const uint8_t fixed[][EST_TOKEN_RAW] = {
	    {0},
	    {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
	     0xff, 0xff},
	    {0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1},
	};
	char text[EST_TOKEN_TEXT];
	uint8_t raw[EST_TOKEN_RAW], back[EST_TOKEN_RAW];

	(void)state;
	est_token_encode(fixed[0], text);
	assert_string_equal(text, "000000000-000000000-000000000");
	est_token_encode(fixed[1], text);
	assert_int_equal(text[0], '7'); /* 3 bits in the first digit */
	for (size_t i = 0; i < 3; i++) {
		est_token_encode(fixed[i], text);
		assert_int_equal(strlen(text), EST_TOKEN_TEXT - 1);
		assert_true(est_token_decode(text, back));
		assert_memory_equal(back, fixed[i], EST_TOKEN_RAW);
	}
	for (unsigned s = 0; s < 200; s++) {
		raw_fill(raw, (uint8_t)s);
		raw[s % EST_TOKEN_RAW] ^= (uint8_t)s;
		est_token_encode(raw, text);
		assert_true(est_token_decode(text, back));
		assert_memory_equal(back, raw, EST_TOKEN_RAW);
	}
}

static void test_est_token_decode_as_typed(void **state)
{
	char text[EST_TOKEN_TEXT], typed[64];
	uint8_t raw[EST_TOKEN_RAW], back[EST_TOKEN_RAW];
	size_t w = 0;

	(void)state;
	raw_fill(raw, 3);
	est_token_encode(raw, text);
	/* lower case, spaces instead of dashes, 0 typed as o, 1 as l */
	for (const char *p = text; *p != 0; p++) {
		char c = *p;

		if (c == '-')
			c = ' ';
		else if (c == '0')
			c = 'o';
		else if (c == '1')
			c = 'l';
		else if (c >= 'A' && c <= 'Z')
			c = (char)(c - 'A' + 'a');
		typed[w++] = c;
	}
	typed[w] = 0;
	assert_true(est_token_decode(typed, back));
	assert_memory_equal(back, raw, EST_TOKEN_RAW);
}

static void test_est_token_decode_refuses_every_single_typo(void **state)
{
	char text[EST_TOKEN_TEXT], bad[EST_TOKEN_TEXT];
	uint8_t raw[EST_TOKEN_RAW], back[EST_TOKEN_RAW];
	size_t refused = 0, tried = 0;

	(void)state;
	raw_fill(raw, 9);
	est_token_encode(raw, text);
	for (size_t i = 0; text[i] != 0; i++) {
		if (text[i] == '-')
			continue;
		for (size_t d = 0; d < 32; d++) {
			if (digits[d] == text[i])
				continue;
			memcpy(bad, text, sizeof(bad));
			bad[i] = digits[d];
			tried++;
			refused += !est_token_decode(bad, back);
		}
	}
	assert_int_equal(refused, tried);
	/* an adjacent swap, a missing digit, an extra one, a foreign char */
	memcpy(bad, text, sizeof(bad));
	if (bad[1] != bad[2]) {
		char t = bad[1];

		bad[1] = bad[2];
		bad[2] = t;
		assert_false(est_token_decode(bad, back));
	}
	assert_false(est_token_decode(text + 1, back));
	snprintf(bad, sizeof(bad), "%s", text);
	bad[4] = 'U';
	assert_false(est_token_decode(bad, back));
	assert_false(est_token_decode("", back));
	assert_false(est_token_decode("000000000-000000000-0000000000", back));
	/* top two bits must be zero: first digit 8 or more is no token */
	assert_false(est_token_decode("800000000-000000000-00000000R", back));
}

static void add(struct est_token_store *st, uint8_t seed, const char *id, const char *group,
		int64_t ttl, char text[static EST_TOKEN_TEXT])
{
	uint8_t raw[EST_TOKEN_RAW];
	char err[256];

	raw_fill(raw, seed);
	assert_int_equal(est_token_add(st, raw, id, group, NOW, ttl, err, sizeof(err)), 0);
	est_token_encode(raw, text);
}

static void test_est_token_redeem_verdicts(void **state)
{
	struct est_token_store st = {0};
	struct est_token_rec got;
	char a[EST_TOKEN_TEXT], b[EST_TOKEN_TEXT], c[EST_TOKEN_TEXT], other[EST_TOKEN_TEXT];
	uint8_t raw[EST_TOKEN_RAW];

	(void)state;
	add(&st, 1, "alice", "eng", 24 * HOUR, a);
	add(&st, 2, "bob", NULL, HOUR, b);
	add(&st, 3, "carol", "", 24 * HOUR, c);
	raw_fill(raw, 4);
	est_token_encode(raw, other);

	assert_int_equal(est_token_redeem(&st, "nonsense", "alice", NOW, NULL),
			 EST_TOKEN_MALFORMED);
	assert_int_equal(est_token_redeem(&st, other, "alice", NOW, NULL), EST_TOKEN_UNKNOWN);
	assert_int_equal(est_token_redeem(&st, a, "bob", NOW, NULL), EST_TOKEN_WRONG_IDENTITY);
	assert_int_equal(est_token_redeem(&st, b, "bob", NOW + HOUR, NULL), EST_TOKEN_EXPIRED);
	assert_int_equal(est_token_redeem(&st, a, "alice", NOW + 10, &got), EST_TOKEN_OK);
	assert_string_equal(got.identity, "alice");
	assert_string_equal(got.group, "eng");
	assert_int_equal(got.used, NOW + 10);
	assert_int_equal(est_token_redeem(&st, a, "alice", NOW + 11, NULL), EST_TOKEN_USED);
	assert_int_equal(est_token_redeem(&st, c, "carol", NOW + 24 * HOUR - 1, &got),
			 EST_TOKEN_OK);
	assert_string_equal(got.group, "");
	/* a refused try does not consume the token */
	assert_int_equal(est_token_redeem(&st, b, "bob", NOW + HOUR - 1, NULL), EST_TOKEN_OK);
	for (int v = EST_TOKEN_OK; v <= EST_TOKEN_USED; v++)
		assert_string_not_equal(est_token_verdict_str((enum est_token_verdict)v), "?");
	est_token_store_free(&st);
}

static void test_est_token_add_refuses_bad_names(void **state)
{
	struct est_token_store st = {0};
	uint8_t raw[EST_TOKEN_RAW] = {0};
	char err[256], longname[300];

	(void)state;
	memset(longname, 'x', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = 0;
	assert_int_equal(est_token_add(&st, raw, "", NULL, NOW, HOUR, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "non-empty"));
	assert_int_equal(est_token_add(&st, raw, "a\tb", NULL, NOW, HOUR, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "control"));
	assert_int_equal(est_token_add(&st, raw, longname, NULL, NOW, HOUR, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "longer"));
	assert_int_equal(est_token_add(&st, raw, "a", "-", NOW, HOUR, err, sizeof(err)), -1);
	assert_int_equal(est_token_add(&st, raw, "a", NULL, NOW, 0, err, sizeof(err)), -1);
	assert_int_equal(st.n, 0);
	est_token_store_free(&st);
}

static void test_est_token_revoke_and_prune(void **state)
{
	struct est_token_store st = {0};
	char a[EST_TOKEN_TEXT], b[EST_TOKEN_TEXT], id[EST_TOKEN_ID];

	(void)state;
	add(&st, 1, "alice", NULL, HOUR, a);
	add(&st, 2, "bob", NULL, 48 * HOUR, b);
	est_token_id(&st.recs[0], id);
	assert_int_equal(strlen(id), 12);
	assert_false(est_token_revoke(&st, "000000000000"));
	assert_true(est_token_revoke(&st, id));
	assert_int_equal(st.n, 1);
	assert_int_equal(est_token_redeem(&st, a, "alice", NOW, NULL), EST_TOKEN_UNKNOWN);
	add(&st, 3, "carol", NULL, HOUR, a);
	assert_int_equal(est_token_prune(&st, NOW + 2 * HOUR), 1);
	assert_int_equal(st.n, 1);
	assert_string_equal(st.recs[0].identity, "bob");
	est_token_store_free(&st);
}

static void test_est_token_file_round_trip(void **state)
{
	struct est_token_store st = {0}, back;
	char a[EST_TOKEN_TEXT], b[EST_TOKEN_TEXT], err[256];
	char *text, *again;
	size_t len, len2;

	(void)state;
	add(&st, 1, "alice smith", "eng", HOUR, a);
	add(&st, 2, "bob", NULL, HOUR, b);
	assert_int_equal(est_token_redeem(&st, b, "bob", NOW + 5, NULL), EST_TOKEN_OK);
	text = est_token_file_format(&st, &len);
	assert_non_null(text);
	/* the token itself is never written */
	assert_null(strstr(text, a));
	assert_null(strstr(text, b));
	assert_int_equal(est_token_file_parse(text, len, "t", &back, err, sizeof(err)), 0);
	assert_int_equal(back.n, 2);
	assert_memory_equal(back.recs[0].hash, st.recs[0].hash, EST_TOKEN_HASH);
	assert_string_equal(back.recs[0].identity, "alice smith");
	assert_string_equal(back.recs[0].group, "eng");
	assert_int_equal(back.recs[0].used, 0);
	assert_int_equal(back.recs[1].used, NOW + 5);
	assert_int_equal(back.recs[1].expires, NOW + HOUR);
	again = est_token_file_format(&back, &len2);
	assert_int_equal(len, len2);
	assert_memory_equal(text, again, len);
	free(text);
	free(again);
	est_token_store_free(&st);
	est_token_store_free(&back);
}

static void test_est_token_file_refuses_damage_with_line(void **state)
{
	static const struct {
		const char *text, *want;
	} cases[] = {
	    {"mtlsvpn-ca-tokens 2\n", "t:1: expected"},
	    {"", "empty"},
	    {"mtlsvpn-ca-tokens 1\n# c\nzz\talice\t-\t20260101000000Z\t20260102000000Z\t-\n",
	     "t:3: the hash"},
	    {"mtlsvpn-ca-tokens 1\n"
	     "00000000000000000000000000000000000000000000000000000000000000"
	     "00\talice\t-\t20260101000000Z\t20260102000000Z\n",
	     "t:2: fewer"},
	    {"mtlsvpn-ca-tokens 1\n"
	     "00000000000000000000000000000000000000000000000000000000000000"
	     "00\talice\t-\t2026\t20260102000000Z\t-\n",
	     "t:2: a time"},
	    {"mtlsvpn-ca-tokens 1\n"
	     "00000000000000000000000000000000000000000000000000000000000000"
	     "00\t\t-\t20260101000000Z\t20260102000000Z\t-\n",
	     "t:2: the identity"},
	    {"mtlsvpn-ca-tokens 1\n"
	     "00000000000000000000000000000000000000000000000000000000000000"
	     "00\talice\t-\t00010101000000Z\t20260102000000Z\t-\n",
	     "t:2: a time before 1970"},
	};
	struct est_token_store st;
	char err[256];

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		assert_int_equal(est_token_file_parse(cases[i].text, strlen(cases[i].text), "t",
						      &st, err, sizeof(err)),
				 -1);
		if (strstr(err, cases[i].want) == NULL)
			fail_msg("case %zu: '%s' lacks '%s'", i, err, cases[i].want);
	}
}

/* Two processes redeem the same token through DIR/tokens at once, many
 * times over: each time exactly one is accepted, the other sees "used". */
static void test_est_token_file_redeem_race(void **state)
{
	char dir[128], path[192], cmd[256], err[256];
	struct est_token_store st = {0};
	enum est_token_verdict v;
	struct stat sb;

	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/test_est_token.%d", (int)getpid());
	assert_int_equal(mkdir(dir, 0700), 0);
	snprintf(path, sizeof(path), "%s/%s", dir, EST_TOKEN_FILE_NAME);
	/* a missing file is an empty store: unknown, not an error */
	assert_int_equal(est_token_file_redeem(dir, "000000000-000000000-000000000", "a", NOW, &v,
					       NULL, err, sizeof(err)),
			 0);
	assert_int_equal(v, EST_TOKEN_UNKNOWN);
	for (uint8_t round = 0; round < 20; round++) {
		char text[EST_TOKEN_TEXT];
		pid_t kids[2];
		int ok = 0, used = 0;

		add(&st, round, "alice", NULL, HOUR, text);
		assert_int_equal(est_token_file_save(path, &st, err, sizeof(err)), 0);
		for (int k = 0; k < 2; k++) {
			kids[k] = fork();
			assert_true(kids[k] >= 0);
			if (kids[k] == 0) {
				int rc = est_token_file_redeem(dir, text, "alice", NOW + 1, &v,
							       NULL, err, sizeof(err));

				_exit(rc < 0 ? 99 : (int)v);
			}
		}
		for (int k = 0; k < 2; k++) {
			int ws;

			assert_int_equal(waitpid(kids[k], &ws, 0), kids[k]);
			assert_true(WIFEXITED(ws));
			ok += WEXITSTATUS(ws) == EST_TOKEN_OK;
			used += WEXITSTATUS(ws) == EST_TOKEN_USED;
		}
		assert_int_equal(ok, 1);
		assert_int_equal(used, 1);
		est_token_store_free(&st);
		assert_int_equal(est_token_file_load(path, &st, err, sizeof(err)), 0);
		assert_int_equal(st.n, round + 1u);
		assert_int_equal(st.recs[round].used, NOW + 1);
	}
	assert_int_equal(stat(path, &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0600);
	est_token_store_free(&st);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	assert_int_equal(system(cmd), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_est_token_encode_round_trip),
	    cmocka_unit_test(test_est_token_decode_as_typed),
	    cmocka_unit_test(test_est_token_decode_refuses_every_single_typo),
	    cmocka_unit_test(test_est_token_redeem_verdicts),
	    cmocka_unit_test(test_est_token_add_refuses_bad_names),
	    cmocka_unit_test(test_est_token_revoke_and_prune),
	    cmocka_unit_test(test_est_token_file_round_trip),
	    cmocka_unit_test(test_est_token_file_refuses_damage_with_line),
	    cmocka_unit_test(test_est_token_file_redeem_race),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
