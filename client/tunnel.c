/*
 * tunnel.c - the client's data path while UP. TUN -> gateway: read packets
 * until EAGAIN (at most TUNNEL_BATCH), each landing after room for its frame
 * header so framing is in place, then one TLS write and one flush for the
 * whole batch. Gateway -> TUN: the checked packets of one TLS read,
 * coalesced per TCP flow (tungro.c) when the TUN has offloads. Reading the
 * TUN pauses while the TLS output queue is above its high-water mark.
 * With offloads agreed (PROTO_FEATURE_OFFLOAD) a read can bring a TCP
 * super-packet of up to 64 KiB, sent whole in a DATA_GSO frame, and the
 * gateway's come back whole into the TUN (docs/protocol.md 5.4).
 */
#include "client.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/uio.h>
#include <unistd.h>

#include "frame.h"
#include "ippkt.h"
#include "log.h"
#include "tls.h"
#include "tun.h"

void tunnel_stop_reading(struct client *c)
{
	if (c->tun_reading) {
		ev_io_stop(c->loop, &c->tun_io);
		c->tun_reading = false;
	}
}

void tunnel_start_reading(struct client *c)
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
		tunnel_start_reading(c);
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

void tunnel_set_offload(struct client *c)
{
	bool on = (c->features & PROTO_FEATURE_OFFLOAD) != 0;
	int r;

	if (!c->tun_vnet || on == c->tun_offload)
		return;
	r = tun_set_offload(c->tun_fd, on);
	if (r < 0) {
		log_warn("%s: cannot turn offloads %s", c->tun_name, on ? "on" : "off");
		return;
	}
	c->tun_offload = on && (r & TUN_OFFLOAD_TSO);
	log_debug("%s: offloads %s", c->tun_name, c->tun_offload ? "on" : "off");
}

/* Reads one packet into pkt (headroom FRAME_HDR_LEN + FRAME_GSO_HDR_LEN)
 * with its metadata: plain packets come with m->type GSO_NONE and no
 * partial checksum. >0: its length; 0: nothing more; -1: skip it. */
static ssize_t read_one(struct client *c, struct buf *pkt, struct gso_meta *m)
{
	uint8_t vnet[GSO_VNET_HDR_LEN];
	struct iovec iov[2] = {{vnet, sizeof(vnet)}, {buf_end(pkt), buf_room(pkt)}};
	uint16_t cs_start, cs_off;
	const char *why;
	ssize_t n;

	memset(m, 0, sizeof(*m));
	if (!c->tun_vnet)
		n = read(c->tun_fd, buf_end(pkt), buf_room(pkt));
	else
		n = readv(c->tun_fd, iov, 2);
	if (n < 0) {
		if (errno == EINTR)
			return -1;
		if (errno != EAGAIN && errno != EWOULDBLOCK)
			log_warn("read %s", c->tun_name);
		return 0;
	}
	if (!c->tun_vnet)
		return n;
	if (n <= GSO_VNET_HDR_LEN || !gso_from_vnet(vnet, m, &cs_start, &cs_off, &why)) {
		c->stats.drop_invalid++;
		return -1;
	}
	return n - GSO_VNET_HDR_LEN;
}

/* A super-packet the gateway cannot take (offloads were just turned off):
 * the segments the kernel would have made, each its own DATA frame. */
static void send_cut(struct client *c, const uint8_t *p, const struct gso_meta *m,
		     const struct gso_info *inf)
{
	struct gso_meta sm;

	for (uint32_t k = 0; k < inf->segs; k++) {
		size_t n;

		buf_reset(&c->seg, FRAME_HDR_LEN);
		n = gso_segment(p, inf, m, k, 1, buf_end(&c->seg), buf_room(&c->seg), &sm);
		if (n == 0 || !buf_commit(&c->seg, n) || !frame_wrap_data(&c->seg) ||
		    tunnel_send(c, buf_ptr(&c->seg), buf_len(&c->seg)) != 0) {
			c->stats.drop_tun_read++;
			continue;
		}
		c->stats.tx_packets++;
		c->stats.tx_bytes += n;
	}
}

/* Frames the packet read into pkt as DATA or DATA_GSO, in place. The
 * packet sits after FRAME_HDR_LEN + FRAME_GSO_HDR_LEN of headroom: a DATA
 * frame moves it down so the batch stays contiguous. Returns the number
 * of segments it carries, 0 if it is not sent in this batch. */
static uint32_t frame_packet(struct client *c, struct buf *pkt, const struct gso_meta *m)
{
	struct gso_info inf;
	const char *why;

	if (m->type != GSO_NONE || m->needs_csum) {
		if (gso_check(buf_ptr(pkt), buf_len(pkt), m, c->config.mtu, &inf, &why) != GSO_OK) {
			c->stats.drop_invalid++;
			return 0;
		}
		if (c->features & PROTO_FEATURE_OFFLOAD)
			return frame_wrap_gso(pkt, m) ? inf.segs : 0;
		if (m->type != GSO_NONE) {
			send_cut(c, buf_ptr(pkt), m, &inf);
			return 0;
		}
		gso_csum_finish(buf_ptr(pkt), &inf);
	}
	if (c->tun_vnet) {
		size_t len = buf_len(pkt);

		memmove(buf_ptr(pkt) - FRAME_GSO_HDR_LEN, buf_ptr(pkt), len);
		buf_reset(pkt, pkt->head - FRAME_GSO_HDR_LEN);
		(void)buf_commit(pkt, len);
	}
	return frame_wrap_data(pkt) ? 1 : 0;
}

