#!/usr/bin/env bash
# Roaming on the UDP data channel (docs/protocol.md 12.10): the laptop's
# UDP flow to the gateway suddenly comes from another address and port, as
# after a NAT rebinding, while an upload and a fast ping run through the
# tunnel. The rebinding is a stateless rewrite in the laptop's namespace
# (nft, on the client's UDP port only; its TCP connection is untouched, so
# the client sees no change of its own network and does not reconnect).
# The gateway must follow the flow on the first authenticated datagram from
# the new address (no handshake, same session, roams counted), the upload's
# checksum must match, and the longest gap between ping replies is
# reported. A genuine but replayed datagram from the old address must not
# move the peer back.
. "$(dirname "$0")/lib.sh"

need_tools python3 nft sha256sum ss

topo_init
add_laptop 1
L1=$(lap 1)
pki_init
pki_client alice
write_server_ini
start_gateway
write_client_ini 1 alice
start_client 1
wait_tunnel 1

udp_session_up alice
peer0=$(sess 's["udp"]["peer"]')
case "$peer0" in 192.0.2.11:*) ;; *) fail "alice's UDP peer is $peer0, not 192.0.2.11" ;; esac
cport=${peer0##*:}
say "UDP up; the client's UDP flow is 192.0.2.11:$cport"

# One genuine DATA datagram of alice's from before the move (for the replay).
grab_dchan_datagram "$L1" "$WORK/dgram.bin"

upload_start "$L1"
sleep 3

# The rebinding: the client's UDP flow now leaves as 192.0.2.31:40000 and
# the answers to that come back to the client's own address and port.
ip -n "$L1" addr add 192.0.2.31/24 dev eth0
ip netns exec "$L1" nft -f - <<NFT || fail "nft rewrite"
table ip rebind {
	chain raw_out {
		type filter hook output priority -300;
		udp sport $cport udp dport 8443 notrack
	}
	chain out {
		type filter hook output priority 0;
		udp sport $cport udp dport 8443 ip saddr set 192.0.2.31 udp sport set 40000
	}
	chain raw_in {
		type filter hook prerouting priority -300;
		ip daddr 192.0.2.31 udp dport 40000 notrack
		ip daddr 192.0.2.31 udp dport 40000 ip daddr set 192.0.2.11 udp dport set $cport
	}
}
NFT
moved() { [ "$(sess 's["udp"]["peer"]')" = "192.0.2.31:40000" ]; }
wait_for 5 moved || fail "the gateway did not follow the flow to 192.0.2.31:40000: $(sess 's["udp"]["peer"]')"
say "the gateway follows alice to 192.0.2.31:40000"

upload_check "the move"
[ "$GAP_N" -gt 300 ] || fail "only $GAP_N of 600 pings answered across the move"
[ "$(sess 's["sid"]')" = "$SID" ] || fail "the move replaced alice's session"
[ "$(sess 's["udp"]["roams"]')" -ge 1 ] || fail "no roam counted"
state_up || fail "alice's channel is not up after the move"
grep -q "reconnecting" "$WORK/client1.log" && fail "the client reconnected: the move should be the gateway's alone"
say "40 MB upload across the move, checksum matches; same session; longest gap between ping replies $GAP_MS ms ($GAP_N of 600 answered)"

# A genuine datagram from before, replayed from the old address, does not
# move the peer back.
ip netns exec "$L1" python3 -c '
import socket, sys
socket.socket(socket.AF_INET, socket.SOCK_DGRAM).sendto(open(sys.argv[1], "rb").read(), ("192.0.2.1", 8443))' \
	"$WORK/dgram.bin"
sleep 1
moved || fail "a replayed datagram moved alice's peer back to $(sess 's["udp"]["peer"]')"
ip netns exec "$L1" ping -c 3 -i 0.2 -W 1 10.20.0.2 >/dev/null || fail "the tunnel broke after the replay"
say "a replayed datagram from the old address leaves the peer where it is"

pass
