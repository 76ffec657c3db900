/*
 * est_ca.c - signing EST enrollments and renewals from a CA directory
 * (est_ca.h). The order under the lock is that of "mtlsvpnctl ca": index
 * loaded and checked, certificate signed, record appended, index saved
 * atomically; then, for a renewal that replaces its predecessor, the old
 * record marked revoked, the index saved again and the CRL rewritten. A
 * crash between the two saves leaves a valid new certificate and an old
 * one that still works until it expires: never a revoked predecessor
 * without its successor.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "ca_crl_file.h"
#include "ca_index.h"
#include "errbuf.h"
#include "est_ca.h"
#include "p11key.h"

#define EST_CA_CRL_DAYS 7 /* nextUpdate, as "mtlsvpnctl ca revoke" writes it */

static int path_in(const struct est_ca *ca, const char *name, char out[static PATH_MAX], char *err,
		   size_t errlen)
{
	if (snprintf(out, PATH_MAX, "%s/%s", ca->dir, name) >= PATH_MAX) {
		errbuf_set(err, errlen, "path too long: %s/%s", ca->dir, name);
		return -1;
	}
	return 0;
}

static int open_ca(struct est_ca *ca, const char *dir, bool with_key, char *err, size_t errlen)
{
	char crt[PATH_MAX], key[PATH_MAX];
	bool inter;

	memset(ca, 0, sizeof(*ca));
	if (snprintf(ca->dir, sizeof(ca->dir), "%s", dir) >= (int)sizeof(ca->dir)) {
		errbuf_set(err, errlen, "path too long: %s", dir);
		return -1;
	}
	if (path_in(ca, "intermediate.crt", crt, err, errlen) < 0)
		return -1;
	inter = access(crt, F_OK) == 0;
	if (path_in(ca, inter ? "intermediate.crt" : "ca.crt", crt, err, errlen) < 0 ||
	    path_in(ca, inter ? "intermediate.key" : "ca.key", key, err, errlen) < 0)
		return -1;
	if (certgen_cert_load(crt, &ca->cert, err, errlen) < 0)
		goto fail;
	if (inter) {
		char root[PATH_MAX];

		if (path_in(ca, "ca.crt", root, err, errlen) < 0 ||
		    certgen_cert_load(root, &ca->root, err, errlen) < 0)
			goto fail;
	}
	if (!with_key)
		goto check_time;
	if (certgen_key_is_encrypted(key)) {
		errbuf_set(err, errlen,
			   "%s is encrypted; the gateway signs unattended and cannot ask for "
			   "its passphrase. Use an online intermediate ('mtlsvpnctl ca init "
			   "--intermediate') whose key is a plain file, mode 0600",
			   key);
		goto fail;
	}
	ca->key = certgen_key_load(key, err, errlen);
	if (ca->key == NULL)
		goto fail;
	if (!certgen_key_matches(ca->key, &ca->cert)) {
		errbuf_set(err, errlen, "%s is not the private key of %s", key, crt);
		goto fail;
	}
check_time:
	if (ca->cert.not_after <= (int64_t)time(NULL)) {
		errbuf_set(err, errlen, "the issuing CA certificate %s has expired", crt);
		goto fail;
	}
	return 0;
fail:
	est_ca_close(ca);
	return -1;
}

int est_ca_open(struct est_ca *ca, const char *dir, char *err, size_t errlen)
{
	return open_ca(ca, dir, true, err, errlen);
}

int est_ca_open_public(struct est_ca *ca, const char *dir, char *err, size_t errlen)
{
	return open_ca(ca, dir, false, err, errlen);
}

int est_ca_open_token(struct est_ca *ca, const char *dir, const char *uri, const char *module,
		      char *err, size_t errlen)
{
	char why[256];

	if (open_ca(ca, dir, false, err, errlen) < 0)
		return -1;
	ca->token = p11key_open(uri, module, why, sizeof(why));
	if (ca->token == NULL) {
		errbuf_set(err, errlen, "the issuing key: %s", why);
		goto fail;
	}
	ca->key = certgen_key_token(ca->token, why, sizeof(why));
	if (ca->key == NULL) {
		errbuf_set(err, errlen, "the issuing key: %s", why);
		goto fail;
	}
	if (!certgen_key_matches(ca->key, &ca->cert)) {
		errbuf_set(err, errlen,
			   "the key %s is not the private key of %s/%s (its public key differs "
			   "from the certificate's); name the token object made for that "
			   "certificate",
			   p11key_name(ca->token), dir,
			   ca->root.der != NULL ? "intermediate.crt" : "ca.crt");
		goto fail;
	}
	return 0;
fail:
	est_ca_close(ca);
	return -1;
}

