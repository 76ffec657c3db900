/*
 * test_tls_resume.c - TLS 1.3 resumption through the wrapper, both ends in
 * this process: the client's next connection resumes with the ticket of
 * its last one, the gateway then reads the certificate stored with the
 * ticket and keeps the time of the full handshake; a ticket is used once;
 * a reset table, or resumption off, means full handshakes. The client's
 * chain carries an intermediate the gateway's CA file (the root) lacks, so
 * the stored chain is verified level by level at every resumption.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "tls.h"

#include "tls_fixture.h"

/* A gateway context; tickets only when resumption is true. */
static struct tls_ctx *gateway_ctx(bool resumption)
{
	char ca[PATH_MAX], crt[PATH_MAX], key[PATH_MAX], err[512] = "";
	struct tls_ctx_params p = {.server = true,
				   .resumption = resumption,
				   .ticket_lifetime = 3600,
				   .max_session_lifetime = 0};
	struct tls_ctx *ctx;

	path(ca, sizeof(ca), "ca", ".pem");
	path(crt, sizeof(crt), "server", ".pem");
	path(key, sizeof(key), "server", ".key");
	p.ca_file = ca;
	p.cert_file = crt;
	p.key_file = key;
	ctx = tls_ctx_new(&p, err, sizeof(err));
	if (ctx == NULL)
		fail_msg("tls_ctx_new: %s", err);
	return ctx;
}

/* One connection from cctx to sctx, run until both ends are up and quiet
 * (the client has read its ticket); *s and *c stay open for the caller. */
static void connect_once(struct tls_ctx *sctx, struct tls_ctx *cctx, struct end *s, struct end *c)
{
	int fds[2], quiet = 0;

	memset(s, 0, sizeof(*s));
	memset(c, 0, sizeof(*c));
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, fds), 0);
	s->fd = fds[0];
	c->fd = fds[1];
	s->t = tls_conn_new(sctx, s->fd);
	c->t = tls_conn_new(cctx, c->fd);
	assert_non_null(s->t);
	assert_non_null(c->t);
	for (int i = 0; i < 200 && quiet < 3; i++) {
		bool moved = step(c);

		moved = step(s) || moved;
		quiet = s->hs_ok && c->hs_ok && !moved ? quiet + 1 : 0;
		if (s->dead || c->dead)
			break;
	}
	if (s->dead || c->dead)
		fail_msg("server: %s; client: %s", tls_error_str(s->t), tls_error_str(c->t));
	assert_true(s->hs_ok && c->hs_ok);
}

/* Close both ends; the client's session is kept by its context. */
static void disconnect(struct end *s, struct end *c)
{
	tls_conn_free(c->t);
	tls_conn_free(s->t);
	close(s->fd);
	close(c->fd);
}

static void test_tls_resume_next_connection(void **state)
{
	struct tls_ctx *sctx = gateway_ctx(true), *cctx = make_ctx(false, "client", "gw.test");
	struct cert_info full, resumed;
	struct end s, c;
	int64_t full_at;

	(void)state;
	assert_true(tls_resumption_compiled());
	connect_once(sctx, cctx, &s, &c);
	assert_false(tls_resumed(s.t));
	assert_false(tls_resumed(c.t));
	assert_null(tls_ticket_refused(s.t));
	full_at = tls_full_handshake_at(s.t);
	assert_true(full_at > 0);
	assert_true(tls_peer_info(s.t, &full));
	assert_int_equal(tls_ctx_ticket_count(sctx), 1);
	disconnect(&s, &c);

	connect_once(sctx, cctx, &s, &c);
	assert_true(tls_resumed(s.t));
	assert_true(tls_resumed(c.t));
	/* The certificate the client did not send, from the ticket. */
	assert_true(tls_peer_info(s.t, &resumed));
	assert_string_equal(resumed.serial_hex, full.serial_hex);
	assert_string_equal(resumed.subject_cn, full.subject_cn);
	assert_int_equal(resumed.n_chain, full.n_chain);
	assert_int_equal(resumed.not_after, full.not_after);
	/* Resuming does not restart the lifetime clock. */
	assert_int_equal(tls_full_handshake_at(s.t), full_at);
	/* The used ticket is gone, the new one is in. */
	assert_int_equal(tls_ctx_ticket_count(sctx), 1);
	disconnect(&s, &c);
	tls_ctx_free(cctx);
	tls_ctx_free(sctx);
}

/* A ticket dropped (a reload, or a refused session's) is refused when
 * offered: a full handshake, and the reason. */
static void test_tls_resume_dropped_ticket_full_handshake(void **state)
{
	struct tls_ctx *sctx = gateway_ctx(true), *cctx = make_ctx(false, "client", "gw.test");
	struct end s, c;

	(void)state;
	connect_once(sctx, cctx, &s, &c);
	tls_conn_forget_ticket(s.t);
	assert_int_equal(tls_ctx_ticket_count(sctx), 0);
	disconnect(&s, &c);
	connect_once(sctx, cctx, &s, &c);
	assert_false(tls_resumed(s.t));
	assert_false(tls_resumed(c.t));
	assert_non_null(tls_ticket_refused(s.t));
	assert_string_equal(tls_ticket_refused(s.t), "unknown");
	disconnect(&s, &c);

	connect_once(sctx, cctx, &s, &c);
	assert_true(tls_resumed(s.t));
	disconnect(&s, &c);
	tls_ctx_reset_tickets(sctx, 0);
	assert_int_equal(tls_ctx_ticket_count(sctx), 0);
	connect_once(sctx, cctx, &s, &c);
	assert_false(tls_resumed(s.t));
	assert_string_equal(tls_ticket_refused(s.t), "unknown");
	disconnect(&s, &c);
	tls_ctx_free(cctx);
	tls_ctx_free(sctx);
}

static void test_tls_resume_off_issues_no_ticket(void **state)
{
	struct tls_ctx *sctx = gateway_ctx(false), *cctx = make_ctx(false, "client", "gw.test");
	struct end s, c;

	(void)state;
	connect_once(sctx, cctx, &s, &c);
	assert_int_equal(tls_ctx_ticket_count(sctx), 0);
	disconnect(&s, &c);
	connect_once(sctx, cctx, &s, &c);
	assert_false(tls_resumed(s.t));
	assert_false(tls_resumed(c.t));
	assert_null(tls_ticket_refused(s.t));
	disconnect(&s, &c);
	tls_ctx_free(cctx);
	tls_ctx_free(sctx);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_tls_resume_next_connection),
	    cmocka_unit_test(test_tls_resume_dropped_ticket_full_handshake),
	    cmocka_unit_test(test_tls_resume_off_issues_no_ticket),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
