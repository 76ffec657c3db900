/*
 * ocsp_check.c - the optional OCSP check of a client certificate, inside the
 * worker's loop: a cache lookup, else one non-blocking HTTP/1.0 POST to the
 * responder (an ev_io on a non-blocking socket, bounded by ocsp_timeout)
 * that every session of the same certificate waits on in SESSION_CHECKING.
 * Encoding and verification are common/pki/ocsp.c's; this file only moves bytes,
 * remembers answers and applies ocsp_fail. Invariant: a query never outlives
 * its timer, and a session leaves CHECKING only through its query's end or
 * its own close (ocsp_check_forget).
 */
#include "server.h"

#include <errno.h>
#include <inttypes.h>
#include <netdb.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "log.h"

#define OCSP_HTTP_SLACK 8192 /* room for the HTTP headers around the DER */

enum outcome_kind { OUT_GOOD, OUT_REVOKED, OUT_UNKNOWN, OUT_FAILED };

struct outcome {
	enum outcome_kind kind;
	int reason;
	bool cached;
	uint64_t ms;
	const char *where;
	char why[192];
};

/* ---- setup ---- */

static bool numeric_addr(const struct ocsp_url *u, struct sockaddr_storage *ss, socklen_t *len)
{
	struct addrinfo hints, *res = NULL;
	char port[8];
	bool ok;

	memset(&hints, 0, sizeof(hints));
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV;
	snprintf(port, sizeof(port), "%u", u->port);
	if (getaddrinfo(u->host, port, &hints, &res) != 0 || res == NULL)
		return false;
	ok = res->ai_addrlen <= sizeof(*ss);
	if (ok) {
		memcpy(ss, res->ai_addr, res->ai_addrlen);
		*len = (socklen_t)res->ai_addrlen;
	}
	freeaddrinfo(res);
	return ok;
}

int ocsp_check_init(struct gateway *gw)
{
	struct ocsp_check *oc = &gw->ocsp;
	const struct config_server *cfg = &gw->cfg;
	const char *why = NULL;
	char a[ADDR_STRLEN];

	for (size_t i = 0; i < OCSP_CHECK_MAX_INFLIGHT; i++)
		oc->q[i].fd = -1;
	if (!cfg->ocsp)
		return 0;
	oc->cache = calloc(OCSP_CHECK_CACHE_SLOTS, sizeof(*oc->cache));
	if (oc->cache == NULL) {
		log_warnx("OCSP: out of memory for the cache");
		return -1;
	}
	if (cfg->ocsp_responder[0] != '\0') {
		struct addrinfo hints, *res = NULL;
		char port[8];
		int r;

		if (!ocsp_http_url_parse(cfg->ocsp_responder, &oc->url, &why)) {
			log_warnx("%s: [gateway] ocsp_responder: %s", cfg->path, why);
			return -1;
		}
		/* A name is resolved once, here, before the loop runs: the loop
		 * must never wait on DNS. */
		memset(&hints, 0, sizeof(hints));
		hints.ai_socktype = SOCK_STREAM;
		hints.ai_flags = AI_NUMERICSERV;
		snprintf(port, sizeof(port), "%u", oc->url.port);
		r = getaddrinfo(oc->url.host, port, &hints, &res);
		if (r != 0 || res == NULL || res->ai_addrlen > sizeof(oc->addr)) {
			log_warnx("%s: [gateway] ocsp_responder: cannot resolve %s: %s; use a "
				  "numeric address, e.g. http://10.20.0.5:8888/ocsp",
				  cfg->path, oc->url.host, r != 0 ? gai_strerror(r) : "no address");
			if (res != NULL)
				freeaddrinfo(res);
			return -1;
		}
		memcpy(&oc->addr, res->ai_addr, res->ai_addrlen);
		oc->addr_len = (socklen_t)res->ai_addrlen;
		freeaddrinfo(res);
		oc->have_responder = true;
	}
	log_info("OCSP on: responder=%s timeout=%ums fail=%s cache=%us",
		 oc->have_responder ? addr_fmt_sockaddr((const struct sockaddr *)&oc->addr, a)
				    : "AIA",
		 cfg->ocsp_timeout_ms, cfg->ocsp_fail == CONFIG_OCSP_FAIL_OPEN ? "open" : "closed",
		 cfg->ocsp_cache);
	return 0;
}

