/*
 * est_token_file.c - DIR/tokens (format in est_token_file.h): every line is
 * checked before anything acts on the store, so a damaged file stops the
 * command with file:line instead of being rewritten without its tokens.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include "atomic_file.h"
#include "ca_index.h"
#include "errbuf.h"
#include "est_token_file.h"
#include "hex.h"

#define FIELDS 6

static bool parse_hash(const char *s, uint8_t out[static EST_TOKEN_HASH])
{
	if (strlen(s) != 2 * EST_TOKEN_HASH)
		return false;
	for (size_t i = 0; i < EST_TOKEN_HASH; i++) {
		int hi = hex_value(s[2 * i]), lo = hex_value(s[2 * i + 1]);

		if (hi < 0 || lo < 0 || (s[2 * i] >= 'A' && s[2 * i] <= 'F') ||
		    (s[2 * i + 1] >= 'A' && s[2 * i + 1] <= 'F'))
			return false;
		out[i] = (uint8_t)(hi << 4 | lo);
	}
	return true;
}

/* One record line split in place at TABs. NULL on success, else why. */
static const char *parse_line(char *line, struct est_token_rec *r)
{
	char *f[FIELDS];
	size_t n = 0;
	char *p = line;

	memset(r, 0, sizeof(*r));
	for (;;) {
		char *tab = strchr(p, '\t');

		if (n == FIELDS)
			return "more than 6 TAB-separated fields";
		f[n++] = p;
		if (tab == NULL)
			break;
		*tab = 0;
		p = tab + 1;
	}
	if (n != FIELDS)
		return "fewer than 6 TAB-separated fields (hash, identity, group, created, "
		       "expires, used)";
	if (!parse_hash(f[0], r->hash))
		return "the hash is not 64 lowercase hex digits";
	if (!est_token_name_ok(f[1], false, NULL, 0))
		return "the identity is empty, too long or has control bytes";
	if (strcmp(f[2], "-") != 0 && !est_token_name_ok(f[2], true, NULL, 0))
		return "the group is too long or has control bytes ('-' for none)";
	snprintf(r->identity, sizeof(r->identity), "%s", f[1]);
	snprintf(r->group, sizeof(r->group), "%s", strcmp(f[2], "-") == 0 ? "" : f[2]);
	if (!ca_index_parse_time(f[3], &r->created) || !ca_index_parse_time(f[4], &r->expires))
		return "a time is not YYYYMMDDHHMMSSZ";
	if (strcmp(f[5], "-") != 0 && !ca_index_parse_time(f[5], &r->used))
		return "used is neither '-' nor YYYYMMDDHHMMSSZ";
	if (r->created < 0 || r->expires < 0 || r->used < 0)
		return "a time before 1970";
	if (strcmp(f[5], "-") != 0 && r->used == 0)
		r->used = 1;
	return NULL;
}

int est_token_file_parse(const char *text, size_t len, const char *name, struct est_token_store *st,
			 char *err, size_t errlen)
{
	char *copy = malloc(len + 1), *line, *next;
	unsigned lineno = 0;

	memset(st, 0, sizeof(*st));
	if (copy == NULL) {
		errbuf_set(err, errlen, "out of memory");
		return -1;
	}
	memcpy(copy, text, len);
	copy[len] = 0;
	if (strlen(copy) != len) {
		errbuf_set(err, errlen, "%s: contains a NUL byte: not a token file", name);
		goto fail;
	}
	for (line = copy; line != NULL && *line != 0; line = next) {
		struct est_token_rec r;
		const char *why;

		next = strchr(line, '\n');
		if (next != NULL)
			*next++ = 0;
		lineno++;
		if (lineno == 1) {
			if (strcmp(line, EST_TOKEN_FILE_MAGIC) != 0) {
				errbuf_set(err, errlen,
					   "%s:1: expected \"%s\" (a token file of this version)",
					   name, EST_TOKEN_FILE_MAGIC);
				goto fail;
			}
			continue;
		}
		if (line[0] == '#' || line[0] == 0)
			continue;
		why = parse_line(line, &r);
		if (why != NULL) {
			errbuf_set(err, errlen, "%s:%u: %s", name, lineno, why);
			goto fail;
		}
		if (est_token_store_append(st, &r) < 0) {
			errbuf_set(err, errlen, "out of memory");
			goto fail;
		}
	}
	if (lineno == 0) {
		errbuf_set(err, errlen, "%s: empty; expected \"%s\" on the first line", name,
			   EST_TOKEN_FILE_MAGIC);
		goto fail;
	}
	free(copy);
	return 0;
fail:
	free(copy);
	est_token_store_free(st);
	return -1;
}

