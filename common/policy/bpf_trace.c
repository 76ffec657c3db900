/*
 * bpf_trace.c - classic BPF run instruction by instruction, noting what each
 * load touched. The bounds checks are libpcap's (a load partly or wholly
 * past the end ends the run with 0), computed in 64 bits so X + k cannot
 * wrap. Where libpcap 1.10 leaves a program undefined (it aborts, faults or
 * loops) this returns 0 as later libpcap does and marks the run unsure.
 */
#include "bpf_trace.h"

#include <string.h>

struct run {
	const uint8_t *pkt;
	uint32_t len; /* buflen == wirelen, as acl.c passes them */
	uint32_t fixed;
	const uint8_t *vary;
	struct bpf_trace *t;
};

static bool is_varying(const struct run *r, uint32_t i)
{
	if (i >= r->fixed)
		return true;
	return r->vary != NULL && (r->vary[i / 8] & (1u << (i % 8))) != 0;
}

/* size bytes at off, big endian, into *v; false (and noted as varying:
 * the bytes asked for lie past the end) when they do not all exist. */
static bool load(const struct run *r, uint64_t off, unsigned size, uint32_t *v)
{
	uint32_t acc = 0;

	if (off > r->len || size > r->len - off) {
		r->t->read_varying = true;
		return false;
	}
	for (unsigned i = 0; i < size; i++) {
		uint32_t at = (uint32_t)off + i;

		if (is_varying(r, at))
			r->t->read_varying = true;
		acc = acc << 8 | r->pkt[at];
	}
	*v = acc;
	return true;
}

static unsigned unsure(struct bpf_trace *t)
{
	t->unsure = true;
	return 0;
}

static unsigned load_size(uint16_t code)
{
	switch (BPF_SIZE(code)) {
	case BPF_W:
		return 4;
	case BPF_H:
		return 2;
	case BPF_B:
		return 1;
	default:
		return 0;
	}
}

/* BPF_LD into A: false if the run ends (*ret holds its result). */
static bool op_ld(const struct run *r, const struct bpf_insn *in, uint32_t *a, uint32_t x,
		  const uint32_t mem[static BPF_MEMWORDS], unsigned *ret)
{
	unsigned size = load_size(in->code);

	*ret = 0;
	switch (BPF_MODE(in->code)) {
	case BPF_ABS:
		if (size == 0)
			break;
		return load(r, in->k, size, a);
	case BPF_IND:
		if (size == 0)
			break;
		return load(r, (uint64_t)x + in->k, size, a);
	case BPF_LEN:
		if (BPF_SIZE(in->code) != BPF_W)
			break;
		r->t->read_len = true;
		*a = r->len;
		return true;
	case BPF_IMM:
		if (BPF_SIZE(in->code) != BPF_W)
			break;
		*a = in->k;
		return true;
	case BPF_MEM:
		if (BPF_SIZE(in->code) != BPF_W || in->k >= BPF_MEMWORDS)
			break;
		*a = mem[in->k];
		return true;
	default:
		break;
	}
	*ret = unsure(r->t);
	return false;
}

/* BPF_LDX: LEN, IMM, MEM and the IPv4 header length (MSH). */
static bool op_ldx(const struct run *r, const struct bpf_insn *in, uint32_t *x,
		   const uint32_t mem[static BPF_MEMWORDS], unsigned *ret)
{
	uint32_t v;

	*ret = 0;
	switch (in->code) {
	case BPF_LDX | BPF_W | BPF_LEN:
		r->t->read_len = true;
		*x = r->len;
		return true;
	case BPF_LDX | BPF_W | BPF_IMM:
		*x = in->k;
		return true;
	case BPF_LDX | BPF_W | BPF_MEM:
		if (in->k >= BPF_MEMWORDS)
			break;
		*x = mem[in->k];
		return true;
	case BPF_LDX | BPF_B | BPF_MSH:
		if (!load(r, in->k, 1, &v))
			return false;
		*x = (v & 0xf) << 2;
		return true;
	default:
		break;
	}
	*ret = unsure(r->t);
	return false;
}

/* BPF_ALU: false if the run ends with 0, a division by zero (or, marked
 * unsure, an instruction 1.10 does not define). */
