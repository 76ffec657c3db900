/*
 * confine.c - what the gateway gives up once it is set up (TUN, listening
 * and control sockets open, keys and the CA read, leases restored): root
 * for [gateway] user, every capability but CAP_NET_ADMIN (a reload or a
 * shutdown moves the TUN's addresses over rtnetlink), new privileges, and
 * every system call not in the table below (common/base/sandbox.c traps
 * the rest and says which). Then it checks, as the user, that the files the
 * running gateway rewrites and re-reads are within reach: a lease directory
 * it cannot write refuses the start; an unreadable server.ini or CRL is a
 * warning (the reload that needs it is refused and says why).
 */
#include "server.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <linux/netlink.h>
#include <linux/sockios.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"
#include "sandbox.h"

#define ANY(n) {.name = n}

/* A sanitizer build (SANDBOX_SANITIZED, sandbox.h) drops user and
 * capabilities but installs no filter, and says so. */

/*
 * The system calls of the running gateway, by what needs them. Found with
 * strace -f over the integration tests from the "gateway up" line on
 * (tunnels, reloads, revocations, OCSP, capture, leases, shutdown) and
 * checked against the code. Not here: execve, fork/clone, ptrace, ioctl but one,
 * mprotect, kill, setuid and friends, bind/listen, mount, module loading.
 */
static const struct sandbox_rule gateway_calls[] = {
    /* The event loop (common/base/ev.c): epoll, signalfd reads, timers. */
    ANY("epoll_wait"), ANY("epoll_pwait"), ANY("epoll_ctl"), ANY("read"),
    ANY("clock_gettime"), ANY("gettimeofday"), ANY("time"),
    /* Its poll windows give the CPU to whatever else is runnable. */
    ANY("sched_yield"),
    /* Sessions, the TUN and the control socket: accepting, TLS records,
     * packets, TCP_NODELAY, SO_PEERCRED and SO_ERROR, closing. */
    ANY("accept4"), ANY("write"), ANY("readv"), ANY("writev"), ANY("sendto"),
    ANY("recvfrom"), ANY("sendmsg"), ANY("recvmsg"), ANY("setsockopt"), ANY("getsockopt"),
    ANY("shutdown"), ANY("close"),
    /* The UDP data channel (udp.c): batches of datagrams each way. */
    ANY("recvmmsg"), ANY("sendmmsg"),
    /* New sockets: OCSP queries (non-blocking TCP connect, ocsp_check.c),
     * rtnetlink on reload and shutdown (common/net/rtnl.c), and a Unix
     * datagram to the service manager (sd_notify). */
    {.name = "socket", .how = SANDBOX_ARG_ONE_OF, .arg = 0, .n = 4,
     .v = {AF_INET, AF_INET6, AF_NETLINK, AF_UNIX}},
    ANY("connect"), ANY("getsockname"),
    /* if_nametoindex before an rtnetlink request: a datagram socket and this
     * one ioctl (any other ioctl, the TUN's included, traps). */
    {.name = "ioctl", .how = SANDBOX_ARG_ONE_OF, .arg = 1, .n = 1, .v = {SIOCGIFINDEX}},
    /* Reload: server.ini (config_file.c: realpath, stat, access), CRL files
     * and directories (revoke_src.c) and their inotify watches. */
    ANY("openat"), ANY("newfstatat"), ANY("fstat"), ANY("statx"), ANY("lseek"),
    ANY("access"), ANY("faccessat"), ANY("faccessat2"), ANY("readlink"),
    ANY("readlinkat"), ANY("getcwd"), ANY("getdents64"), ANY("inotify_add_watch"),
    ANY("inotify_rm_watch"),
    /* The lease file, replaced atomically (common/base/atomic_file.c):
     * mkostemp, fchmod, fsync of it and of the directory, rename, unlink of
     * a failed temporary; and the control socket's unlink at shutdown. */
    ANY("fchmod"), ANY("fsync"), ANY("fdatasync"), ANY("rename"), ANY("renameat"),
    ANY("renameat2"), ANY("unlink"), ANY("unlinkat"), ANY("fcntl"),
    /* Memory: malloc, free and malloc_trim (session.c); never executable.
     * The read-ahead's staging handed back when quiet, and how much of it
     * is resident for the status (rx_idle.c). */
    ANY("brk"), ANY("munmap"), ANY("mremap"), ANY("madvise"), ANY("mincore"),
    {.name = "mmap", .how = SANDBOX_ARG_BITS_CLEAR, .arg = 2, .n = 1, .v = {PROT_EXEC}},
    /* wolfSSL's RNG, keyed hash seeds. */
    ANY("getrandom"),
    /* A PKCS#11 module that signs with the gateway's key (key =
     * pkcs11:...) takes its own locks, and SoftHSM2 finalises with them. */
    ANY("futex"),
    /* sd_notify's credentials (it sends SCM_CREDENTIALS: pid, uid, gid)
     * and the log's identity. */
    ANY("getpid"), ANY("gettid"), ANY("getuid"), ANY("geteuid"), ANY("getgid"),
    ANY("getegid"),
    /* Leaving: exit, and the return from a signal handler. */
    ANY("exit_group"), ANY("exit"), ANY("rt_sigreturn"), ANY("rt_sigprocmask"),
    ANY("restart_syscall"),
};

