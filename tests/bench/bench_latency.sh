#!/usr/bin/env bash
# Tunnel latency, side by side in one run: the idle RTT laptop -> gateway ->
# LAN with no VPN and through mtlsvpn (median and p99 of N pings, and what the
# tunnel adds), then the same ping while a second client session carries an
# iperf3 bulk transfer: an interactive packet must not wait behind another
# session's batching.
#
#   laptop ns --veth--+
#                     gateway ns --veth-- lan ns (iperf3 -s)
#   bulk ns   --veth--+
#
# Usage (root): tests/bench/bench_latency.sh [--count N] [--interval S] [--workers W]
#                                            [--busy-poll US] [--nice N] [--ab US] [--download] [--same-session]
#                                            [--gateway-key "KEY = VALUE"]...
#   --workers: the gateway's workers key (default auto: one per core).
#   --busy-poll: busy_poll_us of the gateway and both clients (default: the
#     programs' default); the CPU the gateway and the pinging client use
#     during the idle pings is reported beside the RTT.
#   --nice: the gateway started with this nice value (e.g. -5; what a
#     unit's Nice= would give it).
#   --gateway-key: a line added to the gateway's [gateway] section (e.g.
#     "tun_queue = 500"), to compare a setting run against run.
#   --download: the bulk session downloads (iperf3 -R: LAN host -> bulk
#     client) instead of uploading; the ping's answer then shares the
#     gateway's TUN queue with it.
#   --ab US: also a paired comparison on a noisy machine: a second laptop
#     (its own namespace and client, busy_poll_us = US) beside the first
#     (busy_poll_us = 0), pinged in alternating batches of 50 in the same
#     run; the gateway has busy_poll_us = US. Reports both sides' RTT and
#     their client's CPU.
#   --same-session: the bulk iperf3 runs in the pinging laptop's own
#     namespace (its upload and its ping share one client and one TUN)
#     instead of in the bulk namespace.
set -euo pipefail

top=$(cd "$(dirname "$0")/../.." && pwd)
. "$top/tests/bench/lib.sh"
build=${MTLSVPN_BUILD_DIR:-$top/build}
count=200
interval=0.02
workers=auto
busy_poll=
nice=0
ab=
bulk_from=
bulk_on="another session"
reverse=
gateway_keys=
while [ $# -gt 0 ]; do
	case "$1" in
	--count) count=$2; shift ;;
	--interval) interval=$2; shift ;;
	--workers) workers=$2; shift ;;
	--busy-poll) busy_poll="busy_poll_us = $2"; shift ;;
	--nice) nice=$2; shift ;;
	--ab) ab=$2; busy_poll="busy_poll_us = $2"; shift ;;
	--same-session) bulk_from=same; bulk_on="the pinging session" ;;
	--download) reverse=-R ;;
	--gateway-key) gateway_keys+="$2"$'\n'; shift ;;
	*) echo "usage: $0 [--count N] [--interval S] [--workers W] [--busy-poll US] [--nice N] [--ab US] [--same-session] [--download] [--gateway-key \"KEY = VALUE\"]..." >&2
		exit 2 ;;
	esac
	shift
done
[ "$(id -u)" -eq 0 ] || { echo "bench_latency: needs root (network namespaces)" >&2; exit 1; }
for b in mtlsvpn-server mtlsvpn-client mtlsvpnctl; do
	[ -x "$build/$b" ] || { echo "bench_latency: $build/$b missing" >&2; exit 1; }
done
command -v iperf3 >/dev/null || { echo "bench_latency: iperf3 missing (apt-get install iperf3)" >&2; exit 1; }

id=$$
L=mtvl-lap-$id B=mtvl-blk-$id G=mtvl-gw-$id N=mtvl-lan-$id A=mtvl-ab-$id
work=$(mktemp -d /tmp/mtlsvpn-latency.XXXXXX)
pids=()

cleanup() {
	local p
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
	for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
	for p in "$L" "$B" "$G" "$N" "$A"; do ip netns del "$p" 2>/dev/null || true; done
	[ -n "${KEEP_WORK:-}" ] || rm -rf "$work"
}
trap cleanup EXIT

