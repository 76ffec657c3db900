#!/usr/bin/env bash
# TLS 1.3 resumption that does not weaken revocation. The gateway issues a
# single-use ticket (a random handle into its own table, nothing secret on
# the wire); a reconnect offering it resumes without a certificate, and
# every check of a full handshake runs again on the stored chain.
#   1. openssl s_client: full handshake, then a resumed one (Reused, and
#      handshake=resumed in the gateway's log); the same ticket twice is a
#      full handshake the second time (single use).
#   2. A reload drops every ticket.
#   3. Revoked while disconnected: the saved session resumes at the TLS
#      level, and the session is refused as revoked all the same.
#   4. The real client: a reconnect (its TCP connection cut) resumes; then
#      its certificate is revoked while it is connected: the tunnel closes,
#      and its reconnect is refused.
#   5. A ticket past max_session_lifetime from its full handshake is
#      refused as expired (a short lifetime, set for the test).
#   6. tls_resumption = off: the gateway sends no ticket.
. "$(dirname "$0")/lib.sh"

topo_init
add_laptop 1
pki_init
pki_client alice
pki_client bob

OC=$WORK/ossl
mkdir -p "$OC" "$WORK/crl"
: >"$OC/index.txt"
echo 01 >"$OC/crlnumber"
printf '[ca]\ndefault_ca = c\n[c]\ndatabase = %s/index.txt\ncrlnumber = %s/crlnumber\ndefault_md = sha256\n' \
	"$OC" "$OC" >"$OC/ca.cnf"
ossl() { openssl ca -config "$OC/ca.cnf" -cert "$CA/ca.crt" -keyfile "$CA/ca.key" "$@" \
	>>"$WORK/ctl.log" 2>&1 || fail "openssl ca $*"; }
ossl -gencrl -crldays 1 -out "$WORK/crl/crl.pem"
n_revoked=0
revoke() {
	ossl -revoke "$WORK/$1.crt" -crl_reason keyCompromise
	ossl -gencrl -crldays 1 -out "$WORK/crl.tmp"
	mv "$WORK/crl.tmp" "$WORK/crl/crl.pem"
	n_revoked=$((n_revoked + 1))
	wait_for 5 grep -q "crl/crl.pem in force: $n_revoked revoked" "$WORK/gateway.log" ||
		fail "the CRL revoking $1 was not reloaded"
}
write_server_ini "crl = crl/crl.pem"
start_gateway

# s_client N WHO [session args]: one connection held open for 1.5 s (long
# enough for the post-handshake ticket), output in $WORK/sclientN.out.
s_client() {
	local n=$1 who=$2
	shift 2
	(sleep 1.5) | timeout 10 ip netns exec "$(lap 1)" openssl s_client -connect 192.0.2.1:8443 \
		-servername gw.test -CAfile "$CA/ca.crt" -cert "$WORK/$who.crt" \
		-key "$WORK/$who.key" -alpn mtlsvpn/1 -tls1_3 -msg "$@" \
		>"$WORK/sclient$n.out" 2>&1 || true
}
# up_count PATTERN: how many "session up" lines match; ups_reach PATTERN N:
# at least N of them.
up_count() { grep -c "session up: .*$1" "$WORK/gateway.log" || true; }
ups_reach() { [ "$(up_count "$1")" -ge "$2" ]; }

# ---- 1. resume once, and only once ----
s_client 1 bob -sess_out "$WORK/s1.pem"
grep -q "^New, TLSv1.3" "$WORK/sclient1.out" || fail "s_client did not connect: $(tail -n 5 "$WORK/sclient1.out")"
grep -q "NewSessionTicket" "$WORK/sclient1.out" || fail "the gateway sent no session ticket"
[ -s "$WORK/s1.pem" ] || fail "s_client saved no session"
wait_for 5 grep -q 'session up: .*identity="bob".*handshake=full' "$WORK/gateway.log" ||
	fail "the first connection did not establish a session"
say "first connection: full handshake, one ticket"

