/*
 * dns.c - the tunnel's DNS servers and domains. With systemd-resolved on the
 * bus they are set per link (resolved.c, the plan from dnsplan.c: routing
 * domains, default route) and reverted with the link; otherwise
 * /etc/resolv.conf is saved, rewritten atomically (temporary file + rename)
 * and put back on exit, unless someone else rewrote it meanwhile. Both ways
 * are written to the undo journal (undo.c) first, the original file with
 * them, so a crashed client is cleaned up by the next start or --cleanup.
 */
#include "client.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"

#define RESOLV_CONF "/etc/resolv.conf"
#define RESOLV_TMP "/etc/.resolv.conf.mtlsvpn"
#define RESOLV_MAX (64 * 1024)
#define RESOLV_MAXNS 3 /* glibc reads no more nameserver lines */

/* ---- systemd-resolved ---- */

static int link_apply(struct dns_state *d, const struct dnsplan *plan)
{
	struct journal_rec rec = {.kind = JOURNAL_RESOLVED};
	char text[512];

	/* Recorded first: a crash between the calls leaves a link to revert. */
	snprintf(rec.ifname, sizeof(rec.ifname), "%s", d->ifname);
	d->seq = undo_record(d->undo, &rec);
	if (d->seq == 0)
		return -1;
	d->active = true;
	d->via_resolved = true;
	if (resolved_set_link(d->ifname, plan) < 0)
		return -1;
	dnsplan_describe(plan, text, sizeof(text));
	log_info("DNS for %s set in systemd-resolved: %s", d->ifname, text);
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

/* What resolv.conf is now, in the journal's terms (content is heap). */
static int current(enum journal_orig *orig, char link[static JOURNAL_LINK_MAX], char **content,
		   size_t *len)
{
	struct stat st;
	ssize_t l;

	*content = NULL;
	*len = 0;
	link[0] = '\0';
	if (lstat(RESOLV_CONF, &st) < 0) {
		if (errno != ENOENT)
			return -1;
		*orig = JOURNAL_ORIG_MISSING;
		return 0;
	}
	if (S_ISLNK(st.st_mode)) {
		l = readlink(RESOLV_CONF, link, JOURNAL_LINK_MAX - 1);
		if (l < 0 || l >= JOURNAL_LINK_MAX - 1)
			return -1;
		link[l] = '\0';
		*orig = JOURNAL_ORIG_SYMLINK;
	} else {
		*orig = JOURNAL_ORIG_FILE;
	}
	*content = read_file(RESOLV_CONF, len);
	if (*content == NULL && errno != ENOENT)
		return -1;
	return 0;
}

static int file_apply(struct dns_state *d, bool full_tunnel, const struct msg_config *cfg)
{
	struct journal_rec rec = {.kind = JOURNAL_RESOLV_FILE};
	enum journal_orig orig;
	char *out;
	size_t len;

	if (current(&orig, d->saved_link, &d->saved, &d->saved_len) < 0) {
		log_warn("cannot read %s", RESOLV_CONF);
		return -1;
	}
	d->saved_missing = orig == JOURNAL_ORIG_MISSING;
	if (d->saved != NULL && strstr(d->saved, ": written by mtlsvpn-client") != NULL)
		log_warnx("%s holds what an mtlsvpn-client wrote, and no journal says what was "
			  "there before: it is kept as the original",
			  RESOLV_CONF);
	out = malloc(RESOLV_MAX);
	if (out == NULL)
		return -1;
	len = compose(out, RESOLV_MAX, d, full_tunnel, cfg);
	/* The original goes into the journal before the file is touched. */
	snprintf(rec.ifname, sizeof(rec.ifname), "%s", d->ifname);
	rec.orig = orig;
	snprintf(rec.link, sizeof(rec.link), "%s", d->saved_link);
	if (orig == JOURNAL_ORIG_FILE) {
		rec.orig_data = (const uint8_t *)d->saved;
		rec.orig_len = d->saved_len;
	}
	rec.written = (const uint8_t *)out;
	rec.written_len = len;
	d->seq = undo_record(d->undo, &rec);
	if (d->seq == 0) {
		free(out);
		return -1;
	}
	if (write_resolv(out, len) < 0) {
		log_warn("cannot rewrite %s", RESOLV_CONF);
		free(out);
		undo_done(d->undo, d->seq);
		d->seq = 0;
		return -1;
	}
	d->written = out;
	d->written_len = len;
	d->active = true;
	return 0;
}

static bool same(const char *a, size_t alen, const uint8_t *b, size_t blen)
{
	return a != NULL && alen == blen && (blen == 0 || memcmp(a, b, blen) == 0);
}

/* Puts back what r saved, if the file still holds what r wrote; if it
 * already is the original, or another program has changed it since, it
 * is left as it is. 0, or -1 (logged). */
static int file_restore(const struct journal_rec *r)
{
	char link[JOURNAL_LINK_MAX];
	enum journal_orig now;
	char *cur;
	size_t cur_len;
	bool ours, orig;
	int rc = 0;

	if (current(&now, link, &cur, &cur_len) < 0) {
		log_warn("cannot read %s", RESOLV_CONF);
		return -1;
	}
	ours = now != JOURNAL_ORIG_MISSING && same(cur, cur_len, r->written, r->written_len);
	orig = now == r->orig &&
	       (now == JOURNAL_ORIG_MISSING ||
		(now == JOURNAL_ORIG_SYMLINK && strcmp(link, r->link) == 0) ||
		(now == JOURNAL_ORIG_FILE && same(cur, cur_len, r->orig_data, r->orig_len)));
	free(cur);
	if (orig && !ours)
		return 0; /* never written, or already put back */
	if (!ours) {
		log_warnx("%s was changed by another program while the tunnel was up; "
			  "leaving it as it is now",
			  RESOLV_CONF);
	} else if (r->orig == JOURNAL_ORIG_SYMLINK) {
		unlink(RESOLV_TMP);
		if (symlink(r->link, RESOLV_TMP) < 0 || rename(RESOLV_TMP, RESOLV_CONF) < 0) {
			log_warn("cannot restore %s as a link to %s", RESOLV_CONF, r->link);
			unlink(RESOLV_TMP);
			rc = -1;
		}
	} else if (r->orig == JOURNAL_ORIG_MISSING) {
		if (unlink(RESOLV_CONF) < 0 && errno != ENOENT) {
			log_warn("cannot remove %s", RESOLV_CONF);
			rc = -1;
		}
	} else if (write_resolv((const char *)r->orig_data, r->orig_len) < 0) {
		log_warn("cannot restore %s", RESOLV_CONF);
		rc = -1;
	}
	if (ours && rc == 0)
		log_info("%s restored", RESOLV_CONF);
	return rc;
}

static int file_undo(struct dns_state *d)
{
	struct journal_rec r = {
	    .kind = JOURNAL_RESOLV_FILE,
	    .orig = d->saved_link[0]   ? JOURNAL_ORIG_SYMLINK
		    : d->saved_missing ? JOURNAL_ORIG_MISSING
				       : JOURNAL_ORIG_FILE,
	    .orig_data = (const uint8_t *)d->saved,
	    .orig_len = d->saved_len,
	    .written = (const uint8_t *)d->written,
	    .written_len = d->written_len,
	};

	snprintf(r.link, sizeof(r.link), "%s", d->saved_link);
	return file_restore(&r);
}

int dns_undo_record(const struct journal_rec *r)
{
	if (r->kind == JOURNAL_RESOLVED)
		return resolved_revert_link(r->ifname);
	return file_restore(r);
}

/* ---- the interface ---- */

int dns_apply(struct dns_state *d, struct undo *u, const char *ifname, enum config_dns_mode mode,
	      bool full_tunnel, const struct msg_config *cfg)
{
	struct dnsplan plan;
	int r;

	dns_undo(d);
	d->undo = u;
	snprintf(d->ifname, sizeof(d->ifname), "%s", ifname);
	if (mode == CONFIG_DNS_NONE || !dnsplan_make(cfg, full_tunnel, &plan))
		return 0;
	/* resolv.conf only where resolved is not on the bus. */
	if (mode == CONFIG_DNS_AUTO)
		mode = resolved_present() ? CONFIG_DNS_RESOLVECTL : CONFIG_DNS_RESOLVCONF;
	if (mode == CONFIG_DNS_RESOLVECTL)
		r = link_apply(d, &plan);
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
	return d->via_resolved ? "systemd-resolved" : RESOLV_CONF;
}

void dns_undo(struct dns_state *d)
{
	if (d->active) {
		int r = d->via_resolved ? resolved_revert_link(d->ifname) : file_undo(d);
		if (r == 0 || d->via_resolved)
			undo_done(d->undo, d->seq);
	}
	free(d->saved);
	free(d->written);
	memset(d, 0, sizeof(*d));
}
