#!/usr/bin/env bash
# Tunnel throughput and latency, side by side in one run: the same topology
# with no VPN, with mtlsvpn, with OpenVPN (TCP and UDP) and with
# wireguard-go, the anchors of shared/reference/anchors.md. Reports medians
# and ratios against the anchors measured in this same run; absolute numbers
# alone mean little on a shared machine. The anchors need
# `apt-get install openvpn wireguard-go wireguard-tools`; a missing one is
# left out with a message.
#
#   laptop ns --veth-- gateway ns --veth-- lan ns (iperf3 -s)
#
# Usage (root): tests/bench/bench_tunnel.sh [--runs N] [--seconds S] [--no-openvpn]
#                                           [--client-offload-off] [--gateway-offload-off]
#                                           [--gateway-key "KEY = VALUE"]...
#   --client-offload-off: our client with offload = off, so it sends one
#   packet per frame (as an older client would) and the gateway's receive
#   coalescing is what cuts its TUN writes.
#   --gateway-offload-off: the gateway with offload = off, so it sends one
#   packet per frame and the client's receive coalescing cuts its writes.
#   --gateway-key: a line added to the gateway's [gateway] section (e.g.
#   "tun_queue = 500"), for comparing a setting run against run.
# For mtlsvpn the upload also reports the gateway's TUN writes per MB and
# the download the client's (the TUN's rx counters: one per write, a
# super-packet counts once; tests/bench/tunrx.sh).
set -euo pipefail

top=$(cd "$(dirname "$0")/../.." && pwd)
build=${MTLSVPN_BUILD_DIR:-$top/build}
runs=3
secs=10
with_openvpn=1
client_extra=
gateway_extra=
gateway_keys=()
while [ $# -gt 0 ]; do
	case "$1" in
	--runs) runs=$2; shift ;;
	--seconds) secs=$2; shift ;;
	--no-openvpn) with_openvpn=0 ;;
	--client-offload-off) client_extra="offload = off" ;;
	--gateway-offload-off) gateway_extra="offload = off" ;;
	--gateway-key) gateway_keys+=("$2"); shift ;;
	*) echo "usage: $0 [--runs N] [--seconds S] [--no-openvpn] [--client-offload-off]" \
		"[--gateway-offload-off] [--gateway-key \"KEY = VALUE\"]..." >&2; exit 2 ;;
	esac
	shift
done
[ "$(id -u)" -eq 0 ] || { echo "bench_tunnel: needs root (network namespaces)" >&2; exit 1; }
for b in mtlsvpn-server mtlsvpn-client mtlsvpnctl; do
	[ -x "$build/$b" ] || { echo "bench_tunnel: $build/$b missing; run packaging/setup.sh" >&2; exit 1; }
done
command -v iperf3 >/dev/null || { echo "bench_tunnel: iperf3 missing (apt-get install iperf3)" >&2; exit 1; }
if [ $with_openvpn -eq 1 ] && ! command -v openvpn >/dev/null; then
	echo "bench_tunnel: openvpn not installed; anchors skipped (apt-get install openvpn)" >&2
	with_openvpn=0
fi

id=$$
L=mtvb-lap-$id G=mtvb-gw-$id N=mtvb-lan-$id
work=$(mktemp -d /tmp/mtlsvpn-bench.XXXXXX)
pids=()
# shellcheck source=lib.sh
. "$top/tests/bench/lib.sh"

cleanup() {
	local p
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
	for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
	ip netns del "$L" 2>/dev/null || true
	ip netns del "$G" 2>/dev/null || true
	ip netns del "$N" 2>/dev/null || true
	rm -rf "$work"
}
trap cleanup EXIT

bench_lap_gw
bench_lan
# The no-VPN baseline goes laptop -> gateway -> LAN by plain routing.
ip -n "$L" route add 10.20.0.0/24 via 10.99.1.1
ip -n "$N" route add 10.99.1.0/24 via 10.20.0.1

