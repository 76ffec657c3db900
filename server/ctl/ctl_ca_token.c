/*
 * ctl_ca_token.c - "mtlsvpnctl ca token IDENTITY" hands out a one-time
 * enrollment token (common/pki/est_token.h) and stores only its hash in
 * DIR/tokens; "ca token --revoke ID" withdraws one; "ca tokens" lists them
 * without ever showing a token. Every command holds the CA directory's
 * lock from load to save, as a gateway redeeming a token does.
 */
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "ctl_ca.h"
#include "est_enroll.h"
#include "est_token.h"
#include "est_token_file.h"
#include "secret.h"

#define TOKEN_DEFAULT_TTL (24 * 3600)
/* Tokens that expired this long ago are dropped when a new one is made. */
#define TOKEN_KEEP_EXPIRED (30 * 86400)

/* Lock, check it is a CA directory, load DIR/tokens. */
static int tokens_open(struct ca_opts *o, char path[static PATH_MAX], struct est_token_store *st)
{
	char index[PATH_MAX], err[CA_ERRLEN];

	if (ctl_ca_lock(o) < 0 || !ctl_ca_path(o, index, o->dir, "index") ||
	    !ctl_ca_path(o, path, o->dir, EST_TOKEN_FILE_NAME))
		return -1;
	if (access(index, F_OK) < 0) {
		ctl_errorf(&o->base,
			   "%s is not a CA directory (no index): create one with "
			   "'mtlsvpnctl ca init', or pass the right --dir",
			   o->dir);
		return -1;
	}
	if (est_token_file_load(path, st, err, sizeof(err)) < 0) {
		ctl_errorf(&o->base, "%s", err);
		return -1;
	}
	return 0;
}

static int tokens_save(struct ca_opts *o, const char *path, struct est_token_store *st)
{
	char err[CA_ERRLEN];

	if (est_token_file_save(path, st, err, sizeof(err)) < 0) {
		ctl_errorf(&o->base, "%s", err);
		return -1;
	}
	return 0;
}

static int run_revoke(struct ca_opts *o, int argc)
{
	char path[PATH_MAX];
	struct est_token_store st;
	int rc = CTL_EXIT_FAIL;

	if (argc != 0) {
		ctl_errorf(&o->base, "--revoke ID takes no IDENTITY");
		return CTL_EXIT_USAGE;
	}
	if (tokens_open(o, path, &st) < 0)
		return CTL_EXIT_FAIL;
	if (!est_token_revoke(&st, o->token_revoke))
		ctl_errorf(&o->base, "no token has id '%s' (see 'mtlsvpnctl ca tokens')",
			   ctl_ca_shown(o->token_revoke));
	else if (tokens_save(o, path, &st) == 0) {
		printf("token %s withdrawn\n", o->token_revoke);
		rc = CTL_EXIT_OK;
	}
	est_token_store_free(&st);
	return rc;
}

/* What the employee types (docs/user-guide.md "Enrolling a laptop"):
 * the CA's fingerprint vouches for the gateway (RFC 7030 4.1.1), so the
 * printout is all they need besides the gateway's address. */
