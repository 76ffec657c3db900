/*
 * fuzz_udp_open.c - arbitrary bytes as UDP data-channel datagrams against
 * a receiver with fixed keys (epochs 0 and 1, both AEADs by the first
 * byte's low bit). The input is cut into datagrams by 2-byte lengths, so
 * one run feeds a sequence and the replay window sees reordering. Every
 * other datagram is first sealed genuinely from the fuzzer's bytes (with a
 * counter the fuzzer picks) and then, if the fuzzer says so, one byte is
 * flipped: a genuine one must open to the bytes sealed (or be a replay or
 * too old), a flipped one must never open. Nothing opened may lie outside
 * the datagram.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "dchan_crypt.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CID UINT64_C(0x1122334455667788)

static volatile uint8_t sink;

static void setup(enum dchan_aead aead, struct dchan_tx *tx, struct dchan_rx *rx)
{
	uint8_t secret[DCHAN_SECRET_LEN];
	struct dchan_epoch_keys k;

	memset(secret, 0x42, sizeof(secret));
	memset(tx, 0, sizeof(*tx));
	dchan_rx_init(rx, CID);
	if (dchan_key_derive(aead, secret, &k) != 0 || dchan_rx_install(rx, aead, 0, &k.c2s) != 0 ||
	    dchan_key_next(secret, 1) != 0 || dchan_key_derive(aead, secret, &k) != 0 ||
	    dchan_rx_install(rx, aead, 1, &k.c2s) != 0 ||
	    dchan_tx_install(tx, aead, CID, 1, &k.c2s) != 0)
		__builtin_trap();
	dchan_key_wipe(&k);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t d[DCHAN_MIN_LEN + 2048];
	static struct dchan_tx tx;
	static struct dchan_rx rx;
	size_t off = 1;
	bool genuine = false;

	if (size < 1)
		return 0;
	setup(data[0] & 1 ? DCHAN_CHACHA20POLY1305 : DCHAN_AES256GCM, &tx, &rx);
	while (size - off >= 2) {
		size_t len = (size_t)(data[off] << 8 | data[off + 1]) % sizeof(d), n = len;
		struct dchan_opened o;
		enum dchan_open_result r;
		bool flipped = false;

		off += 2;
		if (len > size - off)
			len = n = size - off;
		genuine = !genuine;
		if (genuine && len >= 3) {
			/* [counter byte][flip position byte][inner...] */
			size_t inner = len - 2;

			if (inner > sizeof(d) - DCHAN_MIN_LEN)
				inner = sizeof(d) - DCHAN_MIN_LEN;

			tx.next = data[off];
			memcpy(d + DCHAN_HDR_LEN, data + off + 2, inner);
			if (dchan_seal(&tx, DCHAN_DATA, d + DCHAN_HDR_LEN, inner, d, sizeof(d),
				       &n) != DCHAN_SEAL_OK)
				__builtin_trap();
			if (data[off + 1] != 0) {
				d[data[off + 1] % n] ^= 0x01;
				flipped = true;
			}
			r = dchan_open(&rx, d, n, &o);
			if (flipped && r == DCHAN_OPEN_OK)
				__builtin_trap();
			if (!flipped && r != DCHAN_OPEN_OK && r != DCHAN_OPEN_REPLAY &&
			    r != DCHAN_OPEN_OLD)
				__builtin_trap();
			if (r == DCHAN_OPEN_OK &&
			    (o.inner_len != inner || memcmp(o.inner, data + off + 2, inner) != 0))
				__builtin_trap();
		} else {
			memcpy(d, data + off, len);
			r = dchan_open(&rx, d, n, &o);
			if (r == DCHAN_OPEN_OK) {
				if (o.inner != d + DCHAN_HDR_LEN ||
				    o.inner_len != n - DCHAN_MIN_LEN)
					__builtin_trap();
				for (size_t i = 0; i < o.inner_len; i++)
					sink ^= o.inner[i];
			}
		}
		off += len;
	}
	dchan_tx_deinit(&tx);
	dchan_rx_deinit(&rx);
	return 0;
}
