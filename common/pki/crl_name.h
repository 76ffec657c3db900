/*
 * crl_name.h - an X.509 Name (DER) as one line of text for logs and
 * --check-config, e.g. "C=DE, O=Corp, CN=Corp Issuing CA 1", in the order
 * it is encoded. Pure. Attributes other than the common ones are left out;
 * bytes that are not printable ASCII come out as \xNN, so a name can never
 * forge a log line.
 */
#ifndef MTLSVPN_CRL_NAME_H
#define MTLSVPN_CRL_NAME_H

#include <stddef.h>
#include <stdint.h>

/* Always NUL-terminates out (cap > 0); "?" if the Name does not decode. */
void crl_name_text(const uint8_t *name, size_t len, char *out, size_t cap);

#endif
