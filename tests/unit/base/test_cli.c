/*
 * test_cli.c - cli: every accepted spelling of an option reaches its apply
 * callback once with the right value, every error names the option, and the
 * usage text is generated (and aligned) from the same table.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "cli.h"

#define N(t) (sizeof(t) / sizeof((t)[0]))
#define MAX_ARGS 8

struct seen {
	const char *config;
	int config_n;
	int verbose;
	int help;
	const char *level;
};

static bool opt_config(const char *v, void *ctx)
{
	struct seen *s = ctx;

	assert_non_null(v);
	s->config = v;
	s->config_n++;
	return true;
}

static bool opt_verbose(const char *v, void *ctx)
{
	assert_null(v);
	((struct seen *)ctx)->verbose++;
	return true;
}

static bool opt_help(const char *v, void *ctx)
{
	assert_null(v);
	((struct seen *)ctx)->help++;
	return true;
}

/* Refuses anything but "low" and "high", printing its own message. */
static bool opt_level(const char *v, void *ctx)
{
	if (strcmp(v, "low") != 0 && strcmp(v, "high") != 0) {
		fprintf(stderr, "prog: bad level '%s'\n", v);
		return false;
	}
	((struct seen *)ctx)->level = v;
	return true;
}

static const struct cli_opt opts[] = {
    {"config", 'c', "FILE", "configuration file", opt_config},
    {"check-config", 0, NULL, "check and exit", NULL},
    {"verbose", 'v', NULL, "log debug messages", opt_verbose},
    {"level", 0, "LEVEL", "low or high", opt_level},
    {"help", 'h', NULL, "show this help", opt_help},
    {NULL, 0, NULL, NULL, NULL},
};

/* Runs cli_parse on a NULL-terminated list with stderr captured. */
static int run(const char *const *args, int first, struct seen *s, char *err, size_t cap)
{
	char *argv[MAX_ARGS + 1];
	int argc = 0, saved, r;
	FILE *f = tmpfile();
	size_t n;

	assert_non_null(f);
	while (args[argc] != NULL) {
		assert_true(argc < MAX_ARGS);
		argv[argc] = (char *)(uintptr_t)args[argc];
		argc++;
	}
	argv[argc] = NULL;
	memset(s, 0, sizeof(*s));
	fflush(stderr);
	saved = dup(STDERR_FILENO);
	dup2(fileno(f), STDERR_FILENO);
	r = cli_parse(opts, argc, argv, first, s, "prog");
	fflush(stderr);
	dup2(saved, STDERR_FILENO);
	close(saved);
	rewind(f);
	n = fread(err, 1, cap - 1, f);
	err[n] = '\0';
	fclose(f);
	return r;
}

static const struct {
	const char *args[MAX_ARGS];
	int idx;
	const char *config;
	int verbose, help;
} ok[] = {
    {{"prog", NULL}, 1, NULL, 0, 0},
    {{"prog", "--config", "/a", NULL}, 3, "/a", 0, 0},
    {{"prog", "--config=/a", NULL}, 2, "/a", 0, 0},
    {{"prog", "--config=a=b", NULL}, 2, "a=b", 0, 0},
    {{"prog", "--config=", NULL}, 2, "", 0, 0},
    {{"prog", "-c", "/a", NULL}, 3, "/a", 0, 0},
    {{"prog", "-c/a", NULL}, 2, "/a", 0, 0},
    {{"prog", "-v", "-h", NULL}, 3, NULL, 1, 1},
    {{"prog", "-vh", NULL}, 2, NULL, 1, 1},
    {{"prog", "-vvc", "/a", NULL}, 3, "/a", 2, 0},
    {{"prog", "--verbose", "--help", NULL}, 3, NULL, 1, 1},
    {{"prog", "--config", "--verbose", NULL}, 3, "--verbose", 0, 0},
    {{"prog", "--check-config", NULL}, 2, NULL, 0, 0},
    /* Options end at "--", at the first operand, and at "-". */
    {{"prog", "--", "-v", NULL}, 2, NULL, 0, 0},
    {{"prog", "-v", "--", NULL}, 3, NULL, 1, 0},
    {{"prog", "file", "-v", NULL}, 1, NULL, 0, 0},
    {{"prog", "-v", "file", "-h", NULL}, 2, NULL, 1, 0},
    {{"prog", "-", "-v", NULL}, 1, NULL, 0, 0},
};

