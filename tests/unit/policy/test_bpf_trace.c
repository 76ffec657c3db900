/*
 * test_bpf_trace.c - the traced interpreter against libpcap's own
 * bpf_filter: realistic rules compiled as acl.c compiles them, hand-written
 * programs for every instruction, and random valid programs, each run on
 * thousands of built, mutated, truncated and random packets, must return
 * the same value. A run the trace calls invariant must also return the same
 * value, under libpcap, on packets whose varying bytes and length differ.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include <pcap/pcap.h>

#include "acl.h"
#include "bpf_trace.h"
#include "pktbuild.h"

#define PKT_MAX 2048
#define N_RANDOM_PACKETS 4000
#define N_RANDOM_PROGS 3000

/* Rules as an administrator writes them: protocols, ports, networks, flags,
 * lengths, payload matches, arithmetic, IPv6 extension header chains. */
static const char *const rules[] = {
    "",
    "tcp",
    "udp",
    "icmp",
    "icmp6",
    "ip6 and tcp",
    "ip and udp",
    "tcp dst port 443",
    "tcp src port 22",
    "udp port 53",
    "port 80 or port 8080",
    "tcp portrange 8000-8100",
    "udp dst portrange 5000-6000",
    "src port 1024 and dst portrange 1-1023",
    "src net 10.8.0.0/16",
    "dst net 10.20.0.0/16 and tcp dst port 8080",
    "host 10.20.0.2",
    "dst host fd00:20::2",
    "src net fd00:8::/32",
    "net 192.168.0.0/24 and not port 22",
    "ip multicast or ip6 multicast",
    "tcp[tcpflags] & tcp-fin != 0",
    "tcp[tcpflags] & (tcp-syn|tcp-ack) == tcp-syn",
    "tcp[13] & 0x3f = 0x10",
    "tcp[tcpflags] & tcp-rst != 0 or icmp[0] = 3",
    "tcp[4:4] > 0x80000000",
    "ip[2:2] > 1000",
    "ip6[4:2] > 1000",
    "greater 500",
    "len < 100",
    "less 64",
    "len - 20 > 1000",
    "ip[8] < 64",
    "ip[6:2] & 0x1fff != 0",
    "ip[0] & 0xf > 5",
    "tcp[20:4] = 0x47455420",
    "udp[8:4] = 0x41414141",
    "udp[8:2] = 0x1234 and udp dst port 5353",
    "tcp dst port 443 and tcp[((tcp[12:1] & 0xf0) >> 2):1] = 0x16",
    "ip[2:2] - ((ip[0] & 0xf) << 2) - ((tcp[12] & 0xf0) >> 2) > 0",
    "tcp[12] / 4 >= 20",
    "ip[1] % 4 != 0",
    "ip[1] ^ 0xff = 0xff",
    "ip[8] * 2 > 100",
    "-ip[8] + 300 > 250",
    "icmp[icmptype] = icmp-echo",
    "icmp[icmptype] != icmp-echo and icmp[icmptype] != icmp-echoreply",
    "icmp6 and ip6[40] == 128",
    "ip6[6] == 58",
    "ip proto 47",
    "ip6 proto 17",
    "ip6 protochain 6",
    "ip6 protochain 17",
    "ip protochain 6",
    "not ip6 and not tcp",
    "ip6 and udp and ip6[44:2] > 100",
};
#define N_RULES (sizeof(rules) / sizeof(rules[0]))

static uint32_t rnd(uint64_t *s)
{
	/* xorshift64*: reproducible, good enough to scatter bytes. */
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return (uint32_t)((*s * 0x2545F4914F6CDD1DULL) >> 32);
}

static void compile_rules(struct acl *a)
{
	char err[ACL_ERR_MAX];

	acl_init(a);
	for (size_t i = 0; i < N_RULES; i++)
		if (acl_add(a, ACL_ALLOW, (unsigned)i, rules[i], err) != 0)
			fail_msg("rule '%s': %s", rules[i], err);
}

