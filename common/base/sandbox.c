/*
 * sandbox.c - the seccomp allow-list: default action SCMP_ACT_TRAP, so a
 * forbidden call raises SIGSYS and the handler here says which call it was
 * before the process ends. SCMP_ACT_KILL_PROCESS would end it as surely but
 * silently (at best an audit record the admin never reads). The handler
 * cannot be replaced to survive a trap: rt_sigaction on SIGSYS kills, and a
 * blocked or ignored SIGSYS makes the kernel deliver it with the default
 * action, which also kills. The names are looked up at install time (the
 * handler may only call async-signal-safe code).
 */
#include "sandbox.h"

#include <errno.h>
#include <seccomp.h>
#include <signal.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "errbuf.h"

/* System call numbers this size covers every architecture's native table. */
#define SANDBOX_NR_MAX 1024

static const char *sandbox_prog = "";
static char *sandbox_names[SANDBOX_NR_MAX];

static size_t put(char *dst, size_t at, size_t cap, const char *s)
{
	while (*s != '\0' && at + 1 < cap)
		dst[at++] = *s++;
	return at;
}

static void on_sigsys(int signo, siginfo_t *si, void *uc)
{
	char line[256], num[16];
	int nr = si->si_syscall, k = (int)sizeof(num) - 1;
	unsigned v = nr < 0 ? 0u : (unsigned)nr;
	size_t l = 0;

	(void)signo;
	(void)uc;
	num[k] = '\0';
	do {
		num[--k] = (char)('0' + v % 10);
		v /= 10;
	} while (v != 0 && k > 0);
	l = put(line, l, sizeof(line), sandbox_prog);
	l = put(line, l, sizeof(line), ": seccomp: forbidden system call ");
	l = put(line, l, sizeof(line), num + k);
	l = put(line, l, sizeof(line), " (");
	l = put(line, l, sizeof(line),
		nr >= 0 && nr < SANDBOX_NR_MAX && sandbox_names[nr] != NULL ? sandbox_names[nr]
									    : "?");
	l = put(line, l, sizeof(line), "); exiting\n");
	(void)!write(STDERR_FILENO, line, l);
	/* Not _exit: a sanitizer's _exit runs its leak check, which would
	 * make more forbidden calls. */
	syscall(SYS_exit_group, SANDBOX_EXIT_STATUS);
}

static void names_load(void)
{
	for (int nr = 0; nr < SANDBOX_NR_MAX; nr++)
		if (sandbox_names[nr] == NULL)
			sandbox_names[nr] = seccomp_syscall_resolve_num_arch(SCMP_ARCH_NATIVE, nr);
}

static int handler_install(char *why, size_t cap)
{
	struct sigaction sa;
	sigset_t sys;

	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = on_sigsys;
	sa.sa_flags = SA_SIGINFO;
	sigfillset(&sa.sa_mask);
	sigemptyset(&sys);
	sigaddset(&sys, SIGSYS);
	if (sigaction(SIGSYS, &sa, NULL) < 0 || sigprocmask(SIG_UNBLOCK, &sys, NULL) < 0) {
		errbuf_set(why, cap, "cannot handle SIGSYS: %s", strerror(errno));
		return -1;
	}
	return 0;
}

static int rule_add(scmp_filter_ctx ctx, const struct sandbox_rule *r, int nr)
{
	int rc = 0;

	switch (r->how) {
	case SANDBOX_ANY:
		break;
	case SANDBOX_ARG_ONE_OF:
		for (unsigned i = 0; i < r->n && i < 4 && rc == 0; i++)
			rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, nr, 1,
					      SCMP_CMP(r->arg, SCMP_CMP_EQ, r->v[i]));
		return rc;
	case SANDBOX_ARG_BITS_CLEAR:
		return seccomp_rule_add(ctx, SCMP_ACT_ALLOW, nr, 1,
					SCMP_CMP(r->arg, SCMP_CMP_MASKED_EQ, r->v[0], 0));
	}
	if (strcmp(r->name, "rt_sigaction") != 0)
		return seccomp_rule_add(ctx, SCMP_ACT_ALLOW, nr, 0);
	rc = seccomp_rule_add(ctx, SCMP_ACT_KILL_PROCESS, nr, 1,
			      SCMP_A0(SCMP_CMP_EQ, (scmp_datum_t)SIGSYS));
	if (rc == 0)
		rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, nr, 1,
				      SCMP_A0(SCMP_CMP_NE, (scmp_datum_t)SIGSYS));
	return rc;
}

static int allow(scmp_filter_ctx ctx, const struct sandbox_rule *r, char *why, size_t cap)
{
	int nr = seccomp_syscall_resolve_name(r->name), rc;

	if (nr == __NR_SCMP_ERROR) {
		errbuf_set(why, cap, "seccomp: no system call is named %s", r->name);
		return -1;
	}
	rc = rule_add(ctx, r, nr);
	/* A name this architecture lacks (a negative pseudo number) is no
	 * error: the call cannot be made here at all. */
	if (rc < 0 && !(nr < 0 && rc == -EDOM)) {
		errbuf_set(why, cap, "seccomp: cannot allow %s: %s", r->name, strerror(-rc));
		return -1;
	}
	return 0;
}

int sandbox_install(const char *prog, const struct sandbox_rule *list, size_t n, char *why,
		    size_t cap)
{
	/* The handler's own calls. */
	static const struct sandbox_rule own[] = {{.name = "write"}, {.name = "exit_group"}};
	scmp_filter_ctx ctx;
	int rc;

	sandbox_prog = prog;
	names_load();
	if (handler_install(why, cap) < 0)
		return -1;
	ctx = seccomp_init(SCMP_ACT_TRAP);
	if (ctx == NULL) {
		errbuf_set(why, cap, "seccomp_init failed");
		return -1;
	}
	for (size_t i = 0; i < sizeof(own) / sizeof(own[0]); i++)
		if (allow(ctx, &own[i], why, cap) < 0)
			goto fail;
	for (size_t i = 0; i < n; i++)
		if (strcmp(list[i].name, "write") != 0 && strcmp(list[i].name, "exit_group") != 0 &&
		    allow(ctx, &list[i], why, cap) < 0)
			goto fail;
	rc = seccomp_load(ctx);
	if (rc < 0) {
		errbuf_set(why, cap, "seccomp: cannot load the filter: %s", strerror(-rc));
		goto fail;
	}
	seccomp_release(ctx);
	return 0;
fail:
	seccomp_release(ctx);
	return -1;
}
