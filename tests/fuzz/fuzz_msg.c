/*
 * fuzz_msg.c - arbitrary bytes as a CONFIG, BYE, CONFIG_UPDATE or FEATURES
 * payload (the first byte chooses). Whatever decodes must encode again, and
 * the re-encoding must decode to the same message: the encoder and decoder
 * agree on every range. A decoded CONFIG also goes through the DNS plan,
 * split and full; a decoded CONFIG_UPDATE through the diff against the
 * last CONFIG decoded, as a client applies it.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "cfgdiff.h"
#include "dnsplan.h"
#include "msg.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The last CONFIG that decoded: what an update is applied to. */
static struct msg_config last_config;

static void config_round_trip(const uint8_t *p, size_t n)
{
	static struct msg_config a, b;
	static uint8_t out[8192];
	const char *why = NULL;
	size_t len;

	if (msg_config_decode(p, n, &a, &why) != MSG_OK) {
		if (why == NULL)
			__builtin_trap();
		return;
	}
	len = msg_config_encode(&a, out, sizeof(out));
	if (len == 0 || msg_config_decode(out, len, &b, &why) != MSG_OK)
		__builtin_trap();
	/* Both came out of the decoder, which zeroes first: padding and
	 * unused array slots are equal too. */
	if (memcmp(&a, &b, sizeof(a)) != 0)
		__builtin_trap();
	for (unsigned i = 0; i < a.n_search; i++)
		if (strlen(a.search[i]) == 0 || strlen(a.search[i]) > MSG_DOMAIN_MAX)
			__builtin_trap();
	for (int full = 0; full < 2; full++) {
		static struct dnsplan plan;
		char text[4096];

		if (dnsplan_make(&a, full, &plan) != (a.n_dns > 0) ||
		    plan.n_domains > DNSPLAN_MAX_DOMAINS || (full && !plan.default_route))
			__builtin_trap();
		dnsplan_describe(&plan, text, sizeof(text));
	}
	last_config = a;
}

static void update_round_trip(const uint8_t *p, size_t n)
{
	static struct msg_config a, b, next;
	static uint8_t out[8192];
	static struct cfgdiff d;
	const char *why = NULL;
	char text[2048];
	size_t len;

	if (msg_update_decode(p, n, &a, &why) != MSG_OK) {
		if (why == NULL)
			__builtin_trap();
		return;
	}
	if (!msg_update_encode(&a, out, sizeof(out), &len) ||
	    msg_update_decode(out, len, &b, &why) != MSG_OK || memcmp(&a, &b, sizeof(a)) != 0)
		__builtin_trap();
	next = last_config;
	cfgdiff_take_lists(&next, &a);
	cfgdiff_make(&last_config, &next, &d);
	if (d.n_added > next.n_routes || d.n_removed > last_config.n_routes)
		__builtin_trap();
	cfgdiff_describe(&d, &next, text, sizeof(text));
	if (strlen(text) >= sizeof(text))
		__builtin_trap();
}

static void features_round_trip(const uint8_t *p, size_t n)
{
	uint8_t out[4];
	uint32_t f;
	const char *why = NULL;

	if (msg_features_decode(p, n, &f, &why) != MSG_OK) {
		if (why == NULL || n == 4)
			__builtin_trap();
		return;
	}
	if (msg_features_encode(f, out, sizeof(out)) != 4 || memcmp(out, p, 4) != 0)
		__builtin_trap();
}

static void bye_round_trip(const uint8_t *p, size_t n)
{
	struct msg_bye a, b;
	uint8_t out[2 + BYE_MAX_TEXT];
	const char *why = NULL;
	size_t len;

	if (msg_bye_decode(p, n, &a, &why) != MSG_OK) {
		if (why == NULL)
			__builtin_trap();
		return;
	}
	if (msg_bye_reason_str(a.reason) == NULL)
		__builtin_trap();
	(void)msg_bye_is_permanent(a.reason);
	/* Unknown reasons decode (for newer peers) but are never sent. */
	if (a.reason > BYE_REASON_MAX)
		return;
	len = msg_bye_encode(&a, out, sizeof(out));
	if (len != n || memcmp(out, p, n) != 0)
		__builtin_trap();
	if (msg_bye_decode(out, len, &b, &why) != MSG_OK || memcmp(&a, &b, sizeof(a)) != 0)
		__builtin_trap();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	/* The old choice (bit 0: BYE or CONFIG) keeps its meaning for the
	 * corpus; bits 1-2 pick the newer messages. */
	switch (data[0] & 7) {
	case 2:
		update_round_trip(data + 1, size - 1);
		break;
	case 4:
		features_round_trip(data + 1, size - 1);
		break;
	default:
		if (data[0] & 1)
			bye_round_trip(data + 1, size - 1);
		else
			config_round_trip(data + 1, size - 1);
	}
	return 0;
}