start_iperf_server() {
	ip netns exec "$N" iperf3 -s --pidfile "$work/iperf.pid" -D
	local i
	for i in $(seq 50); do [ -s "$work/iperf.pid" ] && break; sleep 0.1; done
	pids+=("$(cat "$work/iperf.pid")")
}
start_iperf_server

# One iperf3 run; prints Mbit/s (receiver side).
iperf_once() { # dir: up|down; one retry if the first attempt fails to start
	local v
	v=$(iperf_try "$1")
	[ "$v" = nan ] && v=$(iperf_try "$1")
	echo "$v"
}
iperf_try() {
	local extra=()
	[ "$1" = down ] && extra=(-R)
	ip netns exec "$L" timeout $((secs + 20)) iperf3 -c 10.20.0.2 -t "$secs" -C cubic -J "${extra[@]}" |
		python3 -c '
import json, sys
d = json.load(sys.stdin)
if "error" in d:
    sys.stderr.write("  iperf3: %s\n" % d["error"])
    print("nan")
else:
    print("%.0f" % (d["end"]["sum_received"]["bits_per_second"] / 1e6))'
}
. "$top/tests/bench/tunrx.sh"
median() { sort -n | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }
rtt() { # median RTT in ms over 20 pings
	ip netns exec "$L" ping -c 20 -i 0.2 -W 2 10.20.0.2 | awk -F/ '/^rtt/ {print $5}'
}
measure() { # name
	local up=() down=() wup=() wdown=() i a
	for i in $(seq "$runs"); do
		a=$(tunrx "$G" mtvb$id)
		up+=("$(iperf_once up)")
		wup+=("$(tunrx_per_mb "$a" "$(tunrx "$G" mtvb$id)")")
		a=$(tunrx "$L" mtvc$id)
		down+=("$(iperf_once down)")
		wdown+=("$(tunrx_per_mb "$a" "$(tunrx "$L" mtvc$id)")")
	done
	local u d r
	u=$(printf '%s\n' "${up[@]}" | median)
	d=$(printf '%s\n' "${down[@]}" | median)
	r=$(rtt)
	printf '%s %s %s %s\n' "$1" "$u" "$d" "$r" >>"$work/results"
	printf '  %-28s up %6s Mbit/s  down %6s Mbit/s  rtt %s ms\n' "$1" "$u" "$d" "$r"
	printf '  %-28s TUN writes/MB: gateway (up) %s, client (down) %s\n' "" \
		"$(printf '%s\n' "${wup[@]}" | median)" "$(printf '%s\n' "${wdown[@]}" | median)"
}

echo "== baseline: no VPN =="
measure "no VPN"
ip -n "$L" route del 10.20.0.0/24 via 10.99.1.1

# Certificates for both VPNs from our CA.
bench_pki

echo "== mtlsvpn (TLS: udp = off) =="
bench_mtlsvpn_ini 10.99.1.1:8443 "$id" "udp = off" ${gateway_extra:+"$gateway_extra"} ${gateway_keys[@]+"${gateway_keys[@]}"}
[ -z "$client_extra" ] || echo "$client_extra" >>"$work/client.ini"
t0=$(date +%s.%N)
ip netns exec "$G" "$build/mtlsvpn-server" -c "$work/server.ini" >"$work/server.log" 2>&1 &
pids+=($!)
for i in $(seq 100); do ip netns exec "$G" ss -Hltn 'sport = :8443' | grep -q . && break; sleep 0.05; done
ip netns exec "$L" "$build/mtlsvpn-client" -c "$work/client.ini" >"$work/client.log" 2>&1 &
cpid=$!
pids+=($cpid)
for i in $(seq 200); do
	ip netns exec "$L" ping -c 1 -W 0.2 10.20.0.2 >/dev/null 2>&1 && break
	sleep 0.05
done
t1=$(date +%s.%N)
printf '  start to first reply: %.2f s\n' "$(echo "$t1 - $t0" | bc -l 2>/dev/null || python3 -c "print($t1-$t0)")"
measure "mtlsvpn"
rss=$(awk '/VmRSS/ {print $2}' "/proc/${pids[1]}/status")
printf '  gateway RSS: %s kB\n' "$rss"
kill "$cpid" "${pids[1]}"; wait "$cpid" "${pids[1]}" 2>/dev/null || true

