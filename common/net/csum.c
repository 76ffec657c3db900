/*
 * csum.c - the Internet checksum, fast: native words summed, folded and
 * swapped once at the end, since the one's complement sum does not depend
 * on byte order (RFC 1071, 2.(B)). With SSE2 (every x86-64) 32-bit words
 * go into 64-bit lanes with no carry to chase: a lane adds one word of
 * under 2^32 per 32 bytes, so it cannot overflow before 2^37 bytes, far
 * beyond any packet (the data path's are at most 64 KiB). Elsewhere 64-bit
 * words with end-around carry, a chain each step must wait for. On this
 * project's machines SSE2 sums 1400 bytes at ~25 GB/s against ~8-11 GB/s
 * for the carry chain: the UDP channel checksums every segment it cuts
 * and every segment it coalesces.
 */
#include "csum.h"

#include <string.h>
#include <sys/socket.h>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

static uint32_t fold16(uint64_t s)
{
	s = (s & 0xffffffffu) + (s >> 32);
	s = (s & 0xffffffffu) + (s >> 32);
	s = (s & 0xffff) + (s >> 16);
	s = (s & 0xffff) + (s >> 16);
	return (uint32_t)s;
}

#if defined(__SSE2__)
/* The sum of p[0..n) as 32-bit words in 64 bits (an end short of a word
 * padded with zero), unfolded. */
static uint64_t sum_words(const uint8_t *p, size_t n)
{
	const __m128i z = _mm_setzero_si128();
	__m128i a0 = z, a1 = z, a2 = z, a3 = z;
	uint64_t s, lane[2];
	uint32_t w;
	size_t i = 0;

	for (; i + 32 <= n; i += 32) {
		__m128i v0 = _mm_loadu_si128((const __m128i *)(const void *)(p + i));
		__m128i v1 = _mm_loadu_si128((const __m128i *)(const void *)(p + i + 16));

		a0 = _mm_add_epi64(a0, _mm_unpacklo_epi32(v0, z));
		a1 = _mm_add_epi64(a1, _mm_unpackhi_epi32(v0, z));
		a2 = _mm_add_epi64(a2, _mm_unpacklo_epi32(v1, z));
		a3 = _mm_add_epi64(a3, _mm_unpackhi_epi32(v1, z));
	}
	a0 = _mm_add_epi64(_mm_add_epi64(a0, a1), _mm_add_epi64(a2, a3));
	_mm_storeu_si128((__m128i *)(void *)lane, a0);
	s = lane[0] + lane[1];
	for (; i + 4 <= n; i += 4) {
		memcpy(&w, p + i, 4);
		s += w;
	}
	if (i < n) {
		w = 0;
		memcpy(&w, p + i, n - i);
		s += w;
	}
	return s;
}
#else
static uint64_t add_carry(uint64_t s, uint64_t w)
{
	s += w;
	return s + (s < w);
}

static uint64_t sum_words(const uint8_t *p, size_t n)
{
	uint64_t s = 0, w[4];
	size_t i = 0;

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
	return s;
}
#endif

uint32_t csum_sum(const uint8_t *p, size_t n)
{
	uint32_t r = fold16(sum_words(p, n));

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
