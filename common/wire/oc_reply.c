/*
 * oc_reply.c - builds the gateway's HTTP answers to an OpenConnect client
 * (oc_reply.h). Every write goes through one bounded writer that remembers
 * an overflow, so a builder formats straight on and checks once at the
 * end. Text from the configuration is checked or escaped before it goes
 * out: a header value can never hold a CR or LF, an XML text never markup.
 */
#include "oc_reply.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "addr.h"

struct writer {
	char *out;
	size_t cap, len;
	bool bad;     /* overflow, or a value unfit to send */
};

__attribute__((format(printf, 2, 3))) static void w_printf(struct writer *w, const char *fmt,
							     ...)
{
	va_list ap;
	int n;

	if (w->bad)
		return;
	va_start(ap, fmt);
	n = vsnprintf(w->out + w->len, w->cap - w->len, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= w->cap - w->len) {
		w->bad = true;
		return;
	}
	w->len += (size_t)n;
}

static void w_byte(struct writer *w, char c)
{
	if (w->bad || w->cap - w->len < 2) {
		w->bad = true;
		return;
	}
	w->out[w->len++] = c;
	w->out[w->len] = 0;
}

static size_t w_done(struct writer *w)
{
	return w->bad ? 0 : w->len;
}

/* Printable ASCII with no space: domain names, the server name, a cookie. */
static bool is_token(const char *s, const char *also_refused)
{
	if (s == NULL || s[0] == 0)
		return false;
	for (; *s != 0; s++)
		if (*s <= 0x20 || *s >= 0x7f || strchr(also_refused, *s) != NULL)
			return false;
	return true;
}

/* XML text: markup characters as entities, control bytes dropped (but
 * newline and tab), UTF-8 as it is. */
static void w_xml_text(struct writer *w, const char *s)
{
	for (; *s != 0; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '&')
			w_printf(w, "&amp;");
		else if (c == '<')
			w_printf(w, "&lt;");
		else if (c == '>')
			w_printf(w, "&gt;");
		else if (c == '"')
			w_printf(w, "&quot;");
		else if (c >= 0x20 || c == '\n' || c == '\t')
			w_byte(w, (char)c);
	}
}

const char *oc_reply_phrase(unsigned status)
{
	static const struct {
		unsigned status;
		const char *phrase;
	} table[] = {
		{200, "OK"}, {400, "Bad Request"}, {401, "Unauthorized"}, {403, "Forbidden"},
		{404, "Not Found"}, {405, "Method Not Allowed"}, {408, "Request Timeout"},
		{411, "Length Required"}, {413, "Content Too Large"}, {414, "URI Too Long"}, {415, "Unsupported Media Type"},
		{429, "Too Many Requests"}, {431, "Request Header Fields Too Large"},
		{500, "Internal Server Error"}, {501, "Not Implemented"},
		{503, "Service Unavailable"}, {505, "HTTP Version Not Supported"},
	};

	for (size_t i = 0; i < sizeof(table) / sizeof(table[0]); i++)
		if (table[i].status == status)
			return table[i].phrase;
	return "Error";
}

size_t oc_reply_error(char *out, size_t cap, unsigned status, const char *reason)
{
	struct writer w = {out, cap, 0, cap == 0};

	if (status < 100 || status > 599)
		return 0;
	w_printf(&w, "HTTP/1.1 %u %s\r\n", status, oc_reply_phrase(status));
	if (status == 503 && reason != NULL) {
		w_printf(&w, "X-Reason: ");
		for (size_t i = 0; reason[i] != 0 && i < 200; i++)
			w_byte(&w, reason[i] >= 0x20 && reason[i] < 0x7f ? reason[i] : '.');
		w_printf(&w, "\r\n");
	}
	w_printf(&w, "Content-Length: 0\r\nConnection: close\r\n\r\n");
	return w_done(&w);
}

/* Head and XML body of a 200 to an auth POST: the body is written first,
 * at out, then moved behind a head that knows its length. */
