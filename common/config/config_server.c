/*
 * config_server.c - server.ini: the [gateway] and [pool] keys, their
 * defaults, and the checks that span keys (a pool of at least one family,
 * dead_peer_timeout above keepalive). The result is complete or the load
 * fails with one message naming the line to change.
 */
#include <ctype.h>
#include <netinet/in.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "config_enroll.h"
#include "config_group.h"
#include "busypoll.h"
#include "config_key.h"
#include "config_lb.h"
#include "config_revoke.h"
#include "p11uri.h"

#define SRV(field) offsetof(struct config_server, field)
#define DEFAULT_PORT 8443

static uint16_t sockaddr_port(const struct sockaddr_storage *ss)
{
	if (ss->ss_family == AF_INET)
		return ntohs(((const struct sockaddr_in *)ss)->sin_port);
	if (ss->ss_family == AF_INET6)
		return ntohs(((const struct sockaddr_in6 *)ss)->sin6_port);
	return 0;
}

static bool parse_listen(const struct config_file *f, const struct config_key *k, const char *value,
			 void *field, char why[static CONFIG_ERR_MAX])
{
	struct config_server *s = field;
	struct sockaddr_storage ss;
	char q[CONFIG_QUOTE_MAX];
	socklen_t len;

	(void)f;
	(void)k;
	if (!addr_parse_sockaddr(value, DEFAULT_PORT, &ss, &len)) {
		config_key_why(why,
			       "%s is not a numeric address and port; use e.g. 0.0.0.0:8443 or "
			       "[::]:8443 (names are not looked up here)",
			       config_file_quote(value, q));
		return false;
	}
	if (sockaddr_port(&ss) == 0) {
		config_key_why(why, "%s has no usable port; use a port from 1 to 65535",
			       config_file_quote(value, q));
		return false;
	}
	s->listen = ss;
	s->listen_len = len;
	return true;
}

static bool parse_identity(const struct config_file *f, const struct config_key *k,
			   const char *value, void *field, char why[static CONFIG_ERR_MAX])
{
	char q[CONFIG_QUOTE_MAX];
	const char *oid_why = NULL;

	(void)f;
	(void)k;
	if (strncmp(value, "oid:", 4) == 0 && !identity_oid_valid(value + 4, &oid_why)) {
		config_key_why(why, "%s: %s; write a dotted OID such as oid:2.5.4.5 (serialNumber)",
			       config_file_quote(value, q), oid_why);
		return false;
	}
	if (!identity_source_parse(value, field)) {
		config_key_why(why,
			       "%s is not an identity source; use cn, san-email, san-uri, san-dns "
			       "or oid:DOTTED (e.g. oid:2.5.4.5)",
			       config_file_quote(value, q));
		return false;
	}
	return true;
}

/* A network: a prefix whose host bits are all zero. */
static bool parse_network(const char *s, struct prefix *out, char why[static CONFIG_ERR_MAX])
{
	char q[CONFIG_QUOTE_MAX], net_s[ADDR_STRLEN];
	struct prefix p, net;

	if (!addr_parse_prefix(s, false, &p)) {
		config_key_why(
		    why,
		    "%s is not a prefix; write a network as address/length, e.g. 10.8.0.0/24 "
		    "or fd00:8::/64",
		    config_file_quote(s, q));
		return false;
	}
	addr_prefix_network(&p, &net);
	if (!addr_eq(&p.addr, &net.addr)) {
		config_key_why(why, "%s has host bits set; use %s", config_file_quote(s, q),
			       addr_fmt_prefix(&net, net_s));
		return false;
	}
	*out = p;
	return true;
}

/* The gateway takes the first host and clients the rest, so a pool needs
 * room for both; k->min and k->max bound the prefix length. */
static bool parse_pool(const struct config_file *f, const struct config_key *k, const char *value,
		       void *field, char why[static CONFIG_ERR_MAX])
{
	int family = strcmp(k->name, "ipv4") == 0 ? AF_INET : AF_INET6;
	const char *fam = family == AF_INET ? "IPv4" : "IPv6";
	char q[CONFIG_QUOTE_MAX];
	struct prefix p;

	(void)f;
	if (!parse_network(value, &p, why))
		return false;
	if (p.addr.family != family) {
		config_key_why(why, "%s is not an %s prefix; use e.g. %s",
			       config_file_quote(value, q), fam, k->example);
		return false;
	}
	if (p.len < k->min || p.len > k->max) {
		config_key_why(why,
			       "the prefix length /%u is out of range; use a length from %u to %u "
			       "(the gateway takes the first address, clients the others)",
			       p.len, k->min, k->max);
		return false;
	}
	*(struct prefix *)field = p;
	return true;
}

