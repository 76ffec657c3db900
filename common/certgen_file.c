/*
 * certgen_file.c - the CA's files on disk. Reads are bounded (64 KiB: every
 * PEM file here is far smaller). Writes are atomic: a hidden temporary file
 * next to the target (mkostemp: O_EXCL, 0600), fchmod, write, fsync, then
 * rename over the target or link() beside it (never replacing), then fsync
 * of the directory, so a crash leaves the old file or the new one.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <wolfssl/options.h>
#include <wolfssl/wolfcrypt/settings.h>
#include <wolfssl/wolfcrypt/asn_public.h>

#include "certgen.h"
#include "certgen_int.h"

#define PEM_MAX_FILE (64 * 1024)

uint8_t *certgen_file_read(const char *path, size_t *len, char *err, size_t errlen)
{
	uint8_t *data;
	size_t got = 0;
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0) {
		certgen_seterr(err, errlen, "cannot open %s: %s", path, strerror(errno));
		return NULL;
	}
	data = malloc(PEM_MAX_FILE + 1);
	if (data == NULL) {
		close(fd);
		certgen_seterr(err, errlen, "out of memory");
		return NULL;
	}
	while ((n = read(fd, data + got, PEM_MAX_FILE + 1 - got)) > 0) {
		got += (size_t)n;
		if (got > PEM_MAX_FILE)
			break;
	}
	close(fd);
	if (n < 0 || got > PEM_MAX_FILE) {
		certgen_seterr(err, errlen, "cannot read %s: %s", path,
			       n < 0 ? strerror(errno) : "larger than 64 KiB, not a PEM file");
		explicit_bzero(data, PEM_MAX_FILE + 1);
		free(data);
		return NULL;
	}
	*len = got;
	return data;
}

/* ---- atomic files ---- */

static int fsync_dir_of(const char *path)
{
	char dir[4096];
	const char *slash = strrchr(path, '/');
	int fd, rc;

	if (slash == NULL)
		snprintf(dir, sizeof(dir), ".");
	else if (slash == path)
		snprintf(dir, sizeof(dir), "/");
	else
		snprintf(dir, sizeof(dir), "%.*s", (int)(slash - path), path);
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	rc = fsync(fd);
	close(fd);
	return rc;
}

int certgen_file_write(const char *path, const void *data, size_t len, mode_t mode, bool replace,
		       char *err, size_t errlen)
{
	const char *base = strrchr(path, '/');
	char tmp[4096];
	size_t off = 0;
	int fd, n;

	/* The temporary file sits next to path (same file system, so the
	 * rename is atomic), hidden, with a random suffix. */
	base = base == NULL ? path : base + 1;
	n = snprintf(tmp, sizeof(tmp), "%.*s.%s.XXXXXX", (int)(base - path), path, base);
	if (n < 0 || (size_t)n >= sizeof(tmp)) {
		certgen_seterr(err, errlen, "%s: path too long", path);
		return -1;
	}
	fd = mkostemp(tmp, O_CLOEXEC); /* O_CREAT | O_EXCL, mode 0600 */
	if (fd < 0) {
		certgen_seterr(err, errlen, "cannot create a temporary file next to %s: %s", path,
			       strerror(errno));
		return -1;
	}
	if (mode != 0600 && fchmod(fd, mode) < 0)
		goto fail;
	while (off < len) {
		ssize_t w = write(fd, (const uint8_t *)data + off, len - off);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			goto fail;
		}
		off += (size_t)w;
	}
	if (fsync(fd) < 0)
		goto fail;
	if (close(fd) < 0) {
		fd = -1;
		goto fail;
	}
	fd = -1;
	if (replace) {
		if (rename(tmp, path) < 0)
			goto fail;
	} else {
		/* link() fails with EEXIST instead of replacing: two runs
		 * racing for one name cannot both win. */
		if (link(tmp, path) < 0)
			goto fail;
		unlink(tmp);
	}
	if (fsync_dir_of(path) < 0) {
		certgen_seterr(err, errlen, "wrote %s but cannot sync its directory: %s", path,
			       strerror(errno));
		return -1;
	}
	return 0;
fail:
	certgen_seterr(err, errlen, "cannot write %s: %s", path, strerror(errno));
	if (fd >= 0)
		close(fd);
	unlink(tmp);
	return -1;
}

uint8_t *certgen_pem_read(const char *path, size_t *len, char *err, size_t errlen)
{
	uint8_t *data = certgen_file_read(path, len, err, errlen);

	if (data != NULL)
		data[*len] = 0; /* certgen_file_read leaves room for it */
	return data;
}

uint8_t *certgen_cert_pem(const struct certgen_cert *cert, size_t *len)
{
	return certgen_der_to_pem(cert->der, cert->der_len, CERT_TYPE, len);
}
