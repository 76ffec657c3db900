/*
 * ctl_ca_crl.c - "ca list", "ca revoke", "ca crl", "ca expiring": reading
 * and changing the revocation state in DIR/index, and the signed CRL made
 * from it. Order of a revoke: lock, load the index and the signer (so a
 * missing passphrase changes nothing), mark the records, save the index
 * atomically, then write DIR/crlnumber and DIR/crl.pem (each atomically),
 * so the gateway that watches crl.pem sees the revocation at once.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ca_crl_file.h"
#include "ca_index.h"
#include "certgen.h"
#include "crl_build.h"
#include "ctl_ca.h"

#define DEFAULT_EXPIRING_DAYS 30

int ctl_ca_crl_write(const struct ca_opts *o, const struct ca_signer *s, const struct ca_index *ix,
		     unsigned days, const char *out)
{
	char err[CA_ERRLEN], until[32], path[PATH_MAX];
	uint64_t number = 0;
	size_t n = 0;

	if (out != NULL)
		snprintf(path, sizeof(path), "%s", out);
	else if (!ctl_ca_path(o, path, o->dir, "crl.pem"))
		return -1;
	if (ca_crl_file_write(o->dir, &s->cert, s->key, ix, days, path, &number, &n, err,
			      sizeof(err)) < 0) {
		ctl_errorf(&o->base, "%s", err);
		return -1;
	}
	ctl_ca_human_date((int64_t)time(NULL) + (int64_t)days * 86400, until);
	printf("wrote CRL number %" PRIu64 " (%zu revoked) to %s; next update due %s\n", number,
	       n, path, until);
	return 0;
}

/* ---- list and expiring ---- */

static const char *status_of(const struct ca_index_rec *r, int64_t now)
{
	if (r->status == 'R')
		return "revoked";
	return now >= r->not_after ? "expired" : "valid";
}

static void print_header(void)
{
	printf("%-8s %-40s %-7s %-17s %-10s %s\n", "STATUS", "SERIAL", "KIND", "NOT-AFTER",
	       "REVOKED", "IDENTITY (REASON)");
}

static void print_rec(const struct ca_index_rec *r, int64_t now)
{
	char na[32], rv[16] = "-";

	ctl_ca_human_date(r->not_after, na);
	na[16] = 0; /* "YYYY-MM-DD HH:MM" */
	if (r->status == 'R') {
		ca_index_format_time(r->revoked, rv);
		rv[8] = 0; /* YYYYMMDD */
	}
	printf("%-8s %-40s %-7s %-17s %-10s %s", status_of(r, now), r->serial,
	       certgen_kind_name(r->kind), na, rv, ctl_ca_shown(r->identity));
	if (r->status == 'R')
		printf(" (%s)", strcmp(r->reason, "-") == 0 ? "unspecified" : r->reason);
	printf("\n");
}

int ctl_ca_run_list(const struct ctl_cmd *cmd, int argc, char **argv, void *ctx)
{
	struct ca_opts *o = ctx;
	struct ca_index ix = {0};
	int64_t now = (int64_t)time(NULL);
	size_t counts[3] = {0};

	(void)cmd;
	(void)argc;
	(void)argv;
	if (ctl_ca_lock(o) < 0 || ctl_ca_index_load(o, &ix) < 0)
		return CTL_EXIT_FAIL;
	print_header();
	for (size_t i = 0; i < ix.n; i++) {
		const struct ca_index_rec *r = &ix.recs[i];

		if (r->raw != NULL)
			continue;
		print_rec(r, now);
		counts[r->status == 'R' ? 1 : now >= r->not_after ? 2 : 0]++;
	}
	printf("%zu valid, %zu revoked, %zu expired\n", counts[0], counts[1], counts[2]);
	ca_index_free(&ix);
	return CTL_EXIT_OK;
}

int ctl_ca_run_expiring(const struct ctl_cmd *cmd, int argc, char **argv, void *ctx)
{
	struct ca_opts *o = ctx;
	struct ca_index ix = {0};
	int64_t now = (int64_t)time(NULL);
	unsigned days = o->days != 0 ? o->days : DEFAULT_EXPIRING_DAYS;
	size_t n = 0;

	(void)cmd;
	(void)argc;
	(void)argv;
	if (ctl_ca_lock(o) < 0 || ctl_ca_index_load(o, &ix) < 0)
		return CTL_EXIT_FAIL;
	for (size_t i = 0; i < ix.n; i++) {
		if (!ca_index_expiring(&ix.recs[i], now, days))
			continue;
		if (n++ == 0)
			print_header();
		print_rec(&ix.recs[i], now);
	}
	if (n == 0)
		printf("no valid certificate expires within %u days\n", days);
	else
		printf("%zu valid certificate%s expire%s within %u days; renew with 'mtlsvpnctl "
		       "ca renew SERIAL'\n",
		       n, n == 1 ? "" : "s", n == 1 ? "s" : "", days);
	ca_index_free(&ix);
	return CTL_EXIT_OK;
}

