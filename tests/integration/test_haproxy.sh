#!/usr/bin/env bash
# Two gateways behind Debian's HAProxy in TCP mode (send-proxy-v2,
# roundrobin, health checks on GET /healthz): clients spread over both; each
# gateway sees the clients' real addresses (PROXY v2) and leases from its own
# pool_slice, routed back by the LAN; revoking a certificate in the shared CRL
# closes its session on whichever gateway it lives; kill -9 of one gateway
# puts its clients back through the other, with addresses from the other
# slice, within dead_peer_timeout and a few seconds; mtlsvpnctl drain of the
# other (its /healthz 503) moves all clients back to the first, with
# addresses from its slice, and the drained gateway exits 0. Then full
# handshakes a second through HAProxy and direct.
#
#   laptops 192.0.2.(10+N) --br0-- mtv-lb-PID (HAProxy 192.0.2.1:8443,
#   10.30.0.1) --br1-- gw1 mtv-gw-PID 10.30.0.11 / gw2 mtv-gw2-PID 10.30.0.12
#   --br0-- mtv-lan-PID 10.20.0.2 (10.8.0.0/25 via gw1, 10.8.0.128/25 via gw2)
. "$(dirname "$0")/lib.sh"

command -v haproxy >/dev/null || fail "haproxy is not installed (Debian package haproxy)"

NCLIENTS=${MTLSVPN_HAPROXY_CLIENTS:-20}
DEAD_PEER=6 # keepalive 2, dead_peer_timeout 6
H=mtv-lb-$ID
G2=mtv-gw2-$ID
GWNS=([1]="$G" [2]="$G2")
GWPID=()
LAPS+=("$H" "$G2") # deleted by the cleanup with the others
now_ms() { echo $(($(date +%s%N) / 1000000)); }

# ---- topology ----
for ns in "$H" "$G" "$G2" "$N"; do
	ip netns add "$ns"
	ip -n "$ns" link set lo up
done
for ns in "$H" "$N"; do
	ip -n "$ns" link add br0 type bridge
	ip -n "$ns" link set br0 up
done
ip -n "$H" link add br1 type bridge
ip -n "$H" link set br1 up
ip -n "$H" addr add 192.0.2.1/24 dev br0
ip -n "$H" addr add 10.30.0.1/24 dev br1
ip -n "$N" addr add 10.20.0.2/24 dev br0
for k in 1 2; do
	ns=${GWNS[$k]}
	ip link add up0 netns "$ns" type veth peer name "g$k" netns "$H"
	ip -n "$H" link set "g$k" master br1 up
	ip -n "$ns" addr add "10.30.0.1$k/24" dev up0
	ip -n "$ns" link set up0 up
	ip link add lan0 netns "$ns" type veth peer name "g$k" netns "$N"
	ip -n "$N" link set "g$k" master br0 up
	ip -n "$ns" addr add "10.20.0.1$k/24" dev lan0
	ip -n "$ns" link set lan0 up
	ip netns exec "$ns" sysctl -qw net.ipv4.ip_forward=1
done
# One route per slice, via the gateway that leases from it.
ip -n "$N" route add 10.8.0.0/25 via 10.20.0.11
ip -n "$N" route add 10.8.0.128/25 via 10.20.0.12

add_lb_laptop() {
	local i=$1 L
	L=$(lap "$i")
	ip netns add "$L"
	LAPS+=("$L")
	ip -n "$L" link set lo up
	ip link add eth0 netns "$L" type veth peer name "l$i" netns "$H"
	ip -n "$L" addr add "192.0.2.$((10 + i))/24" dev eth0
	ip -n "$H" link set "l$i" master br0 up
	ip -n "$L" link set eth0 up
}

# ---- certificates and the shared CRL ----
pki_init
"$B/mtlsvpnctl" ca crl --dir "$CA" >>"$WORK/ctl.log" 2>&1 || fail "mtlsvpnctl ca crl"
[ -f "$CA/crl.pem" ] || fail "mtlsvpnctl ca crl wrote no $CA/crl.pem"

