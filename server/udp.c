/*
 * udp.c - the UDP data channel's sockets on the gateway: one per worker,
 * all bound (in worker order, before the privileges go) to the same
 * address and port in one SO_REUSEPORT group, with a classic BPF program
 * that hands each datagram to the socket of the worker whose index is in
 * its cid's low byte (common/wire/dchan_steer.c); so a worker only ever
 * sees datagrams of its own sessions, found in its own cid table.
 * Receiving, fairly between the sessions: udp_rx.c.
 * Sending: the datagrams of a TUN batch are sealed back to back into one
 * buffer and go out with one sendmmsg at the end of it, each run of equal
 * sizes to one peer as a single UDP_SEGMENT (GSO) message where the kernel
 * has it.
 */
#include "server.h"

#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <unistd.h>

#include "dchan_steer.h"
#include "log.h"
#include "udp_offload.h"

/* The kernel's bounds on one UDP_SEGMENT message. */
#define UDP_GSO_MAX_SEGS 64
#define UDP_GSO_MAX_BYTES 65000
/* The send buffer: a burst to a fast client must not overflow the default. */
#define UDP_SOCKBUF (4 * 1024 * 1024)
/* The receive buffer is a queue every session of the worker waits in: a
 * bulk upload that keeps the worker busy fills it, and a ping of another
 * session waits behind all of it. 4 MiB held 1.7-3.0 ms of queue at
 * 4 Gbit/s, 1 MiB 0.8-1.2 ms, 256 KiB 0.4-0.7 ms; but on a quiet machine
 * 256 KiB overflowed under one upload at ~5 Gbit/s (x0.77 of the TLS
 * path against x0.95-0.96 at 1 MiB and 4 MiB). 1 MiB (the kernel doubles
 * it) keeps the upload and halves the wait (docs/performance.md,
 * "Latency"). */
#define UDP_RCVBUF (1024 * 1024)

bool udp_enabled(const struct gateway *gw)
{
	return gw->cfg.udp;
}

static bool wildcard(const struct sockaddr_storage *ss)
{
	if (ss->ss_family == AF_INET6)
		return IN6_IS_ADDR_UNSPECIFIED(&((const struct sockaddr_in6 *)(const void *)ss)->sin6_addr);
	return ((const struct sockaddr_in *)(const void *)ss)->sin_addr.s_addr == htonl(INADDR_ANY);
}

static int open_one(struct worker *w, const struct sockaddr_storage *ss, socklen_t len)
{
	int one = 1, size = UDP_SOCKBUF, rcv = UDP_RCVBUF;
	int fd = socket(ss->ss_family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return -1;
	/* The buffers are best effort: capped by net.core.[rw]mem_max. */
	(void)setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcv, sizeof(rcv));
	(void)setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &size, sizeof(size));
	if (setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one)) < 0 ||
	    pmtu_sock_set_df(fd, ss->ss_family) < 0 ||
	    bind(fd, (const struct sockaddr *)ss, len) < 0) {
		int e = errno;
		close(fd);
		errno = e;
		return -1;
	}
	/* Receive offload: a run of a client's datagrams (its UDP GSO send,
	 * or a NIC's GRO) comes up in one read instead of being cut per
	 * datagram on the way in. Best effort: Linux 5.0. */
	w->udp.gro = setsockopt(fd, SOL_UDP, UDP_GRO, &one, sizeof(one)) == 0;
	/* A wildcard address: learn which of ours each datagram came to
	 * (IPv4 too on a dual-stack IPv6 socket), to answer from it. */
	if (wildcard(ss) &&
	    (setsockopt(fd, IPPROTO_IP, IP_PKTINFO, &one, sizeof(one)) < 0 ||
	     (ss->ss_family == AF_INET6 &&
	      setsockopt(fd, IPPROTO_IPV6, IPV6_RECVPKTINFO, &one, sizeof(one)) < 0))) {
		int e = errno;
		close(fd);
		errno = e;
		return -1;
	}
	w->udp.pktinfo = wildcard(ss);
	w->udp.fd = fd;
	return 0;
}

