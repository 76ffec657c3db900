#!/usr/bin/env bash
# mtlsvpn quickstart: a whole VPN on this machine in about 20 seconds, inside
# network namespaces it creates and removes again (nothing touches the
# machine's own network):
#
#   laptop (192.0.2.10) --- gateway (192.0.2.1 | 10.20.0.1) --- internal host (10.20.0.2)
#
# It builds the project (packaging/setup.sh), makes a certificate authority,
# a gateway certificate and an employee certificate, starts the gateway and
# the client, uses the tunnel (ping and an HTTP download from the internal
# host), revokes the employee's certificate while she is connected (her
# tunnel closes at once, and she cannot get back in), shows the session as
# the gateway logs it, and cleans up.
# Exit status: 0 if every step worked, 1 at the first that did not.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
build=${MTLSVPN_BUILD_DIR:-$top/build}
id=$$
L=mtvq-laptop-$id G=mtvq-gateway-$id N=mtvq-internal-$id
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
	ip netns del "$L" 2>/dev/null
	ip netns del "$G" 2>/dev/null
	ip netns del "$N" 2>/dev/null
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

[ "$(id -u)" -eq 0 ] || die "run me as root: I create network namespaces and TUN devices"

step "Setting up: Debian packages, a fast wolfSSL and the build (only slow the first time)"
"$top/packaging/setup.sh" --build-dir "$build" | sed 's/^/    /'
ctl=$build/mtlsvpnctl
"$build/mtlsvpn-server" --version | sed 's/^/    /'

step "Creating three network namespaces: a laptop, the VPN gateway and an internal host"
ip netns add "$L"; ip netns add "$G"; ip netns add "$N"
ip link add eth0 netns "$L" type veth peer name laptop0 netns "$G"
ip link add eth0 netns "$N" type veth peer name lan0 netns "$G"
ip -n "$L" addr add 192.0.2.10/24 dev eth0
ip -n "$G" addr add 192.0.2.1/24 dev laptop0
ip -n "$G" addr add 10.20.0.1/24 dev lan0
ip -n "$N" addr add 10.20.0.2/24 dev eth0
for ns in "$L" "$G" "$N"; do ip -n "$ns" link set lo up; done
ip -n "$L" link set eth0 up; ip -n "$N" link set eth0 up
ip -n "$G" link set laptop0 up; ip -n "$G" link set lan0 up
ip netns exec "$G" sysctl -qw net.ipv4.ip_forward=1
ip -n "$N" route add 10.8.0.0/24 via 10.20.0.1
info "laptop 192.0.2.10  ->  gateway 192.0.2.1 / 10.20.0.1  ->  internal host 10.20.0.2"
info "the laptop has no route to 10.20.0.0/24: only the VPN can get it there"
if ip netns exec "$L" ping -c 1 -W 1 10.20.0.2 >/dev/null 2>&1; then
	die "the laptop reaches the internal host without the VPN; the demo would prove nothing"
fi

step "Making a certificate authority and certificates with mtlsvpnctl"
"$ctl" ca init --dir "$work/ca" --name "Example Corp VPN CA" | sed 's/^/    /' || die "ca init"
"$ctl" ca issue-server gw.example.test --dir "$work/ca" --out "$work" | sed 's/^/    /' ||
	die "ca issue-server"
"$ctl" ca issue-client alice@example.test --dir "$work/ca" --out "$work" | sed 's/^/    /' ||
	die "ca issue-client"
crt=$(ls "$work"/alice*.crt | head -n 1)
key=${crt%.crt}.key
info "alice's certificate is her identity: $(openssl x509 -in "$crt" -noout -subject)"

