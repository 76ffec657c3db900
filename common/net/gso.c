/*
 * gso.c - super-packets: checked against their metadata, cut into segments
 * the way the kernel's tcp_gso_segment and __udp_gso_segment cut them, and
 * partial checksums completed. Every length is derived from the packet
 * (ippkt_parse first, then the transport header), never from the
 * metadata's word. A segment repeats the super-packet's headers with its
 * own lengths, IPv4 id + k, TCP seq + k * gso_size, FIN and PSH on the
 * last segment only and CWR on the first only.
 */
#include "gso.h"

#include <string.h>
#include <sys/socket.h>

#include "buf.h"
#include "csum.h"
#include "ippkt.h"

#define PROTO_TCP 6
#define PROTO_UDP 17

#define IPV6_HDR_LEN 40
#define TCP_HDR_MIN 20
#define UDP_HDR_LEN 8
#define IP_MAX_LEN 65535

#define TCP_FIN 0x01
#define TCP_SYN 0x02
#define TCP_RST 0x04
#define TCP_PSH 0x08
#define TCP_CWR 0x80

/* struct virtio_net_hdr (linux/virtio_net.h). */
#define VNET_F_NEEDS_CSUM 0x01
#define VNET_F_DATA_VALID 0x02
#define VNET_GSO_NONE 0
#define VNET_GSO_TCPV4 1
#define VNET_GSO_UDP 3
#define VNET_GSO_TCPV6 4
#define VNET_GSO_UDP_L4 5
#define VNET_GSO_ECN 0x80

/* ---- checksums ---------------------------------------------------------- */

static uint32_t pseudo_sum(const uint8_t *pkt, const struct gso_info *inf, size_t l4_len)
{
	return csum_pseudo(pkt, inf->family, inf->proto, l4_len);
}

/* Stores the complement of sum; UDP sends a computed zero as all ones
 * (zero there means "no checksum"), as the kernel does. */
static void store_csum(uint8_t *field, uint8_t proto, uint32_t sum)
{
	uint16_t c = (uint16_t)~sum;

	if (c == 0 && proto == PROTO_UDP)
		c = 0xffff;
	buf_put16(field, c);
}

void gso_csum_finish(uint8_t *pkt, const struct gso_info *inf)
{
	if (inf->proto == 0)
		return;
	store_csum(pkt + inf->l3_len + inf->csum_offset, inf->proto,
		   csum_sum(pkt + inf->l3_len, inf->len - inf->l3_len));
}

/* ---- the virtio_net_hdr ------------------------------------------------- */

bool gso_from_vnet(const uint8_t hdr[static GSO_VNET_HDR_LEN], struct gso_meta *m,
		   uint16_t *csum_start, uint16_t *csum_offset, const char **why)
{
	uint8_t flags = hdr[0], type = hdr[1];

	memset(m, 0, sizeof(*m));
	*csum_start = (uint16_t)(hdr[6] | hdr[7] << 8);
	*csum_offset = (uint16_t)(hdr[8] | hdr[9] << 8);
	if (flags & ~(VNET_F_NEEDS_CSUM | VNET_F_DATA_VALID)) {
		*why = "unknown virtio_net_hdr flags";
		return false;
	}
	if (type & VNET_GSO_ECN) {
		*why = "ECN-flagged TSO";
		return false;
	}
	switch (type) {
	case VNET_GSO_NONE:
		m->type = GSO_NONE;
		break;
	case VNET_GSO_TCPV4:
		m->type = GSO_TCPV4;
		break;
	case VNET_GSO_TCPV6:
		m->type = GSO_TCPV6;
		break;
	case VNET_GSO_UDP_L4:
		m->type = GSO_UDP_L4;
		break;
	case VNET_GSO_UDP:
		*why = "UDP fragmentation offload (UFO)";
		return false;
	default:
		*why = "unknown virtio_net_hdr GSO type";
		return false;
	}
	m->needs_csum = (flags & VNET_F_NEEDS_CSUM) != 0;
	/* The kernel ignores gso_size without a GSO type; so do we. */
	if (m->type != GSO_NONE)
		m->gso_size = (uint16_t)(hdr[4] | hdr[5] << 8);
	return true;
}

static void put_le16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

