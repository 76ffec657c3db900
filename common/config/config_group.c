/*
 * config_group.c - server.ini's groups: [pool] as the implicit group
 * "default" that allows everything, and [group NAME] sections with pools,
 * pushed settings, members, static addresses and ordered access rules
 * (ruleN for what the client sends, inbound_ruleN for what may reach it
 * unasked). Rules are compiled here once to report a bad one with
 * libpcap's message; the gateway compiles them again for use. Then the
 * checks across groups, and the lookup that puts an identity in a group.
 */
#include <ctype.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

#include "acl.h"
#include "config_group.h"

#define GROUP_PREFIX "group "
#define GROUP_KEYS                                                                                 \
	"ipv4, ipv6, routes, dns, search, dns_routing_domains, cert_lifetime, members, static, "  \
	"ruleN and "                                                                               \
	"inbound_ruleN (N from 1 to 9999)"

/* A group's own keys, for group_key() and config_group_key_names(); the
 * rule keys are the patterns rule_number() reads. */
enum { GK_MEMBERS, GK_STATIC, GK_RULE, GK_INBOUND_RULE, GK_COUNT };
static const char *const group_own_keys[GK_COUNT] = {
    [GK_MEMBERS] = "members",
    [GK_STATIC] = "static",
    [GK_RULE] = "ruleN",
    [GK_INBOUND_RULE] = "inbound_ruleN",
};

/* Lines of the keys of one group, for messages that point back at them. */
struct group_lines {
	unsigned ipv4, ipv6;
};

static bool is_group_section(const char *section)
{
	return strncmp(section, "group", 5) == 0 && (section[5] == '\0' || section[5] == ' ');
}

int config_group_view(const struct config_file *f, struct config_file *view,
		      char err[static CONFIG_ERR_MAX])
{
	*view = *f;
	view->items = malloc((f->n_items > 0 ? f->n_items : 1) * sizeof(*view->items));
	if (view->items == NULL)
		return config_file_errf(f, 0, NULL, NULL, err, "out of memory; try again");
	view->n_items = 0;
	for (unsigned i = 0; i < f->n_items; i++)
		if (!is_group_section(f->items[i].section))
			view->items[view->n_items++] = f->items[i];
	return 0;
}

void config_group_key_names(struct config_key_name *out, size_t max, size_t *n)
{
	for (size_t i = 0; i < GK_COUNT; i++)
		config_key_name_add("group", group_own_keys[i], out, max, n);
}

bool config_group_parse_default(const struct config_file *f, const struct config_key *k,
				const char *value, void *field, char why[static CONFIG_ERR_MAX])
{
	char q[CONFIG_QUOTE_MAX];

	(void)f;
	(void)k;
	if (value[0] == '\0' || strlen(value) >= CFG_GROUP_NAME_MAX) {
		config_key_why(why,
			       "%s is not a group name; use deny or the NAME of a [group NAME]",
			       config_file_quote(value, q));
		return false;
	}
	/* Resolved once the groups are known (config_group_load). */
	memcpy(field, value, strlen(value) + 1);
	return true;
}

bool config_group_parse_from(const struct config_file *f, const struct config_key *k,
			     const char *value, void *field, char why[static CONFIG_ERR_MAX])
{
	char q[CONFIG_QUOTE_MAX];

	(void)f;
	(void)k;
	struct config_group_from *from = field;
	const char *oid_why = NULL;

	memset(from, 0, sizeof(*from));
	if (strcmp(value, "ou") == 0) {
		from->ou = true;
	} else if (strncmp(value, "oid:", 4) == 0) {
		if (!identity_oid_valid(value + 4, &oid_why)) {
			config_key_why(why,
				       "%s: %s; write a dotted OID such as oid:1.3.6.1.4.1.99999.1",
				       config_file_quote(value, q), oid_why);
			return false;
		}
		snprintf(from->oid, sizeof(from->oid), "%s", value + 4);
	} else if (strcmp(value, "none") != 0) {
		config_key_why(why,
			       "%s is not a choice; use ou (the certificate's OU values name "
			       "groups), oid:DOTTED (the values of that subject attribute do) "
			       "or none (only members lists do)",
			       config_file_quote(value, q));
		return false;
	}
	return true;
}

/* Group names are what iniparser leaves of a section name: lowercase. */
static bool name_ok(const char *n)
{
	size_t len = strlen(n);

	if (len == 0 || len >= CFG_GROUP_NAME_MAX || !isalnum((unsigned char)n[0]))
		return false;
	for (size_t i = 0; i < len; i++)
		if (!islower((unsigned char)n[i]) && !isdigit((unsigned char)n[i]) && n[i] != '-' &&
		    n[i] != '_')
			return false;
	return true;
}

