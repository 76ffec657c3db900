/*
 * ctl_ca.c - "mtlsvpnctl ca ...": a small file-based certificate authority.
 * Every command takes the CA directory's lock first, checks the directory,
 * then writes each file atomically (certgen_file_write) so a crash leaves
 * either the old state or the new, never half of either. A failed issue
 * removes what it wrote: a certificate exists only if the index lists it.
 *
 * The CA directory (--dir, default /etc/mtlsvpn/ca, mode 0700):
 *   ca.crt    the CA certificate (PEM, 0644)
 *   ca.key    its private key (PEM, 0600)
 *   index     the state file: every certificate issued (0644)
 *   issued/   default --out for issued certificates and keys (0700)
 *   .lock     flock()ed for the duration of every command
 * The index format is described in ctl_ca_index.h.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <arpa/inet.h>

#include "certgen.h"
#include "ctl_ca_index.h"
#include "ctl_cmd.h"
#include "identity.h"

#define CA_DEFAULT_DIR "/etc/mtlsvpn/ca"
#define CA_DEFAULT_NAME "mtlsvpn VPN CA"
#define ERRLEN 512

enum { DAYS_CA = 3650, DAYS_SERVER = 825, DAYS_CLIENT = 365 };

struct ca_opts {
	struct ctl_ctx base; /* first: see ctl_cmd.h */
	const char *dir, *out, *name, *ou;
	const char *sans[CERTGEN_MAX_SANS];
	unsigned n_sans;
	unsigned days;
	enum certgen_key_type key_type;
};

/* ---- options ---- */

/* s for an error message: control bytes as \xNN, so a typo cannot send
 * escape sequences to the terminal. Two static slots: one call per
 * message, or two. */
static const char *shown(const char *s)
{
	static char slots[2][256];
	static unsigned next;
	char *out = slots[next++ % 2];
	size_t w = 0;

	for (const unsigned char *p = (const unsigned char *)s; *p != 0 && w + 5 < 256; p++) {
		if (*p < 0x20 || *p == 0x7f)
			w += (size_t)snprintf(out + w, 256 - w, "\\x%02x", *p);
		else
			out[w++] = (char)*p;
	}
	out[w] = 0;
	return out;
}

static bool opt_dir(const char *v, void *ctx)
{
	((struct ca_opts *)ctx)->dir = v;
	return true;
}

static bool opt_out(const char *v, void *ctx)
{
	((struct ca_opts *)ctx)->out = v;
	return true;
}

static bool opt_name(const char *v, void *ctx)
{
	((struct ca_opts *)ctx)->name = v;
	return true;
}

static bool opt_ou(const char *v, void *ctx)
{
	((struct ca_opts *)ctx)->ou = v;
	return true;
}

static bool opt_days(const char *v, void *ctx)
{
	struct ca_opts *o = ctx;
	char *end;
	unsigned long d;

	errno = 0;
	d = strtoul(v, &end, 10);
	if (errno != 0 || end == v || *end != 0 || v[0] == '-' || d < 1 || d > 36500) {
		ctl_errorf(&o->base, "--days '%s': give a whole number of days from 1 to 36500",
			   shown(v));
		return false;
	}
	o->days = (unsigned)d;
	return true;
}

static bool opt_san(const char *v, void *ctx)
{
	struct ca_opts *o = ctx;

	/* One place is kept for NAME itself. */
	if (o->n_sans + 1 >= CERTGEN_MAX_SANS) {
		ctl_errorf(&o->base, "--san: at most %d names per certificate",
			   CERTGEN_MAX_SANS - 1);
		return false;
	}
	o->sans[o->n_sans++] = v;
	return true;
}

static bool opt_key_type(const char *v, void *ctx)
{
	struct ca_opts *o = ctx;

	if (!certgen_key_type_parse(v, &o->key_type)) {
		ctl_errorf(&o->base,
			   "--key-type '%s': use 'ec' (P-256, the default) or 'rsa' "
			   "(RSA-3072)",
			   shown(v));
		return false;
	}
	return true;
}

/* clang-format off */
#define OPT_DIR {"dir", 'd', "DIR", "CA directory (default " CA_DEFAULT_DIR ")", opt_dir}
#define OPT_OUT {"out", 'o', "DIR", "where to write NAME.crt and NAME.key (default DIR/issued)", \
		 opt_out}
