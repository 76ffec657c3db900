#!/usr/bin/env bash
# mtlsvpnctl policy test agrees with the live gateway: a table of packets
# for two employees in two groups (allowed and denied; TCP, UDP, ICMP; IPv4
# and IPv6; client to client; unsolicited from the LAN) is answered from
# server.ini alone, then the same packets are sent through the real
# gateway, and every row must agree. Also: an identity in no group is
# refused (default_group = deny), a certificate file gives the group from
# its OU (group_from = ou), and usage and config errors exit 2.
. "$(dirname "$0")/lib.sh"

topo_init
add_laptop 1
add_laptop 2
ip -n "$N" route add fd00:8:1::/64 via fd00:20::1
ip -n "$N" route add fd00:8:2::/64 via fd00:20::1
pki_init
pki_client alice
pki_client bob
pki_client carol
pki_client dave --ou sales

# The groups of test_policy.sh, with group_from = ou for dave.
write_server_ini "default_group = deny" "group_from = ou"
sed -i '/^\[pool\]/,$d' "$WORK/server.ini"
cat >>"$WORK/server.ini" <<'INI'
[group engineering]
ipv4 = 10.8.1.0/24
ipv6 = fd00:8:1::/64
routes = 10.20.0.0/24, fd00:20::/64, 10.8.2.0/24, fd00:8:2::/64
members = alice
static = alice 10.8.1.5, alice fd00:8:1::5
rule10 = allow (dst host 10.20.0.2 or dst host fd00:20::2) and tcp dst port 8080
rule20 = allow udp dst port 7777
rule30 = allow icmp or icmp6
[group sales]
ipv4 = 10.8.2.0/24
ipv6 = fd00:8:2::/64
routes = 10.20.0.0/24, fd00:20::/64, 10.8.1.0/24, fd00:8:1::/64
members = bob
rule10 = allow icmp or icmp6
inbound_rule10 = allow (icmp or icmp6) and (src net 10.8.1.0/24 or src net fd00:8:1::/64)
INI

CTL="$B/mtlsvpnctl"
PT=("$CTL" policy test -c "$WORK/server.ini")

# ---- offline only: refusals, the certificate file, exit status 2 ----

# rc_of CMD...: the exit status, output in $WORK/pt.out
rc_of() {
	local rc=0
	"$@" >"$WORK/pt.out" 2>&1 || rc=$?
	echo "$rc"
}
rc=$(rc_of "${PT[@]}" --identity carol --dst 10.20.0.2 --proto icmp)
[ "$rc" -eq 1 ] && grep -q 'refused: not authorized: the identity is in no group' "$WORK/pt.out" ||
	fail "carol (no group): want refused, exit 1; got $rc: $(cat "$WORK/pt.out")"
say "carol by identity: refused (exit 1)"
rc=$(rc_of "${PT[@]}" --cert "$WORK/carol.crt" --dst 10.20.0.2 --proto icmp)
[ "$rc" -eq 1 ] && grep -q 'refused' "$WORK/pt.out" ||
	fail "carol's certificate: want refused, exit 1; got $rc: $(cat "$WORK/pt.out")"
rc=$(rc_of "${PT[@]}" --cert "$WORK/dave.crt" --dst 10.20.0.2 --proto icmp)
grep -q '^identity: *dave (from the certificate' "$WORK/pt.out" &&
	grep -q '^group: *sales (certificate OU "sales", \[gateway\] group_from = ou)' "$WORK/pt.out" &&
	grep -q '^address4: *10\.8\.2\.[0-9]* (dynamic' "$WORK/pt.out" && [ "$rc" -eq 0 ] ||
	fail "dave's certificate: want group sales from OU, ping allowed; got $rc: $(cat "$WORK/pt.out")"
say "dave by certificate: $(grep '^group:' "$WORK/pt.out")"
rc=$(rc_of "${PT[@]}" --cert "$WORK/dave.crt" --dst 10.20.0.2 --proto tcp --dport 8080)
[ "$rc" -eq 1 ] && grep -q '^rule: *default deny' "$WORK/pt.out" ||
	fail "dave tcp 8080: want default deny, exit 1; got $rc: $(cat "$WORK/pt.out")"
