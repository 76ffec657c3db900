/*
 * notice.c - what the client tells the person running it: the sentence for
 * each way a certificate or the gateway can refuse us, the line announcing
 * the tunnel, a warning before our certificate expires, and a summary when
 * a session ends. Wording lives here so the state machine stays readable.
 */
#include "client.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "dchan_sess.h"
#include "log.h"
#include "tls.h"

bool notice_tls_failure(const struct client *c, const char *when, char *out, size_t cap)
{
	const struct config_client *cfg = c->cfg;
	enum tls_failure f = tls_failure(c->tls);
	const char *detail = tls_error_str(c->tls);

	switch (f) {
	case TLS_FAIL_PEER_UNTRUSTED:
		snprintf(out, cap, "the gateway's certificate is not trusted by %s (ca in %s): %s",
			 cfg->ca, cfg->path, detail);
		return true;
	case TLS_FAIL_NAME_MISMATCH:
		snprintf(out, cap, "the gateway's certificate does not name %s (server_name in %s)",
			 cfg->server_name, cfg->path);
		return true;
	case TLS_FAIL_PEER_EKU:
		snprintf(out, cap,
			 "the gateway's certificate is not meant for a server (it lacks "
			 "the serverAuth extended key usage)");
		return true;
	case TLS_FAIL_REJECTED:
		snprintf(out, cap,
			 "the gateway rejected our certificate %s (%s): it may be expired, "
			 "revoked, or not issued by the CA the gateway trusts",
			 cfg->cert, detail);
		return true;
	case TLS_FAIL_ALPN:
		snprintf(out, cap, "%s:%u does not speak the mtlsvpn/1 protocol", cfg->gateway_host,
			 cfg->gateway_port);
		return true;
	default:
		snprintf(out, cap, "TLS %s with %s failed: %s (%s)", when, c->gateway_str,
			 tls_failure_str(f), detail);
		return false;
	}
}

