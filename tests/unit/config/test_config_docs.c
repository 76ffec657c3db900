/*
 * test_config_docs.c - the configuration keys the code accepts are the keys
 * the documentation describes, both ways. The code's list comes from the
 * key tables themselves (config_server_key_names, config_client_key_names);
 * the documents' lists are read from docs/configuration.md (table rows
 * under a "### [section]" heading), docs/man/mtlsvpn.ini.5 (".TP" entries
 * under a ".SS [section]" heading) and packaging/{server,client}.ini.example (keys, set
 * or commented out with ';', under their section header).
 */
#include <ctype.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "config.h"

#define MAX_KEYS 256
#define MAX_SECTIONS 4 /* on one heading: "[ca], [cert], [key]" */
#define NAME_MAX_LEN 64

/* A key as a document shows it: rule10 and pem1 are instances of the code's
 * ruleN and pemN. */
struct doc_key {
	char section[NAME_MAX_LEN];
	char name[NAME_MAX_LEN];
	unsigned line;
};

struct place;

struct doc {
	const char *path;    /* relative to the source tree */
	bool server, client; /* which file's keys it describes */
	void (*read_line)(struct place *pl, const char *line);
	struct doc_key keys[MAX_KEYS];
	size_t n;
};

/* Deliberate gaps, kept tiny. Each names the document, the key and why. */
static const struct {
	const char *doc, *section, *name;
} exceptions[] = {
    /* A profile's [ca], [cert] and [key] are written by mtlsvpnctl ca
     * profile, never by hand: the example only mentions them in a comment. */
    {"packaging/client.ini.example", "ca", "pemN"},
    {"packaging/client.ini.example", "cert", "pemN"},
    {"packaging/client.ini.example", "key", "pemN"},
};

static bool excepted(const char *doc, const struct config_key_name *k)
{
	for (size_t i = 0; i < sizeof(exceptions) / sizeof(exceptions[0]); i++)
		if (strcmp(exceptions[i].doc, doc) == 0 &&
		    strcmp(exceptions[i].section, k->section) == 0 &&
		    strcmp(exceptions[i].name, k->name) == 0)
			return true;
	return false;
}

/* "ruleN" matches "ruleN" and "rule10"; any other name only itself. */
static bool name_matches(const char *code, const char *doc)
{
	size_t n = strlen(code);

	if (strcmp(code, doc) == 0)
		return true;
	if (n < 2 || code[n - 1] != 'N' || strncmp(code, doc, n - 1) != 0 || doc[n - 1] == '\0')
		return false;
	for (const char *p = doc + n - 1; *p != '\0'; p++)
		if (!isdigit((unsigned char)*p))
			return false;
	return true;
}

static void add_key(struct doc *d, const char *section, const char *name, size_t len, unsigned line)
{
	struct doc_key *k;

	assert_true(d->n < MAX_KEYS);
	assert_true(len < NAME_MAX_LEN);
	k = &d->keys[d->n++];
	snprintf(k->section, sizeof(k->section), "%s", section);
	memcpy(k->name, name, len);
	k->name[len] = '\0';
	k->line = line;
}

static bool key_char(char c)
{
	return islower((unsigned char)c) || isdigit((unsigned char)c) || c == '_' || c == 'N';
}

/* Every "[name]" of a heading, "group NAME" folded to "group"; returns how
 * many. */
static size_t heading_sections(const char *line, char out[MAX_SECTIONS][NAME_MAX_LEN])
{
	size_t n = 0;

	for (const char *p = strchr(line, '['); p != NULL && n < MAX_SECTIONS;
	     p = strchr(p + 1, '[')) {
		const char *end = strchr(p, ']');
		size_t len;

		if (end == NULL)
			break;
		len = (size_t)(end - p - 1);
		if (len == 0 || len >= NAME_MAX_LEN)
			continue;
		memcpy(out[n], p + 1, len);
		out[n][len] = '\0';
		if (strncmp(out[n], "group ", 6) == 0)
			out[n][5] = '\0';
		n++;
	}
	return n;
}

/* A roff request's arguments joined as they print: quotes and font
 * escapes dropped, "\-" as "-". ".BI rule N \" = allow\"" -> "ruleN = allow". */
