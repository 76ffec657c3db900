/*
 * renew.c - the certificate renews itself inside the running client
 * (renew = auto, docs/protocol.md 13.10). The loop only keeps time: at
 * renew_plan's point a child process is forked that does the blocking work
 * (a fresh key, simplereenroll over its own mutually authenticated TLS
 * connection with the current pair, the answer checked, the files
 * replaced) and reports one line through a pipe. The loop then moves the
 * tunnel to the new pair by the ordinary reconnect, keeping the old pair's
 * TLS context until the new one is up, and going back to it if the new
 * one is refused.
 *
 * Files: KEY.new and CERT.new are written first (atomically, the key
 * 0600), the current pair is copied to KEY.prev and CERT.prev, then CERT
 * and KEY are replaced by renaming, the certificate first. A crash
 * between the two renames leaves a pair that does not match: the next
 * start completes the renewal with KEY.new (renew_repair).
 */
#include "client.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "atomic_file.h"
#include "errbuf.h"
#include "log.h"
#include "p11uri.h"
#include "renew_plan.h"
#include "tls.h"

#define RENEW_CHILD_MAX_MS 90000   /* the child's exchange has 30 s; keygen and files the rest */
#define RENEW_TIMER_MAX_MS 3600000 /* long waits re-check the wall clock hourly */

struct renew {
	struct ev_timer timer; /* the next try is due; or the child overstays */
	struct ev_io io;       /* the child's report */
	pid_t pid;	       /* 0: no child */
	int fd;
	char line[600];
	size_t len;
	struct renew_life life;
	int64_t due;		 /* unix s of the next try; 0: none planned */
	unsigned failures;	 /* in a row */
	unsigned renewed;	 /* this run */
	struct tls_ctx *old_ctx; /* the pair before, until the new one is up */
	char last[256];		 /* the last try's outcome, for status */
};

static uint32_t rnd32(void)
{
	uint32_t r = 0;

	if (getrandom(&r, sizeof(r), GRND_NONBLOCK) != (ssize_t)sizeof(r))
		r = (uint32_t)getpid() * 2654435761u ^ (uint32_t)time(NULL);
	return r;
}

/* The lifetime as known here: from when the file was written (a gateway
 * back-dates notBefore) or notBefore if later, to notAfter. */
static int load_life(const struct config_client *cfg, struct renew_life *l, char *err,
		     size_t errlen)
{
	struct certgen_cert cert;
	struct stat st;
	int64_t now = (int64_t)time(NULL);

	if (certgen_cert_load(cfg->cert, &cert, err, errlen) < 0)
		return -1;
	l->issued = cert.not_before;
	l->not_after = cert.not_after;
	certgen_cert_free(&cert);
	if (stat(cfg->cert, &st) == 0 && (int64_t)st.st_mtime > l->issued &&
	    (int64_t)st.st_mtime <= now)
		l->issued = (int64_t)st.st_mtime;
	return 0;
}

static void arm(struct client *c, int64_t at)
{
	struct renew *r = c->renew;
	int64_t ms = (at - (int64_t)time(NULL)) * 1000;

	r->due = at;
	if (ms < 0)
		ms = 0;
	ev_timer_arm(c->loop, &r->timer,
		     (uint64_t)(ms < RENEW_TIMER_MAX_MS ? ms : RENEW_TIMER_MAX_MS));
}

static void plan(struct client *c)
{
	struct renew *r = c->renew;
	int64_t at = renew_plan_due(&r->life, c->cfg->renew_at, (int64_t)time(NULL), rnd32());

	if (at < 0) {
		r->due = 0;
		snprintf(r->last, sizeof(r->last), "the certificate has expired: enroll again");
		log_warnx("renewal: %s is past its notAfter; enroll again", c->cfg->cert);
		return;
	}
	arm(c, at);
}

static void plan_retry(struct client *c)
{
	struct renew *r = c->renew;
	int64_t at = renew_plan_retry(&r->life, ++r->failures, (int64_t)time(NULL), rnd32());

	if (at < 0) {
		r->due = 0;
		return;
	}
	log_info("renewal: next try in %lld s", (long long)(at - (int64_t)time(NULL)));
	arm(c, at);
}

/* ---- the child ---- */

static int copy_file(const char *from, const char *to, mode_t mode, char *err, size_t errlen)
{
	size_t len;
	uint8_t *b = certgen_pem_read(from, &len, err, errlen);
	int rc;

	if (b == NULL)
		return -1;
	rc = atomic_file_write(to, b, len, mode, true, err, errlen);
	explicit_bzero(b, len);
	free(b);
	return rc;
}

static int suffixed(char out[static PATH_MAX], const char *path, const char *suffix)
{
	return snprintf(out, PATH_MAX, "%s%s", path, suffix) >= PATH_MAX ? -1 : 0;
}