char *est_token_file_format(const struct est_token_store *st, size_t *len)
{
	static const char head[] =
	    EST_TOKEN_FILE_MAGIC "\n"
				 "# One-time enrollment tokens (mtlsvpnctl ca token), stored only "
				 "as SHA-256.\n"
				 "# hash\tidentity\tgroup\tcreated\texpires\tused\n";
	size_t cap = sizeof(head) + st->n * (2 * EST_TOKEN_HASH + EST_TOKEN_IDENTITY_MAX +
					     EST_TOKEN_GROUP_MAX + 3 * 16 + 8);
	char *out = malloc(cap);
	size_t w;

	if (out == NULL)
		return NULL;
	w = (size_t)snprintf(out, cap, "%s", head);
	for (size_t i = 0; i < st->n; i++) {
		const struct est_token_rec *r = &st->recs[i];
		char c[16], e[16], u[16];

		for (size_t j = 0; j < EST_TOKEN_HASH; j++)
			w += (size_t)snprintf(out + w, cap - w, "%02x", r->hash[j]);
		ca_index_format_time(r->created, c);
		ca_index_format_time(r->expires, e);
		if (r->used != 0)
			ca_index_format_time(r->used, u);
		else
			snprintf(u, sizeof(u), "-");
		w += (size_t)snprintf(out + w, cap - w, "\t%s\t%s\t%s\t%s\t%s\n", r->identity,
				      r->group[0] != 0 ? r->group : "-", c, e, u);
	}
	*len = w;
	return out;
}

int est_token_file_load(const char *path, struct est_token_store *st, char *err, size_t errlen)
{
	FILE *f = fopen(path, "re");
	char *text;
	size_t n;
	int rc;

	memset(st, 0, sizeof(*st));
	if (f == NULL && errno == ENOENT)
		return 0;
	if (f == NULL) {
		errbuf_set(err, errlen, "cannot open %s: %s", path, strerror(errno));
		return -1;
	}
	text = malloc(EST_TOKEN_FILE_MAX + 1);
	if (text == NULL) {
		fclose(f);
		errbuf_set(err, errlen, "out of memory");
		return -1;
	}
	n = fread(text, 1, EST_TOKEN_FILE_MAX + 1, f);
	if (ferror(f) || n > EST_TOKEN_FILE_MAX) {
		errbuf_set(err, errlen, "cannot read %s: %s", path,
			   ferror(f) ? "read error" : "larger than 4 MiB");
		fclose(f);
		free(text);
		return -1;
	}
	fclose(f);
	rc = est_token_file_parse(text, n, path, st, err, errlen);
	free(text);
	return rc;
}

int est_token_file_save(const char *path, const struct est_token_store *st, char *err,
			size_t errlen)
{
	size_t len;
	char *text = est_token_file_format(st, &len);
	int rc;

	if (text == NULL) {
		errbuf_set(err, errlen, "out of memory");
		return -1;
	}
	rc = atomic_file_write(path, text, len, 0600, true, err, errlen);
	free(text);
	return rc;
}

int est_token_file_redeem(const char *dir, const char *text, const char *identity, int64_t now,
			  enum est_token_verdict *verdict, struct est_token_rec *out, char *err,
			  size_t errlen)
{
	char path[PATH_MAX];
	struct est_token_store st;
	int fd, rc = -1;

	if (snprintf(path, sizeof(path), "%s/%s", dir, EST_TOKEN_FILE_NAME) >= (int)sizeof(path)) {
		errbuf_set(err, errlen, "%s: path too long", dir);
		return -1;
	}
	fd = ca_index_lock(dir, err, errlen);
	if (fd < 0)
		return -1;
	if (est_token_file_load(path, &st, err, errlen) == 0) {
		*verdict = est_token_redeem(&st, text, identity, now, out);
		rc = *verdict == EST_TOKEN_OK ? est_token_file_save(path, &st, err, errlen) : 0;
		est_token_store_free(&st);
	}
	close(fd); /* releases the lock */
	return rc;
}
