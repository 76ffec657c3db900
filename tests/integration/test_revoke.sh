#!/usr/bin/env bash
# Revocation follows live tunnels: revoking a connected employee closes
# their tunnel within 2 s ("certificate revoked") and their reconnect is
# refused (exit 1) while the others stay up; a CRL made by OpenSSL is
# enforced the same way; a CRL with a bad signature or from another CA is
# rejected, logged, and the CRL in force before still applies; a deny list
# added by SIGHUP closes that employee's session live.
. "$(dirname "$0")/lib.sh"

now_ms() { echo $(($(date +%s%N) / 1000000)); }

topo_init
add_laptop 1
add_laptop 2
add_laptop 3
pki_init
pki_client alice
pki_client bob
pki_client carol

# An openssl ca database over our CA: the interop path, and the main path
# when mtlsvpnctl has no "ca revoke" yet.
OC=$WORK/ossl
mkdir -p "$OC" "$WORK/crl"
: >"$OC/index.txt"
echo 01 >"$OC/crlnumber"
cat >"$OC/ca.cnf" <<CNF
[ca]
default_ca = c
[c]
database = $OC/index.txt
crlnumber = $OC/crlnumber
default_md = sha256
default_crl_days = 1
crl_extensions = crlext
[crlext]
authorityKeyIdentifier = keyid:always
CNF
ossl() { openssl ca -config "$OC/ca.cnf" -cert "$CA/ca.crt" -keyfile "$CA/ca.key" "$@" \
	>>"$WORK/ctl.log" 2>&1 || fail "openssl ca $*: $(tail -n 3 "$WORK/ctl.log")"; }
# ossl_crl FILE: a fresh CRL of the openssl database, moved into place the
# way an admin's script would (write elsewhere, rename).
ossl_crl() {
	ossl -gencrl -out "$WORK/crl.tmp"
	mv "$WORK/crl.tmp" "$1"
}
ossl_crl "$WORK/crl/crl.pem"

CTL_REVOKE=0
if "$B/mtlsvpnctl" ca --help 2>&1 | grep -q revoke; then
	CTL_REVOKE=1
	"$B/mtlsvpnctl" ca crl --dir "$CA" >>"$WORK/ctl.log" 2>&1 || fail "mtlsvpnctl ca crl"
	[ -f "$CA/crl.pem" ] || fail "mtlsvpnctl ca crl wrote no $CA/crl.pem"
	write_server_ini "crl = crl/crl.pem, ca/crl.pem"
	say "main path: mtlsvpnctl ca revoke; interop path: openssl ca"
else
	write_server_ini "crl = crl/crl.pem"
	say "mtlsvpnctl has no 'ca revoke' yet: both paths use openssl ca"
fi
start_gateway
for i in 1 2 3; do
	who=$(echo alice bob carol | cut -d' ' -f"$i")
	write_client_ini "$i" "$who"
	start_client "$i"
done
for i in 1 2 3; do wait_tunnel "$i"; done
say "alice, bob and carol are connected"

# ---- revoke alice while connected ----
t0=$(now_ms)
if [ "$CTL_REVOKE" -eq 1 ]; then
	"$B/mtlsvpnctl" ca revoke alice --reason keyCompromise --dir "$CA" >>"$WORK/ctl.log" 2>&1 ||
		fail "mtlsvpnctl ca revoke alice: $(tail -n 3 "$WORK/ctl.log")"
else
	ossl -revoke "$WORK/alice.crt" -crl_reason keyCompromise
	ossl_crl "$WORK/crl/crl.pem"
fi
wait_for 5 grep -q "certificate revoked" "$WORK/client1.log" ||
	fail "alice's client was not told 'certificate revoked' within 5 s"
t1=$(now_ms)
delay=$((t1 - t0))
say "revocation-to-close delay (revoke command start to the client's message): ${delay} ms"
[ "$delay" -le 2000 ] || fail "alice's tunnel closed ${delay} ms after the revocation (bound 2000 ms)"
grep -q 'session revoked: .*identity="alice"' "$WORK/gateway.log" ||
	fail "the gateway did not log 'session revoked:' for alice"
wait_for 5 bash -c "! kill -0 ${CLIENT_PID[1]} 2>/dev/null" || fail "alice's client still runs"
set +e
wait "${CLIENT_PID[1]}"
rc=$?
set -e
[ "$rc" -eq 1 ] || fail "alice's client exit status $rc after revocation, want 1"
grep -q "gateway closed the session: certificate revoked" "$WORK/client1.log" ||
	fail "alice's client did not say 'gateway closed the session: certificate revoked'"
for i in 2 3; do tunnel_up "$i" || fail "laptop $i lost its tunnel when alice was revoked"; done
say "alice's tunnel closed; bob and carol are still up"

