/*
 * test_tls_hello.c - the gateway's look at a ClientHello before wolfSSL's
 * (tls_hello.c). Against a peer we did not write, the openssl command line
 * over loopback TCP: a client offering only key-exchange groups we lack, or
 * no ALPN, must get an alert before any ServerHello (RFC 8446 section
 * 4.1.1, RFC 7301 section 3.2), never a HelloRetryRequest without a
 * key_share or a bare close after a handshake that seemed to succeed;
 * s_client's -msg trace is what those tests read. And on bytes: our own
 * client's hello, whole, cut short and with its lengths broken.
 */
#include <arpa/inet.h>
#include <limits.h>
#include <netinet/in.h>
#include <poll.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>

#include "dchan_cont.h"
#include "proto.h"
#include "tls_export.h"
#include "tls.h"
#include "tls_internal.h"

#include "tls_fixture.h"

/* One s_client run against our server end: how our end finished and what
 * s_client printed. */
struct s_client_run {
	bool hs_ok;
	enum tls_app app;
	enum tls_result last;
	enum tls_failure failure;
	char why[400];
	char out[65536];
};

/* A listening socket on 127.0.0.1 and an ephemeral port. */
static int listen_loopback(unsigned *port)
{
	struct sockaddr_in sa = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t slen = sizeof(sa);
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	assert_true(fd >= 0);
	assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(listen(fd, 1), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&sa, &slen), 0);
	*port = ntohs(sa.sin_port);
	return fd;
}

/* Run s_client with extra arguments (it presents a good client
 * certificate), drive our end until it ends or s_client, its stdin empty,
 * has said goodbye, then collect s_client's output. */
/* The gateway keeps the exporter's secrets (its UDP channel is on): it
 * may choose the continuation (docs/protocol.md 12.10). */
static bool fixture_keep_export;

static void serve_s_client(const char *args, struct s_client_run *r)
{
	char cmd[5 * PATH_MAX], ca[PATH_MAX], crt[PATH_MAX], key[PATH_MAX];
	struct end e = {.fd = -1};
	struct tls_ctx *ctx = make_ctx(true, "server", NULL);
	struct pollfd pfd;
	unsigned port;
	size_t n = 0, got;
	int lfd = listen_loopback(&port);
	FILE *f;

	memset(r, 0, sizeof(*r));
	path(ca, sizeof(ca), "ca", ".pem");
	path(crt, sizeof(crt), "client", ".pem");
	path(key, sizeof(key), "client", ".key");
	snprintf(cmd, sizeof(cmd),
		 "openssl s_client -connect 127.0.0.1:%u -servername gw.test %s "
		 "-CAfile '%s' -cert '%s' -cert_chain '%s' -key '%s' -msg %.200s </dev/null 2>&1",
		 port, strstr(args, "-tls1_2") != NULL ? "" : "-tls1_3", ca, crt, crt, key, args);
	f = popen(cmd, "r");
	assert_non_null(f);
	pfd = (struct pollfd){.fd = lfd, .events = POLLIN};
	assert_int_equal(poll(&pfd, 1, 10000), 1);
	e.fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
	assert_true(e.fd >= 0);
	close(lfd);
	e.t = tls_conn_new(ctx, e.fd);
	assert_non_null(e.t);
	if (fixture_keep_export)
		(void)tls_export_keep(e.t);
	for (int i = 0; i < 100 && !e.dead; i++) {
		pfd = (struct pollfd){.fd = e.fd, .events = POLLIN};
		(void)poll(&pfd, 1, 100);
		step(&e);
	}
	close(e.fd);
	while (n + 1 < sizeof(r->out) &&
	       (got = fread(r->out + n, 1, sizeof(r->out) - 1 - n, f)) > 0)
		n += got;
	r->out[n] = '\0';
	pclose(f);
	r->hs_ok = e.hs_ok;
	r->app = e.hs_ok ? tls_app(e.t) : TLS_APP_MTLSVPN;
	r->last = e.last;
	r->failure = tls_failure(e.t);
	snprintf(r->why, sizeof(r->why), "%s", tls_error_str(e.t));
	tls_conn_free(e.t);
	tls_ctx_free(ctx);
}

/* cmocka cuts long messages: the trace without its hex dumps goes to
 * stderr before the failure. */
static void print_trace(const struct s_client_run *r)
{
	for (const char *l = r->out; *l != '\0';) {
		size_t len = strcspn(l, "\n");

		if (l[0] != ' ')
			fprintf(stderr, "| %.*s\n", (int)len, l);
		l += len + (l[len] == '\n');
	}
}

