/*
 * server.h - the gateway's context structs and the functions its files share.
 * All state lives in these structs (no globals): struct gateway holds what is
 * shared (configuration, TLS context, address groups, the TUN device), struct
 * worker one event loop with its TUN queue, listener and sessions, so the
 * gateway can later run one worker per core on a multi-queue TUN.
 */
#ifndef MTLSVPN_SERVER_H
#define MTLSVPN_SERVER_H

#include <net/if.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/queue.h>
#include <sys/socket.h>

#include "acl.h"
#include "addr.h"
#include "audit_event.h"
#include "buf.h"
#include "chan.h"
#include "config.h"
#include "crl_parse.h"
#include "crl_verify.h"
#include "ev.h"
#include "flow.h"
#include "identity.h"
#include "ocsp_check.h"
#include "privdrop.h"
#include "pool.h"
#include "ratelog.h"
#include "tls.h"
#include "udp.h"

struct session;
struct worker;
struct router_dest;

/* A session lookup table: chained hash with nodes embedded in sessions. */
struct sestab_node {
	struct sestab_node *next;
	struct session *s;
	struct ipaddr addr;          /* the key in an address table */
	uint64_t hash;               /* of the key, to find its bucket again */
};

struct sestab {
	struct sestab_node **buckets;
	size_t mask;                 /* bucket count - 1 (a power of two) */
	size_t count;
	uint64_t seed;
};

/*
 * A group of the configuration, ready for use: where its sessions' addresses
 * and pushed settings come from and the compiled access rules they obey
 * (router.c). A session keeps a pointer to its own.
 */
struct group {
	const struct config_group *cfg;  /* in gw->cfg */
	const struct config_net *net;
	unsigned index;                  /* in gw->cfg.groups and gw->groups */
	struct pool pool;                /* static addresses held for good */
	struct prefix tun4, tun6;        /* the gateway's address in it (first host) */
	bool tun4_added, tun6_added;
	bool allow_all;                  /* [pool]: no rules, no flows */
	struct acl out;                  /* ruleN: packets its clients send */
	struct acl in;                   /* inbound_ruleN: unasked packets to them */
};

/* Session states; the comment says what has happened to get there. */
enum session_state {
	/* TCP accepted; the TLS handshake runs under the handshake timer.
	 * Accepts no frames (wolfSSL keeps early records until we ask). */
	SESSION_HANDSHAKE,
	/* TLS up, identity mapped, CRLs and deny lists passed; an OCSP query
	 * about the certificate runs (server/ocsp_check.c) and nothing else
	 * changes until it answers. Accepts no frames: the socket is not read,
	 * only its hang-up is noticed. */
	SESSION_CHECKING,
	/* An OpenConnect client (server/oc.c): TLS up, certificate mapped
	 * and checked as for ESTABLISHED. HTTP requests are answered: the
	 * config-auth exchange hands out the cookie, a CONNECT with it leases
	 * and goes on to ESTABLISHED. Bounded by handshake_timeout. */
	SESSION_HTTP,
	/* A continuation (ALPN mtlsvpn-continue/1, docs/protocol.md 12.10):
	 * certificate mapped and checked as for ESTABLISHED, nothing leased,
	 * in no table; waits under the handshake timer for the CONTINUE frame
	 * (cont.c), the only frame it accepts. Then either its connection
	 * moves into the session it continues, or it is admitted as new. */
	SESSION_CONTINUING,
	/* Certificate mapped to an identity, address leased, routes in the
	 * table, CONFIG sent (an OpenConnect client: the CONNECT answered).
	 * Accepts DATA, KEEPALIVE and BYE (CSTP: DATA, KEEPALIVE, DPD,
	 * DISCONNECT). */
	SESSION_ESTABLISHED,
	/* Detached from every table and the pool; a BYE (if any) is queued
	 * and the TLS output drains under the linger timer. Accepts nothing;
	 * the socket is no longer read. */
	SESSION_CLOSING,
};

/*
 * Why a connection was refused. Before authentication (REFUSAL_*_PRE) the
 * peer is a stranger: the refusal is counted, and logged only within the
 * rate limit of refusal.c. After it, the peer is an employee and every
 * refusal is logged in full.
 */
enum refusal {
	REFUSAL_OTHER,           /* before authentication, nothing more specific */
	REFUSAL_NO_CERT,         /* no client certificate */
	REFUSAL_UNTRUSTED,       /* chain does not verify: unknown CA, expired, bad signature */
	REFUSAL_EKU,             /* no clientAuth extended key usage */
	REFUSAL_ALPN,            /* does not speak mtlsvpn/1 */
	REFUSAL_TLS,             /* any other TLS failure */
	REFUSAL_CLOSED,          /* closed or reset during the handshake */
	REFUSAL_HELLO_TIMEOUT,   /* no complete ClientHello within the first deadline */
	REFUSAL_HS_TIMEOUT,      /* handshake not done within handshake_timeout */
	REFUSAL_EVICTED,         /* oldest half-open, dropped: max_handshakes reached */
	REFUSAL_EVICTED_SOURCE,  /* oldest of its source, dropped: max_handshakes_per_source */
	REFUSAL_RESOURCES,       /* out of descriptors or memory at accept */
	REFUSAL_PROXY_UNTRUSTED, /* proxy_protocol on, and not from a proxy_from address */
	REFUSAL_PROXY_HEADER,    /* from a balancer, without a valid PROXY v2 header in time */
	REFUSAL_EST,             /* a bad EST request without a certificate (server/est.c) */
	REFUSAL_EST_TOKEN,       /* an enrollment token refused */
	REFUSAL_EST_LIMIT,       /* too many enrollment tries from one source */
	REFUSAL_EST_ONLY,        /* no certificate, and asked for more than EST */
	REFUSAL_PRE_N,           /* the count of the above */
};

