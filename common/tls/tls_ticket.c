/*
 * tls_ticket.c - TLS 1.3 resumption, the private half of the TLS wrapper
 * that deals in sessions. The gateway's tickets carry nothing but a random
 * handle: wolfSSL's ticket callback stores the resumption state with the
 * client's certificate chain in a ticket table (ticket_table.c) and sends
 * random bytes instead. A ticket offered back is taken out of the table
 * (single use), and accepted only if it has not expired and its stored
 * chain still verifies against the trust anchors in force (signatures,
 * dates, clientAuth); anything else falls back to a full handshake. What the
 * gateway checks after the handshake (revocation, deny lists, OCSP,
 * identity, group) then reads the stored chain as if the client had sent
 * it (tls_peer_info). The client keeps the session of its last connection
 * in memory and offers it once.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include <wolfssl/options.h>
#include <wolfssl/ssl.h>

#include "ticket_table.h"
#include "tls_internal.h"

/* Bounds on the gateway's table: a ticket is typically 1-3 KiB (wolfSSL's
 * state and a chain of one or two certificates); a client sending a huge
 * chain evicts older tickets (a full handshake for their owners), never
 * more memory. */
#define TICKET_TABLE_MAX 65536
#define TICKET_TABLE_BYTES (64u * 1024 * 1024)

static bool random_bytes(uint8_t *p, size_t n)
{
	return getrandom(p, n, 0) == (ssize_t)n;
}

bool tls_resumption_compiled(void)
{
#ifdef HAVE_SESSION_TICKET
	return true;
#else
	return false;
#endif
}

#ifdef HAVE_SESSION_TICKET
/* Issue: the state goes into the table under a fresh handle; the client
 * gets the handle, a random "MAC" it must send back too, and random bytes
 * in place of the state. A resumed session's new ticket carries the chain
 * and full-handshake time of the ticket it replaced. */
static int ticket_issue(struct tls_conn *c, uint8_t name[WOLFSSL_TICKET_NAME_SZ],
			uint8_t iv[WOLFSSL_TICKET_IV_SZ], uint8_t mac[WOLFSSL_TICKET_MAC_SZ],
			uint8_t *buf, int len, int *out_len)
{
	struct tls_ctx *t = c->ctx;
	const uint8_t *leaf, *chain_p;
	size_t chain_len, leaf_len;
	struct cert_info ci;
	int64_t now = (int64_t)time(NULL), full_at, expires;
	bool stored;

	if (len <= 0 || !random_bytes(name, WOLFSSL_TICKET_NAME_SZ) ||
	    !random_bytes(iv, WOLFSSL_TICKET_IV_SZ) || !random_bytes(mac, WOLFSSL_TICKET_MAC_SZ))
		return WOLFSSL_TICKET_RET_FATAL;
	/* wolfSSL refuses an all-zero name, IV or MAC. */
	name[0] |= 1;
	iv[0] |= 1;
	mac[0] |= 1;
	if (c->ticket != NULL && wolfSSL_session_reused(c->ssl)) {
		chain_p = c->ticket->chain;
		chain_len = c->ticket->chain_len;
		full_at = c->ticket->full_at;
	} else {
		/* Kept by the verify callback, in the table's encoding. */
		chain_p = c->peer_chain;
		chain_len = c->peer_chain_len;
		full_at = now;
	}
	stored = chain_len > 0 && ticket_chain_at(chain_p, chain_len, 0, &leaf, &leaf_len) &&
		 tls_cert_info(leaf, leaf_len, &ci);
	if (stored) {
		expires = ticket_expiry(now, full_at, t->ticket_lifetime, ci.not_after,
					t->max_session_lifetime);
		pthread_mutex_lock(&t->tickets_mu);
		stored = ticket_table_put(t->tickets, name, mac, buf, (size_t)len, chain_p,
					  chain_len, now, full_at, expires);
		pthread_mutex_unlock(&t->tickets_mu);
	}
	/* A ticket that could not be stored (out of memory, a chain past
	 * TICKET_CHAIN_MAX) still goes out, as a handle the table does not
	 * know: refusing here would fail the handshake, and its owner just
	 * gets a full handshake next time. */
	if (stored) {
		memcpy(c->issued_handle, name, sizeof(c->issued_handle));
		c->issued = true;
	}
	/* The wire carries no secret: the state stays here. */
	if (!random_bytes(buf, (size_t)len)) {
		pthread_mutex_lock(&t->tickets_mu);
		(void)ticket_table_forget(t->tickets, name);
		pthread_mutex_unlock(&t->tickets_mu);
		c->issued = false;
		return WOLFSSL_TICKET_RET_FATAL;
	}
	*out_len = len;
	return WOLFSSL_TICKET_RET_OK;
}

