/*
 * ctl_policy.c - "mtlsvpnctl policy test": what the gateway would decide
 * for one employee and one packet, from server.ini alone (no running
 * gateway). Every step is the gateway's own code: config_server_load,
 * identity_from_cert on a certificate read by tls_cert_info_from_file,
 * config_group_for, config_static_for and the group's pool for addresses,
 * and the packet, built as real IP bytes by pktbuild, is run through the
 * group's rules compiled by acl.c (acl_match: no counters). Flows cannot be
 * known offline: inbound answers say what a reply would need.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "acl.h"
#include "bpf_trace.h"
#include "addr.h"
#include "config.h"
#include "ctl_cmd.h"
#include "identity.h"
#include "pktbuild.h"
#include "pool.h"
#include "tls.h"

#define POLICY_DEFAULT_CONFIG "/etc/mtlsvpn/server.ini"
#define POLICY_EPHEMERAL_PORT 40000
#define POLICY_PKT_MAX 128

struct policy_opts {
	struct ctl_ctx base;
	const char *config;
	const char *identity, *cert;
	const char *dst, *src;
	uint8_t proto;
	int sport, dport, icmp_type; /* -1: not given */
	bool inbound;
	bool json;
};

/* What the answer is built from, filled step by step. */
struct policy_case {
	const struct policy_opts *o;
	struct config_server *cfg;
	struct cert_info *ci; /* NULL with --identity */
	char identity[IDENTITY_MAX + 1];
	unsigned group;
	const struct config_group *g;
	struct ipaddr addr4, addr6; /* the client's, family 0 if none */
	bool static4, static6;
	bool tls_up;  /* tls_global_init was called */
	bool emitted; /* --json: the object is open */
};

/* One line of the answer: "key:      value", or with --json one member
 * of a flat object (the same keys and texts), closed by run_test. */
__attribute__((format(printf, 3, 4))) static void emit(struct policy_case *pc, const char *key,
						       const char *fmt, ...)
{
	char v[4096], label[16];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(v, sizeof(v), fmt, ap);
	va_end(ap);
	if (!pc->o->json) {
		snprintf(label, sizeof(label), "%s:", key);
		for (char *c = label; *c != 0; c++)
			if (*c == '_')
				*c = ' ';
		printf("%-10s %s\n", label, v);
		return;
	}
	printf("%s\"%s\": \"", pc->emitted ? ", " : "{", key);
	for (const unsigned char *c = (const unsigned char *)v; *c != 0; c++) {
		if (*c == '"' || *c == '\\')
			printf("\\%c", *c);
		else if (*c < 0x20)
			printf("\\u%04x", *c);
		else
			putchar(*c);
	}
	putchar('"');
	pc->emitted = true;
}

static bool opt_config(const char *v, void *ctx)
{
	((struct policy_opts *)ctx)->config = v;
	return true;
}

static bool opt_identity(const char *v, void *ctx)
{
	((struct policy_opts *)ctx)->identity = v;
	return true;
}

static bool opt_cert(const char *v, void *ctx)
{
	((struct policy_opts *)ctx)->cert = v;
	return true;
}

static bool opt_dst(const char *v, void *ctx)
{
	((struct policy_opts *)ctx)->dst = v;
	return true;
}

static bool opt_src(const char *v, void *ctx)
{
	((struct policy_opts *)ctx)->src = v;
	return true;
}

static bool opt_proto(const char *v, void *ctx)
{
	struct policy_opts *o = ctx;

	o->proto = pktbuild_proto_parse(v);
	if (o->proto == 0) {
		ctl_errorf(&o->base, "--proto '%s': give tcp, udp, icmp or icmp6", v);
		return false;
	}
	return true;
}

static bool number(struct policy_opts *o, const char *name, const char *v, long max, int *out)
{
	char *end;
	long n;

	errno = 0;
	n = strtol(v, &end, 10);
	if (errno != 0 || end == v || *end != 0 || n < 0 || n > max) {
		ctl_errorf(&o->base, "--%s '%s': give a number from 0 to %ld", name, v, max);
		return false;
	}
	*out = (int)n;
	return true;
}

static bool opt_dport(const char *v, void *ctx)
{
	return number(ctx, "dport", v, 65535, &((struct policy_opts *)ctx)->dport);
}