void gso_to_vnet(const struct gso_meta *m, const struct gso_info *inf,
		 uint8_t hdr[static GSO_VNET_HDR_LEN])
{
	static const uint8_t vnet_type[] = {
	    [GSO_NONE] = VNET_GSO_NONE,
	    [GSO_TCPV4] = VNET_GSO_TCPV4,
	    [GSO_TCPV6] = VNET_GSO_TCPV6,
	    [GSO_UDP_L4] = VNET_GSO_UDP_L4,
	};

	memset(hdr, 0, GSO_VNET_HDR_LEN);
	if (m->needs_csum) {
		hdr[0] = VNET_F_NEEDS_CSUM;
		put_le16(hdr + 6, inf->l3_len);
		put_le16(hdr + 8, inf->csum_offset);
	}
	if (m->type != GSO_NONE && m->type <= GSO_UDP_L4) {
		hdr[1] = vnet_type[m->type];
		put_le16(hdr + 2, inf->hdr_len);
		put_le16(hdr + 4, m->gso_size);
	}
}

/* ---- checking a super-packet -------------------------------------------- */

static enum gso_result refuse(const char **why, const char *what, enum gso_result r)
{
	*why = what;
	return r;
}

static enum gso_result check_meta(const struct gso_meta *m, const char **why)
{
	if (m->type > GSO_UDP_L4)
		return refuse(why, "unknown GSO type", GSO_BAD_META);
	if (m->type == GSO_NONE)
		return m->gso_size == 0 ? GSO_OK
					: refuse(why, "gso_size without a GSO type", GSO_BAD_META);
	if (m->gso_size == 0)
		return refuse(why, "GSO with gso_size 0", GSO_BAD_META);
	if (!m->needs_csum)
		return refuse(why, "GSO without a partial checksum", GSO_BAD_META);
	return GSO_OK;
}

static bool v4_fragment(const uint8_t *pkt)
{
	return (buf_get16(pkt + 6) & 0x3fff) != 0; /* MF or an offset */
}

/* Where the transport header of a super-packet starts: right after the IP
 * header, which must be of the type's family and carry its protocol. */
static enum gso_result gso_l3(const uint8_t *pkt, const struct gso_meta *m,
			      const struct ippkt_info *ip, struct gso_info *inf, const char **why)
{
	uint8_t want = m->type == GSO_UDP_L4 ? PROTO_UDP : PROTO_TCP;

	if (ip->family == AF_INET) {
		if (m->type == GSO_TCPV6)
			return refuse(why, "GSO_TCPV6 on an IPv4 packet", GSO_MISMATCH);
		if (v4_fragment(pkt))
			return refuse(why, "an IPv4 fragment as a super-packet", GSO_MISMATCH);
		if (ip->proto != want)
			return refuse(why, "IPv4 protocol is not the GSO type's", GSO_MISMATCH);
		inf->l3_len = (uint16_t)((pkt[0] & 0x0f) * 4);
	} else {
		if (m->type == GSO_TCPV4)
			return refuse(why, "GSO_TCPV4 on an IPv6 packet", GSO_MISMATCH);
		if (ip->proto != want)
			return refuse(why,
				      "IPv6 next header is not the GSO type's protocol "
				      "(extension headers are refused)",
				      GSO_MISMATCH);
		inf->l3_len = IPV6_HDR_LEN;
	}
	inf->proto = want;
	return GSO_OK;
}

/* A plain packet: with a partial checksum it must be TCP or UDP, whole
 * (not a fragment), its IPv6 extension headers walked by ippkt_l4. */
static enum gso_result plain_l3(const uint8_t *pkt, size_t len, const struct gso_meta *m,
				const struct ippkt_info *ip, struct gso_info *inf, const char **why)
{
	struct ippkt_l4 l4;

	if (!m->needs_csum) {
		inf->l3_len =
		    ip->family == AF_INET ? (uint16_t)((pkt[0] & 0x0f) * 4) : IPV6_HDR_LEN;
		inf->hdr_len = inf->l3_len;
		return GSO_OK;
	}
	if (ip->family == AF_INET && v4_fragment(pkt))
		return refuse(why, "a partial checksum on an IPv4 fragment", GSO_MISMATCH);
	ippkt_l4(pkt, len, ip, &l4);
	if (l4.fragment)
		return refuse(why, "a partial checksum on an IPv6 fragment", GSO_MISMATCH);
	if ((l4.proto != PROTO_TCP && l4.proto != PROTO_UDP) || l4.off == 0)
		return refuse(why, "a partial checksum on neither TCP nor UDP", GSO_MISMATCH);
	inf->l3_len = (uint16_t)l4.off;
	inf->proto = l4.proto;
	return GSO_OK;
}

