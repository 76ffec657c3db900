/*
 * udp_rx.c - receiving on a worker's UDP socket, fairly. All of a
 * worker's sessions share the socket, and the kernel queues it first come
 * first served: a bulk upload that keeps the worker busy would hold
 * milliseconds of datagrams in front of another session's ping. So each
 * turn first reads whatever waits into a few staged slots (cheap: a copy),
 * then hands on the sessions with at most a packet or two waiting, whole,
 * and then the rest in arrival order within a budget (common/net/
 * rxsched.c, fq_codel's sparse flows). What the budget leaves waits for
 * the next turn, which comes without sleeping, after the TUN and the TLS
 * sessions have had theirs: so the ping's answer is not behind the bulk
 * either. When every slot is taken and more is waiting, the heaviest
 * session's oldest read is given up (counted: evicted), as a fair queue
 * drops from its fattest flow; if no session is heavy, the rest waits in
 * the kernel.
 * A datagram naming no live session is counted (unknown_cid), never
 * answered, and holds no slot. A read's first datagram is parsed once,
 * when staged: its cid (the key) is looked up again when handed on, as
 * the session may have closed and been freed in between; no session
 * pointer outlives a turn here.
 */
#include "server.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "rxsched.h"
#include "udp_gro.h"
#include "udp_offload.h"

/* Room for UDP_GRO's size and a packet-info cmsg. */
#define UDP_RX_CTL                                                                                 \
	(CMSG_SPACE(sizeof(int)) + CMSG_SPACE(sizeof(struct in6_pktinfo)) +                        \
	 CMSG_SPACE(sizeof(struct in_pktinfo)))

struct udp_rx_msgs {
	struct mmsghdr m[UDP_RX_BATCH];
	struct iovec iov[UDP_RX_BATCH];
	union {
		char buf[UDP_RX_CTL];
		struct cmsghdr align;
	} ctl[UDP_RX_BATCH];
	uint32_t slot[UDP_RX_BATCH];
};

int udp_rx_init(struct worker *w)
{
	struct worker_udp *u = &w->udp;

	/* A datagram of a full-size packet, and room to see a longer one is
	 * longer (it is refused: MSG_TRUNC); with GRO, a run of them. */
	u->rx_slot = u->gro ? UDP_GRO_SLOT : w->gw->cfg.mtu + DCHAN_MIN_LEN + 64;
	u->rx_slots = u->gro ? UDP_RX_SLOTS_GRO : UDP_RX_SLOTS;
	u->rx = malloc(u->rx_slots * u->rx_slot);
	u->reads = calloc(u->rx_slots, sizeof(*u->reads));
	u->sched = calloc(u->rx_slots, sizeof(*u->sched));
	u->order = calloc(u->rx_slots, sizeof(*u->order));
	u->free = calloc(u->rx_slots, sizeof(*u->free));
	if (u->rx == NULL || u->reads == NULL || u->sched == NULL || u->order == NULL ||
	    u->free == NULL)
		return -1;
	for (unsigned i = 0; i < u->rx_slots; i++)
		u->free[i] = u->rx_slots - 1 - i;
	u->n_free = u->rx_slots;
	u->n_order = 0;
	return 0;
}

void udp_rx_deinit(struct worker *w)
{
	struct worker_udp *u = &w->udp;

	free(u->rx);
	free(u->reads);
	free(u->sched);
	free(u->order);
	free(u->free);
	u->rx = NULL;
	u->reads = NULL;
	u->sched = NULL;
	u->order = NULL;
	u->free = NULL;
	u->n_free = u->n_order = 0;
}

static uint64_t cid_of(const uint8_t *d, size_t n)
{
	struct dchan_hdr h;

	if (dchan_hdr_decode(d, n, &h) != DCHAN_HDR_OK)
		return 0;
	return h.cid;
}

static struct session *live(struct worker *w, uint64_t cid)
{
	struct session *s = cidtab_find(&w->udp.cids, cid);

	return s != NULL && s->state == SESSION_ESTABLISHED ? s : NULL;
}