# ---- the gateways ----
# write_gw_ini K [extra [gateway] lines]: $WORK/gwK.ini
write_gw_ini() {
	local k=$1
	shift
	install -d -o nobody -g nogroup "$WORK/state$k"
	{
		echo "[gateway]"
		echo "listen = 10.30.0.1$k:8443"
		echo "ca = ca/ca.crt"
		echo "cert = gw.test.crt"
		echo "key = gw.test.key"
		echo "tun = mtlsvpn$k"
		echo "keepalive = 2"
		echo "dead_peer_timeout = $DEAD_PEER"
		echo "handshake_timeout = 5"
		echo "control = $WORK/control$k"
		echo "user = nobody"
		echo "lease_file = state$k/leases"
		echo "crl = ca/crl.pem"
		echo "pool_slice = $k/2"
		for l in "$@"; do echo "$l"; done
		echo "[pool]"
		echo "ipv4 = 10.8.0.0/24"
		echo "routes = 10.20.0.0/24"
	} >"$WORK/gw$k.ini"
}
start_gw() {
	local k=$1
	ip netns exec "${GWNS[$k]}" "$B/mtlsvpn-server" -c "$WORK/gw$k.ini" -v >>"$WORK/gateway$k.log" 2>&1 &
	GWPID[$k]=$!
	T_PIDS+=("$!")
	wait_for 10 listening "${GWNS[$k]}" 8443 || fail "gateway $k is not listening after 10 s"
}
for k in 1 2; do
	write_gw_ini "$k" "proxy_protocol = on" "proxy_from = 10.30.0.1" "metrics = 10.30.0.1$k:9560" \
		"max_handshakes_per_source = 2"
	start_gw "$k"
done

# ---- HAProxy ----
cat >"$WORK/haproxy.cfg" <<CFG
global
	maxconn 2000
defaults
	mode tcp
	timeout connect 2s
	timeout client 1h
	timeout server 1h
	timeout check 1s
	retries 2
	option redispatch
frontend vpn
	bind 192.0.2.1:8443
	default_backend gateways
backend gateways
	balance roundrobin
	option httpchk GET /healthz
	default-server send-proxy-v2 check port 9560 inter 500 fall 2 rise 2
	server gw1 10.30.0.11:8443
	server gw2 10.30.0.12:8443
CFG
haproxy -c -f "$WORK/haproxy.cfg" >"$WORK/haproxy-check.log" 2>&1 ||
	fail "haproxy rejects its configuration: $(cat "$WORK/haproxy-check.log")"
ip netns exec "$H" haproxy -db -f "$WORK/haproxy.cfg" >>"$WORK/haproxy.log" 2>&1 &
T_PIDS+=("$!")
wait_for 10 listening "$H" 8443 || fail "HAProxy is not listening after 10 s"
# Both servers up: the health checks get 200 from /healthz.
for k in 1 2; do
	wait_for 10 ip netns exec "$H" curl -fsS -o /dev/null "http://10.30.0.1$k:9560/healthz" ||
		fail "gateway $k: GET /healthz is not 200"
done
sleep 1.5 # rise 2 x inter 500 ms

# ---- the clients, spread over both ----
for i in $(seq "$NCLIENTS"); do
	add_lb_laptop "$i"
	pki_client "user$i"
	write_client_ini "$i" "user$i"
done
t0=$(now_ms)
for i in $(seq "$NCLIENTS"); do start_client "$i"; done
for i in $(seq "$NCLIENTS"); do wait_tunnel "$i" 60; done
say "$NCLIENTS clients up through HAProxy in $(($(now_ms) - t0)) ms"