static bool opt_sport(const char *v, void *ctx)
{
	return number(ctx, "sport", v, 65535, &((struct policy_opts *)ctx)->sport);
}

static bool opt_icmp_type(const char *v, void *ctx)
{
	return number(ctx, "icmp-type", v, 255, &((struct policy_opts *)ctx)->icmp_type);
}

static bool opt_json(const char *v, void *ctx)
{
	(void)v;
	((struct policy_opts *)ctx)->json = true;
	return true;
}

static bool opt_direction(const char *v, void *ctx)
{
	struct policy_opts *o = ctx;

	if (strcmp(v, "out") == 0 || strcmp(v, "in") == 0) {
		o->inbound = v[0] == 'i';
		return true;
	}
	ctl_errorf(&o->base,
		   "--direction '%s': give out (from the client, the default) or in "
		   "(to the client)",
		   v);
	return false;
}

static const struct cli_opt test_opts[] = {
    {"config", 'c', "FILE", "server configuration (default " POLICY_DEFAULT_CONFIG ")", opt_config},
    {"identity", 'i', "ID", "the employee's identity, as the gateway logs it", opt_identity},
    {"cert", 0, "FILE", "or their certificate (PEM): identity and OUs as the gateway reads them",
     opt_cert},
    {"dst", 'd', "ADDR", "destination address (required outbound; inbound: default the client's)",
     opt_dst},
    {"src", 's', "ADDR", "source address (required inbound; outbound: default the client's)",
     opt_src},
    {"proto", 'p', "PROTO", "tcp, udp, icmp (IPv4) or icmp6 (IPv6) (required)", opt_proto},
    {"dport", 0, "N", "destination port (required for tcp and udp)", opt_dport},
    {"sport", 0, "N", "source port (default 40000)", opt_sport},
    {"icmp-type", 0, "N", "ICMP type (default echo request: 8, or 128 for icmp6)", opt_icmp_type},
    {"direction", 0, "out|in", "out: sent by the client (default); in: sent to it", opt_direction},
    {"json", 0, NULL, "one JSON object (the same keys and texts, and \"exit\")", opt_json},
    {"help", 'h', NULL, "show this help", ctl_opt_help},
    {NULL, 0, NULL, NULL, NULL},
};

static void policy_opts_init(void *ctx)
{
	struct policy_opts *o = ctx;

	o->config = POLICY_DEFAULT_CONFIG;
	o->sport = o->dport = o->icmp_type = -1;
}

/* An optional address option: absent is fine (family 0). */
static bool parse_addr(struct policy_opts *o, const char *opt, const char *text, struct ipaddr *out)
{
	if (text == NULL || addr_parse(text, out))
		return true;
	ctl_errorf(&o->base, "%s '%s': give a numeric IPv4 or IPv6 address", opt, text);
	return false;
}

/* The command line alone: a question that can be asked at all. */
static bool check_opts(struct policy_opts *o, struct ipaddr *src, struct ipaddr *dst)
{
	const char *far = o->inbound ? o->src : o->dst;
	const char *far_opt = o->inbound ? "--src" : "--dst";
	int fam;

	if ((o->identity == NULL) == (o->cert == NULL)) {
		ctl_errorf(&o->base, "give the employee with --identity ID or --cert FILE (one)");
		return false;
	}
	if (far == NULL || o->proto == 0) {
		ctl_errorf(&o->base, "give %s ADDR and --proto PROTO%s", far_opt,
			   o->inbound ? " (inbound: --src is the sender)" : "");
		return false;
	}
	memset(src, 0, sizeof(*src));
	memset(dst, 0, sizeof(*dst));
	if (!parse_addr(o, "--src", o->src, src) || !parse_addr(o, "--dst", o->dst, dst))
		return false;
	fam = (o->inbound ? src : dst)->family;
	if (o->src != NULL && o->dst != NULL && src->family != dst->family) {
		ctl_errorf(&o->base, "--src and --dst are of different families");
		return false;
	}
	if ((o->proto == PKTBUILD_ICMP && fam != AF_INET) ||
	    (o->proto == PKTBUILD_ICMP6 && fam != AF_INET6)) {
		ctl_errorf(&o->base, "--proto %s is %s only: for an %s address use --proto %s",
			   pktbuild_proto_name(o->proto), fam == AF_INET ? "IPv6" : "IPv4",
			   fam == AF_INET ? "IPv4" : "IPv6", fam == AF_INET ? "icmp" : "icmp6");
		return false;
	}
	if (o->proto == PKTBUILD_TCP || o->proto == PKTBUILD_UDP) {
		if (o->dport < 0) {
			ctl_errorf(&o->base, "--proto %s needs --dport N",
				   pktbuild_proto_name(o->proto));
			return false;
		}
		if (o->icmp_type >= 0) {
			ctl_errorf(&o->base, "--icmp-type goes with icmp or icmp6 only");
			return false;
		}
	} else if (o->dport >= 0 || o->sport >= 0) {
		ctl_errorf(&o->base, "--dport and --sport go with tcp or udp only");
		return false;
	}
	return true;
}

