#!/usr/bin/env bash
# What systemd sees (common/base/notify.c, common/base/log.c), without a
# running systemd: a test socket stands in for $NOTIFY_SOCKET and a file
# for the journal stream.
# - gateway: READY=1 once it listens, WATCHDOG=1 at half of WATCHDOG_USEC,
#   RELOADING=1 then READY=1 around a reload, STOPPING=1 at SIGTERM;
# - client: READY=1 once the tunnel is up, its watchdog, STOPPING=1;
# - logs on a journal stream carry their priority: <6> info, <4> warning,
#   <3> error, so journalctl -p err shows errors only.
. "$(dirname "$0")/lib.sh"

NL="python3 $SRC/tests/integration/notify_listen.py"
topo_init
pki_init
add_laptop 1
pki_client alice
write_server_ini
write_client_ini 1 alice

# ---- the gateway ----
ip netns exec "$G" $NL "$WORK/notify-gw" 30 >"$WORK/notify-gw.out" 2>&1 &
T_PIDS+=("$!")
wait_for 5 grep -q listening "$WORK/notify-gw.out" || fail "the notify listener did not start"
: >"$WORK/gateway.log"
js=$(stat -c '%d:%i' "$WORK/gateway.log")
ip netns exec "$G" env NOTIFY_SOCKET="$WORK/notify-gw" WATCHDOG_USEC=400000 JOURNAL_STREAM="$js" \
	"$B/mtlsvpn-server" -c "$WORK/server.ini" >>"$WORK/gateway.log" 2>&1 &
GW_PID=$!
T_PIDS+=("$GW_PID")
wait_for 10 grep -qx 'READY=1' "$WORK/notify-gw.out" || fail "the gateway never said READY=1"
gateway_listening || fail "READY=1 came before the gateway listened"
grep -q '^STATUS=listening on 192.0.2.1:8443' "$WORK/notify-gw.out" || fail "no STATUS line: $(cat "$WORK/notify-gw.out")"
sleep 1.2
wd=$(grep -c '^WATCHDOG=1' "$WORK/notify-gw.out" || true)
[ "$wd" -ge 3 ] || fail "want a WATCHDOG=1 every 200 ms, got $wd in 1.2 s"
kill -HUP "$GW_PID"
wait_for 5 sh -c "grep -A1 '^RELOADING=1' '$WORK/notify-gw.out' | grep -qx 'READY=1'" ||
	fail "no RELOADING=1 then READY=1 around a reload: $(cat "$WORK/notify-gw.out")"
stop_pid "$GW_PID"
wait_for 5 grep -qx 'STOPPING=1' "$WORK/notify-gw.out" || fail "no STOPPING=1 at SIGTERM"
say "gateway: READY=1 once listening, $wd watchdog keepalives in 1.2 s, RELOADING=1/READY=1 on SIGHUP, STOPPING=1"

# Priorities on the journal stream: no timestamps (journald adds them).
grep -q '^<6>gateway up: listen=192.0.2.1:8443' "$WORK/gateway.log" ||
	fail "info lines do not carry <6>: $(head -n 3 "$WORK/gateway.log")"
if grep -Eq '^[0-9]{4}-' "$WORK/gateway.log"; then fail "a line on the journal stream has a timestamp"; fi

# A warning and an error, each with its priority.
write_server_ini "max_handshakes = 2000"
: >"$WORK/gw2.log"
js=$(stat -c '%d:%i' "$WORK/gw2.log")
ip netns exec "$G" env JOURNAL_STREAM="$js" prlimit --nofile=256:256 \
	"$B/mtlsvpn-server" -c "$WORK/server.ini" >>"$WORK/gw2.log" 2>&1 &
GW_PID=$!
T_PIDS+=("$GW_PID")
wait_for 10 gateway_listening || fail "the gateway is not listening"
stop_pid "$GW_PID"
grep -q '^<4>open files limit 256 is below' "$WORK/gw2.log" ||
	fail "the descriptor warning does not carry <4>: $(head -n 5 "$WORK/gw2.log")"
printf '[gateway]\nlisten = nonsense\n' >"$WORK/bad.ini"
: >"$WORK/gw3.log"
js=$(stat -c '%d:%i' "$WORK/gw3.log")
set +e
env JOURNAL_STREAM="$js" "$B/mtlsvpn-server" -c "$WORK/bad.ini" >>"$WORK/gw3.log" 2>&1
rc=$?
set -e
[ "$rc" -eq 2 ] || fail "a bad configuration: exit $rc, want 2"
grep -q "^<3>$WORK/bad.ini:2 \[gateway\] listen: " "$WORK/gw3.log" ||
	fail "the configuration error does not carry <3>: $(cat "$WORK/gw3.log")"
say "journal stream: <6> info, <4> warning, <3> error, no timestamps"

# ---- the client ----
start_gateway
ip netns exec "$(lap 1)" $NL "$WORK/notify-cl" 30 >"$WORK/notify-cl.out" 2>&1 &
T_PIDS+=("$!")
wait_for 5 grep -q listening "$WORK/notify-cl.out" || fail "the notify listener did not start"
ip netns exec "$(lap 1)" env NOTIFY_SOCKET="$WORK/notify-cl" WATCHDOG_USEC=400000 \
	"$B/mtlsvpn-client" -c "$WORK/client1.ini" >>"$WORK/client1.log" 2>&1 &
cl=$!
T_PIDS+=("$cl")
wait_for 15 grep -qx 'READY=1' "$WORK/notify-cl.out" || fail "the client never said READY=1"
tunnel_up 1 || fail "the client said READY=1 before its tunnel was up"
grep -q '^STATUS=connected to 192.0.2.1:8443' "$WORK/notify-cl.out" || fail "no client STATUS: $(cat "$WORK/notify-cl.out")"
sleep 1
grep -q '^WATCHDOG=1' "$WORK/notify-cl.out" || fail "no client watchdog keepalive"
stop_pid "$cl"
grep -qx 'STOPPING=1' "$WORK/notify-cl.out" || fail "no STOPPING=1 from the client"
say "client: READY=1 once the tunnel is up, watchdog, STOPPING=1"
pass