static int buffers_init(struct worker *w)
{
	uint64_t seed = 0;

	w->udp.tx_cap = (size_t)UDP_BATCH * (w->gw->cfg.mtu + DCHAN_MIN_LEN);
	w->udp.tx = malloc(w->udp.tx_cap);
	if (getrandom(&seed, sizeof(seed), 0) != sizeof(seed))
		seed = (uint64_t)(uintptr_t)w;
	if (udp_rx_init(w) < 0 || w->udp.tx == NULL ||
	    cidtab_init(&w->udp.cids, w->gw->cfg.max_clients / w->gw->n_workers + 1, seed) < 0) {
		errno = ENOMEM;
		return -1;
	}
	return 0;
}

int udp_open_all(struct gateway *gw)
{
	struct sockaddr_storage ss = gw->cfg.listen;
	socklen_t len = gw->cfg.listen_len;
	struct sock_filter prog[DCHAN_STEER_PROG_LEN];
	struct sock_fprog fprog = {.len = DCHAN_STEER_PROG_LEN, .filter = prog};
	char a[ADDR_STRLEN];

	if (!udp_enabled(gw))
		return 0;
	if (ss.ss_family == AF_INET6)
		((struct sockaddr_in6 *)(void *)&ss)->sin6_port = htons((uint16_t)gw->cfg.udp_port);
	else
		((struct sockaddr_in *)(void *)&ss)->sin_port = htons((uint16_t)gw->cfg.udp_port);
	/* In worker order: the kernel numbers a reuseport group's sockets in
	 * the order they joined it, and the program returns that number. */
	for (unsigned i = 0; i < gw->n_workers; i++) {
		struct worker *w = &gw->workers[i];

		if (open_one(w, &ss, len) < 0) {
			log_warn("cannot bind UDP %s (udp_port); free the port, set another "
				 "udp_port, or set udp = off",
				 addr_fmt_sockaddr((const struct sockaddr *)&ss, a));
			return -1;
		}
		if (buffers_init(w) < 0) {
			log_warn("cannot allocate the UDP buffers");
			return -1;
		}
	}
	dchan_steer_prog(gw->n_workers, prog);
	if (gw->n_workers > 1 && setsockopt(gw->workers[0].udp.fd, SOL_SOCKET,
					    SO_ATTACH_REUSEPORT_CBPF, &fprog, sizeof(fprog)) < 0) {
		log_warn("cannot attach the UDP steering program");
		return -1;
	}
	for (unsigned i = 0; i < gw->n_workers; i++) {
		struct worker *w = &gw->workers[i];

		ev_io_init(&w->udp.io, w->udp.fd, udp_rx_on_readable, w);
		if (ev_io_start(w->loop, &w->udp.io, EPOLLIN) < 0 ||
		    ev_hook_add(w->loop, udp_rx_on_turn_end, w) < 0) {
			log_warn("cannot watch the UDP socket");
			return -1;
		}
	}
	log_info("udp data channel on %s (%u socket%s%s)",
		 addr_fmt_sockaddr((const struct sockaddr *)&ss, a), gw->n_workers,
		 gw->n_workers == 1 ? "" : "s, steered by cid",
		 gw->workers[0].udp.gro ? ", receive offload" : "");
	return 0;
}

void udp_close(struct worker *w)
{
	if (w->udp.fd >= 0) {
		ev_io_stop(w->loop, &w->udp.io);
		close(w->udp.fd);
		w->udp.fd = -1;
	}
	pmtu_worker_close(w);
	udp_rx_deinit(w);
	free(w->udp.tx);
	w->udp.tx = NULL;
	w->udp.nq = 0;
	w->udp.tx_used = 0;
	cidtab_deinit(&w->udp.cids);
}

/* ---- sending ---- */