/* Where a connection comes from, as the per-source bound counts it: the
 * IPv4 address, or the /64 of an IPv6 one. */
struct halfopen_src {
	uint8_t family;          /* AF_INET or AF_INET6 */
	uint8_t addr[16];        /* v6: the low 64 bits are zero */
	char text[ADDR_STRLEN];  /* "203.0.113.4" or "2001:db8:1:2::/64" */
};

/* How many half-open connections one source holds (halfopen.c). */
struct halfopen_count {
	uint8_t family;          /* 0: free slot */
	uint8_t addr[16];
	unsigned n;
};

/* No BYE for this close: the peer is gone or TLS never came up. */
#define SESSION_NO_BYE 0xffffu

/* Handshake latency histogram buckets, upper bounds in ms (metrics.c). */
#define METRICS_HS_BUCKETS 11
#define METRICS_HS_BOUNDS_MS {5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000}

struct session_stats {
	uint64_t rx_bytes, rx_packets;   /* from the client into the network */
	uint64_t tx_bytes, tx_packets;   /* from the network to the client */
	uint64_t drop_src;               /* inner source is not the leased address */
	uint64_t drop_acl;               /* from the client, denied by its group's rules */
	uint64_t drop_inbound;           /* to the client: no flow, no inbound rule */
	uint64_t drop_other;             /* not IP, bad header, TUN full */
	uint64_t drop_backpressure;      /* to the client while its queue was full */
};

/* What a session's client speaks once TLS is up. */
enum session_proto {
	PROTO_MTLSVPN,      /* our own frames (ALPN mtlsvpn/1) */
	PROTO_OPENCONNECT,  /* HTTP, then CSTP (docs/openconnect.md) */
};

struct session {
	struct worker *w;
	struct group *group;             /* set when established */
	uint64_t sid;
	enum session_state state;

	int fd;
	struct ev_io io;
	struct tls_conn *tls;
	bool tls_up;                     /* handshake done: a BYE can be sent */
	char remote[ADDR_STRLEN];

	char identity[IDENTITY_MAX + 1]; /* "" until established */
	/* Every certificate from the leaf up to the trust anchor, as
	 * revocation matches them: the peer's chain, completed from the CA
	 * bundle; allocated to fit once established (NULL before). */
	struct cert_ref *chain;
	unsigned n_chain;
	char serial[41];
	char fingerprint[17];
	int64_t cert_not_after;
	struct ocsp_query *ocsp_q;       /* CHECKING: the query it waits for */
	LIST_ENTRY(session) ocsp_entry;  /* in ocsp_q->waiters */
	uint64_t ocsp_started_ms;
	struct ipaddr addr4, addr6;      /* leased; family 0 if none */
	bool leased;
	bool static4, static6;           /* a configured static address: never released */
	const char *group_how;           /* "members", "ou" or "default_group" */
	uint64_t drop_log_ms;            /* log_drops: start of the current second */
	unsigned drop_log_n;             /* lines logged in it */

	struct chan rx;                  /* decrypted bytes -> frames */
	struct buf tx;                   /* plaintext frames for one tls_write */
	uint64_t tx_queued_pkts, tx_queued_bytes; /* DATA in tx, counted when encrypted */

	struct ev_timer handshake_timer; /* first ClientHello, then handshake_timeout */
	struct halfopen_src src;
	enum refusal refusal;            /* why, if closed before authentication */
	bool over_max_clients;           /* refused after it: max_clients reached */
	bool on_halfopen;
	bool got_bytes;                  /* the peer has sent something */
	bool quiet_close;                /* a health check: neither counted nor logged */
	/* Non-NULL while a PROXY v2 header is due first (proxy.c): room for
	 * the longest, held only until it has arrived. */
	uint8_t *proxy_hdr;
	uint16_t proxy_have;             /* its bytes read so far */
	TAILQ_ENTRY(session) halfopen_entry; /* worker->halfopen, oldest first */
	struct ev_timer keepalive_timer;
	struct ev_timer dead_peer_timer;
	struct ev_timer linger_timer;
	struct ev_timer expiry_timer;    /* the certificate's notAfter */
	struct ev_timer lifetime_timer;  /* max_session_lifetime */
	uint64_t up_ms, last_rx_ms, last_tx_ms;
	bool keepalive_owed;             /* a client's KEEPALIVE to answer (liveness.c) */

	struct session_stats st;
	struct capture *capture;         /* mtlsvpnctl capture; NULL if none */
	char reason[BYE_MAX_TEXT + 1];  /* why it was closed */
	const char *close_code;          /* its disconnect's reason_code, if not the BYE's */

	struct sestab_node by_id, by_addr4, by_addr6;
	bool in_id_table;
	bool on_dirty, on_pending, on_reap;
	LIST_ENTRY(session) entry;       /* worker->sessions, or worker->reap */
	TAILQ_ENTRY(session) dirty_entry;
	TAILQ_ENTRY(session) pending_entry;
	uint32_t features;               /* PROTO_FEATURE_* the client announced */
	bool update_owed;                /* a reload changed its lists before FEATURES came */
	enum session_proto proto;
	unsigned oc_requests;            /* HTTP: requests answered on this connection */
	unsigned oc_mtu;                 /* OpenConnect: the MTU agreed in CONNECT */
	bool oc_want4, oc_want6;         /* the families its CONNECT asked for */
	/* HTTP without a client certificate (enroll = on): EST only, still
	 * half-open (est.c). est_refused: its close is a refusal to count;
	 * est_quiet: it was served (or already counted), the close is not. */
	bool anonymous, est_refused, est_quiet;
	/* The UDP data channel (udp_sess.c): offered in CONFIG, made when
	 * FEATURES takes it; NULL when not taken. */
	struct udp_offer udp_offer;
	struct session_udp *udp;
	/* CONTINUING: this connection's exporter value for the proof. */
	uint8_t cont_export[32];
	unsigned continued;              /* connections it was continued on */
	/* Detached (detach.c): its TLS connection is gone (fd -1, tls NULL)
	 * and the UDP channel carries it until a continuation or the timer. */
	bool detached;
	bool peer_bye;                   /* the client said BYE: never detached */
	struct ev_timer detach_timer;    /* udp_detach_grace */
	struct cert_info *detached_ci;   /* the lost connection's certificate */
};