# gw_of NUM: 1 or 2, the gateway whose slice laptop NUM's address is in.
gw_of() {
	local a
	a=$(tunnel_addr "$1")
	[ -n "$a" ] || return 1
	if [ "${a##*.}" -lt 128 ]; then echo 1; else echo 2; fi
}
declare -A ON
n1=0 n2=0
for i in $(seq "$NCLIENTS"); do
	ON[$i]=$(gw_of "$i") || fail "laptop $i has no tunnel address"
	a=$(tunnel_addr "$i")
	[ "${a##*.}" -ge 2 ] && [ "${a##*.}" -ne 127 ] && [ "${a##*.}" -ne 128 ] &&
		[ "${a##*.}" -ne 129 ] && [ "${a##*.}" -ne 255 ] ||
		fail "laptop $i got $a: not a leasable address of either slice"
	if [ "${ON[$i]}" -eq 1 ]; then n1=$((n1 + 1)); else n2=$((n2 + 1)); fi
done
[ "$n1" -gt 0 ] && [ "$n2" -gt 0 ] || fail "not spread: $n1 on gateway 1, $n2 on gateway 2"
say "spread: $n1 on gateway 1 (10.8.0.0/25), $n2 on gateway 2 (10.8.0.128/25)"

# Each gateway's status names the clients by their own addresses, never
# HAProxy's, and holds exactly the sessions of its slice.
for k in 1 2; do
	"$B/mtlsvpnctl" status --control "$WORK/control$k" >"$WORK/status$k.txt" 2>&1 ||
		fail "mtlsvpnctl status on gateway $k: $(cat "$WORK/status$k.txt")"
	! grep -q '10\.30\.0\.1:' "$WORK/status$k.txt" ||
		fail "gateway $k shows HAProxy's address as a client's: $(grep '10\.30\.0\.1:' "$WORK/status$k.txt" | head -n 1)"
	for i in $(seq "$NCLIENTS"); do
		[ "${ON[$i]}" -eq "$k" ] || continue
		grep -Eq "user$i +.* 192\.0\.2\.$((10 + i)):[0-9]+ " "$WORK/status$k.txt" ||
			fail "gateway $k: user$i is not shown from 192.0.2.$((10 + i)): $(cat "$WORK/status$k.txt")"
	done
	grep -q "session up: .*remote=192\.0\.2\." "$WORK/gateway$k.log" ||
		fail "gateway $k logs no 'session up' with a client's real address"
done
say "status and logs of both gateways show the laptops' own addresses"

# Real traffic: the LAN routes each slice back through its gateway.
for i in $(seq "$NCLIENTS"); do
	ip netns exec "$(lap "$i")" ping -c 1 -W 2 10.20.0.2 >/dev/null 2>&1 ||
		fail "laptop $i (gateway ${ON[$i]}) cannot reach the LAN host"
done
say "every laptop reaches the LAN host, and the answer comes back through its slice's route"


# ---- what is not a client: health checks, strangers, bad headers ----
# raw.py HOST PORT KIND...: one connection per KIND, each closed after it
# has said its piece: tcp (connect, close), local (a PROXY LOCAL header),
# junk (a TLS record where the header should be), partial (10 bytes of a
# header, then silence for 3 s), proxy:ADDR (a header naming client ADDR,
# then silence for 3 s).
cat >"$WORK/raw.py" <<'PY'
import socket, struct, sys, time
SIG = b"\r\n\r\n\x00\r\nQUIT\n"
host, port, kinds = sys.argv[1], int(sys.argv[2]), sys.argv[3:]
held = []
for k in kinds:
    s = socket.create_connection((host, port), timeout=3)
    if k == "local":
        s.sendall(SIG + b"\x20\x00\x00\x00")
    elif k == "junk":
        s.sendall(b"\x16\x03\x01\x00\x05hello")
    elif k == "partial":
        s.sendall(SIG[:10])
        held.append(s)
        continue
    elif k.startswith("proxy:"):
        src = socket.inet_aton(k[6:])
        s.sendall(SIG + b"\x21\x11" + struct.pack("!H", 12) + src +
                  socket.inet_aton(host) + struct.pack("!HH", 40000 + len(held), port))
        held.append(s)
        time.sleep(0.2)
        continue
    time.sleep(0.2)
    s.close()
