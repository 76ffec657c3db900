/*
 * lease_store.h - the gateway's sticky leases on disk, so an identity keeps
 * its address across gateway restarts. A versioned text file, one lease a
 * line; written whole and atomically (common/base/atomic_file.c), so a crash or a
 * full disk leaves the previous file. Pure apart from the file: never logs;
 * bad lines are handed to the caller with their line number and skipped.
 */
#ifndef MTLSVPN_LEASE_STORE_H
#define MTLSVPN_LEASE_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "addr.h"

#define LEASE_STORE_NAME_MAX 255 /* group and identity, bytes without the NUL */
#define LEASE_STORE_WHY_MAX 160

struct lease_store_entry {
	char group[LEASE_STORE_NAME_MAX + 1];
	struct ipaddr addr;
	char identity[LEASE_STORE_NAME_MAX + 1];
	int64_t last_used; /* unix time */
};

/* One good line. */
typedef void lease_store_entry_fn(void *ctx, const struct lease_store_entry *e);
/* One line that is skipped; line 0 is the file as a whole. */
typedef void lease_store_problem_fn(void *ctx, unsigned line, const char *what);

/* Reads path, calling on_entry per good lease and on_problem per bad line.
 * A missing file is no leases (*missing = true) and returns 0. -1 with err
 * if the file cannot be read at all (errno set). */
int lease_store_load(const char *path, lease_store_entry_fn *on_entry,
		     lease_store_problem_fn *on_problem, void *ctx, bool *missing, char *err,
		     size_t errlen);

/* The text of a new file, built lease by lease. */
struct lease_store_writer {
	char *data;
	size_t len, cap;
	size_t n;   /* leases added */
	bool nomem; /* an add failed: commit refuses */
};

void lease_store_writer_init(struct lease_store_writer *w);
void lease_store_writer_deinit(struct lease_store_writer *w);
/* Appends one lease; false (and the writer refuses to commit) if out of
 * memory or group, identity or address cannot be stored. */
bool lease_store_add(struct lease_store_writer *w, const char *group, const struct ipaddr *addr,
		     const char *identity, int64_t last_used);
/* Replaces path atomically with the header and the leases added (mode
 * 0600). -1 with errno and err; the previous file is then untouched. */
int lease_store_commit(const struct lease_store_writer *w, const char *path, char *err,
		       size_t errlen);

/* Escaping of one field, exposed for tests: bytes outside '!'..'~' and
 * '%' become %XX. false if out (cap bytes) is too small. */
bool lease_store_escape(const char *in, char *out, size_t cap);
/* The reverse; false on a bad escape, an embedded NUL or overflow. */
bool lease_store_unescape(const char *in, char *out, size_t cap);

#endif