step "Starting the gateway in its namespace"
cat >"$work/server.ini" <<INI
[gateway]
listen = 192.0.2.1:8443
ca = ca/ca.crt
cert = gw.example.test.crt
key = gw.example.test.key
crl = ca/crl.pem
[pool]
ipv4 = 10.8.0.0/24
routes = 10.20.0.0/24
INI
"$ctl" ca crl --dir "$work/ca" | sed 's/^/    /' || die "ca crl"
info "server.ini: listen on 192.0.2.1:8443, hand out 10.8.0.0/24, push a route to 10.20.0.0/24,"
info "            enforce the CA's revocation list ca/crl.pem"
ip netns exec "$G" "$build/mtlsvpn-server" -c "$work/server.ini" >"$work/gateway.log" 2>&1 &
pids+=($!)
wait_for 10 sh -c "ip netns exec $G ss -Hltn 'sport = :8443' | grep -q LISTEN" ||
	die "the gateway did not start listening"
sed 's/^/    gateway| /' "$work/gateway.log"

step "Starting alice's VPN client on the laptop"
cat >"$work/client.ini" <<INI
[client]
gateway = 192.0.2.1:8443
server_name = gw.example.test
ca = ca/ca.crt
cert = $(basename "$crt")
key = $(basename "$key")
dns = none
INI
t0=$(date +%s%N)
ip netns exec "$L" "$build/mtlsvpn-client" -c "$work/client.ini" >"$work/client.log" 2>&1 &
cpid=$!
pids+=($cpid)
wait_for 15 ip netns exec "$L" ping -c 1 -W 1 10.20.0.2 || die "no traffic through the tunnel"
t1=$(date +%s%N)
sed 's/^/    client | /' "$work/client.log"
info "first reply through the tunnel $(((t1 - t0) / 1000000)) ms after the client started"

step "Using the tunnel: ping the internal host"
ip netns exec "$L" ping -c 3 -i 0.2 10.20.0.2 | sed 's/^/    /' || die "ping failed"

step "Using the tunnel: download a file over HTTP from the internal host"
mkdir -p "$work/www"
head -c 20M /dev/urandom >"$work/www/report.bin"
ip netns exec "$N" python3 -m http.server --bind 10.20.0.2 --directory "$work/www" 8080 \
	>"$work/http.log" 2>&1 &
pids+=($!)
wait_for 10 sh -c "ip netns exec $N ss -Hltn 'sport = :8080' | grep -q LISTEN" || die "web server"
ip netns exec "$L" curl -sS -o "$work/got.bin" -w '    %{size_download} bytes in %{time_total} s (%{speed_download} bytes/s)\n' \
	http://10.20.0.2:8080/report.bin || die "download failed"
[ "$(sha256sum <"$work/got.bin")" = "$(sha256sum <"$work/www/report.bin")" ] || die "the download is corrupt"
info "checksum matches"

step "Revoking alice's certificate while she is connected"
info "mtlsvpnctl ca revoke rewrites the CRL; the gateway sees the file change and closes her tunnel at once"
t0=$(date +%s%N)
"$ctl" ca revoke alice@example.test --reason keyCompromise --dir "$work/ca" | sed 's/^/    /' ||
	die "ca revoke"
set +e
for _ in $(seq 50); do kill -0 "$cpid" 2>/dev/null || break; sleep 0.1; done
wait "$cpid"
rc=$?
set -e
t1=$(date +%s%N)
[ "$rc" -eq 1 ] || die "the client should have stopped with status 1 after the revocation (got $rc)"
info "the tunnel closed $(((t1 - t0) / 1000000)) ms after the revoke command started"
grep -h "session up\|session down\|revoked" "$work/gateway.log" | sed 's/^/    gateway| /'
grep "certificate revoked" "$work/client.log" | tail -n 1 | sed 's/^/    client | /'
if ip -n "$L" link show mtlsvpn0 >/dev/null 2>&1; then die "the client left its TUN behind"; fi
info "the client removed its TUN interface and routes, and told alice why"
info "alice tries again:"
set +e
timeout 15 ip netns exec "$L" "$build/mtlsvpn-client" -c "$work/client.ini" >"$work/client2.log" 2>&1
rc=$?
set -e
[ "$rc" -eq 1 ] || die "a revoked certificate got in again (status $rc)"
grep "certificate revoked" "$work/client2.log" | tail -n 1 | sed 's/^/    client | /'

step "Done: everything worked. Removing the namespaces."
