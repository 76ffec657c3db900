/*
 * tls_lib.c - the TLS library as a whole: set up once per process, its
 * version, and whether AES runs on the CPU's instructions (the gateway and
 * the client order their cipher suites by it).
 */
#include "tls.h"

#include <cpuid.h>

#include <wolfssl/options.h>
#include <wolfssl/ssl.h>

int tls_global_init(void)
{
	return wolfSSL_Init() == WOLFSSL_SUCCESS ? 0 : -1;
}

void tls_global_deinit(void)
{
	(void)wolfSSL_Cleanup();
}

const char *tls_library_version(void)
{
	return wolfSSL_lib_version();
}

bool tls_accel_compiled(void)
{
#ifdef WOLFSSL_AESNI
	return true;
#else
	return false;
#endif
}

bool tls_accel_active(void)
{
	unsigned int a, b, c, d;

	if (!tls_accel_compiled())
		return false;
	if (__get_cpuid(1, &a, &b, &c, &d) == 0)
		return false;
	return (c & bit_AES) != 0;
}
