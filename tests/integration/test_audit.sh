#!/usr/bin/env bash
# The audit trail (docs/audit.md): a connect, a disconnect by mtlsvpnctl
# (with byte counts), the control command itself, a refusal (a certificate
# from another CA), a revocation closing a live session and a reload each
# appear in audit_log as one JSON line with the documented fields; after a
# rename and SIGHUP (logrotate) the gateway writes to a new file; a flood of
# strangers yields a bounded number of lines and a refused_summary event;
# the same events reach journald's native socket with their MESSAGE_ID and
# MTLSVPN_* fields. journald is played by journal_listen.py on a socket at
# /run/systemd/journal/socket inside a private mount namespace (a tmpfs
# over /run) that only the gateway sees.
. "$(dirname "$0")/lib.sh"

command -v python3 >/dev/null || fail "python3 is needed to parse the audit trail"
command -v unshare >/dev/null || fail "unshare (util-linux) is needed for the journald stand-in"

topo_init
add_laptop 1
add_laptop 2
add_laptop 3
pki_init
pki_client alice
pki_client bob
"$B/mtlsvpnctl" ca crl --dir "$CA" >>"$WORK/ctl.log" 2>&1 || fail "mtlsvpnctl ca crl"

AUDIT=$WORK/state/audit.json
JOURNAL=$WORK/journal.jsonl
write_server_ini "audit_log = state/audit.json" "crl = ca/crl.pem"

# ---- the gateway, with journald's socket played by journal_listen.py ----
# start_audit_gateway [SHELL]: the gateway in its own mount namespace, where
# a tmpfs over /run holds the stand-in's socket; SHELL runs there first.
start_audit_gateway() {
	: >"$WORK/listener.pid"
	ip netns exec "$G" unshare -m --propagation private bash -c '
		set -e
		mount -t tmpfs -o mode=0755 tmpfs /run
		mkdir -p /run/systemd/journal
		python3 "$1/tests/integration/journal_listen.py" /run/systemd/journal/socket "$2" 300 &
		echo $! >"$3"
		for i in $(seq 50); do [ -S /run/systemd/journal/socket ] && break; sleep 0.1; done
		[ -S /run/systemd/journal/socket ]
		eval "$6"
		exec "$4/mtlsvpn-server" -c "$5" -v
	' audit-gw "$SRC" "$JOURNAL" "$WORK/listener.pid" "$B" "$WORK/server.ini" "${1:-}" \
		>>"$WORK/gateway.log" 2>&1 &
	GW_PID=$!
	T_PIDS+=("$GW_PID")
	wait_for 10 gateway_listening || fail "the gateway is not listening after 10 s"
	[ -s "$WORK/listener.pid" ] || fail "the journald stand-in did not start"
	T_PIDS+=("$(cat "$WORK/listener.pid")")
}
start_audit_gateway
grep -q "audit trail: file $AUDIT, journald" "$WORK/gateway.log" ||
	fail "the gateway did not say it writes the audit trail to $AUDIT and journald"

# audit_q PYTHON-EXPR [FILE]: prints the events (one JSON a line) of FILE
# for which EXPR (over e, a dict) is true; fails on a line that is not JSON.
audit_q() {
	python3 - "$1" "${2:-$AUDIT}" <<'PY'
import json, sys
expr, path = sys.argv[1], sys.argv[2]
try:
    lines = open(path).read().splitlines()
except FileNotFoundError:
    sys.exit(0)
for n, line in enumerate(lines, 1):
    try:
        e = json.loads(line)
    except ValueError as x:
        print("%s:%d is not JSON: %s" % (path, n, x), file=sys.stderr)
        sys.exit(2)
    if eval(expr, {}, {"e": e}):
        print(json.dumps(e))
PY
}
has_event() { [ -n "$(audit_q "$@")" ]; }
# need EXPR WHAT [FILE]: waits up to 10 s for an event, prints it.
need() {
	wait_for 10 has_event "$1" "${3:-$AUDIT}" ||
		fail "no $2 in $(basename "${3:-$AUDIT}"): $(tail -n 5 "${3:-$AUDIT}" 2>&1)"
	audit_q "$1" "${3:-$AUDIT}" | sed -n 1p
}
# keys JSON KEY...: each key is present in the event.
keys() {
	python3 -c 'import json, sys
e = json.loads(sys.argv[1])
miss = [k for k in sys.argv[2:] if k not in e]
sys.exit("missing %s in %s" % (miss, sys.argv[1]) if miss else 0)' "$@" || fail "an event lacks fields"
}