static void expect_app(const char *args, enum tls_app app)
{
	static struct s_client_run r;

	serve_s_client(args, &r);
	if (!r.hs_ok || r.failure != TLS_FAIL_NONE) {
		print_trace(&r);
		fail_msg("s_client %s: our end: %s: %s", args, tls_failure_str(r.failure), r.why);
	}
	if (r.app != app)
		fail_msg("s_client %s: our end took it for %s", args,
			 r.app == TLS_APP_HTTP	   ? "HTTP"
			 : r.app == TLS_APP_CONTINUE ? DCHAN_CONT_ALPN
						     : "mtlsvpn/1");
}

static void expect_up(const char *args)
{
	expect_app(args, TLS_APP_MTLSVPN);
}

/* Our end failed after the ServerHello (a check on what was agreed). */
static void expect_refused(const char *args, enum tls_failure failure)
{
	static struct s_client_run r;

	serve_s_client(args, &r);
	if (r.hs_ok || r.failure != failure) {
		print_trace(&r);
		fail_msg("s_client %s: want our end to refuse it (%s), it %s: %s", args,
			 tls_failure_str(failure), r.hs_ok ? "completed" : tls_failure_str(r.failure),
			 r.why);
	}
}

/* Our end failed the handshake and s_client received the fatal alert
 * numbered alert, before any ServerHello (OpenSSL's trace calls a
 * HelloRetryRequest one too). */
static void expect_alert(const char *args, int alert)
{
	static struct s_client_run r;
	char words[32];

	snprintf(words, sizeof(words), "SSL alert number %d\n", alert);
	serve_s_client(args, &r);
	if (r.hs_ok || r.last != TLS_ERROR || strstr(r.out, words) == NULL ||
	    strstr(r.out, "ServerHello") != NULL) {
		print_trace(&r);
		fail_msg("s_client %s: want our end to fail the handshake (it %s: %s) with alert "
			 "%d before any ServerHello",
			 args, r.hs_ok ? "completed" : tls_failure_str(r.failure), r.why, alert);
	}
}

#define ALPN "-alpn " PROTO_ALPN
#define ALERT_HANDSHAKE_FAILURE 40	   /* RFC 8446 section 6 */
#define ALERT_NO_APPLICATION_PROTOCOL 120 /* RFC 7301 section 3.2 */
#define ALERT_PROTOCOL_VERSION 70

static void test_tls_s_client_default_groups(void **state)
{
	(void)state;
	expect_up(ALPN);
}

/* Each group the gateway offers works alone; P-256 and P-384 cost a
 * HelloRetryRequest only if the peer's first key share is another one. */
static void test_tls_s_client_each_group_we_offer(void **state)
{
	(void)state;
	expect_up(ALPN " -groups X25519");
	expect_up(ALPN " -groups P-256");
	expect_up(ALPN " -groups P-384");
	expect_up(ALPN " -groups X448:P-384");
}

static void test_tls_s_client_only_groups_we_lack(void **state)
{
	(void)state;
	expect_alert(ALPN " -groups X448", ALERT_HANDSHAKE_FAILURE);
	expect_alert(ALPN " -groups ffdhe2048", ALERT_HANDSHAKE_FAILURE);
	expect_alert(ALPN " -groups P-521", ALERT_HANDSHAKE_FAILURE);
	expect_alert(ALPN " -groups X448:ffdhe2048:P-521", ALERT_HANDSHAKE_FAILURE);
}

static void test_tls_s_client_no_alpn(void **state)
{
	(void)state;
	expect_alert("", ALERT_NO_APPLICATION_PROTOCOL);
}

static void test_tls_s_client_other_alpn(void **state)
{
	(void)state;
	expect_alert("-alpn h2,http/1.1", ALERT_NO_APPLICATION_PROTOCOL);
}

/* A continuation's offer (protocol.md 12.10): chosen by a gateway that
 * keeps the exporter, mtlsvpn/1 chosen from it by one that does not; the
 * continuation alone, without mtlsvpn/1, is not ours. */
static void test_tls_s_client_continue_offer(void **state)
{
	(void)state;
	expect_app("-alpn " DCHAN_CONT_ALPN "," PROTO_ALPN, TLS_APP_MTLSVPN);
	expect_alert("-alpn " DCHAN_CONT_ALPN, ALERT_NO_APPLICATION_PROTOCOL);
	fixture_keep_export = true;
	expect_app("-alpn " DCHAN_CONT_ALPN "," PROTO_ALPN, TLS_APP_CONTINUE);
	expect_app("-alpn " PROTO_ALPN "," DCHAN_CONT_ALPN, TLS_APP_CONTINUE);
	expect_app(ALPN, TLS_APP_MTLSVPN);
	fixture_keep_export = false;
}

/* With OpenConnect clients on: no ALPN or http/1.1 is HTTP, ours stays
 * ours, anything else is still refused; TLS 1.2 only where allowed, and
 * never for mtlsvpn/1. */
