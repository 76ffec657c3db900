/*
 * client_status_fmt.c - a client status record as the person reads it
 * (`mtlsvpn-client status`) and as JSON (`--json`, documented in
 * docs/status-json.md and docs/client-status.schema.json). Pure: into a caller's
 * buffer, with times relative to the record's own clock (now), so the
 * output depends on the record alone. Every JSON key is always present;
 * what is unknown is null.
 */
#include "client_status_fmt.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

struct out {
	char *p;
	size_t cap, len;
	bool full;
};

static void __attribute__((format(printf, 2, 3))) add(struct out *o, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (o->full)
		return;
	va_start(ap, fmt);
	n = vsnprintf(o->p + o->len, o->cap - o->len, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= o->cap - o->len) {
		o->full = true;
		return;
	}
	o->len += (size_t)n;
}

static size_t finish(struct out *o)
{
	if (o->full) {
		if (o->cap > 0)
			o->p[0] = '\0';
		return 0;
	}
	return o->len;
}

static const char *utc(int64_t t, char *buf, size_t cap, const char *fmt)
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (gmtime_r(&tt, &tm) == NULL || strftime(buf, cap, fmt, &tm) == 0)
		snprintf(buf, cap, "@%" PRId64, t);
	return buf;
}

/* "3d04h05m06s", leading zero units dropped. */
static const char *span(int64_t s, char *buf, size_t cap)
{
	if (s < 0)
		s = 0;
	if (s >= 86400)
		snprintf(buf, cap, "%" PRId64 "d%02" PRId64 "h%02" PRId64 "m", s / 86400,
			 s / 3600 % 24, s / 60 % 60);
	else if (s >= 3600)
		snprintf(buf, cap, "%" PRId64 "h%02" PRId64 "m%02" PRId64 "s", s / 3600,
			 s / 60 % 60, s % 60);
	else if (s >= 60)
		snprintf(buf, cap, "%" PRId64 "m%02" PRId64 "s", s / 60, s % 60);
	else
		snprintf(buf, cap, "%" PRId64 "s", s);
	return buf;
}

static bool is_live(const struct client_status *s)
{
	return s->state >= CLIENT_STATUS_CONNECTING && s->state <= CLIENT_STATUS_CLOSING;
}

/* ---- text ---- */

static void text_state(struct out *o, const struct client_status *s)
{
	char t[40], d[32];
	double retry = (double)s->retry_in_ms / 1000.0;

	add(o, "state:        ");
	switch (s->state) {
	case CLIENT_STATUS_UP:
		add(o, "up since %s (%s)", utc(s->since, t, sizeof(t), "%Y-%m-%d %H:%M:%S UTC"),
		    span(s->now - s->since, d, sizeof(d)));
		break;
	case CLIENT_STATUS_CONNECTING:
		add(o, "connecting");
		if (s->reason[0])
			add(o, " (the last connection: %s)", s->reason);
		break;
	case CLIENT_STATUS_RECONNECTING:
		add(o, "reconnecting in %.1f s", retry);
		if (s->reason[0])
			add(o, " (%s)", s->reason);
		break;
	case CLIENT_STATUS_REFUSED:
		add(o, "refused: %s (retrying in %.1f s)",
		    s->reason[0] ? s->reason : "no reason given", retry);
		break;
	case CLIENT_STATUS_CLOSING:
		add(o, "closing");
		break;
	case CLIENT_STATUS_ENDED:
		add(o, "ended: %s", s->reason[0] ? s->reason : "no reason recorded");
		if (s->since != 0)
			add(o, " (at %s)", utc(s->since, t, sizeof(t), "%Y-%m-%d %H:%M:%S UTC"));
		break;
	case CLIENT_STATUS_NOT_RUNNING:
		add(o, "not running");
		break;
	default:
		add(o, "unknown");
		break;
	}
	add(o, "\n");
}