#define OPT_KEY_TYPE {"key-type", 0, "ec|rsa", \
		      "key algorithm: ec (P-256, default) or rsa (RSA-3072)", opt_key_type}
#define OPT_HELP {"help", 'h', NULL, "show this help", ctl_opt_help}
#define OPT_END {NULL, 0, NULL, NULL, NULL}
/* clang-format on */

static const struct cli_opt init_opts[] = {
    OPT_DIR,
    {"name", 'n', "NAME", "the CA's common name (default \"" CA_DEFAULT_NAME "\")", opt_name},
    {"days", 0, "N", "validity in days (default 3650)", opt_days},
    OPT_KEY_TYPE,
    OPT_HELP,
    OPT_END,
};

static const struct cli_opt server_opts[] = {
    OPT_DIR,
    OPT_OUT,
    {"days", 0, "N", "validity in days (default 825; never past the CA's)", opt_days},
    {"san", 's', "DNS-or-IP", "another DNS name or IP address for the gateway (repeatable)",
     opt_san},
    OPT_KEY_TYPE,
    OPT_HELP,
    OPT_END,
};

static const struct cli_opt client_opts[] = {
    OPT_DIR,
    OPT_OUT,
    {"days", 0, "N", "validity in days (default 365; never past the CA's)", opt_days},
    {"ou", 0, "GROUP", "organizational unit in the subject (e.g. a team)", opt_ou},
    OPT_KEY_TYPE,
    OPT_HELP,
    OPT_END,
};

static void ca_opts_init(void *ctx)
{
	struct ca_opts *o = ctx;

	o->dir = CA_DEFAULT_DIR;
	o->key_type = CERTGEN_KEY_EC_P256;
}

/* ---- paths and small helpers ---- */

static bool path_join(const struct ca_opts *o, char out[static PATH_MAX], const char *dir,
		      const char *name)
{
	int n = snprintf(out, PATH_MAX, "%s/%s", dir, name);

	if (n < 0 || n >= PATH_MAX) {
		ctl_errorf(&o->base, "path too long: %s/%s", dir, name);
		return false;
	}
	return true;
}

static void human_date(int64_t t, char out[static 32])
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (gmtime_r(&tt, &tm) == NULL || strftime(out, 32, "%Y-%m-%d %H:%M UTC", &tm) == 0)
		snprintf(out, 32, "@%lld", (long long)t);
}

/* A file name for an identity: letters, digits and "._@+-" stay, anything
 * else (and a leading '.') becomes %XX, so two identities never share a
 * file and none can climb out of the directory. */
static void safe_file_name(const char *s, char *out, size_t cap)
{
	size_t w = 0;

	for (const unsigned char *p = (const unsigned char *)s; *p != 0 && w + 4 < cap; p++) {
		bool keep = (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
			    (*p >= '0' && *p <= '9') || (*p != 0 && strchr("_@+-", *p) != NULL) ||
			    (*p == '.' && p != (const unsigned char *)s);
		if (keep)
			out[w++] = (char)*p;
		else
			w += (size_t)snprintf(out + w, cap - w, "%%%02X", *p);
	}
	out[w] = 0;
}

/* A host name (RFC 1123 labels); a leading "*." only if wildcard. */
static bool hostname_ok(const char *s, bool wildcard)
{
	size_t len = strlen(s), label = 0;

	if (wildcard && strncmp(s, "*.", 2) == 0) {
		s += 2;
		len -= 2;
	}
	if (len == 0 || len > 253)
		return false;
	for (const char *p = s; *p != 0; p++) {
		if (*p == '.') {
			if (label == 0 || p[-1] == '-')
				return false;
			label = 0;
			continue;
		}
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		      (*p >= '0' && *p <= '9') || *p == '-'))
			return false;
		if ((label == 0 && *p == '-') || ++label > 63)
			return false;
	}
	return label > 0 && s[len - 1] != '-';
}

static bool is_ip(const char *s)
{
	uint8_t a[16];

	return inet_pton(AF_INET, s, a) == 1 || inet_pton(AF_INET6, s, a) == 1;
}

