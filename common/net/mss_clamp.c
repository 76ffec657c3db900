/*
 * mss_clamp.c - MSS clamping. The option list is read whole and strictly
 * first (every option inside the header, lengths of at least 2, the MSS
 * option exactly 4 bytes and at most once); only a list that passes is
 * changed, two bytes of it, with the checksum adjusted by RFC 1624's
 * HC' = ~(~HC + ~m + m') over the 16-bit words those bytes sit in.
 */
#include "mss_clamp.h"

#include <sys/socket.h>

#include "buf.h"
#include "csum.h"
#include "ippkt.h"

#define PROTO_TCP 6
#define TCP_HDR_MIN 20
#define TCP_SYN 0x02
#define TCP_RST 0x04

#define OPT_EOL 0
#define OPT_NOP 1
#define OPT_MSS 2
#define OPT_MSS_LEN 4

/* The offset in t (a TCP header of hlen bytes) of the MSS option's value,
 * 0 if there is none, -1 if the option list is malformed. */
static long find_mss(const uint8_t *t, size_t hlen)
{
	size_t i = TCP_HDR_MIN;
	long at = 0;

	while (i < hlen) {
		size_t olen;

		if (t[i] == OPT_EOL)
			break;
		if (t[i] == OPT_NOP) {
			i++;
			continue;
		}
		if (i + 1 >= hlen)
			return -1;
		olen = t[i + 1];
		if (olen < 2 || olen > hlen - i)
			return -1;
		if (t[i] == OPT_MSS) {
			if (olen != OPT_MSS_LEN || at != 0)
				return -1;
			at = (long)i + 2;
		}
		i += olen;
	}
	return at;
}

/* Writes v at t[at..at+2) and adjusts the checksum at t[16..18). The
 * words summed start at an even offset of the header (which itself starts
 * at an even offset of the packet); an odd position spans 3 bytes, the
 * third unchanged, so it cancels out of the difference. */
static void put_mss(uint8_t *t, size_t at, uint16_t v, bool csum_partial)
{
	size_t w = at & ~(size_t)1, n = at - w + 2;
	uint32_t old = csum_sum(t + w, n), sum;

	buf_put16(t + at, v);
	if (csum_partial)
		return;
	sum = csum_add((uint16_t)~buf_get16(t + 16), (uint16_t)~old);
	sum = csum_add(sum, csum_sum(t + w, n));
	buf_put16(t + 16, (uint16_t)~sum);
}

enum mss_clamp_result mss_clamp(uint8_t *pkt, size_t len, bool csum_partial, uint16_t max_mss,
				uint16_t *old_mss)
{
	struct ippkt_info ip;
	struct ippkt_l4 l4;
	uint8_t *t;
	size_t hlen;
	long at;
	uint16_t mss;

	if (old_mss != NULL)
		*old_mss = 0;
	if (ippkt_parse(pkt, len, &ip) != IPPKT_OK)
		return MSS_CLAMP_MALFORMED;
	ippkt_l4(pkt, len, &ip, &l4);
	if (l4.proto != PROTO_TCP || l4.fragment || l4.frag_first)
		return MSS_CLAMP_NOT_SYN;
	if (l4.off == 0 || len - l4.off < TCP_HDR_MIN)
		return MSS_CLAMP_MALFORMED;
	t = pkt + l4.off;
	if ((t[13] & (TCP_SYN | TCP_RST)) != TCP_SYN)
		return MSS_CLAMP_NOT_SYN;
	hlen = (size_t)(t[12] >> 4) * 4;
	if (hlen < TCP_HDR_MIN || hlen > len - l4.off)
		return MSS_CLAMP_MALFORMED;
	at = find_mss(t, hlen);
	if (at < 0)
		return MSS_CLAMP_MALFORMED;
	if (at == 0)
		return MSS_CLAMP_NO_OPTION;
	mss = buf_get16(t + at);
	if (old_mss != NULL)
		*old_mss = mss;
	if (mss <= max_mss)
		return MSS_CLAMP_KEPT;
	put_mss(t, (size_t)at, max_mss, csum_partial);
	return MSS_CLAMP_LOWERED;
}

const char *mss_clamp_result_str(enum mss_clamp_result r)
{
	switch (r) {
	case MSS_CLAMP_LOWERED:
		return "lowered";
	case MSS_CLAMP_KEPT:
		return "already within the limit";
	case MSS_CLAMP_NOT_SYN:
		return "not a TCP SYN";
	case MSS_CLAMP_NO_OPTION:
		return "SYN without an MSS option";
	case MSS_CLAMP_MALFORMED:
		return "malformed IP or TCP header";
	}
	return "unknown result";
}
