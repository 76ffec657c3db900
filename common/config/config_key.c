/*
 * config_key.c - applies a key table to a loaded file, in line order so the
 * first error reported is the first one in the file, and the value parsers
 * both configurations share. Parsers write "what is wrong; what would be
 * valid" and never touch the line or key: config_key_apply adds those.
 */
#include <ctype.h>
#include <errno.h>
#include <net/if.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "addr.h"
#include "config_key.h"
#include "p11uri.h"

/* "a, b and c" into out; items are table strings, so out never overflows
 * in practice but is bounded anyway. */
static void join(char *out, size_t cap, const char *const *names, size_t n, const char *pre,
		 const char *post)
{
	size_t len = 0;

	out[0] = '\0';
	for (size_t i = 0; i < n && len < cap; i++) {
		const char *sep = i == 0 ? "" : (i + 1 == n ? " and " : ", ");
		int r = snprintf(out + len, cap - len, "%s%s%s%s", sep, pre, names[i], post);

		if (r < 0)
			break;
		len += (size_t)r;
	}
}

static int unknown_section(const struct config_file *f, const struct config_item *it,
			   const char *const *sections, char *err)
{
	char list[256];
	size_t n = 0;

	while (sections[n] != NULL)
		n++;
	join(list, sizeof(list), sections, n, "[", "]");
	if (n == 1)
		return config_file_errf(f, it->line, it->section, NULL, err,
					"unknown section; the only section of this file is %s",
					list);
	return config_file_errf(f, it->line, it->section, NULL, err,
				"unknown section; the sections of this file are %s", list);
}

static int unknown_key(const struct config_file *f, const struct config_item *it,
		       const struct config_key *keys, size_t n_keys, char *err)
{
	const char *names[64];
	char list[CONFIG_ERR_MAX];
	size_t n = 0;

	for (size_t i = 0; i < n_keys && n < 64; i++)
		if (strcmp(keys[i].section, it->section) == 0)
			names[n++] = keys[i].name;
	join(list, sizeof(list), names, n, "", "");
	return config_file_errf(f, it->line, it->section, it->key, err,
				"unknown key; the keys of [%s] are %s", it->section, list);
}

static bool section_known(const char *const *sections, const char *name)
{
	for (size_t i = 0; sections[i] != NULL; i++)
		if (strcmp(sections[i], name) == 0)
			return true;
	return false;
}

int config_key_apply(const struct config_file *f, const char *const *sections,
		     const struct config_key *keys, size_t n_keys, void *out, unsigned *lines,
		     char err[static CONFIG_ERR_MAX])
{
	char why[CONFIG_ERR_MAX];

	for (size_t i = 0; i < n_keys; i++)
		lines[i] = 0;
	for (unsigned i = 0; i < f->n_items; i++) {
		const struct config_item *it = &f->items[i];
		size_t k;

		if (it->kind == CONFIG_ITEM_SECTION) {
			if (!section_known(sections, it->section))
				return unknown_section(f, it, sections, err);
			continue;
		}
		for (k = 0; k < n_keys; k++)
			if (strcmp(keys[k].section, it->section) == 0 &&
			    strcmp(keys[k].name, it->key) == 0)
				break;
		if (k == n_keys)
			return unknown_key(f, it, keys, n_keys, err);
		lines[k] = it->line;
		why[0] = '\0';
		if (!keys[k].parse(f, &keys[k], it->value, (char *)out + keys[k].offset, why))
			return config_file_errf(f, it->line, it->section, it->key, err, "%s", why);
	}
	for (size_t k = 0; k < n_keys; k++) {
		const struct config_item *sec;

		if (!keys[k].required || lines[k] != 0)
			continue;
		sec = config_file_find(f, keys[k].section, NULL);
		if (sec != NULL)
			return config_file_errf(f, sec->line, keys[k].section, keys[k].name, err,
						"required key is missing, and nothing starts without "
						"it; add a line such as '%s = %s' to [%s]",
						keys[k].name, keys[k].example, keys[k].section);
		return config_file_errf(f, 0, keys[k].section, keys[k].name, err,
					"required key is missing, and so is the [%s] section; add "
					"[%s] with a line such as '%s = %s'",
					keys[k].section, keys[k].section, keys[k].name,
					keys[k].example);
	}
	return 0;
}