# The same over the UDP data channel (docs/protocol.md section 12), measured
# only once the client says the channel is up.
echo "== mtlsvpn (UDP data channel) =="
bench_mtlsvpn_ini 10.99.1.1:8443 "$id" "udp = on" ${gateway_extra:+"$gateway_extra"} ${gateway_keys[@]+"${gateway_keys[@]}"}
[ -z "$client_extra" ] || echo "$client_extra" >>"$work/client.ini"
ip netns exec "$G" "$build/mtlsvpn-server" -c "$work/server.ini" >"$work/server-udp.log" 2>&1 &
gwu=$!
pids+=($gwu)
for i in $(seq 100); do ip netns exec "$G" ss -Hltn 'sport = :8443' | grep -q . && break; sleep 0.05; done
ip netns exec "$L" "$build/mtlsvpn-client" -c "$work/client.ini" >"$work/client-udp.log" 2>&1 &
cpid=$!
pids+=($cpid)
udp_up() { ip netns exec "$L" "$build/mtlsvpn-client" status -c "$work/client.ini" 2>/dev/null | grep -q '^udp: *up'; }
for i in $(seq 200); do udp_up && break; sleep 0.05; done
if udp_up; then
	measure "mtlsvpn UDP"
	# Probes lost under load would move the traffic to TLS until a re-probe.
	echo "  UDP fell back to TLS $(grep -c "UDP data channel .* failed" "$work/client-udp.log") time(s)," \
		"recovered $(grep -c "UDP data channel .* recovered" "$work/client-udp.log")"
else
	echo "  the UDP channel did not come up in 10 s: no mtlsvpn UDP row" >&2
	failed_udp=1
fi
kill "$cpid" "$gwu"; wait "$cpid" "$gwu" 2>/dev/null || true

# The same with the employee in a group whose tenth rule is the one that
# allows iperf3: what access rules and return-traffic flows cost.
echo "== mtlsvpn, group with 10 access rules =="
sed -i '/^\[pool\]/,$d' "$work/server.ini"
{
	echo "default_group = deny"
	echo "[group bench]"
	echo "ipv4 = 10.8.1.0/24"
	echo "routes = 10.20.0.0/24"
	echo "members = bench-user"
	for r in $(seq 1 9); do echo "rule$r = allow dst host 10.20.0.2 and tcp dst port $((6000 + r))"; done
	echo "rule10 = allow (dst host 10.20.0.2 and tcp dst port 5201) or icmp"
} >>"$work/server.ini"
ip netns exec "$G" "$build/mtlsvpn-server" -c "$work/server.ini" >"$work/server2.log" 2>&1 &
gw2=$!
pids+=($gw2)
for i in $(seq 100); do ip netns exec "$G" ss -Hltn 'sport = :8443' | grep -q . && break; sleep 0.05; done
ip netns exec "$L" "$build/mtlsvpn-client" -c "$work/client.ini" >"$work/client2.log" 2>&1 &
cpid=$!
pids+=($cpid)
for i in $(seq 200); do
	ip netns exec "$L" ping -c 1 -W 0.2 10.20.0.2 >/dev/null 2>&1 && break
	sleep 0.05
done
measure "mtlsvpn 10 rules"
kill "$cpid" "$gw2"; wait "$cpid" "$gw2" 2>/dev/null || true

if [ $with_openvpn -eq 1 ]; then
	for proto in tcp udp; do
		echo "== OpenVPN 2.6 $proto, AES-256-GCM (anchor) =="
		bench_openvpn "$proto" 10.99.1.1
		spid=$OVPN_SERVER opid=$OVPN_CLIENT
		up=0
		for i in $(seq 200); do
			ip netns exec "$L" ping -c 1 -W 0.2 10.20.0.2 >/dev/null 2>&1 && { up=1; break; }
			sleep 0.05
		done
		if [ $up -eq 1 ]; then
			measure "OpenVPN $proto"
		else
			echo "  OpenVPN $proto did not come up; its logs:" >&2
			tail -n 5 "$work/ovpn-s-$proto.log" "$work/ovpn-c-$proto.log" >&2
		fi
		kill "$opid" "$spid" 2>/dev/null; wait "$opid" "$spid" 2>/dev/null || true
		sleep 0.5
	done
