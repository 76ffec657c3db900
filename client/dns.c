/*
 * dns.c - the tunnel's DNS servers and search domains. With systemd-resolved
 * they are set per link (resolvectl) and reverted with the link; otherwise
 * /etc/resolv.conf is saved, rewritten atomically (temporary file + rename)
 * and put back on exit, unless someone else rewrote it meanwhile. A copy of
 * the original is kept in /run so a crashed client can be cleaned up by hand.
 */
#include "client.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "log.h"

#define RESOLV_CONF "/etc/resolv.conf"
#define RESOLV_TMP "/etc/.resolv.conf.mtlsvpn"
#define RESOLV_MAX (64 * 1024)
#define RESOLV_MAXNS 3 /* glibc reads no more nameserver lines */
#define HELPER_TIMEOUT_MS 5000

extern char **environ;

/* ---- resolvectl ---- */

static bool have_resolved(void)
{
	const char *path = getenv("PATH");
	char buf[4096];

	if (access("/run/systemd/resolve/", F_OK) != 0)
		return false;
	if (path == NULL)
		path = "/usr/bin:/bin";
	while (*path != '\0') {
		size_t l = strcspn(path, ":");
		if (l > 0 && l < sizeof(buf) - sizeof("/resolvectl")) {
			snprintf(buf, sizeof(buf), "%.*s/resolvectl", (int)l, path);
			if (access(buf, X_OK) == 0)
				return true;
		}
		path += l;
		if (*path == ':')
			path++;
	}
	return false;
}

/* Runs argv with default signal handling (our loop blocks signals and a
 * child would inherit that) and waits a bounded time. 0 if it exited 0. */
static int run_helper(char *const argv[])
{
	posix_spawnattr_t attr;
	sigset_t none, all;
	pid_t pid;
	int status, rc;

	sigemptyset(&none);
	sigfillset(&all);
	posix_spawnattr_init(&attr);
	posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
	posix_spawnattr_setsigmask(&attr, &none);
	posix_spawnattr_setsigdefault(&attr, &all);
	rc = posix_spawnp(&pid, argv[0], NULL, &attr, argv, environ);
	posix_spawnattr_destroy(&attr);
	if (rc != 0) {
		errno = rc;
		log_warn("cannot run %s", argv[0]);
		return -1;
	}
	for (int waited = 0;; waited += 10) {
		pid_t r = waitpid(pid, &status, WNOHANG);
		if (r == pid)
			break;
		if (r < 0 && errno != EINTR) {
			log_warn("waitpid %s", argv[0]);
			return -1;
		}
		if (waited >= HELPER_TIMEOUT_MS) {
			log_warnx("%s %s did not finish in %d s; killed", argv[0], argv[1],
				  HELPER_TIMEOUT_MS / 1000);
			kill(pid, SIGKILL);
			(void)waitpid(pid, &status, 0);
			return -1;
		}
		nanosleep(&(struct timespec){.tv_nsec = 10 * 1000 * 1000}, NULL);
	}
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		log_warnx("%s %s failed (status %d)", argv[0], argv[1],
			  WIFEXITED(status) ? WEXITSTATUS(status) : -1);
		return -1;
	}
	return 0;
}

static int resolvectl_apply(struct dns_state *d, bool full_tunnel, const struct msg_config *cfg)
{
	char addrs[CFG_MAX_DNS][ADDR_STRLEN];
	char domains[CFG_MAX_SEARCH][MSG_DOMAIN_MAX + 1];
	char *argv[CFG_MAX_DNS + CFG_MAX_SEARCH + 5];
	char routing_all[] = "~.";
	char cmd[] = "resolvectl", dns[] = "dns", domain[] = "domain";
	unsigned k = 0;

	argv[k++] = cmd;
	argv[k++] = dns;
	argv[k++] = d->ifname;
	for (unsigned i = 0; i < cfg->n_dns; i++) {
		addr_fmt(&cfg->dns[i], addrs[i]);
		argv[k++] = addrs[i];
	}
	argv[k] = NULL;
	if (run_helper(argv) < 0)
		return -1;
	d->active = true;
	d->via_resolvectl = true;
	k = 0;
	argv[k++] = cmd;
	argv[k++] = domain;
	argv[k++] = d->ifname;
	for (unsigned i = 0; i < cfg->n_search; i++) {
		snprintf(domains[i], sizeof(domains[i]), "%s", cfg->search[i]);
		argv[k++] = domains[i];
	}
	/* Full tunnel: every query goes to the tunnel's servers. */
	if (full_tunnel)
		argv[k++] = routing_all;
	argv[k] = NULL;
	if (k > 3 && run_helper(argv) < 0)
		return -1;
	return 0;
}

