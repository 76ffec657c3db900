#!/usr/bin/env bash
# mtlsvpnctl drain: a member of control_group is refused; with two clients
# up, "drain --seconds 10" tells both (BYE: gateway draining, with a
# retry-after), each logs the drain line, keeps running and its tunnel
# address without a failure (no NAME.ended), mtlsvpn-client status shows
# "reconnecting ... (gateway is draining)", and the gateway exits 0 once
# they are gone; a second gateway on the same address and port gets both
# back within seconds, tunnel working. With a client that ignores the BYE
# (rawclient.py stay) the gateway stops accepting (a TCP connect is
# refused) while /metrics still answers with mtlsvpn_draining 1, status and
# status --json say draining and systemd is told STOPPING=1; a second drain
# is harmless, and the gateway exits 0 at the deadline. SIGTERM during a
# drain still exits at once; an idle gateway exits as soon as it is told
# to drain.
. "$(dirname "$0")/lib.sh"

command -v setpriv >/dev/null || fail "setpriv is missing (util-linux)"
command -v groupadd >/dev/null || fail "groupadd is missing"
command -v curl >/dev/null || fail "curl is missing"
python3 -c 'import jsonschema' 2>/dev/null ||
	fail "python3-jsonschema is missing (packaging/setup.sh installs it)"

GRP=mtv-drn-$ID
made_group=0
drain_cleanup() {
	local rc=$?
	set +e
	[ "$made_group" -eq 1 ] && groupdel "$GRP" 2>/dev/null
	(exit "$rc")
	t_cleanup
}
trap drain_cleanup EXIT
groupadd --system "$GRP"
made_group=1
GRP_GID=$(getent group "$GRP" | cut -d: -f3)

