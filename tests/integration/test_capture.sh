#!/usr/bin/env bash
# mtlsvpnctl capture (server/capture.c, server/ctl/ctl_capture.c): alice pings
# and curls the LAN host while her session is captured; tshark reads the
# pcap file and finds the ICMP echo request and reply and the TCP packets
# of the HTTP exchange, both directions; --count bounds the file; a pcap
# filter keeps only what it selects; an unknown identity is refused.
. "$(dirname "$0")/lib.sh"

command -v tshark >/dev/null || fail "tshark is required (apt-get install tshark)"
topo_init
add_laptop 1
pki_init
pki_client alice
SOCK="$WORK/control"
write_server_ini "control = $SOCK"
CTL=("$B/mtlsvpnctl")

ip netns exec "$N" python3 -m http.server 8080 --bind 10.20.0.2 --directory "$WORK" \
	>>"$WORK/lan.log" 2>&1 &
T_PIDS+=("$!")
wait_for 5 listening "$N" 8080 || fail "the LAN web server did not start"
start_gateway
write_client_ini 1 alice
start_client 1
wait_tunnel 1

traffic() {
	sleep 1
	ip netns exec "$(lap 1)" ping -c 3 -i 0.2 -W 1 10.20.0.2 >/dev/null 2>&1 || true
	ip netns exec "$(lap 1)" curl -s -m 3 -o /dev/null http://10.20.0.2:8080/ || true
}

# 1. Everything for at most 4 s.
traffic &
TRAFFIC=$!
"${CTL[@]}" capture alice -w "$WORK/all.pcap" --seconds 4 --control "$SOCK" \
	>"$WORK/cap.out" 2>&1 || fail "capture failed: $(cat "$WORK/cap.out")"
wait "$TRAFFIC"
say "capture: $(tail -1 "$WORK/cap.out")"
tshark -r "$WORK/all.pcap" >"$WORK/all.txt" 2>&1 || fail "tshark cannot read the file: $(cat "$WORK/all.txt")"
grep -q 'ICMP.*Echo (ping) request' "$WORK/all.txt" || fail "no echo request: $(cat "$WORK/all.txt")"
grep -q 'ICMP.*Echo (ping) reply' "$WORK/all.txt" || fail "no echo reply: $(cat "$WORK/all.txt")"
grep -q '10\.8\.0\.[0-9]* → 10\.20\.0\.2 .*TCP' "$WORK/all.txt" ||
	grep -q '10\.8\.0\.[0-9]* → 10\.20\.0\.2 .*HTTP' "$WORK/all.txt" || fail "no TCP to the LAN: $(cat "$WORK/all.txt")"
grep -q '10\.20\.0\.2 → 10\.8\.0\.[0-9]* .*\(TCP\|HTTP\)' "$WORK/all.txt" ||
	fail "no TCP from the LAN: $(cat "$WORK/all.txt")"
say "tshark: $(wc -l <"$WORK/all.txt") packets, ICMP request/reply and TCP both ways"

# 2. A filter and a count: 2 ICMP packets, then mtlsvpnctl stops.
traffic &
TRAFFIC=$!
"${CTL[@]}" capture alice icmp -w "$WORK/icmp.pcap" --count 2 --seconds 10 --control "$SOCK" \
	>"$WORK/cap2.out" 2>&1 || fail "capture --count failed: $(cat "$WORK/cap2.out")"
wait "$TRAFFIC"
n=$(tshark -r "$WORK/icmp.pcap" | wc -l)
[ "$n" -eq 2 ] || fail "--count 2 wrote $n packets"
tshark -r "$WORK/icmp.pcap" | grep -v -q ICMP && fail "the icmp filter let other packets in"
say "filtered capture: $n ICMP packets (--count 2)"

# 3. No such session; a bad filter.
rc=0
"${CTL[@]}" capture bob -w "$WORK/bob.pcap" --control "$SOCK" 2>"$WORK/err" || rc=$?
[ "$rc" -eq 1 ] && grep -q 'no live session' "$WORK/err" || fail "capture bob: exit $rc $(cat "$WORK/err")"
rc=0
"${CTL[@]}" capture alice 'tcp port ((' -w "$WORK/x.pcap" --control "$SOCK" 2>"$WORK/err" || rc=$?
[ "$rc" -eq 2 ] && grep -q 'does not compile' "$WORK/err" || fail "bad filter: exit $rc $(cat "$WORK/err")"
pass