static bool parse_routes(const struct config_file *f, const struct config_key *k, const char *value,
			 void *field, char why[static CONFIG_ERR_MAX])
{
	char items[CFG_MAX_ROUTES][CONFIG_LIST_ITEM_MAX];
	struct config_net *net = field;
	unsigned n;

	(void)f;
	(void)k;
	if (!config_key_split(value, items, CFG_MAX_ROUTES, &n, why))
		return false;
	for (unsigned i = 0; i < n; i++)
		if (!parse_network(items[i], &net->routes[i], why))
			return false;
	net->n_routes = n;
	return true;
}

static bool parse_dns(const struct config_file *f, const struct config_key *k, const char *value,
		      void *field, char why[static CONFIG_ERR_MAX])
{
	char items[CFG_MAX_DNS][CONFIG_LIST_ITEM_MAX];
	struct config_net *net = field;
	char q[CONFIG_QUOTE_MAX];
	unsigned n;

	(void)f;
	(void)k;
	if (!config_key_split(value, items, CFG_MAX_DNS, &n, why))
		return false;
	for (unsigned i = 0; i < n; i++) {
		if (!addr_parse(items[i], &net->dns[i])) {
			config_key_why(why,
				       "%s is not an IP address; list DNS servers by address, e.g. "
				       "10.20.0.53, fd00:20::53",
				       config_file_quote(items[i], q));
			return false;
		}
	}
	net->n_dns = n;
	return true;
}

/* search, and dns_routing_domains too: domain names kept as written (case is
 * the administrator's choice). A routing domain may be written ~name, as
 * resolvectl shows it; the ~ is implied. */
static bool parse_search(const struct config_file *f, const struct config_key *k, const char *value,
			 void *field, char why[static CONFIG_ERR_MAX])
{
	char items[CFG_MAX_SEARCH][CONFIG_LIST_ITEM_MAX];
	struct config_net *net = field;
	bool routing = strcmp(k->name, "dns_routing_domains") == 0;
	char(*out)[MSG_DOMAIN_MAX + 1] = routing ? net->routing : net->search;
	unsigned *n = routing ? &net->n_routing : &net->n_search;
	char q[CONFIG_QUOTE_MAX];

	(void)f;
	_Static_assert(CFG_MAX_ROUTING == CFG_MAX_SEARCH, "items holds either list");
	if (!config_key_split(value, items, CFG_MAX_SEARCH, n, why))
		return false;
	for (unsigned i = 0; i < *n; i++) {
		const char *d = items[i] + (routing && items[i][0] == '~');

		if (!config_key_is_hostname(d) || strlen(d) > MSG_DOMAIN_MAX) {
			config_key_why(why,
				       "%s is not a domain name; list domains such as corp.example",
				       config_file_quote(items[i], q));
			return false;
		}
		memcpy(out[i], d, strlen(d) + 1);
	}
	return true;
}

/* workers = auto (0: one per CPU the gateway may run on, resolved at start)
 * or a count. */
static bool parse_workers(const struct config_file *f, const struct config_key *k,
			  const char *value, void *field, char why[static CONFIG_ERR_MAX])
{
	if (strcmp(value, "auto") == 0) {
		*(unsigned *)field = 0;
		return true;
	}
	if (config_key_uint(f, k, value, field, why))
		return true;
	/* The number's message, with the word it also takes. */
	strncat(why, ", or auto", CONFIG_ERR_MAX - strlen(why) - 1);
	return false;
}

/* lease_file and audit_log = PATH or none: the file need not exist yet
 * (the gateway writes it), but its directory must, so a typo shows at load. */
static bool parse_lease_file(const struct config_file *f, const struct config_key *k,
			     const char *value, void *field, char why[static CONFIG_ERR_MAX])
{
	char *path = field, dir[PATH_MAX], *slash;
	struct stat st;
	int n;

	if (strcmp(value, "none") == 0) {
		snprintf(path, k->size, "none");
		return true;
	}
	if (value[0] == '\0' || value[strlen(value) - 1] == '/') {
		config_key_why(why, "give a file name, e.g. %s, or none", k->example);
		return false;
	}
	n = value[0] == '/' ? snprintf(path, k->size, "%s", value)
			    : snprintf(path, k->size, "%s/%s", f->dir, value);
	if (n < 0 || (size_t)n >= k->size) {
		config_key_why(why, "the path is too long");
		return false;
	}
	snprintf(dir, sizeof(dir), "%s", path);
	slash = strrchr(dir, '/');
	if (slash != NULL)
		*(slash == dir ? slash + 1 : slash) = '\0';
	if (stat(dir, &st) < 0 || !S_ISDIR(st.st_mode)) {
		config_key_why(why,
			       "the directory %s does not exist; create it (mkdir -p %s) or set "
			       "%s = none",
			       dir, dir, k->name);
		path[0] = '\0';
		return false;
	}
	return true;
}

