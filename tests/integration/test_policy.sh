#!/usr/bin/env bash
# Groups and access rules inside the gateway: two employees in two groups
# reach what their group allows and nothing else, over IPv4 and IPv6 (TCP,
# UDP request/response, ICMP echo); the replies to what they may send come
# back through the flow table; a packet from the LAN that answers nothing
# is dropped; client to client works only where the sender's rules and the
# receiver's inbound rules both allow it; denied packets are counted
# (drop_acl, drop_inbound) and the static address is given. A client in no
# group (default_group = deny) or whose OUs name two groups is refused, and
# its user is told which in the BYE.
. "$(dirname "$0")/lib.sh"

topo_init
add_laptop 1
add_laptop 2
add_laptop 3
# The groups' IPv6 pools lie outside lib.sh's fd00:8::/48.
ip -n "$N" route add fd00:8:1::/64 via fd00:20::1
ip -n "$N" route add fd00:8:2::/64 via fd00:20::1
pki_init
pki_client alice
pki_client bob
pki_client carol
pki_openssl_client_subj dave "/CN=dave/OU=engineering/OU=sales" \
	"$(date -u -d '-1 hour' +%Y%m%d%H%M%SZ)" "$(date -u -d '+1 day' +%Y%m%d%H%M%SZ)"

# INI members decide first, so group_from = ou matters only to dave.
write_server_ini "default_group = deny" "group_from = ou"
# No [pool]: only the groups. (write_server_ini wrote one: cut it off.)
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

# The LAN host: TCP on 8080 (allowed for engineering) and 8081 (for nobody),
# UDP echo on 7777, IPv4 and IPv6.
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
for f, p in ((tcp, 8080), (tcp, 8081), (udp, 7777)):
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
    print("ok", d.decode().strip()); sys.exit(0)
except OSError as e:
    print("no", e); sys.exit(1)
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
wait_for 15 up 1 10.8.1.1 || fail "alice: no tunnel to 10.8.1.1"
wait_for 15 up 2 10.8.2.1 || fail "bob: no tunnel to 10.8.2.1"
# IPv6 through the gateway: its new addresses may still be settling.
wait_for 15 up 1 fd00:20::2 || fail "alice: no IPv6 path to the LAN"
wait_for 15 up 2 fd00:20::2 || fail "bob: no IPv6 path to the LAN"
grep -q 'session up: .*identity="alice" .*group=engineering (members)' "$WORK/gateway.log" ||
	fail "alice is not in engineering: $(grep 'session up' "$WORK/gateway.log")"
a4=$(tunnel_addr 1)
b4=$(tunnel_addr 2)
[ "$a4" = 10.8.1.5 ] || fail "alice got $a4, not her static 10.8.1.5"
case "$b4" in 10.8.2.*) ;; *) fail "bob got $b4, not an address of sales" ;; esac
b6=$(ip -n "$(lap 2)" -6 -o addr show dev mtlsvpn0 scope global | awk '{print $4}' | cut -d/ -f1)
say "alice (engineering) $a4 fd00:8:1::5, bob (sales) $b4 $b6"

# want LAPTOP yes|no KIND HOST PORT
want() {
	local l=$1 w=$2 out rc=0
	shift 2
	out=$(ip netns exec "$(lap "$l")" python3 "$WORK/try.py" "$@" 2>&1) || rc=$?
	if [ "$w" = yes ] && [ "$rc" -ne 0 ]; then
		kill -USR1 "$GW_PID"
		sleep 0.5
		fail "laptop $l $*: want through, got: $out"
	fi
	if [ "$w" = no ] && [ "$rc" -eq 0 ]; then fail "laptop $l $*: want blocked, got: $out"; fi
	say "laptop $l $*: $out"
}
# ping_want LAPTOP yes|no HOST
ping_want() {
	local rc=0
	ip netns exec "$(lap "$1")" ping -c 1 -W 2 "$3" >/dev/null 2>&1 || rc=$?
	if [ "$2" = yes ] && [ "$rc" -ne 0 ]; then fail "laptop $1 ping $3: want a reply"; fi
	if [ "$2" = no ] && [ "$rc" -eq 0 ]; then fail "laptop $1 ping $3: want no reply"; fi
	say "laptop $1 ping $3: $([ "$rc" -eq 0 ] && echo reply || echo none)"
}

