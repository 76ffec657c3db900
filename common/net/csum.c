/*
 * csum.c - the Internet checksum, fast: native 64-bit words summed with
 * end-around carry, folded and swapped once at the end, since the one's
 * complement sum does not depend on byte order (RFC 1071, 2.(B)).
 */
#include "csum.h"

#include <string.h>
#include <sys/socket.h>

static uint32_t fold16(uint64_t s)
{
	s = (s & 0xffffffffu) + (s >> 32);
	s = (s & 0xffffffffu) + (s >> 32);
	s = (s & 0xffff) + (s >> 16);
	s = (s & 0xffff) + (s >> 16);
	return (uint32_t)s;
}

static uint64_t add_carry(uint64_t s, uint64_t w)
{
	s += w;
	return s + (s < w);
}

uint32_t csum_sum(const uint8_t *p, size_t n)
{
	uint64_t s = 0, w[4];
	size_t i = 0;
	uint32_t r;

	for (; i + 32 <= n; i += 32) {
		memcpy(w, p + i, 32);
		s = add_carry(s, w[0]);
		s = add_carry(s, w[1]);
		s = add_carry(s, w[2]);
		s = add_carry(s, w[3]);
	}
	for (; i + 8 <= n; i += 8) {
		memcpy(w, p + i, 8);
		s = add_carry(s, w[0]);
	}
	if (i < n) {
		w[0] = 0;
		memcpy(w, p + i, n - i);
		s = add_carry(s, w[0]);
	}
	r = fold16(s);
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	r = ((r & 0xff) << 8) | (r >> 8);
#endif
	return r;
}

uint32_t csum_add(uint32_t a, uint32_t b)
{
	return fold16((uint64_t)a + b);
}

uint32_t csum_pseudo(const uint8_t *ip, int family, uint8_t proto, size_t l4_len)
{
	uint32_t s = family == AF_INET ? csum_sum(ip + 12, 8) : csum_sum(ip + 8, 32);

	return fold16((uint64_t)s + proto + (l4_len & 0xffff) + (l4_len >> 16));
}