void est_ca_close(struct est_ca *ca)
{
	certgen_cert_free(&ca->cert);
	certgen_cert_free(&ca->root);
	certgen_key_free(ca->key); /* before its token */
	p11key_close(ca->token);
	memset(ca, 0, sizeof(*ca));
}

size_t est_ca_chain(const struct est_ca *ca, struct pkcs7_certs_item out[static 2])
{
	out[0].der = ca->cert.der;
	out[0].len = ca->cert.der_len;
	if (ca->root.der == NULL)
		return 1;
	out[1].der = ca->root.der;
	out[1].len = ca->root.der_len;
	return 2;
}

const char *est_ca_verdict_str(enum est_ca_verdict v)
{
	switch (v) {
	case EST_CA_OK:
		return "signed";
	case EST_CA_NOT_LISTED:
		return "the current certificate is not in the CA index";
	case EST_CA_REVOKED:
		return "the current certificate is revoked";
	case EST_CA_FAILED:
		break;
	}
	return "the CA failed";
}

/* Serials compared as numbers written in hex: case and leading zeros aside. */
static bool same_serial(const char *a, const char *b)
{
	while (*a == '0' && a[1] != '\0')
		a++;
	while (*b == '0' && b[1] != '\0')
		b++;
	return strcasecmp(a, b) == 0;
}

static struct ca_index_rec *find_rec(const struct ca_index *ix, const char *serial)
{
	for (size_t i = 0; i < ix->n; i++)
		if (ix->recs[i].raw == NULL && same_serial(ix->recs[i].serial, serial))
			return &ix->recs[i];
	return NULL;
}

/* Whether der is the very certificate the record lists (its file, as
 * "ca issue-client" or an enrollment wrote it): a serial alone could be
 * copied into a certificate the CA never signed. */
static bool same_as_issued(const struct est_ca *ca, const struct ca_index_rec *r,
			   const uint8_t *der, size_t len)
{
	char path[PATH_MAX], err[256];
	struct certgen_cert c;
	bool same;

	if (r->file == NULL || r->file[0] == '\0' || strcmp(r->file, "-") == 0)
		return false;
	if (r->file[0] == '/')
		snprintf(path, sizeof(path), "%s", r->file);
	else if (path_in(ca, r->file, path, err, sizeof(err)) < 0)
		return false;
	if (certgen_cert_load(path, &c, err, sizeof(err)) < 0)
		return false;
	same = c.der_len == len && memcmp(c.der, der, len) == 0;
	certgen_cert_free(&c);
	return same;
}

/* issued/NAME-SERIAL.crt, NAME the identity with every byte but letters,
 * digits, '.', '-', '_' and '@' as '_'; rel gets "issued/...". */
static int write_issued(const struct est_ca *ca, const struct certgen_cert *cert, const char *cn,
			const char *serial, char rel[static PATH_MAX], char *err, size_t errlen)
{
	char name[96], path[PATH_MAX];
	size_t n = 0;

	for (const char *p = cn; *p != '\0' && n < 63; p++) {
		char c = *p;

		name[n++] = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
				    (c >= '0' && c <= '9') || c == '.' || c == '-' || c == '_' ||
				    c == '@'
				? c
				: '_';
	}
	name[n] = '\0';
	if (n == 0 || name[0] == '.')
		name[0] = '_';
	snprintf(rel, PATH_MAX, "issued/%.64s-%.40s.crt", name, serial);
	if (path_in(ca, rel, path, err, errlen) < 0)
		return -1;
	return certgen_cert_write(cert, path, err, errlen);
}

static void unlink_in(const struct est_ca *ca, const char *rel)
{
	char path[PATH_MAX], err[64];

	if (path_in(ca, rel, path, err, sizeof(err)) == 0)
		unlink(path);
}

