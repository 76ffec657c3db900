/*
 * proto.h - wire constants of the mtlsvpn protocol, version 1.
 * Only numbers live here; encoders and decoders are in frame.c and msg.c.
 * docs/protocol.md is the normative description of every value below.
 */
#ifndef MTLSVPN_PROTO_H
#define MTLSVPN_PROTO_H

#define PROTO_ALPN "mtlsvpn/1"
#define PROTO_VERSION 1

/* Frame header: version (1), type (1), payload length (2, big endian). */
#define FRAME_HDR_LEN 4
#define FRAME_MAX_PAYLOAD 65535

enum frame_type {
	FRAME_DATA = 0x01,      /* one IP packet */
	FRAME_CONFIG = 0x02,    /* gateway -> client: TLV attributes */
	FRAME_KEEPALIVE = 0x03, /* empty payload */
	FRAME_BYE = 0x04,       /* reason code + optional text */
	/* Only after the FEATURES exchange (docs/protocol.md, section 5.3). */
	FRAME_CONFIG_UPDATE = 0x05, /* gateway -> client: new routes and DNS */
	FRAME_FEATURES = 0x06,  /* client -> gateway: 4 bytes, features it accepts */
	/* Only once both ends agreed on PROTO_FEATURE_OFFLOAD (section 5.4). */
	FRAME_DATA_GSO = 0x07,  /* GSO header (4) + one IP packet or super-packet */
	/* Only once both ends agreed on PROTO_FEATURE_DCHAN (section 12.13). */
	FRAME_DCHAN_REKEY = 0x08,     /* gateway -> client: 4 bytes, the next UDP key epoch */
	FRAME_DCHAN_REKEY_ACK = 0x09, /* client -> gateway: 4 bytes, the epoch now sent */
	/* Only as the first frame under ALPN mtlsvpn-continue/1 (section 12.10). */
	FRAME_CONTINUE = 0x0a,        /* client -> gateway: cid (8) + proof (32) */
};

/* The GSO header at the start of a DATA_GSO payload: type (1, enum
 * gso_type in common/net/gso.h), flags (1), segment size (2, big endian). */
#define FRAME_GSO_HDR_LEN 4
#define FRAME_GSO_F_CSUM 0x01   /* the L4 checksum is partial (pseudo-header sum) */
#define FRAME_GSO_TYPE_MAX 3

/* CONFIG attributes: type (1), length (2, big endian), value.
 * Types with the high bit set are optional: an unknown one is skipped;
 * an unknown type below 0x80 makes the CONFIG malformed. */
enum cfg_attr {
	CFG_ATTR_IPV4 = 0x01,       /* 4 bytes address + 1 byte prefix */
	CFG_ATTR_IPV6 = 0x02,       /* 16 bytes address + 1 byte prefix */
	CFG_ATTR_MTU = 0x03,        /* 2 bytes */
	CFG_ATTR_ROUTE4 = 0x04,     /* 4 + 1 */
	CFG_ATTR_ROUTE6 = 0x05,     /* 16 + 1 */
	CFG_ATTR_DNS4 = 0x06,       /* 4 */
	CFG_ATTR_DNS6 = 0x07,       /* 16 */
	CFG_ATTR_DNS_SEARCH = 0x08, /* 1..253 bytes, a domain name */
	CFG_ATTR_KEEPALIVE = 0x09,  /* 2 bytes, seconds */
	CFG_ATTR_GATEWAY4 = 0x0a,   /* 4: the gateway's tunnel address */
	CFG_ATTR_GATEWAY6 = 0x0b,   /* 16 */
	CFG_ATTR_SESSION_ID = 0x81, /* 8 bytes, for logs on both sides */
	CFG_ATTR_CERT_NOT_AFTER = 0x82, /* 8 bytes, unix time */
	CFG_ATTR_CERT_WARN_DAYS = 0x83, /* 2 bytes */
	CFG_ATTR_DEAD_PEER = 0x84,  /* 4 bytes, seconds: the gateway's dead_peer_timeout */
	CFG_ATTR_DNS_ROUTING = 0x85, /* 1..253 bytes: a domain whose names go to our DNS */
	CFG_ATTR_FEATURES = 0x86,   /* 4 bytes: features the gateway offers */
	CFG_ATTR_DCHAN = 0x87,      /* 11 bytes: UDP data channel cid (8), port (2), AEAD (1) */
};

/* Feature bits of CFG_ATTR_FEATURES and of a FEATURES frame. */
#define PROTO_FEATURE_CONFIG_UPDATE 0x00000001u /* CONFIG_UPDATE frames */
#define PROTO_FEATURE_OFFLOAD 0x00000002u /* DATA_GSO frames, both directions */
/* The UDP data channel (section 12), in use by the gateway and the client. */
#define PROTO_FEATURE_DCHAN 0x00000004u
#define PROTO_FEATURES_KNOWN (PROTO_FEATURE_CONFIG_UPDATE | PROTO_FEATURE_OFFLOAD | PROTO_FEATURE_DCHAN)

enum bye_reason {
	BYE_NORMAL = 0,          /* the peer chose to disconnect */
	BYE_SHUTDOWN = 1,        /* gateway shutting down */
	BYE_REVOKED = 2,         /* certificate revoked */
	BYE_EXPIRED = 3,         /* certificate expired */
	BYE_REPLACED = 4,        /* replaced by a newer session */
	BYE_POOL_EXHAUSTED = 5,  /* address pool exhausted */
	BYE_PROTOCOL_ERROR = 6,  /* malformed or unexpected frame */
	BYE_TIMEOUT = 7,         /* peer silent past the dead-peer timeout */
	BYE_ADMIN = 8,           /* disconnected by an administrator */
	BYE_NOT_AUTHORIZED = 9,  /* identity refused by policy */
	BYE_LIFETIME = 10,       /* maximum session lifetime reached */
	BYE_DRAINING = 11,       /* gateway draining: reconnect (elsewhere) after retry-after */
	BYE_REASON_MAX = 11,
};

/* A BYE's text may end with the retry-after attribute, printable so that an
 * older peer still decodes the BYE (it shows it as part of the text):
 * " [retry-after-ms=N]", N in decimal without leading zeros, at most
 * BYE_RETRY_AFTER_MAX_MS; no space before it when the text is only it. */
#define BYE_ATTR_RETRY_AFTER "[retry-after-ms="
#define BYE_RETRY_AFTER_MAX_MS 3600000u

#define BYE_MAX_TEXT 255
#define CFG_MAX_ROUTES 64
#define CFG_MAX_DNS 8
#define CFG_MAX_SEARCH 8
#define CFG_MAX_ROUTING 8

#endif
