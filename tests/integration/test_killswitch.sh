#!/usr/bin/env bash
# The kill switch (kill_switch = on): with the tunnel up traffic goes through
# it, by the UDP data channel (let through to the gateway's port); with the gateway stopped the client reconnects and nothing but the
# gateway's port gets out on the underlay (a web server beside the gateway
# counts what reaches it); with the gateway back the tunnel works again. A
# clean exit removes the table; after SIGKILL it stays until the next start
# or --cleanup removes it. When the gateway's name resolves to a new
# address (a private /etc/hosts), a reconnect moves the kill switch's hole to
# it. kill_switch = on without full_tunnel is a clear configuration error.
. "$(dirname "$0")/lib.sh"

command -v nft >/dev/null || fail "nft is missing (apt-get install nftables)"
command -v curl >/dev/null || fail "curl is missing"

topo_init
add_laptop 1
L=$(lap 1)
TABLE=mtlsvpn_mtlsvpn0
ip -n "$L" route add default via 192.0.2.1
# An outside service on the laptop's own network: a web server beside the
# gateway, with a counter of what the laptop sends it.
mkdir -p "$WORK/www"
echo hello >"$WORK/www/index.html"
ip netns exec "$G" python3 -m http.server 9999 --bind 192.0.2.1 --directory "$WORK/www" \
	>"$WORK/www.log" 2>&1 &
