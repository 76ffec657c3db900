/*
 * msg.h - the control messages carried in CONFIG and BYE frames: a struct on
 * each side, an encoder that writes a frame payload and a decoder that
 * rejects every attribute out of range. Pure and sans-I/O.
 */
#ifndef MTLSVPN_MSG_H
#define MTLSVPN_MSG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "addr.h"
#include "proto.h"

#define MSG_MTU_MIN 576
#define MSG_MTU_MAX 9000
#define MSG_KEEPALIVE_MIN 1
#define MSG_KEEPALIVE_MAX 3600
#define MSG_DOMAIN_MAX 253
/* dead_peer_timeout: more than the keepalive, at most a day. */
#define MSG_DEAD_PEER_MAX 86400
#define MSG_DCHAN_LEN 11

/* CFG_ATTR_DCHAN: the UDP data channel the gateway offers (section 12.13). */
struct msg_dchan {
	uint64_t cid;  /* never 0; 0 here: not offered */
	uint16_t port; /* the gateway's UDP port, never 0 */
	uint8_t aead;  /* enum dchan_aead: 1 AES-256-GCM, 2 ChaCha20-Poly1305 */
};

struct msg_config {
	struct prefix addr4;            /* family 0 if none */
	struct prefix addr6;            /* family 0 if none */
	struct ipaddr gateway4, gateway6;
	uint16_t mtu;
	uint16_t keepalive;             /* seconds */
	struct prefix routes[CFG_MAX_ROUTES];
	unsigned n_routes;
	struct ipaddr dns[CFG_MAX_DNS];
	unsigned n_dns;
	char search[CFG_MAX_SEARCH][MSG_DOMAIN_MAX + 1];
	unsigned n_search;
	uint64_t session_id;            /* 0 if absent */
	int64_t cert_not_after;         /* 0 if absent */
	uint16_t cert_warn_days;        /* 0 if absent */
	uint32_t dead_peer;             /* s, 0 if absent (an older gateway) */
	/* Routing-only DNS domains (no search): names under them resolve
	 * through the tunnel's servers; an older gateway sends none. */
	char routing[CFG_MAX_ROUTING][MSG_DOMAIN_MAX + 1];
	unsigned n_routing;
	/* PROTO_FEATURE_* bits the gateway offers; 0 from an older one. */
	uint32_t features;
	struct msg_dchan dchan;
};

struct msg_bye {
	uint16_t reason;                /* enum bye_reason */
	char text[BYE_MAX_TEXT + 1];    /* may be empty; without the attribute */
	bool has_retry_after;           /* the gateway asked for this delay */
	uint32_t retry_after_ms;        /* 0..BYE_RETRY_AFTER_MAX_MS */
};

enum msg_result { MSG_OK, MSG_MALFORMED };

/* Encoders return the payload length written into out, or 0 if it does not
 * fit in cap or the struct holds out-of-range values. */
size_t msg_config_encode(const struct msg_config *c, uint8_t *out, size_t cap);
size_t msg_bye_encode(const struct msg_bye *b, uint8_t *out, size_t cap);

/* Decoders: *why names what is wrong (static string) on MSG_MALFORMED.
 * A CONFIG must carry an IPv4 or IPv6 address, an MTU and a keepalive. */
enum msg_result msg_config_decode(const uint8_t *p, size_t n, struct msg_config *out,
				  const char **why);
enum msg_result msg_bye_decode(const uint8_t *p, size_t n, struct msg_bye *out,
			       const char **why);

/* CONFIG_UPDATE: the session's complete new routes, DNS servers, search
 * and routing domains (the same attributes as in CONFIG, and only those);
 * every other field of c is ignored by the encoder and zeroed by the
 * decoder. An update with none of them is valid: it removes them all. */
/* False if it does not fit in cap or a list is out of range; *len may be 0
 * (an update that removes everything). */
bool msg_update_encode(const struct msg_config *c, uint8_t *out, size_t cap, size_t *len);
enum msg_result msg_update_decode(const uint8_t *p, size_t n, struct msg_config *out,
				  const char **why);

/* FEATURES: 4 bytes, the PROTO_FEATURE_* bits the client accepts. Unknown
 * bits decode (a newer peer) and are the receiver's to ignore. */
size_t msg_features_encode(uint32_t features, uint8_t *out, size_t cap);
enum msg_result msg_features_decode(const uint8_t *p, size_t n, uint32_t *out, const char **why);

/* The sentence shown to the person for a BYE reason, e.g. "certificate revoked". */
const char *msg_bye_reason_str(uint16_t reason);
/* True if a client must not reconnect after this reason. */
bool msg_bye_is_permanent(uint16_t reason);

#endif
