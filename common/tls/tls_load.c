/*
 * tls_load.c - the key-material half of the TLS wrapper: the CA bundle, the
 * certificate chain and its key into a context, from files or from PEM
 * embedded in a profile, and the words for each way that fails (the
 * system's when a file cannot be opened, wolfSSL's otherwise, and where the
 * embedded PEM sits). An encrypted PKCS#8 key is decrypted here with its
 * passphrase (key_passphrase_file, else asked, see base/secret.h), so a
 * wrong passphrase is said as such; the passphrase and the decrypted key
 * are wiped at once.
 */
#include "tls_internal.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <wolfssl/options.h>
#include <wolfssl/ssl.h>

#include "certgen.h"
#include "p11key.h"
#include "p11uri.h"
#include "secret.h"

#define KEY_DER_MAX 8192
static const char enc_begin[] = "-----BEGIN ENCRYPTED PRIVATE KEY-----";

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

/* The passphrase of key name: key_passphrase_file, else asked. */
static bool key_passphrase(const struct tls_ctx_params *p, const char *name, char *pass,
			   size_t cap, char *err, size_t errlen)
{
	char why[512], prompt[PATH_MAX + 64];

	if (p->key_passphrase_file != NULL && p->key_passphrase_file[0] != '\0') {
		if (secret_read_file(p->key_passphrase_file, pass, cap, why, sizeof(why)) == 0)
			return true;
		snprintf(err, errlen, "cannot read the passphrase of key %s (key_passphrase_file): %s",
			 name, why);
		return false;
	}
	snprintf(prompt, sizeof(prompt), "Passphrase for %s: ", name);
	if (secret_ask(prompt, pass, cap, why, sizeof(why)) == 0)
		return true;
	snprintf(err, errlen,
		 "key %s is encrypted and no passphrase was given: %s; set key_passphrase_file",
		 name, why);
	return false;
}

/* An "ENCRYPTED PRIVATE KEY" (PKCS#8) in memory, named name in messages. */
static bool use_encrypted_key(struct WOLFSSL_CTX *wctx, const struct tls_ctx_params *p,
			      const uint8_t *pem, size_t len, const char *name, char *err,
			      size_t errlen)
{
	char pass[SECRET_MAX + 1];
	uint8_t *der = malloc(KEY_DER_MAX);
	int n, r;

	if (der == NULL) {
		snprintf(err, errlen, "out of memory");
		return false;
	}
	if (!key_passphrase(p, name, pass, sizeof(pass), err, errlen)) {
		free(der);
		return false;
	}
	n = certgen_pem_decrypt(pem, len, pass, der, KEY_DER_MAX);
	secret_wipe(pass, sizeof(pass));
	if (n <= 0) {
		snprintf(err, errlen, "cannot decrypt key %s: wrong passphrase", name);
		secret_wipe(der, KEY_DER_MAX);
		free(der);
		return false;
	}
	r = wolfSSL_CTX_use_PrivateKey_buffer(wctx, der, n, WOLFSSL_FILETYPE_ASN1);
	secret_wipe(der, KEY_DER_MAX);
	free(der);
	if (r != WOLFSSL_SUCCESS) {
		char reason[WOLFSSL_MAX_ERROR_SZ];

		load_reason(r, "not a usable key", reason);
		snprintf(err, errlen, "cannot load key %s: %s", name, reason);
		return false;
	}
	return true;
}

/* The key from a file: an encrypted PKCS#8 one through use_encrypted_key,
 * any other through wolfSSL's own PEM reader. */
static bool use_key_file(struct WOLFSSL_CTX *wctx, const struct tls_ctx_params *p, char *err,
			 size_t errlen)
{
	size_t len = 0;
	uint8_t *pem = certgen_pem_read(p->key_file, &len, NULL, 0);
	bool enc = pem != NULL && memmem(pem, len, enc_begin, sizeof(enc_begin) - 1) != NULL;
	bool ok = true;
	int r;

	if (enc) {
		ok = use_encrypted_key(wctx, p, pem, len, p->key_file, err, errlen);
	} else if (pem != NULL && memmem(pem, len, "Proc-Type: 4,ENCRYPTED", 22) != NULL) {
		snprintf(err, errlen,
			 "cannot load key %s: a legacy encrypted PEM key; convert it to PKCS#8 "
			 "(openssl pkcs8 -topk8 -v2 aes-256-cbc)",
			 p->key_file);
		ok = false;
	} else {
		r = wolfSSL_CTX_use_PrivateKey_file(wctx, p->key_file, WOLFSSL_FILETYPE_PEM);
		if (r != WOLFSSL_SUCCESS) {
			load_error(err, errlen, "key", p->key_file, r);
			ok = false;
		}
	}
	if (pem != NULL) {
		secret_wipe(pem, len);
		free(pem);
	}
	return ok;
}

