#!/usr/bin/env bash
# Strangers cannot lock employees out (halfopen.c, refusal.c):
# 1. memory: RSS of the gateway before, at the peak of and after 1000
#    half-open connections (silent ones, then ones that sent a ClientHello);
# 2. a stranger on four source addresses holds more half-open connections
#    than max_handshakes and reopens every one the gateway closes (200 new
#    connections a second, each with a whole ClientHello): its
#    oldest connections are the ones dropped, an employee still connects
#    within 2 s (five times over), an established session's ping keeps its
#    latency, and the log stays bounded;
# 3. max_handshakes_per_source: one source cannot take the whole table;
# 4. out of descriptors, accepting pauses with one log line per episode,
#    and an employee gets in once the strangers' connections are gone.
. "$(dirname "$0")/lib.sh"

HO="python3 $SRC/tests/integration/halfopen.py"
rss_kb() { awk '/^VmRSS:/ {print $2}' "/proc/$GW_PID/status"; }
p99() { # ping output on stdin: the 99th percentile RTT in ms
	sed -n 's/.*time=\([0-9.]*\) ms/\1/p' | sort -n |
		awk '{ v[NR] = $1 } END { if (NR == 0) { print "none"; exit }
		       i = int(NR * 0.99 + 0.5); if (i < 1) i = 1; print v[i] }'
}

topo_init
pki_init
for i in 1 2 3; do add_laptop "$i"; done
pki_client alice
pki_client bob
write_client_ini 1 alice
write_client_ini 3 bob
ATT=$(lap 2)
for a in 50 51 52 53; do ip -n "$ATT" addr add "192.0.2.$a/24" dev eth0; done
srcs=192.0.2.50,192.0.2.51,192.0.2.52,192.0.2.53

# ---- 1. memory ----
write_server_ini "max_handshakes = 2000" "max_handshakes_per_source = 2000"
start_gateway
sleep 0.5
for mode in silent hello; do
	before=$(rss_kb)
	ip netns exec "$ATT" timeout 60 $HO idle 192.0.2.1 8443 192.0.2.50 1000 "$mode" 1.5 \
		>"$WORK/idle.$mode" 2>&1 &
	idle_pid=$!
	T_PIDS+=("$idle_pid")
	wait_for 30 grep -q '^open 1000' "$WORK/idle.$mode" ||
		fail "could not open 1000 connections: $(cat "$WORK/idle.$mode")"
	sleep 0.8
	peak=$(rss_kb)
	wait "$idle_pid" || fail "idle client failed: $(cat "$WORK/idle.$mode")"
	# The gateway frees them as it sees them go, then trims its heap.
	wait_for 10 sh -c "ip netns exec $G ss -Htn state established '( sport = :8443 )' | wc -l | grep -qx 0" ||
		fail "the gateway still holds connections after they closed"
	sleep 1.5
	after=$(rss_kb)
	say "memory, 1000 $mode half-open connections: RSS ${before} KB before, ${peak} KB at the peak, ${after} KB after"
	# Back near the start: within a quarter of the growth, or 1 MB. Under
	# AddressSanitizer freed memory stays in its quarantine, so the bound
	# is checked by the plain build (CI runs both).
	grow=$((peak - before))
	left=$((after - before))
	if [ "${MTLSVPN_SANITIZED:-OFF}" = ON ]; then
		say "sanitized build: RSS figures above are ASan's, not bounded here"
		continue
	fi
	[ "$left" -le $((grow / 4)) ] || [ "$left" -le 1024 ] ||
		fail "$mode: RSS did not come back: ${left} KB of ${grow} KB kept"
	[ "$mode" = silent ] && [ "$grow" -gt $((1000 * 16)) ] &&
		fail "silent connections cost $((grow / 1000)) KB each (want no buffers before the first byte)"
done
stop_pid "$GW_PID"

