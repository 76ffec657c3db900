#!/usr/bin/env bash
# What an EST request costs on the gateway (enroll = on), as curl sees it
# from a laptop namespace, one new TLS connection per request: cacerts (the
# anchor: a handshake and an answer from memory), simplereenroll (a
# handshake with a client certificate, the CRL and deny lists checked again,
# a round trip to the signer process: ECDSA signature, issued/ file and
# index written with fsync) and simpleenroll (a handshake without a
# certificate, the token redeemed under the CA lock and saved, then the
# same signing). Per round N requests of each, in turn; the figure is the
# median request time of all rounds, and its ratio to cacerts measured in
# the same rounds (absolute times move with the shared machine's load).
# Enrollments stay within the per-source limit: a round sends at most 8,
# and rounds are 9 s apart. Prints figures; asserts nothing.
#
#   laptop ns 10.99.1.2 --veth-- 10.99.1.1 gateway ns (mtlsvpn-server,
#   signer), made by bench_lap_gw (lib.sh) as for the other benchmarks
#
# Usage (root): tests/bench/bench_est.sh [--runs N] [--smoke]
set -euo pipefail

top=$(cd "$(dirname "$0")/../.." && pwd)
build=${MTLSVPN_BUILD_DIR:-$top/build}
runs=5
n=8
while [ $# -gt 0 ]; do
	case "$1" in
	--runs) runs=$2; shift ;;
	--smoke) runs=1; n=2 ;;
	*) echo "usage: $0 [--runs N] [--smoke]" >&2; exit 2 ;;
	esac
	shift
done
die() { echo "bench_est: $*" >&2; exit 1; }
[ "$(id -u)" -eq 0 ] || die "needs root (network namespaces)"
for b in mtlsvpn-server mtlsvpnctl; do
	[ -x "$build/$b" ] || die "$build/$b missing; set MTLSVPN_BUILD_DIR"
done
for c in curl openssl; do command -v "$c" >/dev/null || die "$c missing"; done

id=$$
L=mtve-lap-$id G=mtve-gw-$id
work=$(mktemp -d /tmp/mtlsvpn-bench-est.XXXXXX)
pids=()
. "$top/tests/bench/lib.sh"
cleanup() { bench_cleanup $? 20 "$L" "$G"; }
trap cleanup EXIT

bench_lap_gw
bench_pki
ca=$work/ca
"$build/mtlsvpnctl" ca crl --dir "$ca" >>"$work/ctl.log" 2>&1
tokens=()
for i in $(seq 1 $((runs * n))); do
	tokens+=("$("$build/mtlsvpnctl" ca token "dev$i" --dir "$ca" --ttl 2h 2>>"$work/ctl.log")")
done
chown -R daemon:daemon "$ca"
chmod 711 "$ca"
bench_mtlsvpn_ini 10.99.1.1:8443 "e$id" "enroll = on" "enroll_ca_dir = ca" "udp = off"
ip netns exec "$G" "$build/mtlsvpn-server" -c "$work/server.ini" >"$work/gateway.log" 2>&1 &
pids+=("$!")
bench_wait_for 10 grep -q 'gateway up' "$work/gateway.log" || die "the gateway did not start"

openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$work/new.key" \
	-subj /CN=x -outform DER 2>/dev/null | openssl base64 >"$work/req.b64"
url=https://gw.bench:8443/.well-known/est
# one KIND: the seconds one request of KIND took.
one() {
	local k=$1 i=${2:-0} args=()
	case "$k" in
	cacerts) args=("$url/cacerts") ;;
	renew) args=(--cert "$work/bench-user.crt" --key "$work/bench-user.key"
		-H 'Content-Type: application/pkcs10' --data-binary "@$work/req.b64"
		"$url/simplereenroll") ;;
	enroll) args=(-u "dev$i:${tokens[$((i - 1))]}" -H 'Content-Type: application/pkcs10'
		--data-binary "@$work/req.b64" "$url/simpleenroll") ;;
	esac
	ip netns exec "$L" curl -sS --max-time 10 --cacert "$ca/ca.crt" \
		--resolve gw.bench:8443:10.99.1.1 -o "$work/out" -w '%{http_code} %{time_total}\n' \
		"${args[@]}" | awk '$1 != 200 {print "HTTP " $1 > "/dev/stderr"; exit 1} {print $2}'
}

: >"$work/cacerts.t"
: >"$work/renew.t"
: >"$work/enroll.t"
tok=0
for r in $(seq 1 "$runs"); do
	[ "$r" -eq 1 ] || sleep 9
	for _ in $(seq 1 "$n"); do one cacerts >>"$work/cacerts.t"; done
	for _ in $(seq 1 "$n"); do one renew >>"$work/renew.t"; done
	for _ in $(seq 1 "$n"); do
		tok=$((tok + 1))
		one enroll "$tok" >>"$work/enroll.t"
	done
done
base=$(bench_median <"$work/cacerts.t")
printf 'load (1, 5, 15 min) at the end: %s\n' "$(cut -d' ' -f1-3 /proc/loadavg)"
printf '%-16s %10s %8s   (%d rounds of %d, one connection each)\n' request 'median ms' ratio \
	"$runs" "$n"
for k in cacerts renew enroll; do
	m=$(bench_median <"$work/$k.t")
	awk -v k="$k" -v m="$m" -v b="$base" \
		'BEGIN {printf "%-16s %10.2f %8.2f\n", k, m * 1000, m / b}'
done
