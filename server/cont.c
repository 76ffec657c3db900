/*
 * cont.c - a continuation (docs/protocol.md 12.10): a connection that
 * negotiated mtlsvpn-continue/1 and was checked like any other sends
 * CONTINUE(cid, proof) first. If a live session has that cid, the same
 * identity, a channel whose continuation key verifies the proof over
 * this connection's exporter value, and the group this connection's
 * certificate maps to, the connection moves into that
 * session (which keeps its worker: the cid steers its datagrams there) and
 * the session's CONFIG goes out again; otherwise the connection is
 * admitted as a new session and the client learns only that (another
 * cid). A refusal after a valid proof (another group, or none) closes the
 * old session at once: the holder of its channel has moved on. Runs with
 * the world stopped: the session may be another worker's.
 */
#include "server.h"

#include <inttypes.h>
#include <stdio.h>
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

/* Why a continuation is refused: words for the log, a key for the audit
 * trail (docs/audit.md, continue_refused). */
struct cont_refusal {
	const char *code;
	/* The proof verified, so the holder of the channel asked: where its
	 * certificate took it ("another group", "no group"). NULL if not. */
	const char *moved_to;
	char why[256];
};

static bool refuse(struct cont_refusal *r, const char *code, const char *why)
{
	r->code = code;
	r->moved_to = NULL;
	snprintf(r->why, sizeof(r->why), "%s", why);
	return true;
}

/* False if n may continue o; else true, and why not (logged and audited,
 * never told). The group last, after the proof: only the holder of the
 * channel learns, from the log, that the certificate moved it elsewhere. */
static bool refused(struct session *n, const struct session *o, const struct chan_event *ev,
		    struct cont_refusal *r)
{
	const struct group *g;
	const char *why = NULL;

	if (o == NULL)
		return refuse(r, "unknown_cid", "unknown connection id");
	if (o == n || o->state != SESSION_ESTABLISHED || o->proto != PROTO_MTLSVPN ||
	    o->udp == NULL)
		return refuse(r, "not_continuable", "that session cannot be continued");
	if (strcmp(o->identity, n->identity) != 0)
		return refuse(r, "other_identity", "another identity's session");
	if (!dchan_cont_verify(o->udp->cont_key, ev->cont_cid, n->cont_export, ev->cont_proof))
		return refuse(r, "bad_proof", "wrong proof");
	/* The session's pool, rules and lists are its group's: a certificate
	 * that now maps elsewhere (another OU, members changed) gets a
	 * session there instead. */
	g = establish_group_of(n, &why);
	if (g != o->group) {
		r->code = "other_group";
		r->moved_to = g != NULL ? "another group" : "no group";
		snprintf(
		    r->why, sizeof(r->why), "the certificate maps to %s%s, the session is in %s",
		    g != NULL ? "group " : "no group: ",
		    g != NULL ? g->net->name : (why != NULL ? why : "none"), o->group->net->name);
		return true;
	}
	return false;
}

void cont_on_frame(struct session *n, const struct chan_event *ev)
{
	struct gateway *gw = n->w->gw;
	struct cont_refusal r;
	struct session *o;
	char was[ADDR_STRLEN];
	bool no;

	workers_exclusive_begin(gw);
	if (n->state != SESSION_CONTINUING)
		goto out;
	o = find(gw, ev->cont_cid);
	no = refused(n, o, ev, &r);
	explicit_bzero(n->cont_export, sizeof(n->cont_export));
	/* One audit event per connection: CONTINUING is left either way, and
	 * only a verified certificate gets here (docs/audit.md). */
	if (no) {
		n->w->st.cont_refused++;
		session_log(n, SESSION_LOG_INFO, "continuation refused (%s): a new session instead",
			    r.why);
		audit_continuation(n, AUDIT_CONTINUE_REFUSED, ev->cont_cid, NULL, r.why, r.code);
		/* Only the holder of the channel could have proved it: that
		 * client has left the old session, which would otherwise live
		 * on (detached, until the grace ends) in a group its certificate
		 * no longer gives it. Closed before the admission, so no
		 * replacement claims it; a wrong proof, another identity or an
		 * unknown cid prove nothing and close nothing. */
		if (r.moved_to != NULL) {
			o->close_code = "superseded";
			session_close(o, BYE_REPLACED,
				      "superseded by sid %" PRIu64
				      ": continued with a certificate of %s",
				      n->sid, r.moved_to);
		}
		establish_admit_new(n);
		goto out;
	}
	memcpy(was, o->remote, sizeof(was));
	/* The same group, but perhaps by another rule (members, ou). */
	o->group_how = n->group_how;
	session_take_connection(o, n);
	o->w->st.cont_ok++;
	session_log(o, SESSION_LOG_INFO,
		    "session continued on a new connection (was %s, %s handshake, worker %u -> %u)",
		    was, tls_resumed(o->tls) ? "resumed" : "full", (unsigned)(n->w - gw->workers),
		    (unsigned)(o->w - gw->workers));
	audit_continuation(o, AUDIT_CONTINUE, ev->cont_cid, was, NULL, NULL);
	if (establish_send_config(o) && router_session_flush(o) && tls_has_pending(o->tls))
		router_session_input(o);
out:
	workers_exclusive_end(gw);
}
