#!/usr/bin/env bash
# Receive coalescing on the client (docs/design.md): a gateway with
# offload = off sends one packet per DATA frame; the client (offload = on,
# its TUN opened with IFF_VNET_HDR) coalesces each TCP flow's segments of
# one TLS read into super-packets for its TUN. A 30 MB download arrives
# with a matching checksum, the client's TUN took far fewer writes than
# packets (the kernel counts one rx packet per write), and the client's
# session-end line counts the packets coalesced.
. "$(dirname "$0")/lib.sh"

need_tools python3 curl

topo_init
add_laptop 1
pki_init
pki_client alice
write_server_ini "offload = off"
start_gateway
write_client_ini 1 alice
start_client 1
L1=$(lap 1)
wait_tunnel 1

mkdir -p "$WORK/www"
head -c 30M /dev/urandom >"$WORK/www/big.bin"
ip netns exec "$N" timeout 120 python3 -m http.server --bind 0.0.0.0 --directory "$WORK/www" 8080 \
	>"$WORK/http.log" 2>&1 &
T_PIDS+=("$!")
wait_for 10 listening "$N" 8080 || fail "web server did not start"
want=$(sha256sum <"$WORK/www/big.bin" | cut -d' ' -f1)

rx() { ip netns exec "$L1" cat "/sys/class/net/mtlsvpn0/statistics/$1"; }
p0=$(rx rx_packets)
b0=$(rx rx_bytes)
ip netns exec "$L1" curl -sS --max-time 60 -o "$WORK/got.bin" http://10.20.0.2:8080/big.bin ||
	fail "download failed"
p1=$(rx rx_packets)
b1=$(rx rx_bytes)
got=$(sha256sum <"$WORK/got.bin" | cut -d' ' -f1)
[ "$got" = "$want" ] || fail "download: checksum differs"
writes=$((p1 - p0))
mb=$(((b1 - b0) / 1000000))
[ "$mb" -ge 30 ] || fail "the client's TUN took only $mb MB"
# One write per 1448-byte segment would be about 690 per MB.
[ "$((writes / mb))" -lt 300 ] ||
	fail "the client's TUN took $((writes / mb)) writes per MB: nothing was coalesced"
say "30 MB down matches; the client's TUN took $((writes / mb)) writes per MB"

stop_pid "${CLIENT_PID[1]}"
line=$(grep "session ended after" "$WORK/client1.log" | tail -n 1)
[ -n "$line" ] || fail "the client logged no session end"
n=$(sed -n 's/.*; \([0-9]*\) received coalesced into the TUN.*/\1/p' <<<"$line")
[ -n "$n" ] && [ "$n" -gt 10000 ] || fail "the client counts few coalesced packets: $line"
say "the client coalesced $n packets"
pass
