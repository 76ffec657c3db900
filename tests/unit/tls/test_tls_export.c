/*
 * test_tls_export.c - the exporter for the UDP data channel over a live
 * TLS 1.3 session, both ends in this process: both ends get the same
 * bytes, which differ per connection id and per session; nothing is
 * exported before the handshake is done, without tls_export_keep(), or
 * after tls_export_done(). The derived keys of the two ends then
 * interoperate through dchan_crypt.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "dchan_crypt.h"
#include "tls.h"
#include "tls_export.h"

#include "tls_fixture.h"

struct pair {
	struct tls_ctx *sctx, *cctx;
	struct end s, c;
};

static void pair_up_cont(struct pair *p, bool keep, bool cont)
{
	int fds[2], quiet = 0;
	bool kept_s = false, kept_c = false;

	memset(p, 0, sizeof(*p));
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, fds), 0);
	p->sctx = make_ctx(true, "server", NULL);
	p->cctx = make_ctx(false, "client", "gw.test");
	p->s.fd = fds[0];
	p->c.fd = fds[1];
	p->s.t = tls_conn_new(p->sctx, p->s.fd);
	p->c.t = tls_conn_new(p->cctx, p->c.fd);
	assert_non_null(p->s.t);
	assert_non_null(p->c.t);
	if (keep) {
		kept_s = tls_export_keep(p->s.t);
		kept_c = tls_export_keep(p->c.t);
	}
	if (cont)
		tls_conn_offer_continue(p->c.t);
	for (int i = 0; i < 200 && quiet < 3; i++) {
		bool moved = step(&p->c);

		moved = step(&p->s) || moved;
		quiet = p->s.hs_ok && p->c.hs_ok && !moved ? quiet + 1 : 0;
		if (p->s.dead || p->c.dead)
			break;
	}
	if (!p->s.hs_ok || !p->c.hs_ok)
		fail_msg("handshake: server %s; client %s", tls_error_str(p->s.t),
			 tls_error_str(p->c.t));
	assert_int_equal(kept_s, keep);
	assert_int_equal(kept_c, keep);
	/* Too late once the handshake has started. */
	assert_false(tls_export_keep(p->s.t));
}

static void pair_up(struct pair *p, bool keep)
{
	pair_up_cont(p, keep, false);
}

static void pair_down(struct pair *p)
{
	tls_conn_free(p->s.t);
	tls_conn_free(p->c.t);
	tls_ctx_free(p->sctx);
	tls_ctx_free(p->cctx);
	close(p->s.fd);
	close(p->c.fd);
}

static void test_tls_export_dchan_both_ends_agree(void **state)
{
	uint8_t s0[DCHAN_SECRET_LEN], c0[DCHAN_SECRET_LEN], sc[DCHAN_SECRET_LEN],
	    other[DCHAN_SECRET_LEN];
	static const uint8_t zero[DCHAN_SECRET_LEN];
	struct pair p, q;

	(void)state;
	pair_up(&p, true);
	assert_int_equal(tls_export_dchan(p.s.t, 42, s0), 0);
	assert_int_equal(tls_export_dchan(p.c.t, 42, c0), 0);
	assert_memory_equal(s0, c0, sizeof(s0));
	assert_memory_not_equal(s0, zero, sizeof(s0));
	assert_int_equal(tls_export_dchan(p.s.t, 43, sc), 0);
	assert_memory_not_equal(s0, sc, sizeof(s0));
	/* Done: wolfSSL has dropped the secrets. */
	tls_export_done(p.s.t);
	assert_int_equal(tls_export_dchan(p.s.t, 42, other), -1);
	assert_memory_equal(other, zero, sizeof(other));
	/* Another session, same cid: other keys. */
	pair_up(&q, true);
	assert_int_equal(tls_export_dchan(q.c.t, 42, other), 0);
	assert_memory_not_equal(s0, other, sizeof(s0));
	pair_down(&q);
	/* A session never kept exports nothing. */
	pair_up(&q, false);
	assert_int_equal(tls_export_dchan(q.c.t, 42, other), -1);
	pair_down(&q);
	pair_down(&p);
}

/* A client offering the continuation gets it from a gateway that keeps the
 * exporter (protocol.md 12.10); both ends then export the same value, which
 * is neither the channel's secret nor another connection's. Without the
 * exporter the gateway chooses mtlsvpn/1; without the offer nothing changes. */
