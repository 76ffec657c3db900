#!/usr/bin/env bash
# Path MTU on the UDP data channel (docs/protocol.md 12.15): the way
# between the laptop and the gateway carries 1300 bytes (a route MTU on
# both sides; the devices keep 1500, so only the kernel's word can stop a
# larger datagram), leaving 1236 bytes for an inner packet. Both ends
# learn that size from the kernel; a 1300-byte IPv4 packet with DF still
# arrives (by TLS) and its sender's kernel learns MTU 1236 from our ICMP
# error, on the laptop and on the internal host; a large IPv6 packet goes
# by TLS without an error (no PTB below 1280). Then the path shrinks to
# 1200 under the running channel and both ends learn 1136 after a refused
# send; TCP SYNs in both directions carry MSS 1096 (mss_clamp = auto),
# and a download through the tunnel matches its checksum.
. "$(dirname "$0")/lib.sh"

need_tools tshark curl python3
topo_init
add_laptop 1
L=$(lap 1)
ip -n "$L" route add 192.0.2.1/32 dev eth0 mtu 1300
ip -n "$G" route add 192.0.2.11/32 dev br0 mtu 1300
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

# Traffic both ways makes both ends ask the kernel.
ip netns exec "$L" ping -c 2 -i 0.2 -W 2 10.20.0.2 >/dev/null || fail "ping through the tunnel failed"
wait_for 5 grep -q "path MTU 1300, packets up to 1236 bytes" "$WORK/client1.log" ||
	fail "the client did not learn the path MTU 1300 (usable 1236)"
wait_for 5 grep -q "udp path MTU 1300: packets up to 1236 bytes" "$WORK/gateway.log" ||
	fail "the gateway did not learn the path MTU 1300 (usable 1236)"
say "both ends learned the path MTU: 1300, 1236 bytes for an inner packet"

# A UDP sink: NS ADDR PORT FILE; FILE gets the first datagram's length.
udp_sink() {
	ip netns exec "$1" timeout 20 python3 -c "
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(('$2', $3))
d, _ = s.recvfrom(65535)
open('$4', 'w').write(str(len(d)))" &
	T_PIDS+=("$!")
	wait_for 5 sh -c "ip netns exec '$1' ss -Hlun 'sport = :$3' | grep -q ." ||
		fail "UDP sink on $1 port $3 did not start"
}
# NS DST PORT SIZE: one datagram of SIZE bytes with DF (a 1300-byte packet
# for 1272), then, a second later on the same socket (the error is only
# taken by a socket that is still there), another: prints what the second
# send met and the socket's path MTU, e.g. "EMSGSIZE 1236".
udp_df_twice() {
	ip netns exec "$1" timeout 10 python3 -c "
import errno, socket, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.setsockopt(socket.IPPROTO_IP, 10, 2)  # IP_MTU_DISCOVER = IP_PMTUDISC_DO
s.connect(('$2', $3))
s.send(b'x' * $4)
time.sleep(1)
try:
    s.send(b'x' * $4)
    print('sent', s.getsockopt(socket.IPPROTO_IP, 14))
except OSError as e:
    print('EMSGSIZE' if e.errno == errno.EMSGSIZE else e, s.getsockopt(socket.IPPROTO_IP, 14))"
}

# laptop -> internal host: 1300 bytes with DF. The first one arrives (by
# TLS); the laptop's kernel learns 1236 from the client's error.
udp_sink "$N" 10.20.0.2 7001 "$WORK/sink1"
out=$(udp_df_twice "$L" 10.20.0.2 7001 1272)
wait_for 5 test -s "$WORK/sink1" || fail "a 1300-byte IPv4 packet with DF was lost"
[ "$(cat "$WORK/sink1")" = 1272 ] || fail "the sink got $(cat "$WORK/sink1") bytes, want 1272"
[ "$out" = "EMSGSIZE 1236" ] || fail "laptop: the second 1300-byte send met '$out', want 'EMSGSIZE 1236'"
ip -n "$L" route get 10.20.0.2 | grep -q "mtu 1236" ||
	fail "the laptop's route cache has no MTU 1236: $(ip -n "$L" route get 10.20.0.2)"
ip netns exec "$L" ping -M do -s 1208 -c 2 -i 0.2 -W 2 10.20.0.2 >/dev/null ||
	fail "a 1236-byte IPv4 packet did not cross"
say "laptop: a 1300-byte packet with DF arrived by TLS; the kernel learned MTU 1236"

# internal host -> laptop: the gateway tells the internal host.
udp_sink "$L" "$addr" 7002 "$WORK/sink2"
out=$(udp_df_twice "$N" "$addr" 7002 1272)
wait_for 5 test -s "$WORK/sink2" || fail "a 1300-byte packet to the laptop was lost"
[ "$(cat "$WORK/sink2")" = 1272 ] || fail "the laptop got $(cat "$WORK/sink2") bytes, want 1272"
[ "$out" = "EMSGSIZE 1236" ] ||
	fail "internal host: the second 1300-byte send met '$out', want 'EMSGSIZE 1236'"
say "internal host: a 1300-byte packet with DF arrived by TLS; its kernel learned MTU 1236"

# What status --json says of it, valid against the schema.
"$B/mtlsvpnctl" status --json --control "$WORK/control" >"$WORK/status.json" ||
	fail "status --json failed"
