/*
 * dchan_crypt.c - seal and open UDP data-channel datagrams (dchan_crypt.h).
 * Order on receipt is the protocol's (section 12.6): header, cid, epoch,
 * counter limit, AEAD, and only then the replay window. The nonce is built
 * from the counter the header carries, which is the AEAD's additional
 * data, so a counter cannot be changed without the tag failing.
 */
#include <string.h>

#include <wolfssl/options.h>
#include <wolfssl/wolfcrypt/settings.h>
#include <wolfssl/wolfcrypt/aes.h>
#include <wolfssl/wolfcrypt/chacha20_poly1305.h>

#include "dchan_crypt.h"

/* The largest inner frame: what fits a UDP datagram with our overhead. */
#define DCHAN_MAX_INNER (65535 - 8 - DCHAN_HDR_LEN - DCHAN_TAG_LEN)

static void nonce(const struct dchan_key *k, uint64_t counter, uint8_t out[static DCHAN_IV_LEN])
{
	memcpy(out, k->iv, DCHAN_IV_LEN);
	for (int i = 0; i < 8; i++)
		out[DCHAN_IV_LEN - 1 - i] ^= (uint8_t)(counter >> (8 * i));
}

static void key_wipe(struct dchan_key *k)
{
	if (k->live && k->aead == DCHAN_AES256GCM)
		wc_AesFree(&k->aes);
	explicit_bzero(k, sizeof(*k));
}

static int key_set(struct dchan_key *k, enum dchan_aead aead, uint32_t epoch,
		   const struct dchan_secret *s)
{
	key_wipe(k);
	if (aead == DCHAN_AES256GCM) {
		if (wc_AesInit(&k->aes, NULL, INVALID_DEVID) != 0)
			return -1;
		if (wc_AesGcmSetKey(&k->aes, s->key, DCHAN_KEY_LEN) != 0) {
			wc_AesFree(&k->aes);
			explicit_bzero(k, sizeof(*k));
			return -1;
		}
	} else if (aead == DCHAN_CHACHA20POLY1305) {
		memcpy(k->key, s->key, DCHAN_KEY_LEN);
	} else {
		return -1;
	}
	memcpy(k->iv, s->iv, DCHAN_IV_LEN);
	k->aead = aead;
	k->epoch = epoch;
	k->live = true;
	return 0;
}

int dchan_tx_install(struct dchan_tx *tx, enum dchan_aead aead, uint64_t cid, uint32_t epoch,
		     const struct dchan_secret *s)
{
	tx->cid = cid;
	tx->next = 0;
	return key_set(&tx->k, aead, epoch, s);
}

void dchan_tx_deinit(struct dchan_tx *tx)
{
	key_wipe(&tx->k);
	explicit_bzero(tx, sizeof(*tx));
}

bool dchan_tx_rekey_wanted(const struct dchan_tx *tx)
{
	return tx->k.live && tx->next >= DCHAN_REKEY_AFTER;
}

enum dchan_seal_result dchan_seal(struct dchan_tx *tx, uint8_t type, const uint8_t *inner,
				  size_t inner_len, uint8_t *out, size_t cap, size_t *out_len)
{
	struct dchan_hdr h = {.type = type, .cid = tx->cid};
	uint8_t iv[DCHAN_IV_LEN], *ct = out + DCHAN_HDR_LEN, *tag;
	int rc;

	if (!tx->k.live)
		return DCHAN_SEAL_NOKEY;
	if (type != DCHAN_DATA && type != DCHAN_PING && type != DCHAN_PONG)
		return DCHAN_SEAL_TYPE;
	if (tx->next >= DCHAN_SEND_LIMIT)
		return DCHAN_SEAL_LIMIT;
	if (inner_len > DCHAN_MAX_INNER || cap < DCHAN_MIN_LEN + inner_len)
		return DCHAN_SEAL_NOSPACE;
	if (inner_len == 0)
		inner = ct; /* wolfCrypt wants a pointer even for no bytes */
	h.epoch = (uint8_t)tx->k.epoch;
	h.counter = tx->next;
	dchan_hdr_encode(&h, out);
	nonce(&tx->k, h.counter, iv);
	tag = ct + inner_len;
	if (tx->k.aead == DCHAN_AES256GCM)
		rc = wc_AesGcmEncrypt(&tx->k.aes, ct, inner, (word32)inner_len, iv, sizeof(iv), tag,
				      DCHAN_TAG_LEN, out, DCHAN_HDR_LEN);
	else
		rc = wc_ChaCha20Poly1305_Encrypt(tx->k.key, iv, out, DCHAN_HDR_LEN, inner,
						 (word32)inner_len, ct, tag);
	if (rc != 0)
		return DCHAN_SEAL_CRYPTO;
	/* A counter is spent once a datagram was sealed under it. */
	tx->next++;
	*out_len = DCHAN_MIN_LEN + inner_len;
	return DCHAN_SEAL_OK;
}

