/*
 * cont.c - a continuation (docs/protocol.md 12.10): a connection that
 * negotiated mtlsvpn-continue/1 and was checked like any other sends
 * CONTINUE(cid, proof) first. If a live session has that cid, the same
 * identity and a channel whose continuation key verifies the proof over
 * this connection's exporter value, the connection moves into that
 * session (which keeps its worker: the cid steers its datagrams there) and
 * the session's CONFIG goes out again; otherwise the connection is
 * admitted as a new session and the client learns only that (another
 * cid). Runs with the world stopped: the session may be another worker's.
 */
#include "server.h"

#include <string.h>

#include "dchan_cont.h"
#include "dchan_steer.h"

/* The live session named by cid, on the worker the cid steers to. */
static struct session *find(struct gateway *gw, uint64_t cid)
{
	struct worker *w = &gw->workers[dchan_steer_worker(cid, gw->n_workers)];

	if (w->udp.fd < 0)
		return NULL;
	return cidtab_find(&w->udp.cids, cid);
}

/* NULL if n may continue o; else why not (logged, never told). */
static const char *refused(const struct session *n, const struct session *o,
			   const struct chan_event *ev)
{
	if (o == NULL)
		return "unknown connection id";
	if (o == n || o->state != SESSION_ESTABLISHED || o->proto != PROTO_MTLSVPN ||
	    o->udp == NULL)
		return "that session cannot be continued";
	if (strcmp(o->identity, n->identity) != 0)
		return "another identity's session";
	if (!dchan_cont_verify(o->udp->cont_key, ev->cont_cid, n->cont_export, ev->cont_proof))
		return "wrong proof";
	return NULL;
}

void cont_on_frame(struct session *n, const struct chan_event *ev)
{
	struct gateway *gw = n->w->gw;
	struct session *o;
	const char *why;
	char was[ADDR_STRLEN];

	workers_exclusive_begin(gw);
	if (n->state != SESSION_CONTINUING)
		goto out;
	o = find(gw, ev->cont_cid);
	why = refused(n, o, ev);
	explicit_bzero(n->cont_export, sizeof(n->cont_export));
	if (why != NULL) {
		n->w->st.cont_refused++;
		session_log(n, SESSION_LOG_INFO, "continuation refused (%s): a new session instead",
			    why);
		establish_admit_new(n);
		goto out;
	}
	memcpy(was, o->remote, sizeof(was));
	session_take_connection(o, n);
	o->w->st.cont_ok++;
	session_log(o, SESSION_LOG_INFO,
		    "session continued on a new connection (was %s, %s handshake, worker %u -> %u)",
		    was, tls_resumed(o->tls) ? "resumed" : "full", (unsigned)(n->w - gw->workers),
		    (unsigned)(o->w - gw->workers));
	if (establish_send_config(o) && router_session_flush(o) && tls_has_pending(o->tls))
		router_session_input(o);
out:
	workers_exclusive_end(gw);
}
