/*
 * config_client.c - client.ini: the [client] keys, their defaults, and the
 * checks that span keys (server_name defaults to the gateway host,
 * reconnect_max is not below reconnect_min). The gateway may be a name: it
 * is resolved when connecting, never here. A profile carries the CA, the
 * certificate and the key as PEM lines in [ca], [cert] and [key] (keys
 * pem1, pem2, ... in order; see config_profile.h) instead of paths; each
 * comes from a path or from its section, never both. A file that embeds a
 * key passes the same mode check as a key file.
 */
#include <ctype.h>
#include <netinet/in.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "busypoll.h"
#include "config_key.h"
#include "config_profile.h"
#include "p11uri.h"

#define CLI(field) offsetof(struct config_client, field)
#define DEFAULT_PORT 8443

static bool parse_port(const char *s, unsigned *port)
{
	size_t i;

	for (i = 0; s[i] != '\0'; i++)
		if (!isdigit((unsigned char)s[i]))
			return false;
	if (i == 0 || i > 5)
		return false;
	*port = (unsigned)strtoul(s, NULL, 10);
	return *port >= 1 && *port <= 65535;
}

/* "host", "host:port", "[v6]", "[v6]:port", or a bare IPv6 address (more
 * than one ':' and no brackets, so no port). */
bool config_client_split_gateway(const char *value, char host[static 256], unsigned *port)
{
	const char *colon, *hs = value, *ps = NULL;
	size_t hlen;
	struct ipaddr a;

	*port = DEFAULT_PORT;
	if (value[0] == '[') {
		const char *close = strchr(value, ']');

		if (close == NULL || (close[1] != '\0' && close[1] != ':'))
			return false;
		hs = value + 1;
		hlen = (size_t)(close - hs);
		if (close[1] == ':')
			ps = close + 2;
	} else {
		colon = strchr(value, ':');
		if (colon != NULL && strchr(colon + 1, ':') == NULL) {
			hlen = (size_t)(colon - value);
			ps = colon + 1;
		} else {
			hlen = strlen(value);
		}
	}
	if (hlen == 0 || hlen >= 256)
		return false;
	memcpy(host, hs, hlen);
	host[hlen] = '\0';
	if (ps != NULL && !parse_port(ps, port))
		return false;
	if (value[0] == '[' || strchr(host, ':') != NULL)
		return addr_parse(host, &a) && a.family == AF_INET6;
	return addr_parse(host, &a) || config_key_is_hostname(host);
}

static bool parse_gateway(const struct config_file *f, const struct config_key *k,
			  const char *value, void *field, char why[static CONFIG_ERR_MAX])
{
	struct config_client *c = field;
	char q[CONFIG_QUOTE_MAX];
	char host[256];
	unsigned port;

	(void)f;
	(void)k;
	if (!config_client_split_gateway(value, host, &port)) {
		config_key_why(
		    why,
		    "%s is not a host and port; use a name or address with an optional "
		    "port from 1 to 65535, e.g. vpn.example.com:8443 or [2001:db8::1]:8443",
		    config_file_quote(value, q));
		return false;
	}
	snprintf(c->gateway_host, sizeof(c->gateway_host), "%s", host);
	c->gateway_port = port;
	return true;
}

static bool parse_dns_mode(const struct config_file *f, const struct config_key *k,
			   const char *value, void *field, char why[static CONFIG_ERR_MAX])
{
	static const struct {
		const char *name;
		enum config_dns_mode mode;
	} modes[] = {
	    {"auto", CONFIG_DNS_AUTO},
	    {"none", CONFIG_DNS_NONE},
	    {"resolvectl", CONFIG_DNS_RESOLVECTL},
	    {"resolvconf", CONFIG_DNS_RESOLVCONF},
	    {"resolved", CONFIG_DNS_RESOLVECTL}, /* its D-Bus API; resolvectl is the old name */
	};
	char q[CONFIG_QUOTE_MAX];

	(void)f;
	(void)k;
	for (size_t i = 0; i < sizeof(modes) / sizeof(modes[0]); i++) {
		if (strcmp(value, modes[i].name) == 0) {
			*(enum config_dns_mode *)field = modes[i].mode;
			return true;
		}
	}
	config_key_why(why, "%s is not a DNS mode; use auto, none, resolved or resolvconf",
		       config_file_quote(value, q));
	return false;
}

/* KEY = auto | off (udp, continue, renew): *field true for auto; else why says
 * what each means. */
