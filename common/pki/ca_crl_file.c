/*
 * ca_crl_file.c - a CA directory's CRL from its index (ca_crl_file.h),
 * written by "mtlsvpnctl ca revoke" and "ca crl" and by a gateway that
 * revokes a renewed certificate's predecessor.
 */
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ca_crl_file.h"
#include "crl_build.h"
#include "errbuf.h"

static bool hex_to_bytes(const char *hex, uint8_t *out, size_t cap, size_t *n)
{
	size_t len = strlen(hex);

	if (len == 0 || len > 2 * cap)
		return false;
	*n = (len + 1) / 2;
	for (size_t i = 0, j = 0; i < *n; i++) {
		unsigned v = 0;
		int digits = (i == 0 && len % 2 == 1) ? 1 : 2;

		for (int d = 0; d < digits; d++, j++) {
			char c = hex[j];

			v <<= 4;
			if (c >= '0' && c <= '9')
				v |= (unsigned)(c - '0');
			else if (c >= 'a' && c <= 'f')
				v |= (unsigned)(c - 'a' + 10);
			else
				return false;
		}
		out[i] = (uint8_t)v;
	}
	return true;
}

/* DIR/crlnumber: the last number used, decimal; 0 if absent. The next is
 * stored before the CRL is written. */
static int number_next(const char *dir, uint64_t *next, char *err, size_t errlen)
{
	char path[PATH_MAX], buf[32], *end;
	unsigned long long n = 0;
	FILE *f;

	if (snprintf(path, sizeof(path), "%s/crlnumber", dir) >= (int)sizeof(path)) {
		errbuf_set(err, errlen, "path too long: %s/crlnumber", dir);
		return -1;
	}
	f = fopen(path, "re");
	if (f == NULL && errno != ENOENT) {
		errbuf_set(err, errlen, "cannot open %s: %s", path, strerror(errno));
		return -1;
	}
	if (f != NULL) {
		size_t got = fread(buf, 1, sizeof(buf) - 1, f);

		fclose(f);
		buf[got] = 0;
		errno = 0;
		n = strtoull(buf, &end, 10);
		if (errno != 0 || end == buf || (*end != '\n' && *end != 0) || buf[0] == '-' ||
		    n >= UINT64_MAX / 2) {
			errbuf_set(err, errlen,
				   "%s does not hold a CRL number; restore it from a backup "
				   "(a CRL number must never go back)",
				   path);
			return -1;
		}
	}
	*next = (uint64_t)n + 1;
	snprintf(buf, sizeof(buf), "%" PRIu64 "\n", *next);
	return certgen_file_write(path, buf, strlen(buf), 0644, true, err, errlen);
}

int ca_crl_file_write(const char *dir, const struct certgen_cert *issuer, struct certgen_key *key,
		      const struct ca_index *ix, unsigned days, const char *out, uint64_t *number,
		      size_t *n_revoked, char *err, size_t errlen)
{
	struct certgen_crl crl = {0};
	struct crl_build_entry *e;
	char path[PATH_MAX];
	uint8_t *pem = NULL;
	size_t pem_len = 0, n = 0;
	int rc = -1;

	if (out != NULL)
		snprintf(path, sizeof(path), "%s", out);
	else if (snprintf(path, sizeof(path), "%s/crl.pem", dir) >= (int)sizeof(path)) {
		errbuf_set(err, errlen, "path too long: %s/crl.pem", dir);
		return -1;
	}
	e = calloc(ix->n + 1, sizeof(*e));
	if (e == NULL) {
		errbuf_set(err, errlen, "out of memory");
		return -1;
	}
	for (size_t i = 0; i < ix->n; i++) {
		const struct ca_index_rec *r = &ix->recs[i];
		enum crl_build_reason reason = CRL_REASON_UNSPECIFIED;

		/* A revoked CA certificate belongs on its issuer's CRL, which
		 * this CA (the one that signs) is not. */
		if (r->raw != NULL || r->status != 'R' || r->kind == CERTGEN_CA)
			continue;
		if (!hex_to_bytes(r->serial, e[n].serial, sizeof(e[n].serial), &e[n].serial_len)) {
			errbuf_set(err, errlen, "serial %s in the index is not hex", r->serial);
			goto out;
		}
		if (strcmp(r->reason, "-") != 0)
			crl_build_reason_parse(r->reason, &reason);
		e[n].revoked = r->revoked;
		e[n].reason = reason;
		n++;
	}
	crl.this_update = (int64_t)time(NULL);
	crl.next_update = crl.this_update + (int64_t)days * 86400;
	crl.entries = e;
	crl.n_entries = n;
	if (number_next(dir, &crl.number, err, errlen) < 0 ||
	    certgen_crl_make(issuer, key, &crl, &pem, &pem_len, err, errlen) < 0 ||
	    certgen_file_write(path, pem, pem_len, 0644, true, err, errlen) < 0)
		goto out;
	*number = crl.number;
	*n_revoked = n;
	rc = 0;
out:
	free(pem);
	free(e);
	return rc;
}