time.sleep(3 if held else 0.5)
PY
refusals() { # K KEY: the count of refusal KEY in gateway K's status
	"$B/mtlsvpnctl" status --control "$WORK/control$1" | sed -n "s/.* $2=\([0-9]*\).*/\1/p" | head -n 1
}
ip netns exec "$H" timeout 20 python3 "$WORK/raw.py" 10.30.0.12 8443 tcp local local tcp ||
	fail "health-check connections to gateway 2 failed"
ip netns exec "$G2" timeout 20 python3 "$WORK/raw.py" 10.30.0.12 8443 tcp || true
ip netns exec "$H" timeout 20 python3 "$WORK/raw.py" 10.30.0.12 8443 junk partial ||
	fail "a bad and a partial header to gateway 2 could not be sent"
# max_handshakes_per_source = 2 counts the client the header names, not
# HAProxy: a third half-open connection of 203.0.113.9 displaces its first.
ip netns exec "$H" timeout 20 python3 "$WORK/raw.py" 10.30.0.12 8443 proxy:203.0.113.9 \
	proxy:203.0.113.9 proxy:203.0.113.9 proxy:203.0.113.10 || fail "PROXY headers to gateway 2"
wait_for 5 bash -c "[ \"\$(\"$B/mtlsvpnctl\" status --control '$WORK/control2' | sed -n 's/.* evicted_source=\([0-9]*\).*/\1/p')\" = 1 ]" ||
	fail "gateway 2: evicted_source is $(refusals 2 evicted_source), want 1 (the per-source bound on the real client)"
[ "$(refusals 2 proxy_untrusted)" = 1 ] ||
	fail "gateway 2: proxy_untrusted=$(refusals 2 proxy_untrusted) after one connection from outside proxy_from, want 1"
[ "$(refusals 2 proxy_header)" = 2 ] ||
	fail "gateway 2: proxy_header=$(refusals 2 proxy_header) after a bad and a partial header, want 2"
grep -q 'reason="no whole PROXY header within 2000 ms"' "$WORK/gateway2.log" ||
	fail "gateway 2 did not refuse the partial header at the first deadline"
[ "$(refusals 2 closed)" = 0 ] ||
	fail "gateway 2: closed=$(refusals 2 closed): the TCP checks or LOCAL headers were counted as refusals"
grep -q 'session refused: remote=203\.0\.113\.9:' "$WORK/gateway2.log" ||
	fail "gateway 2 does not name the real client 203.0.113.9 in its refusal"
# The bad and the partial header name no client: those two refusals carry
# HAProxy's address.
[ "$(grep 'session refused: remote=10\.30\.0\.1:' "$WORK/gateway2.log" | grep -Evc 'no PROXY v2 signature|no whole PROXY header')" = 0 ] ||
	fail "gateway 2 logged a health check as a refusal: $(grep 'session refused: remote=10\.30\.0\.1:' "$WORK/gateway2.log" | grep -Ev 'no PROXY v2 signature|no whole PROXY header' | head -n 1)"
[ "$(grep -c 'closed without a refusal' "$WORK/gateway2.log")" -ge 4 ] ||
	fail "gateway 2 has no debug line for each of the 2 TCP checks and 2 LOCAL headers"
say "gateway 2: TCP checks and LOCAL headers not refusals; refused: proxy_untrusted=1 proxy_header=2 (bad, too slow) evicted_source=1 (203.0.113.9)"

# ---- revocation: one client on each gateway, one CRL file for both ----
r1= r2=
for i in $(seq "$NCLIENTS"); do
	[ -z "$r1" ] && [ "${ON[$i]}" -eq 1 ] && r1=$i
	[ -z "$r2" ] && [ "${ON[$i]}" -eq 2 ] && r2=$i
