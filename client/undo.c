/*
 * undo.c - the undo journal on disk (its bytes are common/net/journal.c).
 * One file per instance in state_dir, locked with flock for the client's
 * whole life: a journal nobody holds was left by a dead client and is
 * replayed, newest first, before anything new is done. Each change is
 * appended and fsynced *before* it is made, and a DONE record follows its
 * undo, so a crash anywhere leaves at worst an undo of something never
 * done, which netcfg.c and dns.c tolerate.
 */
#include "client.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "journal.h"
#include "log.h"

#define UNDO_FILE_MAX (8 * 1024 * 1024)

int undo_instance_path(const struct config_client *cfg, const char *suffix,
		       char out[static PATH_MAX])
{
	const char *base;
	size_t len;
	int r;

	if (strchr(cfg->tun, '%') == NULL) {
		r = snprintf(out, PATH_MAX, "%s/%s%s", cfg->state_dir, cfg->tun, suffix);
	} else {
		/* A numbered TUN has no name yet: the configuration file names it. */
		base = strrchr(cfg->path, '/');
		base = base ? base + 1 : cfg->path;
		len = strlen(base);
		if (len > 4 && strcmp(base + len - 4, ".ini") == 0)
			len -= 4;
		r = snprintf(out, PATH_MAX, "%s/%.*s%s", cfg->state_dir, (int)len, base, suffix);
	}
	if (r < 0 || r >= PATH_MAX) {
		errno = ENAMETOOLONG;
		return -1;
	}
	return 0;
}

int undo_path(const struct config_client *cfg, char out[static PATH_MAX])
{
	return undo_instance_path(cfg, ".journal", out);
}