s_client 2 bob -sess_in "$WORK/s1.pem" -sess_out "$WORK/s2.pem"
grep -q "^Reused, TLSv1.3" "$WORK/sclient2.out" || fail "the ticket did not resume: $(grep -E '^(New|Reused)' "$WORK/sclient2.out")"
wait_for 5 grep -q 'session up: .*identity="bob".*handshake=resumed' "$WORK/gateway.log" ||
	fail "the gateway did not log a resumed session"
say "second connection: resumed (Reused; gateway: handshake=resumed)"

s_client 3 bob -sess_in "$WORK/s1.pem"
grep -q "^New, TLSv1.3" "$WORK/sclient3.out" || fail "a used ticket resumed again: $(grep -E '^(New|Reused)' "$WORK/sclient3.out")"
wait_for 5 grep -q 'session up: .*identity="bob".*handshake=full ticket_refused=unknown' "$WORK/gateway.log" ||
	fail "the used ticket was not refused as unknown"
say "the same ticket again: refused (single use), full handshake"

# ---- 2. a reload drops every ticket ----
kill -HUP "$GW_PID"
wait_for 5 grep -q 'SIGHUP: .* reloaded in .*ticket(s) dropped' "$WORK/gateway.log" ||
	fail "the reload did not report dropping tickets"
s_client 4 bob -sess_in "$WORK/s2.pem"
grep -q "^New, TLSv1.3" "$WORK/sclient4.out" || fail "a ticket resumed after a reload"
wait_for 5 ups_reach 'identity="bob".*ticket_refused=unknown' 2 ||
	fail "the ticket issued before the reload was not refused"
say "after a reload: the old ticket is refused, full handshake"

# ---- 3. revoked while disconnected: the ticket gets no one in ----
s_client 5 alice -sess_out "$WORK/s5.pem"
grep -q "^New, TLSv1.3" "$WORK/sclient5.out" || fail "alice could not connect"
[ -s "$WORK/s5.pem" ] || fail "s_client saved no session for alice"
revoke alice
ups=$(up_count 'identity="alice"')
s_client 6 alice -sess_in "$WORK/s5.pem"
grep -q "^Reused, TLSv1.3" "$WORK/sclient6.out" || fail "alice's ticket was not even tried: $(grep -E '^(New|Reused)' "$WORK/sclient6.out")"
wait_for 5 grep -q 'session refused: .*reason="serial .* revoked.*handshake=resumed' "$WORK/gateway.log" ||
	fail "the resumed connection of a revoked certificate was not refused"
[ "$(up_count 'identity="alice"')" -eq "$ups" ] || fail "a session came up for revoked alice"
say "revoked while away: the ticket resumes TLS, the session is refused as revoked"

# ---- 4. the real client resumes; revoked while connected, it is out ----
pki_client carol
write_client_ini 1 carol
start_client 1
wait_tunnel 1
wait_for 5 grep -q 'session up: .*identity="carol".*handshake=full' "$WORK/gateway.log" ||
	fail "carol's first session was not a full handshake"
# SIGUSR2: the client drops the connection and reconnects at once.
kill -USR2 "${CLIENT_PID[1]}"
wait_for 10 grep -q 'session up: .*identity="carol".*handshake=resumed' "$WORK/gateway.log" ||
	fail "the client's reconnect did not resume"
grep -q 'resumed the TLS session' "$WORK/client1.log" || fail "the client did not log the resumption"
wait_tunnel 1
"$B/mtlsvpnctl" status --control "$WORK/control" >"$WORK/status.txt" 2>&1 || fail "mtlsvpnctl status failed"
grep -q '^tls resumption: on; [0-9]* ticket(s) held; 1 session(s) up by resumption$' "$WORK/status.txt" ||
	fail "mtlsvpnctl status does not count the resumed session: $(cat "$WORK/status.txt")"
say "the client's reconnect resumed (gateway and client logs) and the tunnel carries traffic"

