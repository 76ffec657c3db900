/*
 * dchan_steer.h - which gateway worker a UDP data-channel datagram belongs
 * to (docs/design.md, "UDP data channel"). Each worker has its own UDP
 * socket in one SO_REUSEPORT group; the worker's index is the low byte of
 * every cid it hands out (the other 56 bits random), and a classic BPF
 * program attached to the group (SO_ATTACH_REUSEPORT_CBPF) reads that byte
 * from the datagram and returns it modulo the number of workers: the
 * kernel's index of a socket in the group is its bind order, so workers
 * bind theirs in index order. A datagram too short to carry a cid goes to
 * socket 0 (a cBPF load past the end returns 0). Pure: no I/O.
 */
#ifndef MTLSVPN_DCHAN_STEER_H
#define MTLSVPN_DCHAN_STEER_H

#include <stdint.h>

#include <linux/filter.h>

/* The program's length in instructions. */
#define DCHAN_STEER_PROG_LEN 3
/* The byte of the UDP payload the program reads: the cid's last, in the
 * header's big-endian order (dchan_hdr.h: type, epoch, reserved (2), cid). */
#define DCHAN_STEER_BYTE 11
#define DCHAN_STEER_MAX_WORKERS 256

/* A cid for worker (0 <= worker < n_workers <= 256) from 64 random bits:
 * its low byte the worker's index, never 0 (another draw is the caller's
 * when this returns 0: only for random bits that are all zero above the
 * low byte and worker 0). */
uint64_t dchan_steer_cid(uint64_t random, unsigned worker);
/* The worker a cid belongs to among n_workers (>= 1). */
unsigned dchan_steer_worker(uint64_t cid, unsigned n_workers);
/* The program for n_workers (1..256) into prog. */
void dchan_steer_prog(unsigned n_workers, struct sock_filter prog[static DCHAN_STEER_PROG_LEN]);

#endif
