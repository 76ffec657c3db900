/*
 * metrics.c - the optional Prometheus endpoint ([gateway] metrics) in the
 * worker's loop: a TCP listener opened while still root, at most
 * METRICS_MAX_CONNS connections, each with a request head of at most
 * HTTP_GET_MAX_HEAD bytes (common/wire/http_get.c) and METRICS_TIMEOUT_MS
 * to send it and take the answer; then it is closed. GET /metrics gets the
 * text exposition (metrics_render.c), anything else a short error. Nothing
 * a caller sends is logged: refusals are counted and shown as metrics.
 */
#include "server.h"

#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

#include "http_get.h"
#include "log.h"

#define METRICS_MAX_CONNS 8
#define METRICS_TIMEOUT_MS 5000
#define METRICS_OUT_CAP (1024 * 1024)

struct metrics_conn {
	struct metrics *m;
	int fd;
	struct ev_io io;
	struct ev_timer timer;
	struct buf in;
	bool answering;          /* the answer is in out: write, then close */
	LIST_ENTRY(metrics_conn) entry;
};

struct metrics {
	struct gateway *gw;
	int fd;
	struct ev_io io;
	struct buf out;          /* one answer at a time; rendered per request */
	LIST_HEAD(, metrics_conn) conns;
	unsigned n_conns;
};

void metrics_observe_handshake(struct worker *w, uint64_t ms)
{
	static const uint64_t bounds[METRICS_HS_BUCKETS] = METRICS_HS_BOUNDS_MS;

	for (unsigned i = 0; i < METRICS_HS_BUCKETS; i++)
		if (ms <= bounds[i])
			w->st.hs_buckets[i]++;
	w->st.hs_count++;
	w->st.hs_sum_us += ms * 1000;
}

static void conn_free(struct metrics_conn *c)
{
	struct ev_loop *loop = workers_main(c->m->gw)->loop;

	ev_io_stop(loop, &c->io);
	ev_timer_stop(loop, &c->timer);
	close(c->fd);
	buf_deinit(&c->in);
	LIST_REMOVE(c, entry);
	c->m->n_conns--;
	free(c);
}

static void on_timeout(struct ev_loop *loop, struct ev_timer *t)
{
	struct metrics_conn *c = t->data;

	(void)loop;
	workers_main(c->m->gw)->st.metrics_refused++;
	conn_free(c);
}

/* The answer goes into c->in's place: a connection's own buffer, sized
 * for what it must send (an error is short; the metrics come from out). */
static bool answer(struct metrics_conn *c, int code, const char *reason, const char *type,
		   const void *body, size_t len, bool head_only)
{
	char hdr[256];
	int n = snprintf(hdr, sizeof(hdr),
			 "HTTP/1.1 %d %s\r\nContent-Type: %s\r\nContent-Length: %zu\r\n"
			 "Connection: close\r\n\r\n",
			 code, reason, type, len);

	buf_deinit(&c->in);
	if (n < 0 || buf_init(&c->in, (size_t)n + (head_only ? 0 : len)) < 0)
		return false;
	(void)buf_append(&c->in, hdr, (size_t)n);
	if (!head_only)
		(void)buf_append(&c->in, body, len);
	c->answering = true;
	return true;
}

static const char *reason_phrase(int code)
{
	switch (code) {
	case 405:
		return "Method Not Allowed";
	case 414:
		return "URI Too Long";
	case 431:
		return "Request Header Fields Too Large";
	case 505:
		return "HTTP Version Not Supported";
	default:
		return "Bad Request";
	}
}

static void respond(struct metrics_conn *c, const struct http_get_req *r)
{
	struct metrics *m = c->m;
	bool head = strcmp(r->method, "HEAD") == 0, ok;
	static const char not_found[] = "only /metrics and /healthz are served here\n";

	/* A load balancer's health check (HAProxy "option httpchk GET
	 * /healthz"): 200 while the gateway takes new sessions, 503 once it
	 * does not (shutting down, or drained). */
	if (strcmp(r->path, "/healthz") == 0) {
		bool up = m->gw->accepting && !m->gw->stopping;

		(void)answer(c, up ? 200 : 503, up ? "OK" : "Service Unavailable",
			     "text/plain; charset=utf-8", up ? "ok\n" : "not accepting\n",
			     up ? 3 : 14, head);
		return;
	}
	if (strcmp(r->path, "/metrics") != 0) {
		workers_main(m->gw)->st.metrics_refused++;
		(void)answer(c, 404, "Not Found", "text/plain; charset=utf-8", not_found,
			     sizeof(not_found) - 1, head);
		return;
	}
	buf_reset(&m->out, 0);
	workers_main(m->gw)->st.metrics_scrapes++;
	workers_exclusive_begin(m->gw);
	ok = metrics_render(m->gw, &m->out);
	workers_exclusive_end(m->gw);
	if (!ok) {
		static const char big[] = "the metrics do not fit in the endpoint's buffer\n";

		(void)answer(c, 500, "Internal Server Error", "text/plain; charset=utf-8", big,
			     sizeof(big) - 1, head);
		return;
	}
	(void)answer(c, 200, "OK", "text/plain; version=0.0.4; charset=utf-8", buf_ptr(&m->out),
		     buf_len(&m->out), head);
}