static int find_group(const struct config_server *s, const char *name)
{
	for (unsigned i = 0; i < s->n_groups; i++)
		if (strcmp(s->groups[i].net.name, name) == 0)
			return (int)i;
	return -1;
}

/* Stores a string in the text area; false if full. */
static bool text_add(struct config_server *s, const char *str, uint32_t *off)
{
	size_t len = strlen(str) + 1;

	if (len > sizeof(s->text) - s->text_len)
		return false;
	memcpy(s->text + s->text_len, str, len);
	*off = (uint32_t)s->text_len;
	s->text_len += len;
	return true;
}

static int full(const struct config_file *f, const struct config_item *it, const char *what,
		unsigned max, char *err)
{
	return config_file_errf(f, it->line, it->section, it->key, err,
				"too many %s; a gateway holds at most %u (all groups together)",
				what, max);
}

/* "ruleN" / "inbound_ruleN": the number, 0 if the key is not a rule. */
static unsigned rule_number(const char *key, bool *inbound, bool *malformed)
{
	const char *p = key;
	unsigned long n = 0;

	*malformed = false;
	*inbound = strncmp(p, "inbound_", 8) == 0;
	if (*inbound)
		p += 8;
	if (strncmp(p, "rule", 4) != 0)
		return 0;
	p += 4;
	if (*p == '\0' || !isdigit((unsigned char)*p)) {
		*malformed = true;
		return 0;
	}
	for (const char *d = p; *d != '\0'; d++) {
		if (!isdigit((unsigned char)*d) || n > CFG_RULE_NUMBER_MAX) {
			*malformed = true;
			return 0;
		}
		n = n * 10 + (unsigned long)(*d - '0');
	}
	if (p[0] == '0' || n == 0 || n > CFG_RULE_NUMBER_MAX) {
		*malformed = true;
		return 0;
	}
	return (unsigned)n;
}

static int add_rule(const struct config_file *f, struct config_server *s, unsigned g,
		    const struct config_item *it, unsigned number, bool inbound, char *err)
{
	char q[CONFIG_QUOTE_MAX], perr[ACL_ERR_MAX];
	struct config_rule *r;
	enum acl_action action;
	const char *expr;

	if (!acl_parse_rule(it->value, &action, &expr))
		return config_file_errf(
		    f, it->line, it->section, it->key, err,
		    "%s does not start with allow or deny; write e.g. allow "
		    "tcp dst port 443 (a pcap-filter expression after the verb)",
		    config_file_quote(it->value, q));
	if (!acl_check(expr, perr))
		return config_file_errf(f, it->line, it->section, it->key, err,
					"%s does not compile: libpcap says \"%s\"; write a "
					"pcap-filter expression as tcpdump takes it, e.g. tcp dst "
					"port 443",
					config_file_quote(expr, q), perr);
	if (s->n_rules == CFG_MAX_RULES)
		return full(f, it, "rules", CFG_MAX_RULES, err);
	r = &s->rules[s->n_rules];
	memset(r, 0, sizeof(*r));
	if (!text_add(s, expr, &r->expr))
		return full(f, it, "bytes of rules and identities", CFG_TEXT_MAX, err);
	r->group = (uint16_t)g;
	r->number = (uint16_t)number;
	r->inbound = inbound;
	r->deny = action == ACL_DENY;
	r->line = it->line;
	s->n_rules++;
	return 0;
}

static const char *member_group(const struct config_server *s, const char *id, unsigned *line)
{
	for (unsigned i = 0; i < s->n_members; i++)
		if (strcmp(config_text(s, s->members[i].identity), id) == 0) {
			*line = s->groups[s->members[i].group].line;
			return s->groups[s->members[i].group].net.name;
		}
	return NULL;
}

