#!/usr/bin/env bash
# mtlsvpnctl status --json, disconnect and control_group: with three
# clients in two groups, the JSON document validates against
# docs/gateway-status.schema.json (python3-jsonschema) and says what is true (the
# sessions, their groups and bytes, the pools, the CRL); disconnect by sid,
# by identity and by group each end exactly the sessions named; a member of
# control_group (a user and group this test creates and removes, in the
# group's member list, and another with it as primary group) may run
# status and status --json but is refused reload, disconnect and capture;
# a user outside the group is refused everything.
. "$(dirname "$0")/lib.sh"

python3 -c 'import jsonschema' 2>/dev/null ||
	fail "python3-jsonschema is missing (packaging/setup.sh installs it)"
command -v useradd >/dev/null || fail "useradd is missing"

GRP=mtv-adm-$ID
USR=mtv-usr-$ID
made_user=0
made_group=0
# Then lib.sh's cleanup, with the test's exit status in $? (errexit off:
# under it the "(exit rc)" that hands the status on would end the trap).
status_cleanup() {
	local rc=$?
	set +e
	[ "$made_user" -eq 1 ] && userdel "$USR" 2>/dev/null
	[ "$made_group" -eq 1 ] && groupdel "$GRP" 2>/dev/null
	(exit "$rc")
	t_cleanup
}
trap status_cleanup EXIT

groupadd --system "$GRP"
made_group=1
useradd --system --no-create-home --shell /usr/sbin/nologin -G "$GRP" "$USR"
made_user=1
USR_UID=$(id -u "$USR")
USR_GID=$(id -g "$USR")
GRP_GID=$(getent group "$GRP" | cut -d: -f3)

topo_init
add_laptop 1
add_laptop 2
add_laptop 3
pki_init
pki_client alice
pki_client bob
pki_client carol
"$B/mtlsvpnctl" ca crl --dir "$CA" >>"$WORK/ctl.log" 2>&1 || fail "mtlsvpnctl ca crl"

write_server_ini "crl = ca/crl.pem" "control_group = $GRP"
cat >>"$WORK/server.ini" <<'INI'
[group eng]
ipv4 = 10.8.1.0/24
members = carol
rule10 = allow icmp
INI
# A control_group that does not exist is named by --check-config.
sed "s/^control_group = .*/control_group = mtv-none-$ID/" "$WORK/server.ini" >"$WORK/nogroup.ini"
rc=0
out=$("$B/mtlsvpn-server" -c "$WORK/nogroup.ini" --check-config 2>&1) || rc=$?
[ "$rc" -ne 0 ] || fail "--check-config accepted a missing control_group"
echo "$out" | grep -q "control_group: no group mtv-none-$ID on this system" ||
	fail "--check-config's message about control_group is unclear: $out"
start_gateway
SOCK=$WORK/control
CTL=("$B/mtlsvpnctl")
[ "$(stat -c %G "$SOCK")" = "$GRP" ] || fail "the control socket's group is $(stat -c %G "$SOCK"), not $GRP"

write_client_ini 1 alice
write_client_ini 2 bob
write_client_ini 3 carol
start_client 1
start_client 2
start_client 3

J=$WORK/status.json
status_json() { "${CTL[@]}" status --json --control "$SOCK" >"$J"; }
# jq-like questions to the last document: py EXPR (d is the document).
py() { python3 -c "import json,sys; d=json.load(open('$J')); print($1)"; }
n_sessions() { status_json && [ "$(py 'len(d["sessions"])')" = "$1" ]; }
validate() {
	python3 - "$SRC/docs/gateway-status.schema.json" "$J" <<'PY' || fail "status --json does not validate: $(cat "$J")"
import json, sys, jsonschema
schema = json.load(open(sys.argv[1]))
jsonschema.Draft202012Validator.check_schema(schema)
jsonschema.Draft202012Validator(schema).validate(json.load(open(sys.argv[2])))
PY
}

