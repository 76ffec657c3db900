/*
 * tls_export.c - the TLS 1.3 exporter for the UDP data channel
 * (tls_export.h). TLS 1.3 only: a TLS 1.2 session (an OpenConnect client)
 * has a different exporter and never gets the channel.
 */
#include <string.h>

#include <wolfssl/options.h>
#include <wolfssl/ssl.h>

#include "dchan_cont.h"
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

/* 32 bytes under label and context; see tls_export_dchan for when. */
static int export32(struct tls_conn *t, const char *label, const uint8_t *context, size_t ctx_len,
		    uint8_t out[static 32])
{
	memset(out, 0, 32);
	/* Only a session kept for it, until tls_export_done(): the same
	 * contract whether or not this wolfSSL frees its secrets itself. */
	if (!t->export_keep || !t->hs_done || wolfSSL_version(t->ssl) != TLS1_3_VERSION)
		return -1;
#ifdef HAVE_KEYING_MATERIAL
	if (wolfSSL_export_keying_material(t->ssl, out, 32, label, strlen(label), context, ctx_len,
					   1) == WOLFSSL_SUCCESS)
		return 0;
	memset(out, 0, 32);
#else
	(void)label;
	(void)context;
	(void)ctx_len;
#endif
	return -1;
}

int tls_export_dchan(struct tls_conn *t, uint64_t cid, uint8_t out[static DCHAN_SECRET_LEN])
{
	uint8_t context[DCHAN_CONTEXT_LEN];

	dchan_key_context(cid, context);
	return export32(t, DCHAN_EXPORT_LABEL, context, sizeof(context), out);
}

int tls_export_continue(struct tls_conn *t, uint8_t out[static 32])
{
	static const uint8_t none[1] = {0};

	return export32(t, DCHAN_CONT_EXPORT_LABEL, none, 0, out);
}
