/*
 * lease.c - sticky leases across gateway restarts. At start the lease file
 * (cfg.lease_file, common/policy/lease_store.c) is read into each group's pool as
 * released leases, so an identity gets its old address back; after a change
 * the pools are written back whole and atomically, at most once a second,
 * and once more at shutdown. A write that fails is logged and retried; a bad
 * or unreadable file is reported line by line and rebuilt, never fatal.
 * Static addresses are configuration, not state: never written.
 */
#include "server.h"

#include <errno.h>
#include <string.h>
#include <time.h>

#include "lease_store.h"
#include "log.h"

/* Changes within this window share one write. */
#define LEASE_SAVE_DELAY_MS 1000
/* After a failed write (full disk, read-only directory). */
#define LEASE_RETRY_MS 10000

struct restore {
	struct gateway *gw;
	unsigned restored, dropped, problems;
};

static struct group *group_named(struct gateway *gw, const char *name)
{
	for (unsigned i = 0; i < gw->n_groups; i++)
		if (strcmp(gw->groups[i].net->name, name) == 0)
			return &gw->groups[i];
	return NULL;
}

static bool is_static(const struct gateway *gw, const struct group *g, const char *identity,
		      const struct ipaddr *a)
{
	const struct ipaddr *st;

	if (gw->cfg.n_statics == 0)
		return false;
	st = config_static_for(&gw->cfg, g->index, identity, a->family);
	return st != NULL && addr_eq(st, a);
}

static void on_entry(void *ctx, const struct lease_store_entry *e)
{
	struct restore *r = ctx;
	struct gateway *gw = r->gw;
	struct group *g = group_named(gw, e->group);
	char id[IDENTITY_MAX * 4 + 1], a[ADDR_STRLEN];
	const char *why = NULL;

	session_quote(e->identity, id, sizeof(id));
	addr_fmt(&e->addr, a);
	if (g == NULL) {
		why = "the group is gone";
	} else if (is_static(gw, g, e->identity, &e->addr)) {
		return; /* held for its owner already */
	} else {
		switch (pool_reserve(&g->pool, &e->addr, e->identity, false, e->last_used)) {
		case POOL_OK:
			r->restored++;
			return;
		case POOL_EXHAUSTED:
			why = "the address is now another identity's static address";
			break;
		case POOL_INVALID:
		default:
			why = "the address is no longer in the group's pool";
			break;
		}
	}
	r->dropped++;
	log_info("%s: lease of \"%s\" in group %s (%s) dropped: %s", gw->cfg.lease_file, id,
		 e->group, a, why);
}

static void on_problem(void *ctx, unsigned line, const char *what)
{
	struct restore *r = ctx;

	r->problems++;
	if (line == 0)
		log_warnx("%s: %s; it will be rewritten", r->gw->cfg.lease_file, what);
	else
		log_warnx("%s:%u: %s; the line is ignored and the file will be rewritten",
			  r->gw->cfg.lease_file, line, what);
}

void lease_restore(struct gateway *gw)
{
	struct restore r = {.gw = gw};
	char err[LEASE_STORE_WHY_MAX + PATH_MAX];
	bool missing = false;

	if (gw->cfg.lease_file[0] == '\0')
		return;
	if (lease_store_load(gw->cfg.lease_file, on_entry, on_problem, &r, &missing, err,
			     sizeof(err)) < 0) {
		log_warnx("%s; starting without saved leases, the file will be rewritten", err);
		gw->lease_dirty = true;
		return;
	}
	/* A file that needed fixing is rewritten soon, not at the next change. */
	if (missing || r.problems > 0 || r.dropped > 0)
		gw->lease_dirty = true;
	log_info("leases: %u restored from %s%s, %u dropped, %u bad lines", r.restored,
		 gw->cfg.lease_file, missing ? " (no file yet)" : "", r.dropped, r.problems);
}

static void add_family(struct lease_store_writer *w, const struct gateway *gw,
		       const struct group *g, const struct pool_lease *l, uint32_t n)
{
	for (uint32_t i = 0; i < n; i++)
		if (l[i].identity[0] != '\0' && !is_static(gw, g, l[i].identity, &l[i].addr))
			lease_store_add(w, g->net->name, &l[i].addr, l[i].identity, l[i].last_used);
}

int lease_save(struct gateway *gw)
{
	struct lease_store_writer w;
	char err[PATH_MAX + 128];
	int rc;

	if (gw->cfg.lease_file[0] == '\0')
		return 0;
	lease_store_writer_init(&w);
	for (unsigned i = 0; i < gw->n_groups; i++) {
		const struct group *g = &gw->groups[i];

		add_family(&w, gw, g, g->pool.leases4, g->pool.size4);
		add_family(&w, gw, g, g->pool.leases6, g->pool.size6);
	}
	rc = lease_store_commit(&w, gw->cfg.lease_file, err, sizeof(err));
	if (rc < 0)
		log_warnx("cannot save the leases: %s; the previous file stays", err);
	else
		log_debug("leases: %zu saved to %s", w.n, gw->cfg.lease_file);
	lease_store_writer_deinit(&w);
	if (rc == 0)
		gw->lease_dirty = false;
	return rc;
}

static void on_lease_save_due(struct ev_loop *loop, struct ev_timer *t)
{
	struct gateway *gw = t->data;

	if (lease_save(gw) < 0)
		ev_timer_arm(loop, t, LEASE_RETRY_MS);
}

void lease_start(struct gateway *gw)
{
	ev_timer_init(&gw->lease_timer, on_lease_save_due, gw);
	if (gw->lease_dirty && gw->cfg.lease_file[0] != '\0')
		ev_timer_arm(workers_main(gw)->loop, &gw->lease_timer, LEASE_SAVE_DELAY_MS);
}

void lease_changed(struct gateway *gw)
{
	gw->lease_dirty = true;
	if (gw->cfg.lease_file[0] != '\0' && workers_main(gw)->loop != NULL &&
	    !ev_timer_armed(&gw->lease_timer))
		ev_timer_arm(workers_main(gw)->loop, &gw->lease_timer, LEASE_SAVE_DELAY_MS);
}

void lease_stop(struct gateway *gw)
{
	if (workers_main(gw)->loop != NULL && gw->lease_timer.cb != NULL)
		ev_timer_stop(workers_main(gw)->loop, &gw->lease_timer);
	if (gw->lease_dirty)
		(void)lease_save(gw);
}