/* ---- /etc/resolv.conf ---- */

static char *read_file(const char *path, size_t *len)
{
	char *p = malloc(RESOLV_MAX + 1);
	size_t n = 0;
	FILE *f;

	if (p == NULL)
		return NULL;
	f = fopen(path, "re");
	if (f == NULL) {
		int e = errno;
		free(p);
		errno = e;
		return NULL;
	}
	n = fread(p, 1, RESOLV_MAX, f);
	fclose(f);
	p[n] = '\0';
	*len = n;
	return p;
}

/* Atomically, by rename: a reader never sees half a file. Where the file is
 * a mount point (containers bind-mount it) rename fails with EBUSY and the
 * file is rewritten in place instead. */
static int write_resolv(const char *content, size_t len)
{
	int fd = open(RESOLV_TMP, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0644);
	bool ok;

	if (fd < 0)
		return -1;
	ok = write(fd, content, len) == (ssize_t)len && fsync(fd) == 0;
	if (close(fd) < 0)
		ok = false;
	if (!ok || rename(RESOLV_TMP, RESOLV_CONF) < 0) {
		int e = errno;
		unlink(RESOLV_TMP);
		if (!ok || e != EBUSY) {
			errno = e;
			return -1;
		}
		fd = open(RESOLV_CONF, O_WRONLY | O_TRUNC | O_CLOEXEC);
		if (fd < 0)
			return -1;
		ok = write(fd, content, len) == (ssize_t)len;
		if (close(fd) < 0 || !ok)
			return -1;
	}
	return 0;
}

static void backup_path(const struct dns_state *d, char out[static 128])
{
	snprintf(out, 128, "/run/mtlsvpn-client.%s.resolv.conf", d->ifname);
}

/* Appends one line to out (bounded); returns false once it is full. */
static bool put(char *out, size_t cap, size_t *len, const char *fmt, const char *arg)
{
	int r = snprintf(out + *len, cap - *len, fmt, arg);

	if (r < 0 || (size_t)r >= cap - *len)
		return false;
	*len += (size_t)r;
	return true;
}

/* Our servers first; in split-tunnel mode the original servers and search
 * domains follow so names outside the company still resolve as before.
 * The original's options lines are kept. */
static size_t compose(char *out, size_t cap, const struct dns_state *d, bool full_tunnel,
		      const struct msg_config *cfg)
{
	char a[ADDR_STRLEN];
	char search[CFG_MAX_SEARCH * (MSG_DOMAIN_MAX + 1) + 1024] = "";
	size_t len = 0, slen = 0;
	unsigned ns = 0;
	char *save = NULL, *copy, *line;

	put(out, cap, &len, "# %s: written by mtlsvpn-client while the tunnel is up;\n", d->ifname);
	put(out, cap, &len, "# the previous file is restored when it exits.\n%s", "");
	for (unsigned i = 0; i < cfg->n_dns && ns < RESOLV_MAXNS; i++, ns++)
		put(out, cap, &len, "nameserver %s\n", addr_fmt(&cfg->dns[i], a));
	for (unsigned i = 0; i < cfg->n_search; i++)
		put(search, sizeof(search), &slen, " %s", cfg->search[i]);
	copy = d->saved != NULL ? strdup(d->saved) : NULL;
	for (line = copy ? strtok_r(copy, "\n", &save) : NULL; line != NULL;
	     line = strtok_r(NULL, "\n", &save)) {
		char word[16];
		const char *rest;

		if (sscanf(line, "%15s", word) != 1)
			continue;
		rest = line + strspn(line, " \t") + strlen(word);
		if (strcmp(word, "options") == 0) {
			put(out, cap, &len, "%s\n", line);
		} else if (full_tunnel) {
			continue;
		} else if (strcmp(word, "nameserver") == 0 && ns < RESOLV_MAXNS) {
			put(out, cap, &len, "%s\n", line);
			ns++;
		} else if (strcmp(word, "search") == 0 || strcmp(word, "domain") == 0) {
			put(search, sizeof(search), &slen, "%s", rest);
		}
	}
	free(copy);
	if (slen > 0)
		put(out, cap, &len, "search%s\n", search);
	return len;
}

