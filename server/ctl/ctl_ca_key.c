/*
 * ctl_ca_key.c - the CA key's passphrase, read the same way by every
 * command that signs: --passphrase-file FILE (first line, without its
 * newline), else the environment variable MTLSVPN_CA_PASSPHRASE. The
 * passphrase is wiped after use.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "certgen.h"
#include "ctl_ca.h"

#define PASS_MAX 1024

char *ctl_ca_passphrase(const struct ca_opts *o, bool *failed)
{
	char err[CA_ERRLEN], *pass = NULL;
	const char *env;
	uint8_t *data;
	size_t len;

	*failed = false;
	if (o->passphrase_file != NULL) {
		data = certgen_pem_read(o->passphrase_file, &len, err, sizeof(err));
		if (data == NULL) {
			ctl_errorf(&o->base, "--passphrase-file: %s", err);
			*failed = true;
			return NULL;
		}
		len = strcspn((const char *)data, "\r\n");
		data[len] = 0;
		pass = (char *)data;
	} else if ((env = getenv(CA_PASSPHRASE_ENV)) != NULL && env[0] != 0) {
		pass = strdup(env);
		len = pass != NULL ? strlen(pass) : 0;
	} else {
		return NULL;
	}
	if (pass == NULL || len == 0 || len > PASS_MAX) {
		ctl_errorf(&o->base, "the passphrase is empty or longer than %d bytes", PASS_MAX);
		if (pass != NULL) {
			explicit_bzero(pass, strlen(pass));
			free(pass);
		}
		*failed = true;
		return NULL;
	}
	return pass;
}

static void pass_free(char *pass)
{
	if (pass != NULL) {
		explicit_bzero(pass, strlen(pass));
		free(pass);
	}
}

struct certgen_key *ctl_ca_key_load(const struct ca_opts *o, const char *path)
{
	char err[CA_ERRLEN];
	bool failed;
	char *pass = ctl_ca_passphrase(o, &failed);
	struct certgen_key *k;

	if (failed)
		return NULL;
	k = certgen_key_load_pass(path, pass, err, sizeof(err));
	pass_free(pass);
	if (k == NULL)
		ctl_errorf(&o->base, "%s", err);
	return k;
}

int ctl_ca_key_write(const struct ca_opts *o, struct certgen_key *key, const char *path)
{
	char err[CA_ERRLEN];
	bool failed;
	char *pass = ctl_ca_passphrase(o, &failed);
	int rc;

	if (failed)
		return -1;
	rc = certgen_key_write_pass(key, path, pass, err, sizeof(err));
	pass_free(pass);
	if (rc < 0)
		ctl_errorf(&o->base, "%s", err);
	return rc;
}
