/*
 * tls_internal.h - private to the TLS wrapper (tls.c, tls_cert.c,
 * tls_failure.c, tls_hello.c, tls_load.c, tls_ticket.c); the rest of the
 * project sees tls.h only. struct tls_ctx and struct tls_conn live here so
 * tls_ticket.c (resumption) shares them with tls.c. tls_load fills a context with its key material; tls_cert_*
 * read and check an X.509 certificate wolfSSL has parsed;
 * tls_failure_* turn wolfSSL's numbers into enum tls_failure and words;
 * tls_hello_check reads a ClientHello before wolfSSL does; tls_ticket_*
 * issue, redeem and keep sessions. wolfSSL's types are forward-declared so
 * this header needs no wolfSSL include.
 */
#ifndef MTLSVPN_TLS_INTERNAL_H
#define MTLSVPN_TLS_INTERNAL_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "identity.h"
#include "tls.h"

struct WOLFSSL;
struct WOLFSSL_CTX;
struct WOLFSSL_SESSION;
struct WOLFSSL_X509;
struct WOLFSSL_BUFFER_INFO;
struct ticket;
struct ticket_table;

/* The cipher suites of tls.c's contexts, in the gateway's order (wolfSSL
 * servers prefer their own): AES-GCM first where AES-NI makes it fastest. */
#define SUITES_AES_FIRST                                                                           \
	"TLS13-AES128-GCM-SHA256:TLS13-AES256-GCM-SHA384:TLS13-CHACHA20-POLY1305-SHA256"
#define SUITES_CHACHA_FIRST                                                                        \
	"TLS13-CHACHA20-POLY1305-SHA256:TLS13-AES128-GCM-SHA256:TLS13-AES256-GCM-SHA384"
/* TLS 1.2, for HTTP clients that lack 1.3 (openconnect_tls12): ECDHE for
 * forward secrecy and AEAD suites only, nothing CBC, nothing static-RSA. */
#define SUITES12_AES_FIRST                                                                         \
	"ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:"                               \
	"ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:"                               \
	"ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305"
#define SUITES12_CHACHA_FIRST                                                                      \
	"ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305:"                               \
	"ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:"                               \
	"ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384"

struct tls_ctx {
	struct WOLFSSL_CTX *wctx;
	bool server;
	bool client_http, client_unverified; /* client: tls_ctx_params' */
	char server_name[256]; /* client: what the gateway certificate must name */
	struct p11key *p11;    /* a key in a PKCS#11 token, or NULL */
	/* Resumption (tls_ticket.c). Gateway: the ticket table (NULL when
	 * resumption is off) and what bounds a ticket's life. Client: the
	 * session of the last connection, offered once by the next one. */
	struct ticket_table *tickets;
	/* A gateway with several workers handshakes on several threads at
	 * once: every use of the table holds tickets_mu. */
	pthread_mutex_t tickets_mu;
	unsigned ticket_lifetime, max_session_lifetime;
	struct WOLFSSL_SESSION *session;
	bool http, tls12;      /* gateway: tls_ctx_params' */
	bool cert_optional;    /* gateway: tls_ctx_params' */
};

struct tls_conn {
	struct tls_ctx *ctx;
	struct WOLFSSL *ssl;
	int fd;
	bool hs_done;
	bool hello_checked; /* server: tls_hello_check passed the ClientHello */
	bool leaf_checked; /* the verify callback saw and accepted the leaf */
	bool anonymous;	   /* an HTTP client without a certificate (cert_optional) */
	bool in_eof;	   /* tls_fill() saw EOF: no more input will come */
	bool in_filled;	   /* the last recv() filled the input buffer: grow it */
	bool shutdown_sent;
	bool hello_in;	   /* server: the peer's ClientHello was read whole */
	bool resumed;	   /* the handshake resumed a session (no certificate sent) */
	bool issued;	   /* server: a ticket was issued on this connection */
	bool psk_dhe;	   /* server: the ClientHello allows psk_dhe_ke */
	enum tls_app app;  /* after the handshake: what the peer speaks */
	bool hello_http;   /* server: the ClientHello offers HTTP, not ours */
	bool hello_cont;   /* server: it offers mtlsvpn-continue/1; client: offer it */
	uint8_t *in; /* ciphertext from recv(): [in_off, in_len) unread */
	size_t in_off, in_len, in_cap;
	uint8_t *out; /* ciphertext for send(): [out_head, out_tail) */
	size_t out_head, out_tail, out_cap;
	enum tls_failure failure;
	enum tls_failure verify_fail; /* set by the verify callback */
	char verify_why[320];
	char err[400];
	/* Server resumption: the ticket the client offered (its chain stands
	 * in for the certificate it did not send), the handle issued on this
	 * connection, and the time of the full handshake both descend from. */
	struct ticket *ticket;
	const char *ticket_refused; /* why an offered ticket was not used */
	uint8_t issued_handle[16];
	int64_t full_at;
	/* The certificates the peer sent, copied once when the verify
	 * callback accepted its leaf, each a 3-byte length then the DER (the
	 * ticket table's encoding): all that is read of them afterwards
	 * (tls_peer_info, a ticket's chain), so wolfSSL need not keep them
	 * (built without SESSION_CERTS, it keeps none). NULL if none. */
	uint8_t *peer_chain;
	size_t peer_chain_len;
	bool export_keep; /* tls_export_keep(): keep the handshake's secrets */
};

