/*
 * bpf_trace.h - a classic-BPF interpreter that returns exactly what
 * libpcap's bpf_filter(insns, pkt, len, len) returns and also says what the
 * run depended on: the packet length, and whether any byte it loaded lies in
 * a caller's "varying" set. A run that read neither gives the same result on
 * every packet that agrees on the other bytes (acl_eval_gso's argument).
 * Pure: no allocation, no logging.
 */
#ifndef MTLSVPN_BPF_TRACE_H
#define MTLSVPN_BPF_TRACE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <sys/types.h> /* u_int, for pcap/bpf.h */

#include <pcap/bpf.h>

/* Instructions one run may execute before it is cut short (returns 0,
 * unsure). A compiled filter runs straight through except "protochain",
 * which loops once per IPv6 extension header; the backward-jump bound
 * below ends such a run long before this one. */
#define BPF_TRACE_MAX_STEPS (1u << 22)

/* Backward jumps after which a run is cut short (returns 0, unsure).
 * libpcap 1.11 and later stop there too; 1.10's bpf_filter carries on and
 * never returns on some crafted IPv6 packets under "protochain". No sound
 * packet has 64 extension headers. */
#define BPF_TRACE_BACKWARD_JUMPS 64u

struct bpf_trace {
	bool read_len;	   /* BPF_LEN, into A or X */
	bool read_varying; /* a load touched a byte of the varying set or at or
			    * after fixed_len, or failed its bounds check */
	bool unsure;	   /* the result is one libpcap versions disagree on or
			    * leave undefined: an invalid instruction (unknown
			    * code, scratch word >= BPF_MEMWORDS, division by a
			    * constant 0, a shift by a constant >= 32, a jump
			    * out of the program), more than
			    * BPF_TRACE_BACKWARD_JUMPS backward jumps, or the
			    * step limit */
};

/* Runs insns[0..n) on pkt[0..len) as bpf_filter does with wirelen ==
 * buflen == len, filling *t. Bytes [0, fixed_len) are varying where their
 * bit in vary is set (bit i is vary[i / 8] & (1 << (i % 8)); vary may be
 * NULL: none is), every byte from fixed_len on is varying; fixed_len is
 * taken as len when larger. No filter (insns NULL) accepts everything, as
 * in libpcap. */
unsigned bpf_trace_run(const struct bpf_insn *insns, size_t n, const uint8_t *pkt, size_t len,
		       size_t fixed_len, const uint8_t *vary, struct bpf_trace *t);

/* True if the run in t provably gives its result on every packet that
 * has the same bytes outside the varying set, whatever its length. */
bool bpf_trace_invariant(const struct bpf_trace *t);

#endif
