/*
 * acl.c - access rules as compiled BPF. All the cost is paid in acl_add:
 * pcap_compile with the optimiser on, for DLT_RAW so one program handles
 * IPv4 and IPv6 packets as the TUN carries them (no link header). A packet
 * is then a walk over the rules calling bpf_filter until one accepts it. A
 * program with a backward jump ("protochain" loops over IPv6 extension
 * headers) runs under bpf_trace's bounds instead: libpcap 1.10's
 * bpf_filter never returns on some crafted packets.
 * Pure: libpcap's message is returned, never printed.
 */
#include "acl.h"
#include "bpf_trace.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <pcap/pcap.h>

/* Rules see whole packets: the largest a TUN with the largest MTU gives. */
#define ACL_SNAPLEN 65535

void acl_init(struct acl *a)
{
	memset(a, 0, sizeof(*a));
}

void acl_deinit(struct acl *a)
{
	for (unsigned i = 0; i < a->n; i++)
		pcap_freecode(&a->rules[i].prog);
	free(a->rules);
	memset(a, 0, sizeof(*a));
}

static int compile(const char *expr, struct bpf_program *prog, char err[static ACL_ERR_MAX])
{
	pcap_t *p = pcap_open_dead(DLT_RAW, ACL_SNAPLEN);
	int rc = 0;

	if (p == NULL) {
		snprintf(err, ACL_ERR_MAX, "out of memory");
		return -1;
	}
	if (pcap_compile(p, prog, expr, 1, PCAP_NETMASK_UNKNOWN) < 0) {
		snprintf(err, ACL_ERR_MAX, "%s", pcap_geterr(p));
		rc = -1;
	}
	pcap_close(p);
	return rc;
}

int acl_add(struct acl *a, enum acl_action action, unsigned number, const char *expr,
	    char err[static ACL_ERR_MAX])
{
	struct acl_rule *r;

	if (a->n == a->cap) {
		unsigned cap = a->cap == 0 ? 8 : 2 * a->cap;
		struct acl_rule *n = realloc(a->rules, cap * sizeof(*n));

		if (n == NULL) {
			snprintf(err, ACL_ERR_MAX, "out of memory");
			return -1;
		}
		a->rules = n;
		a->cap = cap;
	}
	r = &a->rules[a->n];
	memset(r, 0, sizeof(*r));
	if (compile(expr, &r->prog, err) < 0)
		return -1;
	for (unsigned i = 0; i < r->prog.bf_len; i++)
		if (r->prog.bf_insns[i].code == (BPF_JMP | BPF_JA) &&
		    (int32_t)r->prog.bf_insns[i].k < 0)
			r->loops = true;
	r->action = action;
	r->number = number;
	a->n++;
	return 0;
}

bool acl_check(const char *expr, char err[static ACL_ERR_MAX])
{
	struct bpf_program prog;

	if (compile(expr, &prog, err) < 0)
		return false;
	pcap_freecode(&prog);
	return true;
}

bool acl_parse_rule(const char *text, enum acl_action *action, const char **expr)
{
	static const struct {
		const char *verb;
		enum acl_action action;
	} verbs[] = {{"allow", ACL_ALLOW}, {"deny", ACL_DENY}};

	while (isspace((unsigned char)*text))
		text++;
	for (size_t i = 0; i < sizeof(verbs) / sizeof(verbs[0]); i++) {
		size_t l = strlen(verbs[i].verb);

		if (strncmp(text, verbs[i].verb, l) != 0 ||
		    (text[l] != '\0' && !isspace((unsigned char)text[l])))
			continue;
		text += l;
		while (isspace((unsigned char)*text))
			text++;
		*action = verbs[i].action;
		*expr = text;
		return true;
	}
	return false;
}

int acl_match(const struct acl *a, const uint8_t *pkt, size_t len)
{
	for (unsigned i = 0; i < a->n; i++) {
		const struct bpf_program *p = &a->rules[i].prog;
		struct bpf_trace t;

		if (!a->rules[i].loops) {
			if (bpf_filter(p->bf_insns, pkt, (unsigned)len, (unsigned)len) != 0)
				return (int)i;
			continue;
		}
		if (bpf_trace_run(p->bf_insns, p->bf_len, pkt, len, len, NULL, &t) != 0)
			return (int)i;
		if (t.unsure)
			return ACL_CUT;
	}
	return ACL_DEFAULT;
}

/* Hit counters: a gateway's workers evaluate the same rules on several
 * threads at once; relaxed atomic adds (a count, no ordering). */
static void add_hits(uint64_t *c, uint64_t n)
{
	__atomic_fetch_add(c, n, __ATOMIC_RELAXED);
}

bool acl_eval(struct acl *a, const uint8_t *pkt, size_t len, int *rule)
{
	int i = acl_match(a, pkt, len);

	if (rule != NULL)
		*rule = i;
	if (i == ACL_DEFAULT) {
		add_hits(&a->default_hits, 1);
		return false;
	}
	if (i == ACL_CUT) {
		add_hits(&a->cut_hits, 1);
		return false;
	}
	add_hits(&a->rules[i].hits, 1);
	return a->rules[i].action == ACL_ALLOW;
}

enum acl_gso acl_eval_gso(struct acl *a, const uint8_t *pkt, size_t len, size_t hdr_len,
			  const uint8_t vary[static GSO_MASK_BYTES], unsigned count, int *rule)
{
	size_t fixed = hdr_len < GSO_MAX_HDR ? hdr_len : GSO_MAX_HDR;
	struct bpf_trace t;
	int i;

	/* A run that matched nothing still decided something: that the next
	 * rule runs. So every run up to the deciding one must be invariant. */
	for (i = 0; i < (int)a->n; i++) {
		const struct bpf_program *p = &a->rules[i].prog;
		unsigned r = bpf_trace_run(p->bf_insns, p->bf_len, pkt, len, fixed, vary, &t);

		if (!bpf_trace_invariant(&t)) {
			if (rule != NULL)
				*rule = i;
			return ACL_GSO_PER_SEGMENT;
		}
		if (r != 0)
			break;
	}
	if (i == (int)a->n) {
		i = ACL_DEFAULT;
		add_hits(&a->default_hits, count);
	} else {
		add_hits(&a->rules[i].hits, count);
	}
	if (rule != NULL)
		*rule = i;
	if (i == ACL_DEFAULT || a->rules[i].action == ACL_DENY)
		return ACL_GSO_DENY;
	return ACL_GSO_ALLOW;
}

const char *acl_gso_name(enum acl_gso g)
{
	switch (g) {
	case ACL_GSO_DENY:
		return "deny";
	case ACL_GSO_ALLOW:
		return "allow";
	default:
		return "per-segment";
	}
}

const char *acl_action_name(enum acl_action action)
{
	return action == ACL_ALLOW ? "allow" : "deny";
}
