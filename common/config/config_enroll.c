/*
 * config_enroll.c - the gateway's EST enrollment keys (config_enroll.h):
 * a certificate lifetime with its unit, and the check that enroll = on
 * names a CA directory the gateway can sign from.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config.h"
#include "config_enroll.h"
#include "p11uri.h"

bool config_enroll_lifetime(const struct config_file *f, const struct config_key *k,
			    const char *value, void *field, char why[static CONFIG_ERR_MAX])
{
	char q[CONFIG_QUOTE_MAX], *end;
	unsigned long long v, mult = 1;

	(void)f;
	(void)k;
	errno = 0;
	v = strtoull(value, &end, 10);
	if (end != value && value[0] != '-' && errno == 0) {
		if (strcmp(end, "m") == 0)
			mult = 60;
		else if (strcmp(end, "h") == 0)
			mult = 3600;
		else if (strcmp(end, "d") == 0)
			mult = 86400;
		else if (strcmp(end, "s") != 0 && end[0] != '\0')
			mult = 0;
	} else {
		mult = 0;
	}
	if (mult == 0 || v > CONFIG_CERT_LIFETIME_MAX || v * mult < CONFIG_CERT_LIFETIME_MIN ||
	    v * mult > CONFIG_CERT_LIFETIME_MAX) {
		config_key_why(why,
			       "%s is not a lifetime from 60s to 3650d; use a number with s, m, "
			       "h or d, e.g. 30d or 12h",
			       config_file_quote(value, q));
		return false;
	}
	*(unsigned *)field = (unsigned)(v * mult);
	return true;
}

bool config_enroll_ca_key(const struct config_file *f, const struct config_key *k,
			  const char *value, void *field, char why[static CONFIG_ERR_MAX])
{
	char reason[256];
	struct p11uri u;
	bool ok, pin;

	(void)f;
	if (!p11uri_is(value)) {
		config_key_why(why,
			       "is not a pkcs11: URI; the issuing key in a file is the CA "
			       "directory's own (remove enroll_ca_key to use it), a key in a "
			       "token is \"pkcs11:token=LABEL;object=LABEL?pin-source=file:PATH\"");
		return false;
	}
	/* The URI may hold a PIN: never quoted back. */
	ok = p11uri_parse(value, &u, reason, sizeof(reason));
	pin = u.pin_value[0] != '\0' || u.pin_source[0] != '\0';
	p11uri_wipe(&u);
	if (!ok || strlen(value) >= k->size) {
		config_key_why(why,
			       "not a usable PKCS#11 URI (%s); write it in double quotes, since "
			       "';' starts a comment: \"pkcs11:token=LABEL;object=LABEL"
			       "?pin-source=file:PATH\"",
			       ok ? "too long" : reason);
		return false;
	}
	/* The gateway runs unattended: nobody is there to type a PIN. */
	if (!pin) {
		config_key_why(why,
			       "names no PIN; the gateway cannot ask for one. Add "
			       "?pin-source=file:PATH (a file readable by root only, holding the "
			       "token's user PIN)");
		return false;
	}
	memcpy(field, value, strlen(value) + 1);
	return true;
}

static bool has_file(const char *dir, const char *name)
{
	char path[PATH_MAX];
	struct stat st;

	if (snprintf(path, sizeof(path), "%s/%s", dir, name) >= (int)sizeof(path))
		return false;
	return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

int config_enroll_check(const struct config_file *f, const struct config_server *s,
			unsigned line_enroll, unsigned line_dir, unsigned line_revoke_old,
			unsigned line_key, char *err)
{
	struct stat st;
	int e;

	/* enroll_ca_dir and enroll_ca_key may wait, unchecked, for enroll = on. */
	if (!s->enroll) {
		if (s->enroll_revoke_old)
			return config_file_errf(f, line_revoke_old, "gateway", "enroll_revoke_old",
						err,
						"is on but enroll is not; add enroll = on, or "
						"remove enroll_revoke_old");
		return 0;
	}
	if (s->enroll_ca_dir[0] == '\0')
		return config_file_errf(f, line_enroll, "gateway", "enroll", err,
					"is on without enroll_ca_dir; add enroll_ca_dir = the CA "
					"directory the gateway signs from (made by 'mtlsvpnctl ca "
					"init --intermediate')");
	/* The gateway's own token key has loaded the module in the process
	 * the signer forks from; a module initialised before a fork cannot
	 * be initialised again in the child (SoftHSM2 refuses), and
	 * finalising it there could close what the gateway still uses. */
	if (s->enroll_ca_key[0] != '\0' && p11uri_is(s->key))
		return config_file_errf(f, line_key, "gateway", "enroll_ca_key", err,
					"cannot be used while key is also in a PKCS#11 token "
					"(the signer would inherit the gateway's initialised "
					"module); keep the gateway's TLS key in a file, or the "
					"issuing key in enroll_ca_dir");
	/* A reload only reads paths: the directory was checked at start. */
	if (f->paths_only)
		return 0;
	e = stat(s->enroll_ca_dir, &st) < 0 ? errno : 0;
	if (e != 0 || !S_ISDIR(st.st_mode))
		return config_file_errf(f, line_dir, "gateway", "enroll_ca_dir", err,
					"%s cannot be used (%s); give the CA directory "
					"'mtlsvpnctl ca init' made",
					s->enroll_ca_dir, e != 0 ? strerror(e) : "not a directory");
	if (!has_file(s->enroll_ca_dir, "ca.crt") || !has_file(s->enroll_ca_dir, "index"))
		return config_file_errf(f, line_dir, "gateway", "enroll_ca_dir", err,
					"%s holds no ca.crt and index; give the CA directory "
					"'mtlsvpnctl ca init' made",
					s->enroll_ca_dir);
	/* With enroll_ca_key the key is in the token; the signer checks at
	 * start that it is the certificate's. */
	if (s->enroll_ca_key[0] == '\0' &&
	    (has_file(s->enroll_ca_dir, "intermediate.crt")
		     ? !has_file(s->enroll_ca_dir, "intermediate.key")
		     : !has_file(s->enroll_ca_dir, "ca.key")))
		return config_file_errf(f, line_dir, "gateway", "enroll_ca_dir", err,
					"%s holds no issuing key (intermediate.key next to "
					"intermediate.crt, or ca.key); the gateway signs with it. "
					"Make an online intermediate with 'mtlsvpnctl ca init "
					"--intermediate' and keep the root key offline",
					s->enroll_ca_dir);
	return 0;
}
