/*
 * oc_reply.h - the gateway's HTTP answers to an OpenConnect client: an
 * error, the XML auth result, and the CSTP CONNECT reply that carries the
 * tunnel's configuration as X-CSTP-* headers (cstp.c start_cstp_connection
 * reads them). Pure: each builder writes into the caller's buffer and
 * returns the bytes written, or 0 if they do not fit in cap or a value is
 * not fit to send. Never logs, never allocates.
 */
#ifndef MTLSVPN_OC_REPLY_H
#define MTLSVPN_OC_REPLY_H

#include <stddef.h>
#include <stdint.h>

#include "msg.h"

/* The reason phrase of an HTTP status we send ("Not Found"); "Error" for
 * one not in our table. */
const char *oc_reply_phrase(unsigned status);

/* "HTTP/1.1 <status> <phrase>", Content-Length: 0, Connection: close; for
 * 503 an X-Reason: header with reason (openconnect prints it; bytes outside
 * printable ASCII become '.'). reason may be NULL. */
size_t oc_reply_error(char *out, size_t cap, unsigned status, const char *reason);

/* 200 with Set-Cookie: webvpn=<cookie>; Secure (clearing webvpnc) and a
 * <config-auth type="complete"> body whose <auth id="success"> openconnect
 * takes as logged in without prompting; the cookie is also in
 * <session-token>. cookie: 1..255 bytes of printable ASCII without space,
 * '"', ',', ';' or '\\' (else 0). banner may be NULL. */
size_t oc_reply_auth_ok(char *out, size_t cap, const char *cookie, const char *banner);

/* 200 with a <config-auth type="auth-request"> that has no form fields and
 * the message as its <error>: openconnect prints it and gives up. The
 * message "Certificate Validation Failure" is shown by openconnect as
 * "Client certificate missing or incorrect". */
size_t oc_reply_auth_fail(char *out, size_t cap, const char *message);

struct oc_connect_info {
	/* The session's configuration. Only the families to announce: a
	 * client that did not ask for IPv6 gets a cfg without addr6. A
	 * default route (0.0.0.0/0, ::/0) means a full tunnel for its family:
	 * no Split-Include for it, and X-CSTP-Tunnel-All-DNS: true. */
	const struct msg_config *cfg;
	unsigned dpd;                  /* X-CSTP-DPD seconds, 0 = omitted */
	uint64_t session_timeout;      /* seconds left; 0 = none */
	unsigned disconnected_timeout; /* s the cookie outlives a drop; 0 = omitted */
	unsigned base_mtu;             /* X-CSTP-Base-MTU (the client's), 0 = omitted */
	const char *banner;            /* NULL = none; sent %-encoded */
	const char *server_name;       /* X-CSTP-Server-Name, NULL = omitted */
};

/* "HTTP/1.1 200 CONNECTED", the X-CSTP-* headers, the blank line. No DTLS
 * header, no Content-Encoding. 0 also if cfg has no address, no MTU, or a
 * domain or the server name is not printable ASCII without spaces. */
size_t oc_reply_connect(char *out, size_t cap, const struct oc_connect_info *ci);

/* "255.255.255.0" for 24; len is clamped to 0..32. */
const char *oc_reply_netmask(unsigned len, char out[static 16]);

#endif
