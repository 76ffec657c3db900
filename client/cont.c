/*
 * cont.c - continuing the session over a new TLS connection when the way
 * to the gateway moved (docs/protocol.md 12.10). While the UDP channel is
 * up, a changed path keeps the channel (packets go on by UDP, the TUN is
 * still read) and the old socket (open and unread: a FIN from it could
 * end the session at the gateway before it is continued), and the next
 * connection offers mtlsvpn-continue/1. If the gateway chooses it, the
 * first frame is CONTINUE(cid, proof); a CONFIG naming the same cid says
 * the session continued, another cid that it is a new one (the held
 * channel is wiped and the new one probed as usual). Any failure on the
 * way ends the continuation: what follows is an ordinary reconnect. With
 * continue = off in client.ini none is ever begun.
 */
#include "client.h"

#include <string.h>
#include <unistd.h>

#include "dchan_cont.h"
#include "dchan_msg.h"
#include "log.h"
#include "tls.h"
#include "tls_export.h"

bool cont_begin(struct client *c, const char *what)
{
	struct client_cont *k = &c->cont;

	if (k->active || k->after_bye || c->state != CLIENT_UP ||
	    !udpchan_cont_key(c, &k->cid, k->key))
		return false;
	/* continue = off: the channel dies with the connection, and the next
	 * one neither offers mtlsvpn-continue/1 nor sends CONTINUE. */
	if (!c->cfg->continuation) {
		explicit_bzero(k->key, sizeof(k->key));
		log_info("%s: continue = off: a new session on a new connection", what);
		return false;
	}
	log_info("%s: the UDP channel goes on; continuing the session on a new connection", what);
	k->active = true;
	k->keep_once = true;
	k->old_sock = -1;
	k->since_ms = ev_now_ms(c->loop);
	return true;
}

/* After close_conn: the connection is gone, the channel and the TUN go on. */
void cont_on_closed(struct client *c)
{
	if (c->cont.active)
		tunnel_start_reading(c);
}

bool cont_keeps_conn(struct client *c)
{
	struct client_cont *k = &c->cont;

	if (!k->active)
		return false;
	if (k->keep_once) {
		k->keep_once = false;
		return true;
	}
	/* A second close on the way: an ordinary reconnect from here. */
	cont_end(c, false);
	return false;
}

void cont_hold_socket(struct client *c)
{
	c->cont.old_sock = c->sock;
	c->sock = -1;
}

void cont_end(struct client *c, bool continued)
{
	struct client_cont *k = &c->cont;

	if (!k->active)
		return;
	if (k->old_sock >= 0)
		close(k->old_sock);
	if (!continued) {
		log_info("the session could not be continued: a new session, a new UDP channel");
		udpchan_stop(c);
	} else {
		log_info("session continued on the new connection after %llu ms: same session, "
			 "same UDP channel",
			 (unsigned long long)(ev_now_ms(c->loop) - k->since_ms));
	}
	explicit_bzero(k->key, sizeof(k->key));
	k->active = k->keep_once = false;
	k->old_sock = -1;
}

void cont_on_tls_new(struct client *c)
{
	c->cont.after_bye = false;
	if (c->cont.active)
		tls_conn_offer_continue(c->tls);
}

int cont_on_handshake(struct client *c)
{
	struct client_cont *k = &c->cont;
	uint8_t e[DCHAN_CONT_EXPORT_LEN], proof[DCHAN_CONT_PROOF_LEN], p[DCHAN_CONT_MSG_LEN];
	size_t n = 0;
	int r;

	if (!k->active)
		return 0;
	if (tls_app(c->tls) != TLS_APP_CONTINUE) {
		log_debug("the gateway does not take continuations");
		cont_end(c, false);
		return 0;
	}
	if (tls_export_continue(c->tls, e) == 0 && dchan_cont_proof(k->key, k->cid, e, proof) == 0)
		n = dchan_msg_continue_encode(k->cid, proof, p, sizeof(p));
	explicit_bzero(e, sizeof(e));
	explicit_bzero(proof, sizeof(proof));
	/* Without a proof the gateway hears a wrong one and starts anew. */
	if (n == 0)
		n = dchan_msg_continue_encode(k->cid, proof, p, sizeof(p));
	r = tunnel_send_frame(c, FRAME_CONTINUE, p, n);
	explicit_bzero(p, sizeof(p));
	return r < 0 ? -1 : 0;
}

bool cont_on_config(struct client *c, const struct msg_config *cfg)
{
	bool same = c->cont.active && cfg->dchan.cid == c->cont.cid &&
		    (cfg->features & PROTO_FEATURE_DCHAN);

	cont_end(c, same);
	if (same) {
		tls_export_done(c->tls); /* the held channel goes on as it is */
		return true;
	}
	(void)udpchan_prepare(c, cfg);
	return false;
}