static void put16(uint8_t *p, size_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

/* Inserts n bytes of IPv4 options (NOPs) or a chain of IPv6 extension
 * headers after the fixed IP header, keeping the lengths right. */
static size_t insert_after_ip(uint8_t *p, size_t len, uint64_t *s)
{
	size_t at = (p[0] >> 4) == 4 ? 20 : 40, n;

	if (len < at || len + 24 > PKT_MAX)
		return len;
	if ((p[0] >> 4) == 4) {
		n = 4 * (1 + rnd(s) % 4);
		memmove(p + at + n, p + at, len - at);
		memset(p + at, 1, n);
		p[0] = (uint8_t)(0x40 | ((at + n) / 4));
		put16(p + 2, len + n);
		return len + n;
	}
	static const uint8_t ext[] = {0, 60, 43, 44, 51};
	unsigned k = 1 + rnd(s) % 3;
	uint8_t next = p[6];

	n = 8 * k;
	memmove(p + at + n, p + at, len - at);
	for (unsigned i = k; i-- > 0;) {
		uint8_t type = ext[rnd(s) % sizeof(ext)];
		uint8_t *h = p + at + 8 * i;

		memset(h, 0, 8);
		h[0] = next;
		/* AH counts 4-byte words minus 2: one 8-byte block is 0. */
		next = type;
	}
	p[6] = next;
	put16(p + 4, len + n - 40);
	return len + n;
}

static const char *const v4addr[] = {"10.8.0.2", "10.20.0.2", "10.20.1.9", "192.168.0.7",
				     "224.0.0.5", "8.8.8.8"};
static const char *const v6addr[] = {"fd00:8::2", "fd00:20::2", "fd00:20::53", "ff02::1",
				     "2001:db8::1"};
static const uint16_t ports[] = {22, 53, 80, 443, 1023, 1024, 5353, 5500, 8080, 8050, 40000};
static const uint8_t flags[] = {0x02, 0x10, 0x12, 0x18, 0x11, 0x04, 0x01, 0x3f};
static const size_t payloads[] = {0, 4, 8, 60, 100, 480, 600, 1200, 1400};

#define PICK(s, arr) (arr)[rnd(s) % (sizeof(arr) / sizeof((arr)[0]))]

/* One packet: built, then perhaps given options or extension headers,
 * payload patterns, scribbled header bytes, fragment offsets, truncation;
 * one in sixteen is noise with an IP version nibble. */
static size_t make_packet(uint64_t *s, uint8_t *p)
{
	static const uint8_t protos4[] = {PKTBUILD_TCP, PKTBUILD_UDP, PKTBUILD_ICMP};
	static const uint8_t protos6[] = {PKTBUILD_TCP, PKTBUILD_UDP, PKTBUILD_ICMP6};
	static const uint8_t other_protos[] = {47, 50, 132, 6, 17};
	static const char *const patterns[] = {"GET ", "AAAA", "\x16\x03\x01", "\x12\x34"};
	struct pktbuild_spec sp;
	bool v6 = rnd(s) % 2;
	size_t len;

	if (rnd(s) % 16 == 0) {
		len = rnd(s) % 200;
		for (size_t i = 0; i < len; i++)
			p[i] = (uint8_t)rnd(s);
		if (len > 0)
			p[0] = (uint8_t)((v6 ? 0x60 : 0x40) | (p[0] & 0xf));
		return len;
	}
	memset(&sp, 0, sizeof(sp));
	sp.family = v6 ? AF_INET6 : AF_INET;
	sp.src = v6 ? PICK(s, v6addr) : PICK(s, v4addr);
	sp.dst = v6 ? PICK(s, v6addr) : PICK(s, v4addr);
	sp.proto = v6 ? PICK(s, protos6) : PICK(s, protos4);
	sp.sport = PICK(s, ports);
	sp.dport = PICK(s, ports);
	sp.tcp_flags = PICK(s, flags);
	sp.icmp_type = (uint8_t)(rnd(s) % 4 == 0 ? rnd(s) : (v6 ? 128 : 8));
	sp.icmp_id = (uint16_t)rnd(s);
	sp.payload = PICK(s, payloads);
	len = pktbuild_make(&sp, p, PKT_MAX);
	assert_true(len > 0);
	if (rnd(s) % 4 == 0) {
		const char *pat = PICK(s, patterns);
		size_t at = len - sp.payload;

		for (size_t i = 0; i < sp.payload; i++)
			p[at + i] = i < strlen(pat) ? (uint8_t)pat[i] : (uint8_t)rnd(s);
	}
	if (rnd(s) % 4 == 0) /* TTL or hop limit, TOS or traffic class */
		p[v6 ? 7 : 8] = (uint8_t)rnd(s);
	if (rnd(s) % 4 == 0)
		p[1] = (uint8_t)rnd(s);
	if (rnd(s) % 4 == 0) /* TCP sequence, UDP length, ICMP id */
		for (size_t i = v6 ? 44 : 24; i < (v6 ? 48 : 28) && i < len; i++)
			p[i] = (uint8_t)rnd(s);
	if (rnd(s) % 16 == 0)
		p[v6 ? 6 : 9] = PICK(s, other_protos);
	if (rnd(s) % 5 == 0)
		len = insert_after_ip(p, len, s);
	if (!v6 && rnd(s) % 8 == 0)
		put16(p + 6, rnd(s) % 0x4000);
	for (unsigned n = rnd(s) % 4 == 0 ? rnd(s) % 4 : 0; n > 0 && len > 0; n--)
		p[rnd(s) % (len < 64 ? len : 64)] = (uint8_t)rnd(s);
	if (rnd(s) % 6 == 0)
		len = rnd(s) % (len + 1);
	return len;
}

/* A varying set for the metamorphic check: a header length at most len
 * and a sparse bitmap over it. */
static size_t make_vary(uint64_t *s, size_t len, uint8_t vary[static GSO_MASK_BYTES])
{
	size_t fixed = rnd(s) % ((len < GSO_MAX_HDR ? len : GSO_MAX_HDR) + 1);

	memset(vary, 0, GSO_MASK_BYTES);
	for (unsigned n = rnd(s) % 6; n > 0 && fixed > 0; n--) {
		size_t i = rnd(s) % fixed;

		vary[i / 8] |= (uint8_t)(1u << (i % 8));
	}
	return fixed;
}

/* Runs prog both ways on pkt, fails on any difference; if the trace says
 * the run is invariant, changes every varying byte and the length and
 * asks libpcap again. Returns bpf_filter's value. */
static unsigned check_one(const struct bpf_program *prog, const char *what, const uint8_t *pkt,
			  size_t len, uint64_t *s)
{
	uint8_t vary[GSO_MASK_BYTES], other[PKT_MAX];
	size_t fixed = make_vary(s, len, vary), olen;
	unsigned want = bpf_filter(prog->bf_insns, pkt, (unsigned)len, (unsigned)len);
	struct bpf_trace t;
	unsigned got = bpf_trace_run(prog->bf_insns, prog->bf_len, pkt, len, fixed, vary, &t);

	if (got != want)
		fail_msg("%s: packet of %zu bytes: bpf_filter %u, bpf_trace %u", what, len, want, got);
	if (t.unsure)
		fail_msg("%s: unsure on a compiled or valid program", what);
	if (!bpf_trace_invariant(&t))
		return want;
	olen = fixed + rnd(s) % (PKT_MAX - fixed);
	for (size_t i = 0; i < olen; i++) {
		bool varies = i >= fixed || (vary[i / 8] & (1u << (i % 8)));

		other[i] = !varies ? pkt[i] : (uint8_t)rnd(s);
	}
	if (bpf_filter(prog->bf_insns, other, (unsigned)olen, (unsigned)olen) != want)
		fail_msg("%s: invariant run (header %zu of %zu bytes) changed with the varying "
			 "bytes (%zu bytes)",
			 what, fixed, len, olen);
	return want;
}

static void test_bpf_trace_run_matches_bpf_filter_on_compiled_rules(void **state)
{
	static uint8_t pkts[N_RANDOM_PACKETS][PKT_MAX];
	static size_t lens[N_RANDOM_PACKETS];
	unsigned long runs = 0, accepted = 0, invariant = 0;
	uint64_t s = 0x9e3779b97f4a7c15ULL;
	struct acl a;

	(void)state;
	compile_rules(&a);
	for (size_t j = 0; j < N_RANDOM_PACKETS; j++)
		lens[j] = make_packet(&s, pkts[j]);
	for (size_t i = 0; i < a.n; i++) {
		const struct bpf_program *prog = &a.rules[i].prog;
		unsigned long acc = 0;

		for (size_t j = 0; j < N_RANDOM_PACKETS; j++) {
			uint8_t none[GSO_MASK_BYTES] = {0};
			struct bpf_trace t;

			acc += check_one(prog, rules[i], pkts[j], lens[j], &s) != 0;
			(void)bpf_trace_run(prog->bf_insns, prog->bf_len, pkts[j], lens[j],
					    lens[j] < 40 ? lens[j] : 40, none, &t);
			invariant += bpf_trace_invariant(&t);
			runs++;
		}
		/* A rule no packet matches (or every packet does) tests
		 * little: the corpus must reach both branches. */
		if (rules[i][0] != '\0' && (acc == 0 || acc == N_RANDOM_PACKETS))
			fail_msg("rule '%s' accepted %lu of %d packets", rules[i], acc,
				 N_RANDOM_PACKETS);
		accepted += acc;
	}
	print_message("%zu programs x %d packets: %lu runs, %lu accepted, %lu invariant over a "
		      "40-byte header\n",
		      (size_t)a.n, N_RANDOM_PACKETS, runs, accepted, invariant);
	acl_deinit(&a);
}

/* A named program as a compound literal in an automatic table. */
#define P(...) ((const struct bpf_insn[]){__VA_ARGS__})
#define PROG(name, ...)                                                                   \
	{name, P(__VA_ARGS__), sizeof(P(__VA_ARGS__)) / sizeof(struct bpf_insn)}

static void test_bpf_trace_run_matches_bpf_filter_on_every_instruction(void **state)
{
	/* One program for each corner libpcap defines: every instruction, division
	 * and modulo by a zero X, shifts by X >= 32, indexed loads whose X + k
	 * wraps, lengths into A and X, scratch memory, a backward loop. */
	const struct {
		const char *name;
	const struct bpf_insn *insns;
		size_t n;
	} corners[] = {
	    PROG("div x0", BPF_STMT(BPF_LD | BPF_IMM, 7), BPF_STMT(BPF_ALU | BPF_DIV | BPF_X, 0),
		 BPF_STMT(BPF_RET | BPF_K, 9)),
	    PROG("mod x0", BPF_STMT(BPF_LD | BPF_IMM, 7), BPF_STMT(BPF_ALU | BPF_MOD | BPF_X, 0),
		 BPF_STMT(BPF_RET | BPF_K, 9)),
	    PROG("div mod x", BPF_STMT(BPF_LD | BPF_B | BPF_ABS, 9), BPF_STMT(BPF_LDX | BPF_IMM, 3),
		 BPF_STMT(BPF_ALU | BPF_DIV | BPF_X, 0), BPF_STMT(BPF_ALU | BPF_MOD | BPF_K, 5),
		 BPF_STMT(BPF_RET | BPF_A, 0)),
	    PROG("lsh x40", BPF_STMT(BPF_LD | BPF_IMM, 7), BPF_STMT(BPF_LDX | BPF_IMM, 40),
		 BPF_STMT(BPF_ALU | BPF_LSH | BPF_X, 0), BPF_STMT(BPF_ALU | BPF_ADD | BPF_K, 1),
		 BPF_STMT(BPF_RET | BPF_A, 0)),
	    PROG("rsh x32", BPF_STMT(BPF_LD | BPF_IMM, 0xffffffff), BPF_STMT(BPF_LDX | BPF_IMM, 32),
		 BPF_STMT(BPF_ALU | BPF_RSH | BPF_X, 0), BPF_STMT(BPF_ALU | BPF_OR | BPF_K, 2),
		 BPF_STMT(BPF_RET | BPF_A, 0)),
	    PROG("shifts k", BPF_STMT(BPF_LD | BPF_W | BPF_ABS, 12), BPF_STMT(BPF_ALU | BPF_LSH | BPF_K, 31),
		 BPF_STMT(BPF_ALU | BPF_RSH | BPF_K, 3), BPF_STMT(BPF_RET | BPF_A, 0)),
	    PROG("neg xor sub mul and", BPF_STMT(BPF_LD | BPF_H | BPF_ABS, 2),
		 BPF_STMT(BPF_ALU | BPF_NEG, 0), BPF_STMT(BPF_ALU | BPF_XOR | BPF_K, 0x5a5a5a5a),
		 BPF_STMT(BPF_LDX | BPF_IMM, 77), BPF_STMT(BPF_ALU | BPF_SUB | BPF_X, 0),
		 BPF_STMT(BPF_ALU | BPF_MUL | BPF_X, 0), BPF_STMT(BPF_ALU | BPF_AND | BPF_X, 0),
		 BPF_STMT(BPF_ALU | BPF_XOR | BPF_X, 0), BPF_STMT(BPF_ALU | BPF_OR | BPF_X, 0),
		 BPF_STMT(BPF_ALU | BPF_ADD | BPF_X, 0), BPF_STMT(BPF_RET | BPF_A, 0)),
	    PROG("ind wrap w", BPF_STMT(BPF_LDX | BPF_IMM, 0xfffffffe),
		 BPF_STMT(BPF_LD | BPF_W | BPF_IND, 4), BPF_STMT(BPF_RET | BPF_K, 1)),
	    PROG("ind wrap h", BPF_STMT(BPF_LDX | BPF_IMM, 0xffffffff),
		 BPF_STMT(BPF_LD | BPF_H | BPF_IND, 2), BPF_STMT(BPF_RET | BPF_K, 1)),
	    PROG("ind wrap b", BPF_STMT(BPF_LDX | BPF_IMM, 0xffffffff),
		 BPF_STMT(BPF_LD | BPF_B | BPF_IND, 1), BPF_STMT(BPF_RET | BPF_K, 1)),
	    PROG("ind huge k", BPF_STMT(BPF_LDX | BPF_IMM, 2),
		 BPF_STMT(BPF_LD | BPF_B | BPF_IND, 0xffffffff), BPF_STMT(BPF_RET | BPF_K, 1)),
	    PROG("msh ind", BPF_STMT(BPF_LDX | BPF_B | BPF_MSH, 0), BPF_STMT(BPF_LD | BPF_H | BPF_IND, 2),
		 BPF_STMT(BPF_LD | BPF_B | BPF_IND, 0), BPF_STMT(BPF_LD | BPF_W | BPF_IND, 0),
		 BPF_STMT(BPF_RET | BPF_A, 0)),
	    PROG("msh past end", BPF_STMT(BPF_LDX | BPF_B | BPF_MSH, 70000), BPF_STMT(BPF_RET | BPF_K, 1)),
	    PROG("lens", BPF_STMT(BPF_LDX | BPF_W | BPF_LEN, 0), BPF_STMT(BPF_LD | BPF_W | BPF_LEN, 0),
		 BPF_STMT(BPF_ALU | BPF_ADD | BPF_X, 0), BPF_STMT(BPF_RET | BPF_A, 0)),
	    PROG("mem", BPF_STMT(BPF_LD | BPF_B | BPF_ABS, 0), BPF_STMT(BPF_ST, 15),
		 BPF_STMT(BPF_LDX | BPF_IMM, 9), BPF_STMT(BPF_STX, 0), BPF_STMT(BPF_LD | BPF_MEM, 0),
		 BPF_STMT(BPF_LDX | BPF_MEM, 15), BPF_STMT(BPF_MISC | BPF_TXA, 0),
		 BPF_STMT(BPF_MISC | BPF_TAX, 0), BPF_STMT(BPF_ALU | BPF_ADD | BPF_X, 0),
		 BPF_STMT(BPF_RET | BPF_A, 0)),
	    PROG("jumps k", BPF_STMT(BPF_LD | BPF_B | BPF_ABS, 9),
		 BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 6, 0, 1), BPF_STMT(BPF_RET | BPF_K, 6),
		 BPF_JUMP(BPF_JMP | BPF_JGT | BPF_K, 16, 0, 1), BPF_STMT(BPF_RET | BPF_K, 17),
		 BPF_JUMP(BPF_JMP | BPF_JGE | BPF_K, 1, 0, 1), BPF_STMT(BPF_RET | BPF_K, 1),
		 BPF_JUMP(BPF_JMP | BPF_JSET | BPF_K, 0x80, 1, 0), BPF_STMT(BPF_JMP | BPF_JA, 1),
		 BPF_STMT(BPF_RET | BPF_K, 0x80), BPF_STMT(BPF_RET | BPF_K, 2)),
	    PROG("jumps x", BPF_STMT(BPF_LD | BPF_B | BPF_ABS, 9), BPF_STMT(BPF_LDX | BPF_IMM, 17),
		 BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_X, 0, 0, 1), BPF_STMT(BPF_RET | BPF_K, 17),
		 BPF_JUMP(BPF_JMP | BPF_JGT | BPF_X, 0, 0, 1), BPF_STMT(BPF_RET | BPF_K, 18),
		 BPF_JUMP(BPF_JMP | BPF_JGE | BPF_X, 0, 1, 0), BPF_JUMP(BPF_JMP | BPF_JSET | BPF_X, 0, 0, 1),
		 BPF_STMT(BPF_RET | BPF_K, 3), BPF_STMT(BPF_RET | BPF_K, 4)),
	    /* X counts to 40 through a backward jump, as "protochain" loops. */
	    PROG("loop", BPF_STMT(BPF_LDX | BPF_IMM, 0), BPF_STMT(BPF_MISC | BPF_TXA, 0),
		 BPF_STMT(BPF_ALU | BPF_ADD | BPF_K, 1), BPF_STMT(BPF_MISC | BPF_TAX, 0),
		 BPF_JUMP(BPF_JMP | BPF_JGE | BPF_K, 40, 1, 0), BPF_STMT(BPF_JMP | BPF_JA, (uint32_t)-5),
		 BPF_STMT(BPF_RET | BPF_A, 0)),
	    PROG("ret k", BPF_STMT(BPF_RET | BPF_K, 0xffffffff)),
	};
	struct bpf_insn insns[32];
	uint64_t s = 42;
	uint8_t pkt[PKT_MAX];

	(void)state;
	for (size_t i = 0; i < sizeof(corners) / sizeof(corners[0]); i++) {
		struct bpf_program prog = {(u_int)corners[i].n, insns};

		assert_true(corners[i].n <= 32);
		memcpy(insns, corners[i].insns, corners[i].n * sizeof(insns[0]));

		for (int j = 0; j < 200; j++) {
			size_t len = make_packet(&s, pkt);

			(void)check_one(&prog, corners[i].name, pkt, len, &s);
		}
	}
}

