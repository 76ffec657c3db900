#!/usr/bin/env bash
# One employee: connect, ping through the tunnel (v4 and v6), a 50 MB TCP
# download from the internal host with a matching checksum, a capture on
# the wire (TLS and the UDP data channel, which carries the packets by
# default) holding none of the inner plaintext (while the same bytes are
# seen on the gateway's TUN), the session logged with its counters, packets
# with a foreign source dropped by the client (said once, then counted), and
# a client that removes exactly what it added when told to stop. The client
# brings its TUN up with the configured tun_queue as its txqueuelen.
. "$(dirname "$0")/lib.sh"

topo_init
add_laptop 1
pki_init
pki_client alice --days 5
write_server_ini
start_gateway
# Not the default (16) nor the kernel's (500): the queue length seen on the
# TUN can only come from this line.
write_client_ini 1 alice "tun_queue = 37"
start_client 1
wait_tunnel 1
L=$(lap 1)
addr=$(tunnel_addr 1)
say "tunnel up, laptop address $addr"
# alice's certificate ends in 5 days, inside the gateway's 14-day warning.
wait_for 5 grep -Eq "our certificate .* expires in [45] day" "$WORK/client1.log" ||
	fail "the client did not warn that its certificate expires soon"
case "$addr" in 10.8.0.*) ;; *) fail "unexpected tunnel address '$addr'" ;; esac
qlen=$(ip -n "$L" -d -o link show mtlsvpn0 | sed -n 's/.* qlen \([0-9]*\).*/\1/p')
[ "$qlen" = 37 ] || fail "the TUN's txqueuelen is '$qlen', want 37 (tun_queue)"
say "TUN txqueuelen $qlen (tun_queue)"

ip netns exec "$L" ping -c 3 -i 0.2 -W 2 10.20.0.2 >/dev/null || fail "ping to the internal host failed"
wait_for 10 ip netns exec "$L" ping -6 -c 1 -W 1 fd00:20::2 || fail "IPv6 ping to the internal host failed"
say "ping v4 and v6 through the tunnel: ok"

# A web server on the internal host.
mkdir -p "$WORK/www"
head -c 50M /dev/urandom >"$WORK/www/big.bin"
marker=MTLSVPN-INNER-PLAINTEXT-$ID
for _ in $(seq 2000); do echo "$marker"; done >"$WORK/www/marker.txt"
ip netns exec "$N" python3 -m http.server --bind 10.20.0.2 --directory "$WORK/www" 8080 \
	>"$WORK/http.log" 2>&1 &
T_PIDS+=("$!")
wait_for 10 listening "$N" 8080 || fail "web server did not start"

t0=$(date +%s%N)
ip netns exec "$L" curl -sS --max-time 120 -o "$WORK/got.bin" http://10.20.0.2:8080/big.bin ||
	fail "50 MB download through the tunnel failed"
t1=$(date +%s%N)
want=$(sha256sum <"$WORK/www/big.bin" | cut -d' ' -f1)
got=$(sha256sum <"$WORK/got.bin" | cut -d' ' -f1)
[ "$want" = "$got" ] || fail "50 MB download: checksum differs ($got, want $want)"
say "50 MB download: checksum matches ($(((50 * 8 * 1000) / (((t1 - t0) / 1000000) + 1))) Mbit/s)"

