/*
 * config_revoke.c - the [gateway] keys of revocation (crl, crl_expired,
 * deny_serials, deny_identities) and of OCSP: one value each, checked,
 * with what would be right when it is not.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config_revoke.h"
#include "hex.h"
#include "identity.h"
#include "ocsp_http.h"

/* crl = PATH[, PATH...]: each a readable file (any number of CRLs in it)
 * or directory (every file in it), resolved against the configuration's
 * directory; the contents are checked by the gateway. */
bool config_revoke_crl(const struct config_file *f, const struct config_key *k, const char *value,
		       void *field, char why[static CONFIG_ERR_MAX])
{
	char items[CFG_MAX_CRL][CONFIG_LIST_ITEM_MAX];
	struct config_server *s = field;
	struct config_key one = *k;
	unsigned n;

	one.size = PATH_MAX;
	one.what = "a file or directory of CRLs in PEM or DER";
	if (!config_key_split(value, items, CFG_MAX_CRL, &n, why))
		return false;
	if (n == 0) {
		config_key_why(why, "the value is empty; give one or more CRL files, e.g. crl.pem");
		return false;
	}
	for (unsigned i = 0; i < n; i++)
		if (!config_key_file_or_dir(f, &one, items[i], s->crl[i], why))
			return false;
	s->n_crl = n;
	return true;
}

bool config_revoke_crl_expired(const struct config_file *f, const struct config_key *k,
			       const char *value, void *field, char why[static CONFIG_ERR_MAX])
{
	char q[CONFIG_QUOTE_MAX];

	(void)f;
	(void)k;
	if (strcmp(value, "warn") == 0) {
		*(enum config_crl_expired *)field = CONFIG_CRL_EXPIRED_WARN;
	} else if (strcmp(value, "refuse") == 0) {
		*(enum config_crl_expired *)field = CONFIG_CRL_EXPIRED_REFUSE;
	} else {
		config_key_why(why, "%s is not a choice; use warn or refuse",
			       config_file_quote(value, q));
		return false;
	}
	return true;
}

/* Hex as openssl prints it: "1A2B", "1a:2b", "0x1a2b". */
static bool parse_serial(const char *in, struct config_serial *out)
{
	uint8_t nib[2 * CFG_SERIAL_MAX + 2];
	size_t n = 0, start = 0, o = 0;

	if (in[0] == '0' && (in[1] == 'x' || in[1] == 'X'))
		in += 2;
	for (const char *p = in; *p != '\0'; p++) {
		if (*p == ':' && p != in && p[1] != '\0' && p[1] != ':')
			continue;
		if (hex_value(*p) < 0 || n == sizeof(nib))
			return false;
		nib[n++] = (uint8_t)hex_value(*p);
	}
	if (n == 0)
		return false;
	while (start + 1 < n && nib[start] == 0)
		start++;
	n -= start;
	if ((n + 1) / 2 > CFG_SERIAL_MAX)
		return false;
	memset(out, 0, sizeof(*out));
	if (n % 2 == 1) {
		out->b[o++] = nib[start++];
		n--;
	}
	for (size_t i = 0; i < n; i += 2)
		out->b[o++] = (uint8_t)(nib[start + i] << 4 | nib[start + i + 1]);
	out->len = (uint8_t)o;
	return true;
}

bool config_revoke_deny_serials(const struct config_file *f, const struct config_key *k,
				const char *value, void *field, char why[static CONFIG_ERR_MAX])
{
	char items[CFG_MAX_DENY][CONFIG_LIST_ITEM_MAX];
	struct config_server *s = field;
	char q[CONFIG_QUOTE_MAX];
	unsigned n;

	(void)f;
	(void)k;
	if (!config_key_split(value, items, CFG_MAX_DENY, &n, why))
		return false;
	for (unsigned i = 0; i < n; i++) {
		if (!parse_serial(items[i], &s->deny_serials[i])) {
			config_key_why(why,
				       "%s is not a certificate serial; write serials in hex as "
				       "openssl x509 -serial prints them, e.g. 1A2B3C or 1a:2b:3c "
				       "(at most 32 bytes)",
				       config_file_quote(items[i], q));
			return false;
		}
	}
	s->n_deny_serials = n;
	return true;
}