/* ca, cert and key. A reload keeps the running ones (server/reload.c) and
 * the gateway may no longer read its key by then: paths only. */
static bool parse_kept_file(const struct config_file *f, const struct config_key *k,
			    const char *value, void *field, char why[static CONFIG_ERR_MAX])
{
	if (f->paths_only && !(k->offset == SRV(key) && p11uri_is(value)))
		return config_key_path(f, k, value, field, why);
	if (k->offset == SRV(key))
		return config_key_private_key(f, k, value, field, why);
	if (k->offset == SRV(key_passphrase_file))
		return config_key_private_file(f, k, value, field, why);
	return config_key_file(f, k, value, field, why);
}

/* user = NAME (and control_group = NAME): a name as useradd accepts it (the gateway checks that
 * it exists, server/confine.c), or root. */
static bool parse_user(const struct config_file *f, const struct config_key *k,
		       const char *value, void *field, char why[static CONFIG_ERR_MAX])
{
	char q[CONFIG_QUOTE_MAX];
	size_t len = strlen(value);
	bool ok = len > 0 && len < k->size && value[0] != '-';

	(void)f;
	for (size_t i = 0; ok && i < len; i++)
		ok = isalnum((unsigned char)value[i]) || value[i] == '_' || value[i] == '-' ||
		     value[i] == '.';
	if (!ok && k->offset == SRV(control_group)) {
		config_key_why(why,
			       "%s is not a group name; name the system group whose members may "
			       "run the read-only mtlsvpnctl commands, e.g. mtlsvpn-admin",
			       config_file_quote(value, q));
		return false;
	}
	if (!ok) {
		config_key_why(why,
			       "%s is not a user name; name the unprivileged user the gateway "
			       "runs as, e.g. mtlsvpn, or root to keep root",
			       config_file_quote(value, q));
		return false;
	}
	snprintf(field, k->size, "%s", value);
	return true;
}

/* control = PATH (absolute; a Unix socket path fits 107 bytes) or "none". */
static bool parse_control(const struct config_file *f, const struct config_key *k,
			  const char *value, void *field, char why[static CONFIG_ERR_MAX])
{
	char q[CONFIG_QUOTE_MAX];

	(void)f;
	if (strcmp(value, "none") == 0) {
		((char *)field)[0] = 0;
		return true;
	}
	if (value[0] != '/' || strlen(value) >= k->size) {
		config_key_why(why,
			       "%s is not an absolute path of at most %zu bytes; use e.g. "
			       "/run/mtlsvpn/control, or none",
			       config_file_quote(value, q), k->size - 1);
		return false;
	}
	snprintf(field, k->size, "%s", value);
	return true;
}

/* metrics = ADDRESS:PORT (numeric, port default 9560) or "none". */
static bool parse_metrics(const struct config_file *f, const struct config_key *k,
			  const char *value, void *field, char why[static CONFIG_ERR_MAX])
{
	struct config_server *s = field;
	char q[CONFIG_QUOTE_MAX];

	(void)f;
	(void)k;
	s->metrics_len = 0;
	if (strcmp(value, "none") == 0)
		return true;
	if (!addr_parse_sockaddr(value, 9560, &s->metrics, &s->metrics_len) ||
	    sockaddr_port(&s->metrics) == 0) {
		s->metrics_len = 0;
		config_key_why(why,
			       "%s is not a numeric address and port; use e.g. 127.0.0.1:9560 or "
			       "[::1]:9560, or none",
			       config_file_quote(value, q));
		return false;
	}
	return true;
}

