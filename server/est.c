/*
 * est.c - EST enrollment and renewal (RFC 7030; docs/protocol.md section
 * 13) on the gateway's listener, behind [gateway] enroll = on. Requests
 * reach here from the HTTP state (oc.c) when their path is under
 * /.well-known/est/; common/wire/est_http.c reads them, est_reply.c
 * answers, est_csr.c checks the PKCS#10, est_token_file.c redeems a
 * one-time token and common/pki/est_ca.c signs and keeps the CA index.
 *
 * Order, so that nothing is spent on a request that will be refused: the
 * request is read; a simpleenroll is rate limited by source, then its CSR
 * checked, and only then is its token redeemed (marked used on disk) and
 * the certificate signed. A renewal needs the session's own certificate,
 * checked again against the CRLs and deny lists right before it signs.
 *
 * A session without a client certificate (tls_peer_anonymous) reaches
 * nothing else: it stays in the half-open table, bounded by
 * max_handshakes and handshake_timeout like any stranger, and its
 * refusals are counted and logged within the rate limit of refusal.c.
 * Signing runs on the worker's thread, under the CA directory's lock.
 */
#include "server.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "est_ca.h"
#include "est_csr.h"
#include "est_http.h"
#include "est_reply.h"
#include "est_token.h"
#include "log.h"
#include "pkcs7_certs.h"
#include "sign_msg.h"
#include "srclimit.h"

/* Token tries a source may make: a burst, then one a second. A token has
 * 128 random bits: the limit bounds the work (a lock, a file read) a
 * stranger causes, not the odds of a guess. */
#define EST_TRY_BURST 10
#define EST_TRY_RATE 1
#define EST_REPLY_CAP 24576

struct est_gw {
	struct est_ca ca; /* the certificates only: the key is the signer's */
	char *cacerts;	  /* base64 PKCS#7 of the CA certificates */
	size_t cacerts_len;
	pthread_mutex_t mu; /* limit and the signer's socket, with several workers */
	struct srclimit limit;
	int signer_fd; /* est_signer.c; -1 once it failed */
	pid_t signer_pid;
	uint8_t buf[SIGN_MSG_MAX]; /* one exchange at a time, under mu */
};

int est_start(struct gateway *gw)
{
	const struct config_server *cfg = &gw->cfg;
	struct pkcs7_certs_item chain[2];
	char err[512];
	struct est_gw *e;
	uint64_t key = 0;
	size_t n;

	if (!cfg->enroll)
		return 0;
	e = calloc(1, sizeof(*e));
	if (e == NULL) {
		log_warnx("enrollment: out of memory");
		return -1;
	}
	e->signer_fd = -1;
	/* The key is checked here (--check-config too) and forgotten: the
	 * signer process loads it again for itself. A key in a token is
	 * opened by the signer alone (a module loaded here would be shared
	 * with it across the fork), which checks it before the gateway starts. */
	if (cfg->enroll_ca_key[0] == '\0' &&
	    est_ca_open(&e->ca, cfg->enroll_ca_dir, err, sizeof(err)) < 0) {
		log_warnx("%s: [gateway] enroll_ca_dir: %s", cfg->path, err);
		free(e);
		return -1;
	}
	est_ca_close(&e->ca);
	if (est_ca_open_public(&e->ca, cfg->enroll_ca_dir, err, sizeof(err)) < 0) {
		log_warnx("%s: [gateway] enroll_ca_dir: %s", cfg->path, err);
		free(e);
		return -1;
	}
	n = est_ca_chain(&e->ca, chain);
	e->cacerts = pkcs7_certs_build_base64(chain, n, &e->cacerts_len);
	if (e->cacerts == NULL || pthread_mutex_init(&e->mu, NULL) != 0) {
		log_warnx("enrollment: out of memory");
		free(e->cacerts);
		est_ca_close(&e->ca);
		free(e);
		return -1;
	}
	if (getrandom(&key, sizeof(key), 0) != (ssize_t)sizeof(key))
		key = (uint64_t)time(NULL);
	srclimit_init(&e->limit, EST_TRY_RATE, EST_TRY_BURST, key, 0);
	gw->est = e;
	log_info("enrollment (EST) on: issuing CA %s/%s, certificates for %us unless the group "
		 "says otherwise%s",
		 cfg->enroll_ca_dir, e->ca.root.der != NULL ? "intermediate.crt" : "ca.crt",
		 cfg->cert_lifetime,
		 cfg->enroll_revoke_old ? ", a renewal revokes its predecessor" : "");
	return 0;
}