static int add_members(const struct config_file *f, struct config_server *s, unsigned g,
		       const struct config_item *it, char *err)
{
	static char items[256][CONFIG_LIST_ITEM_MAX];
	char why[CONFIG_ERR_MAX], q[CONFIG_QUOTE_MAX];
	unsigned n;

	if (!config_key_split(it->value, items, 256, &n, why))
		return config_file_errf(f, it->line, it->section, it->key, err, "%s", why);
	for (unsigned i = 0; i < n; i++) {
		const char *bad = NULL, *other;
		struct config_member *m;
		unsigned line = 0;

		if (!identity_valid(items[i], strlen(items[i]), &bad))
			return config_file_errf(f, it->line, it->section, it->key, err,
						"%s is not an identity: %s; list identities as the "
						"gateway logs them, e.g. alice@corp.example",
						config_file_quote(items[i], q),
						bad != NULL ? bad : "invalid");
		other = member_group(s, items[i], &line);
		if (other != NULL)
			return config_file_errf(
			    f, it->line, it->section, it->key, err,
			    "%s is already a member of [group %s] (line %u); an "
			    "identity belongs to one group",
			    config_file_quote(items[i], q), other, line);
		if (s->n_members == CFG_MAX_MEMBERS)
			return full(f, it, "members", CFG_MAX_MEMBERS, err);
		m = &s->members[s->n_members];
		if (!text_add(s, items[i], &m->identity))
			return full(f, it, "bytes of rules and identities", CFG_TEXT_MAX, err);
		m->group = (uint16_t)g;
		s->n_members++;
	}
	return 0;
}

/* Whether a is a host address of p a client may hold: not the network,
 * not the gateway's (first host), not the IPv4 broadcast. */
static bool leasable(const struct prefix *p, const struct ipaddr *a)
{
	struct prefix net;
	struct ipaddr first, last;
	size_t len = addr_len(a);
	unsigned bits = len * 8;

	if (p->addr.family != a->family || !addr_in_prefix(a, p))
		return false;
	addr_prefix_network(p, &net);
	first = last = net.addr;
	first.bytes[len - 1] |= 1;
	for (unsigned b = p->len; b < bits; b++)
		last.bytes[b / 8] |= (uint8_t)(0x80 >> (b % 8));
	if (addr_eq(a, &net.addr) || addr_eq(a, &first))
		return false;
	return !(a->family == AF_INET && addr_eq(a, &last));
}

static int add_statics(const struct config_file *f, struct config_server *s, unsigned g,
		       const struct config_item *it, char *err)
{
	static char items[256][CONFIG_LIST_ITEM_MAX];
	const struct config_net *net = &s->groups[g].net;
	char why[CONFIG_ERR_MAX], q[CONFIG_QUOTE_MAX], a_s[ADDR_STRLEN];
	unsigned n;

	if (!config_key_split(it->value, items, 256, &n, why))
		return config_file_errf(f, it->line, it->section, it->key, err, "%s", why);
	for (unsigned i = 0; i < n; i++) {
		char *sp = strrchr(items[i], ' ');
		const char *bad = NULL;
		const struct prefix *pool;
		struct config_static *st;
		struct ipaddr a;
		size_t idlen;

		if (sp == NULL || !addr_parse(sp + 1, &a))
			return config_file_errf(f, it->line, it->section, it->key, err,
						"%s is not 'IDENTITY ADDRESS'; write e.g. "
						"alice@corp.example 10.8.1.5",
						config_file_quote(items[i], q));
		idlen = (size_t)(sp - items[i]);
		while (idlen > 0 && items[i][idlen - 1] == ' ')
			idlen--;
		items[i][idlen] = '\0';
		if (!identity_valid(items[i], idlen, &bad))
			return config_file_errf(f, it->line, it->section, it->key, err,
						"%s is not an identity: %s; write e.g. "
						"alice@corp.example 10.8.1.5",
						config_file_quote(items[i], q),
						bad != NULL ? bad : "invalid");
		pool = a.family == AF_INET ? &net->pool4 : &net->pool6;
		if (pool->addr.family == 0)
			return config_file_errf(f, it->line, it->section, it->key, err,
						"%s: the group has no %s pool; give an address "
						"from its pool",
						addr_fmt(&a, a_s),
						a.family == AF_INET ? "ipv4" : "ipv6");
		if (!leasable(pool, &a)) {
			char p_s[ADDR_STRLEN];

			return config_file_errf(f, it->line, it->section, it->key, err,
						"%s is not an address of the pool %s a client can "
						"hold; give one inside it, not its network, first "
						"(the gateway's) or broadcast address",
						addr_fmt(&a, a_s), addr_fmt_prefix(pool, p_s));
		}
		for (unsigned j = 0; j < s->n_statics; j++) {
			const struct config_static *o = &s->statics[j];

			if (addr_eq(&o->addr, &a))
				return config_file_errf(
				    f, it->line, it->section, it->key, err,
				    "%s is already the static address of '%s' (line %u); give "
				    "each identity its own",
				    addr_fmt(&a, a_s), config_text(s, o->identity), o->line);
			if (o->group == g && o->addr.family == a.family &&
			    strcmp(config_text(s, o->identity), items[i]) == 0)
				return config_file_errf(
				    f, it->line, it->section, it->key, err,
				    "%s already has a static %s address (line %u); give one "
				    "address per family",
				    config_file_quote(items[i], q),
				    a.family == AF_INET ? "IPv4" : "IPv6", o->line);
		}
		if (s->n_statics == CFG_MAX_STATICS)
			return full(f, it, "static addresses", CFG_MAX_STATICS, err);
		st = &s->statics[s->n_statics];
		if (!text_add(s, items[i], &st->identity))
			return full(f, it, "bytes of rules and identities", CFG_TEXT_MAX, err);
		st->group = (uint16_t)g;
		st->addr = a;
		st->line = it->line;
		s->n_statics++;
	}
	return 0;
}

