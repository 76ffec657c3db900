/*
 * acl.h - access rules: an ordered list of allow/deny rules written in
 * pcap-filter syntax, compiled by libpcap once at load time for raw IP
 * (IPv4 and IPv6 alike) and run as BPF on each packet. The first rule whose
 * filter matches decides; a packet no rule matches is denied. Every rule
 * counts its matches. Pure: no logging, no I/O; errors are returned as
 * libpcap's own message.
 */
#ifndef MTLSVPN_ACL_H
#define MTLSVPN_ACL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <sys/types.h> /* u_int, for pcap/bpf.h */

#include <pcap/bpf.h>

#include "gso.h" /* GSO_MASK_BYTES, GSO_MAX_HDR */

#define ACL_ERR_MAX 256
/* acl_eval's rule index when no rule matched: the default, deny. */
#define ACL_DEFAULT (-1)
/* A rule that loops ("protochain") was cut short on this packet: denied,
 * whatever the later rules say (fail closed). */
#define ACL_CUT (-2)

enum acl_action { ACL_ALLOW, ACL_DENY };

struct acl_rule {
	enum acl_action action;
	unsigned number;	 /* as configured (rule7 -> 7): logs and counters */
	struct bpf_program prog; /* compiled and optimised for DLT_RAW */
	bool loops;		 /* has a backward jump: runs bounded (bpf_trace) */
	uint64_t hits;		 /* packets this rule decided (added to atomically) */
};

struct acl {
	struct acl_rule *rules; /* in evaluation order */
	unsigned n, cap;
	uint64_t default_hits; /* packets no rule matched (denied) */
	uint64_t cut_hits;     /* packets denied as ACL_CUT */
};

void acl_init(struct acl *a);
/* Frees the compiled programs; the acl is empty and usable again. */
void acl_deinit(struct acl *a);

/* Appends a rule matching the packets expr selects ("" selects every
 * packet). 0, or -1 with err holding libpcap's message (pcap_geterr) or
 * "out of memory"; the acl is unchanged on failure. */
int acl_add(struct acl *a, enum acl_action action, unsigned number, const char *expr,
	    char err[static ACL_ERR_MAX]);

/* True if expr compiles for raw IP; false with libpcap's message. */
bool acl_check(const char *expr, char err[static ACL_ERR_MAX]);

/* Splits "allow EXPR" / "deny EXPR" (the verb alone selects every packet)
 * into its action and the expression after it. False if the text does
 * not start with either verb. */
bool acl_parse_rule(const char *text, enum acl_action *action, const char **expr);

/* The index of the first rule matching the packet, ACL_DEFAULT, or ACL_CUT
 * when a looping rule's run was cut short before it. Counts nothing: for
 * tests and what-if questions (policy test). Always returns: a rule with a
 * backward jump runs under bpf_trace's bounds, never libpcap's bpf_filter. */
int acl_match(const struct acl *a, const uint8_t *pkt, size_t len);

/* Decides a packet and counts the decision: true if allowed. *rule (may be
 * NULL) gets the deciding rule's index, ACL_DEFAULT or ACL_CUT. */
bool acl_eval(struct acl *a, const uint8_t *pkt, size_t len, int *rule);

/* A super-packet's decision (see acl_eval_gso). */
enum acl_gso { ACL_GSO_DENY, ACL_GSO_ALLOW, ACL_GSO_PER_SEGMENT };

/* Decides every segment of a super-packet at once when that provably gives
 * what acl_eval would give each segment, count of them. pkt[0..len) is the
 * first segment's view: hdr_len bytes of IP + TCP/UDP header, then payload
 * (the super-packet itself does as well). vary is gso_vary_mask's bitmap of
 * the header bytes that differ between segments (bit i = vary[i / 8] &
 * (1 << (i % 8))); every byte from hdr_len on, and from GSO_MAX_HDR on, is
 * taken to differ. The rules run in order as in acl_eval, each traced
 * (bpf_trace): if every run up to the deciding one loaded only header
 * bytes outside vary and never the packet length, all segments take the
 * same paths, and the answer is ALLOW or DENY with the deciding rule (or
 * the default) counted count times. Otherwise PER_SEGMENT, nothing is
 * counted, and the caller cuts the packet and decides each segment with
 * acl_eval. *rule (may be NULL) gets the deciding rule's index, or
 * ACL_DEFAULT; with PER_SEGMENT, the first rule whose run depended on what
 * differs. */
enum acl_gso acl_eval_gso(struct acl *a, const uint8_t *pkt, size_t len, size_t hdr_len,
			  const uint8_t vary[static GSO_MASK_BYTES], unsigned count, int *rule);

const char *acl_action_name(enum acl_action action);
const char *acl_gso_name(enum acl_gso g);

#endif
