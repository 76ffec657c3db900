/*
 * est_reply.h - the gateway's HTTP answers to EST requests (RFC 7030):
 * certificates as base64 PKCS#7 certs-only (pkcs7_certs.h makes the body)
 * and short refusals. Pure: each builder writes into the caller's buffer
 * and returns the bytes written, or 0 if they do not fit; never logs.
 */
#ifndef MTLSVPN_EST_REPLY_H
#define MTLSVPN_EST_REPLY_H

#include <stddef.h>

#include "est_http.h"

/* 200, Content-Type: application/pkcs7-mime; smime-type=certs-only,
 * Content-Transfer-Encoding: base64, and body (body_len bytes of base64
 * text) after the head. */
size_t est_reply_certs(char *out, size_t cap, const char *body, size_t body_len);

/* An error with a one-line text/plain body: reason (control bytes and
 * non-ASCII become '.', at most 200 bytes; NULL: the status phrase).
 * 401 carries WWW-Authenticate: Basic realm="mtlsvpn"; 405 an Allow header
 * for op. Every error closes the connection. */
size_t est_reply_error(char *out, size_t cap, unsigned status, const char *reason, enum est_op op);

#endif