enum {
	K_LISTEN,
	K_CA,
	K_CERT,
	K_KEY,
	K_TUN,
	K_MTU,
	K_KEEPALIVE,
	K_DEAD_PEER,
	K_HANDSHAKE,
	K_MAX_CLIENTS,
	K_MAX_HANDSHAKES,
	K_MAX_HANDSHAKES_SRC,
	K_IDENTITY,
	K_LOG_LEVEL,
	K_CERT_WARN_DAYS,
	K_CRL,
	K_CRL_EXPIRED,
	K_DENY_SERIALS,
	K_DENY_IDENTITIES,
	K_MAX_LIFETIME,
	K_OCSP,
	K_OCSP_RESPONDER,
	K_OCSP_TIMEOUT,
	K_OCSP_FAIL,
	K_OCSP_CACHE,
	K_IPV4,
	K_IPV6,
	K_ROUTES,
	K_DNS,
	K_SEARCH,
	K_DEFAULT_GROUP,
	K_GROUP_FROM,
	K_LOG_DROPS,
	K_LEASE_FILE,
	K_MAX_PER_IDENTITY,
	K_CONTROL,
	K_USER,
	K_DNS_ROUTING,
	K_CONTROL_GROUP,
	K_METRICS,
	K_KEY_PASSPHRASE_FILE,
	K_PKCS11_MODULE,
	K_TLS_RESUMPTION,
	K_TLS_TICKET_LIFETIME,
	K_PROXY_PROTOCOL,
	K_PROXY_FROM,
	K_POOL_SLICE,
	K_AUDIT_LOG,
	K_OPENCONNECT,
	K_OPENCONNECT_TLS12,
	K_OFFLOAD,
	K_WORKERS,
	K_UDP,
	K_UDP_PORT,
	K_UDP_REKEY_INTERVAL,
	K_UDP_DETACH_GRACE,
	K_MSS_CLAMP,
	K_ENROLL,
	K_ENROLL_CA_DIR,
	K_CERT_LIFETIME,
	K_ENROLL_REVOKE_OLD,
	K_ENROLL_CA_KEY,
	K_BUSY_POLL,
	K_TUN_QUEUE,
	K_COUNT
};

/* Sections and keys are matched in lowercase (iniparser folds them);
 * values are never folded. */
