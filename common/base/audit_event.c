/*
 * audit_event.c - an audit event as a JSON line and as journald fields.
 * One walk over the event (audit_walk) names every field once, with its
 * JSON key and its journald name; the sinks below turn it into either form,
 * so the two never disagree on what an event holds.
 */
#include "audit_event.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "jsonw.h"

static const struct {
	const char *name;
	const char *id;
	int priority; /* syslog: 5 notice, 6 info */
} audit_types[AUDIT_TYPE_N] = {
    [AUDIT_CONNECT] = {"connect", "9f6d475255a14d2592593b1c39efd362", 6},
    [AUDIT_DISCONNECT] = {"disconnect", "553a6fd13ba74df583f762d23b0b9d7a", 6},
    [AUDIT_REFUSED] = {"refused", "b7164744a1124ec7bf67abbf789e7f12", 5},
    [AUDIT_REFUSED_SUMMARY] = {"refused_summary", "9d3463754cda4943bd5ef58a6205b017", 5},
    [AUDIT_REVOKED] = {"revoked", "5028f18570134bf5aab3a7a891cde8b7", 5},
    [AUDIT_RELOAD] = {"reload", "6594d292350949979d1e296ac1824a20", 5},
    [AUDIT_CONTROL] = {"control", "71107fd308bc44cca104427b8af3c712", 5},
    [AUDIT_ENROLL] = {"enroll", "ea16fea1b0d84d69987287ce08cd0ef7", 5},
    [AUDIT_ENROLL_REFUSED] = {"enroll_refused", "d0d4fd5158a9403db90d9d2ef2861ce8", 5},
    [AUDIT_CONTINUE] = {"continue", "9ab1df7b8abd496ea6d5d67c1f5d5023", 6},
    [AUDIT_CONTINUE_REFUSED] = {"continue_refused", "faf9220f41534cb68cbf679cbcfc1101", 5},
};

const char *audit_event_name(enum audit_type t)
{
	return (unsigned)t < AUDIT_TYPE_N ? audit_types[t].name : NULL;
}

const char *audit_event_message_id(enum audit_type t)
{
	return (unsigned)t < AUDIT_TYPE_N ? audit_types[t].id : NULL;
}

/* Where the walk's fields go. */
struct audit_sink {
	void (*str)(struct audit_sink *k, const char *key, const char *jname, const char *v);
	void (*num)(struct audit_sink *k, const char *key, const char *jname, uint64_t v);
};

static void put_str(struct audit_sink *k, const char *key, const char *jname, const char *v)
{
	if (v != NULL)
		k->str(k, key, jname, v);
}

static void put_u64(struct audit_sink *k, const char *key, const char *jname, uint64_t v)
{
	k->num(k, key, jname, v);
}

/* "203.0.113.4:50122" -> "203.0.113.4" and 50122; "[2001:db8::4]:443" ->
 * "2001:db8::4" and 443. Anything else is an address without a port. */
static void split_remote(const char *remote, char *addr, size_t cap, long *port)
{
	const char *colon, *end = NULL;
	char *tail;

	*port = -1;
	if (remote[0] == '[' && (end = strchr(remote, ']')) != NULL && end[1] == ':') {
		snprintf(addr, cap, "%.*s", (int)(end - remote - 1), remote + 1);
		colon = end + 1;
	} else if ((colon = strrchr(remote, ':')) != NULL && strchr(remote, ':') == colon) {
		snprintf(addr, cap, "%.*s", (int)(colon - remote), remote);
	} else {
		snprintf(addr, cap, "%s", remote);
		return;
	}
	*port = strtol(colon + 1, &tail, 10);
	if (colon[1] == '\0' || *tail != '\0' || *port < 0 || *port > 65535) {
		snprintf(addr, cap, "%s", remote);
		*port = -1;
	}
}

