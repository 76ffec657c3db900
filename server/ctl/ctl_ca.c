/*
 * ctl_ca.c - "mtlsvpnctl ca ...": a small file-based certificate authority.
 * Every command takes the CA directory's lock first, checks the directory,
 * then writes each file atomically (certgen_file_write) so a crash leaves
 * either the old state or the new, never half of either. A failed issue
 * removes what it wrote: a certificate exists only if the index lists it.
 *
 * The CA directory (--dir, default /etc/mtlsvpn/ca, mode 0700):
 *   ca.crt            the root CA certificate: the trust anchor (PEM, 0644)
 *   ca.key            its private key (PEM, 0600, optionally encrypted)
 *   intermediate.crt  with "init --intermediate": the CA that issues,
 *   intermediate.key  signed by the root; the root key may then go offline
 *   index             the state file (common/pki/ca_index.h)
 *   crlnumber         the last CRL number used (decimal)
 *   crl.pem           the current CRL, rewritten by every revoke
 *   issued/           default --out for issued certificates and keys (0700)
 *   profiles/         default --out of "ca profile" (0700)
 *   .lock             flock()ed for the duration of every command
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

#include "ca_index.h"
#include "certgen.h"
#include "ctl_ca.h"
#include "ctl_cmd.h"
#include "identity.h"

#define CA_DEFAULT_NAME "mtlsvpn VPN CA"

/* s for an error message: control bytes as \xNN, so a typo cannot send
 * escape sequences to the terminal. Two static slots: one call per
 * message, or two. */
const char *ctl_ca_shown(const char *s)
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

bool ctl_ca_path(const struct ca_opts *o, char out[static PATH_MAX], const char *dir,
		 const char *name)
{
	int n = snprintf(out, PATH_MAX, "%s/%s", dir, name);

	if (n < 0 || n >= PATH_MAX) {
		ctl_errorf(&o->base, "path too long: %s/%s", dir, name);
		return false;
	}
	return true;
}

void ctl_ca_human_date(int64_t t, char out[static 32])
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (gmtime_r(&tt, &tm) == NULL || strftime(out, 32, "%Y-%m-%d %H:%M UTC", &tm) == 0)
		snprintf(out, 32, "@%lld", (long long)t);
}

/* A file name for an identity: letters, digits and "._@+-" stay, anything
 * else (and a leading '.') becomes %XX, so two identities never share a
 * file and none can climb out of the directory. */
void ctl_ca_safe_file_name(const char *s, char *out, size_t cap)
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

