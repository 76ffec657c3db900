/*
 * est_io.c - one EST exchange with the gateway (RFC 7030 over our TLS
 * wrapper, ALPN http/1.1): resolve, connect, handshake, one request, one
 * answer, all blocking under one deadline. Used by `mtlsvpn-client
 * enroll` and by the renewal child (renew.c), never by the event loop.
 */
#include "client.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "errbuf.h"
#include "est_client.h"
#include "secret.h"
#include "tls.h"

#define EST_IO_MAX (HTTP_RESP_MAX_HEAD + HTTP_RESP_MAX_BODY)

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Waits for events on fd until the deadline: 0, or -1 (timed out). */
static int wait_fd(int fd, short events, int64_t deadline)
{
	for (;;) {
		struct pollfd p = {.fd = fd, .events = events};
		int64_t left = deadline - now_ms();
		int r;

		if (left <= 0)
			return -1;
		r = poll(&p, 1, (int)left);
		if (r > 0)
			return 0;
		if (r < 0 && errno != EINTR)
			return -1;
	}
}

static int dial(const struct est_io *io, int64_t deadline, char *err, size_t errlen)
{
	struct connect_addrs addrs;
	int last = 0;

	if (connect_resolve(io->host, io->port, &addrs, err, errlen) < 0)
		return -1;
	for (unsigned i = 0; i < addrs.n; i++) {
		int fd = connect_start((struct sockaddr *)&addrs.ss[i], addrs.len[i]);

		if (fd < 0) {
			last = errno;
			continue;
		}
		if (wait_fd(fd, POLLOUT, deadline) == 0 && connect_finish(fd) == 0)
			return fd;
		last = errno != 0 ? errno : ETIMEDOUT;
		close(fd);
	}
	errbuf_set(err, errlen, "cannot connect to %s port %u: %s", io->host, io->port,
		   strerror(last != 0 ? last : ETIMEDOUT));
	return -1;
}

/* Moves the TLS session on after WANT_READ / WANT_WRITE: 0, or -1. */
static int pump(struct tls_conn *t, int fd, enum tls_result r, int64_t deadline)
{
	int f = tls_flush(t);

	if (f < 0)
		return -1;
	if (f == 1 || r == TLS_WANT_WRITE)
		return wait_fd(fd, POLLOUT, deadline);
	if (wait_fd(fd, POLLIN, deadline) < 0)
		return -1;
	return tls_fill(t) < 0 && errno != EAGAIN ? -1 : 0;
}

static int handshake(struct tls_conn *t, int fd, int64_t deadline, const struct est_io *io,
		     char *err, size_t errlen)
{
	for (;;) {
		enum tls_result r = tls_handshake(t);

		if (r == TLS_OK)
			return tls_flush(t) < 0 ? -1 : 0;
		if ((r == TLS_WANT_READ || r == TLS_WANT_WRITE) && pump(t, fd, r, deadline) == 0)
			continue;
		if (r == TLS_WANT_READ || r == TLS_WANT_WRITE)
			errbuf_set(err, errlen, "TLS with %s port %u did not complete in time",
				   io->host, io->port);
		else
			errbuf_set(err, errlen, "TLS with %s port %u failed: %s", io->host,
				   io->port, tls_error_str(t));
		return -1;
	}
}

/* Reads until the answer is whole (or the gateway closes). */
static int read_answer(struct tls_conn *t, int fd, int64_t deadline, uint8_t *buf, size_t *len,
		       struct http_resp *resp, char *err, size_t errlen)
{
	bool eof = false;

	for (;;) {
		const char *why;
		size_t got = 0;
		enum tls_result r = *len < EST_IO_MAX
					? tls_read(t, buf + *len, EST_IO_MAX - *len, &got)
					: TLS_CLOSED;

		*len += got;
		if (r == TLS_CLOSED || r == TLS_ERROR)
			eof = true;
		switch (http_resp_parse(buf, *len, eof, resp, &why)) {
		case HTTP_RESP_OK:
			return 0;
		case HTTP_RESP_BAD:
			errbuf_set(err, errlen, "the gateway's answer is not one we take: %s", why);
			return -1;
		case HTTP_RESP_NEED_MORE:
			break;
		}
		if (eof) {
			errbuf_set(err, errlen, "the gateway closed the connection");
			return -1;
		}
		if (r == TLS_WANT_READ) {
			if (wait_fd(fd, POLLIN, deadline) < 0) {
				errbuf_set(err, errlen, "no answer from the gateway in time");
				return -1;
			}
			if (tls_fill(t) == 0)
				eof = true;
		}
	}
}

int est_io_exchange(const struct est_io *io, enum est_op op, const uint8_t *csr, size_t csr_len,
		    struct est_enroll_certs *out, char *err, size_t errlen)
{
	int64_t deadline = now_ms() + (int64_t)io->timeout_s * 1000;
	char host[300];
	struct tls_conn *t = NULL;
	struct http_resp resp;
	uint8_t *buf = NULL, *der = NULL;
	size_t len = 0, req_len = 0, der_len = 0;
	char *req = NULL;
	int fd, rc = -1;

	memset(out, 0, sizeof(*out));
	if (io->port == 443)
		snprintf(host, sizeof(host), strchr(io->host, ':') ? "[%s]" : "%s", io->host);
	else
		snprintf(host, sizeof(host), strchr(io->host, ':') ? "[%s]:%u" : "%s:%u", io->host,
			 io->port);
	req = est_client_request(op, host, io->identity, io->token, csr, csr_len, &req_len);
	if (req == NULL) {
		errbuf_set(err, errlen,
			   "the request cannot be made (an identity with ':' or a "
			   "control character?)");
		return -1;
	}
	fd = dial(io, deadline, err, errlen);
	if (fd < 0)
		goto out;
	t = tls_conn_new(io->tls, fd);
	buf = malloc(EST_IO_MAX);
	if (t == NULL || buf == NULL) {
		errbuf_set(err, errlen, "out of memory");
		goto out;
	}
	if (handshake(t, fd, deadline, io, err, errlen) < 0)
		goto out;
	if (tls_write(t, req, req_len) != TLS_OK) {
		errbuf_set(err, errlen, "cannot send the request: %s", tls_error_str(t));
		goto out;
	}
	while (tls_flush(t) == 1)
		if (wait_fd(fd, POLLOUT, deadline) < 0)
			break;
	if (read_answer(t, fd, deadline, buf, &len, &resp, err, errlen) < 0)
		goto out;
	if (est_client_reply(op, &resp, &der, &der_len, err, errlen) < 0)
		goto out;
	rc = est_enroll_certs_take(der, der_len, out, err, errlen);
out:
	if (t != NULL) {
		tls_shutdown(t);
		(void)tls_flush(t);
		tls_conn_free(t);
	}
	if (fd >= 0)
		close(fd);
	secret_wipe(req, req_len);
	free(req);
	free(buf);
	return rc;
}