/* The stored chain, checked now as a full handshake would check it: from
 * the top, each certificate verifies (signature, notBefore/notAfter)
 * against this context's trust anchors or against the ones below it that
 * verified (a scratch manager holds those, never the context's), and the
 * leaf states clientAuth. */
static bool chain_still_good(struct tls_conn *c, const struct ticket *k)
{
	WOLFSSL_CERT_MANAGER *anchors = wolfSSL_CTX_GetCertManager(c->ctx->wctx), *below = NULL;
	const uint8_t *der = NULL;
	size_t len = 0, n = 0;
	WOLFSSL_X509 *x;
	bool ok = anchors != NULL;

	while (ticket_chain_cert(k, n, &der, &len))
		n++;
	if (n == 0)
		return false;
	for (size_t i = n; ok && i-- > 0;) {
		(void)ticket_chain_cert(k, i, &der, &len);
		ok = wolfSSL_CertManagerVerifyBuffer(anchors, der, (long)len, WOLFSSL_FILETYPE_ASN1) ==
			 WOLFSSL_SUCCESS ||
		     (below != NULL && wolfSSL_CertManagerVerifyBuffer(below, der, (long)len,
								       WOLFSSL_FILETYPE_ASN1) ==
					   WOLFSSL_SUCCESS);
		if (!ok || i == 0)
			break;
		if (below == NULL)
			below = wolfSSL_CertManagerNew();
		ok = below != NULL && wolfSSL_CertManagerLoadCABuffer(below, der, (long)len,
								      WOLFSSL_FILETYPE_ASN1) ==
					  WOLFSSL_SUCCESS;
	}
	if (below != NULL)
		wolfSSL_CertManagerFree(below);
	if (!ok)
		return false;
	/* der is the leaf now. */
	x = wolfSSL_X509_d2i(NULL, der, (int)len);
	if (x == NULL)
		return false;
	ok = tls_cert_has_eku(x, true);
	wolfSSL_X509_free(x);
	return ok;
}

/* Redeem: take the ticket (it is gone whatever follows), then hand
 * wolfSSL its state only if it is still good. A refusal is not an error:
 * wolfSSL goes on with a full handshake and asks for the certificate. */
static int ticket_redeem(struct tls_conn *c, const uint8_t name[WOLFSSL_TICKET_NAME_SZ],
			 const uint8_t mac[WOLFSSL_TICKET_MAC_SZ], uint8_t *buf, int len,
			 int *out_len)
{
	struct ticket *k = NULL;
	const char *why = NULL;
	enum ticket_take taken;

	/* wolfSSL may look at the same ClientHello's ticket more than once:
	 * the ticket this connection took stays its own, and the first
	 * refusal is the one reported. */
	if (c->ticket != NULL && ticket_bytes_equal(c->ticket->handle, name, TICKET_HANDLE_LEN) &&
	    ticket_bytes_equal(c->ticket->mac, mac, TICKET_MAC_LEN) && len >= 0 &&
	    c->ticket->state_len > 0 && c->ticket->state_len <= (size_t)len) {
		memcpy(buf, c->ticket->state, c->ticket->state_len);
		*out_len = (int)c->ticket->state_len;
		return WOLFSSL_TICKET_RET_OK;
	}
	pthread_mutex_lock(&c->ctx->tickets_mu);
	taken = ticket_table_take(c->ctx->tickets, name, (int64_t)time(NULL), &k);
	pthread_mutex_unlock(&c->ctx->tickets_mu);
	switch (taken) {
	case TICKET_TAKEN:
		if (!c->psk_dhe)
			why = "no-dhe"; /* psk_ke alone: no forward secrecy */
		else if (!ticket_bytes_equal(k->mac, mac, TICKET_MAC_LEN) || len < 0 ||
		    k->state_len > (size_t)len)
			why = "mismatch";
		else if (!chain_still_good(c, k))
			why = "unverifiable"; /* the stored chain */
		break;
	case TICKET_EXPIRED:
		why = "expired";
		break;
	case TICKET_UNKNOWN:
	default:
		why = "unknown"; /* never issued, used, or dropped */
		break;
	}
	if (why != NULL) {
		if (c->ticket_refused == NULL)
			c->ticket_refused = why;
		ticket_free(k);
		return WOLFSSL_TICKET_RET_REJECT;
	}
	memcpy(buf, k->state, k->state_len);
	*out_len = (int)k->state_len;
	ticket_free(c->ticket);
	c->ticket = k;
	return WOLFSSL_TICKET_RET_OK;
}