static int write_all(int fd, const uint8_t *p, size_t len)
{
	while (len > 0) {
		ssize_t n = write(fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

static int append(struct undo *u, const struct journal_rec *r)
{
	char err[256];
	size_t need = journal_encoded_len(r, err, sizeof(err));
	uint8_t *buf = need ? malloc(need) : NULL;
	int rc = -1;

	if (buf == NULL) {
		log_warnx("%s: cannot record a change: %s", u->path, need ? "out of memory" : err);
		return -1;
	}
	if (journal_encode(r, buf, need, err, sizeof(err)) == need &&
	    write_all(u->fd, buf, need) == 0 && fdatasync(u->fd) == 0)
		rc = 0;
	else
		log_warn("%s: cannot record a change", u->path);
	free(buf);
	return rc;
}

/* An empty journal naming its owner; also what is left once all is undone,
 * so the file never grows over a long life. */
static int start_fresh(struct undo *u)
{
	struct journal_rec owner = {.kind = JOURNAL_OWNER, .pid = (uint32_t)getpid()};

	snprintf(owner.ifname, sizeof(owner.ifname), "%s", u->ifname);
	if (ftruncate(u->fd, 0) < 0 ||
	    write_all(u->fd, (const uint8_t *)JOURNAL_MAGIC, JOURNAL_MAGIC_LEN) < 0) {
		log_warn("%s: cannot write", u->path);
		return -1;
	}
	owner.seq = u->next_seq++;
	u->live = 0;
	return append(u, &owner);
}

uint32_t undo_record(struct undo *u, struct journal_rec *r)
{
	if (u == NULL || u->fd < 0)
		return 0;
	r->seq = u->next_seq++;
	if (append(u, r) < 0)
		return 0;
	u->live++;
	return r->seq;
}

void undo_done(struct undo *u, uint32_t seq)
{
	struct journal_rec done = {.kind = JOURNAL_DONE, .done_seq = seq};

	if (u == NULL || u->fd < 0 || seq == 0)
		return;
	if (u->live > 0 && --u->live == 0) {
		(void)start_fresh(u);
		return;
	}
	done.seq = u->next_seq++;
	(void)append(u, &done);
}

/* Undoes what the journal in fd lists, newest first. 0 if all of it is
 * undone (or there was nothing), -1 if something is still in place. */
static int replay(int fd, const char *path)
{
	struct journal_rec *recs = NULL;
	size_t n = 0, cap = 0, off, *order = NULL, k;
	uint8_t *data = malloc(UNDO_FILE_MAX);
	enum journal_result r;
	char err[256] = "";
	ssize_t len;
	int rc = 0;

	if (data == NULL)
		return -1;
	len = pread(fd, data, UNDO_FILE_MAX, 0);
	if (len < 0) {
		log_warn("cannot read %s", path);
		free(data);
		return -1;
	}
	r = journal_decode_start(data, (size_t)len, &off);
	while (r == JOURNAL_OK) {
		if (n == cap) {
			struct journal_rec *m = realloc(recs, (cap ? cap * 2 : 16) * sizeof(*recs));
			if (m == NULL) {
				rc = -1;
				goto out;
			}
			recs = m;
			cap = cap ? cap * 2 : 16;
		}
		r = journal_decode_next(data, (size_t)len, &off, &recs[n], err, sizeof(err));
		if (r == JOURNAL_OK)
			n++;
	}
	if (r == JOURNAL_MALFORMED)
		log_warnx("%s: %s; undoing what comes before it", path,
			  err[0] ? err : "not an mtlsvpn-client journal");
	else if (r == JOURNAL_TORN)
		log_info("%s: the last record was cut short (a crash while writing it)", path);
	order = malloc((n ? n : 1) * sizeof(*order));
	if (order == NULL) {
		rc = -1;
		goto out;
	}
	k = journal_replay_order(recs, n, order);
	if (n > 0 && recs[0].kind == JOURNAL_OWNER)
		log_info("undoing %zu change%s left by mtlsvpn-client (pid %u, %s) in %s", k,
			 k == 1 ? "" : "s", recs[0].pid, recs[0].ifname, path);
	for (size_t i = 0; i < k; i++)
		if (platform_undo_record(&recs[order[i]]) < 0)
			rc = -1;
out:
	free(order);
	free(recs);
	free(data);
	return rc;
}

/* Opens and locks path (creating it). The lock stays with the returned fd.
 * -1 with errno EWOULDBLOCK if a live client holds it. */
static int open_locked(const char *path)
{
	for (;;) {
		struct stat a, b;
		int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);

		if (fd < 0)
			return -1;
		if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
			int e = errno;
			close(fd);
			errno = e;
			return -1;
		}
		/* The owner may have removed it between our open and our lock. */
		if (fstat(fd, &a) == 0 && stat(path, &b) == 0 && a.st_ino == b.st_ino &&
		    a.st_dev == b.st_dev)
			return fd;
		close(fd);
	}
}

static int take(struct undo *u, const struct config_client *cfg, bool *had_journal)
{
	struct stat st;

	memset(u, 0, sizeof(*u));
	u->fd = -1;
	u->next_seq = 1;
	snprintf(u->ifname, sizeof(u->ifname), "%s", cfg->tun);
	if (undo_path(cfg, u->path) < 0) {
		log_warn("%s: the journal's path", cfg->state_dir);
		return -1;
	}
	if (mkdir(cfg->state_dir, 0755) < 0 && errno != EEXIST) {
		log_warn("cannot create %s", cfg->state_dir);
		return -1;
	}
	u->fd = open_locked(u->path);
	if (u->fd < 0) {
		if (errno == EWOULDBLOCK)
			log_warnx("another mtlsvpn-client is running with %s (it holds %s)",
				  cfg->tun, u->path);
		else
			log_warn("cannot open %s", u->path);
		return -1;
	}
	*had_journal = fstat(u->fd, &st) == 0 && st.st_size > 0;
	if (*had_journal && replay(u->fd, u->path) < 0) {
		log_warnx("not everything in %s could be undone (see above); it is kept: "
			  "fix the cause, then run mtlsvpn-client --cleanup",
			  u->path);
		close(u->fd);
		u->fd = -1;
		return -1;
	}
	return 0;
}

int undo_open(struct undo *u, const struct config_client *cfg)
{
	bool had;

	if (take(u, cfg, &had) < 0)
		return -1;
	if (start_fresh(u) < 0) {
		undo_close(u);
		return -1;
	}
	return 0;
}

int undo_cleanup(const struct config_client *cfg)
{
	struct undo u;
	bool had = false;
	int rc = take(&u, cfg, &had);

	if (rc == 0 && !had)
		log_info("nothing to clean up: %s holds no journal", cfg->state_dir);
	else if (rc == 0)
		log_info("cleaned up after a client that did not exit cleanly");
	if (rc == 0)
		undo_close(&u);
	return rc;
}

void undo_close(struct undo *u)
{
	if (u->fd < 0)
		return;
	/* Removed while still locked: a new client that opened it meanwhile
	 * sees it is gone once it gets the lock, and opens a new one. */
	if (u->live == 0)
		unlink(u->path);
	else
		log_warnx("%zu change%s could not be undone; %s keeps them for "
			  "mtlsvpn-client --cleanup",
			  u->live, u->live == 1 ? "" : "s", u->path);
	close(u->fd);
	u->fd = -1;
}
