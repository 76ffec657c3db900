#!/usr/bin/env bash
# The gateway's side of the UDP data channel with two workers (test_udp.sh
# covers the channel end to end): both clients' channels come up and a
# ping's packets go by UDP (datagrams_in and datagrams_out grow), every
# datagram reaches the worker that owns its session (unknown_cid stays 0)
# and made-up cids reach the worker their low byte names, all from one
# source port (the reuseport program steers by cid, not the kernel's hash);
# status shows the UDP column and the udp line; a captured datagram sent
# again is a replay drop, counted in the metrics, and stays counted there
# after its session closed, when the same datagram is an unknown cid,
# never answered; a resumed session gets its channel too; with udp = off
# there is no socket and no channel; with
# listen = 0.0.0.0 on a gateway with two addresses, a client connecting to
# the second one gets its channel up (answers leave from that address).
. "$(dirname "$0")/lib.sh"

need_tools python3 curl

topo_init
pki_init
# udp_detach_grace = 0: a cut connection ends its session at once, so the
# client's continuation of it is refused and a new, resumed session comes
# (test_udp_continue.sh covers continuing and detached sessions).
write_server_ini "workers = 2" "metrics = 10.20.0.1:9560" "udp_detach_grace = 0"
start_gateway
for i in 1 2; do
	add_laptop "$i"
	pki_client "u$i"
	write_client_ini "$i" "u$i"
	start_client "$i"
done
for i in 1 2; do wait_tunnel "$i"; done
SOCK=$WORK/control
status_json() { "$B/mtlsvpnctl" status --json --control "$SOCK"; }
# udp_field IDENTITY KEY: the session's .udp.KEY ("null" without a channel).
udp_field() {
	status_json | python3 -c '
import json, sys
d = json.load(sys.stdin)
for s in d["sessions"]:
    if s["identity"] == sys.argv[1]:
        u = s["udp"]
        v = u
        for k in sys.argv[2].split("."):
            v = None if v is None else v[k]
        print("null" if v is None else v)' "$1" "$2"
}
gw_udp() { status_json | python3 -c 'import json,sys; u=json.load(sys.stdin)["gateway"]["udp"]; print("null" if u is None else u[sys.argv[1]])' "$1"; }
udp_up() { [ "$(udp_field "$1" state)" = up ]; }
udp_ge() { [ "$(udp_field "$1" "$2")" -ge "$3" ]; }
gw_ge() { [ "$(gw_udp "$1")" -ge "$2" ]; }

for i in 1 2; do wait_for 10 udp_up "u$i" || fail "u$i: the UDP channel is not up: $(udp_field "u$i" state)"; done
workers=$(status_json | python3 -c 'import json,sys; print(sorted(s["worker"] for s in json.load(sys.stdin)["sessions"]))')
say "both channels up (sessions on workers $workers)"

# Ping: its packets go by UDP both ways.
for i in 1 2; do
	before=$(udp_field "u$i" datagrams_in)
	ip netns exec "$(lap "$i")" ping -c 10 -i 0.1 -W 2 10.20.0.2 >/dev/null || fail "u$i: ping through the tunnel failed"
	after=$(udp_field "u$i" datagrams_in)
	[ "$after" -ge $((before + 10)) ] || fail "u$i: datagrams_in went from $before to $after over 10 pings: not by UDP"
	out=$(udp_field "u$i" datagrams_out)
	[ "$out" -ge 10 ] || fail "u$i: only $out datagrams out after 10 pings"
done
[ "$(gw_udp unknown_cid)" = 0 ] || fail "datagrams reached a worker that does not own their cid: unknown_cid $(gw_udp unknown_cid)"
"$B/mtlsvpnctl" status --control "$SOCK" >"$WORK/status.txt"
[ "$(awk '$2 == "u1" {print $(NF-1)}' "$WORK/status.txt")" = up ] || fail "status does not show UDP up for u1: $(cat "$WORK/status.txt")"
grep -q "^udp: port 8443; channels up 2" "$WORK/status.txt" || fail "status has no udp line: $(cat "$WORK/status.txt")"
say "ping by UDP both ways, each datagram on its session's worker; status shows UDP up"

# One of u1's DATA datagrams, from the wire.
grab_dchan_datagram "$(lap 1)" "$WORK/dgram.bin"
# send FILE|random COUNT: datagrams from laptop 1 to the gateway's UDP
# port; fails if anything comes back within a second.
cat >"$WORK/send.py" <<'PY'
import os, socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.settimeout(1)
for _ in range(int(sys.argv[2])):
    if sys.argv[1] == "random":
        d = bytes([0x30, 0, 0, 0]) + os.urandom(8) + bytes(8) + os.urandom(100)
    elif sys.argv[1].startswith("low"):
        d = bytes([0x30, 0, 0, 0]) + os.urandom(7) + bytes([int(sys.argv[1][3:])]) + bytes(8) + os.urandom(100)
    else:
        d = open(sys.argv[1], "rb").read()
    s.sendto(d, ("192.0.2.1", 8443))
try:
    s.recv(2048)
    sys.exit("an answer came back")
except socket.timeout:
    pass
PY
ip netns exec "$(lap 1)" python3 "$WORK/send.py" "$WORK/dgram.bin" 3 || fail "a replayed datagram was answered"
wait_for 5 udp_ge u1 drops.replay 3 ||
	fail "a datagram sent again was not dropped as a replay: drops $(udp_field u1 drops)"
