/*
 * fuzz_crl_bundle.c - arbitrary bytes as a file of CRLs (PEM blocks with
 * text between, or DER back to back), and each decoded CRL's issuer as
 * text. All or nothing: a refusal leaves the bundle empty with a reason; an
 * acceptance holds 1..CRL_BUNDLE_MAX CRLs, each owning its DER.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "crl_bundle.h"
#include "crl_name.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct crl_bundle b;
	char err[256] = "", name[160];

	if (crl_bundle_decode(data, size, &b, err, sizeof(err)) < 0) {
		if (b.crls != NULL || b.n != 0 || err[0] == '\0')
			abort();
		return 0;
	}
	if (b.n == 0 || b.n > CRL_BUNDLE_MAX)
		abort();
	for (size_t i = 0; i < b.n; i++) {
		if (b.crls[i].der == NULL || b.crls[i].issuer_len == 0)
			abort();
		crl_name_text(b.crls[i].issuer, b.crls[i].issuer_len, name, sizeof(name));
		if (strlen(name) >= sizeof(name))
			abort();
	}
	crl_bundle_free(&b);
	return 0;
}
