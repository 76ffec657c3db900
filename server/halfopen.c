/*
 * halfopen.c - connections that have not authenticated yet. They are held
 * in their own table, oldest first, bounded apart from established sessions:
 * max_handshakes in all and max_handshakes_per_source from one IPv4 address
 * or IPv6 /64. A new connection over either bound closes the oldest
 * half-open connection (of its source, or of all) to make room, so a flood
 * can only displace itself and never an employee's established session,
 * and a legitimate laptop behind the same NAT as an attacker still gets a
 * fresh chance. Each must make progress: a whole ClientHello within
 * HALFOPEN_HELLO_MS of accept, the whole handshake within handshake_timeout.
 */
#include "server.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

/* A real client sends its ClientHello in the first round trip; two seconds
 * is room for a slow mobile link, and short enough that a silent
 * connection gives its slot back long before handshake_timeout. */
#define HALFOPEN_HELLO_MS 2000u
/* Handshake work (key exchange, signature, chain verification: a few
 * hundred microseconds each) done per loop turn at most. A flood of
 * ClientHellos then shares the loop with the data path instead of holding
 * it: established sessions are served between every half-millisecond of
 * handshakes, and whatever is left waits for the next turn (the sockets
 * stay readable, so the loop does not sleep while work remains). */
#define HALFOPEN_TURN_BUDGET_NS 500000u

void halfopen_source(const struct sockaddr_storage *ss, struct halfopen_src *out)
{
	memset(out, 0, sizeof(*out));
	if (ss->ss_family == AF_INET6) {
		const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)ss;

		if (IN6_IS_ADDR_V4MAPPED(&s6->sin6_addr)) {
			out->family = AF_INET;
			memcpy(out->addr, s6->sin6_addr.s6_addr + 12, 4);
		} else {
			out->family = AF_INET6;
			memcpy(out->addr, s6->sin6_addr.s6_addr, 8); /* the /64 */
		}
	} else if (ss->ss_family == AF_INET) {
		const struct sockaddr_in *s4 = (const struct sockaddr_in *)ss;

		out->family = AF_INET;
		memcpy(out->addr, &s4->sin_addr, 4);
	}
	if (out->family == AF_INET6) {
		char a[INET6_ADDRSTRLEN];

		inet_ntop(AF_INET6, out->addr, a, sizeof(a));
		snprintf(out->text, sizeof(out->text), "%s/64", a);
	} else if (out->family == AF_INET) {
		inet_ntop(AF_INET, out->addr, out->text, sizeof(out->text));
	} else {
		snprintf(out->text, sizeof(out->text), "-");
	}
}

static bool same_source(const struct halfopen_src *a, const struct halfopen_src *b)
{
	return a->family == b->family && memcmp(a->addr, b->addr, sizeof(a->addr)) == 0;
}

/* ---- per-source counts: open addressing, linear probing, keyed hash ----
 * Gateway-wide (every worker's connections), under gw->halfopen_mu when
 * there are several workers; held only for a count, never around a close. */

int halfopen_init(struct gateway *gw)
{
	size_t n = 16;

	for (unsigned i = 0; i < gw->n_workers; i++)
		TAILQ_INIT(&gw->workers[i].halfopen);
	/* Load factor at most 1/2 with every half-open from another source. */
	while (n < (size_t)gw->cfg.max_handshakes * 2)
		n <<= 1;
	gw->src_counts = calloc(n, sizeof(*gw->src_counts));
	if (gw->src_counts == NULL)
		return -1;
	gw->src_mask = n - 1;
	if (getrandom(&gw->src_seed, sizeof(gw->src_seed), GRND_NONBLOCK) !=
	    (ssize_t)sizeof(gw->src_seed))
		gw->src_seed = (uint64_t)(uintptr_t)gw ^ 0x2545f4914f6cdd1dull;
	return 0;
}

void halfopen_deinit(struct gateway *gw)
{
	free(gw->src_counts);
	gw->src_counts = NULL;
}

static size_t slot_of(const struct gateway *gw, const struct halfopen_src *src)
{
	size_t i = sestab_hash_bytes(gw->src_seed + src->family, src->addr, sizeof(src->addr)) &
		   gw->src_mask;

	while (gw->src_counts[i].family != 0 &&
	       !(gw->src_counts[i].family == src->family &&
		 memcmp(gw->src_counts[i].addr, src->addr, sizeof(src->addr)) == 0))
		i = (i + 1) & gw->src_mask;
	return i;
}

