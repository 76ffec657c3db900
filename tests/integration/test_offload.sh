#!/usr/bin/env bash
# Segmentation offload (docs/protocol.md 5.4) on TLS (both clients have
# udp = off; test_udp.sh has the UDP data channel): alice's client and the
# gateway agree on DATA_GSO; 30 MB up and down over IPv4 and down over IPv6
# arrive with matching checksums and the gateway counts super-packets
# carried whole both ways. bob's client has offload = off: the gateway cuts
# the super-packets it reads for him into segments (counted) and his
# download matches too. A super-packet cannot smuggle segments past the
# rules: with a rule that denies TCP segments whose payload starts with
# "XXXX", a stream of 200000 'a' then 'X's reaches the LAN only up to the
# first segment that starts with X (a gateway that judged a super-packet by
# its first segment alone would let all of it through), the denials are
# counted and the gateway used the per-segment path. bob's upload arrives
# as single packets: the gateway coalesces them for its TUN (counted) and
# the LAN host gets the same bytes. The UDP data channel is off here: it
# carries one packet a datagram, and what is tested is the TLS path that
# clients without it take (test_udp.sh covers the channel).
. "$(dirname "$0")/lib.sh"

need_tools python3 curl

topo_init
add_laptop 1
add_laptop 2
ip -n "$N" route add fd00:8:1::/64 via fd00:20::1
pki_init
pki_client alice
pki_client bob
write_server_ini "metrics = 10.20.0.1:9560" "udp = off"
sed -i '/^\[pool\]/,$d' "$WORK/server.ini"
cat >>"$WORK/server.ini" <<'INI'
[group eng]
ipv4 = 10.8.1.0/24
ipv6 = fd00:8:1::/64
routes = 10.20.0.0/24, fd00:20::/64
members = alice
rule10 = deny tcp dst port 5002 and tcp[((tcp[12] & 0xf0) >> 2):4] = 0x58585858
rule20 = allow
[pool]
ipv4 = 10.8.0.0/24
ipv6 = fd00:8::/64
routes = 10.20.0.0/24, fd00:20::/64
INI
start_gateway
# DATA_GSO is TLS's: both stay off the UDP data channel (test_udp.sh has it).
write_client_ini 1 alice "udp = off"
write_client_ini 2 bob "offload = off" "udp = off"
start_client 1
start_client 2
L1=$(lap 1)
L2=$(lap 2)
wait_for 15 ip netns exec "$L1" ping -c 1 -W 1 10.20.0.2 || fail "laptop 1: no tunnel"
wait_tunnel 2
wait_for 10 ip netns exec "$L1" ping -6 -c 1 -W 1 fd00:20::2 || fail "laptop 1: no IPv6 tunnel"

metric() {
	ip netns exec "$N" curl -sS --max-time 5 http://10.20.0.1:9560/metrics |
		awk -v m="$1" '$1 == m { print $2 }'
}

# The LAN host: 5001 sinks an upload and writes its sha256; 5002 counts
# what arrives until the sender gives up; 8080 serves files.
cat >"$WORK/lan.py" <<'PY'
import hashlib, socket, sys, threading
work = sys.argv[1]
def listen(port):
    s = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
    s.bind(("::", port)); s.listen(4)
    return s
def sink():
    s = listen(5001)
    while True:
        c, _ = s.accept(); h = hashlib.sha256()
        while True:
            b = c.recv(65536)
            if not b: break
            h.update(b)
        open(work + "/up.sha", "w").write(h.hexdigest()); c.close()
def count():
    s = listen(5002)
    while True:
        c, _ = s.accept(); n = 0; c.settimeout(4)
        try:
            while True:
                b = c.recv(65536)
                if not b: break
                n += len(b)
        except socket.timeout:
            pass
        open(work + "/count", "w").write(str(n)); c.close()
for f in (sink, count):
    threading.Thread(target=f, daemon=True).start()
threading.Event().wait()
PY
ip netns exec "$N" timeout 300 python3 "$WORK/lan.py" "$WORK" >"$WORK/lan.log" 2>&1 &
T_PIDS+=("$!")
mkdir -p "$WORK/www"
head -c 30M /dev/urandom >"$WORK/www/big.bin"
ip netns exec "$N" timeout 300 python3 -m http.server --bind :: --directory "$WORK/www" 8080 \
	>"$WORK/http.log" 2>&1 &
T_PIDS+=("$!")
wait_for 10 listening "$N" 8080 || fail "web server did not start"
wait_for 10 listening "$N" 5002 || fail "LAN sockets did not start"
want=$(sha256sum <"$WORK/www/big.bin" | cut -d' ' -f1)

