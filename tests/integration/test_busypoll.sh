#!/usr/bin/env bash
# busy_poll_us: with it set, each ping's request written to the gateway's
# TUN opens a poll window there that finds the LAN's answer, and each
# request the client reads from its TUN opens one on the client; with the
# default (0) neither loop ever polls. Counted from the loops' own report
# at exit (-v). One worker: the seccomp filter without the threads' calls
# must allow the window's sched_yield.
. "$(dirname "$0")/lib.sh"

pki_init
pki_client alice
topo_init
add_laptop 1

# windows LOG: "found none" of the event loop's report in LOG, or "- -".
windows() {
	sed -n 's/.*event loop: \([0-9]*\) poll windows found an event, \([0-9]*\) none.*/\1 \2/p' "$1" |
		tail -n 1 | grep . || echo "- -"
}

# run_pings POLL: a gateway and client with busy_poll_us = POLL, 30 pings
# through the tunnel, both stopped; their logs kept as gw-POLL.log and
# client-POLL.log.
run_pings() {
	write_server_ini "workers = 1" "busy_poll_us = $1"
	start_gateway
	write_client_ini 1 alice "busy_poll_us = $1"
	start_client 1
	wait_tunnel 1
	ip netns exec "$(lap 1)" ping -c 30 -i 0.05 -W 2 10.20.0.2 >"$WORK/ping-$1.out" 2>&1 ||
		fail "busy_poll_us = $1: pings through the tunnel failed: $(tail -n 2 "$WORK/ping-$1.out")"
	kill -TERM "${CLIENT_PID[1]}"
	wait "${CLIENT_PID[1]}" || fail "busy_poll_us = $1: client exit status $? after SIGTERM"
	kill -TERM "$GW_PID"
	gateway_exits 10 || fail "busy_poll_us = $1: the gateway did not stop within 10 s"
	[ "$GW_RC" -eq 0 ] || fail "busy_poll_us = $1: gateway exit status $GW_RC: $(tail -n 3 "$WORK/gateway.log")"
	mv "$WORK/gateway.log" "$WORK/gw-$1.log"
	mv "$WORK/client1.log" "$WORK/client-$1.log"
}

run_pings 200
read -r g_hit g_none < <(windows "$WORK/gw-200.log")
read -r c_hit c_none < <(windows "$WORK/client-200.log")
[ "$g_hit" != - ] || fail "busy_poll_us = 200: the gateway reported no poll windows"
[ "$c_hit" != - ] || fail "busy_poll_us = 200: the client reported no poll windows"
# The LAN host answers inside the gateway's TUN write: every request's
# window finds its answer.
[ "$g_hit" -ge 30 ] || fail "busy_poll_us = 200: $g_hit gateway windows found the answer, fewer than the 30 pings"
[ $((c_hit + c_none)) -ge 30 ] || fail "busy_poll_us = 200: the client opened $((c_hit + c_none)) windows for 30 pings"
say "busy_poll_us = 200: gateway windows $g_hit found / $g_none none, client $c_hit / $c_none"

run_pings 0
[ "$(windows "$WORK/gw-0.log")" = "- -" ] || fail "busy_poll_us = 0: the gateway polled: $(windows "$WORK/gw-0.log")"
[ "$(windows "$WORK/client-0.log")" = "- -" ] || fail "busy_poll_us = 0: the client polled"
say "busy_poll_us = 0: neither loop opened a window"
pass
