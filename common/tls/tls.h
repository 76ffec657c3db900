/*
 * tls.h - the TLS 1.3 wrapper; tls.c (with its private halves tls_cert.c,
 * tls_failure.c and tls_ticket.c) is the only code that includes
 * <wolfssl/ssl.h>. It owns the non-blocking rules: wolfSSL talks to our own
 * I/O callbacks, which read from an input buffer filled by one recv() and
 * write into an output queue flushed by one send(), so a burst of records
 * costs one syscall per side. One function maps wolfSSL's errors to
 * enum tls_result.
 */
#ifndef MTLSVPN_TLS_H
#define MTLSVPN_TLS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "identity.h"

struct tls_ctx;
struct tls_conn;

struct tls_ctx_params {
	bool server;
	/* Client: speak http/1.1 (ALPN) instead of mtlsvpn/1, for EST
	 * (client/enroll.c). unverified: take any gateway chain and name,
	 * with no CA: the RFC 7030 4.1.1 bootstrap, which asks only for
	 * cacerts and checks the answer against a fingerprint itself. */
	bool client_http, client_unverified;
	const char *ca_file;      /* PEM bundle: trust anchors (+ intermediates) */
	const char *cert_file;    /* PEM: own certificate, then its chain */
	const char *key_file;     /* PEM private key */
	const char *server_name;  /* client only: must match a SAN DNS name (or IP) */
	/* PEM texts in memory instead of files (a client profile): each, when
	 * non-NULL, replaces its *_file; embedded_in names where they came
	 * from in messages. tls_ctx_new copies nothing: the caller wipes. */
	const char *ca_pem, *cert_pem, *key_pem; /* NUL-terminated */
	const char *embedded_in;
	/* An encrypted PKCS#8 key's passphrase: the first line of this file;
	 * NULL asks (the terminal, else systemd-ask-password). */
	const char *key_passphrase_file;
	/* key_file may be a pkcs11: URI (RFC 7512); this is the PKCS#11
	 * module then (NULL: p11-kit-proxy.so). */
	const char *pkcs11_module;
	/* Gateway: issue TLS 1.3 session tickets (docs/design.md,
	 * "Resumption"); a ticket lives at most ticket_lifetime seconds, never
	 * past the client certificate's notAfter, nor past
	 * max_session_lifetime (when > 0) after the last full handshake.
	 * A client always offers the session of its previous connection. */
	bool resumption;
	unsigned ticket_lifetime, max_session_lifetime;
	/* Gateway: also take HTTP clients (OpenConnect, docs/openconnect.md):
	 * a ClientHello with no ALPN or with http/1.1 passes, and tls_app()
	 * tells the two apart once the handshake is done. tls12: let such
	 * clients use TLS 1.2 with ECDHE and AEAD suites only; mtlsvpn/1
	 * stays TLS 1.3 only. */
	bool http, tls12;
	/* Gateway with http: an HTTP client may send no certificate (EST
	 * enrollment, docs/protocol.md section 13); tls_peer_anonymous() then
	 * says so. mtlsvpn/1 still fails without one. */
	bool cert_optional;
};

/* What the peer speaks after the handshake (ALPN). */
enum tls_app {
	TLS_APP_MTLSVPN, /* mtlsvpn/1 */
	TLS_APP_CONTINUE, /* mtlsvpn-continue/1: mtlsvpn/1 whose first frame is
			     CONTINUE (docs/protocol.md 12.10) */
	TLS_APP_HTTP,    /* http/1.1 or no ALPN, on a gateway with http on */
};

enum tls_result {
	TLS_OK,
	TLS_WANT_READ,   /* needs more bytes from the socket (call tls_fill) */
	TLS_WANT_WRITE,  /* the output queue is full: flush first */
	TLS_CLOSED,      /* close_notify received or clean EOF */
	TLS_ERROR,       /* see tls_failure() and tls_error_str() */
};

/* Why a handshake failed; the client maps the permanent ones to a sentence
 * and a non-zero exit status. */
enum tls_failure {
	TLS_FAIL_NONE,
	TLS_FAIL_IO,              /* connection reset, EOF mid-handshake: transient */
	TLS_FAIL_PEER_UNTRUSTED,  /* peer chain does not verify (unknown CA, expired, bad sig) */
	TLS_FAIL_PEER_EKU,        /* peer certificate lacks the required EKU */
	TLS_FAIL_NAME_MISMATCH,   /* gateway certificate does not name server_name */
	TLS_FAIL_NO_PEER_CERT,    /* server: client sent no certificate */
	TLS_FAIL_REJECTED,        /* we got a fatal alert about our certificate */
	TLS_FAIL_ALPN,            /* peer does not speak mtlsvpn/1 */
	TLS_FAIL_PROTOCOL,        /* anything else TLS-level */
};

int tls_global_init(void);
void tls_global_deinit(void);

/* NULL on failure with err filled ("cannot load key server.key: ..."). */
struct tls_ctx *tls_ctx_new(const struct tls_ctx_params *p, char *err, size_t errlen);
void tls_ctx_free(struct tls_ctx *ctx);

/* fd: a connected, non-blocking TCP socket; the conn does not own it. */
struct tls_conn *tls_conn_new(struct tls_ctx *ctx, int fd);
void tls_conn_free(struct tls_conn *c); /* wipes the struct; wolfSSL wipes its keys */

