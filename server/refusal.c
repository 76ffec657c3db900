/*
 * refusal.c - every refused connection is counted by reason (shown by
 * "mtlsvpnctl status" and SIGUSR1). Before authentication the peer is a
 * stranger who could otherwise fill the disk through the log: such
 * refusals are told in full only REFUSAL_BURST a second, and an interval
 * in which more were held back ends with one summary line by reason and
 * top sources (common/base/ratelog.c). After authentication the peer is an
 * employee and each refusal is logged in full by its caller.
 */
#include "server.h"

#include <inttypes.h>
#include <stdio.h>

#include "log.h"

#define REFUSAL_BURST 10            /* lines in full per second */
#define REFUSAL_INTERVAL_MS 10000u  /* one summary at most per interval */

/* Words for the summary line, and keys for status lines. */
static const char *const refusal_words[RATELOG_REASONS] = {
	[REFUSAL_OTHER] = "other",
	[REFUSAL_NO_CERT] = "no certificate",
	[REFUSAL_UNTRUSTED] = "untrusted certificate",
	[REFUSAL_EKU] = "no clientAuth usage",
	[REFUSAL_ALPN] = "no mtlsvpn ALPN",
	[REFUSAL_TLS] = "TLS error",
	[REFUSAL_CLOSED] = "closed in handshake",
	[REFUSAL_HELLO_TIMEOUT] = "no ClientHello in time",
	[REFUSAL_HS_TIMEOUT] = "handshake timeout",
	[REFUSAL_EVICTED] = "dropped, half-open table full",
	[REFUSAL_EVICTED_SOURCE] = "dropped, too many from one source",
	[REFUSAL_RESOURCES] = "out of resources",
	[REFUSAL_PROXY_UNTRUSTED] = "not from a load balancer",
	[REFUSAL_PROXY_HEADER] = "no valid PROXY header",
	[REFUSAL_EST] = "bad EST request",
	[REFUSAL_EST_TOKEN] = "enrollment token refused",
	[REFUSAL_EST_LIMIT] = "too many enrollment tries",
	[REFUSAL_EST_ONLY] = "no certificate, not EST",
};

static const char *const refusal_keys[REFUSAL_PRE_N] = {
	[REFUSAL_OTHER] = "other",
	[REFUSAL_NO_CERT] = "no_certificate",
	[REFUSAL_UNTRUSTED] = "untrusted",
	[REFUSAL_EKU] = "no_eku",
	[REFUSAL_ALPN] = "no_alpn",
	[REFUSAL_TLS] = "tls_error",
	[REFUSAL_CLOSED] = "closed",
	[REFUSAL_HELLO_TIMEOUT] = "hello_timeout",
	[REFUSAL_HS_TIMEOUT] = "handshake_timeout",
	[REFUSAL_EVICTED] = "evicted",
	[REFUSAL_EVICTED_SOURCE] = "evicted_source",
	[REFUSAL_RESOURCES] = "resources",
	[REFUSAL_PROXY_UNTRUSTED] = "proxy_untrusted",
	[REFUSAL_PROXY_HEADER] = "proxy_header",
	[REFUSAL_EST] = "est_request",
	[REFUSAL_EST_TOKEN] = "est_token",
	[REFUSAL_EST_LIMIT] = "est_rate_limit",
	[REFUSAL_EST_ONLY] = "est_only",
};

static const char *const bye_keys[BYE_REASON_MAX + 1] = {
	[BYE_REVOKED] = "revoked",
	[BYE_EXPIRED] = "expired",
	[BYE_POOL_EXHAUSTED] = "pool_exhausted",
	[BYE_PROTOCOL_ERROR] = "protocol_error",
	[BYE_NOT_AUTHORIZED] = "not_authorized",
	[BYE_SHUTDOWN] = "shutdown",
	[BYE_TIMEOUT] = "timeout",
};

_Static_assert(REFUSAL_PRE_N <= RATELOG_REASONS, "every refusal reason has a ratelog slot");

static void refusal_arm(struct worker *w)
{
	uint64_t due = ratelog_due_in(&w->refusal_log, ev_now_ms(w->loop));

	if (due != UINT64_MAX && !ev_timer_armed(&w->refusal_timer))
		ev_timer_arm(w->loop, &w->refusal_timer, due);
}

/* The summary of an interval, to the log and to the audit trail: the
 * trail of a flood is as bounded as the log. */