static int file_apply(struct dns_state *d, bool full_tunnel, const struct msg_config *cfg)
{
	char bpath[128];
	char *out;
	size_t len;
	struct stat st;
	ssize_t l;

	if (lstat(RESOLV_CONF, &st) == 0 && S_ISLNK(st.st_mode)) {
		l = readlink(RESOLV_CONF, d->saved_link, sizeof(d->saved_link) - 1);
		if (l < 0 || (size_t)l >= sizeof(d->saved_link) - 1) {
			log_warn("cannot read the link %s", RESOLV_CONF);
			return -1;
		}
		d->saved_link[l] = '\0';
	}
	d->saved = read_file(RESOLV_CONF, &d->saved_len);
	if (d->saved == NULL) {
		if (errno != ENOENT) {
			log_warn("cannot read %s", RESOLV_CONF);
			return -1;
		}
		d->saved_missing = true;
	}
	backup_path(d, bpath);
	if (d->saved != NULL) {
		FILE *f = fopen(bpath, "we");
		if (f != NULL) {
			fwrite(d->saved, 1, d->saved_len, f);
			fclose(f);
		}
	}
	out = malloc(RESOLV_MAX);
	if (out == NULL)
		return -1;
	len = compose(out, RESOLV_MAX, d, full_tunnel, cfg);
	if (write_resolv(out, len) < 0) {
		log_warn("cannot rewrite %s", RESOLV_CONF);
		free(out);
		unlink(bpath);
		return -1;
	}
	d->written = out;
	d->written_len = len;
	d->active = true;
	return 0;
}

static void file_undo(struct dns_state *d)
{
	char bpath[128];
	size_t cur_len = 0;
	char *cur = read_file(RESOLV_CONF, &cur_len);
	bool ours =
	    cur != NULL && cur_len == d->written_len && memcmp(cur, d->written, cur_len) == 0;

	free(cur);
	if (!ours) {
		log_warnx("%s was changed by another program while the tunnel was up; "
			  "leaving it as it is now",
			  RESOLV_CONF);
	} else if (d->saved_link[0] != '\0') {
		unlink(RESOLV_TMP);
		if (symlink(d->saved_link, RESOLV_TMP) < 0 || rename(RESOLV_TMP, RESOLV_CONF) < 0) {
			log_warn("cannot restore %s as a link to %s", RESOLV_CONF, d->saved_link);
			unlink(RESOLV_TMP);
		}
	} else if (d->saved_missing) {
		if (unlink(RESOLV_CONF) < 0)
			log_warn("cannot remove %s", RESOLV_CONF);
	} else if (write_resolv(d->saved, d->saved_len) < 0) {
		log_warn("cannot restore %s", RESOLV_CONF);
	}
	backup_path(d, bpath);
	unlink(bpath);
}

/* ---- the interface ---- */

int dns_apply(struct dns_state *d, const char *ifname, enum config_dns_mode mode, bool full_tunnel,
	      const struct msg_config *cfg)
{
	int r;

	dns_undo(d);
	snprintf(d->ifname, sizeof(d->ifname), "%s", ifname);
	if (mode == CONFIG_DNS_NONE || cfg->n_dns == 0)
		return 0;
	if (mode == CONFIG_DNS_AUTO)
		mode = have_resolved() ? CONFIG_DNS_RESOLVECTL : CONFIG_DNS_RESOLVCONF;
	if (mode == CONFIG_DNS_RESOLVECTL)
		r = resolvectl_apply(d, full_tunnel, cfg);
	else
		r = file_apply(d, full_tunnel, cfg);
	if (r < 0) {
		log_warnx("the tunnel is up, but its DNS servers could not be set");
		dns_undo(d);
	}
	return r;
}

const char *dns_how(const struct dns_state *d)
{
	if (!d->active)
		return NULL;
	return d->via_resolvectl ? "resolvectl" : RESOLV_CONF;
}

void dns_undo(struct dns_state *d)
{
	if (d->active) {
		if (d->via_resolvectl) {
			char cmd[] = "resolvectl", revert[] = "revert";
			char *argv[] = {cmd, revert, d->ifname, NULL};
			(void)run_helper(argv);
		} else {
			file_undo(d);
		}
	}
	free(d->saved);
	free(d->written);
	memset(d, 0, sizeof(*d));
}
