/*
 * connect.c - finding and reaching the gateway: name resolution, a
 * non-blocking TCP connect whose result is read after EPOLLOUT, and the
 * delay before the next attempt (exponential, full jitter, so a gateway
 * restart is not met by every client in the same second).
 */
#include "client.h"

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <unistd.h>

int connect_resolve(const char *host, unsigned port, struct connect_addrs *out, char *err,
		    size_t errlen)
{
	struct addrinfo hints, *res = NULL;
	char portstr[8];
	int rc;

	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_protocol = IPPROTO_TCP;
	hints.ai_flags = AI_ADDRCONFIG;
	snprintf(portstr, sizeof(portstr), "%u", port);
	out->n = 0;
	rc = getaddrinfo(host, portstr, &hints, &res);
	if (rc != 0) {
		snprintf(err, errlen, "cannot resolve %s: %s", host,
			 rc == EAI_SYSTEM ? strerror(errno) : gai_strerror(rc));
		return -1;
	}
	for (struct addrinfo *ai = res; ai != NULL && out->n < CONNECT_MAX_ADDRS;
	     ai = ai->ai_next) {
		if (ai->ai_addrlen > sizeof(out->ss[0]))
			continue;
		if (ai->ai_family != AF_INET && ai->ai_family != AF_INET6)
			continue;
		memcpy(&out->ss[out->n], ai->ai_addr, ai->ai_addrlen);
		out->len[out->n] = ai->ai_addrlen;
		out->n++;
	}
	freeaddrinfo(res);
	if (out->n == 0) {
		snprintf(err, errlen, "%s has no IPv4 or IPv6 address", host);
		return -1;
	}
	return 0;
}

int connect_start(const struct sockaddr *sa, socklen_t len)
{
	int one = 1;
	int fd = socket(sa->sa_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, IPPROTO_TCP);

	if (fd < 0)
		return -1;
	/* Frames are coalesced per batch already; Nagle would only add delay
	 * to keepalives and interactive traffic. */
	(void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if (connect(fd, sa, len) < 0 && errno != EINPROGRESS) {
		int e = errno;
		close(fd);
		errno = e;
		return -1;
	}
	return fd;
}

int connect_finish(int fd)
{
	int soerr = 0;
	socklen_t l = sizeof(soerr);

	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &l) < 0)
		return -1;
	if (soerr != 0) {
		errno = soerr;
		return -1;
	}
	return 0;
}

void connect_backoff_init(struct connect_backoff *b, unsigned min_s, unsigned max_s)
{
	b->min_ms = (uint64_t)(min_s ? min_s : 1) * 1000u;
	b->max_ms = (uint64_t)max_s * 1000u;
	if (b->max_ms < b->min_ms)
		b->max_ms = b->min_ms;
	b->attempt = 0;
}

void connect_backoff_reset(struct connect_backoff *b)
{
	b->attempt = 0;
}

uint64_t connect_backoff_next(struct connect_backoff *b)
{
	uint64_t cap = b->min_ms;
	uint64_t r = 0;

	for (unsigned i = 0; i < b->attempt && cap < b->max_ms; i++)
		cap *= 2;
	if (cap > b->max_ms)
		cap = b->max_ms;
	if (b->attempt < 64)
		b->attempt++;
	if (getrandom(&r, sizeof(r), GRND_NONBLOCK) != (ssize_t)sizeof(r))
		r = (uint64_t)getpid() * 2654435761u ^ (uint64_t)b->attempt * 40503u;
	return b->min_ms + r % (cap - b->min_ms + 1);
}