/* clang-format off */
static const struct config_key server_keys[K_COUNT] = {
	[K_LISTEN] = {.section = "gateway", .name = "listen", .parse = parse_listen,
		.example = "0.0.0.0:8443"},
	[K_CA] = {.section = "gateway", .name = "ca", .parse = parse_kept_file, .offset = SRV(ca),
		.size = PATH_MAX, .required = true, .example = "ca.crt",
		.what = "the CA bundle client certificates must chain to"},
	[K_CERT] = {.section = "gateway", .name = "cert", .parse = parse_kept_file,
		.offset = SRV(cert), .size = PATH_MAX, .required = true, .example = "server.crt",
		.what = "the gateway certificate with its chain"},
	[K_KEY] = {.section = "gateway", .name = "key", .parse = parse_kept_file,
		.offset = SRV(key), .size = PATH_MAX, .required = true, .example = "server.key",
		.what = "the gateway certificate's private key"},
	[K_TUN] = {.section = "gateway", .name = "tun", .parse = config_key_tun,
		.offset = SRV(tun), .size = IFNAMSIZ, .example = "mtlsvpn0"},
	[K_MTU] = {.section = "gateway", .name = "mtu", .parse = config_key_uint,
		.offset = SRV(mtu), .min = MSG_MTU_MIN, .max = MSG_MTU_MAX, .example = "1400"},
	[K_KEEPALIVE] = {.section = "gateway", .name = "keepalive", .parse = config_key_uint,
		.offset = SRV(keepalive), .min = MSG_KEEPALIVE_MIN, .max = MSG_KEEPALIVE_MAX,
		.example = "10"},
	[K_DEAD_PEER] = {.section = "gateway", .name = "dead_peer_timeout",
		.parse = config_key_uint, .offset = SRV(dead_peer_timeout), .min = 2, .max = 86400,
		.example = "30"},
	[K_HANDSHAKE] = {.section = "gateway", .name = "handshake_timeout",
		.parse = config_key_uint, .offset = SRV(handshake_timeout), .min = 1, .max = 120,
		.example = "10"},
	[K_MAX_CLIENTS] = {.section = "gateway", .name = "max_clients", .parse = config_key_uint,
		.offset = SRV(max_clients), .min = 1, .max = 65536, .example = "1024"},
	[K_MAX_HANDSHAKES] = {.section = "gateway", .name = "max_handshakes",
		.parse = config_key_uint, .offset = SRV(max_handshakes), .min = 1, .max = 65536,
		.example = "256"},
	[K_MAX_HANDSHAKES_SRC] = {.section = "gateway", .name = "max_handshakes_per_source",
		.parse = config_key_uint, .offset = SRV(max_handshakes_per_source), .min = 1,
		.max = 65536, .example = "32"},
	[K_IDENTITY] = {.section = "gateway", .name = "identity", .parse = parse_identity,
		.offset = SRV(identity), .example = "cn"},
	[K_LOG_LEVEL] = {.section = "gateway", .name = "log_level", .parse = config_key_log_level,
		.offset = SRV(log_level), .example = "info"},
	[K_CERT_WARN_DAYS] = {.section = "gateway", .name = "cert_warn_days",
		.parse = config_key_uint, .offset = SRV(cert_warn_days), .min = 0, .max = 3650,
		.example = "14"},
	[K_CRL] = {.section = "gateway", .name = "crl", .parse = config_revoke_crl, .offset = 0,
		.example = "crl.pem"},
	[K_CRL_EXPIRED] = {.section = "gateway", .name = "crl_expired", .parse = config_revoke_crl_expired,
		.offset = SRV(crl_expired), .example = "warn"},
	[K_DENY_SERIALS] = {.section = "gateway", .name = "deny_serials",
		.parse = config_revoke_deny_serials, .offset = 0, .example = "1A2B3C"},
	[K_DENY_IDENTITIES] = {.section = "gateway", .name = "deny_identities",
		.parse = config_revoke_deny_identities, .offset = 0, .example = "alice@corp.example"},
	[K_MAX_LIFETIME] = {.section = "gateway", .name = "max_session_lifetime",
		.parse = config_key_uint, .offset = SRV(max_session_lifetime), .min = 0,
		.max = 31536000, .example = "86400"},
	[K_OCSP] = {.section = "gateway", .name = "ocsp", .parse = config_key_bool,
		.offset = SRV(ocsp), .example = "on"},
	[K_OCSP_RESPONDER] = {.section = "gateway", .name = "ocsp_responder",
		.parse = config_revoke_ocsp_responder, .offset = SRV(ocsp_responder),
		.size = sizeof(((struct config_server *)0)->ocsp_responder),
		.example = "http://10.20.0.5:8888/ocsp"},
	[K_OCSP_TIMEOUT] = {.section = "gateway", .name = "ocsp_timeout",
		.parse = config_revoke_ocsp_timeout, .offset = SRV(ocsp_timeout_ms), .example = "3s"},
	[K_OCSP_FAIL] = {.section = "gateway", .name = "ocsp_fail", .parse = config_revoke_ocsp_fail,
		.offset = SRV(ocsp_fail), .example = "closed"},
	[K_OCSP_CACHE] = {.section = "gateway", .name = "ocsp_cache", .parse = config_key_uint,
		.offset = SRV(ocsp_cache), .min = 0, .max = 86400, .example = "300"},
	[K_IPV4] = {.section = "pool", .name = "ipv4", .parse = parse_pool,
		.offset = SRV(net.pool4), .min = 8, .max = 30, .example = "10.8.0.0/24"},
	[K_IPV6] = {.section = "pool", .name = "ipv6", .parse = parse_pool,
		.offset = SRV(net.pool6), .min = 16, .max = 126, .example = "fd00:8::/64"},
	[K_ROUTES] = {.section = "pool", .name = "routes", .parse = parse_routes,
		.offset = SRV(net), .example = "10.20.0.0/24"},
	[K_DNS] = {.section = "pool", .name = "dns", .parse = parse_dns, .offset = SRV(net),
		.example = "10.20.0.53"},
	[K_SEARCH] = {.section = "pool", .name = "search", .parse = parse_search,
		.offset = SRV(net), .example = "corp.example"},
	[K_DEFAULT_GROUP] = {.section = "gateway", .name = "default_group",
		.parse = config_group_parse_default, .offset = SRV(default_group_name),
		.example = "deny"},
	[K_GROUP_FROM] = {.section = "gateway", .name = "group_from",
		.parse = config_group_parse_from, .offset = SRV(group_from), .example = "ou"},
	[K_LOG_DROPS] = {.section = "gateway", .name = "log_drops", .parse = config_key_bool,
		.offset = SRV(log_drops), .example = "yes"},
	[K_LEASE_FILE] = {.section = "gateway", .name = "lease_file", .parse = parse_lease_file,
		.offset = SRV(lease_file), .size = PATH_MAX, .example = "/var/lib/mtlsvpn/leases"},
	[K_MAX_PER_IDENTITY] = {.section = "gateway", .name = "max_sessions_per_identity",
		.parse = config_key_uint, .offset = SRV(max_sessions_per_identity), .min = 1,
		.max = 64, .example = "1"},
	[K_CONTROL] = {.section = "gateway", .name = "control", .parse = parse_control,
		.offset = SRV(control), .size = sizeof(((struct config_server *)0)->control),
		.example = "/run/mtlsvpn/control"},
	[K_USER] = {.section = "gateway", .name = "user", .parse = parse_user,
		.offset = SRV(user), .size = sizeof(((struct config_server *)0)->user),
		.example = "mtlsvpn"},
	[K_DNS_ROUTING] = {.section = "pool", .name = "dns_routing_domains",
		.parse = parse_search, .offset = SRV(net), .example = "corp.example"},
	[K_CONTROL_GROUP] = {.section = "gateway", .name = "control_group", .parse = parse_user,
		.offset = SRV(control_group),
		.size = sizeof(((struct config_server *)0)->control_group),
		.example = "mtlsvpn-admin"},
	[K_METRICS] = {.section = "gateway", .name = "metrics", .parse = parse_metrics,
		.example = "127.0.0.1:9560"},
	[K_KEY_PASSPHRASE_FILE] = {.section = "gateway", .name = "key_passphrase_file",
		.parse = parse_kept_file, .offset = SRV(key_passphrase_file), .size = PATH_MAX,
		.example = "/etc/mtlsvpn/server.pass", .what = "the passphrase of an encrypted key"},
	[K_PKCS11_MODULE] = {.section = "gateway", .name = "pkcs11_module",
		.parse = config_key_module, .offset = SRV(pkcs11_module), .size = PATH_MAX,
		.example = "p11-kit-proxy.so", .what = "the PKCS#11 module of key = pkcs11:..."},
	[K_TLS_RESUMPTION] = {.section = "gateway", .name = "tls_resumption",
		.parse = config_key_bool, .offset = SRV(tls_resumption), .example = "on"},
	[K_TLS_TICKET_LIFETIME] = {.section = "gateway", .name = "tls_ticket_lifetime",
		.parse = config_key_uint, .offset = SRV(tls_ticket_lifetime), .min = 1,
		.max = 604800, .example = "28800"},
	[K_PROXY_PROTOCOL] = {.section = "gateway", .name = "proxy_protocol",
		.parse = config_key_bool, .offset = SRV(proxy_protocol), .example = "on"},
	[K_PROXY_FROM] = {.section = "gateway", .name = "proxy_from",
		.parse = config_lb_proxy_from, .offset = 0, .example = "10.0.0.5"},
	[K_POOL_SLICE] = {.section = "gateway", .name = "pool_slice",
		.parse = config_lb_pool_slice, .offset = 0, .example = "1/2"},
	[K_AUDIT_LOG] = {.section = "gateway", .name = "audit_log", .parse = parse_lease_file,
		.offset = SRV(audit_log), .size = PATH_MAX, .example = "/var/log/mtlsvpn/audit.json"},
	[K_OPENCONNECT] = {.section = "gateway", .name = "openconnect",
		.parse = config_key_bool, .offset = SRV(openconnect), .example = "on"},
	[K_OPENCONNECT_TLS12] = {.section = "gateway", .name = "openconnect_tls12",
		.parse = config_key_bool, .offset = SRV(openconnect_tls12), .example = "on"},
	[K_OFFLOAD] = {.section = "gateway", .name = "offload",
		.parse = config_key_bool, .offset = SRV(offload), .example = "on"},
	[K_WORKERS] = {.section = "gateway", .name = "workers", .parse = parse_workers,
		.offset = SRV(workers), .min = 1, .max = CONFIG_WORKERS_MAX, .example = "auto"},
	[K_UDP] = {.section = "gateway", .name = "udp", .parse = config_key_bool,
		.offset = SRV(udp), .example = "on"},
	[K_UDP_PORT] = {.section = "gateway", .name = "udp_port", .parse = config_key_uint,
		.offset = SRV(udp_port), .min = 1, .max = 65535, .example = "8443"},
	[K_UDP_REKEY_INTERVAL] = {.section = "gateway", .name = "udp_rekey_interval",
		.parse = config_key_uint, .offset = SRV(udp_rekey_interval), .min = 10, .max = 120,
		.example = "120"},
	[K_UDP_DETACH_GRACE] = {.section = "gateway", .name = "udp_detach_grace",
		.parse = config_key_uint, .offset = SRV(udp_detach_grace), .min = 0, .max = 300,
		.example = "30"},
	[K_MSS_CLAMP] = {.section = "gateway", .name = "mss_clamp", .parse = config_key_mss_clamp,
		.offset = SRV(mss_clamp), .min = DCHAN_PMTU_CLAMP_MIN, .max = DCHAN_PMTU_CLAMP_MAX,
		.example = "auto"},
	[K_ENROLL] = {.section = "gateway", .name = "enroll", .parse = config_key_bool,
		.offset = SRV(enroll), .example = "on"},
	[K_ENROLL_CA_DIR] = {.section = "gateway", .name = "enroll_ca_dir",
		.parse = config_key_path, .offset = SRV(enroll_ca_dir), .size = PATH_MAX,
		.example = "/etc/mtlsvpn/ca", .what = "the CA directory the gateway signs from"},
	[K_CERT_LIFETIME] = {.section = "gateway", .name = "cert_lifetime",
		.parse = config_enroll_lifetime, .offset = SRV(cert_lifetime), .example = "30d"},
	[K_ENROLL_REVOKE_OLD] = {.section = "gateway", .name = "enroll_revoke_old",
		.parse = config_key_bool, .offset = SRV(enroll_revoke_old), .example = "on"},
	[K_ENROLL_CA_KEY] = {.section = "gateway", .name = "enroll_ca_key",
		.parse = config_enroll_ca_key, .offset = SRV(enroll_ca_key),
		.size = sizeof(((struct config_server *)0)->enroll_ca_key),
		.example = "\"pkcs11:token=ca;object=issuing?pin-source=file:/etc/mtlsvpn/ca.pin\""},
	[K_BUSY_POLL] = {.section = "gateway", .name = "busy_poll_us", .parse = config_key_busy_poll,
		.offset = SRV(busy_poll_us), .min = 0, .max = BUSYPOLL_WINDOW_MAX_US, .example = "100"},
	[K_TUN_QUEUE] = {.section = "gateway", .name = "tun_queue", .parse = config_key_uint,
		.offset = SRV(tun_queue), .min = CONFIG_TUN_QUEUE_MIN, .max = CONFIG_TUN_QUEUE_MAX,
		.example = "16"},
};
/* clang-format on */

