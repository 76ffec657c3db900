/*
 * lease_store.c - the lease file. Its first line is "mtlsvpn-leases 1"
 * (the format version); then comment lines (#) and one lease a line:
 *
 *   GROUP FAMILY ADDRESS IDENTITY LAST_USED
 *
 * separated by one space: FAMILY is 4 or 6, LAST_USED a unix time, GROUP
 * and IDENTITY escaped (bytes outside '!'..'~', '%' and '#' as %XX), so any
 * identity a certificate can carry (spaces, UTF-8, mixed case) survives
 * byte for byte. A bad line is reported and skipped, never fatal.
 */
#include "lease_store.h"
#include "hex.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "atomic_file.h"

#define LEASE_STORE_MAGIC "mtlsvpn-leases"
#define LEASE_STORE_VERSION 1
#define LINE_MAX_LEN 2048

static bool plain(unsigned char c)
{
	return c >= '!' && c <= '~' && c != '%' && c != '#';
}

bool lease_store_escape(const char *in, char *out, size_t cap)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t o = 0;

	for (const unsigned char *p = (const unsigned char *)in; *p != '\0'; p++) {
		if (plain(*p)) {
			if (o + 1 >= cap)
				return false;
			out[o++] = (char)*p;
		} else {
			if (o + 3 >= cap)
				return false;
			out[o++] = '%';
			out[o++] = hex[*p >> 4];
			out[o++] = hex[*p & 15];
		}
	}
	if (o >= cap)
		return false;
	out[o] = '\0';
	return true;
}

bool lease_store_unescape(const char *in, char *out, size_t cap)
{
	size_t o = 0;

	for (const char *p = in; *p != '\0'; p++) {
		int c = (unsigned char)*p;

		if (c == '%') {
			int hi = hex_value(p[1]), lo = hi < 0 ? -1 : hex_value(p[2]);

			if (hi < 0 || lo < 0 || (hi | lo) == 0)
				return false;
			c = hi << 4 | lo;
			p += 2;
		} else if (!plain((unsigned char)c)) {
			return false;
		}
		if (o + 1 >= cap)
			return false;
		out[o++] = (char)c;
	}
	out[o] = '\0';
	return true;
}

/* ---- reading ---- */

/* Splits line at single spaces into exactly n fields. */
static bool split(char *line, char **f, unsigned n)
{
	unsigned i = 0;

	for (char *p = line;; p++) {
		if (i == n)
			return false;
		f[i++] = p;
		p = strchr(p, ' ');
		if (p == NULL)
			break;
		*p = '\0';
	}
	return i == n;
}

/* Fills e from one lease line; the reason in why otherwise. */
static bool parse_line(char *line, struct lease_store_entry *e, const char **why)
{
	char *f[5], *end;
	long long t;

	if (!split(line, f, 5)) {
		*why = "expected 5 fields separated by one space: GROUP FAMILY ADDRESS IDENTITY "
		       "LAST_USED";
		return false;
	}
	if (!lease_store_unescape(f[0], e->group, sizeof(e->group)) || e->group[0] == '\0') {
		*why = "the group name is empty, too long or wrongly escaped";
		return false;
	}
	if (strcmp(f[1], "4") != 0 && strcmp(f[1], "6") != 0) {
		*why = "the family is neither 4 nor 6";
		return false;
	}
	if (!addr_parse(f[2], &e->addr) ||
	    e->addr.family != (strcmp(f[1], "4") == 0 ? AF_INET : AF_INET6)) {
		*why = "the address is not an address of that family";
		return false;
	}
	if (!lease_store_unescape(f[3], e->identity, sizeof(e->identity)) ||
	    e->identity[0] == '\0') {
		*why = "the identity is empty, too long or wrongly escaped";
		return false;
	}
	errno = 0;
	t = strtoll(f[4], &end, 10);
	if (errno != 0 || end == f[4] || *end != '\0' || t < 0 || f[4][0] == '+') {
		*why = "last_used is not a unix time (a number of seconds)";
		return false;
	}
	e->last_used = t;
	return true;
}

/* The header line: the format and its version. */
static bool header_ok(const char *line, char *why, size_t cap)
{
	const char *v;
	char *end;
	long ver;

	if (strncmp(line, LEASE_STORE_MAGIC " ", sizeof(LEASE_STORE_MAGIC)) != 0) {
		snprintf(why, cap, "not a lease file: the first line is not \"%s %d\"",
			 LEASE_STORE_MAGIC, LEASE_STORE_VERSION);
		return false;
	}
	v = line + sizeof(LEASE_STORE_MAGIC);
	ver = strtol(v, &end, 10);
	if (end == v || *end != '\0' || ver != LEASE_STORE_VERSION) {
		snprintf(why, cap, "format version \"%.20s\" is not known; this gateway reads %d",
			 v, LEASE_STORE_VERSION);
		return false;
	}
	return true;
}

