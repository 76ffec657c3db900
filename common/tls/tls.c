/*
 * tls.c - the TLS 1.3 wrapper and the only user of <wolfssl/ssl.h> (with its
 * private halves tls_lib.c, tls_cert.c, tls_failure.c, tls_ticket.c and
 * tls_query.c).
 * wolfSSL never touches the socket: its recv callback reads from an input
 * buffer that tls_fill() filled with one recv(), its send callback appends
 * to an output queue that tls_flush() drains with one send(). Invariants:
 * tls_write() is all or nothing (the queue has room for every record before
 * wolfSSL_write runs, so a partial write cannot happen); the first failure
 * of a connection is the one reported; conn_result() is the one place
 * wolfSSL errors become enum tls_result.
 */
#include "tls.h"

#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <arpa/inet.h>

#include <wolfssl/options.h>
#include <wolfssl/ssl.h>
#include <wolfssl/error-ssl.h>
#include <wolfssl/wolfcrypt/error-crypt.h>

#include "dchan_cont.h"
#include "p11key.h"
#include "proto.h"
#include "ticket_table.h"
#include "tls_internal.h"

/* One recv() takes up to this much ciphertext: four full records. */
#define TLS_IN_CAP (4 * (16384 + 256))
/* Until the handshake is done the input buffer stays small: a peer that has
 * not authenticated costs a few KiB, and one that has sent nothing costs no
 * buffer and no wolfSSL object at all (both are made on its first bytes). */
#define TLS_IN_HS_CAP 4096
/* Output queue: tls_write() refuses above TLS_OUTQ_LIMIT; the queue keeps
 * at most TLS_OUTQ_KEEP allocated once drained; the send callback refuses
 * past TLS_OUTQ_CEILING (handshake, alerts and key updates are not counted
 * by tls_write, but are small). */
#define TLS_OUTQ_LIMIT (4u * 1024 * 1024)
#define TLS_OUTQ_KEEP (64u * 1024)
#define TLS_OUTQ_CEILING (TLS_OUTQ_LIMIT + 1024 * 1024)
/* The queue's first allocation: a keepalive or a key update of an idle
 * session fits; a burst doubles it. */
#define TLS_OUTQ_FIRST 1024u
/* TLS 1.3 record: 16 KiB of plaintext, 5 header + 1 type + 16 tag bytes. */
#define TLS_RECORD_PAYLOAD 16384u
#define TLS_RECORD_OVERHEAD 32u

/* Key-exchange groups, the gateway's order. X25519 first: one fast key
 * share either build computes quickly, so no HelloRetryRequest round trip;
 * P-256 and P-384 for peers without it (P-384 for policies that demand
 * it). wolfSSL's numbers are the IANA ones tls_hello_check reads. */
static const int tls_groups[] = {WOLFSSL_ECC_X25519, WOLFSSL_ECC_SECP256R1,
				 WOLFSSL_ECC_SECP384R1};
#define TLS_N_GROUPS (sizeof(tls_groups) / sizeof(tls_groups[0]))

/* Fatal alerts the gateway sends itself, before wolfSSL has answered. */
#define ALERT_HANDSHAKE_FAILURE 40
#define ALERT_NO_APPLICATION_PROTOCOL 120

/* ---- failure bookkeeping (the words are in tls_failure.c) ---- */

enum tls_failure tls_failure(const struct tls_conn *c)
{
	return c != NULL ? c->failure : TLS_FAIL_NONE;
}

const char *tls_error_str(const struct tls_conn *c)
{
	return c != NULL ? c->err : "";
}

