/*
 * config.c - the permission rule for private key files: a regular file that
 * neither group nor others may read, write or execute. It is checked when a
 * configuration is loaded and by mtlsvpnctl after writing a key.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "config.h"

int config_check_key_mode(const char *path, char err[static CONFIG_ERR_MAX])
{
	struct stat st;

	if (stat(path, &st) < 0) {
		snprintf(err, CONFIG_ERR_MAX,
			 "%s cannot be used (%s); give the path of the private key", path,
			 strerror(errno));
		return -1;
	}
	if (!S_ISREG(st.st_mode)) {
		snprintf(err, CONFIG_ERR_MAX,
			 "%s is not a regular file; give the path of the private key", path);
		return -1;
	}
	if ((st.st_mode & (S_IRWXG | S_IRWXO)) != 0) {
		snprintf(err, CONFIG_ERR_MAX,
			 "%s is accessible by group or others (mode %04o); run chmod 600 %s", path,
			 (unsigned)(st.st_mode & 07777), path);
		return -1;
	}
	return 0;
}
