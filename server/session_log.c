/*
 * session_log.c - a session's log lines: the prefix every line of it
 * carries, its status line (SIGUSR1), the line of its close (with the
 * audit event and the refusal count that go with it). Values from the
 * peer are quoted so a line cannot be forged.
 */
#include "server.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "log.h"

/* Escapes quotes, backslashes and control bytes so a quoted value in a
 * key=value line cannot be confused with the next key. */
const char *session_quote(const char *in, char *out, size_t cap)
{
	size_t o = 0;

	for (; *in != '\0' && o + 5 < cap; in++) {
		unsigned char c = (unsigned char)*in;
		if (c == '"' || c == '\\') {
			out[o++] = '\\';
			out[o++] = (char)c;
		} else if (c < 0x20 || c == 0x7f) {
			o += (size_t)snprintf(out + o, cap - o, "\\x%02x", c);
		} else {
			out[o++] = (char)c;
		}
	}
	out[o] = '\0';
	return out;
}

static const char *tunnel_str(const struct session *s, char out[static ADDR_STRLEN])
{
	if (s->addr4.family != 0)
		return addr_fmt(&s->addr4, out);
	if (s->addr6.family != 0)
		return addr_fmt(&s->addr6, out);
	return "-";
}

void session_log(const struct session *s, int level, const char *fmt, ...)
{
	char msg[512], tun[ADDR_STRLEN];
	va_list ap;

	if (level == SESSION_LOG_DEBUG && log_verbosity == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	/* [sid 7 alice 10.8.0.2 10.99.0.2:40312] */
#define SESSION_PREFIX "[sid %" PRIu64 " %s %s %s] %s", s->sid, \
		s->identity[0] ? s->identity : "-", tunnel_str(s, tun), s->remote, msg
	switch (level) {
	case SESSION_LOG_WARN:
		log_warnx(SESSION_PREFIX);
		break;
	case SESSION_LOG_DEBUG:
		log_debug_(SESSION_PREFIX);
		break;
	default:
		log_info(SESSION_PREFIX);
		break;
	}
#undef SESSION_PREFIX
}

/* The key=value fields shared by the "session down" and status lines. */
static void counters_fmt(const struct session *s, char *out, size_t cap)
{
	char id[IDENTITY_MAX * 4 + 1], t4[ADDR_STRLEN], t6[ADDR_STRLEN];
	char tunnel[2 * ADDR_STRLEN + 20] = "";
	uint64_t ms = ev_now_ms(s->w->loop) - s->up_ms;

	if (s->addr4.family != 0)
		snprintf(tunnel, sizeof(tunnel), " tunnel=%s", addr_fmt(&s->addr4, t4));
	if (s->addr6.family != 0) {
		size_t l = strlen(tunnel);
		snprintf(tunnel + l, sizeof(tunnel) - l, " tunnel6=%s", addr_fmt(&s->addr6, t6));
	}
	snprintf(out, cap,
		 "sid=%" PRIu64 " identity=\"%s\" serial=%s remote=%s%s rx_bytes=%" PRIu64
		 " tx_bytes=%" PRIu64 " rx_packets=%" PRIu64 " tx_packets=%" PRIu64
		 " drop_src=%" PRIu64 " drop_acl=%" PRIu64 " drop_inbound=%" PRIu64
		 " drop_other=%" PRIu64 " group=%s duration=%" PRIu64 ".%" PRIu64 "s",
		 s->sid, session_quote(s->identity, id, sizeof(id)), s->serial, s->remote, tunnel,
		 s->st.rx_bytes, s->st.tx_bytes, s->st.rx_packets, s->st.tx_packets, s->st.drop_src,
		 s->st.drop_acl, s->st.drop_inbound, s->st.drop_other,
		 s->group != NULL ? s->group->net->name : "-", ms / 1000, (ms % 1000) / 100);
}

void session_status(const struct session *s)
{
	char line[1536];

	counters_fmt(s, line, sizeof(line));
	log_info("session status: %s drop_queue=%" PRIu64, line, s->st.drop_backpressure);
}

/* ---- creation ---- */

/* The line (and audit event, refusal count) of a close: a session that
 * was up, an OpenConnect exchange, a health check, a stranger refused
 * before authentication, an employee refused after it. */
void session_log_close(const struct session *s, bool was_up, uint16_t bye)
{
	char reason[sizeof(s->reason) * 4 + 1];

	session_quote(s->reason, reason, sizeof(reason));
	if (was_up) {
		char line[1536];
		counters_fmt(s, line, sizeof(line));
		log_info("session down: %s reason=\"%s\"", line, reason);
		audit_session(s, AUDIT_DISCONNECT,
			      s->close_code != NULL ? s->close_code : audit_bye_code(bye));
		if (s->st.drop_backpressure > 0)
			session_log(s, SESSION_LOG_INFO,
				    "%" PRIu64 " packets to the client were dropped: its send "
				    "queue was full", s->st.drop_backpressure);
	} else if (s->anonymous && (s->est_refused || !s->est_quiet)) {
		/* A stranger without a certificate (EST): counted, and
		 * logged within bounds. */
		refusal_pre_auth(s->w, s->refusal, s->remote, s->src.text, reason);
	} else if (s->anonymous) {
		session_log(s, SESSION_LOG_DEBUG, "EST connection closed after %u request(s): %s",
			    s->oc_requests, reason);
	} else if (s->state == SESSION_HTTP && bye == SESSION_NO_BYE) {
		/* An OpenConnect client's authentication, or a request we
		 * refused: the employee is not refused. */
		session_log(s, SESSION_LOG_INFO, "openconnect connection closed after %u request(s): %s",
			    s->oc_requests, reason);
	} else if (!s->tls_up && s->quiet_close) {
		session_log(s, SESSION_LOG_DEBUG, "closed without a refusal: %s", reason);
	} else if (!s->tls_up) {
		/* A stranger: counted, and logged within bounds. */
		refusal_pre_auth(s->w, s->refusal, s->remote, s->src.text, reason);
	} else {
		if (s->over_max_clients)
			s->w->st.refused_full++;
		else
			refusal_post_auth(s->w, bye);
		log_info("session refused: remote=%s reason=\"%s\" handshake=%s", s->remote, reason,
			 tls_resumed(s->tls) ? "resumed" : "full");
		if (s->serial[0] != '\0')
			session_log(s, SESSION_LOG_INFO, "refused certificate serial=%s fp=%s",
				    s->serial, s->fingerprint);
		audit_session(s, AUDIT_REFUSED,
			      s->over_max_clients ? "max_clients" : audit_bye_code(bye));
	}
}
