/*
 * revoke_src.c - one item of the crl key read whole: a file (every CRL in
 * it, PEM or DER, common/pki/crl_bundle.c) or a directory (every regular
 * file in it, in name order; names starting with a dot are the temporaries
 * of writers that rename into place, and are skipped). Every CRL must come
 * from a CA of the ca bundle and verify with its key; per issuer, a new CRL
 * must not be older than the one in force from the same file. Anything
 * wrong refuses the whole source, with a reason naming the file and the
 * CRL; the caller logs and decides.
 */
#include "server.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "crl_bundle.h"
#include "crl_name.h"

#define REVOKE_DIR_MAX 64 /* files in a crl directory */

int revoke_src_read_file(const char *path, size_t max, uint8_t **out, size_t *len)
{
	struct stat st;
	uint8_t *buf;
	size_t got = 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return -1;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || (uint64_t)st.st_size > max) {
		int e = S_ISREG(st.st_mode) ? EFBIG : EINVAL;
		close(fd);
		errno = e;
		return -1;
	}
	buf = malloc((size_t)st.st_size + 1);
	if (buf == NULL) {
		close(fd);
		errno = ENOMEM;
		return -1;
	}
	while (got <= (size_t)st.st_size) {
		ssize_t n = read(fd, buf + got, (size_t)st.st_size + 1 - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	close(fd);
	if (got > (size_t)st.st_size) {
		/* Grew while we read: the writer is not atomic; the next event
		 * brings the final version. */
		free(buf);
		errno = EAGAIN;
		return -1;
	}
	*out = buf;
	*len = got;
	return 0;
}

static int serial_cmp(const uint8_t *a, size_t alen, const uint8_t *b, size_t blen)
{
	if (alen != blen)
		return alen < blen ? -1 : 1;
	return memcmp(a, b, alen);
}

static int entry_cmp(const void *a, const void *b)
{
	const struct crl_entry *x = a, *y = b;

	return serial_cmp(x->serial, x->serial_len, y->serial, y->serial_len);
}

static bool same_der(const struct crl *a, const struct crl *b)
{
	return a->der_len == b->der_len && memcmp(a->der, b->der, a->der_len) == 0;
}

/* The same CA: the same issuer Name, verified by the same certificate of
 * the bundle (a re-keyed CA keeps its name). */
static bool same_issuer(const struct revoke_crl *a, const struct revoke_crl *b)
{
	return a->ca == b->ca && memcmp(a->issuer_hash, b->issuer_hash, CERT_NAME_HASH_LEN) == 0;
}

/* A newer CRL from the same issuer must not go backwards: an attacker who
 * can write the file could otherwise put back an older, validly signed CRL
 * that predates a revocation. */
static bool older_than(const struct crl *n, const struct crl *o)
{
	if (n->has_number && o->has_number)
		return serial_cmp(n->number, n->number_len, o->number, o->number_len) < 0;
	return n->this_update < o->this_update;
}

void revoke_src_clear(struct revoke_src *src)
{
	for (unsigned i = 0; i < src->n_crls; i++)
		crl_parse_free(&src->crls[i].crl);
	free(src->crls);
	src->crls = NULL;
	src->n_crls = 0;
}

bool revoke_src_same(const struct revoke_src *a, const struct revoke_src *b)
{
	if (a->n_crls != b->n_crls)
		return false;
	for (unsigned i = 0; i < a->n_crls; i++)
		if (!same_der(&a->crls[i].crl, &b->crls[i].crl))
			return false;
	return true;
}

static void where(const struct revoke_crl *f, char *out, size_t cap)
{
	snprintf(out, cap, "%s, CRL %u", f->file, f->index);
}

/* Verifies each CRL of a decoded file and moves it into out. pre names
 * the file in a reason when the source is a directory. */
static int take_file(const struct revoke *rv, const char *file, const char *pre,
		     struct crl_bundle *b, struct revoke_src *out, char *why, size_t cap)
{
	struct revoke_crl *grown = realloc(out->crls, (out->n_crls + b->n) * sizeof(*out->crls));

	if (grown == NULL) {
		snprintf(why, cap, "out of memory");
		return -1;
	}
	out->crls = grown;
	for (size_t i = 0; i < b->n; i++) {
		struct revoke_crl *f = &out->crls[out->n_crls];
		enum crl_verify_result vr;
		const char *w = NULL;
		size_t which = 0;
		bool dup = false;

		vr = crl_verify(&b->crls[i], rv->issuers, rv->n_issuers, &which, &w);
		if (vr != CRL_VERIFY_OK) {
			snprintf(why, cap, "%s%s: %s (CRL %zu of %zu)", pre,
				 vr == CRL_VERIFY_NO_ISSUER ? "not issued by a CA of the ca bundle"
							    : "bad signature",
				 w != NULL ? w : "?", i + 1, b->n);
			return -1;
		}
		/* The same CRL twice (a c_rehash link beside its file) is one. */
		for (unsigned k = 0; k < out->n_crls && !dup; k++)
			dup = same_der(&out->crls[k].crl, &b->crls[i]);
		if (dup)
			continue;
		memset(f, 0, sizeof(*f));
		if (!crl_verify_name_hash(b->crls[i].issuer, b->crls[i].issuer_len,
					  f->issuer_hash)) {
			snprintf(why, cap, "%scannot hash the issuer name (CRL %zu)", pre, i + 1);
			return -1;
		}
		f->crl = b->crls[i];
		memset(&b->crls[i], 0, sizeof(b->crls[i]));
		f->ca = which;
		f->index = (unsigned)i + 1;
		snprintf(f->file, sizeof(f->file), "%s", file);
		if (f->crl.n_entries > 0)
			qsort(f->crl.entries, f->crl.n_entries, sizeof(*f->crl.entries), entry_cmp);
		out->n_crls++;
	}
	return 0;
}

static int load_file(const struct revoke *rv, const char *file, struct revoke_src *out, char *why,
		     size_t cap)
{
	struct crl_bundle b;
	uint8_t *buf = NULL;
	size_t len = 0;
	char err[200], pre[PATH_MAX + 2] = "";
	int r;

	if (out->is_dir)
		snprintf(pre, sizeof(pre), "%s: ", file);
	if (revoke_src_read_file(file, CRL_PARSE_MAX_INPUT, &buf, &len) < 0) {
		snprintf(why, cap, "%scannot read it: %s", pre,
			 errno == EFBIG ? "larger than 64 MiB" : strerror(errno));
		return -1;
	}
	r = crl_bundle_decode(buf, len, &b, err, sizeof(err));
	free(buf);
	if (r < 0) {
		snprintf(why, cap, "%s%s", pre, err);
		return -1;
	}
	r = take_file(rv, file, pre, &b, out, why, cap);
	crl_bundle_free(&b);
	return r;
}

static int name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int load_dir(const struct revoke *rv, const char *dir, struct revoke_src *out, char *why,
		    size_t cap)
{
	char *names[REVOKE_DIR_MAX], file[PATH_MAX];
	unsigned n = 0;
	struct dirent *de;
	int r = 0;
	DIR *d = opendir(dir);

	if (d == NULL) {
		snprintf(why, cap, "cannot read the directory: %s", strerror(errno));
		return -1;
	}
	while (r == 0 && (de = readdir(d)) != NULL) {
		struct stat st;

		if (de->d_name[0] == '.')
			continue;
		if (fstatat(dirfd(d), de->d_name, &st, 0) < 0 || !S_ISREG(st.st_mode))
			continue;
		if (n == REVOKE_DIR_MAX) {
			snprintf(why, cap, "more than %d files in the directory", REVOKE_DIR_MAX);
			r = -1;
		} else if ((names[n] = strdup(de->d_name)) == NULL) {
			snprintf(why, cap, "out of memory");
			r = -1;
		} else {
			n++;
		}
	}
	closedir(d);
	if (r == 0 && n == 0) {
		snprintf(why, cap, "the directory holds no CRL file");
		r = -1;
	}
	if (r == 0)
		qsort(names, n, sizeof(names[0]), name_cmp);
	for (unsigned i = 0; i < n; i++) {
		snprintf(file, sizeof(file), "%s/%s", dir, names[i]);
		if (r == 0)
			r = load_file(rv, file, out, why, cap);
		free(names[i]);
	}
	return r;
}

/* The rules per issuer. Within one file, one CRL per CA (which of two
 * would be the current one?). Against the CRLs in force, read from the
 * same file: not older. Two files may hold CRLs of the same CA (our CA's
 * own and an openssl ca database's): each is checked, both apply. */
static int check_issuers(const struct revoke *rv, const struct revoke_src *out, char *why,
			 size_t cap)
{
	char a[PATH_MAX + 16], b[PATH_MAX + 16], iss[160];

	for (unsigned i = 0; i < out->n_crls; i++) {
		const struct revoke_crl *f = &out->crls[i];

		crl_name_text(f->crl.issuer, f->crl.issuer_len, iss, sizeof(iss));
		where(f, a, sizeof(a));
		for (unsigned k = 0; k < i; k++)
			if (same_issuer(&out->crls[k], f) &&
			    strcmp(out->crls[k].file, f->file) == 0) {
				where(&out->crls[k], b, sizeof(b));
				snprintf(why, cap,
					 "%s and %s are two different CRLs of the same CA (%s); "
					 "keep one CRL per CA in a file",
					 b, a, iss);
				return -1;
			}
		for (unsigned s = 0; s < rv->n_srcs; s++)
			for (unsigned k = 0; k < rv->srcs[s].n_crls; k++) {
				const struct revoke_crl *o = &rv->srcs[s].crls[k];

				if (same_issuer(o, f) && strcmp(o->file, f->file) == 0 &&
				    older_than(&f->crl, &o->crl)) {
					snprintf(why, cap,
						 "%s: older than the CRL of %s in force from this "
						 "file (cRLNumber or thisUpdate goes back)",
						 a, iss);
					return -1;
				}
			}
	}
	return 0;
}

int revoke_src_load(const struct revoke *rv, const char *path, struct revoke_src *out, char *why,
		    size_t cap)
{
	struct stat st;
	int r;

	out->crls = NULL;
	out->n_crls = 0;
	snprintf(out->path, sizeof(out->path), "%s", path);
	if (stat(path, &st) < 0) {
		snprintf(why, cap, "cannot read it: %s", strerror(errno));
		return -1;
	}
	out->is_dir = S_ISDIR(st.st_mode);
	r = out->is_dir ? load_dir(rv, path, out, why, cap) : load_file(rv, path, out, why, cap);
	if (r == 0)
		r = check_issuers(rv, out, why, cap);
	if (r < 0)
		revoke_src_clear(out);
	return r;
}

const struct crl_entry *revoke_src_lookup(const struct revoke_crl *f, const struct cert_ref *r)
{
	struct crl_entry key;

	if (f->crl.n_entries == 0 ||
	    memcmp(f->issuer_hash, r->issuer_hash, CERT_NAME_HASH_LEN) != 0)
		return NULL;
	memset(&key, 0, sizeof(key));
	memcpy(key.serial, r->serial, r->serial_len);
	key.serial_len = r->serial_len;
	return bsearch(&key, f->crl.entries, f->crl.n_entries, sizeof(key), entry_cmp);
}
