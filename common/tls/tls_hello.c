/*
 * tls_hello.c - the gateway's look at a client's first flight before wolfSSL
 * sees it: a ClientHello that can only fail is refused here, with the alert
 * the RFCs name, because wolfSSL 5.5.4 gets both cases wrong (docs/protocol.md,
 * "TLS"). Pure: bytes in, a verdict out. Anything it cannot read
 * (another record type, a hello spread over records, malformed lengths) is
 * passed on for wolfSSL to judge, so this check can refuse but never admit.
 */
#include <string.h>

#include "buf.h"
#include "dchan_cont.h"
#include "proto.h"
#include "tls_internal.h"

#define REC_HANDSHAKE 22
#define HS_CLIENT_HELLO 1
#define EXT_SUPPORTED_GROUPS 10
#define EXT_ALPN 16
#define EXT_PSK_MODES 45
#define PSK_DHE_KE 1 /* psk_key_exchange_modes: PSK with (EC)DHE */

/* A bounded cursor over the hello: every read checks the length first. */
struct rd {
	const uint8_t *p;
	size_t left;
};

static bool rd_skip(struct rd *r, size_t n)
{
	if (r->left < n)
		return false;
	r->p += n;
	r->left -= n;
	return true;
}

/* A length-prefixed vector (1 or 2 length bytes) as a cursor of its own. */
static bool rd_vec(struct rd *r, size_t len_bytes, struct rd *out)
{
	size_t n;

	if (r->left < len_bytes)
		return false;
	n = len_bytes == 1 ? r->p[0] : buf_get16(r->p);
	r->p += len_bytes;
	r->left -= len_bytes;
	if (r->left < n)
		return false;
	out->p = r->p;
	out->left = n;
	return rd_skip(r, n);
}

static bool offers_our_group(struct rd list, const int *groups, size_t n_groups)
{
	while (list.left >= 2) {
		uint16_t g = buf_get16(list.p);

		for (size_t i = 0; i < n_groups; i++)
			if (groups[i] == g)
				return true;
		(void)rd_skip(&list, 2);
	}
	return false;
}

static bool offers_alpn(struct rd list, const char *proto)
{
	struct rd name;

	while (rd_vec(&list, 1, &name))
		if (name.left == strlen(proto) && memcmp(name.p, proto, name.left) == 0)
			return true;
	return false;
}

/* What one pass over a ClientHello saw. read: the hello was there whole
 * and well-formed up to its extensions' end. */
struct hello_seen {
	bool read, groups, alpn, our_group, our_alpn, http_alpn, psk_dhe, cont_alpn;
};

static bool offers_psk_dhe(struct rd list)
{
	for (; list.left > 0; (void)rd_skip(&list, 1))
		if (list.p[0] == PSK_DHE_KE)
			return true;
	return false;
}

/* NEED_MORE while the first record is incomplete, else PASS with *seen
 * filled (seen->read false if it is not a ClientHello we can read). */
static enum tls_hello hello_walk(const uint8_t *p, size_t len, const int *groups,
				 size_t n_groups, struct hello_seen *seen)
{
	struct rd rec, r = {p, len}, exts, ext;
	size_t hs_len;

	memset(seen, 0, sizeof(*seen));
	if (len < 5)
		return len > 0 && p[0] != REC_HANDSHAKE ? TLS_HELLO_PASS : TLS_HELLO_NEED_MORE;
	if (p[0] != REC_HANDSHAKE)
		return TLS_HELLO_PASS;
	(void)rd_skip(&r, 3);
	if (buf_get16(r.p) > len - 5)
		return TLS_HELLO_NEED_MORE;
	if (!rd_vec(&r, 2, &rec) || rec.left < 4 || rec.p[0] != HS_CLIENT_HELLO)
		return TLS_HELLO_PASS;
	hs_len = (size_t)rec.p[1] << 16 | (size_t)rec.p[2] << 8 | rec.p[3];
	(void)rd_skip(&rec, 4);
	if (hs_len > rec.left)
		return TLS_HELLO_PASS; /* continued in the next record */
	rec.left = hs_len;
	/* legacy_version, random, session id, suites, compression methods */
	if (!rd_skip(&rec, 2 + 32) || !rd_vec(&rec, 1, &ext) || !rd_vec(&rec, 2, &ext) ||
	    !rd_vec(&rec, 1, &ext) || !rd_vec(&rec, 2, &exts))
		return TLS_HELLO_PASS;
	while (exts.left > 0) {
		uint16_t type;
		struct rd list;

		if (exts.left < 4)
			return TLS_HELLO_PASS;
		type = buf_get16(exts.p);
		(void)rd_skip(&exts, 2);
		if (!rd_vec(&exts, 2, &ext))
			return TLS_HELLO_PASS;
		if (type == EXT_SUPPORTED_GROUPS) {
			if (seen->groups || !rd_vec(&ext, 2, &list))
				return TLS_HELLO_PASS;
			seen->groups = true;
			seen->our_group = offers_our_group(list, groups, n_groups);
		} else if (type == EXT_ALPN) {
			if (seen->alpn || !rd_vec(&ext, 2, &list))
				return TLS_HELLO_PASS;
			seen->alpn = true;
			seen->our_alpn = offers_alpn(list, PROTO_ALPN);
			seen->http_alpn = offers_alpn(list, "http/1.1");
			seen->cont_alpn = offers_alpn(list, DCHAN_CONT_ALPN);
		} else if (type == EXT_PSK_MODES) {
			if (!rd_vec(&ext, 1, &list))
				return TLS_HELLO_PASS;
			seen->psk_dhe = offers_psk_dhe(list);
		}
	}
	seen->read = true;
	return TLS_HELLO_PASS;
}

enum tls_hello tls_hello_check(const uint8_t *p, size_t len, const int *groups, size_t n_groups)
{
	struct hello_seen seen;

	if (hello_walk(p, len, groups, n_groups, &seen) == TLS_HELLO_NEED_MORE)
		return TLS_HELLO_NEED_MORE;
	if (!seen.read)
		return TLS_HELLO_PASS;
	/* Without supported_groups there is no TLS 1.3 key exchange at all,
	 * which wolfSSL refuses correctly. */
	if (seen.groups && !seen.our_group)
		return TLS_HELLO_NO_GROUP;
	if (!seen.our_alpn)
		return !seen.alpn || seen.http_alpn ? TLS_HELLO_HTTP : TLS_HELLO_NO_ALPN;
	return TLS_HELLO_PASS;
}

bool tls_hello_offers_psk_dhe(const uint8_t *p, size_t len)
{
	struct hello_seen seen;

	return hello_walk(p, len, NULL, 0, &seen) == TLS_HELLO_PASS && seen.read && seen.psk_dhe;
}

bool tls_hello_offers_continue(const uint8_t *p, size_t len)
{
	struct hello_seen seen;

	return hello_walk(p, len, NULL, 0, &seen) == TLS_HELLO_PASS && seen.read && seen.cont_alpn;
}
