/*
 * config_revoke.h - the [gateway] keys of revocation: crl, crl_expired,
 * deny_serials, deny_identities and the OCSP keys. Private to the config_*
 * files: parsers for config_server.c's key table (config_key.h's
 * signature), each checking one value and saying what would be right.
 */
#ifndef MTLSVPN_CONFIG_REVOKE_H
#define MTLSVPN_CONFIG_REVOKE_H

#include "config_key.h"

/* crl = PATH[, PATH...]; field is the struct config_server. */
bool config_revoke_crl(const struct config_file *f, const struct config_key *k, const char *value,
		       void *field, char why[static CONFIG_ERR_MAX]);
/* crl_expired = warn | refuse */
bool config_revoke_crl_expired(const struct config_file *f, const struct config_key *k,
			       const char *value, void *field, char why[static CONFIG_ERR_MAX]);
/* deny_serials = HEX[, HEX...]; field is the struct config_server. */
bool config_revoke_deny_serials(const struct config_file *f, const struct config_key *k,
				const char *value, void *field, char why[static CONFIG_ERR_MAX]);
/* deny_identities = ID[, ID...]; field is the struct config_server. */
bool config_revoke_deny_identities(const struct config_file *f, const struct config_key *k,
				   const char *value, void *field, char why[static CONFIG_ERR_MAX]);
/* ocsp_responder = http://HOST[:PORT][/PATH] */
bool config_revoke_ocsp_responder(const struct config_file *f, const struct config_key *k,
				  const char *value, void *field, char why[static CONFIG_ERR_MAX]);
/* ocsp_timeout = 3s | 500ms | 3 */
bool config_revoke_ocsp_timeout(const struct config_file *f, const struct config_key *k,
				const char *value, void *field, char why[static CONFIG_ERR_MAX]);
/* ocsp_fail = closed | open */
bool config_revoke_ocsp_fail(const struct config_file *f, const struct config_key *k,
			     const char *value, void *field, char why[static CONFIG_ERR_MAX]);

#endif