void est_signer_attach(struct gateway *gw, int fd, pid_t pid)
{
	gw->est->signer_fd = fd;
	gw->est->signer_pid = pid;
}

int est_signer_state(const struct gateway *gw)
{
	if (gw->est == NULL)
		return -1;
	return gw->est->signer_fd >= 0 ? 1 : 0;
}

void est_stop(struct gateway *gw)
{
	struct est_gw *e = gw->est;

	if (e == NULL)
		return;
	/* The signer reads the end of its socket and exits. */
	if (e->signer_fd >= 0)
		close(e->signer_fd);
	est_ca_close(&e->ca);
	free(e->cacerts);
	pthread_mutex_destroy(&e->mu);
	free(e);
	gw->est = NULL;
}

/* One exchange with the signer; false (logged) if it failed. */
static bool sign(struct session *s, const struct sign_req *rq, struct sign_answer *a, uint8_t *copy,
		 size_t *copy_len)
{
	struct est_gw *e = s->w->gw->est;
	char why[256];
	bool ok;

	workers_lock(s->w->gw, &e->mu);
	ok = est_signer_call(&e->signer_fd, rq, a, e->buf, why, sizeof(why));
	/* The answer points into the shared buffer: keep the certificate. */
	if (ok && a->cert_len <= SIGN_MSG_DER) {
		if (a->cert_len > 0) /* a refusal has none: no copy from NULL */
			memcpy(copy, a->cert, a->cert_len);
		*copy_len = a->cert_len;
		a->cert = copy;
	}
	workers_unlock(s->w->gw, &e->mu);
	if (!ok)
		log_warnx("enrollment: %s", why);
	return ok;
}

/* ---- answers ---- */

static void audit(struct session *s, enum audit_type type, const char *op, const char *identity,
		  const char *serial, const char *group, const char *result, const char *reason,
		  const char *code)
{
	struct audit_event e = {
	    .type = type,
	    .sid = s->sid,
	    .identity = identity != NULL && identity[0] != '\0' ? identity : NULL,
	    .serial = serial != NULL && serial[0] != '\0' ? serial : NULL,
	    .fingerprint = s->fingerprint[0] != '\0' ? s->fingerprint : NULL,
	    .group = group != NULL && group[0] != '\0' ? group : NULL,
	    .remote = s->remote,
	    .command = op,
	    .result = result,
	    .reason = reason,
	    .reason_code = code,
	};

	audit_emit(s->w->gw, &e);
}

/* An error answer, then the connection ends. A stranger's refusal is
 * counted and logged within bounds when the session closes (session_log.c);
 * an employee's is logged in full. */
static void refuse(struct session *s, unsigned status, enum est_op op, enum refusal r,
		   const char *why)
{
	char out[512];
	size_t n = est_reply_error(out, sizeof(out), status, why, op);

	s->w->st.est_refused++;
	if (s->anonymous) {
		s->refusal = r;
		s->est_refused = true;
	}
	if (n > 0 && !oc_queue(s, out, n))
		return;
	session_close(s, SESSION_NO_BYE, "EST %s: HTTP %u: %s", est_op_name(op), status, why);
}

static bool send_certs(struct session *s, const struct pkcs7_certs_item *certs, size_t n)
{
	size_t body_len = 0, len;
	char *body = pkcs7_certs_build_base64(certs, n, &body_len);
	char *out;

	if (body == NULL)
		return false;
	out = malloc(EST_REPLY_CAP);
	len = out != NULL ? est_reply_certs(out, EST_REPLY_CAP, body, body_len) : 0;
	free(body);
	if (len == 0) {
		free(out);
		return false;
	}
	if (oc_queue(s, out, len))
		(void)router_session_flush(s);
	free(out);
	return true;
}