# --json: one object, the same answer.
"${PT[@]}" --cert "$WORK/dave.crt" --dst 10.20.0.2 --proto tcp --dport 8080 --json >"$WORK/pt.json" || true
python3 -c 'import json, sys
o = json.load(open(sys.argv[1]))
assert o["exit"] == 1 and o["verdict"] == "denied", o
assert o["group"].startswith("sales (certificate OU"), o
assert o["rule"].startswith("default deny"), o' "$WORK/pt.json" ||
	fail "policy test --json: $(cat "$WORK/pt.json")"
# The same identity without its certificate has no OU: refused.
rc=$(rc_of "${PT[@]}" --identity dave --dst 10.20.0.2 --proto icmp)
[ "$rc" -eq 1 ] || fail "dave by identity (no OU): want refused; got $rc: $(cat "$WORK/pt.out")"
rc=$(rc_of "${PT[@]}" --identity alice --dst 10.20.0.2 --proto tcp)
[ "$rc" -eq 2 ] || fail "tcp without --dport: want exit 2, got $rc: $(cat "$WORK/pt.out")"
rc=$(rc_of "${PT[@]}" --identity alice --dst fd00:20::2 --proto icmp)
[ "$rc" -eq 2 ] || fail "icmp to IPv6: want exit 2, got $rc: $(cat "$WORK/pt.out")"
rc=$(rc_of "$CTL" policy test -c "$WORK/nonexistent.ini" --identity alice --dst 10.20.0.2 --proto icmp)
[ "$rc" -eq 2 ] || fail "missing config: want exit 2, got $rc: $(cat "$WORK/pt.out")"
rc=$(rc_of "${PT[@]}" --cert "$WORK/server.ini" --dst 10.20.0.2 --proto icmp)
[ "$rc" -eq 2 ] && grep -q 'not a PEM certificate' "$WORK/pt.out" ||
	fail "not a certificate: want exit 2, got $rc: $(cat "$WORK/pt.out")"
rc=$(rc_of "${PT[@]}" --identity alice --src 10.8.1.9 --dst 10.20.0.2 --proto icmp)
[ "$rc" -eq 1 ] && grep -q 'forged source' "$WORK/pt.out" ||
	fail "alice from another address: want forged, exit 1; got $rc: $(cat "$WORK/pt.out")"
say "usage and config errors: exit 2; a forged source: denied"

# ---- the live gateway ----

cat >"$WORK/lan.py" <<'PY'
import socket, threading
def tcp(port):
    s = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
    s.bind(("::", port)); s.listen(16)
    while True:
        c, _ = s.accept(); c.sendall(b"hello %d\n" % port); c.close()
def udp(port):
    s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
    s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
    s.bind(("::", port))
    while True:
        d, a = s.recvfrom(2048); s.sendto(b"echo " + d, a)
for f, p in ((tcp, 8080), (tcp, 8081), (udp, 7777), (udp, 7778)):
    threading.Thread(target=f, args=(p,), daemon=True).start()
threading.Event().wait()
PY
cat >"$WORK/try.py" <<'PY'
import socket, sys
kind, host, port = sys.argv[1], sys.argv[2], int(sys.argv[3])
fam = socket.AF_INET6 if ":" in host else socket.AF_INET
try:
    if kind == "tcp":
        s = socket.create_connection((host, port), timeout=2)
        s.settimeout(2); d = s.recv(100)
    else:
        s = socket.socket(fam, socket.SOCK_DGRAM); s.settimeout(2)
        s.sendto(b"ping", (host, port)); d, _ = s.recvfrom(100)
    sys.exit(0 if d else 1)
except OSError:
    sys.exit(1)
PY
ip netns exec "$N" python3 "$WORK/lan.py" >>"$WORK/lan.log" 2>&1 &
T_PIDS+=("$!")
wait_for 5 listening "$N" 8081 || fail "the LAN test server did not start"

start_gateway
write_client_ini 1 alice
write_client_ini 2 bob
start_client 1
start_client 2
up() { ip netns exec "$(lap "$1")" ping -I mtlsvpn0 -c 1 -W 1 "$2" >/dev/null 2>&1; }
wait_for 15 up 1 10.8.1.1 || fail "alice: no tunnel"
wait_for 15 up 2 10.8.2.1 || fail "bob: no tunnel"
wait_for 15 up 1 fd00:20::2 || fail "alice: no IPv6 path to the LAN"
wait_for 15 up 2 fd00:20::2 || fail "bob: no IPv6 path to the LAN"
b4=$(tunnel_addr 2)
b6=$(ip -n "$(lap 2)" -6 -o addr show dev mtlsvpn0 scope global | awk '{print $4}' | cut -d/ -f1)
[ -n "$b4" ] && [ -n "$b6" ] || fail "bob has no tunnel addresses"