static void roff_text(const char *req, char *out, size_t cap)
{
	const char *p = strchr(req, ' ');
	size_t n = 0;
	bool quoted = false;

	for (p = p != NULL ? p + 1 : req + strlen(req); *p != '\0' && *p != '\n' && n + 1 < cap;
	     p++) {
		if (*p == '"') {
			quoted = !quoted;
		} else if (*p == ' ' && !quoted) {
			continue;
		} else if (*p == '\\' && p[1] == 'f' && p[2] != '\0') {
			p += 2;
		} else if (*p == '\\' && (p[1] == '-' || p[1] == '&')) {
			if (p[1] == '-')
				out[n++] = '-';
			p++;
		} else {
			out[n++] = *p;
		}
	}
	out[n] = '\0';
}

/* Where the reader of a document is: its line, and the sections the last
 * heading named (none: not a place for keys). */
struct place {
	struct doc *d;
	char sections[MAX_SECTIONS][NAME_MAX_LEN];
	size_t n_sections;
	unsigned line;
	bool after_tp; /* man: the previous line was ".TP" */
};

static void add_keys(struct place *pl, const char *name, size_t len)
{
	for (size_t s = 0; s < pl->n_sections; s++)
		add_key(pl->d, pl->sections[s], name, len, pl->line);
}

/* docs/configuration.md: under a heading naming sections, a table row's
 * first cell lists its keys in backquotes. Any other heading ends them. */
static void markdown_line(struct place *pl, const char *line)
{
	const char *cell_end = strchr(line + 1, '|');

	if (line[0] == '#') {
		pl->n_sections = heading_sections(line, pl->sections);
		return;
	}
	if (strncmp(line, "| `", 3) != 0)
		return;
	for (const char *p = strchr(line, '`'); p != NULL && p < cell_end;) {
		const char *q = strchr(p + 1, '`');

		if (q == NULL || q > cell_end)
			break;
		add_keys(pl, p + 1, (size_t)(q - p - 1));
		p = strchr(q + 1, '`');
	}
}

/* docs/man/mtlsvpn.ini.5: the line after each ".TP" under a ".SS" naming
 * sections holds "key = value" (or "a = x, b = y"). A ".SH" ends them. */
static void man_line(struct place *pl, const char *line)
{
	char text[4096];
	bool tag = pl->after_tp;

	pl->after_tp = strncmp(line, ".TP", 3) == 0;
	if (strncmp(line, ".SS", 3) == 0 || strncmp(line, ".SH", 3) == 0) {
		pl->n_sections = heading_sections(line, pl->sections);
		return;
	}
	if (!tag)
		return;
	roff_text(line, text, sizeof(text));
	/* Each "NAME =" at the start or after ", ". */
	for (const char *p = text; p != NULL;) {
		const char *e, *eq;

		while (*p == ' ')
			p++;
		for (e = p; key_char(*e); e++)
			;
		for (eq = e; *eq == ' '; eq++)
			;
		if (e > p && *eq == '=')
			add_keys(pl, p, (size_t)(e - p));
		p = strchr(e, ',');
		if (p != NULL)
			p++;
	}
}

/* packaging/{server,client}.ini.example: "[section]" and "key = value"
 * lines, either possibly commented out with ';'; '#' lines are prose. */
static void example_line(struct place *pl, const char *line)
{
	const char *p = line[0] == ';' ? line + 1 : line;
	const char *e = p;

	if (line[0] == '#')
		return;
	if (*p == '[') {
		pl->n_sections = heading_sections(p, pl->sections);
		return;
	}
	while (key_char(*e))
		e++;
	if (e == p || strncmp(e, " =", 2) != 0)
		return;
	assert_int_equal(pl->n_sections, 1);
	add_keys(pl, p, (size_t)(e - p));
}

static void read_doc(struct doc *d)
{
	char path[4096], line[4096];
	struct place pl = {.d = d};
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", MTLSVPN_SOURCE_DIR, d->path);
	f = fopen(path, "r");
	if (f == NULL)
		fail_msg("cannot open %s: %s", path, strerror(errno));
	d->n = 0;
	while (fgets(line, sizeof(line), f) != NULL) {
		pl.line++;
		d->read_line(&pl, line);
	}
	fclose(f);
}

static struct doc docs[] = {
    {.path = "docs/configuration.md", .server = true, .client = true, .read_line = markdown_line},
    {.path = "docs/man/mtlsvpn.ini.5", .server = true, .client = true, .read_line = man_line},
    {.path = "packaging/server.ini.example",
     .server = true,
     .client = false,
     .read_line = example_line},
    {.path = "packaging/client.ini.example",
     .server = false,
     .client = true,
     .read_line = example_line},
};
#define N_DOCS (sizeof(docs) / sizeof(docs[0]))

