#!/usr/bin/env bash
# Reload of a running gateway (server/reload.c) over the control socket and
# on SIGHUP: a rule change takes effect for alice's live session without a
# reconnect (same session id, no "session down"); a configuration with a
# bad pcap expression is refused whole, the reason (file, group, expression)
# printed by mtlsvpnctl with a non-zero exit, and the old rules keep
# working; the control socket is mode 0660, owner root, and refuses a
# non-root caller; "disconnect" closes a session with BYE_ADMIN; a session
# whose address leaves its group's pool is closed with that reason; a
# reload that revokes a live session's certificate counts it as closed, not
# kept (the revocation sweep runs before the reply is written).
. "$(dirname "$0")/lib.sh"

topo_init
add_laptop 1
pki_init
pki_client alice

CTL=("$B/mtlsvpnctl")
SOCK="$WORK/control"
write_server_ini "default_group = deny" "control = $SOCK"
sed -i '/^\[pool\]/,$d' "$WORK/server.ini"
cat >>"$WORK/server.ini" <<'INI'
[group engineering]
ipv4 = 10.8.1.0/24
routes = 10.20.0.0/24
members = alice
rule10 = allow dst host 10.20.0.2 and tcp dst port 8080
rule30 = allow icmp
INI
cp "$WORK/server.ini" "$WORK/server.ini.orig"

cat >"$WORK/lan.py" <<'PY'
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("0.0.0.0", 8080)); s.listen(16)
while True:
    c, _ = s.accept(); c.sendall(b"hello 8080\n"); c.close()
PY
cat >"$WORK/try.py" <<'PY'
import socket, sys
try:
    s = socket.create_connection((sys.argv[1], int(sys.argv[2])), timeout=2)
    s.settimeout(2); print("ok", s.recv(100).decode().strip()); sys.exit(0)
except OSError as e:
    print("no", e); sys.exit(1)
PY
ip netns exec "$N" python3 "$WORK/lan.py" >>"$WORK/lan.log" 2>&1 &
T_PIDS+=("$!")
wait_for 5 listening "$N" 8080 || fail "the LAN test server did not start"

start_gateway
write_client_ini 1 alice
start_client 1
up() { ip netns exec "$(lap 1)" ping -c 1 -W 1 10.20.0.2 >/dev/null 2>&1; }
wait_for 15 up || fail "alice: no path to the LAN"

tcp_want() {
	local out rc=0
	out=$(ip netns exec "$(lap 1)" python3 "$WORK/try.py" 10.20.0.2 8080 2>&1) || rc=$?
	[ "$1" = yes ] && [ "$rc" -ne 0 ] && fail "$2: tcp 8080 should pass, got: $out"
	[ "$1" = no ] && [ "$rc" -eq 0 ] && fail "$2: tcp 8080 should be blocked, got: $out"
	say "$2: tcp 8080 $out"
}
sid() { "${CTL[@]}" status --control "$SOCK" | awk '$2 == "alice" {print $1}'; }
no_session_down() {
	if grep -q 'session down' "$WORK/gateway.log"; then
		fail "$1: a session went down: $(grep 'session down' "$WORK/gateway.log")"
	fi
}

# mtlsvpnctl reload, whose reply must say what (a grep pattern); in $out.
reload_says() {
	out=$("${CTL[@]}" reload --control "$SOCK" 2>&1) || fail "reload ($2) failed: $out"
	echo "$out" | grep -q "$1" || fail "reload ($2): want '$1', got: $out"
}

# The socket: mode 0660, owner root.
[ -S "$SOCK" ] || fail "no control socket at $SOCK"
[ "$(stat -c '%a %U' "$SOCK")" = "660 root" ] ||
	fail "control socket is $(stat -c '%a %U' "$SOCK"), want 660 root"
say "control socket $(stat -c '%a %U' "$SOCK")"

tcp_want yes "before any reload"
SID0=$(sid)
[ -n "$SID0" ] || fail "status does not list alice: $("${CTL[@]}" status --control "$SOCK")"
"${CTL[@]}" status --control "$SOCK" | grep -q 'alice .*engineering .*10\.8\.1\.' ||
	fail "status: $("${CTL[@]}" status --control "$SOCK")"
say "status: alice sid $SID0 in engineering"

# 1. mtlsvpnctl reload: engineering loses tcp 8080.
sed -i '/^rule10 = /d' "$WORK/server.ini"
reload_says '1 session(s) kept, 0 closed' "rule removed"
say "reload: $out"
tcp_want no "after mtlsvpnctl reload"
up || fail "ICMP (still allowed) stopped working after the reload"
[ "$(sid)" = "$SID0" ] || fail "alice's session changed: $(sid) != $SID0"
no_session_down "mtlsvpnctl reload"