/* mkdir -p; the last component gets mode, parents 0755. */
static int mkdir_p(const char *path, mode_t mode)
{
	char tmp[PATH_MAX];
	struct stat st;

	if (snprintf(tmp, sizeof(tmp), "%s", path) >= (int)sizeof(tmp)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	for (char *p = tmp + 1; *p != 0; p++) {
		if (*p != '/')
			continue;
		*p = 0;
		if (mkdir(tmp, 0755) < 0 && errno != EEXIST)
			return -1;
		*p = '/';
	}
	if (mkdir(tmp, mode) < 0 && errno != EEXIST)
		return -1;
	if (stat(tmp, &st) < 0)
		return -1;
	if (!S_ISDIR(st.st_mode)) {
		errno = ENOTDIR;
		return -1;
	}
	return 0;
}

/* Takes DIR/.lock for the life of the process (closed by exit). */
static int ca_lock(const struct ca_opts *o)
{
	char path[PATH_MAX];
	int fd;

	if (!path_join(o, path, o->dir, ".lock"))
		return -1;
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0 && errno == ENOENT) {
		ctl_errorf(&o->base,
			   "%s does not exist: create a CA with 'mtlsvpnctl ca init "
			   "--dir %s', or pass the right --dir",
			   o->dir, o->dir);
		return -1;
	}
	if (fd < 0) {
		ctl_errorf(&o->base, "cannot open %s: %s (is %s a CA directory you may write?)",
			   path, strerror(errno), o->dir);
		return -1;
	}
	if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
		fprintf(stderr, "%s: waiting for another mtlsvpnctl working on %s\n",
			o->base.fullname, o->dir);
		if (flock(fd, LOCK_EX) < 0) {
			ctl_errorf(&o->base, "cannot lock %s: %s", path, strerror(errno));
			close(fd);
			return -1;
		}
	}
	return fd;
}

/* ---- ca init ---- */

static int refuse_existing(const struct ca_opts *o)
{
	static const char *const files[] = {"ca.key", "ca.crt", "index"};
	char path[PATH_MAX];

	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		if (!path_join(o, path, o->dir, files[i]))
			return -1;
		if (access(path, F_OK) == 0) {
			ctl_errorf(&o->base,
				   "%s already exists: %s already holds a CA. Refusing to "
				   "overwrite it (every certificate it issued would stop "
				   "verifying). Pick another --dir, or move %s away first.",
				   path, o->dir, o->dir);
			return -1;
		}
	}
	return 0;
}

