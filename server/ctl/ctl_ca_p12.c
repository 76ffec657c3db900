/*
 * ctl_ca_p12.c - "mtlsvpnctl ca export-p12 IDENTITY": the newest valid
 * client certificate of IDENTITY, its chain up to the root and its private
 * key in one PKCS#12 file (common/pki/p12.h) under a passphrase, written
 * atomically with mode 0600, for clients and key stores that import
 * PKCS#12 (OpenConnect/AnyConnect on Windows, macOS, Android, iOS). Only a
 * key the CA holds can be exported: one made elsewhere (ca csr, a PKCS#11
 * token) is refused.
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "atomic_file.h"
#include "ca_index.h"
#include "certgen.h"
#include "ctl_ca.h"
#include "p12.h"
#include "secret.h"

#define CHAIN_MAX (P12_CHAIN_MAX + 1)

/* The newest valid client certificate of identity, or NULL. */
static const struct ca_index_rec *newest_client(const struct ca_index *ix, const char *identity)
{
	int64_t now = (int64_t)time(NULL);

	for (size_t i = ix->n; i-- > 0;) {
		const struct ca_index_rec *r = &ix->recs[i];

		if (r->raw == NULL && r->kind == CERTGEN_CLIENT &&
		    strcmp(r->identity, identity) == 0 && ca_index_is_valid(r, now))
			return r;
	}
	return NULL;
}

/* The passphrase of the file: --passphrase-file, --passphrase-stdin, or
 * asked twice on the terminal. CTL_EXIT_*. */
static int read_pass(const struct ca_opts *o, char *pass, size_t cap)
{
	char err[CA_ERRLEN], again[SECRET_MAX + 1];
	int rc;

	if (o->passphrase_file != NULL || o->passphrase_stdin) {
		const char *path = o->passphrase_file != NULL ? o->passphrase_file : "/dev/stdin";

		if (secret_read_file(path, pass, cap, err, sizeof(err)) < 0) {
			ctl_errorf(&o->base, "%s: %s",
				   o->passphrase_file != NULL ? "--passphrase-file"
							      : "--passphrase-stdin",
				   err);
			return CTL_EXIT_USAGE;
		}
		return CTL_EXIT_OK;
	}
	if (secret_source_now() != SECRET_TTY) {
		ctl_errorf(&o->base, "a passphrase is required: give --passphrase-file FILE or "
				     "--passphrase-stdin (stdin is not a terminal to ask on)");
		return CTL_EXIT_USAGE;
	}
	if (secret_ask("Passphrase for the PKCS#12 file: ", pass, cap, err, sizeof(err)) < 0 ||
	    secret_ask("The same passphrase again: ", again, sizeof(again), err, sizeof(err)) < 0) {
		ctl_errorf(&o->base, "%s", err);
		secret_wipe(pass, cap);
		return CTL_EXIT_USAGE;
	}
	rc = strcmp(pass, again) == 0 ? CTL_EXIT_OK : CTL_EXIT_USAGE;
	secret_wipe(again, sizeof(again));
	if (rc != CTL_EXIT_OK) {
		secret_wipe(pass, cap);
		ctl_errorf(&o->base, "the two passphrases differ; nothing was written");
	}
	return rc;
}

/* The certificates of a PEM file appended to der/len from *n. */
static int add_certs(const struct ca_opts *o, const char *path, uint8_t **der, size_t *len,
		     size_t *n)
{
	char err[CA_ERRLEN];
	size_t pem_len;
	uint8_t *pem = certgen_pem_read(path, &pem_len, err, sizeof(err));
	int k;

	if (pem == NULL) {
		ctl_errorf(&o->base, "%s", err);
		return -1;
	}
	k = p12_pem_certs(pem, pem_len, der + *n, len + *n, CHAIN_MAX - *n, err, sizeof(err));
	free(pem);
	if (k < 0) {
		ctl_errorf(&o->base, "%s: %s", path, err);
		return -1;
	}
	*n += (size_t)k;
	return 0;
}