bench_lap_gw
bench_spoke "$B" blk0 gwb0 10.99.2
bench_lan
# Permanent neighbour entries: the ARP table is shared by every namespace on
# the machine, and a full one would show up here as lost pings.
mac() { ip -n "$1" -o link show "$2" | sed 's/.*link\/ether \([0-9a-f:]*\).*/\1/'; }
neigh_pair() { # ns1 dev1 addr1 ns2 dev2 addr2
	ip -n "$1" neigh replace "$6" lladdr "$(mac "$4" "$5")" dev "$2" nud permanent
	ip -n "$4" neigh replace "$3" lladdr "$(mac "$1" "$2")" dev "$5" nud permanent
}
neigh_pair "$L" lap0 10.99.1.2 "$G" gwl0 10.99.1.1
neigh_pair "$B" blk0 10.99.2.2 "$G" gwb0 10.99.2.1
neigh_pair "$N" lan0 10.20.0.2 "$G" gwn0 10.20.0.1
if [ -n "$ab" ]; then
	bench_spoke "$A" ab0 gwa0 10.99.3
	neigh_pair "$A" ab0 10.99.3.2 "$G" gwa0 10.99.3.1
	# The gateway listens on its laptop-side address.
	ip -n "$A" route add 10.99.1.0/24 via 10.99.3.1
fi
ip -n "$B" route add 10.99.1.0/24 via 10.99.2.1
ip -n "$L" route add 10.20.0.0/24 via 10.99.1.1
ip -n "$N" route add 10.99.1.0/24 via 10.20.0.1

ip netns exec "$N" iperf3 -s --pidfile "$work/iperf.pid" -D
for i in $(seq 50); do [ -s "$work/iperf.pid" ] && break; sleep 0.1; done
pids+=("$(cat "$work/iperf.pid")")

# ping_rtts NS INTERVAL COUNT: the RTTs in ms of COUNT pings from NS to the
# LAN host, one a line.
ping_rtts() {
	ip netns exec "$1" timeout 120 ping -n -c "$3" -i "$2" -W 2 10.20.0.2 |
		sed -n 's/.*time=\([0-9.]*\) ms/\1/p'
}

# "median p99" of the numbers on stdin.
rtt_stats() {
	sort -n | awk '{a[NR]=$1} END {if (NR == 0) {print "nan nan"; exit}
			i = int(NR * 0.99 + 0.5); if (i < 1) i = 1; if (i > NR) i = NR
			printf "%.3f %.3f\n", (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2, a[i]}'
}

# Prints "median p99" in ms of $count pings from the laptop to the LAN host,
# $1 seconds apart (default --interval). At a 2 ms interval the CPUs never go
# idle: what remains is the cost of the data path itself, without the
# wake-ups from idle that an idle tunnel pays in each process it crosses.
ping_stats() {
	ping_rtts "$L" "${1:-$interval}" "$count" | rtt_stats
}

# ping_under_bulk LOG: ping_stats while the bulk namespace (with
# --same-session the laptop's own) sends to the LAN host with iperf3 (its
# output in $work/LOG.log).
# The statistics are printed once iperf3 has ended and written its log.
ping_under_bulk() {
	local bulk st
	ip netns exec "$([ -n "$bulk_from" ] && echo "$L" || echo "$B")" timeout $((secs + 20)) iperf3 -c 10.20.0.2 -t "$secs" -C cubic $reverse >"$work/$1.log" 2>&1 &
	bulk=$!
	sleep 2
	st=$(ping_stats)
	kill "$bulk" 2>/dev/null || true
	wait "$bulk" 2>/dev/null || true
	echo "$st"
}

echo "== no VPN =="
read -r base_med base_p99 < <(ping_stats)
printf '  idle rtt  median %s ms  p99 %s ms\n' "$base_med" "$base_p99"
read -r hbase_med hbase_p99 < <(ping_stats 0.002)
printf '  busy rtt  median %s ms  p99 %s ms (2 ms interval)\n' "$hbase_med" "$hbase_p99"
# The same bulk transfer as below, routed without a VPN: what the machine
# itself does to a ping's p99 while its cores also carry the transfer
# (with two cores, the load generators share them with the tunnel).
secs=$(awk -v c="$count" -v i="$interval" 'BEGIN {s = int(c * i * 2 + 5); print s}')
ip -n "$B" route add 10.20.0.0/24 via 10.99.2.1
ip -n "$N" route add 10.99.2.0/24 via 10.20.0.1
read -r bload_med bload_p99 < <(ping_under_bulk bulk0)
printf '  rtt under load  median %s ms  p99 %s ms (x%s idle p99)\n' "$bload_med" "$bload_p99" \
	"$(awk -v a="$bload_p99" -v b="$base_p99" 'BEGIN {printf "%.2f", a / b}')"
