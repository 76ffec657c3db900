/*
 * bench_load.c - many real mTLS sessions to one gateway from one process
 * and one epoll loop: each connection is bound to one of a range of source
 * addresses (no source meets max_handshakes_per_source), runs the TLS 1.3
 * handshake through common/tls/tls.c, reads CONFIG, answers FEATURES as a
 * client does and sends a KEEPALIVE on the interval CONFIG gives. It
 * prints one line per step reached ("step N up M ms T") and then holds the
 * sessions until SIGUSR1 (next step) or SIGTERM. Asserts nothing; driven
 * by bench_sessions.sh.
 *
 * Usage: bench_load --gateway IP:PORT --server-name NAME --ca FILE
 *        --ident PREFIX --idents K --src FIRST_IPV4 --src-count M
 *        --steps N1[,N2...] [--concurrency C]
 * Identity i is PREFIXi.crt / PREFIXi.key; session j uses identity j % K.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "chan.h"
#include "frame.h"
#include "msg.h"
#include "tls.h"

enum conn_state { C_IDLE, C_CONNECTING, C_HANDSHAKE, C_WAIT_CONFIG, C_UP, C_DEAD };

struct conn {
	int fd;
	enum conn_state state;
	struct tls_conn *t;
	struct chan rx;
	unsigned keepalive;      /* s, from CONFIG */
	uint64_t last_tx_ms;
	uint64_t started_ms;     /* connect() */
};

static struct conn *conns;
static struct tls_ctx **ctxs;
static unsigned n_up, n_dead, n_inflight;
static int ep;

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static void die(const char *what)
{
	fprintf(stderr, "bench_load: %s\n", what);
	exit(1);
}

static void conn_fail(struct conn *c)
{
	if (c->state == C_CONNECTING || c->state == C_HANDSHAKE || c->state == C_WAIT_CONFIG)
		n_inflight--;
	if (c->state == C_UP)
		n_up--;
	c->state = C_DEAD;
	n_dead++;
	if (c->t != NULL)
		tls_conn_free(c->t);
	c->t = NULL;
	if (c->rx.in.data != NULL)
		chan_deinit(&c->rx);
	close(c->fd);
	c->fd = -1;
}

static void send_frame(struct conn *c, uint8_t type, const void *p, size_t n)
{
	uint8_t f[64];

	frame_header(f, type, n);
	if (n > 0)
		memcpy(f + FRAME_HDR_LEN, p, n);
	if (tls_write(c->t, f, FRAME_HDR_LEN + n) != TLS_OK || tls_flush(c->t) < 0) {
		conn_fail(c);
		return;
	}
	c->last_tx_ms = now_ms();
}

static void on_frame(struct conn *c, const struct chan_event *ev)
{
	uint8_t p[8];
	size_t n;

	switch (ev->type) {
	case FRAME_CONFIG:
		c->keepalive = ev->config.keepalive > 0 ? ev->config.keepalive : 10;
		c->state = C_UP;
		n_inflight--;
		n_up++;
		n = msg_features_encode(ev->config.features & PROTO_FEATURES_KNOWN, p, sizeof(p));
		if (n > 0)
			send_frame(c, FRAME_FEATURES, p, n);
		break;
	case FRAME_BYE:
		fprintf(stderr, "bench_load: BYE %u %s\n", ev->bye.reason, ev->bye.text);
		conn_fail(c);
		break;
	default:
		break; /* KEEPALIVE, DATA, CONFIG_UPDATE: nothing to answer */
	}
}

static void on_readable(struct conn *c)
{
	ssize_t got_fill = tls_fill(c->t);

	if (c->state == C_HANDSHAKE) {
		enum tls_result r = tls_handshake(c->t);

		if (tls_flush(c->t) < 0 || r == TLS_ERROR || r == TLS_CLOSED) {
			fprintf(stderr, "bench_load: handshake: %s\n", tls_error_str(c->t));
			conn_fail(c);
			return;
		}
		if (r != TLS_OK)
			return;
		c->state = C_WAIT_CONFIG;
	}
	for (;;) {
		struct chan_event ev;
		const char *why = NULL;
		size_t room, got = 0;
		uint8_t *space = chan_space(&c->rx, &room);
		enum tls_result r = tls_read(c->t, space, room, &got);

		if (r == TLS_WANT_READ || r == TLS_WANT_WRITE)
			break;
		if (r != TLS_OK) {
			conn_fail(c);
			return;
		}
		chan_commit(&c->rx, got);
		while (chan_next(&c->rx, &ev, &why) == CHAN_OK) {
			on_frame(c, &ev);
			if (c->state == C_DEAD)
				return;
		}
	}
	if (got_fill == 0)
		conn_fail(c);
}

