#!/usr/bin/env bash
# mtlsvpn quickstart: a whole VPN on this machine in about 20 seconds, inside
# network namespaces it creates and removes again (nothing touches the
# machine's own network):
#
#   alice's laptop (192.0.2.10) --+
#                                 +-- gateway (192.0.2.1 | 10.20.0.1) --- internal host (10.20.0.2)
#   bob's laptop   (192.0.2.11) --+
#
# It builds the project (packaging/setup.sh), makes a certificate authority,
# a gateway certificate and two employee certificates, and starts the
# gateway with two groups: engineering (alice) may use the internal web
# server, sales (bob) may only ping. Both connect; side by side, alice's
# download works and bob's is stopped by the gateway. Then alice's
# certificate is revoked while she is connected: her tunnel closes at once
# and she cannot get back in. The gateway's log lines are shown throughout.
# Exit status: 0 if every step worked, 1 at the first that did not.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
build=${MTLSVPN_BUILD_DIR:-$top/build}
id=$$
A=mtvq-alice-$id B=mtvq-bob-$id G=mtvq-gateway-$id N=mtvq-internal-$id
work=$(mktemp -d /tmp/mtlsvpn-quickstart.XXXXXX)
pids=()

step() { printf '\n\033[1m==> %s\033[0m\n' "$*"; }
info() { printf '    %s\n' "$*"; }
die() {
	printf '\n\033[31mquickstart failed: %s\033[0m\n' "$*" >&2
	for f in "$work"/*.log; do
		[ -f "$f" ] && { echo "--- $(basename "$f") ---" >&2; tail -n 15 "$f" >&2; }
	done
	exit 1
}

cleanup() {
	local p
	set +e
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
	for p in "${pids[@]}"; do
		for _ in $(seq 30); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
		kill -9 "$p" 2>/dev/null
		wait "$p" 2>/dev/null
	done
	for ns in "$A" "$B" "$G" "$N"; do ip netns del "$ns" 2>/dev/null; done
	rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# waits up to $1 seconds for the command to succeed
wait_for() {
	local n=$(($1 * 10))
	shift
	while ! "$@" >/dev/null 2>&1; do
		n=$((n - 1))
		[ $n -gt 0 ] || return 1
		sleep 0.1
	done
}
listening() { ip netns exec "$1" ss -Hltn "sport = :$2" | grep LISTEN >/dev/null; }

[ "$(id -u)" -eq 0 ] || die "run me as root: I create network namespaces and TUN devices"

step "Setting up: Debian packages, a fast wolfSSL and the build (only slow the first time)"
"$top/packaging/setup.sh" --build-dir "$build" | sed 's/^/    /'
ctl=$build/mtlsvpnctl
"$build/mtlsvpn-server" --version | sed 's/^/    /'

step "Creating network namespaces: two laptops, the VPN gateway and an internal host"
for ns in "$A" "$B" "$G" "$N"; do ip netns add "$ns"; ip -n "$ns" link set lo up; done
ip -n "$G" link add br0 type bridge
ip -n "$G" addr add 192.0.2.1/24 dev br0
ip -n "$G" link set br0 up
n=10
for ns in "$A" "$B"; do
	ip link add eth0 netns "$ns" type veth peer name "lap$n" netns "$G"
	ip -n "$ns" addr add "192.0.2.$n/24" dev eth0
	ip -n "$ns" link set eth0 up
	ip -n "$G" link set "lap$n" master br0
	ip -n "$G" link set "lap$n" up
	n=$((n + 1))
done
ip link add eth0 netns "$N" type veth peer name lan0 netns "$G"
ip -n "$G" addr add 10.20.0.1/24 dev lan0
ip -n "$N" addr add 10.20.0.2/24 dev eth0
ip -n "$G" link set lan0 up; ip -n "$N" link set eth0 up
ip netns exec "$G" sysctl -qw net.ipv4.ip_forward=1
ip -n "$N" route add 10.8.0.0/16 via 10.20.0.1
info "alice 192.0.2.10, bob 192.0.2.11  ->  gateway 192.0.2.1 / 10.20.0.1  ->  internal host 10.20.0.2"
info "the laptops have no route to 10.20.0.0/24: only the VPN can get them there"
if ip netns exec "$A" ping -c 1 -W 1 10.20.0.2 >/dev/null 2>&1; then
	die "a laptop reaches the internal host without the VPN; the demo would prove nothing"
fi

step "Making a certificate authority and certificates with mtlsvpnctl"
"$ctl" ca init --dir "$work/ca" --name "Example Corp VPN CA" | sed 's/^/    /' || die "ca init"
"$ctl" ca issue-server gw.example.test --dir "$work/ca" --out "$work" | sed 's/^/    /' ||
	die "ca issue-server"
for who in alice bob; do
	"$ctl" ca issue-client "$who@example.test" --dir "$work/ca" --out "$work" | sed 's/^/    /' ||
		die "ca issue-client $who"
done
"$ctl" ca crl --dir "$work/ca" | sed 's/^/    /' || die "ca crl"
info "each certificate is its owner's identity: $(openssl x509 -in "$work/alice@example.test.crt" -noout -subject)"

step "Starting the gateway: two groups with their own pools and access rules"
# Once set up, the gateway gives root up: here it becomes nobody (a package
# install makes the user mtlsvpn), which must be able to pass through this
# directory, re-read server.ini and the CRL, and write its lease file.
chmod 711 "$work" "$work/ca"
chmod 644 "$work/server.ini" 2>/dev/null || true
install -d -o nobody -g nogroup "$work/state"
cat >"$work/server.ini" <<INI
[gateway]
listen = 192.0.2.1:8443
ca = ca/ca.crt
cert = gw.example.test.crt
key = gw.example.test.key
crl = ca/crl.pem
control = $work/control
user = nobody
lease_file = $work/state/leases
default_group = deny

[group engineering]
ipv4 = 10.8.1.0/24
routes = 10.20.0.0/24
members = alice@example.test
rule10 = allow dst host 10.20.0.2 and tcp dst port 8080
rule20 = allow icmp

[group sales]
ipv4 = 10.8.2.0/24
routes = 10.20.0.0/24
members = bob@example.test
rule10 = allow icmp
INI
sed -n '/^\[group/,$p' "$work/server.ini" | sed 's/^/    server.ini| /'
info "anyone else is refused (default_group = deny); the CA's revocation list ca/crl.pem is enforced"
ip netns exec "$G" "$build/mtlsvpn-server" -c "$work/server.ini" >"$work/gateway.log" 2>&1 &
gwpid=$!
pids+=($gwpid)
wait_for 10 listening "$G" 8443 || die "the gateway did not start listening"
grep "gateway up" "$work/gateway.log" | sed 's/^/    gateway| /'

step "Starting alice's and bob's VPN clients on their laptops"
declare -A cpid
for who in alice bob; do
	ns=$A
	[ $who = bob ] && ns=$B
	cat >"$work/$who.ini" <<INI
[client]
gateway = 192.0.2.1:8443
server_name = gw.example.test
ca = ca/ca.crt
cert = $who@example.test.crt
key = $who@example.test.key
dns = none
# Each laptop's undo journal here (both tunnels are mtlsvpn0 in their own
# namespace); on a real laptop it is /run/mtlsvpn.
state_dir = $work/client-state-$who
INI
	t0=$(date +%s%N)
	ip netns exec "$ns" "$build/mtlsvpn-client" -c "$work/$who.ini" >"$work/$who.log" 2>&1 &
	cpid[$who]=$!
	pids+=($!)
	wait_for 15 ip netns exec "$ns" ping -c 1 -W 1 10.20.0.2 || die "no traffic through $who's tunnel"
	t1=$(date +%s%N)
	grep "connected to" "$work/$who.log" | sed "s/^/    $who | /"
	info "$who: first reply through the tunnel $(((t1 - t0) / 1000000)) ms after her/his client started"
done
grep "session up" "$work/gateway.log" | sed 's/^/    gateway| /'

step "Side by side: both may ping the internal host"
for who in alice bob; do
	ns=$A
	[ $who = bob ] && ns=$B
	printf '    %-6s ' "$who:"
	ip netns exec "$ns" ping -c 3 -i 0.2 -q 10.20.0.2 | grep 'packets transmitted' || die "$who's ping failed"
done

step "Side by side: a download from the internal web server (only engineering may)"
mkdir -p "$work/www"
head -c 20M /dev/urandom >"$work/www/report.bin"
ip netns exec "$N" python3 -m http.server --bind 10.20.0.2 --directory "$work/www" 8080 \
	>"$work/http.log" 2>&1 &
pids+=($!)
wait_for 10 listening "$N" 8080 || die "web server"
ip netns exec "$A" curl -sS -o "$work/got.bin" \
	-w '    alice: %{size_download} bytes in %{time_total} s (%{speed_download} bytes/s)\n' \
	http://10.20.0.2:8080/report.bin || die "alice's download failed"
[ "$(sha256sum <"$work/got.bin")" = "$(sha256sum <"$work/www/report.bin")" ] || die "the download is corrupt"
info "alice: checksum matches"
if ip netns exec "$B" curl -sS --max-time 3 -o /dev/null http://10.20.0.2:8080/report.bin 2>"$work/bob-curl.err"; then
	die "bob (sales) reached the web server: the access rules did not hold"
fi
info "bob:   $(cat "$work/bob-curl.err")  <- the gateway dropped it: sales may only ping"
kill -USR1 "$gwpid"
wait_for 5 grep -q 'session status: .*identity="bob@example.test"' "$work/gateway.log" ||
	die "no status line for bob"
grep 'session status: .*identity="bob@example.test"' "$work/gateway.log" | tail -n 1 |
	grep -o 'identity=.*drop_acl=[0-9]*' | sed 's/^/    gateway| /' ||
	grep 'session status: .*identity="bob@example.test"' "$work/gateway.log" | tail -n 1 | sed 's/^/    gateway| /'

step "Revoking alice's certificate while she is connected"
info "mtlsvpnctl ca revoke rewrites the CRL; the gateway sees the file change and closes her tunnel at once"
t0=$(date +%s%N)
"$ctl" ca revoke alice@example.test --reason keyCompromise --dir "$work/ca" | sed 's/^/    /' ||
	die "ca revoke"
set +e
for _ in $(seq 50); do kill -0 "${cpid[alice]}" 2>/dev/null || break; sleep 0.1; done
wait "${cpid[alice]}"
rc=$?
set -e
t1=$(date +%s%N)
[ "$rc" -eq 1 ] || die "alice's client should have stopped with status 1 after the revocation (got $rc)"
info "the tunnel closed $(((t1 - t0) / 1000000)) ms after the revoke command started"
grep -h "session revoked\|session down" "$work/gateway.log" | sed 's/^/    gateway| /'
grep "certificate revoked" "$work/alice.log" | tail -n 1 | sed 's/^/    alice | /'
if ip -n "$A" link show mtlsvpn0 >/dev/null 2>&1; then die "alice's client left its TUN behind"; fi
info "alice's client removed its TUN interface and routes, and told her why"
info "alice tries again:"
set +e
timeout 15 ip netns exec "$A" "$build/mtlsvpn-client" -c "$work/alice.ini" >"$work/alice2.log" 2>&1
rc=$?
set -e
[ "$rc" -eq 1 ] || die "a revoked certificate got in again (status $rc)"
grep "certificate revoked" "$work/alice2.log" | tail -n 1 | sed 's/^/    alice | /'
ip netns exec "$B" ping -c 1 -W 2 -q 10.20.0.2 >/dev/null || die "bob lost his tunnel"
info "bob is still connected"

step "Done: everything worked. Removing the namespaces."