# ---- connect ----
write_client_ini 1 alice
write_client_ini 2 bob
start_client 1
start_client 2
wait_tunnel 1
wait_tunnel 2
ip netns exec "$(lap 1)" ping -c 5 -i 0.2 -W 1 10.20.0.2 >/dev/null || fail "alice cannot reach the LAN"
ev=$(need 'e["event"] == "connect" and e.get("identity") == "alice"' "connect event of alice")
keys "$ev" event time sid identity serial fingerprint group remote_addr remote_port tunnel_ipv4 tunnel_ipv6
python3 -c 'import json,sys; e=json.loads(sys.argv[1]); sys.exit(0 if e["remote_addr"] == "192.0.2.11" and e["group"] == "default" else 1)' "$ev" ||
	fail "connect event of alice: wrong remote or group: $ev"
say "connect: $ev"
ALICE_SERIAL=$(python3 -c 'import json,sys; print(json.loads(sys.argv[1])["serial"])' "$ev")

# ---- a control action: mtlsvpnctl disconnect alice; her disconnect ----
"$B/mtlsvpnctl" disconnect alice --control "$WORK/control" >>"$WORK/ctl.log" 2>&1 ||
	fail "mtlsvpnctl disconnect alice: $(tail -n 2 "$WORK/ctl.log")"
ev=$(need 'e["event"] == "control" and e.get("command") in ("disconnect alice", "disconnect identity alice")' \
	"control event")
keys "$ev" event time command result caller_uid caller_pid
python3 -c 'import json,sys; e=json.loads(sys.argv[1]); sys.exit(0 if e["caller_uid"] == 0 and e["result"] == "accepted" else 1)' "$ev" ||
	fail "control event: want caller_uid 0 and result accepted: $ev"
say "control: $ev"
ev=$(need 'e["event"] == "disconnect" and e.get("identity") == "alice" and e.get("reason_code") == "admin"' \
	"disconnect event of alice")
keys "$ev" event time sid identity serial group remote_addr remote_port tunnel_ipv4 rx_bytes rx_packets \
	tx_bytes tx_packets duration_ms reason reason_code
python3 -c 'import json,sys; e=json.loads(sys.argv[1]); sys.exit(0 if e["rx_bytes"] > 0 and e["tx_bytes"] > 0 and e["rx_packets"] >= 5 and e["tx_packets"] >= 5 else 1)' "$ev" ||
	fail "disconnect event of alice: byte counts not > 0: $ev"
say "disconnect: $ev"

# ---- a refusal: a certificate from another CA ----
"$B/mtlsvpnctl" ca init --dir "$WORK/otherca" --name "Other CA" >>"$WORK/ctl.log" 2>&1 || fail "second CA"
mkdir -p "$WORK/other"
"$B/mtlsvpnctl" ca issue-client mallory --dir "$WORK/otherca" --out "$WORK/other" >>"$WORK/ctl.log" 2>&1 ||
	fail "mallory's certificate"
cp "$WORK/other/mallory.crt" "$WORK/other/mallory.key" "$WORK/"
write_client_ini 3 mallory
run_client_to_end 3 15
[ "$RUN_RC" -eq 1 ] || fail "mallory's client: exit status $RUN_RC, want 1"
ev=$(need 'e["event"] == "refused" and e.get("remote_addr") == "192.0.2.13"' "refused event of mallory")
keys "$ev" event time remote_addr remote_port reason reason_code
say "refused: $ev"

# ---- a revocation closes bob's live session ----
"$B/mtlsvpnctl" ca revoke bob --reason keyCompromise --dir "$CA" >>"$WORK/ctl.log" 2>&1 ||
	fail "mtlsvpnctl ca revoke bob: $(tail -n 3 "$WORK/ctl.log")"
ev=$(need 'e["event"] == "revoked" and e.get("identity") == "bob"' "revoked event of bob")
keys "$ev" event time sid identity serial remote_addr reason reason_code
say "revoked: $ev"
ev=$(need 'e["event"] == "disconnect" and e.get("identity") == "bob" and e.get("reason_code") == "revoked"' \
	"disconnect event of bob (revoked)")