# ---- 2. a flood larger than max_handshakes ----
# One worker: "oldest" is the order of accept, and with several workers
# each drains its own accept queue, so their accept order is only close to
# the order the flood connected in (design.md, "Workers"); this checks the
# exact order.
write_server_ini "max_handshakes = 64" "max_handshakes_per_source = 1000" "workers = 1"
start_gateway
start_client 1
wait_tunnel 1
idle_ping=$(ip netns exec "$(lap 1)" ping -c 300 -i 0.01 -W 1 10.20.0.2 | p99)
lines_before=$(wc -l <"$WORK/gateway.log")
flood_s=16
# New connections a second: twice what kept every employee out before.
flood_rate=${MTLSVPN_FLOOD_RATE:-200}
# The attacker runs at the lowest priority: on a real network its CPU is
# its own, and on this 2-core machine it would otherwise compete with the
# gateway and alice's client for the scheduler.
ip netns exec "$ATT" timeout $((flood_s + 30)) nice -n 19 $HO hold 192.0.2.1 8443 "$srcs" 150 "$flood_s" \
	"$flood_rate" "$WORK/flood.json" >"$WORK/flood.log" 2>&1 &
flood=$!
T_PIDS+=("$flood")
# The flood's first COUNT are open and what the gateway dropped of them is
# known before alice's pings and bob's connections start: on a loaded
# machine the niced attacker may take longer than a fixed pause, and bob's
# handshake would then take a slot among them.
wait_for 30 grep -q "^held " "$WORK/flood.log" || fail "the flood did not open its connections in 30 s: $(cat "$WORK/flood.log")"
sleep 1
ip netns exec "$(lap 1)" ping -c 500 -i 0.01 -W 1 10.20.0.2 >"$WORK/ping.flood" 2>&1 &
ping_pid=$!
times=()
for run in 1 2 3 4 5; do
	t0=$(date +%s%N)
	start_client 3
	wait_for 5 tunnel_up 3 || fail "run $run: bob had no tunnel after 5 s under the flood"
	t1=$(date +%s%N)
	times+=("$(((t1 - t0) / 1000000))")
	stop_pid "${CLIENT_PID[3]}"
	sleep 0.3
done
wait "$ping_pid" || fail "alice lost pings during the flood: $(tail -n 2 "$WORK/ping.flood")"
flood_ping=$(p99 <"$WORK/ping.flood")
wait "$flood" || fail "the flood tool failed: $(cat "$WORK/flood.log")"
# The idle value again after the flood: the machine's own noise moves it.
idle_after=$(ip netns exec "$(lap 1)" ping -c 300 -i 0.01 -W 1 10.20.0.2 | p99)
say "bob connected under the flood in ${times[*]} ms"
# 2 s is the bound; under AddressSanitizer every handshake of the flood and
# of bob's costs about twice the CPU, so the sanitized run allows twice that
# (the plain build, which CI also runs, holds the real bound).
connect_max=2000
[ "${MTLSVPN_SANITIZED:-OFF}" = ON ] && connect_max=4000
for t in "${times[@]}"; do
	[ "$t" -le "$connect_max" ] || fail "bob needed $t ms to connect under the flood (want <= $connect_max)"
done

# The oldest were dropped: of 150 opened in order with room for 64, the
# first 86 are closed and the last 64 are not.
python3 - "$WORK/flood.json" <<'PY' || fail "the flood's oldest connections were not the ones dropped: $(cat "$WORK/flood.json")"
import json, sys
r = json.load(open(sys.argv[1]))
want = list(range(r["count"] - 64))
sys.exit(0 if r["closed_first"] == want else 1)
PY
closed=$(python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); print(r["closed_total"], r["reopened"])' "$WORK/flood.json")
say "flood: 150 half-open held against max_handshakes=64; the first 86 dropped, oldest first; closed/reopened over ${flood_s} s at up to $flood_rate a second: $closed"

# Latency of an established session: p99 within 2x its idle value, the
# larger of the idle values before and after the flood, or that value
# plus 10 ms, whichever is more: the idle p99 on a veth pair is about a
# millisecond here, the scheduler of a busy 2-core CI machine alone moves
# it by 2-4 ms (a CI run saw 1.05 ms idle, 4.12 ms under the flood), while
# a gateway whose loop ran a burst of queued handshakes in one turn would
# hold a ping for tens of milliseconds.
say "alice's ping p99: ${idle_ping} ms idle before, ${flood_ping} ms under the flood, ${idle_after} ms idle after"
# Under AddressSanitizer our code runs about twice as slow: latency is
# bounded by the plain build (CI runs both).
if [ "${MTLSVPN_SANITIZED:-OFF}" = ON ]; then
	say "sanitized build: latency reported, bounded by the plain build"