static const struct config_key *net_key(const struct config_key *keys, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(keys[i].name, name) == 0)
			return &keys[i];
	return NULL;
}

static int new_group(const struct config_file *f, struct config_server *s,
		     const struct config_item *it, char *err)
{
	const char *name = it->section + strlen(GROUP_PREFIX);
	struct config_group *g;
	int prev;

	if (strncmp(it->section, GROUP_PREFIX, strlen(GROUP_PREFIX)) != 0 || !name_ok(name))
		return config_file_errf(f, it->line, it->section, NULL, err,
					"not a group header; write [group NAME] with one space and "
					"a NAME of lowercase letters, digits, '-' and '_' (at most "
					"%d)",
					CFG_GROUP_NAME_MAX - 1);
	if (strcmp(name, "deny") == 0)
		return config_file_errf(f, it->line, it->section, NULL, err,
					"deny is what default_group uses to refuse; give the "
					"group another name");
	prev = find_group(s, name);
	if (prev >= 0)
		return config_file_errf(f, it->line, it->section, NULL, err,
					"the name %s is taken by [pool] (line %u), the implicit "
					"group of that name; rename this group, or move [pool]'s "
					"keys into it",
					name, s->groups[prev].line);
	if (s->n_groups == CFG_MAX_GROUPS)
		return config_file_errf(f, it->line, it->section, NULL, err,
					"too many groups; a gateway holds at most %d",
					CFG_MAX_GROUPS);
	g = &s->groups[s->n_groups++];
	memset(g, 0, sizeof(*g));
	snprintf(g->net.name, sizeof(g->net.name), "%s", name);
	g->line = it->line;
	return 0;
}

static int group_key(const struct config_file *f, struct config_server *s, unsigned g,
		     const struct config_item *it, const struct config_key *net_keys,
		     size_t n_net_keys, struct group_lines *gl, char *err)
{
	const struct config_key *k = net_key(net_keys, n_net_keys, it->key);
	bool inbound, malformed;
	unsigned number;

	if (k != NULL) {
		char why[CONFIG_ERR_MAX] = "";

		if (!k->parse(f, k, it->value, (char *)&s->groups[g] + k->offset, why))
			return config_file_errf(f, it->line, it->section, it->key, err, "%s", why);
		if (strcmp(it->key, "ipv4") == 0)
			gl->ipv4 = it->line;
		else if (strcmp(it->key, "ipv6") == 0)
			gl->ipv6 = it->line;
		return 0;
	}
	if (strcmp(it->key, group_own_keys[GK_MEMBERS]) == 0)
		return add_members(f, s, g, it, err);
	if (strcmp(it->key, group_own_keys[GK_STATIC]) == 0)
		return 0; /* after the pools are known: see config_group_load */
	number = rule_number(it->key, &inbound, &malformed);
	if (number != 0)
		return add_rule(f, s, g, it, number, inbound, err);
	if (malformed)
		return config_file_errf(f, it->line, it->section, it->key, err,
					"a rule's number runs from 1 to %d without leading zeros; "
					"name rules rule1, rule2, ... (or rule10, rule20, ... to "
					"leave room)",
					CFG_RULE_NUMBER_MAX);
	return config_file_errf(f, it->line, it->section, it->key, err,
				"unknown key; the keys of [%s] are " GROUP_KEYS, it->section);
}

static int cmp_rule(const void *a, const void *b)
{
	const struct config_rule *x = a, *y = b;

	if (x->group != y->group)
		return x->group < y->group ? -1 : 1;
	if (x->inbound != y->inbound)
		return x->inbound ? 1 : -1;
	return x->number < y->number ? -1 : x->number > y->number;
}

