/*
 * ctl_ca_renew.c - "ca renew" (a new key and certificate for the same
 * identity, kind, OU and alternative names; optionally the old one revoked
 * as superseded) and "ca profile" (the one file an employee gets: client
 * INI with the CA, the certificate chain and the key embedded, mode 0600).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "ca_index.h"
#include "certgen.h"
#include "config_profile.h"
#include "ctl_ca.h"

/* The record a SERIAL|IDENTITY argument names: the serial if it is one,
 * else the newest valid certificate of that identity (not a CA). */
static struct ca_index_rec *find_target(const struct ca_index *ix, const char *arg, int64_t now)
{
	struct ca_index_rec *r = ca_index_find_serial(ix, arg);

	if (r != NULL)
		return r;
	for (size_t i = ix->n; i-- > 0;) {
		r = &ix->recs[i];
		if (r->raw == NULL && r->kind != CERTGEN_CA && strcmp(r->identity, arg) == 0 &&
		    ca_index_is_valid(r, now))
			return r;
	}
	return NULL;
}

bool ctl_ca_rec_path(const struct ca_opts *o, const struct ca_index_rec *r, const char *ext,
		     char out[static PATH_MAX])
{
	char tmp[PATH_MAX];
	size_t n;

	if (r->file[0] == '/')
		snprintf(tmp, sizeof(tmp), "%s", r->file);
	else if (!ctl_ca_path(o, tmp, o->dir, r->file))
		return false;
	n = strlen(tmp);
	if (ext != NULL && n > 4 && strcmp(tmp + n - 4, ".crt") == 0)
		snprintf(tmp + n - 4, sizeof(tmp) - (n - 4), "%s", ext);
	snprintf(out, PATH_MAX, "%s", tmp);
	return true;
}

/* NAME-YYYYMMDDHHMMSS: a renewed certificate never takes the old one's
 * file name. */
static void renewed_base(const char *identity, char *out, size_t cap)
{
	char safe[PATH_MAX], ts[16];

	ctl_ca_safe_file_name(identity, safe, sizeof(safe));
	ca_index_format_time((int64_t)time(NULL), ts);
	ts[14] = 0;
	snprintf(out, cap, "%.200s-%s", safe, ts);
}

int ctl_ca_run_renew(const struct ctl_cmd *cmd, int argc, char **argv, void *ctx)
{
	struct ca_opts *o = ctx;
	char arg[CA_INDEX_SERIAL_MAX + 256], path[PATH_MAX], out_dir[PATH_MAX], base[PATH_MAX];
	char err[CA_ERRLEN], old_serial[CA_INDEX_SERIAL_MAX];
	struct certgen_req_copy rc_req;
	struct certgen_cert old = {0};
	struct ca_signer s = {0};
	struct ca_index ix = {0};
	struct ca_issued res = {0};
	struct ca_index_rec *r;
	int64_t now = (int64_t)time(NULL);
	int rc = CTL_EXIT_FAIL;

	(void)cmd;
	(void)argc;
	snprintf(arg, sizeof(arg), "%s", argv[0]);
	if (o->out != NULL)
		snprintf(out_dir, sizeof(out_dir), "%s", o->out);
	else if (!ctl_ca_path(o, out_dir, o->dir, "issued"))
		return CTL_EXIT_FAIL;
	if (ctl_ca_lock(o) < 0 || ctl_ca_index_load(o, &ix) < 0 || ctl_ca_signer_load(o, &s) < 0)
		goto out;
	r = find_target(&ix, arg, now);
	if (r == NULL || r->kind == CERTGEN_CA) {
		ctl_errorf(&o->base,
			   "'%s' is neither the serial of a server or client certificate nor "
			   "an identity with a valid one; see 'mtlsvpnctl ca list'",
			   ctl_ca_shown(arg));
		goto out;
	}
	if (r->status == 'R') {
		ctl_errorf(&o->base,
			   "%s is revoked (%s); issue a new certificate with issue-client or "
			   "issue-server instead of renewing it",
			   r->serial, r->reason);
		goto out;
	}
	snprintf(old_serial, sizeof(old_serial), "%s", r->serial);
	if (!ctl_ca_rec_path(o, r, NULL, path))
		goto out;
	if (certgen_cert_load(path, &old, err, sizeof(err)) < 0 ||
	    certgen_req_from_cert(&old, r->kind, &rc_req, err, sizeof(err)) < 0) {
		ctl_errorf(&o->base, "%s", err);
		goto out;
	}
	rc_req.req.days = o->days != 0		      ? o->days
			  : r->kind == CERTGEN_SERVER ? DAYS_SERVER
						      : DAYS_CLIENT;
	renewed_base(r->identity, base, sizeof(base));
	if (ctl_ca_issue_req(o, &s, &ix, &rc_req.req, out_dir, base, &res) < 0)
		goto out;
	if (o->revoke_old) {
		/* r may have moved: issuing appended to ix. */
		r = ca_index_find_serial(&ix, old_serial);
		if (r != NULL && ca_index_revoke(r, now, "superseded")) {
			if (ctl_ca_index_save(o, &ix) < 0 ||
			    ctl_ca_crl_write(o, &s, &ix, CA_CRL_DAYS, NULL) < 0)
				goto out;
			printf("revoked the old certificate %s (superseded)\n", old_serial);
		}
	} else {
		printf("the old certificate %s stays valid until it expires; revoke it with "
		       "'mtlsvpnctl ca revoke %s --reason superseded' once the new one is in "
		       "place\n",
		       old_serial, old_serial);
	}
	rc = CTL_EXIT_OK;
out:
	certgen_cert_free(&res.cert);
	certgen_cert_free(&old);
	ca_index_free(&ix);
	ctl_ca_signer_free(&s);
	return rc;
}

