#!/usr/bin/env bash
# Throughput of the same OpenConnect client (Debian's openconnect,
# --protocol=anyconnect, certificate auth) through our gateway
# (`openconnect = on`) and through ocserv, side by side in one run, TLS only
# (--no-dtls for both: the same transport, CSTP over TLS); our own client
# through our gateway for reference. iperf3, one TCP flow, up and down,
# medians of RUNS runs; ratios against ocserv from this same run (absolute
# figures move with the shared machine's load, see
# shared/reference/anchors.md).
#
#   laptop ns --veth-- gateway ns (mtlsvpn-server | ocserv) --veth-- lan ns (iperf3 -s)
#
# Each mtlsvpn row also gives the gateway's TUN writes per MB uploaded
# (tests/bench/tunrx.sh); ocserv's TUN is not ours to count ("-").
#
# Usage (root): tests/bench/bench_openconnect.sh [--runs N] [--seconds S] [--smoke]
#   --smoke: 1 run of 1 s each, to check the harness works.
set -euo pipefail

top=$(cd "$(dirname "$0")/../.." && pwd)
build=${MTLSVPN_BUILD_DIR:-$top/build}
runs=3
secs=5
while [ $# -gt 0 ]; do
	case "$1" in
	--runs) runs=$2; shift ;;
	--seconds) secs=$2; shift ;;
	--smoke) runs=1; secs=1 ;;
	*) echo "usage: $0 [--runs N] [--seconds S] [--smoke]" >&2; exit 2 ;;
	esac
	shift
done
die() { echo "bench_openconnect: $*" >&2; exit 1; }
[ "$(id -u)" -eq 0 ] || die "needs root (network namespaces)"
for b in mtlsvpn-server mtlsvpn-client mtlsvpnctl; do
	[ -x "$build/$b" ] || die "$build/$b missing; run packaging/setup.sh or set MTLSVPN_BUILD_DIR"
done
for c in iperf3 openconnect ocserv; do
	command -v "$c" >/dev/null || die "$c missing (apt-get install $c)"
done

id=$$
L=mtvo-lap-$id G=mtvo-gw-$id N=mtvo-lan-$id
work=$(mktemp -d /tmp/mtlsvpn-bench-oc.XXXXXX)
pids=()