topo_init
add_laptop 1
add_laptop 2
add_laptop 3
pki_init
pki_client alice
pki_client bob
pki_client carol
write_server_ini "control_group = $GRP" "metrics = 10.20.0.1:9560"
SOCK=$WORK/control
ctl() { "$B/mtlsvpnctl" "$@" --control "$SOCK"; }
scrape() { ip netns exec "$N" curl -sS --max-time 5 http://10.20.0.1:9560/metrics; }
ended_files() { find "$WORK"/client-state-* -name '*.ended' 2>/dev/null | wc -l; }

start_gateway
write_client_ini 1 alice
write_client_ini 2 bob
start_client 1
start_client 2
wait_tunnel 1
wait_tunnel 2

# ---- a read-only member of control_group may not drain ----
rc=0
out=$(timeout 10 setpriv --reuid=65534 --regid="$GRP_GID" --clear-groups "$B/mtlsvpnctl" drain \
	--control "$SOCK" 2>&1) || rc=$?
[ "$rc" -eq 1 ] || fail "a control_group member's drain exited $rc, not 1: $out"
echo "$out" | grep -q "permission denied: drain is for root" ||
	fail "the member's refusal is unclear: $out"
gateway_listening || fail "the refused drain stopped the listener"
scrape >"$WORK/metrics0.txt" || fail "cannot scrape the metrics"
grep -qx "mtlsvpn_draining 0" "$WORK/metrics0.txt" || fail "no 'mtlsvpn_draining 0' before the drain"
ctl status >"$WORK/status0.txt" || fail "status failed"
grep -q "^draining: no" "$WORK/status0.txt" || fail "status does not say 'draining: no'"
say "a control_group member is refused drain; the gateway still listens"

# ---- drain with two well-behaved clients ----
# mtlsvpn-client status, asked again and again while they wait (each waits
# 0-2 s: one of the two is seen unless both draw a few ms).
POLL_PIDS=()
for i in 1 2; do
	(end=$(($(date +%s) + 4)); while [ "$(date +%s)" -lt "$end" ]; do
		"$B/mtlsvpn-client" status -c "$WORK/client$i.ini" 2>&1 || true
	done) >"$WORK/cstatus$i.txt" &
	POLL_PIDS+=("$!")
	T_PIDS+=("$!")
done
t0=$(date +%s%N)
out=$(ctl drain --seconds 10) || fail "mtlsvpnctl drain failed: $out"
echo "$out" | grep -q "told 2 session(s)" || fail "drain's answer does not count 2 sessions: $out"
for i in 1 2; do
	wait_for 5 grep -qE "gateway is draining; reconnecting in [0-9]+ ms" "$WORK/client$i.log" ||
		fail "client $i did not log the drain line"
done
gateway_exits 8 || fail "the gateway did not exit within 8 s of the drain with both clients told"
t1=$(date +%s%N)
[ "$GW_RC" -eq 0 ] || fail "the drained gateway exited $GW_RC"
grep -q "told the gateway is draining" "$WORK/gateway.log" || fail "the gateway logged no session told"
for i in 1 2; do
	kill -0 "${CLIENT_PID[$i]}" 2>/dev/null || fail "client $i exited after the drain"
	grep -qi "warning.*draining\|gateway closed the session" "$WORK/client$i.log" &&
		fail "client $i treated the drain as a failure: $(grep -i draining "$WORK/client$i.log")"
	ip -n "$(lap "$i")" -4 addr show dev mtlsvpn0 | grep -q "inet 10.8.0." ||
		fail "client $i dropped its tunnel address while reconnecting"
done
[ "$(ended_files)" -eq 0 ] || fail "a client left NAME.ended after a drain"
wait "${POLL_PIDS[@]}" # each ends after 4 s
# grep -m 1 per file, then the first line: a head closing the pipe early
# would kill grep with SIGPIPE and fail the pipeline under pipefail.
seen=$(grep -h -m 1 -E "reconnecting in [0-9.]+ s \(gateway is draining\)" "$WORK"/cstatus[12].txt |
	sed -n 1p)
[ -n "$seen" ] || fail "mtlsvpn-client status never showed 'reconnecting ... (gateway is draining)': $(sort -u "$WORK"/cstatus[12].txt | head -n 20)"
say "mtlsvpn-client status during the wait: $seen"
say "drain: both clients told ($(grep -ohE 'draining; reconnecting in [0-9]+ ms' "$WORK"/client[12].log | sort -u | grep -oE '[0-9]+ ms' | tr '\n' ' ')), gateway exited 0 after $(((t1 - t0) / 1000000)) ms"

# ---- they come back to a new gateway on the same address and port ----
# (this one tells a stand-in for systemd what it does: STOPPING=1 at a drain)
ip netns exec "$G" python3 "$SRC/tests/integration/notify_listen.py" "$WORK/notify" 60 \
	>"$WORK/notify.out" 2>&1 &
T_PIDS+=("$!")
wait_for 5 grep -q listening "$WORK/notify.out" || fail "the notify listener did not start"
t0=$(date +%s%N)
export NOTIFY_SOCKET=$WORK/notify
start_gateway
unset NOTIFY_SOCKET
wait_tunnel 1 8
wait_tunnel 2 8
t1=$(date +%s%N)
ip netns exec "$(lap 1)" ping -c 1 -W 2 10.20.0.2 >/dev/null || fail "client 1: no traffic to the LAN"
ip netns exec "$(lap 2)" ping -c 1 -W 2 10.20.0.2 >/dev/null || fail "client 2: no traffic to the LAN"
say "both clients back on the new gateway $(((t1 - t0) / 1000000)) ms after it started, traffic flows"

# ---- a client that ignores the BYE: the deadline ends the drain ----
ip netns exec "$(lap 3)" timeout 40 python3 "$SRC/tests/integration/rawclient.py" stay \
	--host 192.0.2.1 --server-name gw.test --ca "$WORK/ca/ca.crt" --cert "$WORK/carol.crt" \
	--key "$WORK/carol.key" --hold 30 >"$WORK/raw.log" 2>&1 &
RAW_PID=$!
T_PIDS+=("$RAW_PID")
wait_for 10 grep -q "^up" "$WORK/raw.log" || fail "rawclient did not come up: $(cat "$WORK/raw.log")"
grep -qx "STOPPING=1" "$WORK/notify.out" && fail "STOPPING=1 before any drain"
t0=$(date +%s%N)
out=$(ctl drain --seconds 4) || fail "mtlsvpnctl drain failed: $out"
echo "$out" | grep -q "told 3 session(s)" || fail "drain's answer does not count 3 sessions: $out"
out=$(ctl drain --seconds 60) || fail "a second drain failed: $out"
echo "$out" | grep -q "already draining" || fail "a second drain did not say 'already draining': $out"
wait_for 5 grep -q "^bye 11:gateway draining \[retry-after-ms=[0-9]*\]" "$WORK/raw.log" ||
	fail "rawclient got no BYE 11 with a retry-after: $(cat "$WORK/raw.log")"
rc=0
out=$(ip netns exec "$(lap 3)" timeout 3 bash -c 'exec 3<>/dev/tcp/192.0.2.1/8443' 2>&1) || rc=$?
if [ "$rc" -eq 0 ] || ! echo "$out" | grep -q "Connection refused"; then
	fail "a TCP connect to the draining gateway was not refused (rc $rc): $out"
fi
kill -0 "$GW_PID" 2>/dev/null || fail "the gateway exited before the deadline with a client left"
grep -qx "STOPPING=1" "$WORK/notify.out" || fail "no STOPPING=1 at the drain: $(cat "$WORK/notify.out")"
grep -q "^STATUS=draining: 3 session(s) told" "$WORK/notify.out" || fail "no STATUS=draining line"
scrape >"$WORK/metrics.txt" || fail "the metrics endpoint stopped answering during the drain"
grep -qx "mtlsvpn_draining 1" "$WORK/metrics.txt" || fail "no 'mtlsvpn_draining 1' during the drain"
ctl status >"$WORK/status.txt" || fail "status failed during the drain"
grep -qE "^draining: yes; 3 session\(s\) told, [0-9]+ left; deadline in [0-9]+ s" \
	"$WORK/status.txt" || fail "status does not show the drain: $(tail -n 3 "$WORK/status.txt")"
ctl status --json >"$WORK/status.json" || fail "status --json failed during the drain"
python3 - "$SRC/docs/gateway-status.schema.json" "$WORK/status.json" <<'PY' || fail "status --json does not show the drain"
import json, sys
import jsonschema
schema, doc = (json.load(open(f)) for f in sys.argv[1:3])
jsonschema.validate(doc, schema)
assert doc["gateway"]["draining"] is True, doc["gateway"]
PY
gateway_exits 10 || fail "the gateway did not exit within 10 s of a 4 s drain"
t1=$(date +%s%N)
[ "$GW_RC" -eq 0 ] || fail "the gateway exited $GW_RC at the drain's deadline"
ms=$(((t1 - t0) / 1000000))
[ "$ms" -ge 3500 ] || fail "the gateway exited after $ms ms, before the 4 s deadline"
grep -q "drain: the window is over with 1 session(s) left" "$WORK/gateway.log" ||
	fail "the gateway did not log the deadline"
wait_for 5 grep -q "^closed by the gateway" "$WORK/raw.log" ||
	fail "rawclient was not closed: $(cat "$WORK/raw.log")"
say "a client ignoring the BYE: refused connect, draining=1, gateway exited 0 at the deadline after $ms ms"

# ---- SIGTERM during a drain exits at once ----
start_gateway
ip netns exec "$(lap 3)" timeout 40 python3 "$SRC/tests/integration/rawclient.py" stay \
	--host 192.0.2.1 --server-name gw.test --ca "$WORK/ca/ca.crt" --cert "$WORK/carol.crt" \
	--key "$WORK/carol.key" --hold 30 >"$WORK/raw2.log" 2>&1 &
T_PIDS+=("$!")
wait_for 10 grep -q "^up" "$WORK/raw2.log" || fail "rawclient did not come up again"
ctl drain --seconds 60 >/dev/null || fail "the third drain failed"
t0=$(date +%s%N)
kill -TERM "$GW_PID"
gateway_exits 4 || fail "SIGTERM during a drain did not end the gateway within 4 s"
[ "$GW_RC" -eq 0 ] || fail "the gateway exited $GW_RC after SIGTERM during a drain"
say "SIGTERM during a drain: exit 0 after $((($(date +%s%N) - t0) / 1000000)) ms"

for i in 1 2; do
	kill -TERM "${CLIENT_PID[$i]}"
	rc=0
	wait "${CLIENT_PID[$i]}" || rc=$?
	[ "$rc" -eq 0 ] || fail "client $i exited $rc after the drains"
done

# ---- nobody connected: the drain ends the gateway at once ----
start_gateway
out=$(ctl drain) || fail "drain of an idle gateway failed: $out"
echo "$out" | grep -q "told 0 session(s)" || fail "the idle drain's answer is wrong: $out"
gateway_exits 3 || fail "an idle gateway did not exit within 3 s of a drain"
[ "$GW_RC" -eq 0 ] || fail "the idle gateway exited $GW_RC after a drain"
say "an idle gateway exits 0 at once on drain"
pass