# 2. SIGHUP: tcp 8080 is back.
cp "$WORK/server.ini.orig" "$WORK/server.ini"
n=$(grep -c 'SIGHUP: .* reloaded in' "$WORK/gateway.log" || true)
kill -HUP "$GW_PID"
hup_done() { [ "$(grep -c 'SIGHUP: .* reloaded in' "$WORK/gateway.log")" -gt "$n" ]; }
wait_for 5 hup_done || fail "no reload after SIGHUP: $(tail -5 "$WORK/gateway.log")"
tcp_want yes "after SIGHUP"
[ "$(sid)" = "$SID0" ] || fail "alice's session changed after SIGHUP"
no_session_down "SIGHUP"

# 3. A broken configuration is refused whole; the old rules stay.
sed -i '/^rule10 = /d' "$WORK/server.ini"
echo 'rule40 = allow tcp dst port ((( nonsense' >>"$WORK/server.ini"
rc=0
out=$("${CTL[@]}" reload --control "$SOCK" 2>&1) || rc=$?
[ "$rc" -ne 0 ] || fail "a broken reload exited 0: $out"
for w in server.ini engineering rule40 'nonsense' refused; do
	echo "$out" | grep -q -- "$w" || fail "the refusal does not name '$w': $out"
done
say "broken reload refused (exit $rc): $out"
grep -q 'reload refused' "$WORK/gateway.log" || fail "the refusal is not logged"
tcp_want yes "after the refused reload (old rules)"
no_session_down "refused reload"
# The same through SIGHUP: refused, logged, nothing changes.
kill -HUP "$GW_PID"
hup_refused() { grep -q 'SIGHUP: reload refused' "$WORK/gateway.log"; }
wait_for 5 hup_refused || fail "SIGHUP with a broken file: no refusal logged"
tcp_want yes "after the refused SIGHUP"

# 4. A non-root caller is refused with a clear message.
rc=0
out=$(setpriv --reuid=65534 --regid=65534 --clear-groups "${CTL[@]}" status --control "$SOCK" 2>&1) ||
	rc=$?
[ "$rc" -ne 0 ] || fail "a non-root caller got an answer: $out"
echo "$out" | grep -qi 'permission denied' || fail "non-root refusal unclear: $out"
say "non-root caller: exit $rc: $out"

# Past the file mode (a socket opened up by mistake), SO_PEERCRED refuses.
# (the work directory is 711 already: others pass through, see lib.sh)
chmod 666 "$SOCK"
rc=0
out=$(setpriv --reuid=65534 --regid=65534 --clear-groups "${CTL[@]}" status --control "$SOCK" 2>&1) ||
	rc=$?
chmod 660 "$SOCK"
[ "$rc" -ne 0 ] || fail "SO_PEERCRED let a non-root caller in: $out"
echo "$out" | grep -q 'serves root (uid 0) only' || fail "SO_PEERCRED refusal unclear: $out"
grep -q 'control: refused a caller with uid 65534' "$WORK/gateway.log" ||
	fail "the SO_PEERCRED refusal is not logged"
say "non-root caller past the file mode: exit $rc: $out"

# 5. disconnect: BYE_ADMIN, logged.
cp "$WORK/server.ini.orig" "$WORK/server.ini"
out=$("${CTL[@]}" disconnect alice --control "$SOCK" 2>&1) || fail "disconnect: $out"
say "disconnect: $out"
down() { grep -q 'session down: .*identity="alice".*disconnected by an administrator' "$WORK/gateway.log"; }
wait_for 5 down || fail "no session down line after disconnect"
rc=0
"${CTL[@]}" disconnect nobody-here --control "$SOCK" 2>/dev/null || rc=$?
[ "$rc" -eq 1 ] || fail "disconnect of an unknown identity exited $rc, want 1"

# 6. A pool that no longer holds the address: that session is closed, with
# the reason on its session down line.
stop_pid "${CLIENT_PID[1]}"
start_client 1
wait_for 15 up || fail "alice: no path after a new client start"
sed -i 's#^ipv4 = 10.8.1.0/24#ipv4 = 10.8.3.0/24#' "$WORK/server.ini"
reload_says '0 session(s) kept, 1 closed' "pool moved"
moved() { grep -q "session down: .*identity=\"alice\".*reload: address 10.8.1.[0-9]* is no longer in group engineering's pool" "$WORK/gateway.log"; }
wait_for 5 moved || fail "no session down line naming the pool: $(grep 'session down' "$WORK/gateway.log")"
say "pool moved: $out"

# 7. The reload revokes alice's certificate (deny_serials): her session is
# closed by the revocation sweep, and the reply says so.
stop_pid "${CLIENT_PID[1]}"
start_client 1
wait_for 15 up || fail "alice: no path after the pool moved"
serial=$(openssl x509 -in "$WORK/alice.crt" -noout -serial | cut -d= -f2)
sed -i "/^\[gateway\]/a deny_serials = $serial" "$WORK/server.ini"
reload_says '0 session(s) kept, 1 closed' "alice revoked"
revoked() { grep -q 'session revoked: .*identity="alice"' "$WORK/gateway.log"; }
wait_for 5 revoked || fail "no session revoked line for alice: $(tail -5 "$WORK/gateway.log")"
say "alice revoked: $out"
pass