LIST_HEAD(session_list, session);
TAILQ_HEAD(session_queue, session);

struct worker_stats {
	uint64_t tun_no_route;           /* TUN packet for no live session */
	uint64_t tun_bad;                /* TUN packet that is not sound IP */
	uint64_t tun_write_fail;         /* packet from a client the TUN refused */
	uint64_t refused_full;           /* authenticated, but max_clients reached */
	uint64_t refused_pre[REFUSAL_PRE_N];   /* before authentication, by reason */
	uint64_t refused_post[BYE_REASON_MAX + 1]; /* after it, by BYE reason */
	uint64_t accept_pauses;          /* out of descriptors: accept paused */
	/* Monitoring (status --json, server/metrics.c): what closed sessions
	 * carried, so totals never go down; handshake latency from accept to
	 * ESTABLISHED by bucket (METRICS_HS_BOUNDS_MS); reloads. */
	struct session_stats closed;
	uint64_t hs_buckets[METRICS_HS_BUCKETS];
	uint64_t hs_count, hs_sum_us;
	uint64_t reloads_ok, reloads_failed;
	int64_t last_reload_unix;        /* 0: none yet */
	bool last_reload_ok;
	uint64_t metrics_scrapes;        /* GET /metrics answered */
	uint64_t metrics_refused;        /* bad, unknown, too many, too slow */
	uint64_t revoked_live;           /* live sessions a revocation sweep closed */
	/* EST (est.c): answers given, certificates issued, refusals. */
	uint64_t est_cacerts, est_enrolled, est_renewed, est_refused;
	/* Segmentation offload (offload.c): super-packets carried whole in
	 * DATA_GSO frames, each way; super-packets cut in software (a peer
	 * without offloads, or rules that must see every segment); their
	 * segments. */
	uint64_t gso_to_clients, gso_from_clients;
	uint64_t gso_cut, gso_cut_segments;
	/* TUN packets read here for a session of another worker
	 * (handoff.c): passed to it, or dropped with its ring full. */
	uint64_t handoff_passed, handoff_dropped;
	/* Receive coalescing (tungro.c): packets from clients written as
	 * parts of TCP super-packets, and the writes that saved. */
	uint64_t gro_coalesced, gro_writes_saved;
	/* Continuations (cont.c): connections moved into their session, and
	 * those admitted as new sessions instead (unknown cid, another
	 * identity, a wrong proof, another group). */
	uint64_t cont_ok, cont_refused;
	uint64_t detached, detach_expired; /* sessions detached; of them, ended by the grace */
};

/* TUN packets from other workers for this worker's sessions (handoff.c):
 * a bounded ring under its mutex; the owner is woken through wake_fd. */
struct handoff_item;
struct handoff {
	pthread_mutex_t mu;
	struct handoff_item **slots;
	unsigned head, n;
	bool mu_init;
};

/* The largest TUN read: a super-packet (GSO_MAX_SIZE, 64 KiB). */
#define ROUTER_TUN_READ_MAX 65536
/* Packets read ahead from the TUN per turn, and bytes (tun_rx.c): with
 * offloads the default tun_queue of super-packets, so a turn usually
 * holds all the queue has; without, as many single packets as a batch
 * of sends holds. */
#define TUN_RX_SLOTS_OFFLOAD 16
#define TUN_RX_SLOTS 64
#define TUN_RX_BUDGET (1024u * 1024u)

struct worker {
	struct gateway *gw;
	struct ev_loop *loop;

	int tun_fd;                      /* this worker's TUN queue */
	struct ev_io tun_io;
	struct buf tun_pkt;              /* one packet, ROUTER_HEADROOM headroom */
	/* IFF_VNET_HDR: every TUN read and write has a virtio_net_hdr; and
	 * the offloads the kernel took (TUN_OFFLOAD_*): TSO is what lets
	 * clients be offered PROTO_FEATURE_OFFLOAD. */
	bool tun_vnet;
	unsigned tun_offloads;
	struct buf seg;                  /* one segment or part cut from a super-packet */
	struct buf tun_stage[TUN_RX_SLOTS]; /* packets read ahead (tun_rx.c) */
	unsigned tun_stage_n;               /* how many of them are in use */
	/* Staged memory (TUN and UDP) handed back after a quiet spell
	 * (rx_idle.c): staged since the timer last looked, and how often
	 * it was handed back. */
	struct ev_timer rx_idle;
	bool rx_staged;
	uint64_t rx_idle_releases;
	struct tungro *gro;              /* coalescing into the TUN; NULL without vnet */

	int listen_fd;
	struct ev_io listen_io;
	struct ev_timer accept_pause;    /* out of descriptors: retry later */
	bool accept_paused;              /* an episode of pauses is under way */
	unsigned episode_pauses;
	uint64_t last_pause_ms;

	/* Connections not yet authenticated (halfopen.c), oldest first; their
	 * per-source counts are gateway-wide (struct gateway). */
	struct session_queue halfopen;
	unsigned n_halfopen;
	uint64_t hs_used_ns;             /* handshake work in this loop turn */
	struct ratelog refusal_log;      /* refusals before authentication */
	struct ev_timer refusal_timer;   /* the summary of held-back lines is due */
	unsigned reaped_since_trim;      /* freed sessions since malloc_trim */
	struct ev_timer trim_timer;      /* a burst of closes is over: trim the heap */