/* The identity: given, or read from the certificate by the configured
 * source exactly as the gateway reads it. */
static int find_identity(struct policy_case *pc)
{
	const struct policy_opts *o = pc->o;
	const char *why = NULL;
	char err[512], ous[CERT_MAX_NAMES * (IDENTITY_MAX + 2)];
	size_t n;

	if (o->identity != NULL) {
		if (!identity_valid(o->identity, strlen(o->identity), &why)) {
			ctl_errorf(&o->base, "--identity: %s", why);
			return CTL_EXIT_USAGE;
		}
		snprintf(pc->identity, sizeof(pc->identity), "%s", o->identity);
		emit(pc, "identity", "%s (--identity; no certificate, so no OU is considered)",
		     pc->identity);
		return CTL_EXIT_OK;
	}
	if (tls_global_init() < 0) {
		ctl_errorf(&o->base, "cannot initialise wolfSSL");
		return CTL_EXIT_USAGE;
	}
	pc->tls_up = true;
	if (!tls_cert_info_from_file(o->cert, pc->ci, err, sizeof(err))) {
		ctl_errorf(&o->base, "%s", err);
		return CTL_EXIT_USAGE;
	}
	n = (size_t)snprintf(ous, sizeof(ous), "%s", pc->ci->n_ou > 0 ? " ou=" : "");
	for (unsigned i = 0; i < pc->ci->n_ou && i < CERT_MAX_NAMES && n < sizeof(ous); i++)
		n += (size_t)snprintf(ous + n, sizeof(ous) - n, "%s%s", i == 0 ? "" : ",",
				      pc->ci->subject_ou[i]);
	/* OUs are not validated like an identity: no control bytes on a terminal. */
	for (char *c = ous; *c != 0; c++)
		if ((unsigned char)*c < 0x20 || *c == 0x7f)
			*c = '?';
	emit(pc, "cert", "%s serial=%s fp=%s%s", o->cert, pc->ci->serial_hex, pc->ci->fingerprint,
	     ous);
	if (!identity_from_cert(pc->ci, &pc->cfg->identity, pc->identity, &why)) {
		emit(pc, "identity", "refused: %s", why != NULL ? why : "no identity");
		emit(pc, "verdict", "refused (the gateway sends BYE \"not authorized\")");
		return CTL_EXIT_FAIL;
	}
	emit(pc, "identity", "%s (from the certificate: [gateway] identity = %s)", pc->identity,
	     identity_source_name(&pc->cfg->identity));
	return CTL_EXIT_OK;
}

/* The certificate's OU that named the group (group_from = ou). */
static const char *matching_ou(const struct policy_case *pc)
{
	for (unsigned i = 0; pc->ci != NULL && i < pc->ci->n_ou && i < CERT_MAX_NAMES; i++)
		if (strcasecmp(pc->ci->subject_ou[i], pc->g->net.name) == 0)
			return pc->ci->subject_ou[i];
	return "?";
}