int ctl_ca_lock(const struct ca_opts *o)
{
	char path[PATH_MAX];
	int fd;

	if (!ctl_ca_path(o, path, o->dir, ".lock"))
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

int ctl_ca_index_load(const struct ca_opts *o, struct ca_index *ix)
{
	char path[PATH_MAX], err[CA_ERRLEN];

	if (!ctl_ca_path(o, path, o->dir, "index"))
		return -1;
	if (access(path, F_OK) < 0 && errno == ENOENT) {
		ctl_errorf(&o->base,
			   "%s does not exist; is %s a CA directory? Create one with "
			   "'mtlsvpnctl ca init --dir %s', or pass the right --dir",
			   path, o->dir, o->dir);
		return -1;
	}
	if (ca_index_load(path, ix, err, sizeof(err)) < 0) {
		ctl_errorf(&o->base, "%s", err);
		return -1;
	}
	return 0;
}

int ctl_ca_index_save(const struct ca_opts *o, const struct ca_index *ix)
{
	char path[PATH_MAX], err[CA_ERRLEN];

	if (!ctl_ca_path(o, path, o->dir, "index"))
		return -1;
	if (ca_index_save(path, ix, false, err, sizeof(err)) < 0) {
		ctl_errorf(&o->base, "%s (the index is unchanged)", err);
		return -1;
	}
	return 0;
}

void ctl_ca_rel_path(const char *dir, const char *cert_path, char out[static PATH_MAX])
{
	char real_dir[PATH_MAX], real_cert[PATH_MAX];
	const char *shown = cert_path;
	size_t dl;

	/* Relative to the CA directory when inside it, so the directory can
	 * be moved or restored elsewhere; absolute otherwise. */
	if (realpath(dir, real_dir) != NULL && realpath(cert_path, real_cert) != NULL) {
		dl = strlen(real_dir);
		shown = real_cert;
		if (strncmp(real_cert, real_dir, dl) == 0 && real_cert[dl] == '/')
			shown = real_cert + dl + 1;
	}
	snprintf(out, PATH_MAX, "%s", shown);
}

/* ---- the signer ---- */

void ctl_ca_signer_free(struct ca_signer *s)
{
	certgen_cert_free(&s->cert);
	certgen_key_free(s->key);
	free(s->chain_pem);
	memset(s, 0, sizeof(*s));
}

int ctl_ca_signer_load(const struct ca_opts *o, struct ca_signer *s)
{
	char crt_path[PATH_MAX], key_path[PATH_MAX], err[CA_ERRLEN], until[32];
	const char *base = "ca";

	memset(s, 0, sizeof(*s));
	if (!ctl_ca_path(o, crt_path, o->dir, "intermediate.crt"))
		return -1;
	if (access(crt_path, F_OK) == 0) {
		s->intermediate = true;
		base = "intermediate";
	}
	snprintf(err, sizeof(err), "%s.crt", base);
	if (!ctl_ca_path(o, crt_path, o->dir, err))
		return -1;
	snprintf(err, sizeof(err), "%s.key", base);
	if (!ctl_ca_path(o, key_path, o->dir, err))
		return -1;
	if (certgen_cert_load(crt_path, &s->cert, err, sizeof(err)) < 0) {
		ctl_errorf(&o->base, "%s", err);
		return -1;
	}
	if (s->intermediate) {
		s->chain_pem = certgen_pem_read(crt_path, &s->chain_pem_len, err, sizeof(err));
		if (s->chain_pem == NULL) {
			ctl_errorf(&o->base, "%s", err);
			goto fail;
		}
	}
	s->key = ctl_ca_key_load(o, key_path);
	if (s->key == NULL)
		goto fail;
	if (!certgen_key_matches(s->key, &s->cert)) {
		ctl_errorf(&o->base,
			   "%s is not the private key of %s; restore the pair from a "
			   "backup (they must come from the same 'ca init')",
			   key_path, crt_path);
		goto fail;
	}
	if (s->cert.not_after <= (int64_t)time(NULL)) {
		ctl_ca_human_date(s->cert.not_after, until);
		ctl_errorf(&o->base,
			   "the CA certificate %s expired on %s; create a new CA with "
			   "'mtlsvpnctl ca init' in another --dir",
			   crt_path, until);
		goto fail;
	}
	return 0;
fail:
	ctl_ca_signer_free(s);
	return -1;
}

/* ---- ca init ---- */

static int refuse_existing(const struct ca_opts *o)
{
	static const char *const files[] = {"ca.key", "ca.crt", "index", "intermediate.crt",
					    "intermediate.key"};
	char path[PATH_MAX];

	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		if (!ctl_ca_path(o, path, o->dir, files[i]))
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

/* One CA certificate and key: self-signed when parent is NULL. */
static int make_ca(const struct ca_opts *o, const struct certgen_req *req, struct ca_signer *parent,
		   const char *base, struct certgen_cert *cert, struct certgen_key **key,
		   char crt_path[static PATH_MAX], char key_path[static PATH_MAX])
{
	char name[32], err[CA_ERRLEN];

	snprintf(name, sizeof(name), "%s.crt", base);
	if (!ctl_ca_path(o, crt_path, o->dir, name))
		return -1;
	snprintf(name, sizeof(name), "%s.key", base);
	if (!ctl_ca_path(o, key_path, o->dir, name))
		return -1;
	*key = certgen_key_generate(o->key_type, err, sizeof(err));
	if (*key == NULL ||
	    certgen_issue(req, *key, parent != NULL ? &parent->cert : NULL,
			  parent != NULL ? parent->key : NULL, cert, err, sizeof(err)) < 0) {
		ctl_errorf(&o->base, "%s", err);
		return -1;
	}
	if (ctl_ca_key_write(o, *key, key_path) < 0)
		return -1;
	if (certgen_cert_write(cert, crt_path, err, sizeof(err)) < 0) {
		ctl_errorf(&o->base, "%s", err);
		unlink(key_path);
		return -1;
	}
	return 0;
}

int ctl_ca_run_init(const struct ctl_cmd *cmd, int argc, char **argv, void *ctx)
{
	struct ca_opts *o = ctx;
	struct certgen_req req = {.kind = CERTGEN_CA};
	struct ca_signer root = {0};
	struct certgen_cert inter = {0};
	struct certgen_key *inter_key = NULL;
	char key_path[PATH_MAX], crt_path[PATH_MAX], ikey_path[PATH_MAX] = "",
						     icrt_path[PATH_MAX] = "";
	char issued[PATH_MAX], idx_path[PATH_MAX], err[CA_ERRLEN], serial[41], fp[17], until[32];
	char iname[CERTGEN_NAME_MAX];
	struct ca_index ix = {0};
	const char *why = NULL;
	bool pass_failed = false, encrypted;
	char *pass;
	int rc = CTL_EXIT_FAIL;

	(void)cmd;
	(void)argc;
	(void)argv;
	req.cn = o->name != NULL ? o->name : CA_DEFAULT_NAME;
	req.days = o->days != 0 ? o->days : DAYS_CA;
	req.path_len = o->intermediate ? 1 : 0;
	if (!identity_valid(req.cn, strlen(req.cn), &why) ||
	    strlen(req.cn) >= CERTGEN_NAME_MAX - 16) {
		ctl_errorf(&o->base, "--name is refused: %s",
			   strlen(req.cn) >= CERTGEN_NAME_MAX - 16 ? "longer than 47 bytes" : why);
		return CTL_EXIT_USAGE;
	}
	pass = ctl_ca_passphrase(o, &pass_failed);
	if (pass_failed)
		return CTL_EXIT_FAIL;
	encrypted = pass != NULL;
	if (pass != NULL) {
		explicit_bzero(pass, strlen(pass));
		free(pass);
	}
	if (!ctl_ca_path(o, issued, o->dir, "issued") || !ctl_ca_path(o, idx_path, o->dir, "index"))
		return CTL_EXIT_FAIL;
	if (mkdir_p(o->dir, 0700) < 0) {
		ctl_errorf(&o->base, "cannot create the CA directory %s: %s", o->dir,
			   strerror(errno));
		return CTL_EXIT_FAIL;
	}
	if (ctl_ca_lock(o) < 0 || refuse_existing(o) < 0)
		return CTL_EXIT_FAIL;
	if (make_ca(o, &req, NULL, "ca", &root.cert, &root.key, crt_path, key_path) < 0)
		goto out;
	if (ca_index_init(&ix) < 0 || ca_index_add(&ix, &root.cert, CERTGEN_CA, "ca.crt", req.cn)) {
		ctl_errorf(&o->base, "out of memory");
		goto undo;
	}
	if (o->intermediate) {
		struct certgen_req ireq = {.kind = CERTGEN_CA, .path_len = 0};

		snprintf(iname, sizeof(iname), "%s Issuing", req.cn);
		ireq.cn = iname;
		/* The intermediate lives a little less than the root, so issued
		 * certificates are never capped by surprise. */
		ireq.days = req.days > 2 ? req.days - 1 : 1;
		if (make_ca(o, &ireq, &root, "intermediate", &inter, &inter_key, icrt_path,
			    ikey_path) < 0)
			goto undo;
		if (ca_index_add(&ix, &inter, CERTGEN_CA, "intermediate.crt", iname) < 0) {
			ctl_errorf(&o->base, "out of memory");
			goto undo;
		}
	}
	if (mkdir(issued, 0700) < 0 && errno != EEXIST) {
		ctl_errorf(&o->base, "cannot create %s: %s", issued, strerror(errno));
		goto undo;
	}
	if (ca_index_save(idx_path, &ix, true, err, sizeof(err)) < 0) {
		ctl_errorf(&o->base, "%s", err);
		goto undo;
	}
	certgen_serial_hex(&root.cert, serial);
	certgen_fingerprint(&root.cert, fp);
	ctl_ca_human_date(root.cert.not_after, until);
	printf("created CA \"%s\" in %s\n"
	       "  certificate  %s  (serial %s, fingerprint %s, valid until %s)\n"
	       "  private key  %s  (mode 0600%s: keep it offline if you can, back it up)\n",
	       req.cn, o->dir, crt_path, serial, fp, until, key_path,
	       encrypted ? ", encrypted" : "");
	if (o->intermediate) {
		certgen_serial_hex(&inter, serial);
		printf("  intermediate %s  (serial %s: \"%s\" signs every certificate and CRL)\n"
		       "  its key      %s  (mode 0600; %s is needed only to make a new "
		       "intermediate)\n",
		       icrt_path, serial, iname, ikey_path, key_path);
	}
	printf("Install %s on the gateway and every client as the trusted CA.\n", crt_path);
	rc = CTL_EXIT_OK;
	goto out;
undo:
	if (icrt_path[0] != 0) {
		unlink(icrt_path);
		unlink(ikey_path);
	}
	unlink(crt_path);
	unlink(key_path);
out:
	ca_index_free(&ix);
	certgen_cert_free(&inter);
	certgen_key_free(inter_key);
	ctl_ca_signer_free(&root);
	return rc;
}

/* ---- issuing ---- */

struct issue {
	struct certgen_req req;
	const char *file_base; /* already made file-name safe */
	const char *what;      /* "server", "client" */
};

/* The certificate file: the leaf, then the intermediate when there is one,
 * so a peer presenting the file presents its chain. */
static int write_chain(const struct ca_opts *o, const struct ca_signer *s,
		       const struct certgen_cert *cert, const char *path)
{
	size_t pem_len = 0;
	uint8_t *pem = certgen_cert_pem(cert, &pem_len), *all;
	char err[CA_ERRLEN];
	int rc;

	if (pem == NULL || (all = malloc(pem_len + s->chain_pem_len + 1)) == NULL) {
		free(pem);
		ctl_errorf(&o->base, "out of memory");
		return -1;
	}
	memcpy(all, pem, pem_len);
	if (s->chain_pem != NULL)
		memcpy(all + pem_len, s->chain_pem, s->chain_pem_len);
	free(pem);
	rc = certgen_file_write(path, all, pem_len + s->chain_pem_len, 0644, false, err,
				sizeof(err));
	free(all);
	if (rc < 0)
		ctl_errorf(&o->base, "%s", err);
	return rc;
}

static int issue_one(struct ca_opts *o, struct ca_signer *s, struct ca_index *ix, struct issue *is,
		     const char *out_dir, struct ca_issued *res)
{
	char name[PATH_MAX], rel[PATH_MAX], err[CA_ERRLEN], serial[41];
	struct certgen_key *key = NULL;
	bool from_csr = o->csr != NULL;
	int rc = -1;

	memset(res, 0, sizeof(*res));
	if (mkdir(out_dir, 0700) < 0 && errno != EEXIST) {
		ctl_errorf(&o->base, "cannot create the output directory %s: %s", out_dir,
			   strerror(errno));
		return -1;
	}
	snprintf(name, sizeof(name), "%s.crt", is->file_base);
	if (!ctl_ca_path(o, res->crt_path, out_dir, name))
		return -1;
	snprintf(name, sizeof(name), "%s.key", is->file_base);
	if (!ctl_ca_path(o, res->key_path, out_dir, name))
		return -1;
	if (access(res->crt_path, F_OK) == 0 || (!from_csr && access(res->key_path, F_OK) == 0)) {
		ctl_errorf(&o->base,
			   "%s already exists: a certificate for \"%s\" was issued before. "
			   "Remove it first if you mean to replace it, use 'ca renew', or "
			   "use --out to write the new one elsewhere.",
			   access(res->crt_path, F_OK) == 0 ? res->crt_path : res->key_path,
			   is->req.cn);
		return -1;
	}
	if (from_csr)
		key = certgen_csr_load(o->csr, is->req.cn, err, sizeof(err));
	else
		key = certgen_key_generate(o->key_type, err, sizeof(err));
	if (key == NULL ||
	    certgen_issue(&is->req, key, &s->cert, s->key, &res->cert, err, sizeof(err)) < 0) {
		ctl_errorf(&o->base, "%s", err);
		goto out;
	}
	certgen_serial_hex(&res->cert, serial);
	if (ca_index_find_serial(ix, serial) != NULL) {
		ctl_errorf(&o->base, "serial %s is already in the index; run the command again",
			   serial);
		goto out;
	}
	if (!from_csr && certgen_key_write(key, res->key_path, err, sizeof(err)) < 0) {
		ctl_errorf(&o->base, "%s", err);
		goto out;
	}
	if (write_chain(o, s, &res->cert, res->crt_path) < 0)
		goto undo_key;
	ctl_ca_rel_path(o->dir, res->crt_path, rel);
	if (ca_index_add(ix, &res->cert, is->req.kind, rel, is->req.cn) < 0) {
		ctl_errorf(&o->base, "out of memory");
		goto undo;
	}
	if (ctl_ca_index_save(o, ix) < 0) {
		ix->n--; /* the record just added; its strings are freed below */
		free(ix->recs[ix->n].file);
		free(ix->recs[ix->n].identity);
		goto undo;
	}
	if (from_csr)
		res->key_path[0] = 0;
	rc = 0;
	goto out;
undo:
	/* Not in the index, so not issued: take the files back. */
	unlink(res->crt_path);
undo_key:
	if (!from_csr)
		unlink(res->key_path);
out:
	if (rc < 0)
		certgen_cert_free(&res->cert);
	certgen_key_free(key);
	return rc;
}

static void print_issued(const struct issue *is, const struct ca_issued *res)
{
	char serial[41], fp[17], until[32];

	certgen_serial_hex(&res->cert, serial);
	certgen_fingerprint(&res->cert, fp);
	ctl_ca_human_date(res->cert.not_after, until);
	printf("issued %s certificate for \"%s\"\n"
	       "  certificate  %s  (serial %s, fingerprint %s, valid until %s)\n",
	       is->what, is->req.cn, res->crt_path, serial, fp, until);
	if (res->key_path[0] != 0)
		printf("  private key  %s  (mode 0600: move it to its owner, do not keep "
		       "copies)\n",
		       res->key_path);
	else
		printf("  private key  stays with the requester (certified from the CSR)\n");
}

int ctl_ca_issue_req(struct ca_opts *o, struct ca_signer *s, struct ca_index *ix,
		     const struct certgen_req *req, const char *out_dir, const char *file_base,
		     struct ca_issued *res)
{
	struct issue is = {.req = *req, .file_base = file_base};

	is.what = certgen_kind_name(req->kind);
	if (issue_one(o, s, ix, &is, out_dir, res) < 0)
		return -1;
	print_issued(&is, res);
	return 0;
}

static int do_issue(struct ca_opts *o, struct issue *is)
{
	char out_dir[PATH_MAX];
	struct ca_signer s = {0};
	struct ca_index ix = {0};
	struct ca_issued res;
	int rc = CTL_EXIT_FAIL;

	if (o->out != NULL)
		snprintf(out_dir, sizeof(out_dir), "%s", o->out);
	else if (!ctl_ca_path(o, out_dir, o->dir, "issued"))
		return CTL_EXIT_FAIL;
	if (ctl_ca_lock(o) < 0 || ctl_ca_index_load(o, &ix) < 0 || ctl_ca_signer_load(o, &s) < 0)
		goto out;
	if (issue_one(o, &s, &ix, is, out_dir, &res) < 0)
		goto out;
	print_issued(is, &res);
	certgen_cert_free(&res.cert);
	rc = CTL_EXIT_OK;
out:
	ca_index_free(&ix);
	ctl_ca_signer_free(&s);
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

int ctl_ca_run_issue_server(const struct ctl_cmd *cmd, int argc, char **argv, void *ctx)
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
			   ctl_ca_shown(name));
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
				   ctl_ca_shown(s));
			return CTL_EXIT_USAGE;
		}
	}
	is.req.cn = name;
	is.req.days = o->days != 0 ? o->days : DAYS_SERVER;
	ctl_ca_safe_file_name(name, base, sizeof(base));
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