/* The address a datagram came to, from IP_PKTINFO / IPV6_PKTINFO. */
static void local_of(struct msghdr *h, struct udp_local *out)
{
	memset(out, 0, sizeof(*out));
	for (struct cmsghdr *c = CMSG_FIRSTHDR(h); c != NULL; c = CMSG_NXTHDR(h, c)) {
		if (c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_PKTINFO &&
		    c->cmsg_len >= CMSG_LEN(sizeof(struct in_pktinfo))) {
			struct in_pktinfo pi;

			memcpy(&pi, CMSG_DATA(c), sizeof(pi));
			out->family = AF_INET;
			out->v4 = pi.ipi_addr;
		} else if (c->cmsg_level == IPPROTO_IPV6 && c->cmsg_type == IPV6_PKTINFO &&
			   c->cmsg_len >= CMSG_LEN(sizeof(struct in6_pktinfo))) {
			struct in6_pktinfo pi;

			memcpy(&pi, CMSG_DATA(c), sizeof(pi));
			out->family = AF_INET6;
			out->v6 = pi.ipi6_addr;
		}
	}
}

/* Slot k of order[] leaves it (handed on or given up) and is free again. */
static void release(struct worker_udp *u, unsigned k)
{
	u->free[u->n_free++] = u->order[k];
	memmove(&u->order[k], &u->order[k + 1], (u->n_order - k - 1) * sizeof(u->order[0]));
	u->n_order--;
}

/* A slot for the next read when none is free: the heaviest session's
 * oldest read given up. false: every session waiting is sparse. */
static bool evict(struct worker_udp *u)
{
	long v = rxsched_victim(u->sched, u->order, u->n_order);

	if (v < 0)
		return false;
	for (unsigned k = 0; k < u->n_order; k++) {
		if (u->order[k] == (uint32_t)v) {
			u->datagrams_in += u->sched[v].left;
			u->rx_evicted += u->sched[v].left;
			release(u, k);
			return true;
		}
	}
	return false;
}

/* A read just made into slot i: staged, or (no live session) counted and
 * its slot free again. */
static void stage(struct worker *w, uint32_t i, struct mmsghdr *m)
{
	struct worker_udp *u = &w->udp;
	struct udp_rx_read *r = &u->reads[i];
	size_t n = m->msg_len, seg;
	/* A GRO'd read: datagrams of seg bytes, the last maybe shorter. */
	uint32_t count = udp_gro_split(n, udp_gro_size(&m->msg_hdr), &seg);

	if (count > 1)
		u->gro_reads++;
	r->len = (uint32_t)n;
	r->seg = (uint32_t)seg;
	r->off = 0;
	r->flags = m->msg_hdr.msg_flags;
	r->src_len = m->msg_hdr.msg_namelen;
	local_of(&m->msg_hdr, &r->local);
	/* The first datagram's cid, parsed as hand_on would parse it. */
	u->sched[i].key = cid_of(u->rx + (size_t)i * u->rx_slot, udp_gro_len(n, seg, 0));
	u->sched[i].left = count;
	if ((r->flags & MSG_TRUNC) || live(w, u->sched[i].key) == NULL) {
		u->datagrams_in += count;
		u->unknown_cid += count;
		u->free[u->n_free++] = i;
		return;
	}
	u->order[u->n_order++] = i;
}

