/*
 * tls_internal.h - private to the TLS wrapper (tls.c, tls_cert.c,
 * tls_failure.c, tls_hello.c, tls_load.c); the rest of the project sees
 * tls.h only. tls_load fills a context with its key material; tls_cert_*
 * read and check an X.509 certificate wolfSSL has parsed;
 * tls_failure_* turn wolfSSL's numbers into enum tls_failure and words;
 * tls_hello_check reads a ClientHello before wolfSSL does.
 * WOLFSSL_X509 is forward-declared so this header needs no wolfSSL include.
 */
#ifndef MTLSVPN_TLS_INTERNAL_H
#define MTLSVPN_TLS_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "identity.h"
#include "tls.h"

struct WOLFSSL_CTX;
struct WOLFSSL_X509;
struct WOLFSSL_X509_CHAIN;

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

/* The (issuer, serial) reference of every certificate the peer sent, leaf
 * first, into out->chain; one that does not decode, or more than
 * CERT_MAX_CHAIN, marks out->truncated (revocation must see them all). */
void tls_cert_chain_refs(struct WOLFSSL_X509_CHAIN *chain, struct cert_info *out);

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
	TLS_HELLO_NO_ALPN,   /* no ALPN extension, or one without PROTO_ALPN */
};

/* Read the start of a connection [p, p + len) as a ClientHello; groups are
 * the IANA numbers of the key-exchange groups the gateway accepts. */
enum tls_hello tls_hello_check(const uint8_t *p, size_t len, const int *groups, size_t n_groups);

#endif
