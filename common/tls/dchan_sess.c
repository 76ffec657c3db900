/*
 * dchan_sess.c - one session's UDP data channel on one side (dchan_sess.h).
 * Invariants: nothing an unauthenticated datagram carries changes any
 * state but a drop counter (dchan_open checks before we look); the gateway
 * alone starts a re-key, installs its new receive key before announcing it
 * and switches its sender only on the client's answer; a previous receive
 * key lives DCHAN_OVERLAP_MS past the switch, then goes.
 */
#include <string.h>

#include "dchan_sess.h"

void dchan_timing_default(struct dchan_timing *t)
{
	t->probe_ms = 1000;
	t->keepalive_ms = 10000;
	t->reprobe_ms = 30000;
	t->pong_ms = 1000;
	t->fail_after = 3;
	t->rekey_ms = DCHAN_REKEY_MS;
}

static const struct dchan_secret *tx_half(const struct dchan_sess *s,
					  const struct dchan_epoch_keys *k)
{
	return s->side == DCHAN_SIDE_CLIENT ? &k->c2s : &k->s2c;
}

static const struct dchan_secret *rx_half(const struct dchan_sess *s,
					  const struct dchan_epoch_keys *k)
{
	return s->side == DCHAN_SIDE_CLIENT ? &k->s2c : &k->c2s;
}

int dchan_sess_init(struct dchan_sess *s, enum dchan_side side, enum dchan_aead aead, uint64_t cid,
		    const uint8_t secret[static DCHAN_SECRET_LEN], const struct dchan_timing *t,
		    uint64_t now)
{
	struct dchan_epoch_keys k;
	int rc = -1;

	memset(s, 0, sizeof(*s));
	s->side = side;
	s->aead = aead;
	s->cid = cid;
	s->t = *t;
	/* Never longer than the protocol's bound, never 0 (a re-key per turn). */
	if (s->t.rekey_ms == 0 || s->t.rekey_ms > DCHAN_REKEY_MS)
		s->t.rekey_ms = DCHAN_REKEY_MS;
	s->state = DCHAN_PROBING;
	s->epoch_since = now;
	s->next_ping = now;
	memcpy(s->secret, secret, DCHAN_SECRET_LEN);
	dchan_rx_init(&s->rx, cid);
	if (dchan_key_derive(aead, s->secret, &k) == 0 &&
	    dchan_tx_install(&s->tx, aead, cid, 0, tx_half(s, &k)) == 0 &&
	    dchan_rx_install(&s->rx, aead, 0, rx_half(s, &k)) == 0)
		rc = 0;
	dchan_key_wipe(&k);
	if (rc != 0)
		dchan_sess_deinit(s);
	return rc;
}

void dchan_sess_deinit(struct dchan_sess *s)
{
	dchan_tx_deinit(&s->tx);
	dchan_rx_deinit(&s->rx);
	explicit_bzero(s, sizeof(*s));
}

bool dchan_sess_udp(const struct dchan_sess *s)
{
	return s->state == DCHAN_UP && s->tx.k.live && s->tx.next < DCHAN_SEND_LIMIT &&
	       (s->side == DCHAN_SIDE_CLIENT || s->peer_known);
}

enum dchan_send dchan_sess_send(struct dchan_sess *s, const uint8_t *inner, size_t len,
				uint8_t *out, size_t cap, size_t *out_len)
{
	enum dchan_seal_result r;

	if (!dchan_sess_udp(s)) {
		s->sent_tls++;
		return DCHAN_SEND_TLS;
	}
	r = dchan_seal(&s->tx, DCHAN_DATA, inner, len, out, cap, out_len);
	if (r == DCHAN_SEAL_OK) {
		s->sent_udp++;
		return DCHAN_SEND_UDP;
	}
	s->send_errors++;
	return DCHAN_SEND_ERROR;
}

