/*
 * ctl_ca_opts.c - the options of "mtlsvpnctl ca ..." and the command table
 * that dispatches them and prints every --help. Each apply callback checks
 * its value and says what would be valid.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crl_build.h"
#include "ctl_ca.h"

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
			   ctl_ca_shown(v));
		return false;
	}
	o->days = (unsigned)d;
	return true;
}

/* expiring --days N may be 0 (already expired is not listed: only valid) */
static bool opt_within(const char *v, void *ctx)
{
	struct ca_opts *o = ctx;
	char *end;
	unsigned long d;

	errno = 0;
	d = strtoul(v, &end, 10);
	if (errno != 0 || end == v || *end != 0 || v[0] == '-' || d > 36500) {
		ctl_errorf(&o->base, "--days '%s': give a whole number of days from 0 to 36500",
			   ctl_ca_shown(v));
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
			   ctl_ca_shown(v));
		return false;
	}
	return true;
}

static bool opt_reason(const char *v, void *ctx)
{
	struct ca_opts *o = ctx;
	enum crl_build_reason r;

	if (!crl_build_reason_parse(v, &r)) {
		ctl_errorf(&o->base,
			   "--reason '%s': use unspecified, keyCompromise, cACompromise, "
			   "affiliationChanged, superseded, cessationOfOperation or "
			   "privilegeWithdrawn",
			   ctl_ca_shown(v));
		return false;
	}
	o->reason = v;
	return true;
}

static bool opt_gateway(const char *v, void *ctx)
{
	((struct ca_opts *)ctx)->gateway = v;
	return true;
}

static bool opt_server_name(const char *v, void *ctx)
{
	((struct ca_opts *)ctx)->server_name = v;
	return true;
}

static bool opt_cert(const char *v, void *ctx)
{
	((struct ca_opts *)ctx)->cert = v;
	return true;
}

static bool opt_key(const char *v, void *ctx)
{
	((struct ca_opts *)ctx)->key = v;
	return true;
}

static bool opt_csr(const char *v, void *ctx)
{
	((struct ca_opts *)ctx)->csr = v;
	return true;
}

static bool opt_passphrase_file(const char *v, void *ctx)
{
	((struct ca_opts *)ctx)->passphrase_file = v;
	return true;
}

static bool opt_pkcs11_module(const char *v, void *ctx)
{
	((struct ca_opts *)ctx)->pkcs11_module = v;
	return true;
}

/* --ttl 24h: a number and a unit (s, m, h, d), up to 30 days. */
static bool opt_ttl(const char *v, void *ctx)
{
	struct ca_opts *o = ctx;
	char *end;
	unsigned long n, unit = 0;

	errno = 0;
	n = strtoul(v, &end, 10);
	if (errno == 0 && end != v && v[0] != '-' && end[0] != 0 && end[1] == 0)
		unit = end[0] == 's' ? 1 : end[0] == 'm' ? 60 : end[0] == 'h' ? 3600
		     : end[0] == 'd' ? 86400 : 0;
	if (unit == 0 || n == 0 || n > 30 * 86400 / unit) {
		ctl_errorf(&o->base,
			   "--ttl '%s': give a number and a unit s, m, h or d, from 1s to 30d "
			   "(e.g. 24h)",
			   ctl_ca_shown(v));
		return false;
	}
	o->ttl = (int64_t)(n * unit);
	return true;
}

static bool opt_group(const char *v, void *ctx)
{
	((struct ca_opts *)ctx)->group = v;
	return true;
}

/* ca token --gateway vpn.example.com:8443: printed in the employee's
 * line, not contacted, so only a shape that cannot break that line is
 * checked. */
static bool opt_enroll_gateway(const char *v, void *ctx)
{
	if (v[0] == 0 || v[0] == '-' || strspn(v, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
						  "0123456789.-:[]") != strlen(v)) {
		fprintf(stderr,
			"mtlsvpnctl: --gateway '%s': give the gateway's host name or address, "
			"optionally with :PORT, e.g. vpn.example.com:8443\n",
			v);
		return false;
	}
	((struct ca_opts *)ctx)->gateway = v;
	return true;
}

static bool opt_token_revoke(const char *v, void *ctx)
{
	((struct ca_opts *)ctx)->token_revoke = v;
	return true;
}

static bool opt_revoke_old(const char *v, void *ctx)
{
	(void)v;
	((struct ca_opts *)ctx)->revoke_old = true;
	return true;
}

static bool opt_intermediate(const char *v, void *ctx)
{
	(void)v;
	((struct ca_opts *)ctx)->intermediate = true;
	return true;
}

static bool opt_passphrase_stdin(const char *v, void *ctx)
{
	(void)v;
	((struct ca_opts *)ctx)->passphrase_stdin = true;
	return true;
}

