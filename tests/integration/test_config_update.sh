#!/usr/bin/env bash
# A reload that changes [pool] routes, dns and search reaches live sessions
# without a reconnect (CONFIG_UPDATE, docs/protocol.md section 5.3): alice's
# client adds the new route, removes the gone one and rewrites its
# resolv.conf (a private copy, lib.sh private_etc_init), keeps its session
# id and logs one line; her status shows the new routes. bob's client
# behaves like one older than CONFIG_UPDATE (it never announces it): the
# gateway sends him nothing, counts him "not updated", and his tunnel keeps
# working with his old routes. carol (rawclient.py) answers the FEATURES
# offer only after the reload: she is sent the update then. dave
# (rawclient.py, plain mtlsvpn/1 that ignores the offer) gets nothing and
# keeps his session. After alice's client exits, no route it added (old or
# new) is left and resolv.conf is back, byte for byte. Against a stand-in
# gateway (fakegw.py): the client answers an offer with FEATURES and
# applies the update; a gateway that offers no FEATURES (an older one) is
# sent no FEATURES frame; a client that did not announce CONFIG_UPDATE
# refuses one with BYE 6.
. "$(dirname "$0")/lib.sh"

topo_init
add_laptop 1
add_laptop 2
L1=$(lap 1)
L2=$(lap 2)
pki_init
pki_client alice
pki_client bob
pki_client carol
pki_client dave
SOCK=$WORK/control
write_server_ini "control = $SOCK"
sed -i 's|^routes = .*|routes = 10.20.0.0/24, 10.30.0.0/24, fd00:20::/64|' "$WORK/server.ini"
{
	echo "dns = 10.20.0.53"
	echo "search = corp.example"
} >>"$WORK/server.ini"
start_gateway
private_etc_init
write_client_ini 1 alice "dns = resolvconf"
sed -i '/^dns = none$/d' "$WORK/client1.ini"
write_client_ini 2 bob
printf 'nameserver 192.0.2.53\nsearch home.example\n' >"$WORK/etc/resolv.conf"
cp "$WORK/etc/resolv.conf" "$WORK/original"

start_client_etc 1
MTLSVPN_TEST_NO_FEATURES=1 start_client 2
wait_tunnel 1
wait_tunnel 2

# raw WHO ARGS...: rawclient.py update from laptop 2, in the background.
raw() {
	local who=$1
	shift
	ip netns exec "$L2" python3 "$SRC/tests/integration/rawclient.py" update --host 192.0.2.1 \
		--server-name gw.test --ca "$CA/ca.crt" --cert "$WORK/$who.crt" --key "$WORK/$who.key" \
		--go "$WORK/go" "$@" >"$WORK/$who.out" 2>&1 &
	T_PIDS+=("$!")
	RAW_PID[$who]=$!
}
declare -A RAW_PID
raw carol --features --want-route 10.40.0.0/24
raw dave --wait 3
both_in() { [ "$("$B/mtlsvpnctl" status --control "$SOCK" | grep -cE ' (carol|dave) ')" = 2 ]; }
wait_for 10 both_in || fail "carol and dave are not connected: $(cat "$WORK/carol.out" "$WORK/dave.out")"

has_route() { ip -n "$1" route show "$2" | grep -q 'dev mtlsvpn0'; }
resolv_has() { grep -q "^$1\$" "$WORK/etc/resolv.conf"; }
sid() { "$B/mtlsvpnctl" status --control "$SOCK" | awk -v w="$1" '$2 == w {print $1}'; }

for l in "$L1" "$L2"; do
	has_route "$l" 10.30.0.0/24 || fail "$l: no route 10.30.0.0/24 before the reload"
	has_route "$l" 10.40.0.0/24 && fail "$l: route 10.40.0.0/24 before the reload"
done
resolv_has "nameserver 10.20.0.53" || fail "resolv.conf before: $(cat "$WORK/etc/resolv.conf")"
grep -q 'told the gateway we take features' "$WORK/client1.log" ||
	fail "alice's client did not announce CONFIG_UPDATE"
grep -q 'told the gateway we take features' "$WORK/client2.log" &&
	fail "bob's client (old protocol) announced CONFIG_UPDATE"
sid_a=$(sid alice)
sid_b=$(sid bob)
[ -n "$sid_a" ] && [ -n "$sid_b" ] || fail "no session ids: alice '$sid_a' bob '$sid_b'"
ups=$(grep -c 'session up' "$WORK/gateway.log")
say "before: both have 10.30.0.0/24, alice sid $sid_a, bob sid $sid_b"

# ---- the reload: one route added, one removed, DNS and search changed ----
sed -i 's|^routes = .*|routes = 10.20.0.0/24, 10.40.0.0/24, fd00:20::/64|' "$WORK/server.ini"
sed -i 's|^dns = .*|dns = 10.20.0.54|; s|^search = .*|search = new.example|' "$WORK/server.ini"
out=$("$B/mtlsvpnctl" reload --control "$SOCK" 2>&1) || fail "reload failed: $out"
# bob, carol (not yet announced) and dave are "not updated" for now.
echo "$out" | grep -q '4 session(s) kept, 0 closed, 1 session(s) updated, 3 not updated' ||
	fail "reload reply: $out"
say "reload: $out"

alice_updated() {
	has_route "$L1" 10.40.0.0/24 && ! has_route "$L1" 10.30.0.0/24 &&
		resolv_has "nameserver 10.20.0.54" && resolv_has "search new.example.*"
}
wait_for 5 alice_updated || fail "alice not updated after 5 s: routes
$(ip -n "$L1" route show dev mtlsvpn0)
resolv.conf: $(cat "$WORK/etc/resolv.conf")"
resolv_has "nameserver 10.20.0.53" && fail "the old DNS server is still in resolv.conf"
has_route "$L1" 10.20.0.0/24 || fail "the kept route 10.20.0.0/24 is gone"
grep -q "the gateway changed the tunnel's settings: routes +10.40.0.0/24 -10.30.0.0/24; DNS 10.20.0.54 search new.example" \
	"$WORK/client1.log" || fail "alice's client did not log the change"
