/*
 * test_tls.c - the TLS wrapper, both ends in one process over a non-blocking
 * socketpair: handshakes that must succeed and each way one must fail (and
 * what each side then reports), the certificate facts handed to identity,
 * bulk data through the output queue, its hard limit, pending data, and
 * close_notify. The PKI is made fresh by tls_certs.sh with openssl.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <malloc.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "tls.h"
#include "version.h"

#include "tls_fixture.h"

struct pair {
	struct tls_ctx *sctx, *cctx;
	struct end s, c;
};

static void pair_open(struct pair *p, const char *client_cert, const char *server_cert,
		      const char *server_name)
{
	int fds[2];

	memset(p, 0, sizeof(*p));
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, fds), 0);
	p->sctx = make_ctx(true, server_cert, NULL);
	p->cctx = make_ctx(false, client_cert, server_name);
	p->s.fd = fds[0];
	p->c.fd = fds[1];
	p->s.t = tls_conn_new(p->sctx, p->s.fd);
	p->c.t = tls_conn_new(p->cctx, p->c.fd);
	assert_non_null(p->s.t);
	assert_non_null(p->c.t);
}

static void pair_close(struct pair *p)
{
	tls_conn_free(p->s.t);
	tls_conn_free(p->c.t);
	tls_ctx_free(p->sctx);
	tls_ctx_free(p->cctx);
	close(p->s.fd);
	close(p->c.fd);
}

/* Run both ends until both are up and quiet, or both have ended. */
static void run(struct pair *p)
{
	int quiet = 0;

	for (int i = 0; i < 200 && quiet < 3; i++) {
		bool moved = step(&p->c);

		moved = step(&p->s) || moved;
		if ((p->c.dead || p->c.hs_ok) && (p->s.dead || p->s.hs_ok) && !moved)
			quiet++;
		else
			quiet = 0;
		if (p->c.dead && p->s.dead)
			break;
	}
}

static void expect_up(struct pair *p)
{
	run(p);
	if (p->s.dead)
		fail_msg("server: %s: %s", tls_failure_str(tls_failure(p->s.t)),
			 tls_error_str(p->s.t));
	if (p->c.dead)
		fail_msg("client: %s: %s", tls_failure_str(tls_failure(p->c.t)),
			 tls_error_str(p->c.t));
	assert_true(p->s.hs_ok);
	assert_true(p->c.hs_ok);
}

/* The server refused the client: the server reports why; the client learns
 * from the alert that its certificate was rejected. */
static void expect_server_refuses(const char *client_cert, enum tls_failure why)
{
	struct pair p;

	pair_open(&p, client_cert, "server", "gw.test");
	run(&p);
	assert_true(p.s.dead);
	assert_int_equal(p.s.last, TLS_ERROR);
	if (tls_failure(p.s.t) != why)
		fail_msg("server failure: want \"%s\", got \"%s\" (%s)", tls_failure_str(why),
			 tls_failure_str(tls_failure(p.s.t)), tls_error_str(p.s.t));
	assert_true(tls_error_str(p.s.t)[0] != '\0');
	assert_true(p.c.dead);
	assert_int_equal(p.c.last, TLS_ERROR);
	if (tls_failure(p.c.t) != TLS_FAIL_REJECTED)
		fail_msg("client failure: want rejected, got \"%s\" (%s)",
			 tls_failure_str(tls_failure(p.c.t)), tls_error_str(p.c.t));
	pair_close(&p);
}

/* The client refused the gateway. */
static void expect_client_refuses(const char *server_cert, const char *server_name,
				  enum tls_failure why)
{
	struct pair p;

	pair_open(&p, "client", server_cert, server_name);
	run(&p);
	assert_true(p.c.dead);
	assert_int_equal(p.c.last, TLS_ERROR);
	if (tls_failure(p.c.t) != why)
		fail_msg("client failure: want \"%s\", got \"%s\" (%s)", tls_failure_str(why),
			 tls_failure_str(tls_failure(p.c.t)), tls_error_str(p.c.t));
	assert_true(tls_error_str(p.c.t)[0] != '\0');
	assert_false(p.s.hs_ok);
	assert_true(p.s.dead);
	pair_close(&p);
}

