/*
 * est_signer.c - the process that holds the enrollment CA's key, apart
 * from the gateway that parses network input (OpenBSD's privilege
 * separation). Forked at start, before the gateway drops root and before
 * any thread runs, it keeps one end of a SOCK_SEQPACKET pair and nothing
 * else: it loads the issuing key, becomes the CA directory's owner with
 * no capabilities, installs its own seccomp list, and then answers one
 * request at a time (common/wire/sign_msg.c): "enroll IDENTITY with TOKEN
 * and this CSR", "renew this current certificate with this CSR". It checks
 * the CSR again, redeems the token, finds the current certificate in the
 * index byte for byte, decides subject, group and lifetime from its own
 * copy of the configuration, signs, and keeps the index, issued/ and the
 * CRL. A compromised gateway worker can ask, but cannot read the key,
 * choose a subject, skip a token or a listed certificate, or lengthen a
 * lifetime.
 *
 * The gateway's side (est_signer_call) sends a request and waits for the
 * answer under a mutex; a signer that does not answer within
 * SIGNER_TIMEOUT_S is given up for the gateway's lifetime (requests get
 * 500) rather than risk pairing a late answer with the next request.
 */
#include "server.h"

#include <errno.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "est_ca.h"
#include "est_csr.h"
#include "est_token_file.h"
#include "log.h"
#include "p11key.h"
#include "sandbox.h"
#include "sign_msg.h"

#define SIGNER_TIMEOUT_S 10
#define SIGNER_FD 3
#define SIGNER_READY "R" /* one byte, once, before the first request */

#define ANY(n)                                                                                     \
	{                                                                                          \
		.name = n                                                                          \
	}

/* What the signer does once confined: its socket, the CA directory's
 * files (lock, index, tokens, issued/, crlnumber, crl.pem, each replaced
 * atomically), memory, randomness for serials and signatures, the log. */
static const struct sandbox_rule signer_calls[] = {
    ANY("recvfrom"),
    ANY("recvmsg"),
    ANY("sendto"),
    ANY("sendmsg"),
    ANY("read"),
    ANY("write"),
    ANY("openat"),
    ANY("close"),
    ANY("fstat"),
    ANY("newfstatat"),
    ANY("statx"),
    ANY("lseek"),
    ANY("flock"),
    ANY("fsync"),
    ANY("fdatasync"),
    ANY("rename"),
    ANY("renameat"),
    ANY("renameat2"),
    ANY("link"),
    ANY("linkat"),
    ANY("unlink"),
    ANY("unlinkat"),
    ANY("fchmod"),
    ANY("fcntl"),
    ANY("access"),
    ANY("faccessat"),
    ANY("faccessat2"),
    ANY("getrandom"),
    ANY("brk"),
    ANY("munmap"),
    ANY("mremap"),
    ANY("madvise"),
    {.name = "mmap", .how = SANDBOX_ARG_BITS_CLEAR, .arg = 2, .n = 1, .v = {PROT_EXEC}},
    ANY("clock_gettime"),
    ANY("gettimeofday"),
    ANY("time"),
    ANY("getpid"),
    ANY("gettid"),
    ANY("exit_group"),
    ANY("exit"),
    ANY("rt_sigreturn"),
    ANY("futex"),
};

/* The lifetime of a certificate for identity: its group's cert_lifetime
 * (the token's group, else the group the gateway would put it in), else
 * [gateway] cert_lifetime. */
static unsigned lifetime_for(const struct config_server *cfg, const char *identity, const char *ou,
			     const struct cert_info *ci)
{
	unsigned g = cfg->n_groups;

	if (ou != NULL && ou[0] != '\0') {
		for (unsigned i = 0; i < cfg->n_groups; i++)
			if (strcasecmp(cfg->groups[i].net.name, ou) == 0)
				g = i;
	}
	if (g == cfg->n_groups && !config_group_for(cfg, identity, ci, &g, NULL, NULL))
		g = cfg->n_groups;
	if (g < cfg->n_groups && cfg->groups[g].cert_lifetime != 0)
		return cfg->groups[g].cert_lifetime;
	return cfg->cert_lifetime;
}

static void refused(struct sign_answer *a, uint8_t code, const char *why)
{
	a->status = SIGN_REFUSED;
	a->code = code;
	snprintf(a->why, sizeof(a->why), "%s", why);
}

