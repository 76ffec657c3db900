#!/usr/bin/env bash
# Every packet is checked against who sent it: a client that sends packets
# with forged inner sources (IPv4 and IPv6) has them dropped and counted on
# its session, while its true source gets replies; a malformed frame closes
# only that session (BYE "protocol error"), and the other employee never
# notices.
. "$(dirname "$0")/lib.sh"

topo_init
add_laptop 1
add_laptop 2
pki_init
pki_client alice
pki_client mallory
write_server_ini
start_gateway
write_client_ini 1 alice
start_client 1
wait_tunnel 1

raw() {
	ip netns exec "$(lap 2)" python3 "$SRC/tests/integration/rawclient.py" "$@" --host 192.0.2.1 \
		--server-name gw.test --ca "$CA/ca.crt" --cert "$WORK/mallory.crt" --key "$WORK/mallory.key"
}

raw forge --count 5 --hold 4 >"$WORK/forge.out" 2>&1 &
fp=$!
T_PIDS+=("$fp")
wait_for 10 grep -q "replies=" "$WORK/forge.out" || fail "forging client did not finish: $(cat "$WORK/forge.out")"
kill -USR1 "$GW_PID"
wait_for 5 grep -q 'session status: .*identity="mallory"' "$WORK/gateway.log" ||
	fail "no session status line for mallory"
wait "$fp" || fail "forging client: $(cat "$WORK/forge.out")"
st=$(grep 'session status: .*identity="mallory"' "$WORK/gateway.log" | tail -n 1)
case "$st" in *" drop_src=10 "*) ;; *) fail "want drop_src=10 (5 IPv4 + 5 IPv6 forged): $st" ;; esac
say "forged sources: $(cat "$WORK/forge.out")"
say "gateway counted: drop_src=10"

for kind in version type keepalive-payload empty-data; do
	raw malformed --kind "$kind" >"$WORK/malformed.out" 2>&1 ||
		fail "malformed frame ($kind): $(cat "$WORK/malformed.out")"
	say "malformed frame ($kind): $(cat "$WORK/malformed.out")"
done
ip netns exec "$(lap 1)" ping -c 3 -i 0.2 -W 2 10.20.0.2 >/dev/null || fail "alice lost her tunnel"
grep -q 'session down: .*identity="alice"' "$WORK/gateway.log" && fail "alice's session was closed"
say "alice unaffected"
pass