size_t client_status_text(const struct client_status *s, char *buf, size_t cap)
{
	struct out o = {.p = buf, .cap = cap};
	char a[ADDR_STRLEN], t[40], d[32];

	text_state(&o, s);
	if (!is_live(s))
		return finish(&o);
	add(&o, "gateway:      %s:%u", s->gateway_host, s->gateway_port);
	if (s->gateway_addr.family != 0)
		add(&o, " (%s)", addr_fmt(&s->gateway_addr, a));
	add(&o, "\ntunnel:       %s", s->tun[0] ? s->tun : "-");
	add(&o, "\naddresses:    ");
	if (s->addr4.addr.family == 0 && s->addr6.addr.family == 0)
		add(&o, "none");
	if (s->addr4.addr.family != 0)
		add(&o, "%s", addr_fmt_prefix(&s->addr4, a));
	if (s->addr6.addr.family != 0)
		add(&o, "%s%s", s->addr4.addr.family ? ", " : "", addr_fmt_prefix(&s->addr6, a));
	add(&o, "\nroutes:       %s", s->full_tunnel ? "everything (full tunnel)" : "");
	for (unsigned i = 0; i < s->n_routes; i++)
		add(&o, "%s%s", i || s->full_tunnel ? ", " : "", addr_fmt_prefix(&s->routes[i], a));
	if (!s->full_tunnel && s->n_routes == 0)
		add(&o, "none");
	add(&o, "\ndns servers:  ");
	for (unsigned i = 0; i < s->n_dns; i++)
		add(&o, "%s%s", i ? ", " : "", addr_fmt(&s->dns[i], a));
	add(&o, "%s\ndns domains:  ",
	    s->n_dns == 0    ? "none pushed"
	    : s->dns_applied ? ""
			     : " (pushed, not applied)");
	for (unsigned i = 0; i < s->n_search; i++)
		add(&o, "%s%s", i ? ", " : "", s->search[i]);
	add(&o, "%s\n", s->n_search ? "" : "none");
	add(&o, "sent:         %" PRIu64 " bytes in %" PRIu64 " packets\n", s->tx_bytes,
	    s->tx_packets);
	add(&o, "received:     %" PRIu64 " bytes in %" PRIu64 " packets\n", s->rx_bytes,
	    s->rx_packets);
	add(&o, "identity:     %s\n", s->identity[0] ? s->identity : "unknown");
	if (s->cert_not_after == 0)
		add(&o, "certificate:  expiry unknown\n");
	else if (s->cert_not_after <= s->now)
		add(&o, "certificate:  expired on %s\n",
		    utc(s->cert_not_after, t, sizeof(t), "%Y-%m-%d %H:%M:%S UTC"));
	else
		add(&o, "certificate:  valid until %s (%s left)\n",
		    utc(s->cert_not_after, t, sizeof(t), "%Y-%m-%d %H:%M:%S UTC"),
		    span(s->cert_not_after - s->now, d, sizeof(d)));
	add(&o, "kill switch:  %s\n",
	    s->kill_switch < 0 ? "not reported"
	    : s->kill_switch   ? "on"
			       : "off");
	add(&o, "udp:          %s%s\n", client_status_udp_name(s->udp.state),
	    s->udp.state == CLIENT_STATUS_UDP_FAILED ? " (TLS carries the traffic)" : "");
	if (!s->renew_on)
		add(&o, "renewal:      off\n");
	else if (s->renew_next == 0)
		add(&o, "renewal:      none planned%s%s%s\n", s->renew_last[0] ? " (" : "",
		    s->renew_last, s->renew_last[0] ? ")" : "");
	else
		add(&o, "renewal:      next at %s (in %s)%s%s%s\n",
		    utc(s->renew_next, t, sizeof(t), "%Y-%m-%d %H:%M:%S UTC"),
		    span(s->renew_next > s->now ? s->renew_next - s->now : 0, d, sizeof(d)),
		    s->renew_last[0] ? "; last: " : "", s->renew_last, "");
	return finish(&o);
}

/* ---- JSON ---- */

/* Length of the valid UTF-8 sequence at p (at most n bytes), or 0. */
static size_t utf8_len(const unsigned char *p, size_t n)
{
	size_t len = p[0] >= 0xf0 && p[0] <= 0xf4 ? 4 : p[0] >= 0xe0 ? 3 : p[0] >= 0xc2 ? 2 : 0;

	if (len == 0 || len > n)
		return 0;
	for (size_t i = 1; i < len; i++)
		if ((p[i] & 0xc0) != 0x80)
			return 0;
	return len;
}

/* A JSON string; bytes that are not UTF-8 become '?'. */
static void jstr(struct out *o, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t n = strlen(s);

	add(o, "\"");
	for (size_t i = 0; i < n; i++) {
		if (p[i] == '"' || p[i] == '\\') {
			add(o, "\\%c", p[i]);
		} else if (p[i] < 0x20 || p[i] == 0x7f) {
			add(o, "\\u%04x", p[i]);
		} else if (p[i] < 0x80) {
			add(o, "%c", p[i]);
		} else {
			size_t l = utf8_len(p + i, n - i);
			if (l == 0) {
				add(o, "?");
			} else {
				add(o, "%.*s", (int)l, (const char *)p + i);
				i += l - 1;
			}
		}
	}
	add(o, "\"");
}

static void jstr_or_null(struct out *o, const char *s)
{
	if (s[0] == '\0')
		add(o, "null");
	else
		jstr(o, s);
}

static void jtime(struct out *o, int64_t t)
{
	char b[40];

	if (t == 0)
		add(o, "null");
	else
		add(o, "\"%s\"", utc(t, b, sizeof(b), "%Y-%m-%dT%H:%M:%SZ"));
}