static void path_up(struct dchan_sess *s, uint64_t now)
{
	s->ping_out = false;
	s->lost = 0;
	if (s->state == DCHAN_FAILED)
		s->recoveries++;
	s->state = DCHAN_UP;
	s->next_ping = now + s->t.keepalive_ms;
}

static uint64_t id_of(const uint8_t *p)
{
	uint64_t v = 0;

	for (int i = 0; i < DCHAN_PING_ID_LEN; i++)
		v = v << 8 | p[i];
	return v;
}

static enum dchan_recv malformed(struct dchan_sess *s)
{
	s->rx.drops[DCHAN_OPEN_MALFORMED]++;
	return DCHAN_RECV_DROP;
}

enum dchan_recv dchan_sess_receive(struct dchan_sess *s, uint64_t now, uint8_t *d, size_t n,
				   uint8_t *reply, size_t cap, struct dchan_received *out)
{
	struct dchan_opened o;

	memset(out, 0, sizeof(*out));
	if (dchan_open(&s->rx, d, n, &o) != DCHAN_OPEN_OK)
		return DCHAN_RECV_DROP;
	/* Inner lengths are checked before anything moves: a genuine but
	 * malformed datagram is dropped whole. */
	if ((o.type == DCHAN_DATA && o.inner_len == 0) ||
	    (o.type == DCHAN_PING && o.inner_len < DCHAN_PING_ID_LEN) ||
	    (o.type == DCHAN_PONG && o.inner_len != DCHAN_PING_ID_LEN))
		return malformed(s);
	if (o.newest && s->side == DCHAN_SIDE_GATEWAY) {
		out->roam = true;
		if (!s->peer_known)
			s->next_ping = now;
		s->peer_known = true;
	}
	switch (o.type) {
	case DCHAN_DATA:
		s->delivered++;
		out->inner = o.inner;
		out->inner_len = o.inner_len;
		return DCHAN_RECV_DATA;
	case DCHAN_PING:
		/* Only the id comes back: a PONG is never larger than its PING. */
		if (dchan_seal(&s->tx, DCHAN_PONG, o.inner, DCHAN_PING_ID_LEN, reply, cap,
			       &out->reply_len) != DCHAN_SEAL_OK)
			return DCHAN_RECV_DONE;
		s->pongs_sent++;
		return DCHAN_RECV_REPLY;
	default:
		if (s->ping_out && id_of(o.inner) == s->ping_id) {
			path_up(s, now);
			if (s->mtu_on)
				dchan_probe_alive(&s->mtu, now);
		} else if (!s->mtu_on || !dchan_probe_pong(&s->mtu, id_of(o.inner), now)) {
			s->pongs_stale++;
		}
		return DCHAN_RECV_DONE;
	}
}

static uint64_t tx_or_rx_count(const struct dchan_sess *s)
{
	uint64_t rx = s->rx.cur.win.any ? s->rx.cur.win.top + 1 : 0;

	return s->tx.next > rx ? s->tx.next : rx;
}

/* The gateway's reasons to start a re-key: the epoch's age, or either
 * direction's counter (it sees the client's in its replay window). */
static bool rekey_due(const struct dchan_sess *s, uint64_t now)
{
	return s->side == DCHAN_SIDE_GATEWAY && s->rekey == DCHAN_REKEY_IDLE &&
	       (now >= s->epoch_since + s->t.rekey_ms || tx_or_rx_count(s) >= DCHAN_REKEY_AFTER);
}

/* Step the secret and derive the next epoch's keys into k. */
static int step(struct dchan_sess *s, uint32_t epoch, struct dchan_epoch_keys *k)
{
	if (dchan_key_next(s->secret, epoch) != 0)
		return -1;
	return dchan_key_derive(s->aead, s->secret, k);
}

