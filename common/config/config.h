/*
 * config.h - server.ini and client.ini; config.c is the only iniparser user.
 * Loading validates everything: unknown sections and keys are errors, and
 * every error names the file, the line if known, the section and key, what
 * is wrong and what would be valid. Relative paths are resolved against the
 * config file's directory. Identities only ever appear in values (iniparser
 * lowercases section and key names), so they are never case-folded.
 */
#ifndef MTLSVPN_CONFIG_H
#define MTLSVPN_CONFIG_H

#include <limits.h>
#include <net/if.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>

#include "addr.h"
#include "dchan_pmtu.h"
#include "identity.h"
#include "msg.h"
#include "proto.h"
#include "renew_plan.h"

#define CONFIG_ERR_MAX 1024

/* The network handed to a group's clients: its pools and what is pushed. */
struct config_net {
	char name[64];                 /* the group's name; "default" for [pool] */
	struct prefix pool4;           /* family 0 if none */
	struct prefix pool6;           /* family 0 if none */
	struct prefix routes[CFG_MAX_ROUTES];
	unsigned n_routes;
	struct ipaddr dns[CFG_MAX_DNS];
	unsigned n_dns;
	char search[CFG_MAX_SEARCH][MSG_DOMAIN_MAX + 1];
	unsigned n_search;
	char routing[CFG_MAX_ROUTING][MSG_DOMAIN_MAX + 1]; /* dns_routing_domains */
	unsigned n_routing;
};

/* Groups: [pool] (the implicit group "default", everything allowed) and
 * [group NAME] sections. Lists are bounded so the struct holds them all:
 * rule expressions and identities live in text[], referenced by offset. */
#define CFG_MAX_GROUPS 32
#define CFG_GROUP_NAME_MAX 32      /* with the NUL */
#define CFG_MAX_RULES 1024         /* all groups, both directions */
#define CFG_RULE_NUMBER_MAX 9999
#define CFG_MAX_MEMBERS 2048
#define CFG_MAX_STATICS 1024
#define CFG_TEXT_MAX (192 * 1024)

/* One rule: ruleN (packets the client sends) or inbound_ruleN (packets to
 * it that no flow it opened explains). */
struct config_rule {
	uint16_t group;
	uint16_t number;               /* N of ruleN */
	bool inbound;
	bool deny;                     /* allow otherwise */
	unsigned line;
	uint32_t expr;                 /* offset in text: the pcap-filter expression */
};

struct config_member {
	uint16_t group;
	uint32_t identity;             /* offset in text, byte for byte */
};

struct config_static {
	uint16_t group;
	uint32_t identity;             /* offset in text */
	struct ipaddr addr;
	unsigned line;
};

struct config_group {
	struct config_net net;         /* name, pools, routes, dns, search */
	unsigned line;                 /* of its section header */
	bool allow_all;                /* [pool]: no rules, every packet allowed */
	unsigned first_rule, n_rules;  /* outbound rules, in order, in rules[] */
	unsigned first_inbound, n_inbound;
	unsigned cert_lifetime;        /* s, enrollment; 0: [gateway] cert_lifetime */
};

#define CFG_MAX_CRL 8
#define CFG_MAX_DENY 64
#define CFG_MAX_PROXY_FROM 16
#define CFG_MAX_POOL_SLICES 256
#define CFG_SERIAL_MAX 32

/* What a CRL past its nextUpdate does to new sessions. */
enum config_crl_expired { CONFIG_CRL_EXPIRED_WARN, CONFIG_CRL_EXPIRED_REFUSE };

/* What an unanswered OCSP query does to a new session. */
enum config_ocsp_fail { CONFIG_OCSP_FAIL_CLOSED, CONFIG_OCSP_FAIL_OPEN };

/* A certificate serial, big endian, leading zero bytes removed. */
struct config_serial {
	uint8_t b[CFG_SERIAL_MAX];
	uint8_t len;
};

/* [gateway] group_from: which certificate field names groups, if any. */
struct config_group_from {
	bool ou;                    /* group_from = ou */
	char oid[IDENTITY_OID_MAX]; /* group_from = oid:DOTTED; "" = not */
};