	struct session_list sessions;    /* HANDSHAKE and ESTABLISHED and CLOSING */
	unsigned n_sessions;
	struct session_list reap;        /* closed; freed before the loop sleeps */
	struct session_queue dirty;      /* plaintext waiting for tls_write */
	struct session_queue pending;    /* wolfSSL holds bytes epoll cannot see */

	/* Flows this worker's clients opened (router.c): lets replies in.
	 * With several workers under flows_mu: another worker's client may
	 * answer one of these clients (policy.c). */
	struct flow_table flows;
	pthread_mutex_t flows_mu;

	struct worker_stats st;

	/* With several workers (workers.c): the thread (none for workers[0],
	 * the main thread), the eventfd that wakes the loop (packets in the
	 * hand-off ring, or the world went on after a stop), and the ring. */
	pthread_t thread;
	bool thread_started;
	int wake_fd;
	struct ev_io wake_io;
	bool told_empty;                 /* stopping: main was told it has no sessions */
	struct handoff handoff;
	struct worker_udp udp;           /* the UDP data channel (udp.c) */
};

/* One CRL in force, and where it came from. */
struct revoke_crl {
	struct crl crl;                  /* entries sorted by serial */
	uint8_t issuer_hash[CERT_NAME_HASH_LEN];
	size_t ca;                       /* the CA of revoke.issuers that signed it */
	char file[PATH_MAX];             /* the file it was read from */
	unsigned index;                  /* its place in that file, from 1 */
	bool expired_logged;             /* the nextUpdate warning has been given */
};

/* One item of the crl key, a file or a directory, and the CRLs in force
 * from it. A source is read and replaced whole: one bad CRL in it keeps
 * every CRL it had before. */
struct revoke_src {
	char path[PATH_MAX];
	struct revoke_crl *crls;
	unsigned n_crls;
	int wd;                          /* inotify watch of it (or its directory), -1 if none */
	bool is_dir;
	bool pending;                    /* changed on disk: reload when settled */
};

/* The gateway's revocation state: the CA bundle's certificates (to verify
 * CRLs and complete chains), the CRLs in force, the watches that reload
 * them. The deny lists live in gateway.cfg and change with it on SIGHUP. */
struct revoke {
	struct crl_issuer *issuers;
	size_t n_issuers;
	struct revoke_src srcs[CFG_MAX_CRL];
	unsigned n_srcs;
	int ino_fd;                      /* -1 when inotify is unavailable */
	struct ev_io ino_io;
	struct ev_timer settle_timer;    /* a burst of file events is over */
	struct ev_timer next_update_timer; /* the earliest nextUpdate passes */
	struct worker *w;
};

/* The audit trail's outputs (audit.c, docs/audit.md). */
struct audit {
	int fd;                          /* cfg.audit_log, O_APPEND; -1 if none */
	bool journal;                    /* journald's native socket was there at start */
	uint64_t lost;                   /* events a write error lost (file or journal) */
	bool error_told;                 /* the current run of errors is logged */
};

struct gateway {
	struct config_server cfg;
	struct revoke revoke;
	struct ocsp_check ocsp;
	struct tls_ctx *tls;
	struct group *groups;            /* cfg.n_groups of them */
	unsigned n_groups;
	char tun_name[IFNAMSIZ];
	/* workers[0] runs on the main thread and also owns the control plane
	 * (signals, control socket, metrics, CRL watches, OCSP, leases,
	 * drain); see server/workers.c. */
	struct worker *workers;
	unsigned n_workers;
	/* Gateway-wide bounds, whichever worker holds the sessions: the
	 * identity table (max_sessions_per_identity, disconnect by identity)
	 * and the ESTABLISHED count max_clients bounds. */
	struct sestab by_id;
	unsigned n_established;
	/* Every leased address -> its session, whichever worker owns it:
	 * TUN packets are routed (or handed off) by it. */
	struct sestab by_addr;
	uint64_t next_sid;                /* atomic: session_new on any worker */
	/* Several workers (workers.c): a worker holds world for reading
	 * during each loop turn; stopping the world takes it for writing.
	 * Whatever only changes with the world stopped (tables, pools,
	 * groups, CRLs, configuration) is read freely during a turn. */
	bool threaded;
	pthread_rwlock_t world;
	/* Half-open connections of all workers by source (halfopen.c), under
	 * halfopen_mu: open addressing, 2x max_handshakes. */
	pthread_mutex_t halfopen_mu;
	struct halfopen_count *src_counts;
	size_t src_mask;
	uint64_t src_seed;
	unsigned n_halfopen;
	pthread_mutex_t audit_mu;         /* the audit trail's writes and counters */
	bool stopping;
	/* Taking new sessions: GET /healthz answers 200 while true, 503 when
	 * not (gateway_set_accepting; draining sets it false). */
	bool accepting;
	struct ev_timer grace_timer;     /* bounds the shutdown flush */
	struct ev_timer watchdog_timer;  /* systemd's WatchdogSec keepalive */
	struct ev_timer lease_timer;     /* lease.c: a change waits to be written */
	bool lease_dirty;                /* the pools differ from the lease file */
	struct control *control;         /* the admin socket; NULL if none */
	struct privdrop_user user;       /* cfg.user, looked up (confine.c) */
	int64_t cert_not_after;          /* the gateway certificate's, 0 if unknown */
	int64_t started_unix;            /* when gateway_start ran */
	struct metrics *metrics;         /* the Prometheus endpoint; NULL if none */
	/* drain.c: not accepting; told sessions leave, then the gateway exits. */
	bool draining;
	unsigned drain_told;             /* sessions sent BYE(DRAINING) */
	uint64_t drain_deadline_ms;      /* loop time when the rest are closed */
	struct ev_timer drain_timer;
	struct audit audit;              /* the audit trail (audit.c) */
	struct est_gw *est;              /* enroll = on: the CA and limits (est.c) */
};

