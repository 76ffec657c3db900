/*
 * config_file.c - an INI file read twice: line by line here, to know where
 * every section and key is and to refuse what iniparser 4.1 would misread
 * without a word (a trailing '\' joining lines, text after a closing quote,
 * an unclosed quote, "[]", keys above every section, repeated keys), then by
 * iniparser, whose values are used. The two readings must agree exactly.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <iniparser.h>

#include "config_file.h"

struct scan {
	struct config_file *f;
	const char *home;
	char section[CONFIG_NAME_MAX]; /* "" until the first header */
	char *err;
};

static void vappend(char *err, size_t *n, const char *fmt, va_list ap)
{
	int r;

	if (*n >= CONFIG_ERR_MAX - 1)
		return;
	r = vsnprintf(err + *n, CONFIG_ERR_MAX - *n, fmt, ap);
	if (r < 0)
		return;
	*n += (size_t)r;
	if (*n > CONFIG_ERR_MAX - 1)
		*n = CONFIG_ERR_MAX - 1;
}

__attribute__((format(printf, 3, 4))) static void append(char *err, size_t *n, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vappend(err, n, fmt, ap);
	va_end(ap);
}

int config_file_errf(const struct config_file *f, unsigned line, const char *section,
		     const char *key, char err[static CONFIG_ERR_MAX], const char *fmt, ...)
{
	size_t n = 0;
	va_list ap;

	err[0] = '\0';
	append(err, &n, "%s", f->path);
	if (line > 0)
		append(err, &n, ":%u", line);
	if (section != NULL && section[0] != '\0')
		append(err, &n, " [%s]", section);
	if (key != NULL && key[0] != '\0')
		append(err, &n, " %s", key);
	append(err, &n, ": ");
	va_start(ap, fmt);
	vappend(err, &n, fmt, ap);
	va_end(ap);
	return -1;
}

const char *config_file_quote(const char *s, char out[static CONFIG_QUOTE_MAX])
{
	/* Room for the quotes, "..." and the NUL. */
	const size_t keep = CONFIG_QUOTE_MAX - 6;
	size_t i, n = 0;

	out[n++] = '\'';
	for (i = 0; s[i] != '\0' && i < keep; i++) {
		unsigned char c = (unsigned char)s[i];
		out[n++] = (c < 0x20 || c == 0x7f) ? '?' : (char)c;
	}
	if (s[i] != '\0') {
		memcpy(out + n, "...", 3);
		n += 3;
	}
	out[n++] = '\'';
	out[n] = '\0';
	return out;
}

static bool is_space(char c)
{
	return isspace((unsigned char)c) != 0;
}

/* The same trimming iniparser's strstrip does. */
static char *strip(char *s)
{
	char *end;

	while (is_space(*s))
		s++;
	end = s + strlen(s);
	while (end > s && is_space(end[-1]))
		end--;
	*end = '\0';
	return s;
}

static void lower(char *s)
{
	for (; *s != '\0'; s++)
		*s = (char)tolower((unsigned char)*s);
}

const struct config_item *config_file_find(const struct config_file *f, const char *section,
					   const char *key)
{
	for (unsigned i = 0; i < f->n_items; i++) {
		const struct config_item *it = &f->items[i];

		if (strcmp(it->section, section) != 0)
			continue;
		if (key == NULL && it->kind == CONFIG_ITEM_SECTION)
			return it;
		if (key != NULL && it->kind == CONFIG_ITEM_KEY && strcmp(it->key, key) == 0)
			return it;
	}
	return NULL;
}

static struct config_item *add_item(struct scan *s, unsigned line)
{
	struct config_file *f = s->f;
	struct config_item *items, *it;

	items = realloc(f->items, (f->n_items + 1) * sizeof(*items));
	if (items == NULL) {
		config_file_errf(f, line, NULL, NULL, s->err, "out of memory; try again");
		return NULL;
	}
	f->items = items;
	it = &items[f->n_items++];
	memset(it, 0, sizeof(*it));
	it->line = line;
	return it;
}

