#!/usr/bin/env bash
# Inner TCP over a lossy, long link: one iperf3 TCP flow (cubic), up and
# down, medians of RUNS runs, through a userspace impairment of DELAY ms
# each way and LOSS % loss (tests/bench/impair.c; the kernel here has
# no netem), for: no VPN, mtlsvpn over TLS and over its UDP data channel,
# ocserv with DTLS and TLS only
# (openconnect client), OpenVPN over UDP and over TCP. Ratios against the
# no-VPN figure of the same run: the anchors the UDP data channel
# (docs/protocol.md section 12) must beat. A missing ocserv, openconnect or
# openvpn is left out with a message.
#
# Two congestion controls matter and are set apart: the inner flow's
# (iperf3 -C, each of --cc; laptops' and servers' usual default is cubic)
# and the one of the tunnels' own TCP connections (--outer-cc, set in
# every namespace; bbr is this machine's default). Over a TCP tunnel the
# outer connection repairs the loss and the inner flow never sees it; over
# UDP (and with no VPN) the inner flow's own congestion control meets it.
#
#   laptop ns --veth-- impair ns (impair) --veth-- gateway ns --veth-- lan ns (iperf3 -s)
#
# Usage (root): tests/bench/bench_lossy.sh [--runs N] [--seconds S]
#                 [--delay MS] [--loss PCT] [--cc "cubic bbr"] [--outer-cc bbr] [--smoke]
#   --smoke: 1 run of 1 s each, to check the harness works (seconds).
set -euo pipefail

top=$(cd "$(dirname "$0")/../.." && pwd)
build=${MTLSVPN_BUILD_DIR:-$top/build}
runs=3
secs=10
delay=20
loss=1
ccs="cubic bbr"
outer_cc=bbr
while [ $# -gt 0 ]; do
	case "$1" in
	--runs) runs=$2; shift ;;
	--seconds) secs=$2; shift ;;
	--delay) delay=$2; shift ;;
	--loss) loss=$2; shift ;;
	--cc) ccs=$2; shift ;;
	--outer-cc) outer_cc=$2; shift ;;
	--smoke) runs=1; secs=1 ;;
	*) echo "usage: $0 [--runs N] [--seconds S] [--delay MS] [--loss PCT] [--cc LIST] [--outer-cc CC] [--smoke]" >&2; exit 2 ;;
	esac
	shift
done
die() { echo "bench_lossy: $*" >&2; exit 1; }
[ "$(id -u)" -eq 0 ] || die "needs root (network namespaces)"
for b in mtlsvpn-server mtlsvpn-client mtlsvpnctl tests/impair; do
	[ -x "$build/$b" ] || die "$build/$b missing; build first or set MTLSVPN_BUILD_DIR"
done
command -v iperf3 >/dev/null || die "iperf3 missing (apt-get install iperf3)"
have() {
	command -v "$1" >/dev/null && return 0
	echo "bench_lossy: $1 not installed; its rows are left out (apt-get install $1)" >&2
	return 1
}

# shellcheck source=lib.sh
. "$top/tests/bench/lib.sh"

id=$$
L=mtvl-lap-$id I=mtvl-imp-$id G=mtvl-gw-$id N=mtvl-lan-$id
work=$(mktemp -d /tmp/mtlsvpn-bench-lossy.XXXXXX)
pids=()
failed=0

cleanup() { bench_cleanup $? 10 "$L" "$I" "$G" "$N"; }
trap cleanup EXIT
trap 'exit 130' INT TERM

for ns in "$L" "$I" "$G" "$N"; do
	ip netns add "$ns"
	ip -n "$ns" link set lo up
	ip netns exec "$ns" sysctl -qw net.ipv4.tcp_congestion_control="$outer_cc" ||
		die "congestion control $outer_cc not available"
