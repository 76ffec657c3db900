/*
 * est_client.h - the client's half of EST over HTTP (RFC 7030, docs/
 * protocol.md 13.10), sans-I/O: the HTTP request for each operation, and
 * the reading of the gateway's answer into the DER certs-only message it
 * carries or one sentence saying why it refused. What the certificates
 * are is est_enroll.h's (common/pki/). No sockets, never logs.
 */
#ifndef MTLSVPN_EST_CLIENT_H
#define MTLSVPN_EST_CLIENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "est_http.h"
#include "http_resp.h"

/* The request head and body for op, heap, NUL-terminated (*len bytes
 * without the NUL). host is the Host header (a name or address, with
 * :port if not 443); identity and token only for simpleenroll (Basic),
 * csr (DER) only for the enroll operations. NULL if out of memory or a
 * field does not fit (an identity with ':' or a control byte). The caller
 * wipes it (it may carry the token). */
char *est_client_request(enum est_op op, const char *host, const char *identity, const char *token,
			 const uint8_t *csr, size_t csr_len, size_t *len);

/* 0 with the DER certs-only message on the heap (*der, *der_len) for a
 * 200 carrying one; -1 with err saying what the person should know: the
 * gateway's one-line reason for a 401 or 403, "enroll is off" for a 404
 * on an enroll operation, or what is wrong with the answer. */
int est_client_reply(enum est_op op, const struct http_resp *r, uint8_t **der, size_t *der_len,
		     char *err, size_t errlen);

#endif
