/*
 * ipv4_sample.h - one well-formed IPv4/UDP packet for the channel tests
 * (test_chan.c, test_chan_cstp.c): 10.8.0.1 -> 10.8.0.2, ports 1000 ->
 * 2000, payload "ping", header checksum set; swap makes it 10.8.0.2 ->
 * 10.8.0.1, as a client sends it.
 */
#ifndef MTLSVPN_TEST_IPV4_SAMPLE_H
#define MTLSVPN_TEST_IPV4_SAMPLE_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

static inline size_t ipv4_sample(uint8_t out[32], bool swap)
{
	static const uint8_t hdr[20] = {0x45, 0, 0,  32, 0x12, 0x34, 0x40, 0, 64, 17,
					0,    0, 10, 8,	 0,    1,    10,   8, 0,  2};
	uint32_t sum = 0;

	memcpy(out, hdr, sizeof(hdr));
	if (swap) {
		out[15] = 2;
		out[19] = 1;
	}
	for (int i = 0; i < 20; i += 2)
		sum += (uint32_t)(out[i] << 8 | out[i + 1]);
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	out[10] = (uint8_t)(~sum >> 8);
	out[11] = (uint8_t)~sum;
	memcpy(out + 20, (const uint8_t[]){0x03, 0xe8, 0x07, 0xd0, 0, 12, 0, 0, 'p', 'i', 'n', 'g'},
	       12);
	return 32;
}

#endif
