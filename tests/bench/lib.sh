# tests/bench/lib.sh - shell helpers the benchmark scripts share (sourced,
# not run): stopping processes by PID, bounded waits, one iperf3 run and a
# median, and the setup of each system the benches compare. The caller
# sets `work` (its scratch directory), `build`, `secs` (iperf3
# seconds) and `L`, `G` (the laptop and gateway namespaces).

# stop PID: SIGTERM, SIGKILL after 5 s; by PID only.
bench_stop() {
	local p=$1
	kill -TERM "$p" 2>/dev/null || true
	for _ in $(seq 50); do
		kill -0 "$p" 2>/dev/null || break
		sleep 0.1
	done
	kill -KILL "$p" 2>/dev/null || true
	wait "$p" 2>/dev/null || true
}

# bench_cleanup RC LINES NS...: the EXIT trap's work: stops every PID in
# $pids, shows the last LINES lines of each $work/*.log if RC is not 0,
# deletes the namespaces, removes $work (kept with KEEP_WORK=1), exits RC.
bench_cleanup() {
	local rc=$1 lines=$2 p f ns
	shift 2
	set +e
	for p in "${pids[@]}"; do bench_stop "$p"; done
	if [ "$rc" -ne 0 ]; then
		for f in "$work"/*.log; do
			[ -f "$f" ] || continue
			echo "---- $(basename "$f") (last $lines lines) ----" >&2
			tail -n "$lines" "$f" >&2
		done
	fi
	for ns in "$@"; do ip netns del "$ns" 2>/dev/null; done
	[ -n "${KEEP_WORK:-}" ] || rm -rf "$work"
	exit "$rc"
}

# bench_wait_for SECS CMD...: runs CMD every 0.05 s until it succeeds, at
# most SECS seconds; 1 if it never did.
bench_wait_for() {
	local secs=$1 end
	shift
	end=$(($(date +%s%N) / 1000000 + secs * 1000))
	while ! "$@" >/dev/null 2>&1; do
		[ $(($(date +%s%N) / 1000000)) -lt "$end" ] || return 1
		sleep 0.05
	done
}

# bench_iperf_try up|down DEST: one iperf3 TCP flow from the laptop namespace,
# congestion control $cc (cubic if unset); prints Mbit/s at the receiver, or nan.
bench_iperf_try() {
	local extra=()
	[ "$1" = down ] && extra=(-R)
	ip netns exec "$L" timeout $((secs + 20)) iperf3 -c "$2" -t "$secs" -C "${cc:-cubic}" -J "${extra[@]}" |
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

# As bench_iperf_try, with one retry if the first attempt fails to start.
bench_iperf_once() {
	local v
	v=$(bench_iperf_try "$@")
	[ "$v" = nan ] && v=$(bench_iperf_try "$@")
	echo "$v"
}

# The median of the numbers on stdin, one a line.
bench_median() { sort -n | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }

# bench_lap_gw: the laptop namespace $L and the gateway's $G, loopbacks up,
# joined by a veth pair: lap0 10.99.1.2/24 in $L, gwl0 10.99.1.1/24 in $G
# (the addresses most benchmarks give them). The caller names them after
# its PID and deletes them (bench_cleanup).
bench_lap_gw() {
	ip netns add "$G"
	ip -n "$G" link set lo up
	bench_spoke "$L" lap0 gwl0 10.99.1
}

# bench_spoke NS DEV GWDEV NET: namespace NS (made here, loopback up) joined
# to the gateway's $G by a veth pair: DEV NET.2/24 in NS, GWDEV NET.1/24 in
# $G.
bench_spoke() {
	ip netns add "$1"
	ip -n "$1" link set lo up
	ip link add "$2" netns "$1" type veth peer name "$3" netns "$G"
	ip -n "$1" addr add "$4.2/24" dev "$2"
	ip -n "$G" addr add "$4.1/24" dev "$3"
	ip -n "$1" link set "$2" up
	ip -n "$G" link set "$3" up
}

# bench_lan: the LAN namespace $N behind the gateway's $G: lan0
# 10.20.0.2/24 in $N, gwn0 10.20.0.1/24 in $G, forwarding on in $G, and
# the LAN's route to every tunnel pool (10.8.0.0/16) through the gateway.
bench_lan() {
	bench_spoke "$N" lan0 gwn0 10.20.0
	ip netns exec "$G" sysctl -qw net.ipv4.ip_forward=1
	ip -n "$N" route add 10.8.0.0/16 via 10.20.0.1
}

# bench_pki: a CA, the certificate gw.bench and the client bench-user in
# $work (mtlsvpnctl from $build).
bench_pki() {
	"$build/mtlsvpnctl" ca init --dir "$work/ca" --name "bench CA" >"$work/ctl.log" 2>&1
	"$build/mtlsvpnctl" ca issue-server gw.bench --dir "$work/ca" --out "$work" >>"$work/ctl.log" 2>&1
	"$build/mtlsvpnctl" ca issue-client bench-user --dir "$work/ca" --out "$work" >>"$work/ctl.log" 2>&1
}

# bench_mtlsvpn_ini ADDR:PORT SUFFIX [GATEWAY-LINE...]: $work/server.ini
# (pool 10.8.1.0/24, route 10.20.0.0/24, drops to nobody) and
# $work/client.ini for bench_pki's certificates; TUN names end in SUFFIX.
bench_mtlsvpn_ini() {
	local listen=$1 sfx=$2
	shift 2
	# The gateway drops to nobody once set up: it passes through this
	# directory and writes its lease file in its own.
	chmod 711 "$work"
	install -d -o nobody -g nogroup "$work/state"
	{
		cat <<INI
[gateway]
listen = $listen
ca = ca/ca.crt
cert = gw.bench.crt
key = gw.bench.key
tun = mtvb$sfx
control = none
user = nobody
lease_file = $work/state/leases
INI
		[ $# -eq 0 ] || printf '%s\n' "$@"
		printf '[pool]\nipv4 = 10.8.1.0/24\nroutes = 10.20.0.0/24\n'
	} >"$work/server.ini"
	cat >"$work/client.ini" <<INI
[client]
gateway = $listen
server_name = gw.bench
ca = ca/ca.crt
cert = bench-user.crt
key = bench-user.key
tun = mtvc$sfx
dns = none
state_dir = $work/client-state
INI
}

# bench_oc_script: $work/oc-script.sh, the vpnc-compatible script that puts
# openconnect's address, MTU and split-include routes on its TUN.
bench_oc_script() {
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
}

# bench_ocserv_conf HOST SUFFIX [LINE...]: $work/ocserv.conf, certificate
# auth on HOST:443 (TCP), pool 10.8.4.0/24, route 10.20.0.0/24; extra lines
# (e.g. udp-port) appended.
bench_ocserv_conf() {
	local host=$1 sfx=$2
	shift 2
	{
		cat <<CONF
auth = "certificate"
listen-host = $host
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
auth-timeout = 240
cookie-timeout = 300
rekey-time = 172800
use-occtl = false
pid-file = $work/ocserv.pid
device = vpns$sfx
predictable-ips = true
ipv4-network = 10.8.4.0
ipv4-netmask = 255.255.255.0
route = 10.20.0.0/24
mtu = 1400
ping-leases = false
cisco-client-compat = true
CONF
		[ $# -eq 0 ] || printf '%s\n' "$@"
	} >"$work/ocserv.conf"
}

# bench_openvpn udp|tcp GW-ADDR: an OpenVPN 2.6 server in $G on GW-ADDR:1194
# (AES-256-GCM, TLS 1.3, pool 10.8.2.0/24 pushing 10.20.0.0/24) and its
# client in $L; sets OVPN_SERVER and OVPN_CLIENT to their PIDs (also in pids).
bench_openvpn() {
	local proto=$1 addr=$2 sproto=udp
	[ "$proto" = tcp ] && sproto=tcp-server
	ip netns exec "$G" openvpn --dev tun --dev-type tun --topology subnet --proto "$sproto" \
		--port 1194 --local "$addr" --server 10.8.2.0 255.255.255.0 \
		--push "route 10.20.0.0 255.255.255.0" --ca "$work/ca/ca.crt" --cert "$work/gw.bench.crt" \
		--key "$work/gw.bench.key" --dh none --data-ciphers AES-256-GCM --verb 1 \
		--tls-version-min 1.3 >"$work/ovpn-s-$proto.log" 2>&1 &
	OVPN_SERVER=$!
	pids+=("$OVPN_SERVER")
	sleep 1
	ip netns exec "$L" openvpn --client --dev tun --proto "$proto" --remote "$addr" 1194 \
		--ca "$work/ca/ca.crt" --cert "$work/bench-user.crt" --key "$work/bench-user.key" \
		--data-ciphers AES-256-GCM --verify-x509-name gw.bench name --nobind --verb 1 \
		>"$work/ovpn-c-$proto.log" 2>&1 &
	OVPN_CLIENT=$!
	pids+=("$OVPN_CLIENT")
}
