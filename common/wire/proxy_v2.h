/*
 * proxy_v2.h - the PROXY protocol version 2 header a load balancer (HAProxy
 * "send-proxy-v2") puts before the client's first byte: the real client's
 * address and port. Pure, never logs: bytes in, OK / NEED_MORE / BAD out.
 * Only the 16-byte fixed part and the address block are read; TLVs after it
 * are skipped. The whole header is bounded by PROXY_V2_MAX.
 */
#ifndef MTLSVPN_PROXY_V2_H
#define MTLSVPN_PROXY_V2_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

/* Fixed part (signature, version/command, family, length). */
#define PROXY_V2_FIXED 16
/* The whole header at most: the fixed part and a 520-byte block, room for
 * an IPv6 address block (36) and the TLVs HAProxy may add. */
#define PROXY_V2_MAX 536

enum proxy_v2_result {
	PROXY_V2_OK,        /* a whole header: *out is filled */
	PROXY_V2_NEED_MORE, /* a prefix of a valid header: read more */
	PROXY_V2_BAD,       /* not a PROXY v2 header we accept: *why says why */
};

enum proxy_v2_command {
	PROXY_V2_LOCAL = 0, /* the balancer's own connection (a health check) */
	PROXY_V2_PROXY = 1, /* relayed: src is the real client */
};

struct proxy_v2_hdr {
	enum proxy_v2_command command;
	size_t len;                    /* bytes of the header, TLVs included */
	struct sockaddr_storage src;   /* PROXY: the client; LOCAL: family AF_UNSPEC */
	struct sockaddr_storage dst;   /* PROXY: the address the client reached */
};

enum proxy_v2_result proxy_v2_parse(const uint8_t *p, size_t n, struct proxy_v2_hdr *out,
				    const char **why);

#endif