/* The new certificate, then the CA's (issuing first, the root last). */
static bool send_issued(struct session *s, const uint8_t *der, size_t len)
{
	struct pkcs7_certs_item items[3];
	size_t n = est_ca_chain(&s->w->gw->est->ca, items + 1);

	items[0].der = der;
	items[0].len = len;
	return send_certs(s, items, n + 1);
}

static void answer_cacerts(struct session *s)
{
	const struct est_gw *e = s->w->gw->est;
	char out[EST_REPLY_CAP];
	size_t n = est_reply_certs(out, sizeof(out), e->cacerts, e->cacerts_len);

	if (n == 0) {
		refuse(s, 500, EST_OP_CACERTS, REFUSAL_OTHER, "the CA certificates do not fit");
		return;
	}
	s->w->st.est_cacerts++;
	s->est_quiet = true;
	session_log(s, SESSION_LOG_DEBUG, "EST cacerts answered");
	if (oc_queue(s, out, n))
		(void)router_session_flush(s);
}

/* The whole source as the limit keys it: an IPv4 address or an IPv6 /64. */
static bool within_limit(struct session *s)
{
	struct est_gw *e = s->w->gw->est;
	size_t len = s->src.family == AF_INET ? 4 : s->src.family == AF_INET6 ? 8 : 0;
	bool ok;

	workers_lock(s->w->gw, &e->mu);
	ok = srclimit_take(&e->limit, s->src.addr, len, ev_now_ms(s->w->loop));
	workers_unlock(s->w->gw, &e->mu);
	return ok;
}

static const char *verdict_code(enum est_token_verdict v)
{
	switch (v) {
	case EST_TOKEN_OK:
		return "ok";
	case EST_TOKEN_MALFORMED:
		return "token_malformed";
	case EST_TOKEN_UNKNOWN:
		return "token_unknown";
	case EST_TOKEN_WRONG_IDENTITY:
		return "token_wrong_identity";
	case EST_TOKEN_EXPIRED:
		return "token_expired";
	case EST_TOKEN_USED:
		return "token_used";
	}
	return "token_refused";
}

/* A token refusal: audited within the refusal log's bounds for a
 * stranger (and counted once, here: the close adds nothing), in full for
 * an employee. */
static void token_refused(struct session *s, const struct est_request *rq, const char *code,
			  const char *why)
{
	char line[320];

	snprintf(line, sizeof(line), "simpleenroll for \"%.64s\" refused: %.200s", rq->user, why);
	if (!s->anonymous || refusal_pre_auth_counted(s->w, REFUSAL_EST_TOKEN, s->src.text)) {
		log_info("enrollment refused: remote=%s identity=\"%.64s\" reason=\"%s\"",
			 s->remote, rq->user, why);
		audit(s, AUDIT_ENROLL_REFUSED, "simpleenroll", rq->user, NULL, NULL, "refused",
		      line, code);
	}
	s->est_quiet = true;
	s->est_refused = false;
}