static void read_file(const char *name, char *out, size_t cap)
{
	char fn[PATH_MAX];
	FILE *f;

	path(fn, sizeof(fn), name, "");
	f = fopen(fn, "r");
	assert_non_null(f);
	assert_non_null(fgets(out, (int)cap, f));
	fclose(f);
	out[strcspn(out, "\r\n")] = '\0';
}

/* ---- handshakes that succeed ---- */

static void test_tls_handshake_ok(void **state)
{
	struct pair p;
	const char *cipher;

	(void)state;
	pair_open(&p, "client", "server", "gw.test");
	expect_up(&p);
	assert_int_equal(tls_failure(p.s.t), TLS_FAIL_NONE);
	assert_int_equal(tls_failure(p.c.t), TLS_FAIL_NONE);
	cipher = tls_cipher_name(p.c.t);
	assert_string_equal(cipher, tls_cipher_name(p.s.t));
	/* The gateway's hardware picks the suite. */
	if (tls_accel_active())
		assert_non_null(strstr(cipher, "AES"));
	else
		assert_non_null(strstr(cipher, "CHACHA"));
	pair_close(&p);
}

static void test_tls_handshake_ip_server_name(void **state)
{
	struct pair p;

	(void)state;
	pair_open(&p, "client", "server", "127.0.0.1");
	expect_up(&p);
	pair_close(&p);
	expect_client_refuses("server", "127.0.0.2", TLS_FAIL_NAME_MISMATCH);
}

static void test_tls_handshake_case_insensitive_name(void **state)
{
	struct pair p;

	(void)state;
	pair_open(&p, "client", "server", "GW.Test.");
	expect_up(&p);
	pair_close(&p);
}

static void test_tls_handshake_wildcard_and_ipv6(void **state)
{
	static const char *const good[] = {"a.wild.test", "A-1.Wild.Test", "::1",
					   "0:0:0:0:0:0:0:1"};
	static const char *const bad[] = {"wild.test", "a.b.wild.test", ".wild.test", "127.0.0.1",
					  "::2"};
	struct pair p;

	(void)state;
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		pair_open(&p, "client", "server-wild", good[i]);
		expect_up(&p);
		pair_close(&p);
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		expect_client_refuses("server-wild", bad[i], TLS_FAIL_NAME_MISMATCH);
}

/* ---- handshakes that fail ---- */

static void test_tls_handshake_name_mismatch(void **state)
{
	(void)state;
	expect_client_refuses("server", "other.test", TLS_FAIL_NAME_MISMATCH);
	/* The CN is gw.test too, but only a subjectAltName counts. */
	expect_client_refuses("server", "test", TLS_FAIL_NAME_MISMATCH);
}

static void test_tls_handshake_server_without_server_auth(void **state)
{
	(void)state;
	expect_client_refuses("server-noeku", "gw.test", TLS_FAIL_PEER_EKU);
}

static void test_tls_handshake_client_other_ca(void **state)
{
	(void)state;
	expect_server_refuses("client-other", TLS_FAIL_PEER_UNTRUSTED);
}

static void test_tls_handshake_client_expired(void **state)
{
	(void)state;
	expect_server_refuses("client-expired", TLS_FAIL_PEER_UNTRUSTED);
}

static void test_tls_handshake_client_without_client_auth(void **state)
{
	(void)state;
	expect_server_refuses("client-noeku", TLS_FAIL_PEER_EKU);
	expect_server_refuses("client-noext", TLS_FAIL_PEER_EKU);
}

static void test_tls_handshake_no_client_cert(void **state)
{
	(void)state;
	expect_server_refuses(NULL, TLS_FAIL_NO_PEER_CERT);
}

