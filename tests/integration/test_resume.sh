#!/usr/bin/env bash
# No TLS resumption: the gateway issues no TLS 1.3 session tickets and keeps
# no session cache, so every connection proves its client certificate again
# and is checked against the CRLs and deny lists in force. openssl s_client
# saves its session and offers it on the next connection: the gateway never
# resumes it, and once the certificate is revoked that second connection is
# refused like any other.
. "$(dirname "$0")/lib.sh"

topo_init
add_laptop 1
pki_init
pki_client alice

OC=$WORK/ossl
mkdir -p "$OC" "$WORK/crl"
: >"$OC/index.txt"
echo 01 >"$OC/crlnumber"
printf '[ca]\ndefault_ca = c\n[c]\ndatabase = %s/index.txt\ncrlnumber = %s/crlnumber\ndefault_md = sha256\n' \
	"$OC" "$OC" >"$OC/ca.cnf"
ossl() { openssl ca -config "$OC/ca.cnf" -cert "$CA/ca.crt" -keyfile "$CA/ca.key" "$@" \
	>>"$WORK/ctl.log" 2>&1 || fail "openssl ca $*"; }
ossl -gencrl -crldays 1 -out "$WORK/crl/crl.pem"
write_server_ini "crl = crl/crl.pem"
start_gateway

# s_client N [session args]: one connection held open for 1.5 s (long
# enough for any post-handshake ticket), output in $WORK/sclientN.out.
s_client() {
	local n=$1
	shift
	(sleep 1.5) | timeout 10 ip netns exec "$(lap 1)" openssl s_client -connect 192.0.2.1:8443 \
		-servername gw.test -CAfile "$CA/ca.crt" -cert "$WORK/alice.crt" \
		-key "$WORK/alice.key" -alpn mtlsvpn/1 -tls1_3 -msg "$@" \
		>"$WORK/sclient$n.out" 2>&1 || true
}

s_client 1 -sess_out "$WORK/sess.pem"
grep -q "^New, TLSv1.3" "$WORK/sclient1.out" || fail "s_client did not connect: $(tail -n 5 "$WORK/sclient1.out")"
grep -q "NewSessionTicket" "$WORK/sclient1.out" && fail "the gateway sent a TLS 1.3 session ticket"
wait_for 5 grep -q 'session up: .*identity="alice"' "$WORK/gateway.log" ||
	fail "the first connection did not establish a session"
say "first connection: full handshake, no session ticket"

# TLS 1.3 resumes only from a ticket: with none, s_client has no session to
# save. If a future build saved one anyway, offering it must not resume.
SESS=()
if [ -s "$WORK/sess.pem" ]; then
	SESS=(-sess_in "$WORK/sess.pem")
	say "s_client saved a session; offering it"
else
	say "s_client had no resumable session to save (no ticket was issued)"
fi
s_client 2 "${SESS[@]}"
grep -q "^Reused" "$WORK/sclient2.out" && fail "the gateway resumed a TLS session"
grep -q "^New, TLSv1.3" "$WORK/sclient2.out" || fail "second connection failed: $(tail -n 5 "$WORK/sclient2.out")"
say "second connection: a full handshake again (New, not Reused)"

# Revoke alice; the saved session must not get her in.
ossl -revoke "$WORK/alice.crt" -crl_reason keyCompromise
ossl -gencrl -crldays 1 -out "$WORK/crl.tmp"
mv "$WORK/crl.tmp" "$WORK/crl/crl.pem"
wait_for 3 grep -q "crl/crl.pem in force: 1 revoked" "$WORK/gateway.log" || fail "the CRL was not reloaded"
s_client 3 "${SESS[@]}"
grep -q "^Reused" "$WORK/sclient3.out" && fail "the gateway resumed a TLS session after revocation"
wait_for 5 grep -q 'session refused: .*reason="serial .* revoked' "$WORK/gateway.log" ||
	fail "the connection offering the saved session was not refused after revocation"
[ "$(grep -c 'session up: .*identity="alice"' "$WORK/gateway.log")" -eq 2 ] ||
	fail "a session came up after the revocation"
say "after revocation: no resumption, the connection is refused"
pass
