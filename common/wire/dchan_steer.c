/*
 * dchan_steer.c - the worker index in a cid, and the classic BPF program
 * that steers a datagram to that worker's socket of the reuseport group.
 * The program and dchan_steer_worker() must agree: both take the cid's
 * low byte modulo the number of workers.
 */
#include "dchan_steer.h"

uint64_t dchan_steer_cid(uint64_t random, unsigned worker)
{
	return (random & ~(uint64_t)0xff) | (uint64_t)(worker & 0xff);
}

unsigned dchan_steer_worker(uint64_t cid, unsigned n_workers)
{
	return n_workers == 0 ? 0 : (unsigned)(cid & 0xff) % n_workers;
}

void dchan_steer_prog(unsigned n_workers, struct sock_filter prog[static DCHAN_STEER_PROG_LEN])
{
	if (n_workers == 0)
		n_workers = 1;
	/* A = payload[11]; A %= n; return A. */
	prog[0] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_B | BPF_ABS, DCHAN_STEER_BYTE);
	prog[1] = (struct sock_filter)BPF_STMT(BPF_ALU | BPF_MOD | BPF_K, n_workers);
	prog[2] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_A, 0);
}
