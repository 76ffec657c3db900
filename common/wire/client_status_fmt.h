/*
 * client_status_fmt.h - a client status record (client_status.h) as text
 * for the person and as JSON (docs/status-json.md). Pure.
 */
#ifndef MTLSVPN_CLIENT_STATUS_FMT_H
#define MTLSVPN_CLIENT_STATUS_FMT_H

#include <stddef.h>

#include "client_status.h"

/* Enough for any record. */
#define CLIENT_STATUS_FMT_MAX 32768

/* Each writes a NUL-terminated text into buf and returns its length, or 0
 * (buf "") if it does not fit in cap. Ends with a newline. */
size_t client_status_text(const struct client_status *s, char *buf, size_t cap);
size_t client_status_json(const struct client_status *s, char *buf, size_t cap);

#endif
