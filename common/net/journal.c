/*
 * journal.c - the undo journal's bytes. A file is JOURNAL_MAGIC, then
 * records back to back, each a big-endian u32 body length, the body, and a
 * CRC-32 of the body. A body is u8 kind, u32 seq, then the kind's fields.
 * Records are only ever appended, so after a crash the last one may be cut
 * short: that is JOURNAL_TORN, and everything before it still counts.
 */
#include "journal.h"

#include <string.h>
#include <sys/socket.h>

#include "errbuf.h"

#define REC_OVERHEAD 8u /* length + CRC */

static uint32_t crc32(const uint8_t *p, size_t len)
{
	uint32_t c = 0xffffffffu;

	for (size_t i = 0; i < len; i++) {
		c ^= p[i];
		for (int k = 0; k < 8; k++)
			c = (c >> 1) ^ (0xedb88320u & (0u - (c & 1u)));
	}
	return ~c;
}

/* ---- writing: a cursor that only counts when out is NULL ---- */

struct wr {
	uint8_t *out;
	size_t len;
};

static void put(struct wr *w, const void *p, size_t n)
{
	if (w->out != NULL && n > 0)
		memcpy(w->out + w->len, p, n);
	w->len += n;
}

static void put_u8(struct wr *w, unsigned v)
{
	uint8_t b = (uint8_t)v;
	put(w, &b, 1);
}

static void put_u32(struct wr *w, uint32_t v)
{
	uint8_t b[4] = {(uint8_t)(v >> 24), (uint8_t)(v >> 16), (uint8_t)(v >> 8), (uint8_t)v};
	put(w, b, 4);
}

static void put_str8(struct wr *w, const char *s)
{
	size_t n = strlen(s);
	put_u8(w, (unsigned)n);
	put(w, s, n);
}

static void put_addr(struct wr *w, const struct ipaddr *a)
{
	put_u8(w, a->family == AF_INET ? 4 : a->family == AF_INET6 ? 6 : 0);
	put(w, a->bytes, 16);
}

static void put_blob(struct wr *w, const uint8_t *p, size_t n)
{
	put_u32(w, (uint32_t)n);
	put(w, p, n);
}

static bool family_ok(const struct ipaddr *a, bool may_be_unset)
{
	return a->family == AF_INET || a->family == AF_INET6 || (may_be_unset && a->family == 0);
}

static bool check(const struct journal_rec *r, char *err, size_t errlen)
{
	size_t il = strnlen(r->ifname, sizeof(r->ifname));

	if (r->kind != JOURNAL_DONE && (il == 0 || il >= IFNAMSIZ)) {
		errbuf_set(err, errlen, "record without an interface name");
		return false;
	}
	switch (r->kind) {
	case JOURNAL_OWNER:
	case JOURNAL_RESOLVED:
	case JOURNAL_NFT_TABLE:
	case JOURNAL_DONE:
		return true;
	case JOURNAL_ADDR:
	case JOURNAL_ROUTE:
	case JOURNAL_UNREACH:
		if (!family_ok(&r->prefix.addr, false) ||
		    r->prefix.len > addr_len(&r->prefix.addr) * 8 ||
		    (r->kind == JOURNAL_ROUTE && !family_ok(&r->via, true))) {
			errbuf_set(err, errlen, "address or route with a bad address");
			return false;
		}
		return true;
	case JOURNAL_RESOLV_FILE:
		if (r->orig > JOURNAL_ORIG_SYMLINK ||
		    strnlen(r->link, sizeof(r->link)) >= sizeof(r->link) ||
		    (r->orig == JOURNAL_ORIG_SYMLINK && r->link[0] == '\0') ||
		    r->orig_len > JOURNAL_BLOB_MAX || r->written_len > JOURNAL_BLOB_MAX) {
			errbuf_set(err, errlen, "resolv.conf record out of bounds");
			return false;
		}
		return true;
	}
	errbuf_set(err, errlen, "unknown record kind %d", (int)r->kind);
	return false;
}