static void failed(struct sign_answer *a, const char *why)
{
	a->status = SIGN_FAILED;
	snprintf(a->why, sizeof(a->why), "%s", why);
}

static void enroll(const struct config_server *cfg, struct est_ca *ca, struct sign_req *rq,
		   struct certgen_key *pub, struct sign_answer *a, struct est_ca_result *res)
{
	struct est_ca_order order = {0};
	enum est_token_verdict verdict;
	struct est_token_rec rec;
	char err[256];

	if (est_token_file_redeem(cfg->enroll_ca_dir, rq->token, rq->identity, (int64_t)time(NULL),
				  &verdict, &rec, err, sizeof(err)) < 0) {
		failed(a, err);
		return;
	}
	if (verdict != EST_TOKEN_OK) {
		refused(a, (uint8_t)verdict, est_token_verdict_str(verdict));
		return;
	}
	order.cn = rec.identity;
	order.ou = rec.group;
	order.lifetime = lifetime_for(cfg, rec.identity, rec.group, NULL);
	snprintf(a->identity, sizeof(a->identity), "%s", rec.identity);
	snprintf(a->group, sizeof(a->group), "%s", rec.group);
	if (est_ca_sign(ca, &order, pub, res, err, sizeof(err)) != EST_CA_OK) {
		failed(a, err);
		return;
	}
	a->lifetime = order.lifetime;
}

static void renew(const struct config_server *cfg, struct est_ca *ca, struct sign_req *rq,
		  struct certgen_key *pub, struct sign_answer *a, struct est_ca_result *res)
{
	static struct cert_info ci;
	struct est_ca_order order = {0};
	char identity[IDENTITY_MAX + 1], err[256];
	const char *why = NULL;
	enum est_ca_verdict v;

	if (rq->cur == NULL || !tls_cert_info(rq->cur, rq->cur_len, &ci)) {
		refused(a, EST_CA_NOT_LISTED, "the current certificate does not parse");
		return;
	}
	if (ci.not_after < (int64_t)time(NULL)) {
		refused(a, SIGN_CODE_EXPIRED, "the current certificate has expired");
		return;
	}
	if (!identity_from_cert(&ci, &cfg->identity, identity, &why)) {
		refused(a, SIGN_CODE_IDENTITY, why != NULL ? why : "no identity");
		return;
	}
	snprintf(a->identity, sizeof(a->identity), "%s", identity);
	order.cur_der = rq->cur;
	order.cur_len = rq->cur_len;
	order.revoke_old = cfg->enroll_revoke_old;
	order.lifetime = lifetime_for(cfg, identity, NULL, &ci);
	v = est_ca_sign(ca, &order, pub, res, err, sizeof(err));
	if (v == EST_CA_FAILED) {
		failed(a, err);
		return;
	}
	if (v != EST_CA_OK) {
		refused(a, (uint8_t)v, est_ca_verdict_str(v));
		return;
	}
	a->lifetime = order.lifetime;
	a->revoked_old = res->revoked_old;
	snprintf(a->old_serial, sizeof(a->old_serial), "%s", res->old_serial);
	/* Signed and listed, but the CRL not rewritten: the gateway says so. */
	if (res->crl_err[0] != '\0')
		snprintf(a->why, sizeof(a->why), "%s", res->crl_err);
}

/* One request: the CSR checked again here (only its key is used), then
 * the operation. */
static void handle(const struct config_server *cfg, struct est_ca *ca, struct sign_req *rq,
		   struct sign_answer *a, struct est_ca_result *res)
{
	struct est_csr csr;
	char err[256];

	memset(a, 0, sizeof(*a));
	memset(res, 0, sizeof(*res));
	if (est_csr_check(rq->csr, rq->csr_len, &csr, err, sizeof(err)) < 0) {
		refused(a, SIGN_CODE_CSR, err);
		return;
	}
	if (rq->kind == SIGN_KIND_ENROLL)
		enroll(cfg, ca, rq, csr.key, a, res);
	else
		renew(cfg, ca, rq, csr.key, a, res);
	est_csr_deinit(&csr);
	if (a->status == SIGN_ISSUED) {
		a->cert = res->cert.der;
		a->cert_len = res->cert.der_len;
		snprintf(a->serial, sizeof(a->serial), "%s", res->serial);
	}
}

