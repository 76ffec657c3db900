/*
 * udpsock.c - the client's UDP socket for the data channel (docs/protocol.md
 * section 12) on Linux: unconnected, so every send looks the route and the
 * source address up again and a moved path is followed without a new
 * socket; only the gateway's address and port are listened to. Datagrams
 * are sealed by the caller straight into one flat buffer; a flush sends
 * each run of equal-size datagrams (the last of a run may be shorter) as
 * one UDP GSO message (UDP_SEGMENT, Linux 4.18) and all the runs in one
 * sendmmsg; without UDP GSO, one message per datagram, still one sendmmsg.
 * A run the kernel refuses as GSO (a segment over the path MTU, EINVAL, or
 * a route without UDP GSO, EIO: then off for the socket) goes datagram by
 * datagram.
 * Receiving is recvmmsg with UDP GRO (Linux 5.0) where the kernel has it:
 * a run of datagrams of one size from the gateway arrives as one message
 * with its segment size, and is split here, so the kernel neither cuts a
 * GSO run from the gateway nor queues each datagram on its own.
 */
#include "client.h"

#include <errno.h>
#include <netinet/in.h>
#include <netinet/udp.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "udp_gro.h"
#include "udp_offload.h"

/* Socket buffers: a GRO or GSO run is up to 64 KiB, so the default
 * (about 208 KiB) holds only three of them and a burst overflows it. */
#define SOCK_BUF (4 << 20)
/* What the kernel takes in one GSO send: segments and bytes. */
#define GSO_SEGS_MAX 64
#define GSO_BYTES_MAX 65000

/* SOCK_BUF beyond the system's maximum with CAP_NET_ADMIN (which the
 * client keeps), else as much as the maximum allows. */
static void set_buf(int fd, int force, int plain)
{
	int v = SOCK_BUF;

	if (setsockopt(fd, SOL_SOCKET, force, &v, sizeof(v)) < 0)
		(void)setsockopt(fd, SOL_SOCKET, plain, &v, sizeof(v));
}

int udpsock_open(struct udpsock *u, const struct sockaddr *gw, socklen_t len, uint16_t port)
{
	int seg = 0, one = 1;
	socklen_t sl = sizeof(seg);

	memset(u, 0, sizeof(*u));
	u->fd = -1;
	if (len > sizeof(u->peer) || (gw->sa_family != AF_INET && gw->sa_family != AF_INET6)) {
		errno = EAFNOSUPPORT;
		return -1;
	}
	memcpy(&u->peer, gw, len);
	u->peer_len = len;
	if (gw->sa_family == AF_INET)
		((struct sockaddr_in *)&u->peer)->sin_port = htons(port);
	else
		((struct sockaddr_in6 *)&u->peer)->sin6_port = htons(port);
	u->tx = malloc((size_t)UDPSOCK_BATCH * UDPSOCK_DGRAM_MAX);
	u->rx = malloc((size_t)UDPSOCK_RX_MSGS * UDPSOCK_RX_MSG);
	if (u->tx == NULL || u->rx == NULL) {
		udpsock_close(u);
		errno = ENOMEM;
		return -1;
	}
	u->fd = socket(gw->sa_family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, IPPROTO_UDP);
	if (u->fd < 0) {
		int e = errno;
		udpsock_close(u);
		errno = e;
		return -1;
	}
	/* A kernel that knows the option answers for it; one that does not
	 * refuses, and every datagram is its own message. */
	u->gso = getsockopt(u->fd, IPPROTO_UDP, UDP_SEGMENT, &seg, &sl) == 0;
	u->gro = setsockopt(u->fd, IPPROTO_UDP, UDP_GRO, &one, sizeof(one)) == 0;
	set_buf(u->fd, SO_RCVBUFFORCE, SO_RCVBUF);
	set_buf(u->fd, SO_SNDBUFFORCE, SO_SNDBUF);
	return 0;
}

void udpsock_close(struct udpsock *u)
{
	if (u->fd >= 0)
		close(u->fd);
	u->fd = -1;
	if (u->tx != NULL)
		explicit_bzero(u->tx, (size_t)UDPSOCK_BATCH * UDPSOCK_DGRAM_MAX);
	free(u->tx);
	free(u->rx);
	u->tx = u->rx = NULL;
	u->tx_len = 0;
	u->tx_n = 0;
}