T_PIDS+=("$!")
wait_for 10 listening "$G" 9999 || fail "the web server beside the gateway does not listen"
ip netns exec "$G" nft -f - <<EOF
table inet ks_count {
	chain input {
		type filter hook input priority 0; policy accept;
		ip saddr 192.0.2.11 tcp dport 9999 counter
	}
}
EOF
far_count() {
	ip netns exec "$G" nft list table inet ks_count | grep -o 'packets [0-9]*' | cut -d' ' -f2
}
web() { ip netns exec "$L" curl -sS --max-time 3 -o /dev/null http://192.0.2.1:9999/ 2>&1; }
table_present() { ip netns exec "$L" nft list table inet "$TABLE" >/dev/null 2>&1; }

pki_init
pki_client alice
write_server_ini
# On every address, so the gateway can "move" to 192.0.2.2 at the end.
sed -i 's/^listen = .*/listen = 0.0.0.0:8443/' "$WORK/server.ini"
ip -n "$G" addr add 192.0.2.2/24 dev br0
start_gateway
web >/dev/null || fail "before the tunnel: the web server is not reachable"

# ---- a configuration error first ----
write_client_ini 2 alice "kill_switch = on"
set +e
out=$(ip netns exec "$L" "$B/mtlsvpn-client" -c "$WORK/client2.ini" --check-config 2>&1)
rc=$?
set -e
[ "$rc" -ne 0 ] || fail "kill_switch = on without full_tunnel was accepted"
echo "$out" | grep -q "client2.ini:.* \[client\] kill_switch: on needs full_tunnel = yes" ||
	fail "unclear error for kill_switch without full_tunnel: $out"
say "kill_switch = on without full_tunnel: $out"

# ---- tunnel up ----
write_client_ini 1 alice "full_tunnel = yes" "kill_switch = on"
start_client 1
wait_tunnel 1
table_present || fail "no table $TABLE with the tunnel up"
ip netns exec "$L" ping -c 2 -i 0.2 -W 2 10.20.0.2 >/dev/null || fail "ping through the tunnel failed"
ks=$(timeout 10 ip netns exec "$L" "$B/mtlsvpn-client" status -c "$WORK/client1.ini" --json |
	python3 -c 'import json,sys; print(json.load(sys.stdin)["kill_switch"])') ||
	fail "mtlsvpn-client status failed with the kill switch on"
[ "$ks" = True ] || fail "mtlsvpn-client status says kill_switch $ks with the table installed"
udp_up() {
	timeout 10 ip netns exec "$L" "$B/mtlsvpn-client" status -c "$WORK/client1.ini" | grep -q '^udp: *up$'
}
wait_for 5 udp_up || fail "the UDP data channel is not up through the kill switch"
say "tunnel up: traffic through the tunnel works, table $TABLE installed, status says kill_switch true, udp up"

# ---- gateway stopped: the client reconnects, the kill switch holds ----
stop_pid "$GW_PID"
wait_for 15 grep -q "reconnecting" "$WORK/client1.log" || fail "the client is not reconnecting"
kill -0 "${CLIENT_PID[1]}" || fail "the client exited when the gateway stopped"
before=$(far_count)
err=$(web) && fail "with the tunnel down, the web server beside the gateway answered"
ip netns exec "$L" ping -c 1 -W 1 192.0.2.1 >/dev/null 2>&1 &&
	fail "with the tunnel down, a ping to 192.0.2.1 went out"
[ "$(far_count)" = "$before" ] ||
	fail "with the tunnel down, $(($(far_count) - before)) packets reached the web server"
# The gateway's port is let through: the stopped gateway's kernel answers
# with a reset, which arrives.
set +e
gwerr=$(ip netns exec "$L" timeout 5 bash -c 'exec 3<>/dev/tcp/192.0.2.1/8443' 2>&1)
set -e
echo "$gwerr" | grep -qi "refused" ||
	fail "the gateway's port is not let through while reconnecting: $gwerr"
table_present || fail "the table went away while reconnecting"
say "reconnecting: outside traffic refused (${err:0:60}), 0 packets arrived; the gateway's port answers (refused)"

# ---- gateway back ----
start_gateway
wait_tunnel 1 30
ip netns exec "$L" ping -c 2 -i 0.2 -W 2 10.20.0.2 >/dev/null || fail "no traffic after the gateway came back"
say "gateway back: the tunnel works again"

# ---- clean exit: the table is gone ----
kill -TERM "${CLIENT_PID[1]}"
wait "${CLIENT_PID[1]}" || fail "client exit status $? after SIGTERM"
table_present && fail "the table $TABLE is still there after a clean exit"
web >/dev/null || fail "after a clean exit the web server is still blocked"
say "clean exit: table removed, traffic outside the tunnel allowed again"

# ---- SIGKILL: the table stays until the next start ----
start_client 1
wait_tunnel 1
kill -KILL "${CLIENT_PID[1]}"
wait "${CLIENT_PID[1]}" 2>/dev/null || true
table_present || fail "the table is gone after SIGKILL (it must stay: fail closed)"
web >/dev/null && fail "after SIGKILL the web server is reachable"
start_client 1
wait_tunnel 1
grep -q "removed the kill switch a previous client left" "$WORK/client1.log" ||
	fail "the restarted client did not replay the old table"
table_present || fail "no table after the restart"
kill -TERM "${CLIENT_PID[1]}"
wait "${CLIENT_PID[1]}" || fail "client exit status $? after SIGTERM"
table_present && fail "the table stays after the restarted client's clean exit"
say "SIGKILL: the table stayed; the next start replaced it, its clean exit removed it"

# ---- SIGKILL, then --cleanup ----
start_client 1
wait_tunnel 1
kill -KILL "${CLIENT_PID[1]}"
wait "${CLIENT_PID[1]}" 2>/dev/null || true
table_present || fail "the table is gone after SIGKILL"
ip netns exec "$L" "$B/mtlsvpn-client" -c "$WORK/client1.ini" --cleanup >>"$WORK/cleanup.log" 2>&1 ||
	fail "--cleanup failed: $(tail -n 3 "$WORK/cleanup.log")"
table_present && fail "the table stays after --cleanup"
web >/dev/null || fail "after --cleanup the web server is still blocked"
say "SIGKILL, then --cleanup: table removed"

# ---- the gateway moves: a new address after a re-resolution ----
private_etc_init
echo "192.0.2.1 gw.test" >>"$WORK/etc/hosts"
sed -i 's/^gateway = .*/gateway = gw.test:8443/' "$WORK/client1.ini"
# Each address once (TCP and UDP each have their line).
holes() { ip netns exec "$L" nft list table inet "$TABLE" 2>/dev/null | grep -o 'daddr [0-9.]*' | sort -u | tr '\n' ' '; }
start_client_etc 1
wait_tunnel 1
[ "$(holes)" = "daddr 192.0.2.1 " ] || fail "the kill switch lets through '$(holes)', expected 192.0.2.1"
sed -i 's/^192.0.2.1 gw.test$/192.0.2.2 gw.test/' "$WORK/etc/hosts"
kill -USR2 "${CLIENT_PID[1]}"
moved() { [ "$(holes)" = "daddr 192.0.2.2 " ]; }
wait_for 10 moved || fail "after the gateway moved the kill switch lets through '$(holes)'"
wait_tunnel 1 20
grep -q "kill switch updated" "$WORK/client1.log" || fail "no 'kill switch updated' in the log"
ip -n "$L" route show | grep -q '^192.0.2.2 ' || fail "the new gateway address is not pinned"
ip netns exec "$L" ping -c 2 -i 0.2 -W 2 10.20.0.2 >/dev/null || fail "no traffic through the moved gateway"
kill -TERM "${CLIENT_PID[1]}"
wait "${CLIENT_PID[1]}" || fail "client exit status $? after SIGTERM"
table_present && fail "the table stays after a clean exit"
say "the gateway moved to 192.0.2.2: the kill switch followed, the tunnel came back"
pass