done
t0=$(now_ms)
for i in $r1 $r2; do
	"$B/mtlsvpnctl" ca revoke "user$i" --dir "$CA" >>"$WORK/ctl.log" 2>&1 ||
		fail "mtlsvpnctl ca revoke user$i: $(tail -n 3 "$WORK/ctl.log")"
done
for i in $r1 $r2; do
	wait_for 5 grep -q "certificate revoked" "$WORK/client$i.log" ||
		fail "user$i (gateway ${ON[$i]}) was not closed within 5 s of the revocation"
	grep -q "session revoked: .*identity=\"user$i\"" "$WORK/gateway${ON[$i]}.log" ||
		fail "gateway ${ON[$i]} did not log 'session revoked' for user$i"
done
say "revoked user$r1 on gateway 1 and user$r2 on gateway 2: both closed in $(($(now_ms) - t0)) ms"
for i in $r1 $r2; do
	wait_for 5 bash -c "! kill -0 ${CLIENT_PID[$i]} 2>/dev/null" || fail "user$i's client still runs"
	ON[$i]=0
done

# ---- kill -9 gateway 1: its clients come back through gateway 2 ----
# back_on K NUM...: every laptop named has a tunnel from gateway K's slice.
back_on() {
	local k=$1 i
	shift
	for i in "$@"; do
		[ "$(gw_of "$i" 2>/dev/null)" = "$k" ] && tunnel_up "$i" || return 1
	done
}
moved=()
for i in $(seq "$NCLIENTS"); do [ "${ON[$i]}" -eq 1 ] && moved+=("$i"); done
t0=$(now_ms)
kill -KILL "${GWPID[1]}"
wait "${GWPID[1]}" 2>/dev/null || true
bound=$((DEAD_PEER + 10))
wait_for "$bound" back_on 2 "${moved[@]}" ||
	fail "after kill -9 of gateway 1, its ${#moved[@]} clients were not back on gateway 2 within $bound s"
kill_ms=$(($(now_ms) - t0))
say "kill -9 gateway 1: its ${#moved[@]} clients back through gateway 2 (10.8.0.128/25) in $kill_ms ms"
for i in "${moved[@]}"; do ON[$i]=2; done
for i in $(seq "$NCLIENTS"); do
	[ "${ON[$i]}" -eq 2 ] || continue
	tunnel_up "$i" || fail "laptop $i has no tunnel on gateway 2"
done

# ---- drain gateway 2: its clients come back through gateway 1 ----
write_gw_ini 1 "proxy_protocol = on" "proxy_from = 10.30.0.1" "metrics = 10.30.0.11:9560" \
	"max_handshakes_per_source = 2"
: >"$WORK/gateway1.log"
start_gw 1
wait_for 10 ip netns exec "$H" curl -fsS -o /dev/null "http://10.30.0.11:9560/healthz" ||
	fail "gateway 1 (restarted): GET /healthz is not 200"
sleep 1.5 # rise 2 x inter 500 ms: HAProxy sends to gateway 1 again
moved=()
for i in $(seq "$NCLIENTS"); do [ "${ON[$i]}" -eq 2 ] && moved+=("$i"); done
t0=$(now_ms)
"$B/mtlsvpnctl" drain --seconds 30 --control "$WORK/control2" >>"$WORK/ctl.log" 2>&1 ||
	fail "mtlsvpnctl drain on gateway 2: $(tail -n 3 "$WORK/ctl.log")"
grep -q "told ${#moved[@]} session(s)" "$WORK/ctl.log" ||
	fail "drain did not tell gateway 2's ${#moved[@]} sessions: $(tail -n 1 "$WORK/ctl.log")"
wait_for 5 grep -q "not accepting new sessions (health check: 503)" "$WORK/gateway2.log" ||
	fail "gateway 2 does not say its health check answers 503 while draining"