# bob again: refused after authentication, recorded in full with his serial.
stop_pid "${CLIENT_PID[2]}"
run_client_to_end 2 15
[ "$RUN_RC" -eq 1 ] || fail "bob's reconnect after revocation: exit status $RUN_RC, want 1"
ev=$(need 'e["event"] == "refused" and e.get("identity") == "bob" and e.get("reason_code") == "revoked"' \
	"refused event of bob's reconnect")
keys "$ev" event time sid identity serial fingerprint remote_addr remote_port reason reason_code
say "refused after authentication: $ev"

# ---- logrotate: rename, SIGHUP; the reload lands in a new file ----
mv "$AUDIT" "$AUDIT.1"
kill -HUP "$GW_PID"
ev=$(need 'e["event"] == "reload" and e.get("trigger") == "SIGHUP"' "reload event in the new file")
keys "$ev" event time trigger result reason
python3 -c 'import json,sys; sys.exit(0 if json.loads(sys.argv[1])["result"] == "ok" else 1)' "$ev" ||
	fail "reload event: result is not ok: $ev"
say "reload (new file after rename + SIGHUP): $ev"
has_event 'e["event"] == "reload"' "$AUDIT.1" && fail "the reload event went to the renamed file"
has_event 'e["event"] == "connect"' "$AUDIT.1" || fail "the renamed file lost its events"
[ "$(stat -c %U "$AUDIT")" = nobody ] || fail "the new audit file is not the gateway user's"

# ---- a flood of strangers: bounded lines, then a summary ----
# refused_total: every refusal before authentication the gateway counted.
refused_total() {
	"$B/mtlsvpnctl" status --json --control "$WORK/control" | python3 -c '
import json, sys
def find(o):
    if isinstance(o, dict):
        if "refusals" in o:
            return sum(o["refusals"]["before_auth"].values())
        for v in o.values():
            r = find(v)
            if r is not None:
                return r
print(find(json.load(sys.stdin)))'
}
counted_all() { [ "$(refused_total)" -ge "$1" ]; }
before=$(refused_total)
[ "$before" -ge 1 ] || fail "mtlsvpnctl status --json shows no refusal before the flood"
flood_n=300
t0=$(date +%s%N)
ip netns exec "$(lap 3)" timeout 60 python3 -c '
import socket, sys
n = 0
for i in range(int(sys.argv[1])):
    try:
        s = socket.create_connection(("192.0.2.1", 8443), timeout=2)
        s.sendall(b"GET / HTTP/1.0\r\n\r\n")
        s.close()
        n += 1
    except OSError:
        pass
print(n)' "$flood_n" >"$WORK/flood.out" || fail "the flood did not run"
sent=$(cat "$WORK/flood.out")
[ "$sent" -ge 200 ] || fail "the flood made only $sent connections"
wait_for 30 counted_all $((before + sent)) ||
	fail "the gateway counted $(($(refused_total) - before)) of $sent refusals within 30 s"