static void query_end(struct ocsp_query *q)
{
	struct ev_loop *loop = workers_main(q->gw)->loop;

	if (loop != NULL) {
		ev_io_stop(loop, &q->io);
		ev_timer_stop(loop, &q->timeout);
	}
	if (q->fd >= 0)
		close(q->fd);
	q->fd = -1;
	free(q->resp);
	q->resp = NULL;
	q->busy = false;
}

void ocsp_check_deinit(struct gateway *gw)
{
	struct ocsp_check *oc = &gw->ocsp;

	for (size_t i = 0; i < OCSP_CHECK_MAX_INFLIGHT; i++) {
		struct ocsp_query *q = &oc->q[i];
		struct session *s;

		if (!q->busy)
			continue;
		while ((s = LIST_FIRST(&q->waiters)) != NULL) {
			LIST_REMOVE(s, ocsp_entry);
			s->ocsp_q = NULL;
		}
		query_end(q);
	}
	free(oc->cache);
	oc->cache = NULL;
}

/* ---- the cache ---- */

static struct ocsp_cache_entry *cache_slot(struct ocsp_check *oc, const struct cert_ref *k)
{
	uint64_t h = 1469598103934665603ull;

	for (size_t i = 0; i < k->serial_len; i++)
		h = (h ^ k->serial[i]) * 1099511628211ull;
	for (size_t i = 0; i < sizeof(k->issuer_hash); i++)
		h = (h ^ k->issuer_hash[i]) * 1099511628211ull;
	return &oc->cache[h & (OCSP_CHECK_CACHE_SLOTS - 1)];
}

static bool same_ref(const struct cert_ref *a, const struct cert_ref *b)
{
	return a->serial_len == b->serial_len && memcmp(a->serial, b->serial, a->serial_len) == 0 &&
	       memcmp(a->issuer_hash, b->issuer_hash, sizeof(a->issuer_hash)) == 0;
}

static void cache_put(struct gateway *gw, const struct cert_ref *k, enum ocsp_status st, int reason,
		      int64_t next_update)
{
	struct ocsp_cache_entry *e = cache_slot(&gw->ocsp, k);
	uint64_t keep = gw->cfg.ocsp_cache;
	int64_t now = (int64_t)time(NULL);

	if (keep == 0 || st == OCSP_STATUS_UNKNOWN)
		return;
	/* A good answer is worth nothing past its nextUpdate. */
	if (st == OCSP_STATUS_GOOD && next_update != 0) {
		if (next_update <= now)
			return;
		if ((uint64_t)(next_update - now) < keep)
			keep = (uint64_t)(next_update - now);
	}
	e->key = *k;
	e->status = st;
	e->reason = reason;
	e->until_ms = ev_now_ms(workers_main(gw)->loop) + keep * 1000;
}

/* ---- applying an outcome to a session ---- */

/* PASS: go on to ESTABLISHED; CLOSED: the session is closed. Logs the one
 * OCSP line of the session. */
static enum ocsp_check_start apply(struct session *s, const struct outcome *o)
{
	bool open = s->w->gw->cfg.ocsp_fail == CONFIG_OCSP_FAIL_OPEN;
	char how[ADDR_STRLEN + 40];

