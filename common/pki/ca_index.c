/*
 * ca_index.c - the CA state file (format in ca_index.h): parse and check
 * every line before anything acts on it, so a damaged index stops the CA
 * with file:line instead of being silently rewritten; save by writing the
 * whole file anew, atomically (certgen_file_write).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <time.h>
#include <unistd.h>

#include "ca_index.h"
#include "errbuf.h"
#include "hex.h"
#include "certgen.h"
#include "crl_build.h"

#define INDEX_FIELDS 9

void ca_index_format_time(int64_t t, char out[static 16])
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (gmtime_r(&tt, &tm) == NULL || strftime(out, 16, "%Y%m%d%H%M%SZ", &tm) != 15)
		snprintf(out, 16, "%s", "00000000000000Z");
}

bool ca_index_parse_time(const char *s, int64_t *out)
{
	struct tm tm = {0};
	char z = 0;
	int n = 0;

	if (strlen(s) != 15 || strspn(s, "0123456789") != 14 ||
	    sscanf(s, "%4d%2d%2d%2d%2d%2d%c%n", &tm.tm_year, &tm.tm_mon, &tm.tm_mday, &tm.tm_hour,
		   &tm.tm_min, &tm.tm_sec, &z, &n) != 7 ||
	    n != 15 || z != 'Z' || tm.tm_mon < 1 || tm.tm_mon > 12 || tm.tm_mday < 1 ||
	    tm.tm_mday > 31 || tm.tm_hour > 23 || tm.tm_min > 59 || tm.tm_sec > 60)
		return false;
	tm.tm_year -= 1900;
	tm.tm_mon -= 1;
	*out = (int64_t)timegm(&tm);
	return true;
}

/* '%', TAB, CR, LF and control bytes as %XX; everything else verbatim.
 * Returns a heap string. */
static char *escape_field(const char *s)
{
	size_t n = strlen(s), w = 0;
	char *out = malloc(3 * n + 1);

	if (out == NULL)
		return NULL;
	for (const unsigned char *p = (const unsigned char *)s; *p != 0; p++) {
		if (*p == '%' || *p < 0x20 || *p == 0x7f)
			w += (size_t)snprintf(out + w, 4, "%%%02X", *p);
		else
			out[w++] = (char)*p;
	}
	out[w] = 0;
	return out;
}

static char *unescape_field(const char *s)
{
	char *out = malloc(strlen(s) + 1);
	size_t w = 0;

	if (out == NULL)
		return NULL;
	for (; *s != 0; s++) {
		if (s[0] == '%' && hex_value(s[1]) >= 0 && hex_value(s[2]) >= 0) {
			out[w++] = (char)(hex_value(s[1]) << 4 | hex_value(s[2]));
			s += 2;
		} else {
			out[w++] = *s;
		}
	}
	out[w] = 0;
	return out;
}

static void rec_free(struct ca_index_rec *r)
{
	free(r->raw);
	free(r->file);
	free(r->identity);
	memset(r, 0, sizeof(*r));
}

void ca_index_free(struct ca_index *ix)
{
	for (size_t i = 0; i < ix->n; i++)
		rec_free(&ix->recs[i]);
	free(ix->recs);
	memset(ix, 0, sizeof(*ix));
}

static struct ca_index_rec *push(struct ca_index *ix)
{
	if (ix->n == ix->cap) {
		size_t cap = ix->cap == 0 ? 16 : ix->cap * 2;
		struct ca_index_rec *nr = realloc(ix->recs, cap * sizeof(*nr));

		if (nr == NULL)
			return NULL;
		ix->recs = nr;
		ix->cap = cap;
	}
	memset(&ix->recs[ix->n], 0, sizeof(ix->recs[0]));
	return &ix->recs[ix->n++];
}

static bool reason_ok(const char *s)
{
	enum crl_build_reason r;

	return strcmp(s, "-") == 0 || crl_build_reason_parse(s, &r);
}

