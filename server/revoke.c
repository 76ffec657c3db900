/*
 * revoke.c - the gateway's revocation state and its checks: the CA bundle's
 * certificates, the CRLs in force (read and checked by revoke_src.c: each
 * from one of our CAs, its signature verified; a rejected source leaves the
 * CRLs in force from it untouched), the deny lists of server.ini, and the
 * sweep that closes every live session a change revokes. Matching is on the
 * (issuer Name, serial) of every certificate from the leaf to the anchor,
 * each against the CRLs of its own issuer; the lookup is a binary search.
 */
#include "server.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "crl_name.h"
#include "log.h"
#include "msg.h"

static void fmt_time(int64_t t, char out[static 32])
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (t == 0 || gmtime_r(&tt, &tm) == NULL)
		snprintf(out, 32, "never");
	else
		strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static void fmt_hex(const uint8_t *p, size_t n, char *out, size_t cap)
{
	size_t o = 0;

	out[0] = '\0';
	for (size_t i = 0; i < n && o + 3 <= cap; i++)
		o += (size_t)snprintf(out + o, cap - o, "%02x", p[i]);
	if (n == 0)
		snprintf(out, cap, "-");
}

/* The line every CRL in force gets (what --check-config lists), and the
 * loud one if it is stale. ms < 0: kept from before, not read now. */
static void log_crl(const struct gateway *gw, const struct revoke_src *src,
		    const struct revoke_crl *f, double ms)
{
	char num[48], nu[32], iss[160], read[64];

	if (f->crl.has_number)
		fmt_hex(f->crl.number, f->crl.number_len, num, sizeof(num));
	else
		snprintf(num, sizeof(num), "-");
	fmt_time(f->crl.next_update, nu);
	crl_name_text(f->crl.issuer, f->crl.issuer_len, iss, sizeof(iss));
	if (ms < 0)
		snprintf(read, sizeof(read), "kept from before");
	else
		snprintf(read, sizeof(read), "%s read in %.1f ms",
			 src->is_dir ? "directory" : "file", ms);
	log_info("CRL %s in force: %zu revoked, issuer \"%s\", number %s, next_update %s (CRL "
		 "%u of the file; %s)",
		 f->file, f->crl.n_entries, iss, num, nu, f->index, read);
	if (f->crl.next_update != 0 && f->crl.next_update <= (int64_t)time(NULL))
		log_warnx("CRL %s is out of date (CRL %u, issuer \"%s\"): its nextUpdate %s has "
			  "passed; %s",
			  f->file, f->index, iss, nu,
			  gw->cfg.crl_expired == CONFIG_CRL_EXPIRED_REFUSE
			      ? "new sessions are refused until a fresh CRL is installed"
			      : "new sessions are still accepted (crl_expired = warn)");
}

void revoke_log_src(const struct gateway *gw, const struct revoke_src *src, double ms)
{
	for (unsigned i = 0; i < src->n_crls; i++)
		log_crl(gw, src, &src->crls[i], ms);
}

double revoke_ms_since(const struct timespec *t0)
{
	struct timespec t1;

	clock_gettime(CLOCK_MONOTONIC, &t1);
	return (double)(t1.tv_sec - t0->tv_sec) * 1e3 + (double)(t1.tv_nsec - t0->tv_nsec) / 1e6;
}

