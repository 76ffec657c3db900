/*
 * pmtu.c - the client's UDP data channel against the path MTU
 * (docs/protocol.md 12.15). The channel's socket sends with "don't
 * fragment", so the kernel refuses a datagram too big for the path it
 * knows; the usable size is asked of the kernel's route cache for the
 * gateway's address (common/net/pmtu_sock.c: the channel's own socket is
 * unconnected) with the first packet, after a send the kernel refused,
 * and once a minute (a learned path MTU expires and may grow back). A
 * packet too big goes over TLS, and the sender is told with an ICMP error
 * into the TUN (common/wire/dchan_pmtu.c: the rule, the rate limit). A
 * path that drops large datagrams without telling (no ICMP) is found by
 * padded PING probes (common/tls/dchan_sess.c, dchan_probe.c); their
 * finding caps the usable size too. One log line per change of it.
 */
#include "client.h"

#include <string.h>

#include "gso.h"
#include "icmp_ptb.h"
#include "log.h"
#include "mss_clamp.h"

/* Asked again this often, and never more often than the second number
 * after a refused send (a burst of refusals, one question). */
#define PMTU_REASK_MS 60000
#define PMTU_MIN_ASK_MS 100

void client_pmtu_start(struct client *c, struct client_pmtu *p, struct udpsock *s,
		       struct dchan_sess *ds)
{
	memset(p, 0, sizeof(*p));
	p->ds = ds;
	pmtu_sock_init(&p->q);
	dchan_pmtu_init(&p->st, c->config.mtu, ev_now_ms(c->loop));
	dchan_sess_mtu_start(ds, p->st.base, dchan_mtu_usable(1280, AF_INET6), ev_now_ms(c->loop));
	if (pmtu_sock_set_df(s->fd, s->peer.ss_family) < 0)
		log_warn("UDP data channel: cannot set \"don't fragment\"; the kernel may "
			 "fragment datagrams larger than the path");
}

void client_pmtu_stop(struct client_pmtu *p)
{
	pmtu_sock_close(&p->q);
}

static void refresh(struct client *c, struct client_pmtu *p, const struct udpsock *s)
{
	uint64_t now = ev_now_ms(c->loop);
	uint32_t mtu;
	int family;

	if (p->asked && now - p->asked_ms < PMTU_REASK_MS &&
	    (p->errors_seen == s->send_errors || now - p->asked_ms < PMTU_MIN_ASK_MS))
		return;
	p->asked = true;
	p->asked_ms = now;
	p->errors_seen = s->send_errors;
	if (pmtu_sock_query(&p->q, &s->peer, s->peer_len, &mtu, &family) < 0)
		return; /* no route now: keep what we had */
	(void)dchan_pmtu_learn(&p->st, mtu, family, c->config.mtu);
	dchan_sess_mtu_ceiling(p->ds, p->st.base);
	if (p->st.usable != p->told) {
		log_info("UDP data channel: path MTU %u, packets up to %zu bytes go by UDP, larger "
			 "ones by TLS",
			 (unsigned)mtu, p->st.usable);
		p->told = p->st.usable;
	}
}

size_t client_pmtu_probe(struct client *c, struct client_pmtu *p, const struct udpsock *s,
			 uint8_t *buf, size_t cap)
{
	refresh(c, p, s); /* the ceiling first: a probe never goes above it */
	return dchan_sess_mtu_probe(p->ds, ev_now_ms(c->loop), buf, cap);
}

void client_pmtu_probed(struct client_pmtu *p)
{
	size_t probed = dchan_sess_mtu(p->ds);

	if (probed == p->st.probed)
		return;
	(void)dchan_pmtu_probed(&p->st, probed);
	if (p->st.usable != p->told) {
		log_info("UDP data channel: path MTU probes, packets up to %zu bytes go by UDP, "
			 "larger ones by TLS",
			 p->st.usable);
		p->told = p->st.usable;
	}
}

bool client_pmtu_fits(struct client *c, struct client_pmtu *p, const struct udpsock *s,
		      const uint8_t *pkt, size_t len, size_t size)
{
	uint8_t err[ICMP_PTB_MAX_LEN];
	size_t elen;

	refresh(c, p, s);
	if (dchan_pmtu_check(&p->st, pkt, len, size, NULL, ev_now_ms(c->loop), err, sizeof(err),
			     &elen) == DCHAN_MTU_UDP)
		return true;
	if (elen > 0)
		tunnel_deliver_ip(c, err, elen);
	return false;
}

void client_pmtu_clamp(struct client *c, uint8_t *pkt, size_t len, const struct gso_meta *m)
{
	unsigned setting = c->cfg->mss_clamp;
	const struct dchan_pmtu *st;
	uint16_t mss;

	/* A super-packet never carries a SYN (gso_check refuses one). */
	if (setting == DCHAN_PMTU_CLAMP_OFF || len < 1 || m->type != GSO_NONE)
		return;
	if (setting != DCHAN_PMTU_CLAMP_AUTO) {
		mss = (uint16_t)setting;
	} else {
		st = udpchan_pmtu(c);
		if (st == NULL)
			return;
		mss = dchan_pmtu_mss(st, setting, true, pkt[0] >> 4 == 6 ? AF_INET6 : AF_INET);
	}
	if (mss != 0)
		(void)mss_clamp(pkt, len, m->needs_csum, mss, NULL);
}
