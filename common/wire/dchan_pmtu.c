/*
 * dchan_pmtu.c - a channel's path MTU state. The error is only built
 * when one is owed (dchan_mtu_way said so) and a token is there, so a
 * flood of large packets costs a comparison each, not a checksum over
 * 576 or 1280 bytes.
 */
#include "dchan_pmtu.h"

#include "icmp_ptb.h"
#include "ippkt.h"

void dchan_pmtu_init(struct dchan_pmtu *p, size_t tun_mtu, uint64_t now_ms)
{
	*p = (struct dchan_pmtu){.usable = tun_mtu, .base = tun_mtu, .probed = SIZE_MAX};
	tbucket_init(&p->ptb, DCHAN_PMTU_PTB_RATE, DCHAN_PMTU_PTB_BURST, now_ms);
}

bool dchan_pmtu_learn(struct dchan_pmtu *p, uint32_t path_mtu, int outer_family, size_t tun_mtu)
{
	size_t u = dchan_mtu_usable(path_mtu, outer_family), old = p->usable;

	if (u == 0)
		return false; /* nothing sensible: keep what we had */
	p->path_mtu = path_mtu;
	p->outer_family = outer_family;
	p->base = u < tun_mtu ? u : tun_mtu;
	p->usable = p->base < p->probed ? p->base : p->probed;
	return p->usable != old;
}

bool dchan_pmtu_probed(struct dchan_pmtu *p, size_t probed)
{
	size_t old = p->usable;

	p->probed = probed;
	p->usable = p->base < probed ? p->base : probed;
	return p->usable != old;
}

enum dchan_mtu_way dchan_pmtu_check(struct dchan_pmtu *p, const uint8_t *pkt, size_t len,
				    size_t size, const struct ipaddr *from, uint64_t now_ms,
				    uint8_t *out, size_t cap, size_t *ptb_len)
{
	enum dchan_mtu_way way;
	enum icmp_ptb_result why;
	struct ippkt_info ip;

	*ptb_len = 0;
	if (size <= p->usable)
		return DCHAN_MTU_UDP;
	p->too_big++;
	/* len >= size > usable: the way of the packet is its header's. */
	way = dchan_mtu_way(pkt, len, p->usable);
	if (way != DCHAN_MTU_TLS_PTB)
		return way;
	if (!tbucket_take(&p->ptb, now_ms)) {
		p->ptb_limited++;
		return way;
	}
	if (from == NULL) {
		if (ippkt_parse(pkt, len, &ip) != IPPKT_OK)
			return way;
		from = &ip.dst;
	}
	*ptb_len = icmp_ptb(pkt, len, (uint32_t)p->usable, from, out, cap, &why);
	if (*ptb_len > 0)
		p->ptb_sent++;
	return way;
}

uint16_t dchan_pmtu_mss(const struct dchan_pmtu *p, uint32_t setting, bool udp_up, int family)
{
	if (setting == DCHAN_PMTU_CLAMP_OFF)
		return 0;
	if (setting != DCHAN_PMTU_CLAMP_AUTO)
		return setting > UINT16_MAX ? UINT16_MAX : (uint16_t)setting;
	return udp_up ? dchan_mtu_mss(p->usable, family) : 0;
}