/* Replaces the pair with the new one, keeping the old as .prev. */
static int replace_pair(const struct config_client *cfg, struct certgen_key *key,
			const struct certgen_cert *leaf, char *err, size_t errlen)
{
	char kn[PATH_MAX], cn[PATH_MAX], kp[PATH_MAX], cp[PATH_MAX];

	if (suffixed(kn, cfg->key, ".new") < 0 || suffixed(cn, cfg->cert, ".new") < 0 ||
	    suffixed(kp, cfg->key, ".prev") < 0 || suffixed(cp, cfg->cert, ".prev") < 0) {
		errbuf_set(err, errlen, "the key or certificate path is too long");
		return -1;
	}
	(void)unlink(kn);
	(void)unlink(cn);
	if (certgen_key_write(key, kn, err, errlen) < 0 ||
	    certgen_cert_write(leaf, cn, err, errlen) < 0 ||
	    copy_file(cfg->key, kp, 0600, err, errlen) < 0 ||
	    copy_file(cfg->cert, cp, 0644, err, errlen) < 0)
		goto fail;
	if (rename(cn, cfg->cert) < 0 || rename(kn, cfg->key) < 0) {
		errbuf_set(err, errlen, "cannot move the new pair into place: %s", strerror(errno));
		goto fail;
	}
	return 0;
fail:
	(void)unlink(kn);
	(void)unlink(cn);
	return -1;
}

/* The blocking work; the report line goes to fd. */
static void child_run(const struct config_client *cfg, int fd)
{
	char err[512] = "", ca_err[256], *ca_pem = NULL;
	struct certgen_cert cur = {0}, leaf = {0};
	struct certgen_req_copy names;
	struct est_enroll_certs got = {0};
	struct certgen_key *key = NULL;
	struct tls_ctx_params p = {
	    .client_http = true,
	    .ca_file = cfg->ca,
	    .cert_file = cfg->cert,
	    .key_file = cfg->key,
	    .server_name = cfg->server_name,
	};
	struct est_io io = {.host = cfg->gateway_host, .port = cfg->gateway_port, .timeout_s = 30};
	const uint8_t *der[PKCS7_CERTS_MAX];
	size_t lens[PKCS7_CERTS_MAX], csr_len = 0, ca_len;
	uint8_t *csr = NULL;
	bool off = false, ok = false;

	if (certgen_cert_load(cfg->cert, &cur, err, sizeof(err)) < 0 ||
	    certgen_req_from_cert(&cur, CERTGEN_CLIENT, &names, err, sizeof(err)) < 0)
		goto out;
	key = certgen_key_generate(CERTGEN_KEY_EC_P256, err, sizeof(err));
	if (key == NULL ||
	    (csr = est_enroll_csr(key, names.cn, &csr_len, err, sizeof(err))) == NULL)
		goto out;
	io.tls = tls_ctx_new(&p, err, sizeof(err));
	if (io.tls == NULL)
		goto out;
	if (est_io_exchange(&io, EST_OP_SIMPLEREENROLL, csr, csr_len, &got, err, sizeof(err)) < 0) {
		off = strstr(err, "(404") != NULL;
		goto out;
	}
	for (size_t i = 0; i < got.n; i++) {
		der[i] = got.certs[i].der;
		lens[i] = got.certs[i].len;
	}
	ca_pem = (char *)certgen_pem_read(cfg->ca, &ca_len, ca_err, sizeof(ca_err));
	if (ca_pem == NULL) {
		errbuf_set(err, sizeof(err), "%s", ca_err);
	} else if (certgen_cert_from_der(der[0], lens[0], &leaf, err, sizeof(err)) < 0) {
	} else if (!certgen_key_matches(key, &leaf)) {
		errbuf_set(err, sizeof(err), "the certificate answered is not for the new key");
	} else if (!tls_verify_cert(ca_pem, der, lens, got.n, err, sizeof(err))) {
	} else if (replace_pair(cfg, key, &leaf, err, sizeof(err)) == 0) {
		snprintf(err, sizeof(err), "%lld", (long long)leaf.not_after);
		ok = true;
	}
out:
	dprintf(fd, "%s %s\n", ok ? "OK" : off ? "OFF" : "ERR", err);
	free(ca_pem);
	free(csr);
	certgen_key_free(key);
	certgen_cert_free(&cur);
	certgen_cert_free(&leaf);
	est_enroll_certs_free(&got);
	tls_ctx_free(io.tls);
}

/* ---- the loop's side ---- */

