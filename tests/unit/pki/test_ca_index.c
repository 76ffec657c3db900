/*
 * test_ca_index.c - the CA state file: parse and format round trip,
 * escaping of odd identities, line-numbered refusals of damaged files,
 * revocation, the expiry arithmetic behind "ca list" and "ca expiring",
 * and the atomic save: a write that fails (file size limit, as on a full
 * disk) leaves the old file byte for byte.
 */
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include <cmocka.h>

#include "ca_index.h"
#include "certgen.h"

#define NOW ((int64_t)1767225600) /* 2026-01-01 00:00:00 UTC */
#define DAY 86400

static void fake_cert(struct certgen_cert *c, uint8_t first, int64_t nb, int64_t na)
{
	memset(c, 0, sizeof(*c));
	c->serial_len = 16;
	for (size_t i = 0; i < 16; i++)
		c->serial[i] = (uint8_t)(first + i);
	c->not_before = nb;
	c->not_after = na;
}

static void make_index(struct ca_index *ix)
{
	struct certgen_cert c;

	assert_int_equal(ca_index_init(ix), 0);
	fake_cert(&c, 0x10, NOW - DAY, NOW + 3650 * DAY);
	assert_int_equal(ca_index_add(ix, &c, CERTGEN_CA, "ca.crt", "Test CA"), 0);
	fake_cert(&c, 0x20, NOW - DAY, NOW + 10 * DAY);
	assert_int_equal(ca_index_add(ix, &c, CERTGEN_CLIENT, "issued/alice.crt", "alice"), 0);
	fake_cert(&c, 0x30, NOW - DAY, NOW + 100 * DAY);
	/* TAB, newline and '%' in an identity must not break the line. */
	assert_int_equal(ca_index_add(ix, &c, CERTGEN_CLIENT, "issued/b%09ob.crt", "b\tob\n100%"),
			 0);
	fake_cert(&c, 0x40, NOW - 400 * DAY, NOW - DAY);
	assert_int_equal(ca_index_add(ix, &c, CERTGEN_SERVER, "issued/vpn.crt", "vpn"), 0);
}

static size_t count_recs(const struct ca_index *ix)
{
	size_t n = 0;

	for (size_t i = 0; i < ix->n; i++)
		n += ix->recs[i].raw == NULL;
	return n;
}

static void test_ca_index_round_trip(void **state)
{
	struct ca_index ix, back;
	char *text, *again, err[256] = "";
	size_t len, len2;
	struct ca_index_rec *r;

	(void)state;
	make_index(&ix);
	assert_non_null(r = ca_index_find_serial(&ix, "202122232425262728292a2b2c2d2e2f"));
	assert_true(ca_index_revoke(r, NOW, "keyCompromise"));
	text = ca_index_format(&ix, &len);
	assert_non_null(text);
	assert_int_equal(strncmp(text, CA_INDEX_MAGIC "\n", strlen(CA_INDEX_MAGIC) + 1), 0);
	assert_int_equal(ca_index_parse(text, len, "index", &back, err, sizeof(err)), 0);
	assert_int_equal(count_recs(&back), 4);
	r = ca_index_find_serial(&back, "303132333435363738393a3b3c3d3e3f");
	assert_non_null(r);
	assert_string_equal(r->identity, "b\tob\n100%");
	assert_string_equal(r->file, "issued/b%09ob.crt");
	r = ca_index_find_serial(&back, "202122232425262728292a2b2c2d2e2f");
	assert_int_equal(r->status, 'R');
	assert_int_equal(r->revoked, NOW);
	assert_string_equal(r->reason, "keyCompromise");
	assert_int_equal(r->not_after, NOW + 10 * DAY);
	again = ca_index_format(&back, &len2);
	assert_int_equal(len, len2);
	assert_memory_equal(text, again, len);
	free(text);
	free(again);
	ca_index_free(&ix);
	ca_index_free(&back);
}