static void rekey_start(struct dchan_sess *s, uint64_t now, struct dchan_actions *act)
{
	struct dchan_epoch_keys k;
	uint32_t next = s->epoch + 1;

	/* The new receive key first: the client may switch the moment it
	 * reads REKEY. The previous one stays until the answer + overlap. */
	if (step(s, next, &k) == 0 && dchan_rx_install(&s->rx, s->aead, next, rx_half(s, &k)) == 0) {
		s->pending_tx = *tx_half(s, &k);
		s->epoch = next;
		s->epoch_since = now;
		s->retire_at = 0;
		s->rekey = DCHAN_REKEY_SENT;
		act->rekey = true;
		act->rekey_epoch = next;
	} else {
		/* The secret may have stepped already: no way back to a
		 * consistent epoch, so no UDP for this session any more. */
		dchan_tx_deinit(&s->tx);
		s->rekey = DCHAN_REKEY_BROKEN;
	}
	dchan_key_wipe(&k);
}

int dchan_sess_on_rekey(struct dchan_sess *s, uint64_t now, uint32_t epoch)
{
	struct dchan_epoch_keys k;
	int rc = -1;

	if (s->side != DCHAN_SIDE_CLIENT || epoch != s->epoch + 1)
		return -1;
	if (step(s, epoch, &k) == 0 && dchan_rx_install(&s->rx, s->aead, epoch, rx_half(s, &k)) == 0 &&
	    dchan_tx_install(&s->tx, s->aead, s->cid, epoch, tx_half(s, &k)) == 0) {
		s->epoch = epoch;
		s->epoch_since = now;
		s->retire_at = now + DCHAN_OVERLAP_MS;
		s->rekeys++;
		rc = 0;
	}
	dchan_key_wipe(&k);
	return rc;
}

int dchan_sess_on_rekey_ack(struct dchan_sess *s, uint64_t now, uint32_t epoch)
{
	int rc;

	if (s->side != DCHAN_SIDE_GATEWAY || s->rekey != DCHAN_REKEY_SENT || epoch != s->epoch)
		return -1;
	rc = dchan_tx_install(&s->tx, s->aead, s->cid, epoch, &s->pending_tx);
	explicit_bzero(&s->pending_tx, sizeof(s->pending_tx));
	s->rekey = DCHAN_REKEY_IDLE;
	s->retire_at = now + DCHAN_OVERLAP_MS;
	s->rekeys++;
	return rc;
}

/* A side without a send key (a broken re-key) has nothing to probe with. */
static bool may_ping(const struct dchan_sess *s)
{
	return s->tx.k.live && (s->side == DCHAN_SIDE_CLIENT || s->peer_known);
}

static void ping_lost(struct dchan_sess *s, uint64_t now)
{
	s->ping_out = false;
	s->lost++;
	if (s->lost >= s->t.fail_after && s->state != DCHAN_FAILED) {
		if (s->state == DCHAN_UP)
			s->fallbacks++;
		s->state = DCHAN_FAILED;
	}
	s->next_ping = now + (s->state == DCHAN_FAILED ? s->t.reprobe_ms : s->t.probe_ms);
}

static void id_put(uint8_t *p, uint64_t id)
{
	for (int i = 0; i < DCHAN_PING_ID_LEN; i++)
		p[i] = (uint8_t)(id >> (8 * (DCHAN_PING_ID_LEN - 1 - i)));
}

static void ping_send(struct dchan_sess *s, uint64_t now, uint8_t *buf, size_t cap,
		      struct dchan_actions *act)
{
	uint8_t id[DCHAN_PING_ID_LEN];
	uint64_t next_id = s->ping_id + 1;

	id_put(id, next_id);
	if (dchan_seal(&s->tx, DCHAN_PING, id, sizeof(id), buf, cap, &act->ping_len) !=
	    DCHAN_SEAL_OK) {
		/* At the send limit or no room: try again later. */
		act->ping_len = 0;
		s->next_ping = now + s->t.probe_ms;
		return;
	}
	s->ping_id = next_id;
	s->ping_out = true;
	s->ping_sent = now;
	s->pings_sent++;
}

