/*
 * pki_scratch.h - the scratch PKI the pki tests share: a directory under
 * /tmp named after the test and its PID, filled by a script beside the
 * tests (crl_certs.sh, ocsp_certs.sh) with the openssl command line, read
 * back file by file, removed at the end. Include after <cmocka.h>.
 */
#ifndef MTLSVPN_TEST_PKI_SCRATCH_H
#define MTLSVPN_TEST_PKI_SCRATCH_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static char pki_dir[256];

/* Runs script (a name beside this file) to fill /tmp/TEST.PID. */
static inline int pki_scratch_make(const char *test, const char *script)
{
	char cmd[1024];

	snprintf(pki_dir, sizeof(pki_dir), "/tmp/%s.%d", test, (int)getpid());
	snprintf(cmd, sizeof(cmd), "sh %s/%s %s", MTLSVPN_TEST_SRCDIR, script, pki_dir);
	return system(cmd) == 0 ? 0 : -1;
}

static inline int pki_scratch_remove(void)
{
	char cmd[512];

	snprintf(cmd, sizeof(cmd), "rm -rf %s", pki_dir);
	return system(cmd) == 0 ? 0 : -1;
}

/* The whole of file name of the scratch directory (not empty). */
static inline uint8_t *pki_scratch_slurp(const char *name, size_t *len)
{
	char path[512];
	FILE *f;
	uint8_t *buf;
	long n;

	snprintf(path, sizeof(path), "%s/%s", pki_dir, name);
	f = fopen(path, "rb");
	assert_non_null(f);
	assert_int_equal(fseek(f, 0, SEEK_END), 0);
	n = ftell(f);
	assert_true(n > 0);
	rewind(f);
	buf = malloc((size_t)n);
	assert_non_null(buf);
	assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	*len = (size_t)n;
	return buf;
}

#endif