static bool parse_auto_off(const char *value, void *field, char why[static CONFIG_ERR_MAX],
			   const char *mode, const char *meaning)
{
	char q[CONFIG_QUOTE_MAX];

	if (strcmp(value, "auto") == 0 || strcmp(value, "off") == 0) {
		*(bool *)field = value[0] == 'a';
		return true;
	}
	config_key_why(why, "%s is not a %s mode; use %s", config_file_quote(value, q), mode,
		       meaning);
	return false;
}

/* udp = auto | off: whether to take the UDP data channel when offered. */
static bool parse_udp(const struct config_file *f, const struct config_key *k, const char *value,
		      void *field, char why[static CONFIG_ERR_MAX])
{
	(void)f;
	(void)k;
	return parse_auto_off(value, field, why, "UDP",
			      "auto (take the gateway's UDP data channel when it offers one) or "
			      "off (TLS carries everything)");
}

/* continue = auto | off: whether a moved client offers to continue its
 * session (protocol.md 12.10). */
static bool parse_continue(const struct config_file *f, const struct config_key *k,
			   const char *value, void *field, char why[static CONFIG_ERR_MAX])
{
	(void)f;
	(void)k;
	return parse_auto_off(value, field, why, "continuation",
			      "auto (when the network changes while the UDP channel is up, "
			      "continue the session on the new connection) or off (a new "
			      "session every time)");
}

/* renew = auto | off: whether the client renews its certificate over EST. */
static bool parse_renew(const struct config_file *f, const struct config_key *k, const char *value,
			void *field, char why[static CONFIG_ERR_MAX])
{
	(void)f;
	(void)k;
	return parse_auto_off(value, field, why, "renewal",
			      "auto (renew the certificate over EST at renew_at of its lifetime) "
			      "or off");
}

/* renew_at = 2/3 | 0.75 | 80%: the point of the lifetime to renew at. */
static bool parse_renew_at(const struct config_file *f, const struct config_key *k,
			   const char *value, void *field, char why[static CONFIG_ERR_MAX])
{
	char q[CONFIG_QUOTE_MAX];
	const char *what;

	(void)f;
	(void)k;
	if (renew_at_parse(value, field, &what))
		return true;
	config_key_why(why, "%s is not a fraction of the lifetime; %s", config_file_quote(value, q),
		       what);
	return false;
}

/* state_dir = PATH: absolute; created at start if missing. */
static bool parse_state_dir(const struct config_file *f, const struct config_key *k,
			    const char *value, void *field, char why[static CONFIG_ERR_MAX])
{
	char q[CONFIG_QUOTE_MAX];

	(void)f;
	if (value[0] != '/' || strlen(value) >= k->size) {
		config_key_why(why,
			       "%s is not an absolute path of at most %zu bytes; use e.g. "
			       "/run/mtlsvpn",
			       config_file_quote(value, q), k->size - 1);
		return false;
	}
	snprintf(field, k->size, "%s", value);
	return true;
}

/* status_group = NAME: a Unix group name (who may read `mtlsvpn-client
 * status` besides root); it need not exist yet. */
static bool parse_status_group(const struct config_file *f, const struct config_key *k,
			       const char *value, void *field, char why[static CONFIG_ERR_MAX])
{
	char q[CONFIG_QUOTE_MAX];
	size_t n = strlen(value);
	bool ok = n > 0 && n < k->size && value[0] != '-';

	(void)f;
	for (size_t i = 0; ok && i < n; i++)
		ok = (value[i] >= 'a' && value[i] <= 'z') || (value[i] >= '0' && value[i] <= '9') ||
		     value[i] == '_' || value[i] == '-' || value[i] == '.';
	if (!ok) {
		config_key_why(why,
			       "%s is not a group name; use at most %zu lowercase letters, digits, "
			       "'_', '-' or '.', e.g. mtlsvpn-status",
			       config_file_quote(value, q), k->size - 1);
		return false;
	}
	snprintf(field, k->size, "%s", value);
	return true;
}

/* ca, cert, key and key_passphrase_file; `mtlsvpn-client status`, which
 * may run as anyone, only needs where they are. */
static bool parse_source_file(const struct config_file *f, const struct config_key *k,
			      const char *value, void *field, char why[static CONFIG_ERR_MAX])
{
	if (f->paths_only && !(k->offset == CLI(key) && p11uri_is(value)))
		return config_key_path(f, k, value, field, why);
	if (k->offset == CLI(key))
		return config_key_private_key(f, k, value, field, why);
	if (k->offset == CLI(key_passphrase_file))
		return config_key_private_file(f, k, value, field, why);
	return config_key_file(f, k, value, field, why);
}

