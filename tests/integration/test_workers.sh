#!/usr/bin/env bash
# A gateway with two workers (workers = 2): four employees whose sessions
# land on both workers (each worker's share checked in status --json, the
# metrics and status), traffic both ways through every session (TCP each
# way, pings and UDP from the LAN that reach a worker's TUN queue for the
# other worker's session and are handed to it), access rules and anti-spoofing
# enforced on both workers, a reload whose new rules apply on both, a
# revocation that closes a session on each worker live, capture of a
# session of each worker, disconnect of a
# session of the second worker, a reload that keeps workers for a restart,
# a drain, and a restart with three workers and a clean SIGTERM shutdown.
. "$(dirname "$0")/lib.sh"

SOCK=$WORK/control
ctl() { "$B/mtlsvpnctl" "$@" --control "$SOCK"; }
metric() {
	ip netns exec "$N" curl -sS --max-time 5 http://10.20.0.1:9560/metrics |
		awk -v m="$1" '$1 == m { print $2 }'
}
# q CMD [ARG]: a question about status --json (the answer on stdout).
#   spread        established sessions per worker: "N0 N1"
#   worker ID     the worker of ID's established session, or "-"
#   drop ID KIND  a drop counter of ID's session
#   handoff       TUN packets handed between workers, all workers
q() {
	ctl status --json >"$WORK/st.json" || fail "status --json failed"
	python3 - "$WORK/st.json" "$@" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
cmd, args = sys.argv[2], sys.argv[3:]
ss = [s for s in d["sessions"]]
if cmd == "spread":
    print(" ".join(str(w["sessions"]) for w in d["gateway"]["workers"]))
elif cmd == "worker":
    m = [s["worker"] for s in ss if s["identity"] == args[0]]
    print(m[0] if m else "-")
elif cmd == "drop":
    m = [s["drops"][args[1]] for s in ss if s["identity"] == args[0]]
    print(m[0] if m else "-")
elif cmd == "handoff":
    print(sum(w["handoff_passed"] for w in d["gateway"]["workers"]))
PY
}
# A sanitized build (ThreadSanitizer, AddressSanitizer, UBSan) reports
# into the gateway's log: any report fails the test.
no_sanitizer_report() {
	if grep -q "WARNING: ThreadSanitizer\|ERROR: AddressSanitizer\|runtime error:" "$WORK/gateway.log"; then
		cp "$WORK/gateway.log" "$WORK/sanitizer.log"
		fail "a sanitizer report in the gateway log: $(grep -m 3 -A 12 "ThreadSanitizer\|AddressSanitizer\|runtime error" "$WORK/gateway.log")"
	fi
}

topo_init
IDS=(alice bob carol dave)
for i in 1 2 3 4; do add_laptop "$i"; done
add_laptop 5
pki_init
for who in "${IDS[@]}" mallory; do pki_client "$who"; done
"$B/mtlsvpnctl" ca crl --dir "$CA" >>"$WORK/ctl.log" 2>&1 || fail "mtlsvpnctl ca crl"

# Everyone in one group: ICMP and TCP to iperf3 on 5201; TCP 8081 has a
# listener too, and no rule: it is denied. The LAN host may ping clients.
RULES='rule10 = allow icmp or icmp6
rule20 = allow tcp and dst host 10.20.0.2 and dst port 5201
inbound_rule10 = allow icmp and src host 10.20.0.2
inbound_rule20 = allow udp and src host 10.20.0.2 and dst port 9'
write_server_ini "workers = 2" "metrics = 10.20.0.1:9560" "crl = ca/crl.pem"
sed -i '/^\[pool\]/,$d' "$WORK/server.ini"
write_group() {
	cat >>"$WORK/server.ini" <<INI
[group staff]
ipv4 = 10.8.0.0/24
ipv6 = fd00:8::/64
routes = 10.20.0.0/24, fd00:20::/64
members = alice, bob, carol, dave, mallory
$1
INI
}
write_group "$RULES"
for port in 5201 8081; do
	ip netns exec "$N" iperf3 -s -p "$port" >"$WORK/iperf-$port.out" 2>&1 &
	T_PIDS+=("$!")