/* A valid program: scratch memory written first (libpcap leaves it
 * uninitialised), forward jumps inside the program, constant divisors
 * non-zero and constant shifts below 32 (libpcap 1.10 traps or shifts
 * modulo 32 there), a return at the end. */
static size_t random_prog(uint64_t *s, struct bpf_insn *p, size_t cap)
{
	static const uint16_t codes[] = {
	    BPF_LD | BPF_W | BPF_ABS, BPF_LD | BPF_H | BPF_ABS, BPF_LD | BPF_B | BPF_ABS,
	    BPF_LD | BPF_W | BPF_IND, BPF_LD | BPF_H | BPF_IND, BPF_LD | BPF_B | BPF_IND,
	    BPF_LD | BPF_W | BPF_LEN, BPF_LD | BPF_IMM,	      BPF_LD | BPF_MEM,
	    BPF_LDX | BPF_W | BPF_LEN, BPF_LDX | BPF_W | BPF_IMM, BPF_LDX | BPF_MEM,
	    BPF_LDX | BPF_B | BPF_MSH, BPF_ST,		      BPF_STX,
	    BPF_ALU | BPF_NEG,	      BPF_JMP | BPF_JA,	      BPF_MISC | BPF_TAX,
	    BPF_MISC | BPF_TXA,	      BPF_RET | BPF_K,	      BPF_RET | BPF_A,
	};
	static const uint16_t alu[] = {BPF_ADD, BPF_SUB, BPF_MUL, BPF_DIV, BPF_MOD, BPF_AND,
				       BPF_OR,	BPF_XOR, BPF_LSH, BPF_RSH};
	static const uint16_t jmp[] = {BPF_JEQ, BPF_JGT, BPF_JGE, BPF_JSET};
	size_t body = 4 + rnd(s) % 28, n = 0, total = BPF_MEMWORDS + body + 1;

	assert_true(total <= cap);
	for (; n < BPF_MEMWORDS; n++)
		p[n] = (struct bpf_insn)BPF_STMT(BPF_ST, (uint32_t)n);
	for (; n < total - 1; n++) {
		uint32_t r = rnd(s) % 4, left = (uint32_t)(total - 1 - (n + 1));
		uint32_t k = r == 0 ? rnd(s) : r == 1 ? rnd(s) % 256 : rnd(s) % 64;
		uint16_t code;

		switch (rnd(s) % 3) {
		case 0:
			code = PICK(s, codes);
			break;
		case 1:
			code = (uint16_t)(BPF_ALU | PICK(s, alu) | (rnd(s) % 2 ? BPF_X : BPF_K));
			break;
		default:
			code = (uint16_t)(BPF_JMP | PICK(s, jmp) | (rnd(s) % 2 ? BPF_X : BPF_K));
			break;
		}
		if (BPF_MODE(code) == BPF_MEM || code == BPF_ST || code == BPF_STX)
			k %= BPF_MEMWORDS;
		if (code == (BPF_ALU | BPF_DIV | BPF_K) || code == (BPF_ALU | BPF_MOD | BPF_K))
			k = k == 0 ? 1 : k;
		if (code == (BPF_ALU | BPF_LSH | BPF_K) || code == (BPF_ALU | BPF_RSH | BPF_K))
			k %= 32;
		if (code == (BPF_JMP | BPF_JA))
			k = rnd(s) % (left + 1);
		p[n] = (struct bpf_insn)BPF_STMT(code, k);
		if (BPF_CLASS(code) == BPF_JMP && code != (BPF_JMP | BPF_JA)) {
			p[n].jt = (uint8_t)(rnd(s) % (left + 1));
			p[n].jf = (uint8_t)(rnd(s) % (left + 1));
		}
	}
	p[n++] = (struct bpf_insn)BPF_STMT(rnd(s) % 2 ? BPF_RET | BPF_A : BPF_RET | BPF_K, rnd(s));
	return n;
}

