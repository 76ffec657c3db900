/*
 * test_lease_store.c - the lease file: what is written is read back byte
 * for byte (odd identities, v4 and v6); bad lines are reported with their
 * line number and skipped; a write that fails (full disk, simulated with
 * RLIMIT_FSIZE) leaves the previous file byte-identical and no temporary
 * file behind.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "lease_store.h"

#define N(t) (sizeof(t) / sizeof((t)[0]))
#define MAX_GOT 16

struct got {
	struct lease_store_entry e[MAX_GOT];
	unsigned n;
	unsigned bad_line[MAX_GOT];
	char bad_what[MAX_GOT][LEASE_STORE_WHY_MAX];
	unsigned n_bad;
};

static void on_entry(void *ctx, const struct lease_store_entry *e)
{
	struct got *g = ctx;

	if (g->n < MAX_GOT)
		g->e[g->n] = *e;
	g->n++;
}

static void on_problem(void *ctx, unsigned line, const char *what)
{
	struct got *g = ctx;

	if (g->n_bad < MAX_GOT) {
		g->bad_line[g->n_bad] = line;
		snprintf(g->bad_what[g->n_bad], sizeof(g->bad_what[0]), "%s", what);
	}
	g->n_bad++;
}

static struct ipaddr ip(const char *s)
{
	struct ipaddr a;

	if (!addr_parse(s, &a))
		fail_msg("test table: bad address %s", s);
	return a;
}

struct dir {
	char path[64];
	char file[96];
};

static void dir_make(struct dir *d)
{
	snprintf(d->path, sizeof(d->path), "/tmp/test_lease_store.XXXXXX");
	assert_non_null(mkdtemp(d->path));
	snprintf(d->file, sizeof(d->file), "%s/leases", d->path);
}

/* Entries in the directory besides "leases": a temporary file left over. */
static unsigned dir_others(const struct dir *d)
{
	DIR *dp = opendir(d->path);
	struct dirent *de;
	unsigned n = 0;

	assert_non_null(dp);
	while ((de = readdir(dp)) != NULL)
		if (strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0 &&
		    strcmp(de->d_name, "leases") != 0)
			n++;
	closedir(dp);
	return n;
}

static void dir_remove(const struct dir *d)
{
	unlink(d->file);
	assert_int_equal(rmdir(d->path), 0);
}