bool config_revoke_deny_identities(const struct config_file *f, const struct config_key *k,
				   const char *value, void *field, char why[static CONFIG_ERR_MAX])
{
	char items[CFG_MAX_DENY][CONFIG_LIST_ITEM_MAX];
	struct config_server *s = field;
	char q[CONFIG_QUOTE_MAX];
	const char *bad = NULL;
	unsigned n;

	(void)f;
	(void)k;
	if (!config_key_split(value, items, CFG_MAX_DENY, &n, why))
		return false;
	for (unsigned i = 0; i < n; i++) {
		size_t len = strlen(items[i]);

		if (!identity_valid(items[i], len, &bad)) {
			config_key_why(why,
				       "%s is not an identity: %s; list identities as the "
				       "gateway logs them, e.g. alice@corp.example",
				       config_file_quote(items[i], q),
				       bad != NULL ? bad : "invalid");
			return false;
		}
		/* Kept as written: identities are compared byte for byte. */
		memcpy(s->deny_identities[i], items[i], len + 1);
	}
	s->n_deny_identities = n;
	return true;
}

/* ocsp_responder = http://HOST[:PORT][/PATH] */
bool config_revoke_ocsp_responder(const struct config_file *f, const struct config_key *k,
				  const char *value, void *field, char why[static CONFIG_ERR_MAX])
{
	struct ocsp_url u;
	char q[CONFIG_QUOTE_MAX];
	const char *w = NULL;

	(void)f;
	if (strlen(value) >= k->size || !ocsp_http_url_parse(value, &u, &w)) {
		config_key_why(why, "%s: %s; use e.g. http://10.20.0.5:8888/ocsp",
			       config_file_quote(value, q), w != NULL ? w : "too long");
		return false;
	}
	snprintf(field, k->size, "%s", value);
	return true;
}

/* ocsp_timeout = 3s | 500ms | 3 (seconds) */
bool config_revoke_ocsp_timeout(const struct config_file *f, const struct config_key *k,
				const char *value, void *field, char why[static CONFIG_ERR_MAX])
{
	char q[CONFIG_QUOTE_MAX], *end;
	unsigned long v = strtoul(value, &end, 10);

	(void)f;
	(void)k;
	if (end != value && value[0] != '-' && (strcmp(end, "") == 0 || strcmp(end, "s") == 0))
		v *= 1000;
	else if (end == value || value[0] == '-' || strcmp(end, "ms") != 0)
		v = 0;
	if (v < 100 || v > 60000) {
		config_key_why(why, "%s is not a time from 100ms to 60s; use e.g. 3s or 500ms",
			       config_file_quote(value, q));
		return false;
	}
	*(unsigned *)field = (unsigned)v;
	return true;
}

bool config_revoke_ocsp_fail(const struct config_file *f, const struct config_key *k,
			     const char *value, void *field, char why[static CONFIG_ERR_MAX])
{
	char q[CONFIG_QUOTE_MAX];

	(void)f;
	(void)k;
	if (strcmp(value, "closed") == 0) {
		*(enum config_ocsp_fail *)field = CONFIG_OCSP_FAIL_CLOSED;
	} else if (strcmp(value, "open") == 0) {
		*(enum config_ocsp_fail *)field = CONFIG_OCSP_FAIL_OPEN;
	} else {
		config_key_why(why,
			       "%s is not a choice; use closed (refuse when the responder "
			       "cannot answer) or open (admit, with a warning)",
			       config_file_quote(value, q));
		return false;
	}
	return true;
}
