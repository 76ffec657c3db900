/*
 * hex.h - the value of one hexadecimal digit, for the decoders of
 * percent-encoded and hex text (p11uri, ca_index, lease_store, the deny_serials key).
 */
#ifndef MTLSVPN_HEX_H
#define MTLSVPN_HEX_H

/* 0-15, or -1 if c is not a hexadecimal digit (either case). */
static inline int hex_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

#endif
