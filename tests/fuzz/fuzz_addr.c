/*
 * fuzz_addr.c - libFuzzer target for addr's parsers: any input either fails
 * or yields a value whose formatted form parses back to the same value.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "addr.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char s[128], out[ADDR_STRLEN];
	struct sockaddr_storage ss, ss2;
	struct prefix p, p2;
	struct ipaddr a;
	socklen_t len, len2;

	if (size >= sizeof(s))
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';

	if (addr_parse(s, &a) && !addr_parse(addr_fmt(&a, out), &a))
		abort();
	for (int strict = 0; strict < 2; strict++) {
		if (!addr_parse_prefix(s, strict, &p))
			continue;
		if (!addr_parse_prefix(addr_fmt_prefix(&p, out), strict, &p2) ||
		    !addr_eq(&p.addr, &p2.addr) || p.len != p2.len)
			abort();
		addr_prefix_network(&p, &p2);
		if (!addr_in_prefix(&p.addr, &p2))
			abort();
	}
	if (addr_parse_sockaddr(s, 8443, &ss, &len)) {
		if (!addr_parse_sockaddr(addr_fmt_sockaddr((const struct sockaddr *)&ss, out), 1,
					 &ss2, &len2) ||
		    len != len2 || memcmp(&ss, &ss2, len) != 0)
			abort();
	}
	return 0;
}