done
start_gateway
grep -q "gateway up: .* workers=2" "$WORK/gateway.log" || fail "the gateway did not start 2 workers"
for i in 1 2 3 4; do
	write_client_ini "$i" "${IDS[$((i - 1))]}"
	start_client "$i"
done
for i in 1 2 3 4; do wait_tunnel "$i"; done

# The kernel spreads connections over the two listeners by a hash of the
# addresses and ports: until both workers carry a session, reconnect one
# client from a new port (bounded).
for try in $(seq 12); do
	read -r n0 n1 <<<"$(q spread)"
	[ "$n0" -ge 1 ] && [ "$n1" -ge 1 ] && break
	i=$(((try % 4) + 1))
	stop_pid "${CLIENT_PID[$i]}"
	start_client "$i"
	wait_tunnel "$i"
done
read -r n0 n1 <<<"$(q spread)"
[ "$n0" -ge 1 ] && [ "$n1" -ge 1 ] || fail "the sessions never spread over both workers: $n0 $n1"
[ $((n0 + n1)) -eq 4 ] || fail "want 4 sessions over the workers, have $n0 + $n1"
say "sessions per worker: $n0 $n1"
ON0=() ON1=()
for i in 1 2 3 4; do
	who=${IDS[$((i - 1))]}
	case "$(q worker "$who")" in
	0) ON0+=("$i") ;;
	1) ON1+=("$i") ;;
	*) fail "$who has no established session in status --json" ;;
	esac
done

# ---- per worker in metrics and status ----
[ "$(metric mtlsvpn_workers)" = 2 ] || fail "mtlsvpn_workers is not 2"
[ "$(metric 'mtlsvpn_worker_sessions{worker="0"}')" = "$n0" ] ||
	fail "mtlsvpn_worker_sessions{worker=\"0\"} is not $n0"
[ "$(metric 'mtlsvpn_worker_sessions{worker="1"}')" = "$n1" ] ||
	fail "mtlsvpn_worker_sessions{worker=\"1\"} is not $n1"
ctl status >"$WORK/status.txt" || fail "status failed"
grep -q "^workers: 2; sessions: $n0 $n1; hand-off: " "$WORK/status.txt" ||
	fail "status has no workers line: $(cat "$WORK/status.txt")"

# ---- traffic both ways through every session ----
# 4 MB each way (not a timed second: iperf3 -n ends when they have crossed).
for i in 1 2 3 4; do
	ip netns exec "$(lap "$i")" iperf3 -c 10.20.0.2 -p 5201 -n 4M >"$WORK/up$i.out" 2>&1 ||
		fail "laptop $i: TCP upload through the tunnel failed: $(tail -n 3 "$WORK/up$i.out")"
	ip netns exec "$(lap "$i")" iperf3 -R -c 10.20.0.2 -p 5201 -n 4M >"$WORK/down$i.out" 2>&1 ||
		fail "laptop $i: TCP download through the tunnel failed: $(tail -n 3 "$WORK/down$i.out")"
done
say "TCP both ways through all four sessions (workers $n0/$n1)"
# The LAN pings each client, then sends UDP to each from new source
# ports: a flow the kernel has not seen lands on a TUN queue by its hash
# (ports included), so about half of them are read by the worker that
# does not own the session and handed over. Until one was (bounded).
for i in 1 2 3 4; do
	a=$(tunnel_addr "$i")
	ip netns exec "$N" ping -c 1 -W 2 "$a" >/dev/null ||
		fail "the LAN cannot ping laptop $i ($a) through the tunnel"
done
addrs=$(for i in 1 2 3 4; do tunnel_addr "$i"; done | paste -sd,)
h0=$(q handoff)
for try in $(seq 10); do
	ip netns exec "$N" python3 -c '
import socket, sys
for a in sys.argv[1].split(","):
    for _ in range(8):
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.sendto(b"x", (a, 9))
        s.close()' "$addrs"
	sleep 0.2
	[ "$(q handoff)" -gt "$h0" ] && break
done
h1=$(q handoff)
[ "$h1" -gt "$h0" ] || fail "no TUN packet was ever handed to the other worker ($h0 -> $h1)"
say "LAN -> clients: every ping answered; $((h1 - h0)) UDP packet(s) from new ports handed between workers"