# engineering: TCP 8080 and UDP 7777 and ICMP, v4 and v6; nothing else.
want 1 yes tcp 10.20.0.2 8080
want 1 yes tcp fd00:20::2 8080
want 1 no tcp 10.20.0.2 8081
want 1 no tcp fd00:20::2 8081
want 1 yes udp 10.20.0.2 7777
want 1 yes udp fd00:20::2 7777
ping_want 1 yes 10.20.0.2
ping_want 1 yes fd00:20::2
# sales: ICMP only.
ping_want 2 yes 10.20.0.2
ping_want 2 yes fd00:20::2
want 2 no tcp 10.20.0.2 8080
want 2 no tcp fd00:20::2 8080
want 2 no udp 10.20.0.2 7777
want 2 no udp fd00:20::2 7777

# From the LAN, unasked: nobody's inbound rules allow it.
ping_lan() { ip netns exec "$N" ping -c 1 -W 1 "$1" >/dev/null 2>&1; }
ping_lan 10.8.1.5 && fail "the LAN reached alice unasked"
ping_lan fd00:8:1::5 && fail "the LAN reached alice over IPv6 unasked"
say "LAN -> alice unasked: dropped"

# Client to client: engineering may ping sales (sales' inbound rule), not
# the other way round, and no TCP either way.
ping_want 1 yes "$b4"
ping_want 1 yes "$b6"
ping_want 2 no 10.8.1.5
ping_want 2 no fd00:8:1::5
ip netns exec "$(lap 2)" python3 -c 'import socket,threading
s=socket.socket(); s.bind(("0.0.0.0",9000)); s.listen(1); s.settimeout(8)
try: c,_=s.accept(); c.sendall(b"x")
except OSError: pass' &
sp=$!
sleep 0.3
want 1 no tcp "$b4" 9000
wait "$sp" || true

# The counters: SIGUSR1 writes each session's and each group's.
kill -USR1 "$GW_PID"
wait_for 5 grep -q 'group status: group=sales' "$WORK/gateway.log" || fail "no group status lines"
st_a=$(grep 'session status: .*identity="alice"' "$WORK/gateway.log" | tail -n 1)
st_b=$(grep 'session status: .*identity="bob"' "$WORK/gateway.log" | tail -n 1)
num() { sed -n "s/.* $1=\([0-9]*\) .*/\1/p" <<<"$2"; }
[ "$(num drop_acl "$st_a")" -ge 3 ] || fail "alice: want drop_acl >= 3 (8081 twice, TCP to bob): $st_a"
[ "$(num drop_inbound "$st_a")" -ge 4 ] || fail "alice: want drop_inbound >= 4 (LAN, bob): $st_a"
[ "$(num drop_acl "$st_b")" -ge 4 ] || fail "bob: want drop_acl >= 4 (TCP, UDP): $st_b"
say "alice: drop_acl=$(num drop_acl "$st_a") drop_inbound=$(num drop_inbound "$st_a")"
say "bob: drop_acl=$(num drop_acl "$st_b") drop_inbound=$(num drop_inbound "$st_b")"
grep 'group status: group=engineering' "$WORK/gateway.log" | tail -n 1 | grep -q 'hits="10:[1-9]' ||
	fail "engineering rule10 counted no hits: $(grep 'group status' "$WORK/gateway.log")"
say "$(grep 'group status: group=engineering' "$WORK/gateway.log" | tail -n 1)"

# An identity in no group is refused (default_group = deny), with a reason.
write_client_ini 3 carol
run_client_to_end 3 6
grep -q '\[sid [0-9]* carol .*refused: not authorized: the identity is in no group' \
	"$WORK/gateway.log" || fail "carol was not refused for being in no group"
grep -q 'gateway closed the session: not authorized to connect (the identity is in no group and default_group is deny)' \
	"$WORK/client3.log" || fail "carol's client did not hear why: $(tail -n 3 "$WORK/client3.log")"
say "carol (no group, default_group = deny): refused: $(grep -o 'gateway closed.*' "$WORK/client3.log" | tail -n 1)"

# OUs naming two groups: refused rather than guessed, and dave is told so.
write_client_ini 3 dave
run_client_to_end 3 6
grep -q '\[sid [0-9]* dave .*refused: the certificate.s OU values name more than one group' \
	"$WORK/gateway.log" || fail "dave was not refused for his OUs: $(grep dave "$WORK/gateway.log")"
grep -q "gateway closed the session: not authorized to connect (the certificate's OU values name more than one group)" \
	"$WORK/client3.log" || fail "dave's client did not hear why: $(tail -n 3 "$WORK/client3.log")"
say "dave (OUs engineering and sales): refused: $(grep -o 'gateway closed.*' "$WORK/client3.log" | tail -n 1)"
pass