enum {
	K_GATEWAY,
	K_SERVER_NAME,
	K_CA,
	K_CERT,
	K_KEY,
	K_TUN,
	K_FULL_TUNNEL,
	K_DNS,
	K_RECONNECT_MIN,
	K_RECONNECT_MAX,
	K_CONNECT_TIMEOUT,
	K_LOG_LEVEL,
	K_STATE_DIR,
	K_KILL_SWITCH,
	K_STATUS_GROUP,
	K_KEY_PASSPHRASE_FILE,
	K_PKCS11_MODULE,
	K_OFFLOAD,
	K_UDP,
	K_CONTINUE,
	K_MSS_CLAMP,
	K_RENEW,
	K_RENEW_AT,
	K_BUSY_POLL,
	K_COUNT
};

/* clang-format off */
static const struct config_key client_keys[K_COUNT] = {
	[K_GATEWAY] = {.section = "client", .name = "gateway", .parse = parse_gateway,
		.required = true, .example = "vpn.example.com:8443"},
	[K_SERVER_NAME] = {.section = "client", .name = "server_name",
		.parse = config_key_hostname, .offset = CLI(server_name),
		.size = sizeof(((struct config_client *)0)->server_name),
		.example = "vpn.example.com"},
	[K_CA] = {.section = "client", .name = "ca", .parse = parse_source_file, .offset = CLI(ca),
		.size = PATH_MAX, .example = "ca.crt",
		.what = "the CA bundle the gateway certificate must chain to"},
	[K_CERT] = {.section = "client", .name = "cert", .parse = parse_source_file,
		.offset = CLI(cert), .size = PATH_MAX, .example = "alice.crt",
		.what = "this client's certificate with its chain"},
	[K_KEY] = {.section = "client", .name = "key", .parse = parse_source_file,
		.offset = CLI(key), .size = PATH_MAX, .example = "alice.key",
		.what = "this client certificate's private key"},
	[K_TUN] = {.section = "client", .name = "tun", .parse = config_key_tun, .offset = CLI(tun),
		.size = IFNAMSIZ, .example = "mtlsvpn0"},
	[K_FULL_TUNNEL] = {.section = "client", .name = "full_tunnel", .parse = config_key_bool,
		.offset = CLI(full_tunnel), .example = "no"},
	[K_DNS] = {.section = "client", .name = "dns", .parse = parse_dns_mode, .offset = CLI(dns),
		.example = "auto"},
	[K_RECONNECT_MIN] = {.section = "client", .name = "reconnect_min",
		.parse = config_key_uint, .offset = CLI(reconnect_min), .min = 1, .max = 3600,
		.example = "1"},
	[K_RECONNECT_MAX] = {.section = "client", .name = "reconnect_max",
		.parse = config_key_uint, .offset = CLI(reconnect_max), .min = 1, .max = 86400,
		.example = "60"},
	[K_CONNECT_TIMEOUT] = {.section = "client", .name = "connect_timeout",
		.parse = config_key_uint, .offset = CLI(connect_timeout), .min = 1, .max = 300,
		.example = "10"},
	[K_LOG_LEVEL] = {.section = "client", .name = "log_level", .parse = config_key_log_level,
		.offset = CLI(log_level), .example = "info"},
	[K_STATE_DIR] = {.section = "client", .name = "state_dir", .parse = parse_state_dir,
		.offset = CLI(state_dir), .size = PATH_MAX, .example = "/run/mtlsvpn"},
	[K_KILL_SWITCH] = {.section = "client", .name = "kill_switch", .parse = config_key_bool,
		.offset = CLI(kill_switch), .example = "off"},
	[K_STATUS_GROUP] = {.section = "client", .name = "status_group", .parse = parse_status_group,
		.offset = CLI(status_group), .size = CONFIG_GROUP_NAME_MAX + 1,
		.example = "mtlsvpn-status"},
	[K_KEY_PASSPHRASE_FILE] = {.section = "client", .name = "key_passphrase_file",
		.parse = parse_source_file, .offset = CLI(key_passphrase_file),
		.size = PATH_MAX, .example = "/etc/mtlsvpn/alice.pass",
		.what = "the passphrase of an encrypted key"},
	[K_PKCS11_MODULE] = {.section = "client", .name = "pkcs11_module",
		.parse = config_key_module, .offset = CLI(pkcs11_module), .size = PATH_MAX,
		.example = "p11-kit-proxy.so", .what = "the PKCS#11 module of key = pkcs11:..."},
	[K_OFFLOAD] = {.section = "client", .name = "offload", .parse = config_key_bool,
		.offset = CLI(offload), .example = "on"},
	[K_UDP] = {.section = "client", .name = "udp", .parse = parse_udp, .offset = CLI(udp),
		.example = "auto"},
	[K_CONTINUE] = {.section = "client", .name = "continue", .parse = parse_continue,
		.offset = CLI(continuation), .example = "auto"},
	[K_MSS_CLAMP] = {.section = "client", .name = "mss_clamp", .parse = config_key_mss_clamp,
		.offset = CLI(mss_clamp), .min = DCHAN_PMTU_CLAMP_MIN, .max = DCHAN_PMTU_CLAMP_MAX,
		.example = "auto"},
	[K_RENEW] = {.section = "client", .name = "renew", .parse = parse_renew,
		.offset = CLI(renew), .example = "auto"},
	[K_RENEW_AT] = {.section = "client", .name = "renew_at", .parse = parse_renew_at,
		.offset = CLI(renew_at), .example = "2/3"},
	[K_BUSY_POLL] = {.section = "client", .name = "busy_poll_us", .parse = config_key_busy_poll,
		.offset = CLI(busy_poll_us), .min = 0, .max = BUSYPOLL_WINDOW_MAX_US, .example = "100"},
};
/* clang-format on */

