/*
 * revoke_reload.c - when the revocation state changes, inside the worker's
 * loop: a reload (SIGHUP or mtlsvpnctl reload, server/reload.c) re-reads
 * every CRL source server.ini names (a file or a directory); inotify on each
 * file's directory, and on each directory named, reloads a source soon after
 * a file of it is written, renamed into place or removed;
 * a timer warns when a CRL's nextUpdate passes. Every change that is taken
 * is followed by a sweep of the live sessions. A failed reload changes
 * nothing and says why.
 */
#include "server.h"

#include <errno.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/inotify.h>
#include <time.h>
#include <unistd.h>

#include "log.h"

/* File events come in bursts (create, write, close; or a rename): wait this
 * long after the last one before reading, still well within a second. */
#define REVOKE_SETTLE_MS 100
#define INO_MASK (IN_CLOSE_WRITE | IN_MOVED_TO | IN_CREATE | IN_DELETE | IN_MOVED_FROM)

static void arm_next_update(struct worker *w);

static const char *base_of(const char *path)
{
	const char *b = strrchr(path, '/');

	return b != NULL ? b + 1 : path;
}

/* A watched directory before a reload. */
struct watched {
	char dir[PATH_MAX];
	int wd;
	bool kept;
};

static const char *src_dir(const struct revoke_src *src, char dir[static PATH_MAX])
{
	snprintf(dir, PATH_MAX, "%s", src->path);
	return src->is_dir ? dir : dirname(dir);
}

/* One watch per directory: inotify hands back the same descriptor for a
 * directory watched twice. A file is watched through its directory, so a
 * rename into place is seen. A directory watched before the reload (old)
 * keeps its watch: adding it anew needs read permission on it, which the
 * gateway's own user may lack where root had it at start (a CA directory
 * of mode 0711 holding crl.pem). */
static void watch_srcs(struct revoke *rv, struct watched *old, unsigned n_old)
{
	for (unsigned i = 0; i < rv->n_srcs; i++) {
		struct revoke_src *src = &rv->srcs[i];
		char buf[PATH_MAX];
		const char *dir = src_dir(src, buf);

		src->wd = -1;
		for (unsigned j = 0; j < n_old && src->wd < 0; j++)
			if (old[j].wd >= 0 && strcmp(old[j].dir, dir) == 0) {
				src->wd = old[j].wd;
				old[j].kept = true;
			}
		if (src->wd < 0)
			src->wd = inotify_add_watch(rv->ino_fd, dir, INO_MASK);
		if (src->wd < 0)
			log_warn("cannot watch %s for CRL %s; it is reloaded on SIGHUP only",
				 src->is_dir ? "the directory" : "the directory of", src->path);
	}
	for (unsigned j = 0; j < n_old; j++) {
		bool kept = false;

		for (unsigned k = 0; k < n_old; k++)
			kept |= old[k].kept && old[k].wd == old[j].wd;
		if (old[j].wd >= 0 && !kept)
			(void)inotify_rm_watch(rv->ino_fd, old[j].wd);
		for (unsigned k = j + 1; k < n_old; k++)
			if (old[k].wd == old[j].wd)
				old[k].wd = -1; /* removed (or kept) once */
	}
}

/* What is watched now, for watch_srcs after a reload; the sources forget
 * their watches. */
static unsigned unwatch_srcs(struct revoke *rv, struct watched old[static CFG_MAX_CRL])
{
	unsigned n = 0;

	for (unsigned i = 0; i < CFG_MAX_CRL; i++) {
		struct revoke_src *src = &rv->srcs[i];

		if (src->wd >= 0) {
			src_dir(src, old[n].dir);
			old[n].wd = src->wd;
			old[n++].kept = false;
		}
		src->wd = -1;
	}
	return n;
}

/* Reload one source; on failure the CRLs in force from it stay. True if
 * they changed. */
static bool reload_src(struct gateway *gw, struct revoke_src *src)
{
	struct revoke *rv = &gw->revoke;
	struct revoke_src n;
	struct timespec t0;
	char why[PATH_MAX + 256];

	clock_gettime(CLOCK_MONOTONIC, &t0);
	memset(&n, 0, sizeof(n));
	if (revoke_src_load(rv, src->path, &n, why, sizeof(why)) < 0) {
		log_warnx("CRL %s rejected: %s; the %u CRL(s) in force from it stay", src->path,
			  why, src->n_crls);
		return false;
	}
	if (revoke_src_same(&n, src)) {
		log_debug("CRL %s unchanged", src->path);
		revoke_src_clear(&n);
		return false;
	}
	revoke_src_clear(src);
	src->crls = n.crls;
	src->n_crls = n.n_crls;
	src->is_dir = n.is_dir;
	revoke_log_src(gw, src, revoke_ms_since(&t0));
	return true;
}