/* The request for a client certificate; a CTL_EXIT_* status. */
static int client_req(const struct ca_opts *o, const char *id, const char *ou, struct issue *is)
{
	const char *why = NULL;

	memset(is, 0, sizeof(*is));
	is->req.kind = CERTGEN_CLIENT;
	is->what = "client";
	/* The gateway's own rules for an identity, so it will accept it. */
	if (!identity_valid(id, strlen(id), &why)) {
		ctl_errorf(&o->base, "IDENTITY is refused: %s", why);
		return CTL_EXIT_USAGE;
	}
	if (strlen(id) >= CERTGEN_NAME_MAX) {
		ctl_errorf(&o->base, "'%s' is longer than 63 bytes, the limit for a common name",
			   ctl_ca_shown(id));
		return CTL_EXIT_USAGE;
	}
	if (ou != NULL && !identity_valid(ou, strlen(ou), &why)) {
		ctl_errorf(&o->base, "--ou is refused: %s", why);
		return CTL_EXIT_USAGE;
	}
	if (ou != NULL && strlen(ou) >= CERTGEN_NAME_MAX) {
		ctl_errorf(&o->base, "--ou is longer than 63 bytes, the limit for a name");
		return CTL_EXIT_USAGE;
	}
	is->req.cn = id;
	is->req.ou = ou;
	if (looks_like_email(id)) {
		is->req.email[0] = id;
		is->req.n_email = 1;
	} else if (strchr(id, '@') != NULL) {
		fprintf(stderr,
			"%s: note: '%s' is not an ASCII e-mail address; it goes in the "
			"CN only, without a SAN e-mail\n",
			o->base.fullname, ctl_ca_shown(id));
	}
	is->req.days = o->days != 0 ? o->days : DAYS_CLIENT;
	return CTL_EXIT_OK;
}

int ctl_ca_issue_client(struct ca_opts *o, struct ca_signer *s, struct ca_index *ix,
			const char *identity, const char *ou, const char *out_dir,
			const char *file_base, struct ca_issued *res)
{
	char base[PATH_MAX];
	struct issue is;

	if (client_req(o, identity, ou, &is) != CTL_EXIT_OK)
		return -1;
	if (file_base == NULL) {
		ctl_ca_safe_file_name(identity, base, sizeof(base));
		file_base = base;
	}
	is.file_base = file_base;
	if (issue_one(o, s, ix, &is, out_dir, res) < 0)
		return -1;
	print_issued(&is, res);
	return 0;
}

int ctl_ca_run_issue_client(const struct ctl_cmd *cmd, int argc, char **argv, void *ctx)
{
	struct ca_opts *o = ctx;
	struct issue is;
	char base[PATH_MAX];
	int rc;

	(void)cmd;
	(void)argc;
	rc = client_req(o, argv[0], o->ou, &is);
	if (rc != CTL_EXIT_OK)
		return rc;
	ctl_ca_safe_file_name(argv[0], base, sizeof(base));
	is.file_base = base;
	return do_issue(o, &is);
}