void dchan_sess_tick(struct dchan_sess *s, uint64_t now, uint8_t *buf, size_t cap,
		     struct dchan_actions *act)
{
	memset(act, 0, sizeof(*act));
	if (s->retire_at != 0 && now >= s->retire_at) {
		dchan_rx_retire_prev(&s->rx);
		s->retire_at = 0;
	}
	if (s->ping_out && now >= s->ping_sent + s->t.pong_ms)
		ping_lost(s, now);
	if (rekey_due(s, now))
		rekey_start(s, now, act);
	if (!s->ping_out && may_ping(s) && now >= s->next_ping)
		ping_send(s, now, buf, cap, act);
	if (s->mtu_on)
		(void)dchan_probe_tick(&s->mtu, now); /* dchan_sess_mtu() tells */
}

void dchan_sess_mtu_start(struct dchan_sess *s, size_t max, size_t floor, uint64_t now)
{
	dchan_probe_init(&s->mtu, max, floor, now);
	s->mtu_on = true;
}

void dchan_sess_mtu_ceiling(struct dchan_sess *s, size_t max)
{
	if (s->mtu_on)
		dchan_probe_ceiling(&s->mtu, max);
}

size_t dchan_sess_mtu_probe(struct dchan_sess *s, uint64_t now, uint8_t *buf, size_t cap)
{
	size_t size, len;
	uint64_t id;

	if (!s->mtu_on || s->state != DCHAN_UP || !may_ping(s))
		return 0;
	size = dchan_probe_due(&s->mtu, now);
	/* The padded PING is as long as a DATA datagram of that inner size;
	 * it is written where dchan_seal reads it (in place). */
	if (size < DCHAN_PING_ID_LEN || cap < DCHAN_MIN_LEN + size)
		return 0;
	id = UINT64_C(1) << 63 | ++s->mtu_ids;
	id_put(buf + DCHAN_HDR_LEN, id);
	memset(buf + DCHAN_HDR_LEN + DCHAN_PING_ID_LEN, 0, size - DCHAN_PING_ID_LEN);
	if (dchan_seal(&s->tx, DCHAN_PING, buf + DCHAN_HDR_LEN, size, buf, cap, &len) !=
	    DCHAN_SEAL_OK)
		return 0;
	dchan_probe_sent(&s->mtu, id, size, now);
	if (!s->ping_out)
		s->next_ping = now; /* the keepalive that says the path is alive */
	return len;
}

size_t dchan_sess_mtu(const struct dchan_sess *s)
{
	return s->mtu_on ? s->mtu.usable : SIZE_MAX;
}

static uint64_t min_u64(uint64_t a, uint64_t b)
{
	return a < b ? a : b;
}

uint64_t dchan_sess_next_timer(const struct dchan_sess *s)
{
	uint64_t t = UINT64_MAX;

	if (s->retire_at != 0)
		t = s->retire_at;
	if (s->ping_out)
		t = min_u64(t, s->ping_sent + s->t.pong_ms);
	else if (may_ping(s))
		t = min_u64(t, s->next_ping);
	if (s->mtu_on && s->mtu.size != 0)
		t = min_u64(t, s->mtu.sent_ms + DCHAN_PROBE_TIMEOUT_MS);
	else if (s->mtu_on && s->state == DCHAN_UP && may_ping(s))
		t = min_u64(t, s->mtu.next_ms);
	if (s->side == DCHAN_SIDE_GATEWAY && s->rekey == DCHAN_REKEY_IDLE)
		t = min_u64(t, tx_or_rx_count(s) >= DCHAN_REKEY_AFTER
				   ? 0
				   : s->epoch_since + s->t.rekey_ms);
	return t;
}

const char *dchan_state_name(enum dchan_state st)
{
	switch (st) {
	case DCHAN_PROBING:
		return "probing";
	case DCHAN_UP:
		return "up";
	case DCHAN_FAILED:
		return "failed";
	}
	return "?";
}
