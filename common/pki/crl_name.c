/*
 * crl_name.c - see crl_name.h. Name ::= SEQUENCE OF RDN, RDN ::= SET OF
 * SEQUENCE { type OID, value ANY }; the value's string type is ignored.
 */
#include "crl_name.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "crl_parse.h"

static const struct {
	uint8_t last; /* 2.5.4.last */
	const char *name;
} attrs[] = {
    {3, "CN"}, {5, "serialNumber"}, {6, "C"}, {7, "L"}, {8, "ST"}, {10, "O"}, {11, "OU"},
};

static const char *attr_name(const struct crl_der *oid)
{
	if (oid->len != 3 || oid->p[0] != 0x55 || oid->p[1] != 0x04)
		return NULL;
	for (size_t i = 0; i < sizeof(attrs) / sizeof(attrs[0]); i++)
		if (attrs[i].last == oid->p[2])
			return attrs[i].name;
	return NULL;
}

/* Appends to out at *o, keeping room for the NUL; false once full. */
static bool put(char *out, size_t cap, size_t *o, const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		char esc[5];
		size_t k = 1;

		if (c < 0x20 || c > 0x7e || c == '\\') {
			snprintf(esc, sizeof(esc), "\\x%02x", c);
			k = 4;
		} else {
			esc[0] = (char)c;
		}
		if (*o + k >= cap)
			return false;
		memcpy(out + *o, esc, k);
		*o += k;
	}
	out[*o] = '\0';
	return true;
}

void crl_name_text(const uint8_t *name, size_t len, char *out, size_t cap)
{
	struct crl_der all = {name, len}, seq, rdn, atv, oid, val;
	size_t o = 0;
	uint8_t tag;

	if (cap == 0)
		return;
	out[0] = '\0';
	if (!crl_der_expect(&all, 0x30, &seq, NULL))
		goto bad;
	while (seq.len > 0) {
		if (!crl_der_expect(&seq, 0x31, &rdn, NULL))
			goto bad;
		while (rdn.len > 0) {
			const char *a;

			if (!crl_der_expect(&rdn, 0x30, &atv, NULL) ||
			    !crl_der_expect(&atv, 0x06, &oid, NULL) ||
			    !crl_der_next(&atv, &tag, &val, NULL))
				goto bad;
			a = attr_name(&oid);
			if (a == NULL)
				continue;
			if ((o > 0 && !put(out, cap, &o, ", ", 2)) ||
			    !put(out, cap, &o, a, strlen(a)) || !put(out, cap, &o, "=", 1) ||
			    !put(out, cap, &o, (const char *)val.p, val.len))
				return;
		}
	}
	if (o == 0)
		snprintf(out, cap, "(no common attribute)");
	return;
bad:
	snprintf(out, cap, "?");
}