static const char *const client_sections[] = {"client", NULL};

/* ---- embedded PEM (profiles) ---- */

#define PEM_EMBED_MAX (64 * 1024)

static const struct {
	const char *section;
	unsigned key; /* K_CA, ... */
	const char *what;
	const char *begin; /* what the first line must start with */
} embeds[] = {
    {"ca", K_CA, "the CA certificate(s)", "-----BEGIN CERTIFICATE-----"},
    {"cert", K_CERT, "this client's certificate and its chain", "-----BEGIN CERTIFICATE-----"},
    {"key", K_KEY, "the private key", "-----BEGIN "},
};
#define N_EMBEDS (sizeof(embeds) / sizeof(embeds[0]))

static char **embed_field(struct config_client *c, unsigned k)
{
	return k == K_CA ? &c->ca_pem : k == K_CERT ? &c->cert_pem : &c->key_pem;
}

static int embed_index(const char *section)
{
	for (size_t i = 0; i < N_EMBEDS; i++)
		if (strcmp(section, embeds[i].section) == 0)
			return (int)i;
	return -1;
}

/* Joins the pem1..pemN lines of one section; *line is the section's. */
static int load_embed(const struct config_file *f, size_t e, struct config_client *c,
		      unsigned *line, char *err)
{
	const struct config_item *sec = NULL;
	char name[CONFIG_NAME_MAX], q[CONFIG_QUOTE_MAX];
	size_t len = 0;
	unsigned n = 0;
	char *pem = NULL;

	for (unsigned i = 0; i < f->n_items; i++) {
		const struct config_item *it = &f->items[i];
		size_t vl;

		if (strcmp(it->section, embeds[e].section) != 0)
			continue;
		if (it->kind == CONFIG_ITEM_SECTION) {
			sec = it;
			continue;
		}
		snprintf(name, sizeof(name), "pem%u", n + 1);
		if (strcmp(it->key, name) != 0) {
			free(pem);
			return config_file_errf(
			    f, it->line, it->section, it->key, err,
			    "expected %s here: [%s] holds %s as lines pem1, pem2, "
			    "... in order, one PEM line each",
			    name, embeds[e].section, embeds[e].what);
		}
		vl = strlen(it->value);
		if (vl == 0 || vl > CONFIG_PROFILE_PEM_LINE_MAX ||
		    (n == 0 && strncmp(it->value, embeds[e].begin, strlen(embeds[e].begin)) != 0)) {
			free(pem);
			return config_file_errf(
			    f, it->line, it->section, it->key, err,
			    "%s is not a PEM line%s; re-create the profile with 'mtlsvpnctl ca "
			    "profile'",
			    config_file_quote(it->value, q),
			    n == 0 ? " (the first must be a -----BEGIN line)" : "");
		}
		if (len + vl + 2 > PEM_EMBED_MAX) {
			free(pem);
			return config_file_errf(f, it->line, it->section, it->key, err,
						"[%s] holds more than %d bytes; that is not %s",
						embeds[e].section, PEM_EMBED_MAX, embeds[e].what);
		}
		/* One buffer of the bound, taken at the first line: the check
		 * above keeps every line inside it, and a key's PEM is never
		 * copied and left behind in freed memory. */
		if (pem == NULL) {
			pem = malloc(PEM_EMBED_MAX);
			if (pem == NULL)
				return config_file_errf(f, it->line, it->section, it->key, err,
							"out of memory");
		}
		memcpy(pem + len, it->value, vl);
		len += vl;
		pem[len++] = '\n';
		pem[len] = '\0';
		n++;
	}
	if (sec == NULL)
		return 0;
	*line = sec->line;
	if (n == 0 || strstr(pem, "-----END ") == NULL) {
		if (pem != NULL)
			explicit_bzero(pem, len);
		free(pem);
		return config_file_errf(
		    f, sec->line, embeds[e].section, NULL, err,
		    "the section holds no complete PEM block (pem1 = -----BEGIN "
		    "... to -----END ...); re-create the profile with "
		    "'mtlsvpnctl ca profile'");
	}
	*embed_field(c, embeds[e].key) = pem;
	return 0;
}