static int run_init(const struct ctl_cmd *cmd, int argc, char **argv, void *ctx)
{
	struct ca_opts *o = ctx;
	struct certgen_req req = {.kind = CERTGEN_CA};
	struct certgen_cert cert = {0};
	struct certgen_key *key = NULL;
	char key_path[PATH_MAX], crt_path[PATH_MAX], issued[PATH_MAX], err[ERRLEN];
	char head[512], line[PATH_MAX * 4], serial[41], fp[17], until[32];
	struct ctl_ca_index ix;
	const char *why = NULL;
	int rc = CTL_EXIT_FAIL;

	(void)cmd;
	(void)argc;
	(void)argv;
	req.cn = o->name != NULL ? o->name : CA_DEFAULT_NAME;
	req.days = o->days != 0 ? o->days : DAYS_CA;
	if (!identity_valid(req.cn, strlen(req.cn), &why) || strlen(req.cn) >= CERTGEN_NAME_MAX) {
		ctl_errorf(&o->base, "--name is refused: %s",
			   strlen(req.cn) >= CERTGEN_NAME_MAX ? "longer than 63 bytes" : why);
		return CTL_EXIT_USAGE;
	}
	if (!path_join(o, key_path, o->dir, "ca.key") ||
	    !path_join(o, crt_path, o->dir, "ca.crt") || !path_join(o, issued, o->dir, "issued"))
		return CTL_EXIT_FAIL;
	if (mkdir_p(o->dir, 0700) < 0) {
		ctl_errorf(&o->base, "cannot create the CA directory %s: %s", o->dir,
			   strerror(errno));
		return CTL_EXIT_FAIL;
	}
	if (ca_lock(o) < 0 || refuse_existing(o) < 0)
		return CTL_EXIT_FAIL;
	key = certgen_key_generate(o->key_type, err, sizeof(err));
	if (key == NULL || certgen_issue(&req, key, NULL, NULL, &cert, err, sizeof(err)) < 0) {
		ctl_errorf(&o->base, "%s", err);
		goto out;
	}
	if (certgen_key_write(key, key_path, err, sizeof(err)) < 0) {
		ctl_errorf(&o->base, "%s", err);
		goto out;
	}
	if (certgen_cert_write(&cert, crt_path, err, sizeof(err)) < 0) {
		ctl_errorf(&o->base, "%s", err);
		unlink(key_path);
		goto out;
	}
	if (mkdir(issued, 0700) < 0 && errno != EEXIST) {
		ctl_errorf(&o->base, "cannot create %s: %s", issued, strerror(errno));
		goto undo;
	}
	snprintf(head, sizeof(head),
		 "%s\n# mtlsvpnctl CA state; format described in server/ctl_ca_index.h.\n"
		 "# status serial kind not_before not_after revoked reason file identity\n",
		 CTL_CA_INDEX_MAGIC);
	ix.text = head;
	ix.len = strlen(head);
	ctl_ca_index_line(o->dir, &cert, CERTGEN_CA, crt_path, req.cn, line, sizeof(line));
	if (ctl_ca_index_write(&o->base, o->dir, &ix, line, true) < 0)
		goto undo;
	certgen_serial_hex(&cert, serial);
	certgen_fingerprint(&cert, fp);
	human_date(cert.not_after, until);
	printf("created CA \"%s\" in %s\n"
	       "  certificate  %s  (serial %s, fingerprint %s, valid until %s)\n"
	       "  private key  %s  (mode 0600: keep it offline if you can, back it up)\n"
	       "Install %s on the gateway and every client as the trusted CA.\n",
	       req.cn, o->dir, crt_path, serial, fp, until, key_path, crt_path);
	rc = CTL_EXIT_OK;
	goto out;
undo:
	unlink(crt_path);
	unlink(key_path);
out:
	certgen_cert_free(&cert);
	certgen_key_free(key);
	return rc;
}

/* ---- issuing ---- */

struct issue {
	struct certgen_req req;
	const char *file_base; /* already made file-name safe */
	const char *what;      /* "server", "client" */
};

static int load_ca(const struct ca_opts *o, struct certgen_cert *ca, struct certgen_key **key)
{
	char crt_path[PATH_MAX], key_path[PATH_MAX], err[ERRLEN], until[32];

	if (!path_join(o, crt_path, o->dir, "ca.crt") || !path_join(o, key_path, o->dir, "ca.key"))
		return -1;
	if (certgen_cert_load(crt_path, ca, err, sizeof(err)) < 0) {
		ctl_errorf(&o->base, "%s", err);
		return -1;
	}
	*key = certgen_key_load(key_path, err, sizeof(err));
	if (*key == NULL) {
		ctl_errorf(&o->base, "%s", err);
		certgen_cert_free(ca);
		return -1;
	}
	if (!certgen_key_matches(*key, ca)) {
		ctl_errorf(&o->base,
			   "%s is not the private key of %s; restore the pair from a "
			   "backup (they must come from the same 'ca init')",
			   key_path, crt_path);
		goto fail;
	}
	if (ca->not_after <= (int64_t)time(NULL)) {
		human_date(ca->not_after, until);
		ctl_errorf(&o->base,
			   "the CA certificate %s expired on %s; create a new CA with "
			   "'mtlsvpnctl ca init' in another --dir",
			   crt_path, until);
		goto fail;
	}
	return 0;
fail:
	certgen_key_free(*key);
	*key = NULL;
	certgen_cert_free(ca);
	return -1;
}