/* The TUN's watcher: read while UP, or while a continuation lets UDP
 * carry the packets (cont.c). */
void tunnel_on_tun_event(struct ev_loop *loop, struct ev_io *w, uint32_t revents)
{
	struct client *c = w->data;

	(void)loop;
	(void)revents;
	if (c->state == CLIENT_UP || c->cont.active)
		tunnel_on_tun_readable(c);
	else
		tunnel_stop_reading(c);
}

void tunnel_on_tun_readable(struct client *c)
{
	struct buf *tx = &c->tx;
	size_t head = c->tun_vnet ? FRAME_HDR_LEN + FRAME_GSO_HDR_LEN : FRAME_HDR_LEN;
	size_t need = head + (c->tun_offload ? TUNNEL_READ_MAX : c->config.mtu);
	unsigned n_pkts = 0;
	uint64_t bytes = 0;
	int r;

	buf_reset(tx, 0);
	for (int i = 0; i < TUNNEL_BATCH && buf_room(tx) >= need; i++) {
		/* A view on the free tail of the batch with frame-header room in
		 * front: the packet is read straight into place. */
		struct buf pkt = {.data = buf_end(tx), .cap = buf_room(tx)};
		struct ippkt_info ip;
		struct gso_meta m;
		uint32_t segs;
		ssize_t n;

		buf_reset(&pkt, head);
		n = read_one(c, &pkt, &m);
		if (n < 0)
			continue;
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
		/* On its way to the gateway: the answer may be back within
		 * the loop's poll window. */
		ev_loop_data_moved(c->loop);
		client_pmtu_clamp(c, buf_ptr(&pkt), (size_t)n, &m);
		if (udpchan_send(c, buf_ptr(&pkt), (size_t)n, &m))
			continue;
		segs = frame_packet(c, &pkt, &m);
		if (segs == 0)
			continue;
		/* The view may have moved its start (a DATA frame): the batch
		 * grows by the frame's end. */
		buf_commit(tx, (size_t)(buf_end(&pkt) - buf_end(tx)));
		n_pkts += segs;
		bytes += (uint64_t)n;
	}
	udpchan_flush(c);
	if (n_pkts == 0)
		return;
	/* Continuing (cont.c): only UDP carries packets until CONFIG. */
	if (c->state != CLIENT_UP || c->tls == NULL) {
		c->stats.drop_tun_read += n_pkts;
		return;
	}
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

void tunnel_tun_write(struct client *c, const uint8_t vnet[static GSO_VNET_HDR_LEN],
		      const uint8_t *pkt, size_t len, uint32_t segs, size_t bytes)
{
	struct iovec iov[2] = {{(void *)(uintptr_t)vnet, GSO_VNET_HDR_LEN},
			       {(void *)(uintptr_t)pkt, len}};
	ssize_t n;

	if (c->tun_vnet)
		n = writev(c->tun_fd, iov, 2) - (ssize_t)GSO_VNET_HDR_LEN;
	else
		n = write(c->tun_fd, pkt, len);
	if (n != (ssize_t)len) {
		/* A full TUN queue (EAGAIN/ENOBUFS) drops, like a full NIC. */
		if (n < 0 && errno != EAGAIN && errno != ENOBUFS && errno != EWOULDBLOCK)
			log_debug("write %s: %s", c->tun_name, strerror(errno));
		c->stats.drop_tun_write += segs;
		return;
	}
	c->stats.rx_packets += segs;
	c->stats.rx_bytes += bytes;
}

/* The IP packet's own length; n if the header does not say. */
static size_t ip_len(const uint8_t *p, size_t n)
{
	if (n >= 20 && p[0] >> 4 == 4)
		return (size_t)p[2] << 8 | p[3];
	if (n >= 40 && p[0] >> 4 == 6)
		return 40 + ((size_t)p[4] << 8 | p[5]);
	return n;
}

void tunnel_deliver_ip(struct client *c, const uint8_t *pkt, size_t len)
{
	struct ippkt_info ip;
	size_t l = ip_len(pkt, len);

	if (l > 0 && l < len)
		len = l; /* zero padding after the packet (section 12.11) */
	if (len > c->config.mtu || ippkt_parse(pkt, len, &ip) != IPPKT_OK) {
		c->stats.drop_invalid++;
		return;
	}
	tungro_write(c, pkt, len);
}

void tunnel_deliver(struct client *c, const struct chan_event *ev)
{
	uint8_t vnet[GSO_VNET_HDR_LEN];

	if (ev->ip_result != IPPKT_OK) {
		c->stats.drop_invalid++;
		return;
	}
	if (ev->type != FRAME_DATA_GSO) {
		tungro_write(c, ev->data, ev->len);
		return;
	}
	if (ev->gso_result != GSO_OK || !c->tun_vnet) {
		c->stats.drop_invalid++;
		return;
	}
	tungro_flush(c); /* what came before it goes first */
	gso_to_vnet(&ev->gso, &ev->gso_info, vnet);
	tunnel_tun_write(c, vnet, ev->data, ev->len, ev->gso_info.segs, ev->len);
}

const char *tunnel_on_frame(struct client *c, const struct chan_event *ev)
{
	if (ev->type == FRAME_DCHAN_REKEY)
		return udpchan_on_rekey(c, ev->dchan_epoch);
	if (ev->type == FRAME_DATA_GSO && !(c->features & PROTO_FEATURE_OFFLOAD))
		return "DATA_GSO frame this client did not announce";
	tunnel_deliver(c, ev);
	return NULL;
}
