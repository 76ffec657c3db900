/*
 * certgen.h - key generation and X.509 v3 certificate issuance for the
 * mtlsvpnctl certificate authority, on wolfCrypt alone (never <wolfssl/ssl.h>).
 * Pure: nothing here logs; every call that can fail fills an error buffer
 * with the file and the reason. Keys leave this module only as PEM files
 * written 0600 through certgen_file_write(), and are wiped before free.
 */
#ifndef MTLSVPN_CERTGEN_H
#define MTLSVPN_CERTGEN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* X.509 upper bound for a CN or OU (RFC 5280 ub-common-name). */
#define CERTGEN_NAME_MAX 64
#define CERTGEN_SERIAL_LEN 16 /* random, positive: 127 bits of entropy */
#define CERTGEN_MAX_SANS 16
/* notBefore is backdated this much so a client with a slow clock accepts a
 * certificate issued a moment ago. */
#define CERTGEN_BACKDATE_SECS 3600

enum certgen_kind {
	CERTGEN_CA,	/* CA:TRUE, keyCertSign + cRLSign; self-signed without issuer */
	CERTGEN_SERVER, /* CA:FALSE, digitalSignature, serverAuth, SAN DNS/IP */
	CERTGEN_CLIENT, /* CA:FALSE, digitalSignature, clientAuth, SAN email */
};

enum certgen_key_type {
	CERTGEN_KEY_EC_P256, /* the default: small, fast, what TLS 1.3 prefers */
	CERTGEN_KEY_RSA_3072,
};

/* Opaque: an ECC or RSA private key. Not const anywhere: wolfCrypt keeps
 * scratch state inside keys while it signs. */
struct certgen_key;

/* One issued or loaded certificate. der is heap-owned. */
struct certgen_cert {
	uint8_t *der;
	size_t der_len;
	uint8_t serial[20];
	size_t serial_len;
	int64_t not_before, not_after; /* unix time */
};

struct certgen_req {
	enum certgen_kind kind;
	const char *cn; /* required, < CERTGEN_NAME_MAX bytes, UTF-8 */
	const char *ou; /* optional, same limits */
	/* Subject alternative names; DNS and IP for servers, e-mail for
	 * clients (any kind may carry any, the profile is the caller's). IPs
	 * are text ("192.0.2.1", "2001:db8::1"). */
	const char *dns[CERTGEN_MAX_SANS];
	size_t n_dns;
	const char *ip[CERTGEN_MAX_SANS];
	size_t n_ip;
	const char *email[CERTGEN_MAX_SANS];
	size_t n_email;
	unsigned path_len; /* CERTGEN_CA: pathLenConstraint (0: signs leaves only) */
	int64_t now;	   /* issue time (unix); 0 means time(NULL) */
	unsigned days;	   /* notBefore (back-dated) to notAfter, >= 1 */
	/* Instead of days when non-zero: notAfter this many seconds after
	 * now (an enrolled certificate may live minutes); notBefore is still
	 * back-dated. */
	unsigned secs;
};

const char *certgen_kind_name(enum certgen_kind k); /* "ca", "server", "client" */
bool certgen_kind_parse(const char *s, enum certgen_kind *out);
bool certgen_key_type_parse(const char *s, enum certgen_key_type *out); /* "ec", "rsa" */

struct certgen_key *certgen_key_generate(enum certgen_key_type type, char *err, size_t errlen);
/* Reads a PEM private key (EC or RSA, as certgen_key_write writes it). */
struct certgen_key *certgen_key_load(const char *path, char *err, size_t errlen);
/* Atomically writes the PEM private key with mode 0600; never replaces an
 * existing file (EEXIST in err). */
int certgen_key_write(struct certgen_key *key, const char *path, char *err, size_t errlen);
void certgen_key_free(struct certgen_key *key); /* wipes the key; NULL is fine */
/* The same with a passphrase: load decrypts a PKCS#8 "ENCRYPTED PRIVATE
 * KEY" (a plain key loads too); write encrypts with PBES2 AES-256-CBC.
 * -1 with err saying so if this wolfSSL build lacks the support. */
struct certgen_key *certgen_key_load_pass(const char *path, const char *pass, char *err,
					  size_t errlen);
int certgen_key_write_pass(struct certgen_key *key, const char *path, const char *pass, char *err,
			   size_t errlen);
/* True if the PEM file at path holds an encrypted private key. */
bool certgen_key_is_encrypted(const char *path);
/* The public key of a PKCS#10 request (PEM), after checking its
 * self-signature; its subject CN must equal cn (NULL: any). */
struct certgen_key *certgen_csr_load(const char *path, const char *cn, char *err, size_t errlen);
/* The same for a DER request in memory (name in messages): parses it,
 * verifies its self-signature with its own public key (proof of
 * possession), and returns that key if it is P-256 EC or RSA of 2048 bits
 * or more. The subject CN as requested goes to cn (cn_cap bytes; "" if
 * none, too long or holding a NUL); cn may be NULL. */
struct certgen_key *certgen_csr_parse(const uint8_t *der, size_t len, const char *name,
				      char *cn, size_t cn_cap, char *err, size_t errlen);