static void test_ca_index_refuses_damage_with_line(void **state)
{
	static const struct {
		const char *text;
		const char *want;
	} cases[] = {
	    {"mtlsvpn-ca-index 2\n", "index:1: expected"},
	    {"", "empty"},
	    {CA_INDEX_MAGIC "\n# c\nV\tab\tclient\n", "index:3: expected 9"},
	    {CA_INDEX_MAGIC "\nX\tab\tclient\t20260101000000Z\t20270101000000Z\t-\t-\tf\ti\n",
	     "index:2: status"},
	    {CA_INDEX_MAGIC "\nV\tAB\tclient\t20260101000000Z\t20270101000000Z\t-\t-\tf\ti\n",
	     "index:2: serial"},
	    {CA_INDEX_MAGIC "\nV\tab\tclient\t2026010100000Z\t20270101000000Z\t-\t-\tf\ti\n",
	     "index:2: a date"},
	    {CA_INDEX_MAGIC "\nR\tab\tclient\t20260101000000Z\t20270101000000Z\t-\t-\tf\ti\n",
	     "index:2: status and revocation"},
	    {CA_INDEX_MAGIC "\nR\tab\tclient\t20260101000000Z\t20270101000000Z\t20260101000000Z"
			    "\tbogus\tf\ti\n",
	     "index:2: reason"},
	    {CA_INDEX_MAGIC "\nV\tab\tclient\t20260101000000Z\t20270101000000Z\t-\t-\tf\ti\n"
			    "V\tab\tclient\t20260101000000Z\t20270101000000Z\t-\t-\tf\ti\n",
	     "index:3: serial ab appears twice"},
	};
	struct ca_index ix;
	char err[256];

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		err[0] = 0;
		assert_int_equal(ca_index_parse(cases[i].text, strlen(cases[i].text), "index", &ix,
						err, sizeof(err)),
				 -1);
		if (strstr(err, cases[i].want) == NULL)
			fail_msg("case %zu: '%s' lacks '%s'", i, err, cases[i].want);
	}
}

static void test_ca_index_revoke_once(void **state)
{
	struct ca_index ix;
	struct ca_index_rec *r;

	(void)state;
	make_index(&ix);
	r = ca_index_find_serial(&ix, "202122232425262728292a2b2c2d2e2f");
	assert_true(ca_index_is_valid(r, NOW));
	assert_false(ca_index_revoke(r, NOW, "notAReason"));
	assert_true(ca_index_revoke(r, NOW, "superseded"));
	assert_false(ca_index_revoke(r, NOW + 1, "keyCompromise")); /* already */
	assert_string_equal(r->reason, "superseded");
	assert_false(ca_index_is_valid(r, NOW));
	assert_null(ca_index_find_serial(&ix, "ff"));
	ca_index_free(&ix);
}

static void test_ca_index_expiring_arithmetic(void **state)
{
	struct ca_index ix;
	struct ca_index_rec *alice, *bob, *vpn;

	(void)state;
	make_index(&ix);
	alice = ca_index_find_serial(&ix, "202122232425262728292a2b2c2d2e2f"); /* +10 days */
	bob = ca_index_find_serial(&ix, "303132333435363738393a3b3c3d3e3f");   /* +100 days */
	vpn = ca_index_find_serial(&ix, "404142434445464748494a4b4c4d4e4f");   /* expired */
	assert_false(ca_index_expiring(alice, NOW, 9));
	assert_true(ca_index_expiring(alice, NOW, 10)); /* exactly 10 days: within */
	assert_true(ca_index_expiring(alice, NOW, 30));
	assert_false(ca_index_expiring(bob, NOW, 30));
	assert_true(ca_index_expiring(bob, NOW, 100));
	assert_false(ca_index_expiring(vpn, NOW, 3650)); /* expired: not "expiring" */
	assert_false(ca_index_is_valid(vpn, NOW));
	/* The last second of validity, and the first second after. */
	assert_true(ca_index_is_valid(alice, NOW + 10 * DAY - 1));
	assert_false(ca_index_is_valid(alice, NOW + 10 * DAY));
	assert_true(ca_index_revoke(alice, NOW, "superseded"));
	assert_false(ca_index_expiring(alice, NOW, 30)); /* revoked: not listed */
	ca_index_free(&ix);
}