ip -n "$B" route del 10.20.0.0/24 via 10.99.2.1
ip -n "$N" route del 10.99.2.0/24 via 10.20.0.1
ip -n "$L" route del 10.20.0.0/24 via 10.99.1.1

"$build/mtlsvpnctl" ca init --dir "$work/ca" --name "latency CA" >/dev/null
"$build/mtlsvpnctl" ca issue-server gw.bench --dir "$work/ca" --out "$work" >/dev/null
"$build/mtlsvpnctl" ca issue-client lat-user --dir "$work/ca" --out "$work" >/dev/null
"$build/mtlsvpnctl" ca issue-client bulk-user --dir "$work/ca" --out "$work" >/dev/null
chmod 711 "$work"
install -d -o nobody -g nogroup "$work/state"
cat >"$work/server.ini" <<INI
[gateway]
listen = 10.99.1.1:8443
ca = ca/ca.crt
cert = gw.bench.crt
key = gw.bench.key
tun = mtvl$id
control = none
user = nobody
lease_file = $work/state/leases
workers = $workers
$busy_poll
$gateway_keys
[pool]
ipv4 = 10.8.1.0/24
routes = 10.20.0.0/24
INI
for u in lat bulk; do
	cat >"$work/client-$u.ini" <<INI
[client]
gateway = 10.99.1.1:8443
server_name = gw.bench
ca = ca/ca.crt
cert = $u-user.crt
key = $u-user.key
tun = mtv${u:0:1}$id
dns = none
state_dir = $work/state-$u
$([ -n "$ab" ] && echo "busy_poll_us = 0" || echo "$busy_poll")
INI
done
if [ -n "$ab" ]; then
	sed -e "s/lat-user/ab-user/; s/tun = mtvl/tun = mtva/; s/state-lat/state-ab/" \
		-e "s/busy_poll_us = 0/busy_poll_us = $ab/" "$work/client-lat.ini" >"$work/client-ab.ini"
	"$build/mtlsvpnctl" ca issue-client ab-user --dir "$work/ca" --out "$work" >/dev/null
fi
ip netns exec "$G" nice -n "$nice" "$build/mtlsvpn-server" -c "$work/server.ini" >"$work/server.log" 2>&1 &
pids+=($!)
for i in $(seq 100); do ip netns exec "$G" ss -Hltn 'sport = :8443' | grep -q . && break; sleep 0.05; done
ip netns exec "$L" "$build/mtlsvpn-client" -c "$work/client-lat.ini" >"$work/client-lat.log" 2>&1 &
pids+=($!)
ip netns exec "$B" "$build/mtlsvpn-client" -c "$work/client-bulk.ini" >"$work/client-bulk.log" 2>&1 &
pids+=($!)
up=0
for i in $(seq 200); do
	ip netns exec "$L" ping -c 1 -W 0.2 10.20.0.2 >/dev/null 2>&1 &&
		ip netns exec "$B" ping -c 1 -W 0.2 10.20.0.2 >/dev/null 2>&1 && { up=1; break; }
	sleep 0.05
done
[ $up -eq 1 ] || { echo "bench_latency: tunnels did not come up" >&2; tail -n 5 "$work"/*.log >&2; exit 1; }
if [ -n "$ab" ]; then
	ip netns exec "$A" "$build/mtlsvpn-client" -c "$work/client-ab.ini" >"$work/client-ab.log" 2>&1 &
	pids+=($!)
	ab_pid=$!
	up=0
	for i in $(seq 200); do
		ip netns exec "$A" ping -c 1 -W 0.2 10.20.0.2 >/dev/null 2>&1 && { up=1; break; }
		sleep 0.05
	done
	[ $up -eq 1 ] || { echo "bench_latency: the A/B tunnel did not come up" >&2; tail -n 5 "$work/client-ab.log" >&2; exit 1; }
fi

# cpu_ns PID: the CPU time all threads of PID have used, in ns.
cpu_ns() { cat /proc/"$1"/task/*/schedstat 2>/dev/null | awk '{s += $1} END {printf "%d\n", s}'; }
gw_pid=${pids[1]} lat_pid=${pids[2]}