int revoke_init(struct gateway *gw)
{
	struct revoke *rv = &gw->revoke;
	const char *w = NULL;
	uint8_t *buf = NULL;
	size_t len = 0;
	char why[PATH_MAX + 256];

	rv->ino_fd = -1;
	ev_timer_init(&rv->settle_timer, revoke_on_settled, NULL);
	ev_timer_init(&rv->next_update_timer, revoke_on_next_update, NULL);
	for (unsigned i = 0; i < CFG_MAX_CRL; i++)
		rv->srcs[i].wd = -1;
	if (revoke_src_read_file(gw->cfg.ca, 16u * 1024 * 1024, &buf, &len) < 0) {
		log_warn("%s: [gateway] ca: cannot read %s", gw->cfg.path, gw->cfg.ca);
		return -1;
	}
	if (crl_verify_issuers_load(buf, len, &rv->issuers, &rv->n_issuers, &w) < 0) {
		free(buf);
		log_warnx("%s: [gateway] ca: %s %s", gw->cfg.path, gw->cfg.ca, w);
		return -1;
	}
	free(buf);
	/* At start there is no CRL in force to fall back on: a configured CRL
	 * that does not load stops the gateway (fail closed). */
	for (unsigned i = 0; i < gw->cfg.n_crl; i++) {
		struct revoke_src *src = &rv->srcs[i];
		struct timespec t0;

		clock_gettime(CLOCK_MONOTONIC, &t0);
		if (revoke_src_load(rv, gw->cfg.crl[i], src, why, sizeof(why)) < 0) {
			log_warnx("%s: [gateway] crl: %s: %s", gw->cfg.path, gw->cfg.crl[i], why);
			revoke_deinit(gw);
			return -1;
		}
		rv->n_srcs++;
		revoke_log_src(gw, src, revoke_ms_since(&t0));
	}
	return 0;
}

void revoke_deinit(struct gateway *gw)
{
	struct revoke *rv = &gw->revoke;

	for (unsigned i = 0; i < CFG_MAX_CRL; i++)
		revoke_src_clear(&rv->srcs[i]);
	rv->n_srcs = 0;
	crl_verify_issuers_free(rv->issuers, rv->n_issuers);
	rv->issuers = NULL;
	rv->n_issuers = 0;
}

static bool have_ref(const struct cert_ref *chain, unsigned n, const struct cert_ref *r)
{
	for (unsigned i = 0; i < n; i++)
		if (chain[i].serial_len == r->serial_len &&
		    memcmp(chain[i].serial, r->serial, r->serial_len) == 0 &&
		    memcmp(chain[i].issuer_hash, r->issuer_hash, CERT_NAME_HASH_LEN) == 0)
			return true;
	return false;
}

/* The client need not send its intermediates when the bundle holds them:
 * walk up from the last certificate through the bundle, adding each issuing
 * CA that is not itself a root (a root is trusted, never revoked). */
void revoke_complete_chain(const struct revoke *rv, struct cert_ref *chain, unsigned *n,
			   unsigned cap)
{
	for (unsigned depth = 0; depth<CERT_MAX_CHAIN && * n> 0 && *n < cap; depth++) {
		const struct cert_ref *top = &chain[*n - 1];
		const struct crl_issuer *up = NULL;
		struct cert_ref r;

		for (size_t i = 0; i < rv->n_issuers && up == NULL; i++)
			if (memcmp(rv->issuers[i].subject_hash, top->issuer_hash,
				   CERT_NAME_HASH_LEN) == 0 &&
			    memcmp(rv->issuers[i].issuer_hash, rv->issuers[i].subject_hash,
				   CERT_NAME_HASH_LEN) != 0)
				up = &rv->issuers[i];
		if (up == NULL || up->cert.serial.len > CERT_SERIAL_MAX)
			return;
		memset(&r, 0, sizeof(r));
		memcpy(r.serial, up->cert.serial.p, up->cert.serial.len);
		r.serial_len = (uint8_t)up->cert.serial.len;
		memcpy(r.issuer_hash, up->issuer_hash, CERT_NAME_HASH_LEN);
		if (have_ref(chain, *n, &r))
			return;
		chain[(*n)++] = r;
	}
}

