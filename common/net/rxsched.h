/*
 * rxsched.h - the order in which a worker hands on the datagrams it has
 * read ahead (server/udp_rx.c), so that an interactive packet never waits
 * behind another session's bulk: the sparse-flow rule of fq_codel (RFC
 * 8290, section 4.1) over the few slots a worker stages. Pure.
 *
 * A slot is one read: one datagram, or with UDP_GRO a run of one peer's
 * datagrams. Its key says whose they are (the session's cid). A key with
 * at most RXSCHED_SPARSE datagrams staged in all is sparse: its slots go
 * first, whole, in arrival order. The others' follow in arrival order
 * until a turn's budget of datagrams is spent (the last slot maybe only in
 * part). A key's datagrams are never reordered: they are either all
 * sparse or all not.
 */
#ifndef MTLSVPN_RXSCHED_H
#define MTLSVPN_RXSCHED_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* At most this many datagrams staged: a ping, a keystroke, an ACK pair. */
#define RXSCHED_SPARSE 2
/* The most slots one plan covers. */
#define RXSCHED_MAX 256

struct rxsched_slot {
	uint64_t key;  /* whose datagrams */
	uint32_t left; /* datagrams not handed on yet */
};

struct rxsched_step {
	uint32_t slot;	/* an index into the slots */
	uint32_t count; /* datagrams to hand on from it, from its next one */
	bool sparse;	/* its key is sparse: the steps before the first bulk one */
};

/* One turn's plan over the n (<= RXSCHED_MAX) staged slots named by
 * order[], oldest first: steps into out (room for n), their number
 * returned. Bulk datagrams beyond budget wait for the next turn. */
size_t rxsched_plan(const struct rxsched_slot *slots, const uint32_t *order, size_t n,
		    uint32_t budget, struct rxsched_step *out);

/* The slot to give up when every slot is taken and more is waiting: the
 * oldest of the key with the most datagrams staged, if that key is not
 * sparse; -1 if every key is (then nothing is given up: the rest waits in
 * the kernel). */
long rxsched_victim(const struct rxsched_slot *slots, const uint32_t *order, size_t n);

#endif
