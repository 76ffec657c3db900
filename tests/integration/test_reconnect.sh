#!/usr/bin/env bash
# Reconnects: a gateway stopped with SIGTERM says goodbye ("gateway shutting
# down") and the client comes back when it returns; after kill -9 of the
# gateway the client notices the dead peer and comes back too.
. "$(dirname "$0")/lib.sh"

topo_init
add_laptop 1
pki_init
pki_client alice
write_server_ini
start_gateway
write_client_ini 1 alice
start_client 1
wait_tunnel 1
first=$(tunnel_addr 1)

kill -TERM "$GW_PID"
wait "$GW_PID" || fail "gateway exit status $? after SIGTERM"
wait_for 5 grep -q "gateway shutting down" "$WORK/client1.log" ||
	fail "the client did not report the gateway's goodbye"
kill -0 "${CLIENT_PID[1]}" || fail "the client exited after a gateway shutdown"
start_gateway
wait_tunnel 1 20
say "SIGTERM: client told 'gateway shutting down', reconnected when the gateway returned"

kill -KILL "$GW_PID"
wait "$GW_PID" 2>/dev/null || true
sleep 1
start_gateway
t0=$(date +%s%N)
wait_tunnel 1 30
t1=$(date +%s%N)
kill -0 "${CLIENT_PID[1]}" || fail "the client exited after kill -9 of the gateway"
say "kill -9: client back $(((t1 - t0) / 1000000)) ms after the gateway returned, address $(tunnel_addr 1) (first $first)"
pass