# ---- capture a session of each worker (the control connection is
# worker 0's: worker 1's packets reach it with the world stopped) ----
for i in "${ON0[0]}" "${ON1[0]}"; do
	who=${IDS[$((i - 1))]}
	ip netns exec "$(lap "$i")" ping -c 8 -i 0.2 -W 1 10.20.0.2 >/dev/null 2>&1 &
	pp=$!
	T_PIDS+=("$pp")
	ctl capture "$who" icmp -w "$WORK/cap$i.pcap" --count 4 --seconds 10 >"$WORK/cap$i.out" 2>&1 ||
		fail "capture $who: $(cat "$WORK/cap$i.out")"
	wait "$pp" || true
	n=$(tshark -r "$WORK/cap$i.pcap" 2>/dev/null | grep -c ICMP || true)
	[ "$n" -eq 4 ] || fail "capture of $who (worker $(q worker "$who")) wrote $n ICMP packets, want 4"
done
say "capture: 4 ICMP packets from a session of each worker"

# ---- access rules on both workers ----
# denied I PORT: laptop I's TCP connection to the LAN host's PORT is
# dropped by the rules and counted on its session. The attempt runs until
# the drop is counted (at most 5 s) and must not have connected by then: a
# dropped SYN is sent again only after a second, and dropped again.
# DENIED_WHY says what failed.
acl_grew() { [ "$(q drop "$1" acl)" -gt "$2" ]; }
denied() {
	local i=$1 who=${IDS[$(($1 - 1))]} acl0 p
	acl0=$(q drop "$who" acl)
	ip netns exec "$(lap "$i")" timeout 5 bash -c "exec 3<>/dev/tcp/10.20.0.2/$2" 2>/dev/null &
	p=$!
	T_PIDS+=("$p")
	DENIED_WHY=
	wait_for 5 acl_grew "$who" "$acl0" || DENIED_WHY="no drop counted on $who's session in 5 s"
	if ! kill -0 "$p" 2>/dev/null && wait "$p"; then
		DENIED_WHY="laptop $i connected${DENIED_WHY:+; $DENIED_WHY}"
	fi
	stop_pid "$p"
	[ -z "$DENIED_WHY" ]
}
for i in "${ON0[0]}" "${ON1[0]}"; do
	denied "$i" 8081 || fail "TCP 8081, which no rule allows: $DENIED_WHY"
done
say "TCP 8081 denied and counted on both workers"

# ---- anti-spoofing on both workers: mallory forges sources ----
raw() {
	ip netns exec "$(lap 5)" python3 "$SRC/tests/integration/rawclient.py" "$@" --host 192.0.2.1 \
		--server-name gw.test --ca "$CA/ca.crt" --cert "$WORK/mallory.crt" --key "$WORK/mallory.key"
}
seen0=0 seen1=0
for try in $(seq 16); do
	raw forge --count 3 --hold 3 >"$WORK/forge.out" 2>&1 &
	fp=$!
	T_PIDS+=("$fp")
	wait_for 10 grep -q "replies=" "$WORK/forge.out" || fail "forging client: $(cat "$WORK/forge.out")"
	wm=$(q worker mallory)
	ds=$(q drop mallory source)
	wait "$fp" || fail "forging client: $(cat "$WORK/forge.out")"
	[ "$ds" = 6 ] || fail "mallory on worker $wm: want 6 forged packets dropped, counted $ds"
	case "$wm" in 0) seen0=1 ;; 1) seen1=1 ;; *) fail "mallory's session is not in status" ;; esac
	[ "$seen0" -eq 1 ] && [ "$seen1" -eq 1 ] && break
done
[ "$seen0" -eq 1 ] && [ "$seen1" -eq 1 ] || fail "mallory never landed on both workers"
say "forged sources dropped and counted on both workers ($try connection(s))"

# ---- reload: rules without TCP 5201 apply to sessions of both workers ----
sed -i '/^\[group staff\]/,$d' "$WORK/server.ini"
write_group "$(echo "$RULES" | grep -v '^rule20')"
# workers needs a restart: the reload names it and keeps two.
sed -i 's/^workers = 2$/workers = 3/' "$WORK/server.ini"
out=$(ctl reload) || fail "reload failed: $out"
echo "$out" | grep -q "workers" || fail "the reload did not name workers as needing a restart: $out"
[ "$(metric mtlsvpn_workers)" = 2 ] || fail "the reload changed the number of workers"
for i in "${ON0[0]}" "${ON1[0]}"; do
	denied "$i" 5201 || fail "TCP 5201 after the reload that removed its rule: $DENIED_WHY"
	ip netns exec "$(lap "$i")" ping -c 1 -W 2 10.20.0.2 >/dev/null ||
		fail "laptop $i lost ICMP after the reload"
