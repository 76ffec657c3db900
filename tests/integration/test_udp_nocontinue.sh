#!/usr/bin/env bash
# continue = off (docs/configuration.md): the laptop's own address changes
# while its UDP channel is up, as in test_udp_continue.sh, but its client
# must not continue the session: it reconnects TLS without offering
# mtlsvpn-continue/1 and sends no CONTINUE, so the gateway makes a NEW
# session (another sid, another cid, "session up", nothing continued or
# refused), and the tunnel and its new UDP channel carry traffic after it.
. "$(dirname "$0")/lib.sh"

need_tools python3

topo_init
add_laptop 1
L1=$(lap 1)
pki_init
pki_client alice
write_server_ini "dead_peer_timeout = 60"
start_gateway
write_client_ini 1 alice "continue = off"
start_client 1
wait_tunnel 1

udp_session_up alice "$L1"
ups=$(grep -c "session up:" "$WORK/gateway.log")
say "alice (continue = off): sid $SID, cid $CID, UDP up from 192.0.2.11"

# The laptop joins another network: the old address goes, a new one comes.
ip -n "$L1" addr del 192.0.2.11/24 dev eth0
ip -n "$L1" addr add 192.0.2.31/24 dev eth0
new_sid() {
	local now
	now=$(sess 's["sid"] if s else None')
	[ "$now" != None ] && [ "$now" != "$SID" ]
}
wait_for 15 new_sid ||
	fail "alice has no new session 15 s after the address change (sid $(sess 's["sid"] if s else None'), was $SID): $(grep -E 'continu|session up' "$WORK/gateway.log" | tail -n 5)"
[ "$(grep -c "session up:" "$WORK/gateway.log")" -gt "$ups" ] || fail "the gateway logged no new session up"
grep -qE "session continued|continuation refused" "$WORK/gateway.log" &&
	fail "the gateway saw a continuation: $(grep -E 'continu' "$WORK/gateway.log" | tail -n 3)"
[ "$(sess 's["continued"]')" = 0 ] || fail "alice's new session counts $(sess 's["continued"]') continuations"
[ "$(sess 'd["gateway"]["udp"]["continued"]')" = 0 ] || fail "the gateway counts a continuation"
[ "$(sess 'd["gateway"]["udp"]["continue_refused"]')" = 0 ] ||
	fail "the gateway refused a continuation: the client offered one"
case "$(sess 's["remote"]')" in 192.0.2.31:*) ;; *) fail "alice's remote is $(sess 's["remote"]'), not the new address" ;; esac
grep -q "continue = off: a new session" "$WORK/client1.log" ||
	fail "the client did not say it starts a new session: $(grep -iE 'continu|reconnect|moved' "$WORK/client1.log" | tail -n 5)"
grep -qE "continuing the session|session continued" "$WORK/client1.log" && fail "the client tried to continue its session"
say "after the move: new session $(sess 's["sid"]') from $(sess 's["remote"]'), nothing continued or refused"

wait_for 10 state_up || fail "alice's new UDP channel is not up after 10 s"
ip netns exec "$L1" ping -c 3 -i 0.2 -W 1 10.20.0.2 >/dev/null || fail "no ping through the new session"
grab_dchan_datagram "$L1" "$WORK/after.bin"
[ "$(cid_of "$WORK/after.bin")" != "$CID" ] || fail "alice's datagrams still carry the old cid $CID"
say "the new session carries pings over a new UDP channel (cid $(cid_of "$WORK/after.bin"), was $CID)"

pass