bool revoke_check(const struct gateway *gw, const struct cert_ref *chain, unsigned n,
		  const char *identity, char *why, size_t cap)
{
	const struct revoke *rv = &gw->revoke;
	const struct config_server *cfg = &gw->cfg;
	char serial[2 * CERT_SERIAL_MAX + 1], date[32];

	for (unsigned i = 0; i < n; i++) {
		const struct cert_ref *r = &chain[i];
		const char *which = i == 0 ? "serial" : "issuing CA serial";

		fmt_hex(r->serial, r->serial_len, serial, sizeof(serial));
		/* Each certificate against the CRLs of its own issuer, from
		 * whichever source they came. */
		for (unsigned k = 0; k < rv->n_srcs; k++)
			for (unsigned c = 0; c < rv->srcs[k].n_crls; c++) {
				const struct crl_entry *e =
				    revoke_src_lookup(&rv->srcs[k].crls[c], r);
				if (e == NULL)
					continue;
				fmt_time(e->date, date);
				snprintf(why, cap, "%s %s revoked %s, %s", which, serial, date,
					 crl_parse_reason_name(e->reason));
				return true;
			}
		for (unsigned k = 0; k < cfg->n_deny_serials; k++)
			if (cfg->deny_serials[k].len == r->serial_len &&
			    memcmp(cfg->deny_serials[k].b, r->serial, r->serial_len) == 0) {
				snprintf(why, cap, "%s %s denied by the gateway", which, serial);
				return true;
			}
	}
	for (unsigned k = 0; k < cfg->n_deny_identities; k++)
		if (strcmp(cfg->deny_identities[k], identity) == 0) {
			snprintf(why, cap, "identity denied by the gateway");
			return true;
		}
	return false;
}

/* crl_expired applies to each CRL on its own nextUpdate: one stale CRL
 * is enough to refuse (its CA's revocations are no longer known) or to
 * warn, naming that CRL. */
bool revoke_refuses_new(const struct gateway *gw, char *why, size_t cap)
{
	const struct revoke *rv = &gw->revoke;
	int64_t now = (int64_t)time(NULL);
	char nu[32], iss[160];

	for (unsigned i = 0; i < rv->n_srcs; i++)
		for (unsigned k = 0; k < rv->srcs[i].n_crls; k++) {
			const struct revoke_crl *f = &rv->srcs[i].crls[k];

			if (f->crl.next_update == 0 || f->crl.next_update > now)
				continue;
			fmt_time(f->crl.next_update, nu);
			crl_name_text(f->crl.issuer, f->crl.issuer_len, iss, sizeof(iss));
			if (gw->cfg.crl_expired == CONFIG_CRL_EXPIRED_REFUSE) {
				snprintf(why, cap,
					 "the gateway's revocation list is out of date; ask the "
					 "administrator to publish a fresh CRL");
				log_warnx("CRL of \"%s\" (%s) expired at %s (crl_expired = "
					  "refuse): refusing a new session",
					  iss, f->file, nu);
				return true;
			}
			log_warnx("CRL of \"%s\" (%s) expired at %s (crl_expired = warn): a new "
				  "session is accepted on an out-of-date revocation list",
				  iss, f->file, nu);
		}
	return false;
}

void revoke_sweep(struct gateway *gw)
{
	struct worker *w;
	struct session *s, *next;
	char why[160], id[IDENTITY_MAX * 4 + 1];
	unsigned closed = 0, live = 0;

	workers_exclusive_begin(gw);
	WORKERS_FOREACH_SESSION(gw, w, s, next) {
		if (s->state != SESSION_ESTABLISHED)
			continue;
		live++;
		if (!revoke_check(gw, s->chain, s->n_chain, s->identity, why, sizeof(why)))
			continue;
		log_warnx(
		    "session revoked: sid=%" PRIu64 " identity=\"%s\" serial=%s remote=%s: %s",
		    s->sid, session_quote(s->identity, id, sizeof(id)), s->serial, s->remote, why);
		snprintf(s->reason, sizeof(s->reason), "%s", why);
		audit_session(s, AUDIT_REVOKED, "revoked");
		session_close(s, BYE_REVOKED, "%s", why);
		w->st.revoked_live++;
		closed++;
	}
	workers_exclusive_end(gw);
	log_info("revocation sweep: %u of %u live sessions closed", closed, live);
}
