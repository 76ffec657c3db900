/*
 * tls_fixture.h - what the TLS tests share: the test PKI (made fresh by
 * tls_certs.sh in a temporary directory, removed afterwards unless
 * MTLSVPN_KEEP_PKI is set), contexts made from it, and one end of a
 * connection driven the way the programs drive theirs. Included by one test
 * program each; every function here is used by all of them.
 */
#ifndef TLS_FIXTURE_H
#define TLS_FIXTURE_H

#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <cmocka.h>

#include "tls.h"

static char pki[PATH_MAX];

/* ---- fixtures ---- */

static void path(char *out, size_t cap, const char *name, const char *ext)
{
	int n = snprintf(out, cap, "%s/%s%s", pki, name, ext);

	assert_true(n > 0 && (size_t)n < cap);
}

static int group_setup(void **state)
{
	char script[PATH_MAX], cmd[3 * PATH_MAX];
	const char *env = getenv("MTLSVPN_TLS_CERTS");

	(void)state;
	if (env != NULL) {
		snprintf(script, sizeof(script), "%s", env);
	} else {
		/* The script sits next to this file; CMake says where (__FILE__
		 * is rewritten by -ffile-prefix-map in a package build). */
		snprintf(script, sizeof(script), "%s/tls_certs.sh", MTLSVPN_TEST_SRCDIR);
	}
	snprintf(pki, sizeof(pki), "%s/test_tls.XXXXXX",
		 getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	if (mkdtemp(pki) == NULL)
		return -1;
	snprintf(cmd, sizeof(cmd), "sh '%s' '%s'", script, pki);
	if (system(cmd) != 0) {
		fprintf(stderr, "test_tls: %s failed (see %s/openssl.log)\n", cmd, pki);
		return -1;
	}
	return tls_global_init();
}

static int group_teardown(void **state)
{
	char cmd[PATH_MAX + 16];

	(void)state;
	tls_global_deinit();
	if (pki[0] != '\0' && getenv("MTLSVPN_KEEP_PKI") == NULL) {
		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", pki);
		if (system(cmd) != 0)
			return -1;
	}
	return 0;
}

/* A gateway context also takes HTTP clients (OpenConnect), and those over
 * TLS 1.2 too: what make_ctx gives a server while these are set. */
static bool fixture_http, fixture_tls12;

static struct tls_ctx *make_ctx(bool server, const char *cert, const char *server_name)
{
	char ca[PATH_MAX], crt[PATH_MAX], key[PATH_MAX], err[512] = "";
	struct tls_ctx_params p = {.server = server, .server_name = server_name,
				   .http = server && fixture_http, .tls12 = server && fixture_tls12};
	struct tls_ctx *ctx;

	path(ca, sizeof(ca), "ca", ".pem");
	p.ca_file = ca;
	if (cert != NULL) {
		path(crt, sizeof(crt), cert, ".pem");
		path(key, sizeof(key), cert, ".key");
		p.cert_file = crt;
		p.key_file = key;
	}
	ctx = tls_ctx_new(&p, err, sizeof(err));
	if (ctx == NULL)
		fail_msg("tls_ctx_new(%s): %s", cert ? cert : "no cert", err);
	return ctx;
}

/* One end of the pair as a tiny state machine: handshake, then read. */
struct end {
	struct tls_conn *t;
	int fd;
	bool hs_ok;
	bool dead;	      /* ended with ERROR or CLOSED */
	enum tls_result last; /* what ended it */
};


/* Send all of the queue, the way a caller waiting for EPOLLOUT would. */
static void flush_all(struct end *e)
{
	for (int i = 0; i < 10000 && tls_outq_len(e->t) > 0; i++) {
		int r = tls_flush(e->t);

		if (r < 0)
			return;
		if (r == 1)
			return; /* the peer has to read first */
	}
}

/* One turn for one end; true if anything moved. */
static bool step(struct end *e)
{
	bool moved = false;
	uint8_t buf[4096];
	size_t got;
	enum tls_result r;

	if (e->dead)
		return false;
	if (tls_fill(e->t) > 0)
		moved = true;
	if (!e->hs_ok) {
		r = tls_handshake(e->t);
		if (r == TLS_OK)
			e->hs_ok = moved = true;
	} else {
		while ((r = tls_read(e->t, buf, sizeof(buf), &got)) == TLS_OK)
			moved = true;
	}
	if (tls_outq_len(e->t) > 0) {
		flush_all(e);
		moved = true;
	}
	if (r == TLS_ERROR || r == TLS_CLOSED) {
		/* As the programs do: say why (the alert is queued), then close. */
		flush_all(e);
		shutdown(e->fd, SHUT_WR);
		e->dead = true;
		e->last = r;
		moved = true;
	}
	return moved;
}


#endif
