/*
 * config_key.h - the keys a configuration file may hold, as a table: where
 * each one lives, whether it is required, and the parser that turns its
 * value into a field of the output struct. Private to the config_* files.
 */
#ifndef MTLSVPN_CONFIG_KEY_H
#define MTLSVPN_CONFIG_KEY_H

#include <stdbool.h>
#include <stddef.h>

#include "config_file.h"

struct config_key;

/* Parses value into field (the output struct plus k->offset). On failure
 * writes "what is wrong; what would be valid" into why and returns false. */
typedef bool (*config_key_parse_fn)(const struct config_file *f, const struct config_key *k,
				    const char *value, void *field,
				    char why[static CONFIG_ERR_MAX]);

struct config_key {
	const char *section;
	const char *name;
	config_key_parse_fn parse;
	size_t offset;	   /* of the field in the output struct */
	size_t size;	   /* of the field, for strings and paths */
	unsigned min, max; /* for numbers */
	bool required;
	const char *example; /* a valid value, for the message when it is missing */
	const char *what;    /* for files: what the file must hold */
};

/* Walks the file in line order: every section must be one of sections
 * (NULL-terminated), every key one of keys, every value parse. lines[i] is
 * set to the line of keys[i], 0 if absent; required keys must be present. */
int config_key_apply(const struct config_file *f, const char *const *sections,
		     const struct config_key *keys, size_t n_keys, void *out, unsigned *lines,
		     char err[static CONFIG_ERR_MAX]);

/* For config_*_key_names: appends the names of keys[0..n_keys) to out at
 * *n, as far as max allows, counting them all in *n. */
void config_key_names(const struct config_key *keys, size_t n_keys, struct config_key_name *out,
		      size_t max, size_t *n);
void config_key_name_add(const char *section, const char *name, struct config_key_name *out,
			 size_t max, size_t *n);

/* Writes a parser's message; long paths are cut to fit, by design. */
void config_key_why(char why[static CONFIG_ERR_MAX], const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Generic parsers. */
bool config_key_uint(const struct config_file *f, const struct config_key *k, const char *value,
		     void *field, char why[static CONFIG_ERR_MAX]);
bool config_key_bool(const struct config_file *f, const struct config_key *k, const char *value,
		     void *field, char why[static CONFIG_ERR_MAX]);
bool config_key_log_level(const struct config_file *f, const struct config_key *k,
			  const char *value, void *field, char why[static CONFIG_ERR_MAX]);
bool config_key_tun(const struct config_file *f, const struct config_key *k, const char *value,
		    void *field, char why[static CONFIG_ERR_MAX]);
/* A path resolved against the configuration's directory, not opened. */
bool config_key_path(const struct config_file *f, const struct config_key *k, const char *value,
		     void *field, char why[static CONFIG_ERR_MAX]);
/* A readable regular file, resolved against the configuration's directory. */
bool config_key_file(const struct config_file *f, const struct config_key *k, const char *value,
		     void *field, char why[static CONFIG_ERR_MAX]);
/* The same, and only its owner may access it. */
bool config_key_private_file(const struct config_file *f, const struct config_key *k,
			     const char *value, void *field, char why[static CONFIG_ERR_MAX]);
/* A readable regular file or a readable directory (a CRL directory). */
bool config_key_file_or_dir(const struct config_file *f, const struct config_key *k,
			    const char *value, void *field, char why[static CONFIG_ERR_MAX]);
/* A DNS name (dot-separated labels of letters, digits, '-' and '_') or a
 * numeric address. */
bool config_key_hostname(const struct config_file *f, const struct config_key *k, const char *value,
			 void *field, char why[static CONFIG_ERR_MAX]);

/* busy_poll_us: microseconds from k->min to k->max (0: off). */
bool config_key_busy_poll(const struct config_file *f, const struct config_key *k,
			  const char *value, void *field, char why[static CONFIG_ERR_MAX]);
/* mss_clamp: auto, off or a number from k->min to k->max, into an
 * unsigned (DCHAN_PMTU_CLAMP_AUTO, _OFF, the number). */
bool config_key_mss_clamp(const struct config_file *f, const struct config_key *k,
			  const char *value, void *field, char why[static CONFIG_ERR_MAX]);

/* A DNS name only. */
bool config_key_is_hostname(const char *s);

/* Splits a comma-separated value into trimmed items; false with why set if
 * an item is empty or there are more than max. An empty value is no items. */
#define CONFIG_LIST_ITEM_MAX 256 /* one item of a list, with the NUL */
bool config_key_split(const char *value, char items[][CONFIG_LIST_ITEM_MAX], unsigned max,
		      unsigned *n, char why[static CONFIG_ERR_MAX]);

/* A private key: a file only its owner may access, or a pkcs11: URI
 * (RFC 7512) checked for form (the token is opened by the TLS layer). */
bool config_key_private_key(const struct config_file *f, const struct config_key *k,
			    const char *value, void *field, char why[static CONFIG_ERR_MAX]);
/* A PKCS#11 module: a path to a readable file, or a bare library name the
 * dynamic loader finds. */
bool config_key_module(const struct config_file *f, const struct config_key *k, const char *value,
		       void *field, char why[static CONFIG_ERR_MAX]);

#endif
