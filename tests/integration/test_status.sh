#!/usr/bin/env bash
# `mtlsvpn-client status` against a real client in its namespace: connecting
# (a gateway address that accepts and never answers), up (every field right,
# text and JSON, the JSON valid against docs/client-status.schema.json), read by an
# unprivileged member of status_group and refused to a non-member with a
# clear error (by the socket's mode, and by the client's own check on a
# 0666 socket), refused for now (a second laptop while max_clients = 1),
# at most 4 callers at once and each closed after 2 s, reconnecting
# (gateway stopped), ended (the certificate revoked: exit 5 and the
# reason), not running (exit 4). A temporary user and group are created
# and removed.
. "$(dirname "$0")/lib.sh"

command -v runuser >/dev/null || fail "runuser is missing (util-linux)"
python3 -c 'import jsonschema' 2>/dev/null ||
	fail "python3-jsonschema is missing (apt-get install python3-jsonschema)"
SCHEMA=$SRC/docs/client-status.schema.json
[ -f "$SCHEMA" ] || fail "$SCHEMA is missing"

# A temporary group and two users, removed by the cleanup (names carry $$).
GRP=mtvst$ID
U_IN=mtvsi$ID
U_OUT=mtvso$ID
groupadd "$GRP" || fail "groupadd $GRP"
useradd -M -N -g nogroup -G "$GRP" -s /usr/sbin/nologin "$U_IN" || fail "useradd $U_IN"
useradd -M -N -g nogroup -s /usr/sbin/nologin "$U_OUT" || fail "useradd $U_OUT"
status_cleanup() {
	local rc=$?
	set +e
	userdel "$U_IN" 2>/dev/null
	userdel "$U_OUT" 2>/dev/null
	groupdel "$GRP" 2>/dev/null
	# t_cleanup reads the test's status from $?.
	(exit "$rc")
	t_cleanup
}
trap status_cleanup EXIT

topo_init
add_laptop 1
add_laptop 2
pki_init
pki_client alice
pki_client bob
"$B/mtlsvpnctl" ca crl --dir "$CA" >>"$WORK/ctl.log" 2>&1 || fail "mtlsvpnctl ca crl"
# One client at a time: a second is refused ("gateway full"), for now.
write_server_ini "crl = ca/crl.pem" "max_clients = 1"
{
	echo "dns = 10.20.0.53"
	echo "search = corp.test"
} >>"$WORK/server.ini"
write_client_ini 1 alice "status_group = $GRP"
CINI=$WORK/client1.ini
STATE=$WORK/client-state-1

# status [ARGS...]: runs the command as root in the laptop; ST_OUT, ST_RC.
status() {
	set +e
	ST_OUT=$(timeout 10 ip netns exec "$(lap 1)" "$B/mtlsvpn-client" status "$@" 2>&1)
	ST_RC=$?
	set -e
}
# as USER ARGS...: the same as an unprivileged user.
as() {
	local u=$1
	shift
	set +e
	ST_OUT=$(timeout 10 runuser -u "$u" -- "$B/mtlsvpn-client" status "$@" 2>&1)
	ST_RC=$?
	set -e
}
# check_json: ST_OUT validates against the schema; prints nothing.
check_json() {
	python3 -c 'import json, sys, jsonschema
jsonschema.validate(json.loads(sys.argv[2]), json.load(open(sys.argv[1])))' "$SCHEMA" "$ST_OUT" ||
		fail "JSON not valid against the schema: $ST_OUT"
}
# jq_py EXPR: evaluates EXPR (Python, d = the JSON) on ST_OUT and prints it.
jq_py() { python3 -c "import json,sys; d=json.load(sys.stdin); print($1)" <<<"$ST_OUT"; }
state_is() {
	status -c "$CINI" --json
	[ "$(jq_py 'd["state"]' 2>/dev/null)" = "$1" ]
}