/* workers.c: the gateway's workers as one: the control-plane worker, the
 * walk over every session, the sums of their counters. */
static inline struct worker *workers_main(const struct gateway *gw)
{
	return &gw->workers[0];
}
/* Every session of every worker. The body may close s (it may leave the
 * list); a break leaves only the current worker's list. */
#define WORKERS_FOREACH_SESSION(gw, w, s, next)                                          \
	for ((w) = (gw)->workers; (w) < (gw)->workers + (gw)->n_workers; (w)++)          \
		for ((s) = LIST_FIRST(&(w)->sessions);                                   \
		     (s) != NULL && ((next) = LIST_NEXT((s), entry), true); (s) = (next))
/* A mutex that only exists with several workers (gw->threaded). */
static inline void workers_lock(const struct gateway *gw, pthread_mutex_t *mu)
{
	if (gw->threaded)
		pthread_mutex_lock(mu);
}
static inline void workers_unlock(const struct gateway *gw, pthread_mutex_t *mu)
{
	if (gw->threaded)
		pthread_mutex_unlock(mu);
}
unsigned workers_wanted(const struct config_server *cfg);
int workers_alloc(struct gateway *gw, unsigned n);
void workers_free(struct gateway *gw);
/* Stopping the world: every other worker parked between two callbacks
 * until the end; nests. No-op with one worker. Never called holding
 * halfopen_mu or audit_mu. */
void workers_exclusive_begin(struct gateway *gw);
void workers_exclusive_end(struct gateway *gw);
/* Threads for workers[1..]: started confined, stopped and joined. */
int workers_start_threads(struct gateway *gw);
void workers_stop_threads(struct gateway *gw);
/* The current thread's worker loop: held world for reading. */
void workers_turn_enter(struct gateway *gw, struct worker *w);
void workers_turn_leave(struct gateway *gw);
void workers_wake(struct worker *w);

/* handoff.c: TUN packets for another worker's session */
int handoff_init(struct worker *w);
void handoff_deinit(struct worker *w);
/* True if pkt (vh bytes of virtio_net_hdr before it), whose header
 * router_find parsed into d, is for a session of another worker: passed to
 * it with that parse, or dropped and counted. False: d->s is the address
 * table's session for it now (this worker's, or none). */
bool handoff_pass(struct worker *from, struct buf *pkt, size_t vh, struct router_dest *d);
void workers_sum_stats(const struct gateway *gw, struct worker_stats *out);
unsigned workers_n_halfopen(const struct gateway *gw);
unsigned workers_n_sessions(const struct gateway *gw);
/* One line for status: the workers, each one's sessions, the hand-off. */
void workers_status_line(const struct gateway *gw, char *out, size_t cap);

/* audit.c: events of the audit trail to journald and the audit_log file.
 * audit_open runs as root before the drop; audit_reopen on SIGHUP (as the
 * user: the directory must be the user's, docs/audit.md). An event that
 * cannot be written is counted and the first of a run logged; nothing
 * here blocks or stops the gateway. */
int audit_open(struct gateway *gw);
void audit_reopen(struct gateway *gw);
void audit_close(struct gateway *gw);
void audit_emit(struct gateway *gw, struct audit_event *e);
/* An event about s: its identity, certificate, addresses and, for
 * AUDIT_DISCONNECT, its counters; reason_code as refusal_post_key says. */
void audit_session(const struct session *s, enum audit_type type, const char *reason_code);
/* AUDIT_CONTINUE (s continued, prev_remote the address it had) or
 * AUDIT_CONTINUE_REFUSED (s the new connection, reason and code why):
 * with the cid the client named. */
void audit_continuation(const struct session *s, enum audit_type type, uint64_t cid,
			const char *prev_remote, const char *reason, const char *reason_code);
/* reason_code of a close with this BYE ("admin", "revoked", ...). */
const char *audit_bye_code(uint16_t bye);

/* confine.c: once set up, the gateway runs as cfg.user with CAP_NET_ADMIN
 * only, under a seccomp allow-list. confine_init looks the user up (so
 * --check-config names a missing one); confine_start drops, checks that the
 * files it rewrites and re-reads are within reach, and installs the filter. */
int confine_init(struct gateway *gw);
int confine_start(struct gateway *gw);

/* reload.c: SIGHUP and "mtlsvpnctl reload" - server.ini anew, all or nothing.
 * 0 applied / -1 refused; msg says what happened either way. */
int reload_config(struct gateway *gw, const char *trigger, char *msg, size_t cap);

