/*
 * enroll.c - `mtlsvpn-client enroll`: a laptop's first certificate over
 * EST with a one-time token (docs/protocol.md 13.10). The key is made
 * here and never leaves; the gateway is authenticated by the CA file the
 * admin gave or, with --ca-fingerprint, by cacerts checked against the
 * fingerprint the token printout carries (RFC 7030 4.1.1). The issued
 * certificate must chain to that CA, name the identity and carry our key.
 * Files are written only once everything checked, each atomically, the
 * configuration last; a failure removes what was written.
 */
#include "client.h"

#include <errno.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "atomic_file.h"
#include "cli.h"
#include "config.h"
#include "errbuf.h"
#include "secret.h"
#include "tls.h"

#define PROG "mtlsvpn-client enroll"
#define DEFAULT_OUT "/etc/mtlsvpn"

enum { ENROLL_OK = 0, ENROLL_FAILED = 1, ENROLL_USAGE = 2 };

struct enroll_opts {
	const char *gateway, *identity, *token, *ca, *fingerprint, *out, *config, *server_name;
	bool help;
};

#define OPT_SETTER(name, field)                                                                    \
	static bool name(const char *v, void *ctx)                                                 \
	{                                                                                          \
		((struct enroll_opts *)ctx)->field = v;                                            \
		return true;                                                                       \
	}
OPT_SETTER(opt_gateway, gateway)
OPT_SETTER(opt_identity, identity)
OPT_SETTER(opt_token, token)
OPT_SETTER(opt_ca, ca)
OPT_SETTER(opt_fingerprint, fingerprint)
OPT_SETTER(opt_out, out)
OPT_SETTER(opt_config, config)
OPT_SETTER(opt_server_name, server_name)

static bool opt_help(const char *v, void *ctx)
{
	(void)v;
	((struct enroll_opts *)ctx)->help = true;
	return true;
}

static const struct cli_opt enroll_options[] = {
    {"gateway", 'g', "HOST[:PORT]", "the gateway (port 8443 if none)", opt_gateway},
    {"identity", 'i', "ID", "the identity the token was made for", opt_identity},
    {"token", 't', "TOKEN", "the one-time token from `mtlsvpnctl ca token`", opt_token},
    {"ca", 0, "FILE", "the CA certificate the admin gave (public)", opt_ca},
    {"ca-fingerprint", 0, "SHA256",
     "instead of --ca: the CA's SHA-256 fingerprint from the token printout", opt_fingerprint},
    {"server-name", 0, "NAME", "the name the gateway's certificate carries (default: HOST)",
     opt_server_name},
    {"out", 'o', "DIR", "write DIR/client.ini, .key, .crt and -ca.crt (default " DEFAULT_OUT ")",
     opt_out},
    {"config", 'c', "FILE", "write the configuration FILE, its key and certificates beside it",
     opt_config},
    {"help", 'h', NULL, "show this help", opt_help},
    {NULL, 0, NULL, NULL, NULL},
};

/* The four files, named after the configuration. */
struct enroll_paths {
	char dir[PATH_MAX];
	char ini[PATH_MAX], key[PATH_MAX], cert[PATH_MAX], ca[PATH_MAX];
	char key_rel[PATH_MAX], cert_rel[PATH_MAX], ca_rel[PATH_MAX];
};

static int fit(char out[static PATH_MAX], const char *base, const char *suffix)
{
	return snprintf(out, PATH_MAX, "%s%s", base, suffix) >= PATH_MAX ? -1 : 0;
}

static int make_paths(const struct enroll_opts *o, struct enroll_paths *p)
{
	char copy[PATH_MAX], dir[PATH_MAX], base[PATH_MAX];
	size_t n;

	if (o->config != NULL) {
		snprintf(copy, sizeof(copy), "%s", o->config);
		snprintf(dir, sizeof(dir), "%s", dirname(copy));
		snprintf(copy, sizeof(copy), "%s", o->config);
		snprintf(base, sizeof(base), "%s", basename(copy));
		n = strlen(base);
		if (n > 4 && strcmp(base + n - 4, ".ini") == 0)
			base[n - 4] = 0;
		snprintf(p->ini, sizeof(p->ini), "%s", o->config);
	} else {
		snprintf(dir, sizeof(dir), "%s", o->out != NULL ? o->out : DEFAULT_OUT);
		snprintf(base, sizeof(base), "client");
		if (snprintf(p->ini, sizeof(p->ini), "%s/client.ini", dir) >= (int)sizeof(p->ini))
			return -1;
	}
	snprintf(p->dir, sizeof(p->dir), "%s", dir);
	if (fit(p->key_rel, base, ".key") < 0 || fit(p->cert_rel, base, ".crt") < 0 ||
	    fit(p->ca_rel, base, "-ca.crt") < 0 ||
	    snprintf(p->key, sizeof(p->key), "%s/%s", dir, p->key_rel) >= (int)sizeof(p->key) ||
	    snprintf(p->cert, sizeof(p->cert), "%s/%s", dir, p->cert_rel) >= (int)sizeof(p->cert) ||
	    snprintf(p->ca, sizeof(p->ca), "%s/%s", dir, p->ca_rel) >= (int)sizeof(p->ca))
		return -1;
	return 0;
}

