/*
 * bench_tls.c - what the TLS layer costs with the wolfSSL this build links:
 * full mutually authenticated TLS 1.3 handshakes (both ends in one process,
 * over a socketpair, through common/tls/tls.c exactly as the programs use it)
 * and bulk transfer through tls_write/tls_read in the frame sizes the data
 * path uses. Prints figures; asserts nothing. bench_crypto.sh runs it from
 * the optimized and the system build side by side and prints the ratios.
 *
 * It also measures what one idle, established connection costs the gateway
 * end in heap (mallinfo2 before and after holding many, the client ends
 * freed, tls_trim done): our tls_conn and wolfSSL's per-connection state.
 *
 * Usage: bench_tls PKI_DIR [handshakes] [megabytes] [idle_conns]
 * PKI_DIR is made by tests/unit/tls/tls_certs.sh (ca.pem, server.*, client.*).
 */
#include <malloc.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "tls.h"
#include "version.h"

struct end {
	struct tls_conn *t;
	int fd;
	bool up;
};

static const char *pki;

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static struct tls_ctx *make_ctx(bool server)
{
	char ca[512], crt[512], key[512], err[512];
	const char *who = server ? "server" : "client";
	struct tls_ctx_params p = {.server = server, .server_name = server ? NULL : "gw.test"};
	struct tls_ctx *ctx;

	snprintf(ca, sizeof(ca), "%s/ca.pem", pki);
	snprintf(crt, sizeof(crt), "%s/%s.pem", pki, who);
	snprintf(key, sizeof(key), "%s/%s.key", pki, who);
	p.ca_file = ca;
	p.cert_file = crt;
	p.key_file = key;
	ctx = tls_ctx_new(&p, err, sizeof(err));
	if (ctx == NULL) {
		fprintf(stderr, "bench_tls: %s context: %s\n", who, err);
		exit(1);
	}
	return ctx;
}

static void flush(struct end *e)
{
	for (int i = 0; i < 1000 && tls_outq_len(e->t) > 0; i++)
		if (tls_flush(e->t) != 0)
			break;
}

/* One turn for one end during the handshake; exits on failure. */
static void hs_step(struct end *e)
{
	enum tls_result r;

	(void)tls_fill(e->t);
	if (!e->up) {
		r = tls_handshake(e->t);
		if (r == TLS_OK)
			e->up = true;
		else if (r == TLS_ERROR || r == TLS_CLOSED) {
			fprintf(stderr, "bench_tls: handshake failed: %s\n", tls_error_str(e->t));
			exit(1);
		}
	}
	flush(e);
}

static void pair_up(struct tls_ctx *sctx, struct tls_ctx *cctx, struct end *s, struct end *c)
{
	int fds[2];

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, fds) < 0) {
		perror("socketpair");
		exit(1);
	}
	s->fd = fds[0];
	c->fd = fds[1];
	s->up = c->up = false;
	s->t = tls_conn_new(sctx, s->fd);
	c->t = tls_conn_new(cctx, c->fd);
	for (int i = 0; i < 100 && !(s->up && c->up); i++) {
		hs_step(c);
		hs_step(s);
	}
	if (!(s->up && c->up)) {
		fprintf(stderr, "bench_tls: handshake did not finish\n");
		exit(1);
	}
}

static void pair_down(struct end *s, struct end *c)
{
	tls_conn_free(s->t);
	tls_conn_free(c->t);
	close(s->fd);
	close(c->fd);
}

/* Client -> server bulk: 32 KiB plaintext batches (the gateway's tx batch). */
static double bulk_mb_s(struct end *s, struct end *c, size_t mb)
{
	static uint8_t out[32 * 1024], in[64 * 1024];
	size_t total = mb * 1024 * 1024, sent = 0, got = 0;
	double t0 = now_ms();

	memset(out, 0xa5, sizeof(out));
	while (got < total) {
		if (sent < total && tls_outq_len(c->t) < 256 * 1024) {
			if (tls_write(c->t, out, sizeof(out)) == TLS_OK)
				sent += sizeof(out);
		}
		(void)tls_flush(c->t);
		(void)tls_fill(s->t);
		for (;;) {
			size_t n = 0;

			if (tls_read(s->t, in, sizeof(in), &n) != TLS_OK || n == 0)
				break;
			got += n;
		}
	}
	return (double)total / (1024.0 * 1024.0) / ((now_ms() - t0) / 1e3);
}

