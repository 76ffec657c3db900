/*
 * secret.h - short secrets a person gives (a key's passphrase, a token's
 * PIN): read from the first line of a file, from the terminal without echo,
 * or from systemd-ask-password, into a caller's fixed buffer, and wiped by
 * the caller with secret_wipe() as soon as it has been used. Nothing here
 * logs; failures fill an error buffer.
 */
#ifndef MTLSVPN_SECRET_H
#define MTLSVPN_SECRET_H

#include <stdbool.h>
#include <stddef.h>

#define SECRET_MAX 1024 /* bytes of a passphrase or PIN, without the NUL */

/* Zeroes len bytes in a way the compiler keeps. NULL is fine. */
void secret_wipe(void *p, size_t len);

/* The first line of path, without its line end, into buf (cap bytes, NUL
 * included). 0, or -1 with err ("FILE: empty", the system's reason, "FILE:
 * longer than N bytes"); buf is wiped on failure. */
int secret_read_file(const char *path, char *buf, size_t cap, char *err, size_t errlen);

/* How secret_ask would ask now: from the terminal if stdin is one, else
 * through systemd-ask-password if the process runs as a systemd service
 * (INVOCATION_ID is set), else not at all. */
enum secret_source { SECRET_NONE, SECRET_TTY, SECRET_SYSTEMD };
enum secret_source secret_source_now(void);

/* Asks a person with prompt, the way secret_source_now() says; 0, or -1
 * with err (nobody to ask, an empty answer, the helper failed). */
int secret_ask(const char *prompt, char *buf, size_t cap, char *err, size_t errlen);

#endif
