/*
 * jsonw.h - writes one JSON document into a growing, bounded heap buffer
 * (mtlsvpnctl status --json, server/status_json.c). No I/O, never logs.
 * Calls nest objects and arrays; a key is given inside an object and NULL
 * inside an array. Strings are escaped so the output is valid JSON for any
 * bytes: '"', '\', control bytes, DEL and every byte from 0x80 appear as
 * escapes (\u00XX for a byte that is not ASCII). Any failure (too deep,
 * over max bytes, out of memory) sticks: jsonw_finish then says false.
 */
#ifndef MTLSVPN_JSONW_H
#define MTLSVPN_JSONW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define JSONW_MAX_DEPTH 16

struct jsonw {
	char *p;
	size_t len, cap, max;
	unsigned depth;
	bool first[JSONW_MAX_DEPTH]; /* no member yet at this depth */
	bool failed;
};

/* max: the largest document, in bytes. */
void jsonw_init(struct jsonw *w, size_t max);
void jsonw_deinit(struct jsonw *w);

void jsonw_obj_begin(struct jsonw *w, const char *key);
void jsonw_obj_end(struct jsonw *w);
void jsonw_arr_begin(struct jsonw *w, const char *key);
void jsonw_arr_end(struct jsonw *w);
/* s NULL writes null. */
void jsonw_str(struct jsonw *w, const char *key, const char *s);
void jsonw_u64(struct jsonw *w, const char *key, uint64_t v);
void jsonw_i64(struct jsonw *w, const char *key, int64_t v);
void jsonw_bool(struct jsonw *w, const char *key, bool v);
void jsonw_null(struct jsonw *w, const char *key);

/* True if the document is complete (every object and array closed) and
 * nothing failed; *out and *len then name it (NUL-terminated). */
bool jsonw_finish(struct jsonw *w, const char **out, size_t *len);

#endif