[ "$(sid alice)" = "$sid_a" ] || fail "alice's session changed: $(sid alice), was $sid_a"
[ "$(grep -c 'session up' "$WORK/gateway.log")" = "$ups" ] || fail "a new session came up"
grep -q 'session down' "$WORK/gateway.log" && fail "a session went down"
tunnel_up 1 || fail "alice's tunnel does not carry traffic after the update"
json=$(timeout 10 ip netns exec "$L1" "$B/mtlsvpn-client" status -c "$WORK/client1.ini" --json) ||
	fail "mtlsvpn-client status failed"
routes=$(echo "$json" | python3 -c 'import json,sys; d=json.load(sys.stdin); print(" ".join(d["routes"]), " ".join(d["dns"]["servers"]))')
[ "$routes" = "10.20.0.0/24 10.40.0.0/24 fd00:20::/64 10.20.0.54" ] ||
	fail "alice's status shows routes and DNS '$routes'"
say "alice: 10.40.0.0/24 added, 10.30.0.0/24 removed, DNS 10.20.0.54, same sid, status current"

# bob (no CONFIG_UPDATE) keeps his settings and his tunnel.
has_route "$L2" 10.30.0.0/24 || fail "bob lost 10.30.0.0/24 without an update"
has_route "$L2" 10.40.0.0/24 && fail "bob got 10.40.0.0/24: he announced nothing"
[ "$(sid bob)" = "$sid_b" ] || fail "bob's session changed: $(sid bob), was $sid_b"
tunnel_up 2 || fail "bob's tunnel does not carry traffic after the reload"
grep -q 'takes no CONFIG_UPDATE' "$WORK/gateway.log" || fail "the gateway did not log bob as not updated"
grep -qi 'protocol error' "$WORK/client2.log" "$WORK/gateway.log" && fail "a protocol error was logged"
say "bob (old protocol): no update, same sid, tunnel works"

# carol announces now and is sent the update then; dave never is.
touch "$WORK/go"
wait "${RAW_PID[carol]}" || fail "carol: $(cat "$WORK/carol.out")"
wait "${RAW_PID[dave]}" || fail "dave: $(cat "$WORK/dave.out")"
say "carol (late FEATURES): $(cat "$WORK/carol.out"); dave (mtlsvpn/1, no FEATURES): $(cat "$WORK/dave.out")"

# ---- alice's client exits: every route it added is gone ----
stop_pid "${CLIENT_PID[1]}"
for r in 10.20.0.0/24 10.30.0.0/24 10.40.0.0/24; do
	ip -n "$L1" route show "$r" | grep -q . && fail "route $r left after exit"
done
cmp "$WORK/original" "$WORK/etc/resolv.conf" ||
	fail "resolv.conf not restored: $(cat "$WORK/etc/resolv.conf")"
say "after exit: no route of alice's left, resolv.conf restored"

# ---- the client against a stand-in gateway on port 8444 ----
# fake OUT ARGS...: one connection of alice's client (client3.ini, its own
# environment in CLIENT_ENV) to fakegw.py; its result line in $WORK/OUT.
write_client_ini 3 alice "gateway = 192.0.2.1:8444"
sed -i '0,/^gateway = 192.0.2.1:8443$/{/^gateway = 192.0.2.1:8443$/d}' "$WORK/client3.ini"
fake() {
	local out=$1 fp
	shift
	ip netns exec "$G" python3 "$SRC/tests/integration/fakegw.py" --listen 192.0.2.1 \
		--ca "$CA/ca.crt" --cert "$WORK/gw.test.crt" --key "$WORK/gw.test.key" "$@" \
		>"$WORK/$out" 2>&1 &
	fp=$!
	T_PIDS+=("$fp")
	wait_for 5 listening "$G" 8444 || fail "fakegw.py is not listening: $(cat "$WORK/$out")"
	: >"$WORK/client3.log"
	env $CLIENT_ENV ip netns exec "$L1" "$B/mtlsvpn-client" -c "$WORK/client3.ini" -v \
		>>"$WORK/client3.log" 2>&1 &
	T_PIDS+=("$!")
	wait "$fp" || fail "fakegw.py: $(cat "$WORK/$out")"
	stop_pid "$!"
	say "fakegw.py $*: $(cat "$WORK/$out")"
}
CLIENT_ENV=
fake new.out --offer 1 --push
grep -q '^features=yes bye=none$' "$WORK/new.out" || fail "the stand-in got: $(cat "$WORK/new.out")"
grep -q "the gateway changed the tunnel's settings: routes +10.51.0.0/24 -10.50.0.0/24$" \
	"$WORK/client3.log" || fail "the client did not apply the stand-in's CONFIG_UPDATE"
fake old-gw.out --offer 0
grep -q '^features=no bye=none$' "$WORK/old-gw.out" ||
	fail "a gateway without FEATURES got: $(cat "$WORK/old-gw.out")"
CLIENT_ENV=MTLSVPN_TEST_NO_FEATURES=1
fake unasked.out --offer 1 --push
grep -q '^features=no bye=6$' "$WORK/unasked.out" ||
	fail "an unannounced CONFIG_UPDATE got: $(cat "$WORK/unasked.out")"
grep -q 'protocol error from .*CONFIG_UPDATE this client did not announce' "$WORK/client3.log" ||
	fail "the client did not log the unannounced CONFIG_UPDATE"
pass