static bool op_alu(struct bpf_trace *t, const struct bpf_insn *in, uint32_t *a, uint32_t x)
{
	bool konst = BPF_SRC(in->code) == BPF_K;
	uint32_t v = konst ? in->k : x;

	switch (BPF_OP(in->code)) {
	case BPF_ADD:
		*a += v;
		return true;
	case BPF_SUB:
		*a -= v;
		return true;
	case BPF_MUL:
		*a *= v;
		return true;
	case BPF_DIV:
	case BPF_MOD:
		if (v == 0) {
			if (konst)
				t->unsure = true;
			return false;
		}
		*a = BPF_OP(in->code) == BPF_DIV ? *a / v : *a % v;
		return true;
	case BPF_AND:
		*a &= v;
		return true;
	case BPF_OR:
		*a |= v;
		return true;
	case BPF_XOR:
		*a ^= v;
		return true;
	case BPF_LSH:
	case BPF_RSH:
		if (v >= 32) {
			if (konst)
				t->unsure = true;
			*a = 0;
		} else {
			*a = BPF_OP(in->code) == BPF_LSH ? *a << v : *a >> v;
		}
		return true;
	case BPF_NEG:
		if (!konst)
			break;
		*a = 0u - *a;
		return true;
	default:
		break;
	}
	t->unsure = true;
	return false;
}

/* A conditional jump's test; false with *valid false for an unknown one. */
static bool jump_taken(uint16_t code, uint32_t a, uint32_t v, bool *valid)
{
	*valid = true;
	switch (BPF_OP(code)) {
	case BPF_JEQ:
		return a == v;
	case BPF_JGT:
		return a > v;
	case BPF_JGE:
		return a >= v;
	case BPF_JSET:
		return (a & v) != 0;
	default:
		*valid = false;
		return false;
	}
}

unsigned bpf_trace_run(const struct bpf_insn *insns, size_t n, const uint8_t *pkt, size_t len,
		       size_t fixed_len, const uint8_t *vary, struct bpf_trace *t)
{
	struct run r = {pkt, (uint32_t)len, 0, vary, t};
	uint32_t a = 0, x = 0, mem[BPF_MEMWORDS];
	unsigned long steps = 0;
	unsigned backward = 0, ret;

	memset(t, 0, sizeof(*t));
	memset(mem, 0, sizeof(mem));
	r.fixed = (uint32_t)(fixed_len < len ? fixed_len : len);
	if (insns == NULL)
		return ~0u;

	for (size_t pc = 0;; pc++) {
		const struct bpf_insn *in;

		if (pc >= n || ++steps > BPF_TRACE_MAX_STEPS)
			return unsure(t);
		in = &insns[pc];
		if (in->code > 0xff)
			return unsure(t);
		switch (BPF_CLASS(in->code)) {
		case BPF_RET:
			if (in->code == (BPF_RET | BPF_K))
				return in->k;
			if (in->code == (BPF_RET | BPF_A))
				return a;
			return unsure(t);
		case BPF_LD:
			if (!op_ld(&r, in, &a, x, mem, &ret))
				return ret;
			break;
		case BPF_LDX:
			if (!op_ldx(&r, in, &x, mem, &ret))
				return ret;
			break;
		case BPF_ST:
		case BPF_STX:
			if (in->code != BPF_CLASS(in->code) || in->k >= BPF_MEMWORDS)
				return unsure(t);
			mem[in->k] = in->code == BPF_ST ? a : x;
			break;
		case BPF_ALU:
			if (!op_alu(t, in, &a, x))
				return 0;
			break;
		case BPF_JMP: {
			bool valid, taken;
			int64_t to;

			if (in->code == (BPF_JMP | BPF_JA)) {
				/* Signed: "protochain" loops backwards. */
				to = (int64_t)pc + 1 + (int32_t)in->k;
				if (to < 0 || (uint64_t)to >= n || to == (int64_t)pc)
					return unsure(t);
				if (to <= (int64_t)pc && ++backward > BPF_TRACE_BACKWARD_JUMPS)
					return unsure(t);
				pc = (size_t)to - 1;
				break;
			}
			taken = jump_taken(in->code, a, BPF_SRC(in->code) == BPF_K ? in->k : x,
					   &valid);
			if (!valid)
				return unsure(t);
			pc += taken ? in->jt : in->jf;
			break;
		}
		case BPF_MISC:
			if (in->code == (BPF_MISC | BPF_TAX))
				x = a;
			else if (in->code == (BPF_MISC | BPF_TXA))
				a = x;
			else
				return unsure(t);
			break;
		default:
			return unsure(t);
		}
	}
}

bool bpf_trace_invariant(const struct bpf_trace *t)
{
	return !t->read_len && !t->read_varying && !t->unsure;
}
