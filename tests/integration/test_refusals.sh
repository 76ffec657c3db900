#!/usr/bin/env bash
# Nobody gets in without a good certificate, and the gateway keeps serving
# everyone else: no client certificate, a certificate from another CA and an
# expired one are refused; a client told to expect another server name
# refuses the gateway; a client that stalls mid-handshake is dropped at the
# handshake timeout. Each refused client exits 1 with one clear sentence.
. "$(dirname "$0")/lib.sh"

topo_init
add_laptop 1
add_laptop 2
pki_init
pki_client alice
write_server_ini
start_gateway
write_client_ini 1 alice
start_client 1
wait_tunnel 1
say "alice connected"
L2=$(lap 2)

# No certificate at all.
ip netns exec "$L2" python3 "$SRC/tests/integration/rawclient.py" nocert --host 192.0.2.1 \
	--server-name gw.test --ca "$CA/ca.crt" >"$WORK/nocert.out" 2>&1 ||
	fail "a client without a certificate was not refused: $(cat "$WORK/nocert.out")"
wait_for 5 grep -q 'session refused: .*certificate' "$WORK/gateway.log" ||
	fail "the gateway did not log the refusal of a client without a certificate"
say "no client certificate: refused ($(cat "$WORK/nocert.out"))"

# A certificate from another CA.
"$B/mtlsvpnctl" ca init --dir "$WORK/otherca" --name "Other CA" >>"$WORK/ctl.log" 2>&1 ||
	fail "second CA"
mkdir -p "$WORK/other"
"$B/mtlsvpnctl" ca issue-client mallory --dir "$WORK/otherca" --out "$WORK/other" >>"$WORK/ctl.log" 2>&1 ||
	fail "mallory's certificate"
cp "$WORK/other/mallory.crt" "$WORK/other/mallory.key" "$WORK/"
write_client_ini 2 mallory
run_client_to_end 2
[ "$RUN_RC" -eq 1 ] || fail "client with a foreign CA's certificate: exit status $RUN_RC, want 1"
grep -q "rejected our certificate" "$WORK/client2.log" ||
	fail "client with a foreign CA's certificate: no clear message"
say "certificate from another CA: refused, client says: $(grep -o 'the gateway rejected our certificate[^:]*' "$WORK/client2.log" | head -n 1)"

# An expired certificate from the right CA.
pki_openssl_client expired-user 20240101000000Z 20240201000000Z
write_client_ini 2 expired-user
: >"$WORK/client2.log"
run_client_to_end 2
[ "$RUN_RC" -eq 1 ] || fail "client with an expired certificate: exit status $RUN_RC, want 1"
grep -q "rejected our certificate" "$WORK/client2.log" || fail "expired certificate: no clear message"
grep -q 'session refused: .*expired\|session refused: .*date' "$WORK/gateway.log" ||
	fail "the gateway did not log why it refused the expired certificate"
say "expired certificate: refused"

# The gateway's certificate does not name what the client expects.
pki_client bob
write_client_ini 2 bob "server_name = other.test"
sed -i '/^server_name = gw.test$/d' "$WORK/client2.ini"
: >"$WORK/client2.log"
run_client_to_end 2
[ "$RUN_RC" -eq 1 ] || fail "wrong server name: exit status $RUN_RC, want 1"
grep -q "does not name other.test" "$WORK/client2.log" || fail "wrong server name: no clear message"
say "gateway with the wrong name: the client refuses it"

# A gateway the client's CA does not know.
write_client_ini 2 bob "ca = otherca/ca.crt"
sed -i '0,/^ca = ca\/ca.crt$/{/^ca = ca\/ca.crt$/d}' "$WORK/client2.ini"
: >"$WORK/client2.log"
run_client_to_end 2
[ "$RUN_RC" -eq 1 ] || fail "untrusted gateway: exit status $RUN_RC, want 1"
grep -q "is not trusted" "$WORK/client2.log" || fail "untrusted gateway: no clear message"
say "untrusted gateway: the client refuses it"

# A client that connects and then says nothing is dropped at the first
# deadline (a whole ClientHello within 2 s); one that sends half a
# ClientHello and stalls, at the first deadline too; one whose ClientHello
# is whole but that never finishes the handshake, at handshake_timeout (5 s
# here). Alice keeps her tunnel meanwhile.
stall_client() { # MODE: silent | half | hello
	ip netns exec "$L2" timeout 20 python3 -c '
import socket, ssl, sys, time
mode = sys.argv[1]
s = socket.create_connection(("192.0.2.1", 8443), timeout=15)
if mode != "silent":
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    ctx.set_alpn_protocols(["mtlsvpn/1"])
    i, o = ssl.MemoryBIO(), ssl.MemoryBIO()
    obj = ctx.wrap_bio(i, o, server_hostname="gw")
    try:
        obj.do_handshake()
    except ssl.SSLWantReadError:
        pass
    hello = o.read()
    s.sendall(hello[: len(hello) // 2] if mode == "half" else hello)
t = time.monotonic()
s.settimeout(15)
try:
    while s.recv(4096):
        pass
except ConnectionResetError:
    pass
print("%.1f" % (time.monotonic() - t))' "$1"
}
stall_client silent >"$WORK/stall.silent" 2>&1 &
T_PIDS+=("$!"); p1=$!
stall_client half >"$WORK/stall.half" 2>&1 &
T_PIDS+=("$!"); p2=$!
stall_client hello >"$WORK/stall.hello" 2>&1 &
T_PIDS+=("$!"); p3=$!
ip netns exec "$(lap 1)" ping -c 10 -i 0.2 -W 1 10.20.0.2 >/dev/null ||
	fail "alice lost traffic while clients stalled"
wait "$p1" "$p2" "$p3" || true
in_range() { awk -v v="$1" -v lo="$2" -v hi="$3" 'BEGIN { exit !(v >= lo && v <= hi) }'; }
s1=$(cat "$WORK/stall.silent"); s2=$(cat "$WORK/stall.half"); s3=$(cat "$WORK/stall.hello")
in_range "$s1" 1.5 3.5 || fail "silent connection: closed after '$s1' s, want about 2"
in_range "$s2" 1.5 3.5 || fail "half a ClientHello: closed after '$s2' s, want about 2"
in_range "$s3" 4.5 7 || fail "whole ClientHello, no Finished: closed after '$s3' s, want about 5"
n=$(grep -c 'reason="no complete ClientHello within 2000 ms"' "$WORK/gateway.log" || true)
[ "$n" -eq 2 ] || fail "want 2 'no complete ClientHello' refusals, found $n"
grep 'reason="TLS handshake timed out after 5s"' "$WORK/gateway.log" >/dev/null ||
	fail "no handshake timeout refusal logged"
say "stalled handshakes: silent closed after ${s1} s, half a hello after ${s2} s, no Finished after ${s3} s; alice kept working"

# bob with everything right gets in.
write_client_ini 2 bob
start_client 2
wait_tunnel 2
ip netns exec "$(lap 1)" ping -c 2 -i 0.2 -W 2 10.20.0.2 >/dev/null || fail "alice lost her tunnel"
say "after all refusals, bob connects and alice still works"
pass
