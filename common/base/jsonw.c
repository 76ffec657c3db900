/*
 * jsonw.c - a JSON writer for documents built in memory (jsonw.h). The
 * comma before a member is decided by first[depth]; escaping covers every
 * byte that is not printable ASCII, so the result is valid whatever an
 * identity or a file name holds.
 */
#include "jsonw.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void jsonw_init(struct jsonw *w, size_t max)
{
	memset(w, 0, sizeof(*w));
	w->max = max;
	w->first[0] = true;
}

void jsonw_deinit(struct jsonw *w)
{
	free(w->p);
	memset(w, 0, sizeof(*w));
}

static void put(struct jsonw *w, const char *s, size_t n)
{
	if (w->failed)
		return;
	if (w->len + n + 1 > w->cap) {
		size_t cap = w->cap > 0 ? w->cap : 4096;
		char *p;

		while (cap < w->len + n + 1)
			cap *= 2;
		if (cap > w->max + 1)
			cap = w->max + 1;
		if (w->len + n + 1 > cap) {
			w->failed = true;
			return;
		}
		p = realloc(w->p, cap);
		if (p == NULL) {
			w->failed = true;
			return;
		}
		w->p = p;
		w->cap = cap;
	}
	memcpy(w->p + w->len, s, n);
	w->len += n;
	w->p[w->len] = '\0';
}

static void put_escaped(struct jsonw *w, const char *s)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *u = (const unsigned char *)s;
	size_t run = 0;

	put(w, "\"", 1);
	for (size_t i = 0;; i++) {
		unsigned char c = u[i];
		char e[7];

		if (c >= 0x20 && c < 0x7f && c != '"' && c != '\\') {
			run++;
			continue;
		}
		put(w, s + i - run, run);
		run = 0;
		if (c == 0)
			break;
		if (c == '"' || c == '\\') {
			e[0] = '\\';
			e[1] = (char)c;
			put(w, e, 2);
			continue;
		}
		memcpy(e, "\\u00", 4);
		e[4] = hex[c >> 4];
		e[5] = hex[c & 15];
		put(w, e, 6);
	}
	put(w, "\"", 1);
}

/* The comma and the key before a value. */
static void member(struct jsonw *w, const char *key)
{
	if (w->failed)
		return;
	if (!w->first[w->depth])
		put(w, ",", 1);
	w->first[w->depth] = false;
	if (key != NULL) {
		put_escaped(w, key);
		put(w, ":", 1);
	}
}

static void open_(struct jsonw *w, const char *key, const char *brace)
{
	member(w, key);
	if (w->depth + 1 >= JSONW_MAX_DEPTH) {
		w->failed = true;
		return;
	}
	put(w, brace, 1);
	w->first[++w->depth] = true;
}

static void close_(struct jsonw *w, const char *brace)
{
	if (w->depth == 0) {
		w->failed = true;
		return;
	}
	w->depth--;
	put(w, brace, 1);
}

void jsonw_obj_begin(struct jsonw *w, const char *key)
{
	open_(w, key, "{");
}

void jsonw_obj_end(struct jsonw *w)
{
	close_(w, "}");
}

void jsonw_arr_begin(struct jsonw *w, const char *key)
{
	open_(w, key, "[");
}

void jsonw_arr_end(struct jsonw *w)
{
	close_(w, "]");
}

void jsonw_str(struct jsonw *w, const char *key, const char *s)
{
	member(w, key);
	if (s == NULL)
		put(w, "null", 4);
	else
		put_escaped(w, s);
}

void jsonw_u64(struct jsonw *w, const char *key, uint64_t v)
{
	char n[24];

	member(w, key);
	put(w, n, (size_t)snprintf(n, sizeof(n), "%" PRIu64, v));
}

void jsonw_i64(struct jsonw *w, const char *key, int64_t v)
{
	char n[24];

	member(w, key);
	put(w, n, (size_t)snprintf(n, sizeof(n), "%" PRId64, v));
}

void jsonw_bool(struct jsonw *w, const char *key, bool v)
{
	member(w, key);
	put(w, v ? "true" : "false", v ? 4 : 5);
}

void jsonw_null(struct jsonw *w, const char *key)
{
	member(w, key);
	put(w, "null", 4);
}

bool jsonw_finish(struct jsonw *w, const char **out, size_t *len)
{
	if (w->failed || w->depth != 0 || w->len == 0)
		return false;
	*out = w->p;
	*len = w->len;
	return true;
}
