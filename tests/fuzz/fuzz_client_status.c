/*
 * fuzz_client_status.c - arbitrary bytes as what `mtlsvpn-client status`
 * reads: a status record from the socket and a NAME.ended note from the
 * state directory. A record that decodes re-encodes and decodes to the
 * same record and always formats, as text and as JSON, within
 * CLIENT_STATUS_FMT_MAX; a MALFORMED verdict always comes with a reason.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "client_status.h"
#include "client_status_fmt.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct client_status rec, again;
static uint8_t enc[CLIENT_STATUS_MAX_LEN];
static char text[CLIENT_STATUS_FMT_MAX];

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char reason[CLIENT_STATUS_TEXT_MAX + 1];
	const char *why = NULL;
	int64_t when;
	size_t n;

	if (client_status_decode(data, size, &rec, &why) == CLIENT_STATUS_OK) {
		n = client_status_encode(&rec, enc, sizeof(enc));
		if (n == 0)
			__builtin_trap();
		why = NULL;
		if (client_status_decode(enc, n, &again, &why) != CLIENT_STATUS_OK ||
		    memcmp(&rec, &again, sizeof(rec)) != 0)
			__builtin_trap();
		if (client_status_text(&rec, text, sizeof(text)) == 0 ||
		    client_status_json(&rec, text, sizeof(text)) == 0)
			__builtin_trap();
	} else if (why == NULL) {
		__builtin_trap();
	}
	why = NULL;
	if (client_status_ended_decode((const char *)data, size, &when, reason, &why) ==
	    CLIENT_STATUS_OK) {
		if (strlen(reason) > CLIENT_STATUS_TEXT_MAX)
			__builtin_trap();
	} else if (why == NULL) {
		__builtin_trap();
	}
	return 0;
}
