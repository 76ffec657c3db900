#!/usr/bin/env bash
# One gateway worker against several: K clients (K laptop namespaces, one
# mtlsvpn-client each) move data through the gateway at once, for each
# worker count asked. Reports, per count: aggregate TCP throughput up
# (iperf3 clients -> LAN) and down (-R), the gateway's CPU seconds per GB
# carried, how the sessions spread over the workers, and the TUN packets
# handed from one worker to another (status --json). Then the hand-off
# itself: the LAN sends UDP to the clients from ever new source ports, so
# the kernel's flow table has not learnt where they go and a multi-queue
# TUN spreads them by hash: the fraction handed over and the gateway CPU
# per packet with 1 worker and with N. Asserts nothing: the figures go to
# docs/performance.md. Uses the integration tests' lib.sh (namespaces whose
# names carry the PID, cleanup of every one of them).
#
# Usage (root): tests/bench/bench_workers.sh [--clients K] [--seconds S] [--workers 1,2]
set -euo pipefail

top=$(cd "$(dirname "$0")/../.." && pwd)
export MTLSVPN_BUILD_DIR=${MTLSVPN_BUILD_DIR:-$top/build}
export MTLSVPN_SOURCE_DIR=$top
clients=4
secs=10
counts=1,2
while [ $# -gt 0 ]; do
	case "$1" in
	--clients) clients=$2; shift ;;
	--seconds) secs=$2; shift ;;
	--workers) counts=$2; shift ;;
	*) echo "usage: $0 [--clients K] [--seconds S] [--workers 1,2]" >&2; exit 2 ;;
	esac
	shift
done
command -v iperf3 >/dev/null || { echo "bench_workers: iperf3 missing (apt-get install iperf3)" >&2; exit 1; }
# shellcheck source=../integration/lib.sh
. "$top/tests/integration/lib.sh"
T_NAME=bench_workers

SOCK=$WORK/control
ctl() { "$B/mtlsvpnctl" "$@" --control "$SOCK"; }
# CPU seconds (user + system) the gateway has used so far.
gw_cpu() { awk -v hz="$(getconf CLK_TCK)" '{ printf "%.2f\n", ($14 + $15) / hz }' "/proc/$GW_PID/stat"; }
# workers' sessions, and the hand-off counters summed: "S0/S1/.. passed dropped"
gw_workers() {
	ctl status --json | python3 -c '
import json, sys
w = json.load(sys.stdin)["gateway"]["workers"]
print("/".join(str(x["sessions"]) for x in w), sum(x["handoff_passed"] for x in w),
      sum(x["handoff_dropped"] for x in w))'
}
# iperf3 --json outputs -> aggregate Mbit/s and GB carried
sum_iperf() {
	python3 - "$@" <<'PY'
import json, sys
bps = byts = 0
for f in sys.argv[1:]:
    e = json.load(open(f))["end"]["sum_received"]
    bps += e["bits_per_second"]
    byts += e["bytes"]
print("%.0f %.3f" % (bps / 1e6, byts / 1e9))
PY
}

topo_init
pki_init
for i in $(seq "$clients"); do
	add_laptop "$i"
	pki_client "user$i"
	write_client_ini "$i" "user$i"
	ip netns exec "$N" iperf3 -s -p $((5200 + i)) >/dev/null 2>&1 &
	T_PIDS+=("$!")
done
# A UDP sink on every laptop for the hand-off run.
cat >"$WORK/udp.py" <<'PY'
import socket, sys, time
# send DST SECONDS: datagrams of 1200 bytes, each from a new source port
dst, secs = sys.argv[1].split(","), float(sys.argv[2])
socks, n, end = [], 0, time.monotonic() + secs
payload = b"x" * 1200
while time.monotonic() < end:
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    for d in dst:
        for _ in range(8):
            s.sendto(payload, (d, 9))
            n += 1
    s.close()
print(n)
PY

say "clients=$clients seconds=$secs workers=$counts (cores: $(nproc))"
for w in ${counts//,/ }; do
	rm -f "$WORK/server.ini"
	write_server_ini "workers = $w"
	start_gateway
	for i in $(seq "$clients"); do start_client "$i"; done
	for i in $(seq "$clients"); do wait_tunnel "$i" 30; done
	# The kernel's spread of connections is a hash: reconnect clients
	# until no worker has more than one session over another (bounded),
	# so the comparison is of workers sharing the load.
	for try in $(seq 30); do
		read -r spread _ _ <<<"$(gw_workers)"
		[ "$(echo "$spread" | tr / '\n' | sort -n | sed -n '1p;$p' | paste -sd' ' |
			awk '{ print $2 - $1 }')" -le 1 ] && break
		i=$(((try % clients) + 1))
		stop_pid "${CLIENT_PID[$i]}"
		start_client "$i"
		wait_tunnel "$i" 30
	done
	read -r spread p0 d0 <<<"$(gw_workers)"
	for dir in up down; do
		c0=$(gw_cpu)
		for i in $(seq "$clients"); do
			ip netns exec "$(lap "$i")" iperf3 -c 10.20.0.2 -p $((5200 + i)) -t "$secs" \
				$([ "$dir" = down ] && echo -R) --json >"$WORK/$dir$i.json" 2>&1 &
			IPF[$i]=$!
		done
		for i in $(seq "$clients"); do wait "${IPF[$i]}" || fail "iperf3 $dir laptop $i"; done
		c1=$(gw_cpu)
		read -r mbps gb <<<"$(sum_iperf "$WORK"/"$dir"[0-9]*.json)"
		say "workers=$w $dir: $mbps Mbit/s aggregate, gateway $(echo "$c0 $c1 $gb" |
			awk '{ printf "%.2f CPU s per GB", ($2 - $1) / $3 }'), sessions per worker $spread"
	done
	read -r _ p1 d1 <<<"$(gw_workers)"
	say "workers=$w TCP runs: $((p1 - p0)) packet(s) handed between workers, $((d1 - d0)) dropped"
	addrs=$(for i in $(seq "$clients"); do tunnel_addr "$i"; done | paste -sd,)
	c0=$(gw_cpu)
	sent=$(ip netns exec "$N" python3 "$WORK/udp.py" "$addrs" "$secs")
	c1=$(gw_cpu)
	read -r _ p2 d2 <<<"$(gw_workers)"
	say "workers=$w UDP from new ports: $sent datagrams, $((p2 - p1)) handed over ($(echo "$p2 $p1 $sent" |
		awk '{ printf "%.0f%%", 100 * ($1 - $2) / $3 }')), $((d2 - d1)) dropped, gateway $(echo "$c0 $c1 $sent" |
		awk '{ printf "%.2f us CPU per datagram", 1e6 * ($2 - $1) / $3 }')"
	for i in $(seq "$clients"); do stop_pid "${CLIENT_PID[$i]}"; done
	stop_pid "$GW_PID"
done
T_OK=1
