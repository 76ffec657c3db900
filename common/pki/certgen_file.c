/*
 * certgen_file.c - the CA's files on disk. Reads are bounded (64 KiB: every
 * PEM file here is far smaller). Writes are atomic (common/base/atomic_file.c):
 * a crash leaves the old file or the new one.
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

#include "atomic_file.h"
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
		errbuf_set(err, errlen, "cannot open %s: %s", path, strerror(errno));
		return NULL;
	}
	data = malloc(PEM_MAX_FILE + 1);
	if (data == NULL) {
		close(fd);
		errbuf_set(err, errlen, "out of memory");
		return NULL;
	}
	while ((n = read(fd, data + got, PEM_MAX_FILE + 1 - got)) > 0) {
		got += (size_t)n;
		if (got > PEM_MAX_FILE)
			break;
	}
	close(fd);
	if (n < 0 || got > PEM_MAX_FILE) {
		errbuf_set(err, errlen, "cannot read %s: %s", path,
			       n < 0 ? strerror(errno) : "larger than 64 KiB, not a PEM file");
		explicit_bzero(data, PEM_MAX_FILE + 1);
		free(data);
		return NULL;
	}
	*len = got;
	return data;
}

/* The CA's files are written through atomic_file_write (common/base/atomic_file.c). */
int certgen_file_write(const char *path, const void *data, size_t len, mode_t mode, bool replace,
		       char *err, size_t errlen)
{
	return atomic_file_write(path, data, len, mode, replace, err, errlen);
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
