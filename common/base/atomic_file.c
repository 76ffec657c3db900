/*
 * atomic_file.c - atomic replacement of a file: a hidden temporary file next
 * to the target (mkostemp: O_EXCL, 0600), fchmod, write, fsync, then rename
 * over the target or link() beside it (never replacing), then fsync of the
 * directory, so a crash leaves the old file or the new one.
 */
#include "atomic_file.h"
#include "errbuf.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

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

int atomic_file_write(const char *path, const void *data, size_t len, mode_t mode, bool replace,
		      char *err, size_t errlen)
{
	const char *base = strrchr(path, '/');
	char tmp[4096];
	size_t off = 0;
	int fd, n, saved;

	/* The temporary file sits next to path (same file system, so the
	 * rename is atomic), hidden, with a random suffix. */
	base = base == NULL ? path : base + 1;
	n = snprintf(tmp, sizeof(tmp), "%.*s.%s.XXXXXX", (int)(base - path), path, base);
	if (n < 0 || (size_t)n >= sizeof(tmp)) {
		errbuf_set(err, errlen, "%s: path too long", path);
		errno = ENAMETOOLONG;
		return -1;
	}
	fd = mkostemp(tmp, O_CLOEXEC); /* O_CREAT | O_EXCL, mode 0600 */
	if (fd < 0) {
		saved = errno;
		errbuf_set(err, errlen, "cannot create a temporary file next to %s: %s", path,
		       strerror(errno));
		errno = saved;
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
		saved = errno;
		errbuf_set(err, errlen, "wrote %s but cannot sync its directory: %s", path,
		       strerror(errno));
		errno = saved;
		return -1;
	}
	return 0;
fail:
	saved = errno;
	errbuf_set(err, errlen, "cannot write %s: %s", path, strerror(saved));
	if (fd >= 0)
		close(fd);
	unlink(tmp);
	errno = saved;
	return -1;
}
