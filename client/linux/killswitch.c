/*
 * killswitch.c - kill_switch = on: the nftables table common/net/nftrules.c
 * writes, installed, replaced and removed through libnftables. It is
 * journaled (JOURNAL_NFT_TABLE) before it is first installed, so a client
 * that dies leaves it in place (fail closed) and the next start or
 * --cleanup removes it. It is installed once the gateway's addresses are
 * first known, before the first connect, replaced whenever a resolution
 * gives other addresses, kept while the tunnel is down or reconnecting, and
 * removed when the client exits. Needs CAP_NET_ADMIN, which the client
 * keeps after set-up (main.c).
 */
#include "client.h"

#include <nftables/libnftables.h>
#include <stdio.h>
#include <string.h>

#include "log.h"
#include "nftrules.h"

/* One ruleset of NFTRULES_GW_MAX gateways is about 2 KiB. */
#define KILLSWITCH_TEXT_MAX 8192

/* Runs cmds as one libnftables transaction. 0, or -1 (logged). */
static int run(const char *cmds, const char *what)
{
	struct nft_ctx *nft = nft_ctx_new(NFT_CTX_DEFAULT);
	char msg[512] = "";
	int rc;

	if (nft == NULL) {
		log_warnx("cannot %s the kill switch: libnftables is out of memory", what);
		return -1;
	}
	(void)nft_ctx_buffer_output(nft);
	(void)nft_ctx_buffer_error(nft);
	rc = nft_run_cmd_from_buffer(nft, cmds);
	if (rc != 0) {
		const char *e = nft_ctx_get_error_buffer(nft);
		size_t n;

		snprintf(msg, sizeof(msg), "%s", e != NULL && e[0] ? e : "nftables refused it");
		for (n = strlen(msg); n > 0 && (msg[n - 1] == '\n' || msg[n - 1] == ' ');)
			msg[--n] = '\0';
		log_warnx("cannot %s the kill switch: %s", what, msg);
	}
	nft_ctx_free(nft);
	return rc == 0 ? 0 : -1;
}

static int remove_table(const char *tun)
{
	char cmds[256], err[256];

	if (nftrules_remove(tun, cmds, sizeof(cmds), err, sizeof(err)) == 0) {
		log_warnx("cannot remove the kill switch of %s: %s", tun, err);
		return -1;
	}
	return run(cmds, "remove");
}

static bool same_gateways(const struct nftrules_spec *a, const struct nftrules_spec *b)
{
	if (a->n_gw != b->n_gw || a->port != b->port)
		return false;
	for (unsigned i = 0; i < a->n_gw; i++)
		if (!addr_eq(&a->gw[i], &b->gw[i]))
			return false;
	return true;
}

int killswitch_allow(struct client *c, const struct connect_addrs *addrs)
{
	struct killswitch *ks = &c->ks;
	struct nftrules_spec want = {.tun = c->tun_name, .port = (uint16_t)c->cfg->gateway_port};
	static char cmds[KILLSWITCH_TEXT_MAX];
	char err[256], s[ADDR_STRLEN];
	bool first = !ks->installed;
	struct journal_rec r = {.kind = JOURNAL_NFT_TABLE};

	if (!c->cfg->kill_switch)
		return 0;
	for (unsigned i = 0; i < addrs->n && want.n_gw < NFTRULES_GW_MAX; i++) {
		struct ipaddr a;
		bool dup = false;

		addr_from_sockaddr(&a, &addrs->ss[i]);
		for (unsigned k = 0; k < want.n_gw; k++)
			dup |= addr_eq(&want.gw[k], &a);
		if (!dup)
			want.gw[want.n_gw++] = a;
	}
	if (!first && same_gateways(&ks->spec, &want))
		return 0;
	if (nftrules_install(&want, cmds, sizeof(cmds), err, sizeof(err)) == 0) {
		log_warnx("cannot write the kill switch's rules: %s", err);
		return -1;
	}
	if (first) {
		snprintf(r.ifname, sizeof(r.ifname), "%s", c->tun_name);
		ks->seq = undo_record(&c->undo, &r);
		if (ks->seq == 0)
			return -1;
	}
	if (run(cmds, first ? "install" : "update") < 0) {
		if (first) {
			undo_done(&c->undo, ks->seq);
			ks->seq = 0;
		}
		return -1;
	}
	ks->spec = want;
	ks->spec.tun = c->tun_name;
	ks->installed = true;
	ks->last = *addrs;
	log_info("kill switch %s: only the tunnel and the gateway %s%s port %u are let through",
		 first ? "on" : "updated", want.n_gw ? addr_fmt(&want.gw[0], s) : "(none)",
		 want.n_gw > 1 ? " and its other addresses," : "", (unsigned)want.port);
	return 0;
}

bool killswitch_installed(const struct client *c)
{
	return c->ks.installed;
}

bool killswitch_last_addrs(const struct client *c, struct connect_addrs *out)
{
	if (!c->ks.installed || c->ks.last.n == 0)
		return false;
	*out = c->ks.last;
	return true;
}

void killswitch_remove(struct client *c)
{
	struct killswitch *ks = &c->ks;

	if (!ks->installed)
		return;
	if (remove_table(c->tun_name) < 0)
		return;
	undo_done(&c->undo, ks->seq);
	ks->installed = false;
	ks->seq = 0;
	log_info("kill switch off: traffic outside the tunnel is allowed again");
}

int killswitch_undo_record(const struct journal_rec *r)
{
	if (remove_table(r->ifname) < 0)
		return -1;
	log_info("removed the kill switch a previous client left for %s", r->ifname);
	return 0;
}