static size_t auth_reply(char *out, size_t cap, const char *cookie, const char *xml_type,
			 const char *auth_id, const char *message, const char *error,
			 const char *banner)
{
	struct writer body = {out, cap, 0, cap == 0};
	char head[512];
	struct writer h = {head, sizeof(head), 0, false};

	w_printf(&body, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
			"<config-auth client=\"vpn\" type=\"%s\" aggregate-auth-version=\"2\">\n"
			"<version who=\"sg\">mtlsvpn</version>\n"
			"<auth id=\"%s\">\n",
		 xml_type, auth_id);
	if (message != NULL) {
		w_printf(&body, "<message>");
		w_xml_text(&body, message);
		w_printf(&body, "</message>\n");
	}
	if (error != NULL) {
		w_printf(&body, "<error id=\"88\" param1=\"\" param2=\"\">");
		w_xml_text(&body, error);
		w_printf(&body, "</error>\n");
	}
	if (banner != NULL) {
		w_printf(&body, "<banner>");
		w_xml_text(&body, banner);
		w_printf(&body, "</banner>\n");
	}
	w_printf(&body, "</auth>\n");
	if (cookie != NULL)
		w_printf(&body, "<session-token>%s</session-token>\n", cookie);
	w_printf(&body, "</config-auth>\n");
	if (body.bad)
		return 0;

	w_printf(&h, "HTTP/1.1 200 OK\r\nContent-Type: text/xml\r\nContent-Length: %zu\r\n"
		     "X-Transcend-Version: 1\r\n",
		 body.len);
	if (cookie != NULL)
		w_printf(&h, "Set-Cookie: webvpn=%s; Secure\r\n"
			     "Set-Cookie: webvpnc=; expires=Thu, 01 Jan 1970 22:00:00 GMT; path=/; "
			     "Secure\r\n",
			 cookie);
	w_printf(&h, "\r\n");
	if (h.bad || cap - body.len <= h.len)
		return 0;
	memmove(out + h.len, out, body.len + 1);
	memcpy(out, head, h.len);
	return h.len + body.len;
}

size_t oc_reply_auth_ok(char *out, size_t cap, const char *cookie, const char *banner)
{
	if (!is_token(cookie, "\",;\\") || strlen(cookie) > 255)
		return 0;
	return auth_reply(out, cap, cookie, "complete", "success",
			  "Success: the certificate is accepted.", NULL, banner);
}

size_t oc_reply_auth_fail(char *out, size_t cap, const char *message)
{
	return auth_reply(out, cap, NULL, "auth-request", "main", NULL,
			  message != NULL ? message : "Authentication failed", NULL);
}

const char *oc_reply_netmask(unsigned len, char out[static 16])
{
	uint32_t m = len == 0 ? 0 : len >= 32 ? 0xffffffffu : ~((1u << (32 - len)) - 1);

	snprintf(out, 16, "%u.%u.%u.%u", m >> 24, (m >> 16) & 0xff, (m >> 8) & 0xff, m & 0xff);
	return out;
}

/* Split-Include per route but a default one; true if a default was seen. */
static bool routes(struct writer *w, const struct msg_config *c, int family)
{
	bool full = false;

	for (unsigned i = 0; i < c->n_routes && i < CFG_MAX_ROUTES; i++) {
		const struct prefix *r = &c->routes[i];
		struct prefix net;
		char a[ADDR_STRLEN], m[16];

		if (r->addr.family != family)
			continue;
		if (r->len == 0) {
			full = true;
			continue;
		}
		addr_prefix_network(r, &net);
		if (family == AF_INET)
			w_printf(w, "X-CSTP-Split-Include: %s/%s\r\n", addr_fmt(&net.addr, a),
				 oc_reply_netmask(r->len, m));
		else
			w_printf(w, "X-CSTP-Split-Include-IP6: %s/%u\r\n", addr_fmt(&net.addr, a),
				 r->len);
	}
	return full;
}

static void addresses(struct writer *w, const struct msg_config *c)
{
	char a[ADDR_STRLEN], m[16];

	if (c->addr4.addr.family == AF_INET)
		w_printf(w, "X-CSTP-Address: %s\r\nX-CSTP-Netmask: %s\r\n",
			 addr_fmt(&c->addr4.addr, a), oc_reply_netmask(c->addr4.len, m));
	/* openconnect takes Address-IP6 as address and prefix together. */
	if (c->addr6.addr.family == AF_INET6)
		w_printf(w, "X-CSTP-Address-IP6: %s/%u\r\n", addr_fmt(&c->addr6.addr, a),
			 c->addr6.len);
}