# ---- connecting: the gateway's address accepts but never answers ----
ip netns exec "$G" python3 -c '
import socket, time
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("192.0.2.1", 8443)); s.listen(8)
held = []
end = time.time() + 60
while time.time() < end:
    c, _ = s.accept(); held.append(c)
' >/dev/null 2>&1 &
SILENT=$!
T_PIDS+=("$SILENT")
wait_for 10 gateway_listening || fail "the silent listener is not up"
start_client 1
wait_for 10 test -S "$STATE/mtlsvpn0.sock" || fail "no status socket $STATE/mtlsvpn0.sock after 10 s"
perm=$(stat -c '%a %U %G' "$STATE/mtlsvpn0.sock")
[ "$perm" = "660 root $GRP" ] || fail "status socket is '$perm', want '660 root $GRP'"
wait_for 10 state_is connecting || fail "state not 'connecting' while the handshake hangs: $ST_OUT"
check_json
status -c "$CINI"
[ "$ST_RC" -eq 3 ] || fail "connecting: exit status $ST_RC, want 3: $ST_OUT"
grep -q '^state: *connecting' <<<"$ST_OUT" || fail "connecting: text says: $ST_OUT"
grep -q '^gateway: *192.0.2.1:8443 (192.0.2.1)' <<<"$ST_OUT" || fail "connecting: gateway line: $ST_OUT"
say "connecting: exit 3, $(head -n 1 <<<"$ST_OUT")"
stop_pid "$SILENT"

# ---- up ----
start_gateway
wait_tunnel 1 20
ip netns exec "$(lap 1)" ping -c 3 -i 0.2 -W 1 10.20.0.2 >/dev/null || fail "no ping over the tunnel"
status -c "$CINI"
[ "$ST_RC" -eq 0 ] || fail "up: exit status $ST_RC, want 0: $ST_OUT"
addr=$(tunnel_addr 1)
for want in "^state: *up since [0-9-]* [0-9:]* UTC" "^gateway: *192.0.2.1:8443 (192.0.2.1)" \
	"^tunnel: *mtlsvpn0" "^addresses: *$addr/24, fd00:8::" \
	"^routes: *10.20.0.0/24, fd00:20::/64" "^dns servers: *10.20.0.53 (pushed, not applied)" \
	"^dns domains: *corp.test" "^identity: *alice" "^certificate: *valid until" \
	"^kill switch: *off"; do
	grep -q "$want" <<<"$ST_OUT" || fail "up: no line matching '$want' in: $ST_OUT"
done
status -c "$CINI" --json
[ "$ST_RC" -eq 0 ] || fail "up --json: exit status $ST_RC"
check_json
na=$(date -u -d "$(openssl x509 -in "$WORK/alice.crt" -noout -enddate | cut -d= -f2)" +%Y-%m-%dT%H:%M:%SZ)
got=$(jq_py '"|".join(map(str, [d["state"], d["gateway"]["host"], d["gateway"]["port"],
	d["gateway"]["address"], d["tunnel"]["interface"], d["tunnel"]["addresses"][0],
	d["routes"], d["dns"]["servers"], d["dns"]["domains"], d["dns"]["applied"],
	d["identity"], d["cert_not_after"], d["kill_switch"], d["traffic"]["sent_packets"] >= 3,
	d["traffic"]["received_packets"] >= 3, d["pid"] == '"${CLIENT_PID[1]}"']))')
want="up|192.0.2.1|8443|192.0.2.1|mtlsvpn0|$addr/24|['10.20.0.0/24', 'fd00:20::/64']|['10.20.0.53']|['corp.test']|False|alice|$na|False|True|True|True"
[ "$got" = "$want" ] || fail "up --json fields:
 got  $got
 want $want"