void revoke_on_settled(struct ev_loop *loop, struct ev_timer *t)
{
	struct worker *w = t->data;
	struct revoke *rv = &w->gw->revoke;
	bool changed = false;

	(void)loop;
	for (unsigned i = 0; i < rv->n_srcs; i++) {
		if (!rv->srcs[i].pending)
			continue;
		rv->srcs[i].pending = false;
		changed |= reload_src(w->gw, &rv->srcs[i]);
	}
	if (changed) {
		revoke_sweep(w->gw);
		arm_next_update(w);
	}
}

/* Does an event on name in the watched directory concern src? */
static bool concerns(const struct revoke_src *src, const char *name)
{
	if (src->is_dir)
		return name[0] != '.';
	return strcmp(base_of(src->path), name) == 0;
}

static void on_inotify(struct ev_loop *loop, struct ev_io *io, uint32_t revents)
{
	struct worker *w = io->data;
	struct revoke *rv = &w->gw->revoke;
	char buf[4096] __attribute__((aligned(__alignof__(struct inotify_event))));
	bool any = false;

	(void)revents;
	for (int round = 0; round < 64; round++) {
		ssize_t n = read(rv->ino_fd, buf, sizeof(buf));
		size_t off = 0;

		if (n <= 0)
			break;
		while (off + sizeof(struct inotify_event) <= (size_t)n) {
			const struct inotify_event *e = (const struct inotify_event *)(buf + off);

			off += sizeof(*e) + e->len;
			if (e->mask & IN_Q_OVERFLOW) {
				for (unsigned i = 0; i < rv->n_srcs; i++)
					rv->srcs[i].pending = any = true;
				continue;
			}
			if (e->len == 0)
				continue;
			for (unsigned i = 0; i < rv->n_srcs; i++) {
				struct revoke_src *src = &rv->srcs[i];
				if (src->wd == e->wd && concerns(src, e->name))
					src->pending = any = true;
			}
		}
	}
	if (any)
		ev_timer_arm(loop, &rv->settle_timer, REVOKE_SETTLE_MS);
}

/* Warn when the earliest nextUpdate passes (at most a day ahead, then look
 * again: the wall clock may move). */
static void arm_next_update(struct worker *w)
{
	struct revoke *rv = &w->gw->revoke;
	int64_t now = (int64_t)time(NULL), next = 0;

	for (unsigned i = 0; i < rv->n_srcs; i++)
		for (unsigned k = 0; k < rv->srcs[i].n_crls; k++) {
			int64_t nu = rv->srcs[i].crls[k].crl.next_update;
			if (nu > now && (next == 0 || nu < next))
				next = nu;
		}
	if (next == 0) {
		ev_timer_stop(w->loop, &rv->next_update_timer);
		return;
	}
	if (next - now > 86400)
		next = now + 86400;
	ev_timer_arm(w->loop, &rv->next_update_timer, (uint64_t)(next - now) * 1000 + 500);
}

void revoke_on_next_update(struct ev_loop *loop, struct ev_timer *t)
{
	struct worker *w = t->data;
	struct revoke *rv = &w->gw->revoke;
	int64_t now = (int64_t)time(NULL);

	(void)loop;
	for (unsigned i = 0; i < rv->n_srcs; i++)
		for (unsigned k = 0; k < rv->srcs[i].n_crls; k++) {
			struct revoke_crl *f = &rv->srcs[i].crls[k];
			if (f->crl.next_update == 0 || f->crl.next_update > now ||
			    f->expired_logged)
				continue;
			f->expired_logged = true;
			log_warnx("CRL %s is out of date (CRL %u of the file): its nextUpdate has "
				  "passed; %s",
				  f->file, f->index,
				  w->gw->cfg.crl_expired == CONFIG_CRL_EXPIRED_REFUSE
				      ? "new sessions are refused until a fresh CRL is installed"
				      : "new sessions are still accepted (crl_expired = warn)");
		}
	arm_next_update(w);
}

/* Part of a reload (server/reload.c): every CRL source the new
 * configuration n names, all or nothing. A source that fails keeps the
 * CRLs in force from the same path, if any; a newly named source that fails
 * refuses the whole reload (-1, err says why, nothing changed). On success
 * the CRLs and the revocation keys of n are in force; the caller sweeps the
 * sessions. */
