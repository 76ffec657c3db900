/*
 * udp_gro.c - cutting a UDP_GRO read into its datagrams (udp_gro.h).
 * Never reads the bytes, only their count.
 */
#include "udp_gro.h"

uint32_t udp_gro_split(size_t n, size_t seg, size_t *size)
{
	if (seg == 0 || seg >= n) {
		*size = n;
		return 1;
	}
	*size = seg;
	/* seg < n here, so the rounding cannot overflow. */
	return (uint32_t)((n + seg - 1) / seg);
}

size_t udp_gro_len(size_t n, size_t size, size_t off)
{
	if (off >= n)
		return 0;
	return n - off < size ? n - off : size;
}