static void audit_walk(const struct audit_event *e, struct audit_sink *k)
{
	char addr[96], when[40];
	struct tm tm;
	time_t secs = (time_t)(e->time_us / 1000000);
	long port = -1;
	size_t n;

	gmtime_r(&secs, &tm);
	n = strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(when + n, sizeof(when) - n, ".%06" PRId64 "Z", e->time_us % 1000000);

	put_str(k, "event", "MTLSVPN_EVENT", audit_types[e->type].name);
	put_str(k, "time", "MTLSVPN_TIME", when);
	if (e->sid != 0)
		put_u64(k, "sid", "MTLSVPN_SID", e->sid);
	put_str(k, "identity", "MTLSVPN_IDENTITY", e->identity);
	put_str(k, "serial", "MTLSVPN_SERIAL", e->serial);
	put_str(k, "fingerprint", "MTLSVPN_FINGERPRINT", e->fingerprint);
	put_str(k, "group", "MTLSVPN_GROUP", e->group);
	if (e->remote != NULL) {
		split_remote(e->remote, addr, sizeof(addr), &port);
		put_str(k, "remote_addr", "MTLSVPN_REMOTE_ADDR", addr);
		if (port >= 0)
			put_u64(k, "remote_port", "MTLSVPN_REMOTE_PORT", (uint64_t)port);
	}
	if (e->prev_remote != NULL) {
		split_remote(e->prev_remote, addr, sizeof(addr), &port);
		put_str(k, "previous_remote_addr", "MTLSVPN_PREVIOUS_REMOTE_ADDR", addr);
		if (port >= 0)
			put_u64(k, "previous_remote_port", "MTLSVPN_PREVIOUS_REMOTE_PORT",
				(uint64_t)port);
	}
	put_str(k, "cid", "MTLSVPN_CID", e->cid);
	put_str(k, "tunnel_ipv4", "MTLSVPN_TUNNEL_IPV4", e->tunnel4);
	put_str(k, "tunnel_ipv6", "MTLSVPN_TUNNEL_IPV6", e->tunnel6);
	if (e->has_traffic) {
		put_u64(k, "rx_bytes", "MTLSVPN_RX_BYTES", e->rx_bytes);
		put_u64(k, "rx_packets", "MTLSVPN_RX_PACKETS", e->rx_packets);
		put_u64(k, "tx_bytes", "MTLSVPN_TX_BYTES", e->tx_bytes);
		put_u64(k, "tx_packets", "MTLSVPN_TX_PACKETS", e->tx_packets);
		put_u64(k, "duration_ms", "MTLSVPN_DURATION_MS", e->duration_ms);
	}
	put_str(k, "reason", "MTLSVPN_REASON", e->reason);
	put_str(k, "reason_code", "MTLSVPN_REASON_CODE", e->reason_code);
	put_str(k, "trigger", "MTLSVPN_TRIGGER", e->trigger);
	put_str(k, "command", "MTLSVPN_COMMAND", e->command);
	put_str(k, "result", "MTLSVPN_RESULT", e->result);
	if (e->has_caller) {
		put_u64(k, "caller_uid", "MTLSVPN_CALLER_UID", e->caller_uid);
		if (e->caller_pid >= 0)
			put_u64(k, "caller_pid", "MTLSVPN_CALLER_PID", (uint64_t)e->caller_pid);
	}
	if (e->has_count) {
		put_u64(k, "count", "MTLSVPN_COUNT", e->count);
		put_u64(k, "held", "MTLSVPN_HELD", e->held);
	}
}

/* --- JSON ---------------------------------------------------------------- */

struct json_sink {
	struct audit_sink k;
	struct jsonw w;
};

static void json_str(struct audit_sink *k, const char *key, const char *jname, const char *v)
{
	(void)jname;
	jsonw_str(&((struct json_sink *)k)->w, key, v);
}

static void json_num(struct audit_sink *k, const char *key, const char *jname, uint64_t v)
{
	(void)jname;
	jsonw_u64(&((struct json_sink *)k)->w, key, v);
}

