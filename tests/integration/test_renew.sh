#!/usr/bin/env bash
# The client renews its certificate by itself (renew = auto, docs/
# protocol.md 13.10): a laptop enrolled with a 60-second certificate
# (cert_lifetime = 60s, the shortest the gateway issues) renews it three
# times at renew_at = 1/6 (every 7-10 s) while a checksummed upload runs
# through the tunnel, across a gateway restart, and the upload, begun
# before the first renewal and ended after the third, arrives whole on the
# same inner connection, the laptop keeping its tunnel address; each
# renewal is a new serial and a new key, the previous pair kept as .prev.
# Once its certificate is revoked (in the CA index the gateway signs from)
# the renewal is refused with a reason and the files stay as they were.
. "$(dirname "$0")/lib.sh"
need_tools openssl python3 sha256sum
CTL=$B/mtlsvpnctl

topo_init
add_laptop 1
pki_init
T_BOB=$("$CTL" ca token bob --dir "$CA" --ttl 1h 2>>"$WORK/ctl.log")
chown -R nobody:nogroup "$CA"
write_server_ini "enroll = on" "enroll_ca_dir = ca" "cert_lifetime = 60s"
start_gateway

# The LAN host sinks an upload (32 KiB every 0.2 s) that runs from before
# the first renewal until it is told to stop after the third; the sender
# writes the sha256 of what it sent once the LAN host has all of it. Both
# start before the laptop connects (the sender tries until the tunnel
# carries its connection), so that the first renewal, due 7-10 s after
# enrollment, does not wait on them.
start_lan_sink 200
UP_STOP=$WORK/upload.stop
ip netns exec "$(lap 1)" timeout 200 python3 -c '
import hashlib, os, socket, sys, time
end = time.time() + 60
while True:
    try:
        s = socket.create_connection(("10.20.0.2", 5001), timeout=10); break
    except OSError:
        if time.time() > end: raise
        time.sleep(0.1)
s.settimeout(120)
print("connected", flush=True)
h = hashlib.sha256(); n = 0; end = time.time() + 120
while not os.path.exists(sys.argv[1]):
    if time.time() > end: sys.exit("not told to stop within 120 s")
    b = os.urandom(32768); s.sendall(b); h.update(b); n += len(b); time.sleep(0.2)
s.shutdown(socket.SHUT_WR); s.recv(1)
open(sys.argv[2], "w").write("%s %d\n" % (h.hexdigest(), n))' "$UP_STOP" "$WORK/sent.sha" \
	>"$WORK/upload.log" 2>&1 &
up_pid=$!
T_PIDS+=("$up_pid")

mkdir -p "$WORK/bob"
timeout 60 ip netns exec "$(lap 1)" "$B/mtlsvpn-client" enroll --gateway 192.0.2.1:8443 \
	--server-name gw.test --identity bob --token "$T_BOB" --ca "$CA/ca.crt" \
	--config "$WORK/bob/bob.ini" >"$WORK/enroll.out" 2>&1 || fail "enroll: $(cat "$WORK/enroll.out")"
cat >>"$WORK/bob/bob.ini" <<EOF2
renew_at = 1/6
dns = none
reconnect_min = 1
reconnect_max = 2
state_dir = $WORK/client-state-1
EOF2
serial_of() { openssl x509 -in "$1" -noout -serial | cut -d= -f2; }
S0=$(serial_of "$WORK/bob/bob.crt")
ip netns exec "$(lap 1)" "$B/mtlsvpn-client" -c "$WORK/bob/bob.ini" -v >>"$WORK/client1.log" 2>&1 &
CLIENT_PID[1]=$!
T_PIDS+=("$!")
wait_tunnel 1
ADDR0=$(tunnel_addr 1)
grep -q "renewal: planned in" "$WORK/client1.log" || fail "no renewal planned: $(cat "$WORK/client1.log")"

asked() { grep -c "renewal: asking" "$WORK/client1.log" || true; }
wait_for 10 grep -q "^connected" "$WORK/upload.log" || fail "the upload did not connect: $(cat "$WORK/upload.log")"
[ "$(asked)" -eq 0 ] || fail "a renewal began before the upload: the upload would not span it"

renewals() { grep -c "renewal: the tunnel runs on the renewed certificate" "$WORK/client1.log" || true; }
renewals_reach() { [ "$(renewals)" -ge "$1" ]; }
wait_for 45 renewals_reach 1 || fail "no renewal within 45 s: $(grep renewal "$WORK/client1.log")"
say "renewal 1: $(serial_of "$WORK/bob/bob.crt")"

# A gateway restart mid-way: the client comes back on its own.
stop_pid "$GW_PID"
sleep 2
start_gateway
wait_for 45 renewals_reach 2 || fail "no second renewal after the restart: $(grep renewal "$WORK/client1.log")"
say "renewal 2 after a gateway restart: $(serial_of "$WORK/bob/bob.crt")"
wait_for 45 renewals_reach 3 || fail "no third renewal: $(grep renewal "$WORK/client1.log")"
A3=$(asked)
# The fourth renewal is due 7-10 s after the third. Before it the upload
# is seen still running, the status is taken and bob is revoked in the CA
# index: every renewal from then on is refused, so no file changes under
# the checks below.
kill -0 "$up_pid" 2>/dev/null || fail "the upload ended before the third renewal: $(cat "$WORK/upload.log")"
"$B/mtlsvpn-client" status -c "$WORK/bob/bob.ini" >"$WORK/status.txt" 2>&1 ||
	fail "status: $(cat "$WORK/status.txt")"
