/*
 * dchan_cont.c - the continuation key and proof (dchan_cont.h). The key's
 * HKDF label differs from every label of the data keys (dchan_key.c), so
 * it is never a data key and a data key never gives it.
 */
#include <string.h>

#include <wolfssl/options.h>
#include <wolfssl/wolfcrypt/settings.h>
#include <wolfssl/wolfcrypt/hmac.h>

#include "dchan_cont.h"

#define CONT_KEY_INFO "mtlsvpn dchan continue"
#define CONT_PROOF_PREFIX "mtlsvpn continue v1"

int dchan_cont_key(const uint8_t s0[static DCHAN_SECRET_LEN],
		   uint8_t out[static DCHAN_CONT_KEY_LEN])
{
	if (wc_HKDF_Expand(WC_SHA256, s0, DCHAN_SECRET_LEN, (const byte *)CONT_KEY_INFO,
			   (word32)strlen(CONT_KEY_INFO), out, DCHAN_CONT_KEY_LEN) == 0)
		return 0;
	explicit_bzero(out, DCHAN_CONT_KEY_LEN);
	return -1;
}

int dchan_cont_proof(const uint8_t key[static DCHAN_CONT_KEY_LEN], uint64_t cid,
		     const uint8_t exported[static DCHAN_CONT_EXPORT_LEN],
		     uint8_t out[static DCHAN_CONT_PROOF_LEN])
{
	uint8_t ctx[DCHAN_CONTEXT_LEN];
	Hmac h;
	int rc = -1;

	dchan_key_context(cid, ctx);
	if (wc_HmacInit(&h, NULL, INVALID_DEVID) != 0)
		goto out;
	if (wc_HmacSetKey(&h, WC_SHA256, key, DCHAN_CONT_KEY_LEN) == 0 &&
	    wc_HmacUpdate(&h, (const byte *)CONT_PROOF_PREFIX, (word32)strlen(CONT_PROOF_PREFIX)) ==
		0 &&
	    wc_HmacUpdate(&h, ctx, sizeof(ctx)) == 0 &&
	    wc_HmacUpdate(&h, exported, DCHAN_CONT_EXPORT_LEN) == 0 && wc_HmacFinal(&h, out) == 0)
		rc = 0;
	wc_HmacFree(&h);
out:
	explicit_bzero(&h, sizeof(h));
	if (rc != 0)
		explicit_bzero(out, DCHAN_CONT_PROOF_LEN);
	return rc;
}

bool dchan_cont_verify(const uint8_t key[static DCHAN_CONT_KEY_LEN], uint64_t cid,
		       const uint8_t exported[static DCHAN_CONT_EXPORT_LEN],
		       const uint8_t proof[static DCHAN_CONT_PROOF_LEN])
{
	uint8_t want[DCHAN_CONT_PROOF_LEN];
	volatile uint8_t diff = 0;

	if (dchan_cont_proof(key, cid, exported, want) != 0)
		return false;
	for (size_t i = 0; i < sizeof(want); i++)
		diff |= (uint8_t)(want[i] ^ proof[i]);
	explicit_bzero(want, sizeof(want));
	return diff == 0;
}
