/*
 * tls_export.c - the TLS 1.3 exporter for the UDP data channel
 * (tls_export.h). TLS 1.3 only: a TLS 1.2 session (an OpenConnect client)
 * has a different exporter and never gets the channel.
 */
#include <string.h>

#include <wolfssl/options.h>
#include <wolfssl/ssl.h>

#include "tls_export.h"
#include "tls_internal.h"

bool tls_export_keep(struct tls_conn *t)
{
	/* tls.c creates its wolfSSL object in the first handshake step and
	 * applies the flag there. */
	if (t->ssl != NULL)
		return false;
	t->export_keep = true;
	return true;
}

void tls_export_done(struct tls_conn *t)
{
	if (t->ssl != NULL)
		wolfSSL_FreeArrays(t->ssl);
	/* Whatever the library still holds: a wolfSSL built to keep its
	 * arrays anyway (Debian's) must not export after this either. */
	t->export_keep = false;
}

int tls_export_dchan(struct tls_conn *t, uint64_t cid, uint8_t out[static DCHAN_SECRET_LEN])
{
	uint8_t context[DCHAN_CONTEXT_LEN];

	memset(out, 0, DCHAN_SECRET_LEN);
	/* Only a session kept for it, until tls_export_done(): the same
	 * contract whether or not this wolfSSL frees its secrets itself. */
	if (!t->export_keep || !t->hs_done || wolfSSL_version(t->ssl) != TLS1_3_VERSION)
		return -1;
#ifdef HAVE_KEYING_MATERIAL
	dchan_key_context(cid, context);
	if (wolfSSL_export_keying_material(t->ssl, out, DCHAN_SECRET_LEN, DCHAN_EXPORT_LABEL,
					   strlen(DCHAN_EXPORT_LABEL), context, sizeof(context),
					   1) == WOLFSSL_SUCCESS)
		return 0;
	memset(out, 0, DCHAN_SECRET_LEN);
#else
	(void)cid;
	(void)context;
#endif
	return -1;
}