static _Noreturn void signer_main(struct gateway *gw, int fd, const struct privdrop_user *owner)
{
	static uint8_t in[SIGN_MSG_MAX + 1], out[SIGN_MSG_MAX];
	const struct config_server *cfg = &gw->cfg;
	struct est_ca ca;
	struct est_ca_result res;
	struct sign_answer a;
	struct sign_req rq;
	sigset_t none;
	char err[512];
	uid_t uid;

	/* Signals as a fresh process; gone with the gateway. */
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	(void)prctl(PR_SET_PDEATHSIG, SIGKILL);
	/* Its socket and the log only. */
	if (dup2(fd, SIGNER_FD) < 0 || close_range(SIGNER_FD + 1, ~0U, 0) < 0)
		_exit(1);
	/* The gateway's TLS key is not the signer's business (a key in a
	 * token is left to the gateway: its module belongs to that process). */
	if (strncmp(cfg->key, "pkcs11:", 7) != 0 && gw->tls != NULL) {
		tls_ctx_free(gw->tls);
		gw->tls = NULL;
	}
	/* A token is opened here, as root: its module, its PIN file and its
	 * token directory may be root's alone. */
	if ((cfg->enroll_ca_key[0] != '\0'
		     ? est_ca_open_token(&ca, cfg->enroll_ca_dir, cfg->enroll_ca_key,
					 cfg->pkcs11_module, err, sizeof(err))
		     : est_ca_open(&ca, cfg->enroll_ca_dir, err, sizeof(err))) < 0) {
		log_warnx("enrollment signer: %s", err);
		_exit(1);
	}
	if (privdrop_apply(owner, 0, err, sizeof(err)) < 0) {
		log_warnx("enrollment signer: cannot drop privileges: %s", err);
		_exit(1);
	}
	uid = geteuid();
	/* A token's module may need, to sign, what it could reach as root
	 * only (SoftHSM2 re-reads its token files): one signature now, as the
	 * owner, before the seccomp list, so such a token stops the start
	 * with the module's own error rather than each request later. */
	if (ca.token != NULL && certgen_key_try_sign(ca.key, err, sizeof(err)) < 0) {
		log_warnx("enrollment signer: the key %s cannot sign as uid %u (%s); the token "
			  "(for SoftHSM2 its token directory) must be usable by the CA "
			  "directory's owner",
			  p11key_name(ca.token), (unsigned)uid, err);
		_exit(1);
	}
#ifdef SANDBOX_SANITIZED
	(void)signer_calls;
#else
	if (sandbox_install("mtlsvpn-server (enrollment signer)", signer_calls,
			    sizeof(signer_calls) / sizeof(signer_calls[0]), err, sizeof(err)) < 0) {
		log_warnx("enrollment signer: cannot confine itself: %s", err);
		_exit(1);
	}
#endif
	log_info("enrollment signer: pid %d, uid %u, holds the key of %s/%s%s%s", (int)getpid(),
		 (unsigned)uid, cfg->enroll_ca_dir,
		 ca.root.der != NULL ? "intermediate.crt" : "ca.crt",
		 ca.token != NULL ? " in the token " : "",
		 ca.token != NULL ? p11key_name(ca.token) : "");
	/* Ready: the gateway waits for this before it starts. */
	if (send(SIGNER_FD, SIGNER_READY, 1, MSG_NOSIGNAL) != 1)
		_exit(1);
	for (;;) {
		const char *why = NULL;
		ssize_t n = recv(SIGNER_FD, in, sizeof(in), 0);
		size_t len;

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break; /* the gateway has gone */
		if (!sign_msg_req_decode(in, (size_t)n, &rq, &why)) {
			memset(&a, 0, sizeof(a));
			failed(&a, why);
		} else {
			handle(cfg, &ca, &rq, &a, &res);
		}
		explicit_bzero(rq.token, sizeof(rq.token));
		explicit_bzero(in, sizeof(in));
		len = sign_msg_answer_encode(&a, out, sizeof(out));
		if (len == 0) {
			memset(&a, 0, sizeof(a));
			failed(&a, "the answer does not encode");
			len = sign_msg_answer_encode(&a, out, sizeof(out));
		}
		certgen_cert_free(&res.cert);
		if (send(SIGNER_FD, out, len, MSG_NOSIGNAL) != (ssize_t)len)
			break;
	}
	est_ca_close(&ca);
	_exit(0);
}

/* Who the signer becomes: the CA directory's owner. Root only when the
 * gateway itself stays root. */