static bool overlap(const struct prefix *a, const struct prefix *b)
{
	return a->addr.family != 0 && a->addr.family == b->addr.family &&
	       (addr_in_prefix(&a->addr, b) || addr_in_prefix(&b->addr, a));
}

static int check_pools(const struct config_file *f, const struct config_server *s,
		       const struct group_lines *gl, char *err)
{
	char a_s[ADDR_STRLEN], b_s[ADDR_STRLEN];

	for (unsigned i = 0; i < s->n_groups; i++) {
		const struct config_net *n = &s->groups[i].net;
		char sec[CONFIG_NAME_MAX];

		snprintf(sec, sizeof(sec), "%s%s", s->groups[i].allow_all ? "pool" : GROUP_PREFIX,
			 s->groups[i].allow_all ? "" : n->name);
		if (n->pool4.addr.family == 0 && n->pool6.addr.family == 0)
			return config_file_errf(f, s->groups[i].line, sec, NULL, err,
						"neither ipv4 nor ipv6 is set; add ipv4 = "
						"10.8.1.0/24, ipv6 = fd00:8:1::/64 or both");
		for (unsigned j = 0; j < i; j++) {
			const struct config_net *o = &s->groups[j].net;
			bool v4 = overlap(&n->pool4, &o->pool4);

			if (!v4 && !overlap(&n->pool6, &o->pool6))
				continue;
			return config_file_errf(
			    f, v4 ? gl[i].ipv4 : gl[i].ipv6, sec, v4 ? "ipv4" : "ipv6", err,
			    "%s overlaps %s of %s%s%s (line %u); give each group its own "
			    "range",
			    addr_fmt_prefix(v4 ? &n->pool4 : &n->pool6, a_s),
			    addr_fmt_prefix(v4 ? &o->pool4 : &o->pool6, b_s),
			    s->groups[j].allow_all ? "[pool" : "[group ",
			    s->groups[j].allow_all ? "" : o->name, "]",
			    v4 ? gl[j].ipv4 : gl[j].ipv6);
		}
	}
	return 0;
}

static int resolve_default(const struct config_file *f, struct config_server *s, unsigned line,
			   char *err)
{
	char list[CONFIG_ERR_MAX / 2];
	size_t len = 0;
	int g;

	if (s->default_group_name[0] == '\0') {
		/* Unset: [pool]'s clients keep working; with groups only, an
		 * identity nobody placed is refused. */
		s->default_group = s->n_groups > 0 && s->groups[0].allow_all ? 0 : -1;
		return 0;
	}
	if (strcmp(s->default_group_name, "deny") == 0) {
		s->default_group = -1;
		return 0;
	}
	g = find_group(s, s->default_group_name);
	if (g >= 0) {
		s->default_group = g;
		return 0;
	}
	list[0] = '\0';
	for (unsigned i = 0; i < s->n_groups && len < sizeof(list); i++) {
		int r = snprintf(list + len, sizeof(list) - len, "%s%s", i == 0 ? "" : ", ",
				 s->groups[i].net.name);
		if (r < 0)
			break;
		len += (size_t)r;
	}
	return config_file_errf(f, line, "gateway", "default_group", err,
				"'%s' is not a group; use deny or one of: %s",
				s->default_group_name, list);
}