# stop PID: SIGTERM, SIGKILL after 5 s; by PID only.
stop() {
	local p=$1
	kill -TERM "$p" 2>/dev/null || true
	for _ in $(seq 50); do
		kill -0 "$p" 2>/dev/null || break
		sleep 0.1
	done
	kill -KILL "$p" 2>/dev/null || true
	wait "$p" 2>/dev/null || true
}
cleanup() {
	local rc=$? p
	set +e
	for p in "${pids[@]}"; do stop "$p"; done
	if [ "$rc" -ne 0 ]; then
		for f in "$work"/*.log; do
			[ -f "$f" ] || continue
			echo "---- $(basename "$f") (last 15 lines) ----" >&2
			tail -n 15 "$f" >&2
		done
	fi
	ip netns del "$L" 2>/dev/null
	ip netns del "$G" 2>/dev/null
	ip netns del "$N" 2>/dev/null
	[ -n "${KEEP_WORK:-}" ] || rm -rf "$work"
	exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# Bounded: runs "$@" every 0.05 s until it succeeds, at most SECS seconds.
wait_for() {
	local secs=$1 end
	shift
	end=$(($(date +%s%N) / 1000000 + secs * 1000))
	while ! "$@" >/dev/null 2>&1; do
		[ $(($(date +%s%N) / 1000000)) -lt "$end" ] || return 1
		sleep 0.05
	done
}

ip netns add "$L"; ip netns add "$G"; ip netns add "$N"
ip link add lap0 netns "$L" type veth peer name gwl0 netns "$G"
ip link add lan0 netns "$N" type veth peer name gwn0 netns "$G"
ip -n "$L" addr add 10.99.1.2/24 dev lap0
ip -n "$G" addr add 10.99.1.1/24 dev gwl0
ip -n "$G" addr add 10.20.0.1/24 dev gwn0
ip -n "$N" addr add 10.20.0.2/24 dev lan0
for ns in "$L" "$G" "$N"; do ip -n "$ns" link set lo up; done
ip -n "$L" link set lap0 up; ip -n "$G" link set gwl0 up
ip -n "$G" link set gwn0 up; ip -n "$N" link set lan0 up
ip netns exec "$G" sysctl -qw net.ipv4.ip_forward=1
# The LAN routes every tunnel pool back through the gateway.
ip -n "$N" route add 10.8.0.0/16 via 10.20.0.1

ip netns exec "$N" iperf3 -s --pidfile "$work/iperf.pid" -D
wait_for 5 test -s "$work/iperf.pid" || die "iperf3 -s did not start"
pids+=("$(cat "$work/iperf.pid")")

# One iperf3 run, Mbit/s at the receiver; one retry if it fails to start.
iperf_try() {
	local extra=()
	[ "$1" = down ] && extra=(-R)
	ip netns exec "$L" timeout $((secs + 20)) iperf3 -c 10.20.0.2 -t "$secs" -C cubic -J "${extra[@]}" |
		python3 -c '
import json, sys
try:
    d = json.load(sys.stdin)
except ValueError:
    d = {"error": "no JSON from iperf3"}
if "error" in d:
    sys.stderr.write("  iperf3: %s\n" % d["error"])
    print("nan")
else:
    print("%.0f" % (d["end"]["sum_received"]["bits_per_second"] / 1e6))'
}
iperf_once() {
	local v
	v=$(iperf_try "$1")
	[ "$v" = nan ] && v=$(iperf_try "$1")
	echo "$v"
}
. "$top/tests/bench/tunrx.sh"
median() { sort -n | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }
measure() { # NAME TLS-DESCRIPTION
	local up=() down=() wpm=() u d w a
	for _ in $(seq "$runs"); do
		a=$(tunrx "$G" mtvo$id)
		up+=("$(iperf_once up)")
		wpm+=("$(tunrx_per_mb "$a" "$(tunrx "$G" mtvo$id)")")
		down+=("$(iperf_once down)")
	done
	u=$(printf '%s\n' "${up[@]}" | median)
	d=$(printf '%s\n' "${down[@]}" | median)
	w=$(printf '%s\n' "${wpm[@]}" | median)
	printf '%s|%s|%s|%s\n' "$1" "$u" "$d" "$2" >>"$work/results"
	printf '  %-30s up %6s Mbit/s (%s)  down %6s Mbit/s (%s)  gateway TUN writes/MB up %s\n' \
		"$1" "$u" "${up[*]}" "$d" "${down[*]}" "$w"
}
lan_reachable() { ip netns exec "$L" ping -c 1 -W 0.2 10.20.0.2; }
listening() { ip netns exec "$G" ss -Hltn "sport = :$1" | grep -q LISTEN; }

# Certificates for both gateways from our CA.
"$build/mtlsvpnctl" ca init --dir "$work/ca" --name "bench CA" >"$work/ctl.log" 2>&1
"$build/mtlsvpnctl" ca issue-server gw.bench --dir "$work/ca" --out "$work" >>"$work/ctl.log" 2>&1
"$build/mtlsvpnctl" ca issue-client bench-user --dir "$work/ca" --out "$work" >>"$work/ctl.log" 2>&1

# The vpnc-compatible script: address, MTU and split-include routes on
# the TUN, in the laptop's namespace.
cat >"$work/oc-script.sh" <<'SH'
#!/bin/sh
[ "$reason" = connect ] || exit 0
set -e
ip link set dev "$TUNDEV" mtu "${INTERNAL_IP4_MTU:-1400}" up
ip addr add "$INTERNAL_IP4_ADDRESS/32" dev "$TUNDEV"
i=0
while [ "$i" -lt "${CISCO_SPLIT_INC:-0}" ]; do
	eval "a=\$CISCO_SPLIT_INC_${i}_ADDR m=\$CISCO_SPLIT_INC_${i}_MASKLEN"
	ip route replace "$a/$m" dev "$TUNDEV"
	i=$((i + 1))
done
SH
chmod 755 "$work/oc-script.sh"

# run_oc PORT NAME: openconnect, TLS only, to gw.bench:PORT; OC_PID.
run_oc() {
	ip netns exec "$L" openconnect --protocol=anyconnect --non-inter --no-dtls -v \
		-c "$work/bench-user.crt" -k "$work/bench-user.key" --cafile "$work/ca/ca.crt" \
		--resolve=gw.bench:10.99.1.1 --script "$work/oc-script.sh" --interface "oc$id" \
		--reconnect-timeout 3 "https://gw.bench:$1/" >"$work/openconnect-$2.log" 2>&1 &
	OC_PID=$!
	pids+=("$OC_PID")
	wait_for 20 lan_reachable || die "openconnect -> $2: the LAN is not reachable after 20 s"
}
# What openconnect negotiated, from its log.
oc_tls() { grep -o 'ciphersuite [^ ]*' "$work/openconnect-$1.log" | head -n 1 | cut -d' ' -f2; }

# ---- our gateway ----
chmod 711 "$work"
install -d -o nobody -g nogroup "$work/state"
cat >"$work/server.ini" <<INI
[gateway]
listen = 10.99.1.1:8443
ca = ca/ca.crt
cert = gw.bench.crt
key = gw.bench.key
tun = mtvo$id
control = none
user = nobody
lease_file = $work/state/leases
openconnect = on
[pool]
ipv4 = 10.8.1.0/24
routes = 10.20.0.0/24
INI
cat >"$work/client.ini" <<INI
[client]
gateway = 10.99.1.1:8443
server_name = gw.bench
ca = ca/ca.crt
cert = bench-user.crt
key = bench-user.key
tun = mtvc$id
dns = none
state_dir = $work/client-state
INI
ip netns exec "$G" "$build/mtlsvpn-server" -c "$work/server.ini" >"$work/server.log" 2>&1 &
gw=$!
pids+=("$gw")
wait_for 10 listening 8443 || die "the gateway is not listening after 10 s"

echo "== mtlsvpn-client -> mtlsvpn gateway (reference) =="
ip netns exec "$L" "$build/mtlsvpn-client" -c "$work/client.ini" >"$work/client.log" 2>&1 &
cpid=$!
pids+=("$cpid")
wait_for 20 lan_reachable || die "mtlsvpn-client: the LAN is not reachable after 20 s"
measure "mtlsvpn-client -> mtlsvpn" "$(grep -o 'TLS13-[A-Z0-9-]*' "$work/client.log" | head -n 1)"
stop "$cpid"

echo "== openconnect -> mtlsvpn gateway (TLS only) =="
run_oc 8443 mtlsvpn
measure "openconnect -> mtlsvpn" "$(oc_tls mtlsvpn)"
stop "$OC_PID"
stop "$gw"

# ---- ocserv ----
echo "== openconnect -> ocserv $(ocserv --version 2>&1 | head -n 1 | grep -o '[0-9][0-9.]*' | head -n 1) (TLS only) =="
cat >"$work/ocserv.conf" <<CONF
auth = "certificate"
listen-host = 10.99.1.1
tcp-port = 443
run-as-user = nobody
run-as-group = nogroup
socket-file = $work/ocserv-socket
isolate-workers = false
max-clients = 16
max-same-clients = 0
server-cert = $work/gw.bench.crt
server-key = $work/gw.bench.key
ca-cert = $work/ca/ca.crt
cert-user-oid = 2.5.4.3
keepalive = 32400
dpd = 90
try-mtu-discovery = false
# AES-128-GCM first, as our gateway picks with AES-NI: the same cipher on both.
tls-priorities = "NORMAL:%SERVER_PRECEDENCE:-VERS-SSL3.0:-VERS-TLS1.0:-VERS-TLS1.1:-CIPHER-ALL:+AES-128-GCM:+AES-256-GCM:+CHACHA20-POLY1305"
auth-timeout = 240
cookie-timeout = 300
rekey-time = 172800
use-occtl = false
pid-file = $work/ocserv.pid
device = vpns$id
predictable-ips = true
ipv4-network = 10.8.4.0
ipv4-netmask = 255.255.255.0
route = 10.20.0.0/24
mtu = 1400
ping-leases = false
cisco-client-compat = true
CONF
ip netns exec "$G" ocserv -f -c "$work/ocserv.conf" >"$work/ocserv.log" 2>&1 &
osp=$!
pids+=("$osp")
wait_for 10 listening 443 || die "ocserv is not listening after 10 s"
run_oc 443 ocserv
measure "openconnect -> ocserv" "$(oc_tls ocserv)"
stop "$OC_PID"
stop "$osp"

echo
echo "== iperf3, 1 TCP flow, median of $runs x $secs s, Mbit/s =="
python3 - "$work/results" <<'PY'
import sys
rows = [l.rstrip("\n").split("|") for l in open(sys.argv[1])]
print("  %-30s %9s %9s  %s" % ("client -> gateway", "up", "down", "TLS"))
for name, up, down, tls in rows:
    print("  %-30s %9s %9s  %s" % (name, up, down, tls or "?"))
r = {name: (float(up), float(down)) for name, up, down, _ in rows}
m, o = r.get("openconnect -> mtlsvpn"), r.get("openconnect -> ocserv")
if m and o:
    f = lambda a, b: "x%.2f" % (a / b) if b and a == a and b == b else "n/a"
    print("  %-30s %9s %9s" % ("ratio mtlsvpn / ocserv", f(m[0], o[0]), f(m[1], o[1])))
PY
