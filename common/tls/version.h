/*
 * version.h - the project version and the --version text shared by the
 * three programs.
 */
#ifndef MTLSVPN_VERSION_H
#define MTLSVPN_VERSION_H

#include <stdio.h>

#define MTLSVPN_VERSION "0.1.0"

/* "mtlsvpn-server 0.1.0\nwolfSSL 5.5.4\ncrypto: AES-NI/assembly active" */
void version_print(FILE *out, const char *progname);

#endif