void notice_bye(const struct msg_bye *bye, char *out, size_t cap)
{
	const char *reason = msg_bye_reason_str(bye->reason);
	char text[BYE_MAX_TEXT + 1];

	/* The gateway's words go to a terminal: no control characters. */
	snprintf(text, sizeof(text), "%s", bye->text);
	for (char *p = text; *p != '\0'; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			*p = '?';
	/* The detail is the point (which group rule refused us, why the
	 * certificate was revoked); a text that only repeats the reason, as
	 * older gateways send ("not authorized"), adds nothing. */
	if (strncasecmp(reason, text, strlen(text)) == 0)
		text[0] = '\0';
	snprintf(out, cap, "gateway closed the session: %s%s%s%s", reason, text[0] ? " (" : "",
		 text, text[0] ? ")" : "");
}

/* "10.8.0.2/24, fd00:8::2/64" and similar lists. */
static void list_add(char *out, size_t cap, const char *item)
{
	size_t l = strlen(out);

	snprintf(out + l, cap - l, "%s%s", l ? ", " : "", item);
}

void notice_connected(const struct client *c)
{
	const struct msg_config *cfg = &c->config;
	char s[ADDR_STRLEN], addrs[160] = "", routes[512] = "", dns[256] = "";
	const char *how = netcfg_dns_how(&c->net);

	if (cfg->addr4.addr.family)
		list_add(addrs, sizeof(addrs), addr_fmt_prefix(&cfg->addr4, s));
	if (cfg->addr6.addr.family)
		list_add(addrs, sizeof(addrs), addr_fmt_prefix(&cfg->addr6, s));
	if (c->cfg->full_tunnel)
		list_add(routes, sizeof(routes), "everything (full tunnel)");
	for (unsigned i = 0; i < cfg->n_routes; i++)
		list_add(routes, sizeof(routes), addr_fmt_prefix(&cfg->routes[i], s));
	if (routes[0] == '\0')
		snprintf(routes, sizeof(routes), "none");
	for (unsigned i = 0; i < cfg->n_dns; i++)
		list_add(dns, sizeof(dns), addr_fmt(&cfg->dns[i], s));
	log_info(
	    "connected to %s:%u (%s, %s): tunnel %s, address %s, mtu %u, routes %s, dns %s%s%s",
	    c->cfg->gateway_host, c->cfg->gateway_port, c->gateway_str, tls_cipher_name(c->tls),
	    c->tun_name, addrs, cfg->mtu, routes, dns[0] ? dns : "unchanged", how ? " via " : "",
	    how ? how : "");
}

void notice_foreign_source(const struct client *c, const struct ippkt_info *ip)
{
	const struct prefix *own = ip->family == AF_INET ? &c->config.addr4 : &c->config.addr6;
	char src[ADDR_STRLEN], dst[ADDR_STRLEN], ours[ADDR_STRLEN];

	/* Once per session: a program sending through the tunnel from
	 * another address (a container, a VM, a second address on the
	 * interface) keeps doing it, and the gateway would drop it anyway. */
	log_warnx("dropped a packet with a foreign source, %s to %s: the tunnel carries only "
		  "packets from our address%s%s (a container or VM routed through %s needs NAT); "
		  "more are counted, not logged (see the session ended line)",
		  addr_fmt(&ip->src, src), addr_fmt(&ip->dst, dst), own->addr.family ? " " : "",
		  own->addr.family ? addr_fmt(&own->addr, ours) : "", c->tun_name);
}

void notice_cert_expiry(const struct client *c)
{
	const struct msg_config *cfg = &c->config;
	int64_t left;
	time_t na;
	struct tm tm;
	char when[32];

	if (cfg->cert_not_after == 0 || cfg->cert_warn_days == 0)
		return;
	left = cfg->cert_not_after - (int64_t)time(NULL);
	if (left >= (int64_t)cfg->cert_warn_days * 86400)
		return;
	na = (time_t)cfg->cert_not_after;
	gmtime_r(&na, &tm);
	strftime(when, sizeof(when), "%Y-%m-%d %H:%M UTC", &tm);
	log_warnx("our certificate %s expires in %lld day(s), on %s: ask for a new one",
		  c->cfg->cert, (long long)(left / 86400), when);
}

void notice_session_end(struct client *c)
{
	const struct client_stats *st = &c->stats;

	if (c->up_since_ms == 0)
		return;
	log_info("session ended after %.1f s: sent %llu packets (%llu bytes), received %llu "
		 "packets (%llu bytes); dropped %llu read from the TUN, %llu for the TUN, %llu "
		 "invalid, %llu with a foreign source; %llu received coalesced into the TUN "
		 "(%llu writes saved)",
		 (double)(ev_now_ms(c->loop) - c->up_since_ms) / 1000.0,
		 (unsigned long long)st->tx_packets, (unsigned long long)st->tx_bytes,
		 (unsigned long long)st->rx_packets, (unsigned long long)st->rx_bytes,
		 (unsigned long long)st->drop_tun_read, (unsigned long long)st->drop_tun_write,
		 (unsigned long long)st->drop_invalid, (unsigned long long)st->drop_source,
		 (unsigned long long)st->gro_coalesced, (unsigned long long)st->gro_writes_saved);
	c->up_since_ms = 0;
}

void notice_status(const struct client *c)
{
	const struct client_stats *st = &c->stats;
	const struct msg_config *cfg = netcfg_applied(&c->net);
	char s[ADDR_STRLEN], addrs[160] = "", up[48] = "not up";
	struct udpchan_view v;
	const char *udp = udpchan_view(c, &v) ? dchan_state_name((enum dchan_state)v.state) : "off";

	if (cfg != NULL && cfg->addr4.addr.family)
		list_add(addrs, sizeof(addrs), addr_fmt_prefix(&cfg->addr4, s));
	if (cfg != NULL && cfg->addr6.addr.family)
		list_add(addrs, sizeof(addrs), addr_fmt_prefix(&cfg->addr6, s));
	if (c->state == CLIENT_UP && c->up_since_ms != 0)
		snprintf(up, sizeof(up), "up %.0f s",
			 (double)(ev_now_ms(c->loop) - c->up_since_ms) / 1000.0);
	log_info("status: %s, gateway %s:%u (%s), tunnel %s, address %s, %s, sent %llu bytes "
		 "(%llu packets), received %llu bytes (%llu packets), udp %s",
		 client_state_name(c->state), c->cfg->gateway_host, c->cfg->gateway_port,
		 c->gateway_str[0] ? c->gateway_str : "not connected", c->tun_name,
		 addrs[0] ? addrs : "none", up, (unsigned long long)st->tx_bytes,
		 (unsigned long long)st->tx_packets, (unsigned long long)st->rx_bytes,
		 (unsigned long long)st->rx_packets, udp);
}
