#!/usr/bin/env bash
# Reconnect cost, full handshake vs TLS 1.3 resumption, side by side in one
# run: the time from connect() until the gateway's CONFIG arrives (what a
# laptop waits for after a network change) and the gateway's CPU time per
# reconnect (/proc/PID/schedstat), for a P-256 and an RSA-3072 client
# certificate. The client is a small Python ssl loop in the laptop's
# namespace that reconnects 2N times, offering the previous connection's
# session (resumed) or none (full) in turn. Reports medians and the
# resumed/full ratio; absolute numbers alone mean little on a shared
# machine.
#
#   laptop ns --veth-- gateway ns
#
# Usage (root): tests/bench/bench_reconnect.sh [--count N]
set -euo pipefail

top=$(cd "$(dirname "$0")/../.." && pwd)
build=${MTLSVPN_BUILD_DIR:-$top/build}
# shellcheck source=lib.sh
. "$top/tests/bench/lib.sh"
count=200
while [ $# -gt 0 ]; do
	case "$1" in
	--count) count=$2; shift ;;
	*) echo "usage: $0 [--count N]" >&2; exit 2 ;;
	esac
	shift
done
[ "$(id -u)" -eq 0 ] || { echo "bench_reconnect: needs root (network namespaces)" >&2; exit 1; }
for b in mtlsvpn-server mtlsvpnctl; do
	[ -x "$build/$b" ] || { echo "bench_reconnect: $build/$b missing; run packaging/setup.sh" >&2; exit 1; }
done
command -v python3 >/dev/null || { echo "bench_reconnect: python3 missing" >&2; exit 1; }

id=$$
L=mtvr-lap-$id G=mtvr-gw-$id
work=$(mktemp -d /tmp/mtlsvpn-bench-reconnect.XXXXXX)
gw_pid=

cleanup() {
	if [ -n "$gw_pid" ]; then
		kill "$gw_pid" 2>/dev/null || true
		wait "$gw_pid" 2>/dev/null || true
	fi
	ip netns del "$L" 2>/dev/null || true
	ip netns del "$G" 2>/dev/null || true
	rm -rf "$work"
}
trap cleanup EXIT

bench_lap_gw

"$build/mtlsvpnctl" ca init --dir "$work/ca" --name "bench CA" >/dev/null
"$build/mtlsvpnctl" ca issue-server gw.bench --dir "$work/ca" --out "$work" >/dev/null
"$build/mtlsvpnctl" ca issue-client bench-p256 --key-type ec --dir "$work/ca" --out "$work" >/dev/null
"$build/mtlsvpnctl" ca issue-client bench-rsa3072 --key-type rsa --dir "$work/ca" --out "$work" >/dev/null

# The gateway drops to nobody once set up: it passes through this
# directory and writes its lease file in its own.
chmod 711 "$work"
install -d -o nobody -g nogroup "$work/state"
cat >"$work/server.ini" <<INI
[gateway]
listen = 10.99.1.1:8443
ca = ca/ca.crt
cert = gw.bench.crt
key = gw.bench.key
tun = mtvr$id
control = none
user = nobody
lease_file = state/leases
max_handshakes_per_source = 256
[pool]
ipv4 = 10.8.0.0/24
INI
ip netns exec "$G" "$build/mtlsvpn-server" -c "$work/server.ini" >"$work/gateway.log" 2>&1 &
gw_pid=$!
for _ in $(seq 100); do
	ip netns exec "$G" ss -Hltn "sport = :8443" | grep -q LISTEN && break
	sleep 0.1
done
ip netns exec "$G" ss -Hltn "sport = :8443" | grep -q LISTEN ||
	{ echo "bench_reconnect: the gateway is not listening:" >&2; cat "$work/gateway.log" >&2; exit 1; }