static unsigned count_of(const struct gateway *gw, const struct halfopen_src *src)
{
	return gw->src_counts[slot_of(gw, src)].n;
}

static void count_add(struct gateway *gw, const struct halfopen_src *src)
{
	struct halfopen_count *c;

	/* A balancer awaiting its PROXY header is nobody's source yet. */
	if (src->family == 0)
		return;
	c = &gw->src_counts[slot_of(gw, src)];
	if (c->family == 0) {
		c->family = src->family;
		memcpy(c->addr, src->addr, sizeof(c->addr));
	}
	c->n++;
}

/* Backward-shift deletion keeps every probe chain unbroken without
 * tombstones, so the table never degrades however sources churn. */
static void count_del(struct gateway *gw, const struct halfopen_src *src)
{
	size_t i, j;

	if (src->family == 0)
		return;
	i = slot_of(gw, src);
	if (gw->src_counts[i].family == 0 || --gw->src_counts[i].n > 0)
		return;
	for (j = (i + 1) & gw->src_mask; gw->src_counts[j].family != 0;
	     j = (j + 1) & gw->src_mask) {
		const struct halfopen_count *e = &gw->src_counts[j];
		size_t home = sestab_hash_bytes(gw->src_seed + e->family, e->addr, sizeof(e->addr)) &
			      gw->src_mask;

		/* Move e into the hole if its home is not in (i, j]. */
		if (((j - home) & gw->src_mask) >= ((j - i) & gw->src_mask)) {
			gw->src_counts[i] = *e;
			i = j;
		}
	}
	memset(&gw->src_counts[i], 0, sizeof(gw->src_counts[i]));
}

static void evict(struct session *s, enum refusal why, const char *fmt, unsigned bound)
{
	s->refusal = why;
	session_close(s, SESSION_NO_BYE, fmt, bound);
}

/* The oldest half-open connection of all workers (of src if given, else
 * of the sources holding most): the lowest sid, since sids only grow. */
static struct session *oldest(struct gateway *gw, const struct halfopen_src *src, unsigned most)
{
	struct session *s, *best = NULL;

	for (unsigned i = 0; i < gw->n_workers; i++)
		TAILQ_FOREACH(s, &gw->workers[i].halfopen, halfopen_entry)
			if (src != NULL ? same_source(&s->src, src) : count_of(gw, &s->src) == most) {
				if (best == NULL || s->sid < best->sid)
					best = s;
				break; /* each queue is oldest first */
			}
	return best;
}

/*
 * Before a connection from src is added. Over the per-source bound, the
 * oldest of that source goes. With the table full, the oldest connection of
 * the source that holds the most goes: a flood from a few addresses
 * displaces only itself, never the one laptop in the middle of its
 * handshake; ties (every source holds as many) fall to the oldest of all.
 * The bounds are the gateway's: with several workers the victim may be
 * another's, so it is chosen and closed with the world stopped.
 */
void halfopen_make_room(struct worker *w, const struct halfopen_src *src)
{
	struct gateway *gw = w->gw;
	const struct config_server *cfg = &gw->cfg;
	struct session *s;
	bool over_src, full;
	unsigned most = 0;

	workers_lock(gw, &gw->halfopen_mu);
	over_src = src->family != 0 && count_of(gw, src) >= cfg->max_handshakes_per_source;
	full = gw->n_halfopen >= cfg->max_handshakes;
	workers_unlock(gw, &gw->halfopen_mu);
	if (!over_src && !full)
		return;
	workers_exclusive_begin(gw);
	if (over_src) {
		s = oldest(gw, src, 0);
		if (s != NULL)
			evict(s, REFUSAL_EVICTED_SOURCE,
			      "dropped: too many half-open connections from its source "
			      "(max_handshakes_per_source=%u)",
			      cfg->max_handshakes_per_source);
	} else if (gw->n_halfopen >= cfg->max_handshakes) {
		for (size_t i = 0; i <= gw->src_mask; i++)
			if (gw->src_counts[i].n > most)
				most = gw->src_counts[i].n;
		s = oldest(gw, NULL, most);
		if (s != NULL)
			evict(s, REFUSAL_EVICTED,
			      "dropped: the half-open table is full (max_handshakes=%u)",
			      cfg->max_handshakes);
	}
	workers_exclusive_end(gw);
}