echo "== mtlsvpn, idle =="
g0=$(cpu_ns "$gw_pid") c0=$(cpu_ns "$lat_pid") t0=$(date +%s%N)
read -r idle_med idle_p99 < <(ping_stats)
g1=$(cpu_ns "$gw_pid") c1=$(cpu_ns "$lat_pid") t1=$(date +%s%N)
printf '  idle rtt  median %s ms  p99 %s ms\n' "$idle_med" "$idle_p99"
awk -v g=$((g1 - g0)) -v c=$((c1 - c0)) -v t=$((t1 - t0)) 'BEGIN {
	printf "  cpu during the idle pings: gateway %.2f %%, client %.2f %% of a core\n",
		100 * g / t, 100 * c / t }'
read -r hot_med hot_p99 < <(ping_stats 0.002)
printf '  busy rtt  median %s ms  p99 %s ms (2 ms interval)\n' "$hot_med" "$hot_p99"

# ab_side NS PID INTERVAL: one batch of 50 pings from NS, its RTTs appended
# to $work/ab-NS-INTERVAL, the CPU its client PID used to $work/abcpu-NS-INTERVAL.
ab_side() {
	local c0 c1
	c0=$(cpu_ns "$2")
	ping_rtts "$1" "$3" 50 >>"$work/ab-$1-$3"
	c1=$(cpu_ns "$2")
	echo "$((c1 - c0))" >>"$work/abcpu-$1-$3"
}
if [ -n "$ab" ]; then
	echo "== busy poll A/B: busy_poll_us 0 against $ab, alternating batches of 50 pings =="
	for iv in "$interval" 0.002; do
		for r in 1 2 3 4 5 6; do
			ab_side "$L" "$lat_pid" "$iv"
			ab_side "$A" "$ab_pid" "$iv"
		done
		for side in "$L" "$A"; do
			read -r m p < <(rtt_stats <"$work/ab-$side-$iv")
			printf '  interval %s s  client busy_poll_us %3s: rtt median %s ms p99 %s ms, client cpu %s ms a ping\n' \
				"$iv" "$([ "$side" = "$A" ] && echo "$ab" || echo 0)" "$m" "$p" \
				"$(awk '{s += $1} END {printf "%.4f", s / 1e6 / 300}' "$work/abcpu-$side-$iv")"
		done
	done
fi

echo "== mtlsvpn, bulk iperf3 on $bulk_on =="
read -r load_med load_p99 < <(ping_under_bulk bulk)
printf '  rtt under load  median %s ms  p99 %s ms\n' "$load_med" "$load_p99"
# What the load itself reached (iperf3's receiver line), so a change that
# lowers the ping's p99 by slowing the transfer shows.
printf '  bulk transfer: median of its 1 s intervals %s Mbit/s\n' "$(awk '/bits\/sec/ && !/sender|receiver/ {
	for (i = 2; i <= NF; i++) if ($i ~ /bits\/sec$/) {
		v = $(i - 1); if ($i ~ /^G/) v *= 1000; else if ($i ~ /^K/) v /= 1000; print v } }' \
	"$work/bulk.log" | bench_median)"

echo "== summary =="
awk -v bm="$base_med" -v bp="$base_p99" -v im="$idle_med" -v ip="$idle_p99" \
	-v lm="$load_med" -v lp="$load_p99" -v hbm="$hbase_med" -v hm="$hot_med" \
	-v blp="$bload_p99" -v on="$bulk_on" 'BEGIN {
	printf "  added idle rtt  median %.3f ms  p99 %.3f ms\n", im - bm, ip - bp
	printf "  added busy rtt  median %.3f ms (the data path without wake-ups)\n", hm - hbm
	printf "  p99 under load on %s: %.3f ms (x%.2f idle p99)\n", on, lp, lp / ip
	printf "  the same load without a VPN: p99 x%.2f of its idle p99\n", blp / bp
}'