void config_key_why(char why[static CONFIG_ERR_MAX], const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, CONFIG_ERR_MAX, fmt, ap);
	va_end(ap);
}

bool config_key_uint(const struct config_file *f, const struct config_key *k, const char *value,
		     void *field, char why[static CONFIG_ERR_MAX])
{
	char q[CONFIG_QUOTE_MAX];
	unsigned long v;
	size_t i;

	(void)f;
	if (value[0] == '\0') {
		config_key_why(why, "the value is empty; use a number from %u to %u", k->min,
			       k->max);
		return false;
	}
	/* Decimal digits only: strtoul alone would take "-1", " 7", "0x10". */
	for (i = 0; value[i] != '\0'; i++)
		if (!isdigit((unsigned char)value[i]))
			break;
	if (value[i] != '\0') {
		config_key_why(why, "%s is not a whole number; use a number from %u to %u",
			       config_file_quote(value, q), k->min, k->max);
		return false;
	}
	errno = 0;
	v = strtoul(value, NULL, 10);
	if (errno != 0 || i > 10 || v < k->min || v > k->max) {
		config_key_why(why, "%s is out of range; use a number from %u to %u",
			       config_file_quote(value, q), k->min, k->max);
		return false;
	}
	*(unsigned *)field = (unsigned)v;
	return true;
}

bool config_key_mss_clamp(const struct config_file *f, const struct config_key *k,
			  const char *value, void *field, char why[static CONFIG_ERR_MAX])
{
	char q[CONFIG_QUOTE_MAX];

	if (strcmp(value, "auto") == 0 || strcmp(value, "off") == 0) {
		*(unsigned *)field = value[0] == 'a' ? DCHAN_PMTU_CLAMP_AUTO : DCHAN_PMTU_CLAMP_OFF;
		return true;
	}
	if (value[0] >= '0' && value[0] <= '9')
		return config_key_uint(f, k, value, field, why);
	config_key_why(why,
		       "%s is not an MSS setting; use auto (the UDP data channel's size), off, or "
		       "a number from %u to %u",
		       config_file_quote(value, q), k->min, k->max);
	return false;
}

bool config_key_busy_poll(const struct config_file *f, const struct config_key *k,
			  const char *value, void *field, char why[static CONFIG_ERR_MAX])
{
	if (config_key_uint(f, k, value, field, why))
		return true;
	strncat(why, " microseconds, or 0 to sleep at once", CONFIG_ERR_MAX - strlen(why) - 1);
	return false;
}

bool config_key_bool(const struct config_file *f, const struct config_key *k, const char *value,
		     void *field, char why[static CONFIG_ERR_MAX])
{
	static const char *const yes[] = {"yes", "true", "on", "1"};
	static const char *const no[] = {"no", "false", "off", "0"};
	char q[CONFIG_QUOTE_MAX];

	(void)f;
	(void)k;
	for (size_t i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
		if (strcmp(value, yes[i]) == 0) {
			*(bool *)field = true;
			return true;
		}
		if (strcmp(value, no[i]) == 0) {
			*(bool *)field = false;
			return true;
		}
	}
	config_key_why(why, "%s is not yes or no; use yes or no", config_file_quote(value, q));
	return false;
}

bool config_key_log_level(const struct config_file *f, const struct config_key *k,
			  const char *value, void *field, char why[static CONFIG_ERR_MAX])
{
	char q[CONFIG_QUOTE_MAX];

	(void)f;
	(void)k;
	if (strcmp(value, "info") == 0) {
		*(int *)field = 0;
		return true;
	}
	if (strcmp(value, "debug") == 0) {
		*(int *)field = 1;
		return true;
	}
	config_key_why(why, "%s is not a log level; use info or debug",
		       config_file_quote(value, q));
	return false;
}