uint8_t *udpsock_space(struct udpsock *u, size_t *room)
{
	size_t left = (size_t)UDPSOCK_BATCH * UDPSOCK_DGRAM_MAX - u->tx_len;

	if (u->tx == NULL || u->tx_n == UDPSOCK_BATCH) {
		*room = 0;
		return NULL;
	}
	*room = left < UDPSOCK_DGRAM_MAX ? left : UDPSOCK_DGRAM_MAX;
	return u->tx + u->tx_len;
}

void udpsock_commit(struct udpsock *u, size_t len)
{
	u->tx_lens[u->tx_n++] = (uint16_t)len;
	u->tx_len += len;
}

/* How many datagrams from i form one GSO message: equal sizes, the last
 * one possibly shorter, within the kernel's bounds. */
static unsigned run_at(const struct udpsock *u, unsigned i)
{
	unsigned n = 1;
	size_t size = u->tx_lens[i], bytes = size;

	if (!u->gso)
		return 1;
	while (i + n < u->tx_n && n < GSO_SEGS_MAX && bytes + u->tx_lens[i + n] <= GSO_BYTES_MAX &&
	       u->tx_lens[i + n] <= size) {
		bytes += u->tx_lens[i + n];
		if (u->tx_lens[i + n++] < size)
			break; /* a shorter one ends the run */
	}
	return n;
}

union seg_cmsg {
	char buf[CMSG_SPACE(sizeof(uint16_t))];
	struct cmsghdr align;
};

/* A GSO message the kernel refused as such goes datagram by datagram (each
 * then meets the path MTU on its own). The number sent. */
static unsigned send_run_plain(struct udpsock *u, const struct iovec *run, uint16_t size)
{
	const uint8_t *p = run->iov_base;
	size_t left = run->iov_len;
	unsigned sent = 0;

	while (left > 0) {
		size_t n = left < size ? left : size;

		if (sendto(u->fd, p, n, 0, (const struct sockaddr *)&u->peer, u->peer_len) ==
		    (ssize_t)n)
			sent++;
		else
			u->send_errors++;
		p += n;
		left -= n;
	}
	return sent;
}

/* sendmmsg of msgs [0, n), each carrying segs[k] datagrams of segment
 * size size[k]; a message the kernel refuses is dropped (counted) and the
 * rest still go. The number of datagrams sent. */
static unsigned send_msgs(struct udpsock *u, struct mmsghdr *m, unsigned n, const unsigned *segs,
			  const uint16_t *size)
{
	unsigned done = 0, sent = 0;

	while (done < n) {
		int r = sendmmsg(u->fd, m + done, n - done, 0);

		if (r < 0 && errno == EINTR)
			continue;
		u->batches++;
		if (r < 0) {
			/* EIO: the route cannot do UDP GSO (off for this socket);
			 * EINVAL: a segment is over the path MTU (that run only). */
			if (segs[done] > 1 && (errno == EINVAL || errno == EIO)) {
				if (errno == EIO)
					u->gso = false;
				sent += send_run_plain(u, m[done].msg_hdr.msg_iov, size[done]);
			} else {
				u->send_errors += segs[done];
			}
			done++;
			continue;
		}
		for (int k = 0; k < r; k++)
			sent += segs[done + (unsigned)k];
		done += (unsigned)r;
	}
	return sent;
}

