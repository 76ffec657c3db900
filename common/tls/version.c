/*
 * version.c - the --version text of the three programs: our version, the
 * wolfSSL we run on (the optimized static build or the system library) and
 * whether hardware AES is in use, which decides the preferred cipher suite.
 * For the optimized build, CMake passes the Debian source version setup.sh
 * built and its configure flags (BUILD_DIR/wolfssl/.mtlsvpn-*).
 */
#include "version.h"

#include "tls.h"

#ifndef MTLSVPN_WOLFSSL_KIND
#define MTLSVPN_WOLFSSL_KIND "unknown"
#endif

void version_print(FILE *out, const char *progname)
{
	const char *kind = MTLSVPN_WOLFSSL_KIND;
	const char *build = "optimized build";

	if (kind[0] == 's')
		build = "system library";
	else if (kind[0] != 'o')
		build = kind;
	fprintf(out, "%s %s\n", progname, MTLSVPN_VERSION);
	fprintf(out, "wolfSSL %s (%s)\n", tls_library_version(), build);
#ifdef MTLSVPN_WOLFSSL_CONFIGURE
	fprintf(out, "wolfSSL source: Debian wolfssl %s\n", MTLSVPN_WOLFSSL_SOURCE);
	fprintf(out, "wolfSSL configure: %s\n", MTLSVPN_WOLFSSL_CONFIGURE);
#endif
	if (tls_accel_active())
		fprintf(out, "crypto: AES-NI and assembly active (AES-GCM preferred)\n");
	else if (tls_accel_compiled())
		fprintf(out, "crypto: AES-NI compiled in but not offered by this CPU "
			     "(ChaCha20-Poly1305 preferred)\n");
	else
		fprintf(out, "crypto: AES-NI not compiled in (%s; ChaCha20-Poly1305 preferred)\n",
			build);
}