struct config_server {
	char path[PATH_MAX];           /* the file it came from */
	struct sockaddr_storage listen;
	socklen_t listen_len;
	char ca[PATH_MAX], cert[PATH_MAX], key[PATH_MAX];
	char tun[IFNAMSIZ];
	unsigned mtu;                  /* MSG_MTU_MIN..MSG_MTU_MAX, default 1400 */
	unsigned keepalive;            /* s, default 10 */
	unsigned dead_peer_timeout;    /* s, default 3 x keepalive; > keepalive */
	unsigned handshake_timeout;    /* s, default 10 */
	unsigned max_clients;          /* established sessions, default 1024 */
	unsigned max_handshakes;       /* half-open connections, default 256 */
	unsigned max_handshakes_per_source; /* of them from one IPv4 address or IPv6 /64, default 32 */
	struct identity_source identity; /* default cn */
	int log_level;                 /* 0 info, 1 debug */
	unsigned cert_warn_days;       /* warn clients this many days before notAfter; 0 = never, default 14 */
	struct config_net net;
	/* Revocation: the only keys a SIGHUP changes on a running gateway. */
	char crl[CFG_MAX_CRL][PATH_MAX]; /* PEM or DER CRLs, resolved paths */
	unsigned n_crl;
	enum config_crl_expired crl_expired; /* default warn */
	struct config_serial deny_serials[CFG_MAX_DENY];
	unsigned n_deny_serials;
	char deny_identities[CFG_MAX_DENY][IDENTITY_MAX + 1]; /* byte for byte */
	unsigned n_deny_identities;
	unsigned max_session_lifetime; /* s; 0 = unlimited (default) */
	char lease_file[PATH_MAX];     /* sticky leases across restarts; "" = none */
	unsigned max_sessions_per_identity; /* default 1: a newer session replaces the oldest */
	/* Groups and access rules (docs/admin-guide.md "Groups and access
	 * rules"); config_group.c. groups[0] is [pool] if present. */
	struct config_group groups[CFG_MAX_GROUPS];
	unsigned n_groups;
	char default_group_name[CFG_GROUP_NAME_MAX]; /* as written; "" = unset */
	int default_group;             /* index in groups; -1 = refuse (deny) */
	struct config_group_from group_from; /* default none */
	bool log_drops;                /* rate-limited log of denied packets */
	struct config_rule rules[CFG_MAX_RULES]; /* by group, direction, number */
	unsigned n_rules;
	struct config_member members[CFG_MAX_MEMBERS];
	unsigned n_members;
	struct config_static statics[CFG_MAX_STATICS];
	unsigned n_statics;
	char text[CFG_TEXT_MAX];
	size_t text_len;
	/* OCSP for client certificates (docs/admin-guide.md section 9). */
	bool ocsp;                     /* default off */
	char ocsp_responder[256];      /* http:// URL; "" = the certificate's AIA */
	unsigned ocsp_timeout_ms;      /* default 3000 */
	enum config_ocsp_fail ocsp_fail; /* default closed */
	unsigned ocsp_cache;           /* s to keep an answer, capped by nextUpdate; default 300 */
	/* The admin socket (server/control.c); "" = none. */
	char control[108];             /* absolute path, default /run/mtlsvpn/control */
	/* Who the gateway runs as once set up (server/confine.c); "root"
	 * keeps root. A name; whether it exists is the gateway's to check. */
	char user[33];                 /* default mtlsvpn */
	/* Members of this system group may use the control socket's
	 * read-only commands (status); "" = root only. */
	char control_group[33];
	/* The Prometheus endpoint (server/metrics.c); metrics_len 0 = none. */
	struct sockaddr_storage metrics;
	socklen_t metrics_len;
	char key_passphrase_file[PATH_MAX]; /* "" = ask (terminal, systemd) */
	char pkcs11_module[PATH_MAX];  /* of key = pkcs11:...; "" = p11-kit-proxy.so */
	/* TLS 1.3 resumption (common/tls/tls_ticket.c). */
	bool tls_resumption;           /* default on */
	unsigned tls_ticket_lifetime;  /* s, default 28800 (RFC 8446 caps it at 7 days) */
	/* Behind a load balancer (docs/operations.md, config_lb.c). */
	bool proxy_protocol;           /* a PROXY v2 header precedes TLS; default off */
	struct prefix proxy_from[CFG_MAX_PROXY_FROM]; /* the balancers that may send it */
	unsigned n_proxy_from;
	unsigned pool_slice_k, pool_slice_n; /* lease from part K of N of each pool; 0/0 = all */
	/* The audit trail's JSON-lines file (server/audit.c); "" = none. */
	char audit_log[PATH_MAX];
	/* OpenConnect (AnyConnect) clients on the same listener
	 * (docs/openconnect.md); default off. tls12: they may use TLS 1.2
	 * (ECDHE + AEAD only); default off. */
	bool openconnect, openconnect_tls12;
	/* TUN segmentation offloads and DATA_GSO frames (docs/performance.md);
	 * default on. */
	bool offload;
	/* Event-loop threads (server/workers.c): 0 = auto (one per CPU of
	 * the affinity mask, at most CONFIG_WORKERS_MAX), the default. */
	unsigned workers;
	/* The UDP data channel (docs/protocol.md section 12): offered to
	 * clients when on (the default); udp_port defaults to the listen
	 * port's number, on the same address; an epoch this old is re-keyed. */
	bool udp;
	unsigned udp_port;             /* 1-65535 */
	unsigned udp_rekey_interval;   /* s, 10-120, default 120 */
	/* s a session whose TLS connection is lost while its UDP channel is
	 * up stays, detached, for a continuation (protocol.md 12.10); 0-300,
	 * default 30, 0 = off */
	unsigned udp_detach_grace;
	/* SYNs from the TUN get their MSS lowered (docs/protocol.md 12.15):
	 * DCHAN_PMTU_CLAMP_OFF, _AUTO (the default: the UDP channel's size
	 * while it carries the packets) or a number, 536-65495. */
	unsigned mss_clamp;
	/* EST enrollment and renewal (docs/protocol.md section 13,
	 * config_enroll.c): served when enroll is on (default off), signing
	 * from enroll_ca_dir; certificates live cert_lifetime seconds unless
	 * the group says otherwise; a renewal revokes the certificate it
	 * replaces when enroll_revoke_old is on (default off). */
	bool enroll, enroll_revoke_old;
	char enroll_ca_dir[PATH_MAX];
	/* The issuing key in a PKCS#11 token instead of the directory's key
	 * file: a pkcs11: URI with its PIN's source (pkcs11_module loads it);
	 * "" = the file. */
	char enroll_ca_key[1024];
	unsigned cert_lifetime;        /* s, default 30 days */
	/* After a turn that wrote a packet to the TUN, each worker polls this
	 * long for the answer before it sleeps (common/base/busypoll.h,
	 * docs/design.md "The event loop"); 0 = off. */
	unsigned busy_poll_us;         /* 0-BUSYPOLL_WINDOW_MAX_US */
	/* Packets the kernel holds for each TUN queue before a worker reads
	 * them (the device's txqueuelen): the queue towards clients an
	 * interactive packet waits in behind a download. */
	unsigned tun_queue;            /* CONFIG_TUN_QUEUE_MIN-MAX */
};
#define CONFIG_TUN_QUEUE_MIN 2
#define CONFIG_TUN_QUEUE_MAX 10000
#define CONFIG_TUN_QUEUE_DEFAULT 16
#define CONFIG_WORKERS_MAX 64
/* busy_poll_us when not set, gateway and client (docs/performance.md,
 * "Latency"). */