static size_t heap_in_use(void)
{
	struct mallinfo2 mi = mallinfo2();

	return mi.uordblks + mi.hblkhd;
}

/* Heap bytes per held gateway end: n handshakes, one small record each
 * way (as CONFIG and a keepalive), the client end freed, the gateway end
 * trimmed as an idle session is, then held while the heap is read. */
static size_t idle_conn_bytes(struct tls_ctx *sctx, struct tls_ctx *cctx, int n)
{
	struct end *held = calloc((size_t)n, sizeof(*held));
	uint8_t rec[64], in[256];
	size_t before, after, got;

	if (held == NULL)
		exit(1);
	memset(rec, 0x5a, sizeof(rec));
	before = heap_in_use();
	for (int i = 0; i < n; i++) {
		struct end c;

		pair_up(sctx, cctx, &held[i], &c);
		if (tls_write(held[i].t, rec, sizeof(rec)) != TLS_OK ||
		    tls_write(c.t, rec, sizeof(rec)) != TLS_OK) {
			fprintf(stderr, "bench_tls: write failed\n");
			exit(1);
		}
		flush(&held[i]);
		flush(&c);
		(void)tls_fill(c.t);
		(void)tls_read(c.t, in, sizeof(in), &got);
		(void)tls_fill(held[i].t);
		(void)tls_read(held[i].t, in, sizeof(in), &got);
		tls_conn_free(c.t);
		close(c.fd);
		tls_trim(held[i].t);
	}
	malloc_trim(0);
	after = heap_in_use();
	for (int i = 0; i < n; i++) {
		tls_conn_free(held[i].t);
		close(held[i].fd);
	}
	free(held);
	return after > before ? (after - before) / (size_t)n : 0;
}

int main(int argc, char **argv)
{
	int n = argc > 2 ? atoi(argv[2]) : 200;
	size_t mb = argc > 3 ? (size_t)atoi(argv[3]) : 256;
	int idle = argc > 4 ? atoi(argv[4]) : 500;
	struct tls_ctx *sctx, *cctx;
	struct end s, c;
	double t0, hs_ms;
	char cipher[64];

	if (argc < 2 || n < 1 || mb < 1 || idle < 1) {
		fprintf(stderr, "usage: bench_tls PKI_DIR [handshakes] [megabytes] [idle_conns]\n");
		return 2;
	}
	pki = argv[1];
	if (tls_global_init() < 0)
		return 1;
	sctx = make_ctx(true);
	cctx = make_ctx(false);
	pair_up(sctx, cctx, &s, &c); /* warm-up */
	pair_down(&s, &c);
	t0 = now_ms();
	for (int i = 0; i < n; i++) {
		pair_up(sctx, cctx, &s, &c);
		pair_down(&s, &c);
	}
	hs_ms = (now_ms() - t0) / n;
	pair_up(sctx, cctx, &s, &c);
	snprintf(cipher, sizeof(cipher), "%s", tls_cipher_name(c.t));
	version_print(stdout, "bench_tls");
	printf("handshake_ms %.3f (%d full mTLS handshakes, both ends)\n", hs_ms, n);
	printf("bulk_mb_s %.0f (%zu MiB client->server, %s)\n", bulk_mb_s(&s, &c, mb), mb, cipher);
	pair_down(&s, &c);
	printf("idle_conn_bytes %zu (heap per idle gateway end, %d held)\n",
	       idle_conn_bytes(sctx, cctx, idle), idle);
	tls_ctx_free(sctx);
	tls_ctx_free(cctx);
	tls_global_deinit();
	return 0;
}