bool config_key_tun(const struct config_file *f, const struct config_key *k, const char *value,
		    void *field, char why[static CONFIG_ERR_MAX])
{
	char q[CONFIG_QUOTE_MAX];
	size_t len = strlen(value);
	bool ok = len > 0 && len < IFNAMSIZ && len < k->size && strcmp(value, ".") != 0 &&
		  strcmp(value, "..") != 0;

	(void)f;
	/* The kernel's own rule for interface names (dev_valid_name). */
	for (size_t i = 0; ok && i < len; i++) {
		unsigned char c = (unsigned char)value[i];

		if (c <= 0x20 || c >= 0x7f || c == '/' || c == ':')
			ok = false;
	}
	if (!ok) {
		config_key_why(
		    why,
		    "%s is not an interface name; use 1 to %d characters without '/', ':' "
		    "or spaces, e.g. mtlsvpn0",
		    config_file_quote(value, q), IFNAMSIZ - 1);
		return false;
	}
	memcpy(field, value, len + 1);
	return true;
}

static bool resolve(const struct config_file *f, const struct config_key *k, const char *value,
		    char *out, char why[static CONFIG_ERR_MAX])
{
	int r;

	if (value[0] == '\0') {
		config_key_why(why, "the value is empty; give the path of %s", k->what);
		return false;
	}
	if (value[0] == '/')
		r = snprintf(out, k->size, "%s", value);
	else
		r = snprintf(out, k->size, "%s/%s", f->dir, value);
	if (r < 0 || (size_t)r >= k->size) {
		config_key_why(why, "the path is too long; use a path under %zu bytes", k->size);
		return false;
	}
	return true;
}

/* A readable regular file, or (dir_ok) a readable directory. */
static bool check_path(const struct config_file *f, const struct config_key *k, const char *value,
		       char *path, bool dir_ok, char why[static CONFIG_ERR_MAX])
{
	struct stat st;

	if (!resolve(f, k, value, path, why))
		return false;
	if (stat(path, &st) < 0) {
		if (errno == ENOENT)
			config_key_why(
			    why,
			    "%s does not exist; give the path of %s (a relative path starts "
			    "from %s)",
			    path, k->what, f->dir);
		else
			config_key_why(why, "%s cannot be used (%s); give the path of %s", path,
				       strerror(errno), k->what);
		return false;
	}
	if (!S_ISREG(st.st_mode) && !(dir_ok && S_ISDIR(st.st_mode))) {
		config_key_why(why, "%s is not a regular file%s; give the path of %s", path,
			       dir_ok ? " or a directory" : "", k->what);
		return false;
	}
	if (access(path, S_ISDIR(st.st_mode) ? R_OK | X_OK : R_OK) < 0) {
		config_key_why(why,
			       "%s cannot be read (%s); let the user the program runs as read it",
			       path, strerror(errno));
		return false;
	}
	return true;
}

bool config_key_path(const struct config_file *f, const struct config_key *k, const char *value,
		     void *field, char why[static CONFIG_ERR_MAX])
{
	return resolve(f, k, value, field, why);
}

bool config_key_file(const struct config_file *f, const struct config_key *k, const char *value,
		     void *field, char why[static CONFIG_ERR_MAX])
{
	return check_path(f, k, value, field, false, why);
}

bool config_key_file_or_dir(const struct config_file *f, const struct config_key *k,
			    const char *value, void *field, char why[static CONFIG_ERR_MAX])
{
	return check_path(f, k, value, field, true, why);
}

bool config_key_private_file(const struct config_file *f, const struct config_key *k,
			     const char *value, void *field, char why[static CONFIG_ERR_MAX])
{
	if (!config_key_file(f, k, value, field, why))
		return false;
	return config_check_key_mode(field, why) == 0;
}

bool config_key_is_hostname(const char *s)
{
	size_t len = strlen(s), label = 0;

	if (len == 0 || len > 253)
		return false;
	for (size_t i = 0; i <= len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == '.' || c == '\0') {
			if (label == 0 || label > 63)
				return false;
			label = 0;
		} else if (isalnum(c) || c == '-' || c == '_') {
			label++;
		} else {
			return false;
		}
	}
	return true;
}

