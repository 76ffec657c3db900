/*
 * log.c - logging in the shape of OpenBSD's log.c. Each message becomes one
 * line on stderr ("2024-05-01T12:00:00.123Z prog: text"), built in a buffer
 * and written with a single write(2) so concurrent writers never interleave,
 * and optionally goes to syslog. Every function preserves errno.
 *
 * Under systemd, stderr is a stream to journald ($JOURNAL_STREAM names its
 * device and inode): lines then carry their priority as a "<N>" prefix
 * (sd-daemon(3)) instead of a timestamp journald adds itself, so
 * "journalctl -p err" shows errors only. fatal is crit, log_errx and
 * log_warn (a failed system call) err, log_warnx warning, log_info info,
 * log_debug debug.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "log.h"

/* Below PIPE_BUF, so a line to a pipe (journald, a supervisor) is atomic. */
#define LOG_LINE_MAX 2048

int log_verbosity;

static const char *log_progname = "mtlsvpn";
static bool log_to_syslog;
static bool log_to_journal;

/* Is stderr the journald stream systemd gave us? */
static bool stderr_is_journal(void)
{
	const char *js = getenv("JOURNAL_STREAM");
	unsigned long long dev, ino;
	struct stat st;

	if (js == NULL || sscanf(js, "%llu:%llu", &dev, &ino) != 2 ||
	    fstat(STDERR_FILENO, &st) < 0)
		return false;
	return (unsigned long long)st.st_dev == dev && (unsigned long long)st.st_ino == ino;
}

void log_init(const char *progname, int verbosity, bool use_syslog)
{
	int saved = errno;

	if (progname != NULL)
		log_progname = progname;
	log_verbosity = verbosity;
	if (use_syslog && !log_to_syslog)
		openlog(log_progname, LOG_PID | LOG_NDELAY, LOG_DAEMON);
	else if (!use_syslog && log_to_syslog)
		closelog();
	log_to_syslog = use_syslog;
	log_to_journal = stderr_is_journal();
	tzset();
	errno = saved;
}

/* Copies src with control bytes written as \xNN: a message may quote
 * peer-supplied text, and a newline in it must not forge a log line. */
static size_t escape(char *dst, size_t cap, const char *src)
{
	static const char hex[] = "0123456789abcdef";
	size_t n = 0;

	for (; *src != '\0' && n + 1 < cap; src++) {
		unsigned char c = (unsigned char)*src;

		if (c >= 0x20 && c != 0x7f) {
			dst[n++] = (char)c;
			continue;
		}
		if (n + 5 > cap)
			break;
		dst[n++] = '\\';
		dst[n++] = 'x';
		dst[n++] = hex[c >> 4];
		dst[n++] = hex[c & 0xf];
	}
	dst[n] = '\0';
	return n;
}

static void write_all(const char *p, size_t n)
{
	while (n > 0) {
		ssize_t w = write(STDERR_FILENO, p, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return;
		p += w;
		n -= (size_t)w;
	}
}

static void log_line(int pri, int errnum, const char *msg)
{
	char clean[LOG_LINE_MAX], line[LOG_LINE_MAX], ts[32];
	struct timespec now;
	struct tm tm;
	int n;

	escape(clean, sizeof(clean), msg);
	if (errnum != 0) {
		size_t l = strlen(clean);

		snprintf(clean + l, sizeof(clean) - l, ": %s", strerror(errnum));
	}

	clock_gettime(CLOCK_REALTIME, &now);
	gmtime_r(&now.tv_sec, &tm);
	n = (int)strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(ts + n, sizeof(ts) - (size_t)n, ".%03ldZ", now.tv_nsec / 1000000);

	if (log_to_journal)
		n = snprintf(line, sizeof(line), "<%d>%s\n", pri, clean);
	else
		n = snprintf(line, sizeof(line), "%s %s: %s\n", ts, log_progname, clean);
	if (n < 0)
		return;
	if ((size_t)n >= sizeof(line)) {
		/* Cut, but keep the line a line. */
		n = sizeof(line) - 1;
		line[n - 1] = '\n';
	}
	write_all(line, (size_t)n);
	if (log_to_syslog)
		syslog(pri, "%s", clean);
}

static void vlog(int pri, int errnum, const char *fmt, va_list ap)
{
	char msg[LOG_LINE_MAX];

	vsnprintf(msg, sizeof(msg), fmt, ap);
	log_line(pri, errnum, msg);
}

void log_warn(const char *fmt, ...)
{
	int saved = errno;
	va_list ap;

	va_start(ap, fmt);
	vlog(LOG_ERR, saved, fmt, ap);
	va_end(ap);
	errno = saved;
}

void log_errx(const char *fmt, ...)
{
	int saved = errno;
	va_list ap;

	va_start(ap, fmt);
	vlog(LOG_ERR, 0, fmt, ap);
	va_end(ap);
	errno = saved;
}

void log_warnx(const char *fmt, ...)
{
	int saved = errno;
	va_list ap;

	va_start(ap, fmt);
	vlog(LOG_WARNING, 0, fmt, ap);
	va_end(ap);
	errno = saved;
}

void log_info(const char *fmt, ...)
{
	int saved = errno;
	va_list ap;

	va_start(ap, fmt);
	vlog(LOG_INFO, 0, fmt, ap);
	va_end(ap);
	errno = saved;
}

void log_debug_(const char *fmt, ...)
{
	int saved = errno;
	va_list ap;

	if (log_verbosity <= 0)
		return;
	va_start(ap, fmt);
	vlog(LOG_DEBUG, 0, fmt, ap);
	va_end(ap);
	errno = saved;
}

/* OpenBSD's fatal(): says it is fatal, then exits 1 without unwinding. */
static void vfatal(int errnum, const char *fmt, va_list ap)
{
	char msg[LOG_LINE_MAX];

	memcpy(msg, "fatal: ", 7);
	vsnprintf(msg + 7, sizeof(msg) - 7, fmt, ap);
	log_line(LOG_CRIT, errnum, msg);
	exit(1);
}

void fatal(const char *fmt, ...)
{
	int saved = errno;
	va_list ap;

	va_start(ap, fmt);
	vfatal(saved, fmt, ap);
	va_end(ap);
	exit(1);
}

void fatalx(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vfatal(0, fmt, ap);
	va_end(ap);
	exit(1);
}