unk=$(gw_udp unknown_cid)
ip netns exec "$(lap 1)" python3 "$WORK/send.py" random 20 || fail "a datagram with a made-up cid was answered"
wait_for 5 gw_ge unknown_cid $((unk + 20)) || fail "made-up cids not counted: unknown_cid $(gw_udp unknown_cid), was $unk"
say "a captured datagram sent again: dropped as a replay; made-up cids: counted as unknown, never answered"

# Steering: made-up cids whose low byte is 0, then 1, all from one source
# port (which the kernel's own hash would send to one socket): each batch
# reaches the worker of that index.
worker_in() { status_json | python3 -c 'import json,sys; print(json.load(sys.stdin)["gateway"]["workers"][int(sys.argv[1])]["udp_datagrams_in"])' "$1"; }
for idx in 0 1; do
	a0=$(worker_in 0) a1=$(worker_in 1)
	ip netns exec "$(lap 1)" python3 "$WORK/send.py" "low$idx" 50 || fail "a made-up cid was answered"
	sleep 0.5
	d0=$(($(worker_in 0) - a0)) d1=$(($(worker_in 1) - a1))
	if [ $idx = 0 ]; then mine=$d0 other=$d1; else mine=$d1 other=$d0; fi
	[ "$mine" -ge 50 ] && [ "$other" -lt 50 ] ||
		fail "50 datagrams for worker $idx: worker 0 got $d0, worker 1 got $d1"
done
say "datagrams steered by the cid's low byte: 50 to worker 0, 50 to worker 1"

# The metrics, and a closed session's counters kept in them.
M=$(ip netns exec "$G" curl -sS --max-time 5 http://10.20.0.1:9560/metrics) || fail "no metrics"
grep -q '^mtlsvpn_udp_sessions{state="up"} 2$' <<<"$M" || fail "metrics: $(grep udp_sessions <<<"$M")"
grep -q '^mtlsvpn_udp_drops_total{reason="replay"} 3$' <<<"$M" || fail "metrics: $(grep 'reason="replay"' <<<"$M")"
grep -q '^mtlsvpn_udp_datagrams_total{direction="in"} [1-9]' <<<"$M" || fail "metrics: no datagram in"
sid=$("$B/mtlsvpnctl" status --control "$SOCK" | awk '$2 == "u1" {print $1}')
replays=3
"$B/mtlsvpnctl" disconnect --sid "$sid" --control "$SOCK" >/dev/null || fail "disconnect failed"
stop_pid "${CLIENT_PID[1]}"
unk=$(gw_udp unknown_cid)
ip netns exec "$(lap 1)" python3 "$WORK/send.py" "$WORK/dgram.bin" 1 || fail "a datagram of a closed session was answered"
wait_for 5 gw_ge unknown_cid $((unk + 1)) || fail "a closed session's cid still known: unknown_cid $(gw_udp unknown_cid), was $unk"
M=$(ip netns exec "$G" curl -sS http://10.20.0.1:9560/metrics)
grep -q "^mtlsvpn_udp_drops_total{reason=\"replay\"} $replays\$" <<<"$M" ||
	fail "the closed session's replay drops left the totals: $(grep 'reason="replay"' <<<"$M"), was $replays"
say "closed session: its cid forgotten at once, its counters kept in the metrics"

# A resumed TLS session (u2's connection cut under it; the client
# reconnects with its ticket) is keyed from its own exporter: UDP comes up
# again on the new session.
old=$("$B/mtlsvpnctl" status --control "$SOCK" | awk '$2 == "u2" {print $1}')
ip netns exec "$(lap 2)" ss -K 'dport = :8443' >/dev/null 2>&1 || true
new_up() { [ "$(udp_field u2 state)" = up ] && ! grep -q "^$old " <<<"$("$B/mtlsvpnctl" status --control "$SOCK")"; }
wait_for 15 new_up || fail "u2 after a cut: no new session with UDP up"
grep -q 'session up: .*identity="u2".*handshake=resumed' "$WORK/gateway.log" ||
	fail "u2 did not resume: $(grep 'session up: .*u2' "$WORK/gateway.log")"
say "a resumed session gets its UDP channel too"

# udp = off: nothing offered.
stop_pid "$GW_PID"
stop_pid "${CLIENT_PID[2]}"
write_server_ini "udp = off"
start_gateway
start_client 2
wait_tunnel 2
[ "$(udp_field u2 state)" = null ] && [ "$(gw_udp port)" = null ] || fail "udp = off: the session has a channel"
ip netns exec "$G" ss -Hulnp | grep -q ":8443 " && fail "udp = off: a UDP socket is open"
say "udp = off: no socket, no channel"

# A wildcard listen address on a gateway with two addresses, the client
# connecting to the second one: the answers must come from it (the
# kernel's route would pick the first), or the channel never comes up.
stop_pid "$GW_PID"
stop_pid "${CLIENT_PID[2]}"
ip -n "$G" addr add 192.0.2.2/24 dev br0
write_server_ini
sed -i 's/^listen = .*/listen = 0.0.0.0:8443/' "$WORK/server.ini"
start_gateway
sed -i 's/^gateway = .*/gateway = 192.0.2.2:8443/' "$WORK/client2.ini"
start_client 2
wait_tunnel 2
wait_for 10 udp_up u2 || fail "listen 0.0.0.0, client to 192.0.2.2: the UDP channel is $(udp_field u2 state)"
[ "$(udp_field u2 peer)" != null ] || fail "no UDP peer"
say "listen on 0.0.0.0, client to the second address: UDP up (answers from the address it sent to)"
pass