static struct config_key_name server_keys[MAX_KEYS], client_keys[MAX_KEYS];
static size_t n_server, n_client;

static int setup(void **state)
{
	(void)state;
	n_server = config_server_key_names(server_keys, MAX_KEYS);
	n_client = config_client_key_names(client_keys, MAX_KEYS);
	if (n_server > MAX_KEYS || n_client > MAX_KEYS)
		return -1;
	for (size_t i = 0; i < N_DOCS; i++)
		read_doc(&docs[i]);
	return 0;
}

static bool documented(const struct doc *d, const struct config_key_name *k)
{
	for (size_t i = 0; i < d->n; i++)
		if (strcmp(d->keys[i].section, k->section) == 0 &&
		    name_matches(k->name, d->keys[i].name))
			return true;
	return false;
}

static unsigned check_code_keys(const struct doc *d, const struct config_key_name *keys, size_t n)
{
	unsigned missing = 0;

	for (size_t i = 0; i < n; i++) {
		if (documented(d, &keys[i]) || excepted(d->path, &keys[i]))
			continue;
		print_error("%s does not describe [%s] %s\n", d->path, keys[i].section,
			    keys[i].name);
		missing++;
	}
	return missing;
}

/* The tables are what they should be: a test that finds nothing proves
 * nothing. */
static void test_config_key_names_lists_every_table(void **state)
{
	struct config_key_name few[2];
	bool rule = false, pem = false, control = false, gateway = false;

	(void)state;
	for (size_t i = 0; i < n_server; i++) {
		rule |= strcmp(server_keys[i].section, "group") == 0 &&
			strcmp(server_keys[i].name, "inbound_ruleN") == 0;
		control |= strcmp(server_keys[i].name, "control") == 0;
	}
	for (size_t i = 0; i < n_client; i++) {
		pem |= strcmp(client_keys[i].section, "key") == 0 &&
		       strcmp(client_keys[i].name, "pemN") == 0;
		gateway |= strcmp(client_keys[i].name, "gateway") == 0;
	}
	assert_true(rule && control && pem && gateway);
	/* A short array is filled as far as it goes; the count is whole. */
	assert_int_equal(config_server_key_names(few, 2), n_server);
	assert_string_equal(few[0].name, server_keys[0].name);
}

static void test_config_docs_describe_every_key(void **state)
{
	unsigned missing = 0;

	(void)state;
	for (size_t i = 0; i < N_DOCS; i++) {
		if (docs[i].server)
			missing += check_code_keys(&docs[i], server_keys, n_server);
		if (docs[i].client)
			missing += check_code_keys(&docs[i], client_keys, n_client);
	}
	if (missing > 0)
		fail_msg("%u key(s) of the code are not documented (see above)", missing);
}

static bool in_code(const struct doc *d, const struct doc_key *k)
{
	const struct config_key_name *tables[2] = {d->server ? server_keys : NULL,
						   d->client ? client_keys : NULL};
	const size_t n[2] = {n_server, n_client};

	for (size_t t = 0; t < 2; t++)
		for (size_t i = 0; tables[t] != NULL && i < n[t]; i++)
			if (strcmp(tables[t][i].section, k->section) == 0 &&
			    name_matches(tables[t][i].name, k->name))
				return true;
	return false;
}

static void test_config_docs_describe_only_real_keys(void **state)
{
	unsigned extra = 0;

	(void)state;
	for (size_t i = 0; i < N_DOCS; i++) {
		for (size_t j = 0; j < docs[i].n; j++) {
			if (in_code(&docs[i], &docs[i].keys[j]))
				continue;
			print_error("%s:%u describes [%s] %s, which the code does not have\n",
				    docs[i].path, docs[i].keys[j].line, docs[i].keys[j].section,
				    docs[i].keys[j].name);
			extra++;
		}
	}
	if (extra > 0)
		fail_msg("%u documented key(s) do not exist (see above)", extra);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_config_key_names_lists_every_table),
	    cmocka_unit_test(test_config_docs_describe_every_key),
	    cmocka_unit_test(test_config_docs_describe_only_real_keys),
	};

	return cmocka_run_group_tests(tests, setup, NULL);
}