wait_for 30 back_on 1 "${moved[@]}" ||
	fail "after draining gateway 2, its ${#moved[@]} clients were not back on gateway 1 within 30 s"
drain_ms=$(($(now_ms) - t0))
for i in "${moved[@]}"; do
	grep -q "gateway is draining" "$WORK/client$i.log" || fail "laptop $i did not see the drain"
	ON[$i]=1
done
wait_for 35 bash -c "! kill -0 ${GWPID[2]} 2>/dev/null" || fail "gateway 2 still runs after its drain"
wait "${GWPID[2]}" || fail "gateway 2 exited with status $? after its drain (want 0)"
say "drain gateway 2: its ${#moved[@]} clients back through gateway 1 (10.8.0.0/25) in $drain_ms ms; gateway 2 exited 0"

# Gateway 2 comes back for the handshake rate through HAProxy; gateway 1
# is restarted below to be reached directly.
write_gw_ini 2 "proxy_protocol = on" "proxy_from = 10.30.0.1" "metrics = 10.30.0.12:9560"
start_gw 2
wait_for 10 ip netns exec "$H" curl -fsS -o /dev/null "http://10.30.0.12:9560/healthz" ||
	fail "gateway 2 (restarted): GET /healthz is not 200"
stop_pid "${GWPID[1]}"
sleep 1.5 # HAProxy: gateway 2 up (rise 2), gateway 1 down (fall 2)

# ---- full handshakes a second: through HAProxy, and direct ----
# Gateway 1 comes back without the PROXY protocol and without metrics (so
# HAProxy's check keeps it out of the pool) to be reached directly.
write_gw_ini 1 "metrics = none"
: >"$WORK/gateway1.log"
start_gw 1
# Without the PROXY protocol too, a plain TCP check is not a refusal.
ip netns exec "$H" timeout 20 python3 "$WORK/raw.py" 10.30.0.11 8443 tcp tcp ||
	fail "TCP checks to gateway 1 failed"
wait_for 5 bash -c "[ \$(grep -c 'closed without a refusal' '$WORK/gateway1.log') -ge 2 ]" ||
	fail "gateway 1 (no proxy_protocol) has no debug line for the 2 TCP checks"
[ "$(refusals 1 closed)" = 0 ] ||
	fail "gateway 1 (no proxy_protocol): closed=$(refusals 1 closed): a TCP check counted as a refusal"
cat >"$WORK/hs.py" <<'PY'
import socket, ssl, sys, time
host, port, n, d = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
ctx.minimum_version = ssl.TLSVersion.TLSv1_3
ctx.load_verify_locations(d + "/ca/ca.crt")
ctx.load_cert_chain(d + "/bench.crt", d + "/bench.key")
ctx.set_alpn_protocols(["mtlsvpn/1"])
t = time.monotonic()
for _ in range(n):
    with socket.create_connection((host, port), timeout=5) as s:
        with ctx.wrap_socket(s, server_hostname="gw.test") as c:
            if not c.recv(1):  # the gateway's first frame: the session is up
                sys.exit("closed before the first frame")
print("%.0f" % (n / (time.monotonic() - t)))
PY
pki_client bench
HS_N=${MTLSVPN_HAPROXY_HANDSHAKES:-100}
via=$(ip netns exec "$(lap 1)" timeout 120 python3 "$WORK/hs.py" 192.0.2.1 8443 "$HS_N" "$WORK" 2>>"$WORK/hs.log") ||
	fail "handshakes through HAProxy failed: $(tail -n 3 "$WORK/hs.log")"
direct=$(ip netns exec "$H" timeout 120 python3 "$WORK/hs.py" 10.30.0.11 8443 "$HS_N" "$WORK" 2>>"$WORK/hs.log") ||
	fail "handshakes direct to gateway 1 failed: $(tail -n 3 "$WORK/hs.log")"
say "full handshakes (sequential, one client, $HS_N each): through HAProxy $via/s, direct $direct/s"
pass
