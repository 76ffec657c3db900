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
#include "identity.h"
#include "msg.h"
#include "proto.h"

#define CONFIG_ERR_MAX 512

/* The network handed to clients: one pool now; per-group pools come as an
 * array of these. */
struct config_net {
	char name[64];                 /* "default" */
	struct prefix pool4;           /* family 0 if none */
	struct prefix pool6;           /* family 0 if none */
	struct prefix routes[CFG_MAX_ROUTES];
	unsigned n_routes;
	struct ipaddr dns[CFG_MAX_DNS];
	unsigned n_dns;
	char search[CFG_MAX_SEARCH][MSG_DOMAIN_MAX + 1];
	unsigned n_search;
};

#define CFG_MAX_CRL 8
#define CFG_MAX_DENY 64
#define CFG_SERIAL_MAX 32

/* What a CRL past its nextUpdate does to new sessions. */
enum config_crl_expired { CONFIG_CRL_EXPIRED_WARN, CONFIG_CRL_EXPIRED_REFUSE };

/* A certificate serial, big endian, leading zero bytes removed. */
struct config_serial {
	uint8_t b[CFG_SERIAL_MAX];
	uint8_t len;
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
	unsigned max_clients;          /* default 1024 */
	enum identity_source identity; /* default cn */
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
};

enum config_dns_mode { CONFIG_DNS_AUTO, CONFIG_DNS_NONE, CONFIG_DNS_RESOLVECTL, CONFIG_DNS_RESOLVCONF };

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
	/* A profile (config_profile.h) embeds PEM texts in [ca], [cert] and
	 * [key] instead of paths: heap, NUL-terminated, NULL when the path
	 * field is used. Freed (the key wiped) by config_client_free. */
	char *ca_pem, *cert_pem, *key_pem;
};

/* 0 on success; -1 with err = "server.ini:12 [gateway] mtu: '90000' is out
 * of range; use a number from 576 to 9000". Also checks that ca, cert and key
 * exist and that key is not readable by group or others. */
int config_server_load(const char *path, struct config_server *out, char err[static CONFIG_ERR_MAX]);
int config_client_load(const char *path, struct config_client *out, char err[static CONFIG_ERR_MAX]);
/* Frees and wipes what config_client_load put on the heap; NULL is fine. */
void config_client_free(struct config_client *c);

/* 0 if path is a private key file only its owner can read; -1 with err
 * saying how to fix it (chmod 600). Exposed for tests and mtlsvpnctl. */
int config_check_key_mode(const char *path, char err[static CONFIG_ERR_MAX]);

#endif
