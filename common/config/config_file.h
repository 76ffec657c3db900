/*
 * config_file.h - one INI file as lines: which section and key sit on which
 * line, with the values iniparser read. Private to the config_* files.
 * A file that loads has no line iniparser would misread or drop, no key
 * outside a section, no repeated key and no repeated section.
 */
#ifndef MTLSVPN_CONFIG_FILE_H
#define MTLSVPN_CONFIG_FILE_H

#include <limits.h>
#include <stdarg.h>

#include "config.h"

#define CONFIG_FILE_MAX_BYTES (1024 * 1024)
#define CONFIG_LINE_MAX 1000 /* iniparser 4.1 refuses lines of 1023 bytes and more */
#define CONFIG_NAME_MAX 64   /* section and key names, with the NUL */
#define CONFIG_QUOTE_MAX 72  /* a value echoed in a message, quotes and "..." included */

enum config_item_kind {
	CONFIG_ITEM_SECTION, /* a [name] header */
	CONFIG_ITEM_KEY,     /* key = value */
};

struct config_item {
	enum config_item_kind kind;
	unsigned line;		       /* 1-based */
	char section[CONFIG_NAME_MAX]; /* lowercased, as iniparser stores it */
	char key[CONFIG_NAME_MAX];     /* lowercased; "" for a section */
	char *value;		       /* iniparser read the same; NULL for a section */
};

struct config_file {
	const char *path;	   /* as given: every message starts with it */
	char dir[PATH_MAX];	   /* absolute directory relative paths start from */
	struct config_item *items; /* in file order */
	unsigned n_items;
	bool paths_only;	   /* file keys are resolved, not checked (a reload) */
};

/* 0, or -1 with err saying which line is wrong and how to write it, or
 * CONFIG_FILE_DISAGREE if iniparser read the file differently from the
 * line scanner (a scanner bug, or the file changed in between).
 * home is the section a key found above every section header belongs in,
 * named in that message. */
#define CONFIG_FILE_DISAGREE (-2)
int config_file_load(struct config_file *f, const char *path, const char *home,
		     char err[static CONFIG_ERR_MAX]);
void config_file_free(struct config_file *f);

/* The item for a section header or a key, or NULL if the file has none. */
const struct config_item *config_file_find(const struct config_file *f, const char *section,
					   const char *key);

/* Writes "PATH:LINE [section] key: " and then fmt into err; line 0, a NULL
 * section or a NULL key leave that part out. Returns -1 for tail calls. */
int config_file_errf(const struct config_file *f, unsigned line, const char *section,
		     const char *key, char err[static CONFIG_ERR_MAX], const char *fmt, ...)
    __attribute__((format(printf, 6, 7)));

/* s in single quotes, control bytes shown as '?', cut with "..." if long:
 * values are echoed in messages without letting them forge a line. */
const char *config_file_quote(const char *s, char out[static CONFIG_QUOTE_MAX]);

#endif
