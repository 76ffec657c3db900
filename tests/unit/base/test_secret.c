/*
 * test_secret.c - a passphrase file's first line (line ends stripped,
 * empty, too long and missing files refused, the buffer wiped on failure),
 * and who would be asked when no file is given.
 */
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "secret.h"

static char dir[] = "/tmp/test_secret.XXXXXX";

static const char *write_file(const char *name, const char *text)
{
	static char path[128];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
	return path;
}

static void test_secret_read_file_first_line(void **state)
{
	char buf[64], err[256] = "";

	(void)state;
	assert_int_equal(secret_read_file(write_file("a", "s3cret pass\nsecond\n"), buf,
					  sizeof(buf), err, sizeof(err)),
			 0);
	assert_string_equal(buf, "s3cret pass");
	assert_int_equal(secret_read_file(write_file("b", "crlf\r\n"), buf, sizeof(buf), err,
					  sizeof(err)),
			 0);
	assert_string_equal(buf, "crlf");
	assert_int_equal(secret_read_file(write_file("c", "no newline"), buf, sizeof(buf), err,
					  sizeof(err)),
			 0);
	assert_string_equal(buf, "no newline");
}

static void test_secret_read_file_refuses_empty_long_missing(void **state)
{
	char buf[8], err[256] = "";

	(void)state;
	memset(buf, 'x', sizeof(buf));
	assert_int_equal(secret_read_file(write_file("e", "\nlater\n"), buf, sizeof(buf), err,
					  sizeof(err)),
			 -1);
	assert_non_null(strstr(err, "the first line is empty"));
	assert_int_equal(secret_read_file(write_file("l", "12345678\n"), buf, sizeof(buf), err,
					  sizeof(err)),
			 -1);
	assert_non_null(strstr(err, "longer than 7 bytes"));
	/* Nothing of the secret is left in the buffer. */
	for (size_t i = 0; i < sizeof(buf); i++)
		assert_int_equal(buf[i], 0);
	assert_int_equal(secret_read_file("/nonexistent/pass", buf, sizeof(buf), err, sizeof(err)),
			 -1);
	assert_non_null(strstr(err, "/nonexistent/pass: No such file"));
}

static void test_secret_source_now_tty_systemd_none(void **state)
{
	char buf[16], err[256] = "";
	int saved = dup(STDIN_FILENO), null = open("/dev/null", O_RDONLY);

	(void)state;
	assert_true(saved >= 0 && null >= 0);
	dup2(null, STDIN_FILENO);
	unsetenv("INVOCATION_ID");
	assert_int_equal(secret_source_now(), SECRET_NONE);
	assert_int_equal(secret_ask("Passphrase: ", buf, sizeof(buf), err, sizeof(err)), -1);
	assert_non_null(strstr(err, "no terminal to ask on"));
	setenv("INVOCATION_ID", "0123456789abcdef", 1);
	assert_int_equal(secret_source_now(), SECRET_SYSTEMD);
	unsetenv("INVOCATION_ID");
	dup2(saved, STDIN_FILENO);
	close(saved);
	close(null);
}

/* Under systemd (INVOCATION_ID) with no terminal, the answer comes from
 * systemd-ask-password: a stand-in on PATH prints it (or fails). */
static void test_secret_ask_systemd_helper(void **state)
{
	char buf[32], err[256] = "", path[256], *old = getenv("PATH");
	int saved = dup(STDIN_FILENO), null = open("/dev/null", O_RDONLY);
	char *old_path = old != NULL ? strdup(old) : NULL;

	(void)state;
	write_file("systemd-ask-password", "#!/bin/sh\n"
					   "[ \"$2\" = 'PIN for x: ' ] || exit 3\n"
					   "[ -n \"$SECRET_FAIL\" ] && exit 1\n"
					   "echo 'from the agent'\n");
	snprintf(path, sizeof(path), "%s/systemd-ask-password", dir);
	chmod(path, 0700);
	snprintf(path, sizeof(path), "%s:%s", dir, old_path != NULL ? old_path : "/usr/bin:/bin");
	setenv("PATH", path, 1);
	dup2(null, STDIN_FILENO);
	setenv("INVOCATION_ID", "0123456789abcdef", 1);
	assert_int_equal(secret_ask("PIN for x: ", buf, sizeof(buf), err, sizeof(err)), 0);
	assert_string_equal(buf, "from the agent");
	setenv("SECRET_FAIL", "1", 1);
	assert_int_equal(secret_ask("PIN for x: ", buf, sizeof(buf), err, sizeof(err)), -1);
	assert_string_equal(err, "systemd-ask-password gave no answer");
	unsetenv("SECRET_FAIL");
	unsetenv("INVOCATION_ID");
	if (old_path != NULL)
		setenv("PATH", old_path, 1);
	free(old_path);
	dup2(saved, STDIN_FILENO);
	close(saved);
	close(null);
}

static void test_secret_wipe_zeroes(void **state)
{
	char buf[5] = "abcd";

	(void)state;
	secret_wipe(buf, sizeof(buf));
	for (size_t i = 0; i < sizeof(buf); i++)
		assert_int_equal(buf[i], 0);
	secret_wipe(NULL, 3);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_secret_read_file_first_line),
	    cmocka_unit_test(test_secret_read_file_refuses_empty_long_missing),
	    cmocka_unit_test(test_secret_source_now_tty_systemd_none),
	    cmocka_unit_test(test_secret_ask_systemd_helper),
	    cmocka_unit_test(test_secret_wipe_zeroes),
	};
	const char *names[] = {"a", "b", "c", "e", "l", "systemd-ask-password"};
	char path[128];
	int rc;

	if (mkdtemp(dir) == NULL)
		return 1;
	rc = cmocka_run_group_tests(tests, NULL, NULL);
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
		unlink(path);
	}
	rmdir(dir);
	return rc;
}