static void test_tls_ctx_new_missing_key(void **state)
{
	char ca[PATH_MAX], crt[PATH_MAX], key[PATH_MAX], err[512] = "";
	struct tls_ctx_params p = {.server = true, .key_file = "/nonexistent/server.key"};
	struct tls_ctx *ctx;

	(void)state;
	path(ca, sizeof(ca), "ca", ".pem");
	path(crt, sizeof(crt), "server", ".pem");
	p.ca_file = ca;
	p.cert_file = crt;
	assert_null(tls_ctx_new(&p, err, sizeof(err)));
	assert_non_null(strstr(err, "cannot load key /nonexistent/server.key"));
	assert_non_null(strstr(err, "No such file"));

	/* The key of another certificate. Debian's wolfSSL 5.5.4 does not
	 * notice for EC keys (wolfSSL_CTX_check_private_key says yes); the
	 * handshake then fails at CertificateVerify instead. */
	path(key, sizeof(key), "client", ".key");
	p.key_file = key;
	ctx = tls_ctx_new(&p, err, sizeof(err));
	if (ctx != NULL && strcmp(MTLSVPN_WOLFSSL_KIND, "system") == 0) {
		print_message("note: this wolfSSL does not detect a mismatched EC key\n");
		tls_ctx_free(ctx);
		return;
	}
	assert_null(ctx);
	if (strstr(err, "does not belong") == NULL)
		fail_msg("%s", err);
}

/* ---- certificate facts ---- */

static void test_tls_peer_info_fields(void **state)
{
	struct pair p;
	struct cert_info ci;
	char serial[64], fp[32], na[32];

	(void)state;
	read_file("client.serial", serial, sizeof(serial));
	read_file("client.fp", fp, sizeof(fp));
	read_file("client.notafter", na, sizeof(na));
	pair_open(&p, "client", "server", "gw.test");
	expect_up(&p);

	assert_true(tls_peer_info(p.s.t, &ci));
	assert_false(ci.truncated);
	assert_string_equal(ci.subject_cn, "alice");
	assert_int_equal(ci.n_ou, 2);
	assert_string_equal(ci.subject_ou[0], "eng");
	assert_string_equal(ci.subject_ou[1], "vpn");
	assert_int_equal(ci.n_email, 1);
	assert_string_equal(ci.san_email[0], "alice@corp.test");
	assert_int_equal(ci.n_uri, 1);
	assert_string_equal(ci.san_uri[0], "https://corp.test/alice");
	assert_int_equal(ci.n_dns, 1);
	assert_string_equal(ci.san_dns[0], "alice.corp.test");
	assert_string_equal(ci.serial_hex, serial);
	assert_string_equal(ci.fingerprint, fp);
	assert_int_equal(ci.not_after, strtoll(na, NULL, 10));
	assert_true(ci.not_before < ci.not_after);
	assert_true(ci.not_before <= (int64_t)time(NULL));
	/* The leaf and the intermediate it was sent with, for revocation. */
	assert_int_equal(ci.n_chain, 2);
	assert_true(ci.chain[0].serial_len > 0 && ci.chain[1].serial_len > 0);
	assert_memory_not_equal(ci.chain[0].issuer_hash, ci.chain[1].issuer_hash,
				sizeof(ci.chain[0].issuer_hash));

	assert_true(tls_peer_info(p.c.t, &ci));
	assert_string_equal(ci.subject_cn, "gw.test");
	assert_int_equal(ci.n_dns, 1);
	assert_string_equal(ci.san_dns[0], "gw.test");
	assert_int_equal(ci.n_email, 0);
	pair_close(&p);
}

/* ---- memory ---- */

#define IDLE_CONNS 32

static size_t heap_in_use(void)
{
	struct mallinfo2 mi = mallinfo2();

	return mi.uordblks + mi.hblkhd;
}

/* What an idle, established gateway end costs in heap: our tls_conn and
 * wolfSSL's per-connection state, after one small record each way and
 * tls_trim, with the client ends gone. The optimized wolfSSL is built
 * without SESSION_CERTS (we keep the peer's chain ourselves, a few hundred
 * bytes a certificate): under 24 KiB. Debian's library keeps its own
 * fixed 37 KiB copy of the chain in every connection and larger buffers
 * of its own (83 KiB measured with Debian 12's 5.5.4): under 96 KiB. The
 * certificate facts stay readable all the while. */