/* "group NAME" names the [group NAME] sections in messages; they are read
 * by config_group.c, never matched here. */
static const char *const server_sections[] = {"gateway", "pool", "group NAME", NULL};

/* The keys a [group NAME] shares with [pool], relative to a config_group;
 * config_group.c reads the rest of a group. */
#define GRP(field) offsetof(struct config_group, field)
/* clang-format off */
static const struct config_key group_net_keys[] = {
	{.section = "group", .name = "ipv4", .parse = parse_pool, .offset = GRP(net.pool4),
		.min = 8, .max = 30, .example = "10.8.1.0/24"},
	{.section = "group", .name = "ipv6", .parse = parse_pool, .offset = GRP(net.pool6),
		.min = 16, .max = 126, .example = "fd00:8:1::/64"},
	{.section = "group", .name = "routes", .parse = parse_routes, .offset = GRP(net)},
	{.section = "group", .name = "dns", .parse = parse_dns, .offset = GRP(net)},
	{.section = "group", .name = "search", .parse = parse_search, .offset = GRP(net)},
	{.section = "group", .name = "dns_routing_domains", .parse = parse_search,
		.offset = GRP(net)},
	{.section = "group", .name = "cert_lifetime", .parse = config_enroll_lifetime,
		.offset = GRP(cert_lifetime), .example = "7d"},
};
/* clang-format on */