wait_for 20 n_sessions 3 || fail "not three sessions after 20 s: $(cat "$J")"
wait_tunnel 1
ip netns exec "$(lap 1)" ping -I mtlsvpn0 -c 3 -i 0.2 -W 1 10.8.0.1 >/dev/null || fail "alice cannot ping"
status_json || fail "status --json failed"
validate
say "status --json validates: $(wc -c <"$J") bytes, 3 sessions, cipher $(grep -o '"cipher":"[^"]*"' "$J" | head -1)"

# What it says is true (one python for every question: it starts slowly).
python3 - "$J" "$(tunnel_addr 1)" <<'PY' || fail "status --json says something untrue: $(cat "$J")"
import json, sys
d = json.load(open(sys.argv[1]))
s = {x["identity"]: x for x in d["sessions"]}
g = d["gateway"]
pools = {p["group"]: p for p in g["pools"]}
checks = [
    (s["carol"]["group"] == "eng", "carol is not in group eng"),
    (s["alice"]["group"] == "default", "alice is not in group default"),
    (s["alice"]["tunnel"]["ipv4"] == sys.argv[2], "alice's tunnel address differs from the laptop's"),
    (s["alice"]["rx"]["packets"] >= 3, "alice's rx packets do not count her pings"),
    (pools["eng"]["leased"] == 1 and pools["default"]["leased"] == 2, "pool leases wrong"),
    (pools["eng"]["size_ipv4"] == 253, "group eng's pool size is wrong"),
    (len(g["crls"]) == 1 and g["crls"][0]["next_update"] > d["time"], "the CRL in force is not listed"),
    (g["cert_not_after"] > d["time"], "gateway cert expiry missing"),
    (g["handshakes"] >= 3 and g["sessions"] == 3, "handshakes or sessions not counted"),
    (all(x["cipher"] and ("TLS" in x["cipher"].upper() or "AES" in x["cipher"].upper()
         or "CHACHA" in x["cipher"].upper()) for x in s.values()), "no cipher named"),
    (all(x["cert"]["not_after"] > d["time"] and x["connected_at"] <= d["time"] for x in s.values()), "times wrong"),
]
bad = [m for ok, m in checks if not ok]
if bad:
    sys.exit("; ".join(bad))
PY
# Table form still works.
"${CTL[@]}" status --control "$SOCK" | grep -q alice || fail "status table lacks alice"

# The read-only member (supplementary group) may look, not touch.
# as_user UID GID SUPPLEMENTARY|"" ARGS...: mtlsvpnctl ARGS as that caller.
as_user() {
	local g=(--clear-groups)
	[ -z "$3" ] || g=(--groups="$3")
	setpriv --reuid="$1" --regid="$2" "${g[@]}" "${CTL[@]}" "${@:4}" --control "$SOCK"
}
as_user "$USR_UID" "$USR_GID" "$GRP_GID" status >"$WORK/member.txt" 2>&1 ||
	fail "a control_group member cannot run status: $(cat "$WORK/member.txt")"
grep -q alice "$WORK/member.txt" || fail "the member's status lacks alice"
as_user "$USR_UID" "$USR_GID" "$GRP_GID" status --json >"$J" 2>&1 ||
	fail "a control_group member cannot run status --json: $(cat "$J")"
validate
# Primary group only: read-only too.
as_user 65534 "$GRP_GID" "" status >/dev/null 2>&1 || fail "primary-group member cannot run status"
for cmd in "reload" "disconnect alice" "disconnect --group eng" "capture alice -w /dev/null"; do
	rc=0
	# shellcheck disable=SC2086
	out=$(timeout 10 setpriv --reuid="$USR_UID" --regid="$USR_GID" --groups="$GRP_GID" \
		"${CTL[@]}" $cmd --control "$SOCK" 2>&1) || rc=$?
	[ "$rc" -eq 1 ] || fail "member: '$cmd' exited $rc, not 1: $out"
	echo "$out" | grep -q "permission denied: ${cmd%% *} is for root" ||
		fail "member: '$cmd' refusal unclear: $out"
done
grep -q "control: refused reload to a member of control_group $GRP" "$WORK/gateway.log" ||
	fail "the refusal of a state change is not logged"
say "control_group member: status and --json allowed; reload, disconnect, capture refused"
# Outside the group: nothing (the file mode or SO_PEERCRED says no).
rc=0
out=$(as_user 65534 65534 "" status 2>&1) || rc=$?
[ "$rc" -ne 0 ] || fail "a non-member got an answer: $out"
echo "$out" | grep -qi 'permission denied' || fail "non-member refusal unclear: $out"
say "non-member refused: $out"
n_sessions 3 || fail "a refused command changed the sessions: $(cat "$J")"

# disconnect --sid: alice's session ends; bob's and carol's stay.
status_json
read -r A B_SID C < <(py "' '.join(str([s['sid'] for s in d['sessions'] if s['identity']==w][0]) for w in ('alice','bob','carol'))")
out=$("${CTL[@]}" disconnect --sid "$A" --control "$SOCK") || fail "disconnect --sid $A failed"
echo "$out" | grep -q "session $A of sid \"$A\" disconnected" || fail "disconnect --sid said: $out"
status_json
[ "$(py "$A in [s['sid'] for s in d['sessions']]")" = False ] || fail "session $A still live"
[ "$(py "sorted([$B_SID, $C]) == sorted([s['sid'] for s in d['sessions'] if s['identity']!='alice'])")" = True ] ||
	fail "disconnect --sid touched other sessions: $(cat "$J")"
grep -q "sid=$A .*disconnected by an administrator\|sid $A .*disconnected by an administrator" "$WORK/gateway.log" ||
	grep -q "disconnected by an administrator" "$WORK/gateway.log" || fail "no BYE logged for $A"
say "disconnect --sid $A: only alice's session ended"

# disconnect IDENTITY (bob), then --group eng (carol).
out=$("${CTL[@]}" disconnect bob --control "$SOCK") || fail "disconnect bob failed"
echo "$out" | grep -q "of identity \"bob\" disconnected" || fail "disconnect bob said: $out"
status_json
[ "$(py "$B_SID in [s['sid'] for s in d['sessions']]")" = False ] || fail "bob's session $B_SID still live"
[ "$(py "$C in [s['sid'] for s in d['sessions']]")" = True ] || fail "carol's session ended with bob's"
out=$("${CTL[@]}" disconnect --group eng --control "$SOCK") || fail "disconnect --group eng failed"
echo "$out" | grep -q "of group \"eng\" disconnected" || fail "disconnect --group said: $out"
status_json
[ "$(py "$C in [s['sid'] for s in d['sessions']]")" = False ] || fail "carol's session $C still live"
say "disconnect bob and --group eng: each ended what it named"

# Nothing to disconnect, and bad forms.
rc=0; "${CTL[@]}" disconnect --sid 999999 --control "$SOCK" 2>/dev/null || rc=$?
[ "$rc" -eq 1 ] || fail "disconnect of an unknown sid exited $rc, not 1"
rc=0; "${CTL[@]}" disconnect --control "$SOCK" 2>/dev/null || rc=$?
[ "$rc" -eq 2 ] || fail "disconnect without a target exited $rc, not 2"
rc=0; "${CTL[@]}" disconnect bob --sid 3 --control "$SOCK" 2>/dev/null || rc=$?
[ "$rc" -eq 2 ] || fail "disconnect with two targets exited $rc, not 2"
rc=0; "${CTL[@]}" disconnect --sid abc --control "$SOCK" 2>/dev/null || rc=$?
[ "$rc" -eq 2 ] || fail "disconnect --sid abc exited $rc, not 2"

# An admin's BYE is final for a client: no sessions are left, and the
# document still validates, with the closed sessions' packets in the totals.
n_sessions 0 || fail "sessions left after every disconnect: $(cat "$J")"
validate
grep -q "disconnected by an administrator" "$WORK/client1.log" ||
	fail "alice's client was not told why"
[ "$(py "d['gateway']['totals']['rx']['packets'] >= 3")" = True ] ||
	fail "the totals lost alice's closed session's packets"
pass
