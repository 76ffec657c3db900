/*
 * revoke.c - the gateway's revocation state and its checks: the CA bundle's
 * certificates, the CRLs in force (each accepted only if its issuer is one
 * of our CAs and its signature verifies; a rejected file leaves the CRL in
 * force before it untouched), the deny lists of server.ini, and the sweep
 * that closes every live session a change revokes. Matching is on the
 * (issuer Name, serial) of every certificate from the leaf to the anchor;
 * the lookup is a binary search per certificate and CRL.
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

#include "log.h"
#include "msg.h"

/* Reads a whole file of at most max bytes; -1 with errno (EFBIG if over). */
static int read_file(const char *path, size_t max, uint8_t **out, size_t *len)
{
	struct stat st;
	uint8_t *buf;
	size_t got = 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return -1;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || (uint64_t)st.st_size > max) {
		int e = S_ISREG(st.st_mode) ? EFBIG : EINVAL;
		close(fd);
		errno = e;
		return -1;
	}
	buf = malloc((size_t)st.st_size + 1);
	if (buf == NULL) {
		close(fd);
		errno = ENOMEM;
		return -1;
	}
	while (got <= (size_t)st.st_size) {
		ssize_t n = read(fd, buf + got, (size_t)st.st_size + 1 - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	close(fd);
	if (got > (size_t)st.st_size) {
		/* Grew while we read: the writer is not atomic; the next event
		 * brings the final version. */
		free(buf);
		errno = EAGAIN;
		return -1;
	}
	*out = buf;
	*len = got;
	return 0;
}

static int serial_cmp(const uint8_t *a, size_t alen, const uint8_t *b, size_t blen)
{
	if (alen != blen)
		return alen < blen ? -1 : 1;
	return memcmp(a, b, alen);
}

static int entry_cmp(const void *a, const void *b)
{
	const struct crl_entry *x = a, *y = b;

	return serial_cmp(x->serial, x->serial_len, y->serial, y->serial_len);
}

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

void revoke_crl_clear(struct revoke_crl *f)
{
	crl_parse_free(&f->crl);
	memset(f->issuer_hash, 0, sizeof(f->issuer_hash));
	f->expired_logged = false;
}

/* A newer CRL from the same issuer must not go backwards: an attacker who
 * can write the file could otherwise put back an older, validly signed CRL
 * that predates a revocation. */
static bool older_than(const struct crl *n, const struct crl *o)
{
	if (n->has_number && o->has_number)
		return serial_cmp(n->number, n->number_len, o->number, o->number_len) < 0;
	return n->this_update < o->this_update;
}

int revoke_load_file(struct revoke *rv, const char *path, const struct revoke_crl *prev,
		     struct revoke_crl *out, char *why, size_t cap)
{
	enum crl_parse_result pr;
	enum crl_verify_result vr;
	const char *w = NULL;
	uint8_t *buf = NULL;
	size_t len = 0, which = 0;

	memset(&out->crl, 0, sizeof(out->crl));
	if (read_file(path, CRL_PARSE_MAX_INPUT, &buf, &len) < 0) {
		snprintf(why, cap, "cannot read it: %s",
			 errno == EFBIG ? "larger than 64 MiB" : strerror(errno));
		return -1;
	}
	pr = crl_parse_decode(buf, len, &out->crl, &w);
	free(buf);
	if (pr != CRL_PARSE_OK) {
		snprintf(why, cap, "not a usable CRL (%s): %s", crl_parse_result_str(pr),
			 w != NULL ? w : "?");
		return -1;
	}
	vr = crl_verify(&out->crl, rv->issuers, rv->n_issuers, &which, &w);
	if (vr != CRL_VERIFY_OK) {
		snprintf(why, cap, "%s: %s",
			 vr == CRL_VERIFY_NO_ISSUER ? "not issued by a CA of the ca bundle"
						    : "bad signature",
			 w != NULL ? w : "?");
		crl_parse_free(&out->crl);
		return -1;
	}
	if (prev != NULL && prev->crl.der != NULL && prev->crl.issuer_len == out->crl.issuer_len &&
	    memcmp(prev->crl.issuer, out->crl.issuer, out->crl.issuer_len) == 0 &&
	    older_than(&out->crl, &prev->crl)) {
		snprintf(why, cap,
			 "older than the CRL in force (cRLNumber or thisUpdate goes back)");
		crl_parse_free(&out->crl);
		return -1;
	}
	if (!crl_verify_name_hash(out->crl.issuer, out->crl.issuer_len, out->issuer_hash)) {
		snprintf(why, cap, "cannot hash the issuer name");
		crl_parse_free(&out->crl);
		return -1;
	}
	qsort(out->crl.entries, out->crl.n_entries, sizeof(*out->crl.entries), entry_cmp);
	out->expired_logged = false;
	return 0;
}

/* The line every accepted CRL gets, and the loud one if it is stale. */
static void log_loaded(const struct gateway *gw, const struct revoke_crl *f, double ms)
{
	char num[48], tu[32], nu[32];

	if (f->crl.has_number)
		fmt_hex(f->crl.number, f->crl.number_len, num, sizeof(num));
	else
		snprintf(num, sizeof(num), "-");
	fmt_time(f->crl.this_update, tu);
	fmt_time(f->crl.next_update, nu);
	log_info("CRL %s in force: %zu revoked, number=%s this_update=%s next_update=%s "
		 "(loaded in %.1f ms)",
		 f->path, f->crl.n_entries, num, tu, nu, ms);
	if (f->crl.next_update != 0 && f->crl.next_update <= (int64_t)time(NULL))
		log_warnx("CRL %s is out of date: its nextUpdate %s has passed; %s", f->path, nu,
			  gw->cfg.crl_expired == CONFIG_CRL_EXPIRED_REFUSE
			      ? "new sessions are refused until a fresh CRL is installed"
			      : "new sessions are still accepted (crl_expired = warn)");
}

static double ms_since(const struct timespec *t0)
{
	struct timespec t1;

	clock_gettime(CLOCK_MONOTONIC, &t1);
	return (double)(t1.tv_sec - t0->tv_sec) * 1e3 + (double)(t1.tv_nsec - t0->tv_nsec) / 1e6;
}

/* Reload one file; on failure the CRL in force stays. True if it changed. */
bool revoke_reload_file(struct gateway *gw, struct revoke_crl *f)
{
	struct revoke_crl n;
	struct timespec t0;
	char why[256];

	clock_gettime(CLOCK_MONOTONIC, &t0);
	memset(&n, 0, sizeof(n));
	if (revoke_load_file(&gw->revoke, f->path, f, &n, why, sizeof(why)) < 0) {
		log_warnx("CRL %s rejected: %s; the CRL in force before stays (%zu revoked)",
			  f->path, why, f->crl.n_entries);
		return false;
	}
	if (f->crl.der != NULL && f->crl.der_len == n.crl.der_len &&
	    memcmp(f->crl.der, n.crl.der, n.crl.der_len) == 0) {
		log_debug("CRL %s unchanged", f->path);
		crl_parse_free(&n.crl);
		return false;
	}
	revoke_crl_clear(f);
	f->crl = n.crl;
	memcpy(f->issuer_hash, n.issuer_hash, sizeof(f->issuer_hash));
	log_loaded(gw, f, ms_since(&t0));
	return true;
}

int revoke_init(struct gateway *gw)
{
	struct revoke *rv = &gw->revoke;
	const char *w = NULL;
	uint8_t *buf = NULL;
	size_t len = 0;
	char why[256];

	rv->ino_fd = -1;
	ev_timer_init(&rv->settle_timer, revoke_on_settled, NULL);
	ev_timer_init(&rv->next_update_timer, revoke_on_next_update, NULL);
	for (unsigned i = 0; i < CFG_MAX_CRL; i++)
		rv->files[i].wd = -1;
	if (read_file(gw->cfg.ca, 16u * 1024 * 1024, &buf, &len) < 0) {
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
		struct revoke_crl *f = &rv->files[i];
		struct timespec t0;

		clock_gettime(CLOCK_MONOTONIC, &t0);
		memcpy(f->path, gw->cfg.crl[i], sizeof(f->path));
		if (revoke_load_file(rv, f->path, NULL, f, why, sizeof(why)) < 0) {
			log_warnx("%s: [gateway] crl: %s: %s", gw->cfg.path, f->path, why);
			revoke_deinit(gw);
			return -1;
		}
		rv->n_files++;
		log_loaded(gw, f, ms_since(&t0));
	}
	return 0;
}

void revoke_deinit(struct gateway *gw)
{
	struct revoke *rv = &gw->revoke;

	for (unsigned i = 0; i < CFG_MAX_CRL; i++)
		revoke_crl_clear(&rv->files[i]);
	rv->n_files = 0;
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

static const struct crl_entry *crl_lookup(const struct revoke_crl *f, const struct cert_ref *r)
{
	struct crl_entry key;

	if (f->crl.n_entries == 0 ||
	    memcmp(f->issuer_hash, r->issuer_hash, CERT_NAME_HASH_LEN) != 0)
		return NULL;
	memset(&key, 0, sizeof(key));
	memcpy(key.serial, r->serial, r->serial_len);
	key.serial_len = r->serial_len;
	return bsearch(&key, f->crl.entries, f->crl.n_entries, sizeof(key), entry_cmp);
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
		for (unsigned k = 0; k < rv->n_files; k++) {
			const struct crl_entry *e = crl_lookup(&rv->files[k], r);
			if (e == NULL)
				continue;
			fmt_time(e->date, date);
			snprintf(why, cap, "%s %s revoked %s, %s", which, serial, date,
				 crl_parse_reason_name(e->reason));
			return true;
		}
		for (unsigned k = 0; k < cfg->n_deny_serials; k++)
			if (serial_cmp(cfg->deny_serials[k].b, cfg->deny_serials[k].len, r->serial,
				       r->serial_len) == 0) {
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

bool revoke_refuses_new(const struct gateway *gw, char *why, size_t cap)
{
	const struct revoke *rv = &gw->revoke;
	int64_t now = (int64_t)time(NULL);
	char nu[32];

	for (unsigned i = 0; i < rv->n_files; i++) {
		const struct crl *c = &rv->files[i].crl;

		if (c->next_update == 0 || c->next_update > now)
			continue;
		fmt_time(c->next_update, nu);
		if (gw->cfg.crl_expired == CONFIG_CRL_EXPIRED_REFUSE) {
			snprintf(why, cap,
				 "the gateway's revocation list is out of date; ask the "
				 "administrator to publish a fresh CRL");
			log_warnx("CRL %s expired at %s (crl_expired = refuse): refusing a new "
				  "session",
				  rv->files[i].path, nu);
			return true;
		}
		log_warnx("CRL %s expired at %s (crl_expired = warn): a new session is accepted "
			  "on an out-of-date revocation list",
			  rv->files[i].path, nu);
	}
	return false;
}

void revoke_sweep(struct worker *w)
{
	struct session *s, *next;
	char why[160], id[IDENTITY_MAX * 4 + 1];
	unsigned closed = 0, live = 0;

	for (s = LIST_FIRST(&w->sessions); s != NULL; s = next) {
		next = LIST_NEXT(s, entry);
		if (s->state != SESSION_ESTABLISHED)
			continue;
		live++;
		if (!revoke_check(w->gw, s->chain, s->n_chain, s->identity, why, sizeof(why)))
			continue;
		log_warnx(
		    "session revoked: sid=%" PRIu64 " identity=\"%s\" serial=%s remote=%s: %s",
		    s->sid, session_quote(s->identity, id, sizeof(id)), s->serial, s->remote, why);
		session_close(s, BYE_REVOKED, "%s", why);
		closed++;
	}
	log_info("revocation sweep: %u of %u live sessions closed", closed, live);
}
