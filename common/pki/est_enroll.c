/*
 * est_enroll.c - the certificates of an EST enrollment on the client
 * (est_enroll.h): a request signed by the key made here, and fingerprints.
 */
#include <wolfssl/options.h>
#include <wolfssl/wolfcrypt/settings.h>
#include <wolfssl/wolfcrypt/asn_public.h>
#include <wolfssl/wolfcrypt/random.h>
#include <wolfssl/wolfcrypt/sha256.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "certgen_int.h"
#include "errbuf.h"
#include "est_enroll.h"
#include "hex.h"

#define CSR_MAX 8192

uint8_t *est_enroll_csr(struct certgen_key *key, const char *cn, size_t *len, char *err,
			size_t errlen)
{
	uint8_t *der = malloc(CSR_MAX);
	int type = certgen_key_wc_type(key), rc;
	Cert req;
	WC_RNG rng;

	if (der == NULL) {
		errbuf_set(err, errlen, "out of memory");
		return NULL;
	}
	if (strlen(cn) >= CERTGEN_NAME_MAX) {
		errbuf_set(err, errlen, "the identity is longer than %d bytes",
			   CERTGEN_NAME_MAX - 1);
		free(der);
		return NULL;
	}
	if (wc_InitRng(&rng) != 0) {
		errbuf_set(err, errlen, "cannot initialise the random generator");
		free(der);
		return NULL;
	}
	rc = wc_InitCert(&req);
	if (rc == 0) {
		snprintf(req.subject.commonName, sizeof(req.subject.commonName), "%s", cn);
		req.version = 0;
		req.sigType = type == ECC_TYPE ? CTC_SHA256wECDSA : CTC_SHA256wRSA;
		rc = wc_MakeCertReq_ex(&req, der, CSR_MAX, type, certgen_key_obj(key));
	}
	if (rc > 0)
		rc = wc_SignCert_ex(req.bodySz, req.sigType, der, CSR_MAX, type,
				    certgen_key_obj(key), &rng);
	wc_FreeRng(&rng);
	if (rc <= 0) {
		errbuf_set(err, errlen, "cannot make the certificate request: %s",
			   certgen_wc_err(rc));
		free(der);
		return NULL;
	}
	*len = (size_t)rc;
	return der;
}

int est_enroll_certs_take(uint8_t *der, size_t len, struct est_enroll_certs *c, char *err,
			  size_t errlen)
{
	const char *why = NULL;

	memset(c, 0, sizeof(*c));
	c->der = der;
	c->der_len = len;
	if (!pkcs7_certs_parse(der, len, c->certs, PKCS7_CERTS_MAX, &c->n, &why))
		;
	else if (c->n == 0)
		why = "it carries no certificate";
	if (why != NULL) {
		errbuf_set(err, errlen, "the gateway's certificates cannot be read: %s", why);
		est_enroll_certs_free(c);
		return -1;
	}
	return 0;
}

void est_enroll_certs_free(struct est_enroll_certs *c)
{
	free(c->der);
	memset(c, 0, sizeof(*c));
}

void est_enroll_fingerprint(const uint8_t *der, size_t len, char out[static EST_ENROLL_FP_HEX])
{
	static const char hx[] = "0123456789abcdef";
	uint8_t h[EST_ENROLL_FP_LEN];

	if (wc_Sha256Hash(der, (word32)len, h) != 0)
		memset(h, 0, sizeof(h));
	for (size_t i = 0; i < sizeof(h); i++) {
		out[2 * i] = hx[h[i] >> 4];
		out[2 * i + 1] = hx[h[i] & 15];
	}
	out[2 * sizeof(h)] = 0;
}

bool est_enroll_fingerprint_parse(const char *s, uint8_t out[static EST_ENROLL_FP_LEN])
{
	size_t n = 0;

	if (strncasecmp(s, "sha256:", 7) == 0)
		s += 7;
	while (*s != 0) {
		int hi, lo;

		if ((*s == ':' || *s == ' ') && n > 0) {
			s++;
			continue;
		}
		hi = hex_value(s[0]);
		lo = hi < 0 ? -1 : hex_value(s[1]);
		if (lo < 0 || n == EST_ENROLL_FP_LEN)
			return false;
		out[n++] = (uint8_t)(hi << 4 | lo);
		s += 2;
	}
	return n == EST_ENROLL_FP_LEN;
}

int est_enroll_find_fingerprint(const struct est_enroll_certs *c,
				const uint8_t fp[static EST_ENROLL_FP_LEN])
{
	for (size_t i = 0; i < c->n; i++) {
		uint8_t h[EST_ENROLL_FP_LEN];

		if (wc_Sha256Hash(c->certs[i].der, (word32)c->certs[i].len, h) == 0 &&
		    memcmp(h, fp, sizeof(h)) == 0)
			return (int)i;
	}
	return -1;
}