static void test_tls_export_continue_negotiated_and_agreed(void **state)
{
	uint8_t s[32], c[32], other[32], dchan[DCHAN_SECRET_LEN];
	struct pair p, q;

	(void)state;
	pair_up_cont(&p, true, true);
	assert_int_equal(tls_app(p.s.t), TLS_APP_CONTINUE);
	assert_int_equal(tls_app(p.c.t), TLS_APP_CONTINUE);
	assert_int_equal(tls_export_continue(p.s.t, s), 0);
	assert_int_equal(tls_export_continue(p.c.t, c), 0);
	assert_memory_equal(s, c, sizeof(s));
	assert_int_equal(tls_export_dchan(p.c.t, 0, dchan), 0);
	assert_memory_not_equal(s, dchan, sizeof(s));
	pair_up_cont(&q, true, true);
	assert_int_equal(tls_export_continue(q.c.t, other), 0);
	assert_memory_not_equal(s, other, sizeof(s));
	pair_down(&q);
	pair_up_cont(&q, false, true);
	assert_int_equal(tls_app(q.s.t), TLS_APP_MTLSVPN);
	assert_int_equal(tls_app(q.c.t), TLS_APP_MTLSVPN);
	pair_down(&q);
	pair_up_cont(&q, true, false);
	assert_int_equal(tls_app(q.s.t), TLS_APP_MTLSVPN);
	pair_down(&q);
	pair_down(&p);
}

/* Keys from each end's own export: the client seals, the gateway opens. */
static void test_tls_export_dchan_keys_interoperate(void **state)
{
	uint8_t ex_s[DCHAN_SECRET_LEN], ex_c[DCHAN_SECRET_LEN], d[DCHAN_MIN_LEN + 5];
	struct dchan_epoch_keys ks, kc;
	struct dchan_tx tx;
	struct dchan_rx rx;
	struct dchan_opened o;
	struct pair p;
	size_t n;

	(void)state;
	pair_up(&p, true);
	assert_int_equal(tls_export_dchan(p.s.t, 7, ex_s), 0);
	assert_int_equal(tls_export_dchan(p.c.t, 7, ex_c), 0);
	tls_export_done(p.s.t);
	tls_export_done(p.c.t);
	assert_int_equal(dchan_key_derive(DCHAN_AES256GCM, ex_s, &ks), 0);
	assert_int_equal(dchan_key_derive(DCHAN_AES256GCM, ex_c, &kc), 0);
	memset(&tx, 0, sizeof(tx));
	assert_int_equal(dchan_tx_install(&tx, DCHAN_AES256GCM, 7, 0, &kc.c2s), 0);
	dchan_rx_init(&rx, 7);
	assert_int_equal(dchan_rx_install(&rx, DCHAN_AES256GCM, 0, &ks.c2s), 0);
	memcpy(d + DCHAN_HDR_LEN, "hello", 5);
	assert_int_equal(dchan_seal(&tx, DCHAN_DATA, d + DCHAN_HDR_LEN, 5, d, sizeof(d), &n),
			 DCHAN_SEAL_OK);
	assert_int_equal(dchan_open(&rx, d, n, &o), DCHAN_OPEN_OK);
	assert_memory_equal(o.inner, "hello", 5);
	dchan_tx_deinit(&tx);
	dchan_rx_deinit(&rx);
	dchan_key_wipe(&ks);
	dchan_key_wipe(&kc);
	pair_down(&p);
}

static void test_tls_export_dchan_before_handshake(void **state)
{
	uint8_t out[DCHAN_SECRET_LEN];
	static const uint8_t zero[DCHAN_SECRET_LEN];
	struct tls_ctx *ctx;
	struct tls_conn *t;
	int fds[2];

	(void)state;
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, fds), 0);
	ctx = make_ctx(false, "client", "gw.test");
	t = tls_conn_new(ctx, fds[0]);
	assert_non_null(t);
	memset(out, 0xaa, sizeof(out));
	assert_int_equal(tls_export_dchan(t, 1, out), -1);
	assert_memory_equal(out, zero, sizeof(out));
	tls_conn_free(t);
	tls_ctx_free(ctx);
	close(fds[0]);
	close(fds[1]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_tls_export_dchan_both_ends_agree),
	    cmocka_unit_test(test_tls_export_dchan_keys_interoperate),
	    cmocka_unit_test(test_tls_export_dchan_before_handshake),
	    cmocka_unit_test(test_tls_export_continue_negotiated_and_agreed),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