static void test_tls_idle_conn_heap(void **state)
{
	const bool optimized = strcmp(MTLSVPN_WOLFSSL_KIND, "optimized") == 0;
	const size_t budget = optimized ? 24 * 1024 : 96 * 1024;
	struct tls_ctx *sctx = make_ctx(true, "server", NULL);
	struct tls_ctx *cctx = make_ctx(false, "client", "gw.test");
	struct end *held = calloc(IDLE_CONNS, sizeof(*held));
	uint8_t rec[64];
	struct cert_info ci;
	size_t before, per_conn;

	(void)state;
	assert_non_null(held);
	memset(rec, 0x5a, sizeof(rec));
	before = heap_in_use();
	for (int i = 0; i < IDLE_CONNS; i++) {
		struct end c = {.fd = -1};
		int fds[2];

		assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, fds), 0);
		held[i].fd = fds[0];
		c.fd = fds[1];
		held[i].t = tls_conn_new(sctx, held[i].fd);
		c.t = tls_conn_new(cctx, c.fd);
		assert_non_null(held[i].t);
		assert_non_null(c.t);
		for (int k = 0; k < 200 && !(held[i].hs_ok && c.hs_ok); k++) {
			(void)step(&c);
			(void)step(&held[i]);
		}
		assert_true(held[i].hs_ok && c.hs_ok);
		assert_int_equal(tls_write(held[i].t, rec, sizeof(rec)), TLS_OK);
		assert_int_equal(tls_write(c.t, rec, sizeof(rec)), TLS_OK);
		for (int k = 0; k < 3; k++) {
			(void)step(&c);
			(void)step(&held[i]);
		}
		tls_conn_free(c.t);
		close(c.fd);
		tls_trim(held[i].t);
	}
	malloc_trim(0);
	per_conn = (heap_in_use() - before) / IDLE_CONNS;
	if (per_conn >= budget)
		fail_msg("an idle gateway end holds %zu bytes of heap (budget %zu, %s wolfSSL)",
			 per_conn, budget, MTLSVPN_WOLFSSL_KIND);
	for (int i = 0; i < IDLE_CONNS; i++) {
		assert_true(tls_peer_info(held[i].t, &ci));
		assert_string_equal(ci.subject_cn, "alice");
		assert_int_equal(ci.n_chain, 2);
		tls_conn_free(held[i].t);
		close(held[i].fd);
	}
	free(held);
	tls_ctx_free(sctx);
	tls_ctx_free(cctx);
}

/* ---- data ---- */

/* Deterministic bytes and a running checksum of them. */
struct stream {
	uint64_t pos;
	uint64_t sum;
};

static uint8_t stream_byte(uint64_t i)
{
	return (uint8_t)((i * 2654435761u) >> 13);
}

static void stream_fill(struct stream *s, uint8_t *buf, size_t n)
{
	for (size_t i = 0; i < n; i++)
		buf[i] = stream_byte(s->pos + i);
	s->pos += n;
}

static void stream_check(struct stream *s, const uint8_t *buf, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (buf[i] != stream_byte(s->pos + i))
			fail_msg("byte %llu differs", (unsigned long long)(s->pos + i));
		s->sum = s->sum * 31 + buf[i];
	}
	s->pos += n;
}

/* Read everything decrypted-able from e into the checker. */
static void drain_into(struct end *e, struct stream *in)
{
	static uint8_t buf[65536];
	size_t got;
	enum tls_result r;

	(void)tls_fill(e->t);
	while ((r = tls_read(e->t, buf, sizeof(buf), &got)) == TLS_OK)
		stream_check(in, buf, got);
	if (r != TLS_WANT_READ)
		fail_msg("tls_read: %d: %s", r, tls_error_str(e->t));
}

static void test_tls_write_read_1mb_both_ways(void **state)
{
	const size_t total = 1024 * 1024, chunk = 40000; /* 3 records a write */
	static uint8_t buf[40000];
	struct stream c_out = {0}, s_out = {0}, s_in = {0}, c_in = {0};
	struct pair p;
	int writes = 0;

	(void)state;
	pair_open(&p, "client", "server", "gw.test");
	expect_up(&p);
	for (int i = 0; i < 100000 && (s_in.pos < total || c_in.pos < total); i++) {
		struct end *ends[2] = {&p.c, &p.s};
		struct stream *outs[2] = {&c_out, &s_out};

		for (int k = 0; k < 2; k++) {
			size_t n = total - outs[k]->pos < chunk ? total - outs[k]->pos : chunk;
			struct stream save = *outs[k];

			if (n == 0)
				continue;
			stream_fill(outs[k], buf, n);
			switch (tls_write(ends[k]->t, buf, n)) {
			case TLS_OK:
				writes++;
				break;
			case TLS_WANT_WRITE:
				*outs[k] = save; /* nothing was queued: again later */
				break;
			default:
				fail_msg("tls_write: %s", tls_error_str(ends[k]->t));
			}
			(void)tls_flush(ends[k]->t);
		}
		drain_into(&p.s, &s_in);
		drain_into(&p.c, &c_in);
	}
	assert_int_equal(s_in.pos, total);
	assert_int_equal(c_in.pos, total);
	assert_true(s_in.sum == c_in.sum); /* same generator both ways */
	assert_true(writes >= 2 * 26);
	pair_close(&p);
}