revoke carol
wait_for 5 grep -q 'session down: .*identity="carol".*revoked' "$WORK/gateway.log" ||
	fail "carol's live session was not closed on revocation"
wait_for 10 bash -c "! kill -0 ${CLIENT_PID[1]} 2>/dev/null" || fail "the revoked client is still running"
grep -q 'revoked' "$WORK/client1.log" || fail "the client did not say it was revoked"
say "revoked while connected: the tunnel closed and the client stopped"

# A session held open by s_client, revoked while up: the ticket it was
# given dies with it, and its reconnect is a refused full handshake.
pki_client dave
(sleep 4) | timeout 10 ip netns exec "$(lap 1)" openssl s_client -connect 192.0.2.1:8443 \
	-servername gw.test -CAfile "$CA/ca.crt" -cert "$WORK/dave.crt" -key "$WORK/dave.key" \
	-alpn mtlsvpn/1 -tls1_3 -sess_out "$WORK/s7.pem" >"$WORK/sclient7.out" 2>&1 &
held=$!
T_PIDS+=("$held")
wait_for 5 [ -s "$WORK/s7.pem" ] || fail "the held s_client saved no session"
wait_for 5 grep -q 'session up: .*identity="dave"' "$WORK/gateway.log" || fail "dave's session did not come up"
revoke dave
wait_for 5 grep -q 'session down: .*identity="dave".*revoked' "$WORK/gateway.log" ||
	fail "dave's live session was not closed on revocation"
stop_pid "$held"
ups=$(up_count 'identity="dave"')
s_client 8 dave -sess_in "$WORK/s7.pem"
grep -q "^Reused" "$WORK/sclient8.out" && fail "a ticket of a session closed by revocation resumed"
wait_for 5 grep -q 'session refused: .*reason="serial .* revoked.*handshake=full' "$WORK/gateway.log" ||
	fail "the reconnect after the revocation was not refused"
[ "$(up_count 'identity="dave"')" -eq "$ups" ] || fail "a session came up for revoked dave"
say "revoked while connected: its ticket was dropped, the reconnect refused (full handshake)"

# ---- 5. a ticket past its lifetime is refused ----
# max_session_lifetime bounds tickets from the full handshake: 3 s here
# (the lifetime the client is told stays long, so it still offers it).
stop_pid "$GW_PID"
write_server_ini "crl = crl/crl.pem" "max_session_lifetime = 3"
start_gateway
s_client 9 bob -sess_out "$WORK/s9.pem"
grep -q "^New, TLSv1.3" "$WORK/sclient9.out" || fail "bob could not connect to the restarted gateway"
sleep 2
s_client 10 bob -sess_in "$WORK/s9.pem"
grep -q "^New, TLSv1.3" "$WORK/sclient10.out" || fail "an expired ticket resumed: $(grep -E '^(New|Reused)' "$WORK/sclient10.out")"
wait_for 5 grep -q 'session up: .*identity="bob".*handshake=full ticket_refused=expired' "$WORK/gateway.log" ||
	fail "the expired ticket was not refused as expired"
say "a ticket past max_session_lifetime from its full handshake: refused as expired"

# ---- 6. tls_resumption = off: no tickets at all ----
stop_pid "$GW_PID"
write_server_ini "crl = crl/crl.pem" "tls_resumption = off"
start_gateway
s_client 11 bob -sess_out "$WORK/s11.pem"
grep -q "^New, TLSv1.3" "$WORK/sclient11.out" || fail "bob could not connect with resumption off"
grep -q "NewSessionTicket" "$WORK/sclient11.out" && fail "the gateway sent a ticket with tls_resumption = off"
"$B/mtlsvpnctl" status --control "$WORK/control" >"$WORK/status2.txt" 2>&1 || fail "mtlsvpnctl status failed"
grep -q '^tls resumption: off; 0 ticket(s) held' "$WORK/status2.txt" ||
	fail "mtlsvpnctl status does not say resumption is off: $(cat "$WORK/status2.txt")"
say "tls_resumption = off: no ticket is sent"

pass
