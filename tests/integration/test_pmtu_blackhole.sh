#!/usr/bin/env bash
# A path MTU black hole on the UDP data channel (docs/protocol.md 12.15):
# between the laptop and the gateway, datagrams over 1380 bytes vanish in
# both directions and no ICMP error says so (an nft drop where they arrive), so
# the kernels never lower their path MTU. Without probing, every
# full-size inner TCP segment (1400 bytes, a 1464-byte datagram) would be
# lost while the small keepalives pass and the channel stays up: the test
# first shows that stall. Then both ends' padded PING probes go unanswered
# while keepalives are answered, each end lowers its usable size to 1298
# (a 1362-byte datagram), packets above it take TLS, and a download
# through the tunnel completes with its checksum; status --json counts the
# probes and the lowering.
. "$(dirname "$0")/lib.sh"

need_tools nft curl python3 sha256sum
topo_init
add_laptop 1
L=$(lap 1)
pki_init
pki_client alice
write_server_ini
start_gateway
write_client_ini 1 alice
start_client 1
wait_tunnel 1
addr=$(tunnel_addr 1)
wait_for 15 grep -q "UDP data channel to .* up" "$WORK/client1.log" ||
	fail "the UDP data channel did not come up"
say "tunnel up ($addr), UDP data channel up"

# The black hole: over 1380 bytes of IP, the channel's datagrams are
# dropped as they arrive at either end, silently. Both senders' veths cut
# UDP GSO batches into single datagrams (gso_max_segs 1) so the drop sees
# each datagram as the wire would; veth does no GRO on receive.
ip -n "$L" link set dev eth0 gso_max_segs 1
ip -n "$G" link set dev l1 gso_max_segs 1
# hole NS MATCH: drop what MATCH selects over 1380 bytes, counted.
hole() {
	ip netns exec "$1" nft -f - <<NFT || fail "nft setup in $1"
table inet hole {
	counter dropped {}
	chain in {
		type filter hook prerouting priority -300;
		$2 meta length > 1380 counter name dropped drop
	}
}
NFT
}
hole "$L" "udp sport 8443"
hole "$G" "udp dport 8443"
dropped() {
	ip netns exec "$1" nft -j list counter inet hole dropped |
		python3 -c 'import json,sys; print([o["counter"]["packets"] for o in json.load(sys.stdin)["nftables"] if "counter" in o][0])'
}

mkdir -p "$WORK/www"
head -c 4M /dev/urandom >"$WORK/www/four.bin"
ip netns exec "$N" python3 -m http.server --bind 10.20.0.2 --directory "$WORK/www" 8080 \
	>"$WORK/http.log" 2>&1 &
T_PIDS+=("$!")
wait_for 10 listening "$N" 8080 || fail "web server did not start"

# Before any probe (the first goes 30 s after the channel is made): the
# hole swallows full-size segments and the download stalls.
if ip netns exec "$L" curl -sS --max-time 4 -o "$WORK/early.bin" \
	http://10.20.0.2:8080/four.bin 2>"$WORK/early.log"; then
	fail "a 4 MB download crossed the black hole before any probe: the hole is not there"
fi
[ "$(dropped "$L")" -gt 0 ] || fail "the laptop's side of the hole dropped nothing"
grep -q "path MTU probes" "$WORK/client1.log" "$WORK/gateway.log" &&
	fail "a size was lowered before the download stalled"
say "before probing: the download stalls, $(dropped "$L") full-size datagrams swallowed"

# The LAN sink for the upload below starts while the probes are awaited.
start_lan_sink 150
# Three probes lost while keepalives are answered: each end lowers.
wait_for 75 grep -q "path MTU probes, packets up to 1298 bytes go by UDP" "$WORK/client1.log" ||
	fail "the client did not lower its usable size to 1298 after lost probes"
wait_for 10 grep -q "udp path MTU probes: packets up to 1298 bytes go by UDP" \
	"$WORK/gateway.log" || fail "the gateway did not lower its usable size to 1298"
grep -q "UDP data channel to .* failed" "$WORK/client1.log" &&
	fail "lost probes failed the channel"
say "both ends lowered the usable size to 1298 after three lost probes"

ip netns exec "$L" curl -sS --max-time 60 -o "$WORK/got.bin" http://10.20.0.2:8080/four.bin ||
	fail "download through the tunnel failed after the size was lowered: $(
		"$B/mtlsvpnctl" status --json --control "$WORK/control"
		echo; echo "dropped: laptop $(dropped "$L"), gateway $(dropped "$G")"
		ip netns exec "$L" ss -tin)"
[ "$(sha256sum <"$WORK/got.bin")" = "$(sha256sum <"$WORK/www/four.bin")" ] ||
	fail "4 MB download: checksum differs"
# And up: the LAN sink hashes what it receives (lib.sh; started before
# the wait for the probes).
start_slow_upload "$L" 4 1048576 60
wait "$UP_PID" || fail "4 MB upload failed: $(cat "$WORK/upload.log")"
wait_for 20 test -s "$WORK/up.sha" || fail "the LAN sink did not finish"
[ "$(cat "$WORK/up.sha")" = "$WANT" ] || fail "4 MB upload: checksum differs"
say "4 MB download and 4 MB upload match their checksums"

"$B/mtlsvpnctl" status --json --control "$WORK/control" >"$WORK/status.json" ||
	fail "status --json failed"
python3 - "$SRC/docs/gateway-status.schema.json" "$WORK/status.json" <<'PY' ||
import json, sys, jsonschema
schema = json.load(open(sys.argv[1]))
jsonschema.Draft202012Validator(schema).validate(json.load(open(sys.argv[2])))
u = json.load(open(sys.argv[2]))["sessions"][0]["udp"]
p = u["pmtu"]
assert u["state"] == "up", u
assert p["usable"] == 1298 and p["path_mtu"] in (None, 1500), p
q = p["probes"]
assert q["usable"] == 1298 and q["lowered"] == 1 and q["lost"] >= 3 and q["sent"] >= 4, q
PY
	fail "status --json: no valid probes object with usable 1298, lowered once: $(cat "$WORK/status.json")"
say "status --json: usable 1298 from the probes, lowered once, the channel up"
pass
