/*
 * dchan_key.c - HKDF-SHA256 from an epoch's exporter output to the two
 * directions' keys and IV salts (dchan_key.h). The info strings carry the
 * direction and, for keys, the AEAD's name, so no two uses share bytes.
 */
#include <stdio.h>
#include <string.h>

#include <wolfssl/options.h>
#include <wolfssl/wolfcrypt/settings.h>
#include <wolfssl/wolfcrypt/hmac.h>

#include "dchan_key.h"

#define DCHAN_SALT "mtlsvpn dchan v1"

void dchan_key_context(uint64_t cid, uint8_t out[static DCHAN_CONTEXT_LEN])
{
	for (int i = 0; i < 8; i++)
		out[i] = (uint8_t)(cid >> (56 - 8 * i));
}

const char *dchan_aead_name(enum dchan_aead aead)
{
	switch (aead) {
	case DCHAN_AES256GCM:
		return "aes-256-gcm";
	case DCHAN_CHACHA20POLY1305:
		return "chacha20-poly1305";
	}
	return NULL;
}

static int expand(const uint8_t prk[static WC_SHA256_DIGEST_SIZE], const char *info, uint8_t *out,
		  size_t len)
{
	return wc_HKDF_Expand(WC_SHA256, prk, WC_SHA256_DIGEST_SIZE, (const byte *)info,
			      (word32)strlen(info), out, (word32)len) == 0
		   ? 0
		   : -1;
}

static int derive_dir(const uint8_t prk[static WC_SHA256_DIGEST_SIZE], const char *dir,
		      const char *aead, struct dchan_secret *out)
{
	char info[64];

	snprintf(info, sizeof(info), "mtlsvpn dchan %s key %s", dir, aead);
	if (expand(prk, info, out->key, sizeof(out->key)) != 0)
		return -1;
	snprintf(info, sizeof(info), "mtlsvpn dchan %s iv", dir);
	return expand(prk, info, out->iv, sizeof(out->iv));
}

int dchan_key_derive(enum dchan_aead aead, const uint8_t secret[static DCHAN_SECRET_LEN],
		     struct dchan_epoch_keys *out)
{
	const char *name = dchan_aead_name(aead);
	uint8_t prk[WC_SHA256_DIGEST_SIZE];
	int rc = -1;

	memset(out, 0, sizeof(*out));
	if (name == NULL)
		return -1;
	if (wc_HKDF_Extract(WC_SHA256, (const byte *)DCHAN_SALT, (word32)strlen(DCHAN_SALT), secret,
			    DCHAN_SECRET_LEN, prk) == 0 &&
	    derive_dir(prk, "c2s", name, &out->c2s) == 0 &&
	    derive_dir(prk, "s2c", name, &out->s2c) == 0)
		rc = 0;
	explicit_bzero(prk, sizeof(prk));
	if (rc != 0)
		dchan_key_wipe(out);
	return rc;
}

int dchan_key_next(uint8_t secret[static DCHAN_SECRET_LEN], uint32_t next_epoch)
{
	/* info = "mtlsvpn dchan epoch" || next_epoch (4 bytes, big-endian);
	 * the secret is a PRK already (the exporter's or this step's). */
	static const char label[] = "mtlsvpn dchan epoch";
	uint8_t info[sizeof(label) - 1 + 4], next[DCHAN_SECRET_LEN];
	int rc;

	memcpy(info, label, sizeof(label) - 1);
	for (int i = 0; i < 4; i++)
		info[sizeof(label) - 1 + i] = (uint8_t)(next_epoch >> (24 - 8 * i));
	rc = wc_HKDF_Expand(WC_SHA256, secret, DCHAN_SECRET_LEN, info, sizeof(info), next,
			    sizeof(next)) == 0
		 ? 0
		 : -1;
	if (rc == 0)
		memcpy(secret, next, sizeof(next));
	explicit_bzero(next, sizeof(next));
	return rc;
}

void dchan_key_wipe(struct dchan_epoch_keys *k)
{
	explicit_bzero(k, sizeof(*k));
}