size_t config_server_key_names(struct config_key_name *out, size_t max)
{
	size_t n = 0;

	config_key_names(server_keys, K_COUNT, out, max, &n);
	config_key_names(group_net_keys, sizeof(group_net_keys) / sizeof(group_net_keys[0]), out,
			 max, &n);
	config_group_key_names(out, max, &n);
	return n;
}

static void set_defaults(struct config_server *s)
{
	memset(s, 0, sizeof(*s));
	/* Cannot fail: a constant the parser accepts. */
	addr_parse_sockaddr("0.0.0.0:8443", DEFAULT_PORT, &s->listen, &s->listen_len);
	snprintf(s->tun, sizeof(s->tun), "mtlsvpn0");
	s->mtu = 1400;
	s->keepalive = 10;
	s->handshake_timeout = 10;
	s->max_clients = 1024;
	s->max_handshakes = 256;
	s->max_handshakes_per_source = 32;
	s->identity.kind = IDENTITY_CN;
	snprintf(s->user, sizeof(s->user), "mtlsvpn");
	s->log_level = 0;
	s->cert_warn_days = 14;
	s->ocsp_timeout_ms = 3000;
	s->ocsp_cache = 300;
	snprintf(s->net.name, sizeof(s->net.name), "default");
	s->lease_file[0] = '\0'; /* "leases" next to the file, set by the loader */
	s->max_sessions_per_identity = 1;
	snprintf(s->control, sizeof(s->control), "/run/mtlsvpn/control");
	s->tls_resumption = true;
	s->offload = true;
	s->tls_ticket_lifetime = 28800;
	s->workers = 0; /* auto */
	s->udp = true;
	s->udp_rekey_interval = 120;
	s->udp_detach_grace = 30;
	s->mss_clamp = DCHAN_PMTU_CLAMP_AUTO;
	s->cert_lifetime = CONFIG_CERT_LIFETIME_DEFAULT;
	s->busy_poll_us = CONFIG_BUSY_POLL_DEFAULT_US;
	s->tun_queue = CONFIG_TUN_QUEUE_DEFAULT;
}

/* The TLS listen port's number: udp_port's default. */
static unsigned listen_port(const struct sockaddr_storage *ss)
{
	if (ss->ss_family == AF_INET6)
		return ntohs(((const struct sockaddr_in6 *)(const void *)ss)->sin6_port);
	return ntohs(((const struct sockaddr_in *)(const void *)ss)->sin_port);
}