/* ---- profile ---- */

static char *read_text(const struct ca_opts *o, const char *path)
{
	char err[CA_ERRLEN];
	size_t len;
	uint8_t *t = certgen_pem_read(path, &len, err, sizeof(err));

	if (t == NULL)
		ctl_errorf(&o->base, "%s", err);
	return (char *)t;
}

static void wipe_free(char *s)
{
	if (s != NULL) {
		explicit_bzero(s, strlen(s));
		free(s);
	}
}

/* The certificate and key to embed: --cert/--key, the valid client
 * certificate of identity whose key is still in the CA directory, or a
 * fresh one. */
static int pick_cert(struct ca_opts *o, const char *identity, char cert[static PATH_MAX],
		     char key[static PATH_MAX])
{
	struct ca_signer s = {0};
	struct ca_index ix = {0};
	struct ca_issued res = {0};
	struct ca_index_rec *r = NULL;
	int64_t now = (int64_t)time(NULL);
	char out_dir[PATH_MAX], base[PATH_MAX];
	int rc = -1;

	if ((o->cert == NULL) != (o->key == NULL)) {
		ctl_errorf(&o->base, "give --cert and --key together, or neither");
		return -1;
	}
	if (o->cert != NULL) {
		snprintf(cert, PATH_MAX, "%s", o->cert);
		snprintf(key, PATH_MAX, "%s", o->key);
		return 0;
	}
	if (ctl_ca_index_load(o, &ix) < 0)
		return -1;
	for (size_t i = ix.n; i-- > 0 && r == NULL;) {
		struct ca_index_rec *c = &ix.recs[i];

		if (c->raw == NULL && c->kind == CERTGEN_CLIENT &&
		    strcmp(c->identity, identity) == 0 && ca_index_is_valid(c, now) &&
		    ctl_ca_rec_path(o, c, NULL, cert) && ctl_ca_rec_path(o, c, ".key", key) &&
		    access(key, R_OK) == 0)
			r = c;
	}
	if (r != NULL) {
		printf("embedding the valid certificate %s of \"%s\"\n", r->serial,
		       ctl_ca_shown(identity));
		rc = 0;
		goto out;
	}
	if (ctl_ca_signer_load(o, &s) < 0 || !ctl_ca_path(o, out_dir, o->dir, "issued"))
		goto out;
	ctl_ca_safe_file_name(identity, base, sizeof(base));
	snprintf(key, PATH_MAX, "%.200s.crt", base);
	if (!ctl_ca_path(o, cert, out_dir, key))
		goto out;
	if (access(cert, F_OK) == 0)
		renewed_base(identity, base, sizeof(base));
	if (ctl_ca_issue_client(o, &s, &ix, identity, o->ou, out_dir, base, &res) < 0)
		goto out;
	snprintf(cert, PATH_MAX, "%s", res.crt_path);
	snprintf(key, PATH_MAX, "%s", res.key_path);
	rc = 0;
out:
	certgen_cert_free(&res.cert);
	ca_index_free(&ix);
	ctl_ca_signer_free(&s);
	return rc;
}