static bool opt_legacy(const char *v, void *ctx)
{
	(void)v;
	((struct ca_opts *)ctx)->legacy = true;
	return true;
}

/* clang-format off */
#define OPT_DIR {"dir", 'd', "DIR", "CA directory (default " CA_DEFAULT_DIR ")", opt_dir}
#define OPT_OUT {"out", 'o', "DIR", "where to write NAME.crt and NAME.key (default DIR/issued)", \
		 opt_out}
#define OPT_KEY_TYPE {"key-type", 0, "ec|rsa", \
		      "key algorithm: ec (P-256, default) or rsa (RSA-3072)", opt_key_type}
#define OPT_PASS {"passphrase-file", 0, "FILE", "the CA key's passphrase (else $" \
		  CA_PASSPHRASE_ENV ")", opt_passphrase_file}
#define OPT_CSR {"csr", 0, "FILE", "certify the key of this PKCS#10 request (PEM); no key is " \
		 "made", opt_csr}
#define OPT_HELP {"help", 'h', NULL, "show this help", ctl_opt_help}
#define OPT_END {NULL, 0, NULL, NULL, NULL}
/* clang-format on */

static const struct cli_opt init_opts[] = {
    OPT_DIR,
    {"name", 'n', "NAME", "the CA's common name (default \"mtlsvpn VPN CA\")", opt_name},
    {"days", 0, "N", "validity in days (default 3650)", opt_days},
    {"intermediate", 0, NULL,
     "also make an intermediate CA that does the issuing (the root key can go offline)",
     opt_intermediate},
    OPT_KEY_TYPE,
    {"passphrase-file", 0, "FILE",
     "encrypt the CA key(s) with this passphrase (else $" CA_PASSPHRASE_ENV " if set)",
     opt_passphrase_file},
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
    OPT_CSR,
    OPT_PASS,
    OPT_HELP,
    OPT_END,
};

static const struct cli_opt client_opts[] = {
    OPT_DIR,
    OPT_OUT,
    {"days", 0, "N", "validity in days (default 365; never past the CA's)", opt_days},
    {"ou", 0, "GROUP", "organizational unit in the subject (e.g. a team)", opt_ou},
    OPT_KEY_TYPE,
    OPT_CSR,
    OPT_PASS,
    OPT_HELP,
    OPT_END,
};

static const struct cli_opt list_opts[] = {
    OPT_DIR,
    OPT_HELP,
    OPT_END,
};

static const struct cli_opt revoke_opts[] = {
    OPT_DIR,
    {"reason", 'r', "REASON",
     "RFC 5280 reason: unspecified (default), keyCompromise, cACompromise, "
     "affiliationChanged, superseded, cessationOfOperation, privilegeWithdrawn",
     opt_reason},
    OPT_PASS,
    OPT_HELP,
    OPT_END,
};

static const struct cli_opt crl_opts[] = {
    OPT_DIR,
    {"days", 0, "N", "nextUpdate this many days ahead (default 7)", opt_days},
    {"out", 'o', "FILE", "where to write the PEM CRL (default DIR/crl.pem)", opt_out},
    OPT_PASS,
    OPT_HELP,
    OPT_END,
};

static const struct cli_opt expiring_opts[] = {
    OPT_DIR,
    {"days", 0, "N", "list valid certificates expiring within N days (default 30)", opt_within},
    OPT_HELP,
    OPT_END,
};

static const struct cli_opt renew_opts[] = {
    OPT_DIR,
    OPT_OUT,
    {"days", 0, "N", "validity of the new certificate (default: the kind's default)", opt_days},
    {"revoke-old", 0, NULL, "revoke the old certificate as superseded", opt_revoke_old},
    OPT_KEY_TYPE,
    OPT_PASS,
    OPT_HELP,
    OPT_END,
};

static const struct cli_opt profile_opts[] = {
    OPT_DIR,
    {"gateway", 'g', "HOST[:PORT]", "the gateway the client connects to (required)", opt_gateway},
    {"server-name", 0, "NAME", "name the gateway certificate carries (default: HOST)",
     opt_server_name},
    {"out", 'o', "FILE", "where to write the profile (default DIR/profiles/IDENTITY.profile)",
     opt_out},
    {"cert", 0, "FILE", "embed this certificate (chain) instead of issuing a new one", opt_cert},
    {"key", 0, "FILE", "the private key of --cert", opt_key},
    {"days", 0, "N", "validity of a newly issued certificate (default 365)", opt_days},
    {"ou", 0, "GROUP", "organizational unit of a newly issued certificate", opt_ou},
    OPT_KEY_TYPE,
    OPT_PASS,
    OPT_HELP,
    OPT_END,
};

