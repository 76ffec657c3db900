#!/usr/bin/env bash
# A session never outlives its certificate or max_session_lifetime, and an
# expired CRL can refuse new sessions:
#  - max_session_lifetime = 5 closes the session with BYE "maximum session
#    lifetime reached" and the client reconnects by itself;
#  - a certificate (made by openssl) that expires 15 s after issue loses its
#    tunnel when it expires, with BYE "certificate expired", and the client
#    exits 1;
#  - with crl_expired = refuse, a CRL past its nextUpdate refuses new
#    sessions while the live ones stay.
. "$(dirname "$0")/lib.sh"

now_ms() { echo $(($(date +%s%N) / 1000000)); }
stamp() { date -u -d "@$1" +%Y%m%d%H%M%SZ; }

topo_init
add_laptop 1
add_laptop 2
pki_init
pki_client alice

# ---- max_session_lifetime ----
write_server_ini "max_session_lifetime = 5"
start_gateway
write_client_ini 1 alice
t0=$(now_ms)
start_client 1
wait_tunnel 1
wait_for 10 grep -q "maximum session lifetime reached" "$WORK/client1.log" ||
	fail "no BYE 'maximum session lifetime reached' within 10 s"
say "lifetime: closed after $(($(now_ms) - t0)) ms (max_session_lifetime = 5)"
wait_for 8 bash -c "[ \$(grep -c 'session up: .*identity=\"alice\"' '$WORK/gateway.log') -ge 2 ]" ||
	fail "alice did not reconnect after the lifetime BYE"
wait_tunnel 1 5
kill -0 "${CLIENT_PID[1]}" || fail "alice's client exited after a lifetime BYE"
say "lifetime: the client reconnected by itself"
stop_pid "${CLIENT_PID[1]}"
stop_pid "$GW_PID"

# ---- a certificate that expires 15 s after issue ----
# Made once the gateway listens: its 15 s only have to cover the client's
# connection (wait_tunnel's own bound), not the gateway's start.
write_server_ini
start_gateway
now=$(date +%s)
end=$((now + 15))
pki_openssl_client shortlived "$(stamp $((now - 3600)))" "$(stamp $end)"
write_client_ini 2 shortlived
start_client 2
wait_tunnel 2
say "shortlived connected; its certificate expires at $(date -u -d "@$end" +%T)"
wait_for $((end - $(date +%s) + 5)) grep -q "certificate expired" "$WORK/client2.log" ||
	fail "the session outlived its certificate by more than 5 s"
late=$(($(now_ms) - end * 1000))
say "expiry: the tunnel closed ${late} ms after notAfter"
grep -q 'session down: .*identity="shortlived".*reason="notAfter' "$WORK/gateway.log" ||
	fail "the gateway did not log why the session ended"
wait_for 5 bash -c "! kill -0 ${CLIENT_PID[2]} 2>/dev/null" || fail "the client still runs"
set +e
wait "${CLIENT_PID[2]}"
rc=$?
set -e
[ "$rc" -eq 1 ] || fail "client exit status $rc after 'certificate expired', want 1"
tunnel_up 2 && fail "the tunnel still carries traffic after expiry"

# ---- crl_expired = refuse ----
OC=$WORK/ossl
mkdir -p "$OC" "$WORK/crl"
: >"$OC/index.txt"
echo 01 >"$OC/crlnumber"
printf '[ca]\ndefault_ca = c\n[c]\ndatabase = %s/index.txt\ncrlnumber = %s/crlnumber\ndefault_md = sha256\n' \
	"$OC" "$OC" >"$OC/ca.cnf"
openssl ca -config "$OC/ca.cnf" -cert "$CA/ca.crt" -keyfile "$CA/ca.key" -gencrl -crldays 1 \
	-out "$WORK/crl/crl.pem" >>"$WORK/ctl.log" 2>&1 || fail "openssl ca -gencrl"
write_server_ini "crl = crl/crl.pem" "crl_expired = refuse"
kill -HUP "$GW_PID"
wait_for 3 grep -q "SIGHUP: revocation settings reloaded: 1 CRL" "$WORK/gateway.log" ||
	fail "SIGHUP did not load the CRL"
write_client_ini 1 alice
start_client 1
wait_tunnel 1
# A CRL due two seconds from now, installed while alice is connected.
openssl ca -config "$OC/ca.cnf" -cert "$CA/ca.crt" -keyfile "$CA/ca.key" -gencrl -crlsec 2 \
	-out "$WORK/crl.tmp" >>"$WORK/ctl.log" 2>&1 || fail "openssl ca -gencrl -crlsec"
mv "$WORK/crl.tmp" "$WORK/crl/crl.pem"
wait_for 8 grep -q "CRL .*crl.pem is out of date" "$WORK/gateway.log" ||
	fail "no loud warning when the CRL's nextUpdate passed"
pki_client bob
write_client_ini 2 bob
: >"$WORK/client2.log"
run_client_to_end 2 15
[ "$RUN_RC" -eq 1 ] || fail "a new session with an expired CRL and crl_expired = refuse: status $RUN_RC"
grep -q "revocation list is out of date" "$WORK/client2.log" ||
	fail "the refused client was not told why"
tunnel_up 1 || fail "alice's live session did not survive the CRL expiring"
say "crl_expired = refuse: new sessions refused, the live one stays"
pass