static int scan_section(struct scan *s, unsigned line, char *text, size_t len)
{
	const struct config_item *prev;
	struct config_item *it;
	char q[CONFIG_QUOTE_MAX];
	char *name;

	/* iniparser takes "[a]b]" as [a] and "[a] ; note" as a broken key line;
	 * only "[name]" alone on its line means the same to both readers. */
	if (text[len - 1] != ']' || strpbrk(text + 1, "[") != NULL ||
	    memchr(text + 1, ']', len - 2) != NULL)
		return config_file_errf(s->f, line, NULL, NULL, s->err,
					"%s is not a section header; write the section name alone "
					"on its line, as [name]",
					config_file_quote(text, q));
	text[len - 1] = '\0';
	name = strip(text + 1);
	if (name[0] == '\0')
		return config_file_errf(s->f, line, NULL, NULL, s->err,
					"the section name is empty; write it as [name]");
	if (strlen(name) >= CONFIG_NAME_MAX)
		return config_file_errf(s->f, line, NULL, NULL, s->err,
					"the section name %s is too long; section names are "
					"short words such as [%s]",
					config_file_quote(name, q), s->home);
	/* iniparser stores keys as "section:key": a ':' in a section name
	 * would blur where the section ends. */
	if (strchr(name, ':') != NULL)
		return config_file_errf(s->f, line, NULL, NULL, s->err,
					"the section name %s contains ':'; section names are "
					"short words such as [%s]",
					config_file_quote(name, q), s->home);
	lower(name);
	prev = config_file_find(s->f, name, NULL);
	if (prev != NULL)
		return config_file_errf(s->f, line, name, NULL, s->err,
					"the section appears twice, on lines %u and %u; merge them "
					"into one",
					prev->line, line);
	it = add_item(s, line);
	if (it == NULL)
		return -1;
	it->kind = CONFIG_ITEM_SECTION;
	snprintf(it->section, sizeof(it->section), "%s", name);
	snprintf(s->section, sizeof(s->section), "%s", name);
	return 0;
}

/* The value as iniparser reads it: quoted (kept verbatim, the rest of the
 * line must be a comment) or bare (up to the first ';' or '#', trimmed). */
static int scan_value(struct scan *s, unsigned line, const char *key, char *p, char **value)
{
	char q[CONFIG_QUOTE_MAX];
	char *close, *rest;

	while (is_space(*p))
		p++;
	if (*p != '"' && *p != '\'') {
		p[strcspn(p, ";#")] = '\0';
		*value = strip(p);
		return 0;
	}
	close = strchr(p + 1, *p);
	if (close == NULL)
		return config_file_errf(
		    s->f, line, s->section, key, s->err,
		    "the value opens a quote (%c) that is never closed; close it "
		    "at the end of the value",
		    *p);
	rest = close + 1;
	while (is_space(*rest))
		rest++;
	if (*rest != '\0' && *rest != ';' && *rest != '#')
		return config_file_errf(
		    s->f, line, s->section, key, s->err,
		    "%s after the closing quote would be ignored; put the whole "
		    "value inside the quotes, or start a comment with ';'",
		    config_file_quote(rest, q));
	*close = '\0';
	*value = p + 1;
	return 0;
}

static int scan_key(struct scan *s, unsigned line, char *text)
{
	const struct config_item *prev;
	struct config_item *it;
	char q[CONFIG_QUOTE_MAX];
	char *eq, *key, *value = NULL;

	eq = strchr(text, '=');
	if (eq == NULL)
		return config_file_errf(s->f, line, s->section, NULL, s->err,
					"%s is not a 'key = value' line, a [section] header or a "
					"comment; write key = value, or start the line with ';' or "
					"'#' to make it a comment",
					config_file_quote(text, q));
	*eq = '\0';
	key = strip(text);
	if (key[0] == '\0')
		return config_file_errf(s->f, line, s->section, NULL, s->err,
					"the line has no key name before '='; write key = value");
	if (strlen(key) >= CONFIG_NAME_MAX)
		return config_file_errf(s->f, line, s->section, NULL, s->err,
					"the key name %s is too long; keys are short names such as "
					"'tun'",
					config_file_quote(key, q));
	lower(key);
	if (s->section[0] == '\0')
		return config_file_errf(s->f, line, NULL, key, s->err,
					"the key is above every section header; move it below "
					"[%s]",
					s->home);
	if (scan_value(s, line, key, eq + 1, &value) < 0)
		return -1;
	prev = config_file_find(s->f, s->section, key);
	if (prev != NULL)
		return config_file_errf(s->f, line, s->section, key, s->err,
					"set twice, on lines %u and %u; keep only one of them",
					prev->line, line);
	it = add_item(s, line);
	if (it == NULL)
		return -1;
	it->kind = CONFIG_ITEM_KEY;
	snprintf(it->section, sizeof(it->section), "%s", s->section);
	snprintf(it->key, sizeof(it->key), "%s", key);
	it->value = strdup(value);
	if (it->value == NULL)
		return config_file_errf(s->f, line, NULL, NULL, s->err, "out of memory; try again");
	return 0;
}