static int do_issue(struct ca_opts *o, struct issue *is)
{
	char out_dir[PATH_MAX], crt_path[PATH_MAX], key_path[PATH_MAX], name[PATH_MAX];
	char err[ERRLEN], line[PATH_MAX * 4], serial[41], fp[17], until[32];
	struct certgen_cert ca = {0}, cert = {0};
	struct certgen_key *ca_key = NULL, *key = NULL;
	struct ctl_ca_index ix = {0};
	int rc = CTL_EXIT_FAIL;

	if (o->out != NULL)
		snprintf(out_dir, sizeof(out_dir), "%s", o->out);
	else if (!path_join(o, out_dir, o->dir, "issued"))
		return CTL_EXIT_FAIL;
	if (ca_lock(o) < 0 || ctl_ca_index_load(&o->base, o->dir, &ix) < 0 ||
	    load_ca(o, &ca, &ca_key) < 0)
		goto out;
	if (mkdir(out_dir, 0700) < 0 && errno != EEXIST) {
		ctl_errorf(&o->base, "cannot create the output directory %s: %s", out_dir,
			   strerror(errno));
		goto out;
	}
	snprintf(name, sizeof(name), "%s.crt", is->file_base);
	if (!path_join(o, crt_path, out_dir, name))
		goto out;
	snprintf(name, sizeof(name), "%s.key", is->file_base);
	if (!path_join(o, key_path, out_dir, name))
		goto out;
	if (access(crt_path, F_OK) == 0 || access(key_path, F_OK) == 0) {
		ctl_errorf(&o->base,
			   "%s already exists: a certificate for \"%s\" was issued before. "
			   "Remove %s and %s first if you mean to replace it, or use --out "
			   "to write the new one elsewhere.",
			   access(crt_path, F_OK) == 0 ? crt_path : key_path, is->req.cn, crt_path,
			   key_path);
		goto out;
	}
	key = certgen_key_generate(o->key_type, err, sizeof(err));
	if (key == NULL || certgen_issue(&is->req, key, &ca, ca_key, &cert, err, sizeof(err)) < 0) {
		ctl_errorf(&o->base, "%s", err);
		goto out;
	}
	certgen_serial_hex(&cert, serial);
	if (ctl_ca_index_has_serial(&ix, serial)) {
		ctl_errorf(&o->base, "serial %s is already in the index; run the command again",
			   serial);
		goto out;
	}
	if (certgen_key_write(key, key_path, err, sizeof(err)) < 0) {
		ctl_errorf(&o->base, "%s", err);
		goto out;
	}
	if (certgen_cert_write(&cert, crt_path, err, sizeof(err)) < 0) {
		ctl_errorf(&o->base, "%s", err);
		unlink(key_path);
		goto out;
	}
	ctl_ca_index_line(o->dir, &cert, is->req.kind, crt_path, is->req.cn, line, sizeof(line));
	if (ctl_ca_index_write(&o->base, o->dir, &ix, line, false) < 0) {
		/* Not in the index, so not issued: take the files back. */
		unlink(crt_path);
		unlink(key_path);
		goto out;
	}
	certgen_fingerprint(&cert, fp);
	human_date(cert.not_after, until);
	printf("issued %s certificate for \"%s\"\n"
	       "  certificate  %s  (serial %s, fingerprint %s, valid until %s)\n"
	       "  private key  %s  (mode 0600: move it to its owner, do not keep copies)\n",
	       is->what, is->req.cn, crt_path, serial, fp, until, key_path);
	rc = CTL_EXIT_OK;
out:
	ctl_ca_index_free(&ix);
	certgen_cert_free(&cert);
	certgen_cert_free(&ca);
	certgen_key_free(key);
	certgen_key_free(ca_key);
	return rc;
}

static bool add_unique(const char **list, size_t *n, const char *s)
{
	for (size_t i = 0; i < *n; i++) {
		if (strcasecmp(list[i], s) == 0)
			return true;
	}
	if (*n >= CERTGEN_MAX_SANS)
		return false;
	list[(*n)++] = s;
	return true;
}