/* The request: the order's subject, or the current certificate's. */
static int make_req(const struct est_ca_order *o, struct certgen_req_copy *rc,
		    struct est_ca_result *res, char *err, size_t errlen)
{
	memset(rc, 0, sizeof(*rc));
	if (o->cur_der != NULL) {
		struct certgen_cert cur;
		int r;

		if (certgen_cert_from_der(o->cur_der, o->cur_len, &cur, err, errlen) < 0)
			return -1;
		certgen_serial_hex(&cur, res->old_serial);
		r = certgen_req_from_cert(&cur, CERTGEN_CLIENT, rc, err, errlen);
		certgen_cert_free(&cur);
		if (r < 0)
			return -1;
	} else {
		rc->req.kind = CERTGEN_CLIENT;
		snprintf(rc->cn, sizeof(rc->cn), "%s", o->cn);
		rc->req.cn = rc->cn;
		if (o->ou != NULL && o->ou[0] != '\0') {
			snprintf(rc->ou, sizeof(rc->ou), "%s", o->ou);
			rc->req.ou = rc->ou;
		}
		/* As "ca issue-client" does: an e-mail identity is also the SAN. */
		if (strchr(o->cn, '@') != NULL && strchr(o->cn, ' ') == NULL) {
			snprintf(rc->email[0], sizeof(rc->email[0]), "%s", o->cn);
			rc->req.email[0] = rc->email[0];
			rc->req.n_email = 1;
		}
	}
	rc->req.secs = o->lifetime;
	rc->req.now = o->now;
	return 0;
}

static enum est_ca_verdict sign_locked(struct est_ca *ca, const struct est_ca_order *o,
				       struct certgen_key *pub, struct ca_index *ix,
				       struct est_ca_result *res, char *err, size_t errlen)
{
	char index[PATH_MAX], rel[PATH_MAX];
	struct certgen_req_copy rc;
	struct ca_index_rec *old = NULL;
	int64_t now = o->now != 0 ? o->now : (int64_t)time(NULL);

	if (path_in(ca, "index", index, err, errlen) < 0 ||
	    ca_index_load(index, ix, err, errlen) < 0 || make_req(o, &rc, res, err, errlen) < 0)
		return EST_CA_FAILED;
	if (o->cur_der != NULL) {
		old = find_rec(ix, res->old_serial);
		if (old == NULL || !same_as_issued(ca, old, o->cur_der, o->cur_len))
			return EST_CA_NOT_LISTED;
		if (old->status == 'R')
			return EST_CA_REVOKED;
	}
	if (certgen_issue(&rc.req, pub, &ca->cert, ca->key, &res->cert, err, errlen) < 0)
		return EST_CA_FAILED;
	certgen_serial_hex(&res->cert, res->serial);
	if (ca_index_find_serial(ix, res->serial) != NULL) {
		errbuf_set(err, errlen, "serial %s is already in the index", res->serial);
		return EST_CA_FAILED;
	}
	/* The certificate (not the key: it stays with the client) in issued/,
	 * named in the index: a renewal is checked against it. */
	if (write_issued(ca, &res->cert, rc.req.cn, res->serial, rel, err, errlen) < 0)
		return EST_CA_FAILED;
	if (ca_index_add(ix, &res->cert, CERTGEN_CLIENT, rel, rc.req.cn) < 0) {
		errbuf_set(err, errlen, "out of memory");
		unlink_in(ca, rel);
		return EST_CA_FAILED;
	}
	if (ca_index_save(index, ix, false, err, errlen) < 0) {
		unlink_in(ca, rel);
		return EST_CA_FAILED;
	}
	if (old != NULL && o->revoke_old) {
		size_t n = 0;

		/* The index may have moved in memory with the append. */
		old = find_rec(ix, res->old_serial);
		if (old != NULL && ca_index_revoke(old, now, "superseded")) {
			if (ca_index_save(index, ix, false, res->crl_err, sizeof(res->crl_err)) < 0)
				return EST_CA_OK;
			res->revoked_old = true;
			if (ca_crl_file_write(ca->dir, &ca->cert, ca->key, ix, EST_CA_CRL_DAYS,
					      NULL, &res->crl_number, &n, res->crl_err,
					      sizeof(res->crl_err)) < 0)
				res->crl_number = 0;
		}
	}
	return EST_CA_OK;
}

enum est_ca_verdict est_ca_sign(struct est_ca *ca, const struct est_ca_order *order,
				struct certgen_key *pub, struct est_ca_result *res, char *err,
				size_t errlen)
{
	struct ca_index ix = {0};
	enum est_ca_verdict v;
	int fd;

	memset(res, 0, sizeof(*res));
	fd = ca_index_lock(ca->dir, err, errlen);
	if (fd < 0)
		return EST_CA_FAILED;
	v = sign_locked(ca, order, pub, &ix, res, err, errlen);
	close(fd); /* releases the lock */
	ca_index_free(&ix);
	if (v != EST_CA_OK)
		certgen_cert_free(&res->cert);
	return v;
}