#define CONFIG_BUSY_POLL_DEFAULT_US 0

enum config_dns_mode { CONFIG_DNS_AUTO, CONFIG_DNS_NONE, CONFIG_DNS_RESOLVECTL, CONFIG_DNS_RESOLVCONF };

#define CONFIG_GROUP_NAME_MAX 32

struct config_client {
	char path[PATH_MAX];
	char gateway_host[256];        /* name or numeric address */
	unsigned gateway_port;         /* default 8443 */
	char server_name[256];         /* default: gateway_host */
	char ca[PATH_MAX], cert[PATH_MAX], key[PATH_MAX];
	char tun[IFNAMSIZ];            /* default "mtlsvpn0" */
	bool full_tunnel;              /* default false */
	enum config_dns_mode dns;      /* default auto */
	unsigned reconnect_min;        /* s, default 1 */
	unsigned reconnect_max;        /* s, default 60 */
	unsigned connect_timeout;      /* s, default 10 */
	int log_level;
	char state_dir[PATH_MAX];      /* the undo journal's; default /run/mtlsvpn */
	/* A profile (config_profile.h) embeds PEM texts in [ca], [cert] and
	 * [key] instead of paths: heap, NUL-terminated, NULL when the path
	 * field is used. Freed (the key wiped) by config_client_free. */
	char *ca_pem, *cert_pem, *key_pem;
	/* Everything but the gateway is blocked while the tunnel is down or
	 * reconnecting (client/linux/killswitch.c); needs full_tunnel. */
	bool kill_switch;              /* default false */
	/* Root and members of this group may read the status socket. */
	char status_group[CONFIG_GROUP_NAME_MAX + 1]; /* default mtlsvpn-status */
	char key_passphrase_file[PATH_MAX]; /* "" = ask (terminal, systemd) */
	char pkcs11_module[PATH_MAX];  /* of key = pkcs11:...; "" = p11-kit-proxy.so */
	bool offload;                  /* TUN offloads, DATA_GSO; default true */
	/* udp = auto: take the gateway's UDP data channel when it offers one
	 * (docs/protocol.md section 12); udp = off: TLS carries everything. */
	bool udp;                      /* default true (auto) */
	/* continue = auto: when the way to the gateway moves while the UDP
	 * channel is up, offer to continue the session on the new connection
	 * (docs/protocol.md 12.10); off: never, a reconnect is a new session. */
	bool continuation;             /* default true (auto) */
	unsigned mss_clamp;            /* as the gateway's; default auto */
	/* renew = auto: renew the certificate over EST (simplereenroll) at
	 * renew_at of its lifetime (docs/protocol.md 13.10); needs cert and
	 * key as files. off: never. */
	bool renew;                    /* default true (auto) */
	struct renew_at renew_at;      /* default 2/3 */
	unsigned busy_poll_us;         /* as the gateway's */
};

