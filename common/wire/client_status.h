/*
 * client_status.h - what a running mtlsvpn-client says about itself on its
 * status socket (client/status.c), as bytes: one record of attributes
 * (type u8, length u16 big-endian, value), carried in one CTL_PROTO_STATUS
 * frame. Pure: no I/O, no logging; the decoder refuses every attribute out
 * of range and skips types it does not know, so a newer client can add
 * some. Also the NAME.ended note a client leaves after a fatal failure.
 */
#ifndef MTLSVPN_CLIENT_STATUS_H
#define MTLSVPN_CLIENT_STATUS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "addr.h"
#include "proto.h"

#define CLIENT_STATUS_TEXT_MAX 255  /* reason, gateway host, identity */
#define CLIENT_STATUS_NAME_MAX 63   /* tunnel interface, search domain */
#define CLIENT_STATUS_MAX_LEN 16384 /* an encoded record never exceeds it */

/* The person's view of the connection, not the state machine's. */
enum client_status_state {
	CLIENT_STATUS_CONNECTING = 1,	/* resolving, connecting, handshake, waiting for CONFIG */
	CLIENT_STATUS_UP = 2,		/* the tunnel is configured and carries packets */
	CLIENT_STATUS_RECONNECTING = 3, /* the connection was lost; waiting to retry */
	CLIENT_STATUS_REFUSED = 4,	/* the gateway refused us for now; waiting to retry */
	CLIENT_STATUS_CLOSING = 5,	/* saying goodbye before the program ends */
	CLIENT_STATUS_ENDED = 6,	/* never sent: the program ended after a failure */
	CLIENT_STATUS_NOT_RUNNING = 7,	/* never sent: no client answers */
};

/* The UDP data channel's state (docs/protocol.md 12.14); 0: no channel. */
enum client_status_udp {
	CLIENT_STATUS_UDP_NONE = 0,    /* not offered, not taken (udp = off) or not started */
	CLIENT_STATUS_UDP_PROBING = 1, /* no answer yet: TLS carries the traffic */
	CLIENT_STATUS_UDP_UP = 2,      /* UDP carries the traffic */
	CLIENT_STATUS_UDP_FAILED = 3,  /* probes unanswered: TLS carries it, re-probing */
};

/* Datagrams dropped, by reason, in this order (the JSON's "drops" keys). */
enum client_status_udp_drop {
	CLIENT_STATUS_UDP_MALFORMED,
	CLIENT_STATUS_UDP_CID,
	CLIENT_STATUS_UDP_EPOCH,
	CLIENT_STATUS_UDP_LIMIT,
	CLIENT_STATUS_UDP_AUTH,
	CLIENT_STATUS_UDP_REPLAY,
	CLIENT_STATUS_UDP_OLD,
	CLIENT_STATUS_UDP_DROPS,
};

struct client_status_udp_info {
	uint8_t state; /* enum client_status_udp */
	uint32_t epoch;
	uint64_t datagrams_in, datagrams_out;
	uint64_t fallbacks, recoveries, rekeys;
	uint64_t drops[CLIENT_STATUS_UDP_DROPS];
};

struct client_status {
	uint8_t state;	      /* enum client_status_state */
	int64_t now;	      /* the client's clock when it answered, unix s */
	int64_t since;	      /* the state began, unix s; 0 unknown */
	uint32_t retry_in_ms; /* RECONNECTING, REFUSED: the next attempt */
	char reason[CLIENT_STATUS_TEXT_MAX +
		    1]; /* why not up (how the last connection ended); "" none */
	char gateway_host[CLIENT_STATUS_TEXT_MAX + 1];
	uint16_t gateway_port;
	struct ipaddr gateway_addr; /* the address connected to; family 0 if none */
	char tun[CLIENT_STATUS_NAME_MAX + 1];
	struct prefix addr4, addr6; /* tunnel addresses; family 0 if none */
	bool full_tunnel;
	struct prefix routes[CFG_MAX_ROUTES];
	unsigned n_routes;
	struct ipaddr dns[CFG_MAX_DNS];
	unsigned n_dns;
	char search[CFG_MAX_SEARCH][CLIENT_STATUS_TEXT_MAX + 1];
	unsigned n_search;
	bool dns_applied;	       /* false: pushed but not set (dns = none, or failed) */
	uint64_t tx_bytes, tx_packets; /* into the tunnel */
	uint64_t rx_bytes, rx_packets; /* out of the tunnel */
	char identity[CLIENT_STATUS_TEXT_MAX + 1]; /* our certificate's CN; "" unknown */
	int64_t cert_not_after;			   /* unix s; 0 unknown */
	int8_t kill_switch;			   /* -1 unknown (not reported), 0 off, 1 on */
	uint32_t pid;				   /* 0 unknown */
	struct client_status_udp_info udp;	   /* state 0: no channel */
	/* Renewal (renew = auto, protocol.md 13.10): renew_on false when the
	 * client does not renew; renew_next 0 when no try is planned. */
	bool renew_on;
	int64_t renew_next;			   /* unix s */
	char renew_last[CLIENT_STATUS_TEXT_MAX + 1]; /* the last try's outcome; "" none */
};

enum client_status_result { CLIENT_STATUS_OK, CLIENT_STATUS_MALFORMED };

/* A record with nothing known (kill_switch -1). */
void client_status_init(struct client_status *s, uint8_t state);
/* "connecting", "up", ..., "not_running" (the JSON's words); "?" if unknown. */
const char *client_status_state_name(uint8_t state);
/* "probing", "up", "failed"; "off" for none; "?" if unknown. */
const char *client_status_udp_name(uint8_t state);
/* "malformed", "cid", ... (the JSON's "drops" keys). */
const char *client_status_udp_drop_name(unsigned drop);

/* The record into out; its length, or 0 if it does not fit in cap or a
 * field is out of range (a string too long or with a control character). */
size_t client_status_encode(const struct client_status *s, uint8_t *out, size_t cap);
/* OK with *out filled, or MALFORMED with *why (static). */
enum client_status_result client_status_decode(const uint8_t *p, size_t n,
					       struct client_status *out, const char **why);

/* NAME.ended: "ended UNIXTIME\nREASON\n". encode: the length, or 0. */
size_t client_status_ended_encode(int64_t when, const char *reason, char *out, size_t cap);
/* OK with *when and reason (control characters made '?'), or MALFORMED. */
enum client_status_result client_status_ended_decode(const char *p, size_t n, int64_t *when,
						     char reason[static CLIENT_STATUS_TEXT_MAX + 1],
						     const char **why);

#endif