static int find_group(struct policy_case *pc)
{
	const struct config_server *cfg = pc->cfg;
	const char *how = NULL, *why = NULL;

	for (unsigned k = 0; k < cfg->n_deny_identities; k++)
		if (strcmp(cfg->deny_identities[k], pc->identity) == 0) {
			emit(pc, "group", "refused: the identity is in [gateway] deny_identities");
			emit(pc, "verdict", "refused (the gateway sends BYE \"revoked\")");
			return CTL_EXIT_FAIL;
		}
	if (!config_group_for(cfg, pc->identity, pc->ci, &pc->group, &how, &why)) {
		emit(pc, "group", "refused: %s", why != NULL ? why : "no group");
		emit(pc, "verdict", "refused (the gateway sends BYE \"not authorized\")");
		return CTL_EXIT_FAIL;
	}
	pc->g = &cfg->groups[pc->group];
	if (strcmp(how, "members") == 0)
		emit(pc, "group", "%s (INI member: [group %s] members)", pc->g->net.name,
		     pc->g->net.name);
	else if (strcmp(how, "ou") == 0)
		emit(pc, "group", "%s (certificate OU \"%s\", [gateway] group_from = ou)",
		     pc->g->net.name, matching_ou(pc));
	else if (strcmp(how, "oid") == 0)
		emit(pc, "group",
		     "%s (certificate subject attribute, [gateway] group_from = oid:%s)",
		     pc->g->net.name, cfg->group_from.oid);
	else
		emit(pc, "group", "%s ([gateway] default_group%s)", pc->g->net.name,
		     cfg->default_group_name[0] == 0 ? " unset: [pool]" : "");
	return CTL_EXIT_OK;
}

/* Static addresses as configured; the others from the group's pool as a
 * freshly started gateway would lease them (statics held for their owners,
 * no remembered leases): the live, sticky lease may differ. */
static int find_addresses(struct policy_case *pc)
{
	const struct config_server *cfg = pc->cfg;
	const struct config_net *net = &pc->g->net;
	const struct ipaddr *st4 = config_static_for(cfg, pc->group, pc->identity, AF_INET);
	const struct ipaddr *st6 = config_static_for(cfg, pc->group, pc->identity, AF_INET6);
	const char *why = NULL;
	struct pool pool;
	struct ipaddr a4, a6;
	char s[ADDR_STRLEN], p[ADDR_STRLEN];

	memset(&a4, 0, sizeof(a4));
	memset(&a6, 0, sizeof(a6));
	if (pool_init(&pool, net->name, net->pool4.addr.family ? &net->pool4 : NULL,
		      net->pool6.addr.family ? &net->pool6 : NULL, &why) < 0) {
		ctl_errorf(&pc->o->base, "group %s: %s", net->name, why != NULL ? why : "bad pool");
		return CTL_EXIT_USAGE;
	}
	for (unsigned k = 0; k < cfg->n_statics; k++)
		if (cfg->statics[k].group == pc->group)
			(void)pool_reserve(&pool, &cfg->statics[k].addr,
					   config_text(cfg, cfg->statics[k].identity), true, 0);
	if ((net->pool4.addr.family != 0 && st4 == NULL) ||
	    (net->pool6.addr.family != 0 && st6 == NULL)) {
		if (pool_acquire(&pool, pc->identity, 0, &a4, &a6) != POOL_OK)
			emit(pc, "address", "none: the pool of group %s is full", net->name);
	}
	pool_deinit(&pool);
	pc->addr4 = st4 != NULL ? *st4 : a4;
	pc->addr6 = st6 != NULL ? *st6 : a6;
	pc->static4 = st4 != NULL;
	pc->static6 = st6 != NULL;
	for (int v6 = 0; v6 < 2; v6++) {
		const struct ipaddr *a = v6 ? &pc->addr6 : &pc->addr4;
		const struct prefix *pp = v6 ? &net->pool6 : &net->pool4;

		if (pp->addr.family == 0) {
			emit(pc, v6 ? "address6" : "address4", "none (group %s has no %s pool)",
			     net->name, v6 ? "IPv6" : "IPv4");
			continue;
		}
		addr_fmt_prefix(pp, p);
		if ((v6 ? pc->static6 : pc->static4))
			emit(pc, v6 ? "address6" : "address4", "%s (static, in pool %s)",
			     addr_fmt(a, s), p);
		else if (a->family != 0)
			emit(pc, v6 ? "address6" : "address4",
			     "%s (dynamic: the first free address of pool %s; the "
			     "live gateway's sticky lease may differ)",
			     addr_fmt(a, s), p);
	}
	return CTL_EXIT_OK;
}

/* A group's rules of one direction, compiled as the gateway compiles them
 * (server/group.c). */
