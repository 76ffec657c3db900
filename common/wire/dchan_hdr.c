/*
 * dchan_hdr.c - the UDP data-channel datagram header (dchan_hdr.h).
 * Fields are read byte by byte into locals: no packed-struct casts, no
 * alignment assumptions about the datagram.
 */
#include "dchan_hdr.h"

static uint64_t get_be64(const uint8_t *p)
{
	uint64_t v = 0;

	for (int i = 0; i < 8; i++)
		v = v << 8 | p[i];
	return v;
}

static void put_be64(uint8_t *p, uint64_t v)
{
	for (int i = 7; i >= 0; i--) {
		p[i] = (uint8_t)v;
		v >>= 8;
	}
}

enum dchan_hdr_result dchan_hdr_decode(const uint8_t *p, size_t n, struct dchan_hdr *out)
{
	if (n < DCHAN_MIN_LEN)
		return DCHAN_HDR_SHORT;
	if (p[0] != DCHAN_DATA && p[0] != DCHAN_PING && p[0] != DCHAN_PONG)
		return DCHAN_HDR_TYPE;
	if (p[2] != 0 || p[3] != 0)
		return DCHAN_HDR_RESERVED;
	out->type = p[0];
	out->epoch = p[1];
	out->cid = get_be64(p + 4);
	out->counter = get_be64(p + 12);
	if (out->cid == 0)
		return DCHAN_HDR_CID;
	return DCHAN_HDR_OK;
}

void dchan_hdr_encode(const struct dchan_hdr *h, uint8_t out[static DCHAN_HDR_LEN])
{
	out[0] = h->type;
	out[1] = h->epoch;
	out[2] = 0;
	out[3] = 0;
	put_be64(out + 4, h->cid);
	put_be64(out + 12, h->counter);
}

const char *dchan_hdr_result_str(enum dchan_hdr_result r)
{
	switch (r) {
	case DCHAN_HDR_OK:
		return "ok";
	case DCHAN_HDR_SHORT:
		return "shorter than a header and a tag";
	case DCHAN_HDR_TYPE:
		return "unknown datagram type";
	case DCHAN_HDR_RESERVED:
		return "reserved bytes not zero";
	case DCHAN_HDR_CID:
		return "connection id 0";
	}
	return "?";
}
