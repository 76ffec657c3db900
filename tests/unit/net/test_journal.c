/*
 * test_journal.c - journal: every record kind round-trips; a file cut at
 * any byte decodes to the whole records before the cut and then TORN; a
 * flipped byte or garbage is MALFORMED, never a record; the replay order is
 * newest first without what a DONE has already undone.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "journal.h"

#define N(t) (sizeof(t) / sizeof((t)[0]))

static const char orig_text[] = "nameserver 192.0.2.53\nsearch home.example\n";
static const char ours_text[] = "# mtlsvpn0: written by mtlsvpn-client\nnameserver 10.8.0.1\n";

static struct journal_rec recs[9];

static void make_recs(void)
{
	memset(recs, 0, sizeof(recs));
	recs[0].kind = JOURNAL_OWNER;
	recs[0].pid = 4242;
	strcpy(recs[0].ifname, "mtlsvpn0");
	recs[1].kind = JOURNAL_ROUTE;
	strcpy(recs[1].ifname, "eth0");
	assert_true(addr_parse_prefix("192.0.2.1/32", true, &recs[1].prefix));
	assert_true(addr_parse("192.0.2.254", &recs[1].via));
	recs[2].kind = JOURNAL_ADDR;
	strcpy(recs[2].ifname, "mtlsvpn0");
	assert_true(addr_parse_prefix("fd00:8::2/64", false, &recs[2].prefix));
	recs[3].kind = JOURNAL_ROUTE;
	strcpy(recs[3].ifname, "mtlsvpn0");
	assert_true(addr_parse_prefix("0.0.0.0/1", true, &recs[3].prefix));
	recs[4].kind = JOURNAL_RESOLV_FILE;
	strcpy(recs[4].ifname, "mtlsvpn0");
	recs[4].orig = JOURNAL_ORIG_FILE;
	recs[4].orig_data = (const uint8_t *)orig_text;
	recs[4].orig_len = strlen(orig_text);
	recs[4].written = (const uint8_t *)ours_text;
	recs[4].written_len = strlen(ours_text);
	recs[5].kind = JOURNAL_RESOLV_FILE;
	strcpy(recs[5].ifname, "mtlsvpn0");
	recs[5].orig = JOURNAL_ORIG_SYMLINK;
	strcpy(recs[5].link, "../run/systemd/resolve/stub-resolv.conf");
	recs[5].written = (const uint8_t *)ours_text;
	recs[5].written_len = strlen(ours_text);
	recs[6].kind = JOURNAL_RESOLVED;
	strcpy(recs[6].ifname, "mtlsvpn0");
	recs[7].kind = JOURNAL_UNREACH;
	strcpy(recs[7].ifname, "mtlsvpn0");
	assert_true(addr_parse_prefix("8000::/1", true, &recs[7].prefix));
	recs[8].kind = JOURNAL_NFT_TABLE;
	strcpy(recs[8].ifname, "mtlsvpn0");
	for (size_t i = 0; i < N(recs); i++)
		recs[i].seq = (uint32_t)(i + 1);
}

/* The file of all of recs; returns its length. */
static size_t make_file(uint8_t *out, size_t cap, size_t *ends)
{
	size_t len = JOURNAL_MAGIC_LEN;
	char err[128];

	memcpy(out, JOURNAL_MAGIC, JOURNAL_MAGIC_LEN);
	for (size_t i = 0; i < N(recs); i++) {
		size_t n = journal_encode(&recs[i], out + len, cap - len, err, sizeof(err));
		assert_int_not_equal(n, 0);
		assert_int_equal(n, journal_encoded_len(&recs[i], NULL, 0));
		len += n;
		ends[i] = len;
	}
	return len;
}

static void assert_same(const struct journal_rec *a, const struct journal_rec *b)
{
	assert_int_equal(a->kind, b->kind);
	assert_int_equal(a->seq, b->seq);
	assert_string_equal(a->ifname, b->ifname);
	assert_int_equal(a->pid, b->pid);
	assert_int_equal(a->prefix.addr.family, b->prefix.addr.family);
	assert_int_equal(a->prefix.len, b->prefix.len);
	assert_memory_equal(a->prefix.addr.bytes, b->prefix.addr.bytes, 16);
	assert_int_equal(a->via.family, b->via.family);
	assert_memory_equal(a->via.bytes, b->via.bytes, 16);
	assert_int_equal(a->orig, b->orig);
	assert_string_equal(a->link, b->link);
	assert_int_equal(a->orig_len, b->orig_len);
	if (a->orig_len > 0)
		assert_memory_equal(a->orig_data, b->orig_data, a->orig_len);
	assert_int_equal(a->written_len, b->written_len);
	if (a->written_len > 0)
		assert_memory_equal(a->written, b->written, a->written_len);
	assert_int_equal(a->done_seq, b->done_seq);
}

static void test_journal_decode_round_trip(void **state)
{
	static uint8_t file[8192];
	static struct journal_rec got;
	size_t ends[N(recs)], off, len;

	(void)state;
	make_recs();
	len = make_file(file, sizeof(file), ends);
	assert_int_equal(journal_decode_start(file, len, &off), JOURNAL_OK);
	for (size_t i = 0; i < N(recs); i++) {
		assert_int_equal(journal_decode_next(file, len, &off, &got, NULL, 0), JOURNAL_OK);
		assert_same(&recs[i], &got);
		assert_int_equal(off, ends[i]);
	}
	assert_int_equal(journal_decode_next(file, len, &off, &got, NULL, 0), JOURNAL_END);
}

/* A crash mid-append: every cut gives the whole records before it, then
 * TORN (or END exactly at a record boundary). */