int ctl_ca_run_profile(const struct ctl_cmd *cmd, int argc, char **argv, void *ctx)
{
	struct ca_opts *o = ctx;
	const char *identity = argv[0];
	char cert[PATH_MAX], key[PATH_MAX], ca[PATH_MAX], out[PATH_MAX], dir[PATH_MAX];
	char err[CA_ERRLEN], base[PATH_MAX];
	const char *file;
	struct config_profile p = {.identity = identity};
	char *ca_pem = NULL, *cert_pem = NULL, *key_pem = NULL;
	struct certgen_cert c = {0};
	struct certgen_key *k = NULL;
	int rc = CTL_EXIT_FAIL;

	(void)cmd;
	(void)argc;
	if (o->gateway == NULL) {
		ctl_errorf(&o->base, "--gateway HOST[:PORT] is required: the address the client "
				     "connects to");
		return CTL_EXIT_USAGE;
	}
	if (o->csr != NULL) {
		ctl_errorf(&o->base,
			   "a profile embeds a private key; it cannot be made from a CSR");
		return CTL_EXIT_USAGE;
	}
	if (o->out != NULL) {
		snprintf(out, sizeof(out), "%s", o->out);
	} else {
		if (!ctl_ca_path(o, dir, o->dir, "profiles"))
			return CTL_EXIT_FAIL;
		ctl_ca_safe_file_name(identity, base, sizeof(base));
		snprintf(err, sizeof(err), "%.200s.profile", base);
		if (!ctl_ca_path(o, out, dir, err))
			return CTL_EXIT_FAIL;
	}
	if (!ctl_ca_path(o, ca, o->dir, "ca.crt") || ctl_ca_lock(o) < 0)
		return CTL_EXIT_FAIL;
	if (o->out == NULL && mkdir(dir, 0700) < 0 && errno != EEXIST) {
		ctl_errorf(&o->base, "cannot create %s: %s", dir, strerror(errno));
		return CTL_EXIT_FAIL;
	}
	if (pick_cert(o, identity, cert, key) < 0)
		goto out;
	/* The pair must match, or the employee gets a file that cannot work. */
	if (certgen_cert_load(cert, &c, err, sizeof(err)) < 0 ||
	    (k = certgen_key_load(key, err, sizeof(err))) == NULL) {
		ctl_errorf(&o->base, "%s", err);
		goto out;
	}
	if (!certgen_key_matches(k, &c)) {
		ctl_errorf(&o->base, "%s is not the private key of %s", key, cert);
		goto out;
	}
	ca_pem = read_text(o, ca);
	cert_pem = ca_pem != NULL ? read_text(o, cert) : NULL;
	key_pem = cert_pem != NULL ? read_text(o, key) : NULL;
	if (key_pem == NULL)
		goto out;
	p.gateway = o->gateway;
	p.server_name = o->server_name;
	p.ca_pem = ca_pem;
	p.cert_pem = cert_pem;
	p.key_pem = key_pem;
	if (config_profile_write(out, &p, err, sizeof(err)) < 0) {
		ctl_errorf(&o->base, "%s", err);
		goto out;
	}
	/* The path is the admin's; the employee runs it on their laptop. */
	file = strrchr(out, '/') != NULL ? strrchr(out, '/') + 1 : out;
	printf("wrote the profile of \"%s\" to %s (mode 0600; it holds the private key)\n"
	       "Give it to its owner only: copy %s to the laptop (mode 0600) and run: "
	       "mtlsvpn-client -c %s\n",
	       ctl_ca_shown(identity), out, file, file);
	rc = CTL_EXIT_OK;
out:
	certgen_cert_free(&c);
	certgen_key_free(k);
	wipe_free(ca_pem);
	wipe_free(cert_pem);
	wipe_free(key_pem);
	return rc;
}