void halfopen_add(struct session *s)
{
	struct worker *w = s->w;

	TAILQ_INSERT_TAIL(&w->halfopen, s, halfopen_entry);
	s->on_halfopen = true;
	w->n_halfopen++;
	workers_lock(w->gw, &w->gw->halfopen_mu);
	w->gw->n_halfopen++;
	count_add(w->gw, &s->src);
	workers_unlock(w->gw, &w->gw->halfopen_mu);
}

/* The PROXY header named the real client: the per-source bound applies to
 * it from now on, making room among its own connections as at accept. */
void halfopen_set_source(struct session *s, const struct halfopen_src *src)
{
	struct gateway *gw = s->w->gw;
	bool over;

	workers_lock(gw, &gw->halfopen_mu);
	if (s->on_halfopen)
		count_del(gw, &s->src);
	over = src->family != 0 && count_of(gw, src) >= gw->cfg.max_handshakes_per_source;
	workers_unlock(gw, &gw->halfopen_mu);
	if (over)
		halfopen_make_room(s->w, src);
	s->src = *src;
	if (s->on_halfopen) {
		workers_lock(gw, &gw->halfopen_mu);
		count_add(gw, &s->src);
		workers_unlock(gw, &gw->halfopen_mu);
	}
}

void halfopen_remove(struct session *s)
{
	struct worker *w = s->w;

	if (!s->on_halfopen)
		return;
	TAILQ_REMOVE(&w->halfopen, s, halfopen_entry);
	s->on_halfopen = false;
	w->n_halfopen--;
	workers_lock(w->gw, &w->gw->halfopen_mu);
	w->gw->n_halfopen--;
	count_del(w->gw, &s->src);
	workers_unlock(w->gw, &w->gw->halfopen_mu);
}

uint64_t halfopen_first_deadline_ms(const struct worker *w)
{
	uint64_t whole = (uint64_t)w->gw->cfg.handshake_timeout * 1000;

	return whole < HALFOPEN_HELLO_MS ? whole : HALFOPEN_HELLO_MS;
}

/* The handshake timer fired: first the ClientHello deadline, then the
 * whole handshake's. s->up_ms is the time of accept until established. */
void halfopen_on_deadline(struct session *s)
{
	uint64_t whole = (uint64_t)s->w->gw->cfg.handshake_timeout * 1000;
	uint64_t age = ev_now_ms(s->w->loop) - s->up_ms;

	if (s->proxy_hdr != NULL) {
		s->refusal = REFUSAL_PROXY_HEADER;
		session_close(s, SESSION_NO_BYE, "no whole PROXY header within %u ms",
			      (unsigned)halfopen_first_deadline_ms(s->w));
		return;
	}
	if (!s->tls_up && !tls_hello_received(s->tls) && age < whole) {
		s->refusal = REFUSAL_HELLO_TIMEOUT;
		session_close(s, SESSION_NO_BYE, "no complete ClientHello within %u ms",
			      (unsigned)halfopen_first_deadline_ms(s->w));
		return;
	}
	if (age < whole) {
		ev_timer_arm(s->w->loop, &s->handshake_timer, whole - age);
		return;
	}
	s->refusal = REFUSAL_HS_TIMEOUT;
	session_close(s, SESSION_NO_BYE, "TLS handshake timed out after %us",
		      s->w->gw->cfg.handshake_timeout);
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* Before-sleep hook: a new turn, a new budget. */
void halfopen_new_turn(struct ev_loop *loop, void *data)
{
	struct worker *w = data;

	(void)loop;
	w->hs_used_ns = 0;
}

bool halfopen_budget_left(const struct worker *w)
{
	return w->hs_used_ns < HALFOPEN_TURN_BUDGET_NS;
}

uint64_t halfopen_work_start(void)
{
	return now_ns();
}

void halfopen_work_done(struct worker *w, uint64_t start)
{
	w->hs_used_ns += now_ns() - start;
}
