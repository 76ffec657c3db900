/*
 * log.h - logging in the shape of OpenBSD's log.c. Messages go to stderr
 * (one line each, with a timestamp) and, if enabled, to syslog. Pure
 * modules never call these; they return reasons instead.
 */
#ifndef MTLSVPN_LOG_H
#define MTLSVPN_LOG_H

#include <stdarg.h>
#include <stdbool.h>

#define LOG_FMT(a, b) __attribute__((format(printf, a, b)))

extern int log_verbosity; /* 0 = info, 1 = debug */

void log_init(const char *progname, int verbosity, bool syslog);
void log_warn(const char *fmt, ...) LOG_FMT(1, 2);  /* appends ": strerror(errno)" */
void log_warnx(const char *fmt, ...) LOG_FMT(1, 2);  /* a warning */
void log_errx(const char *fmt, ...) LOG_FMT(1, 2);   /* an error, without errno */
void log_info(const char *fmt, ...) LOG_FMT(1, 2);
void log_debug_(const char *fmt, ...) LOG_FMT(1, 2);
#define log_debug(...) do { if (log_verbosity > 0) log_debug_(__VA_ARGS__); } while (0)
__attribute__((noreturn)) void fatal(const char *fmt, ...) LOG_FMT(1, 2);
__attribute__((noreturn)) void fatalx(const char *fmt, ...) LOG_FMT(1, 2);

#endif