/* Everything waiting on the socket into slots, as far as they go. */
static void drain(struct worker *w)
{
	static _Thread_local struct udp_rx_msgs mm;
	struct worker_udp *u = &w->udp;

	for (unsigned reads = 0; reads < 2 * u->rx_slots;) {
		unsigned want;
		int got;

		if (u->n_free == 0 && !evict(u))
			return;
		want = u->n_free < UDP_RX_BATCH ? u->n_free : UDP_RX_BATCH;
		for (unsigned i = 0; i < want; i++) {
			struct msghdr *h = &mm.m[i].msg_hdr;
			uint32_t slot = u->free[--u->n_free];

			mm.slot[i] = slot;
			mm.iov[i].iov_base = u->rx + (size_t)slot * u->rx_slot;
			mm.iov[i].iov_len = u->rx_slot;
			memset(&mm.m[i], 0, sizeof(mm.m[i]));
			h->msg_iov = &mm.iov[i];
			h->msg_iovlen = 1;
			h->msg_name = &u->reads[slot].src;
			h->msg_namelen = sizeof(u->reads[slot].src);
			h->msg_control = mm.ctl[i].buf;
			h->msg_controllen = sizeof(mm.ctl[i].buf);
		}
		got = recvmmsg(u->fd, mm.m, want, MSG_DONTWAIT, NULL);
		if (got < 0) {
			if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
				log_warn("UDP receive");
			got = 0;
		}
		/* Slots written to (strangers' reads too): kept while in use. */
		if (got > 0)
			rx_idle_on_staged(w);
		for (int i = 0; i < got; i++)
			stage(w, mm.slot[i], &mm.m[i]);
		/* The slots the kernel had nothing for, back (in their order). */
		for (unsigned i = want; i > (unsigned)got; i--)
			u->free[u->n_free++] = mm.slot[i - 1];
		reads += (unsigned)got;
		if ((unsigned)got < want)
			return;
	}
}

/* One datagram handed on, to the live session cid names. */
static void dispatch(struct worker *w, uint64_t cid, uint8_t *d, size_t n,
		     const struct udp_rx_read *r, struct session **last)
{
	struct session *s;

	w->udp.datagrams_in++;
	s = live(w, cid);
	if (s == NULL) {
		w->udp.unknown_cid++;
		return;
	}
	/* A session's packets go into the TUN coalesced until another
	 * session's come, or the turn ends. */
	if (*last != NULL && *last != s)
		tungro_flush(*last);
	*last = s;
	udp_sess_receive(s, d, n, &r->src, r->src_len, &r->local);
}

/* This turn's plan carried out: sparse sessions whole, then the budget. */
static void hand_on(struct worker *w)
{
	static _Thread_local struct rxsched_step steps[RXSCHED_MAX];
	struct worker_udp *u = &w->udp;
	struct session *last = NULL;
	size_t m = rxsched_plan(u->sched, u->order, u->n_order, UDP_RX_BUDGET, steps);

	for (size_t k = 0; k < m; k++) {
		uint32_t i = steps[k].slot;
		struct udp_rx_read *r = &u->reads[i];
		uint8_t *d = u->rx + (size_t)i * u->rx_slot;

		for (uint32_t c = 0; c < steps[k].count; c++) {
			size_t n = udp_gro_len(r->len, r->seg, r->off);
			/* The read's first datagram was parsed when staged (its
			 * cid is the key): only the table is asked again, since
			 * the session may have closed (and been freed) since. */
			uint64_t cid = r->off == 0 ? u->sched[i].key : cid_of(d + r->off, n);

			dispatch(w, cid, d + r->off, n, r, &last);
			r->off += (uint32_t)n;
			u->sched[i].left--;
		}
	}
	if (last != NULL)
		tungro_flush(last);
	for (unsigned k = 0; k < u->n_order;) {
		if (u->sched[u->order[k]].left == 0)
			release(u, k);
		else
			k++;
	}
}

static void turn(struct worker *w)
{
	drain(w);
	hand_on(w);
	/* More staged: the next turn comes at once, the TUN's and the TLS
	 * sessions' events first. */
	if (w->udp.n_order > 0)
		ev_loop_no_sleep(w->loop);
	router_flush_dirty(w);
}

void udp_rx_on_readable(struct ev_loop *loop, struct ev_io *io, uint32_t revents)
{
	struct worker *w = io->data;

	(void)loop;
	(void)revents;
	w->udp.rx_turned = true;
	turn(w);
}

void udp_rx_on_turn_end(struct ev_loop *loop, void *data)
{
	struct worker *w = data;

	(void)loop;
	if (w->udp.rx_turned)
		w->udp.rx_turned = false;
	else if (w->udp.n_order > 0)
		turn(w);
}