static void refusal_summary(struct worker *w, bool force)
{
	uint64_t total = w->refusal_log.win_total, held = w->refusal_log.win_held;
	char line[768];

	if (ratelog_summary(&w->refusal_log, ev_now_ms(w->loop), force, refusal_words,
			    "connections refused before authentication", line, sizeof(line))) {
		struct audit_event e = {.type = AUDIT_REFUSED_SUMMARY, .reason = line,
					.has_count = true, .count = total, .held = held};

		log_info("%s", line);
		audit_emit(w->gw, &e);
	}
}

static void refusal_on_summary_due(struct ev_loop *loop, struct ev_timer *t)
{
	struct worker *w = t->data;

	(void)loop;
	refusal_summary(w, false);
	refusal_arm(w);
}

void refusal_init(struct worker *w)
{
	ratelog_init(&w->refusal_log, REFUSAL_BURST, REFUSAL_INTERVAL_MS, ev_now_ms(w->loop));
	ev_timer_init(&w->refusal_timer, refusal_on_summary_due, w);
}

void refusal_deinit(struct worker *w)
{
	ev_timer_stop(w->loop, &w->refusal_timer);
	/* What was held back is not lost at shutdown. */
	refusal_summary(w, true);
}

bool refusal_pre_auth_counted(struct worker *w, enum refusal r, const char *source)
{
	if ((unsigned)r >= REFUSAL_PRE_N)
		r = REFUSAL_OTHER;
	w->st.refused_pre[r]++;
	if (ratelog_event(&w->refusal_log, ev_now_ms(w->loop), r, source))
		return true;
	refusal_arm(w);
	return false;
}

void refusal_pre_auth(struct worker *w, enum refusal r, const char *remote, const char *source,
		      const char *reason)
{
	if ((unsigned)r >= REFUSAL_PRE_N)
		r = REFUSAL_OTHER;
	if (refusal_pre_auth_counted(w, r, source)) {
		struct audit_event e = {.type = AUDIT_REFUSED, .remote = remote, .reason = reason,
					.reason_code = refusal_keys[r]};

		log_info("session refused: remote=%s reason=\"%s\"", remote, reason);
		audit_emit(w->gw, &e);
	}
}

void refusal_post_auth(struct worker *w, uint16_t bye)
{
	if (bye <= BYE_REASON_MAX)
		w->st.refused_post[bye]++;
}

enum refusal refusal_from_tls(enum tls_failure f)
{
	switch (f) {
	case TLS_FAIL_NO_PEER_CERT:
		return REFUSAL_NO_CERT;
	case TLS_FAIL_PEER_UNTRUSTED:
		return REFUSAL_UNTRUSTED;
	case TLS_FAIL_PEER_EKU:
		return REFUSAL_EKU;
	case TLS_FAIL_ALPN:
		return REFUSAL_ALPN;
	case TLS_FAIL_IO:
		return REFUSAL_CLOSED;
	default:
		return REFUSAL_TLS;
	}
}

/* "before_auth: no_certificate=3 ... after_auth: revoked=1 ..." */
void refusal_status_line(const struct worker_stats *st, char *out, size_t cap)
{
	size_t len = 0;
	int n;

#define APPEND(...)                                                                                \
	do {                                                                                       \
		n = len < cap ? snprintf(out + len, cap - len, __VA_ARGS__) : 0;                  \
		if (n > 0)                                                                         \
			len = len + (size_t)n < cap ? len + (size_t)n : cap;                       \
	} while (0)
	if (cap > 0)
		out[0] = '\0';
	APPEND("refused before authentication:");
	for (unsigned i = 0; i < REFUSAL_PRE_N; i++)
		APPEND(" %s=%" PRIu64, refusal_keys[i], st->refused_pre[i]);
	APPEND("; after authentication:");
	for (unsigned i = 0; i <= BYE_REASON_MAX; i++)
		if (bye_keys[i] != NULL)
			APPEND(" %s=%" PRIu64, bye_keys[i], st->refused_post[i]);
	APPEND(" max_clients=%" PRIu64, st->refused_full);
#undef APPEND
}

const char *refusal_pre_key(unsigned r)
{
	return r < REFUSAL_PRE_N ? refusal_keys[r] : NULL;
}

const char *refusal_post_key(unsigned bye)
{
	return bye <= BYE_REASON_MAX ? bye_keys[bye] : NULL;
}