/* A key inside a PKCS#11 token: wolfSSL gets its id (or label) and the
 * device that signs with it; no key bytes are read. */
static bool use_token_key(struct WOLFSSL_CTX *wctx, const struct tls_ctx_params *p,
			  struct p11key **p11, char *err, size_t errlen)
{
	char why[512];
	const uint8_t *id;
	size_t id_len;
	int r;

	*p11 = p11key_open(p->key_file, p->pkcs11_module, why, sizeof(why));
	if (*p11 == NULL) {
		char name[P11URI_MAX + 1] = "pkcs11:...";
		struct p11uri u;

		/* Named without its PIN. */
		if (p11uri_parse(p->key_file, &u, NULL, 0))
			(void)p11uri_format(&u, name, sizeof(name));
		p11uri_wipe(&u);
		snprintf(err, errlen, "cannot use key %s: %s", name, why);
		return false;
	}
	id = p11key_id(*p11, &id_len);
	if (id_len > 0)
		r = wolfSSL_CTX_use_PrivateKey_id(wctx, id, (long)id_len, p11key_dev_id(*p11),
						  (long)p11key_size(*p11));
	else
		r = wolfSSL_CTX_use_PrivateKey_Label(wctx, p11key_label(*p11),
						     p11key_dev_id(*p11));
	if (r != WOLFSSL_SUCCESS) {
		char reason[WOLFSSL_MAX_ERROR_SZ];

		load_reason(r, "wolfSSL refused it", reason);
		snprintf(err, errlen, "cannot use key %s: %s", p11key_name(*p11), reason);
		return false;
	}
	return true;
}

/* wolfSSL's own check cannot look into a token (5.5.4): an EC key's
 * public point, read from the token, must be the certificate's. Without a
 * public key object (or for RSA) the handshake is the judge. */
static bool token_key_matches(const struct tls_ctx_params *p, const struct p11key *k)
{
	const uint8_t *point;
	size_t n = p11key_ec_point(k, &point);
	unsigned char spki[512];
	int len = (int)sizeof(spki);
	WOLFSSL_X509 *x;
	bool ok;

	if (n == 0)
		return true;
	x = p->cert_pem != NULL
		? wolfSSL_X509_load_certificate_buffer((const unsigned char *)p->cert_pem,
						       (int)strlen(p->cert_pem), WOLFSSL_FILETYPE_PEM)
		: wolfSSL_X509_load_certificate_file(p->cert_file, WOLFSSL_FILETYPE_PEM);
	/* A P-256 SubjectPublicKeyInfo ends with the BIT STRING's 04 || X || Y. */
	ok = x != NULL && wolfSSL_X509_get_pubkey_buffer(x, spki, &len) == WOLFSSL_SUCCESS &&
	     (size_t)len >= n && memcmp(spki + (size_t)len - n, point, n) == 0;
	wolfSSL_X509_free(x);
	return ok;
}

bool tls_load(struct WOLFSSL_CTX *wctx, const struct tls_ctx_params *p, struct p11key **p11,
	      char *err, size_t errlen)
{
	const char *in = p->embedded_in;
	int r;

	if (p->client_http && p->client_unverified) {
		/* The RFC 7030 bootstrap: no trust anchors yet. */
	} else if (p->ca_pem != NULL) {
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
	if (p->key_pem != NULL && strstr(p->key_pem, enc_begin) != NULL) {
		char name[PATH_MAX + 16];

		snprintf(name, sizeof(name), "[key] of %s", in != NULL ? in : "the profile");
		if (!use_encrypted_key(wctx, p, (const uint8_t *)p->key_pem, strlen(p->key_pem),
				       name, err, errlen))
			return false;
	} else if (p->key_pem != NULL) {
		r = wolfSSL_CTX_use_PrivateKey_buffer(wctx, (const unsigned char *)p->key_pem,
						      (long)strlen(p->key_pem),
						      WOLFSSL_FILETYPE_PEM);
		if (r != WOLFSSL_SUCCESS) {
			load_error_mem(err, errlen, "key [key]", in, r);
			return false;
		}
	} else if (p11uri_is(p->key_file)) {
		if (!use_token_key(wctx, p, p11, err, errlen))
			return false;
	} else if (!use_key_file(wctx, p, err, errlen)) {
		return false;
	}
	if (*p11 != NULL ? !token_key_matches(p, *p11)
			 : wolfSSL_CTX_check_private_key(wctx) != WOLFSSL_SUCCESS) {
		snprintf(err, errlen, "key %s does not belong to certificate %s",
			 *p11 != NULL		? p11key_name(*p11)
			 : p->key_pem != NULL	? "[key]"
						: p->key_file,
			 p->cert_pem != NULL ? "[cert]" : p->cert_file);
		wolfSSL_ERR_clear_error();
		return false;
	}
	return true;
}