# 30 MB from laptop $1 to the LAN host's sink, checked by its sha256.
upload() {
	rm -f "$WORK/up.sha"
	ip netns exec "$(lap "$1")" timeout 60 python3 -c '
import socket, sys
s = socket.create_connection(("10.20.0.2", 5001), timeout=30)
with open(sys.argv[1], "rb") as f:
    s.sendall(f.read())
s.shutdown(socket.SHUT_WR); s.recv(1)' "$WORK/www/big.bin" || fail "upload from laptop $1 failed"
	wait_for 10 test -s "$WORK/up.sha" || fail "the LAN host got no complete upload from laptop $1"
	[ "$(cat "$WORK/up.sha")" = "$want" ] || fail "upload from laptop $1: checksum differs"
}

to0=$(metric 'mtlsvpn_offload_superpackets_total{direction="to_clients"}')
from0=$(metric 'mtlsvpn_offload_superpackets_total{direction="from_clients"}')

# alice, offloads on both ends.
for url in http://10.20.0.2:8080/big.bin "http://[fd00:20::2]:8080/big.bin"; do
	ip netns exec "$L1" curl -sS --max-time 60 -o "$WORK/got.bin" "$url" ||
		fail "download of $url failed"
	got=$(sha256sum <"$WORK/got.bin" | cut -d' ' -f1)
	[ "$got" = "$want" ] || fail "download of $url: checksum differs"
done
say "alice: 30 MB down over IPv4 and IPv6, checksums match"
upload 1
say "alice: 30 MB up, checksum matches"
to1=$(metric 'mtlsvpn_offload_superpackets_total{direction="to_clients"}')
from1=$(metric 'mtlsvpn_offload_superpackets_total{direction="from_clients"}')
[ "$((to1 - to0))" -gt 100 ] || fail "few super-packets went to alice whole: $to0 -> $to1"
[ "$((from1 - from0))" -gt 100 ] || fail "few super-packets came from alice whole: $from0 -> $from1"
say "super-packets carried whole: $((to1 - to0)) to alice, $((from1 - from0)) from her"

# bob, no offloads on his side: the gateway cuts for him.
cut0=$(metric mtlsvpn_offload_cut_segments_total)
ip netns exec "$L2" curl -sS --max-time 60 -o "$WORK/got2.bin" http://10.20.0.2:8080/big.bin ||
	fail "bob's download failed"
got=$(sha256sum <"$WORK/got2.bin" | cut -d' ' -f1)
[ "$got" = "$want" ] || fail "bob's download: checksum differs"
cut1=$(metric mtlsvpn_offload_cut_segments_total)
[ "$((cut1 - cut0))" -gt 1000 ] || fail "the gateway cut few segments for bob: $cut0 -> $cut1"
grep -q "DATA_GSO" "$WORK/client2.log" && fail "bob's client saw a DATA_GSO frame"
say "bob (offload = off): download matches, the gateway cut $((cut1 - cut0)) segments for him"

# bob's upload comes as single packets: the gateway coalesces them into
# super-packets for its TUN, and the LAN host gets the same bytes.
co0=$(metric mtlsvpn_offload_coalesced_packets_total)
sv0=$(metric mtlsvpn_offload_coalesced_writes_saved_total)
upload 2
co1=$(metric mtlsvpn_offload_coalesced_packets_total)
sv1=$(metric mtlsvpn_offload_coalesced_writes_saved_total)
[ "$((co1 - co0))" -gt 1000 ] || fail "the gateway coalesced few of bob's packets: $co0 -> $co1"
[ "$((sv1 - sv0))" -gt 500 ] || fail "coalescing saved few TUN writes: $sv0 -> $sv1"
say "bob: 30 MB up matches; $((co1 - co0)) packets coalesced, $((sv1 - sv0)) TUN writes saved"

# No smuggling: deny segments that start with XXXX.
acl0=$(metric 'mtlsvpn_dropped_packets_total{reason="acl"}')
cutn0=$(metric mtlsvpn_offload_cut_total)
rm -f "$WORK/count"
ip netns exec "$L1" timeout 30 python3 -c '
import socket
s = socket.create_connection(("10.20.0.2", 5002), timeout=10)
s.settimeout(6)
try:
    s.sendall(b"a" * 200000 + b"X" * 400000)
except OSError:
    pass' || true
wait_for 15 test -s "$WORK/count" || fail "the LAN host reported nothing for the rule test"
got=$(cat "$WORK/count")
[ "$got" -ge 200000 ] || fail "allowed segments were lost: only $got bytes arrived"
[ "$got" -lt 209000 ] || fail "segments the rules deny got through: $got bytes arrived"
acl1=$(metric 'mtlsvpn_dropped_packets_total{reason="acl"}')
cutn1=$(metric mtlsvpn_offload_cut_total)
[ "$acl1" -gt "$acl0" ] || fail "no denial was counted"
[ "$cutn1" -gt "$cutn0" ] || fail "the payload rule did not send super-packets down the per-segment path"
say "a rule reading the payload: $got bytes arrived of 600000, $((acl1 - acl0)) segments denied"
pass
