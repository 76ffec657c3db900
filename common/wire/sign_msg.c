/*
 * sign_msg.c - the gateway-signer messages (sign_msg.h): a writer and a
 * reader over a bounded cursor, so every read checks its length first.
 */
#include "sign_msg.h"

#include <string.h>

struct wr {
	uint8_t *p;
	size_t cap, len;
	bool bad;
};

struct rd {
	const uint8_t *p;
	size_t len, off;
	bool bad;
};

static void put_u8(struct wr *w, uint8_t v)
{
	if (w->len + 1 > w->cap) {
		w->bad = true;
		return;
	}
	w->p[w->len++] = v;
}

static void put_u32(struct wr *w, uint32_t v)
{
	put_u8(w, (uint8_t)(v >> 24));
	put_u8(w, (uint8_t)(v >> 16));
	put_u8(w, (uint8_t)(v >> 8));
	put_u8(w, (uint8_t)v);
}

static void put_bytes(struct wr *w, const void *b, size_t n, size_t max)
{
	if (n > max || n > 0xffff || w->len + 2 + n > w->cap || (n > 0 && b == NULL)) {
		w->bad = true;
		return;
	}
	put_u8(w, (uint8_t)(n >> 8));
	put_u8(w, (uint8_t)n);
	if (n > 0)
		memcpy(w->p + w->len, b, n);
	w->len += n;
}

static bool text_ok(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			return false;
	return true;
}

/* A string field: its bytes without the NUL; cap is the struct's size. */
static void put_text(struct wr *w, const char *s, size_t cap)
{
	size_t n = strnlen(s, cap);

	if (n == cap || !text_ok(s, n)) {
		w->bad = true;
		return;
	}
	put_bytes(w, s, n, cap - 1);
}

static void put_header(struct wr *w, enum sign_kind kind)
{
	put_u8(w, SIGN_MSG_MAGIC);
	put_u8(w, SIGN_MSG_VERSION);
	put_u8(w, (uint8_t)kind);
	put_u8(w, 0);
	put_u32(w, 0); /* the length, once known */
}

static size_t finish(struct wr *w)
{
	if (w->bad || w->len > SIGN_MSG_MAX)
		return 0;
	w->p[4] = (uint8_t)(w->len >> 24);
	w->p[5] = (uint8_t)(w->len >> 16);
	w->p[6] = (uint8_t)(w->len >> 8);
	w->p[7] = (uint8_t)w->len;
	return w->len;
}

size_t sign_msg_req_encode(const struct sign_req *r, uint8_t *out, size_t cap)
{
	struct wr w = {.p = out, .cap = cap};

	if (r->kind != SIGN_KIND_ENROLL && r->kind != SIGN_KIND_RENEW)
		return 0;
	put_header(&w, r->kind);
	put_text(&w, r->identity, sizeof(r->identity));
	put_text(&w, r->token, sizeof(r->token));
	put_bytes(&w, r->csr, r->csr_len, SIGN_MSG_DER);
	put_bytes(&w, r->cur, r->cur_len, SIGN_MSG_DER);
	return finish(&w);
}

size_t sign_msg_answer_encode(const struct sign_answer *a, uint8_t *out, size_t cap)
{
	struct wr w = {.p = out, .cap = cap};

	if (a->status > SIGN_FAILED)
		return 0;
	put_header(&w, SIGN_KIND_ANSWER);
	put_u8(&w, (uint8_t)a->status);
	put_u8(&w, a->code);
	put_u8(&w, a->revoked_old ? 1 : 0);
	put_u8(&w, 0);
	put_u32(&w, a->lifetime);
	put_text(&w, a->identity, sizeof(a->identity));
	put_text(&w, a->group, sizeof(a->group));
	put_text(&w, a->serial, sizeof(a->serial));
	put_text(&w, a->old_serial, sizeof(a->old_serial));
	put_text(&w, a->why, sizeof(a->why));
	put_bytes(&w, a->cert, a->cert_len, SIGN_MSG_DER);
	return finish(&w);
}

static uint8_t get_u8(struct rd *r)
{
	if (r->off + 1 > r->len) {
		r->bad = true;
		return 0;
	}
	return r->p[r->off++];
}