uint8_t *udp_queue_slot(struct worker *w, size_t need, size_t *cap)
{
	if (w->udp.nq == UDP_BATCH || w->udp.tx_used + need > w->udp.tx_cap)
		udp_flush(w);
	*cap = w->udp.tx_cap - w->udp.tx_used;
	return w->udp.tx + w->udp.tx_used;
}

void udp_queue_commit(struct worker *w, size_t len, const struct sockaddr_storage *peer,
		      socklen_t peer_len, const struct udp_local *local)
{
	struct udp_queued *q = &w->udp.q[w->udp.nq++];

	q->off = (uint32_t)w->udp.tx_used;
	q->len = (uint32_t)len;
	memcpy(&q->peer, peer, peer_len);
	q->peer_len = peer_len;
	q->local = *local;
	w->udp.tx_used += len;
}

static bool same_peer(const struct udp_queued *a, const struct udp_queued *b)
{
	return a->peer_len == b->peer_len && memcmp(&a->peer, &b->peer, a->peer_len) == 0 &&
	       memcmp(&a->local, &b->local, sizeof(a->local)) == 0;
}

/* How many queued datagrams from i on go as one message: a run to one
 * peer whose sizes are all equal but the last, which may be shorter. */
static unsigned run_len(const struct worker *w, unsigned i, size_t *bytes)
{
	const struct udp_queued *q = w->udp.q;
	unsigned k = i + 1;

	*bytes = q[i].len;
	if (w->udp.gso_off)
		return 1;
	while (k < w->udp.nq && k - i < UDP_GSO_MAX_SEGS && same_peer(&q[i], &q[k]) &&
	       q[k].len <= q[i].len && *bytes + q[k].len <= UDP_GSO_MAX_BYTES) {
		*bytes += q[k].len;
		if (q[k++].len < q[i].len)
			break;
	}
	return k - i;
}

/* Room for UDP_SEGMENT's size and a source address. */
#define UDP_TX_CTL (CMSG_SPACE(sizeof(uint16_t)) + CMSG_SPACE(sizeof(struct in6_pktinfo)))
union udp_tx_ctl {
	char buf[UDP_TX_CTL];
	struct cmsghdr align;
};

/* One control message at c (NULL: no room), its space in the buffer. */
static size_t put_cmsg(struct cmsghdr *c, int level, int type, const void *data, size_t len)
{
	if (c == NULL)
		return 0;
	c->cmsg_level = level;
	c->cmsg_type = type;
	c->cmsg_len = CMSG_LEN(len);
	memcpy(CMSG_DATA(c), data, len);
	return CMSG_SPACE(len);
}

/* The control messages of one send into h: UDP_SEGMENT when gso > 0, the
 * source address when local names one. */
static void send_ctl(struct msghdr *h, union udp_tx_ctl *ctl, uint16_t gso,
		     const struct udp_local *local)
{
	struct cmsghdr *c;
	struct in_pktinfo p4;
	struct in6_pktinfo p6;
	size_t used = 0;

	memset(ctl, 0, sizeof(*ctl));
	h->msg_control = ctl->buf;
	h->msg_controllen = sizeof(ctl->buf);
	c = CMSG_FIRSTHDR(h);
	if (gso > 0) {
		used += put_cmsg(c, SOL_UDP, UDP_SEGMENT, &gso, sizeof(gso));
		c = CMSG_NXTHDR(h, c);
	}
	memset(&p4, 0, sizeof(p4));
	memset(&p6, 0, sizeof(p6));
	if (local != NULL && local->family == AF_INET) {
		p4.ipi_spec_dst = local->v4;
		used += put_cmsg(c, IPPROTO_IP, IP_PKTINFO, &p4, sizeof(p4));
	} else if (local != NULL && local->family == AF_INET6) {
		p6.ipi6_addr = local->v6;
		used += put_cmsg(c, IPPROTO_IPV6, IPV6_PKTINFO, &p6, sizeof(p6));
	}
	h->msg_controllen = used;
	if (used == 0)
		h->msg_control = NULL;
}

