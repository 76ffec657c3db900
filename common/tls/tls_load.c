/*
 * tls_load.c - the key-material half of the TLS wrapper: the CA bundle, the
 * certificate chain and its key into a context, from files or from PEM
 * embedded in a profile, and the words for each way that fails (the
 * system's when a file cannot be opened, wolfSSL's otherwise, and where the
 * embedded PEM sits).
 */
#include "tls_internal.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <wolfssl/options.h>
#include <wolfssl/ssl.h>

/* wolfSSL's words for a failed load (from its error queue, else from the
 * return code), or fallback; the queue is left empty. */
static void load_reason(int ret, const char *fallback, char reason[static WOLFSSL_MAX_ERROR_SZ])
{
	unsigned long e = wolfSSL_ERR_get_error();

	memset(reason, 0, WOLFSSL_MAX_ERROR_SZ);
	if (e != 0)
		wolfSSL_ERR_error_string_n(e, reason, WOLFSSL_MAX_ERROR_SZ);
	else if (ret < 0)
		wolfSSL_ERR_error_string_n((unsigned long)ret, reason, WOLFSSL_MAX_ERROR_SZ);
	else
		snprintf(reason, WOLFSSL_MAX_ERROR_SZ, "%s", fallback);
	wolfSSL_ERR_clear_error();
}

/* Words for a failed load: the system's if the file cannot be opened,
 * wolfSSL's otherwise. */
static void load_error(char *err, size_t errlen, const char *what, const char *path, int ret)
{
	char reason[WOLFSSL_MAX_ERROR_SZ];
	FILE *f = fopen(path, "r");

	if (f == NULL) {
		snprintf(err, errlen, "cannot load %s %s: %s", what, path, strerror(errno));
		wolfSSL_ERR_clear_error();
		return;
	}
	fclose(f);
	load_reason(ret, "not a usable PEM file", reason);
	snprintf(err, errlen, "cannot load %s %s: %s", what, path, reason);
}

/* The same for PEM held in memory: wolfSSL's reason, and where it sits. */
static void load_error_mem(char *err, size_t errlen, const char *what, const char *where, int ret)
{
	char reason[WOLFSSL_MAX_ERROR_SZ];

	load_reason(ret, "not usable PEM", reason);
	snprintf(err, errlen, "cannot load the %s embedded in %s: %s", what,
		 where != NULL ? where : "the configuration", reason);
}

bool tls_load(struct WOLFSSL_CTX *wctx, const struct tls_ctx_params *p, char *err, size_t errlen)
{
	const char *in = p->embedded_in;
	int r;

	if (p->ca_pem != NULL) {
		r = wolfSSL_CTX_load_verify_buffer(wctx, (const unsigned char *)p->ca_pem,
						   (long)strlen(p->ca_pem), WOLFSSL_FILETYPE_PEM);
		if (r != WOLFSSL_SUCCESS) {
			load_error_mem(err, errlen, "CA bundle [ca]", in, r);
			return false;
		}
	} else {
		if (p->ca_file == NULL || p->ca_file[0] == '\0') {
			snprintf(err, errlen, "no CA bundle (ca) configured");
			return false;
		}
		r = wolfSSL_CTX_load_verify_locations(wctx, p->ca_file, NULL);
		if (r != WOLFSSL_SUCCESS) {
			load_error(err, errlen, "CA bundle", p->ca_file, r);
			return false;
		}
	}
	/* A client without a certificate is only useful to tests: the gateway
	 * refuses it. */
	if (p->cert_file == NULL && p->cert_pem == NULL && !p->server)
		return true;
	if ((p->cert_file == NULL && p->cert_pem == NULL) ||
	    (p->key_file == NULL && p->key_pem == NULL)) {
		snprintf(err, errlen, "a certificate (cert) and its key (key) are required");
		return false;
	}
	if (p->cert_pem != NULL) {
		r = wolfSSL_CTX_use_certificate_chain_buffer_format(
		    wctx, (const unsigned char *)p->cert_pem, (long)strlen(p->cert_pem),
		    WOLFSSL_FILETYPE_PEM);
		if (r != WOLFSSL_SUCCESS) {
			load_error_mem(err, errlen, "certificate [cert]", in, r);
			return false;
		}
	} else {
		r = wolfSSL_CTX_use_certificate_chain_file(wctx, p->cert_file);
		if (r != WOLFSSL_SUCCESS) {
			load_error(err, errlen, "certificate", p->cert_file, r);
			return false;
		}
	}
	if (p->key_pem != NULL) {
		r = wolfSSL_CTX_use_PrivateKey_buffer(wctx, (const unsigned char *)p->key_pem,
						      (long)strlen(p->key_pem),
						      WOLFSSL_FILETYPE_PEM);
		if (r != WOLFSSL_SUCCESS) {
			load_error_mem(err, errlen, "key [key]", in, r);
			return false;
		}
	} else {
		r = wolfSSL_CTX_use_PrivateKey_file(wctx, p->key_file, WOLFSSL_FILETYPE_PEM);
		if (r != WOLFSSL_SUCCESS) {
			load_error(err, errlen, "key", p->key_file, r);
			return false;
		}
	}
	if (wolfSSL_CTX_check_private_key(wctx) != WOLFSSL_SUCCESS) {
		snprintf(err, errlen, "key %s does not belong to certificate %s",
			 p->key_pem != NULL ? "[key]" : p->key_file,
			 p->cert_pem != NULL ? "[cert]" : p->cert_file);
		wolfSSL_ERR_clear_error();
		return false;
	}
	return true;
}