static void test_bpf_trace_run_matches_bpf_filter_on_random_programs(void **state)
{
	struct bpf_insn insns[64];
	uint8_t pkt[PKT_MAX];
	uint64_t s = 7;

	(void)state;
	for (int i = 0; i < N_RANDOM_PROGS; i++) {
		struct bpf_program prog = {(u_int)random_prog(&s, insns, 64), insns};
		char name[32];

		snprintf(name, sizeof(name), "random program %d", i);
		for (int j = 0; j < 8; j++) {
			size_t len = make_packet(&s, pkt);

			(void)check_one(&prog, name, pkt, len, &s);
		}
	}
}

/* What each kind of rule depends on, over a TCP/IPv4 packet with a
 * 40-byte header whose total length, sequence number and flags vary. */
static void test_bpf_trace_run_reports_dependencies(void **state)
{
	static const struct {
		const char *expr;
		bool len, varying;
	} cases[] = {
	    {"tcp dst port 443", false, false},
	    {"src net 10.8.0.0/16 and dst host 10.20.0.2", false, false},
	    {"ip proto 6", false, false},
	    {"ip[8] < 64", false, false},
	    {"len < 100", true, false},
	    {"greater 500", true, false},
	    {"ip[2:2] > 1000", false, true},
	    {"tcp[4:4] > 7", false, true},
	    {"tcp[tcpflags] & tcp-fin != 0", false, true},
	    {"tcp[20:4] = 0x47455420", false, true},
	    {"tcp[100:4] = 0x47455420", false, true}, /* past the end */
	};
	struct pktbuild_spec sp = {AF_INET, "10.8.0.2", "10.20.0.2", PKTBUILD_TCP, 40000, 443,
				   0x10, 0, 0, 8};
	uint8_t pkt[128], vary[GSO_MASK_BYTES] = {0};
	size_t len = pktbuild_make(&sp, pkt, sizeof(pkt));
	static const unsigned varying[] = {2, 3, 4, 5, 10, 11, 24, 25, 26, 27, 33, 36, 37};
	struct acl a;

	(void)state;
	for (size_t i = 0; i < sizeof(varying) / sizeof(varying[0]); i++)
		vary[varying[i] / 8] |= (uint8_t)(1u << (varying[i] % 8));
	acl_init(&a);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char err[ACL_ERR_MAX];
		struct bpf_trace t;
		const struct bpf_program *prog;

		if (acl_add(&a, ACL_ALLOW, 1, cases[i].expr, err) != 0)
			fail_msg("'%s': %s", cases[i].expr, err);
		prog = &a.rules[a.n - 1].prog;
		(void)bpf_trace_run(prog->bf_insns, prog->bf_len, pkt, len, 40, vary, &t);
		if (t.read_len != cases[i].len || t.read_varying != cases[i].varying || t.unsure)
			fail_msg("'%s': read_len %d read_varying %d unsure %d", cases[i].expr,
				 t.read_len, t.read_varying, t.unsure);
		assert_true(bpf_trace_invariant(&t) == (!cases[i].len && !cases[i].varying));
	}
	acl_deinit(&a);
}

