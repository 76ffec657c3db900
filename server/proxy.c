/*
 * proxy.c - a gateway behind a load balancer (proxy_protocol = on): each
 * connection must come from a proxy_from address and start with a PROXY
 * v2 header (common/wire/proxy_v2.c) naming the real client. The header is
 * read before wolfSSL sees a byte, with exact-length reads so the
 * ClientHello behind it stays in the socket, under the half-open table's
 * first deadline. From then on the client's address is the session's
 * remote and its half-open source, so logs, status, refusal summaries and
 * max_handshakes_per_source see the employee, never the balancer (which is
 * exempt from the per-source bound while its header is awaited).
 */
#include "server.h"

#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "proxy_v2.h"

/* The connection's peer as an address: v4-mapped IPv6 is IPv4. */
static void peer_addr(const struct sockaddr_storage *ss, struct ipaddr *out)
{
	addr_from_sockaddr(out, ss);
	if (out->family == AF_INET6 && IN6_IS_ADDR_V4MAPPED((const struct in6_addr *)out->bytes)) {
		uint8_t v4[4];

		memcpy(v4, out->bytes + 12, 4);
		addr_from_v4(out, v4);
	}
}

bool proxy_trusted(const struct config_server *cfg, const struct sockaddr_storage *ss)
{
	struct ipaddr a;

	peer_addr(ss, &a);
	for (unsigned i = 0; i < cfg->n_proxy_from; i++)
		if (addr_in_prefix(&a, &cfg->proxy_from[i]))
			return true;
	return false;
}

int proxy_expect(struct session *s)
{
	s->proxy_hdr = malloc(PROXY_V2_MAX);
	s->proxy_have = 0;
	return s->proxy_hdr != NULL ? 0 : -1;
}

static void refuse(struct session *s, const char *why)
{
	s->refusal = REFUSAL_PROXY_HEADER;
	session_close(s, SESSION_NO_BYE, "%s", why);
}

/* The header is whole: the client takes the balancer's place. */
static void proxy_on_header(struct session *s, const struct proxy_v2_hdr *h)
{
	struct halfopen_src src;
	char lb[ADDR_STRLEN];

	free(s->proxy_hdr);
	s->proxy_hdr = NULL;
	if (h->command == PROXY_V2_LOCAL) {
		/* The balancer's health check: not a refusal, not news. */
		s->quiet_close = true;
		session_close(s, SESSION_NO_BYE, "PROXY LOCAL (health check)");
		return;
	}
	snprintf(lb, sizeof(lb), "%s", s->remote);
	addr_fmt_sockaddr((const struct sockaddr *)&h->src, s->remote);
	halfopen_source(&h->src, &src);
	halfopen_set_source(s, &src);
	session_log(s, SESSION_LOG_DEBUG, "PROXY header from %s", lb);
}

/*
 * Reads no more than the header: its fixed part, then the length it gives.
 * Returns true once the TLS handshake may read the socket.
 */
bool proxy_on_readable(struct session *s)
{
	for (;;) {
		struct proxy_v2_hdr h;
		const char *why = NULL;
		size_t want = PROXY_V2_FIXED;
		ssize_t n;

		if (s->proxy_have >= PROXY_V2_FIXED)
			want += (size_t)s->proxy_hdr[14] << 8 | s->proxy_hdr[15];
		n = recv(s->fd, s->proxy_hdr + s->proxy_have, want - s->proxy_have, 0);
		if (n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)) {
			/* Connect and close with nothing said: a TCP health
			 * check, not a refusal. */
			s->quiet_close = s->proxy_have == 0;
			s->refusal = REFUSAL_PROXY_HEADER;
			session_close(s, SESSION_NO_BYE, "connection closed before a whole PROXY header");
			return false;
		}
		if (n < 0)
			return false;
		s->proxy_have += (uint16_t)n;
		switch (proxy_v2_parse(s->proxy_hdr, s->proxy_have, &h, &why)) {
		case PROXY_V2_OK:
			proxy_on_header(s, &h);
			return !s->on_reap && s->state == SESSION_HANDSHAKE;
		case PROXY_V2_BAD:
			refuse(s, why);
			return false;
		case PROXY_V2_NEED_MORE:
			break;
		}
	}
}