/* recv() once into the input buffer. Returns bytes read (>0), 0 on EOF,
 * -1 with errno (EAGAIN when nothing is there). */
ssize_t tls_fill(struct tls_conn *c);

enum tls_result tls_handshake(struct tls_conn *c);
/* Decrypted bytes into buf; TLS_OK with *got > 0, or WANT_READ when the
 * buffered ciphertext is used up. */
enum tls_result tls_read(struct tls_conn *c, void *buf, size_t cap, size_t *got);
/* Encrypts all len bytes into the output queue (all or nothing);
 * TLS_WANT_WRITE if the queue is above its hard limit. */
enum tls_result tls_write(struct tls_conn *c, const void *buf, size_t len);
/* Queue a close_notify (best effort). */
void tls_shutdown(struct tls_conn *c);

/* send() the output queue. 0: all sent; 1: some left (wait for EPOLLOUT);
 * -1: error (errno). */
int tls_flush(struct tls_conn *c);
size_t tls_outq_len(const struct tls_conn *c);
/* After the handshake, an idle session's buffers back to nothing: the
 * input buffer if all of it was read, the output queue if it is empty.
 * Both are made again, small, by the next byte in or out. */
void tls_trim(struct tls_conn *c);
/* Decrypted or buffered bytes wolfSSL holds that epoll cannot see. */
bool tls_has_pending(const struct tls_conn *c);
/* Server: the peer's ClientHello has been read whole (the handshake has
 * answered it, or refused it). */
bool tls_hello_received(const struct tls_conn *c);

enum tls_failure tls_failure(const struct tls_conn *c);
const char *tls_failure_str(enum tls_failure f);
/* Last error in words, including wolfSSL's reason. */
const char *tls_error_str(const struct tls_conn *c);

/* After a successful handshake. False if the peer sent no certificate or a
 * field did not fit. */
bool tls_peer_info(const struct tls_conn *c, struct cert_info *out);
/* The DER of the peer's leaf certificate, pointing into c (valid while c
 * lives); false if there is none. */
bool tls_peer_leaf(const struct tls_conn *c, const uint8_t **der, size_t *len);
const char *tls_cipher_name(const struct tls_conn *c);
/* After the handshake: the application protocol, and "TLSv1.3" or "TLSv1.2". */
enum tls_app tls_app(const struct tls_conn *c);
/* True after a handshake that passed without a client certificate (only
 * an HTTP client of a context with cert_optional). */
bool tls_peer_anonymous(const struct tls_conn *c);
/* Client, before the handshake: offer mtlsvpn-continue/1 before mtlsvpn/1;
 * tls_app() then says which the gateway chose. */
void tls_conn_offer_continue(struct tls_conn *c);
const char *tls_version_name(const struct tls_conn *c);

/* After a successful handshake: true if it resumed a session from a ticket
 * (the gateway then re-verified the stored certificate chain). */
bool tls_resumed(const struct tls_conn *c);
/* Gateway: why the ticket a client offered was not used (expired; unknown:
 * never issued, used or dropped; mismatch; no-dhe: the client allows no
 * psk_dhe_ke; unverifiable: the stored chain
 * no longer verifies), or NULL if none was refused. */
const char *tls_ticket_refused(const struct tls_conn *c);
/* Gateway: when the full handshake this connection descends from ran (unix
 * time; now for a full handshake, 0 before the handshake). */
int64_t tls_full_handshake_at(const struct tls_conn *c);
/* Gateway: the ticket issued on this connection must never be used (its
 * session was refused or revoked). */
void tls_conn_forget_ticket(struct tls_conn *c);
/* Gateway, on a reload: drop every ticket (trust anchors and policy may
 * have changed); tickets issued from now on end max_session_lifetime after
 * their full handshake (0 = no such bound). How many tickets are held. */
void tls_ctx_reset_tickets(struct tls_ctx *t, unsigned max_session_lifetime);
size_t tls_ctx_ticket_count(struct tls_ctx *t);
/* Whether this wolfSSL can resume sessions at all (HAVE_SESSION_TICKET). */
bool tls_resumption_compiled(void);

/* The struct cert_info of the first certificate in a PEM file, filled by
 * the same code that fills it from a peer's leaf (tls_peer_info), for
 * questions asked offline (mtlsvpnctl policy test). No chain references.
 * False with err ("FILE: not a PEM certificate") if it cannot be read. */
bool tls_cert_info_from_file(const char *path, struct cert_info *out, char *err,
			     size_t errlen);
/* The same from one DER certificate (a renewal's current certificate). */
bool tls_cert_info(const uint8_t *der, size_t len, struct cert_info *out);

/* True if the DER certificate certs[0] verifies (signature, dates) up to
 * a trust anchor in the PEM bundle ca_pem, through any of certs[1..n)
 * (intermediates, in any order); false with err saying why. */
bool tls_verify_cert(const char *ca_pem, const uint8_t *const *certs, const size_t *lens, size_t n,
		     char *err, size_t errlen);

/* Library facts for --version: wolfSSL version string, and whether AES-NI /
 * assembly crypto is compiled in and usable on this CPU. */
const char *tls_library_version(void);
bool tls_accel_compiled(void);
bool tls_accel_active(void);

#endif