/* Splits f into the embedded sections (loaded here) and the rest (view,
 * sharing f's items) for the key table. */
static int load_embeds(const struct config_file *f, struct config_file *view,
		       struct config_client *c, unsigned embed_lines[static N_EMBEDS], char *err)
{
	*view = *f;
	view->items = calloc(f->n_items + 1, sizeof(*view->items));
	if (view->items == NULL)
		return config_file_errf(f, 0, NULL, NULL, err, "out of memory");
	view->n_items = 0;
	for (unsigned i = 0; i < f->n_items; i++) {
		if (embed_index(f->items[i].section) < 0)
			view->items[view->n_items++] = f->items[i];
	}
	for (size_t e = 0; e < N_EMBEDS; e++) {
		embed_lines[e] = 0;
		if (load_embed(f, e, c, &embed_lines[e], err) < 0)
			return -1;
	}
	return 0;
}

/* Each of ca, cert, key: from a path or embedded, exactly one of them. */
static int check_sources(const struct config_file *f, struct config_client *c,
			 const unsigned *lines, const unsigned *embed_lines, char *err)
{
	static const char *const examples[] = {"ca.crt", "alice.crt", "alice.key"};
	const struct config_item *sec = config_file_find(f, "client", NULL);
	char why[CONFIG_ERR_MAX];

	for (size_t e = 0; e < N_EMBEDS; e++) {
		unsigned k = embeds[e].key;

		if (lines[k] != 0 && embed_lines[e] != 0)
			return config_file_errf(f, lines[k], "client", embeds[e].section, err,
						"%s is also embedded in [%s] (line %u); keep one",
						embeds[e].what, embeds[e].section, embed_lines[e]);
		if (lines[k] == 0 && embed_lines[e] == 0)
			return config_file_errf(
			    f, sec != NULL ? sec->line : 0, "client", embeds[e].section, err,
			    "required key is missing; add a line such as '%s = %s' to [client] "
			    "(or use a profile from 'mtlsvpnctl ca profile', which embeds it)",
			    embeds[e].section, examples[e]);
	}
	/* Messages that name the file of the CA or certificate name the
	 * section instead. */
	if (c->ca_pem != NULL)
		snprintf(c->ca, sizeof(c->ca), "[ca] of %.4000s", f->path);
	if (c->cert_pem != NULL)
		snprintf(c->cert, sizeof(c->cert), "[cert] of %.4000s", f->path);
	if (c->key_pem != NULL)
		snprintf(c->key, sizeof(c->key), "[key] of %.4000s", f->path);
	if (c->key_pem != NULL && config_check_key_mode(f->path, why) < 0)
		return config_file_errf(f, embed_lines[N_EMBEDS - 1], "key", NULL, err,
					"this file embeds a private key: %s", why);
	return 0;
}

size_t config_client_key_names(struct config_key_name *out, size_t max)
{
	size_t n = 0;

	config_key_names(client_keys, K_COUNT, out, max, &n);
	/* An embedded section's keys are pem1, pem2, ... (load_embed). */
	for (size_t e = 0; e < N_EMBEDS; e++)
		config_key_name_add(embeds[e].section, "pemN", out, max, &n);
	return n;
}

void config_client_free(struct config_client *c)
{
	if (c == NULL)
		return;
	if (c->key_pem != NULL)
		explicit_bzero(c->key_pem, strlen(c->key_pem));
	free(c->ca_pem);
	free(c->cert_pem);
	free(c->key_pem);
	c->ca_pem = c->cert_pem = c->key_pem = NULL;
}

