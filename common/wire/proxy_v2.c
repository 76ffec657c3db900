/*
 * proxy_v2.c - decoding the PROXY protocol v2 header (haproxy's
 * doc/proxy-protocol.txt, section 2.2). A bad byte is refused as soon as
 * it has arrived, so a stranger cannot hold a connection open by sending
 * a header slowly that can never be valid. Accepted: version 2; LOCAL with
 * any family (its addresses are ignored); PROXY with AF_INET or AF_INET6
 * over STREAM. Everything else (UNIX, DGRAM, UNSPEC under PROXY, unknown
 * commands) is BAD: a gateway has nothing to do with it.
 */
#include "proxy_v2.h"

#include <netinet/in.h>
#include <string.h>

static const uint8_t proxy_v2_sig[12] = {0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d,
					 0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a};

#define FAM_INET_STREAM 0x11
#define FAM_INET6_STREAM 0x21
#define BLOCK_INET 12
#define BLOCK_INET6 36

static uint16_t be16(const uint8_t *p)
{
	return (uint16_t)((p[0] << 8) | p[1]);
}

static enum proxy_v2_result bad(const char **why, const char *text)
{
	*why = text;
	return PROXY_V2_BAD;
}

/* The fixed part's bytes 12..15, each checked once it is there. */
static enum proxy_v2_result check_fixed(const uint8_t *p, size_t n, const char **why)
{
	size_t sig = n < sizeof(proxy_v2_sig) ? n : sizeof(proxy_v2_sig);

	if (memcmp(p, proxy_v2_sig, sig) != 0)
		return bad(why, "no PROXY v2 signature");
	if (n > 12 && (p[12] >> 4) != 2)
		return bad(why, "not PROXY protocol version 2");
	if (n > 12 && (p[12] & 0x0f) > PROXY_V2_PROXY)
		return bad(why, "unknown PROXY v2 command");
	if (n > 13 && (p[12] & 0x0f) == PROXY_V2_PROXY && p[13] != FAM_INET_STREAM &&
	    p[13] != FAM_INET6_STREAM)
		return bad(why, "PROXY v2 address family is not TCP over IPv4 or IPv6");
	if (n > 15) {
		size_t len = be16(p + 14);

		if (PROXY_V2_FIXED + len > PROXY_V2_MAX)
			return bad(why, "PROXY v2 header longer than allowed");
		if ((p[12] & 0x0f) == PROXY_V2_PROXY &&
		    len < (p[13] == FAM_INET_STREAM ? BLOCK_INET : BLOCK_INET6))
			return bad(why, "PROXY v2 address block too short for its family");
	}
	return n < PROXY_V2_FIXED ? PROXY_V2_NEED_MORE : PROXY_V2_OK;
}

enum proxy_v2_result proxy_v2_parse(const uint8_t *p, size_t n, struct proxy_v2_hdr *out,
				    const char **why)
{
	enum proxy_v2_result r = check_fixed(p, n, why);
	size_t total;
	uint8_t fam;

	if (r != PROXY_V2_OK)
		return r;
	total = PROXY_V2_FIXED + be16(p + 14);
	if (n < total)
		return PROXY_V2_NEED_MORE;
	memset(out, 0, sizeof(*out));
	out->len = total;
	out->command = (enum proxy_v2_command)(p[12] & 0x0f);
	if (out->command == PROXY_V2_LOCAL)
		return PROXY_V2_OK;
	fam = p[13];
	p += PROXY_V2_FIXED;
	if (fam == FAM_INET_STREAM) {
		struct sockaddr_in s4 = {.sin_family = AF_INET}, d4 = {.sin_family = AF_INET};

		memcpy(&s4.sin_addr, p, 4);
		memcpy(&d4.sin_addr, p + 4, 4);
		memcpy(&s4.sin_port, p + 8, 2);
		memcpy(&d4.sin_port, p + 10, 2);
		memcpy(&out->src, &s4, sizeof(s4));
		memcpy(&out->dst, &d4, sizeof(d4));
	} else {
		struct sockaddr_in6 s6 = {.sin6_family = AF_INET6}, d6 = {.sin6_family = AF_INET6};

		memcpy(&s6.sin6_addr, p, 16);
		memcpy(&d6.sin6_addr, p + 16, 16);
		memcpy(&s6.sin6_port, p + 32, 2);
		memcpy(&d6.sin6_port, p + 34, 2);
		memcpy(&out->src, &s6, sizeof(s6));
		memcpy(&out->dst, &d6, sizeof(d6));
	}
	return PROXY_V2_OK;
}