/* What p12_build needs, gathered from the CA directory. CTL_EXIT_*. */
static int gather(struct ca_opts *o, const char *identity, struct p12_in *in, uint8_t **der,
		  size_t *len, size_t *n)
{
	char crt[PATH_MAX], key[PATH_MAX], root[PATH_MAX], err[CA_ERRLEN];
	const struct ca_index_rec *r;
	struct certgen_cert leaf = {0};
	struct ca_index ix = {0};
	int rc = CTL_EXIT_FAIL;

	if (ctl_ca_lock(o) < 0 || ctl_ca_index_load(o, &ix) < 0)
		return CTL_EXIT_FAIL;
	r = newest_client(&ix, identity);
	if (r == NULL) {
		ctl_errorf(&o->base,
			   "\"%s\" has no valid client certificate; see 'mtlsvpnctl ca list' "
			   "and issue one with 'mtlsvpnctl ca issue-client'",
			   ctl_ca_shown(identity));
		goto out;
	}
	if (!ctl_ca_rec_path(o, r, NULL, crt) || !ctl_ca_rec_path(o, r, ".key", key) ||
	    !ctl_ca_path(o, root, o->dir, "ca.crt"))
		goto out;
	if (access(key, R_OK) != 0) {
		ctl_errorf(&o->base,
			   "the CA does not hold the private key of certificate %s of \"%s\" "
			   "(no %s): the key was made elsewhere (ca csr, a PKCS#11 token) and "
			   "cannot be exported; a PKCS#12 file needs it",
			   r->serial, ctl_ca_shown(identity), key);
		rc = CTL_EXIT_USAGE;
		goto out;
	}
	in->key = certgen_key_load(key, err, sizeof(err));
	if (in->key == NULL || certgen_cert_load(crt, &leaf, err, sizeof(err)) < 0) {
		ctl_errorf(&o->base, "%s", err);
		goto out;
	}
	if (!certgen_key_matches(in->key, &leaf)) {
		ctl_errorf(&o->base, "%s is not the private key of %s", key, crt);
		goto out;
	}
	/* the certificate file holds the leaf and any intermediate; the root
	 * comes from ca.crt unless the file ends with it already */
	if (add_certs(o, crt, der, len, n) < 0 || add_certs(o, root, der, len, n) < 0)
		goto out;
	if (*n >= 3 && len[*n - 1] == len[*n - 2] &&
	    memcmp(der[*n - 1], der[*n - 2], len[*n - 1]) == 0)
		free(der[--*n]);
	in->cert = der[0];
	in->cert_len = len[0];
	for (size_t i = 1; i < *n; i++) {
		in->chain[in->n_chain] = der[i];
		in->chain_len[in->n_chain++] = len[i];
	}
	printf("exporting the client certificate %s of \"%s\" with %zu CA certificate%s\n",
	       r->serial, ctl_ca_shown(identity), *n - 1, *n == 2 ? "" : "s");
	rc = CTL_EXIT_OK;
out:
	certgen_cert_free(&leaf);
	ca_index_free(&ix);
	return rc;
}

int ctl_ca_run_export_p12(const struct ctl_cmd *cmd, int argc, char **argv, void *ctx)
{
	struct ca_opts *o = ctx;
	const char *identity = argv[0];
	char out[PATH_MAX], base[PATH_MAX], err[CA_ERRLEN], pass[SECRET_MAX + 1];
	uint8_t *der[CHAIN_MAX] = {0}, *p12 = NULL;
	size_t len[CHAIN_MAX] = {0}, n = 0, p12_len = 0;
	struct p12_in in = {.name = o->name != NULL ? o->name : identity,
			    .enc = o->legacy ? P12_LEGACY : P12_MODERN};
	int rc;

	(void)cmd;
	(void)argc;
	if (o->legacy && !p12_legacy_supported()) {
		ctl_errorf(&o->base, "--legacy: this build's wolfSSL has no 3DES (built with "
				     "NO_DES3), so it cannot write the legacy 3DES/SHA-1 "
				     "PKCS#12; use the default (AES-256) or a build against a "
				     "wolfSSL with 3DES, such as Debian's");
		return CTL_EXIT_USAGE;
	}
	if (o->passphrase_file != NULL && o->passphrase_stdin) {
		ctl_errorf(&o->base, "give --passphrase-file or --passphrase-stdin, not both");
		return CTL_EXIT_USAGE;
	}
	if (o->out != NULL) {
		snprintf(out, sizeof(out), "%s", o->out);
	} else {
		ctl_ca_safe_file_name(identity, base, sizeof(base));
		snprintf(out, sizeof(out), "%.200s.p12", base);
	}
	if (access(out, F_OK) == 0) {
		ctl_errorf(&o->base, "%s already exists; remove it or choose --out FILE", out);
		return CTL_EXIT_FAIL;
	}
	rc = gather(o, identity, &in, der, len, &n);
	if (rc == CTL_EXIT_OK)
		rc = read_pass(o, pass, sizeof(pass));
	if (rc != CTL_EXIT_OK)
		goto out;
	in.pass = pass;
	rc = CTL_EXIT_FAIL;
	if (p12_build(&in, &p12, &p12_len, err, sizeof(err)) < 0) {
		ctl_errorf(&o->base, "%s", err);
	} else if (atomic_file_write(out, p12, p12_len, 0600, false, err, sizeof(err)) < 0) {
		ctl_errorf(&o->base, "cannot write %s: %s", out, err);
	} else {
		printf("wrote %s (mode 0600; it holds the private key), encrypted with %s\n"
		       "Give it to its owner only, and the passphrase by another way.\n",
		       out,
		       o->legacy ? "the legacy PKCS#12 PBE (3DES, SHA-1 MAC)"
				 : "PBES2 (PBKDF2-HMAC-SHA256, AES-256-CBC), SHA-256 MAC");
		rc = CTL_EXIT_OK;
	}
out:
	secret_wipe(pass, sizeof(pass));
	if (p12 != NULL) {
		secret_wipe(p12, p12_len);
		free(p12);
	}
	for (size_t i = 0; i < n; i++)
		free(der[i]);
	certgen_key_free(in.key);
	return rc;
}