/* 0 on success; -1 with err = "server.ini:12 [gateway] mtu: '90000' is out
 * of range; use a number from 576 to 9000". Also checks that ca, cert and key
 * exist and that key is not readable by group or others. */
int config_server_load(const char *path, struct config_server *out, char err[static CONFIG_ERR_MAX]);
/* The same for a running gateway's reload: ca, cert and key, which it keeps
 * (server/reload.c), are resolved to paths but not opened, since the
 * gateway may no longer be allowed to read its key (server/confine.c). */
int config_server_reload(const char *path, struct config_server *out,
			 char err[static CONFIG_ERR_MAX]);
int config_client_load(const char *path, struct config_client *out, char err[static CONFIG_ERR_MAX]);
/* The same, but ca, cert and key are resolved to paths and not opened
 * (`mtlsvpn-client status`, run by someone who may not read them). */
int config_client_load_paths(const char *path, struct config_client *out,
			     char err[static CONFIG_ERR_MAX]);
/* Frees and wipes what config_client_load put on the heap; NULL is fine. */
void config_client_free(struct config_client *c);
/* A gateway value, "HOST[:PORT]" or "[V6]:PORT", into host and port
 * (8443 if none); false if it is not one. */
bool config_client_split_gateway(const char *value, char host[static 256], unsigned *port);

/* The group an identity belongs to: its INI membership first, then (with
 * group_from = ou or oid:DOTTED) the certificate's OU values or the values
 * of the subject attribute with that OID, then default_group. False with
 * *why if it belongs to none and default_group is deny, or its values name
 * more than one group. *how (may be NULL) says which rule decided:
 * "members", "ou", "oid" or "default_group". ci may be NULL (no
 * certificate). */
bool config_group_for(const struct config_server *s, const char *identity,
		      const struct cert_info *ci, unsigned *group, const char **how,
		      const char **why);
/* The static address of identity in group for family, or NULL. */
const struct ipaddr *config_static_for(const struct config_server *s, unsigned group,
				       const char *identity, int family);
static inline const char *config_text(const struct config_server *s, uint32_t off)
{
	return s->text + off;
}

/* The keys server.ini and client.ini may hold, read from the tables that
 * parse them (for the test that keeps the documentation in step). section
 * is "gateway", "pool", "group" (every [group NAME]) or "client", or a
 * profile's embedded "ca", "cert" and "key"; a name ending in N ("ruleN",
 * "pemN") stands for that prefix and a number. Each fills at most max
 * entries of out and returns how many keys there are. */
struct config_key_name {
	const char *section;
	const char *name;
};
size_t config_server_key_names(struct config_key_name *out, size_t max);
size_t config_client_key_names(struct config_key_name *out, size_t max);

/* 0 if path is a private key file only its owner can read; -1 with err
 * saying how to fix it (chmod 600). Exposed for tests and mtlsvpnctl. */
int config_check_key_mode(const char *path, char err[static CONFIG_ERR_MAX]);

#endif