static void dns(struct writer *w, const struct msg_config *c)
{
	char a[ADDR_STRLEN];

	for (unsigned i = 0; i < c->n_dns && i < CFG_MAX_DNS; i++)
		w_printf(w, "X-CSTP-DNS%s: %s\r\n", c->dns[i].family == AF_INET6 ? "-IP6" : "",
			 addr_fmt(&c->dns[i], a));
	if (c->n_search > 0) {
		w_printf(w, "X-CSTP-Default-Domain: ");
		for (unsigned i = 0; i < c->n_search && i < CFG_MAX_SEARCH; i++) {
			if (!is_token(c->search[i], ""))
				w->bad = true;
			w_printf(w, "%s%s", i > 0 ? " " : "", c->search[i]);
		}
		w_printf(w, "\r\n");
	}
	for (unsigned i = 0; i < c->n_routing && i < CFG_MAX_ROUTING; i++) {
		if (!is_token(c->routing[i], ","))
			w->bad = true;
		w_printf(w, "X-CSTP-Split-DNS: %s\r\n", c->routing[i]);
	}
}

/* Banner: openconnect %-decodes it, so bytes outside printable ASCII and
 * '%' itself go out as %XX; newlines survive that way. */
static void banner(struct writer *w, const char *b)
{
	w_printf(w, "X-CSTP-Banner: ");
	for (; *b != 0; b++) {
		unsigned char c = (unsigned char)*b;

		if (c < 0x20 || c >= 0x7f || c == '%')
			w_printf(w, "%%%02X", c);
		else
			w_byte(w, (char)c);
	}
	w_printf(w, "\r\n");
}

size_t oc_reply_connect(char *out, size_t cap, const struct oc_connect_info *ci)
{
	const struct msg_config *c = ci->cfg;
	struct writer w = {out, cap, 0, cap == 0};
	bool full4, full6;

	if (c == NULL || c->mtu == 0 ||
	    (c->addr4.addr.family != AF_INET && c->addr6.addr.family != AF_INET6))
		return 0;
	if (ci->server_name != NULL && !is_token(ci->server_name, ""))
		return 0;
	w_printf(&w, "HTTP/1.1 200 CONNECTED\r\nX-CSTP-Version: 1\r\n");
	if (ci->server_name != NULL)
		w_printf(&w, "X-CSTP-Server-Name: %s\r\n", ci->server_name);
	addresses(&w, c);
	dns(&w, c);
	full4 = routes(&w, c, AF_INET);
	full6 = routes(&w, c, AF_INET6);
	if (full4 || full6)
		w_printf(&w, "X-CSTP-Tunnel-All-DNS: true\r\n");
	w_printf(&w, "X-CSTP-MTU: %u\r\n", c->mtu);
	if (ci->base_mtu != 0)
		w_printf(&w, "X-CSTP-Base-MTU: %u\r\n", ci->base_mtu);
	if (c->keepalive != 0)
		w_printf(&w, "X-CSTP-Keepalive: %u\r\n", c->keepalive);
	if (ci->dpd != 0)
		w_printf(&w, "X-CSTP-DPD: %u\r\n", ci->dpd);
	w_printf(&w, "X-CSTP-Idle-Timeout: none\r\n");
	if (ci->session_timeout != 0)
		w_printf(&w, "X-CSTP-Session-Timeout: %llu\r\nX-CSTP-Lease-Duration: %llu\r\n",
			 (unsigned long long)ci->session_timeout,
			 (unsigned long long)ci->session_timeout);
	else
		w_printf(&w, "X-CSTP-Session-Timeout: none\r\nX-CSTP-Lease-Duration: none\r\n");
	if (ci->disconnected_timeout != 0)
		w_printf(&w, "X-CSTP-Disconnected-Timeout: %u\r\n", ci->disconnected_timeout);
	w_printf(&w, "X-CSTP-Keep: true\r\nX-CSTP-Rekey-Method: none\r\n");
	if (ci->banner != NULL)
		banner(&w, ci->banner);
	w_printf(&w, "\r\n");
	return w_done(&w);
}