static void child_done(struct client *c, const char *line)
{
	struct renew *r = c->renew;
	struct tls_ctx *fresh;
	char err[256];

	ev_io_stop(c->loop, &r->io);
	close(r->fd);
	r->fd = -1;
	(void)waitpid(r->pid, NULL, 0);
	r->pid = 0;
	ev_timer_stop(c->loop, &r->timer);
	if (strncmp(line, "OFF ", 4) == 0) {
		snprintf(r->last, sizeof(r->last), "%s", line + 4);
		r->due = 0;
		log_warnx("renewal: %s; not asking again until restarted", line + 4);
		return;
	}
	if (strncmp(line, "OK ", 3) != 0) {
		snprintf(r->last, sizeof(r->last), "%s",
			 strncmp(line, "ERR ", 4) == 0 ? line + 4 : line);
		log_warnx("renewal failed: %s", r->last);
		plan_retry(c);
		return;
	}
	fresh = client_tls_ctx_new(c->cfg);
	if (fresh == NULL || load_life(c->cfg, &r->life, err, sizeof(err)) < 0) {
		tls_ctx_free(fresh);
		snprintf(r->last, sizeof(r->last), "the renewed pair cannot be loaded");
		log_warnx("renewal: %s", r->last);
		plan_retry(c);
		return;
	}
	r->failures = 0;
	r->renewed++;
	/* The old context stays until the new pair has brought the tunnel up. */
	tls_ctx_free(r->old_ctx);
	r->old_ctx = c->tls_ctx;
	c->tls_ctx = fresh;
	snprintf(r->last, sizeof(r->last), "renewed");
	{
		time_t na = (time_t)r->life.not_after;
		char when[32];
		struct tm tm;

		gmtime_r(&na, &tm);
		strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S UTC", &tm);
		log_info("renewal: new certificate until %s; moving the tunnel to it", when);
	}
	plan(c);
	client_reconnect_now(c, "certificate renewed");
}

static void on_child_report(struct ev_loop *loop, struct ev_io *w, uint32_t revents)
{
	struct client *c = w->data;
	struct renew *r = c->renew;
	ssize_t n;

	(void)loop;
	(void)revents;
	n = read(r->fd, r->line + r->len, sizeof(r->line) - 1 - r->len);
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n > 0)
		r->len += (size_t)n;
	r->line[r->len] = 0;
	if (n > 0 && memchr(r->line, '\n', r->len) == NULL && r->len < sizeof(r->line) - 1)
		return;
	r->line[strcspn(r->line, "\n")] = 0;
	child_done(c, r->len > 0 ? r->line : "ERR the renewal process ended without a word");
}