# Rows: FROM WHO PROTO HOST [PORT]. FROM is a laptop number (the packet
# goes out from WHO's laptop) or "lan" (it comes in, unasked, to WHO).
ROWS=(
	"1 alice tcp 10.20.0.2 8080"
	"1 alice tcp fd00:20::2 8080"
	"1 alice tcp 10.20.0.2 8081"
	"1 alice udp 10.20.0.2 7777"
	"1 alice udp fd00:20::2 7778"
	"1 alice icmp 10.20.0.2"
	"1 alice icmp6 fd00:20::2"
	"2 bob tcp 10.20.0.2 8080"
	"2 bob udp fd00:20::2 7777"
	"2 bob icmp 10.20.0.2"
	"2 bob icmp6 fd00:20::2"
	"1 alice icmp $b4"
	"1 alice icmp6 $b6"
	"2 bob icmp 10.8.1.5"
	"2 bob icmp6 fd00:8:1::5"
	"lan alice icmp 10.8.1.5"
	"lan alice icmp6 fd00:8:1::5"
	"lan bob icmp $b4"
)

# live FROM PROTO HOST [PORT]: 0 if the packet got its answer.
live() {
	local from=$1 proto=$2 host=$3 port=${4:-} ns
	if [ "$from" = lan ]; then ns=$N; else ns=$(lap "$from"); fi
	case "$proto" in
	tcp | udp) ip netns exec "$ns" python3 "$WORK/try.py" "$proto" "$host" "$port" ;;
	*) ip netns exec "$ns" ping -c 1 -W 2 "$host" >/dev/null 2>&1 ;;
	esac
}

verdict() { [ "$1" -eq 0 ] && echo allowed || echo denied; }
n_allowed=0 n_denied=0 bad=0
printf '%-6s %-6s %-6s %-14s %-5s  %-8s %-8s %s\n' from who proto host port policy live rule
for row in "${ROWS[@]}"; do
	read -r from who proto host port <<<"$row"
	args=(--identity "$who" --proto "$proto")
	[ -n "${port:-}" ] && args+=(--dport "$port")
	if [ "$from" = lan ]; then
		lan=10.20.0.2
		[ "$proto" = icmp6 ] && lan=fd00:20::2
		args+=(--direction in --src "$lan" --dst "$host")
	else
		args+=(--dst "$host")
	fi
	prc=0
	"${PT[@]}" "${args[@]}" >"$WORK/pt.out" 2>&1 || prc=$?
	[ "$prc" -le 1 ] || fail "policy test ${args[*]}: exit $prc: $(cat "$WORK/pt.out")"
	lrc=0
	live "$from" "$proto" "$host" "${port:-}" || lrc=1
	# The deciding rule: the receiver's for client to client.
	rule=$(sed -n 's/^receiver: *a client of group \([a-z]*\): /\1: /p' "$WORK/pt.out")
	[ -n "$rule" ] || rule=$(sed -n 's/^rule: *//p' "$WORK/pt.out" | head -n 1)
	rule=$(cut -c1-50 <<<"$rule")
	mark=
	if [ "$(verdict "$prc")" != "$(verdict "$lrc")" ]; then
		mark="  <-- DISAGREE"
		bad=$((bad + 1))
		cat "$WORK/pt.out" >&2
	fi
	[ "$prc" -eq 0 ] && n_allowed=$((n_allowed + 1)) || n_denied=$((n_denied + 1))
	printf '%-6s %-6s %-6s %-14s %-5s  %-8s %-8s %s%s\n' "$from" "$who" "$proto" "$host" \
		"${port:--}" "$(verdict "$prc")" "$(verdict "$lrc")" "$rule" "$mark"
done
[ "$bad" -eq 0 ] || fail "$bad row(s) where policy test and the live gateway disagree"
[ "$n_allowed" -ge 5 ] && [ "$n_denied" -ge 5 ] ||
	fail "the table must hold both verdicts: $n_allowed allowed, $n_denied denied"
say "policy test agrees with the live gateway on ${#ROWS[@]} packets ($n_allowed allowed, $n_denied denied)"
pass