done
ip link add lap0 netns "$L" type veth peer name i0 netns "$I"
ip link add i1 netns "$I" type veth peer name gwi0 netns "$G"
ip link add lan0 netns "$N" type veth peer name gwn0 netns "$G"
ip -n "$L" addr add 10.99.1.2/24 dev lap0
ip -n "$I" addr add 10.99.1.1/24 dev i0
ip -n "$I" addr add 10.99.2.1/24 dev i1
ip -n "$G" addr add 10.99.2.2/24 dev gwi0
ip -n "$G" addr add 10.20.0.1/24 dev gwn0
ip -n "$N" addr add 10.20.0.2/24 dev lan0
ip -n "$L" link set lap0 up; ip -n "$I" link set i0 up; ip -n "$I" link set i1 up
ip -n "$G" link set gwi0 up; ip -n "$G" link set gwn0 up; ip -n "$N" link set lan0 up
for ns in "$I" "$G"; do ip netns exec "$ns" sysctl -qw net.ipv4.ip_forward=1; done
ip -n "$L" route add 10.99.2.0/24 via 10.99.1.1
ip -n "$G" route add 10.99.1.0/24 via 10.99.2.1
ip -n "$N" route add 10.8.0.0/16 via 10.20.0.1

# The impairment: whatever crosses the impair namespace goes through
# impair's two TUN devices (tests/bench/impair.c): in from i0 -> tA
# -> (delay, loss) -> tB -> out by the main table, and the reverse.
ip netns exec "$I" "$build/tests/impair" tA tB "$delay" "$loss" 1000 "$id" >"$work/impair.log" 2>&1 &
impair_pid=$!
pids+=("$impair_pid")
tuns_exist() { ip -n "$I" link show tA && ip -n "$I" link show tB; }
bench_wait_for 5 tuns_exist || die "impair did not create its TUN devices"
ip -n "$I" link set tA up; ip -n "$I" link set tB up
for k in all default i0 i1 tA tB; do ip netns exec "$I" sysctl -qw "net.ipv4.conf.$k.rp_filter=0"; done
ip -n "$I" route add default dev tA table 100
ip -n "$I" route add default dev tB table 101
ip -n "$I" rule add iif i0 lookup 100
ip -n "$I" rule add iif i1 lookup 101

ip netns exec "$N" iperf3 -s --pidfile "$work/iperf.pid" -D
bench_wait_for 5 test -s "$work/iperf.pid" || die "iperf3 -s did not start"
pids+=("$(cat "$work/iperf.pid")")

lan_reachable() { ip netns exec "$L" ping -c 1 -W 0.5 10.20.0.2; }
listening() { ip netns exec "$G" ss -Hl"$1"n "sport = :$2" | grep -q .; }

# measure NAME: for each inner congestion control, medians of RUNS up and
# down runs, appended to results.
measure() {
	local up=() down=() u d
	for cc in $ccs; do
		up=() down=()
		for _ in $(seq "$runs"); do
			up+=("$(bench_iperf_once up 10.20.0.2)")
			down+=("$(bench_iperf_once down 10.20.0.2)")
		done
		u=$(printf '%s\n' "${up[@]}" | bench_median)
		d=$(printf '%s\n' "${down[@]}" | bench_median)
		printf '%s|%s|%s|%s\n' "$1" "$cc" "$u" "$d" >>"$work/results"
		printf '  %-16s %-6s up %6s Mbit/s (%s)  down %6s Mbit/s (%s)\n' "$1" "$cc" "$u" "${up[*]}" "$d" "${down[*]}"
	done
}
# not_up NAME WHAT: a system that did not come up is a failed row.
not_up() {
	echo "  $1: $2" >&2
	for cc in $ccs; do printf '%s|%s|nan|nan\n' "$1" "$cc" >>"$work/results"; done
	failed=1
}

echo "== link: ${delay} ms each way, ${loss} % loss each way; iperf3 ${runs} x ${secs} s; inner cc: $ccs; tunnels' own TCP: $outer_cc =="
echo "== no VPN =="
ip -n "$I" route add 10.20.0.0/24 via 10.99.2.2
ip -n "$L" route add 10.20.0.0/24 via 10.99.1.1
ip -n "$N" route add 10.99.1.0/24 via 10.20.0.1
if bench_wait_for 10 lan_reachable; then measure "no VPN"; else not_up "no VPN" "no route"; fi
ip -n "$L" route del 10.20.0.0/24 via 10.99.1.1
ip -n "$N" route del 10.99.1.0/24 via 10.20.0.1

bench_pki