static void set_defaults(struct config_client *c)
{
	memset(c, 0, sizeof(*c));
	c->gateway_port = DEFAULT_PORT;
	snprintf(c->tun, sizeof(c->tun), "mtlsvpn0");
	c->full_tunnel = false;
	c->dns = CONFIG_DNS_AUTO;
	c->reconnect_min = 1;
	c->reconnect_max = 60;
	c->connect_timeout = 10;
	c->offload = true;
	c->udp = true;
	c->continuation = true;
	c->mss_clamp = DCHAN_PMTU_CLAMP_AUTO;
	c->renew = true;
	c->renew_at = RENEW_AT_DEFAULT;
	c->busy_poll_us = CONFIG_BUSY_POLL_DEFAULT_US;
	c->log_level = 0;
	snprintf(c->state_dir, sizeof(c->state_dir), "/run/mtlsvpn");
	snprintf(c->status_group, sizeof(c->status_group), "mtlsvpn-status");
}

static int check_across(const struct config_file *f, struct config_client *c, const unsigned *lines,
			char *err)
{
	if (lines[K_SERVER_NAME] == 0)
		snprintf(c->server_name, sizeof(c->server_name), "%s", c->gateway_host);
	/* Blocking all but the tunnel only makes sense if all goes into it. */
	if (c->kill_switch && !c->full_tunnel) {
		char where[32];

		if (lines[K_FULL_TUNNEL] != 0)
			snprintf(where, sizeof(where), "line %u", lines[K_FULL_TUNNEL]);
		else
			snprintf(where, sizeof(where), "the default");
		return config_file_errf(f, lines[K_KILL_SWITCH], "client", "kill_switch", err,
					"on needs full_tunnel = yes (it is no, %s): set "
					"full_tunnel = yes, or kill_switch = off",
					where);
	}
	if (c->reconnect_max >= c->reconnect_min)
		return 0;
	if (lines[K_RECONNECT_MAX] != 0) {
		char where[32];

		if (lines[K_RECONNECT_MIN] != 0)
			snprintf(where, sizeof(where), "line %u", lines[K_RECONNECT_MIN]);
		else
			snprintf(where, sizeof(where), "the default");
		return config_file_errf(f, lines[K_RECONNECT_MAX], "client", "reconnect_max", err,
					"%u is below reconnect_min (%u, %s); use at least %u",
					c->reconnect_max, c->reconnect_min, where,
					c->reconnect_min);
	}
	return config_file_errf(f, lines[K_RECONNECT_MIN], "client", "reconnect_min", err,
				"%u is above reconnect_max (%u, the default); lower it, or raise "
				"reconnect_max to at least %u",
				c->reconnect_min, c->reconnect_max, c->reconnect_min);
}

static int load(const char *path, struct config_client *out, bool paths_only,
		char err[static CONFIG_ERR_MAX])
{
	unsigned lines[K_COUNT], embed_lines[N_EMBEDS];
	struct config_file f, view = {0};
	int rc;

	set_defaults(out);
	if (config_file_load(&f, path, "client", err) < 0)
		return -1;
	f.paths_only = paths_only;
	if (load_embeds(&f, &view, out, embed_lines, err) < 0) {
		free(view.items);
		config_client_free(out);
		config_file_free(&f);
		return -1;
	}
	if (snprintf(out->path, sizeof(out->path), "%s", path) >= (int)sizeof(out->path))
		rc = config_file_errf(&f, 0, NULL, NULL, err,
				      "the path is too long; use a shorter one");
	else if (f.n_items == 0)
		rc = config_file_errf(&f, 0, NULL, NULL, err,
				      "the file has no settings; a client needs [client] with "
				      "gateway, ca, cert and key (see client.ini.example)");
	else
		rc =
		    config_key_apply(&view, client_sections, client_keys, K_COUNT, out, lines, err);
	if (rc == 0)
		rc = check_sources(&f, out, lines, embed_lines, err);
	if (rc == 0)
		rc = check_across(&f, out, lines, err);
	free(view.items);
	if (rc < 0)
		config_client_free(out);
	config_file_free(&f);
	return rc;
}

int config_client_load(const char *path, struct config_client *out, char err[static CONFIG_ERR_MAX])
{
	return load(path, out, false, err);
}

int config_client_load_paths(const char *path, struct config_client *out,
			     char err[static CONFIG_ERR_MAX])
{
	return load(path, out, true, err);
}
