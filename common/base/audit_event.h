/*
 * audit_event.h - one event of the gateway's audit trail (docs/audit.md)
 * as a JSON line and as the fields of a native journald entry. Pure: no
 * I/O, never logs; server/audit.c writes what this builds. Every event
 * type has a fixed 128-bit MESSAGE_ID (journalctl MESSAGE_ID=...), and a
 * field is present only when the event carries it (NULL strings and
 * unflagged numbers are left out of both forms).
 */
#ifndef MTLSVPN_AUDIT_EVENT_H
#define MTLSVPN_AUDIT_EVENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/uio.h>

/* Append-only: the names and MESSAGE_IDs are a documented interface. */
enum audit_type {
	AUDIT_CONNECT,		/* a session is established */
	AUDIT_DISCONNECT,	/* an established session ended: bytes, packets, reason */
	AUDIT_REFUSED,		/* a connection refused (before or after authentication) */
	AUDIT_REFUSED_SUMMARY,	/* refusals held back by the rate limit, by interval */
	AUDIT_REVOKED,		/* a live session closed by a revocation sweep */
	AUDIT_RELOAD,		/* server.ini reloaded, or the reload refused */
	AUDIT_CONTROL,		/* a state-changing mtlsvpnctl command, or its refusal */
	AUDIT_ENROLL,		/* EST: a certificate issued (simpleenroll, simplereenroll) */
	AUDIT_ENROLL_REFUSED,	/* EST: an enrollment or renewal refused */
	AUDIT_CONTINUE,		/* a new connection continued a live session (its old remote) */
	AUDIT_CONTINUE_REFUSED, /* a continuation refused: the connection became a new session */
	AUDIT_TYPE_N,
};

struct audit_event {
	enum audit_type type;
	int64_t time_us; /* CLOCK_REALTIME, microseconds since the epoch */
	uint64_t sid;	 /* 0: none */
	const char *identity, *serial, *fingerprint, *group;
	const char *remote;	 /* "203.0.113.4:50122" or "[2001:db8::4]:50122" */
	const char *prev_remote; /* continue: the address the session had, same form */
	const char *cid;	 /* continue, continue_refused: the cid named, 16 hex digits */
	const char *tunnel4, *tunnel6;
	bool has_traffic;	       /* the four counters and duration_ms */
	uint64_t rx_bytes, rx_packets; /* from the client */
	uint64_t tx_bytes, tx_packets; /* to the client */
	uint64_t duration_ms;
	const char *reason;	 /* words, as the log says them */
	const char *reason_code; /* a machine key: "revoked", "admin", "no_certificate" */
	const char *trigger;	 /* reload: "SIGHUP", "mtlsvpnctl reload" */
	const char *command;	 /* control: the command line */
	const char *result;	 /* reload, control: "ok", "failed", "denied" */
	bool has_caller;
	uint32_t caller_uid;
	int64_t caller_pid;
	bool has_count; /* refused_summary: count and held */
	uint64_t count, held;
};

/* "connect", ...; NULL if t is not a type. */
const char *audit_event_name(enum audit_type t);
/* The MESSAGE_ID: 32 lowercase hex digits; NULL if t is not a type. */
const char *audit_event_message_id(enum audit_type t);

/* The event as one JSON object and a '\n', NUL-terminated, in out; its
 * length (newline included), or 0 if it does not fit in cap. */
size_t audit_event_json(const struct audit_event *e, char *out, size_t cap);

#define AUDIT_FIELDS_MAX 40
#define AUDIT_FIELDS_BYTES 8192

/* The event as "NAME=value" items for sd_journal_sendv: MESSAGE,
 * PRIORITY, MESSAGE_ID, SYSLOG_IDENTIFIER and the MTLSVPN_* fields.
 * Values are bytes as they are (the native protocol carries newlines). */
struct audit_fields {
	struct iovec iov[AUDIT_FIELDS_MAX];
	unsigned n;
	char buf[AUDIT_FIELDS_BYTES];
	size_t used;
};

/* False if the fields do not fit (f is then incomplete). */
bool audit_event_fields(const struct audit_event *e, struct audit_fields *f);

#endif