static void body(struct wr *w, const struct journal_rec *r)
{
	put_u8(w, (unsigned)r->kind);
	put_u32(w, r->seq);
	switch (r->kind) {
	case JOURNAL_OWNER:
		put_u32(w, r->pid);
		put_str8(w, r->ifname);
		break;
	case JOURNAL_ADDR:
	case JOURNAL_ROUTE:
	case JOURNAL_UNREACH:
		put_str8(w, r->ifname);
		put_addr(w, &r->prefix.addr);
		put_u8(w, r->prefix.len);
		if (r->kind == JOURNAL_ROUTE)
			put_addr(w, &r->via);
		break;
	case JOURNAL_RESOLVED:
	case JOURNAL_NFT_TABLE:
		put_str8(w, r->ifname);
		break;
	case JOURNAL_RESOLV_FILE:
		put_str8(w, r->ifname);
		put_u8(w, (unsigned)r->orig);
		put_blob(w, (const uint8_t *)r->link,
			 r->orig == JOURNAL_ORIG_SYMLINK ? strlen(r->link) : 0);
		put_blob(w, r->orig_data, r->orig == JOURNAL_ORIG_FILE ? r->orig_len : 0);
		put_blob(w, r->written, r->written_len);
		break;
	case JOURNAL_DONE:
		put_u32(w, r->done_seq);
		break;
	}
}

size_t journal_encoded_len(const struct journal_rec *r, char *err, size_t errlen)
{
	struct wr w = {NULL, 0};

	if (!check(r, err, errlen))
		return 0;
	body(&w, r);
	return w.len + REC_OVERHEAD;
}

size_t journal_encode(const struct journal_rec *r, uint8_t *out, size_t cap, char *err,
		      size_t errlen)
{
	size_t need = journal_encoded_len(r, err, errlen);
	struct wr w = {out, 4};

	if (need == 0)
		return 0;
	if (need > cap) {
		errbuf_set(err, errlen, "record needs %zu bytes, %zu available", need, cap);
		return 0;
	}
	body(&w, r);
	w.len = 0;
	put_u32(&w, (uint32_t)(need - REC_OVERHEAD));
	w.len = need - 4;
	put_u32(&w, crc32(out + 4, need - REC_OVERHEAD));
	return need;
}

/* ---- reading: length first, then copy into aligned locals ---- */

struct rd {
	const uint8_t *p;
	size_t len, off;
	bool bad;
};

static const uint8_t *take(struct rd *r, size_t n)
{
	const uint8_t *at;

	if (r->bad || n > r->len - r->off) {
		r->bad = true;
		return NULL;
	}
	at = r->p + r->off;
	r->off += n;
	return at;
}

static unsigned get_u8(struct rd *r)
{
	const uint8_t *b = take(r, 1);
	return b ? b[0] : 0;
}

static uint32_t get_u32(struct rd *r)
{
	const uint8_t *b = take(r, 4);
	return b ? (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3] : 0;
}

static void get_str(struct rd *r, char *out, size_t cap, size_t n)
{
	const uint8_t *b;

	if (n >= cap) {
		r->bad = true;
		return;
	}
	b = take(r, n);
	if (b == NULL)
		return;
	memcpy(out, b, n);
	out[n] = '\0';
	if (strlen(out) != n)
		r->bad = true; /* a NUL inside */
}

static void get_addr(struct rd *r, struct ipaddr *a)
{
	unsigned fam = get_u8(r);
	const uint8_t *b = take(r, 16);

	memset(a, 0, sizeof(*a));
	if (b == NULL)
		return;
	if (fam == 4)
		a->family = AF_INET;
	else if (fam == 6)
		a->family = AF_INET6;
	else if (fam != 0)
		r->bad = true;
	memcpy(a->bytes, b, 16);
}

static const uint8_t *get_blob(struct rd *r, size_t *n)
{
	*n = get_u32(r);
	if (*n > JOURNAL_BLOB_MAX)
		r->bad = true;
	return take(r, *n);
}

