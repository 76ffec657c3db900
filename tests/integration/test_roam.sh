#!/usr/bin/env bash
# Roaming: the laptop's address moves to another one of its subnet while a
# ping runs through the tunnel. The client hears the change on rtnetlink
# and reconnects at once instead of waiting for the dead-peer timeout (set
# long here, so it cannot be what brings the tunnel back). Three moves with
# pushed routes and three with a full tunnel (whose pin to the gateway the
# kernel drops with the old address and the client puts back): each time
# the first reply through the tunnel must come within 2 s of the move, the
# gateway must see the session come from the new address, and the old one
# must go (replaced by the new one, BYE 4). The client runs with udp = off:
# with its UDP channel up it would continue the same session instead
# (docs/protocol.md 12.10), which test_udp_continue.sh covers.
. "$(dirname "$0")/lib.sh"

LIMIT_MS=2000
MOVES=3

topo_init
add_laptop 1
L=$(lap 1)
# A default route, as at home: in full-tunnel mode the pin must not follow it.
ip -n "$L" route add default via 192.0.2.1
pki_init
pki_client alice
write_server_ini "dead_peer_timeout = 60"
start_gateway

ADDR=192.0.2.11
NEXT=30
FIGURES=()

# move MODE: one move of the laptop's address while the ping runs; records
# the time to the first reply after it.
move() {
	local mode=$1 new="192.0.2.$NEXT" t0 t1 ms sessions
	NEXT=$((NEXT + 1))
	sessions=$(grep -c "session up:" "$WORK/gateway.log" || true)
	t0=$(date +%s.%N)
	ip -n "$L" addr del "$ADDR/24" dev eth0
	ip -n "$L" addr add "$new/24" dev eth0
	# In full-tunnel mode the kernel took the default route with the
	# address; the laptop's network puts it back, as DHCP would.
	ip -n "$L" route replace default via 192.0.2.1
	ADDR=$new
	wait_for 5 first_reply_after "$t0" || fail "$mode: no reply through the tunnel within 5 s of moving to $new"
	t1=$(first_reply_after "$t0")
	ms=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%d", (b - a) * 1000 }')
	FIGURES+=("$mode:${ms}ms")
	say "$mode: moved to $new; first reply through the tunnel after $ms ms"
	[ "$ms" -lt "$LIMIT_MS" ] || fail "$mode: $ms ms from the move to the first reply (limit $LIMIT_MS ms)"
	wait_for 5 session_from "$new" "$sessions" ||
		fail "$mode: the gateway saw no new session from $new"
}

# first_reply_after T: prints the time of the first ping reply later than T
# (10 ms later: a reply already on its way when the address went is not one).
first_reply_after() {
	awk -v t="$1" -F'[][]' '/bytes from/ && $2 > t + 0.01 { print $2; found = 1; exit }
		END { exit !found }' "$WORK/ping.log"
}

# session_from ADDR N: more than N sessions came up, the last from ADDR.
session_from() {
	[ "$(grep -c "session up:" "$WORK/gateway.log")" -gt "$2" ] &&
		grep "session up:" "$WORK/gateway.log" | tail -n 1 | grep -q "remote=$1:"
}

run_moves() {
	local mode=$1 replaced
	shift
	write_client_ini 1 alice "udp = off" "$@"
	start_client 1
	wait_tunnel 1
	: >"$WORK/ping.log"
	ip netns exec "$L" ping -D -n -i 0.05 10.20.0.2 >"$WORK/ping.log" 2>&1 &
	PING_PID=$!
	T_PIDS+=("$PING_PID")
	wait_for 5 grep -q "bytes from" "$WORK/ping.log" || fail "$mode: no ping through the tunnel"
	replaced=$(grep -c "reason=\"replaced" "$WORK/gateway.log" || true)
	for _ in $(seq "$MOVES"); do
		move "$mode"
		sleep 1
	done
	grep -q "the way to the gateway moved" "$WORK/client1.log" ||
		fail "$mode: the client never said the way moved"
	# The old sessions end: replaced by the new ones (or, later, dead).
	wait_for 5 test "$(grep -c "reason=\"replaced" "$WORK/gateway.log")" -ge $((replaced + MOVES)) ||
		fail "$mode: the gateway did not replace the $MOVES old sessions"
	grep -q "nothing heard from the gateway" "$WORK/client1.log" &&
		fail "$mode: the client waited for the dead-peer timeout"
	stop_pid "$PING_PID"
	stop_pid "${CLIENT_PID[1]}"
}

run_moves split
run_moves full "full_tunnel = yes"
# The pin to the gateway went with the client.
ip -n "$L" route show | grep -q "^192.0.2.1 " && fail "the pin to the gateway outlived the client"
say "address change -> first reply through the tunnel: ${FIGURES[*]}"
pass