static int ticket_cb(WOLFSSL *ssl, unsigned char name[WOLFSSL_TICKET_NAME_SZ],
		     unsigned char iv[WOLFSSL_TICKET_IV_SZ], unsigned char mac[WOLFSSL_TICKET_MAC_SZ],
		     int enc, unsigned char *buf, int len, int *out_len, void *arg)
{
	struct tls_conn *c = wolfSSL_GetIOReadCtx(ssl);

	(void)arg;
	if (c == NULL || c->ctx->tickets == NULL)
		return enc ? WOLFSSL_TICKET_RET_FATAL : WOLFSSL_TICKET_RET_REJECT;
	if (enc)
		return ticket_issue(c, name, iv, mac, buf, len, out_len);
	return ticket_redeem(c, name, mac, buf, len, out_len);
}
#endif

bool tls_ticket_ctx_init(struct tls_ctx *t, const struct tls_ctx_params *p, char *err,
			 size_t errlen)
{
	/* No 0-RTT on either side: early data could be replayed and would
	 * arrive before any check (this wolfSSL is built without it). */
	(void)wolfSSL_CTX_set_session_cache_mode(t->wctx, WOLFSSL_SESS_CACHE_OFF);
	if (!p->server)
		return true;
	t->ticket_lifetime = p->ticket_lifetime;
	t->max_session_lifetime = p->max_session_lifetime;
	if (!p->resumption || !tls_resumption_compiled()) {
		(void)wolfSSL_CTX_no_ticket_TLSv13(t->wctx);
		return true;
	}
#ifdef HAVE_SESSION_TICKET
	if (pthread_mutex_init(&t->tickets_mu, NULL) != 0) {
		snprintf(err, errlen, "cannot create the ticket table's lock");
		return false;
	}
	t->tickets = ticket_table_new(TICKET_TABLE_MAX, TICKET_TABLE_BYTES);
	if (t->tickets == NULL) {
		pthread_mutex_destroy(&t->tickets_mu);
		snprintf(err, errlen, "out of memory for the ticket table");
		return false;
	}
	/* set_timeout returns the old timeout in builds with OpenSSL's error
	 * codes (Debian's), WOLFSSL_SUCCESS in others: it cannot fail. */
	(void)wolfSSL_CTX_set_timeout(t->wctx, p->ticket_lifetime);
	if (wolfSSL_CTX_set_TicketEncCb(t->wctx, ticket_cb) != WOLFSSL_SUCCESS ||
	    wolfSSL_CTX_set_TicketHint(t->wctx, (int)p->ticket_lifetime) != WOLFSSL_SUCCESS ||
	    wolfSSL_CTX_set_num_tickets(t->wctx, 1) != WOLFSSL_SUCCESS) {
		snprintf(err, errlen, "this wolfSSL cannot issue session tickets");
		return false;
	}
#endif
	(void)err;
	(void)errlen;
	return true;
}