/* Splits one record line (modified in place); false with *why. */
static bool parse_line(char *line, struct ca_index_rec *r, const char **why)
{
	char *f[INDEX_FIELDS];
	size_t n = 0;

	for (char *p = line;; p++) {
		if (n < INDEX_FIELDS)
			f[n] = p;
		n++;
		p = strchr(p, '\t');
		if (p == NULL)
			break;
		*p = 0;
	}
	if (n != INDEX_FIELDS) {
		*why = "expected 9 TAB-separated fields";
		return false;
	}
	if (strcmp(f[0], "V") != 0 && strcmp(f[0], "R") != 0) {
		*why = "status is neither V nor R";
		return false;
	}
	r->status = f[0][0];
	if (strlen(f[1]) == 0 || strlen(f[1]) > 40 ||
	    strspn(f[1], "0123456789abcdef") != strlen(f[1])) {
		*why = "serial is not lowercase hex";
		return false;
	}
	snprintf(r->serial, sizeof(r->serial), "%s", f[1]);
	if (!certgen_kind_parse(f[2], &r->kind)) {
		*why = "kind is not ca, server or client";
		return false;
	}
	r->revoked = 0;
	if (!ca_index_parse_time(f[3], &r->not_before) ||
	    !ca_index_parse_time(f[4], &r->not_after) ||
	    (strcmp(f[5], "-") != 0 && !ca_index_parse_time(f[5], &r->revoked))) {
		*why = "a date is not YYYYMMDDHHMMSSZ";
		return false;
	}
	if ((r->status == 'R') != (strcmp(f[5], "-") != 0)) {
		*why = "status and revocation date disagree";
		return false;
	}
	if (!reason_ok(f[6]) || strlen(f[6]) >= sizeof(r->reason) ||
	    (r->status == 'V' && strcmp(f[6], "-") != 0)) {
		*why = "reason is not an RFC 5280 reason name (keyCompromise, ...) or '-'";
		return false;
	}
	snprintf(r->reason, sizeof(r->reason), "%s", f[6]);
	if (f[7][0] == 0 || f[8][0] == 0) {
		*why = "file or identity is empty";
		return false;
	}
	r->file = unescape_field(f[7]);
	r->identity = unescape_field(f[8]);
	if (r->file == NULL || r->identity == NULL) {
		*why = "out of memory";
		return false;
	}
	return true;
}

int ca_index_parse(const char *text, size_t len, const char *name, struct ca_index *ix, char *err,
		   size_t errlen)
{
	unsigned lineno = 0;
	const char *p = text, *end = text + len;

	memset(ix, 0, sizeof(*ix));
	if (memchr(text, 0, len) != NULL) {
		errbuf_set(err, errlen, "%s: holds a NUL byte; restore it from a backup", name);
		return -1;
	}
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t ll = nl != NULL ? (size_t)(nl - p) : (size_t)(end - p);
		struct ca_index_rec *r;
		const char *why = NULL;
		char *line = strndup(p, ll);

		lineno++;
		p += ll + (nl != NULL ? 1 : 0);
		if (line == NULL || (r = push(ix)) == NULL) {
			free(line);
			errbuf_set(err, errlen, "out of memory");
			goto fail;
		}
		if (lineno == 1 && strcmp(line, CA_INDEX_MAGIC) != 0) {
			free(line);
			ix->n--;
			errbuf_set(err, errlen,
			       "%s:1: expected \"%s\" (a newer mtlsvpnctl's format, or not an "
			       "mtlsvpn CA index)",
			       name, CA_INDEX_MAGIC);
			goto fail;
		}
		if (lineno == 1 || line[0] == '#' || line[0] == 0) {
			r->raw = line;
			continue;
		}
		if (!parse_line(line, r, &why)) {
			free(line);
			errbuf_set(err, errlen, "%s:%u: %s; fix or restore the line from a backup",
			       name, lineno, why);
			goto fail;
		}
		free(line);
		if (ca_index_find_serial(ix, r->serial) != r) {
			errbuf_set(err, errlen,
			       "%s:%u: serial %s appears twice; restore the file from a backup",
			       name, lineno, r->serial);
			goto fail;
		}
	}
	if (lineno == 0) {
		errbuf_set(err, errlen, "%s: empty; restore it from a backup", name);
		return -1;
	}
	return 0;
fail:
	ca_index_free(ix);
	return -1;
}

int ca_index_load(const char *path, struct ca_index *ix, char *err, size_t errlen)
{
	FILE *f = fopen(path, "re");
	char *text;
	long sz;
	int rc;

	memset(ix, 0, sizeof(*ix));
	if (f == NULL) {
		errbuf_set(err, errlen, "cannot open %s: %s", path, strerror(errno));
		return -1;
	}
	if (fseek(f, 0, SEEK_END) < 0 || (sz = ftell(f)) < 0 || sz > CA_INDEX_MAX ||
	    fseek(f, 0, SEEK_SET) < 0 || (text = malloc((size_t)sz + 1)) == NULL) {
		errbuf_set(err, errlen, "cannot read %s (larger than 16 MiB?)", path);
		fclose(f);
		return -1;
	}
	if (fread(text, 1, (size_t)sz, f) != (size_t)sz) {
		errbuf_set(err, errlen, "cannot read %s", path);
		fclose(f);
		free(text);
		return -1;
	}
	fclose(f);
	rc = ca_index_parse(text, (size_t)sz, path, ix, err, errlen);
	free(text);
	return rc;
}

