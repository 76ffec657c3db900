/*
 * fuzz_rtnl_monitor.c - arbitrary bytes as one read of rtnetlink
 * notifications, and as one route message. Nothing may read past the end;
 * a MALFORMED answer names its reason; whatever the summary says is
 * consistent (changes never exceed messages, and a change names a family).
 */
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "rtnl_monitor.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct rtnl_mon_summary s;
	struct rtnl_route r;
	struct ipaddr dst = {.family = AF_INET, .bytes = {192, 0, 2, 1}};
	const char *why = NULL;

	if (rtnl_monitor_decode(data, size, 7, &s, &why) == RTNL_MON_OK) {
		if (s.changes > s.messages || (s.changes > 0 && !s.ipv4 && !s.ipv6))
			__builtin_trap();
		(void)rtnl_monitor_type_name(s.last_type);
	} else if (why == NULL) {
		__builtin_trap();
	}
	why = NULL;
	if (rtnl_monitor_route(data, size, &r, &why) == RTNL_MON_OK) {
		if (r.dst.len > 128)
			__builtin_trap();
		(void)rtnl_monitor_route_better(&r, NULL, &dst, 7);
		dst.family = AF_INET6;
		(void)rtnl_monitor_route_better(&r, &r, &dst, 7);
	} else if (why == NULL) {
		__builtin_trap();
	}
	return 0;
}
