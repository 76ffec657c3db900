/*
 * config_profile.h - the client profile: one client INI file that carries
 * the CA, the certificate chain and the private key inside it, so an
 * employee gets a single file. The PEM texts sit in sections [ca], [cert]
 * and [key], one PEM line per key pem1, pem2, ... (iniparser reads a value
 * per line, and a PEM line is at most 64 characters). config_client_load
 * reads it back; a profile that embeds a key must be mode 0600.
 */
#ifndef MTLSVPN_CONFIG_PROFILE_H
#define MTLSVPN_CONFIG_PROFILE_H

#include <stddef.h>

#define CONFIG_PROFILE_PEM_LINE_MAX 76 /* RFC 7468 lax parsers accept 76 */

struct config_profile {
	const char *identity;			 /* for the header comment */
	const char *gateway;			 /* "host[:port]" as in [client] gateway */
	const char *server_name;		 /* NULL: the gateway's host */
	const char *ca_pem, *cert_pem, *key_pem; /* NUL-terminated PEM texts */
};

/* The profile text (heap, NUL-terminated, *len bytes); NULL with err if a
 * value or a PEM line cannot be written as INI. The caller wipes it. */
char *config_profile_format(const struct config_profile *p, size_t *len, char *err, size_t errlen);
/* Formats and writes it atomically with mode 0600, replacing path. */
int config_profile_write(const char *path, const struct config_profile *p, char *err,
			 size_t errlen);

#endif
