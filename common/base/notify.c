/*
 * notify.c - see notify.h. The only user of <systemd/sd-daemon.h>. The
 * watchdog keepalive is sent from a timer of the program's event loop, so
 * it proves the loop still turns: a loop stuck in one callback misses it
 * and systemd restarts the program.
 */
#include "notify.h"

#include <stdarg.h>
#include <stdio.h>
#include <systemd/sd-daemon.h>

void notify_ready(void)
{
	(void)sd_notify(0, "READY=1");
}

void notify_reloading(void)
{
	(void)sd_notify(0, "RELOADING=1");
}

void notify_stopping(void)
{
	(void)sd_notify(0, "STOPPING=1");
}

void notify_status(const char *fmt, ...)
{
	char line[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	(void)sd_notifyf(0, "STATUS=%s", line);
}

uint64_t notify_watchdog_period_ms(void)
{
	uint64_t usec = 0;

	if (sd_watchdog_enabled(0, &usec) <= 0 || usec == 0)
		return 0;
	return usec / 2000 > 0 ? usec / 2000 : 1;
}

void notify_watchdog(void)
{
	(void)sd_notify(0, "WATCHDOG=1");
}
