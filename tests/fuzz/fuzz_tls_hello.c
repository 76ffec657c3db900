/*
 * fuzz_tls_hello.c - arbitrary bytes as the start of a connection to the
 * gateway, read by tls_hello_check and tls_hello_offers_psk_dhe (which must
 * stay inside them), whole and cut at every length the first byte chooses.
 */
#include <stddef.h>
#include <stdint.h>

#include "tls_internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const int groups[] = {29, 23, 24};
	enum tls_hello r;

	if (size < 1)
		return 0;
	r = tls_hello_check(data + 1, size - 1, groups, 3);
	if (r != TLS_HELLO_NEED_MORE && r != TLS_HELLO_PASS && r != TLS_HELLO_NO_GROUP &&
	    r != TLS_HELLO_NO_ALPN && r != TLS_HELLO_HTTP)
		__builtin_trap();
	(void)tls_hello_check(data + 1, (size - 1) * data[0] / 255, groups, 3);
	/* A hello that is not there whole never allows resumption. */
	if (tls_hello_offers_psk_dhe(data + 1, (size - 1) * data[0] / 255) &&
	    tls_hello_check(data + 1, (size - 1) * data[0] / 255, groups, 3) == TLS_HELLO_NEED_MORE)
		__builtin_trap();
	(void)tls_hello_offers_psk_dhe(data + 1, size - 1);
	return 0;
}
