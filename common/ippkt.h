/*
 * ippkt.h - checks on the inner IP packets carried in DATA frames.
 * Pure: validates the header enough to trust version, length and addresses.
 */
#ifndef MTLSVPN_IPPKT_H
#define MTLSVPN_IPPKT_H

#include <stddef.h>
#include <stdint.h>

#include "addr.h"

enum ippkt_result {
	IPPKT_OK,
	IPPKT_TOO_SHORT,   /* shorter than the version's fixed header */
	IPPKT_BAD_VERSION, /* neither 4 nor 6 */
	IPPKT_BAD_HEADER,  /* IHL < 5, or header longer than the packet */
	IPPKT_BAD_LENGTH,  /* total/payload length disagrees with the bytes */
};

struct ippkt_info {
	int family;            /* AF_INET / AF_INET6 */
	struct ipaddr src, dst;
	uint8_t proto;         /* v4 protocol or v6 next header (first) */
	size_t len;            /* length the header claims */
};

enum ippkt_result ippkt_parse(const uint8_t *p, size_t n, struct ippkt_info *out);
const char *ippkt_result_str(enum ippkt_result r);

#endif
