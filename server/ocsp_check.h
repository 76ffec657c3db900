/*
 * ocsp_check.h - the gateway's OCSP client state: the responder configured
 * (resolved once at start), the queries in flight (one non-blocking HTTP
 * POST each, shared by every session of the same certificate, at most
 * OCSP_CHECK_MAX_INFLIGHT), and a direct-mapped cache of answers. Included
 * by server.h; the functions are declared there.
 */
#ifndef MTLSVPN_OCSP_CHECK_H
#define MTLSVPN_OCSP_CHECK_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/queue.h>
#include <sys/socket.h>

#include "addr.h"
#include "crl_verify.h"
#include "ev.h"
#include "identity.h"
#include "ocsp.h"
#include "ocsp_http.h"

#define OCSP_CHECK_MAX_INFLIGHT 16
#define OCSP_CHECK_CACHE_SLOTS 1024 /* a power of two */
#define OCSP_CHECK_SKEW_S 300	    /* clock disagreement we tolerate */
#define OCSP_CHECK_MAX_AGE_S 3600   /* age of an answer without nextUpdate */

struct gateway;
struct session;

struct ocsp_query {
	struct gateway *gw;
	bool busy;
	struct cert_ref key; /* the leaf, as the cache knows it */
	struct ocsp_certid id;
	const struct crl_issuer *issuer; /* in gw->revoke, which outlives queries */
	uint8_t nonce[OCSP_NONCE_LEN];
	char where[ADDR_STRLEN + 8]; /* responder address:port, for logs */
	int fd;
	struct ev_io io;
	struct ev_timer timeout;
	uint8_t req[1024];
	size_t req_len, req_off;
	uint8_t *resp; /* OCSP_RESPONSE_MAX plus headers */
	size_t resp_len;
	uint64_t started_ms;
	LIST_HEAD(, session) waiters;
};

struct ocsp_cache_entry {
	struct cert_ref key;
	enum ocsp_status status; /* good or revoked; unknown is never cached */
	int reason;
	uint64_t until_ms; /* monotonic; 0 = empty */
};

struct ocsp_check {
	bool have_responder; /* ocsp_responder set: it overrides the AIA */
	struct ocsp_url url;
	struct sockaddr_storage addr;
	socklen_t addr_len;
	struct ocsp_query q[OCSP_CHECK_MAX_INFLIGHT];
	struct ocsp_cache_entry *cache; /* OCSP_CHECK_CACHE_SLOTS, NULL when ocsp is off */
	uint64_t n_queries, n_cache_hits, n_good, n_revoked, n_unknown, n_failed;
};

#endif