static int check_across(const struct config_file *f, struct config_server *s, const unsigned *lines,
			char *err)
{
	const struct config_item *pool;

	pool = config_file_find(f, "pool", NULL);
	if (s->net.pool4.addr.family == 0 && s->net.pool6.addr.family == 0 &&
	    (pool != NULL || s->n_groups == 0)) {
		if (pool != NULL)
			return config_file_errf(f, pool->line, "pool", NULL, err,
						"neither ipv4 nor ipv6 is set; add ipv4 = "
						"10.8.0.0/24, ipv6 = fd00:8::/64 or both");
		return config_file_errf(f, 0, "pool", NULL, err,
					"the section is missing; add [pool] with ipv4 = "
					"10.8.0.0/24, ipv6 = fd00:8::/64 or both");
	}
	if (lines[K_DEAD_PEER] == 0) {
		s->dead_peer_timeout = 3 * s->keepalive;
	} else if (s->dead_peer_timeout <= s->keepalive) {
		char where[32];

		if (lines[K_KEEPALIVE] != 0)
			snprintf(where, sizeof(where), "line %u", lines[K_KEEPALIVE]);
		else
			snprintf(where, sizeof(where), "the default");
		return config_file_errf(f, lines[K_DEAD_PEER], "gateway", "dead_peer_timeout", err,
					"%u is not greater than keepalive (%u, %s); use more "
					"than %u, e.g. %u",
					s->dead_peer_timeout, s->keepalive, where, s->keepalive,
					3 * s->keepalive);
	}
	/* udp_port: the TLS port's number unless set. */
	if (lines[K_UDP_PORT] == 0)
		s->udp_port = listen_port(&s->listen);
	if (s->openconnect_tls12 && !s->openconnect)
		return config_file_errf(f, lines[K_OPENCONNECT_TLS12], "gateway", "openconnect_tls12",
					err, "is on but openconnect is not; add openconnect = on, "
					"or remove openconnect_tls12");
	if (config_enroll_check(f, s, lines[K_ENROLL], lines[K_ENROLL_CA_DIR],
				lines[K_ENROLL_REVOKE_OLD], lines[K_ENROLL_CA_KEY], err) < 0)
		return -1;
	return config_lb_check(f, s, lines[K_PROXY_PROTOCOL], err);
}

/* [gateway] and [pool] by the key table, then the groups. */
static int apply(const struct config_file *f, struct config_server *out, unsigned *lines,
		 char *err)
{
	struct config_file view;
	int rc;

	if (config_group_view(f, &view, err) < 0)
		return -1;
	rc = config_key_apply(&view, server_sections, server_keys, K_COUNT, out, lines, err);
	free(view.items);
	/* lease_file: "leases" next to the file unless set; none = "". */
	if (out->lease_file[0] == '\0')
		snprintf(out->lease_file, sizeof(out->lease_file), "%.*s/leases", PATH_MAX - 8,
			 f->dir);
	else if (strcmp(out->lease_file, "none") == 0)
		out->lease_file[0] = '\0';
	if (strcmp(out->audit_log, "none") == 0)
		out->audit_log[0] = '\0';
	if (rc == 0)
		rc = config_group_load(f, out, group_net_keys,
				       sizeof(group_net_keys) / sizeof(group_net_keys[0]),
				       lines[K_DEFAULT_GROUP], err);
	return rc;
}

static int load(const char *path, struct config_server *out, bool paths_only,
		char err[static CONFIG_ERR_MAX])
{
	unsigned lines[K_COUNT];
	struct config_file f;
	int rc;

	set_defaults(out);
	if (config_file_load(&f, path, "gateway", err) < 0)
		return -1;
	f.paths_only = paths_only;
	if (snprintf(out->path, sizeof(out->path), "%s", path) >= (int)sizeof(out->path))
		rc = config_file_errf(&f, 0, NULL, NULL, err,
				      "the path is too long; use a shorter one");
	else if (f.n_items == 0)
		rc =
		    config_file_errf(&f, 0, NULL, NULL, err,
				     "the file has no settings; a gateway needs [gateway] with ca, "
				     "cert and key, and [pool] with ipv4 or ipv6 (see "
				     "server.ini.example)");
	else
		rc = apply(&f, out, lines, err);
	if (rc == 0)
		rc = check_across(&f, out, lines, err);
	config_file_free(&f);
	return rc;
}

int config_server_load(const char *path, struct config_server *out, char err[static CONFIG_ERR_MAX])
{
	return load(path, out, false, err);
}

int config_server_reload(const char *path, struct config_server *out,
			 char err[static CONFIG_ERR_MAX])
{
	return load(path, out, true, err);
}