done
say "reload: the new rules hold on both workers"

# ---- revocation closes a session on each worker, live ----
r0=${ON0[0]} r1=${ON1[0]}
for i in "$r0" "$r1"; do
	"$B/mtlsvpnctl" ca revoke "${IDS[$((i - 1))]}" --dir "$CA" >>"$WORK/ctl.log" 2>&1 ||
		fail "mtlsvpnctl ca revoke ${IDS[$((i - 1))]}: $(tail -n 3 "$WORK/ctl.log")"
done
for i in "$r0" "$r1"; do
	wait_for 5 grep -q "certificate revoked" "$WORK/client$i.log" ||
		fail "${IDS[$((i - 1))]} (laptop $i) was not told 'certificate revoked' within 5 s"
done
KEEP=()
for i in 1 2 3 4; do [ "$i" != "$r0" ] && [ "$i" != "$r1" ] && KEEP+=("$i"); done
for i in "${KEEP[@]}"; do
	ip netns exec "$(lap "$i")" ping -c 1 -W 2 10.20.0.2 >/dev/null ||
		fail "laptop $i lost its tunnel when others were revoked"
done
say "revoked ${IDS[$((r0 - 1))]} (worker 0) and ${IDS[$((r1 - 1))]} (worker 1): both closed live"

# ---- disconnect a session of worker 1 (the control plane is worker 0's) ----
victim=
for i in "${KEEP[@]}"; do [ "$(q worker "${IDS[$((i - 1))]}")" = 1 ] && victim=$i; done
if [ -z "$victim" ]; then
	# Both survivors on worker 0: disconnect one there instead.
	victim=${KEEP[0]}
fi
vw=$(q worker "${IDS[$((victim - 1))]}")
out=$(ctl disconnect "${IDS[$((victim - 1))]}") || fail "disconnect failed: $out"
wait_for 5 grep -q "session down: .*identity=\"${IDS[$((victim - 1))]}\".*reason=\"disconnected by" \
	"$WORK/gateway.log" || fail "disconnect did not close ${IDS[$((victim - 1))]}'s session"
say "disconnect: ${IDS[$((victim - 1))]} on worker $vw closed"

# The administrator's BYE is final for the client: it is started again.
wait_for 5 bash -c "! kill -0 ${CLIENT_PID[$victim]} 2>/dev/null" ||
	fail "laptop $victim's client did not exit on the administrator's disconnect"
start_client "$victim"
wait_tunnel "$victim"
no_sanitizer_report

# ---- drain: every session is told, the gateway exits 0 ----
out=$(ctl drain --seconds 10) || fail "drain failed: $out"
echo "$out" | grep -q "told 2 session(s)" || fail "drain did not tell both sessions: $out"
gateway_exits 12 || fail "the gateway did not exit within 12 s of the drain"
[ "$GW_RC" -eq 0 ] || fail "the drained gateway exited $GW_RC"
say "drain: both sessions told, gateway exited 0"

# ---- clean shutdown with sessions on both workers ----
no_sanitizer_report
: >"$WORK/gateway.log"
start_gateway
# The restart takes the workers = 3 the reload kept back.
grep -q "gateway up: .* workers=3" "$WORK/gateway.log" || fail "the restart did not start 3 workers"
for i in "${KEEP[@]}"; do wait_tunnel "$i" 20; done
kill -TERM "$GW_PID"
gateway_exits 8 || fail "the gateway did not stop within 8 s of SIGTERM"
[ "$GW_RC" -eq 0 ] || fail "the gateway exited $GW_RC on SIGTERM"
grep -q "gateway stopped" "$WORK/gateway.log" || fail "no 'gateway stopped' line"
no_sanitizer_report
say "restart with workers = 3, SIGTERM: stopped cleanly with ${#KEEP[@]} session(s)"
pass