static int run_issue_server(const struct ctl_cmd *cmd, int argc, char **argv, void *ctx)
{
	struct ca_opts *o = ctx;
	struct issue is = {.req = {.kind = CERTGEN_SERVER}, .what = "server"};
	char base[PATH_MAX];
	const char *name = argv[0];

	(void)cmd;
	(void)argc;
	if (!is_ip(name) && !hostname_ok(name, false)) {
		ctl_errorf(&o->base,
			   "'%s' is neither a DNS host name (letters, digits, '-', "
			   "dots) nor an IP address: give the name clients connect to",
			   shown(name));
		return CTL_EXIT_USAGE;
	}
	if (strlen(name) >= CERTGEN_NAME_MAX) {
		ctl_errorf(&o->base,
			   "'%s' is longer than 63 bytes, the limit for a common "
			   "name; use a short NAME and give this one with --san",
			   name);
		return CTL_EXIT_USAGE;
	}
	for (unsigned i = 0; i <= o->n_sans; i++) {
		const char *s = i == 0 ? name : o->sans[i - 1];

		if (is_ip(s)) {
			add_unique(is.req.ip, &is.req.n_ip, s);
		} else if (hostname_ok(s, true)) {
			add_unique(is.req.dns, &is.req.n_dns, s);
		} else {
			ctl_errorf(&o->base, "--san '%s' is neither a DNS name nor an IP address",
				   shown(s));
			return CTL_EXIT_USAGE;
		}
	}
	is.req.cn = name;
	is.req.days = o->days != 0 ? o->days : DAYS_SERVER;
	safe_file_name(name, base, sizeof(base));
	is.file_base = base;
	return do_issue(o, &is);
}

/* A SAN rfc822Name is ASCII: local@domain without spaces. */
static bool looks_like_email(const char *s)
{
	const char *at = strchr(s, '@');

	if (at == NULL || at == s || at[1] == 0 || strchr(at + 1, '@') != NULL)
		return false;
	for (; *s != 0; s++) {
		if ((unsigned char)*s <= 0x20 || (unsigned char)*s >= 0x7f)
			return false;
	}
	return true;
}

static int run_issue_client(const struct ctl_cmd *cmd, int argc, char **argv, void *ctx)
{
	struct ca_opts *o = ctx;
	struct issue is = {.req = {.kind = CERTGEN_CLIENT}, .what = "client"};
	const char *id = argv[0], *why = NULL;
	char base[PATH_MAX];

	(void)cmd;
	(void)argc;
	/* The gateway's own rules for an identity, so it will accept it. */
	if (!identity_valid(id, strlen(id), &why)) {
		ctl_errorf(&o->base, "IDENTITY is refused: %s", why);
		return CTL_EXIT_USAGE;
	}
	if (strlen(id) >= CERTGEN_NAME_MAX) {
		ctl_errorf(&o->base, "'%s' is longer than 63 bytes, the limit for a common name",
			   id);
		return CTL_EXIT_USAGE;
	}
	if (o->ou != NULL && !identity_valid(o->ou, strlen(o->ou), &why)) {
		ctl_errorf(&o->base, "--ou is refused: %s", why);
		return CTL_EXIT_USAGE;
	}
	if (o->ou != NULL && strlen(o->ou) >= CERTGEN_NAME_MAX) {
		ctl_errorf(&o->base, "--ou is longer than 63 bytes, the limit for a name");
		return CTL_EXIT_USAGE;
	}
	is.req.cn = id;
	is.req.ou = o->ou;
	if (looks_like_email(id)) {
		is.req.email[0] = id;
		is.req.n_email = 1;
	} else if (strchr(id, '@') != NULL) {
		fprintf(stderr,
			"%s: note: '%s' is not an ASCII e-mail address; it goes in the "
			"CN only, without a SAN e-mail\n",
			o->base.fullname, id);
	}
	is.req.days = o->days != 0 ? o->days : DAYS_CLIENT;
	safe_file_name(id, base, sizeof(base));
	is.file_base = base;
	return do_issue(o, &is);
}

const struct ctl_cmd ctl_ca_cmds[] = {
    {"init", "", 0, 0, "create a CA: key, certificate, state", init_opts, run_init,
     sizeof(struct ca_opts), ca_opts_init},
    {"issue-server", "NAME", 1, 1, "issue a gateway certificate (NAME: DNS name or IP)",
     server_opts, run_issue_server, sizeof(struct ca_opts), ca_opts_init},
    {"issue-client", "IDENTITY", 1, 1, "issue a client certificate with CN=IDENTITY", client_opts,
     run_issue_client, sizeof(struct ca_opts), ca_opts_init},
    {NULL, NULL, 0, 0, NULL, NULL, NULL, 0, NULL},
};
