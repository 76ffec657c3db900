/*
 * audit.c - the gateway's audit trail (docs/audit.md): each event
 * (common/base/audit_event.c builds it) goes to journald as a native entry
 * with MESSAGE_ID and MTLSVPN_* fields when journald's socket is there,
 * and as one JSON line to [gateway] audit_log when set. The file is opened
 * with O_APPEND before the privilege drop and written with one write(2) a
 * line; SIGHUP reopens it by name (logrotate's rename and create), as the
 * dropped user. A lost event is counted, and the first of a run of losses
 * logged; nothing here blocks or stops the gateway.
 */
#include "server.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
/* No CODE_FILE/CODE_LINE/CODE_FUNC: the event's fields are the interface. */
#define SD_JOURNAL_SUPPRESS_LOCATION
#include <systemd/sd-journal.h>
#include <time.h>
#include <unistd.h>

#include "log.h"

#define AUDIT_JOURNAL_SOCKET "/run/systemd/journal/socket"
#define AUDIT_LINE_MAX 4096

/* reason_code of a close, by BYE reason (docs/audit.md). */
static const char *const bye_codes[BYE_REASON_MAX + 1] = {
    [BYE_NORMAL] = "normal",
    [BYE_SHUTDOWN] = "shutdown",
    [BYE_REVOKED] = "revoked",
    [BYE_EXPIRED] = "expired",
    [BYE_REPLACED] = "replaced",
    [BYE_POOL_EXHAUSTED] = "pool_exhausted",
    [BYE_PROTOCOL_ERROR] = "protocol_error",
    [BYE_TIMEOUT] = "timeout",
    [BYE_ADMIN] = "admin",
    [BYE_NOT_AUTHORIZED] = "not_authorized",
    [BYE_LIFETIME] = "lifetime",
};

const char *audit_bye_code(uint16_t bye)
{
	if (bye == SESSION_NO_BYE)
		return "client_closed";
	return bye <= BYE_REASON_MAX ? bye_codes[bye] : "other";
}

static int open_file(const char *path)
{
	return open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOCTTY, 0640);
}

