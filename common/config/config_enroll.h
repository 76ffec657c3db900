/*
 * config_enroll.h - the keys of EST enrollment on the gateway
 * (docs/protocol.md section 13): enroll, enroll_ca_dir, cert_lifetime (in
 * [gateway] and per [group NAME]), enroll_revoke_old. Private to the
 * config_* files: parsers for the key tables and the one check across
 * keys, each saying what would be right.
 */
#ifndef MTLSVPN_CONFIG_ENROLL_H
#define MTLSVPN_CONFIG_ENROLL_H

#include "config_key.h"

/* The longest certificate an enrollment may ask for: the ten years
 * certgen allows a client certificate are not meant to be renewed online. */
#define CONFIG_CERT_LIFETIME_MAX (3650u * 86400u)
#define CONFIG_CERT_LIFETIME_MIN 60u
#define CONFIG_CERT_LIFETIME_DEFAULT (30u * 86400u)

/* cert_lifetime = N[s|m|h|d] (no unit: seconds), 60s to 3650d, into an
 * unsigned number of seconds. */
bool config_enroll_lifetime(const struct config_file *f, const struct config_key *k,
			    const char *value, void *field, char why[static CONFIG_ERR_MAX]);
/* enroll = on needs enroll_ca_dir, a directory holding ca.crt, index and
 * an issuing key (ca.key, or intermediate.crt with intermediate.key);
 * enroll_revoke_old = on needs enroll = on. -1 with err. */
int config_enroll_check(const struct config_file *f, const struct config_server *s,
			unsigned line_enroll, unsigned line_dir, unsigned line_revoke_old,
			unsigned line_key, char *err);
/* enroll_ca_key = a pkcs11: URI that names its PIN (pin-source or
 * pin-value): the issuing key in a token. */
bool config_enroll_ca_key(const struct config_file *f, const struct config_key *k,
			  const char *value, void *field, char why[static CONFIG_ERR_MAX]);

#endif
