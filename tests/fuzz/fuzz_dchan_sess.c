/*
 * fuzz_dchan_sess.c - the gateway's data-channel core (dchan_sess.c) fed a
 * sequence of events the fuzzer picks: arbitrary datagrams, genuine ones
 * from a client core (possibly with one byte flipped), REKEY_ACK payloads
 * through their decoder, the clock moving, the client's PINGs and re-keys.
 * Checked on every step: nothing flipped or invented is ever delivered or
 * moves the peer, every drop is counted once, a PONG never outgrows its
 * PING, a REKEY_ACK is accepted only for the epoch outstanding, and the
 * client follows every re-key.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "dchan_msg.h"
#include "dchan_sess.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CID UINT64_C(0x1122334455667788)
#define DG 2048

static volatile uint8_t sink;

static uint64_t drops(const struct dchan_sess *s)
{
	uint64_t n = 0;

	for (int r = 0; r < DCHAN_OPEN_RESULTS; r++)
		n += s->rx.drops[r];
	return n;
}

/* One datagram to the gateway; genuine: sealed by the client unchanged.
 * A PONG goes back to the client. */
static void to_gateway(struct dchan_sess *g, struct dchan_sess *c, uint64_t now, uint8_t *d,
		       size_t n, bool genuine)
{
	static uint8_t reply[DG], back[DG];
	struct dchan_received r, cr;
	uint64_t before = drops(g);
	enum dchan_recv res = dchan_sess_receive(g, now, d, n, reply, sizeof(reply), &r);

	if (res == DCHAN_RECV_DROP) {
		if (drops(g) != before + 1 || r.roam)
			__builtin_trap();
		return;
	}
	if (drops(g) != before || !genuine)
		__builtin_trap();
	if (res == DCHAN_RECV_DATA) {
		if (r.inner < d || r.inner + r.inner_len > d + n)
			__builtin_trap();
		for (size_t i = 0; i < r.inner_len; i++)
			sink ^= r.inner[i];
	}
	if (res == DCHAN_RECV_REPLY) {
		if (r.reply_len > n)
			__builtin_trap();
		(void)dchan_sess_receive(c, now, reply, r.reply_len, back, sizeof(back), &cr);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t d[DG], buf[DG];
	static struct dchan_sess g, c;
	uint8_t secret[DCHAN_SECRET_LEN];
	struct dchan_timing t;
	enum dchan_aead aead;
	uint64_t now = 0;
	uint32_t outstanding = 0;
	size_t off = 1;

	if (size < 1)
		return 0;
	memset(secret, 0x5a, sizeof(secret));
	dchan_timing_default(&t);
	aead = data[0] & 1 ? DCHAN_CHACHA20POLY1305 : DCHAN_AES256GCM;
	if (dchan_sess_init(&g, DCHAN_SIDE_GATEWAY, aead, CID, secret, &t, 0) != 0 ||
	    dchan_sess_init(&c, DCHAN_SIDE_CLIENT, aead, CID, secret, &t, 0) != 0)
		__builtin_trap();
	while (size - off >= 3) {
		uint8_t op = data[off] % 6;
		size_t len = (size_t)(data[off + 1] << 8 | data[off + 2]) % DG, n, inner;
		struct dchan_actions act;
		uint32_t epoch;
		const char *why;

		off += 3;
		if (len > size - off)
			len = size - off;
		switch (op) {
		case 0: /* anything */
			memcpy(d, data + off, len);
			to_gateway(&g, &c, now, d, len, false);
			break;
		case 1: /* [type][flip][inner...] sealed by the client */
			if (len < 2)
				break;
			inner = len - 2 > DG - DCHAN_MIN_LEN ? DG - DCHAN_MIN_LEN : len - 2;
			if (dchan_seal(&c.tx, (uint8_t)(DCHAN_DATA + data[off] % 3), data + off + 2,
				       inner, d, sizeof(d), &n) != DCHAN_SEAL_OK)
				break;
			if (data[off + 1] != 0)
				d[data[off + 1] % n] ^= 0x80;
			to_gateway(&g, &c, now, d, n, data[off + 1] == 0);
			break;
		case 2: /* a REKEY_ACK payload, decoded first */
			if (dchan_msg_epoch_decode(data + off, len, &epoch, &why) != MSG_OK)
				break;
			if ((dchan_sess_on_rekey_ack(&g, now, epoch) == 0) !=
			    (outstanding != 0 && epoch == outstanding))
				__builtin_trap();
			if (epoch == outstanding)
				outstanding = 0;
			break;
		case 3: /* the clock moves; the gateway's timers */
			now += (len + 1) * 97;
			dchan_sess_tick(&g, now, buf, sizeof(buf), &act);
			if (act.ping_len)
				sink ^= buf[0];
			if (act.rekey) {
				if (outstanding != 0 || dchan_sess_on_rekey(&c, now, act.rekey_epoch) != 0)
					__builtin_trap();
				outstanding = act.rekey_epoch;
			}
			break;
		case 4: /* the client's answer arrives */
			if (outstanding != 0) {
				if (dchan_sess_on_rekey_ack(&g, now, outstanding) != 0)
					__builtin_trap();
				outstanding = 0;
			}
			break;
		default: /* the client's timers: its PING reaches the gateway */
			dchan_sess_tick(&c, now, buf, sizeof(buf), &act);
			if (act.rekey)
				__builtin_trap(); /* a client never starts one */
			if (act.ping_len)
				to_gateway(&g, &c, now, buf, act.ping_len, true);
			break;
		}
		off += len;
	}
	dchan_sess_deinit(&g);
	dchan_sess_deinit(&c);
	return 0;
}