static void answer_enroll(struct session *s, struct est_request *rq)
{
	static _Thread_local uint8_t der[SIGN_MSG_DER];
	struct sign_req sr;
	struct sign_answer a;
	struct est_csr csr;
	size_t der_len = 0;
	char err[512], why[600];

	if (!rq->has_basic) {
		refuse(s, 401, EST_OP_SIMPLEENROLL, REFUSAL_EST,
		       "simpleenroll needs the identity and its one-time token (HTTP Basic)");
		return;
	}
	if (!within_limit(s)) {
		refuse(s, 429, EST_OP_SIMPLEENROLL, REFUSAL_EST_LIMIT,
		       "too many enrollment tries from this address; wait and try again");
		return;
	}
	/* Checked here too, so a bad request never reaches the signer nor
	 * spends a token. */
	if (est_csr_check(rq->csr, rq->csr_len, &csr, err, sizeof(err)) < 0) {
		refuse(s, 400, EST_OP_SIMPLEENROLL, REFUSAL_EST, err);
		return;
	}
	est_csr_deinit(&csr);
	memset(&sr, 0, sizeof(sr));
	sr.kind = SIGN_KIND_ENROLL;
	snprintf(sr.identity, sizeof(sr.identity), "%s", rq->user);
	snprintf(sr.token, sizeof(sr.token), "%s", rq->password);
	explicit_bzero(rq->password, sizeof(rq->password));
	sr.csr = rq->csr;
	sr.csr_len = rq->csr_len;
	/* The signer redeems the token (marked used on disk first), then
	 * signs for the identity and group the token carries. */
	if (!sign(s, &sr, &a, der, &der_len)) {
		explicit_bzero(sr.token, sizeof(sr.token));
		refuse(s, 500, EST_OP_SIMPLEENROLL, REFUSAL_OTHER, "the signer failed");
		return;
	}
	explicit_bzero(sr.token, sizeof(sr.token));
	if (a.status == SIGN_REFUSED && a.code == SIGN_CODE_CSR) {
		refuse(s, 400, EST_OP_SIMPLEENROLL, REFUSAL_EST, a.why);
		return;
	}
	if (a.status == SIGN_REFUSED) {
		snprintf(why, sizeof(why), "the token is refused: %s", a.why);
		token_refused(s, rq, verdict_code((enum est_token_verdict)a.code), a.why);
		s->w->st.est_refused++;
		{
			char out[512];
			size_t n = est_reply_error(out, sizeof(out), 403, why, EST_OP_SIMPLEENROLL);

			if (n > 0 && !oc_queue(s, out, n))
				return;
		}
		session_close(s, SESSION_NO_BYE, "EST simpleenroll: HTTP 403: %s", why);
		return;
	}
	if (a.status != SIGN_ISSUED) {
		log_warnx("enrollment of \"%.64s\" failed: %s", rq->user, a.why);
		audit(s, AUDIT_ENROLL_REFUSED, "simpleenroll", rq->user, NULL, NULL, "failed",
		      a.why, "ca_failed");
		refuse(s, 500, EST_OP_SIMPLEENROLL, REFUSAL_OTHER, "the CA failed to sign");
		return;
	}
	s->w->st.est_enrolled++;
	s->est_quiet = true;
	log_info("enrolled: identity=\"%s\" group=%s serial=%s remote=%s lifetime=%us", a.identity,
		 a.group[0] != '\0' ? a.group : "-", a.serial, s->remote, a.lifetime);
	audit(s, AUDIT_ENROLL, "simpleenroll", a.identity, a.serial, a.group, "ok", NULL, NULL);
	if (!send_issued(s, a.cert, a.cert_len))
		refuse(s, 500, EST_OP_SIMPLEENROLL, REFUSAL_OTHER, "the answer does not fit");
}

static const char *renew_code(uint8_t code)
{
	switch (code) {
	case EST_CA_REVOKED:
		return "revoked";
	case EST_CA_NOT_LISTED:
		return "not_listed";
	case SIGN_CODE_EXPIRED:
		return "expired";
	case SIGN_CODE_IDENTITY:
		return "no_identity";
	default:
		return "refused";
	}
}