bool config_key_hostname(const struct config_file *f, const struct config_key *k, const char *value,
			 void *field, char why[static CONFIG_ERR_MAX])
{
	char q[CONFIG_QUOTE_MAX];
	struct ipaddr a;
	size_t len = strlen(value);

	(void)f;
	if (len >= k->size || (!config_key_is_hostname(value) && !addr_parse(value, &a))) {
		config_key_why(
		    why,
		    "%s is not a host name; use a DNS name such as vpn.example.com or an "
		    "IP address",
		    config_file_quote(value, q));
		return false;
	}
	memcpy(field, value, len + 1);
	return true;
}

bool config_key_split(const char *value, char items[][CONFIG_LIST_ITEM_MAX], unsigned max,
		      unsigned *n, char why[static CONFIG_ERR_MAX])
{
	const char *p = value;

	*n = 0;
	while (isspace((unsigned char)*p))
		p++;
	if (*p == '\0')
		return true;
	for (;;) {
		const char *end = strchr(p, ',');
		size_t len = end != NULL ? (size_t)(end - p) : strlen(p);

		while (len > 0 && isspace((unsigned char)*p)) {
			p++;
			len--;
		}
		while (len > 0 && isspace((unsigned char)p[len - 1]))
			len--;
		if (len == 0) {
			config_key_why(
			    why, "item %u of the list is empty; separate items with single commas",
			    *n + 1);
			return false;
		}
		if (*n == max) {
			config_key_why(why, "the list has more than %u items; keep at most %u", max,
				       max);
			return false;
		}
		if (len >= CONFIG_LIST_ITEM_MAX) {
			config_key_why(
			    why,
			    "item %u of the list is too long; items are addresses, prefixes or "
			    "domain names",
			    *n + 1);
			return false;
		}
		memcpy(items[*n], p, len);
		items[*n][len] = '\0';
		(*n)++;
		if (end == NULL)
			return true;
		p = end + 1;
	}
}

void config_key_name_add(const char *section, const char *name, struct config_key_name *out,
			 size_t max, size_t *n)
{
	if (*n < max)
		out[*n] = (struct config_key_name){section, name};
	(*n)++;
}

void config_key_names(const struct config_key *keys, size_t n_keys, struct config_key_name *out,
		      size_t max, size_t *n)
{
	for (size_t i = 0; i < n_keys; i++)
		config_key_name_add(keys[i].section, keys[i].name, out, max, n);
}

bool config_key_private_key(const struct config_file *f, const struct config_key *k,
			    const char *value, void *field, char why[static CONFIG_ERR_MAX])
{
	char reason[256];
	struct p11uri u;
	bool ok;

	if (!p11uri_is(value))
		return config_key_private_file(f, k, value, field, why);
	/* The URI may hold a PIN: never quoted back. */
	ok = p11uri_parse(value, &u, reason, sizeof(reason));
	p11uri_wipe(&u);
	if (!ok || strlen(value) >= k->size) {
		config_key_why(why,
			       "not a usable PKCS#11 URI (%s); write it in double quotes, since "
			       "';' starts a comment: \"pkcs11:token=LABEL;object=LABEL\"",
			       ok ? "too long" : reason);
		return false;
	}
	memcpy(field, value, strlen(value) + 1);
	return true;
}

bool config_key_module(const struct config_file *f, const struct config_key *k, const char *value,
		       void *field, char why[static CONFIG_ERR_MAX])
{
	char q[CONFIG_QUOTE_MAX];

	if (strchr(value, '/') != NULL)
		return config_key_file(f, k, value, field, why);
	if (value[0] == '\0' || strlen(value) >= k->size) {
		config_key_why(why,
			       "%s is not a module; give a library's path or a name the dynamic "
			       "loader finds, such as p11-kit-proxy.so",
			       config_file_quote(value, q));
		return false;
	}
	memcpy(field, value, strlen(value) + 1);
	return true;
}