/* Nothing is overwritten: an existing file is an error before any work,
 * and so is a directory we cannot write (made if missing), before the
 * token is spent. */
static int check_free(const struct enroll_paths *p)
{
	const char *all[] = {p->ini, p->key, p->cert, p->ca};
	struct stat st;

	if (mkdir(p->dir, 0755) < 0 && errno != EEXIST) {
		fprintf(stderr, "%s: cannot create %s: %s\n", PROG, p->dir, strerror(errno));
		return -1;
	}
	if (access(p->dir, W_OK) < 0) {
		fprintf(stderr, "%s: cannot write in %s: %s\n", PROG, p->dir, strerror(errno));
		return -1;
	}

	for (size_t i = 0; i < 4; i++)
		if (lstat(all[i], &st) == 0) {
			fprintf(stderr,
				"%s: %s exists; enrolling never overwrites a file: remove it or "
				"choose another --out or --config\n",
				PROG, all[i]);
			return -1;
		}
	return 0;
}

/* PEM of each DER certificate, concatenated; heap, NUL-terminated. */
static char *pem_of(const struct pkcs7_certs_item *c, size_t n)
{
	char *all = NULL;
	size_t len = 0;

	for (size_t i = 0; i < n; i++) {
		struct certgen_cert cert;
		char err[256];
		size_t plen;
		uint8_t *pem;
		char *grown;

		if (certgen_cert_from_der(c[i].der, c[i].len, &cert, err, sizeof(err)) < 0)
			goto fail;
		pem = certgen_cert_pem(&cert, &plen);
		certgen_cert_free(&cert);
		if (pem == NULL)
			goto fail;
		grown = realloc(all, len + plen + 1);
		if (grown == NULL) {
			free(pem);
			goto fail;
		}
		all = grown;
		memcpy(all + len, pem, plen);
		len += plen;
		all[len] = 0;
		free(pem);
	}
	return all;
fail:
	free(all);
	return NULL;
}

static struct tls_ctx *est_tls(const char *ca_pem, const char *server_name, bool unverified)
{
	struct tls_ctx_params p = {
	    .client_http = true,
	    .client_unverified = unverified,
	    .ca_pem = ca_pem,
	    .server_name = server_name,
	    .embedded_in = "the CA",
	};
	char err[512];
	struct tls_ctx *t = tls_ctx_new(&p, err, sizeof(err));

	if (t == NULL)
		fprintf(stderr, "%s: %s\n", PROG, err);
	return t;
}

/* --ca-fingerprint: cacerts over an unverified session; the CA is the
 * certificate with that fingerprint, with the ones of the answer that
 * chain to it (an intermediate). */
static char *bootstrap_ca(struct est_io *io, const char *fp_text, const char *server_name)
{
	uint8_t fp[EST_ENROLL_FP_LEN];
	struct est_enroll_certs got;
	struct pkcs7_certs_item keep[PKCS7_CERTS_MAX];
	char err[512], *root = NULL, *bundle = NULL;
	size_t n = 0;
	int at;

	if (!est_enroll_fingerprint_parse(fp_text, fp)) {
		fprintf(stderr,
			"%s: --ca-fingerprint: not a SHA-256 fingerprint (64 hex digits, "
			"colons allowed)\n",
			PROG);
		return NULL;
	}
	io->tls = est_tls(NULL, server_name, true);
	if (io->tls == NULL)
		return NULL;
	if (est_io_exchange(io, EST_OP_CACERTS, NULL, 0, &got, err, sizeof(err)) < 0) {
		fprintf(stderr, "%s: cannot fetch the CA certificates: %s\n", PROG, err);
		goto out;
	}
	at = est_enroll_find_fingerprint(&got, fp);
	if (at < 0) {
		fprintf(stderr,
			"%s: the gateway's CA certificates do not match the fingerprint %s: this "
			"is not the gateway the token was made for (or the fingerprint is "
			"mistyped); nothing was sent\n",
			PROG, fp_text);
		goto free_got;
	}
	keep[n++] = got.certs[at];
	root = pem_of(keep, 1);
	for (size_t i = 0; root != NULL && i < got.n; i++) {
		const uint8_t *der[1] = {got.certs[i].der};
		size_t len[1] = {got.certs[i].len};

		if ((int)i != at && tls_verify_cert(root, der, len, 1, err, sizeof(err)))
			keep[n++] = got.certs[i];
	}
	if (root != NULL)
		bundle = pem_of(keep, n);
	free(root);
	if (bundle == NULL)
		fprintf(stderr, "%s: out of memory\n", PROG);
free_got:
	est_enroll_certs_free(&got);
out:
	tls_ctx_free(io->tls);
	io->tls = NULL;
	return bundle;
}

