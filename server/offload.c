/*
 * offload.c - super-packets on the gateway's data path. The TUN is opened
 * with IFF_VNET_HDR and TCP segmentation offload, so one read can bring a
 * 64 KiB TCP super-packet and one write can take one: a client that agreed
 * on PROTO_FEATURE_OFFLOAD gets it whole in a DATA_GSO frame (one
 * tls_write straight from the read buffer), and its own super-packets go
 * into the TUN whole. A client without the feature (an older one, an
 * OpenConnect client) gets the segments the kernel would have made, cut
 * here. The access rules decide a super-packet once only when that is
 * provably the same as deciding every segment (policy_*_gso); otherwise
 * it is cut and each segment takes the ordinary path. Anti-spoofing needs
 * no such care: every segment carries the super-packet's addresses.
 */
#include "server.h"

#include <errno.h>
#include <string.h>
#include <sys/uio.h>
#include <unistd.h>

#include "frame.h"
#include "log.h"

bool offload_session_takes_gso(const struct session *s)
{
	return s->proto == PROTO_MTLSVPN && (s->features & PROTO_FEATURE_OFFLOAD) != 0 &&
	       s->tls != NULL;
}

bool offload_tun_write(struct worker *w, const uint8_t *vnet, const uint8_t *pkt, size_t len)
{
	static const uint8_t plain[GSO_VNET_HDR_LEN];
	struct iovec iov[2];

	/* On its way to the LAN: the answer may be back within the loop's
	 * poll window. */
	ev_loop_data_moved(w->loop);
	if (!w->tun_vnet)
		return write(w->tun_fd, pkt, len) == (ssize_t)len;
	iov[0].iov_base = (void *)(uintptr_t)(vnet != NULL ? vnet : plain);
	iov[0].iov_len = GSO_VNET_HDR_LEN;
	iov[1].iov_base = (void *)(uintptr_t)pkt;
	iov[1].iov_len = len;
	return writev(w->tun_fd, iov, 2) == (ssize_t)(GSO_VNET_HDR_LEN + len);
}

/* Segments [first, first + n) of a checked super-packet into w->seg, with
 * the headroom a frame header needs. False if it cannot be cut (never for
 * what gso_check accepted). */
static bool cut(struct worker *w, const uint8_t *pkt, const struct gso_info *inf,
		const struct gso_meta *m, uint32_t first, uint32_t n, struct gso_meta *out_m)
{
	size_t len;

	buf_reset(&w->seg, ROUTER_HEADROOM);
	len = gso_segment(pkt, inf, m, first, n, buf_end(&w->seg), buf_room(&w->seg), out_m);
	if (len == 0)
		return false;
	(void)buf_commit(&w->seg, len);
	return true;
}

/* Cuts a checked super-packet into the segments the kernel would have
 * made and hands each, in w->seg, to fn; counts the cut. Returns how many
 * were handed over: a segment that cannot be cut (never for what
 * gso_check accepted) ends the walk, and the caller counts the rest. */
typedef void (*segment_fn)(struct worker *w, struct buf *seg, void *arg);

static uint32_t each_segment(struct worker *w, const uint8_t *pkt, const struct gso_meta *m,
			     const struct gso_info *inf, segment_fn fn, void *arg)
{
	struct gso_meta sm;
	uint32_t k;

	w->st.gso_cut++;
	for (k = 0; k < inf->segs; k++) {
		if (!cut(w, pkt, inf, m, k, 1, &sm))
			break;
		w->st.gso_cut_segments++;
		fn(w, &w->seg, arg);
	}
	return k;
}

/* ---- TUN -> clients ---- */

/* One DATA or DATA_GSO frame, encrypted straight from b. */
static void send_whole(struct session *s, struct buf *b, const struct gso_meta *m, uint32_t segs)
{
	size_t len = buf_len(b);
	bool plain = m->type == GSO_NONE && !m->needs_csum;
	enum tls_result r;

	if (!(plain ? frame_wrap_data(b) : frame_wrap_gso(b, m))) {
		s->st.drop_other += segs;
		return;
	}
	r = tls_write(s->tls, buf_ptr(b), buf_len(b));
	if (r == TLS_OK) {
		s->st.tx_packets += segs;
		s->st.tx_bytes += len;
		session_on_data_sent(s);
	} else {
		s->st.drop_backpressure += segs;
	}
	router_mark_dirty(s);
}

/* A super-packet (or a packet with a partial checksum) for a session that
 * takes DATA_GSO: whole, or in two parts when the frame could not hold it
 * (an IPv6 super-packet near 64 KiB). */
static void to_gso_session(struct session *s, struct buf *pkt, const struct gso_meta *m,
			   const struct gso_info *inf)
{
	struct worker *w = s->w;
	struct gso_meta pm;
	uint32_t half;

	if (tls_outq_len(s->tls) > ROUTER_HIGH_WATER) {
		s->st.drop_backpressure += inf->segs;
		return;
	}
	/* The small packets queued before it go first. */
	(void)router_session_encrypt(s);
	if (buf_len(pkt) + FRAME_GSO_HDR_LEN <= FRAME_MAX_PAYLOAD) {
		w->st.gso_to_clients++;
		send_whole(s, pkt, m, inf->segs);
		return;
	}
	half = inf->segs / 2;
	if (!cut(w, buf_ptr(pkt), inf, m, 0, half, &pm)) {
		s->st.drop_other += inf->segs;
		return;
	}
	send_whole(s, &w->seg, &pm, half);
	if (!cut(w, buf_ptr(pkt), inf, m, half, inf->segs - half, &pm)) {
		s->st.drop_other += inf->segs - half;
		return;
	}
	send_whole(s, &w->seg, &pm, inf->segs - half);
	w->st.gso_to_clients += 2;
}

