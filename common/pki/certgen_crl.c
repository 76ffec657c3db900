/*
 * certgen_crl.c - the CA's revocation list: takes from the issuing CA
 * certificate what the CRL must repeat exactly (its subject Name, byte for
 * byte, and its subjectKeyIdentifier), hands the entries to crl_build and
 * returns PEM ("X509 CRL"). Pure, like the rest of certgen.
 */
#include <wolfssl/options.h>
#include <wolfssl/wolfcrypt/settings.h>
#include <wolfssl/wolfcrypt/asn.h>
#include <wolfssl/wolfcrypt/asn_public.h>
#include <wolfssl/wolfcrypt/coding.h>

#include <stdlib.h>
#include <string.h>

#include "certgen.h"
#include "certgen_int.h"
#include "crl_build.h"

/* One DER element header at p (single-byte tag, definite length); false if
 * it does not fit in [p, end). */
static bool tlv(const uint8_t *p, const uint8_t *end, uint8_t *tag, size_t *hdr, size_t *len)
{
	size_t n, l = 0;

	if (end - p < 2)
		return false;
	*tag = p[0];
	if (p[1] < 0x80) {
		l = p[1];
		*hdr = 2;
	} else {
		n = p[1] & 0x7f;
		if (n == 0 || n > 3 || (size_t)(end - p) < 2 + n)
			return false;
		for (size_t i = 0; i < n; i++)
			l = l << 8 | p[2 + i];
		*hdr = 2 + n;
	}
	*len = l;
	return (size_t)(end - p) - *hdr >= l;
}

int certgen_cert_subject(const struct certgen_cert *cert, const uint8_t **name, size_t *len)
{
	const uint8_t *p = cert->der, *end = cert->der + cert->der_len;
	size_t hdr, l;
	uint8_t tag;

	/* Certificate { TBSCertificate { [0] version, serial, signature,
	 * issuer, validity, subject ... } } */
	if (!tlv(p, end, &tag, &hdr, &l) || tag != 0x30)
		return -1;
	p += hdr;
	if (!tlv(p, end, &tag, &hdr, &l) || tag != 0x30)
		return -1;
	end = p + hdr + l;
	p += hdr;
	for (int i = 0; i < 6; i++) {
		if (!tlv(p, end, &tag, &hdr, &l))
			return -1;
		if (i == 0 && tag != 0xa0)
			i++; /* a v1 certificate has no [0] version */
		if (i == 5) {
			if (tag != 0x30)
				return -1;
			*name = p;
			*len = hdr + l;
			return 0;
		}
		p += hdr + l;
	}
	return -1;
}

int certgen_crl_make(const struct certgen_cert *issuer, struct certgen_key *key,
		     const struct certgen_crl *crl, uint8_t **pem, size_t *pem_len, char *err,
		     size_t errlen)
{
	struct crl_build_req req = {0};
	uint8_t ski[KEYID_SIZE];
	uint8_t *der = NULL;
	size_t der_len = 0;
	DecodedCert dc;
	int rc;

	*pem = NULL;
	if (certgen_cert_subject(issuer, &req.issuer, &req.issuer_len) < 0) {
		errbuf_set(err, errlen, "cannot find the subject name in the CA certificate");
		return -1;
	}
	wc_InitDecodedCert(&dc, issuer->der, (word32)issuer->der_len, NULL);
	rc = wc_ParseCert(&dc, CERT_TYPE, NO_VERIFY, NULL);
	if (rc != 0 || !dc.extSubjKeyIdSet) {
		wc_FreeDecodedCert(&dc);
		errbuf_set(err, errlen, "the CA certificate has no subject key identifier: %s",
			       rc != 0 ? certgen_wc_err(rc) : "extension missing");
		return -1;
	}
	memcpy(ski, dc.extSubjKeyId, sizeof(ski));
	wc_FreeDecodedCert(&dc);
	if (!certgen_key_matches(key, issuer)) {
		errbuf_set(err, errlen, "the CA key does not belong to the CA certificate");
		return -1;
	}
	req.key_id = ski;
	req.key_id_len = sizeof(ski);
	req.crl_number = crl->number;
	req.this_update = crl->this_update;
	req.next_update = crl->next_update;
	req.entries = crl->entries;
	req.n_entries = crl->n_entries;
	req.sig = key->type == CERTGEN_KEY_EC_P256 ? CRL_BUILD_SIG_ECDSA_SHA256
						   : CRL_BUILD_SIG_RSA_SHA256;
	if (crl_build(&req, certgen_key_obj(key), &der, &der_len, err, errlen) < 0)
		return -1;
	if (crl->der_only) {
		*pem = der;
		*pem_len = der_len;
		return 0;
	}
	*pem = certgen_der_to_pem(der, der_len, CRL_TYPE, pem_len);
	free(der);
	if (*pem == NULL) {
		errbuf_set(err, errlen, "cannot encode the CRL as PEM");
		return -1;
	}
	return 0;
}