: >"$WORK/client1.log"
run_client_to_end 1 15
[ "$RUN_RC" -eq 1 ] || fail "alice reconnecting: exit status $RUN_RC, want 1"
grep -q "certificate revoked" "$WORK/client1.log" || fail "alice's reconnect: no 'certificate revoked'"
say "alice's reconnect is refused: $(grep -o 'gateway closed the session: certificate revoked[^$]*' "$WORK/client1.log" | head -n 1)"

# ---- interop: an OpenSSL-made CRL revokes bob ----
ossl -revoke "$WORK/bob.crt" -crl_reason superseded
t0=$(now_ms)
ossl_crl "$WORK/crl/crl.pem"
wait_for 5 grep -q "certificate revoked" "$WORK/client2.log" ||
	fail "bob was not closed by the OpenSSL-made CRL"
say "OpenSSL-made CRL enforced: bob closed after $(($(now_ms) - t0)) ms"
tunnel_up 3 || fail "carol lost her tunnel when bob was revoked"

# ---- a CRL with a bad signature, then one from another CA: both rejected ----
# A CRL that no longer lists bob, with one signature byte flipped: accepted,
# it would let bob back in.
: >"$OC/index.txt"
ossl -gencrl -out "$WORK/unrevoked.pem"
openssl crl -in "$WORK/unrevoked.pem" -outform DER -out "$WORK/unrevoked.der" 2>>"$WORK/ctl.log"
python3 - "$WORK/unrevoked.der" "$WORK/badsig.der" <<'PY'
import sys
b = bytearray(open(sys.argv[1], "rb").read())
b[-3] ^= 0x01
open(sys.argv[2], "wb").write(b)
PY
n_rej=$(grep -c "CRL .*crl/crl.pem rejected" "$WORK/gateway.log" || true)
mv "$WORK/badsig.der" "$WORK/crl/crl.pem"
wait_for 3 bash -c "[ \$(grep -c 'CRL .*crl/crl.pem rejected: bad signature' '$WORK/gateway.log') -gt 0 ]" ||
	fail "the CRL with a bad signature was not rejected loudly"
say "bad signature: $(grep -o 'CRL .*crl/crl.pem rejected: bad signature[^;]*' "$WORK/gateway.log" | tail -n 1)"
write_client_ini 2 bob
: >"$WORK/client2.log"
run_client_to_end 2 15
[ "$RUN_RC" -eq 1 ] && grep -q "certificate revoked" "$WORK/client2.log" ||
	fail "after a bad-signature CRL, bob got in (status $RUN_RC): the old CRL is not enforced"
say "the CRL in force before still refuses bob"

"$B/mtlsvpnctl" ca init --dir "$WORK/otherca" --name "Other CA" >>"$WORK/ctl.log" 2>&1 ||
	fail "second CA"
openssl ca -config "$OC/ca.cnf" -cert "$WORK/otherca/ca.crt" -keyfile "$WORK/otherca/ca.key" \
	-gencrl -out "$WORK/other.pem" >>"$WORK/ctl.log" 2>&1 || fail "other CA's CRL"
mv "$WORK/other.pem" "$WORK/crl/crl.pem"
wait_for 3 grep -q "crl/crl.pem rejected: not issued by a CA" "$WORK/gateway.log" ||
	fail "a CRL from another CA was not rejected"
say "another CA's CRL: rejected"
tunnel_up 3 || fail "carol lost her tunnel"
[ "$n_rej" -eq 0 ] || fail "a CRL was rejected before the test meant it to be"

# ---- deny_identities by SIGHUP closes carol live ----
if [ "$CTL_REVOKE" -eq 1 ]; then
	write_server_ini "crl = crl/crl.pem, ca/crl.pem" "deny_identities = carol, nobody"
else
	write_server_ini "crl = crl/crl.pem" "deny_identities = carol, nobody"
fi
# crl/crl.pem holds the other CA's CRL: this reload keeps the CRL in force
# for that path and takes the deny list.
t0=$(now_ms)
kill -HUP "$GW_PID"
wait_for 5 grep -q "certificate revoked" "$WORK/client3.log" ||
	fail "carol was not closed after deny_identities and SIGHUP"
say "deny_identities by SIGHUP: carol closed after $(($(now_ms) - t0)) ms"
grep -q 'session revoked: .*identity="carol".*identity denied' "$WORK/gateway.log" ||
	fail "no 'session revoked' line for carol"

# A server.ini that does not validate changes nothing.
echo "crl_expired = sometimes" >>"$WORK/server.ini"
kill -HUP "$GW_PID"
wait_for 3 grep -q "SIGHUP: .*crl_expired.*stay as they were" "$WORK/gateway.log" ||
	fail "a bad server.ini on SIGHUP was not refused with a reason"
say "a server.ini that does not validate: refused on SIGHUP, nothing changes"
kill -0 "$GW_PID" || fail "the gateway died"
pass