size_t audit_event_json(const struct audit_event *e, char *out, size_t cap)
{
	struct json_sink s = {.k = {json_str, json_num}};
	const char *doc;
	size_t len = 0;

	if ((unsigned)e->type >= AUDIT_TYPE_N || cap < 2)
		return 0;
	jsonw_init(&s.w, cap - 2);
	jsonw_obj_begin(&s.w, NULL);
	audit_walk(e, &s.k);
	jsonw_obj_end(&s.w);
	if (jsonw_finish(&s.w, &doc, &len) && len + 2 <= cap) {
		memcpy(out, doc, len);
		out[len++] = '\n';
		out[len] = '\0';
	} else {
		len = 0;
	}
	jsonw_deinit(&s.w);
	return len;
}

/* --- journald ------------------------------------------------------------ */

struct journal_sink {
	struct audit_sink k;
	struct audit_fields *f;
	bool failed;
	char msg[1024]; /* MESSAGE: the event's words as key=value pairs */
	size_t msg_len;
};

static void journal_add(struct journal_sink *s, const char *jname, const char *v)
{
	struct audit_fields *f = s->f;
	size_t nl = strlen(jname), vl = strlen(v);

	if (f->n >= AUDIT_FIELDS_MAX || f->used + nl + 1 + vl > sizeof(f->buf)) {
		s->failed = true;
		return;
	}
	memcpy(f->buf + f->used, jname, nl);
	f->buf[f->used + nl] = '=';
	memcpy(f->buf + f->used + nl + 1, v, vl);
	f->iov[f->n].iov_base = f->buf + f->used;
	f->iov[f->n].iov_len = nl + 1 + vl;
	f->n++;
	f->used += nl + 1 + vl;
}

/* The human line: event first, then key=value; a string in quotes with
 * '"', '\' and control bytes escaped, cut at the buffer's end. */
static void msg_add(struct journal_sink *s, const char *key, const char *v, bool quote)
{
	size_t cap = sizeof(s->msg), *n = &s->msg_len;
	int w;

	if (strcmp(key, "event") == 0 || strcmp(key, "time") == 0)
		return;
	w = snprintf(s->msg + *n, cap - *n, " %s=%s", key, quote ? "\"" : "");
	if (w < 0 || (size_t)w >= cap - *n) {
		*n = cap - 1;
		return;
	}
	*n += (size_t)w;
	for (; *v != '\0' && *n + 5 < cap; v++) {
		unsigned char c = (unsigned char)*v;

		if (c < 0x20 || c == 0x7f)
			*n += (size_t)snprintf(s->msg + *n, cap - *n, "\\x%02x", c);
		else if (quote && (c == '"' || c == '\\'))
			*n += (size_t)snprintf(s->msg + *n, cap - *n, "\\%c", c);
		else
			s->msg[(*n)++] = (char)c;
	}
	if (quote && *n + 1 < cap)
		s->msg[(*n)++] = '"';
	s->msg[*n] = '\0';
}

static void journal_str(struct audit_sink *k, const char *key, const char *jname, const char *v)
{
	struct journal_sink *s = (struct journal_sink *)k;

	journal_add(s, jname, v);
	msg_add(s, key, v, true);
}

static void journal_num(struct audit_sink *k, const char *key, const char *jname, uint64_t v)
{
	struct journal_sink *s = (struct journal_sink *)k;
	char text[24];

	snprintf(text, sizeof(text), "%" PRIu64, v);
	journal_add(s, jname, text);
	msg_add(s, key, text, false);
}

bool audit_event_fields(const struct audit_event *e, struct audit_fields *f)
{
	struct journal_sink s = {.k = {journal_str, journal_num}, .f = f};
	char pri[4];

	f->n = 0;
	f->used = 0;
	if ((unsigned)e->type >= AUDIT_TYPE_N)
		return false;
	s.msg_len = (size_t)snprintf(s.msg, sizeof(s.msg), "audit: %s", audit_types[e->type].name);
	audit_walk(e, &s.k);
	snprintf(pri, sizeof(pri), "%d", audit_types[e->type].priority);
	journal_add(&s, "MESSAGE", s.msg);
	journal_add(&s, "MESSAGE_ID", audit_types[e->type].id);
	journal_add(&s, "PRIORITY", pri);
	journal_add(&s, "SYSLOG_IDENTIFIER", "mtlsvpn-server");
	return !s.failed;
}