static void test_tls_s_client_http_on(void **state)
{
	(void)state;
	fixture_http = true;
	expect_app("", TLS_APP_HTTP);
	expect_app("-alpn h2,http/1.1", TLS_APP_HTTP);
	expect_app(ALPN, TLS_APP_MTLSVPN);
	expect_app("-alpn http/1.1," PROTO_ALPN, TLS_APP_MTLSVPN);
	expect_alert("-alpn h2", ALERT_NO_APPLICATION_PROTOCOL);
	expect_alert("-tls1_2", ALERT_PROTOCOL_VERSION);
	fixture_tls12 = true;
	expect_app("-tls1_2", TLS_APP_HTTP);
	expect_app("-tls1_2 -cipher ECDHE-RSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES128-GCM-SHA256",
		   TLS_APP_HTTP);
	expect_refused("-tls1_2 " ALPN, TLS_FAIL_PROTOCOL);
	expect_alert("-tls1_2 -cipher AES128-SHA:ECDHE-RSA-AES128-SHA:ECDHE-ECDSA-AES128-SHA",
		     ALERT_HANDSHAKE_FAILURE);
	expect_app(ALPN, TLS_APP_MTLSVPN);
	fixture_tls12 = false;
	fixture_http = false;
}

/* ---- on bytes ---- */

static const int our_groups[] = {29, 23, 24}; /* X25519, P-256, P-384 */
#define N_OUR (sizeof(our_groups) / sizeof(our_groups[0]))

/* The first flight of our own client end. */
static size_t own_hello(uint8_t *out, size_t cap)
{
	struct tls_ctx *ctx = make_ctx(false, "client", "gw.test");
	struct tls_conn *t;
	ssize_t n;
	int fds[2];

	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, fds), 0);
	t = tls_conn_new(ctx, fds[0]);
	assert_non_null(t);
	assert_int_equal(tls_handshake(t), TLS_WANT_READ);
	assert_int_equal(tls_flush(t), 0);
	n = recv(fds[1], out, cap, 0);
	assert_true(n > 5);
	tls_conn_free(t);
	tls_ctx_free(ctx);
	close(fds[0]);
	close(fds[1]);
	return (size_t)n;
}

static void test_tls_hello_check_own_client(void **state)
{
	static const int only_p521[] = {25};
	uint8_t h[4096];
	size_t len = own_hello(h, sizeof(h));

	(void)state;
	assert_int_equal(tls_hello_check(h, len, our_groups, N_OUR), TLS_HELLO_PASS);
	/* Whatever follows the first record is not its business. */
	assert_int_equal(tls_hello_check(h, sizeof(h), our_groups, N_OUR), TLS_HELLO_PASS);
	assert_int_equal(tls_hello_check(h, len, only_p521, 1), TLS_HELLO_NO_GROUP);
	for (size_t cut = 0; cut < len; cut++)
		assert_int_equal(tls_hello_check(h, cut, our_groups, N_OUR), TLS_HELLO_NEED_MORE);
}

/* Whatever it cannot read, wolfSSL judges: a broken byte anywhere in a
 * complete hello never makes the check wait for more. */
static void test_tls_hello_check_broken_lengths_pass(void **state)
{
	uint8_t h[4096], bad[4096];
	size_t len = own_hello(h, sizeof(h));

	(void)state;
	for (size_t i = 5; i < len; i++) {
		memcpy(bad, h, len);
		bad[i] ^= 0xff;
		/* A flipped byte may land in a group or ALPN name: a refusal
		 * is then right; waiting never is. */
		assert_int_not_equal(tls_hello_check(bad, len, our_groups, N_OUR),
				     TLS_HELLO_NEED_MORE);
	}
	memcpy(bad, h, len);
	bad[0] = 23; /* application data first: not a hello at all */
	assert_int_equal(tls_hello_check(bad, 1, our_groups, N_OUR), TLS_HELLO_PASS);
	assert_int_equal(tls_hello_check(bad, len, our_groups, N_OUR), TLS_HELLO_PASS);
}

/* Our client's hello with a padding extension (RFC 7685) of pad bytes
 * added: a first record far larger than the server's initial input
 * buffer. Returns the new length. */
static size_t padded_hello(uint8_t *h, size_t len, size_t cap, size_t pad)
{
	size_t o = 5 + 4 + 2 + 32, ext_len_at, ext_len, rec_len, hs_len;

	o += 1 + h[o];                         /* session id */
	o += 2 + ((size_t)h[o] << 8 | h[o + 1]); /* cipher suites */
	o += 1 + h[o];                         /* compression methods */
	ext_len_at = o;
	ext_len = (size_t)h[o] << 8 | h[o + 1];
	assert_int_equal(ext_len_at + 2 + ext_len, len);
	assert_true(len + 4 + pad <= cap && pad < 65536);
	h[len] = 0;
	h[len + 1] = 21;
	h[len + 2] = (uint8_t)(pad >> 8);
	h[len + 3] = (uint8_t)pad;
	memset(h + len + 4, 0, pad);
	ext_len += 4 + pad;
	h[ext_len_at] = (uint8_t)(ext_len >> 8);
	h[ext_len_at + 1] = (uint8_t)ext_len;
	rec_len = len + 4 + pad - 5;
	h[3] = (uint8_t)(rec_len >> 8);
	h[4] = (uint8_t)rec_len;
	hs_len = rec_len - 4;
	h[6] = (uint8_t)(hs_len >> 16);
	h[7] = (uint8_t)(hs_len >> 8);
	h[8] = (uint8_t)hs_len;
	return len + 4 + pad;
}