/* Resumption (tls_ticket.c). Set up a new context: the gateway's ticket
 * callback and table, or nothing on a client. False with err filled. */
bool tls_ticket_ctx_init(struct tls_ctx *t, const struct tls_ctx_params *p, char *err,
			 size_t errlen);
void tls_ticket_ctx_deinit(struct tls_ctx *t);
/* Client: offer the saved session (once) on a new connection. */
void tls_ticket_offer(struct tls_conn *c);
/* After a successful handshake: settle resumed/full_at; false (with the
 * conn's failure set) if a resumed session is not acceptable. */
bool tls_ticket_after_handshake(struct tls_conn *c);
/* Client, when a connection ends: keep its session for the next one. */
void tls_ticket_save(struct tls_conn *c);
/* The peer's leaf and chain references from a resumed session's ticket. */
bool tls_ticket_peer_info(const struct tls_conn *c, struct cert_info *out);

/* Append the (issuer, serial) reference of one DER certificate to
 * out->chain; false (out->truncated set) if it does not decode or the
 * chain is full. */
bool tls_cert_ref_add(struct cert_info *out, const uint8_t *der, size_t len);

/* The CA bundle, then (unless a client has none) the certificate chain and
 * its key, which must match. A pkcs11: key is opened into *p11, which the
 * caller closes after the context is freed. False with err filled if any
 * of it fails. */
struct p11key;
bool tls_load(struct WOLFSSL_CTX *wctx, const struct tls_ctx_params *p, struct p11key **p11,
	      char *err, size_t errlen);

/* True if the certificate carries the extended key usage clientAuth
 * (want_client) or serverAuth. A certificate without the extension does not
 * qualify: the product requires the purpose to be stated. */
bool tls_cert_has_eku(struct WOLFSSL_X509 *x, bool want_client);

/* True if a subjectAltName names host: DNS (case-insensitive, a wildcard
 * only as the whole left-most label) or, when host is an IPv4/IPv6 literal,
 * an IP address entry. The subject CN is never consulted. */
bool tls_cert_names_host(struct WOLFSSL_X509 *x, const char *host);

/* Fill *out from a DER certificate. False if it does not parse; a field
 * that does not fit (or is ambiguous, or holds a NUL) sets out->truncated. */
bool tls_cert_info(const uint8_t *der, size_t len, struct cert_info *out);

/* Copy n certificates (DER, leaf first, as the verify callback sees them)
 * into one allocation in the ticket table's encoding; false if one is empty
 * or too long, or memory runs out. */
bool tls_cert_chain_copy(const struct WOLFSSL_BUFFER_INFO *certs, int n, uint8_t **out,
			 size_t *out_len);

/* *out from an encoded chain (tls_cert_chain_copy's, or a ticket's): the
 * leaf's fields, then the (issuer, serial) reference of every certificate,
 * leaf first, into out->chain; one that does not decode, or more than
 * CERT_MAX_CHAIN, marks out->truncated (revocation must see them all).
 * False if there is no leaf, it does not parse, or out is truncated. */
bool tls_cert_chain_info(const uint8_t *chain, size_t chain_len, struct cert_info *out);

/* A wolfSSL or wolfCrypt error code (negative). */
enum tls_failure tls_failure_of_error(int err);
/* The error a verify callback sees: a wolfSSL code or, in builds with
 * OpenSSL-compatible codes, an X509_V_ERR_* (positive). Never NONE. */
enum tls_failure tls_failure_of_verify(int err);
/* A fatal alert received from the peer. */
enum tls_failure tls_failure_of_alert(int code);
const char *tls_failure_alert_name(int code);
const char *tls_failure_x509_words(int err);

/* What the gateway makes of the first bytes a client sends. */
enum tls_hello {
	TLS_HELLO_NEED_MORE, /* the first record has not all arrived */
	TLS_HELLO_PASS,	     /* nothing to refuse here: wolfSSL judges the rest */
	TLS_HELLO_NO_GROUP,  /* supported_groups names none of ours */
	TLS_HELLO_NO_ALPN,   /* an ALPN extension without PROTO_ALPN or http/1.1 */
	TLS_HELLO_HTTP,      /* no ALPN extension, or http/1.1 without PROTO_ALPN */
};

/* Read the start of a connection [p, p + len) as a ClientHello; groups are
 * the IANA numbers of the key-exchange groups the gateway accepts. */
enum tls_hello tls_hello_check(const uint8_t *p, size_t len, const int *groups, size_t n_groups);
/* True if [p, p + len) holds a whole ClientHello whose
 * psk_key_exchange_modes include psk_dhe_ke: the only mode in which the
 * gateway resumes (a psk_ke-only resumption would have no forward
 * secrecy). */
bool tls_hello_offers_psk_dhe(const uint8_t *p, size_t len);
/* True if [p, p + len) holds a whole ClientHello offering
 * mtlsvpn-continue/1 (docs/protocol.md 12.10). */
bool tls_hello_offers_continue(const uint8_t *p, size_t len);

#endif