# Full and resumed reconnects alternate, so load from elsewhere on the
# machine weighs on both alike. The gateway's CPU time comes from
# /proc/PID/schedstat (nanoseconds on the CPU), read before each
# connection: each reconnect is charged with what the gateway did until the
# next one began (its teardown included).
cat >"$work/reconnect.py" <<'PY'
import socket, ssl, struct, sys, time
host, ca, cert, key, count, gw, out = sys.argv[1:8]
count = int(count)
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
ctx.minimum_version = ssl.TLSVersion.TLSv1_3
ctx.load_verify_locations(ca)
ctx.set_alpn_protocols(["mtlsvpn/1"])
ctx.load_cert_chain(cert, key)

def gw_cpu_ns():
    with open("/proc/%s/schedstat" % gw) as f:
        return int(f.read().split()[0])

def until_config(s, deadline):
    buf = b""
    while time.monotonic() < deadline:
        d = s.recv(65536)
        if not d:
            raise SystemExit("the gateway closed the connection")
        buf += d
        while len(buf) >= 4:
            _, typ, n = struct.unpack("!BBH", buf[:4])
            if len(buf) < 4 + n:
                break
            if typ == 2:  # CONFIG: the session is up
                return
            buf = buf[4 + n:]
    raise SystemExit("no CONFIG within 10 s")

session, rows, prev = None, [], None
# Two warm-up connections, then full and resumed in turn.
for i in range(2 * count + 3):
    mode = "resumed" if i % 2 else "full"
    c0 = gw_cpu_ns()
    if prev is not None:
        prev[2] = (c0 - prev[2]) / 1e6
        rows.append(prev)
    t0 = time.monotonic()
    raw = socket.create_connection((host, 8443), timeout=10)
    s = ctx.wrap_socket(raw, server_hostname="gw.bench",
                        session=session if mode == "resumed" else None)
    until_config(s, t0 + 10)
    ms = (time.monotonic() - t0) * 1000
    prev = [mode, ms, c0, 1 if s.session_reused else 0] if i >= 2 else None
    session = s.session
    s.close()
with open(out, "w") as f:
    for m, ms, cpu, r in rows:
        f.write("%s %.3f %.3f %d\n" % (m, ms, cpu, r))
PY

median() { sort -n | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }
# col FILE MODE N: column N of MODE's rows.
col() { awk -v m="$2" -v n="$3" '$1 == m {print $n}' "$1"; }

echo "== reconnect: full handshake vs resumed ($count of each, alternating; medians) =="
printf '  %-10s %9s %11s %10s %12s %7s %7s\n' "client key" "full ms" "resumed ms" "full CPU" \
	"resumed CPU" "time x" "CPU x"
for who in bench-p256 bench-rsa3072; do
	ip netns exec "$L" timeout 900 python3 "$work/reconnect.py" 10.99.1.1 "$work/ca/ca.crt" \
		"$work/$who.crt" "$work/$who.key" "$count" "$gw_pid" "$work/$who.out" ||
		{ echo "bench_reconnect: $who failed" >&2; tail -n 5 "$work/gateway.log" >&2; exit 1; }
	fr=$(col "$work/$who.out" full 4 | awk '{s += $1} END {print s + 0}')
	rr=$(col "$work/$who.out" resumed 4 | awk '{s += $1} END {print s + 0}')
	[ "$fr" -eq 0 ] || { echo "bench_reconnect: $fr full handshakes resumed" >&2; exit 1; }
	[ "$rr" -eq "$count" ] ||
		{ echo "bench_reconnect: only $rr of $count reconnects resumed" >&2; exit 1; }
	fm=$(col "$work/$who.out" full 2 | median)
	rm=$(col "$work/$who.out" resumed 2 | median)
	fc=$(col "$work/$who.out" full 3 | median)
	rc=$(col "$work/$who.out" resumed 3 | median)
	printf '  %-10s %9.2f %11.2f %10.2f %12.2f %7s %7s\n' "${who#bench-}" "$fm" "$rm" "$fc" "$rc" \
		"$(awk -v a="$rm" -v b="$fm" 'BEGIN {printf "%.2f", a / b}')" \
		"$(awk -v a="$rc" -v b="$fc" 'BEGIN {printf "%.2f", a / b}')"
done
echo "  (CPU: gateway ms on the CPU per reconnect; x: resumed / full)"
