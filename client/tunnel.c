/*
 * tunnel.c - the client's data path while UP. TUN -> gateway: read packets
 * until EAGAIN (at most TUNNEL_BATCH), each landing after room for its frame
 * header so framing is in place, then one TLS write and one flush for the
 * whole batch. Gateway -> TUN: one write per checked packet. Reading the
 * TUN pauses while the TLS output queue is above its high-water mark.
 */
#include "client.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

#include "frame.h"
#include "ippkt.h"
#include "log.h"
#include "tls.h"

void tunnel_stop_reading(struct client *c)
{
	if (c->tun_reading) {
		ev_io_stop(c->loop, &c->tun_io);
		c->tun_reading = false;
	}
}

static void start_reading(struct client *c)
{
	if (c->tun_reading)
		return;
	if (ev_io_start(c->loop, &c->tun_io, EPOLLIN) < 0) {
		log_warn("epoll on %s", c->tun_name);
		return;
	}
	c->tun_reading = true;
}

void tunnel_update_backpressure(struct client *c)
{
	size_t q;
	uint32_t ev = EPOLLIN;

	if (c->state != CLIENT_UP || c->tls == NULL) {
		tunnel_stop_reading(c);
		return;
	}
	q = tls_outq_len(c->tls);
	if (q > TUNNEL_OUTQ_HIGH)
		tunnel_stop_reading(c);
	else if (q < TUNNEL_OUTQ_LOW)
		start_reading(c);
	if (q > 0)
		ev |= EPOLLOUT;
	if (ev_io_modify(c->loop, &c->sock_io, ev) < 0)
		log_warn("epoll");
}

/* 0: queued (and flushed as far as the socket takes it); 1: the TLS queue
 * is full and nothing was queued; -1: the connection is gone (handled). */
int tunnel_send(struct client *c, const void *p, size_t len)
{
	enum tls_result r = tls_write(c->tls, p, len);

	if (r == TLS_WANT_WRITE)
		return 1;
	if (r != TLS_OK) {
		client_disconnect(c, "cannot send to %s: %s", c->gateway_str,
				  tls_error_str(c->tls));
		return -1;
	}
	c->last_tx_ms = ev_now_ms(c->loop);
	if (tls_flush(c->tls) < 0) {
		client_disconnect(c, "lost the connection to %s: %s", c->gateway_str,
				  strerror(errno));
		return -1;
	}
	return 0;
}

int tunnel_send_frame(struct client *c, uint8_t type, const void *payload, size_t len)
{
	uint8_t frame[FRAME_HDR_LEN + 2 + BYE_MAX_TEXT];
	int r;

	if (c->tls == NULL || len > sizeof(frame) - FRAME_HDR_LEN)
		return -1;
	frame_header(frame, type, len);
	if (len > 0)
		memcpy(frame + FRAME_HDR_LEN, payload, len);
	r = tunnel_send(c, frame, FRAME_HDR_LEN + len);
	if (r == 0 && c->tls != NULL && tls_outq_len(c->tls) > 0)
		(void)ev_io_modify(c->loop, &c->sock_io, c->sock_io.events | EPOLLOUT);
	return r;
}

void tunnel_send_bye(struct client *c, uint16_t reason, const char *text)
{
	struct msg_bye bye = {.reason = reason};
	uint8_t payload[2 + BYE_MAX_TEXT];
	size_t n;

	snprintf(bye.text, sizeof(bye.text), "%s", text);
	n = msg_bye_encode(&bye, payload, sizeof(payload));
	if (n > 0)
		(void)tunnel_send_frame(c, FRAME_BYE, payload, n);
}

/* Only packets from our own tunnel addresses go to the gateway (which would
 * drop anything else). */
static bool source_is_ours(const struct client *c, const struct ippkt_info *ip)
{
	const struct prefix *own = ip->family == AF_INET ? &c->config.addr4 : &c->config.addr6;

	return own->addr.family == ip->family && addr_eq(&own->addr, &ip->src);
}

/* What the kernel sends on any interface by itself, from a link-local or
 * the unspecified IPv6 address (router solicitations, MLD reports, DAD):
 * it belongs to this link and is nobody's mistake, so it is dropped
 * without a word or a count, and the foreign-source count means what it
 * says. */
static bool source_is_link_scoped(const struct ippkt_info *ip)
{
	static const uint8_t unspecified[16];

	return ip->family == AF_INET6 &&
	       ((ip->src.bytes[0] == 0xfe && (ip->src.bytes[1] & 0xc0) == 0x80) ||
		memcmp(ip->src.bytes, unspecified, sizeof(unspecified)) == 0);
}

void tunnel_on_tun_readable(struct client *c)
{
	struct buf *tx = &c->tx;
	size_t need = FRAME_HDR_LEN + c->config.mtu;
	unsigned n_pkts = 0;
	uint64_t bytes = 0;
	int r;

	buf_reset(tx, 0);
	for (int i = 0; i < TUNNEL_BATCH && buf_room(tx) >= need; i++) {
		/* A view on the free tail of the batch with frame-header room in
		 * front: the packet is read straight into place. */
		struct buf pkt = {.data = buf_end(tx), .cap = buf_room(tx)};
		struct ippkt_info ip;
		ssize_t n;

		buf_reset(&pkt, FRAME_HDR_LEN);
		n = read(c->tun_fd, buf_ptr(&pkt), buf_room(&pkt));
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno != EAGAIN && errno != EWOULDBLOCK)
				log_warn("read %s", c->tun_name);
			break;
		}
		if (n == 0)
			break;
		if (ippkt_parse(buf_ptr(&pkt), (size_t)n, &ip) != IPPKT_OK) {
			c->stats.drop_invalid++;
			continue;
		}
		if (!source_is_ours(c, &ip)) {
			if (!source_is_link_scoped(&ip) && c->stats.drop_source++ == 0)
				notice_foreign_source(c, &ip);
			continue;
		}
		buf_commit(&pkt, (size_t)n);
		if (!frame_wrap_data(&pkt)) {
			c->stats.drop_tun_read++;
			continue;
		}
		buf_commit(tx, buf_len(&pkt));
		n_pkts++;
		bytes += (uint64_t)n;
	}
	if (n_pkts == 0)
		return;
	r = tunnel_send(c, buf_ptr(tx), buf_len(tx));
	if (r < 0)
		return;
	if (r > 0) {
		c->stats.drop_tun_read += n_pkts;
	} else {
		c->stats.tx_packets += n_pkts;
		c->stats.tx_bytes += bytes;
	}
	tunnel_update_backpressure(c);
}

void tunnel_deliver(struct client *c, const struct chan_event *ev)
{
	ssize_t n;

	if (ev->ip_result != IPPKT_OK) {
		c->stats.drop_invalid++;
		return;
	}
	n = write(c->tun_fd, ev->data, ev->len);
	if (n != (ssize_t)ev->len) {
		/* A full TUN queue (EAGAIN/ENOBUFS) drops, like a full NIC. */
		if (n < 0 && errno != EAGAIN && errno != ENOBUFS && errno != EWOULDBLOCK)
			log_debug("write %s: %s", c->tun_name, strerror(errno));
		c->stats.drop_tun_write++;
		return;
	}
	c->stats.rx_packets++;
	c->stats.rx_bytes += ev->len;
}