static uint32_t get_u32(struct rd *r)
{
	uint32_t v = 0;

	for (int i = 0; i < 4; i++)
		v = v << 8 | get_u8(r);
	return v;
}

static const uint8_t *get_bytes(struct rd *r, size_t *n, size_t max)
{
	size_t l = (size_t)get_u8(r) << 8;
	const uint8_t *p;

	l |= get_u8(r);
	if (r->bad || l > max || r->off + l > r->len) {
		r->bad = true;
		*n = 0;
		return NULL;
	}
	p = r->p + r->off;
	r->off += l;
	*n = l;
	return l > 0 ? p : NULL;
}

static void get_text(struct rd *r, char *out, size_t cap)
{
	size_t n;
	const uint8_t *p = get_bytes(r, &n, cap - 1);

	if (p != NULL && !text_ok((const char *)p, n))
		r->bad = true;
	if (r->bad)
		n = 0;
	if (n > 0)
		memcpy(out, p, n);
	out[n] = '\0';
}

/* The header: the right magic, version and kind, and a length that is
 * exactly the message's. */
static bool header(struct rd *r, uint8_t *kind, const char **why)
{
	uint32_t total;

	if (r->len < SIGN_MSG_HDR || r->len > SIGN_MSG_MAX) {
		*why = "message length out of bounds";
		return false;
	}
	if (get_u8(r) != SIGN_MSG_MAGIC || get_u8(r) != SIGN_MSG_VERSION) {
		*why = "not a signer message of version 1";
		return false;
	}
	*kind = get_u8(r);
	if (get_u8(r) != 0) {
		*why = "reserved byte set";
		return false;
	}
	total = get_u32(r);
	if (total != r->len) {
		*why = "length field does not match the message";
		return false;
	}
	return true;
}

static bool done(struct rd *r, const char **why)
{
	if (r->bad) {
		*why = "a field runs past the message, is over its bound or holds a control byte";
		return false;
	}
	if (r->off != r->len) {
		*why = "bytes after the last field";
		return false;
	}
	return true;
}

bool sign_msg_req_decode(const uint8_t *in, size_t len, struct sign_req *out, const char **why)
{
	struct rd r = {.p = in, .len = len};
	uint8_t kind = 0;

	memset(out, 0, sizeof(*out));
	if (!header(&r, &kind, why))
		return false;
	if (kind != SIGN_KIND_ENROLL && kind != SIGN_KIND_RENEW) {
		*why = "not a request";
		return false;
	}
	out->kind = (enum sign_kind)kind;
	get_text(&r, out->identity, sizeof(out->identity));
	get_text(&r, out->token, sizeof(out->token));
	out->csr = get_bytes(&r, &out->csr_len, SIGN_MSG_DER);
	out->cur = get_bytes(&r, &out->cur_len, SIGN_MSG_DER);
	if (!done(&r, why)) {
		memset(out, 0, sizeof(*out));
		return false;
	}
	return true;
}

bool sign_msg_answer_decode(const uint8_t *in, size_t len, struct sign_answer *out,
			    const char **why)
{
	struct rd r = {.p = in, .len = len};
	uint8_t kind = 0, status, flags;

	memset(out, 0, sizeof(*out));
	if (!header(&r, &kind, why))
		return false;
	if (kind != SIGN_KIND_ANSWER) {
		*why = "not an answer";
		return false;
	}
	status = get_u8(&r);
	out->code = get_u8(&r);
	flags = get_u8(&r);
	out->revoked_old = flags == 1;
	if (get_u8(&r) != 0 || status > SIGN_FAILED || flags > 1) {
		*why = "bad status or flags";
		return false;
	}
	out->status = (enum sign_status)status;
	out->lifetime = get_u32(&r);
	get_text(&r, out->identity, sizeof(out->identity));
	get_text(&r, out->group, sizeof(out->group));
	get_text(&r, out->serial, sizeof(out->serial));
	get_text(&r, out->old_serial, sizeof(out->old_serial));
	get_text(&r, out->why, sizeof(out->why));
	out->cert = get_bytes(&r, &out->cert_len, SIGN_MSG_DER);
	if (!done(&r, why)) {
		memset(out, 0, sizeof(*out));
		return false;
	}
	return true;
}