/* The gateway starts each connection with a small input buffer; a first
 * record larger than it (here 12 KiB) must still be read whole and
 * answered, never left waiting for room. */
static void test_tls_hello_larger_than_first_buffer(void **state)
{
	static uint8_t h[16384];
	struct tls_ctx *ctx = make_ctx(true, "server", NULL);
	struct tls_conn *t;
	size_t len = padded_hello(h, own_hello(h, sizeof(h)), sizeof(h), 12000), off = 0;
	enum tls_result r = TLS_WANT_READ;
	int fds[2];

	(void)state;
	assert_int_equal(tls_hello_check(h, len, our_groups, N_OUR), TLS_HELLO_PASS);
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, fds), 0);
	t = tls_conn_new(ctx, fds[0]);
	assert_non_null(t);
	assert_false(tls_hello_received(t));
	for (int i = 0; i < 200 && r == TLS_WANT_READ && !tls_hello_received(t); i++) {
		if (off < len) {
			ssize_t n = send(fds[1], h + off, len - off, MSG_DONTWAIT);

			if (n > 0)
				off += (size_t)n;
		}
		(void)tls_fill(t);
		r = tls_handshake(t);
	}
	if (r != TLS_WANT_READ)
		fail_msg("handshake ended: %s", tls_error_str(t));
	/* The server has answered: its first flight is queued. */
	assert_true(tls_hello_received(t));
	assert_true(tls_outq_len(t) > 0);
	tls_conn_free(t);
	tls_ctx_free(ctx);
	close(fds[0]);
	close(fds[1]);
}

/* Where the psk_key_exchange_modes list of a hello starts (its length
 * byte); 0 if it has none. */
static size_t psk_modes_at(const uint8_t *h, size_t len)
{
	size_t o = 5 + 4 + 2 + 32, end;

	o += 1 + h[o];                         /* session id */
	o += 2 + ((size_t)h[o] << 8 | h[o + 1]); /* cipher suites */
	o += 1 + h[o];                         /* compression methods */
	end = o + 2 + ((size_t)h[o] << 8 | h[o + 1]);
	assert_int_equal(end, len);
	for (o += 2; o + 4 <= end; o += 4 + ((size_t)h[o + 2] << 8 | h[o + 3]))
		if (h[o] == 0 && h[o + 1] == 45)
			return o + 4;
	return 0;
}

/* The gateway resumes only with psk_dhe_ke (forward secrecy): our client
 * allows it; a hello allowing psk_ke alone, or one not there whole, does
 * not qualify. */
static void test_tls_hello_offers_psk_dhe(void **state)
{
	uint8_t h[4096];
	size_t len = own_hello(h, sizeof(h)), at = psk_modes_at(h, len);

	(void)state;
	assert_true(at > 0);
	assert_true(h[at] >= 1);
	assert_true(tls_hello_offers_psk_dhe(h, len));
	assert_false(tls_hello_offers_psk_dhe(h, len - 1));
	for (size_t i = 0; i < h[at]; i++)
		h[at + 1 + i] = 0; /* psk_ke */
	assert_false(tls_hello_offers_psk_dhe(h, len));
	assert_int_equal(tls_hello_check(h, len, our_groups, N_OUR), TLS_HELLO_PASS);
	h[at + h[at]] = 1; /* psk_ke, ..., psk_dhe_ke */
	assert_true(tls_hello_offers_psk_dhe(h, len));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_tls_s_client_default_groups),
	    cmocka_unit_test(test_tls_s_client_each_group_we_offer),
	    cmocka_unit_test(test_tls_s_client_only_groups_we_lack),
	    cmocka_unit_test(test_tls_s_client_no_alpn),
	    cmocka_unit_test(test_tls_s_client_other_alpn),
	    cmocka_unit_test(test_tls_s_client_continue_offer),
	    cmocka_unit_test(test_tls_s_client_http_on),
	    cmocka_unit_test(test_tls_hello_check_own_client),
	    cmocka_unit_test(test_tls_hello_check_broken_lengths_pass),
	    cmocka_unit_test(test_tls_hello_larger_than_first_buffer),
	    cmocka_unit_test(test_tls_hello_offers_psk_dhe),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