void dchan_rx_init(struct dchan_rx *rx, uint64_t cid)
{
	memset(rx, 0, sizeof(*rx));
	rx->cid = cid;
}

int dchan_rx_install(struct dchan_rx *rx, enum dchan_aead aead, uint32_t epoch,
		     const struct dchan_secret *s)
{
	struct dchan_rx_epoch next;
	int rc;

	memset(&next, 0, sizeof(next));
	rc = key_set(&next.k, aead, epoch, s);
	if (rc != 0)
		return -1;
	replay_init(&next.win);
	key_wipe(&rx->prev.k);
	rx->prev = rx->cur;
	rx->cur = next;
	explicit_bzero(&next, sizeof(next));
	return 0;
}

void dchan_rx_retire_prev(struct dchan_rx *rx)
{
	key_wipe(&rx->prev.k);
	memset(&rx->prev, 0, sizeof(rx->prev));
}

void dchan_rx_deinit(struct dchan_rx *rx)
{
	key_wipe(&rx->cur.k);
	key_wipe(&rx->prev.k);
	explicit_bzero(rx, sizeof(*rx));
}

static struct dchan_rx_epoch *epoch_for(struct dchan_rx *rx, uint8_t low)
{
	if (rx->cur.k.live && (uint8_t)rx->cur.k.epoch == low)
		return &rx->cur;
	if (rx->prev.k.live && (uint8_t)rx->prev.k.epoch == low)
		return &rx->prev;
	return NULL;
}

static enum dchan_open_result drop(struct dchan_rx *rx, enum dchan_open_result r)
{
	rx->drops[r]++;
	return r;
}

enum dchan_open_result dchan_open(struct dchan_rx *rx, uint8_t *d, size_t n,
				  struct dchan_opened *out)
{
	struct dchan_hdr h;
	struct dchan_rx_epoch *e;
	uint8_t iv[DCHAN_IV_LEN], *ct = d + DCHAN_HDR_LEN;
	size_t len;
	enum replay_result rr;
	bool newest;
	int rc;

	if (dchan_hdr_decode(d, n, &h) != DCHAN_HDR_OK)
		return drop(rx, DCHAN_OPEN_MALFORMED);
	if (h.cid != rx->cid)
		return drop(rx, DCHAN_OPEN_CID);
	e = epoch_for(rx, h.epoch);
	if (e == NULL)
		return drop(rx, DCHAN_OPEN_EPOCH);
	if (h.counter >= DCHAN_SEND_LIMIT)
		return drop(rx, DCHAN_OPEN_LIMIT);
	len = n - DCHAN_MIN_LEN;
	nonce(&e->k, h.counter, iv);
	if (e->k.aead == DCHAN_AES256GCM)
		rc = wc_AesGcmDecrypt(&e->k.aes, ct, ct, (word32)len, iv, sizeof(iv), ct + len,
				      DCHAN_TAG_LEN, d, DCHAN_HDR_LEN);
	else
		rc = wc_ChaCha20Poly1305_Decrypt(e->k.key, iv, d, DCHAN_HDR_LEN, ct, (word32)len,
						 ct + len, ct);
	if (rc != 0) {
		/* Integrity limit (section 12.7): too many forgeries tried
		 * against one key, and the key goes. */
		if (++e->auth_fail >= DCHAN_AUTH_FAIL_LIMIT)
			key_wipe(&e->k);
		return drop(rx, DCHAN_OPEN_AUTH);
	}
	rr = replay_accept(&e->win, h.counter, &newest);
	if (rr == REPLAY_DUP)
		return drop(rx, DCHAN_OPEN_REPLAY);
	if (rr == REPLAY_OLD)
		return drop(rx, DCHAN_OPEN_OLD);
	out->type = h.type;
	out->epoch = e->k.epoch;
	out->counter = h.counter;
	out->inner = ct;
	out->inner_len = len;
	out->newest = newest && e == &rx->cur;
	return DCHAN_OPEN_OK;
}

const char *dchan_open_result_str(enum dchan_open_result r)
{
	static const char *const words[DCHAN_OPEN_RESULTS] = {
	    [DCHAN_OPEN_OK] = "ok",
	    [DCHAN_OPEN_MALFORMED] = "malformed header",
	    [DCHAN_OPEN_CID] = "unknown connection id",
	    [DCHAN_OPEN_EPOCH] = "unknown key epoch",
	    [DCHAN_OPEN_LIMIT] = "counter past the key's limit",
	    [DCHAN_OPEN_AUTH] = "authentication failed",
	    [DCHAN_OPEN_REPLAY] = "replayed",
	    [DCHAN_OPEN_OLD] = "older than the replay window",
	};

	return (unsigned)r < DCHAN_OPEN_RESULTS ? words[r] : "?";
}
