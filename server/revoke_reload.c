/*
 * revoke_reload.c - when the revocation state changes, inside the worker's
 * loop: a reload (SIGHUP or mtlsvpnctl reload, server/reload.c) re-reads
 * every CRL server.ini names; inotify on each CRL's
 * directory reloads a file soon after it is written or renamed into place;
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
#define INO_MASK (IN_CLOSE_WRITE | IN_MOVED_TO | IN_CREATE)

static void arm_next_update(struct worker *w);

static const char *base_of(const char *path)
{
	const char *b = strrchr(path, '/');

	return b != NULL ? b + 1 : path;
}

/* One watch per directory: inotify hands back the same descriptor for a
 * directory watched twice. */
static void watch_files(struct revoke *rv)
{
	for (unsigned i = 0; i < rv->n_files; i++) {
		struct revoke_crl *f = &rv->files[i];
		char dir[PATH_MAX];

		snprintf(dir, sizeof(dir), "%s", f->path);
		f->wd = inotify_add_watch(rv->ino_fd, dirname(dir), INO_MASK);
		if (f->wd < 0)
			log_warn("cannot watch the directory of CRL %s; it is reloaded on SIGHUP "
				 "only",
				 f->path);
	}
}

static void unwatch_files(struct revoke *rv)
{
	for (unsigned i = 0; i < CFG_MAX_CRL; i++) {
		struct revoke_crl *f = &rv->files[i];
		bool shared = false;

		if (f->wd < 0)
			continue;
		for (unsigned j = 0; j < i; j++)
			shared |= rv->files[j].wd == f->wd;
		if (!shared)
			(void)inotify_rm_watch(rv->ino_fd, f->wd);
	}
	for (unsigned i = 0; i < CFG_MAX_CRL; i++)
		rv->files[i].wd = -1;
}

void revoke_on_settled(struct ev_loop *loop, struct ev_timer *t)
{
	struct worker *w = t->data;
	struct revoke *rv = &w->gw->revoke;
	bool changed = false;

	(void)loop;
	for (unsigned i = 0; i < rv->n_files; i++) {
		if (!rv->files[i].pending)
			continue;
		rv->files[i].pending = false;
		changed |= revoke_reload_file(w->gw, &rv->files[i]);
	}
	if (changed) {
		revoke_sweep(w);
		arm_next_update(w);
	}
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
				for (unsigned i = 0; i < rv->n_files; i++)
					rv->files[i].pending = any = true;
				continue;
			}
			if (e->len == 0)
				continue;
			for (unsigned i = 0; i < rv->n_files; i++) {
				struct revoke_crl *f = &rv->files[i];
				if (f->wd == e->wd && strcmp(base_of(f->path), e->name) == 0)
					f->pending = any = true;
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

	for (unsigned i = 0; i < rv->n_files; i++) {
		int64_t nu = rv->files[i].crl.next_update;
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
	for (unsigned i = 0; i < rv->n_files; i++) {
		struct revoke_crl *f = &rv->files[i];
		if (f->crl.next_update == 0 || f->crl.next_update > now || f->expired_logged)
			continue;
		f->expired_logged = true;
		log_warnx("CRL %s is out of date: its nextUpdate has passed; %s", f->path,
			  w->gw->cfg.crl_expired == CONFIG_CRL_EXPIRED_REFUSE
			      ? "new sessions are refused until a fresh CRL is installed"
			      : "new sessions are still accepted (crl_expired = warn)");
	}
	arm_next_update(w);
}

/* Part of a reload (server/reload.c): every CRL the new configuration n
 * names, all or nothing. A file that fails keeps the CRL in force from the
 * same path, if any; a newly named file that fails refuses the whole reload
 * (-1, err says why, nothing changed). On success the CRLs and the
 * revocation keys of n are in force; the caller sweeps the sessions. */
int revoke_apply_config(struct gateway *gw, const struct config_server *n, const char *trigger,
			char *err, size_t cap)
{
	struct revoke *rv = &gw->revoke;
	struct revoke_crl *nf = calloc(CFG_MAX_CRL, sizeof(*nf));
	bool took[CFG_MAX_CRL] = {false};
	char why[256];

	if (nf == NULL) {
		snprintf(err, cap, "out of memory");
		return -1;
	}
	for (unsigned i = 0; i < n->n_crl; i++) {
		const struct revoke_crl *prev = NULL;
		int j;

		snprintf(nf[i].path, sizeof(nf[i].path), "%s", n->crl[i]);
		nf[i].wd = -1;
		for (j = 0; j < (int)rv->n_files; j++)
			if (!took[j] && strcmp(rv->files[j].path, nf[i].path) == 0) {
				prev = &rv->files[j];
				break;
			}
		if (revoke_load_file(rv, nf[i].path, prev, &nf[i], why, sizeof(why)) == 0) {
			log_info("CRL %s loaded: %zu revoked", nf[i].path, nf[i].crl.n_entries);
			continue;
		}
		if (prev == NULL) {
			snprintf(err, cap, "CRL %s rejected: %s", nf[i].path, why);
			for (unsigned k = 0; k < i; k++)
				revoke_crl_clear(&nf[k]);
			free(nf);
			return -1;
		}
		log_warnx("reload: CRL %s rejected: %s; the CRL in force before stays (%zu revoked)",
			  nf[i].path, why, prev->crl.n_entries);
		/* Carry the CRL in force over (its memory moves). */
		nf[i].crl = prev->crl;
		memcpy(nf[i].issuer_hash, prev->issuer_hash, sizeof(nf[i].issuer_hash));
		memset(&rv->files[j].crl, 0, sizeof(rv->files[j].crl));
		took[j] = true;
	}
	/* Commit: the new files, then the keys that change live. */
	if (rv->ino_fd >= 0)
		unwatch_files(rv);
	for (unsigned i = 0; i < CFG_MAX_CRL; i++)
		revoke_crl_clear(&rv->files[i]);
	memcpy(rv->files, nf, sizeof(*nf) * CFG_MAX_CRL);
	for (unsigned i = n->n_crl; i < CFG_MAX_CRL; i++)
		rv->files[i].wd = -1;
	rv->n_files = n->n_crl;
	memcpy(gw->cfg.crl, n->crl, sizeof(n->crl));
	gw->cfg.n_crl = n->n_crl;
	gw->cfg.crl_expired = n->crl_expired;
	memcpy(gw->cfg.deny_serials, n->deny_serials, sizeof(n->deny_serials));
	gw->cfg.n_deny_serials = n->n_deny_serials;
	memcpy(gw->cfg.deny_identities, n->deny_identities, sizeof(n->deny_identities));
	gw->cfg.n_deny_identities = n->n_deny_identities;
	if (rv->ino_fd >= 0)
		watch_files(rv);
	log_info("%s: revocation settings reloaded: %u CRL file(s), %u denied serial(s), "
		 "%u denied identit%s",
		 trigger, rv->n_files, gw->cfg.n_deny_serials, gw->cfg.n_deny_identities,
		 gw->cfg.n_deny_identities == 1 ? "y" : "ies");
	free(nf);
	return 0;
}

/* After a reload: close what is now revoked, re-arm the nextUpdate timer. */
void revoke_after_reload(struct gateway *gw)
{
	revoke_sweep(&gw->worker);
	arm_next_update(&gw->worker);
}

static void on_sighup(struct ev_loop *loop, int signo, void *data)
{
	char msg[900];

	(void)loop;
	(void)signo;
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
		watch_files(rv);
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
