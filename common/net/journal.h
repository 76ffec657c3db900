/*
 * journal.h - the client's undo journal, as bytes: what a client must undo
 * of its network changes (addresses, routes, DNS), written before each
 * change so that a client that dies can be cleaned up after. Pure: encode
 * one record, decode a whole file (a torn last record is expected after a
 * crash), and the order to undo in. The file itself is client/undo.c's.
 */
#ifndef MTLSVPN_JOURNAL_H
#define MTLSVPN_JOURNAL_H

#include <net/if.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "addr.h"

/* The file starts with this; records follow back to back. */
#define JOURNAL_MAGIC "MTVJRNL1"
#define JOURNAL_MAGIC_LEN 8
/* One record's body at most: two resolv.conf files of 64 KiB and a link. */
#define JOURNAL_BODY_MAX (160 * 1024)
#define JOURNAL_LINK_MAX 4096
#define JOURNAL_BLOB_MAX (64 * 1024)

enum journal_kind {
	JOURNAL_OWNER = 1,   /* who writes the journal: pid, TUN name */
	JOURNAL_ADDR,	     /* an address added to ifname */
	JOURNAL_ROUTE,	     /* a route added (via optional) through ifname */
	JOURNAL_RESOLVED,    /* DNS set per link in systemd-resolved: revert ifname */
	JOURNAL_RESOLV_FILE, /* /etc/resolv.conf replaced: the original, and ours */
	JOURNAL_DONE,	     /* the record numbered done_seq was undone */
	JOURNAL_UNREACH,     /* an unreachable route (no device) added for ifname */
	JOURNAL_NFT_TABLE,   /* the kill switch's nftables table of TUN ifname */
};

enum journal_orig { JOURNAL_ORIG_MISSING, JOURNAL_ORIG_FILE, JOURNAL_ORIG_SYMLINK };

/* One record. The blobs of a decoded RESOLV_FILE point into the decoded
 * bytes (nothing is allocated); link is NUL-terminated. */
struct journal_rec {
	enum journal_kind kind;
	uint32_t seq;		     /* numbers every record of a journal */
	char ifname[IFNAMSIZ];	     /* all but DONE */
	uint32_t pid;		     /* OWNER */
	struct prefix prefix;	     /* ADDR, ROUTE, UNREACH */
	struct ipaddr via;	     /* ROUTE: family 0 if on-link */
	enum journal_orig orig;	     /* RESOLV_FILE: what there was before */
	char link[JOURNAL_LINK_MAX]; /* ORIG_SYMLINK: its target */
	const uint8_t *orig_data;    /* ORIG_FILE: its content */
	size_t orig_len;
	const uint8_t *written; /* what was written in its place */
	size_t written_len;
	uint32_t done_seq; /* DONE */
};

enum journal_result {
	JOURNAL_OK,	   /* a record decoded */
	JOURNAL_END,	   /* no bytes left */
	JOURNAL_TORN,	   /* the rest is an incomplete record (a crash mid-write) */
	JOURNAL_MALFORMED, /* not a journal, or a record that cannot be */
};

/* The encoded size of r, or 0 if r cannot be encoded (reason in err). */
size_t journal_encoded_len(const struct journal_rec *r, char *err, size_t errlen);
/* Encodes r into out (cap at least journal_encoded_len). Returns the
 * length, or 0 (reason in err). */
size_t journal_encode(const struct journal_rec *r, uint8_t *out, size_t cap, char *err,
		      size_t errlen);
/* Checks the magic at the start of a file: JOURNAL_OK with *off past it,
 * JOURNAL_END for an empty file, JOURNAL_TORN for a short one. */
enum journal_result journal_decode_start(const uint8_t *p, size_t len, size_t *off);
/* Decodes the record at *off and moves *off past it. */
enum journal_result journal_decode_next(const uint8_t *p, size_t len, size_t *off,
					struct journal_rec *out, char *err, size_t errlen);
/* The records still to undo, newest first: indexes into recs, written to
 * order (room for n). DONE and OWNER records and those a DONE names are
 * left out. Returns how many. */
size_t journal_replay_order(const struct journal_rec *recs, size_t n, size_t *order);

#endif
