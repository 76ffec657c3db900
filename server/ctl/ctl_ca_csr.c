/*
 * ctl_ca_csr.c - "mtlsvpnctl ca csr NAME --key pkcs11:...": a PKCS#10
 * request with CN=NAME for a key that never leaves its PKCS#11 token (the
 * request is signed inside it), for "ca issue-client NAME --csr FILE" to
 * certify. Run by the key's holder; it needs no CA directory.
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "atomic_file.h"
#include "certgen.h"
#include "ctl_ca.h"
#include "p11key.h"
#include "p11uri.h"

int ctl_ca_run_csr(const struct ctl_cmd *cmd, int argc, char **argv, void *ctx)
{
	struct ca_opts *o = ctx;
	const char *name = argv[0];
	char err[CA_ERRLEN], out[PATH_MAX + 8], base[PATH_MAX];
	struct p11key *k;
	uint8_t *pem;
	size_t len = 0;
	int rc = CTL_EXIT_FAIL;

	(void)cmd;
	(void)argc;
	if (o->key == NULL || !p11uri_is(o->key)) {
		ctl_errorf(&o->base, "--key pkcs11:URI is required: the key in a token, e.g. "
				     "\"pkcs11:token=LABEL;object=LABEL?pin-source=file:/PATH\"");
		return CTL_EXIT_USAGE;
	}
	if (o->out != NULL) {
		snprintf(out, sizeof(out), "%s", o->out);
	} else {
		ctl_ca_safe_file_name(name, base, sizeof(base));
		snprintf(out, sizeof(out), "%s.csr", base);
	}
	k = p11key_open(o->key, o->pkcs11_module, err, sizeof(err));
	if (k == NULL) {
		ctl_errorf(&o->base, "--key: %s", err);
		return CTL_EXIT_FAIL;
	}
	pem = certgen_csr_token(k, name, &len, err, sizeof(err));
	if (pem == NULL) {
		ctl_errorf(&o->base, "%s", err);
	} else if (atomic_file_write(out, pem, len, 0644, false, err, sizeof(err)) < 0) {
		ctl_errorf(&o->base, "cannot write %s: %s", out, err);
	} else {
		printf("wrote a certificate request for \"%s\" to %s\n"
		       "  key  %s (it stays in the token)\n"
		       "Have it signed: mtlsvpnctl ca issue-client %s --csr %s\n",
		       ctl_ca_shown(name), out, p11key_name(k), ctl_ca_shown(name), out);
		rc = CTL_EXIT_OK;
	}
	free(pem);
	p11key_close(k);
	return rc;
}