"$B/mtlsvpn-client" status -c "$WORK/bob/bob.ini" --json >"$WORK/status.json" 2>&1 ||
	fail "status --json: $(cat "$WORK/status.json")"
"$CTL" ca revoke bob --dir "$CA" >>"$WORK/ctl.log" 2>&1 || fail "ca revoke bob"
chown -R nobody:nogroup "$CA"
# Retries planned so far (a try that met the restarted gateway down plans one).
tries() { grep -c "renewal: next try in" "$WORK/client1.log" || true; }
tries0=$(tries)
[ "$(asked)" -eq "$A3" ] ||
	fail "a renewal began before the revocation (7 s after the third): $(grep renewal "$WORK/client1.log" | tail -n 3)"
S3=$(serial_of "$WORK/bob/bob.crt")
say "renewal 3: $S3"

touch "$UP_STOP"
wait "$up_pid" || fail "the upload through the tunnel broke: $(cat "$WORK/upload.log")"
wait_for 10 test -s "$WORK/up.sha" || fail "the LAN host got no whole upload"
read -r sent_sha sent_bytes <"$WORK/sent.sha"
[ "$(cat "$WORK/up.sha")" = "$sent_sha" ] || fail "the upload arrived altered"
say "upload of $((sent_bytes / 1024)) KiB across three renewals and a restart: one connection, checksum matches"
kill -0 "${CLIENT_PID[1]}" 2>/dev/null || fail "the client exited"
[ "$(tunnel_addr 1)" = "$ADDR0" ] || fail "the tunnel address moved: $ADDR0 -> $(tunnel_addr 1)"
# Status: the renewed certificate's expiry and the next renewal.
grep -q "^renewal:      next at .*last: renewed" "$WORK/status.txt" ||
	fail "status shows no next renewal: $(cat "$WORK/status.txt")"
python3 - "$WORK/status.json" "$WORK/bob/bob.crt" <<'PY' || fail "status --json: $(cat "$WORK/status.json")"
import json, subprocess, sys, datetime
s = json.load(open(sys.argv[1]))
r = s["renewal"]
assert r["last"] == "renewed" and r["next"] is not None, r
end = subprocess.run(["openssl", "x509", "-in", sys.argv[2], "-noout", "-enddate"],
                     capture_output=True, text=True).stdout.strip().split("=", 1)[1]
na = datetime.datetime.strptime(end, "%b %d %H:%M:%S %Y %Z").strftime("%Y-%m-%dT%H:%M:%SZ")
assert s["cert_not_after"] == na, (s["cert_not_after"], na)
assert r["next"] < na, (r["next"], na)
PY

[ "$S3" != "$S0" ] || fail "the certificate file was not replaced"
[ "$(grep -c 'renewed: serial' "$WORK/gateway.log")" -ge 1 ] || fail "the gateway logged no renewal"
[ "$(openssl pkey -in "$WORK/bob/bob.key" -pubout)" = \
	"$(openssl x509 -in "$WORK/bob/bob.crt" -noout -pubkey)" ] || fail "key and certificate differ"
[ "$(stat -c %a "$WORK/bob/bob.key")" = 600 ] || fail "the renewed key is not 0600"
[ "$(stat -c %a "$WORK/bob/bob.key.prev")" = 600 ] || fail "no 0600 bob.key.prev"
[ "$(openssl pkey -in "$WORK/bob/bob.key.prev" -pubout)" = \
	"$(openssl x509 -in "$WORK/bob/bob.crt.prev" -noout -pubkey)" ] || fail "the .prev pair differs"
[ "$(openssl pkey -in "$WORK/bob/bob.key.prev" -pubout)" != \
	"$(openssl pkey -in "$WORK/bob/bob.key" -pubout)" ] || fail "the renewal kept the old key"
ls "$WORK/bob/"*.new >/dev/null 2>&1 && fail "a .new file was left"

# Revoked in the CA index: the next renewal is refused; nothing changes.
before=$(sha256sum "$WORK/bob/bob.crt" "$WORK/bob/bob.key")
wait_for 45 grep -q "renewal failed: the gateway refused (403).*revoked" "$WORK/client1.log" ||
	fail "a revoked certificate's renewal was not refused: $(grep renewal "$WORK/client1.log" | tail -n 3)"
[ "$(sha256sum "$WORK/bob/bob.crt" "$WORK/bob/bob.key")" = "$before" ] ||
	fail "a refused renewal changed the files"
[ "$(tries)" -gt "$tries0" ] || fail "no retry planned after the refusal"

# A renewal cut between its two renames (the certificate new, the key
# old, the new key still KEY.new): the next start completes it. (The
# renewal the restarted client asks for at once is refused: bob is
# revoked, so only the repair touches the files.)
stop_pid "${CLIENT_PID[1]}"
mv "$WORK/bob/bob.key" "$WORK/bob/bob.key.new"
cp -p "$WORK/bob/bob.key.prev" "$WORK/bob/bob.key"
ip netns exec "$(lap 1)" "$B/mtlsvpn-client" -c "$WORK/bob/bob.ini" -v >>"$WORK/client1.log" 2>&1 &
CLIENT_PID[1]=$!
T_PIDS+=("$!")
wait_tunnel 1
grep -q "completed the interrupted renewal" "$WORK/client1.log" || fail "the cut renewal was not completed"
[ -e "$WORK/bob/bob.key.new" ] && fail "bob.key.new is still there"
[ "$(openssl pkey -in "$WORK/bob/bob.key" -pubout)" = \
	"$(openssl x509 -in "$WORK/bob/bob.crt" -noout -pubkey)" ] || fail "the repaired pair differs"
say "a renewal cut between its renames is completed at the next start"
pass