/* With several workers (server/workers.c) their threads start once the
 * filter is in place, and inherit it: creating a thread (clone3, whose
 * flags a filter cannot see; clone with exactly glibc's thread flags),
 * its stack's guard page and a thread's malloc arena growing (mprotect,
 * never executable), and what a new thread registers. */
#define CONFINE_THREAD_FLAGS                                                                       \
	(CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SIGHAND | CLONE_THREAD | CLONE_SYSVSEM |          \
	 CLONE_SETTLS | CLONE_PARENT_SETTID | CLONE_CHILD_CLEARTID)
static const struct sandbox_rule thread_calls[] = {
    ANY("clone3"),
    {.name = "clone", .how = SANDBOX_ARG_ONE_OF, .arg = 0, .n = 1, .v = {CONFINE_THREAD_FLAGS}},
    {.name = "mprotect", .how = SANDBOX_ARG_BITS_CLEAR, .arg = 2, .n = 1, .v = {PROT_EXEC}},
    ANY("set_robust_list"), ANY("rseq"),
    /* glibc installs its thread-cancel and set*id handlers at the first
     * pthread_create (the filter keeps SIGSYS's own). */
    ANY("rt_sigaction"),
};

#define N_GATEWAY_CALLS (sizeof(gateway_calls) / sizeof(gateway_calls[0]))
#define N_THREAD_CALLS (sizeof(thread_calls) / sizeof(thread_calls[0]))

int confine_init(struct gateway *gw)
{
	char why[256];
	unsigned n = 0;
	uid_t none[1];
	gid_t gid;

	/* control_group too, so --check-config names a missing one. */
	if (gw->cfg.control_group[0] != '\0' &&
	    privdrop_group_lookup(gw->cfg.control_group, &gid, none, 0, &n, why, sizeof(why)) < 0) {
		log_warnx("%s: [gateway] control_group: %s; create it (groupadd --system %s) or "
			  "remove the key",
			  gw->cfg.path, why, gw->cfg.control_group);
		return -1;
	}
	if (strcmp(gw->cfg.user, "root") == 0)
		return 0;
	if (privdrop_user_lookup(gw->cfg.user, &gw->user, why, sizeof(why)) < 0) {
		log_warnx("%s: [gateway] user: %s; create it (useradd --system --no-create-home "
			  "--shell /usr/sbin/nologin %s), name another unprivileged user, or set "
			  "user = root to keep running as root",
			  gw->cfg.path, why, gw->cfg.user);
		return -1;
	}
	return 0;
}