static void test_ca_index_time_round_trip(void **state)
{
	char s[16];
	int64_t t;

	(void)state;
	ca_index_format_time(NOW, s);
	assert_string_equal(s, "20260101000000Z");
	assert_true(ca_index_parse_time(s, &t));
	assert_int_equal(t, NOW);
	ca_index_format_time(2524608000, s);
	assert_string_equal(s, "20500101000000Z");
	assert_false(ca_index_parse_time("20261301000000Z", &t));
	assert_false(ca_index_parse_time("2026010100000 Z", &t));
}

static void test_ca_index_save_failure_keeps_old(void **state)
{
	char dir[] = "/tmp/test_ca_index.XXXXXX", path[64], err[256] = "", cmd[96];
	struct ca_index ix, back;
	struct rlimit old, small;
	struct certgen_cert c;
	char *before, *after;
	size_t lb, la;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/index", dir);
	make_index(&ix);
	assert_int_equal(ca_index_save(path, &ix, true, err, sizeof(err)), 0);
	/* create never replaces. */
	assert_int_equal(ca_index_save(path, &ix, true, err, sizeof(err)), -1);
	assert_int_equal(ca_index_load(path, &back, err, sizeof(err)), 0);
	before = ca_index_format(&back, &lb);
	ca_index_free(&back);
	/* Many more records, then a file size limit below the new size: the
	 * write fails as on a full disk. */
	for (int i = 0; i < 50; i++) {
		fake_cert(&c, (uint8_t)(0x50 + i), NOW, NOW + DAY);
		assert_int_equal(ca_index_add(&ix, &c, CERTGEN_CLIENT, "f.crt", "someone"), 0);
	}
	assert_int_equal(getrlimit(RLIMIT_FSIZE, &old), 0);
	signal(SIGXFSZ, SIG_IGN);
	small = old;
	small.rlim_cur = lb + 10;
	assert_int_equal(setrlimit(RLIMIT_FSIZE, &small), 0);
	assert_int_equal(ca_index_save(path, &ix, false, err, sizeof(err)), -1);
	assert_int_equal(setrlimit(RLIMIT_FSIZE, &old), 0);
	assert_non_null(strstr(err, "cannot write"));
	assert_int_equal(ca_index_load(path, &back, err, sizeof(err)), 0);
	after = ca_index_format(&back, &la);
	assert_int_equal(lb, la);
	assert_memory_equal(before, after, lb);
	ca_index_free(&back);
	/* No temporary file is left behind. */
	snprintf(cmd, sizeof(cmd), "test $(ls -A %s | wc -l) -eq 1", dir);
	assert_int_equal(system(cmd), 0);
	/* And without the limit, the same save succeeds. */
	assert_int_equal(ca_index_save(path, &ix, false, err, sizeof(err)), 0);
	assert_int_equal(ca_index_load(path, &back, err, sizeof(err)), 0);
	assert_int_equal(count_recs(&back), 54);
	ca_index_free(&back);
	ca_index_free(&ix);
	free(before);
	free(after);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	assert_int_equal(system(cmd), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_ca_index_round_trip),
	    cmocka_unit_test(test_ca_index_refuses_damage_with_line),
	    cmocka_unit_test(test_ca_index_revoke_once),
	    cmocka_unit_test(test_ca_index_expiring_arithmetic),
	    cmocka_unit_test(test_ca_index_time_round_trip),
	    cmocka_unit_test(test_ca_index_save_failure_keeps_old),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