enum journal_result journal_decode_start(const uint8_t *p, size_t len, size_t *off)
{
	*off = 0;
	if (len == 0)
		return JOURNAL_END;
	if (memcmp(p, JOURNAL_MAGIC, len < JOURNAL_MAGIC_LEN ? len : JOURNAL_MAGIC_LEN) != 0)
		return JOURNAL_MALFORMED;
	if (len < JOURNAL_MAGIC_LEN)
		return JOURNAL_TORN;
	*off = JOURNAL_MAGIC_LEN;
	return JOURNAL_OK;
}

enum journal_result journal_decode_next(const uint8_t *p, size_t len, size_t *off,
					struct journal_rec *out, char *err, size_t errlen)
{
	struct rd r = {p, 0, 0, false};
	size_t blen, l;

	if (*off >= len)
		return JOURNAL_END;
	if (len - *off < 4)
		return JOURNAL_TORN;
	r.p = p + *off;
	r.len = len - *off;
	blen = get_u32(&r);
	if (blen < 5 || blen > JOURNAL_BODY_MAX) {
		errbuf_set(err, errlen, "record of %zu bytes at offset %zu", blen, *off);
		return JOURNAL_MALFORMED;
	}
	if (r.len - 4 < blen + 4)
		return JOURNAL_TORN;
	if (crc32(r.p + 4, blen) != get_u32(&(struct rd){r.p + 4 + blen, 4, 0, false})) {
		errbuf_set(err, errlen, "record at offset %zu fails its checksum", *off);
		return JOURNAL_MALFORMED;
	}
	/* From here on only the body: nothing may read past it. */
	r.len = 4 + blen;
	memset(out, 0, sizeof(*out));
	out->kind = (enum journal_kind)get_u8(&r);
	out->seq = get_u32(&r);
	switch (out->kind) {
	case JOURNAL_OWNER:
		out->pid = get_u32(&r);
		get_str(&r, out->ifname, sizeof(out->ifname), get_u8(&r));
		break;
	case JOURNAL_ADDR:
	case JOURNAL_ROUTE:
	case JOURNAL_UNREACH:
		get_str(&r, out->ifname, sizeof(out->ifname), get_u8(&r));
		get_addr(&r, &out->prefix.addr);
		out->prefix.len = (uint8_t)get_u8(&r);
		if (out->kind == JOURNAL_ROUTE)
			get_addr(&r, &out->via);
		break;
	case JOURNAL_RESOLVED:
	case JOURNAL_NFT_TABLE:
		get_str(&r, out->ifname, sizeof(out->ifname), get_u8(&r));
		break;
	case JOURNAL_RESOLV_FILE:
		get_str(&r, out->ifname, sizeof(out->ifname), get_u8(&r));
		out->orig = (enum journal_orig)get_u8(&r);
		l = get_u32(&r);
		get_str(&r, out->link, sizeof(out->link), l);
		out->orig_data = get_blob(&r, &out->orig_len);
		out->written = get_blob(&r, &out->written_len);
		if ((out->orig == JOURNAL_ORIG_SYMLINK) != (out->link[0] != '\0') ||
		    (out->orig != JOURNAL_ORIG_FILE && out->orig_len > 0))
			r.bad = true;
		break;
	case JOURNAL_DONE:
		out->done_seq = get_u32(&r);
		break;
	default:
		r.bad = true;
		break;
	}
	if (r.bad || r.off != r.len || !check(out, NULL, 0)) {
		errbuf_set(err, errlen, "record at offset %zu is not a valid journal record", *off);
		return JOURNAL_MALFORMED;
	}
	*off += REC_OVERHEAD + blen;
	return JOURNAL_OK;
}

size_t journal_replay_order(const struct journal_rec *recs, size_t n, size_t *order)
{
	size_t k = 0;

	for (size_t i = n; i-- > 0;) {
		bool done = recs[i].kind == JOURNAL_DONE || recs[i].kind == JOURNAL_OWNER;

		/* Only a later DONE can undo a record: it is written after. */
		for (size_t j = i + 1; j < n && !done; j++)
			done = recs[j].kind == JOURNAL_DONE && recs[j].done_seq == recs[i].seq;
		if (!done)
			order[k++] = i;
	}
	return k;
}
