/*
 * est_client.c - EST requests and answers on the client (est_client.h).
 * The answer is trusted only as far as its shape: whether the certificate
 * it carries chains to the CA and holds our key is the caller's check.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base64.h"
#include "errbuf.h"
#include "est_client.h"
#include "secret.h"

static const char *op_path(enum est_op op)
{
	switch (op) {
	case EST_OP_CACERTS:
		return EST_HTTP_PREFIX "cacerts";
	case EST_OP_SIMPLEENROLL:
		return EST_HTTP_PREFIX "simpleenroll";
	case EST_OP_SIMPLEREENROLL:
		return EST_HTTP_PREFIX "simplereenroll";
	}
	return NULL;
}

static bool printable(const char *s, size_t max)
{
	size_t n = strlen(s);

	if (n == 0 || n > max)
		return false;
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			return false;
	return true;
}

char *est_client_request(enum est_op op, const char *host, const char *identity, const char *token,
			 const uint8_t *csr, size_t csr_len, size_t *len)
{
	bool enroll = op != EST_OP_CACERTS;
	char auth[2 * (EST_HTTP_MAX_USER + EST_HTTP_MAX_PASSWORD)] = "";
	char cred[EST_HTTP_MAX_USER + EST_HTTP_MAX_PASSWORD + 2];
	size_t blen = enroll ? base64_encoded_len(csr_len, 64) : 0, cap;
	char *out;
	int n;

	if (op_path(op) == NULL || !printable(host, 255) ||
	    (enroll && (csr == NULL || csr_len == 0)))
		return NULL;
	if (op == EST_OP_SIMPLEENROLL) {
		if (identity == NULL || token == NULL ||
		    !printable(identity, EST_HTTP_MAX_USER - 1) || strchr(identity, ':') != NULL ||
		    !printable(token, EST_HTTP_MAX_PASSWORD - 1))
			return NULL;
		snprintf(cred, sizeof(cred), "%s:%s", identity, token);
		memcpy(auth, "Authorization: Basic ", 21);
		n = (int)base64_encode((const uint8_t *)cred, strlen(cred), 0, auth + 21);
		memcpy(auth + 21 + n, "\r\n", 3);
		secret_wipe(cred, sizeof(cred));
	}
	cap = 512 + strlen(host) + strlen(auth) + blen;
	out = malloc(cap);
	if (out == NULL) {
		secret_wipe(auth, sizeof(auth));
		return NULL;
	}
	n = snprintf(out, cap,
		     "%s %s HTTP/1.1\r\n"
		     "Host: %s\r\n"
		     "User-Agent: mtlsvpn-client\r\n"
		     "Accept: application/pkcs7-mime\r\n"
		     "%s",
		     enroll ? "POST" : "GET", op_path(op), host, auth);
	secret_wipe(auth, sizeof(auth));
	if (enroll)
		n += snprintf(out + n, cap - (size_t)n,
			      "Content-Type: application/pkcs10\r\n"
			      "Content-Transfer-Encoding: base64\r\n"
			      "Content-Length: %zu\r\n\r\n",
			      blen);
	else
		n += snprintf(out + n, cap - (size_t)n, "\r\n");
	if (enroll)
		n += (int)base64_encode(csr, csr_len, 64, out + n);
	*len = (size_t)n;
	return out;
}

/* The gateway's one line, made printable and short. */
static void reason_line(const struct http_resp *r, char out[static 160])
{
	size_t w = 0;

	for (size_t i = 0; i < r->body_len && w < 159; i++) {
		uint8_t b = r->body[i];

		if (b == '\n' || b == '\r')
			break;
		out[w++] = b >= 0x20 && b < 0x7f ? (char)b : '.';
	}
	out[w] = 0;
	if (w == 0)
		snprintf(out, 160, "no reason given");
}

int est_client_reply(enum est_op op, const struct http_resp *r, uint8_t **der, size_t *der_len,
		     char *err, size_t errlen)
{
	char line[160];

	*der = NULL;
	*der_len = 0;
	if (r->status != 200) {
		reason_line(r, line);
		if (r->status == 401)
			errbuf_set(err, errlen, "the gateway asks for credentials (401): %s", line);
		else if (r->status == 403)
			errbuf_set(err, errlen, "the gateway refused (403): %s", line);
		else if (r->status == 404 && op != EST_OP_CACERTS)
			errbuf_set(err, errlen,
				   "the gateway does not offer enrollment (404, enroll is off): %s",
				   line);
		else
			errbuf_set(err, errlen, "the gateway answered %u: %s", r->status, line);
		return -1;
	}
	if (!http_resp_type_is(r->content_type, "application/pkcs7-mime")) {
		errbuf_set(err, errlen, "the gateway's answer is not application/pkcs7-mime");
		return -1;
	}
	*der = malloc(base64_decoded_max(r->body_len));
	if (*der == NULL) {
		errbuf_set(err, errlen, "out of memory");
		return -1;
	}
	if (!base64_decode((const char *)r->body, r->body_len, *der,
			   base64_decoded_max(r->body_len), der_len)) {
		errbuf_set(err, errlen, "the gateway's answer is not base64");
		free(*der);
		*der = NULL;
		return -1;
	}
	return 0;
}