static void jtunnel(struct out *o, const struct client_status *s)
{
	char a[ADDR_STRLEN];
	bool first = true;

	add(o, "\"tunnel\":{\"interface\":");
	jstr_or_null(o, s->tun);
	add(o, ",\"addresses\":[");
	if (s->addr4.addr.family != 0) {
		add(o, "\"%s\"", addr_fmt_prefix(&s->addr4, a));
		first = false;
	}
	if (s->addr6.addr.family != 0)
		add(o, "%s\"%s\"", first ? "" : ",", addr_fmt_prefix(&s->addr6, a));
	add(o, "]},\"full_tunnel\":%s,\"routes\":[", s->full_tunnel ? "true" : "false");
	for (unsigned i = 0; i < s->n_routes; i++)
		add(o, "%s\"%s\"", i ? "," : "", addr_fmt_prefix(&s->routes[i], a));
	add(o, "],\"dns\":{\"servers\":[");
	for (unsigned i = 0; i < s->n_dns; i++)
		add(o, "%s\"%s\"", i ? "," : "", addr_fmt(&s->dns[i], a));
	add(o, "],\"domains\":[");
	for (unsigned i = 0; i < s->n_search; i++) {
		add(o, "%s", i ? "," : "");
		jstr(o, s->search[i]);
	}
	add(o, "],\"applied\":%s},", s->dns_applied ? "true" : "false");
}

/* "udp": null, or the channel's state and counters. */
static void judp(struct out *o, const struct client_status_udp_info *u)
{
	if (u->state == CLIENT_STATUS_UDP_NONE) {
		add(o, ",\"udp\":null");
		return;
	}
	add(o,
	    ",\"udp\":{\"state\":\"%s\",\"epoch\":%" PRIu32 ",\"datagrams_in\":%" PRIu64
	    ",\"datagrams_out\":%" PRIu64 ",\"fallbacks\":%" PRIu64 ",\"recoveries\":%" PRIu64
	    ",\"rekeys\":%" PRIu64 ",\"drops\":{",
	    client_status_udp_name(u->state), u->epoch, u->datagrams_in, u->datagrams_out,
	    u->fallbacks, u->recoveries, u->rekeys);
	for (unsigned i = 0; i < CLIENT_STATUS_UDP_DROPS; i++)
		add(o, "%s\"%s\":%" PRIu64, i ? "," : "", client_status_udp_drop_name(i),
		    u->drops[i]);
	add(o, "}}");
}

size_t client_status_json(const struct client_status *s, char *buf, size_t cap)
{
	struct out o = {.p = buf, .cap = cap};
	bool live = is_live(s);
	bool waiting = s->state == CLIENT_STATUS_RECONNECTING || s->state == CLIENT_STATUS_REFUSED;
	char a[ADDR_STRLEN];

	add(&o, "{\"version\":1,\"state\":\"%s\",\"since\":", client_status_state_name(s->state));
	jtime(&o, s->since);
	if (waiting)
		add(&o, ",\"retry_in_s\":%.1f", (double)s->retry_in_ms / 1000.0);
	else
		add(&o, ",\"retry_in_s\":null");
	add(&o, ",\"reason\":");
	jstr_or_null(&o, s->reason);
	add(&o, ",");
	if (live) {
		add(&o, "\"gateway\":{\"host\":");
		jstr(&o, s->gateway_host);
		add(&o, ",\"port\":%u,\"address\":", s->gateway_port);
		if (s->gateway_addr.family != 0)
			add(&o, "\"%s\"", addr_fmt(&s->gateway_addr, a));
		else
			add(&o, "null");
		add(&o, "},");
		jtunnel(&o, s);
		add(&o,
		    "\"traffic\":{\"sent_bytes\":%" PRIu64 ",\"sent_packets\":%" PRIu64
		    ",\"received_bytes\":%" PRIu64 ",\"received_packets\":%" PRIu64 "},",
		    s->tx_bytes, s->tx_packets, s->rx_bytes, s->rx_packets);
	} else {
		add(&o, "\"gateway\":null,\"tunnel\":null,\"full_tunnel\":null,\"routes\":[],"
			"\"dns\":null,\"traffic\":null,");
	}
	add(&o, "\"identity\":");
	jstr_or_null(&o, s->identity);
	add(&o, ",\"cert_not_after\":");
	jtime(&o, s->cert_not_after);
	add(&o, ",\"kill_switch\":%s",
	    s->kill_switch < 0 ? "null"
	    : s->kill_switch   ? "true"
			       : "false");
	judp(&o, &s->udp);
	if (s->pid != 0)
		add(&o, ",\"pid\":%" PRIu32, s->pid);
	else
		add(&o, ",\"pid\":null");
	/* Appended last: readers of version 1 ignore what they do not know. */
	if (s->renew_on) {
		add(&o, ",\"renewal\":{\"next\":");
		jtime(&o, s->renew_next);
		add(&o, ",\"last\":");
		jstr_or_null(&o, s->renew_last);
		add(&o, "}}\n");
	} else {
		add(&o, ",\"renewal\":null}\n");
	}
	return finish(&o);
}