static void test_tls_write_queue_limit(void **state)
{
	static uint8_t buf[65536];
	struct stream out = {0}, in = {0};
	struct pair p;
	enum tls_result r = TLS_OK;
	int n = 0;

	(void)state;
	pair_open(&p, "client", "server", "gw.test");
	expect_up(&p);
	/* Nobody flushes: the queue fills up to its hard limit. */
	while (n < 1000) {
		struct stream save = out;

		stream_fill(&out, buf, sizeof(buf));
		r = tls_write(p.c.t, buf, sizeof(buf));
		if (r != TLS_OK) {
			out = save;
			break;
		}
		n++;
	}
	assert_int_equal(r, TLS_WANT_WRITE);
	assert_true(tls_outq_len(p.c.t) > 3 * 1024 * 1024);
	assert_true(tls_outq_len(p.c.t) <= 4 * 1024 * 1024);
	/* What was accepted arrives whole; then writing works again. */
	while (in.pos < out.pos) {
		assert_true(tls_flush(p.c.t) >= 0);
		drain_into(&p.s, &in);
	}
	assert_int_equal(tls_outq_len(p.c.t), 0);
	stream_fill(&out, buf, sizeof(buf));
	assert_int_equal(tls_write(p.c.t, buf, sizeof(buf)), TLS_OK);
	pair_close(&p);
}

static void test_tls_has_pending_after_partial_read(void **state)
{
	uint8_t msg[3000], got_buf[100];
	struct pair p;
	size_t got;

	(void)state;
	memset(msg, 'x', sizeof(msg));
	pair_open(&p, "client", "server", "gw.test");
	expect_up(&p);
	assert_false(tls_has_pending(p.c.t));
	assert_int_equal(tls_write(p.s.t, msg, sizeof(msg)), TLS_OK);
	assert_int_equal(tls_write(p.s.t, msg, sizeof(msg)), TLS_OK);
	assert_int_equal(tls_flush(p.s.t), 0);
	assert_true(tls_fill(p.c.t) > 0);
	/* The input buffer starts small and grows once a recv() fills it. */
	while (tls_fill(p.c.t) > 0)
		;
	assert_true(tls_has_pending(p.c.t)); /* ciphertext buffered, epoll saw it */
	assert_int_equal(tls_read(p.c.t, got_buf, sizeof(got_buf), &got), TLS_OK);
	assert_int_equal(got, sizeof(got_buf));
	/* The rest is decrypted or buffered where epoll cannot see it. */
	assert_true(tls_has_pending(p.c.t));
	for (size_t total = got; total < 2 * sizeof(msg); total += got)
		assert_int_equal(tls_read(p.c.t, got_buf, sizeof(got_buf), &got), TLS_OK);
	assert_int_equal(tls_read(p.c.t, got_buf, sizeof(got_buf), &got), TLS_WANT_READ);
	assert_false(tls_has_pending(p.c.t));
	pair_close(&p);
}

/* ---- closing ---- */

static void test_tls_read_close_notify(void **state)
{
	uint8_t buf[64];
	struct pair p;
	size_t got;

	(void)state;
	pair_open(&p, "client", "server", "gw.test");
	expect_up(&p);
	assert_int_equal(tls_write(p.c.t, "bye", 3), TLS_OK);
	tls_shutdown(p.c.t);
	tls_shutdown(p.c.t); /* once is enough; twice is harmless */
	assert_int_equal(tls_flush(p.c.t), 0);
	assert_true(tls_fill(p.s.t) > 0);
	assert_int_equal(tls_read(p.s.t, buf, sizeof(buf), &got), TLS_OK);
	assert_int_equal(got, 3);
	assert_memory_equal(buf, "bye", 3);
	assert_int_equal(tls_read(p.s.t, buf, sizeof(buf), &got), TLS_CLOSED);
	assert_int_equal(tls_failure(p.s.t), TLS_FAIL_NONE);
	pair_close(&p);
}