void tls_ticket_ctx_deinit(struct tls_ctx *t)
{
	if (t->tickets != NULL)
		pthread_mutex_destroy(&t->tickets_mu);
	ticket_table_free(t->tickets);
	t->tickets = NULL;
	if (t->session != NULL)
		wolfSSL_SESSION_free(t->session);
	t->session = NULL;
}

void tls_ticket_offer(struct tls_conn *c)
{
	struct tls_ctx *t = c->ctx;

	if (t->server || t->session == NULL)
		return;
	/* Once: the gateway's tickets are single-use. A session wolfSSL does
	 * not take (expired, or not resumable) just means a full handshake. */
	(void)wolfSSL_set_session(c->ssl, t->session);
	wolfSSL_SESSION_free(t->session);
	t->session = NULL;
}

void tls_ticket_save(struct tls_conn *c)
{
	struct tls_ctx *t = c->ctx;
	WOLFSSL_SESSION *s;

	if (t->server || c->ssl == NULL || !c->hs_done || c->failure != TLS_FAIL_NONE)
		return;
	s = wolfSSL_get1_session(c->ssl);
	if (s == NULL)
		return;
	if (!wolfSSL_SESSION_is_resumable(s)) {
		wolfSSL_SESSION_free(s);
		return;
	}
	if (t->session != NULL)
		wolfSSL_SESSION_free(t->session);
	t->session = s;
}

bool tls_ticket_after_handshake(struct tls_conn *c)
{
	c->resumed = wolfSSL_session_reused(c->ssl) != 0;
	if (!c->ctx->server) {
		/* The gateway proved its name in the full handshake this
		 * session came from; a resumed one carries no certificate. */
		if (c->resumed)
			c->leaf_checked = true;
		return true;
	}
	if (!c->resumed || c->ticket == NULL) {
		/* A ticket taken and then not used (wolfSSL chose otherwise)
		 * does not stand in for the certificate this client sent. */
		ticket_free(c->ticket);
		c->ticket = NULL;
		c->resumed = false;
		c->full_at = (int64_t)time(NULL);
		return true;
	}
	c->full_at = c->ticket->full_at;
	/* The leaf was checked when the ticket was redeemed. */
	c->leaf_checked = true;
	/* The resumption secret has served; only the chain is kept, for the
	 * checks after the handshake and the next ticket. */
	explicit_bzero(c->ticket->state, c->ticket->state_len);
	c->ticket->state_len = 0;
	return true;
}

bool tls_ticket_peer_info(const struct tls_conn *c, struct cert_info *out)
{
	const struct ticket *k = c->ticket;

	return k != NULL && tls_cert_chain_info(k->chain, k->chain_len, out);
}

const char *tls_ticket_refused(const struct tls_conn *c)
{
	return c != NULL && !c->resumed ? c->ticket_refused : NULL;
}

bool tls_resumed(const struct tls_conn *c)
{
	return c != NULL && c->hs_done && c->resumed;
}

int64_t tls_full_handshake_at(const struct tls_conn *c)
{
	return c != NULL && c->hs_done ? c->full_at : 0;
}

void tls_conn_forget_ticket(struct tls_conn *c)
{
	if (c == NULL || !c->issued || c->ctx->tickets == NULL)
		return;
	pthread_mutex_lock(&c->ctx->tickets_mu);
	(void)ticket_table_forget(c->ctx->tickets, c->issued_handle);
	pthread_mutex_unlock(&c->ctx->tickets_mu);
	c->issued = false;
}

void tls_ctx_reset_tickets(struct tls_ctx *t, unsigned max_session_lifetime)
{
	if (t == NULL)
		return;
	if (t->tickets != NULL) {
		pthread_mutex_lock(&t->tickets_mu);
		ticket_table_clear(t->tickets);
		pthread_mutex_unlock(&t->tickets_mu);
	}
	t->max_session_lifetime = max_session_lifetime;
}

size_t tls_ctx_ticket_count(struct tls_ctx *t)
{
	size_t n;

	if (t == NULL || t->tickets == NULL)
		return 0;
	pthread_mutex_lock(&t->tickets_mu);
	n = ticket_table_count(t->tickets);
	pthread_mutex_unlock(&t->tickets_mu);
	return n;
}