static enum gso_result check_l4(const uint8_t *pkt, size_t len, const struct gso_meta *m,
				struct gso_info *inf, const char **why)
{
	const uint8_t *t = pkt + inf->l3_len;
	size_t room = len - inf->l3_len, thlen;

	if (inf->proto == PROTO_UDP) {
		if (room < UDP_HDR_LEN)
			return refuse(why, "truncated UDP header", GSO_BAD_PACKET);
		if (buf_get16(t + 4) != room)
			return refuse(why, "UDP length does not match the packet", GSO_BAD_PACKET);
		inf->csum_offset = 6;
		inf->hdr_len = (uint16_t)(inf->l3_len + UDP_HDR_LEN);
		return GSO_OK;
	}
	if (room < TCP_HDR_MIN)
		return refuse(why, "truncated TCP header", GSO_BAD_PACKET);
	thlen = (size_t)(t[12] >> 4) * 4;
	if (thlen < TCP_HDR_MIN)
		return refuse(why, "TCP data offset below 5", GSO_BAD_PACKET);
	if (thlen > room)
		return refuse(why, "TCP header beyond the packet", GSO_BAD_PACKET);
	if (m->type != GSO_NONE && (t[13] & (TCP_SYN | TCP_RST)))
		return refuse(why, "SYN or RST in a TCP super-packet", GSO_MISMATCH);
	inf->csum_offset = 16;
	inf->hdr_len = (uint16_t)(inf->l3_len + thlen);
	return GSO_OK;
}

static enum gso_result check_segs(const struct gso_meta *m, size_t seg_max, struct gso_info *inf,
				  const char **why)
{
	size_t payload = inf->len - inf->hdr_len, seg = (size_t)inf->hdr_len + m->gso_size;

	if (inf->hdr_len > GSO_MAX_HDR)
		return refuse(why, "headers longer than GSO_MAX_HDR", GSO_BAD_SIZE);
	if (seg > seg_max)
		return refuse(why, "a segment larger than the tunnel allows", GSO_BAD_SIZE);
	if (seg > IP_MAX_LEN)
		return refuse(why, "a segment larger than an IP packet", GSO_BAD_SIZE);
	if (payload > (size_t)m->gso_size * GSO_MAX_SEGS)
		return refuse(why, "more than GSO_MAX_SEGS segments", GSO_BAD_SIZE);
	/* No payload at all is still one (empty) segment. */
	inf->segs = payload == 0 ? 1 : (uint32_t)((payload + m->gso_size - 1) / m->gso_size);
	return GSO_OK;
}

enum gso_result gso_check(const uint8_t *pkt, size_t len, const struct gso_meta *m, size_t seg_max,
			  struct gso_info *inf, const char **why)
{
	struct ippkt_info ip;
	enum ippkt_result ir;
	enum gso_result r;

	memset(inf, 0, sizeof(*inf));
	*why = NULL;
	r = check_meta(m, why);
	if (r != GSO_OK)
		return r;
	ir = ippkt_parse(pkt, len, &ip);
	if (ir != IPPKT_OK)
		return refuse(why, ippkt_result_str(ir), GSO_BAD_PACKET);
	inf->family = ip.family;
	inf->len = len;
	inf->segs = 1;
	r = m->type == GSO_NONE ? plain_l3(pkt, len, m, &ip, inf, why)
				: gso_l3(pkt, m, &ip, inf, why);
	if (r != GSO_OK || inf->proto == 0)
		return r;
	r = check_l4(pkt, len, m, inf, why);
	if (r != GSO_OK || m->type == GSO_NONE)
		return r;
	return check_segs(m, seg_max, inf, why);
}

/* ---- segmentation ------------------------------------------------------- */

/* The IP header of segments [first, ...) of out_len bytes in all. */
static void fix_ip(uint8_t *out, const struct gso_info *inf, size_t out_len, uint32_t first)
{
	if (inf->family == AF_INET6) {
		buf_put16(out + 4, (uint16_t)(out_len - IPV6_HDR_LEN));
		return;
	}
	buf_put16(out + 2, (uint16_t)out_len);
	buf_put16(out + 4, (uint16_t)(buf_get16(out + 4) + first));
	buf_put16(out + 10, 0);
	buf_put16(out + 10, (uint16_t)~csum_sum(out, inf->l3_len));
}