static void test_journal_decode_torn_last_record(void **state)
{
	static uint8_t file[8192];
	static struct journal_rec got;
	size_t ends[N(recs)], len;

	(void)state;
	make_recs();
	len = make_file(file, sizeof(file), ends);
	for (size_t cut = 0; cut < len; cut++) {
		size_t off, whole = 0;
		enum journal_result r = journal_decode_start(file, cut, &off);

		if (cut == 0) {
			assert_int_equal(r, JOURNAL_END);
			continue;
		}
		if (cut < JOURNAL_MAGIC_LEN) {
			assert_int_equal(r, JOURNAL_TORN);
			continue;
		}
		assert_int_equal(r, JOURNAL_OK);
		while ((r = journal_decode_next(file, cut, &off, &got, NULL, 0)) == JOURNAL_OK)
			whole++;
		while (whole < N(recs) && ends[whole] <= cut)
			fail_msg("cut %zu: record %zu was whole but not decoded", cut, whole);
		if (whole > 0)
			assert_true(ends[whole - 1] <= cut);
		assert_int_equal(r, off == cut ? JOURNAL_END : JOURNAL_TORN);
	}
}

static void test_journal_decode_garbage(void **state)
{
	static uint8_t file[8192];
	static struct journal_rec got;
	size_t ends[N(recs)], len, off;
	char err[128] = "";
	static const char *const not_journals[] = {
	    "nameserver 10.8.0.1\n",
	    "MTVJRNL2xxxxxxxxxx",
	    "\0\0\0\0\0\0\0\0\0",
	};

	(void)state;
	for (size_t i = 0; i < N(not_journals); i++)
		assert_int_equal(journal_decode_start((const uint8_t *)not_journals[i],
						      strlen(not_journals[i]) + 1, &off),
				 JOURNAL_MALFORMED);
	make_recs();
	len = make_file(file, sizeof(file), ends);
	/* Any one flipped byte of a record: its checksum catches it. */
	for (size_t at = JOURNAL_MAGIC_LEN + 4; at < ends[0] - 4; at++) {
		file[at] ^= 0x40;
		off = JOURNAL_MAGIC_LEN;
		assert_int_equal(journal_decode_next(file, len, &off, &got, err, sizeof(err)),
				 JOURNAL_MALFORMED);
		assert_int_equal(off, JOURNAL_MAGIC_LEN);
		file[at] ^= 0x40;
	}
	assert_non_null(strstr(err, "checksum"));
	/* A length no record can have. */
	memset(file + JOURNAL_MAGIC_LEN, 0xff, 4);
	off = JOURNAL_MAGIC_LEN;
	assert_int_equal(journal_decode_next(file, len, &off, &got, NULL, 0), JOURNAL_MALFORMED);
	/* Unknown kinds and bad fields are refused when encoding too. */
	make_recs();
	recs[1].kind = (enum journal_kind)99;
	assert_int_equal(journal_encode(&recs[1], file, sizeof(file), err, sizeof(err)), 0);
	make_recs();
	recs[2].prefix.len = 129;
	assert_int_equal(journal_encode(&recs[2], file, sizeof(file), err, sizeof(err)), 0);
	make_recs();
	recs[4].ifname[0] = '\0';
	assert_int_equal(journal_encode(&recs[4], file, sizeof(file), err, sizeof(err)), 0);
	make_recs();
	assert_int_equal(journal_encode(&recs[4], file, 10, err, sizeof(err)), 0);
	make_recs();
	recs[7].prefix.addr.family = 0;
	assert_int_equal(journal_encode(&recs[7], file, sizeof(file), err, sizeof(err)), 0);
	make_recs();
	recs[8].ifname[0] = '\0';
	assert_int_equal(journal_encode(&recs[8], file, sizeof(file), err, sizeof(err)), 0);
}

static void test_journal_replay_order_newest_first(void **state)
{
	static struct journal_rec r[8];
	size_t order[N(r)], n;
	/* owner, A, B, C, DONE(B), D, DONE(seq 99: none), DONE(A) */
	static const struct {
		enum journal_kind kind;
		uint32_t done;
	} t[] = {
	    {JOURNAL_OWNER, 0}, {JOURNAL_ROUTE, 0},	  {JOURNAL_ADDR, 0},  {JOURNAL_ROUTE, 0},
	    {JOURNAL_DONE, 3},	{JOURNAL_RESOLV_FILE, 0}, {JOURNAL_DONE, 99}, {JOURNAL_DONE, 2},
	};

	(void)state;
	memset(r, 0, sizeof(r));
	for (size_t i = 0; i < N(t); i++) {
		r[i].kind = t[i].kind;
		r[i].seq = (uint32_t)(i + 1);
		r[i].done_seq = t[i].done;
	}
	n = journal_replay_order(r, N(r), order);
	assert_int_equal(n, 2);
	assert_int_equal(order[0], 5); /* D, the newest */
	assert_int_equal(order[1], 3); /* C */
	/* A DONE written before its record does not count. */
	r[1].kind = JOURNAL_DONE;
	r[1].done_seq = 3;
	r[4].kind = JOURNAL_ROUTE;
	n = journal_replay_order(r, N(r), order);
	assert_int_equal(n, 4);
	assert_int_equal(order[0], 5);
	assert_int_equal(order[1], 4);
	assert_int_equal(order[2], 3);
	assert_int_equal(order[3], 2);
	assert_int_equal(journal_replay_order(r, 0, order), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_journal_decode_round_trip),
	    cmocka_unit_test(test_journal_decode_torn_last_record),
	    cmocka_unit_test(test_journal_decode_garbage),
	    cmocka_unit_test(test_journal_replay_order_newest_first),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
