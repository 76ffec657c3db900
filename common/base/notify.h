/*
 * notify.h - what the service manager is told, through libsystemd's
 * sd_notify(3): ready, reloading, stopping, a one-line status, and the
 * watchdog keepalive. Outside systemd ($NOTIFY_SOCKET unset) every call
 * does nothing, so the programs run the same by hand.
 */
#ifndef MTLSVPN_NOTIFY_H
#define MTLSVPN_NOTIFY_H

#include <stdint.h>

void notify_ready(void);
void notify_reloading(void);
void notify_stopping(void);
void notify_status(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* How often to send the watchdog keepalive: half of WatchdogSec=, in ms;
 * 0 when no watchdog is asked for. */
uint64_t notify_watchdog_period_ms(void);
void notify_watchdog(void);

#endif