/* The issued certificate: ours (key), for the identity, chaining to ca. */
static int check_issued(const struct est_enroll_certs *got, struct certgen_key *key,
			const char *identity, const char *ca_pem, struct certgen_cert *leaf)
{
	const uint8_t *der[PKCS7_CERTS_MAX];
	size_t len[PKCS7_CERTS_MAX];
	struct certgen_req_copy names;
	char err[512];

	if (certgen_cert_from_der(got->certs[0].der, got->certs[0].len, leaf, err, sizeof(err)) <
	    0) {
		fprintf(stderr, "%s: the gateway's answer: %s\n", PROG, err);
		return -1;
	}
	if (!certgen_key_matches(key, leaf)) {
		fprintf(stderr,
			"%s: the certificate the gateway sent is not for the key made here; "
			"nothing was written\n",
			PROG);
		return -1;
	}
	if (certgen_req_from_cert(leaf, CERTGEN_CLIENT, &names, err, sizeof(err)) < 0 ||
	    strcmp(names.cn, identity) != 0) {
		fprintf(stderr,
			"%s: the certificate the gateway sent does not name %s; nothing "
			"was written\n",
			PROG, identity);
		return -1;
	}
	for (size_t i = 0; i < got->n; i++) {
		der[i] = got->certs[i].der;
		len[i] = got->certs[i].len;
	}
	if (!tls_verify_cert(ca_pem, der, len, got->n, err, sizeof(err))) {
		fprintf(stderr, "%s: the certificate the gateway sent: %s; nothing was written\n",
			PROG, err);
		return -1;
	}
	return 0;
}

static int write_files(const struct enroll_paths *p, const struct enroll_opts *o,
		       struct certgen_key *key, const struct est_enroll_certs *got,
		       const char *ca_pem)
{
	char err[512], ini[2048], when[32];
	const char *written[3] = {NULL, NULL, NULL};
	char *chain = pem_of(got->certs, got->n);
	time_t now = time(NULL);
	struct tm tm;
	int n = 0, len;

	gmtime_r(&now, &tm);
	strftime(when, sizeof(when), "%Y-%m-%d %H:%M UTC", &tm);
	len = snprintf(ini, sizeof(ini),
		       "# Written by mtlsvpn-client enroll for %s on %s.\n"
		       "# The key was made on this machine and never left it; the client\n"
		       "# renews the certificate by itself (renew = auto).\n"
		       "[client]\n"
		       "gateway = %s\n"
		       "%s%s%s"
		       "ca = %s\n"
		       "cert = %s\n"
		       "key = %s\n"
		       "renew = auto\n",
		       o->identity, when, o->gateway, o->server_name ? "server_name = " : "",
		       o->server_name ? o->server_name : "", o->server_name ? "\n" : "", p->ca_rel,
		       p->cert_rel, p->key_rel);
	if (chain == NULL || len < 0 || (size_t)len >= sizeof(ini)) {
		fprintf(stderr, "%s: out of memory\n", PROG);
		free(chain);
		return -1;
	}
	if (certgen_key_write(key, p->key, err, sizeof(err)) < 0)
		goto fail;
	written[n++] = p->key;
	if (atomic_file_write(p->cert, chain, strlen(chain), 0644, false, err, sizeof(err)) < 0)
		goto fail;
	written[n++] = p->cert;
	if (atomic_file_write(p->ca, ca_pem, strlen(ca_pem), 0644, false, err, sizeof(err)) < 0)
		goto fail;
	written[n++] = p->ca;
	/* The configuration last: it exists only if everything it names does. */
	if (atomic_file_write(p->ini, ini, (size_t)len, 0644, false, err, sizeof(err)) < 0)
		goto fail;
	free(chain);
	return 0;
fail:
	fprintf(stderr, "%s: %s; nothing is left written\n", PROG, err);
	while (n-- > 0)
		unlink(written[n]);
	free(chain);
	return -1;
}