# Upload too: the laptop sends 20 MB to the internal host.
ip netns exec "$N" sh -c "exec timeout 60 python3 -c '
import socket,hashlib
s=socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind((\"10.20.0.2\",9000)); s.listen(1); c,_=s.accept(); h=hashlib.sha256()
while True:
    b=c.recv(65536)
    if not b: break
    h.update(b)
open(\"$WORK/up.sha\",\"w\").write(h.hexdigest())'" &
up_pid=$!
T_PIDS+=("$up_pid")
wait_for 10 listening "$N" 9000 || fail "upload sink did not start"
head -c 20M /dev/urandom >"$WORK/up.bin"
ip netns exec "$L" python3 -c "
import socket
s=socket.create_connection(('10.20.0.2',9000), timeout=60)
s.sendall(open('$WORK/up.bin','rb').read()); s.close()" || fail "20 MB upload failed"
wait "$up_pid" || fail "upload sink failed"
[ "$(cat "$WORK/up.sha")" = "$(sha256sum <"$WORK/up.bin" | cut -d' ' -f1)" ] ||
	fail "20 MB upload: checksum differs"
say "20 MB upload: checksum matches"

# Capture the wire (laptop side of the bridge) and the gateway's TUN while
# the marker file crosses the tunnel.
ip netns exec "$G" tshark -q -i l1 -f "port 8443" -w "$WORK/wire.pcap" >"$WORK/tshark-wire.log" 2>&1 &
tw=$!
T_PIDS+=("$tw")
ip netns exec "$G" tshark -q -i mtlsvpn0 -w "$WORK/tun.pcap" >"$WORK/tshark-tun.log" 2>&1 &
tt=$!
T_PIDS+=("$tt")
wait_for 15 grep -q "Capturing on 'l1'" "$WORK/tshark-wire.log" || fail "tshark did not start on the wire"
wait_for 15 grep -q "Capturing on 'mtlsvpn0'" "$WORK/tshark-tun.log" || fail "tshark did not start on the TUN"
for _ in 1 2 3; do
	ip netns exec "$L" curl -sS --max-time 20 -o /dev/null http://10.20.0.2:8080/marker.txt ||
		fail "marker download failed"
done
sleep 1
kill -INT "$tw" "$tt"
wait "$tw" "$tt" 2>/dev/null || true
wire_pkts=$(tshark -r "$WORK/wire.pcap" 2>/dev/null | wc -l)
[ "$wire_pkts" -gt 10 ] || fail "the wire capture holds only $wire_pkts packets"
# The TLS channel carries only keepalives while UDP is up, and the capture
# may hold none of them: counted, not required.
tls_recs=$(tshark -r "$WORK/wire.pcap" -d tcp.port==8443,tls -Y tls.record.content_type==23 2>/dev/null | wc -l)
# The packets went by the UDP data channel (the gateway offers it by default).
udp_pkts=$(tshark -r "$WORK/wire.pcap" -Y 'udp.port==8443 && udp.payload[0:1]==30' 2>/dev/null | wc -l)
[ "$udp_pkts" -gt 10 ] || fail "only $udp_pkts UDP DATA datagrams on the wire: the data channel was not used"
grep -qa "$marker" "$WORK/tun.pcap" || fail "the marker never crossed the gateway's TUN (test is broken)"
if grep -qa "$marker" "$WORK/wire.pcap"; then fail "inner plaintext visible on the wire"; fi
say "wire capture: $wire_pkts packets, $udp_pkts UDP DATA datagrams, $tls_recs TLS application data records, no inner plaintext (the TUN capture has it)"

# Packets from a source that is not the tunnel's address (a second address
# on the TUN, as a container routed through it would send): the client
# drops them, says so once, and counts them.
ip -n "$L" addr add 10.99.0.1/32 dev mtlsvpn0
ip netns exec "$L" ping -I 10.99.0.1 -c 3 -i 0.2 -W 1 10.20.0.2 >/dev/null 2>&1 || true
ip -n "$L" addr del 10.99.0.1/32 dev mtlsvpn0
wait_for 5 grep -q 'dropped a packet with a foreign source' "$WORK/client1.log" ||
	fail "the client did not say it drops packets with a foreign source"
foreign=$(grep -a 'dropped a packet with a foreign source' "$WORK/client1.log" || true)
[ "$(echo "$foreign" | wc -l)" -eq 1 ] || fail "more than one foreign-source line: $foreign"
echo "$foreign" | grep -q '10\.99\.0\.1' || fail "the foreign-source line does not name the source: $foreign"
say "client: ${foreign#*mtlsvpn-client: }"

# The client stops cleanly and removes what it added.
ip -n "$L" route show | grep "10.20.0.0/24 dev mtlsvpn0" >/dev/null || fail "the pushed route is not installed"
kill -TERM "${CLIENT_PID[1]}"
set +e
wait "${CLIENT_PID[1]}"
rc=$?
set -e
[ "$rc" -eq 0 ] || fail "client exit status $rc after SIGTERM, want 0"
if ip -n "$L" link show mtlsvpn0 >/dev/null 2>&1; then fail "client left mtlsvpn0 behind"; fi
grep -q 'session ended .*, 3 with a foreign source' "$WORK/client1.log" ||
	fail "the exit line does not count 3 with a foreign source: $(grep 'session ended' "$WORK/client1.log")"
if ip -n "$L" route show | grep 10.20.0.0/24 >/dev/null; then fail "client left its route behind"; fi
wait_for 5 grep -q 'session down: .*identity="alice"' "$WORK/gateway.log" ||
	fail "gateway did not log the disconnect"
line=$(grep 'session down: .*identity="alice"' "$WORK/gateway.log" | tail -n 1)
for k in serial= remote= rx_bytes= tx_bytes= duration= reason=; do
	case "$line" in *"$k"*) ;; *) fail "disconnect log line lacks $k: $line" ;; esac
done
say "gateway logged: ${line#*session down: }"

kill -TERM "$GW_PID"
set +e
wait "$GW_PID"
rc=$?
set -e
[ "$rc" -eq 0 ] || fail "gateway exit status $rc after SIGTERM, want 0"
if ip -n "$G" link show mtlsvpn0 >/dev/null 2>&1; then fail "gateway left mtlsvpn0 behind"; fi
pass
