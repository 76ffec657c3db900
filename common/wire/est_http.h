/*
 * est_http.h - what an EST request (RFC 7030) asks of the gateway, read
 * from one HTTP request that oc_http_parse (the bounded parser the
 * OpenConnect support uses) has already split: the operation, the HTTP
 * Basic credentials of a first enrollment (RFC 7617: user = identity,
 * password = one-time token) and the PKCS#10 request decoded from its
 * base64 body. Sans-I/O: bytes in, a filled struct or an HTTP status out;
 * never logs, never allocates. Whether the request may be served (token,
 * client certificate) is the caller's decision, not this file's.
 */
#ifndef MTLSVPN_EST_HTTP_H
#define MTLSVPN_EST_HTTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "oc_http.h"

#define EST_HTTP_PREFIX "/.well-known/est/"
/* A DER PKCS#10 request at most this long (an RSA-4096 one is ~1.7 KB);
 * its base64 body is bounded by OC_HTTP_MAX_BODY before decoding. */
#define EST_HTTP_MAX_CSR 8192
#define EST_HTTP_MAX_USER 256
#define EST_HTTP_MAX_PASSWORD 128

enum est_op {
	EST_OP_CACERTS,	       /* GET  /.well-known/est/cacerts */
	EST_OP_SIMPLEENROLL,   /* POST /.well-known/est/simpleenroll */
	EST_OP_SIMPLEREENROLL, /* POST /.well-known/est/simplereenroll */
};

struct est_request {
	enum est_op op;
	bool has_basic; /* Authorization: Basic was sent and well-formed */
	char user[EST_HTTP_MAX_USER];
	char password[EST_HTTP_MAX_PASSWORD]; /* the token: wipe after use */
	uint8_t csr[EST_HTTP_MAX_CSR];	      /* DER, enroll operations only */
	size_t csr_len;
	bool close; /* the client asked for the connection to end */
};

/* True if the request's target is under /.well-known/est/: the caller
 * hands it to est_http_classify instead of answering it otherwise. */
bool est_http_is_est(const struct oc_request *rq);

/* Reads an EST request out of rq. false: *status and *why (static) say
 * what to answer: 404 an unknown operation, an operation not served
 * (csrattrs, serverkeygen, fullcmc) or a CA label (RFC 7030 3.2.2: this
 * gateway has one CA); 405 the wrong method (est_http_allow says which);
 * 415 an enroll body that is not application/pkcs10; 400 a query, a body
 * that is not base64 of one DER SEQUENCE, or malformed Basic credentials;
 * 413 a request larger than EST_HTTP_MAX_CSR. */
bool est_http_classify(const struct oc_request *rq, struct est_request *out, unsigned *status,
		       const char **why);

/* The method an operation takes, for a 405's Allow header. */
const char *est_http_allow(enum est_op op);
const char *est_op_name(enum est_op op);

/* RFC 7617 Basic credentials from an Authorization value ("Basic
 * base64(user:password)"): false if the scheme is not Basic, the base64
 * is broken, there is no ':', the user is empty, either part holds a
 * control byte or does not fit. */
bool est_http_basic(const char *authorization, char user[static EST_HTTP_MAX_USER],
		    char password[static EST_HTTP_MAX_PASSWORD]);

#endif
