/*
 * ctl_ca_index.c - the CA state file (format in ctl_ca_index.h): parse and
 * check every line before anything acts on it, so a damaged index stops the
 * CA with file:line instead of being silently rewritten; append by writing
 * the whole file anew, atomically.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "certgen.h"
#include "ctl_ca_index.h"
#include "ctl_cmd.h"
#include "identity.h"

#define INDEX_FIELDS 9
#define INDEX_MAX (16 * 1024 * 1024)

static bool index_path(const struct ctl_ctx *c, const char *dir, char out[static PATH_MAX])
{
	int n = snprintf(out, PATH_MAX, "%s/index", dir);

	if (n < 0 || n >= PATH_MAX) {
		ctl_errorf(c, "path too long: %s/index", dir);
		return false;
	}
	return true;
}

static void format_time(int64_t t, char out[static 16])
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (gmtime_r(&tt, &tm) == NULL || strftime(out, 16, "%Y%m%d%H%M%SZ", &tm) != 15)
		snprintf(out, 16, "%s", "00000000000000Z");
}

static bool parse_time(const char *s, int64_t *out)
{
	struct tm tm = {0};
	char z = 0;
	int n = 0;

	if (strlen(s) != 15 ||
	    sscanf(s, "%4d%2d%2d%2d%2d%2d%c%n", &tm.tm_year, &tm.tm_mon, &tm.tm_mday, &tm.tm_hour,
		   &tm.tm_min, &tm.tm_sec, &z, &n) != 7 ||
	    n != 15 || z != 'Z')
		return false;
	tm.tm_year -= 1900;
	tm.tm_mon -= 1;
	*out = (int64_t)timegm(&tm);
	return true;
}

/* '%', TAB, CR, LF and control bytes as %XX; everything else verbatim. */
static void escape_field(const char *s, char *out, size_t cap)
{
	size_t w = 0;

	for (const unsigned char *p = (const unsigned char *)s; *p != 0 && w + 4 < cap; p++) {
		if (*p == '%' || *p < 0x20 || *p == 0x7f)
			w += (size_t)snprintf(out + w, cap - w, "%%%02X", *p);
		else
			out[w++] = (char)*p;
	}
	out[w] = 0;
}

void ctl_ca_index_unescape(const char *s, char *out, size_t cap)
{
	size_t w = 0;
	unsigned v;

	for (; *s != 0 && w + 1 < cap; s++) {
		if (s[0] == '%' && s[1] != 0 && s[2] != 0 && sscanf(s + 1, "%2x", &v) == 1) {
			out[w++] = (char)v;
			s += 2;
		} else {
			out[w++] = *s;
		}
	}
	out[w] = 0;
}

void ctl_ca_index_free(struct ctl_ca_index *ix)
{
	free(ix->text);
	ix->text = NULL;
	ix->len = 0;
}

bool ctl_ca_index_parse_line(char *line, struct ctl_ca_record *r, const char **why)
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
	if (!parse_time(f[3], &r->not_before) || !parse_time(f[4], &r->not_after) ||
	    (strcmp(f[5], "-") != 0 && !parse_time(f[5], &r->revoked))) {
		*why = "a date is not YYYYMMDDHHMMSSZ";
		return false;
	}
	if ((r->status == 'R') != (r->revoked != 0)) {
		*why = "status and revocation date disagree";
		return false;
	}
	r->reason = f[6];
	if (f[7][0] == 0 || f[8][0] == 0) {
		*why = "file or identity is empty";
		return false;
	}
	r->file = f[7];
	r->identity = f[8];
	return true;
}

