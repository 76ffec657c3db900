/*
 * fuzz_est_token_file.c - arbitrary bytes as DIR/tokens and as a typed
 * token: the state file's parser never reads past the input, what it
 * accepts formats into text it reads back equal, and a token that decodes
 * encodes to the canonical form that decodes to the same bits.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "est_token.h"
#include "est_token_file.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *p = malloc(size + 1);
	struct est_token_store st, back;
	uint8_t raw[EST_TOKEN_RAW], raw2[EST_TOKEN_RAW];
	char err[256], text[EST_TOKEN_TEXT];

	if (p == NULL)
		return 0;
	memcpy(p, data, size);
	p[size] = 0;
	if (est_token_file_parse(p, size, "fuzz", &st, err, sizeof(err)) == 0) {
		size_t len;
		char *out = est_token_file_format(&st, &len);

		if (out == NULL ||
		    est_token_file_parse(out, len, "again", &back, err, sizeof(err)) != 0 ||
		    back.n != st.n)
			abort();
		for (size_t i = 0; i < st.n; i++)
			if (memcmp(back.recs[i].hash, st.recs[i].hash, EST_TOKEN_HASH) != 0 ||
			    strcmp(back.recs[i].identity, st.recs[i].identity) != 0 ||
			    strcmp(back.recs[i].group, st.recs[i].group) != 0 ||
			    back.recs[i].expires != st.recs[i].expires ||
			    (back.recs[i].used != 0) != (st.recs[i].used != 0))
				abort();
		free(out);
		est_token_store_free(&st);
		est_token_store_free(&back);
	}
	if (est_token_decode(p, raw)) {
		est_token_encode(raw, text);
		if (!est_token_decode(text, raw2) || memcmp(raw, raw2, sizeof(raw)) != 0)
			abort();
	}
	free(p);
	return 0;
}