int config_group_load(const struct config_file *f, struct config_server *s,
		      const struct config_key *net_keys, size_t n_net_keys,
		      unsigned default_group_line, char err[static CONFIG_ERR_MAX])
{
	struct group_lines gl[CFG_MAX_GROUPS];
	const struct config_item *pool = config_file_find(f, "pool", NULL);
	int cur = -1;

	memset(gl, 0, sizeof(gl));
	s->n_groups = s->n_rules = s->n_members = s->n_statics = 0;
	s->text_len = 0;
	/* An empty [pool] is not a group: check_across names it. */
	if (pool != NULL && (s->net.pool4.addr.family != 0 || s->net.pool6.addr.family != 0)) {
		struct config_group *g = &s->groups[s->n_groups++];
		const struct config_item *k4 = config_file_find(f, "pool", "ipv4");
		const struct config_item *k6 = config_file_find(f, "pool", "ipv6");

		memset(g, 0, sizeof(*g));
		g->net = s->net;
		g->line = pool->line;
		g->allow_all = true;
		gl[0].ipv4 = k4 != NULL ? k4->line : 0;
		gl[0].ipv6 = k6 != NULL ? k6->line : 0;
	}
	for (unsigned i = 0; i < f->n_items; i++) {
		const struct config_item *it = &f->items[i];

		if (!is_group_section(it->section))
			continue;
		if (it->kind == CONFIG_ITEM_SECTION) {
			if (new_group(f, s, it, err) < 0)
				return -1;
			cur = (int)s->n_groups - 1;
			continue;
		}
		if (cur < 0 ||
		    group_key(f, s, (unsigned)cur, it, net_keys, n_net_keys, &gl[cur], err) < 0)
			return -1;
	}
	if (check_pools(f, s, gl, err) < 0)
		return -1;
	/* Statics once every pool is known, in file order. */
	cur = -1;
	for (unsigned i = 0; i < f->n_items; i++) {
		const struct config_item *it = &f->items[i];

		if (!is_group_section(it->section))
			continue;
		if (it->kind == CONFIG_ITEM_SECTION)
			cur = find_group(s, it->section + strlen(GROUP_PREFIX));
		else if (strcmp(it->key, group_own_keys[GK_STATIC]) == 0 &&
			 add_statics(f, s, (unsigned)cur, it, err) < 0)
			return -1;
	}
	qsort(s->rules, s->n_rules, sizeof(s->rules[0]), cmp_rule);
	for (unsigned i = 0; i < s->n_rules; i++) {
		struct config_group *g = &s->groups[s->rules[i].group];

		if (s->rules[i].inbound) {
			if (g->n_inbound++ == 0)
				g->first_inbound = i;
		} else if (g->n_rules++ == 0) {
			g->first_rule = i;
		}
	}
	return resolve_default(f, s, default_group_line, err);
}

/* The certificate values group_from reads: its OUs, or the readable values
 * of the subject attribute with the configured OID ("" never names a group). */
static unsigned group_values(const struct config_server *s, const struct cert_info *ci)
{
	if (s->group_from.ou)
		return ci->n_ou < CERT_MAX_NAMES ? ci->n_ou : CERT_MAX_NAMES;
	return ci->n_subject_attrs < CERT_MAX_NAMES ? ci->n_subject_attrs : CERT_MAX_NAMES;
}

static const char *group_value(const struct config_server *s, const struct cert_info *ci,
			       unsigned i)
{
	if (s->group_from.ou)
		return ci->subject_ou[i];
	if (ci->subject_attrs[i].unreadable ||
	    strcmp(ci->subject_attrs[i].oid, s->group_from.oid) != 0)
		return "";
	return ci->subject_attrs[i].value;
}

bool config_group_for(const struct config_server *s, const char *identity,
		      const struct cert_info *ci, unsigned *group, const char **how,
		      const char **why)
{
	const char *dummy;
	int found = -1;

	if (how == NULL)
		how = &dummy;
	if (why == NULL)
		why = &dummy;
	for (unsigned i = 0; i < s->n_members; i++)
		if (strcmp(config_text(s, s->members[i].identity), identity) == 0) {
			*group = s->members[i].group;
			*how = "members";
			return true;
		}
	if ((s->group_from.ou || s->group_from.oid[0] != '\0') && ci != NULL) {
		/* Group names are lowercase; a certificate value is compared
		 * without case. */
		for (unsigned o = 0; o < group_values(s, ci); o++)
			for (unsigned i = 0; i < s->n_groups; i++) {
				if (strcasecmp(group_value(s, ci, o), s->groups[i].net.name) != 0)
					continue;
				if (found >= 0 && (unsigned)found != i) {
					*why =
					    s->group_from.ou
						? "the certificate's OU values name more than "
						  "one group"
						: "the certificate's group_from attribute values "
						  "name more than one group";
					return false;
				}
				found = (int)i;
			}
		if (found >= 0) {
			*group = (unsigned)found;
			*how = s->group_from.ou ? "ou" : "oid";
			return true;
		}
	}
	if (s->default_group < 0) {
		*why = "not authorized: the identity is in no group and default_group is deny";
		return false;
	}
	*group = (unsigned)s->default_group;
	*how = "default_group";
	return true;
}

const struct ipaddr *config_static_for(const struct config_server *s, unsigned group,
				       const char *identity, int family)
{
	for (unsigned i = 0; i < s->n_statics; i++) {
		const struct config_static *st = &s->statics[i];

		if (st->group == group && st->addr.family == family &&
		    strcmp(config_text(s, st->identity), identity) == 0)
			return &st->addr;
	}
	return NULL;
}