else
	awk -v a="$idle_ping" -v c="$idle_after" -v b="$flood_ping" 'BEGIN { if (c > a) a = c;
		lim = 2 * a; if (lim < a + 10) lim = a + 10; exit !(b <= lim) }' ||
		fail "alice's ping p99 went from $idle_ping/$idle_after ms idle to $flood_ping ms under the flood"
fi

# Bounded log: refusals before authentication at most 10 a second in full,
# plus a summary per 10 s.
"$B/mtlsvpnctl" status --control "$WORK/control" >"$WORK/status.txt" ||
	fail "mtlsvpnctl status failed"
evicted=$(sed -n 's/.* evicted=\([0-9]*\).*/\1/p' "$WORK/status.txt")
[ "${evicted:-0}" -ge 86 ] || fail "status shows evicted=${evicted:-none}: $(cat "$WORK/status.txt")"
refused_lines=$(tail -n +"$((lines_before + 1))" "$WORK/gateway.log" | grep -c 'session refused: remote=192.0.2.5' || true)
limit=$(((flood_s + 3) * 10))
[ "$refused_lines" -le "$limit" ] ||
	fail "$refused_lines refusal lines for $((closed_total = ${closed%% *})) refusals (want <= $limit)"
summary=$(tail -n +"$((lines_before + 1))" "$WORK/gateway.log" |
	grep -m1 'connections refused before authentication in the last' || true)
[ -n "$summary" ] || fail "no summary line for the refusals held back"
say "log: $refused_lines refusal lines in full for ${closed%% *} refusals; summary: ${summary#*mtlsvpn-server: }"
stop_pid "$GW_PID"

# ---- 3. one source cannot take the whole table ----
# One worker again: the exact order of accept (see 2).
write_server_ini "max_handshakes = 64" "max_handshakes_per_source = 8" "workers = 1"
start_gateway
ip netns exec "$ATT" timeout 30 $HO hold 192.0.2.1 8443 192.0.2.50 20 2 0 "$WORK/src.json" \
	>"$WORK/src.log" 2>&1 || fail "the flood tool failed: $(cat "$WORK/src.log")"
python3 - "$WORK/src.json" <<'PY' || fail "per-source bound: $(cat "$WORK/src.json")"
import json, sys
r = json.load(open(sys.argv[1]))
sys.exit(0 if r["closed_first"] == list(range(12)) else 1)
PY
"$B/mtlsvpnctl" status --control "$WORK/control" >"$WORK/status2.txt"
grep -q 'evicted_source=[1-9]' "$WORK/status2.txt" || fail "no evicted_source count: $(cat "$WORK/status2.txt")"
say "max_handshakes_per_source=8: of 20 from one address the first 12 were dropped"
stop_pid "$GW_PID"

# ---- 4. out of descriptors ----
write_server_ini
lines_before=$(wc -l <"$WORK/gateway.log")
ip netns exec "$G" prlimit --nofile=48:48 "$B/mtlsvpn-server" -c "$WORK/server.ini" -v \
	>>"$WORK/gateway.log" 2>&1 &
GW_PID=$!
T_PIDS+=("$GW_PID")
wait_for 10 gateway_listening || fail "the gateway is not listening after 10 s"
ip netns exec "$ATT" timeout 30 $HO idle 192.0.2.1 8443 192.0.2.51 200 silent 3 \
	>"$WORK/fd.log" 2>&1 || fail "the idle client failed: $(cat "$WORK/fd.log")"
new=$(tail -n +"$((lines_before + 1))" "$WORK/gateway.log")
grep -q 'open files limit 48 is below' <<<"$new" || fail "no warning about the descriptor limit at start"
pauses=$(grep -c 'accept paused for 200 ms at a time' <<<"$new" || true)
[ "$pauses" -ge 1 ] && [ "$pauses" -le 3 ] ||
	fail "want one "accept paused" line for the episode, found $pauses"
start_client 3
wait_tunnel 3 10
"$B/mtlsvpnctl" status --control "$WORK/control" >"$WORK/status3.txt"
grep -q 'accept pauses: [1-9]' "$WORK/status3.txt" || fail "no accept pauses counted: $(cat "$WORK/status3.txt")"
say "out of descriptors (limit 48, 200 connections): $pauses 'accept paused' line(s), $(grep -c 'accepting connections again' <<<"$new" || true) 'accepting again'; bob connected afterwards"
pass
