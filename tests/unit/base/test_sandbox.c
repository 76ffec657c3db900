/*
 * test_sandbox.c - the seccomp allow-list, each case in a forked child (a
 * filter cannot be removed): an allowed call runs, a forbidden one ends the
 * child with SANDBOX_EXIT_STATUS and a line naming it, replacing the SIGSYS
 * handler kills, an argument rule lets only its values through.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "sandbox.h"

static const struct sandbox_rule few[] = {
    {.name = "getpid"},
    {.name = "rt_sigaction"},
    {.name = "socket", .how = SANDBOX_ARG_ONE_OF, .arg = 0, .n = 1, .v = {AF_UNIX}},
};

/* The child's end: the system call itself, as a sanitizer's _exit would
 * run its leak check (forbidden calls) first. */
static void child_exit(int code)
{
	syscall(SYS_exit_group, code);
}

enum child_act { ACT_ALLOWED, ACT_FORBIDDEN, ACT_SIGSYS_HANDLER, ACT_ARG_OK, ACT_ARG_BAD };

/* Runs act in a child whose stderr is a pipe; returns the wait status and
 * what the child wrote. */
static int run(enum child_act act, char *out, size_t cap)
{
	int p[2], status = 0;
	ssize_t n;
	size_t got = 0;
	pid_t pid;

	assert_int_equal(pipe(p), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		char why[256];
		struct sigaction sa;
		int fd;

		dup2(p[1], STDERR_FILENO);
		close(p[0]);
		if (sandbox_install("test", few, sizeof(few) / sizeof(few[0]), why, sizeof(why)) <
		    0) {
			dprintf(STDERR_FILENO, "install: %s\n", why);
			child_exit(2);
		}
		switch (act) {
		case ACT_ALLOWED:
			child_exit(getpid() > 0 ? 0 : 1);
			break;
		case ACT_FORBIDDEN:
			(void)syscall(SYS_ptrace, PTRACE_TRACEME, 0, 0, 0);
			break;
		case ACT_SIGSYS_HANDLER:
			memset(&sa, 0, sizeof(sa));
			sa.sa_handler = SIG_IGN;
			(void)sigaction(SIGSYS, &sa, NULL);
			break;
		case ACT_ARG_OK:
			fd = socket(AF_UNIX, SOCK_DGRAM, 0);
			child_exit(fd >= 0 ? 0 : 1);
			break;
		case ACT_ARG_BAD:
			(void)socket(AF_PACKET, SOCK_RAW, 0);
			break;
		}
		child_exit(1);
	}
	close(p[1]);
	while (got + 1 < cap && (n = read(p[0], out + got, cap - 1 - got)) > 0)
		got += (size_t)n;
	out[got] = '\0';
	close(p[0]);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	return status;
}

/* Runs act in a child and checks that it exited with code; out holds
 * what it wrote to stderr. */
static void expect_exit(enum child_act act, int code, char *out, size_t cap)
{
	int st = run(act, out, cap);

	assert_true(WIFEXITED(st));
	assert_int_equal(WEXITSTATUS(st), code);
}

static void test_sandbox_install_allowed_call_runs(void **state)
{
	char out[512];

	(void)state;
	expect_exit(ACT_ALLOWED, 0, out, sizeof(out));
	assert_string_equal(out, "");
}

static void test_sandbox_install_forbidden_call_is_named(void **state)
{
	char out[512];

	(void)state;
	expect_exit(ACT_FORBIDDEN, SANDBOX_EXIT_STATUS, out, sizeof(out));
	assert_non_null(strstr(out, "test: seccomp: forbidden system call "));
	assert_non_null(strstr(out, " (ptrace); exiting\n"));
}

static void test_sandbox_install_sigsys_handler_is_kept(void **state)
{
	char out[512];
	int st;

	(void)state;
	st = run(ACT_SIGSYS_HANDLER, out, sizeof(out));
	assert_true(WIFSIGNALED(st));
	assert_int_equal(WTERMSIG(st), SIGSYS);
}

static void test_sandbox_install_argument_rule(void **state)
{
	char out[512];

	(void)state;
	expect_exit(ACT_ARG_OK, 0, out, sizeof(out));
	expect_exit(ACT_ARG_BAD, SANDBOX_EXIT_STATUS, out, sizeof(out));
	assert_non_null(strstr(out, " (socket); exiting\n"));
}

static void test_sandbox_install_unknown_name(void **state)
{
	static const struct sandbox_rule bad[] = {{.name = "no_such_call"}};
	char why[256] = "";
	int p[2], st;
	pid_t pid;

	(void)state;
	assert_int_equal(pipe(p), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		int rc = sandbox_install("test", bad, 1, why, sizeof(why));

		(void)!write(p[1], why, strlen(why));
		child_exit(rc == -1 ? 0 : 1);
	}
	close(p[1]);
	assert_true(read(p[0], why, sizeof(why) - 1) > 0);
	close(p[0]);
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	assert_non_null(strstr(why, "no_such_call"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_sandbox_install_allowed_call_runs),
	    cmocka_unit_test(test_sandbox_install_forbidden_call_is_named),
	    cmocka_unit_test(test_sandbox_install_sigsys_handler_is_kept),
	    cmocka_unit_test(test_sandbox_install_argument_rule),
	    cmocka_unit_test(test_sandbox_install_unknown_name),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
