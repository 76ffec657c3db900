#!/usr/bin/env bash
# Every benchmark once, in its smallest form, to check that each harness
# still works (CI runs this). A benchmark passes if it exits 0 within its
# time bound and prints its figures; the figures themselves are not judged
# (one short run on a shared machine says nothing about speed, and timing
# assertions do not belong in tests). Needs root (namespaces) and the
# build of tests/run.sh; installs the anchor it needs (ocserv) without
# starting its service.
#
# Usage (root): tests/bench/smoke.sh
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
build=${MTLSVPN_BUILD_DIR:-$top/build}
export MTLSVPN_BUILD_DIR=$build

die() { echo "bench smoke: $*" >&2; exit 1; }
[ "$(id -u)" -eq 0 ] || die "run as root: the benchmarks create network namespaces"
[ -x "$build/mtlsvpn-server" ] || die "no build in $build: run tests/run.sh first"

# ocserv, the anchor of bench_openconnect. Its package would start the
# service: a policy-rc.d of our own (Debian's way, exit 101) stops that.
if ! command -v ocserv >/dev/null; then
	made_policy=0
	if [ ! -e /usr/sbin/policy-rc.d ]; then
		printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d
		chmod 755 /usr/sbin/policy-rc.d
		made_policy=1
	fi
	export DEBIAN_FRONTEND=noninteractive
	apt-get install -y -q --no-install-recommends ocserv >/dev/null ||
		{ apt-get update -q >/dev/null && apt-get install -y -q --no-install-recommends ocserv >/dev/null; } ||
		echo "bench smoke: apt-get install ocserv failed" >&2
	[ $made_policy -eq 0 ] || rm -f /usr/sbin/policy-rc.d
	command -v ocserv >/dev/null || die "ocserv is missing and could not be installed"
fi

log=$(mktemp /tmp/mtlsvpn-bench-smoke.XXXXXX)
before=$(mktemp /tmp/mtlsvpn-bench-smoke.XXXXXX)
trap 'rm -f "$log" "$before"' EXIT
ip netns list | awk '{print $1}' | sort >"$before"

# run NAME SECONDS PATTERN COMMAND...: the command within SECONDS, exit 0,
# and a line matching PATTERN (the figures) in what it printed.
run() {
	local name=$1 secs=$2 pattern=$3 t0 rc=0
	shift 3
	t0=$(date +%s)
	timeout --kill-after=10 "$secs" "$@" >"$log" 2>&1 || rc=$?
	if [ $rc -ne 0 ] || ! grep -Eq "$pattern" "$log"; then
		tail -n 40 "$log" >&2
		[ $rc -eq 124 ] && die "$name: still running after $secs s"
		[ $rc -ne 0 ] && die "$name: exit status $rc"
		die "$name: no line matching /$pattern/ in its output"
	fi
	echo "$name: ok in $(($(date +%s) - t0)) s: $(grep -E "$pattern" "$log" | head -n 1 | sed 's/^ *//')"
}

b=$top/tests/bench
run bench_acl 120 '^100 +none +[0-9.]+ +[0-9.]+$' "$build/tests/bench_acl"
run bench_crypto 300 'optimized / system: handshakes x[0-9.]+' "$b/bench_crypto.sh" 20 16
run bench_tunnel 240 'vs no VPN +up x[0-9.]+ +down x[0-9.]+' \
	"$b/bench_tunnel.sh" --runs 1 --seconds 1 --no-openvpn
run bench_latency 120 'added idle rtt +median [0-9.]+ ms' "$b/bench_latency.sh" --count 20
run bench_openconnect 180 'ratio mtlsvpn / ocserv +x[0-9.]+ +x[0-9.]+' \
	"$b/bench_openconnect.sh" --smoke
run bench_reconnect 120 '^ +p256 +[0-9.]+ +[0-9.]+' "$b/bench_reconnect.sh" --count 3
run bench_sessions 240 'full handshakes per gateway core-second: [0-9]+' \
	"$b/bench_sessions.sh" --quick
run bench_est 120 '^enroll +[0-9.]+ +[0-9.]+$' "$b/bench_est.sh" --smoke
run bench_lossy 300 '^\| no VPN \| cubic \| [0-9]+ \| [0-9]+ ' "$b/bench_lossy.sh" --smoke
# Nothing of theirs stays behind: a namespace that appeared meanwhile and
# whose name ends in the PID of a process that is gone (every benchmark
# names its namespaces after its PID; one of a live process belongs to
# something else running on this machine).
left=
for ns in $(ip netns list | awk '{print $1}' | sort | comm -13 "$before" -); do
	pid=${ns##*-}
	case "$pid" in '' | *[!0-9]*) left="$left $ns"; continue ;; esac
	kill -0 "$pid" 2>/dev/null || left="$left $ns"
done
[ -z "$left" ] || die "network namespaces left behind:$left"
