/*
 * tls_export.h - keying material from a live TLS 1.3 session (RFC 8446
 * section 7.5) for the UDP data channel: the only calls into wolfSSL the
 * channel needs; everything after them is dchan_key.c's.
 *
 * wolfSSL exports only while it still holds the handshake's secrets, which
 * it frees at the end of the handshake unless told otherwise. So, in this
 * order: tls_export_keep() before the handshake, tls_export_dchan()
 * once it is done (for one cid normally), tls_export_done() to let wolfSSL
 * wipe and free them. A session never kept exports nothing.
 */
#ifndef MTLSVPN_TLS_EXPORT_H
#define MTLSVPN_TLS_EXPORT_H

#include <stdbool.h>
#include <stdint.h>

#include "dchan_key.h"
#include "tls.h"

/* Ask wolfSSL to keep the handshake's secrets: right after tls_conn_new(),
 * before any tls_handshake() (wolfSSL computes the exporter's secret only
 * if told before it derives the master secret, which a gateway does in its
 * first handshake step). False if the handshake has already started. */
bool tls_export_keep(struct tls_conn *t);
void tls_export_done(struct tls_conn *t);

/* The exporter's 32 bytes under DCHAN_EXPORT_LABEL with the cid as
 * context: the secret of epoch 0. 0, or -1 when the handshake is not done,
 * the session is not TLS 1.3, tls_export_keep() was not called (or
 * tls_export_done() was), or this wolfSSL lacks the exporter (out is
 * zeroed then). */
int tls_export_dchan(struct tls_conn *t, uint64_t cid, uint8_t out[static DCHAN_SECRET_LEN]);

/* The continuation's exporter value of this connection (docs/protocol.md
 * 12.10): 32 bytes under DCHAN_CONT_EXPORT_LABEL, empty context. 0 or -1,
 * under the same conditions as tls_export_dchan. */
int tls_export_continue(struct tls_conn *t, uint8_t out[static 32]);

#endif