/* Record the first failure and its words; later ones are consequences. */
static void fail(struct tls_conn *c, enum tls_failure f, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void fail(struct tls_conn *c, enum tls_failure f, const char *fmt, ...)
{
	va_list ap;

	if (c->failure != TLS_FAIL_NONE)
		return;
	c->failure = f;
	va_start(ap, fmt);
	vsnprintf(c->err, sizeof(c->err), fmt, ap);
	va_end(ap);
}

static void fail_wolfssl(struct tls_conn *c, int err)
{
	char reason[WOLFSSL_MAX_ERROR_SZ];
	WOLFSSL_ALERT_HISTORY h;

	memset(reason, 0, sizeof(reason));
	wolfSSL_ERR_error_string_n((unsigned long)err, reason, sizeof(reason));
	if (c->verify_fail != TLS_FAIL_NONE) {
		fail(c, c->verify_fail, "%s", c->verify_why);
		return;
	}
	memset(&h, 0, sizeof(h));
	if (err == FATAL_ERROR && wolfSSL_get_alert_history(c->ssl, &h) == WOLFSSL_SUCCESS &&
	    h.last_rx.code != 0) {
		fail(c, tls_failure_of_alert(h.last_rx.code), "received fatal alert %s (%d)",
		     tls_failure_alert_name(h.last_rx.code), h.last_rx.code);
		return;
	}
	fail(c, tls_failure_of_error(err), "%s (wolfSSL error %d)", reason, err);
}

/* The one mapping from wolfSSL's return and error codes to tls_result. */
static enum tls_result conn_result(struct tls_conn *c, int ret)
{
	int err = wolfSSL_get_error(c->ssl, ret);
	enum tls_result r;

	/* Our recv callback fails only at EOF, which wolfSSL calls a socket
	 * error in the middle of a handshake. */
	if (err == SOCKET_ERROR_E && c->in_eof && c->in_off == c->in_len)
		err = SOCKET_PEER_CLOSED_E;
	switch (err) {
	case WOLFSSL_ERROR_WANT_READ:
		r = TLS_WANT_READ;
		break;
	case WOLFSSL_ERROR_WANT_WRITE:
		r = TLS_WANT_WRITE;
		break;
	case WOLFSSL_ERROR_ZERO_RETURN:
		r = TLS_CLOSED;
		if (!c->hs_done)
			fail(c, TLS_FAIL_IO, "peer closed the connection during the handshake");
		break;
	case WOLFSSL_ERROR_SYSCALL: /* SOCKET_PEER_CLOSED_E, as OpenSSL names it */
	case SOCKET_PEER_CLOSED_E:
		r = TLS_CLOSED;
		if (!c->hs_done)
			fail(c, TLS_FAIL_IO, "connection closed during the handshake");
		break;
	default:
		fail_wolfssl(c, err);
		r = TLS_ERROR;
		break;
	}
	/* Nothing reads wolfSSL's error queue; keep it from growing. */
	wolfSSL_ERR_clear_error();
	return r;
}

/* ---- I/O callbacks: memory only, never the socket ---- */

static int io_recv(WOLFSSL *ssl, char *buf, int sz, void *arg)
{
	struct tls_conn *c = arg;
	size_t avail = c->in_len - c->in_off;
	size_t n;

	(void)ssl;
	if (avail == 0)
		return c->in_eof ? WOLFSSL_CBIO_ERR_CONN_CLOSE : WOLFSSL_CBIO_ERR_WANT_READ;
	n = sz > 0 && (size_t)sz < avail ? (size_t)sz : avail;
	memcpy(buf, c->in + c->in_off, n);
	c->in_off += n;
	if (c->in_off == c->in_len)
		c->in_off = c->in_len = 0;
	return (int)n;
}

/* Room for n more bytes at the tail, compacting before growing. */
static bool outq_reserve(struct tls_conn *c, size_t n)
{
	size_t used = c->out_tail - c->out_head;
	size_t cap;
	uint8_t *p;

	if (c->out_cap - c->out_tail >= n)
		return true;
	if (c->out_head > 0) {
		memmove(c->out, c->out + c->out_head, used);
		c->out_head = 0;
		c->out_tail = used;
		if (c->out_cap - used >= n)
			return true;
	}
	if (used + n > TLS_OUTQ_CEILING)
		return false;
	cap = c->out_cap > 0 ? c->out_cap : TLS_OUTQ_FIRST;
	while (cap < used + n)
		cap *= 2;
	p = realloc(c->out, cap);
	if (p == NULL)
		return false;
	c->out = p;
	c->out_cap = cap;
	return true;
}

static int io_send(WOLFSSL *ssl, char *buf, int sz, void *arg)
{
	struct tls_conn *c = arg;

	(void)ssl;
	if (sz <= 0)
		return 0;
	/* The server writes only once a ClientHello was read whole (its first
	 * flight, or an alert about it). */
	c->hello_in = true;
	if (!outq_reserve(c, (size_t)sz))
		return WOLFSSL_CBIO_ERR_GENERAL;
	memcpy(c->out + c->out_tail, buf, (size_t)sz);
	c->out_tail += (size_t)sz;
	return sz;
}

/* ---- verification ---- */

/* Called for every certificate of the peer's chain (wolfSSL is built with
 * WOLFSSL_ALWAYS_VERIFY_CB). wolfSSL has judged the chain; we add what the
 * protocol requires of the leaf: the EKU for its role and, on the client,
 * a subjectAltName naming server_name. Returning 0 fails the handshake with
 * a bad_certificate alert; the reason stays in the conn. */
static int verify_cb(int preverify, WOLFSSL_X509_STORE_CTX *store)
{
	struct tls_conn *c = store != NULL ? store->userCtx : NULL;
	bool server;

	if (c == NULL)
		return preverify;
	server = c->ctx->server;
	if (!preverify) {
		if (c->verify_fail == TLS_FAIL_NONE) {
			char reason[WOLFSSL_MAX_ERROR_SZ];

			memset(reason, 0, sizeof(reason));
			if (store->error > 0)
				snprintf(reason, sizeof(reason), "%s",
					 tls_failure_x509_words(store->error));
			else
				wolfSSL_ERR_error_string_n((unsigned long)store->error, reason,
							   sizeof(reason));
			c->verify_fail = tls_failure_of_verify(store->error);
			snprintf(c->verify_why, sizeof(c->verify_why),
				 "certificate at depth %d does not verify: %s (%s error %d)",
				 store->error_depth, reason, store->error > 0 ? "X509" : "wolfSSL",
				 store->error);
		}
		return 0;
	}
	/* No certificate at all, where one is optional (EST enrollment): the
	 * callback still runs; post_handshake_ok() lets only HTTP through. */
	if (server && c->ctx->cert_optional && store->totalCerts == 0)
		return 1;
	if (store->error_depth != 0 || store->current_cert == NULL)
		return 1;
	if (!tls_cert_has_eku(store->current_cert, server)) {
		c->verify_fail = TLS_FAIL_PEER_EKU;
		snprintf(c->verify_why, sizeof(c->verify_why),
			 "certificate lacks the %s extended key usage",
			 server ? "clientAuth" : "serverAuth");
		return 0;
	}
	if (!server && !tls_cert_names_host(store->current_cert, c->ctx->server_name)) {
		c->verify_fail = TLS_FAIL_NAME_MISMATCH;
		snprintf(c->verify_why, sizeof(c->verify_why),
			 "certificate has no subjectAltName for %s", c->ctx->server_name);
		return 0;
	}
	/* The leaf comes last: the chain has verified. Keep what the peer
	 * sent, once, in our own compact form (wolfSSL's session copy holds
	 * room for nine 2 KiB certificates, twice, on every connection). */
	free(c->peer_chain);
	if (!tls_cert_chain_copy(store->certs, store->totalCerts, &c->peer_chain,
				 &c->peer_chain_len)) {
		c->verify_fail = TLS_FAIL_PEER_UNTRUSTED;
		snprintf(c->verify_why, sizeof(c->verify_why),
			 "cannot keep the peer's certificate chain (out of memory)");
		return 0;
	}
	c->leaf_checked = true;
	return 1;
}

/* An EST client: the gateway took http/1.1; unless unverified, the
 * verify callback saw the gateway's leaf. */
static bool client_http_ok(struct tls_conn *c, const char *proto, unsigned short plen)
{
	if (proto == NULL || plen != 8 || memcmp(proto, "http/1.1", 8) != 0) {
		fail(c, TLS_FAIL_ALPN, "the gateway did not take http/1.1");
		return false;
	}
	c->app = TLS_APP_HTTP;
	if (!c->leaf_checked && !c->ctx->client_unverified) {
		fail(c, TLS_FAIL_PEER_UNTRUSTED, "the gateway's certificate was not checked");
		return false;
	}
	return true;
}

/* After wolfSSL reports success: ALPN agreed, and the leaf checks ran even
 * if this wolfSSL did not call the verify callback for a good chain. */
static bool post_handshake_ok(struct tls_conn *c)
{
	char *proto = NULL;
	unsigned short plen = 0;
	bool ours, http, cont;

	if (wolfSSL_ALPN_GetProtocol(c->ssl, &proto, &plen) != WOLFSSL_SUCCESS)
		proto = NULL;
	ours = proto != NULL && plen == strlen(PROTO_ALPN) && memcmp(proto, PROTO_ALPN, plen) == 0;
	if (c->ctx->client_http)
		return client_http_ok(c, proto, plen);
	cont = proto != NULL && plen == strlen(DCHAN_CONT_ALPN) &&
	       memcmp(proto, DCHAN_CONT_ALPN, plen) == 0;
	ours = ours || cont;
	/* An HTTP client: http/1.1, or no ALPN at all (OpenConnect sends none). */
	http = !ours && c->ctx->server && c->ctx->http &&
	       (proto == NULL || plen == 0 || (plen == 8 && memcmp(proto, "http/1.1", 8) == 0));
	if (!ours && !http) {
		fail(c, TLS_FAIL_ALPN, "peer did not negotiate %s", PROTO_ALPN);
		return false;
	}
	/* Our own protocol is TLS 1.3 only, whatever the context allows. */
	if (ours && wolfSSL_version(c->ssl) != TLS1_3_VERSION) {
		fail(c, TLS_FAIL_PROTOCOL, "%s over %s: TLS 1.3 is required", PROTO_ALPN,
		     wolfSSL_get_version(c->ssl));
		return false;
	}
	c->app = cont ? TLS_APP_CONTINUE : ours ? TLS_APP_MTLSVPN : TLS_APP_HTTP;
	/* The verify callback accepts the leaf and keeps the chain (every
	 * build we support calls it for a good chain: WOLFSSL_ALWAYS_VERIFY_CB);
	 * a resumed session's leaf was checked when its ticket was redeemed. */
	if (!c->leaf_checked && http && c->ctx->cert_optional) {
		/* Only HTTP, and the gateway lets it reach EST alone. */
		c->anonymous = true;
		return true;
	}
	if (!c->leaf_checked) {
		fail(c, TLS_FAIL_NO_PEER_CERT, "peer sent no certificate");
		return false;
	}
	return true;
}

/* ---- context ---- */

struct tls_ctx *tls_ctx_new(const struct tls_ctx_params *p, char *err, size_t errlen)
{
	int groups[TLS_N_GROUPS];
	struct tls_ctx *t;
	int mode;

	if (errlen > 0)
		err[0] = '\0';
	if (!p->server && (p->server_name == NULL || p->server_name[0] == '\0' ||
			   strlen(p->server_name) >= sizeof(t->server_name))) {
		snprintf(err, errlen, "server_name is missing or too long");
		return NULL;
	}
	t = calloc(1, sizeof(*t));
	if (t == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	memcpy(groups, tls_groups, sizeof(groups));
	t->server = p->server;
	t->client_http = !p->server && p->client_http;
	t->client_unverified = t->client_http && p->client_unverified;
	t->http = p->server && p->http;
	t->tls12 = t->http && p->tls12;
	t->cert_optional = t->http && p->cert_optional;
	if (!p->server)
		snprintf(t->server_name, sizeof(t->server_name), "%s", p->server_name);
	t->wctx = wolfSSL_CTX_new(t->tls12	   ? wolfSSLv23_server_method()
				  : p->server ? wolfTLSv1_3_server_method()
					      : wolfTLSv1_3_client_method());
	if (t->wctx == NULL) {
		snprintf(err, errlen, "cannot create a TLS context: out of memory");
		free(t);
		return NULL;
	}
	/* The gateway's order decides (wolfSSL servers prefer their own). */
	if ((t->tls12 && wolfSSL_CTX_SetMinVersion(t->wctx, WOLFSSL_TLSV1_2) != WOLFSSL_SUCCESS) ||
	    wolfSSL_CTX_set_cipher_list(t->wctx, t->tls12 ? (tls_accel_active() ? SUITES_AES_FIRST
									     ":" SUITES12_AES_FIRST
								   : SUITES_CHACHA_FIRST
									     ":" SUITES12_CHACHA_FIRST)
						    : tls_accel_active() ? SUITES_AES_FIRST
									 : SUITES_CHACHA_FIRST) !=
		WOLFSSL_SUCCESS ||
	    wolfSSL_CTX_set_groups(t->wctx, groups, (int)TLS_N_GROUPS) != WOLFSSL_SUCCESS) {
		snprintf(err, errlen, "this wolfSSL lacks the TLS 1.3 suites or groups we need");
		goto fail;
	}
	if (!tls_load(t->wctx, p, &t->p11, err, errlen))
		goto fail;
	/* The bootstrap checks the CA it is given itself (tls.h). */
	mode = t->client_unverified ? WOLFSSL_VERIFY_NONE : WOLFSSL_VERIFY_PEER;
	/* Without a certificate the handshake fails, unless HTTP clients may
	 * enroll without one: post_handshake_ok() then lets only them pass. */
	if (p->server && !t->cert_optional)
		mode |= WOLFSSL_VERIFY_FAIL_IF_NO_PEER_CERT;
	wolfSSL_CTX_set_verify(t->wctx, mode, verify_cb);
	wolfSSL_CTX_SetIORecv(t->wctx, io_recv);
	wolfSSL_CTX_SetIOSend(t->wctx, io_send);
	/* Resumption, or none: tls_ticket.c. */
	if (!tls_ticket_ctx_init(t, p, err, errlen))
		goto fail;
	wolfSSL_ERR_clear_error();
	return t;
fail:
	tls_ticket_ctx_deinit(t);
	wolfSSL_CTX_free(t->wctx);
	p11key_close(t->p11);
	free(t);
	return NULL;
}

void tls_ctx_free(struct tls_ctx *t)
{
	if (t == NULL)
		return;
	tls_ticket_ctx_deinit(t);
	wolfSSL_CTX_free(t->wctx);
	/* After the context: the token signs for it until then. */
	p11key_close(t->p11);
	explicit_bzero(t, sizeof(*t));
	free(t);
}

/* ---- connection ---- */

struct tls_conn *tls_conn_new(struct tls_ctx *t, int fd)
{
	struct tls_conn *c = calloc(1, sizeof(*c));

	if (c == NULL)
		return NULL;
	c->ctx = t;
	c->fd = fd;
	return c;
}

/* The wolfSSL object, made when the handshake first runs. */
static bool conn_start(struct tls_conn *c)
{
	struct tls_ctx *t = c->ctx;
	char alpn[] = PROTO_ALPN;
	char alpn_http[] = "http/1.1";
	char alpn_cont[] = DCHAN_CONT_ALPN;
	char alpn_both[] = DCHAN_CONT_ALPN "," PROTO_ALPN;
	char *ours = alpn;
	uint8_t addr[16];

	c->ssl = wolfSSL_new(t->wctx);
	if (c->ssl == NULL)
		goto fail;
	wolfSSL_SetIOReadCtx(c->ssl, c);
	wolfSSL_SetIOWriteCtx(c->ssl, c);
	wolfSSL_SetCertCbCtx(c->ssl, c);
	if (c->export_keep)
		wolfSSL_KeepArrays(c->ssl); /* tls_export.c: the exporter needs them */
	/* A hello that offers ours gets ours, whatever else it offers (the
	 * gateway's preference); one that offers http/1.1 or nothing is an
	 * HTTP client, and goes on without ALPN if it offered none. */
	/* A continuation (docs/protocol.md 12.10): a client asked to offer
	 * it offers both; a gateway chooses it when offered and it keeps
	 * the exporter's secrets (the UDP channel is on). */
	if (c->hello_cont)
		ours = t->server ? (c->export_keep ? alpn_cont : alpn) : alpn_both;
	if (t->client_http ? wolfSSL_UseALPN(c->ssl, alpn_http, (unsigned)strlen(alpn_http),
					     WOLFSSL_ALPN_FAILED_ON_MISMATCH) != WOLFSSL_SUCCESS
	    : t->http && c->hello_http ? wolfSSL_UseALPN(c->ssl, alpn_http, (unsigned)strlen(alpn_http),
				      WOLFSSL_ALPN_CONTINUE_ON_MISMATCH) != WOLFSSL_SUCCESS
		    : wolfSSL_UseALPN(c->ssl, ours, (unsigned)strlen(ours),
				      WOLFSSL_ALPN_FAILED_ON_MISMATCH) != WOLFSSL_SUCCESS)
		goto fail;
	if (!t->server) {
		/* SNI carries host names only (RFC 6066 section 3). */
		if (inet_pton(AF_INET, t->server_name, addr) != 1 &&
		    inet_pton(AF_INET6, t->server_name, addr) != 1 &&
		    wolfSSL_UseSNI(c->ssl, WOLFSSL_SNI_HOST_NAME, t->server_name,
				   (unsigned short)strlen(t->server_name)) != WOLFSSL_SUCCESS)
			goto fail;
		if (wolfSSL_UseKeyShare(c->ssl, WOLFSSL_ECC_X25519) != WOLFSSL_SUCCESS)
			goto fail;
		tls_ticket_offer(c);
	}
	wolfSSL_ERR_clear_error();
	return true;
fail:
	fail(c, TLS_FAIL_IO, "cannot set up a TLS session (out of memory)");
	return false;
}

void tls_conn_free(struct tls_conn *c)
{
	if (c == NULL)
		return;
	tls_ticket_save(c);
	ticket_free(c->ticket);
	if (c->ssl != NULL)
		wolfSSL_free(c->ssl);
	/* in and out hold records as on the wire: nothing to wipe. */
	free(c->in);
	free(c->out);
	free(c->peer_chain);
	explicit_bzero(c, sizeof(*c));
	free(c);
}

/* The input buffer at cap bytes: small while handshaking, TLS_IN_CAP once
 * the session carries data or a handshake record needs more room (the
 * first record, which the hello check reads whole, may be 16 KiB). */
static bool in_grow(struct tls_conn *c, size_t cap)
{
	uint8_t *p = malloc(cap);

	if (p == NULL) {
		errno = ENOMEM;
		return false;
	}
	if (c->in != NULL) {
		memcpy(p, c->in + c->in_off, c->in_len - c->in_off);
		c->in_len -= c->in_off;
		c->in_off = 0;
		free(c->in);
	}
	c->in = p;
	c->in_cap = cap;
	return true;
}

ssize_t tls_fill(struct tls_conn *c)
{
	ssize_t n;

	if (c->in_eof)
		return 0;
	if (c->in_off > 0) {
		memmove(c->in, c->in + c->in_off, c->in_len - c->in_off);
		c->in_len -= c->in_off;
		c->in_off = 0;
	}
	/* Small until the peer sends more than one recv() took: an idle
	 * session's keepalives fit, a busy one gets four records a call. */
	if (c->in_cap < TLS_IN_HS_CAP && !in_grow(c, TLS_IN_HS_CAP))
		return -1;
	if ((c->in_len == c->in_cap || c->in_filled) && c->in_cap < TLS_IN_CAP &&
	    !in_grow(c, TLS_IN_CAP))
		return -1;
	if (c->in_len == c->in_cap) {
		/* Full: the caller must read before it may fill again. */
		errno = EAGAIN;
		return -1;
	}
	n = recv(c->fd, c->in + c->in_len, c->in_cap - c->in_len, 0);
	if (n == 0)
		c->in_eof = true;
	else if (n > 0)
		c->in_len += (size_t)n;
	c->in_filled = n > 0 && c->in_len == c->in_cap;
	return n;
}

void tls_trim(struct tls_conn *c)
{
	if (!c->hs_done)
		return;
	if (c->in != NULL && c->in_off == c->in_len) {
		free(c->in);
		c->in = NULL;
		c->in_cap = c->in_off = c->in_len = 0;
		c->in_filled = false;
	}
	if (c->out != NULL && c->out_head == c->out_tail) {
		free(c->out);
		c->out = NULL;
		c->out_cap = c->out_head = c->out_tail = 0;
	}
}

/* A fatal alert as a plaintext record: what a server may send before its
 * ServerHello (RFC 8446 section 5.1). */
static void send_plain_alert(struct tls_conn *c, uint8_t code)
{
	const uint8_t rec[] = {21, 3, 3, 0, 2, 2, code};

	if (outq_reserve(c, sizeof(rec))) {
		memcpy(c->out + c->out_tail, rec, sizeof(rec));
		c->out_tail += sizeof(rec);
	}
}

/* Server, before wolfSSL's first look: refuse a ClientHello that can only
 * fail, with the alert the RFCs name. wolfSSL 5.5.4 answers one offering
 * none of our groups with a HelloRetryRequest without a key_share (illegal,
 * RFC 8446 section 4.1.4, fixed upstream in 2026), and completes the
 * handshake with a client offering no ALPN at all, which then sees a bare
 * close (RFC 7301 section 3.2 wants no_application_protocol). */
static enum tls_result check_hello(struct tls_conn *c)
{
	switch (tls_hello_check(c->in + c->in_off, c->in_len - c->in_off, tls_groups,
				TLS_N_GROUPS)) {
	case TLS_HELLO_NEED_MORE:
		if (!c->in_eof)
			return TLS_WANT_READ;
		break; /* wolfSSL reports the short read */
	case TLS_HELLO_PASS:
		break;
	case TLS_HELLO_NO_GROUP:
		send_plain_alert(c, ALERT_HANDSHAKE_FAILURE);
		fail(c, TLS_FAIL_PROTOCOL,
		     "peer offers no key-exchange group we support (X25519, P-256, P-384)");
		return TLS_ERROR;
	case TLS_HELLO_HTTP:
		c->hello_http = true;
		if (c->ctx->http)
			break;
		/* fall through */
	case TLS_HELLO_NO_ALPN:
		send_plain_alert(c, ALERT_NO_APPLICATION_PROTOCOL);
		fail(c, TLS_FAIL_ALPN, "peer did not offer %s", PROTO_ALPN);
		return TLS_ERROR;
	}
	c->psk_dhe = tls_hello_offers_psk_dhe(c->in + c->in_off, c->in_len - c->in_off);
	c->hello_cont = tls_hello_offers_continue(c->in + c->in_off, c->in_len - c->in_off);
	c->hello_checked = true;
	return TLS_OK;
}

enum tls_result tls_handshake(struct tls_conn *c)
{
	int ret;

	if (c->hs_done)
		return TLS_OK;
	if (c->failure != TLS_FAIL_NONE)
		return TLS_ERROR;
	/* The hello first: one that can only fail never costs a wolfSSL
	 * object. */
	if (c->ctx->server && !c->hello_checked) {
		enum tls_result r = check_hello(c);

		if (r != TLS_OK)
			return r;
	}
	if (c->ssl == NULL && !conn_start(c))
		return TLS_ERROR;
	ret = c->ctx->server ? wolfSSL_accept(c->ssl) : wolfSSL_connect(c->ssl);
	if (ret != WOLFSSL_SUCCESS)
		return conn_result(c, ret);
	if (!tls_ticket_after_handshake(c) || !post_handshake_ok(c))
		return TLS_ERROR;
	/* A chain the callback refused may have been replaced by an alternate
	 * one that verified (WOLFSSL_ALT_CERT_CHAINS): forget that refusal. */
	c->verify_fail = TLS_FAIL_NONE;
	c->hs_done = true;
	return TLS_OK;
}

enum tls_result tls_read(struct tls_conn *c, void *buf, size_t cap, size_t *got)
{
	int ret;

	*got = 0;
	if (c->failure != TLS_FAIL_NONE)
		return TLS_ERROR;
	if (!c->hs_done) {
		enum tls_result r = tls_handshake(c);
		if (r != TLS_OK)
			return r;
	}
	if (cap == 0)
		return TLS_WANT_READ;
	ret = wolfSSL_read(c->ssl, buf, cap > INT_MAX ? INT_MAX : (int)cap);
	if (ret > 0) {
		*got = (size_t)ret;
		return TLS_OK;
	}
	return conn_result(c, ret);
}

enum tls_result tls_write(struct tls_conn *c, const void *buf, size_t len)
{
	int ret;
	size_t queued = c->out_tail - c->out_head;
	size_t need;

	if (c->failure != TLS_FAIL_NONE)
		return TLS_ERROR;
	if (!c->hs_done) {
		fail(c, TLS_FAIL_PROTOCOL, "write before the handshake completed");
		return TLS_ERROR;
	}
	if (len == 0)
		return TLS_OK;
	if (len > TLS_OUTQ_LIMIT) {
		/* Could never fit: WANT_WRITE would make the caller wait forever. */
		fail(c, TLS_FAIL_PROTOCOL, "a write of %zu bytes exceeds the output queue", len);
		return TLS_ERROR;
	}
	need = len + (len + TLS_RECORD_PAYLOAD - 1) / TLS_RECORD_PAYLOAD * TLS_RECORD_OVERHEAD;
	if (queued + need > TLS_OUTQ_LIMIT)
		return TLS_WANT_WRITE;
	/* Reserve first: wolfSSL then writes every record without failing
	 * halfway, so the write is all or nothing. */
	if (!outq_reserve(c, need)) {
		fail(c, TLS_FAIL_IO, "out of memory for the output queue");
		return TLS_ERROR;
	}
	/* Records of at most 16 KiB each, all in one call (len fits an int:
	 * it is below TLS_OUTQ_LIMIT). */
	ret = wolfSSL_write(c->ssl, buf, (int)len);
	if (ret == (int)len)
		return TLS_OK;
	if (conn_result(c, ret) == TLS_CLOSED)
		return TLS_CLOSED;
	fail(c, TLS_FAIL_PROTOCOL, "wolfSSL wrote %d of %zu bytes", ret, len);
	return TLS_ERROR;
}

void tls_shutdown(struct tls_conn *c)
{
	if (c == NULL || c->shutdown_sent || !c->hs_done || c->failure != TLS_FAIL_NONE)
		return;
	c->shutdown_sent = true;
	/* Queues close_notify; does not wait for the peer's. */
	(void)wolfSSL_shutdown(c->ssl);
	wolfSSL_ERR_clear_error();
}

int tls_flush(struct tls_conn *c)
{
	size_t n = c->out_tail - c->out_head;
	ssize_t sent;

	if (n == 0)
		return 0;
	sent = send(c->fd, c->out + c->out_head, n, MSG_NOSIGNAL | MSG_DONTWAIT);
	if (sent < 0)
		return errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR ? 1 : -1;
	c->out_head += (size_t)sent;
	if (c->out_head < c->out_tail)
		return 1;
	c->out_head = c->out_tail = 0;
	/* A handshake flight is sent: an unauthenticated peer keeps no queue. */
	if (!c->hs_done) {
		free(c->out);
		c->out = NULL;
		c->out_cap = 0;
		return 0;
	}
	/* A burst is over: give back what an idle session does not need. */
	if (c->out_cap > TLS_OUTQ_KEEP) {
		uint8_t *p = realloc(c->out, TLS_OUTQ_KEEP);
		if (p != NULL) {
			c->out = p;
			c->out_cap = TLS_OUTQ_KEEP;
		}
	}
	return 0;
}
