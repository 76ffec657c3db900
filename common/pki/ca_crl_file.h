/*
 * ca_crl_file.h - the CRL of a CA directory made from its index: every
 * revoked leaf (CA certificates belong on their issuer's CRL), signed by
 * the issuing CA, with the next DIR/crlnumber. The number is stored before
 * the CRL is written (a failure may skip a number, never reuse one), and
 * both files are replaced atomically, so a gateway watching crl.pem sees
 * either the old CRL or the new. The caller holds DIR/.lock. No logging.
 */
#ifndef MTLSVPN_CA_CRL_FILE_H
#define MTLSVPN_CA_CRL_FILE_H

#include <stddef.h>
#include <stdint.h>

#include "ca_index.h"
#include "certgen.h"

/* Writes out (DIR/crl.pem when NULL), nextUpdate days ahead. 0 with the
 * CRL's number and how many certificates it lists, or -1 with err. */
int ca_crl_file_write(const char *dir, const struct certgen_cert *issuer, struct certgen_key *key,
		      const struct ca_index *ix, unsigned days, const char *out, uint64_t *number,
		      size_t *n_revoked, char *err, size_t errlen);

#endif