static int compile(const struct config_server *cfg, unsigned gi, bool inbound, struct acl *a,
		   const struct ctl_ctx *c)
{
	const struct config_group *g = &cfg->groups[gi];
	unsigned first = inbound ? g->first_inbound : g->first_rule;
	unsigned n = inbound ? g->n_inbound : g->n_rules;
	char err[ACL_ERR_MAX];

	acl_init(a);
	for (unsigned i = first; i < first + n; i++) {
		const struct config_rule *r = &cfg->rules[i];

		if (acl_add(a, r->deny ? ACL_DENY : ACL_ALLOW, r->number, config_text(cfg, r->expr),
			    err) < 0) {
			ctl_errorf(c, "%s:%u [group %s] %srule%u: %s", cfg->path, r->line,
				   g->net.name, inbound ? "inbound_" : "", r->number, err);
			acl_deinit(a);
			return -1;
		}
	}
	return 0;
}

/* The configured rule behind acl index i of group gi. */
static const struct config_rule *rule_of(const struct config_server *cfg, unsigned gi, bool inbound,
					 int i)
{
	const struct config_group *g = &cfg->groups[gi];

	return &cfg->rules[(inbound ? g->first_inbound : g->first_rule) + (unsigned)i];
}

/* "rule10 = allow tcp dst port 443" or "default deny (no rule matched)";
 * returns whether the packet is allowed. */
static bool judge(const struct config_server *cfg, unsigned gi, bool inbound, const struct acl *a,
		  const uint8_t *pkt, size_t len, char *out, size_t cap)
{
	int i;
	const struct config_rule *r;

	if (cfg->groups[gi].allow_all) {
		snprintf(out, cap, "group %s has no rules ([pool]): everything is allowed",
			 cfg->groups[gi].net.name);
		return true;
	}
	i = acl_match(a, pkt, len);
	if (i == ACL_CUT) {
		snprintf(out, cap, "denied: a looping %srule of group %s (protochain) was cut short "
			 "on this packet (more than %u IPv6 extension headers)",
			 inbound ? "inbound_" : "", cfg->groups[gi].net.name, BPF_TRACE_BACKWARD_JUMPS);
		return false;
	}
	if (i == ACL_DEFAULT) {
		snprintf(out, cap, "default deny (no %srule of group %s matched)",
			 inbound ? "inbound_" : "", cfg->groups[gi].net.name);
		return false;
	}
	r = rule_of(cfg, gi, inbound, i);
	snprintf(out, cap, "%srule%u = %s %s", inbound ? "inbound_" : "", r->number,
		 r->deny ? "deny" : "allow", config_text(cfg, r->expr));
	return a->rules[i].action == ACL_ALLOW;
}

/* The group whose pool holds a, if a is a client's address (not the
 * gateway's own first host); -1 otherwise. */
static int client_group_of(const struct config_server *cfg, const struct ipaddr *a, bool *gw)
{
	*gw = false;
	for (unsigned i = 0; i < cfg->n_groups; i++) {
		const struct prefix *p =
		    a->family == AF_INET ? &cfg->groups[i].net.pool4 : &cfg->groups[i].net.pool6;
		struct ipaddr first;
		size_t l = addr_len(a);

		if (p->addr.family != a->family || !addr_in_prefix(a, p))
			continue;
		first = p->addr;
		first.bytes[l - 1] |= 1;
		*gw = addr_eq(a, &first);
		return *gw ? -1 : (int)i;
	}
	return -1;
}

static size_t build(const struct policy_opts *o, const char *src, const char *dst, int fam,
		    bool reverse, uint8_t *pkt)
{
	struct pktbuild_spec s = {0};
	int sport = o->sport >= 0 ? o->sport : POLICY_EPHEMERAL_PORT;
	int type = o->icmp_type >= 0 ? o->icmp_type : fam == AF_INET ? 8 : 128;

	s.family = fam;
	s.src = reverse ? dst : src;
	s.dst = reverse ? src : dst;
	s.proto = o->proto;
	s.sport = (uint16_t)(reverse ? o->dport : sport);
	s.dport = (uint16_t)(reverse ? sport : o->dport);
	s.tcp_flags = 0x02; /* SYN: the packet that opens a connection */
	/* The request an echo reply answers. */
	if (reverse)
		type = type == 0 ? 8 : type == 129 ? 128 : type;
	s.icmp_type = (uint8_t)type;
	s.icmp_id = 1;
	return pktbuild_make(&s, pkt, POLICY_PKT_MAX);
}

