/*
 * tls_verify.c - a certificate checked offline against a CA bundle, the
 * way a handshake would check it (tls.h tls_verify_cert): the EST client
 * verifies the certificate it was issued, and the CA certificates a
 * fingerprint vouched for, before writing them anywhere.
 */
#include <wolfssl/options.h>
#include <wolfssl/ssl.h>

#include <stdio.h>
#include <string.h>

#include "tls.h"

bool tls_verify_cert(const char *ca_pem, const uint8_t *const *certs, const size_t *lens, size_t n,
		     char *err, size_t errlen)
{
	WOLFSSL_CERT_MANAGER *cm = wolfSSL_CertManagerNew();
	bool loaded[16] = {false};
	bool progress = true, ok = false;
	int r;

	if (cm == NULL || n == 0 || n > sizeof(loaded)) {
		snprintf(err, errlen, "cannot check the certificate (out of memory)");
		goto out;
	}
	r = wolfSSL_CertManagerLoadCABuffer(cm, (const unsigned char *)ca_pem, (long)strlen(ca_pem),
					    WOLFSSL_FILETYPE_PEM);
	if (r != WOLFSSL_SUCCESS) {
		snprintf(err, errlen, "the CA bundle cannot be read (wolfSSL error %d)", r);
		goto out;
	}
	/* Intermediates that verify become anchors of this scratch manager,
	 * until a round adds none. */
	while (progress) {
		progress = false;
		for (size_t i = 1; i < n; i++) {
			if (loaded[i] || wolfSSL_CertManagerVerifyBuffer(
					     cm, certs[i], (long)lens[i], WOLFSSL_FILETYPE_ASN1) !=
					     WOLFSSL_SUCCESS)
				continue;
			loaded[i] = wolfSSL_CertManagerLoadCABuffer(cm, certs[i], (long)lens[i],
								    WOLFSSL_FILETYPE_ASN1) ==
				    WOLFSSL_SUCCESS;
			progress = loaded[i];
		}
	}
	r = wolfSSL_CertManagerVerifyBuffer(cm, certs[0], (long)lens[0], WOLFSSL_FILETYPE_ASN1);
	if (r != WOLFSSL_SUCCESS) {
		char reason[WOLFSSL_MAX_ERROR_SZ];

		wolfSSL_ERR_error_string_n((unsigned long)r, reason, sizeof(reason));
		snprintf(err, errlen, "it does not verify against the CA: %s", reason);
		goto out;
	}
	ok = true;
out:
	if (cm != NULL)
		wolfSSL_CertManagerFree(cm);
	return ok;
}