static int scan_line(struct scan *s, unsigned line, char *raw, size_t raw_len)
{
	char *text;
	size_t len;

	if (raw_len > CONFIG_LINE_MAX)
		return config_file_errf(s->f, line, s->section, NULL, s->err,
					"the line is %zu characters long; lines can be at most %u",
					raw_len, CONFIG_LINE_MAX);
	text = strip(raw);
	len = strlen(text);
	/* iniparser glues a line ending in '\' to the next one, even a comment,
	 * which would swallow the following key. */
	if (len > 0 && text[len - 1] == '\\')
		return config_file_errf(s->f, line, s->section, NULL, s->err,
					"the line ends with '\\', which would join it to the next "
					"line; remove the backslash");
	if (len == 0 || text[0] == ';' || text[0] == '#')
		return 0;
	if (text[0] == '[')
		return scan_section(s, line, text, len);
	return scan_key(s, line, text);
}

static int read_all(struct config_file *f, char **out, size_t *out_len, char *err)
{
	struct stat st;
	size_t n = 0;
	char *buf;
	ssize_t r;
	int fd;

	fd = open(f->path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return config_file_errf(f, 0, NULL, NULL, err,
					"cannot open the file (%s); check the path of the "
					"configuration file",
					strerror(errno));
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return config_file_errf(f, 0, NULL, NULL, err,
					"not a regular file; give the path of the configuration "
					"file");
	}
	buf = malloc(CONFIG_FILE_MAX_BYTES + 1);
	if (buf == NULL) {
		close(fd);
		return config_file_errf(f, 0, NULL, NULL, err, "out of memory; try again");
	}
	for (;;) {
		r = read(fd, buf + n, CONFIG_FILE_MAX_BYTES + 1 - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		n += (size_t)r;
		if (n > CONFIG_FILE_MAX_BYTES)
			break;
	}
	close(fd);
	if (r < 0) {
		free(buf);
		return config_file_errf(f, 0, NULL, NULL, err,
					"cannot read the file (%s); check its permissions",
					strerror(errno));
	}
	if (n > CONFIG_FILE_MAX_BYTES) {
		free(buf);
		return config_file_errf(f, 0, NULL, NULL, err,
					"the file is larger than %u bytes; a configuration file is "
					"a few lines of key = value",
					CONFIG_FILE_MAX_BYTES);
	}
	buf[n] = '\0';
	*out = buf;
	*out_len = n;
	return 0;
}

static int scan_all(struct scan *s, char *buf, size_t n)
{
	unsigned line = 0;
	size_t pos = 0;

	while (pos < n) {
		char *start = buf + pos;
		char *nl = memchr(start, '\n', n - pos);
		size_t len = nl != NULL ? (size_t)(nl - start) : n - pos;

		line++;
		/* fgets would stop at the NUL and iniparser would read the rest
		 * of the line as a line of its own. */
		if (memchr(start, '\0', len) != NULL)
			return config_file_errf(s->f, line, s->section, NULL, s->err,
						"the line contains a NUL byte; save the file as "
						"plain text");
		start[len] = '\0';
		if (scan_line(s, line, start, len) < 0)
			return -1;
		pos += len + 1;
	}
	return 0;
}

static int silent(const char *fmt, ...)
{
	(void)fmt;
	return 0;
}

/* Every entry of the dictionary is an item read here and every item is in
 * the dictionary with the same value; otherwise a line number could point
 * at the wrong place. */
static int cross_check(struct config_file *f, dictionary *d, char *err)
{
	char full[2 * CONFIG_NAME_MAX + 1];
	char q1[CONFIG_QUOTE_MAX], q2[CONFIG_QUOTE_MAX];
	int nsec, nkeys;

	for (unsigned i = 0; i < f->n_items; i++) {
		const struct config_item *it = &f->items[i];
		const char *v;

		if (it->kind == CONFIG_ITEM_SECTION) {
			if (!iniparser_find_entry(d, it->section))
				return config_file_errf(f, it->line, it->section, NULL, err,
							"the INI parser did not see this section; "
							"write it as [name] alone on its line");
			continue;
		}
		snprintf(full, sizeof(full), "%s:%s", it->section, it->key);
		v = iniparser_getstring(d, full, NULL);
		if (v == NULL || strcmp(v, it->value) != 0)
			return config_file_errf(f, it->line, it->section, it->key, err,
						"the value reads as %s here but as %s to the INI "
						"parser; write it as key = value, in quotes if it "
						"holds ';' or '#'",
						config_file_quote(it->value, q1),
						config_file_quote(v != NULL ? v : "", q2));
	}
	nsec = iniparser_getnsec(d);
	for (int i = 0; i < nsec; i++) {
		const char *sec = iniparser_getsecname(d, i);
		const char **keys;

		if (sec == NULL || config_file_find(f, sec, NULL) == NULL)
			return config_file_errf(
			    f, 0, NULL, NULL, err,
			    "the INI parser found a section no line holds; check "
			    "the file for unusual characters");
		nkeys = iniparser_getsecnkeys(d, sec);
		if (nkeys <= 0)
			continue;
		keys = calloc((size_t)nkeys, sizeof(*keys));
		if (keys == NULL)
			return config_file_errf(f, 0, NULL, NULL, err, "out of memory; try again");
		iniparser_getseckeys(d, sec, keys);
		for (int k = 0; k < nkeys; k++) {
			const char *colon = keys[k] != NULL ? strchr(keys[k], ':') : NULL;

			if (colon == NULL || config_file_find(f, sec, colon + 1) == NULL) {
				free(keys);
				return config_file_errf(f, 0, sec, NULL, err,
							"the INI parser found a key no line holds; "
							"check the file for unusual characters");
			}
		}
		free(keys);
	}
	return 0;
}

static int parse_with_iniparser(struct config_file *f, char *err)
{
	dictionary *d;
	int rc;

	/* iniparser prints its own errors to stderr by default; every problem
	 * it could report has been found above with a line number. */
	iniparser_set_error_callback(silent);
	d = iniparser_load(f->path);
	if (d == NULL) {
		config_file_errf(f, 0, NULL, NULL, err,
				 "the INI parser could not read the file (did it change while it "
				 "was being read?); check it and try again");
		return CONFIG_FILE_DISAGREE;
	}
	rc = cross_check(f, d, err) < 0 ? CONFIG_FILE_DISAGREE : 0;
	iniparser_freedict(d);
	return rc;
}

static int find_dir(struct config_file *f, char *err)
{
	char copy[PATH_MAX];

	if (snprintf(copy, sizeof(copy), "%s", f->path) >= (int)sizeof(copy))
		return config_file_errf(f, 0, NULL, NULL, err,
					"the path is too long; use a shorter path");
	if (realpath(dirname(copy), f->dir) == NULL)
		return config_file_errf(f, 0, NULL, NULL, err,
					"cannot resolve the directory of the file (%s); check the "
					"path",
					strerror(errno));
	return 0;
}

int config_file_load(struct config_file *f, const char *path, const char *home,
		     char err[static CONFIG_ERR_MAX])
{
	struct scan s = {.f = f, .home = home, .err = err};
	char *buf = NULL;
	size_t n = 0;
	int rc;

	memset(f, 0, sizeof(*f));
	f->path = path;
	err[0] = '\0';
	if (read_all(f, &buf, &n, err) < 0)
		return -1;
	rc = find_dir(f, err);
	if (rc == 0)
		rc = scan_all(&s, buf, n);
	free(buf);
	if (rc == 0)
		rc = parse_with_iniparser(f, err);
	if (rc < 0)
		config_file_free(f);
	return rc;
}

void config_file_free(struct config_file *f)
{
	for (unsigned i = 0; i < f->n_items; i++)
		free(f->items[i].value);
	free(f->items);
	f->items = NULL;
	f->n_items = 0;
}