t1=$(date +%s%N)
# The interval's summary is due at most 10 s after the last refusal.
summed() {
	[ "$(audit_q 'e["event"] == "refused_summary"' | python3 -c '
import json, sys
print(sum(json.loads(l)["count"] for l in sys.stdin))')" -ge $((before + sent)) ]
}
wait_for 15 summed || fail "the refused_summary events do not add up to $((before + sent)) within 15 s: \
$(audit_q 'e["event"] == "refused_summary"')"
ev=$(audit_q 'e["event"] == "refused_summary"' | tail -n 1)
keys "$ev" event time count held reason
lines=$(audit_q 'e["event"] == "refused" and e.get("remote_addr") == "192.0.2.13"' | wc -l)
secs=$(((t1 - t0) / 1000000000 + 1))
bound=$((10 * (secs + 1)))
say "flood: $sent connections refused in ${secs} s -> $lines refused lines (bound $bound), last summary: $ev"
[ "$lines" -le "$bound" ] || fail "the flood wrote $lines refused lines, more than $bound"
[ "$lines" -lt "$sent" ] || fail "the flood wrote a line per refusal"

# ---- journald: the same events, native fields ----
je=$(need 'e.get("MTLSVPN_EVENT") == "connect" and e.get("MTLSVPN_IDENTITY") == "alice"' \
	"journald entry for alice's connect" "$JOURNAL")
python3 - "$je" "$ALICE_SERIAL" <<'PY' || fail "journald entry: wrong fields: $je"
import json, sys
e, serial = json.loads(sys.argv[1]), sys.argv[2]
want = {"MESSAGE_ID": "9f6d475255a14d2592593b1c39efd362", "MTLSVPN_SERIAL": serial,
        "MTLSVPN_REMOTE_ADDR": "192.0.2.11", "PRIORITY": "6",
        "SYSLOG_IDENTIFIER": "mtlsvpn-server"}
bad = {k: e.get(k) for k, v in want.items() if e.get(k) != v}
for k in ("MESSAGE", "MTLSVPN_SID", "MTLSVPN_TUNNEL_IPV4", "MTLSVPN_GROUP"):
    if k not in e:
        bad[k] = None
sys.exit("unexpected: %s" % bad if bad else 0)
PY
say "journald: $je"
je=$(need 'e.get("MTLSVPN_EVENT") == "disconnect" and e.get("MTLSVPN_IDENTITY") == "alice"' \
	"journald entry for alice's disconnect" "$JOURNAL")
python3 -c 'import json,sys; e=json.loads(sys.argv[1]); sys.exit(0 if e["MESSAGE_ID"] == "553a6fd13ba74df583f762d23b0b9d7a" and int(e["MTLSVPN_RX_BYTES"]) > 0 else 1)' "$je" ||
	fail "journald disconnect entry: wrong MESSAGE_ID or no bytes: $je"
grep -q "audit trail: an event could not be written" "$WORK/gateway.log" &&
	fail "the gateway lost audit events"

# ---- a full disk: the loss is counted and logged once, the gateway serves on ----
stop_pid "$GW_PID"
stop_pid "$(cat "$WORK/listener.pid")"
mkdir -m 0777 "$WORK/full"
write_server_ini "audit_log = full/audit.json" "crl = ca/crl.pem"
from=$(($(wc -l <"$WORK/gateway.log") + 1))
# A 16 KiB tmpfs, filled: audit.json can be created, not written to.
start_audit_gateway "mount -t tmpfs -o size=16k,mode=0777 tmpfs '$WORK/full'
	head -c 1048576 /dev/zero >'$WORK/full/pad' 2>/dev/null || true"
gwlog() { tail -n +"$from" "$WORK/gateway.log"; }
# A connect, a control action, a disconnect; then alice connects again.
stop_pid "${CLIENT_PID[1]}"
start_client 1
wait_tunnel 1
"$B/mtlsvpnctl" disconnect alice --control "$WORK/control" >>"$WORK/ctl.log" 2>&1 ||
	fail "mtlsvpnctl disconnect alice (full disk): $(tail -n 2 "$WORK/ctl.log")"
stop_pid "${CLIENT_PID[1]}"
start_client 1
wait_tunnel 1
kill -0 "$GW_PID" 2>/dev/null || fail "the gateway died on a full disk"
lost=$(gwlog | grep -c "audit trail: an event could not be written to $WORK/full/audit.json" || true)
[ "$lost" -eq 1 ] || fail "a full disk was logged $lost times, want once: $(gwlog | grep 'audit trail' | head -n 5)"
[ ! -s "$WORK/full/audit.json" ] || fail "a line was written to a full disk?"
kill -USR1 "$GW_PID"
wait_for 5 bash -c "tail -n +$from '$WORK/gateway.log' | grep -q 'status: audit file='" ||
	fail "SIGUSR1 did not report the audit trail"
nlost=$(gwlog | grep -o 'status: audit file=.* lost=[0-9]*' | tail -n 1 | sed 's/.*lost=//')
[ "$nlost" -ge 3 ] || fail "SIGUSR1 says $nlost audit events lost, want at least 3 (connect, control, disconnect)"
need 'e.get("MTLSVPN_EVENT") == "control" and e.get("MTLSVPN_COMMAND") == "disconnect identity alice" and int(e.get("MTLSVPN_CALLER_PID", 0)) > 0' \
	"journald entry while the file fails" "$JOURNAL" >/dev/null
say "full disk: $(gwlog | grep 'audit trail: an event could not be written' | cut -c1-160); the gateway serves on and journald still gets the events"
pass
