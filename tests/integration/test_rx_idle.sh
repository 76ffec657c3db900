#!/usr/bin/env bash
# The gateway gives its read-ahead staging back when quiet (server/
# rx_idle.c): during a bulk upload and download on the UDP data channel,
# the worker's staged memory (UDP receive slots and TUN staged packets) is
# resident, as the status JSON's workers[0].staging_resident says (the
# kernel's own count, from mincore); a few seconds after the traffic
# stops it is back to almost nothing, staging_released counts it, and the
# gateway's VmRSS drops by at least half as much (not checked in
# sanitized builds). Fails if the pages are kept.
. "$(dirname "$0")/lib.sh"

need_tools python3

topo_init
add_laptop 1
L1=$(lap 1)
pki_init
pki_client alice
write_server_ini "workers = 1"
start_gateway
write_client_ini 1 alice
start_client 1
wait_tunnel 1
udp_session_up alice

# The LAN host: 5001 sinks, 5003 sends until the other end closes.
cat >"$WORK/lan.py" <<'PY'
import socket, threading
def serve(port, fn):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("10.20.0.2", port)); s.listen(4)
    while True:
        c, _ = s.accept()
        threading.Thread(target=fn, args=(c,), daemon=True).start()
def sink(c):
    while c.recv(65536): pass
def source(c):
    b = b"x" * 65536
    try:
        while True: c.sendall(b)
    except OSError: pass
threading.Thread(target=serve, args=(5001, sink), daemon=True).start()
serve(5003, source)
PY
ip netns exec "$N" timeout 120 python3 "$WORK/lan.py" >"$WORK/lan.log" 2>&1 &
T_PIDS+=("$!")
wait_for 10 listening "$N" 5003 || fail "the LAN host did not start"

# Bulk both ways for BULK_S seconds from the laptop.
BULK_S=6
ip netns exec "$L1" timeout 30 python3 -c '
import socket, sys, threading, time
end = time.time() + float(sys.argv[1])
def up():
    s = socket.create_connection(("10.20.0.2", 5001), timeout=10)
    b = b"y" * 65536
    while time.time() < end: s.sendall(b)
    s.close()
def down():
    s = socket.create_connection(("10.20.0.2", 5003), timeout=10)
    while time.time() < end: s.recv(1 << 20)
    s.close()
t = [threading.Thread(target=f) for f in (up, down)]
[x.start() for x in t]; [x.join() for x in t]' "$BULK_S" >"$WORK/bulk.log" 2>&1 &
BULK_PID=$!
T_PIDS+=("$BULK_PID")

# sample SECS MODE: status and VmRSS every 0.25 s for at most SECS. MODE
# max: prints the largest staging_resident and VmRSS (KiB) seen; MODE
# quiet: stops at the first staging_resident of at most 64 KiB and prints
# it, VmRSS, staging_released and the seconds it took (exit 1: never).
cat >"$WORK/sample.py" <<'PY'
import json, subprocess, sys, time
ctl, sock, pid, secs, mode = sys.argv[1], sys.argv[2], sys.argv[3], float(sys.argv[4]), sys.argv[5]
def rss():
    for l in open("/proc/%s/status" % pid):
        if l.startswith("VmRSS:"): return int(l.split()[1])
def worker():
    out = subprocess.run([ctl, "status", "--json", "--control", sock], capture_output=True, text=True, timeout=10).stdout
    return json.loads(out)["gateway"]["workers"][0]
t0 = time.time(); top = (0, 0)
while time.time() - t0 < secs:
    w = worker(); r = rss()
    if mode == "max":
        top = (max(top[0], w["staging_resident"]), max(top[1], r))
    elif w["staging_resident"] <= 65536:
        print(w["staging_resident"], r, w["staging_released"], "%.1f" % (time.time() - t0)); sys.exit(0)
    time.sleep(0.25)
if mode == "max":
    print(*top); sys.exit(0)
print(w["staging_resident"], r, w["staging_released"]); sys.exit(1)
PY
read -r busy busy_rss <<<"$(python3 "$WORK/sample.py" "$B/mtlsvpnctl" "$WORK/control" "$GW_PID" $((BULK_S - 1)) max)"
wait "$BULK_PID" || fail "the bulk transfer failed: $(cat "$WORK/bulk.log")"
say "during the bulk: ${busy} bytes of staging resident, gateway VmRSS ${busy_rss} KiB"
# Two UDP slots of 64 KiB or eight TUN pages at least, or the bulk did not
# reach the read-ahead and nothing here is shown.
[ "${busy:-0}" -ge 131072 ] || fail "the bulk left only ${busy:-0} bytes of staging resident"

quiet=$(python3 "$WORK/sample.py" "$B/mtlsvpnctl" "$WORK/control" "$GW_PID" 15 quiet) ||
	fail "15 s after the bulk the staging is still resident: resident, VmRSS KiB, released: $quiet"
read -r idle idle_rss released took <<<"$quiet"
[ "$released" -ge 1 ] || fail "staging_released did not count it: $released"
# The kernel's own figure for the whole process agrees: at least half of
# what left the staging left the gateway's RSS. Not under AddressSanitizer,
# whose quarantine and shadow grow the RSS on their own (the staging's
# own figure above is checked there too).
if [ "${MTLSVPN_SANITIZED:-OFF}" = ON ]; then
	say "sanitized build: VmRSS figures are ASan's, not checked"
else
	[ $((busy_rss - idle_rss)) -ge $(((busy - idle) / 2048)) ] ||
		fail "VmRSS went from $busy_rss to $idle_rss KiB while $((busy - idle)) bytes of staging were given back"
fi
say "quiet after ${took} s: ${idle} bytes resident, VmRSS ${idle_rss} KiB (down $((busy_rss - idle_rss)) KiB), released ${released} times"
pass