static int verdict(struct policy_case *pc, const struct ipaddr *given_src,
		   const struct ipaddr *given_dst)
{
	const struct policy_opts *o = pc->o;
	const struct config_server *cfg = pc->cfg;
	int fam = (o->inbound ? given_src : given_dst)->family;
	const struct ipaddr *mine = fam == AF_INET ? &pc->addr4 : &pc->addr6;
	bool is_static = fam == AF_INET ? pc->static4 : pc->static6;
	const struct ipaddr *claimed = o->inbound ? given_dst : given_src;
	char src[ADDR_STRLEN], dst[ADDR_STRLEN], why[2048], why2[2048];
	uint8_t pkt[POLICY_PKT_MAX];
	struct acl out, in;
	bool allowed, gw;
	size_t len;
	int peer, rc = CTL_EXIT_FAIL;

	if (mine->family == 0) {
		emit(pc, "verdict", "denied: the client has no %s address in the tunnel (group %s)",
		     fam == AF_INET ? "IPv4" : "IPv6", pc->g->net.name);
		return CTL_EXIT_FAIL;
	}
	/* Routing before the rules: the client's own address, nothing else. */
	if (claimed->family != 0 && !addr_eq(claimed, mine)) {
		const struct prefix *p = fam == AF_INET ? &pc->g->net.pool4 : &pc->g->net.pool6;
		bool other_static = false;

		for (unsigned k = 0; k < cfg->n_statics; k++)
			other_static |= addr_eq(&cfg->statics[k].addr, claimed);
		if (is_static || !addr_in_prefix(claimed, p) || other_static ||
		    client_group_of(cfg, claimed, &gw) < 0) {
			emit(pc, "verdict", "denied: %s is not this client's address: %s",
			     addr_fmt(claimed, src),
			     o->inbound ? "the gateway routes it to no session of this identity"
					: "dropped as a forged source (drop_src) before the rules");
			return CTL_EXIT_FAIL;
		}
		mine = claimed; /* a dynamic address the live lease may be */
	}
	addr_fmt(o->inbound ? given_src : mine, src);
	addr_fmt(o->inbound ? mine : given_dst, dst);
	len = build(o, src, dst, fam, false, pkt);
	if (len == 0) {
		ctl_errorf(&o->base, "cannot build the packet");
		return CTL_EXIT_USAGE;
	}
	if (o->proto == PKTBUILD_TCP || o->proto == PKTBUILD_UDP)
		emit(pc, "packet", "%s %s:%d -> %s:%d (%s, %zu bytes)",
		     pktbuild_proto_name(o->proto), src,
		     o->sport >= 0 ? o->sport : POLICY_EPHEMERAL_PORT, dst, o->dport,
		     o->inbound ? "in: to the client" : "out: from the client", len);
	else
		emit(pc, "packet", "%s %s -> %s type %d (%s, %zu bytes)",
		     pktbuild_proto_name(o->proto), src, dst,
		     o->icmp_type >= 0 ? o->icmp_type
		     : fam == AF_INET  ? 8
				       : 128,
		     o->inbound ? "in: to the client" : "out: from the client", len);
	if (compile(cfg, pc->group, false, &out, &o->base) < 0)
		return CTL_EXIT_USAGE;
	if (compile(cfg, pc->group, true, &in, &o->base) < 0) {
		acl_deinit(&out);
		return CTL_EXIT_USAGE;
	}
	if (!o->inbound) {
		allowed = judge(cfg, pc->group, false, &out, pkt, len, why, sizeof(why));
		emit(pc, "rule", "%s", why);
		peer = client_group_of(cfg, given_dst, &gw);
		if (gw)
			emit(pc, "receiver", "the gateway's own tunnel address");
		if (allowed && peer >= 0) {
			/* Client to client: the receiver's inbound rules too. */
			struct acl pin;

			if (compile(cfg, (unsigned)peer, true, &pin, &o->base) < 0) {
				rc = CTL_EXIT_USAGE;
				goto done;
			}
			allowed =
			    judge(cfg, (unsigned)peer, true, &pin, pkt, len, why2, sizeof(why2));
			acl_deinit(&pin);
			emit(pc, "receiver", "a client of group %s: %s", cfg->groups[peer].net.name,
			     why2);
		}
		emit(pc, "verdict", "%s", allowed ? "allowed" : "denied");
		if (!allowed && peer >= 0)
			emit(pc, "note", "unless it answers a flow the receiving client opened");
	} else {
		bool reply = false;
		uint8_t rev[POLICY_PKT_MAX];
		size_t rlen = build(o, src, dst, fam, true, rev);
		bool echo_req = o->proto != PKTBUILD_TCP && o->proto != PKTBUILD_UDP &&
				(o->icmp_type < 0 || o->icmp_type == 8 || o->icmp_type == 128);

		if (!echo_req && rlen > 0) {
			reply = judge(cfg, pc->group, false, &out, rev, rlen, why, sizeof(why));
			if (reply)
				emit(pc, "as_reply",
				     "admitted by the flow table if it answers a flow "
				     "the client opened (opening packet: %s)",
				     why);
			else
				emit(pc, "as_reply",
				     "never: the client's rules do not let it open "
				     "that flow (%s)",
				     why);
		}
		allowed = judge(cfg, pc->group, true, &in, pkt, len, why, sizeof(why));
		emit(pc, "rule", "%s", why);
		peer = client_group_of(cfg, given_src, &gw);
		if (peer >= 0) {
			/* Client to client: the sender's rules first. */
			struct acl pout;
			bool sent;

			if (compile(cfg, (unsigned)peer, false, &pout, &o->base) < 0) {
				rc = CTL_EXIT_USAGE;
				goto done;
			}
			sent =
			    judge(cfg, (unsigned)peer, false, &pout, pkt, len, why2, sizeof(why2));
			acl_deinit(&pout);
			emit(pc, "sender", "a client of group %s: %s", cfg->groups[peer].net.name,
			     why2);
			allowed = allowed && sent;
		}
		emit(pc, "verdict", "%s%s", allowed ? "allowed" : "denied",
		     allowed ? " (unsolicited)"
		     : reply ? " unless it answers a flow the client opened"
			     : "");
	}
	rc = allowed ? CTL_EXIT_OK : CTL_EXIT_FAIL;
done:
	acl_deinit(&out);
	acl_deinit(&in);
	return rc;
}