static void start_child(struct client *c)
{
	struct renew *r = c->renew;
	struct timespec t0, t1;
	int p[2];

	if (pipe2(p, O_CLOEXEC | O_NONBLOCK) < 0) {
		log_warn("renewal: pipe");
		plan_retry(c);
		return;
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	r->pid = fork();
	if (r->pid > 0) {
		clock_gettime(CLOCK_MONOTONIC, &t1);
		/* What the loop pays for the renewal: the fork, measured. */
		log_debug(
		    "renewal: child %d forked in %ld us", (int)r->pid,
		    (long)((t1.tv_sec - t0.tv_sec) * 1000000 + (t1.tv_nsec - t0.tv_nsec) / 1000));
	}
	if (r->pid < 0) {
		log_warn("renewal: fork");
		close(p[0]);
		close(p[1]);
		r->pid = 0;
		plan_retry(c);
		return;
	}
	if (r->pid == 0) {
		close(p[0]);
		child_run(c->cfg, p[1]);
		_exit(0);
	}
	close(p[1]);
	r->fd = p[0];
	r->len = 0;
	ev_io_init(&r->io, r->fd, on_child_report, c);
	if (ev_io_start(c->loop, &r->io, EPOLLIN) < 0) {
		kill(r->pid, SIGKILL);
		child_done(c, "ERR cannot watch the renewal process");
		return;
	}
	log_info("renewal: asking %s for a new certificate", c->cfg->gateway_host);
	ev_timer_arm(c->loop, &r->timer, RENEW_CHILD_MAX_MS);
}

static void on_renew_timer(struct ev_loop *loop, struct ev_timer *t)
{
	struct client *c = t->data;
	struct renew *r = c->renew;

	(void)loop;
	if (r->pid > 0) {
		/* The child overstayed its deadline. */
		kill(r->pid, SIGKILL);
		child_done(c, "ERR the renewal took too long");
		return;
	}
	if (r->due == 0)
		return;
	if ((int64_t)time(NULL) < r->due) {
		arm(c, r->due);
		return;
	}
	start_child(c);
}

void renew_repair(const struct config_client *cfg)
{
	char kn[PATH_MAX], err[512];
	struct certgen_cert cert;
	struct certgen_key *key, *fresh;
	bool matches;

	if (!cfg->renew || cfg->cert_pem != NULL || cfg->key_pem != NULL || p11uri_is(cfg->key) ||
	    suffixed(kn, cfg->key, ".new") < 0 || access(kn, F_OK) < 0)
		return;
	if (certgen_cert_load(cfg->cert, &cert, err, sizeof(err)) < 0)
		return;
	key = certgen_key_load(cfg->key, err, sizeof(err));
	matches = key != NULL && certgen_key_matches(key, &cert);
	certgen_key_free(key);
	/* The certificate was renamed into place and the key was not: the
	 * renewal stopped between its two renames (the only window). */
	fresh = matches ? NULL : certgen_key_load(kn, err, sizeof(err));
	if (fresh != NULL && certgen_key_matches(fresh, &cert)) {
		if (rename(kn, cfg->key) == 0)
			log_warnx("renewal: %s did not match %s; completed the interrupted renewal "
				  "with %s",
				  cfg->key, cfg->cert, kn);
		else
			log_warn("renewal: cannot rename %s to %s", kn, cfg->key);
	}
	certgen_key_free(fresh);
	certgen_cert_free(&cert);
}

void renew_init(struct client *c)
{
	const struct config_client *cfg = c->cfg;
	const char *why = NULL;
	char err[512];

	if (!cfg->renew)
		return;
	if (cfg->cert_pem != NULL || cfg->key_pem != NULL)
		why = "the certificate and key are embedded in the profile";
	else if (p11uri_is(cfg->key))
		why = "the key is in a PKCS#11 token";
	else if (certgen_key_is_encrypted(cfg->key))
		why = "the key is encrypted";
	if (why != NULL) {
		log_info("renewal: off, %s (renew = auto needs plain key and certificate files)",
			 why);
		return;
	}
	c->renew = calloc(1, sizeof(*c->renew));
	if (c->renew == NULL) {
		log_warnx("renewal: off, out of memory");
		return;
	}
	c->renew->fd = -1;
	ev_timer_init(&c->renew->timer, on_renew_timer, c);
	if (load_life(cfg, &c->renew->life, err, sizeof(err)) < 0) {
		log_warnx("renewal: off, %s", err);
		free(c->renew);
		c->renew = NULL;
		return;
	}
	plan(c);
	if (c->renew->due != 0)
		log_info("renewal: planned in %lld s (renew_at %u/%u of the lifetime)",
			 (long long)(c->renew->due - (int64_t)time(NULL)), cfg->renew_at.num,
			 cfg->renew_at.den);
}

void renew_on_up(struct client *c)
{
	struct renew *r = c->renew;

	if (r == NULL || r->old_ctx == NULL)
		return;
	tls_ctx_free(r->old_ctx);
	r->old_ctx = NULL;
	log_info("renewal: the tunnel runs on the renewed certificate");
}

bool renew_on_refused(struct client *c)
{
	const struct config_client *cfg = c->cfg;
	struct renew *r = c->renew;
	char kp[PATH_MAX], cp[PATH_MAX], err[512] = "";

	if (r == NULL || r->old_ctx == NULL)
		return false;
	log_warnx("renewal: the gateway refused the renewed certificate; back to the previous "
		  "one while it is valid");
	tls_ctx_free(c->tls_ctx);
	c->tls_ctx = r->old_ctx;
	r->old_ctx = NULL;
	/* The files too, so that a restart does not load the refused pair. */
	if (suffixed(kp, cfg->key, ".prev") < 0 || suffixed(cp, cfg->cert, ".prev") < 0 ||
	    copy_file(cp, cfg->cert, 0644, err, sizeof(err)) < 0 ||
	    copy_file(kp, cfg->key, 0600, err, sizeof(err)) < 0)
		log_warnx("renewal: cannot put the previous pair back in place: %s", err);
	(void)load_life(cfg, &r->life, err, sizeof(err));
	snprintf(r->last, sizeof(r->last), "the renewed certificate was refused");
	plan_retry(c);
	return true;
}

bool renew_view(const struct client *c, int64_t *not_after, int64_t *next, const char **last)
{
	const struct renew *r = c->renew;

	if (r == NULL)
		return false;
	*not_after = r->life.not_after;
	*next = r->pid > 0 ? (int64_t)time(NULL) : r->due;
	*last = r->last;
	return true;
}

void renew_deinit(struct client *c)
{
	struct renew *r = c->renew;

	if (r == NULL)
		return;
	ev_timer_stop(c->loop, &r->timer);
	if (r->pid > 0) {
		ev_io_stop(c->loop, &r->io);
		kill(r->pid, SIGKILL);
		(void)waitpid(r->pid, NULL, 0);
	}
	if (r->fd >= 0)
		close(r->fd);
	tls_ctx_free(r->old_ctx);
	free(r);
	c->renew = NULL;
}
