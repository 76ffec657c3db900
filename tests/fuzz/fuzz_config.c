/*
 * fuzz_config.c - arbitrary bytes as server.ini and client.ini. The loader
 * reads each file twice (its own line scanner, then iniparser); if the
 * scanner lets through a line iniparser reads differently, the two
 * readings disagree and the target traps. Both full loaders run as well.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/mman.h>
#include <unistd.h>

#include "config.h"
#include "config_file.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct config_server s;
	static struct config_client c;
	char path[64], err[CONFIG_ERR_MAX];
	struct config_file f;
	int fd, rc;

	/* iniparser only opens paths: a memfd gives one without touching disk. */
	fd = memfd_create("fuzz.ini", MFD_CLOEXEC);
	if (fd < 0)
		return 0;
	if (write(fd, data, size) != (ssize_t)size) {
		close(fd);
		return 0;
	}
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	rc = config_file_load(&f, path, "gateway", err);
	if (rc == CONFIG_FILE_DISAGREE)
		__builtin_trap();
	if (rc == 0)
		config_file_free(&f);
	(void)config_server_load(path, &s, err);
	(void)config_client_load(path, &c, err);
	close(fd);
	return 0;
}