int audit_open(struct gateway *gw)
{
	struct audit *a = &gw->audit;
	struct stat st;

	a->fd = -1;
	a->journal = stat(AUDIT_JOURNAL_SOCKET, &st) == 0 && S_ISSOCK(st.st_mode);
	if (gw->cfg.audit_log[0] == '\0')
		return 0;
	a->fd = open_file(gw->cfg.audit_log);
	if (a->fd < 0) {
		log_warn("%s: [gateway] audit_log: cannot open %s", gw->cfg.path,
			 gw->cfg.audit_log);
		return -1;
	}
	/* The user reopens it after a rotation: a regular file root holds
	 * (one this start created) becomes theirs too; never a device. */
	if (geteuid() == 0 && strcmp(gw->cfg.user, "root") != 0 && gw->user.name[0] != '\0' &&
	    fstat(a->fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_uid == 0 &&
	    fchown(a->fd, gw->user.uid, gw->user.gid) < 0)
		log_warn("%s: cannot give it to user %s", gw->cfg.audit_log, gw->cfg.user);
	log_info("audit trail: file %s%s", gw->cfg.audit_log, a->journal ? ", journald" : "");
	return 0;
}

void audit_reopen(struct gateway *gw)
{
	struct audit *a = &gw->audit;
	int fd;

	if (gw->cfg.audit_log[0] == '\0')
		return;
	fd = open_file(gw->cfg.audit_log);
	if (fd < 0) {
		/* Keep writing to the old file rather than to nothing. */
		log_warn("%s: [gateway] audit_log: cannot reopen %s; still writing to the file "
			 "open before",
			 gw->cfg.path, gw->cfg.audit_log);
		return;
	}
	if (a->fd >= 0)
		close(a->fd);
	a->fd = fd;
	log_info("audit trail: %s reopened", gw->cfg.audit_log);
}

void audit_close(struct gateway *gw)
{
	if (gw->audit.fd >= 0)
		close(gw->audit.fd);
	gw->audit.fd = -1;
}

static void lost(struct audit *a, const char *where, int err)
{
	a->lost++;
	if (a->error_told)
		return;
	a->error_told = true;
	errno = err;
	log_warn("audit trail: an event could not be written to %s (%" PRIu64
		 " lost so far; further losses are counted until one succeeds)",
		 where, a->lost);
}

static void write_line(struct gateway *gw, const char *line, size_t len)
{
	struct audit *a = &gw->audit;
	ssize_t n;

	do
		n = write(a->fd, line, len);
	while (n < 0 && errno == EINTR);
	if (n == (ssize_t)len)
		a->error_told = false;
	else
		lost(a, gw->cfg.audit_log, n < 0 ? errno : ENOSPC);
}

void audit_emit(struct gateway *gw, struct audit_event *e)
{
	struct audit *a = &gw->audit;
	static struct audit_fields f;
	char line[AUDIT_LINE_MAX];
	struct timespec now;
	size_t len;
	int r;

	/* Workers refuse connections on their own threads: one event at a
	 * time (the fields above, the loss counters, whole lines). */
	workers_lock(gw, &gw->audit_mu);
	clock_gettime(CLOCK_REALTIME, &now);
	e->time_us = (int64_t)now.tv_sec * 1000000 + now.tv_nsec / 1000;
	if (a->fd >= 0) {
		len = audit_event_json(e, line, sizeof(line));
		if (len > 0)
			write_line(gw, line, len);
		else
			lost(a, gw->cfg.audit_log, EMSGSIZE);
	}
	if (a->journal) {
		if (!audit_event_fields(e, &f))
			lost(a, "journald", EMSGSIZE);
		else if ((r = sd_journal_sendv(f.iov, (int)f.n)) < 0)
			lost(a, "journald", -r);
	}
	workers_unlock(gw, &gw->audit_mu);
}

/* The fields every event about a session carries. */
static struct audit_event session_event(const struct session *s, enum audit_type type,
					char t4[static ADDR_STRLEN], char t6[static ADDR_STRLEN])
{
	struct audit_event e = {
	    .type = type,
	    .sid = s->sid,
	    .identity = s->identity[0] != '\0' ? s->identity : NULL,
	    .serial = s->serial[0] != '\0' ? s->serial : NULL,
	    .fingerprint = s->fingerprint[0] != '\0' ? s->fingerprint : NULL,
	    .group = s->group != NULL ? s->group->net->name : NULL,
	    .remote = s->remote,
	    .tunnel4 = s->addr4.family != 0 ? addr_fmt(&s->addr4, t4) : NULL,
	    .tunnel6 = s->addr6.family != 0 ? addr_fmt(&s->addr6, t6) : NULL,
	};

	return e;
}

void audit_session(const struct session *s, enum audit_type type, const char *reason_code)
{
	char t4[ADDR_STRLEN], t6[ADDR_STRLEN];
	struct audit_event e = session_event(s, type, t4, t6);

	e.reason = s->reason[0] != '\0' ? s->reason : NULL;
	e.reason_code = reason_code;
	if (type == AUDIT_DISCONNECT) {
		e.has_traffic = true;
		e.rx_bytes = s->st.rx_bytes;
		e.rx_packets = s->st.rx_packets;
		e.tx_bytes = s->st.tx_bytes;
		e.tx_packets = s->st.tx_packets;
		e.duration_ms = ev_now_ms(s->w->loop) - s->up_ms;
	}
	audit_emit(s->w->gw, &e);
}

void audit_continuation(const struct session *s, enum audit_type type, uint64_t cid,
			const char *prev_remote, const char *reason, const char *reason_code)
{
	char t4[ADDR_STRLEN], t6[ADDR_STRLEN], hex[17];
	struct audit_event e = session_event(s, type, t4, t6);

	snprintf(hex, sizeof(hex), "%016" PRIx64, cid);
	e.cid = hex;
	e.prev_remote = prev_remote;
	e.reason = reason;
	e.reason_code = reason_code;
	audit_emit(s->w->gw, &e);
}