static void test_cli_parse_forms(void **state)
{
	char err[512];

	(void)state;
	for (size_t i = 0; i < N(ok); i++) {
		struct seen s;
		int r = run(ok[i].args, 1, &s, err, sizeof(err));

		if (r != ok[i].idx)
			fail_msg("case %zu: returned %d, want %d (%s)", i, r, ok[i].idx, err);
		assert_string_equal(err, "");
		if (ok[i].config == NULL) {
			assert_null(s.config);
		} else {
			assert_string_equal(s.config, ok[i].config);
			assert_int_equal(s.config_n, 1);
		}
		assert_int_equal(s.verbose, ok[i].verbose);
		assert_int_equal(s.help, ok[i].help);
	}
}

static const struct {
	const char *args[MAX_ARGS];
	const char *err; /* stderr must hold this */
} bad[] = {
    {{"prog", "--bogus", NULL}, "prog: unknown option '--bogus'"},
    {{"prog", "--bogus=1", NULL}, "unknown option '--bogus'"},
    {{"prog", "--conf", "/a", NULL}, "unknown option '--conf'"}, /* no abbreviations */
    {{"prog", "--CONFIG", "/a", NULL}, "unknown option '--CONFIG'"},
    {{"prog", "--configx", NULL}, "unknown option '--configx'"},
    {{"prog", "---config", NULL}, "unknown option '---config'"},
    {{"prog", "-x", NULL}, "unknown option '-x'"},
    {{"prog", "-vx", NULL}, "unknown option '-x'"},
    {{"prog", "-V", NULL}, "unknown option '-V'"},
    {{"prog", "--config", NULL}, "option '--config' needs a value (FILE)"},
    {{"prog", "-v", "-c", NULL}, "option '-c' needs a value (FILE)"},
    {{"prog", "-vc", NULL}, "option '-c' needs a value (FILE)"},
    {{"prog", "--verbose=1", NULL}, "option '--verbose' takes no value"},
    {{"prog", "--verbose=", NULL}, "option '--verbose' takes no value"},
    {{"prog", "--level", "medium", NULL}, "bad level 'medium'"},
    {{"prog", "--level=", NULL}, "bad level ''"},
};

static void test_cli_parse_errors_name_the_option(void **state)
{
	char err[512];

	(void)state;
	for (size_t i = 0; i < N(bad); i++) {
		struct seen s;
		int r = run(bad[i].args, 1, &s, err, sizeof(err));

		if (r != -1)
			fail_msg("case %zu (%s): returned %d", i, bad[i].args[1], r);
		if (strstr(err, bad[i].err) == NULL)
			fail_msg("case %zu: stderr \"%s\" lacks \"%s\"", i, err, bad[i].err);
		/* One line per error. */
		assert_non_null(strchr(err, '\n'));
		assert_ptr_equal(strchr(err, '\n'), err + strlen(err) - 1);
	}
}

/* Parsing stops at the first error: later options are not applied. */
static void test_cli_parse_stops_at_error(void **state)
{
	static const char *const args[] = {"prog", "-v", "--nope", "-h", NULL};
	char err[512];
	struct seen s;

	(void)state;
	assert_int_equal(run(args, 1, &s, err, sizeof(err)), -1);
	assert_int_equal(s.verbose, 1);
	assert_int_equal(s.help, 0);
}

/* first skips what the caller already consumed (a subcommand). */
static void test_cli_parse_first(void **state)
{
	static const char *const args[] = {"prog", "--bogus", "-v", "arg", NULL};
	char err[512];
	struct seen s;

	(void)state;
	assert_int_equal(run(args, 2, &s, err, sizeof(err)), 3);
	assert_int_equal(s.verbose, 1);
	assert_int_equal(run(args, 4, &s, err, sizeof(err)), 4);
}

static void test_cli_usage_aligned_from_table(void **state)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	(void)state;
	assert_non_null(f);
	cli_usage(f, "prog", "[options]", opts);
	fclose(f);
	assert_string_equal(text, "usage: prog [options]\n"
				  "\n"
				  "options:\n"
				  "  -c, --config FILE   configuration file\n"
				  "      --check-config  check and exit\n"
				  "  -v, --verbose       log debug messages\n"
				  "      --level LEVEL   low or high\n"
				  "  -h, --help          show this help\n");
	free(text);
}

static void test_cli_usage_empty_table(void **state)
{
	static const struct cli_opt none[] = {{NULL, 0, NULL, NULL, NULL}};
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	(void)state;
	assert_non_null(f);
	cli_usage(f, "prog", "FILE", none);
	fclose(f);
	assert_string_equal(text, "usage: prog FILE\n");
	free(text);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_cli_parse_forms),
	    cmocka_unit_test(test_cli_parse_errors_name_the_option),
	    cmocka_unit_test(test_cli_parse_stops_at_error),
	    cmocka_unit_test(test_cli_parse_first),
	    cmocka_unit_test(test_cli_usage_aligned_from_table),
	    cmocka_unit_test(test_cli_usage_empty_table),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