static void answer_reenroll(struct session *s, struct est_request *rq)
{
	static _Thread_local uint8_t der[SIGN_MSG_DER];
	struct sign_req sr;
	struct sign_answer a;
	struct est_csr csr;
	struct cert_info ci;
	const uint8_t *cur;
	size_t cur_len, der_len = 0;
	char err[512];

	explicit_bzero(rq->password, sizeof(rq->password));
	if (s->anonymous || !tls_peer_leaf(s->tls, &cur, &cur_len)) {
		refuse(s, 403, EST_OP_SIMPLEREENROLL, REFUSAL_EST_ONLY,
		       "simplereenroll needs the current certificate on the TLS session");
		return;
	}
	if (rq->has_basic) {
		refuse(s, 403, EST_OP_SIMPLEREENROLL, REFUSAL_EST,
		       "simplereenroll takes the client certificate, not Basic credentials");
		return;
	}
	/* Revoked or denied since the handshake, or expired meanwhile. */
	if (!establish_still_good(s, &ci))
		return;
	if (ci.not_after < (int64_t)time(NULL)) {
		refuse(s, 403, EST_OP_SIMPLEREENROLL, REFUSAL_EST, "the certificate has expired");
		return;
	}
	if (est_csr_check(rq->csr, rq->csr_len, &csr, err, sizeof(err)) < 0) {
		refuse(s, 400, EST_OP_SIMPLEREENROLL, REFUSAL_EST, err);
		return;
	}
	est_csr_deinit(&csr);
	memset(&sr, 0, sizeof(sr));
	sr.kind = SIGN_KIND_RENEW;
	sr.csr = rq->csr;
	sr.csr_len = rq->csr_len;
	sr.cur = cur;
	sr.cur_len = cur_len;
	if (!sign(s, &sr, &a, der, &der_len)) {
		refuse(s, 500, EST_OP_SIMPLEREENROLL, REFUSAL_OTHER, "the signer failed");
		return;
	}
	if (a.status != SIGN_ISSUED) {
		bool failed = a.status == SIGN_FAILED;

		session_log(s, SESSION_LOG_WARN, "renewal refused: %s", a.why);
		audit(s, AUDIT_ENROLL_REFUSED, "simplereenroll", s->identity, s->serial, NULL,
		      failed ? "failed" : "refused", a.why,
		      failed ? "ca_failed" : renew_code(a.code));
		refuse(s,
		       failed			 ? 500
		       : a.code == SIGN_CODE_CSR ? 400
						 : 403,
		       EST_OP_SIMPLEREENROLL, REFUSAL_EST,
		       failed ? "the CA failed to sign" : a.why);
		return;
	}
	s->w->st.est_renewed++;
	session_log(s, SESSION_LOG_INFO, "renewed: serial %s replaces %s (lifetime %us)%s%s",
		    a.serial, a.old_serial, a.lifetime,
		    a.revoked_old ? ", the old one revoked" : "",
		    a.why[0] != '\0' ? ", but the CRL was not rewritten" : "");
	if (a.why[0] != '\0')
		log_warnx("enrollment: %s; run 'mtlsvpnctl ca crl --dir %s'", a.why,
			  s->w->gw->cfg.enroll_ca_dir);
	{
		char reason[128];

		snprintf(reason, sizeof(reason), "replaces %s%s", a.old_serial,
			 a.revoked_old ? " (revoked: superseded)" : "");
		audit(s, AUDIT_ENROLL, "simplereenroll", s->identity, a.serial, NULL, "ok", reason,
		      NULL);
	}
	if (!send_issued(s, a.cert, a.cert_len))
		refuse(s, 500, EST_OP_SIMPLEREENROLL, REFUSAL_OTHER, "the answer does not fit");
}

void est_answer(struct session *s, const struct oc_request *rq)
{
	struct est_request *er;
	const char *why = NULL;
	unsigned status = 400;

	if (s->w->gw->est == NULL) {
		refuse(s, 404, EST_OP_CACERTS, REFUSAL_EST_ONLY,
		       "enrollment is not offered here (enroll = off)");
		return;
	}
	er = malloc(sizeof(*er));
	if (er == NULL) {
		session_close(s, SESSION_NO_BYE, "EST: out of memory");
		return;
	}
	if (!est_http_classify(rq, er, &status, &why)) {
		enum est_op op = er->op;

		explicit_bzero(er, sizeof(*er));
		free(er);
		refuse(s, status, op, REFUSAL_EST, why != NULL ? why : "malformed EST request");
		return;
	}
	switch (er->op) {
	case EST_OP_CACERTS:
		answer_cacerts(s);
		break;
	case EST_OP_SIMPLEENROLL:
		answer_enroll(s, er);
		break;
	case EST_OP_SIMPLEREENROLL:
		answer_reenroll(s, er);
		break;
	}
	explicit_bzero(er, sizeof(*er));
	free(er);
}

/* A session without a certificate asked for something that is not EST. */
void est_refuse_other(struct session *s, const struct oc_request *rq)
{
	char out[512];
	size_t n = est_reply_error(out, sizeof(out), 403,
				   "this connection has no client certificate: only "
				   "/.well-known/est/ is served",
				   EST_OP_CACERTS);

	(void)rq;
	s->refusal = REFUSAL_EST_ONLY;
	s->est_refused = true;
	s->est_quiet = false;
	if (n > 0 && !oc_queue(s, out, n))
		return;
	session_close(s, SESSION_NO_BYE, "no client certificate: only EST is served");
}
