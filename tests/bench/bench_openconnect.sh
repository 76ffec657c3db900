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

. "$top/tests/bench/lib.sh"
stop() { bench_stop "$@"; }
cleanup() { bench_cleanup $? 15 "$L" "$G" "$N"; }
trap cleanup EXIT
trap 'exit 130' INT TERM

wait_for() { bench_wait_for "$@"; }

bench_lap_gw
bench_lan

ip netns exec "$N" iperf3 -s --pidfile "$work/iperf.pid" -D
wait_for 5 test -s "$work/iperf.pid" || die "iperf3 -s did not start"
pids+=("$(cat "$work/iperf.pid")")

iperf_once() { bench_iperf_once "$1" 10.20.0.2; }
median() { bench_median; }
. "$top/tests/bench/tunrx.sh"
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
bench_pki
bench_oc_script

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
bench_mtlsvpn_ini 10.99.1.1:8443 "$id" "openconnect = on"
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
# AES-128-GCM first, as our gateway picks with AES-NI: the same cipher on both.
bench_ocserv_conf 10.99.1.1 "$id" \
	'tls-priorities = "NORMAL:%SERVER_PRECEDENCE:-VERS-SSL3.0:-VERS-TLS1.0:-VERS-TLS1.1:-CIPHER-ALL:+AES-128-GCM:+AES-256-GCM:+CHACHA20-POLY1305"'
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