/* Writes what it can; true once everything is out. */
static bool flush(struct metrics_conn *c)
{
	while (buf_len(&c->in) > 0) {
		ssize_t n = send(c->fd, buf_ptr(&c->in), buf_len(&c->in), MSG_NOSIGNAL);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			return false;
		if (n <= 0) {
			buf_consume(&c->in, buf_len(&c->in));
			return true;
		}
		buf_consume(&c->in, (size_t)n);
	}
	return true;
}

static void on_conn_io(struct ev_loop *loop, struct ev_io *io, uint32_t revents)
{
	struct metrics_conn *c = io->data;
	struct http_get_req r;
	const char *why;
	int status;
	ssize_t n;

	(void)revents;
	if (c->answering) {
		if (flush(c))
			conn_free(c);
		return;
	}
	n = read(c->fd, buf_end(&c->in), buf_room(&c->in));
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n <= 0) {
		conn_free(c);
		return;
	}
	buf_commit(&c->in, (size_t)n);
	switch (http_get_parse(buf_ptr(&c->in), buf_len(&c->in), &r, &status, &why)) {
	case HTTP_GET_NEED_MORE:
		return;
	case HTTP_GET_BAD:
		workers_main(c->m->gw)->st.metrics_refused++;
		if (!answer(c, status, reason_phrase(status), "text/plain; charset=utf-8", why,
			    strlen(why), false)) {
			conn_free(c);
			return;
		}
		break;
	case HTTP_GET_OK:
		respond(c, &r);
		break;
	}
	if (!c->answering || flush(c)) {
		conn_free(c);
		return;
	}
	(void)ev_io_modify(loop, &c->io, EPOLLOUT);
}

static void on_accept(struct ev_loop *loop, struct ev_io *io, uint32_t revents)
{
	struct metrics *m = io->data;

	(void)revents;
	for (int round = 0; round < 16; round++) {
		int fd = accept4(m->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		struct metrics_conn *c;

		if (fd < 0)
			return;
		c = m->n_conns < METRICS_MAX_CONNS ? calloc(1, sizeof(*c)) : NULL;
		if (c == NULL || buf_init(&c->in, HTTP_GET_MAX_HEAD) < 0) {
			workers_main(m->gw)->st.metrics_refused++;
			free(c);
			close(fd);
			continue;
		}
		c->m = m;
		c->fd = fd;
		ev_io_init(&c->io, fd, on_conn_io, c);
		ev_timer_init(&c->timer, on_timeout, c);
		LIST_INSERT_HEAD(&m->conns, c, entry);
		m->n_conns++;
		if (ev_io_start(loop, &c->io, EPOLLIN) < 0) {
			conn_free(c);
			continue;
		}
		ev_timer_arm(loop, &c->timer, METRICS_TIMEOUT_MS);
	}
}

int metrics_start(struct gateway *gw)
{
	const struct sockaddr *sa = (const struct sockaddr *)&gw->cfg.metrics;
	struct metrics *m;
	char a[ADDR_STRLEN];
	int one = 1;

	if (gw->cfg.metrics_len == 0)
		return 0;
	m = calloc(1, sizeof(*m));
	if (m == NULL || buf_init(&m->out, METRICS_OUT_CAP) < 0) {
		free(m);
		log_warn("metrics: out of memory");
		return -1;
	}
	m->gw = gw;
	LIST_INIT(&m->conns);
	m->fd = socket(sa->sa_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (m->fd < 0 || setsockopt(m->fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0 ||
	    bind(m->fd, sa, gw->cfg.metrics_len) < 0 || listen(m->fd, 16) < 0) {
		log_warn("%s: [gateway] metrics: cannot listen on %s", gw->cfg.path,
			 addr_fmt_sockaddr(sa, a));
		if (m->fd >= 0)
			close(m->fd);
		buf_deinit(&m->out);
		free(m);
		return -1;
	}
	ev_io_init(&m->io, m->fd, on_accept, m);
	if (ev_io_start(workers_main(gw)->loop, &m->io, EPOLLIN) < 0) {
		log_warn("metrics: cannot watch the listener");
		close(m->fd);
		buf_deinit(&m->out);
		free(m);
		return -1;
	}
	gw->metrics = m;
	log_info("metrics: Prometheus endpoint on http://%s/metrics", addr_fmt_sockaddr(sa, a));
	return 0;
}

void metrics_stop(struct gateway *gw)
{
	struct metrics *m = gw->metrics;
	struct metrics_conn *c;

	if (m == NULL)
		return;
	while ((c = LIST_FIRST(&m->conns)) != NULL)
		conn_free(c);
	ev_io_stop(workers_main(gw)->loop, &m->io);
	close(m->fd);
	buf_deinit(&m->out);
	free(m);
	gw->metrics = NULL;
}