/* The transport header, then its checksum: complete for one segment, the
 * pseudo-header's sum (CHECKSUM_PARTIAL) for several. */
static void fix_l4(uint8_t *out, const struct gso_info *inf, const struct gso_meta *m,
		   uint32_t first, uint32_t n, size_t out_len)
{
	uint8_t *t = out + inf->l3_len, *field = t + inf->csum_offset;
	size_t l4_len = out_len - inf->l3_len;
	uint32_t ps;

	if (inf->proto == PROTO_TCP) {
		buf_put32(t + 4, buf_get32(t + 4) + first * (uint32_t)m->gso_size);
		if (first + n < inf->segs)
			t[13] &= (uint8_t) ~(TCP_FIN | TCP_PSH);
		if (first > 0)
			t[13] &= (uint8_t)~TCP_CWR;
	} else {
		buf_put16(t + 4, (uint16_t)l4_len);
	}
	ps = pseudo_sum(out, inf, l4_len);
	buf_put16(field, 0);
	if (n > 1) {
		buf_put16(field, (uint16_t)ps);
		return;
	}
	store_csum(field, inf->proto, csum_add(ps, csum_sum(t, l4_len)));
}

size_t gso_segment(const uint8_t *pkt, const struct gso_info *inf, const struct gso_meta *m,
		   uint32_t first, uint32_t n, uint8_t *out, size_t cap, struct gso_meta *out_m)
{
	size_t payload = inf->len - inf->hdr_len, off, plen, out_len;

	if (n == 0 || first >= inf->segs || n > inf->segs - first)
		return 0;
	if (m->type == GSO_NONE) {
		if (inf->len > cap)
			return 0;
		memcpy(out, pkt, inf->len);
		if (m->needs_csum)
			gso_csum_finish(out, inf);
		*out_m = (struct gso_meta){.type = GSO_NONE};
		return inf->len;
	}
	off = (size_t)first * m->gso_size;
	plen = payload - off;
	if (plen > (size_t)n * m->gso_size)
		plen = (size_t)n * m->gso_size;
	out_len = inf->hdr_len + plen;
	if (out_len > cap)
		return 0;
	memcpy(out, pkt, inf->hdr_len);
	memcpy(out + inf->hdr_len, pkt + inf->hdr_len + off, plen);
	fix_ip(out, inf, out_len, first);
	fix_l4(out, inf, m, first, n, out_len);
	if (n == 1)
		*out_m = (struct gso_meta){.type = GSO_NONE};
	else
		*out_m =
		    (struct gso_meta){.type = m->type, .needs_csum = true, .gso_size = m->gso_size};
	return out_len;
}

/* ---- what varies ---------------------------------------------------------- */

static void mark(uint8_t mask[static GSO_MASK_BYTES], size_t from, size_t n)
{
	for (size_t i = from; i < from + n && i < GSO_MAX_HDR; i++)
		mask[i / 8] |= (uint8_t)(1u << (i % 8));
}

void gso_vary_mask(const struct gso_info *inf, uint8_t mask[static GSO_MASK_BYTES])
{
	size_t t = inf->l3_len;

	memset(mask, 0, GSO_MASK_BYTES);
	if (inf->segs <= 1)
		return;
	if (inf->family == AF_INET) {
		mark(mask, 2, 4);  /* total length, identification */
		mark(mask, 10, 2); /* header checksum */
	} else {
		mark(mask, 4, 2); /* payload length */
	}
	if (inf->proto == PROTO_TCP) {
		mark(mask, t + 4, 4);  /* sequence number */
		mark(mask, t + 13, 1); /* flags */
	} else {
		mark(mask, t + 4, 2); /* UDP length */
	}
	mark(mask, t + inf->csum_offset, 2);
}

const char *gso_result_str(enum gso_result r)
{
	switch (r) {
	case GSO_OK:
		return "ok";
	case GSO_BAD_META:
		return "bad GSO metadata";
	case GSO_BAD_PACKET:
		return "not a sound packet";
	case GSO_MISMATCH:
		return "packet does not match its GSO type";
	case GSO_BAD_SIZE:
		return "bad segment size or count";
	}
	return "unknown result";
}