python3 - "$SRC/docs/gateway-status.schema.json" "$WORK/status.json" <<'PY' ||
import json, sys, jsonschema
schema = json.load(open(sys.argv[1]))
jsonschema.Draft202012Validator(schema).validate(json.load(open(sys.argv[2])))
p = json.load(open(sys.argv[2]))["sessions"][0]["udp"]["pmtu"]
assert p["path_mtu"] == 1300 and p["usable"] == 1236, p
assert p["too_big"] >= 1 and p["ptb_sent"] >= 1, p
PY
	fail "status --json: no valid pmtu object with path_mtu 1300, usable 1236, an error sent: $(cat "$WORK/status.json")"
say "status --json: path_mtu 1300, usable 1236, too_big and ptb_sent counted"

# IPv6: 1236 is below IPv6's minimum; a large packet goes by TLS, no PTB.
addr6=$(ip -n "$L" -6 -o addr show dev mtlsvpn0 scope global | awk '{print $4}' | cut -d/ -f1)
out=$(ip netns exec "$L" ping -6 -M do -s 1300 -c 1 -W 3 fd00:20::2 2>&1 || true)
grep -q " 1 received" <<<"$out" || fail "a 1348-byte IPv6 packet was lost: $out"
ip -n "$L" -6 route get fd00:20::2 | grep -q "mtu 1236" &&
	fail "an ICMPv6 packet too big announced less than 1280"
say "IPv6 ($addr6): a 1348-byte packet arrived by TLS, no packet too big below 1280"

# The path shrinks under a running channel: 1200 bytes both ways. A
# datagram over it is refused by the kernel (EMSGSIZE) and lost; the next
# packet makes each end ask again and learn 1136 bytes.
ip -n "$L" route change 192.0.2.1/32 dev eth0 mtu 1200
ip -n "$G" route change 192.0.2.11/32 dev br0 mtu 1200
for _ in 1 2 3 4 5; do
	ip netns exec "$L" ping -c 1 -s 1200 -W 1 10.20.0.2 >/dev/null 2>&1 || true
	ip netns exec "$N" ping -c 1 -s 1200 -W 1 "$addr" >/dev/null 2>&1 || true
done
wait_for 5 grep -q "path MTU 1200, packets up to 1136 bytes" "$WORK/client1.log" ||
	fail "the client did not learn that the path shrank to 1200"
wait_for 5 grep -q "udp path MTU 1200: packets up to 1136 bytes" "$WORK/gateway.log" ||
	fail "the gateway did not learn that the path shrank to 1200"
ip netns exec "$L" ping -c 3 -i 0.2 -s 1200 -W 2 10.20.0.2 >/dev/null ||
	fail "1228-byte packets do not cross after the path shrank"
say "the path shrank to 1200: both ends learned 1136 bytes after a refused send"

# MSS: the laptop's SYN seen on the internal host, the internal host's
# SYN-ACK seen on the laptop's TUN.
mkdir -p "$WORK/www"
head -c 5M /dev/urandom >"$WORK/www/five.bin"
ip netns exec "$N" python3 -m http.server --bind 10.20.0.2 --directory "$WORK/www" 8080 \
	>"$WORK/http.log" 2>&1 &
T_PIDS+=("$!")
wait_for 10 listening "$N" 8080 || fail "web server did not start"
ip netns exec "$N" tshark -q -i lan0 -f "tcp port 8080 and tcp[13] & 2 != 0" -c 1 \
	-T fields -e tcp.options.mss_val >"$WORK/syn.txt" 2>"$WORK/tshark-syn.log" &
t1=$!
T_PIDS+=("$t1")
ip netns exec "$L" tshark -q -i mtlsvpn0 -f "tcp port 8080 and tcp[13] & 18 == 18" -c 1 \
	-T fields -e tcp.options.mss_val >"$WORK/synack.txt" 2>"$WORK/tshark-synack.log" &
t2=$!
T_PIDS+=("$t2")
wait_for 10 grep -q "Capturing on" "$WORK/tshark-syn.log" || fail "tshark (lan0) did not start"
wait_for 10 grep -q "Capturing on" "$WORK/tshark-synack.log" ||
	fail "tshark (mtlsvpn0) did not start"
ip netns exec "$L" curl -sS --max-time 60 -o "$WORK/got.bin" http://10.20.0.2:8080/five.bin ||
	fail "download through the tunnel failed"
wait_for 10 sh -c "! kill -0 $t1 2>/dev/null && ! kill -0 $t2 2>/dev/null" ||
	fail "no SYN or SYN-ACK captured"
[ "$(cat "$WORK/syn.txt")" = 1096 ] ||
	fail "the laptop's SYN arrived with MSS '$(cat "$WORK/syn.txt")', want 1096"
[ "$(cat "$WORK/synack.txt")" = 1096 ] ||
	fail "the internal host's SYN-ACK arrived with MSS '$(cat "$WORK/synack.txt")', want 1096"
[ "$(sha256sum <"$WORK/got.bin")" = "$(sha256sum <"$WORK/www/five.bin")" ] ||
	fail "5 MB download: checksum differs"
say "SYN and SYN-ACK carry MSS 1096 both ways; 5 MB download matches"
pass