say "up: exit 0, JSON valid and every field right (address $addr, notAfter $na)"
# A figure, not a bound: what one status call costs, the program's start included.
t0=$(date +%s%N)
for _ in $(seq 50); do
	ip netns exec "$(lap 1)" "$B/mtlsvpn-client" status -c "$CINI" >/dev/null || fail "status call failed"
done
say "50 status calls: $((($(date +%s%N) - t0) / 50000)) us each on average (ip netns exec and the program's start included)"

# ---- who may ask ----
as "$U_IN" -c "$CINI"
[ "$ST_RC" -eq 0 ] || fail "a member of $GRP: exit status $ST_RC, want 0: $ST_OUT"
grep -q '^state: *up since' <<<"$ST_OUT" || fail "a member of $GRP was told: $ST_OUT"
as "$U_OUT" -c "$CINI"
[ "$ST_RC" -eq 1 ] || fail "a non-member: exit status $ST_RC, want 1: $ST_OUT"
grep -q "permission denied on $STATE/mtlsvpn0.sock: it serves root and members of group $GRP" \
	<<<"$ST_OUT" || fail "a non-member was told: $ST_OUT"
say "member of $GRP reads the status; a non-member is told: $(head -n 1 <<<"$ST_OUT" | cut -c1-110)..."
# The client's own check (SO_PEERCRED, SO_PEERGROUPS), for a socket anyone
# may connect to (a sandbox without CAP_CHOWN leaves it so).
chmod 0666 "$STATE/mtlsvpn0.sock"
as "$U_OUT" -c "$CINI"
[ "$ST_RC" -eq 1 ] || fail "a non-member on a 0666 socket: exit status $ST_RC, want 1: $ST_OUT"
grep -q "permission denied: the status socket serves root and members of group $GRP" <<<"$ST_OUT" ||
	fail "a non-member on a 0666 socket was told: $ST_OUT"
grep -q "status: refused a caller with uid $(id -u "$U_OUT")" "$WORK/client1.log" ||
	fail "the client did not log the refused caller"
as "$U_IN" -c "$CINI" --json
[ "$ST_RC" -eq 0 ] || fail "a member on a 0666 socket: exit status $ST_RC: $ST_OUT"
check_json
chmod 0660 "$STATE/mtlsvpn0.sock"
say "on a 0666 socket the client itself refuses the non-member and serves the member"

# ---- refused for now: bob, while alice holds the only place ----
write_client_ini 2 bob
start_client 2
bob_refused() {
	set +e
	ST_OUT=$(timeout 10 ip netns exec "$(lap 2)" "$B/mtlsvpn-client" status -c "$WORK/client2.ini" 2>&1)
	ST_RC=$?
	set -e
	grep -q '^state: *refused: ' <<<"$ST_OUT"
}
wait_for 15 bob_refused || fail "bob's status never said 'refused': $ST_OUT"
[ "$ST_RC" -eq 3 ] || fail "refused: exit status $ST_RC, want 3: $ST_OUT"
grep -q '^state: *refused: gateway closed the session: address pool exhausted (gateway full: too many clients (max_clients=1)) (retrying in [0-9.]* s)' \
	<<<"$ST_OUT" || fail "refused: text says: $ST_OUT"
say "refused: exit 3, $(head -n 1 <<<"$ST_OUT" | cut -c1-130)"
stop_pid "${CLIENT_PID[2]}"

# ---- at most 4 callers, each for at most 2 s ----
ip netns exec "$(lap 1)" python3 - "$STATE/mtlsvpn0.sock" >"$WORK/hold.out" 2>&1 <<'PY' &
import socket, sys, time
socks = []
for _ in range(4):
    s = socket.socket(socket.AF_UNIX); s.connect(sys.argv[1]); socks.append(s)
print("held", flush=True)
t0 = time.time()
for s in socks:
    s.settimeout(5)
    s.recv(1)  # b"" once the client closes it