	if (o->cached)
		snprintf(how, sizeof(how), "cached");
	else
		snprintf(how, sizeof(how), "responder %s, %" PRIu64 " ms", o->where, o->ms);
	switch (o->kind) {
	case OUT_GOOD:
		session_log(s, SESSION_LOG_INFO, "OCSP good (%s)", how);
		return OCSP_CHECK_PASS;
	case OUT_REVOKED:
		session_log(s, SESSION_LOG_WARN,
			    "certificate revoked: OCSP says revoked, reason %s (%s)",
			    crl_parse_reason_name(o->reason), how);
		session_close(s, BYE_REVOKED, "OCSP: revoked (%s)",
			      crl_parse_reason_name(o->reason));
		return OCSP_CHECK_CLOSED;
	case OUT_UNKNOWN:
		session_log(s, SESSION_LOG_INFO, "OCSP unknown (%s)", how);
		session_close(s, BYE_NOT_AUTHORIZED,
			      "the OCSP responder does not know this certificate");
		return OCSP_CHECK_CLOSED;
	case OUT_FAILED:
	default:
		if (open) {
			session_log(s, SESSION_LOG_WARN,
				    "OCSP unreachable: %s (%s); admitted because ocsp_fail = open",
				    o->why, how);
			return OCSP_CHECK_PASS;
		}
		session_log(s, SESSION_LOG_INFO, "OCSP unreachable: %s (%s)", o->why, how);
		session_close(s, BYE_NOT_AUTHORIZED,
			      "certificate status unavailable (OCSP responder: %s)", o->why);
		return OCSP_CHECK_CLOSED;
	}
}

/* ---- the query ---- */

static void query_finish(struct ocsp_query *q, struct outcome *o)
{
	struct gateway *gw = q->gw;
	struct session *s;

	/* The waiters may be any worker's: resumed or closed with the world
	 * stopped. */
	workers_exclusive_begin(gw);
	o->ms = ev_time_ms() - q->started_ms;
	o->where = q->where;
	switch (o->kind) {
	case OUT_GOOD:
		gw->ocsp.n_good++;
		break;
	case OUT_REVOKED:
		gw->ocsp.n_revoked++;
		break;
	case OUT_UNKNOWN:
		gw->ocsp.n_unknown++;
		break;
	case OUT_FAILED:
		gw->ocsp.n_failed++;
		break;
	}
	if (q->fd >= 0) {
		ev_io_stop(workers_main(gw)->loop, &q->io);
		close(q->fd);
		q->fd = -1;
	}
	ev_timer_stop(workers_main(gw)->loop, &q->timeout);
	/* One at a time: resuming a session may close others. */
	while ((s = LIST_FIRST(&q->waiters)) != NULL) {
		LIST_REMOVE(s, ocsp_entry);
		s->ocsp_q = NULL;
		if (apply(s, o) == OCSP_CHECK_PASS)
			establish_resume(s);
	}
	query_end(q);
	workers_exclusive_end(gw);
}

