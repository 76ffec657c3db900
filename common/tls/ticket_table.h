/*
 * ticket_table.h - the gateway's TLS 1.3 session tickets, kept on the
 * gateway: a ticket on the wire is an opaque random handle; the table maps
 * it to the TLS library's resumption state (secret), the client's
 * certificate chain (DER) and the times that bound it. Pure: no I/O, no
 * logging, the caller passes the clock. Invariants: a ticket is used at most
 * once (taking it removes it); a ticket past its expiry is never handed
 * out; the table never holds more tickets or bytes than its bounds (the
 * oldest goes first);
 * every secret byte is wiped before it is freed.
 */
#ifndef MTLSVPN_TICKET_TABLE_H
#define MTLSVPN_TICKET_TABLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/queue.h>

#define TICKET_HANDLE_LEN 16
#define TICKET_MAC_LEN 32
/* Far above what wolfSSL's ticket state and a 4-certificate chain need. */
#define TICKET_STATE_MAX 1024
#define TICKET_CHAIN_MAX 65536

struct ticket {
	uint8_t handle[TICKET_HANDLE_LEN]; /* what the client holds */
	uint8_t mac[TICKET_MAC_LEN];       /* random, sent with the handle, compared too */
	uint8_t *state;                    /* the TLS library's resumption state: secret */
	size_t state_len;
	uint8_t *chain; /* the peer's certificates, each a 3-byte length then DER */
	size_t chain_len;
	int64_t issued;  /* s since the epoch */
	int64_t full_at; /* the last full handshake this ticket descends from */
	int64_t expires; /* valid while now < expires */
	struct ticket *hash_next;
	TAILQ_ENTRY(ticket) age; /* oldest first */
};

enum ticket_take {
	TICKET_TAKEN,   /* *out is the caller's; the table no longer has it */
	TICKET_UNKNOWN, /* never issued, already used, evicted, or the table was emptied */
	TICKET_EXPIRED, /* issued, but its time is up (now removed) */
};

struct ticket_table;

/* At most max tickets (max >= 1) holding at most max_bytes of state and
 * chains together; NULL when out of memory. */
struct ticket_table *ticket_table_new(size_t max, size_t max_bytes);
void ticket_table_free(struct ticket_table *t);

/* The end of a ticket issued now (exclusive): the soonest of now +
 * lifetime, the second after the certificate's notAfter, and (when
 * max_session_lifetime > 0) full_at + max_session_lifetime. */
int64_t ticket_expiry(int64_t now, int64_t full_at, unsigned lifetime, int64_t not_after,
		      unsigned max_session_lifetime);

/* Store a copy of state and chain under handle; expired tickets are
 * dropped first, then the oldest while the table is full. False (and the
 * table unchanged) if a length is 0 or too large (past TICKET_*_MAX or the
 * table's byte bound), the handle is already in use, or memory runs
 * out. */
bool ticket_table_put(struct ticket_table *t, const uint8_t handle[static TICKET_HANDLE_LEN],
		      const uint8_t mac[static TICKET_MAC_LEN], const void *state, size_t state_len,
		      const void *chain, size_t chain_len, int64_t now, int64_t full_at,
		      int64_t expires);

/* Remove the ticket under handle; TICKET_TAKEN hands it to *out (free it
 * with ticket_free), anything else leaves *out NULL. */
enum ticket_take ticket_table_take(struct ticket_table *t,
				   const uint8_t handle[static TICKET_HANDLE_LEN], int64_t now,
				   struct ticket **out);

/* Drop the ticket under handle, if the table has it. */
bool ticket_table_forget(struct ticket_table *t, const uint8_t handle[static TICKET_HANDLE_LEN]);
/* Drop every ticket (a reload: the trust anchors may have changed). */
void ticket_table_clear(struct ticket_table *t);
size_t ticket_table_count(const struct ticket_table *t);

/* The n-th certificate (0 = leaf) of a ticket's chain; false past the end
 * or if the encoding is broken. */
bool ticket_chain_cert(const struct ticket *k, size_t n, const uint8_t **der, size_t *len);
/* The same for any chain in that encoding (a 3-byte length, then the DER,
 * per certificate), such as the one a connection keeps of its peer. */
bool ticket_chain_at(const uint8_t *chain, size_t chain_len, size_t n, const uint8_t **der,
		     size_t *len);

/* Wipes the secret state, then frees. NULL is fine. */
void ticket_free(struct ticket *k);

/* Constant-time comparison of two byte strings of length n. */
bool ticket_bytes_equal(const uint8_t *a, const uint8_t *b, size_t n);

#endif
