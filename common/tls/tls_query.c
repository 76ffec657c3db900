/*
 * tls_query.c - what a TLS connection tells of itself once tls.c has run
 * it: queued output, pending input, the peer's certificate, the cipher,
 * the version and the application protocol agreed; and the one thing a
 * client sets before its handshake, the continuation offer.
 */
#include "tls.h"

#include <string.h>

#include <wolfssl/options.h>
#include <wolfssl/ssl.h>

#include "tls_internal.h"

size_t tls_outq_len(const struct tls_conn *c)
{
	if (c == NULL)
		return 0;
	return c->out_tail - c->out_head;
}

bool tls_has_pending(const struct tls_conn *c)
{
	return c != NULL &&
	       (c->in_len > c->in_off || (c->ssl != NULL && wolfSSL_pending(c->ssl) > 0));
}

bool tls_hello_received(const struct tls_conn *c)
{
	return c->hello_in;
}

bool tls_peer_info(const struct tls_conn *c, struct cert_info *out)
{
	memset(out, 0, sizeof(*out));
	if (c == NULL || !c->hs_done)
		return false;
	if (c->resumed && c->ctx->server)
		return tls_ticket_peer_info(c, out);
	/* A resumed client saw no certificate: false, as before a handshake. */
	return tls_cert_chain_info(c->peer_chain, c->peer_chain_len, out);
}

const char *tls_cipher_name(const struct tls_conn *c)
{
	const char *name = c != NULL && c->ssl != NULL ? wolfSSL_get_cipher_name(c->ssl) : NULL;

	return name != NULL ? name : "none";
}

enum tls_app tls_app(const struct tls_conn *c)
{
	return c->app;
}

void tls_conn_offer_continue(struct tls_conn *c)
{
	if (!c->ctx->server && c->ssl == NULL)
		c->hello_cont = true;
}

const char *tls_version_name(const struct tls_conn *c)
{
	const char *v = c != NULL && c->ssl != NULL ? wolfSSL_get_version(c->ssl) : NULL;

	return v != NULL ? v : "none";
}