/* control.c: the admin socket (mtlsvpnctl) */
struct control;
struct control_conn;
int control_start(struct gateway *gw);
void control_stop(struct gateway *gw);
void control_textf(struct control_conn *c, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void control_done(struct control_conn *c, uint8_t status, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
size_t control_conn_room(const struct control_conn *c);
bool control_conn_reserve(struct control_conn *c, size_t n);
bool control_conn_append(struct control_conn *c, const void *p, size_t n);
struct gateway *control_conn_gateway(const struct control_conn *c);
void control_conn_set_capture(struct control_conn *c, struct capture *cap);

/* status_json.c: mtlsvpnctl status --json (docs/gateway-status.schema.json) */
void status_json(struct control_conn *c);
void status_add_stats(struct session_stats *to, const struct session_stats *from);
void status_totals(const struct gateway *gw, struct session_stats *out);

/* metrics.c: the optional Prometheus endpoint in the worker's loop */
int metrics_start(struct gateway *gw);
void metrics_stop(struct gateway *gw);
void metrics_observe_handshake(struct worker *w, uint64_t ms);
/* metrics_render.c: the text exposition of every metric; false if it
 * does not fit in out. */
bool metrics_render(const struct gateway *gw, struct buf *out);

/* drain.c: mtlsvpnctl drain [SECONDS] */
#define DRAIN_DEFAULT_SECONDS 30
#define DRAIN_MAX_SECONDS 86400
void drain_cmd(struct control_conn *c, unsigned argc, const char **argv);
unsigned drain_start(struct gateway *gw, unsigned seconds);
uint32_t drain_retry_after_ms(void);
void drain_status_line(const struct gateway *gw, char *out, size_t cap);
void drain_stop(struct gateway *gw);

/* capture.c: a session's inner packets to mtlsvpnctl capture */
struct capture;
void capture_start(struct control_conn *c, unsigned argc, const char **argv);
void capture_tap(struct session *s, const uint8_t *pkt, size_t len);
void capture_session_gone(struct session *s);
void capture_conn_gone(struct capture *cap);

/* gateway.c */
int gateway_init(struct gateway *gw, const struct config_server *cfg);
int gateway_start(struct gateway *gw);
int gateway_run(struct gateway *gw);
void gateway_shutdown(struct gateway *gw);
void gateway_status(struct gateway *gw);
void gateway_deinit(struct gateway *gw);
void gateway_on_session_reaped(struct worker *w);
void gateway_set_accepting(struct gateway *gw, bool on);

/* halfopen.c: connections before authentication */
int halfopen_init(struct gateway *gw);
void halfopen_deinit(struct gateway *gw);
void halfopen_source(const struct sockaddr_storage *ss, struct halfopen_src *out);
void halfopen_make_room(struct worker *w, const struct halfopen_src *src);
void halfopen_add(struct session *s);
void halfopen_set_source(struct session *s, const struct halfopen_src *src);
void halfopen_remove(struct session *s);
uint64_t halfopen_first_deadline_ms(const struct worker *w);
void halfopen_on_deadline(struct session *s);
void halfopen_new_turn(struct ev_loop *loop, void *data);
bool halfopen_budget_left(const struct worker *w);
uint64_t halfopen_work_start(void);
void halfopen_work_done(struct worker *w, uint64_t start);

/* refusal.c: counting refusals, and logging them within bounds */
void refusal_init(struct worker *w);
void refusal_deinit(struct worker *w);
void refusal_pre_auth(struct worker *w, enum refusal r, const char *remote,
		      const char *source, const char *reason);
void refusal_post_auth(struct worker *w, uint16_t bye);
/* Counts r as refusal_pre_auth does; true if the caller may log and audit
 * it in full, false if it is held for the interval's summary. */
bool refusal_pre_auth_counted(struct worker *w, enum refusal r, const char *source);
enum refusal refusal_from_tls(enum tls_failure f);
void refusal_status_line(const struct worker_stats *st, char *out, size_t cap);
/* Machine names of the reasons ("no_certificate", "revoked"); NULL for a
 * BYE reason that is not a refusal. */
const char *refusal_pre_key(unsigned r);
const char *refusal_post_key(unsigned bye);

uint64_t sestab_hash_bytes(uint64_t seed, const uint8_t *p, size_t n);

/* proxy.c: the PROXY v2 header of a connection from a load balancer */
bool proxy_trusted(const struct config_server *cfg, const struct sockaddr_storage *ss);
int proxy_expect(struct session *s);
bool proxy_on_readable(struct session *s);

/* listener.c */
int listener_open(struct worker *w, const struct sockaddr_storage *ss, socklen_t len);
int listener_open_all(struct gateway *gw);
void listener_close(struct worker *w);

/* session.c: lifecycle, states, timers, logging */
struct session *session_new(struct worker *w, int fd, const struct sockaddr_storage *peer,
			    const struct halfopen_src *src);
void session_set_state(struct session *s, enum session_state to);
void session_close(struct session *s, uint16_t bye, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void session_reap_all(struct ev_loop *loop, void *data);
void session_trim_init(struct worker *w);
void session_free(struct session *s);
/* liveness.c */
void liveness_init(struct session *s);
void liveness_arm(struct session *s);
void liveness_on_keepalive(struct session *s);
void liveness_after_input(struct session *s);
void session_on_data_received(struct session *s);
void session_on_data_sent(struct session *s);
void session_on_idle(struct session *s);
void session_on_established(struct session *s);
void session_on_frame(struct session *s, const struct chan_event *ev);
void session_status(const struct session *s);
void session_log(const struct session *s, int level, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
bool session_send_frame(struct session *s, uint8_t type, const void *payload, size_t len);
/* BYE(DRAINING) with a retry-after; the session stays up until its client
 * leaves. false if it could not be queued. */
bool session_tell_draining(struct session *s);
const char *session_quote(const char *in, char *out, size_t cap);
/* session_log.c: the close's log line, audit event and refusal count. */
void session_log_close(const struct session *s, bool was_up, uint16_t bye);

#define SESSION_LOG_INFO 0
#define SESSION_LOG_DEBUG 1
#define SESSION_LOG_WARN 2

/* revoke.c: CRLs and deny lists, the state and the checks */
int revoke_init(struct gateway *gw);
void revoke_deinit(struct gateway *gw);
void revoke_log_src(const struct gateway *gw, const struct revoke_src *src, double ms);
double revoke_ms_since(const struct timespec *t0);
void revoke_complete_chain(const struct revoke *rv, struct cert_ref *chain, unsigned *n,
			   unsigned cap);
bool revoke_check(const struct gateway *gw, const struct cert_ref *chain, unsigned n,
		  const char *identity, char *why, size_t cap);
bool revoke_refuses_new(const struct gateway *gw, char *why, size_t cap);
void revoke_sweep(struct gateway *gw);

/* revoke_src.c: reading one crl source and the rules its CRLs must pass */
int revoke_src_load(const struct revoke *rv, const char *path, struct revoke_src *out, char *why,
		    size_t cap);
void revoke_src_clear(struct revoke_src *src);
bool revoke_src_same(const struct revoke_src *a, const struct revoke_src *b);
const struct crl_entry *revoke_src_lookup(const struct revoke_crl *f, const struct cert_ref *r);
int revoke_src_read_file(const char *path, size_t max, uint8_t **out, size_t *len);

/* revoke_reload.c: CRLs on reload, inotify and nextUpdate, in the worker's loop */
int revoke_start(struct worker *w);
void revoke_stop(struct worker *w);
int revoke_apply_config(struct gateway *gw, const struct config_server *n, const char *trigger,
			char *err, size_t cap);
void revoke_after_reload(struct gateway *gw);
void revoke_on_settled(struct ev_loop *loop, struct ev_timer *t);
void revoke_on_next_update(struct ev_loop *loop, struct ev_timer *t);

/* cont.c: CONTINUING -> the continued session, or ESTABLISHED as a new one */
void cont_on_frame(struct session *s, const struct chan_event *ev);
/* session.c: the continued session s takes over n's connection (fd, TLS,
 * buffers, certificate); n is left an empty shell and reaped. */
void session_take_connection(struct session *s, struct session *n);
/* session.c: the connection's socket and TLS go, nothing else. */
void session_drop_connection(struct session *s);
/* detach.c: keep s, losing its connection, detached (true), or not. With
 * the world stopped, from session_close. */
bool detach_keep(struct session *s);
void detach_init(struct session *s);
/* A continuation attached a connection: no longer detached. */
void detach_on_attached(struct session *s);
/* The session's certificate: from its connection, or the copy kept while
 * it is detached. False if neither can be read. */
bool detach_cert_info(const struct session *s, struct cert_info *ci);
/* session_free: the copy goes. */
void detach_free(struct session *s);

/* establish.c: HANDSHAKE -> (CHECKING ->) (HTTP ->) ESTABLISHED */
void establish_session(struct session *s);
void establish_resume(struct session *s);
/* HTTP -> ESTABLISHED: an OpenConnect client's CONNECT (oc.c). */
void establish_admit(struct session *s);
/* HTTP: the session's certificate read and checked again (CRLs, deny
 * lists) with the world stopped; false if that closed it. */
bool establish_still_good(struct session *s, struct cert_info *ci);
/* CONTINUING -> ESTABLISHED: a refused continuation, admitted as new. */
void establish_admit_new(struct session *s);
/* The group s's certificate maps to now, as admission would choose it
 * (members, group_from, default_group); NULL with *why if none. */
struct group *establish_group_of(struct session *s, const char **why);
/* The continued session's CONFIG (same addresses, same cid). */
bool establish_send_config(struct session *s);
/* The settings CONFIG carries for s (its addresses, group lists, timers). */
void establish_config(const struct session *s, struct msg_config *c);
/* PROTO_FEATURE_* this gateway offers in CONFIG (OFFLOAD only with a TUN
 * that does TSO). */
uint32_t establish_features_offered(const struct worker *w);

/* oc.c: OpenConnect (AnyConnect) clients: the HTTP exchange, CSTP framing */
void oc_begin(struct session *s);
void oc_input(struct session *s);
void oc_on_deadline(struct session *s);
bool oc_send_connected(struct session *s);
bool oc_send_packet(struct session *s, uint8_t cstp_type, const void *payload, size_t len);
void oc_on_close(struct session *s, uint16_t bye, bool was_up);
/* router.c's TUN -> client step for a CSTP session: one record per packet. */
void oc_route_packet(struct session *s, struct buf *pkt, size_t len);
/* Queues bytes as TLS records (the caller flushes); false if it closed. */
bool oc_queue(struct session *s, const void *p, size_t len);

/* est.c: EST enrollment and renewal (docs/protocol.md section 13).
 * est_start loads the CA before the privileges go (nothing if enroll is
 * off); est_check_reach checks, as the user, that the CA directory can be
 * written. */
struct oc_request;
struct est_gw;
int est_start(struct gateway *gw);
void est_stop(struct gateway *gw);
/* est_signer.c: the process that holds the CA key (started by
 * gateway_start before anything else, while root); est_signer_call sends
 * one request and reads its answer (buf: SIGN_MSG_MAX bytes, which the
 * answer points into); *fd becomes -1 when the signer fails. */
struct sign_req;
struct sign_answer;
int est_signer_start(struct gateway *gw);
void est_signer_attach(struct gateway *gw, int fd, pid_t pid);
/* -1: enroll is off; 0: the signer has failed; 1: it answers. */
int est_signer_state(const struct gateway *gw);
bool est_signer_call(int *fd, const struct sign_req *rq, struct sign_answer *a, uint8_t *buf,
		     char *why, size_t cap);
void est_answer(struct session *s, const struct oc_request *rq);
void est_refuse_other(struct session *s, const struct oc_request *rq);
const char *oc_proto_name(const struct session *s);

/* update.c: routes and DNS of CONFIG and CONFIG_UPDATE, pushed after a reload */
enum update_result {
	UPDATE_SENT,
	UPDATE_OLD_CLIENT, /* did not announce PROTO_FEATURE_CONFIG_UPDATE */
	UPDATE_NOT_SENT,   /* not established, or could not queue (logged) */
};
void update_lists(const struct config_net *net, struct msg_config *c);
/* True if the routes, DNS servers, search or routing domains differ. */
bool update_differs(const struct config_net *old, const struct config_net *new_net);
void update_on_features(struct session *s, uint32_t features);
enum update_result update_session(struct session *s);

/* ocsp_check.c: the optional OCSP check between HANDSHAKE and ESTABLISHED */
enum ocsp_check_start {
	OCSP_CHECK_PASS,   /* no check, a cached good answer, or ocsp_fail = open */
	OCSP_CHECK_WAIT,   /* now CHECKING: establish_resume() follows a good answer */
	OCSP_CHECK_CLOSED, /* refused: the session is closed */
};
int ocsp_check_init(struct gateway *gw);
void ocsp_check_deinit(struct gateway *gw);
enum ocsp_check_start ocsp_check_begin(struct session *s, const struct cert_info *ci);
void ocsp_check_forget(struct session *s);
void ocsp_check_status(const struct gateway *gw);

/* policy.c: access rules and flows on the data path; true = let it through */
bool policy_from_client(struct session *s, const uint8_t *pkt, size_t len,
			const struct ippkt_info *ip);
bool policy_to_client(struct session *s, const uint8_t *pkt, size_t len,
		      const struct ippkt_info *ip);
/* The same for every segment of a super-packet at once, when the rules
 * provably decide them all alike (acl_eval_gso); POLICY_PER_SEGMENT: cut
 * it and decide each segment with the functions above. A packet of one
 * segment is decided by those directly. */
enum policy_verdict { POLICY_DENY, POLICY_ALLOW, POLICY_PER_SEGMENT };
enum policy_verdict policy_from_client_gso(struct session *s, const uint8_t *pkt,
					   const struct gso_info *inf, const struct gso_meta *m,
					   const struct ippkt_info *ip);
enum policy_verdict policy_to_client_gso(struct session *s, const uint8_t *pkt,
					 const struct gso_info *inf, const struct gso_meta *m,
					 const struct ippkt_info *ip);
void policy_group_status(const struct group *g);

/* group.c: the configured groups, their pools, TUN addresses and rules */
int group_init_all(struct gateway *gw);
int group_init(const struct config_server *cfg, struct group *g, unsigned i, char *err, size_t cap);
void group_deinit(struct group *g);
void group_deinit_all(struct gateway *gw);
int group_tun_add(struct gateway *gw);
void group_tun_del(struct gateway *gw);
bool group_has_family(const struct gateway *gw, int family);
unsigned group_active_leases(const struct gateway *gw);
void group_log_all(const struct gateway *gw);

/* lease.c: sticky leases kept in cfg.lease_file across restarts */
void lease_restore(struct gateway *gw);
void lease_start(struct gateway *gw);
void lease_changed(struct gateway *gw);
int lease_save(struct gateway *gw);
void lease_stop(struct gateway *gw);

/* router.c: TUN <-> sessions */
/* A TUN packet's inner destination, parsed and looked up once
 * (router_find) and then routed with it (tun_rx.c uses the session as the
 * packet's scheduling key in between). */
struct router_dest {
	struct ippkt_info ip;
	struct session *s;               /* the address table's, NULL: none */
	bool ok;                         /* ippkt_parse said IPPKT_OK */
};
/* offload.c: super-packets and partial checksums between the TUN and the
 * sessions */
bool offload_session_takes_gso(const struct session *s);
void offload_from_tun(struct worker *w, struct buf *pkt, const uint8_t *vnet,
		      const struct router_dest *d);
void offload_deliver(struct session *s, const struct chan_event *ev);
bool offload_tun_write(struct worker *w, const uint8_t *vnet, const uint8_t *pkt, size_t len);

/* tungro.c: a session's allowed packets into the TUN, coalesced per flow
 * until tungro_flush at the end of its read. */
int tungro_init(struct worker *w);
void tungro_deinit(struct worker *w);
void tungro_write(struct session *s, const uint8_t *pkt, size_t len);
void tungro_flush(struct session *s);

/* Room before a TUN packet: a virtio_net_hdr when reading, then the longest
 * header we prepend (ours with the GSO header, or CSTP's). */
#define ROUTER_HEADROOM 16
int router_init(struct worker *w);
void router_deinit(struct worker *w);
void router_session_input(struct session *s);
void router_deliver(struct session *s, const struct chan_event *ev);
void router_deliver_packet(struct session *s, const uint8_t *pkt, size_t len,
			   const struct ippkt_info *ip);
void router_find(struct worker *w, const struct buf *pkt, struct router_dest *d);
void router_route_packet(struct worker *w, struct buf *pkt);
void router_route_to(struct worker *w, struct buf *pkt, const struct router_dest *d);
void router_flush_dirty(struct worker *w);
void router_tun_packet_to(struct worker *w, struct buf *pkt, size_t vh,
			  const struct router_dest *d);
bool router_source_ok(const struct session *s, const struct ippkt_info *ip);
#define ROUTER_HIGH_WATER (256 * 1024)

/* rx_idle.c: the read-ahead's staged memory back to the kernel when quiet */
void rx_idle_init(struct worker *w);
void rx_idle_deinit(struct worker *w);
void rx_idle_on_staged(struct worker *w);
uint64_t rx_idle_resident(const struct worker *w);

/* tun_rx.c: reading the TUN queue, sparse destinations first */
int tun_rx_init(struct worker *w);
void tun_rx_deinit(struct worker *w);
void tun_rx_on_readable(struct ev_loop *loop, struct ev_io *io, uint32_t revents);
enum tls_result router_session_encrypt(struct session *s);
bool router_session_flush(struct session *s);
void router_mark_dirty(struct session *s);
void router_drain_pending(struct ev_loop *loop, void *data);
int router_add_session(struct session *s);
void router_remove_session(struct session *s);

/* sestab.c */
int sestab_init(struct sestab *t, size_t expected);
void sestab_deinit(struct sestab *t);
void sestab_insert_addr(struct sestab *t, struct sestab_node *n, struct session *s,
			const struct ipaddr *a);
struct session *sestab_find_addr(const struct sestab *t, const struct ipaddr *a);
void sestab_insert_id(struct sestab *t, struct sestab_node *n, struct session *s);
struct session *sestab_find_id(const struct sestab *t, const char *identity);
unsigned sestab_count_id(const struct sestab *t, const char *identity, const struct session *skip,
			 struct session **oldest);
void sestab_remove(struct sestab *t, struct sestab_node *n);

#endif