static void test_tls_read_eof(void **state)
{
	uint8_t buf[64];
	struct pair p;
	size_t got;

	(void)state;
	pair_open(&p, "client", "server", "gw.test");
	expect_up(&p);
	shutdown(p.c.fd, SHUT_WR);
	assert_int_equal(tls_fill(p.s.t), 0);
	assert_int_equal(tls_fill(p.s.t), 0); /* EOF is remembered */
	assert_int_equal(tls_read(p.s.t, buf, sizeof(buf), &got), TLS_CLOSED);
	pair_close(&p);
}

static void test_tls_handshake_eof(void **state)
{
	struct pair p;

	(void)state;
	pair_open(&p, "client", "server", "gw.test");
	assert_int_equal(tls_handshake(p.c.t), TLS_WANT_READ);
	assert_int_equal(tls_flush(p.c.t), 0);
	shutdown(p.c.fd, SHUT_WR);
	assert_true(tls_fill(p.s.t) > 0);
	assert_int_equal(tls_fill(p.s.t), 0);
	if (tls_handshake(p.s.t) != TLS_CLOSED)
		fail_msg("%s", tls_error_str(p.s.t));
	assert_int_equal(tls_failure(p.s.t), TLS_FAIL_IO);
	pair_close(&p);
}

/* ---- words and facts ---- */

static void test_tls_failure_str_all(void **state)
{
	(void)state;
	for (int f = TLS_FAIL_NONE; f <= TLS_FAIL_PROTOCOL; f++)
		assert_true(tls_failure_str((enum tls_failure)f)[0] != '\0');
	assert_string_equal(tls_failure_str((enum tls_failure)99), "unknown failure");
}

static void test_version_print_lines(void **state)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	(void)state;
	assert_non_null(f);
	version_print(f, "mtlsvpn-test");
	fclose(f);
	assert_true(strncmp(text, "mtlsvpn-test " MTLSVPN_VERSION "\nwolfSSL ", 22) == 0);
	assert_non_null(strstr(text, tls_library_version()));
	assert_non_null(strstr(text, "\ncrypto: "));
	assert_non_null(
	    strstr(text, tls_accel_active() ? "AES-GCM preferred" : "ChaCha20-Poly1305 preferred"));
	if (tls_accel_active())
		assert_true(tls_accel_compiled());
	free(text);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_tls_handshake_ok),
	    cmocka_unit_test(test_tls_handshake_ip_server_name),
	    cmocka_unit_test(test_tls_handshake_case_insensitive_name),
	    cmocka_unit_test(test_tls_handshake_wildcard_and_ipv6),
	    cmocka_unit_test(test_tls_handshake_name_mismatch),
	    cmocka_unit_test(test_tls_handshake_server_without_server_auth),
	    cmocka_unit_test(test_tls_handshake_client_other_ca),
	    cmocka_unit_test(test_tls_handshake_client_expired),
	    cmocka_unit_test(test_tls_handshake_client_without_client_auth),
	    cmocka_unit_test(test_tls_handshake_no_client_cert),
	    cmocka_unit_test(test_tls_ctx_new_missing_key),
	    cmocka_unit_test(test_tls_peer_info_fields),
	    cmocka_unit_test(test_tls_idle_conn_heap),
	    cmocka_unit_test(test_tls_write_read_1mb_both_ways),
	    cmocka_unit_test(test_tls_write_queue_limit),
	    cmocka_unit_test(test_tls_has_pending_after_partial_read),
	    cmocka_unit_test(test_tls_read_close_notify),
	    cmocka_unit_test(test_tls_read_eof),
	    cmocka_unit_test(test_tls_handshake_eof),
	    cmocka_unit_test(test_tls_failure_str_all),
	    cmocka_unit_test(test_version_print_lines),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
