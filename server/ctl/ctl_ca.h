/*
 * ctl_ca.h - what the "mtlsvpnctl ca" files share: the options context,
 * the CA directory's lock and paths, and the signer (the CA certificate
 * and key that issue: the root, or the intermediate when there is one).
 * ctl_ca_opts.c: options and the command table; ctl_ca.c: the directory,
 * the signer, init, issue-*; ctl_ca_crl.c: list, revoke, crl, expiring;
 * ctl_ca_renew.c: renew, profile; ctl_ca_key.c: the CA key's passphrase;
 * ctl_ca_csr.c: csr (a request for a key kept in a PKCS#11 token);
 * ctl_ca_p12.c: export-p12 (certificate, chain and key as PKCS#12);
 * ctl_ca_token.c: token, tokens (one-time enrollment tokens).
 */
#ifndef MTLSVPN_CTL_CA_H
#define MTLSVPN_CTL_CA_H

#include <limits.h>
#include <stdbool.h>
#include <stdint.h>

#include "ca_index.h"
#include "certgen.h"
#include "ctl_cmd.h"

/* CMake's MTLSVPN_CA_DIR; the Debian packages keep the CA as state. */
#ifdef MTLSVPN_CA_DIR
#define CA_DEFAULT_DIR MTLSVPN_CA_DIR
#else
#define CA_DEFAULT_DIR "/etc/mtlsvpn/ca"
#endif
#define CA_ERRLEN 512
#define CA_CRL_DAYS 7 /* nextUpdate of an automatically written CRL */
#define CA_PASSPHRASE_ENV "MTLSVPN_CA_PASSPHRASE"

enum { DAYS_CA = 3650, DAYS_SERVER = 825, DAYS_CLIENT = 365 };

struct ca_opts {
	struct ctl_ctx base; /* first: see ctl_cmd.h */
	const char *dir, *out, *name, *ou;
	const char *sans[CERTGEN_MAX_SANS];
	unsigned n_sans;
	unsigned days;
	enum certgen_key_type key_type;
	const char *reason, *gateway, *server_name, *cert, *key, *csr, *passphrase_file;
	bool revoke_old, intermediate;
	bool passphrase_stdin, legacy; /* ca export-p12 */
	const char *pkcs11_module;     /* ca csr: the module of --key pkcs11:... */
	const char *group, *token_revoke; /* ca token --group, --revoke */
	int64_t ttl;                      /* ca token --ttl, seconds (0: default) */
};

/* The CA that signs: loaded, matched, not expired. chain_pem is the
 * intermediate's PEM when it is one (issued chains carry it), else NULL. */
struct ca_signer {
	struct certgen_cert cert;
	struct certgen_key *key;
	bool intermediate;
	uint8_t *chain_pem;
	size_t chain_pem_len;
};

/* s with control bytes shown as \xNN, for messages. */
const char *ctl_ca_shown(const char *s);
bool ctl_ca_path(const struct ca_opts *o, char out[static PATH_MAX], const char *dir,
		 const char *name);
void ctl_ca_human_date(int64_t t, char out[static 32]);
void ctl_ca_safe_file_name(const char *s, char *out, size_t cap);
/* Takes DIR/.lock for the life of the process. */
int ctl_ca_lock(const struct ca_opts *o);

int ctl_ca_index_load(const struct ca_opts *o, struct ca_index *ix);
int ctl_ca_index_save(const struct ca_opts *o, const struct ca_index *ix);
/* The record's file as a path (relative ones start at the CA directory),
 * its ".crt" replaced by ext unless ext is NULL. */
bool ctl_ca_rec_path(const struct ca_opts *o, const struct ca_index_rec *r, const char *ext,
		     char out[static PATH_MAX]);
/* cert_path relative to the CA directory when inside it. */
void ctl_ca_rel_path(const char *dir, const char *cert_path, char out[static PATH_MAX]);

int ctl_ca_signer_load(const struct ca_opts *o, struct ca_signer *s);
void ctl_ca_signer_free(struct ca_signer *s);

/* The passphrase for the CA key: --passphrase-file, else the environment;
 * NULL (no passphrase) if neither is given, with *failed false. */
char *ctl_ca_passphrase(const struct ca_opts *o, bool *failed);
/* Loads a CA key, decrypting it if it is encrypted. */
struct certgen_key *ctl_ca_key_load(const struct ca_opts *o, const char *path);
/* Writes a CA key, encrypted if a passphrase was given. */
int ctl_ca_key_write(const struct ca_opts *o, struct certgen_key *key, const char *path);

/* Re-signs DIR/crl.pem from the index (lock held, index loaded); prints
 * where it went. 0 or -1. */
int ctl_ca_crl_write(const struct ca_opts *o, const struct ca_signer *s, const struct ca_index *ix,
		     unsigned days, const char *out);

/* Issues a client certificate for identity with ou (may be NULL) into
 * out_dir as NAME.crt/NAME.key (chain included), records it in ix and
 * saves ix. file_base overrides the file name (NULL: from identity). */
struct ca_issued {
	struct certgen_cert cert;
	char crt_path[PATH_MAX], key_path[PATH_MAX];
};
int ctl_ca_issue_client(struct ca_opts *o, struct ca_signer *s, struct ca_index *ix,
			const char *identity, const char *ou, const char *out_dir,
			const char *file_base, struct ca_issued *res);

/* Issues any certificate for req (see issue_one in ctl_ca.c) and prints
 * where it went. */
int ctl_ca_issue_req(struct ca_opts *o, struct ca_signer *s, struct ca_index *ix,
		     const struct certgen_req *req, const char *out_dir, const char *file_base,
		     struct ca_issued *res);

/* The commands (ctl_ca_opts.c holds the table). */
int ctl_ca_run_init(const struct ctl_cmd *cmd, int argc, char **argv, void *ctx);
int ctl_ca_run_issue_server(const struct ctl_cmd *cmd, int argc, char **argv, void *ctx);
int ctl_ca_run_issue_client(const struct ctl_cmd *cmd, int argc, char **argv, void *ctx);
int ctl_ca_run_list(const struct ctl_cmd *cmd, int argc, char **argv, void *ctx);
int ctl_ca_run_revoke(const struct ctl_cmd *cmd, int argc, char **argv, void *ctx);
int ctl_ca_run_crl(const struct ctl_cmd *cmd, int argc, char **argv, void *ctx);
int ctl_ca_run_expiring(const struct ctl_cmd *cmd, int argc, char **argv, void *ctx);
int ctl_ca_run_renew(const struct ctl_cmd *cmd, int argc, char **argv, void *ctx);
int ctl_ca_run_profile(const struct ctl_cmd *cmd, int argc, char **argv, void *ctx);
int ctl_ca_run_export_p12(const struct ctl_cmd *cmd, int argc, char **argv, void *ctx);
int ctl_ca_run_csr(const struct ctl_cmd *cmd, int argc, char **argv, void *ctx);
int ctl_ca_run_token(const struct ctl_cmd *cmd, int argc, char **argv, void *ctx);
int ctl_ca_run_tokens(const struct ctl_cmd *cmd, int argc, char **argv, void *ctx);

#endif