static void write_text(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static char *read_all(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf = calloc(1, 1 << 20);

	assert_non_null(f);
	assert_non_null(buf);
	*len = fread(buf, 1, (1 << 20) - 1, f);
	fclose(f);
	return buf;
}

static void load(const char *path, struct got *g, bool *missing)
{
	char err[256];

	memset(g, 0, sizeof(*g));
	assert_int_equal(lease_store_load(path, on_entry, on_problem, g, missing, err, sizeof(err)),
			 0);
}

static const struct {
	const char *group, *addr, *identity;
	int64_t last_used;
} round_trip[] = {
    {"engineering", "10.8.1.2", "alice@corp.example", 1732512000},
    {"engineering", "fd00:8:1::2", "alice@corp.example", 1732512000},
    {"sales", "10.8.2.7", "Bob Smith", 0},
    {"sales", "fd00:8:2::ffff", "MiXeD.CaSe@Corp.Example", 42},
    {"sales", "10.8.2.9", "J\xc3\xbcrgen M\xc3\xbcller \xe6\x9d\xb1\xe4\xba\xac", 7},
    {"sales", "10.8.2.10", "100% #1\tand\nnewline", 9},
    {"we ird%grp", "10.8.3.2", "%41", 1},
};

static void test_lease_store_round_trip(void **state)
{
	struct lease_store_writer w;
	struct dir d;
	struct got g;
	bool missing;
	char err[256];

	(void)state;
	dir_make(&d);
	lease_store_writer_init(&w);
	for (size_t i = 0; i < N(round_trip); i++) {
		struct ipaddr a = ip(round_trip[i].addr);

		assert_true(lease_store_add(&w, round_trip[i].group, &a, round_trip[i].identity,
					    round_trip[i].last_used));
	}
	assert_int_equal(lease_store_commit(&w, d.file, err, sizeof(err)), 0);
	lease_store_writer_deinit(&w);
	load(d.file, &g, &missing);
	assert_false(missing);
	assert_int_equal(g.n_bad, 0);
	assert_int_equal(g.n, N(round_trip));
	for (size_t i = 0; i < N(round_trip); i++) {
		struct ipaddr a = ip(round_trip[i].addr);

		assert_string_equal(g.e[i].group, round_trip[i].group);
		assert_string_equal(g.e[i].identity, round_trip[i].identity);
		assert_true(addr_eq(&g.e[i].addr, &a));
		assert_int_equal(g.e[i].last_used, round_trip[i].last_used);
	}
	assert_int_equal(dir_others(&d), 0);
	dir_remove(&d);
}

static void test_lease_store_escape_table(void **state)
{
	static const struct {
		const char *in, *out;
	} t[] = {
	    {"alice", "alice"}, {"a b", "a%20b"},	{"50%", "50%25"},
	    {"#x", "%23x"},	{"\xc3\xa9", "%C3%A9"}, {"A\x7f", "A%7F"},
	};
	char out[64], back[64];

	(void)state;
	for (size_t i = 0; i < N(t); i++) {
		assert_true(lease_store_escape(t[i].in, out, sizeof(out)));
		assert_string_equal(out, t[i].out);
		assert_true(lease_store_unescape(out, back, sizeof(back)));
		assert_string_equal(back, t[i].in);
	}
	assert_false(lease_store_escape("abcdef", out, 4));
	assert_false(lease_store_unescape("a%2", back, sizeof(back)));
	assert_false(lease_store_unescape("a%00b", back, sizeof(back)));
	assert_false(lease_store_unescape("a b", back, sizeof(back)));
	assert_false(lease_store_unescape("%zz", back, sizeof(back)));
}

static void test_lease_store_load_bad_lines(void **state)
{
	static const unsigned want[] = {4, 5, 6, 7, 8, 9, 10, 11};
	struct dir d;
	struct got g;
	bool missing;

	(void)state;
	dir_make(&d);
	write_text(d.file, "mtlsvpn-leases 1\n"
			   "# comment\n"
			   "eng 4 10.8.1.2 alice 100\n"	  /* 3: good */
			   "eng 4 10.8.1.3 bob\n"	  /* 4: 4 fields */
			   "eng 5 10.8.1.3 bob 1\n"	  /* 5: family */
			   "eng 6 10.8.1.3 bob 1\n"	  /* 6: family mismatch */
			   "eng 4 10.8.1.300 bob 1\n"	  /* 7: address */
			   "eng 4 10.8.1.3 bo%2 1\n"	  /* 8: escape */
			   "eng 4 10.8.1.3 bob -5\n"	  /* 9: time */
			   "eng 4 10.8.1.3 bob 1 extra\n" /* 10: 6 fields */
			   "eng  4 10.8.1.3 bob 1\n"	  /* 11: empty field */
			   "\n"
			   "eng 6 fd00::2 carol 200\n"); /* 13: good */
	load(d.file, &g, &missing);
	assert_int_equal(g.n, 2);
	assert_string_equal(g.e[0].identity, "alice");
	assert_string_equal(g.e[1].identity, "carol");
	assert_int_equal(g.e[1].addr.family, AF_INET6);
	assert_int_equal(g.n_bad, N(want));
	for (size_t i = 0; i < N(want); i++)
		assert_int_equal(g.bad_line[i], want[i]);
	assert_non_null(strstr(g.bad_what[0], "5 fields"));
	assert_non_null(strstr(g.bad_what[3], "address"));
	dir_remove(&d);
}

static void test_lease_store_load_bad_header(void **state)
{
	static const char *const files[] = {"garbage\neng 4 10.8.1.2 alice 1\n",
					    "mtlsvpn-leases 2\neng 4 10.8.1.2 alice 1\n", ""};
	struct dir d;
	struct got g;
	bool missing;

	(void)state;
	dir_make(&d);
	for (size_t i = 0; i < N(files); i++) {
		write_text(d.file, files[i]);
		load(d.file, &g, &missing);
		assert_false(missing);
		assert_int_equal(g.n, 0);
		assert_int_equal(g.n_bad, 1);
		assert_int_equal(g.bad_line[0], i < 2 ? 1 : 0);
	}
	assert_non_null(strstr(g.bad_what[0], "empty"));
	dir_remove(&d);
}

static void test_lease_store_load_missing(void **state)
{
	struct got g;
	bool missing = false;

	(void)state;
	load("/nonexistent-dir-for-test/leases", &g, &missing);
	assert_true(missing);
	assert_int_equal(g.n + g.n_bad, 0);
}

static void test_lease_store_load_unreadable(void **state)
{
	struct dir d;
	struct got g;
	bool missing;
	char err[256] = "";

	(void)state;
	dir_make(&d);
	/* A directory where the file should be: open works, read fails. */
	assert_int_equal(mkdir(d.file, 0700), 0);
	memset(&g, 0, sizeof(g));
	assert_int_equal(
	    lease_store_load(d.file, on_entry, on_problem, &g, &missing, err, sizeof(err)), -1);
	assert_non_null(strstr(err, d.file));
	assert_int_equal(rmdir(d.file), 0);
	dir_remove(&d);
}

static void fill(struct lease_store_writer *w, unsigned n)
{
	for (unsigned i = 0; i < n; i++) {
		char id[64];
		struct ipaddr a;
		uint8_t v4[4] = {10, 8, (uint8_t)(i >> 8), (uint8_t)i};

		addr_from_v4(&a, v4);
		snprintf(id, sizeof(id), "employee-%u@corp.example", i);
		assert_true(lease_store_add(w, "staff", &a, id, 1732512000 + i));
	}
}

static void test_lease_store_commit_full_disk(void **state)
{
	struct lease_store_writer w;
	struct rlimit old, lim;
	struct dir d;
	char err[256], *before, *after;
	size_t blen, alen;
	void (*prev)(int);
	int rc, e;

	(void)state;
	dir_make(&d);
	lease_store_writer_init(&w);
	fill(&w, 3);
	assert_int_equal(lease_store_commit(&w, d.file, err, sizeof(err)), 0);
	lease_store_writer_deinit(&w);
	before = read_all(d.file, &blen);

	/* A file size limit fails the write with EFBIG, as a full disk would
	 * with ENOSPC, halfway through the temporary file. */
	lease_store_writer_init(&w);
	fill(&w, 2000);
	assert_int_equal(getrlimit(RLIMIT_FSIZE, &old), 0);
	prev = signal(SIGXFSZ, SIG_IGN);
	lim = old;
	lim.rlim_cur = 4096;
	assert_int_equal(setrlimit(RLIMIT_FSIZE, &lim), 0);
	rc = lease_store_commit(&w, d.file, err, sizeof(err));
	e = errno;
	assert_int_equal(setrlimit(RLIMIT_FSIZE, &old), 0);
	signal(SIGXFSZ, prev);
	lease_store_writer_deinit(&w);
	assert_int_equal(rc, -1);
	assert_int_equal(e, EFBIG);
	assert_non_null(strstr(err, d.file));

	after = read_all(d.file, &alen);
	assert_int_equal(alen, blen);
	assert_memory_equal(after, before, blen);
	assert_int_equal(dir_others(&d), 0);
	free(before);
	free(after);
	dir_remove(&d);
}

/* The figure for the note: a whole write of 10,000 leases, fsyncs included. */
static void test_lease_store_commit_10000(void **state)
{
	struct lease_store_writer w;
	struct timespec t0, t1;
	struct dir d;
	struct got g;
	bool missing;
	char err[256];

	(void)state;
	dir_make(&d);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	lease_store_writer_init(&w);
	fill(&w, 10000);
	assert_int_equal(lease_store_commit(&w, d.file, err, sizeof(err)), 0);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	print_message("lease file: 10000 leases, %zu bytes, written in %.2f ms\n", w.len,
		      (double)(t1.tv_sec - t0.tv_sec) * 1e3 +
			  (double)(t1.tv_nsec - t0.tv_nsec) / 1e6);
	lease_store_writer_deinit(&w);
	load(d.file, &g, &missing);
	assert_int_equal(g.n, 10000);
	assert_int_equal(g.n_bad, 0);
	dir_remove(&d);
}

static void test_lease_store_add_refused(void **state)
{
	struct lease_store_writer w;
	struct ipaddr a = ip("10.8.1.2"), none;
	char err[256];

	(void)state;
	memset(&none, 0, sizeof(none));
	lease_store_writer_init(&w);
	assert_false(lease_store_add(&w, "eng", &none, "alice", 1));
	assert_int_equal(lease_store_commit(&w, "/tmp/never-written", err, sizeof(err)), -1);
	lease_store_writer_deinit(&w);
	lease_store_writer_init(&w);
	assert_false(lease_store_add(&w, "eng", &a, "", 1));
	lease_store_writer_deinit(&w);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_lease_store_round_trip),
	    cmocka_unit_test(test_lease_store_escape_table),
	    cmocka_unit_test(test_lease_store_load_bad_lines),
	    cmocka_unit_test(test_lease_store_load_bad_header),
	    cmocka_unit_test(test_lease_store_load_missing),
	    cmocka_unit_test(test_lease_store_load_unreadable),
	    cmocka_unit_test(test_lease_store_commit_full_disk),
	    cmocka_unit_test(test_lease_store_commit_10000),
	    cmocka_unit_test(test_lease_store_add_refused),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