static int usage_error(const char *what)
{
	fprintf(stderr, "%s: %s; see --help\n", PROG, what);
	return ENROLL_USAGE;
}

int enroll_main(int argc, char **argv)
{
	struct enroll_opts o = {0};
	struct enroll_paths paths;
	struct est_io io = {.timeout_s = 30};
	struct est_enroll_certs got = {0};
	struct certgen_cert leaf = {0};
	struct certgen_key *key = NULL;
	char host[256], err[512], *ca_pem = NULL, serial[41], until[32];
	uint8_t *csr = NULL;
	size_t csr_len = 0, ca_len = 0;
	int idx, rc = ENROLL_FAILED;

	idx = cli_parse(enroll_options, argc, argv, 1, &o, PROG);
	if (idx < 0)
		return ENROLL_USAGE;
	if (o.help) {
		cli_usage(stdout, PROG,
			  "--gateway HOST[:PORT] --identity ID --token TOKEN "
			  "(--ca FILE | --ca-fingerprint SHA256) [--out DIR | --config FILE]",
			  enroll_options);
		return ENROLL_OK;
	}
	if (idx < argc)
		return usage_error("unexpected argument");
	if (o.gateway == NULL || o.identity == NULL || o.token == NULL)
		return usage_error("--gateway, --identity and --token are required");
	if ((o.ca == NULL) == (o.fingerprint == NULL))
		return usage_error("give the CA as exactly one of --ca FILE or --ca-fingerprint");
	if (o.out != NULL && o.config != NULL)
		return usage_error("give at most one of --out and --config");
	if (!config_client_split_gateway(o.gateway, host, &io.port))
		return usage_error("--gateway is not HOST[:PORT]");
	if (make_paths(&o, &paths) < 0)
		return usage_error("the output path is too long");
	if (check_free(&paths) < 0)
		return ENROLL_FAILED;
	io.host = host;
	if (tls_global_init() < 0) {
		fprintf(stderr, "%s: cannot initialise the TLS library\n", PROG);
		return ENROLL_FAILED;
	}
	if (o.ca != NULL) {
		ca_pem = (char *)certgen_pem_read(o.ca, &ca_len, err, sizeof(err));
		if (ca_pem == NULL) {
			fprintf(stderr, "%s: --ca: %s\n", PROG, err);
			goto out;
		}
	} else if ((ca_pem = bootstrap_ca(&io, o.fingerprint,
					  o.server_name ? o.server_name : host)) == NULL) {
		goto out;
	}
	/* The key is made here and stays here; only its public half goes. */
	key = certgen_key_generate(CERTGEN_KEY_EC_P256, err, sizeof(err));
	if (key == NULL ||
	    (csr = est_enroll_csr(key, o.identity, &csr_len, err, sizeof(err))) == NULL) {
		fprintf(stderr, "%s: %s\n", PROG, err);
		goto out;
	}
	io.tls = est_tls(ca_pem, o.server_name ? o.server_name : host, false);
	if (io.tls == NULL)
		goto out;
	io.identity = o.identity;
	io.token = o.token;
	if (est_io_exchange(&io, EST_OP_SIMPLEENROLL, csr, csr_len, &got, err, sizeof(err)) < 0) {
		fprintf(stderr, "%s: enrollment failed: %s; nothing was written\n", PROG, err);
		goto out;
	}
	if (check_issued(&got, key, o.identity, ca_pem, &leaf) < 0 ||
	    write_files(&paths, &o, key, &got, ca_pem) < 0)
		goto out;
	certgen_serial_hex(&leaf, serial);
	strftime(until, sizeof(until), "%Y-%m-%d %H:%M UTC",
		 gmtime(&(time_t){(time_t)leaf.not_after}));
	printf("enrolled as %s: certificate %s valid until %s\n"
	       "configuration written to %s (key %s, mode 0600)\n"
	       "connect with: mtlsvpn-client -c %s\n",
	       o.identity, serial, until, paths.ini, paths.key, paths.ini);
	rc = ENROLL_OK;
out:
	certgen_cert_free(&leaf);
	est_enroll_certs_free(&got);
	certgen_key_free(key);
	free(csr);
	free(ca_pem);
	tls_ctx_free(io.tls);
	tls_global_deinit();
	return rc;
}