struct udp_msgs {
	struct mmsghdr m[UDP_BATCH];
	struct iovec iov[UDP_BATCH];
	unsigned segs[UDP_BATCH];
	union udp_tx_ctl ctl[UDP_BATCH];
};

static unsigned build(struct worker *w, struct udp_msgs *mm)
{
	unsigned n = 0;

	for (unsigned i = 0; i < w->udp.nq; n++) {
		struct udp_queued *q = &w->udp.q[i];
		struct msghdr *h = &mm->m[n].msg_hdr;
		size_t bytes;
		unsigned segs = run_len(w, i, &bytes);

		memset(&mm->m[n], 0, sizeof(mm->m[n]));
		mm->iov[n].iov_base = w->udp.tx + q->off;
		mm->iov[n].iov_len = bytes;
		h->msg_iov = &mm->iov[n];
		h->msg_iovlen = 1;
		h->msg_name = &q->peer;
		h->msg_namelen = q->peer_len;
		send_ctl(h, &mm->ctl[n], segs > 1 ? (uint16_t)q->len : 0,
			 w->udp.pktinfo ? &q->local : NULL);
		mm->segs[n] = segs;
		i += segs;
	}
	return n;
}

void udp_flush(struct worker *w)
{
	static _Thread_local struct udp_msgs mm;
	unsigned n, done = 0;

	if (w->udp.nq == 0)
		return;
	n = build(w, &mm);
	while (done < n) {
		int r = sendmmsg(w->udp.fd, mm.m + done, n - done, MSG_DONTWAIT);

		if (r > 0) {
			for (int i = 0; i < r; i++) {
				w->udp.datagrams_out += mm.segs[done + i];
				if (mm.segs[done + i] > 1)
					w->udp.gso_sends++;
			}
			done += (unsigned)r;
			continue;
		}
		if (errno == EINTR)
			continue;
		/* A kernel or device without UDP GSO: single datagrams from
		 * now on, this batch included. */
		if ((errno == EIO || errno == EINVAL || errno == ENOPROTOOPT) && !w->udp.gso_off &&
		    mm.segs[done] > 1) {
			w->udp.gso_off = true;
			log_info("UDP segmentation offload refused (%s): sending single datagrams",
				 strerror(errno));
			/* Rebuild from the first unsent datagram. */
			unsigned first = 0;
			for (unsigned i = 0; i < done; i++)
				first += mm.segs[i];
			memmove(w->udp.q, w->udp.q + first, (w->udp.nq - first) * sizeof(w->udp.q[0]));
			w->udp.nq -= first;
			n = build(w, &mm);
			done = 0;
			continue;
		}
		/* EAGAIN (socket buffer full) and the rest: this message is
		 * lost, as a full link would lose it. EMSGSIZE: the path MTU
		 * shrank; pmtu.c asks the kernel again. */
		if (errno == EMSGSIZE)
			w->udp.pmtu.emsgsize++;
		w->udp.send_errors += mm.segs[done];
		done++;
	}
	w->udp.nq = 0;
	w->udp.tx_used = 0;
}

void udp_send_one(struct worker *w, const uint8_t *d, size_t len,
		  const struct sockaddr_storage *peer, socklen_t peer_len,
		  const struct udp_local *local)
{
	union udp_tx_ctl ctl;
	struct iovec iov = {.iov_base = (void *)(uintptr_t)d, .iov_len = len};
	struct msghdr h = {.msg_name = (void *)(uintptr_t)peer, .msg_namelen = peer_len,
			   .msg_iov = &iov, .msg_iovlen = 1};

	send_ctl(&h, &ctl, 0, w->udp.pktinfo ? local : NULL);
	if (sendmsg(w->udp.fd, &h, MSG_DONTWAIT) == (ssize_t)len)
		w->udp.datagrams_out++;
	else
		w->udp.send_errors++;
}