/* ---- revoke and crl ---- */

/* A serial as typed: any case, ':' separators allowed. */
static bool normalize_serial(const char *in, char out[static CA_INDEX_SERIAL_MAX])
{
	size_t w = 0;

	for (; *in != 0; in++) {
		char c = *in;

		if (c == ':')
			continue;
		if (c >= 'A' && c <= 'F')
			c = (char)(c - 'A' + 'a');
		if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')) ||
		    w + 1 >= CA_INDEX_SERIAL_MAX)
			return false;
		out[w++] = c;
	}
	out[w] = 0;
	return w > 0;
}

int ctl_ca_run_revoke(const struct ctl_cmd *cmd, int argc, char **argv, void *ctx)
{
	struct ca_opts *o = ctx;
	const char *arg = argv[0], *reason = o->reason != NULL ? o->reason : "unspecified";
	char serial[CA_INDEX_SERIAL_MAX], until[32];
	struct ca_signer s = {0};
	struct ca_index ix = {0};
	struct ca_index_rec *one = NULL;
	int64_t now = (int64_t)time(NULL);
	size_t n = 0;
	int rc = CTL_EXIT_FAIL;

	(void)cmd;
	(void)argc;
	if (ctl_ca_lock(o) < 0 || ctl_ca_index_load(o, &ix) < 0 || ctl_ca_signer_load(o, &s) < 0)
		goto out;
	if (normalize_serial(arg, serial))
		one = ca_index_find_serial(&ix, serial);
	if (one != NULL) {
		if (one->kind == CERTGEN_CA) {
			ctl_errorf(&o->base,
				   "%s is a CA certificate; revoking it is not a job for its own "
				   "CRL (retire the whole CA directory instead)",
				   serial);
			goto out;
		}
		if (one->status == 'R') {
			ca_index_format_time(one->revoked, until);
			ctl_errorf(&o->base, "%s (\"%s\") was already revoked on %s (%s)", serial,
				   ctl_ca_shown(one->identity), until, one->reason);
			goto out;
		}
		ca_index_revoke(one, now, reason);
		printf("revoked %s certificate %s of \"%s\" (%s)\n", certgen_kind_name(one->kind),
		       one->serial, ctl_ca_shown(one->identity), reason);
		n = 1;
	} else {
		/* By identity: every certificate of it that still works. */
		for (size_t i = 0; i < ix.n; i++) {
			struct ca_index_rec *r = &ix.recs[i];

			if (r->raw != NULL || r->kind == CERTGEN_CA ||
			    strcmp(r->identity, arg) != 0 || !ca_index_is_valid(r, now))
				continue;
			ca_index_revoke(r, now, reason);
			printf("revoked %s certificate %s of \"%s\" (%s)\n",
			       certgen_kind_name(r->kind), r->serial, ctl_ca_shown(r->identity),
			       reason);
			n++;
		}
		if (n == 0) {
			ctl_errorf(&o->base,
				   "'%s' is neither a serial in the index nor an identity with a "
				   "valid certificate; see 'mtlsvpnctl ca list --dir %s'",
				   ctl_ca_shown(arg), o->dir);
			goto out;
		}
	}
	if (ctl_ca_index_save(o, &ix) < 0)
		goto out;
	if (ctl_ca_crl_write(o, &s, &ix, CA_CRL_DAYS, NULL) < 0) {
		ctl_errorf(&o->base,
			   "the revocation is recorded in the index, but the CRL was not "
			   "written: fix the cause and run 'mtlsvpnctl ca crl --dir %s'",
			   o->dir);
		goto out;
	}
	rc = CTL_EXIT_OK;
out:
	ca_index_free(&ix);
	ctl_ca_signer_free(&s);
	return rc;
}

int ctl_ca_run_crl(const struct ctl_cmd *cmd, int argc, char **argv, void *ctx)
{
	struct ca_opts *o = ctx;
	struct ca_signer s = {0};
	struct ca_index ix = {0};
	int rc = CTL_EXIT_FAIL;

	(void)cmd;
	(void)argc;
	(void)argv;
	if (ctl_ca_lock(o) < 0 || ctl_ca_index_load(o, &ix) < 0 || ctl_ca_signer_load(o, &s) < 0)
		goto out;
	if (ctl_ca_crl_write(o, &s, &ix, o->days != 0 ? o->days : CA_CRL_DAYS, o->out) == 0)
		rc = CTL_EXIT_OK;
out:
	ca_index_free(&ix);
	ctl_ca_signer_free(&s);
	return rc;
}
