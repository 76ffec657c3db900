/*
 * fuzz_ocsp.c - arbitrary bytes as an OCSP response (checked against a
 * fixed CertID and a fixed self-signed P-256 CA, which must never accept
 * it barring a forgery), as an HTTP response carrying one (with and without
 * EOF), as a certificate whose AIA is read, and as a responder URL. A
 * refusal always has a reason; a body always lies inside the input.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "crl_verify.h"
#include "ocsp.h"
#include "ocsp_http.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A P-256 SubjectPublicKeyInfo with the generator as the point: any key
 * will do, nothing the fuzzer makes is signed by it. */
static const uint8_t spki[] = {
    0x30, 0x59, 0x30, 0x13, 0x06, 0x07, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01, 0x06, 0x08, 0x2a,
    0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07, 0x03, 0x42, 0x00, 0x04, 0x6b, 0x17, 0xd1, 0xf2, 0xe1,
    0x2c, 0x42, 0x47, 0xf8, 0xbc, 0xe6, 0xe5, 0x63, 0xa4, 0x40, 0xf2, 0x77, 0x03, 0x7d, 0x81, 0x2d,
    0xeb, 0x33, 0xa0, 0xf4, 0xa1, 0x39, 0x45, 0xd8, 0x98, 0xc2, 0x96, 0x4f, 0xe3, 0x42, 0xe2, 0xfe,
    0x1a, 0x7f, 0x9b, 0x8e, 0xe7, 0xeb, 0x4a, 0x7c, 0x0f, 0x9e, 0x16, 0x2b, 0xce, 0x33, 0x57, 0x6b,
    0x31, 0x5e, 0xce, 0xcb, 0xb6, 0x40, 0x68, 0x37, 0xbf, 0x51, 0xf5};
static const uint8_t name[] = {0x30, 0x0d, 0x31, 0x0b, 0x30, 0x09, 0x06, 0x03,
			       0x55, 0x04, 0x03, 0x0c, 0x02, 0x43, 0x41};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint8_t serial[] = {0x10, 0x00};
	struct ocsp_policy pol = {1700000000, 300, 3600};
	struct crl_cert ca;
	struct ocsp_certid id;
	struct ocsp_answer a;
	struct ocsp_url u;
	const uint8_t *body;
	const char *why = NULL;
	size_t bl;
	char url[OCSP_URL_MAX];

	memset(&ca, 0, sizeof(ca));
	ca.subject.p = name;
	ca.subject.len = sizeof(name);
	ca.spki.p = spki;
	ca.spki.len = sizeof(spki);
	if (!ocsp_certid_make(&ca, serial, sizeof(serial), &id))
		__builtin_trap();
	if (ocsp_response_check(data, size, &id, &ca, NULL, 0, &pol, &a, &why) == OCSP_OK)
		__builtin_trap(); /* a forgery, or a hole */
	if (why == NULL)
		__builtin_trap();
	for (int eof = 0; eof < 2; eof++) {
		why = NULL;
		if (ocsp_http_response(data, size, eof, &body, &bl, &why) == OCSP_HTTP_OK) {
			if (body < data || bl == 0 || bl > OCSP_RESPONSE_MAX ||
			    (size_t)(body - data) > size - bl)
				__builtin_trap();
		} else if (why == NULL) {
			__builtin_trap();
		}
	}
	if (ocsp_aia_url(data, size, url, sizeof(url)) && strlen(url) >= sizeof(url))
		__builtin_trap();
	if (size < OCSP_URL_MAX) {
		char *s = malloc(size + 1);
		if (s == NULL)
			return 0;
		memcpy(s, data, size);
		s[size] = '\0';
		why = NULL;
		if (!ocsp_http_url_parse(s, &u, &why) && why == NULL)
			__builtin_trap();
		free(s);
	}
	return 0;
}
