/*
 * fuzz_bpf_trace.c - libFuzzer target for bpf_trace: the first byte picks
 * a compiled rule, the second a header length, the rest is the packet.
 * Aborts if bpf_trace_run and libpcap's bpf_filter disagree, or if a run
 * the trace calls invariant changes result under libpcap once the varying
 * bytes (everything past the header) and the length change.
 */
#include <stdlib.h>
#include <string.h>

#include <pcap/pcap.h>

#include "acl.h"
#include "bpf_trace.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* "protochain" loops backwards, and libpcap 1.10's bpf_filter never
 * returns on some IPv6 packets with an AH header under it (found here):
 * bpf_trace cuts such a run short as unsure, and libpcap is asked only
 * about runs bpf_trace finished (the same instructions, so it returns). */
static const char *const exprs[] = {
    "tcp dst port 443", "udp port 53 or icmp", "src net 10.8.0.0/16 and tcp",
    "tcp[tcpflags] & tcp-syn != 0", "ip[2:2] > 576", "greater 300", "len <= 60",
    "tcp[20:4] = 0x47455420", "ip6 and udp",
    "icmp6 and ip6[40] = 135", "tcp portrange 1000-2000 and not dst host 10.0.0.1",
    "tcp[((tcp[12] & 0xf0) >> 2):1] = 0x16", "ip[0] & 0xf != 5", "ip[6:2] & 0x3fff != 0",
    "ip[1] % 3 = 1", "(ip[8] ^ 0x40) * 3 > 20", "ip proto 47 or ip6 proto 50",
    "ip6 protochain 6", "ip6 protochain 17 or ip protochain 6",
};
#define N_EXPRS (sizeof(exprs) / sizeof(exprs[0]))

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct acl a;
	static bool ready;
	static uint8_t other[65536];
	const struct bpf_program *prog;
	struct bpf_trace t;
	size_t fixed, len;
	const uint8_t *pkt;
	unsigned want, got;

	if (!ready) {
		char err[ACL_ERR_MAX];

		acl_init(&a);
		for (size_t i = 0; i < N_EXPRS; i++)
			if (acl_add(&a, ACL_ALLOW, (unsigned)i, exprs[i], err) != 0)
				abort();
		ready = true;
	}
	if (size < 2 || size - 2 > sizeof(other) / 2)
		return 0;
	prog = &a.rules[data[0] % N_EXPRS].prog;
	fixed = data[1] % (GSO_MAX_HDR + 1);
	pkt = data + 2;
	len = size - 2;
	got = bpf_trace_run(prog->bf_insns, prog->bf_len, pkt, len, fixed, NULL, &t);
	if (t.unsure) {
		/* Only a looping rule may be cut short, and the rules then deny. */
		if (!a.rules[data[0] % N_EXPRS].loops || got != 0)
			abort();
		return 0;
	}
	want = bpf_filter(prog->bf_insns, pkt, (u_int)len, (u_int)len);
	if (got != want)
		abort();
	if (!bpf_trace_invariant(&t) || fixed > len)
		return 0;
	/* Another segment: the same header, the payload mirrored, length x2. */
	memcpy(other, pkt, fixed);
	for (size_t i = fixed; i < 2 * len; i++)
		other[i] = (uint8_t)~pkt[len - 1 - (i - fixed) % len];
	if (bpf_filter(prog->bf_insns, other, (u_int)(2 * len), (u_int)(2 * len)) != want)
		abort();
	return 0;
}
