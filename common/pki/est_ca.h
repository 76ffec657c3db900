/*
 * est_ca.h - the CA a gateway signs EST enrollments and renewals with
 * (docs/protocol.md section 13): a CA directory made by "mtlsvpnctl ca
 * init" (its layout in server/ctl/ctl_ca.c), the issuing certificate and
 * key loaded once (intermediate.crt/.key when there is one, else
 * ca.crt/.key), and one locked step per certificate: under DIR/.lock (the
 * lock every "mtlsvpnctl ca" command takes) load the index, refuse a
 * renewal whose current certificate the index calls revoked or does not
 * list (byte for byte: its issued/ file), sign, write the certificate to
 * issued/IDENTITY-SERIAL.crt, append, save the index atomically, and revoke
 * the predecessor with a new CRL when asked. No logging: errors and
 * refusals go to the caller.
 */
#ifndef MTLSVPN_EST_CA_H
#define MTLSVPN_EST_CA_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "certgen.h"
#include "pkcs7_certs.h"

struct est_ca {
	char dir[PATH_MAX];
	struct certgen_cert cert; /* the issuing CA */
	struct certgen_key *key;  /* its private key */
	struct certgen_cert root; /* with an intermediate: ca.crt; else der NULL */
	struct p11key *token;	  /* the key's token (est_ca_open_token); else NULL */
};

/* Loads the issuing pair from dir (a plain key: the gateway cannot ask
 * for a passphrase). -1 with err naming the file and what to do. */
int est_ca_open(struct est_ca *ca, const char *dir, char *err, size_t errlen);
/* The same with the issuing key in a PKCS#11 token instead of its file:
 * uri (with its PIN's source) opened through module (p11key_open), its
 * public key checked against the issuing certificate's; every signature,
 * certificates and CRLs, is made in the token. -1 with err naming the
 * token, the key or the certificate. */
int est_ca_open_token(struct est_ca *ca, const char *dir, const char *uri, const char *module,
		      char *err, size_t errlen);
/* The certificates only (cacerts, replies), for a process that must not
 * hold the key. */
int est_ca_open_public(struct est_ca *ca, const char *dir, char *err, size_t errlen);
void est_ca_close(struct est_ca *ca); /* wipes the key, closes its token */

/* The CA certificates a client trusts: the issuing CA, then the root when
 * they differ. Returns how many (1 or 2); out points into ca. */
size_t est_ca_chain(const struct est_ca *ca, struct pkcs7_certs_item out[static 2]);

enum est_ca_verdict {
	EST_CA_OK,
	EST_CA_NOT_LISTED, /* renewal: the current certificate is not the one the index lists */
	EST_CA_REVOKED,	   /* renewal: the index says it is revoked */
	EST_CA_FAILED,	   /* I/O, format or signing: err says */
};

struct est_ca_order {
	/* Enrollment: the subject; cur_der NULL. */
	const char *cn, *ou;
	/* Renewal: the current, verified client certificate: its subject
	 * and SANs are kept, its serial looked up; cn and ou unused. */
	const uint8_t *cur_der;
	size_t cur_len;
	unsigned lifetime; /* s */
	bool revoke_old;   /* renewal: revoke cur (reason superseded) */
	int64_t now;	   /* 0: time(NULL) */
};

struct est_ca_result {
	struct certgen_cert cert; /* the new certificate (free it) */
	char serial[41];
	char old_serial[41]; /* renewal: the one it replaces */
	bool revoked_old;
	uint64_t crl_number; /* when revoked_old */
	char crl_err[256];   /* revoked in the index but the CRL not written */
};

/* Certifies pub (from a checked request) as order says. */
enum est_ca_verdict est_ca_sign(struct est_ca *ca, const struct est_ca_order *order,
				struct certgen_key *pub, struct est_ca_result *res, char *err,
				size_t errlen);

const char *est_ca_verdict_str(enum est_ca_verdict v);

#endif