/* A PKCS#10 request with subject CN=cn for an EC P-256 key inside a
 * PKCS#11 token (p11key.h), signed in the token: PEM in a fresh buffer
 * (*pem_len bytes), or NULL with err. */
struct p11key;
uint8_t *certgen_csr_token(const struct p11key *k, const char *cn, size_t *pem_len, char *err,
			   size_t errlen);
/* An EC P-256 key in a PKCS#11 token as a certgen key (certgen_token.c):
 * the public key is the token's public key object; certgen_issue and the
 * CRL functions sign with it inside the token. k must outlive it. NULL
 * with err if the key is not P-256 or the token holds no public key. */
struct certgen_key *certgen_key_token(const struct p11key *k, char *err, size_t errlen);
/* Signs a fixed digest with key and verifies the signature with its
 * public key: a token key that cannot sign (a token whose files this
 * user cannot read) says so here. 0, or -1 with err. */
int certgen_key_try_sign(struct certgen_key *key, char *err, size_t errlen);

/* Builds and signs a certificate for subject_key (which may hold only a
 * public key, as from a CSR). For a root CA, issuer and issuer_key are NULL
 * (self-signed); otherwise they are the issuing CA's. The
 * notAfter of an issued certificate never exceeds the issuer's: a request
 * that would is refused. 0 or -1 with err filled. */
int certgen_issue(const struct certgen_req *req, struct certgen_key *subject_key,
		  const struct certgen_cert *issuer, struct certgen_key *issuer_key,
		  struct certgen_cert *out, char *err, size_t errlen);

/* Reads a PEM certificate and fills serial and validity. */
int certgen_cert_load(const char *path, struct certgen_cert *out, char *err, size_t errlen);
/* The PEM text of cert in a fresh heap buffer; NULL if out of memory. */
uint8_t *certgen_cert_pem(const struct certgen_cert *cert, size_t *len);
/* A whole (PEM) file of at most 64 KiB, NUL-terminated; NULL with err. */
uint8_t *certgen_pem_read(const char *path, size_t *len, char *err, size_t errlen);
/* The PKCS#8 DER inside a PEM "ENCRYPTED PRIVATE KEY", decrypted with
 * pass into der; its length, or a negative wolfCrypt error. */
int certgen_pem_decrypt(const uint8_t *pem, size_t pem_len, const char *pass, uint8_t *der,
			size_t cap);
/* The same from DER in memory (copied; name "the certificate" in err). */
int certgen_cert_from_der(const uint8_t *der, size_t len, struct certgen_cert *out, char *err,
			  size_t errlen);
/* Atomically writes the PEM certificate, mode 0644, never replacing a file. */
int certgen_cert_write(const struct certgen_cert *cert, const char *path, char *err, size_t errlen);
void certgen_cert_free(struct certgen_cert *cert);

/* True if cert's public key is the one in key (a CA key that belongs to
 * another CA's certificate would sign certificates nobody can verify). */
bool certgen_key_matches(struct certgen_key *key, const struct certgen_cert *cert);

/* Lowercase hex of the serial, no separators: out needs 2 * 20 + 1. */
void certgen_serial_hex(const struct certgen_cert *cert, char out[static 41]);
/* First 8 bytes of the SHA-256 of the DER, hex, as in the logs. */
void certgen_fingerprint(const struct certgen_cert *cert, char out[static 17]);

/* Writes data to path atomically: a temporary file in the same directory
 * (O_EXCL, the given mode), fsync, then rename (replace) or link (no
 * replace, EEXIST if path exists), then fsync of the directory. On failure
 * the temporary file is removed and path is untouched. */
int certgen_file_write(const char *path, const void *data, size_t len, mode_t mode, bool replace,
		       char *err, size_t errlen);

/* A request that repeats cert's subject and alternative names (renew);
 * the caller sets days. The strings live in the struct. */
struct certgen_req_copy {
	struct certgen_req req;
	char cn[CERTGEN_NAME_MAX], ou[CERTGEN_NAME_MAX];
	char dns[CERTGEN_MAX_SANS][254], email[CERTGEN_MAX_SANS][255], ip[CERTGEN_MAX_SANS][46];
};
int certgen_req_from_cert(const struct certgen_cert *cert, enum certgen_kind kind,
			  struct certgen_req_copy *out, char *err, size_t errlen);

/* The subject Name of cert, as the DER bytes inside cert->der. */
int certgen_cert_subject(const struct certgen_cert *cert, const uint8_t **name, size_t *len);

/* A CRL signed by issuer's key (certgen_crl.c). */
struct crl_build_entry;
struct certgen_crl {
	uint64_t number;
	int64_t this_update, next_update;
	const struct crl_build_entry *entries;
	size_t n_entries;
	bool der_only; /* DER instead of PEM (for tests) */
};
/* PEM "X509 CRL" (or DER) into a fresh heap buffer. 0 or -1 with err. */
int certgen_crl_make(const struct certgen_cert *issuer, struct certgen_key *key,
		     const struct certgen_crl *crl, uint8_t **pem, size_t *pem_len, char *err,
		     size_t errlen);

#endif