print("closed after %.1f s" % (time.time() - t0), flush=True)
PY
HOLD=$!
T_PIDS+=("$HOLD")
wait_for 5 grep -q held "$WORK/hold.out" || fail "could not hold 4 connections: $(cat "$WORK/hold.out")"
status -c "$CINI"
[ "$ST_RC" -eq 1 ] && grep -q "closed without an answer" <<<"$ST_OUT" ||
	fail "a 5th caller was not turned away while 4 are held (exit $ST_RC): $ST_OUT"
wait_for 6 grep -q "closed after" "$WORK/hold.out" || fail "held connections not closed: $(cat "$WORK/hold.out")"
held_for=$(grep -o 'closed after [0-9.]* s' "$WORK/hold.out")
status -c "$CINI"
[ "$ST_RC" -eq 0 ] || fail "status after the held connections: exit $ST_RC: $ST_OUT"
tunnel_up 1 || fail "the tunnel suffered from the held status connections"
say "a 5th caller is turned away; idle callers $held_for; the tunnel carried on"

# ---- reconnecting: the gateway stops ----
stop_pid "$GW_PID"
wait_for 10 state_is reconnecting || fail "state not 'reconnecting' after the gateway stopped: $ST_OUT"
check_json
[ "$(jq_py 'd["retry_in_s"] is not None and d["reason"] is not None')" = True ] ||
	fail "reconnecting: no retry_in_s or reason: $ST_OUT"
status -c "$CINI"
[ "$ST_RC" -eq 3 ] || fail "reconnecting: exit status $ST_RC, want 3: $ST_OUT"
grep -q '^state: *reconnecting in [0-9.]* s' <<<"$ST_OUT" || fail "reconnecting: text says: $ST_OUT"
say "reconnecting: exit 3, $(head -n 1 <<<"$ST_OUT" | cut -c1-110)"

# ---- ended: alice's certificate revoked ----
"$B/mtlsvpnctl" ca revoke alice --reason keyCompromise --dir "$CA" >>"$WORK/ctl.log" 2>&1 ||
	fail "mtlsvpnctl ca revoke alice"
start_gateway
wait_for 15 bash -c "! kill -0 ${CLIENT_PID[1]} 2>/dev/null" || fail "alice's client still runs after revocation"
[ -f "$STATE/mtlsvpn0.ended" ] || fail "no $STATE/mtlsvpn0.ended after a fatal failure"
[ ! -e "$STATE/mtlsvpn0.sock" ] || fail "the status socket outlived the client"
status -c "$CINI"
[ "$ST_RC" -eq 5 ] || fail "ended: exit status $ST_RC, want 5: $ST_OUT"
grep -q '^state: *ended: .*certificate revoked.* (at [0-9-]* [0-9:]* UTC)' <<<"$ST_OUT" ||
	fail "ended: text says: $ST_OUT"
ended_line=$(head -n 1 <<<"$ST_OUT")
as "$U_IN" -c "$CINI" --json
[ "$ST_RC" -eq 5 ] || fail "ended --json as a member: exit status $ST_RC: $ST_OUT"
check_json
[ "$(jq_py 'd["state"] + "|" + str("revoked" in d["reason"])')" = "ended|True" ] ||
	fail "ended --json: $ST_OUT"
say "ended: exit 5, $ended_line"

# ---- not running ----
write_client_ini 3 alice
status -c "$WORK/client3.ini"
[ "$ST_RC" -eq 4 ] && grep -q '^state: *not running' <<<"$ST_OUT" ||
	fail "no client: exit status $ST_RC, want 4: $ST_OUT"
status -c "mtvnone$ID" --json
[ "$ST_RC" -eq 4 ] || fail "no instance mtvnone$ID: exit status $ST_RC, want 4: $ST_OUT"
check_json
status -c "$CINI" --bogus
[ "$ST_RC" -eq 2 ] || fail "a bad option: exit status $ST_RC, want 2"
say "not running: exit 4 (configuration file and instance name); usage: exit 2"

pass
