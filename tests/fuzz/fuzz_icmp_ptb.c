/*
 * fuzz_icmp_ptb.c - arbitrary bytes as an inner packet too big for a
 * path. Bytes 0-1 are the MTU, byte 2 bit 0 makes the IP length agree
 * with the bytes and sets DF, bit 1 pads the packet with zeros to one
 * byte over the MTU (so an IPv6 packet passes 1280 bytes), bytes 3-18 are the error's source (of
 * the packet's family), the rest is the packet. An error written must be a sound packet within 576
 * (IPv4) or 1280 (IPv6) bytes whose checksums verify, addressed to the packet's source, announcing
 * the MTU and quoting the packet's first bytes; no error means a reason.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>

#include "addr.h"
#include "buf.h"
#include "csum.h"
#include "icmp_ptb.h"
#include "ippkt.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define META_LEN 19

static void check(const uint8_t *pkt, size_t len, uint32_t mtu, const struct ipaddr *from,
		  const uint8_t *e, size_t n)
{
	struct ippkt_info ip;
	size_t l3 = from->family == AF_INET ? 20 : 40;

	if (ippkt_parse(e, n, &ip) != IPPKT_OK || ip.family != from->family || n < l3 + 8)
		__builtin_trap();
	if (memcmp(ip.src.bytes, from->bytes, addr_len(from)) != 0 ||
	    memcmp(e + (l3 == 20 ? 16 : 24), pkt + (l3 == 20 ? 12 : 8), addr_len(from)) != 0)
		__builtin_trap();
	if (n - l3 - 8 > len || memcmp(e + l3 + 8, pkt, n - l3 - 8) != 0)
		__builtin_trap();
	if (l3 == 20) {
		if (n > ICMP_PTB_MAX_V4 || csum_sum(e, 20) != 0xffff ||
		    csum_sum(e + 20, n - 20) != 0xffff || e[20] != 3 || e[21] != 4 ||
		    buf_get16(e + 26) != mtu || n - 28 < (size_t)(pkt[0] & 0x0f) * 4 + 8)
			__builtin_trap();
	} else {
		if (n > ICMP_PTB_MAX_V6 || e[40] != 2 || buf_get32(e + 44) != mtu ||
		    csum_add(csum_pseudo(e, AF_INET6, 58, n - 40), csum_sum(e + 40, n - 40)) !=
			0xffff)
			__builtin_trap();
	}
	if (len <= mtu)
		__builtin_trap();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t pkt[65536], out[ICMP_PTB_MAX_LEN];
	struct ipaddr from;
	enum icmp_ptb_result why;
	uint32_t mtu;
	size_t len, n;

	if (size < META_LEN + 1 || size - META_LEN > sizeof(pkt))
		return 0;
	mtu = (uint32_t)(data[0] << 8 | data[1]);
	len = size - META_LEN;
	memcpy(pkt, data + META_LEN, len);
	if ((data[2] & 2) && len <= mtu) {
		memset(pkt + len, 0, mtu + 1 - len);
		len = mtu + 1;
	}
	if ((data[2] & 1) && len >= 20 && pkt[0] >> 4 == 4) {
		buf_put16(pkt + 2, (uint16_t)len);
		pkt[6] |= 0x40;
	} else if ((data[2] & 1) && len >= 40 && pkt[0] >> 4 == 6) {
		buf_put16(pkt + 4, (uint16_t)(len - 40));
	}
	if (pkt[0] >> 4 == 4)
		addr_from_v4(&from, data + 3);
	else
		addr_from_v6(&from, data + 3);
	n = icmp_ptb(pkt, len, mtu, &from, out, sizeof(out), &why);
	if ((n == 0) != (why != ICMP_PTB_OK))
		__builtin_trap();
	if (n != 0)
		check(pkt, len, mtu, &from, out, n);
	return 0;
}