/* Programs libpcap 1.10 does not define (it traps, reads out of the
 * program or never returns): 0, marked unsure, and never a hang. */
static void test_bpf_trace_run_invalid_programs_are_unsure(void **state)
{
	const struct {
		const char *name;
		const struct bpf_insn *insns;
		size_t n;
	} bad[] = {
	    PROG("div k0", BPF_STMT(BPF_ALU | BPF_DIV | BPF_K, 0), BPF_STMT(BPF_RET | BPF_K, 1)),
	    PROG("lsh k32", BPF_STMT(BPF_LD | BPF_IMM, 1), BPF_STMT(BPF_ALU | BPF_LSH | BPF_K, 32),
		 BPF_STMT(BPF_RET | BPF_A, 0)),
	    PROG("mem 16", BPF_STMT(BPF_ST, 16), BPF_STMT(BPF_RET | BPF_K, 1)),
	    PROG("unknown", BPF_STMT(0xff, 0), BPF_STMT(BPF_RET | BPF_K, 1)),
	    PROG("ret x", BPF_STMT(BPF_RET | BPF_X, 1)),
	    PROG("neg x", BPF_STMT(BPF_ALU | BPF_NEG | BPF_X, 0), BPF_STMT(BPF_RET | BPF_K, 1)),
	    PROG("no return", BPF_STMT(BPF_LD | BPF_IMM, 1)),
	    PROG("jump out", BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 0, 5, 5),
		 BPF_STMT(BPF_RET | BPF_K, 1)),
	    PROG("ja out", BPF_STMT(BPF_JMP | BPF_JA, (uint32_t)-2), BPF_STMT(BPF_RET | BPF_K, 1)),
	    PROG("ja self", BPF_STMT(BPF_JMP | BPF_JA, (uint32_t)-1), BPF_STMT(BPF_RET | BPF_K, 1)),
	    PROG("endless", BPF_STMT(BPF_LD | BPF_IMM, 1), BPF_STMT(BPF_JMP | BPF_JA, (uint32_t)-2),
		 BPF_STMT(BPF_RET | BPF_K, 1)),
	};
	uint8_t pkt[40] = {0x45};
	struct bpf_trace t;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		unsigned r = bpf_trace_run(bad[i].insns, bad[i].n, pkt, sizeof(pkt), 40, NULL, &t);

		if (r != 0 || !t.unsure)
			fail_msg("%s: %u, unsure %d", bad[i].name, r, t.unsure);
		assert_false(bpf_trace_invariant(&t));
	}
	/* No filter accepts everything, as bpf_filter's NULL program does. */
	assert_int_equal(bpf_trace_run(NULL, 0, pkt, sizeof(pkt), 40, NULL, &t), ~0u);
	assert_true(bpf_trace_invariant(&t));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_bpf_trace_run_matches_bpf_filter_on_compiled_rules),
	    cmocka_unit_test(test_bpf_trace_run_matches_bpf_filter_on_every_instruction),
	    cmocka_unit_test(test_bpf_trace_run_matches_bpf_filter_on_random_programs),
	    cmocka_unit_test(test_bpf_trace_run_reports_dependencies),
	    cmocka_unit_test(test_bpf_trace_run_invalid_programs_are_unsure),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