/* Each segment takes the ordinary path (rules, capture, framing) alone. */
static void route_segment(struct worker *w, struct buf *seg, void *arg)
{
	(void)arg;
	router_route_packet(w, seg);
}

static void cut_and_route(struct worker *w, const uint8_t *pkt, const struct gso_meta *m,
			  const struct gso_info *inf)
{
	if (each_segment(w, pkt, m, inf, route_segment, NULL) != inf->segs)
		w->st.tun_bad++;
}

/* A packet read from the TUN with its virtio_net_hdr, its destination
 * found by router_find (d): a super-packet or a packet whose checksum is
 * left to us goes whole to a session that takes GSO, else cut. */
void offload_from_tun(struct worker *w, struct buf *pkt, const uint8_t *vnet,
		      const struct router_dest *d)
{
	struct gso_meta m;
	struct gso_info inf;
	struct session *s = d->s;
	uint16_t cs_start, cs_off;
	const char *why = NULL;

	if (!gso_from_vnet(vnet, &m, &cs_start, &cs_off, &why)) {
		w->st.tun_bad++;
		return;
	}
	if (m.type == GSO_NONE && !m.needs_csum) {
		router_route_to(w, pkt, d);
		return;
	}
	if (gso_check(buf_ptr(pkt), buf_len(pkt), &m, w->gw->cfg.mtu, &inf, &why) != GSO_OK ||
	    (m.needs_csum && (cs_start != inf.l3_len || cs_off != inf.csum_offset)) || !d->ok) {
		w->st.tun_bad++;
		return;
	}
	if (s == NULL || s->w != w) {
		w->st.tun_no_route += inf.segs;
		return;
	}
	/* UDP carries one packet a datagram: a super-packet is cut first. */
	if (!offload_session_takes_gso(s) || udp_sess_active(s)) {
		if (m.type == GSO_NONE) {
			/* d holds no checksum: it stays true after this. */
			gso_csum_finish(buf_ptr(pkt), &inf);
			router_route_to(w, pkt, d);
		} else {
			cut_and_route(w, buf_ptr(pkt), &m, &inf);
		}
		return;
	}
	switch (policy_to_client_gso(s, buf_ptr(pkt), &inf, &m, &d->ip)) {
	case POLICY_DENY:
		return;
	case POLICY_PER_SEGMENT:
		cut_and_route(w, buf_ptr(pkt), &m, &inf);
		return;
	case POLICY_ALLOW:
		break;
	}
	pmtu_clamp(s, buf_ptr(pkt), buf_len(pkt), m.needs_csum);
	if (s->capture != NULL)
		capture_tap(s, buf_ptr(pkt), buf_len(pkt));
	to_gso_session(s, pkt, &m, &inf);
}

/* ---- clients -> TUN ---- */

/* Segment by segment, each through the rules as a packet of its own. */
static void deliver_segment(struct worker *w, struct buf *seg, void *arg)
{
	struct session *s = arg;
	struct ippkt_info ip;

	(void)w;
	if (ippkt_parse(buf_ptr(seg), buf_len(seg), &ip) != IPPKT_OK)
		s->st.drop_other++;
	else
		router_deliver_packet(s, buf_ptr(seg), buf_len(seg), &ip);
}

static void deliver_cut(struct session *s, const uint8_t *pkt, const struct gso_meta *m,
			const struct gso_info *inf)
{
	s->st.drop_other += inf->segs - each_segment(s->w, pkt, m, inf, deliver_segment, s);
}

/* After the rules allowed every segment: straight into the TUN. */
static void write_segment(struct worker *w, struct buf *seg, void *arg)
{
	struct session *s = arg;

	if (offload_tun_write(w, NULL, buf_ptr(seg), buf_len(seg))) {
		s->st.rx_packets++;
		s->st.rx_bytes += buf_len(seg);
	} else {
		s->st.drop_other++;
		w->st.tun_write_fail++;
	}
}

void offload_deliver(struct session *s, const struct chan_event *ev)
{
	struct worker *w = s->w;
	const struct gso_info *inf = &ev->gso_info;
	uint8_t vnet[GSO_VNET_HDR_LEN];
	enum policy_verdict v;

	if (ev->ip_result != IPPKT_OK || ev->gso_result != GSO_OK) {
		s->st.drop_other++;
		return;
	}
	if (s->capture != NULL)
		capture_tap(s, ev->data, ev->len);
	if (!router_source_ok(s, &ev->ip)) {
		s->st.drop_src += inf->segs;
		return;
	}
	if (!w->tun_vnet) {
		/* Never offered without it; a packet is a packet all the same. */
		deliver_cut(s, ev->data, &ev->gso, inf);
		return;
	}
	v = policy_from_client_gso(s, ev->data, inf, &ev->gso, &ev->ip);
	if (v == POLICY_DENY)
		return;
	if (v == POLICY_PER_SEGMENT) {
		deliver_cut(s, ev->data, &ev->gso, inf);
		return;
	}
	gso_to_vnet(&ev->gso, inf, vnet);
	if (offload_tun_write(w, vnet, ev->data, ev->len)) {
		w->st.gso_from_clients++;
		s->st.rx_packets += inf->segs;
		s->st.rx_bytes += ev->len;
		return;
	}
	/* A kernel without this offload (USO before 6.2) refuses it: cut it
	 * here; the rules already allowed every segment. */
	if (errno == EINVAL && inf->segs > 1) {
		s->st.drop_other += inf->segs - each_segment(w, ev->data, &ev->gso, inf,
							     write_segment, s);
		return;
	}
	s->st.drop_other += inf->segs;
	w->st.tun_write_fail++;
}
