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
#include <string.h>

/* A real client sends its ClientHello in the first round trip; two seconds
 * is room for a slow mobile link, and short enough that a silent
 * connection gives its slot back long before handshake_timeout. */
#define HALFOPEN_HELLO_MS 2000u

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

static void evict(struct session *s, enum refusal why, const char *fmt, unsigned bound)
{
	s->refusal = why;
	session_close(s, SESSION_NO_BYE, fmt, bound);
}

/*
 * Before a connection from src is added. The scan is linear in the table,
 * which max_handshakes keeps to a few hundred entries: cheaper per accept
 * than the TLS work any one of them asks for.
 */
void halfopen_make_room(struct worker *w, const struct halfopen_src *src)
{
	const struct config_server *cfg = &w->gw->cfg;
	struct session *s, *oldest_of_src = NULL;
	unsigned n_src = 0;

	TAILQ_FOREACH(s, &w->halfopen, halfopen_entry)
	{
		if (!same_source(&s->src, src))
			continue;
		if (oldest_of_src == NULL)
			oldest_of_src = s;
		n_src++;
	}
	if (n_src >= cfg->max_handshakes_per_source && oldest_of_src != NULL) {
		evict(oldest_of_src, REFUSAL_EVICTED_SOURCE,
		      "dropped: too many half-open connections from its source "
		      "(max_handshakes_per_source=%u)",
		      cfg->max_handshakes_per_source);
		return;
	}
	if (w->n_halfopen >= cfg->max_handshakes && (s = TAILQ_FIRST(&w->halfopen)) != NULL)
		evict(s, REFUSAL_EVICTED,
		      "dropped: the half-open table is full (max_handshakes=%u)",
		      cfg->max_handshakes);
}

void halfopen_add(struct session *s)
{
	struct worker *w = s->w;

	TAILQ_INSERT_TAIL(&w->halfopen, s, halfopen_entry);
	s->on_halfopen = true;
	w->n_halfopen++;
}

void halfopen_remove(struct session *s)
{
	struct worker *w = s->w;

	if (!s->on_halfopen)
		return;
	TAILQ_REMOVE(&w->halfopen, s, halfopen_entry);
	s->on_halfopen = false;
	w->n_halfopen--;
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