static void print_enroll_line(const struct ca_opts *o, const char *identity, const char *token)
{
	char path[PATH_MAX], err[CA_ERRLEN], fp[EST_ENROLL_FP_HEX];
	struct certgen_cert ca;
	bool plain = identity[0] != 0 && identity[0] != '-';

	if (!ctl_ca_path(o, path, o->dir, "ca.crt") ||
	    certgen_cert_load(path, &ca, err, sizeof(err)) < 0)
		return;
	est_enroll_fingerprint(ca.der, ca.der_len, fp);
	certgen_cert_free(&ca);
	for (const char *c = identity; *c != 0 && plain; c++)
		plain = strchr("@._+-=:,", *c) != NULL || (*c >= '0' && *c <= '9') ||
			(*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z');
	fprintf(stderr, "  CA fingerprint (SHA-256) %s\n  on the laptop, as root:\n"
			"    mtlsvpn-client enroll --gateway %s --identity ",
		fp, o->gateway != NULL ? o->gateway : "GATEWAY[:PORT]");
	if (plain) {
		fputs(identity, stderr);
	} else {
		/* Single quotes for the shell; a quote inside closes, escapes, reopens. */
		fputc('\'', stderr);
		for (const char *c = identity; *c != 0; c++)
			fputs(*c == '\'' ? "'\\''" : (char[2]){*c, 0}, stderr);
		fputc('\'', stderr);
	}
	fprintf(stderr, " --token %s --ca-fingerprint %s\n", token, fp);
}

int ctl_ca_run_token(const struct ctl_cmd *cmd, int argc, char **argv, void *ctx)
{
	struct ca_opts *o = ctx;
	uint8_t raw[EST_TOKEN_RAW];
	char text[EST_TOKEN_TEXT], path[PATH_MAX], err[CA_ERRLEN], until[32], id[EST_TOKEN_ID];
	struct est_token_store st;
	int64_t now = (int64_t)time(NULL);
	int rc = CTL_EXIT_FAIL;

	(void)cmd;
	if (o->token_revoke != NULL)
		return run_revoke(o, argc);
	if (argc != 1) {
		ctl_errorf(&o->base, "give the IDENTITY the token enrolls (or --revoke ID)");
		return CTL_EXIT_USAGE;
	}
	if (!est_token_name_ok(argv[0], false, err, sizeof(err)) ||
	    (o->group != NULL && !est_token_name_ok(o->group, true, err, sizeof(err)))) {
		ctl_errorf(&o->base, "%s", err);
		return CTL_EXIT_USAGE;
	}
	if (tokens_open(o, path, &st) < 0)
		return CTL_EXIT_FAIL;
	est_token_prune(&st, now - TOKEN_KEEP_EXPIRED);
	if (getrandom(raw, sizeof(raw), 0) != (ssize_t)sizeof(raw)) {
		ctl_errorf(&o->base, "no random bytes from the kernel");
	} else if (est_token_add(&st, raw, argv[0], o->group, now,
				 o->ttl != 0 ? o->ttl : TOKEN_DEFAULT_TTL, err, sizeof(err)) < 0) {
		ctl_errorf(&o->base, "%s", err);
	} else if (tokens_save(o, path, &st) == 0) {
		est_token_encode(raw, text);
		est_token_id(&st.recs[st.n - 1], id);
		ctl_ca_human_date(st.recs[st.n - 1].expires, until);
		/* The token alone on stdout, so T=$(mtlsvpnctl ca token X) works. */
		printf("%s\n", text);
		fprintf(stderr,
			"one-time enrollment token for \"%s\"%s%s%s, usable once until %s\n"
			"  id %s (mtlsvpnctl ca token --revoke %s withdraws it); only its hash "
			"is kept\n",
			ctl_ca_shown(argv[0]), o->group != NULL ? " (group \"" : "",
			o->group != NULL ? ctl_ca_shown(o->group) : "",
			o->group != NULL ? "\")" : "", until, id, id);
		print_enroll_line(o, argv[0], text);
		rc = CTL_EXIT_OK;
	}
	secret_wipe(raw, sizeof(raw));
	secret_wipe(text, sizeof(text));
	est_token_store_free(&st);
	return rc;
}

int ctl_ca_run_tokens(const struct ctl_cmd *cmd, int argc, char **argv, void *ctx)
{
	struct ca_opts *o = ctx;
	char path[PATH_MAX];
	struct est_token_store st;
	int64_t now = (int64_t)time(NULL);

	(void)cmd;
	(void)argc;
	(void)argv;
	if (tokens_open(o, path, &st) < 0)
		return CTL_EXIT_FAIL;
	printf("%-12s  %-24s  %-12s  %-20s  %s\n", "ID", "IDENTITY", "GROUP", "EXPIRES", "STATE");
	for (size_t i = 0; i < st.n; i++) {
		const struct est_token_rec *r = &st.recs[i];
		char id[EST_TOKEN_ID], exp[32], used[32];

		est_token_id(r, id);
		ctl_ca_human_date(r->expires, exp);
		if (r->used != 0)
			ctl_ca_human_date(r->used, used);
		printf("%-12s  %-24s  %-12s  %-20s  %s%s\n", id, ctl_ca_shown(r->identity),
		       r->group[0] != 0 ? ctl_ca_shown(r->group) : "-", exp,
		       r->used != 0	   ? "used "
		       : now >= r->expires ? "expired"
					   : "unused",
		       r->used != 0 ? used : "");
	}
	printf("%zu token(s)\n", st.n);
	est_token_store_free(&st);
	return CTL_EXIT_OK;
}
