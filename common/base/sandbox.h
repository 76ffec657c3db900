/*
 * sandbox.h - a seccomp allow-list (libseccomp) for the rest of a process's
 * life. A call not on the list does not run: a SIGSYS handler writes
 * "PROG: seccomp: forbidden system call N (name)" to standard error with
 * write(2) and ends the process with SANDBOX_EXIT_STATUS. Pure: the reason
 * goes into why, never a log.
 */
#ifndef MTLSVPN_SANDBOX_H
#define MTLSVPN_SANDBOX_H

#include <stddef.h>
#include <stdint.h>

/* AddressSanitizer and ThreadSanitizer (test builds only) do not run
 * under a filter: the leak check at exit clones a ptrace tracer, a report
 * spawns a symbolizer, and a sanitized gateway hung at shutdown with the
 * filter in place. Callers skip sandbox_install in such builds. */
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define SANDBOX_SANITIZED 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
#define SANDBOX_SANITIZED 1
#endif
#endif

/* 128 + SIGSYS: what a shell shows for a death by that signal. */
#define SANDBOX_EXIT_STATUS 159

/* One entry of an allow-list: a system call, with every argument or (how)
 * with argument arg one of v[0..n) or with none of the bits of v[0] set. */
enum sandbox_how { SANDBOX_ANY, SANDBOX_ARG_ONE_OF, SANDBOX_ARG_BITS_CLEAR };
struct sandbox_rule {
	const char *name; /* libseccomp's spelling */
	enum sandbox_how how;
	unsigned arg;     /* 0..5 */
	unsigned n;
	uint64_t v[4];
};

/*
 * Allows the n system calls of allow (a name this architecture lacks is
 * skipped) and what the handler itself needs
 * (write, exit_group); everything else traps. "rt_sigaction" in the list
 * allows it for every signal but SIGSYS: changing the handler of SIGSYS
 * kills the process. Sets NO_NEW_PRIVS (seccomp requires it without
 * CAP_SYS_ADMIN). prog (kept, not copied) starts the handler's line.
 * 0, or -1 with why; the filter cannot be removed once installed.
 */
int sandbox_install(const char *prog, const struct sandbox_rule *allow, size_t n, char *why,
		    size_t cap);

#endif