static const struct cli_opt csr_opts[] = {
    {"key", 0, "pkcs11:URI", "the key in a PKCS#11 token (RFC 7512 URI, required)", opt_key},
    {"pkcs11-module", 0, "MODULE", "the PKCS#11 module (default p11-kit-proxy.so)",
     opt_pkcs11_module},
    {"out", 'o', "FILE", "where to write the request (default NAME.csr here)", opt_out},
    OPT_HELP,
    OPT_END,
};

static const struct cli_opt p12_opts[] = {
    OPT_DIR,
    {"out", 'o', "FILE", "where to write the PKCS#12 file (default IDENTITY.p12 here)", opt_out},
    {"passphrase-file", 0, "FILE", "the file's passphrase: the first line of FILE",
     opt_passphrase_file},
    {"passphrase-stdin", 0, NULL,
     "the file's passphrase: the first line of stdin (else asked "
     "twice on the terminal)",
     opt_passphrase_stdin},
    {"legacy", 0, NULL,
     "3DES and a SHA-1 MAC instead of AES-256 and SHA-256, for older "
     "key stores; needs a wolfSSL with 3DES (Debian's has it, the optimized build does not)",
     opt_legacy},
    {"name", 'n', "FRIENDLY", "the friendlyName key stores show (default IDENTITY)", opt_name},
    OPT_HELP,
    OPT_END,
};

static const struct cli_opt token_opts[] = {
    OPT_DIR,
    {"ttl", 0, "DURATION", "how long the token may be used: Ns, Nm, Nh or Nd (default 24h, "
     "at most 30d)", opt_ttl},
    {"group", 'g', "GROUP", "the group (certificate OU) the enrolled certificate gets",
     opt_group},
    {"gateway", 0, "HOST[:PORT]", "the gateway's address, for the enroll line it prints",
     opt_enroll_gateway},
    {"revoke", 0, "ID", "withdraw the unused token with this id (see 'ca tokens')",
     opt_token_revoke},
    OPT_HELP,
    OPT_END,
};

static void ca_opts_init(void *ctx)
{
	struct ca_opts *o = ctx;

	o->dir = CA_DEFAULT_DIR;
	o->key_type = CERTGEN_KEY_EC_P256;
}

#define CA_CTX sizeof(struct ca_opts), ca_opts_init

const struct ctl_cmd ctl_ca_cmds[] = {
    {"init", "", 0, 0, "create a CA: key, certificate, state (optionally an intermediate)",
     init_opts, ctl_ca_run_init, CA_CTX},
    {"issue-server", "NAME", 1, 1, "issue a gateway certificate (NAME: DNS name or IP)",
     server_opts, ctl_ca_run_issue_server, CA_CTX},
    {"issue-client", "IDENTITY", 1, 1, "issue a client certificate with CN=IDENTITY", client_opts,
     ctl_ca_run_issue_client, CA_CTX},
    {"list", "", 0, 0, "list every certificate issued: status, serial, kind, identity, expiry",
     list_opts, ctl_ca_run_list, CA_CTX},
    {"revoke", "SERIAL|IDENTITY", 1, 1,
     "revoke a certificate (or every valid one of an identity); rewrites DIR/crl.pem", revoke_opts,
     ctl_ca_run_revoke, CA_CTX},
    {"crl", "", 0, 0, "write a signed CRL (CRL number incremented)", crl_opts, ctl_ca_run_crl,
     CA_CTX},
    {"expiring", "", 0, 0, "list valid certificates that expire within --days N", expiring_opts,
     ctl_ca_run_expiring, CA_CTX},
    {"renew", "SERIAL|IDENTITY", 1, 1, "new key and certificate for the same identity", renew_opts,
     ctl_ca_run_renew, CA_CTX},
    {"profile", "IDENTITY", 1, 1,
     "write one client profile file (INI with CA, certificate and key embedded)", profile_opts,
     ctl_ca_run_profile, CA_CTX},
    {"export-p12", "IDENTITY", 1, 1,
     "write the client certificate, its chain and its key as a PKCS#12 file", p12_opts,
     ctl_ca_run_export_p12, CA_CTX},
    {"csr", "NAME", 1, 1,
     "write a certificate request for a key kept in a PKCS#11 token, signed in the token",
     csr_opts, ctl_ca_run_csr, CA_CTX},
    {"token", "IDENTITY", 0, 1,
     "print a one-time enrollment token for IDENTITY (stored hashed), or --revoke ID",
     token_opts, ctl_ca_run_token, CA_CTX},
    {"tokens", "", 0, 0, "list enrollment tokens: id, identity, group, expiry, used or not",
     list_opts, ctl_ca_run_tokens, CA_CTX},
    {NULL, NULL, 0, 0, NULL, NULL, NULL, 0, NULL},
};
