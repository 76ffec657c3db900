/*
 * privdrop.c - root for another user and every capability but a kept few,
 * with the raw prctl and capset system calls. Order matters: the bounding
 * set first (dropping from it needs CAP_SETPCAP, gone after the uid
 * change), then KEEPCAPS so the permitted set survives the uid change,
 * groups and gid before uid (an unprivileged uid could no longer change
 * them), then the capability sets, and NO_NEW_PRIVS last.
 */
#include "privdrop.h"

#include <errno.h>
#include <grp.h>
#include <linux/capability.h>
#include <pwd.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "errbuf.h"

int privdrop_group_lookup(const char *name, gid_t *gid, uid_t *members, unsigned max,
			  unsigned *n, char *why, size_t cap)
{
	struct group *g = getgrnam(name);

	*n = 0;
	if (g == NULL) {
		errbuf_set(why, cap, "no group %s on this system", name);
		return -1;
	}
	*gid = g->gr_gid;
	for (char **m = g->gr_mem; m != NULL && *m != NULL && *n < max; m++) {
		struct passwd *pw = getpwnam(*m);

		if (pw != NULL)
			members[(*n)++] = pw->pw_uid;
	}
	return 0;
}

int privdrop_user_lookup(const char *name, struct privdrop_user *u, char *why, size_t cap)
{
	struct passwd *pw;

	errno = 0;
	pw = getpwnam(name);
	if (pw == NULL) {
		/* errno 0 or ENOENT: the database has no such user; anything
		 * else is a failure to read it. */
		if (errno == 0 || errno == ENOENT || errno == ESRCH)
			errbuf_set(why, cap, "the user %s does not exist", name);
		else
			errbuf_set(why, cap, "cannot look up the user %s: %s", name,
				   strerror(errno));
		return -1;
	}
	if (snprintf(u->name, sizeof(u->name), "%s", name) >= (int)sizeof(u->name)) {
		errbuf_set(why, cap, "the user name %s is too long", name);
		return -1;
	}
	u->uid = pw->pw_uid;
	u->gid = pw->pw_gid;
	return 0;
}

static int caps_get(struct __user_cap_data_struct d[2])
{
	struct __user_cap_header_struct h = {.version = _LINUX_CAPABILITY_VERSION_3, .pid = 0};

	return (int)syscall(SYS_capget, &h, d);
}

static int caps_set(uint64_t permitted, uint64_t effective)
{
	struct __user_cap_header_struct h = {.version = _LINUX_CAPABILITY_VERSION_3, .pid = 0};
	struct __user_cap_data_struct d[2];

	memset(d, 0, sizeof(d));
	d[0].permitted = (uint32_t)permitted;
	d[1].permitted = (uint32_t)(permitted >> 32);
	d[0].effective = (uint32_t)effective;
	d[1].effective = (uint32_t)(effective >> 32);
	return (int)syscall(SYS_capset, &h, d);
}

/* Every capability the kernel knows but those in keep leaves the bounding
 * set, so no execve can bring them back. Without CAP_SETPCAP the set
 * stays as given (a service manager may have narrowed it already). */
static int drop_bounding(uint64_t keep, char *why, size_t cap)
{
	struct __user_cap_data_struct d[2];

	if (caps_get(d) < 0) {
		errbuf_set(why, cap, "capget: %s", strerror(errno));
		return -1;
	}
	if (CAP_SETPCAP >= 32 || (d[0].effective & (1u << CAP_SETPCAP)) == 0)
		return 0;
	for (unsigned c = 0; c < 64; c++) {
		if (prctl(PR_CAPBSET_READ, c, 0, 0, 0) < 0)
			break; /* past the last capability this kernel has */
		if ((keep & PRIVDROP_CAP(c)) != 0)
			continue;
		if (prctl(PR_CAPBSET_DROP, c, 0, 0, 0) < 0) {
			errbuf_set(why, cap, "cannot drop capability %u from the bounding set: %s",
				   c, strerror(errno));
			return -1;
		}
	}
	return 0;
}

static int become(const struct privdrop_user *u, char *why, size_t cap)
{
	uid_t r, e, s;
	gid_t rg, eg, sg;

	if (getuid() == u->uid && geteuid() == u->uid && getgid() == u->gid)
		return 0; /* started as the user already */
	if (prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) < 0) {
		errbuf_set(why, cap, "PR_SET_KEEPCAPS: %s", strerror(errno));
		return -1;
	}
	if (initgroups(u->name, u->gid) < 0) {
		errbuf_set(why, cap, "cannot take the groups of %s: %s", u->name, strerror(errno));
		return -1;
	}
	if (setresgid(u->gid, u->gid, u->gid) < 0 || setresuid(u->uid, u->uid, u->uid) < 0) {
		errbuf_set(why, cap, "cannot become user %s (uid %u gid %u): %s", u->name,
			   (unsigned)u->uid, (unsigned)u->gid, strerror(errno));
		return -1;
	}
	/* Trust, but verify: every one of the three ids, both kinds. */
	if (getresuid(&r, &e, &s) < 0 || getresgid(&rg, &eg, &sg) < 0 || r != u->uid ||
	    e != u->uid || s != u->uid || rg != u->gid || eg != u->gid || sg != u->gid) {
		errbuf_set(why, cap, "the uid or gid did not change to those of %s", u->name);
		return -1;
	}
	return 0;
}

int privdrop_apply(const struct privdrop_user *u, uint64_t keep, char *why, size_t cap)
{
	if (drop_bounding(keep, why, cap) < 0)
		return -1;
	if (u != NULL && become(u, why, cap) < 0)
		return -1;
	if (caps_set(keep, keep) < 0) {
		errbuf_set(why, cap, "cannot keep only capabilities %#llx: %s",
			   (unsigned long long)keep, strerror(errno));
		return -1;
	}
	/* Nothing inherited by a helper program without asking; old kernels
	 * have no ambient set (EINVAL), which is as empty. */
	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0 && errno != EINVAL) {
		errbuf_set(why, cap, "cannot clear the ambient capabilities: %s", strerror(errno));
		return -1;
	}
	if (prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0) < 0 || prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0) {
		errbuf_set(why, cap, "prctl: %s", strerror(errno));
		return -1;
	}
	return 0;
}