static void query_failed(struct ocsp_query *q, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void query_failed(struct ocsp_query *q, const char *fmt, ...)
{
	struct outcome o = {.kind = OUT_FAILED};
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(o.why, sizeof(o.why), fmt, ap);
	va_end(ap);
	query_finish(q, &o);
}

static void query_on_timeout(struct ev_loop *loop, struct ev_timer *t)
{
	struct ocsp_query *q = t->data;

	(void)loop;
	query_failed(q, "no answer within %u ms", q->gw->cfg.ocsp_timeout_ms);
}

static void query_answer(struct ocsp_query *q, const uint8_t *der, size_t len)
{
	struct ocsp_policy pol = {(int64_t)time(NULL), OCSP_CHECK_SKEW_S, OCSP_CHECK_MAX_AGE_S};
	struct outcome o = {.kind = OUT_FAILED};
	struct ocsp_answer a;
	const char *why = NULL;
	enum ocsp_result r;

	r = ocsp_response_check(der, len, &q->id, &q->issuer->cert, q->nonce, sizeof(q->nonce),
				&pol, &a, &why);
	if (r != OCSP_OK) {
		query_failed(q, "%s: %s", ocsp_result_str(r), why != NULL ? why : "?");
		return;
	}
	o.kind = a.status == OCSP_STATUS_GOOD	   ? OUT_GOOD
		 : a.status == OCSP_STATUS_REVOKED ? OUT_REVOKED
						   : OUT_UNKNOWN;
	o.reason = a.reason;
	cache_put(q->gw, &q->key, a.status, a.reason, a.next_update);
	query_finish(q, &o);
}

static void query_on_readable(struct ocsp_query *q)
{
	size_t cap = OCSP_RESPONSE_MAX + OCSP_HTTP_SLACK;
	const uint8_t *body;
	size_t body_len;
	const char *why = NULL;
	bool eof = false;
	ssize_t n;

	n = recv(q->fd, q->resp + q->resp_len, cap - q->resp_len, 0);
	if (n < 0) {
		if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
			return;
		query_failed(q, "receive from %s: %s", q->where, strerror(errno));
		return;
	}
	if (n == 0)
		eof = true;
	q->resp_len += (size_t)n;
	switch (ocsp_http_response(q->resp, q->resp_len, eof, &body, &body_len, &why)) {
	case OCSP_HTTP_OK:
		query_answer(q, body, body_len);
		return;
	case OCSP_HTTP_NEED_MORE:
		if (q->resp_len == cap)
			query_failed(q, "the HTTP response is over %zu bytes", cap);
		return;
	case OCSP_HTTP_MALFORMED:
	default:
		query_failed(q, "%s", why != NULL ? why : "malformed HTTP response");
		return;
	}
}

static void query_on_writable(struct ocsp_query *q)
{
	int err = 0;
	socklen_t el = sizeof(err);
	ssize_t n;

	if (q->req_off == 0 &&
	    (getsockopt(q->fd, SOL_SOCKET, SO_ERROR, &err, &el) < 0 || err != 0)) {
		query_failed(q, "cannot connect to %s: %s", q->where, strerror(err ? err : errno));
		return;
	}
	n = send(q->fd, q->req + q->req_off, q->req_len - q->req_off, MSG_NOSIGNAL);
	if (n < 0) {
		if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
			return;
		query_failed(q, "send to %s: %s", q->where, strerror(errno));
		return;
	}
	q->req_off += (size_t)n;
	if (q->req_off == q->req_len && ev_io_modify(workers_main(q->gw)->loop, &q->io, EPOLLIN) < 0)
		query_failed(q, "cannot watch the responder socket: %s", strerror(errno));
}

static void query_on_io(struct ev_loop *loop, struct ev_io *io, uint32_t revents)
{
	struct ocsp_query *q = io->data;

	(void)loop;
	if (q->req_off < q->req_len) {
		if (revents & (EPOLLOUT | EPOLLERR | EPOLLHUP))
			query_on_writable(q);
		return;
	}
	if (revents & (EPOLLIN | EPOLLERR | EPOLLHUP))
		query_on_readable(q);
}

/* Starts q; on failure returns false with why (q stays free). */
static bool query_start(struct gateway *gw, struct ocsp_query *q, const struct cert_ref *key,
			const struct crl_issuer *iss, const struct ocsp_url *url,
			const struct sockaddr_storage *ss, socklen_t sl, char *why, size_t cap)
{
	struct ev_loop *loop = workers_main(gw)->loop;
	uint8_t body[OCSP_REQUEST_MAX];
	size_t blen;

	memset(q, 0, sizeof(*q));
	q->gw = gw;
	q->fd = -1;
	LIST_INIT(&q->waiters);
	q->key = *key;
	q->issuer = iss;
	addr_fmt_sockaddr((const struct sockaddr *)ss, q->where);
	if (!ocsp_certid_make(&iss->cert, key->serial, key->serial_len, &q->id)) {
		snprintf(why, cap, "the issuing CA's key does not decode");
		return false;
	}
	/* A nonce ties the answer to this request; without entropy, none. */
	blen = getrandom(q->nonce, sizeof(q->nonce), GRND_NONBLOCK) == (ssize_t)sizeof(q->nonce)
		   ? ocsp_request_encode(&q->id, q->nonce, sizeof(q->nonce), body, sizeof(body))
		   : 0;
	q->req_len = blen > 0 ? ocsp_http_request(url, body, blen, q->req, sizeof(q->req)) : 0;
	q->resp = malloc(OCSP_RESPONSE_MAX + OCSP_HTTP_SLACK);
	if (q->req_len == 0 || q->resp == NULL) {
		free(q->resp);
		q->resp = NULL;
		snprintf(why, cap, "cannot build the request");
		return false;
	}
	q->fd = socket(ss->ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (q->fd < 0 ||
	    (connect(q->fd, (const struct sockaddr *)ss, sl) < 0 && errno != EINPROGRESS)) {
		snprintf(why, cap, "cannot connect to %s: %s", q->where, strerror(errno));
		goto fail;
	}
	ev_io_init(&q->io, q->fd, query_on_io, q);
	if (ev_io_start(loop, &q->io, EPOLLOUT) < 0) {
		snprintf(why, cap, "cannot watch the responder socket: %s", strerror(errno));
		goto fail;
	}
	ev_timer_init(&q->timeout, query_on_timeout, q);
	ev_timer_arm(loop, &q->timeout, gw->cfg.ocsp_timeout_ms);
	q->started_ms = ev_time_ms();
	q->busy = true;
	gw->ocsp.n_queries++;
	return true;
fail:
	if (q->fd >= 0)
		close(q->fd);
	q->fd = -1;
	free(q->resp);
	q->resp = NULL;
	return false;
}

/* ---- entering and leaving CHECKING ---- */

/* A failure before any query runs. */
static enum ocsp_check_start fail_now(struct session *s, const struct outcome *o)
{
	s->w->gw->ocsp.n_failed++;
	return apply(s, o);
}

static const struct crl_issuer *find_issuer(const struct gateway *gw, const struct cert_ref *leaf)
{
	for (size_t i = 0; i < gw->revoke.n_issuers; i++)
		if (memcmp(gw->revoke.issuers[i].subject_hash, leaf->issuer_hash,
			   CERT_NAME_HASH_LEN) == 0)
			return &gw->revoke.issuers[i];
	return NULL;
}

/* The responder for ci: the configured one, else a numeric AIA URL. */
static bool pick_responder(const struct gateway *gw, const struct cert_info *ci, struct ocsp_url *u,
			   struct sockaddr_storage *ss, socklen_t *sl, char *why, size_t cap)
{
	const char *w = NULL;

	if (gw->ocsp.have_responder) {
		*u = gw->ocsp.url;
		*ss = gw->ocsp.addr;
		*sl = gw->ocsp.addr_len;
		return true;
	}
	if (ci->ocsp_url[0] == '\0') {
		snprintf(why, cap,
			 "the certificate names no OCSP responder (AIA) and "
			 "ocsp_responder is not set");
		return false;
	}
	if (!ocsp_http_url_parse(ci->ocsp_url, u, &w)) {
		snprintf(why, cap, "the certificate's OCSP URL is unusable: %s", w);
		return false;
	}
	if (!u->numeric || !numeric_addr(u, ss, sl)) {
		snprintf(why, cap,
			 "the certificate's OCSP responder %.64s is a DNS name; set "
			 "ocsp_responder to its address",
			 u->host);
		return false;
	}
	return true;
}

static void enter_checking(struct session *s, struct ocsp_query *q)
{
	struct ev_loop *loop = s->w->loop;

	s->ocsp_q = q;
	s->ocsp_started_ms = ev_now_ms(loop);
	LIST_INSERT_HEAD(&q->waiters, s, ocsp_entry);
	session_set_state(s, SESSION_CHECKING);
	/* The query's timer bounds this state now. The socket is not read
	 * (the client waits for CONFIG); what the handshake left to send
	 * still goes out. */
	ev_timer_stop(loop, &s->handshake_timer);
	(void)ev_io_modify(loop, &s->io, tls_flush(s->tls) == 1 ? EPOLLOUT : 0);
}

enum ocsp_check_start ocsp_check_begin(struct session *s, const struct cert_info *ci)
{
	struct gateway *gw = s->w->gw;
	struct ocsp_check *oc = &gw->ocsp;
	const struct cert_ref *key = &ci->chain[0];
	struct outcome o = {.kind = OUT_FAILED, .where = "-"};
	const struct ocsp_cache_entry *e;
	const struct crl_issuer *iss;
	struct ocsp_query *q = NULL;
	struct sockaddr_storage ss;
	struct ocsp_url url;
	socklen_t sl = 0;

	if (!gw->cfg.ocsp || oc->cache == NULL)
		return OCSP_CHECK_PASS;
	if (ci->n_chain == 0) {
		snprintf(o.why, sizeof(o.why), "no certificate reference");
		return fail_now(s, &o);
	}
	e = cache_slot(oc, key);
	if (e->until_ms > ev_now_ms(s->w->loop) && same_ref(&e->key, key)) {
		oc->n_cache_hits++;
		o.kind = e->status == OCSP_STATUS_GOOD ? OUT_GOOD : OUT_REVOKED;
		o.reason = e->reason;
		o.cached = true;
		return apply(s, &o);
	}
	/* Another session of this certificate already asks: wait with it. */
	for (size_t i = 0; i < OCSP_CHECK_MAX_INFLIGHT; i++)
		if (oc->q[i].busy && same_ref(&oc->q[i].key, key)) {
			enter_checking(s, &oc->q[i]);
			return OCSP_CHECK_WAIT;
		}
	iss = find_issuer(gw, key);
	if (iss == NULL) {
		snprintf(o.why, sizeof(o.why), "the issuing CA is not in the ca bundle");
		return fail_now(s, &o);
	}
	if (!pick_responder(gw, ci, &url, &ss, &sl, o.why, sizeof(o.why)))
		return fail_now(s, &o);
	for (size_t i = 0; i < OCSP_CHECK_MAX_INFLIGHT && q == NULL; i++)
		if (!oc->q[i].busy)
			q = &oc->q[i];
	if (q == NULL) {
		snprintf(o.why, sizeof(o.why), "%d OCSP queries already in flight",
			 OCSP_CHECK_MAX_INFLIGHT);
		return fail_now(s, &o);
	}
	if (!query_start(gw, q, key, iss, &url, &ss, sl, o.why, sizeof(o.why)))
		return fail_now(s, &o);
	enter_checking(s, q);
	return OCSP_CHECK_WAIT;
}

void ocsp_check_forget(struct session *s)
{
	if (s->ocsp_q == NULL)
		return;
	LIST_REMOVE(s, ocsp_entry);
	s->ocsp_q = NULL;
	/* The query runs on: its answer still fills the cache. */
}

void ocsp_check_status(const struct gateway *gw)
{
	const struct ocsp_check *oc = &gw->ocsp;
	unsigned busy = 0;

	if (!gw->cfg.ocsp)
		return;
	for (size_t i = 0; i < OCSP_CHECK_MAX_INFLIGHT; i++)
		busy += oc->q[i].busy;
	log_info("status: ocsp queries=%" PRIu64 " cache_hits=%" PRIu64 " good=%" PRIu64
		 " revoked=%" PRIu64 " unknown=%" PRIu64 " failed=%" PRIu64 " in_flight=%u",
		 oc->n_queries, oc->n_cache_hits, oc->n_good, oc->n_revoked, oc->n_unknown,
		 oc->n_failed, busy);
}