static int run_test(const struct ctl_cmd *cmd, int argc, char **argv, void *ctx)
{
	struct policy_opts *o = ctx;
	struct policy_case pc;
	struct ipaddr src, dst;
	char err[CONFIG_ERR_MAX];
	int rc;

	(void)cmd;
	(void)argc;
	(void)argv;
	if (!check_opts(o, &src, &dst))
		return CTL_EXIT_USAGE;
	memset(&pc, 0, sizeof(pc));
	pc.o = o;
	pc.cfg = calloc(1, sizeof(*pc.cfg));
	pc.ci = calloc(1, sizeof(*pc.ci));
	if (pc.cfg == NULL || pc.ci == NULL) {
		ctl_errorf(&o->base, "out of memory");
		rc = CTL_EXIT_USAGE;
		goto out;
	}
	if (config_server_load(o->config, pc.cfg, err) < 0) {
		ctl_errorf(&o->base, "%s", err);
		rc = CTL_EXIT_USAGE;
		goto out;
	}
	if (o->identity != NULL) {
		free(pc.ci);
		pc.ci = NULL;
	}
	if ((rc = find_identity(&pc)) != CTL_EXIT_OK || (rc = find_group(&pc)) != CTL_EXIT_OK ||
	    (rc = find_addresses(&pc)) != CTL_EXIT_OK)
		goto out;
	rc = verdict(&pc, &src, &dst);
out:
	if (pc.emitted)
		printf(", \"exit\": %d}\n", rc);
	if (pc.tls_up)
		tls_global_deinit();
	free(pc.cfg);
	free(pc.ci);
	return rc;
}

const struct ctl_cmd ctl_policy_cmds[] = {
    {"test", "", 0, 0, "group, address and verdict for an identity and a packet (exit 0/1/2)",
     test_opts, run_test, sizeof(struct policy_opts), policy_opts_init},
    {NULL, NULL, 0, 0, NULL, NULL, NULL, 0, NULL},
};