fi

if command -v wireguard-go >/dev/null && command -v wg >/dev/null; then
	echo "== wireguard-go (anchor) =="
	(umask 077; wg genkey >"$work/wg-g.key"; wg genkey >"$work/wg-l.key")
	wg pubkey <"$work/wg-g.key" >"$work/wg-g.pub"
	wg pubkey <"$work/wg-l.key" >"$work/wg-l.pub"
	# Interface names carry the PID: wireguard-go's control sockets live in
	# the shared /var/run/wireguard.
	WGG=wgg$id WGL=wgl$id
	ip netns exec "$G" env WG_PROCESS_FOREGROUND=1 wireguard-go "$WGG" >"$work/wg-g.log" 2>&1 &
	pids+=($!); wgpid_g=$!
	ip netns exec "$L" env WG_PROCESS_FOREGROUND=1 wireguard-go "$WGL" >"$work/wg-l.log" 2>&1 &
	pids+=($!); wgpid_l=$!
	for i in $(seq 50); do
		ip -n "$G" link show "$WGG" >/dev/null 2>&1 && ip -n "$L" link show "$WGL" >/dev/null 2>&1 && break
		sleep 0.1
	done
	ip netns exec "$G" wg set "$WGG" listen-port 51820 private-key "$work/wg-g.key" \
		peer "$(cat "$work/wg-l.pub")" allowed-ips 10.8.3.2/32
	ip netns exec "$L" wg set "$WGL" private-key "$work/wg-l.key" \
		peer "$(cat "$work/wg-g.pub")" endpoint 10.99.1.1:51820 allowed-ips 10.8.3.0/24,10.20.0.0/24
	ip -n "$G" addr add 10.8.3.1/24 dev "$WGG"; ip -n "$G" link set "$WGG" up
	ip -n "$L" addr add 10.8.3.2/24 dev "$WGL"; ip -n "$L" link set "$WGL" up
	ip -n "$L" route add 10.20.0.0/24 dev "$WGL"
	up=0
	for i in $(seq 200); do
		ip netns exec "$L" ping -c 1 -W 0.2 10.20.0.2 >/dev/null 2>&1 && { up=1; break; }
		sleep 0.05
	done
	if [ $up -eq 1 ]; then
		measure "wireguard-go"
	else
		echo "  wireguard-go did not come up; its logs:" >&2
		tail -n 5 "$work/wg-g.log" "$work/wg-l.log" >&2
	fi
	kill "$wgpid_l" "$wgpid_g" 2>/dev/null; wait "$wgpid_l" "$wgpid_g" 2>/dev/null || true
fi

echo "== ratios (mtlsvpn / other, same run) =="
python3 - "$work/results" <<'PY'
import sys
rows = {}
for line in open(sys.argv[1]):
    *name, up, down, rtt = line.split()
    rows[" ".join(name)] = (float(up), float(down), float(rtt or "nan"))
for mine in ("mtlsvpn", "mtlsvpn UDP"):
    if mine not in rows:
        continue
    m = rows[mine]
    print("  %s:" % ("mtlsvpn (TLS)" if mine == "mtlsvpn" else mine))
    for other, (u, d, r) in rows.items():
        if other.startswith("mtlsvpn"):
            continue
        print("    vs %-12s up x%.2f  down x%.2f  rtt x%.2f" % (other, m[0] / u, m[1] / d, m[2] / r))
if "mtlsvpn UDP" in rows:
    m, t = rows["mtlsvpn UDP"], rows["mtlsvpn"]
    print("  UDP / TLS: up x%.2f  down x%.2f  rtt x%.2f" % (m[0] / t[0], m[1] / t[1], m[2] / t[2]))
PY
exit "${failed_udp:-0}"