# mtlsvpn twice: TLS only (udp = off) and with the UDP data channel. The
# UDP row counts only once the client says its channel is up, so it never
# measures the TLS path under the UDP name.
udp_up() { ip netns exec "$L" "$build/mtlsvpn-client" status -c "$work/client.ini" 2>/dev/null | grep -q '^udp: *up'; }
for mode in tls udp; do
	name="mtlsvpn (TLS)"
	gwline="udp = off"
	if [ $mode = udp ]; then name="mtlsvpn (UDP)"; gwline="udp = on"; fi
	echo "== $name =="
	bench_mtlsvpn_ini 10.99.2.2:8443 "$id" "$gwline"
	ip netns exec "$G" "$build/mtlsvpn-server" -c "$work/server.ini" >"$work/server-$mode.log" 2>&1 &
	gw=$!
	pids+=("$gw")
	if bench_wait_for 10 listening t 8443; then
		ip netns exec "$L" "$build/mtlsvpn-client" -c "$work/client.ini" >"$work/client-$mode.log" 2>&1 &
		cpid=$!
		pids+=("$cpid")
		if ! bench_wait_for 20 lan_reachable; then
			not_up "$name" "LAN not reachable"
		elif [ $mode = udp ] && ! bench_wait_for 15 udp_up; then
			not_up "$name" "the UDP channel did not come up (it would measure TLS)"
		else
			measure "$name"
		fi
		bench_stop "$cpid"
	else
		not_up "$name" "gateway not listening"
	fi
	bench_stop "$gw"
done

if have ocserv && have openconnect; then
	bench_oc_script
	bench_ocserv_conf 10.99.2.2 "$id" "udp-port = 443"
	ip netns exec "$G" ocserv -f -c "$work/ocserv.conf" >"$work/ocserv.log" 2>&1 &
	osp=$!
	pids+=("$osp")
	if bench_wait_for 10 listening t 443; then
		for mode in dtls tls; do
			name="ocserv DTLS"
			extra=()
			if [ $mode = tls ]; then name="ocserv TLS only"; extra=(--no-dtls); fi
			echo "== $name (openconnect) =="
			log="$work/openconnect-$mode.log"
			ip netns exec "$L" openconnect --protocol=anyconnect --non-inter "${extra[@]}" -v \
				-c "$work/bench-user.crt" -k "$work/bench-user.key" --cafile "$work/ca/ca.crt" \
				--resolve=gw.bench:10.99.2.2 --script "$work/oc-script.sh" --interface "oc$id" \
				--reconnect-timeout 3 "https://gw.bench:443/" >"$log" 2>&1 &
			ocp=$!
			pids+=("$ocp")
			if ! bench_wait_for 20 lan_reachable; then
				not_up "$name" "LAN not reachable"
			elif [ $mode = dtls ] && ! bench_wait_for 15 grep -qi 'DTLS connected\|Established DTLS' "$log"; then
				not_up "$name" "DTLS did not come up (it would measure CSTP over TLS)"
			else
				measure "$name"
			fi
			bench_stop "$ocp"
		done
	else
		not_up "ocserv" "not listening"
	fi
	bench_stop "$osp"
fi

if have openvpn; then
	for proto in udp tcp; do
		name="OpenVPN $(echo $proto | tr a-z A-Z)"
		echo "== $name, AES-256-GCM =="
		bench_openvpn "$proto" 10.99.2.2
		if bench_wait_for 30 lan_reachable; then measure "$name"; else not_up "$name" "LAN not reachable"; fi
		bench_stop "$OVPN_CLIENT"
		bench_stop "$OVPN_SERVER"
	done
fi

bench_stop "$impair_pid"
echo
echo "== iperf3, 1 TCP flow, ${delay} ms each way + ${loss} % loss, median of $runs x $secs s; tunnels' TCP: $outer_cc =="
python3 - "$work/results" <<'PY'
import sys
rows = [l.rstrip("\n").split("|") for l in open(sys.argv[1])]
base = {cc: (float(u), float(d)) for n, cc, u, d in rows if n == "no VPN"}
def ratio(a, b):
    a = float(a)
    return "%.2f" % (a / b) if b == b and b > 0 and a == a else "n/a"
print("| system | inner cc | up Mbit/s | down Mbit/s | up / no VPN | down / no VPN |")
print("|---|---|---|---|---|---|")
for n, cc, u, d in rows:
    b = base.get(cc, (float("nan"),) * 2)
    print("| %s | %s | %s | %s | %s | %s |" % (n, cc, u, d, ratio(u, b[0]), ratio(d, b[1])))
PY
grep -h '^impair' "$work/impair.log" 2>/dev/null | sed 's/^/  /' || true
exit "$failed"
