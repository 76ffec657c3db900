/*
 * est_reply.c - EST answers (est_reply.h). A refusal says why in one
 * short line, so "curl" shows the admin something to act on; the realm
 * of the Basic challenge is fixed (RFC 7617 2: a realm is required).
 */
#include <stdio.h>
#include <string.h>

#include "est_reply.h"
#include "oc_reply.h"

size_t est_reply_certs(char *out, size_t cap, const char *body, size_t body_len)
{
	int n = snprintf(out, cap,
			 "HTTP/1.1 200 OK\r\n"
			 "Content-Type: application/pkcs7-mime; smime-type=certs-only\r\n"
			 "Content-Transfer-Encoding: base64\r\n"
			 "Content-Length: %zu\r\n"
			 "\r\n",
			 body_len);

	if (n < 0 || (size_t)n >= cap || cap - (size_t)n < body_len)
		return 0;
	memcpy(out + n, body, body_len);
	return (size_t)n + body_len;
}

size_t est_reply_error(char *out, size_t cap, unsigned status, const char *reason, enum est_op op)
{
	char line[204], extra[96] = "";
	size_t w = 0;
	int n;

	if (status < 400 || status > 599)
		return 0;
	if (reason == NULL)
		reason = oc_reply_phrase(status);
	for (; reason[w] != 0 && w < 200; w++)
		line[w] = reason[w] >= 0x20 && reason[w] < 0x7f ? reason[w] : '.';
	line[w++] = '\n';
	line[w] = 0;
	if (status == 401)
		snprintf(extra, sizeof(extra), "WWW-Authenticate: Basic realm=\"mtlsvpn\"\r\n");
	else if (status == 405)
		snprintf(extra, sizeof(extra), "Allow: %s\r\n", est_http_allow(op));
	n = snprintf(out, cap,
		     "HTTP/1.1 %u %s\r\n"
		     "%s"
		     "Content-Type: text/plain\r\n"
		     "Content-Length: %zu\r\n"
		     "Connection: close\r\n"
		     "\r\n"
		     "%s",
		     status, oc_reply_phrase(status), extra, w, line);
	return n < 0 || (size_t)n >= cap ? 0 : (size_t)n;
}