unsigned udpsock_flush(struct udpsock *u)
{
	struct mmsghdr m[UDPSOCK_BATCH];
	struct iovec iov[UDPSOCK_BATCH];
	union seg_cmsg cm[UDPSOCK_BATCH];
	unsigned segs[UDPSOCK_BATCH];
	uint16_t size[UDPSOCK_BATCH];
	unsigned n = 0, sent = 0;
	size_t off = 0;

	if (u->fd < 0 || u->tx_n == 0)
		goto out;
	memset(m, 0, sizeof(m[0]) * u->tx_n);
	for (unsigned i = 0; i < u->tx_n;) {
		unsigned run = run_at(u, i);
		size_t bytes = 0;

		for (unsigned k = 0; k < run; k++)
			bytes += u->tx_lens[i + k];
		iov[n] = (struct iovec){u->tx + off, bytes};
		m[n].msg_hdr.msg_name = &u->peer;
		m[n].msg_hdr.msg_namelen = u->peer_len;
		m[n].msg_hdr.msg_iov = &iov[n];
		m[n].msg_hdr.msg_iovlen = 1;
		size[n] = u->tx_lens[i];
		if (run > 1) {
			struct cmsghdr *c;

			memset(&cm[n], 0, sizeof(cm[n]));
			m[n].msg_hdr.msg_control = cm[n].buf;
			m[n].msg_hdr.msg_controllen = sizeof(cm[n].buf);
			c = CMSG_FIRSTHDR(&m[n].msg_hdr);
			c->cmsg_level = IPPROTO_UDP;
			c->cmsg_type = UDP_SEGMENT;
			c->cmsg_len = CMSG_LEN(sizeof(size[n]));
			memcpy(CMSG_DATA(c), &size[n], sizeof(size[n]));
			u->gso_sends++;
		}
		segs[n++] = run;
		off += bytes;
		i += run;
	}
	sent = send_msgs(u, m, n, segs, size);
	u->sent += sent;
out:
	u->tx_len = 0;
	u->tx_n = 0;
	return sent;
}

static bool from_peer(const struct udpsock *u, const struct sockaddr_storage *ss)
{
	if (ss->ss_family != u->peer.ss_family)
		return false;
	if (ss->ss_family == AF_INET) {
		const struct sockaddr_in *a = (const void *)ss, *b = (const void *)&u->peer;
		return a->sin_port == b->sin_port && a->sin_addr.s_addr == b->sin_addr.s_addr;
	}
	const struct sockaddr_in6 *a = (const void *)ss, *b = (const void *)&u->peer;
	return a->sin6_port == b->sin6_port &&
	       memcmp(&a->sin6_addr, &b->sin6_addr, sizeof(a->sin6_addr)) == 0;
}

union gro_cmsg {
	char buf[CMSG_SPACE(sizeof(int))];
	struct cmsghdr align;
};

/* Message m (n bytes at p) split into its datagrams (common/net/udp_gro.c);
 * an empty one is handed on too, and refused there. */
static void take(struct udpsock *u, uint8_t *p, size_t n, size_t seg, unsigned *got)
{
	size_t size, off = 0;
	uint32_t count = udp_gro_split(n, seg, &size);

	for (uint32_t c = 0; c < count && *got < UDPSOCK_RX_MAX; c++) {
		size_t k = udp_gro_len(n, size, off);

		u->rx_d[*got] = p + off;
		u->rx_len[(*got)++] = (uint16_t)k;
		off += k;
	}
}

int udpsock_recv(struct udpsock *u, unsigned *got)
{
	struct mmsghdr m[UDPSOCK_RX_MSGS];
	struct iovec iov[UDPSOCK_RX_MSGS];
	struct sockaddr_storage src[UDPSOCK_RX_MSGS];
	union gro_cmsg cm[UDPSOCK_RX_MSGS];
	int r;

	*got = 0;
	memset(m, 0, sizeof(m));
	for (unsigned i = 0; i < UDPSOCK_RX_MSGS; i++) {
		iov[i] = (struct iovec){u->rx + (size_t)i * UDPSOCK_RX_MSG, UDPSOCK_RX_MSG};
		m[i].msg_hdr.msg_name = &src[i];
		m[i].msg_hdr.msg_namelen = sizeof(src[i]);
		m[i].msg_hdr.msg_iov = &iov[i];
		m[i].msg_hdr.msg_iovlen = 1;
		if (u->gro) {
			m[i].msg_hdr.msg_control = cm[i].buf;
			m[i].msg_hdr.msg_controllen = sizeof(cm[i].buf);
		}
	}
	do
		r = recvmmsg(u->fd, m, UDPSOCK_RX_MSGS, MSG_DONTWAIT, NULL);
	while (r < 0 && errno == EINTR);
	if (r < 0)
		return errno == EAGAIN || errno == EWOULDBLOCK ? 0 : -1;
	for (int i = 0; i < r; i++) {
		/* A truncated message is nobody's: larger than any run we take. */
		if (!from_peer(u, &src[i]) || (m[i].msg_hdr.msg_flags & MSG_TRUNC)) {
			u->from_elsewhere++;
			continue;
		}
		take(u, iov[i].iov_base, m[i].msg_len, u->gro ? udp_gro_size(&m[i].msg_hdr) : 0,
		     got);
	}
	return r;
}