char *ca_index_format(const struct ca_index *ix, size_t *len)
{
	size_t cap = 256, w = 0;
	char *out = malloc(cap);

	if (out == NULL)
		return NULL;
	for (size_t i = 0; i < ix->n; i++) {
		const struct ca_index_rec *r = &ix->recs[i];
		char nb[16], na[16], rv[16], *file = NULL, *id = NULL, *line = NULL;
		int n;

		if (r->raw != NULL) {
			n = asprintf(&line, "%s\n", r->raw);
		} else {
			file = escape_field(r->file);
			id = escape_field(r->identity);
			ca_index_format_time(r->not_before, nb);
			ca_index_format_time(r->not_after, na);
			if (r->status == 'R')
				ca_index_format_time(r->revoked, rv);
			else
				snprintf(rv, sizeof(rv), "-");
			n = file == NULL || id == NULL
				? -1
				: asprintf(&line, "%c\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", r->status,
					   r->serial, certgen_kind_name(r->kind), nb, na, rv,
					   r->status == 'R' ? r->reason : "-", file, id);
			free(file);
			free(id);
		}
		if (n < 0) {
			free(out);
			return NULL;
		}
		if (w + (size_t)n + 1 > cap) {
			char *no;

			while (w + (size_t)n + 1 > cap)
				cap *= 2;
			no = realloc(out, cap);
			if (no == NULL) {
				free(line);
				free(out);
				return NULL;
			}
			out = no;
		}
		memcpy(out + w, line, (size_t)n);
		w += (size_t)n;
		free(line);
	}
	out[w] = 0;
	*len = w;
	return out;
}

int ca_index_save(const char *path, const struct ca_index *ix, bool create, char *err,
		  size_t errlen)
{
	size_t len = 0;
	char *text = ca_index_format(ix, &len);
	int rc;

	if (text == NULL) {
		errbuf_set(err, errlen, "out of memory");
		return -1;
	}
	rc = certgen_file_write(path, text, len, 0644, !create, err, errlen);
	free(text);
	return rc;
}

int ca_index_init(struct ca_index *ix)
{
	static const char *const head[] = {
	    CA_INDEX_MAGIC,
	    "# mtlsvpnctl CA state; format described in common/pki/ca_index.h.",
	    "# status serial kind not_before not_after revoked reason file identity",
	};

	memset(ix, 0, sizeof(*ix));
	for (size_t i = 0; i < sizeof(head) / sizeof(head[0]); i++) {
		struct ca_index_rec *r = push(ix);

		if (r == NULL || (r->raw = strdup(head[i])) == NULL) {
			ca_index_free(ix);
			return -1;
		}
	}
	return 0;
}

int ca_index_add(struct ca_index *ix, const struct certgen_cert *cert, enum certgen_kind kind,
		 const char *file, const char *identity)
{
	struct ca_index_rec *r = push(ix);

	if (r == NULL)
		return -1;
	r->status = 'V';
	certgen_serial_hex(cert, r->serial);
	r->kind = kind;
	r->not_before = cert->not_before;
	r->not_after = cert->not_after;
	snprintf(r->reason, sizeof(r->reason), "-");
	r->file = strdup(file);
	r->identity = strdup(identity);
	if (r->file == NULL || r->identity == NULL) {
		rec_free(r);
		ix->n--;
		return -1;
	}
	return 0;
}

struct ca_index_rec *ca_index_find_serial(const struct ca_index *ix, const char *serial)
{
	for (size_t i = 0; i < ix->n; i++) {
		if (ix->recs[i].raw == NULL && strcmp(ix->recs[i].serial, serial) == 0)
			return &ix->recs[i];
	}
	return NULL;
}

bool ca_index_revoke(struct ca_index_rec *r, int64_t when, const char *reason)
{
	if (r->raw != NULL || r->status == 'R' || !reason_ok(reason) ||
	    strlen(reason) >= sizeof(r->reason))
		return false;
	r->status = 'R';
	r->revoked = when;
	snprintf(r->reason, sizeof(r->reason), "%s", reason);
	return true;
}

bool ca_index_is_valid(const struct ca_index_rec *r, int64_t now)
{
	return r->raw == NULL && r->status == 'V' && now < r->not_after;
}

bool ca_index_expiring(const struct ca_index_rec *r, int64_t now, unsigned days)
{
	return ca_index_is_valid(r, now) && r->not_after - now <= (int64_t)days * 86400;
}

int ca_index_lock(const char *dir, char *err, size_t errlen)
{
	char path[PATH_MAX];
	int fd;

	if (snprintf(path, sizeof(path), "%s/.lock", dir) >= (int)sizeof(path)) {
		errbuf_set(err, errlen, "%s: path too long", dir);
		return -1;
	}
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0 || flock(fd, LOCK_EX) < 0) {
		errbuf_set(err, errlen, "cannot lock %s: %s", path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	return fd;
}