static const char *dir_of(const char *path, char *dir, size_t cap)
{
	char *slash;

	snprintf(dir, cap, "%s", path);
	slash = strrchr(dir, '/');
	if (slash == NULL)
		snprintf(dir, cap, ".");
	else
		*(slash == dir ? slash + 1 : slash) = '\0';
	return dir;
}

/* As the user now: the lease file's directory must take a new file and
 * a rename; server.ini and the CRLs should be readable for reloads. */
static int check_reach(const struct gateway *gw, const char *who)
{
	char dir[PATH_MAX];
	struct stat st;

	if (gw->cfg.lease_file[0] != '\0' &&
	    (access(dir_of(gw->cfg.lease_file, dir, sizeof(dir)), W_OK | X_OK) < 0 ||
	     (access(gw->cfg.lease_file, F_OK) == 0 &&
	      access(gw->cfg.lease_file, R_OK | W_OK) < 0))) {
		log_warn("%s: [gateway] lease_file: user %s cannot replace %s in %s; give the "
			 "directory and the file to the user (chown %s %s), or set lease_file "
			 "= none",
			 gw->cfg.path, who, gw->cfg.lease_file, dir, who, dir);
		return -1;
	}
	if (access(gw->cfg.path, R_OK) < 0)
		log_warn("user %s cannot read %s: reloads will be refused until it can", who,
			 gw->cfg.path);
	for (unsigned i = 0; i < gw->cfg.n_crl; i++) {
		bool is_dir = stat(gw->cfg.crl[i], &st) == 0 && S_ISDIR(st.st_mode);

		if (access(gw->cfg.crl[i], is_dir ? R_OK | X_OK : R_OK) < 0)
			log_warn("%s: [gateway] crl: user %s cannot read %s: its updates will be "
				 "refused until it can",
				 gw->cfg.path, who, gw->cfg.crl[i]);
	}
	return 0;
}

int confine_start(struct gateway *gw)
{
	const struct privdrop_user *u = NULL;
	const char *who = "root";
	struct sandbox_rule calls[N_GATEWAY_CALLS + N_THREAD_CALLS];
	size_t n = N_GATEWAY_CALLS;
	char why[256];
	uid_t uid;
	gid_t gid;

	if (strcmp(gw->cfg.user, "root") != 0) {
		if (geteuid() == 0 || geteuid() == gw->user.uid) {
			u = &gw->user;
			who = u->name;
		} else {
			log_warnx("started as uid %u, not root: [gateway] user = %s is not applied",
				  (unsigned)geteuid(), gw->cfg.user);
			who = "this";
		}
	}
	if (privdrop_apply(u, PRIVDROP_CAP(CAP_NET_ADMIN), why, sizeof(why)) < 0) {
		log_warnx("cannot drop privileges: %s", why);
		return -1;
	}
	if (check_reach(gw, who) < 0)
		return -1;
#ifdef SANDBOX_SANITIZED
	/* The leak checker's tracer may attach only to a dumpable process,
	 * which a uid change makes it no longer be. */
	(void)prctl(PR_SET_DUMPABLE, 1, 0, 0, 0);
#endif
	uid = geteuid();
	gid = getegid();
#ifdef SANDBOX_SANITIZED
	log_warnx("sanitizer build: system calls are not filtered");
	(void)calls;
#else
	memcpy(calls, gateway_calls, sizeof(gateway_calls));
	if (gw->n_workers > 1) {
		memcpy(calls + n, thread_calls, sizeof(thread_calls));
		n += N_THREAD_CALLS;
	}
	if (sandbox_install("mtlsvpn-server", calls, n, why, sizeof(why)) < 0) {
		log_warnx("cannot confine the gateway: %s", why);
		return -1;
	}
#endif
	log_info("running as %s (uid %u gid %u), capabilities: net_admin only, system calls: %zu "
		 "allowed",
		 u != NULL ? u->name : "root", (unsigned)uid, (unsigned)gid, n);
	return 0;
}