int lease_store_load(const char *path, lease_store_entry_fn *on_entry,
		     lease_store_problem_fn *on_problem, void *ctx, bool *missing, char *err,
		     size_t errlen)
{
	char *line = NULL, why[LEASE_STORE_WHY_MAX];
	size_t cap = 0;
	ssize_t n;
	unsigned lineno = 0;
	struct lease_store_entry e;
	FILE *fp = fopen(path, "re");
	int saved;

	*missing = false;
	if (fp == NULL) {
		if (errno == ENOENT) {
			*missing = true;
			return 0;
		}
		saved = errno;
		snprintf(err, errlen, "cannot open %s: %s", path, strerror(errno));
		errno = saved;
		return -1;
	}
	while ((n = getline(&line, &cap, fp)) >= 0) {
		const char *bad = NULL;

		lineno++;
		if (n > 0 && line[n - 1] == '\n')
			line[--n] = '\0';
		else if (!feof(fp) || n == 0)
			break;
		if ((size_t)n != strlen(line)) {
			if (lineno == 1) {
				on_problem(ctx, lineno,
					   "not a lease file: the first line holds a "
					   "NUL byte");
				break;
			}
			on_problem(ctx, lineno, "the line holds a NUL byte");
			continue;
		}
		if (lineno == 1) {
			if (!header_ok(line, why, sizeof(why))) {
				/* Nothing after a wrong header can be trusted. */
				on_problem(ctx, lineno, why);
				break;
			}
			continue;
		}
		if (line[0] == '#' || line[0] == '\0')
			continue;
		if (n > LINE_MAX_LEN) {
			on_problem(ctx, lineno, "the line is too long");
			continue;
		}
		memset(&e, 0, sizeof(e));
		if (!parse_line(line, &e, &bad)) {
			on_problem(ctx, lineno, bad);
			continue;
		}
		on_entry(ctx, &e);
	}
	saved = errno;
	if (ferror(fp)) {
		snprintf(err, errlen, "cannot read %s: %s", path, strerror(saved));
		free(line);
		fclose(fp);
		errno = saved;
		return -1;
	}
	if (lineno == 0)
		on_problem(ctx, 0, "the file is empty (no header line)");
	free(line);
	fclose(fp);
	return 0;
}

/* ---- writing ---- */

void lease_store_writer_init(struct lease_store_writer *w)
{
	memset(w, 0, sizeof(*w));
}

void lease_store_writer_deinit(struct lease_store_writer *w)
{
	free(w->data);
	memset(w, 0, sizeof(*w));
}

static bool reserve(struct lease_store_writer *w, size_t more)
{
	size_t cap = w->cap > 0 ? w->cap : 4096;
	char *d;

	if (w->len + more < w->cap)
		return true;
	while (cap <= w->len + more)
		cap *= 2;
	d = realloc(w->data, cap);
	if (d == NULL)
		return false;
	w->data = d;
	w->cap = cap;
	return true;
}

static bool append_header(struct lease_store_writer *w)
{
	static const char hdr[] =
	    LEASE_STORE_MAGIC " 1\n"
			      "# written by the mtlsvpn gateway; edit only while it is stopped\n"
			      "# group family address identity last_used\n";

	if (!reserve(w, sizeof(hdr)))
		return false;
	memcpy(w->data, hdr, sizeof(hdr) - 1);
	w->len = sizeof(hdr) - 1;
	return true;
}

bool lease_store_add(struct lease_store_writer *w, const char *group, const struct ipaddr *addr,
		     const char *identity, int64_t last_used)
{
	char g[3 * LEASE_STORE_NAME_MAX + 1], id[3 * LEASE_STORE_NAME_MAX + 1];
	char a[ADDR_STRLEN];
	int n;

	if (w->nomem)
		return false;
	if ((w->len == 0 && !append_header(w)) || group[0] == '\0' || identity[0] == '\0' ||
	    strlen(group) > LEASE_STORE_NAME_MAX || strlen(identity) > LEASE_STORE_NAME_MAX ||
	    (addr->family != AF_INET && addr->family != AF_INET6) ||
	    !lease_store_escape(group, g, sizeof(g)) ||
	    !lease_store_escape(identity, id, sizeof(id)) ||
	    !reserve(w, sizeof(g) + sizeof(id) + ADDR_STRLEN + 32)) {
		w->nomem = true;
		return false;
	}
	n = snprintf(w->data + w->len, w->cap - w->len, "%s %c %s %s %" PRId64 "\n", g,
		     addr->family == AF_INET ? '4' : '6', addr_fmt(addr, a), id,
		     last_used < 0 ? 0 : last_used);
	w->len += (size_t)n;
	w->n++;
	return true;
}

int lease_store_commit(const struct lease_store_writer *w, const char *path, char *err,
		       size_t errlen)
{
	struct lease_store_writer empty;
	int rc;

	if (w->nomem) {
		snprintf(err, errlen, "%s: a lease could not be stored (out of memory)", path);
		errno = ENOMEM;
		return -1;
	}
	if (w->len > 0)
		return atomic_file_write(path, w->data, w->len, 0600, true, err, errlen);
	/* No lease: the file still says what it is. */
	lease_store_writer_init(&empty);
	if (!append_header(&empty)) {
		snprintf(err, errlen, "%s: out of memory", path);
		errno = ENOMEM;
		return -1;
	}
	rc = atomic_file_write(path, empty.data, empty.len, 0600, true, err, errlen);
	lease_store_writer_deinit(&empty);
	return rc;
}
