#!/usr/bin/env bash
# Every signal a person or a service manager may send. Client: SIGUSR1 logs
# a status line; SIGUSR2 says BYE and reconnects at once (a new session at
# the gateway within 2 s, the tunnel back); SIGHUP and SIGTERM stop it
# cleanly (exit 0, routes as before, no journal left). Gateway: SIGUSR2
# toggles debug logging and it keeps serving.
. "$(dirname "$0")/lib.sh"

topo_init
add_laptop 1
L=$(lap 1)
pki_init
pki_client alice
write_server_ini
start_gateway
write_client_ini 1 alice "state_dir = $WORK/client-state"
ip -n "$L" -4 route show >"$WORK/before4"

sessions() { grep -c 'session up:' "$WORK/gateway.log" || true; }
more_sessions() { [ "$(sessions)" -gt "$1" ]; }
logged() { grep -q "$2" "$WORK/$1.log"; }

# ---- client: SIGUSR1, SIGUSR2 ----
start_client 1
wait_tunnel 1
kill -USR1 "${CLIENT_PID[1]}"
wait_for 2 logged client1 'status: UP, gateway 192.0.2.1:8443 (192.0.2.1:8443), tunnel mtlsvpn0, address 10.8.0.2/24' ||
	fail "SIGUSR1: no status line"
grep -q 'status: UP.*up [0-9]* s, sent [0-9]* bytes' "$WORK/client1.log" || fail "SIGUSR1: the line lacks uptime or bytes"
grep -Eq 'status: UP.*, udp (up|probing)$' "$WORK/client1.log" || fail "SIGUSR1: the line lacks the UDP channel's state"
say "SIGUSR1: $(grep -o 'status: .*' "$WORK/client1.log" | tail -1)"

n=$(sessions)
kill -USR2 "${CLIENT_PID[1]}"
wait_for 2 more_sessions "$n" || fail "SIGUSR2: no new session at the gateway within 2 s"
grep -q 'session down: sid=1 .*reason="client disconnected"' "$WORK/gateway.log" ||
	fail "SIGUSR2: the gateway got no BYE for the old session"
wait_tunnel 1 5
kill -0 "${CLIENT_PID[1]}" || fail "SIGUSR2 ended the client"
say "SIGUSR2: BYE, a new session within 2 s, the tunnel back"

# ---- client: SIGHUP and SIGTERM stop cleanly ----
for sig in HUP TERM; do
	kill -"$sig" "${CLIENT_PID[1]}"
	wait "${CLIENT_PID[1]}" || fail "client exit status $? after SIG$sig"
	ip -n "$L" -4 route show >"$WORK/after4"
	diff -u "$WORK/before4" "$WORK/after4" || fail "routes differ after SIG$sig"
	[ ! -e "$WORK/client-state/mtlsvpn0.journal" ] || fail "SIG$sig left the journal"
	say "SIG$sig: clean exit, routes as before, no journal"
	[ "$sig" = TERM ] && break
	start_client 1
	wait_tunnel 1
done

# ---- gateway: SIGUSR2 toggles debug ----
kill -USR2 "$GW_PID"
wait_for 2 logged gateway 'SIGUSR2: debug logging off' || fail "gateway SIGUSR2: no 'debug logging off'"
kill -USR2 "$GW_PID"
wait_for 2 logged gateway 'SIGUSR2: debug logging on' || fail "gateway SIGUSR2: no 'debug logging on'"
kill -0 "$GW_PID" || fail "the gateway died on SIGUSR2"
start_client 1
wait_tunnel 1
say "gateway SIGUSR2: debug off, on, still serving"
pass
