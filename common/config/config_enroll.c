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
			char *err)
{
	struct stat st;
	int e;

	/* enroll_ca_dir may wait, unchecked, for enroll = on. */
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
	if (has_file(s->enroll_ca_dir, "intermediate.crt")
		? !has_file(s->enroll_ca_dir, "intermediate.key")
		: !has_file(s->enroll_ca_dir, "ca.key"))
		return config_file_errf(f, line_dir, "gateway", "enroll_ca_dir", err,
					"%s holds no issuing key (intermediate.key next to "
					"intermediate.crt, or ca.key); the gateway signs with it. "
					"Make an online intermediate with 'mtlsvpnctl ca init "
					"--intermediate' and keep the root key offline",
					s->enroll_ca_dir);
	return 0;
}