int ctl_ca_index_load(const struct ctl_ctx *c, const char *dir, struct ctl_ca_index *ix)
{
	char path[PATH_MAX], *copy, *line, *save = NULL;
	unsigned lineno = 0;
	FILE *f;
	long sz;
	int rc = 0;

	memset(ix, 0, sizeof(*ix));
	if (!index_path(c, dir, path))
		return -1;
	f = fopen(path, "re");
	if (f == NULL) {
		ctl_errorf(c,
			   "cannot open %s: %s; is %s a CA directory? Create one with "
			   "'mtlsvpnctl ca init --dir %s', or pass the right --dir",
			   path, strerror(errno), dir, dir);
		return -1;
	}
	if (fseek(f, 0, SEEK_END) < 0 || (sz = ftell(f)) < 0 || sz > INDEX_MAX ||
	    fseek(f, 0, SEEK_SET) < 0 || (ix->text = malloc((size_t)sz + 1)) == NULL ||
	    fread(ix->text, 1, (size_t)sz, f) != (size_t)sz) {
		ctl_errorf(c, "cannot read %s", path);
		fclose(f);
		free(ix->text);
		ix->text = NULL;
		return -1;
	}
	fclose(f);
	ix->len = (size_t)sz;
	ix->text[sz] = 0;
	copy = strdup(ix->text);
	if (copy == NULL || memchr(ix->text, 0, ix->len) != NULL) {
		ctl_errorf(c, "%s: holds a NUL byte; restore it from a backup", path);
		rc = -1;
	}
	for (line = copy != NULL ? strtok_r(copy, "\n", &save) : NULL; line != NULL && rc == 0;
	     line = strtok_r(NULL, "\n", &save)) {
		struct ctl_ca_record r;
		const char *why;

		lineno++;
		if (lineno == 1 && strcmp(line, CTL_CA_INDEX_MAGIC) != 0) {
			ctl_errorf(c,
				   "%s:1: expected \"%s\" (a newer mtlsvpnctl's format, or not "
				   "an mtlsvpn CA index)",
				   path, CTL_CA_INDEX_MAGIC);
			rc = -1;
		} else if (lineno > 1 && line[0] != '#' && line[0] != 0 &&
			   !ctl_ca_index_parse_line(line, &r, &why)) {
			ctl_errorf(c, "%s:%u: %s; fix or restore the line from a backup", path,
				   lineno, why);
			rc = -1;
		}
	}
	if (rc == 0 && lineno == 0) {
		ctl_errorf(c, "%s: empty; restore it from a backup", path);
		rc = -1;
	}
	free(copy);
	if (rc < 0) {
		free(ix->text);
		ix->text = NULL;
	}
	return rc;
}

bool ctl_ca_index_has_serial(const struct ctl_ca_index *ix, const char *serial)
{
	size_t n = strlen(serial);

	for (const char *p = ix->text; (p = strstr(p, serial)) != NULL; p += n) {
		if (p > ix->text + 2 && p[-1] == '\t' && p[-3] == '\n' && p[n] == '\t')
			return true;
	}
	return false;
}

int ctl_ca_index_write(const struct ctl_ctx *c, const char *dir, const struct ctl_ca_index *ix,
		       const char *add, bool create)
{
	char path[PATH_MAX], err[512];
	size_t alen = strlen(add);
	char *buf;
	int rc;

	if (!index_path(c, dir, path))
		return -1;
	buf = malloc(ix->len + alen + 1);
	if (buf == NULL) {
		ctl_errorf(c, "out of memory");
		return -1;
	}
	memcpy(buf, ix->text, ix->len);
	memcpy(buf + ix->len, add, alen);
	rc = certgen_file_write(path, buf, ix->len + alen, 0644, !create, err, sizeof(err));
	free(buf);
	if (rc < 0)
		ctl_errorf(c, "%s", err);
	return rc;
}

void ctl_ca_index_line(const char *dir, const struct certgen_cert *cert, enum certgen_kind kind,
		       const char *cert_path, const char *identity, char *out, size_t cap)
{
	char serial[41], nb[16], na[16], file[PATH_MAX * 3], id[IDENTITY_MAX * 3 + 1];
	char real_dir[PATH_MAX], real_cert[PATH_MAX];
	const char *shown = cert_path;
	size_t dl;

	/* Relative to the CA directory when inside it, so the directory can
	 * be moved or restored elsewhere; absolute otherwise. */
	if (realpath(dir, real_dir) != NULL && realpath(cert_path, real_cert) != NULL) {
		dl = strlen(real_dir);
		shown = real_cert;
		if (strncmp(real_cert, real_dir, dl) == 0 && real_cert[dl] == '/')
			shown = real_cert + dl + 1;
	}
	certgen_serial_hex(cert, serial);
	format_time(cert->not_before, nb);
	format_time(cert->not_after, na);
	escape_field(shown, file, sizeof(file));
	escape_field(identity, id, sizeof(id));
	snprintf(out, cap, "V\t%s\t%s\t%s\t%s\t-\t-\t%s\t%s\n", serial, certgen_kind_name(kind), nb,
		 na, file, id);
}
