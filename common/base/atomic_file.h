/*
 * atomic_file.h - replace a file so that a crash, a full disk or a write
 * error leaves either the old file or the new one, never a mix. Pure: no
 * logging, the reason goes into err.
 */
#ifndef MTLSVPN_ATOMIC_FILE_H
#define MTLSVPN_ATOMIC_FILE_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/* Writes data to a hidden temporary file next to path (O_EXCL, 0600, then
 * mode), fsyncs it, renames it over path (replace) or links it beside path
 * (fails with EEXIST if path exists), then fsyncs the directory. 0, or -1
 * with errno and err set; on failure no temporary file is left. */
int atomic_file_write(const char *path, const void *data, size_t len, mode_t mode, bool replace,
		      char *err, size_t errlen);

#endif
