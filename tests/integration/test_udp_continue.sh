#!/usr/bin/env bash
# Continuing a session over a new TLS connection (docs/protocol.md 12.10):
# mid-upload, the laptop's own address changes (the old one removed), so
# its TCP connection is dead. Its UDP channel goes on from the new address
# while the client reconnects TLS offering mtlsvpn-continue/1 and proves it
# holds the channel. The gateway (two workers: the new connection may land
# on the other one) must move the new connection into the SAME session:
# same sid, inner address and cid, no "session up", continued = 1; the
# upload's checksum must match, and the longest gap between ping replies is
# printed. Then a second identity (bob, rawclient.py) naming alice's cid
# must get a new session of its own, with another cid, and alice's session
# must be untouched; and alice's certificate with a wrong proof gets a new
# session too (both counted as refused).
. "$(dirname "$0")/lib.sh"

need_tools python3 sha256sum ss

topo_init
add_laptop 1
add_laptop 2
L1=$(lap 1)
pki_init
pki_client alice
pki_client bob
write_server_ini "dead_peer_timeout = 60" "workers = 2"
start_gateway
write_client_ini 1 alice
start_client 1
wait_tunnel 1

sess() { gw_session alice "$1"; }
state_up() { [ "$(sess 's["udp"]["state"] if s and s["udp"] else None')" = up ]; }
cid_of() { python3 -c 'import sys; print(open(sys.argv[1], "rb").read()[4:12].hex())' "$1"; }
wait_for 10 state_up || fail "alice's UDP channel is not up after 10 s"
sid=$(sess 's["sid"]')
inner=$(sess 's["tunnel"]["ipv4"]')
grab_dchan_datagram "$L1" "$WORK/before.bin"
cid=$(cid_of "$WORK/before.bin")
ups=$(grep -c "session up:" "$WORK/gateway.log")
say "alice: sid $sid, inner $inner, cid $cid, UDP up from 192.0.2.11"

upload_start "$L1"
sleep 3

# The laptop joins another network: the old address goes, a new one comes.
ip -n "$L1" addr del 192.0.2.11/24 dev eth0
ip -n "$L1" addr add 192.0.2.31/24 dev eth0
continued() { grep -q "session continued on a new connection" "$WORK/gateway.log"; }
wait_for 10 continued || fail "the gateway did not continue alice's session: $(grep -E 'continu|session up' "$WORK/gateway.log" | tail -n 5)"
say "the gateway continued alice's session on the new connection"

upload_check "the address change"
[ "$GAP_N" -gt 300 ] || fail "only $GAP_N of 600 pings answered across the move"
[ "$(sess 's["sid"]')" = "$sid" ] || fail "alice's session was replaced: sid $(sess 's["sid"]'), was $sid"
[ "$(sess 's["tunnel"]["ipv4"]')" = "$inner" ] || fail "alice's inner address changed"
[ "$(sess 's["continued"]')" = 1 ] || fail "continued is $(sess 's["continued"]'), not 1"
[ "$(sess 'd["gateway"]["udp"]["continued"]')" = 1 ] || fail "the gateway counts $(sess 'd["gateway"]["udp"]["continued"]') continuations"
case "$(sess 's["remote"]')" in 192.0.2.31:*) ;; *) fail "alice's remote is $(sess 's["remote"]'), not the new address" ;; esac
[ "$(grep -c "session up:" "$WORK/gateway.log")" = "$ups" ] || fail "a new session came up: $(grep "session up:" "$WORK/gateway.log" | tail -n 1)"
grep -q "replaced by a newer session" "$WORK/gateway.log" && fail "alice's session was replaced"
grep -q "session continued on the new connection after" "$WORK/client1.log" ||
	fail "the client did not see its session continued: $(grep -iE 'continu|reconnect' "$WORK/client1.log" | tail -n 5)"
state_up || fail "alice's channel is not up after the move"
grab_dchan_datagram "$L1" "$WORK/after.bin"
[ "$(cid_of "$WORK/after.bin")" = "$cid" ] || fail "alice's datagrams carry cid $(cid_of "$WORK/after.bin"), was $cid"
say "40 MB upload across the address change, checksum matches; same sid, inner address and cid; no new session; longest gap between ping replies $GAP_MS ms ($GAP_N of 600 answered)"

# bob holds a valid certificate but not alice's channel: naming her cid
# gets him a session of his own, another cid, and alice keeps hers.
raw() {
	ip netns exec "$(lap 2)" timeout 20 python3 "$(dirname "$0")/rawclient.py" continue \
		--host 192.0.2.1 --server-name gw.test --ca "$CA/ca.crt" --cid "$cid" "$@"
}
out=$(raw --cert "$WORK/bob.crt" --key "$WORK/bob.key") || fail "bob naming alice's cid: $out"
grep -q "continuation refused (another identity's session)" "$WORK/gateway.log" ||
	fail "the gateway did not refuse bob's continuation"
[ "$(sess 's["sid"]')" = "$sid" ] || fail "bob's attempt replaced alice's session"
ip netns exec "$L1" ping -c 3 -i 0.2 -W 1 10.20.0.2 >/dev/null || fail "alice's tunnel broke after bob's attempt"
say "bob naming alice's cid: $out; alice's session untouched"

# alice's own certificate without the channel's key: a wrong proof.
out=$(raw --cert "$WORK/alice.crt" --key "$WORK/alice.key") || fail "a wrong proof: $out"
grep -q "continuation refused (wrong proof)" "$WORK/gateway.log" ||
	fail "the gateway did not refuse a wrong proof"
[ "$(sess 'd["gateway"]["udp"]["continue_refused"]')" = 2 ] || fail "continue_refused is $(sess 'd["gateway"]["udp"]["continue_refused"]'), not 2"
say "a wrong proof with alice's certificate: $out; 2 refusals counted"

pass
