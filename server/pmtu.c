/*
 * pmtu.c - a session's UDP data channel against the path MTU on the
 * gateway. The channel's socket sends with "don't fragment" (udp.c), so
 * the kernel refuses a datagram too big for the path it knows (EMSGSIZE,
 * counted by the worker). The usable size is asked of the kernel's route
 * cache for the channel's peer (common/net/pmtu_sock.c) when the first
 * packet goes, after the client roamed, after any EMSGSIZE on the worker,
 * and once a minute (a learned path MTU expires and may grow back). A
 * packet too big goes over TLS, and the sender is told with an ICMP error
 * into the TUN (common/wire/dchan_pmtu.c: the rule, the rate limit). A
 * path that drops large datagrams without telling (no ICMP) is found by
 * padded PING probes (common/tls/dchan_sess.c, dchan_probe.c); their
 * finding caps the usable size too. One log line per change of it.
 */
#include "server.h"

#include "icmp_ptb.h"
#include "jsonw.h"
#include "mss_clamp.h"

/* The path MTU asked again this often, and never more often than the
 * second number after an EMSGSIZE (a burst of refusals, one question). */
#define PMTU_REASK_MS 60000
#define PMTU_MIN_ASK_MS 100

void pmtu_session_init(struct session *s)
{
	struct session_pmtu *p = &s->udp->pmtu;

	memset(p, 0, sizeof(*p));
	dchan_pmtu_init(&p->st, s->w->gw->cfg.mtu, ev_now_ms(s->w->loop));
	dchan_sess_mtu_start(&s->udp->ds, p->st.base, dchan_mtu_usable(1280, AF_INET6),
			     ev_now_ms(s->w->loop));
}

void pmtu_worker_close(struct worker *w)
{
	pmtu_sock_close(&w->udp.pmtu.q);
}

static bool due(const struct session *s, uint64_t now)
{
	const struct session_pmtu *p = &s->udp->pmtu;

	if (!p->asked || p->roams_seen != s->udp->n.roams)
		return true;
	if (now - p->asked_ms >= PMTU_REASK_MS)
		return true;
	return p->emsgsize_seen != s->w->udp.pmtu.emsgsize && now - p->asked_ms >= PMTU_MIN_ASK_MS;
}

static void ask(struct session *s, uint64_t now)
{
	struct session_udp *u = s->udp;
	struct session_pmtu *p = &u->pmtu;
	uint32_t mtu;
	int family;

	p->asked = true;
	p->asked_ms = now;
	p->emsgsize_seen = s->w->udp.pmtu.emsgsize;
	p->roams_seen = u->n.roams;
	if (pmtu_sock_query(&s->w->udp.pmtu.q, &u->peer, u->peer_len, &mtu, &family) < 0)
		return; /* no route now: keep what we had */
	(void)dchan_pmtu_learn(&p->st, mtu, family, s->w->gw->cfg.mtu);
	dchan_sess_mtu_ceiling(&u->ds, p->st.base);
	if (p->st.usable != p->told) {
		session_log(
		    s, SESSION_LOG_INFO,
		    "udp path MTU %u: packets up to %zu bytes go by UDP, larger ones by TLS",
		    (unsigned)mtu, p->st.usable);
		p->told = p->st.usable;
	}
}

static void refresh(struct session *s, uint64_t now)
{
	if (s->udp->peer_len != 0 && due(s, now))
		ask(s, now);
}

size_t pmtu_probe(struct session *s, uint8_t *buf, size_t cap)
{
	uint64_t now = ev_now_ms(s->w->loop);

	refresh(s, now); /* the ceiling first: a probe never goes above it */
	return dchan_sess_mtu_probe(&s->udp->ds, now, buf, cap);
}

void pmtu_probed(struct session *s)
{
	struct session_pmtu *p = &s->udp->pmtu;
	size_t probed = dchan_sess_mtu(&s->udp->ds);

	if (probed == p->st.probed)
		return;
	(void)dchan_pmtu_probed(&p->st, probed);
	if (p->st.usable != p->told) {
		session_log(s, SESSION_LOG_INFO,
			    "udp path MTU probes: packets up to %zu bytes go by UDP, larger ones by "
			    "TLS",
			    p->st.usable);
		p->told = p->st.usable;
	}
}

bool pmtu_fits(struct session *s, const uint8_t *pkt, size_t len)
{
	struct session_pmtu *p = &s->udp->pmtu;
	uint64_t now = ev_now_ms(s->w->loop);
	uint8_t err[ICMP_PTB_MAX_LEN];
	size_t elen;

	refresh(s, now);
	if (dchan_pmtu_check(&p->st, pkt, len, len, NULL, now, err, sizeof(err), &elen) ==
	    DCHAN_MTU_UDP)
		return true;
	if (elen > 0)
		tungro_write(s, err, elen);
	return false;
}

void pmtu_clamp(struct session *s, uint8_t *pkt, size_t len, bool csum_partial)
{
	unsigned setting = s->w->gw->cfg.mss_clamp;
	uint16_t mss;

	if (setting == DCHAN_PMTU_CLAMP_OFF || len < 1)
		return;
	if (setting != DCHAN_PMTU_CLAMP_AUTO) {
		mss = (uint16_t)setting;
	} else {
		if (!udp_sess_active(s))
			return;
		refresh(s, ev_now_ms(s->w->loop));
		mss = dchan_pmtu_mss(&s->udp->pmtu.st, setting, true,
				     pkt[0] >> 4 == 6 ? AF_INET6 : AF_INET);
	}
	if (mss != 0)
		(void)mss_clamp(pkt, len, csum_partial, mss, NULL);
}

static void probe_status(struct jsonw *j, const struct dchan_probe *m)
{
	jsonw_obj_begin(j, "probes");
	jsonw_u64(j, "usable", m->usable);
	jsonw_u64(j, "sent", m->sent);
	jsonw_u64(j, "answered", m->answered);
	jsonw_u64(j, "lost", m->lost);
	jsonw_u64(j, "lowered", m->lowered);
	jsonw_u64(j, "raised", m->raised);
	jsonw_obj_end(j);
}

void pmtu_status(struct jsonw *j, const struct session *s)
{
	const struct dchan_pmtu *p = &s->udp->pmtu.st;

	jsonw_obj_begin(j, "pmtu");
	if (p->path_mtu != 0)
		jsonw_u64(j, "path_mtu", p->path_mtu);
	else
		jsonw_null(j, "path_mtu");
	jsonw_u64(j, "usable", p->usable);
	jsonw_u64(j, "too_big", p->too_big);
	jsonw_u64(j, "ptb_sent", p->ptb_sent);
	jsonw_u64(j, "ptb_limited", p->ptb_limited);
	probe_status(j, &s->udp->ds.mtu);
	jsonw_obj_end(j);
}