int revoke_apply_config(struct gateway *gw, const struct config_server *n, const char *trigger,
			char *err, size_t cap)
{
	struct revoke *rv = &gw->revoke;
	struct revoke_src *nf = calloc(CFG_MAX_CRL, sizeof(*nf));
	struct watched old[CFG_MAX_CRL];
	unsigned n_crls = 0, n_old;
	double ms[CFG_MAX_CRL];
	char why[PATH_MAX + 256];

	if (nf == NULL) {
		snprintf(err, cap, "out of memory");
		return -1;
	}
	for (unsigned i = 0; i < n->n_crl; i++) {
		struct revoke_src *prev = NULL;
		struct timespec t0;

		clock_gettime(CLOCK_MONOTONIC, &t0);
		for (unsigned j = 0; j < rv->n_srcs && prev == NULL; j++)
			if (rv->srcs[j].crls != NULL && strcmp(rv->srcs[j].path, n->crl[i]) == 0)
				prev = &rv->srcs[j];
		if (revoke_src_load(rv, n->crl[i], &nf[i], why, sizeof(why)) == 0) {
			ms[i] = revoke_ms_since(&t0);
			n_crls += nf[i].n_crls;
			continue;
		}
		if (prev == NULL) {
			snprintf(err, cap, "CRL %s rejected: %s", n->crl[i], why);
			for (unsigned k = 0; k < i; k++)
				revoke_src_clear(&nf[k]);
			free(nf);
			return -1;
		}
		log_warnx("reload: CRL %s rejected: %s; the %u CRL(s) in force from it stay",
			  n->crl[i], why, prev->n_crls);
		/* Carry the CRLs in force over (their memory moves). */
		nf[i] = *prev;
		ms[i] = -1;
		prev->crls = NULL;
		prev->n_crls = 0;
		n_crls += nf[i].n_crls;
	}
	/* Commit: the new sources, then the keys that change live. */
	n_old = unwatch_srcs(rv, old);
	for (unsigned i = 0; i < CFG_MAX_CRL; i++)
		revoke_src_clear(&rv->srcs[i]);
	memcpy(rv->srcs, nf, sizeof(*nf) * CFG_MAX_CRL);
	for (unsigned i = 0; i < CFG_MAX_CRL; i++) {
		rv->srcs[i].wd = -1;
		rv->srcs[i].pending = false;
	}
	rv->n_srcs = n->n_crl;
	memcpy(gw->cfg.crl, n->crl, sizeof(n->crl));
	gw->cfg.n_crl = n->n_crl;
	gw->cfg.crl_expired = n->crl_expired;
	memcpy(gw->cfg.deny_serials, n->deny_serials, sizeof(n->deny_serials));
	gw->cfg.n_deny_serials = n->n_deny_serials;
	memcpy(gw->cfg.deny_identities, n->deny_identities, sizeof(n->deny_identities));
	gw->cfg.n_deny_identities = n->n_deny_identities;
	if (rv->ino_fd >= 0)
		watch_srcs(rv, old, n_old);
	for (unsigned i = 0; i < rv->n_srcs; i++)
		revoke_log_src(gw, &rv->srcs[i], ms[i]);
	log_info("%s: revocation settings reloaded: %u CRL(s) from %u source(s), %u denied "
		 "serial(s), %u denied identit%s",
		 trigger, n_crls, rv->n_srcs, gw->cfg.n_deny_serials, gw->cfg.n_deny_identities,
		 gw->cfg.n_deny_identities == 1 ? "y" : "ies");
	free(nf);
	return 0;
}

/* After a reload: close what is now revoked, re-arm the nextUpdate timer. */
void revoke_after_reload(struct gateway *gw)
{
	revoke_sweep(gw);
	arm_next_update(workers_main(gw));
}

static void on_sighup(struct ev_loop *loop, int signo, void *data)
{
	char msg[900];

	(void)loop;
	(void)signo;
	/* logrotate renamed the audit file: the reload's event goes to the new one. */
	audit_reopen(data);
	(void)reload_config(data, "SIGHUP", msg, sizeof(msg));
}

int revoke_start(struct worker *w)
{
	struct revoke *rv = &w->gw->revoke;

	rv->w = w;
	rv->settle_timer.data = w;
	rv->next_update_timer.data = w;
	if (ev_signal_add(w->loop, SIGHUP, on_sighup, w->gw) < 0) {
		log_warn("cannot set up SIGHUP");
		return -1;
	}
	/* Watched even with no CRL now: a SIGHUP may add one. */
	rv->ino_fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	if (rv->ino_fd < 0) {
		log_warn("inotify is unavailable: CRLs are reloaded on SIGHUP only");
	} else {
		ev_io_init(&rv->ino_io, rv->ino_fd, on_inotify, w);
		if (ev_io_start(w->loop, &rv->ino_io, EPOLLIN) < 0) {
			log_warn("cannot watch inotify events");
			return -1;
		}
		watch_srcs(rv, NULL, 0);
	}
	arm_next_update(w);
	return 0;
}

void revoke_stop(struct worker *w)
{
	struct revoke *rv = &w->gw->revoke;

	if (w->loop == NULL)
		return;
	ev_timer_stop(w->loop, &rv->settle_timer);
	ev_timer_stop(w->loop, &rv->next_update_timer);
	if (rv->ino_fd >= 0) {
		ev_io_stop(w->loop, &rv->ino_io);
		close(rv->ino_fd);
		rv->ino_fd = -1;
	}
}
