/*
 * nftrules.c - the kill switch's ruleset as nft commands. The table is
 * made to exist ("add table"), then deleted and written whole, all in one
 * buffer, which libnftables commits as one transaction: the kernel never
 * holds a half-written kill switch and never none while one is replaced.
 * Priority 0 in each hook: another table's accept cannot override a drop
 * here, a packet must pass every base chain.
 */
#include "nftrules.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "errbuf.h"

int nftrules_table_name(const char *tun, char out[static NFTRULES_TABLE_MAX], char *err,
			size_t errlen)
{
	size_t n = tun ? strlen(tun) : 0;

	if (n == 0 || n >= IFNAMSIZ) {
		errbuf_set(err, errlen, "'%s' is not an interface name", tun ? tun : "");
		return -1;
	}
	memcpy(out, "mtlsvpn_", 8);
	for (size_t i = 0; i < n; i++) {
		char c = tun[i];
		bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
			  (c >= '0' && c <= '9') || c == '_';
		out[8 + i] = ok ? c : '_';
	}
	out[8 + n] = '\0';
	return 0;
}

/* A cursor that stops at the first overflow. */
struct out {
	char *p;
	size_t cap, len;
	bool full;
};

__attribute__((format(printf, 2, 3))) static void emit(struct out *o, const char *fmt, ...)
{
	va_list ap;
	int r;

	if (o->full)
		return;
	va_start(ap, fmt);
	r = vsnprintf(o->p + o->len, o->cap - o->len, fmt, ap);
	va_end(ap);
	if (r < 0 || (size_t)r >= o->cap - o->len) {
		o->full = true;
		return;
	}
	o->len += (size_t)r;
}

static size_t finish(struct out *o, char *err, size_t errlen)
{
	if (o->full) {
		errbuf_set(err, errlen, "the ruleset needs more than %zu bytes", o->cap);
		if (o->cap > 0)
			o->p[0] = '\0';
		return 0;
	}
	return o->len;
}

/* Interface names go into double quotes: nft has no escape for these. */
static bool quotable(const char *s)
{
	return strchr(s, '"') == NULL && strchr(s, '\\') == NULL && strchr(s, '\n') == NULL;
}

/* Makes the table exist so the delete that follows cannot fail. */
static void reset_table(struct out *o, const char *table)
{
	emit(o, "add table inet %s\n", table);
	emit(o, "delete table inet %s\n", table);
}

static void gateway_rules(struct out *o, const struct nftrules_spec *s, bool in)
{
	char a[ADDR_STRLEN];

	for (unsigned i = 0; i < s->n_gw && i < NFTRULES_GW_MAX; i++) {
		const struct ipaddr *g = &s->gw[i];

		if (g->family != AF_INET && g->family != AF_INET6)
			continue;
		/* TLS, and the UDP data channel on the same port number (the
		 * gateway's default udp_port). */
		for (int k = 0; k < 2; k++)
			emit(o, "\t\t%s %s %s %s %s %u accept\n",
			     g->family == AF_INET ? "ip" : "ip6", in ? "saddr" : "daddr",
			     addr_fmt(g, a), k ? "udp" : "tcp", in ? "sport" : "dport",
			     (unsigned)s->port);
	}
}

size_t nftrules_install(const struct nftrules_spec *s, char *out, size_t cap, char *err,
			size_t errlen)
{
	struct out o = {out, cap, 0, cap == 0};
	char table[NFTRULES_TABLE_MAX];

	if (nftrules_table_name(s->tun, table, err, errlen) < 0)
		return 0;
	if (!quotable(s->tun)) {
		errbuf_set(err, errlen, "the interface name '%s' cannot be quoted for nft", s->tun);
		return 0;
	}
	if (s->port == 0) {
		errbuf_set(err, errlen, "no gateway port");
		return 0;
	}
	reset_table(&o, table);
	emit(&o, "table inet %s {\n", table);
	/* What this machine sends: loopback, the tunnel, the gateway, and
	 * the underlay's own upkeep. Anything else is refused at once. */
	emit(&o, "\tchain output {\n\t\ttype filter hook output priority 0; policy drop;\n");
	emit(&o, "\t\toifname \"lo\" accept\n\t\toifname \"%s\" accept\n", s->tun);
	gateway_rules(&o, s, false);
	emit(&o, "\t\tudp sport 68 udp dport 67 accept\n"
		 "\t\tudp sport 546 udp dport 547 accept\n"
		 "\t\ticmpv6 type { nd-router-solicit, nd-neighbor-solicit, "
		 "nd-neighbor-advert, mld-listener-report, mld2-listener-report } accept\n"
		 "\t\treject with icmpx type admin-prohibited\n\t}\n");
	/* What reaches this machine: the same, the other way round. */
	emit(&o, "\tchain input {\n\t\ttype filter hook input priority 0; policy drop;\n");
	emit(&o, "\t\tiifname \"lo\" accept\n\t\tiifname \"%s\" accept\n", s->tun);
	gateway_rules(&o, s, true);
	/* ICMP errors about a flow that got out (the gateway's connection
	 * needs "fragmentation needed" / "packet too big" for path MTU). A
	 * flow is only tracked once it passed every hook, this output too. */
	emit(&o, "\t\tct state related accept\n");
	emit(&o, "\t\tudp sport 67 udp dport 68 accept\n"
		 "\t\tudp sport 547 udp dport 546 accept\n"
		 "\t\ticmpv6 type { nd-router-advert, nd-neighbor-solicit, "
		 "nd-neighbor-advert, nd-redirect, mld-listener-query } accept\n\t}\n");
	/* What this machine routes for others (containers, VMs): only to or
	 * from the tunnel. */
	emit(&o, "\tchain forward {\n\t\ttype filter hook forward priority 0; policy drop;\n");
	emit(&o, "\t\tiifname \"%s\" accept\n\t\toifname \"%s\" accept\n\t}\n}\n", s->tun, s->tun);
	return finish(&o, err, errlen);
}

size_t nftrules_remove(const char *tun, char *out, size_t cap, char *err, size_t errlen)
{
	struct out o = {out, cap, 0, cap == 0};
	char table[NFTRULES_TABLE_MAX];

	if (nftrules_table_name(tun, table, err, errlen) < 0)
		return 0;
	reset_table(&o, table);
	return finish(&o, err, errlen);
}
