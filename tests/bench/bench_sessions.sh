#!/usr/bin/env bash
# Many sessions on one gateway: bench_load (one process, one epoll loop)
# opens real mTLS sessions from a range of source addresses and holds them.
# Reports full handshakes per second per gateway core (gateway CPU time over
# the connect phase), gateway RSS per session at each step, gateway CPU at
# idle with all sessions held, and one busy session's throughput (iperf3
# through a real mtlsvpn-client) while they are held. Asserts no timing.
#
#   load ns --veth-- gateway ns --veth-- lan ns (iperf3 -s)
#
# Identities: the gateway allows max_sessions_per_identity = 64 (its
# maximum), so N sessions need ceil(N/64) client certificates from
# `mtlsvpnctl ca issue-client`; tls_resumption = no makes every connect a
# full handshake.
#
# Usage (root): tests/bench/bench_sessions.sh [--quick] [--busy] [--steps N1,N2] [--idle S]
#                 [--workers W] [--udp-off] [--busy-poll US]
#   --workers: the gateway's workers key (default auto: one per core).
#   --udp-off: the gateway with udp = off (bench_load takes the UDP data
#   channel when offered, so by default each session holds one).
#   --busy-poll: the gateway's busy_poll_us (idle sessions must not start
#   a poll window: the idle CPU figure shows it).
#   --quick: 200 sessions, no waits: checks only that the harness works.
#   --busy: the iperf3 run even with --quick.
set -euo pipefail

top=$(cd "$(dirname "$0")/../.." && pwd)
build=$(cd "${MTLSVPN_BUILD_DIR:-$top/build}" && pwd)
server=${MTLSVPN_BENCH_SERVER:-$build/mtlsvpn-server}
steps=1000,10000
idle=20
settle=12
quick=0
busy=1
workers=auto
udp=on
busy_poll=0
while [ $# -gt 0 ]; do
	case "$1" in
	--quick) quick=1; busy=0; steps=200; idle=2; settle=1 ;;
	--busy) busy=1 ;;
	--steps) steps=$2; shift ;;
	--idle) idle=$2; shift ;;
	--workers) workers=$2; shift ;;
	--udp-off) udp=off ;;
	--busy-poll) busy_poll=$2; shift ;;
	*) echo "usage: $0 [--quick] [--busy] [--steps N1,N2] [--idle S] [--workers W] [--udp-off] [--busy-poll US]" >&2
		exit 2 ;;
	esac
	shift
done
[ "$(id -u)" -eq 0 ] || { echo "bench_sessions: needs root (network namespaces)" >&2; exit 1; }
for b in "$server" "$build/mtlsvpnctl" "$build/tests/bench_load"; do
	[ -x "$b" ] || { echo "bench_sessions: $b missing (build first)" >&2; exit 1; }