static void on_connected(struct conn *c)
{
	int err = 0;
	socklen_t l = sizeof(err);
	struct epoll_event e = {.events = EPOLLIN, .data.ptr = c};

	if (getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &l) < 0 || err != 0) {
		fprintf(stderr, "bench_load: connect: %s\n", strerror(err));
		conn_fail(c);
		return;
	}
	(void)epoll_ctl(ep, EPOLL_CTL_MOD, c->fd, &e);
	c->state = C_HANDSHAKE;
	if (tls_handshake(c->t) == TLS_ERROR || tls_flush(c->t) < 0)
		conn_fail(c);
}

static void start(struct conn *c, unsigned i, struct tls_ctx *ctx, const struct sockaddr_in *gw,
		  uint32_t src, unsigned src_count)
{
	struct sockaddr_in sa = {.sin_family = AF_INET};
	struct epoll_event e = {.events = EPOLLOUT, .data.ptr = c};
	int one = 1;

	c->fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (c->fd < 0)
		die("socket (raise the descriptor limit?)");
	(void)setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	sa.sin_addr.s_addr = htonl(src + i % src_count);
	if (bind(c->fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		die("bind to a source address (is it on the interface?)");
	if (connect(c->fd, (const struct sockaddr *)gw, sizeof(*gw)) < 0 && errno != EINPROGRESS)
		die("connect");
	c->t = tls_conn_new(ctx, c->fd);
	if (c->t == NULL || chan_init_growing(&c->rx, CHAN_CLIENT, 2 * (FRAME_HDR_LEN + FRAME_MAX_PAYLOAD) + 16) < 0)
		die("out of memory");
	c->state = C_CONNECTING;
	c->started_ms = now_ms();
	n_inflight++;
	(void)epoll_ctl(ep, EPOLL_CTL_ADD, c->fd, &e);
}

static void keepalives(unsigned n)
{
	uint64_t now = now_ms();

	for (unsigned i = 0; i < n; i++) {
		struct conn *c = &conns[i];

		/* A connection not up in 10 s counts as failed, so a step ends. */
		if ((c->state == C_CONNECTING || c->state == C_HANDSHAKE || c->state == C_WAIT_CONFIG) &&
		    now - c->started_ms > 10000) {
			fprintf(stderr, "bench_load: session %u not up after 10 s (state %d)\n", i, (int)c->state);
			conn_fail(c);
		} else if (c->state == C_UP && now - c->last_tx_ms >= (uint64_t)c->keepalive * 1000)
			send_frame(c, FRAME_KEEPALIVE, NULL, 0);
		else if (c->state == C_UP && tls_outq_len(c->t) > 0 && tls_flush(c->t) < 0)
			conn_fail(c);
	}
}

int main(int argc, char **argv)
{
	const char *gateway = NULL, *name = NULL, *ca = NULL, *ident = NULL, *steps = NULL, *srcs = NULL;
	unsigned idents = 1, src_count = 1, conc = 64, steps_n[16], n_steps = 0, total, next = 0, step = 0;

	struct sockaddr_in gw = {.sin_family = AF_INET};
	struct in_addr src;
	struct rlimit rl;
	sigset_t mask;
	int sfd;
	uint64_t t0, last_tick = 0;
	bool printed = false;
	char *colon, host[64], *tok, *save = NULL, stepbuf[256];

	for (int i = 1; i + 1 < argc; i += 2) {
		const char *k = argv[i], *v = argv[i + 1];

		if (!strcmp(k, "--gateway")) gateway = v;
		else if (!strcmp(k, "--server-name")) name = v;
		else if (!strcmp(k, "--ca")) ca = v;
		else if (!strcmp(k, "--ident")) ident = v;
		else if (!strcmp(k, "--idents")) idents = (unsigned)atoi(v);
		else if (!strcmp(k, "--src")) srcs = v;
		else if (!strcmp(k, "--src-count")) src_count = (unsigned)atoi(v);
		else if (!strcmp(k, "--steps")) steps = v;
		else if (!strcmp(k, "--concurrency")) conc = (unsigned)atoi(v);
		else die("unknown option (see the usage at the top of bench_load.c)");
	}
	if (!gateway || !name || !ca || !ident || !steps || !srcs || idents == 0 || src_count == 0 || conc == 0)
		die("usage: --gateway IP:PORT --server-name NAME --ca FILE --ident PREFIX --idents K "
		    "--src IPV4 --src-count M --steps N1[,N2...] [--concurrency C]");
	snprintf(host, sizeof(host), "%s", gateway);
	colon = strrchr(host, ':');
	if (colon == NULL)
		die("--gateway IP:PORT");
	*colon = 0;
	gw.sin_port = htons((uint16_t)atoi(colon + 1));
	if (inet_pton(AF_INET, host, &gw.sin_addr) != 1 || inet_pton(AF_INET, srcs, &src) != 1)
		die("IPv4 addresses only");
	snprintf(stepbuf, sizeof(stepbuf), "%s", steps);
	for (tok = strtok_r(stepbuf, ",", &save); tok && n_steps < 16; tok = strtok_r(NULL, ",", &save))
		steps_n[n_steps++] = (unsigned)atoi(tok);
	total = steps_n[n_steps - 1];

	rl.rlim_cur = rl.rlim_max = total + 1024;
	if (setrlimit(RLIMIT_NOFILE, &rl) < 0)
		die("cannot raise RLIMIT_NOFILE");
	if (tls_global_init() < 0)
		die("tls_global_init");
	ctxs = calloc(idents, sizeof(*ctxs));
	conns = calloc(total, sizeof(*conns));
	if (ctxs == NULL || conns == NULL)
		die("out of memory");
	for (unsigned i = 0; i < idents; i++) {
		char crt[512], key[512], err[512];
		struct tls_ctx_params p = {.server = false, .ca_file = ca, .server_name = name};

		snprintf(crt, sizeof(crt), "%s%u.crt", ident, i);
		snprintf(key, sizeof(key), "%s%u.key", ident, i);
		p.cert_file = crt;
		p.key_file = key;
		ctxs[i] = tls_ctx_new(&p, err, sizeof(err));
		if (ctxs[i] == NULL)
			die(err);
	}
	sigemptyset(&mask);
	sigaddset(&mask, SIGUSR1);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	sfd = signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC);
	ep = epoll_create1(EPOLL_CLOEXEC);
	{
		struct epoll_event e = {.events = EPOLLIN, .data.ptr = NULL};
		(void)epoll_ctl(ep, EPOLL_CTL_ADD, sfd, &e);
	}
	t0 = now_ms();
	for (;;) {
		struct epoll_event evs[256];
		int n;

		/* Keep conc handshakes in flight until this step's target. */
		while (next < steps_n[step] && n_inflight < conc) {
			start(&conns[next], next, ctxs[next % idents], &gw, ntohl(src.s_addr), src_count);
			next++;
		}
		if (!printed && next >= steps_n[step] && n_inflight == 0) {
			printf("step %u up %u dead %u ms %llu\n", steps_n[step], n_up, n_dead,
			       (unsigned long long)(now_ms() - t0));
			fflush(stdout);
			printed = true;
		}
		n = epoll_wait(ep, evs, 256, 200);
		for (int i = 0; i < n; i++) {
			struct conn *c = evs[i].data.ptr;

			if (c == NULL) {
				struct signalfd_siginfo si;

				while (read(sfd, &si, sizeof(si)) == sizeof(si)) {
					if (si.ssi_signo != SIGUSR1) {
						printf("end up %u dead %u\n", n_up, n_dead);
						return 0;
					}
					if (printed && step + 1 < n_steps) {
						step++;
						printed = false;
						t0 = now_ms();
					}
				}
				continue;
			}
			if (c->state == C_DEAD)
				continue;
			if (c->state == C_CONNECTING)
				on_connected(c);
			else if (evs[i].events & (EPOLLIN | EPOLLHUP | EPOLLERR))
				on_readable(c);
		}
		if (now_ms() - last_tick >= 500) {
			keepalives(next);
			last_tick = now_ms();
		}
	}
}