static int signer_user(const struct gateway *gw, struct privdrop_user *u)
{
	const struct config_server *cfg = &gw->cfg;
	struct stat st;
	struct passwd *pw;
	char why[256];

	if (stat(cfg->enroll_ca_dir, &st) < 0) {
		log_warn("%s: [gateway] enroll_ca_dir: %s", cfg->path, cfg->enroll_ca_dir);
		return -1;
	}
	if (geteuid() != 0)
		return 0; /* not root: it keeps our uid */
	if (st.st_uid == 0 && strcmp(cfg->user, "root") != 0) {
		log_warnx("%s: [gateway] enroll_ca_dir: %s belongs to root; give it to the user "
			  "that is to sign (a dedicated one, e.g. chown -R mtlsvpn-ca %s, or %s): "
			  "the signer drops to the directory's owner",
			  cfg->path, cfg->enroll_ca_dir, cfg->enroll_ca_dir, cfg->user);
		return -1;
	}
	pw = getpwuid(st.st_uid);
	if (pw == NULL || privdrop_user_lookup(pw->pw_name, u, why, sizeof(why)) < 0) {
		log_warnx("%s: [gateway] enroll_ca_dir: its owner, uid %u, is no user: %s",
			  cfg->path, (unsigned)st.st_uid,
			  pw == NULL ? "not in the user database" : why);
		return -1;
	}
	return 0;
}

static bool signer_ready(int fd)
{
	char b[8];
	ssize_t n;

	do
		n = recv(fd, b, sizeof(b), 0);
	while (n < 0 && errno == EINTR);
	return n == 1 && b[0] == SIGNER_READY[0];
}

int est_signer_start(struct gateway *gw)
{
	struct privdrop_user owner, *u = NULL;
	struct timeval tv = {.tv_sec = SIGNER_TIMEOUT_S};
	int sv[2];
	pid_t pid;

	if (gw->est == NULL)
		return 0;
	memset(&owner, 0, sizeof(owner));
	if (signer_user(gw, &owner) < 0)
		return -1;
	if (owner.name[0] != '\0')
		u = &owner;
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0) {
		log_warn("enrollment: socketpair");
		return -1;
	}
	pid = fork();
	if (pid < 0) {
		log_warn("enrollment: cannot start the signer");
		close(sv[0]);
		close(sv[1]);
		return -1;
	}
	if (pid == 0) {
		close(sv[0]);
		signer_main(gw, sv[1], u);
	}
	close(sv[1]);
	if (setsockopt(sv[0], SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) < 0 ||
	    setsockopt(sv[0], SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)) < 0) {
		log_warn("enrollment: signer socket");
		close(sv[0]);
		return -1;
	}
	/* A signer without its key (a wrong PIN, a key that is not the
	 * certificate's, ...) stops the start: it has logged why. */
	if (!signer_ready(sv[0])) {
		log_warnx("enrollment: the signer process did not start (see its message "
			  "above); the gateway does not run without it");
		close(sv[0]);
		(void)kill(pid, SIGKILL);
		(void)waitpid(pid, NULL, 0);
		return -1;
	}
	est_signer_attach(gw, sv[0], pid);
	log_info("enrollment: signer process %d started (as %s)", (int)pid,
		 u != NULL ? u->name : "this user");
	return 0;
}

bool est_signer_call(int *fd, const struct sign_req *rq, struct sign_answer *a, uint8_t *buf,
		     char *why, size_t cap)
{
	const char *bad = NULL;
	size_t n;
	ssize_t r;

	if (*fd < 0) {
		snprintf(why, cap, "the signer process is not running");
		return false;
	}
	n = sign_msg_req_encode(rq, buf, SIGN_MSG_MAX);
	if (n == 0) {
		snprintf(why, cap, "the request does not encode");
		return false;
	}
	do
		r = send(*fd, buf, n, MSG_NOSIGNAL);
	while (r < 0 && errno == EINTR);
	if (r == (ssize_t)n) {
		do
			r = recv(*fd, buf, SIGN_MSG_MAX, 0);
		while (r < 0 && errno == EINTR);
	} else {
		r = -1;
	}
	if (r <= 0) {
		snprintf(why, cap, "the signer process: %s", r == 0 ? "gone" : strerror(errno));
		/* Out of step or gone: never again. */
		close(*fd);
		*fd = -1;
		return false;
	}
	if (!sign_msg_answer_decode(buf, (size_t)r, a, &bad)) {
		snprintf(why, cap, "the signer's answer is malformed: %s", bad);
		return false;
	}
	return true;
}