done
total=${steps##*,}
idents=$(((total + 63) / 64))
# At most 1000 sources: the gateway namespace's neighbour table holds
# 1024 entries (gc_thresh3), and the busy client and the LAN need theirs.
nsrc=$((total < 1000 ? total : 1000))

id=$$
L=mlg$id-load G=mlg$id-gw N=mlg$id-lan
work=$(mktemp -d /tmp/mtlsvpn-sessions.XXXXXX)
pids=()
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

ip netns add "$L"; ip netns add "$G"; ip netns add "$N"
ip link add ld0 netns "$L" type veth peer name gwl0 netns "$G"
ip link add lan0 netns "$N" type veth peer name gwn0 netns "$G"
ip -n "$G" addr add 10.97.0.1/16 dev gwl0
ip -n "$G" addr add 10.20.0.1/24 dev gwn0
ip -n "$N" addr add 10.20.0.2/24 dev lan0
for ns in "$L" "$G" "$N"; do ip -n "$ns" link set lo up; done
ip -n "$L" link set ld0 up; ip -n "$G" link set gwl0 up
ip -n "$G" link set gwn0 up; ip -n "$N" link set lan0 up
ip netns exec "$G" sysctl -qw net.ipv4.ip_forward=1
ip netns exec "$G" sysctl -qw net.core.somaxconn=4096
ip -n "$N" route add 10.8.0.0/16 via 10.20.0.1
# Source addresses 10.97.1.0 onwards, one per connection up to nsrc.
for i in $(seq 0 $((nsrc - 1))); do
	echo "addr add 10.97.$((1 + i / 256)).$((i % 256))/16 dev ld0"
done | ip -n "$L" -b -

ctl=$build/mtlsvpnctl
"$ctl" ca init --dir "$work/ca" --name "load CA" >/dev/null
"$ctl" ca issue-server gw.load --dir "$work/ca" --out "$work" >/dev/null
for i in $(seq 0 $((idents - 1))); do
	"$ctl" ca issue-client "load-$i" --dir "$work/ca" --out "$work" >/dev/null
done
"$ctl" ca issue-client busy --dir "$work/ca" --out "$work" >/dev/null

chmod 711 "$work"
install -d -o nobody -g nogroup "$work/state"
cat >"$work/server.ini" <<INI
[gateway]
listen = 10.97.0.1:8443
ca = ca/ca.crt
cert = gw.load.crt
key = gw.load.key
tun = mlg$id
control = none
user = nobody
lease_file = $work/state/leases
max_clients = $((total + 16))
max_sessions_per_identity = 64
tls_resumption = no
keepalive = 10
workers = $workers
udp = $udp
busy_poll_us = $busy_poll
[pool]
ipv4 = 10.8.0.0/16
routes = 10.20.0.0/24
INI
(cd "$work" && ulimit -n $((total + 1024)) && exec ip netns exec "$G" "$server" -c "$work/server.ini") \
	>"$work/server.log" 2>&1 &
gpid=$!
pids+=("$gpid")
for i in $(seq 100); do
	ip netns exec "$G" ss -Hltn 'sport = :8443' | grep -q . && break
	sleep 0.05
done
ip netns exec "$G" ss -Hltn 'sport = :8443' | grep -q . ||
	{ cat "$work/server.log" >&2; echo "bench_sessions: gateway did not start" >&2; exit 1; }

ticks() { awk '{print $14 + $15}' "/proc/$gpid/stat"; }
rss_kb() { awk '/VmRSS/ {print $2}' "/proc/$gpid/status"; }
hz=$(getconf CLK_TCK)
sleep "$settle"
rss0=$(rss_kb)
echo "gateway $("$server" --version 2>/dev/null | head -n 1); RSS before load: $rss0 kB"

mkfifo "$work/load.out"
ip netns exec "$L" "$build/tests/bench_load" --gateway 10.97.0.1:8443 --server-name gw.load \
	--ca "$work/ca/ca.crt" --ident "$work/load-" --idents "$idents" --src 10.97.1.0 \
	--src-count "$nsrc" --steps "$steps" >"$work/load.out" 2>"$work/load.err" &
lpid=$!
pids+=($lpid)
exec 3<"$work/load.out"
prev_n=0
c0=$(ticks)
IFS=, read -ra list <<<"$steps"
for n in "${list[@]}"; do
	line=
	read -r -t 600 line <&3 || { cat "$work/load.err" >&2; echo "bench_sessions: no step line" >&2; exit 1; }
	c1=$(ticks)
	set -- $line
	up=$4 dead=$6 ms=$8
	cpu=$(echo "scale=3; ($c1 - $c0) / $hz" | bc)
	made=$((n - prev_n))
	echo "step $n: $up up, $dead failed, $made connects in $ms ms ($(echo "scale=0; $made * 1000 / ($ms + 1)" | bc)/s wall)"
	if [ "$(echo "$cpu > 0" | bc)" = 1 ]; then
		echo "  full handshakes per gateway core-second: $(echo "scale=0; $made / $cpu" | bc) (gateway CPU $cpu s)"
	fi
	sleep "$settle"
	rss=$(rss_kb)
	echo "  gateway RSS $rss kB: $(echo "scale=1; ($rss - $rss0) / $up" | bc) kB per session (${settle}s after the step)"
	prev_n=$n
	c0=$(ticks)
	kill -USR1 "$lpid"
done
i0=$(ticks); sleep "$idle"; i1=$(ticks)
echo "gateway CPU at idle with $up sessions: $(echo "scale=2; 100 * ($i1 - $i0) / $hz / $idle" | bc) % over ${idle}s"

if [ $busy -eq 1 ] && command -v iperf3 >/dev/null; then
	ip netns exec "$N" iperf3 -s -D --pidfile "$work/iperf.pid"
	for i in $(seq 50); do [ -s "$work/iperf.pid" ] && break; sleep 0.1; done
	pids+=("$(cat "$work/iperf.pid")")
	cat >"$work/client.ini" <<INI
[client]
gateway = 10.97.0.1:8443
server_name = gw.load
ca = ca/ca.crt
cert = busy.crt
key = busy.key
tun = mlc$id
dns = none
state_dir = $work/client-state
INI
	(cd "$work" && exec ip netns exec "$L" "$build/mtlsvpn-client" -c "$work/client.ini") >"$work/client.log" 2>&1 &
	pids+=($!)
	for i in $(seq 100); do ip netns exec "$L" ping -c 1 -W 0.2 10.20.0.2 >/dev/null 2>&1 && break; sleep 0.1; done
	mbit=$(ip netns exec "$L" timeout 30 iperf3 -c 10.20.0.2 -t 5 -J | python3 -c '
import json, sys
d = json.load(sys.stdin)
print("nan" if "error" in d else "%.0f" % (d["end"]["sum_received"]["bits_per_second"] / 1e6))') ||
		mbit=nan
	echo "one busy session (iperf3 up, 5 s) with $up idle ones held: $mbit Mbit/s"
fi
kill -TERM "$lpid"
wait "$lpid" 2>/dev/null || true
echo "bench_sessions: done"
