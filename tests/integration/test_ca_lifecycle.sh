#!/usr/bin/env bash
# The certificate lifecycle with the real mtlsvpnctl, checked by the OpenSSL
# command line (not our own parser): revoke writes DIR/crl.pem at once,
# the CRL verifies under the CA and makes `openssl verify -crl_check` fail
# for the revoked certificate only; CRL numbers only go up; revoke by
# identity takes every valid certificate of it; list, expiring, renew;
# an intermediate CA whose chain verifies; RSA CAs; certificates from a CSR;
# a passphrase-protected CA key that signs nothing without the passphrase;
# a profile the client accepts. Needs no root and no network.
set -euo pipefail

T_NAME=test_ca_lifecycle
say() { printf '[%s] %s\n' "$T_NAME" "$*"; }
fail() {
	printf '[%s] FAIL: %s\n' "$T_NAME" "$*" >&2
	exit 1
}

B=${MTLSVPN_BUILD_DIR:-}
[ -n "$B" ] || fail "MTLSVPN_BUILD_DIR is not set (run through ctest or tests/run.sh)"
CTL=$B/mtlsvpnctl
[ -x "$CTL" ] || fail "$CTL is missing: build the mtlsvpnctl target first"
command -v openssl >/dev/null || fail "openssl is not installed (packaging/setup.sh installs it)"

WORK=$(mktemp -d "/tmp/mtlsvpn-$T_NAME.XXXXXX")
cleanup() {
	local rc=$?
	rm -rf "$WORK"
	if [ "$rc" -eq 0 ]; then say "PASS"; else say "FAILED (exit $rc)"; fi
}
trap cleanup EXIT
unset MTLSVPN_CA_PASSPHRASE

expect() {
	local want=$1 got=0
	shift
	"$@" >"$WORK/out" 2>"$WORK/err" || got=$?
	[ "$got" -eq "$want" ] ||
		fail "'$*' exited $got, expected $want; stdout: $(cat "$WORK/out"); stderr: $(cat "$WORK/err")"
}
out_has() { grep -qF -- "$1" "$WORK/out" || fail "stdout lacks '$1': $(cat "$WORK/out")"; }
err_has() { grep -qF -- "$1" "$WORK/err" || fail "stderr lacks '$1': $(cat "$WORK/err")"; }
serial_of() { openssl x509 -in "$1" -noout -serial | cut -d= -f2 | tr 'A-F' 'a-f'; }
crl_number() { echo $((16#$(openssl crl -in "$1" -noout -crlnumber | cut -d= -f2 | sed "s/^0x//"))); }
crl_verifies() { # crl_verifies CRL CAFILE
	openssl crl -in "$1" -CAfile "$2" -noout 2>&1 | grep -q "verify OK" ||
		fail "openssl does not verify $1 under $2: $(openssl crl -in "$1" -CAfile "$2" -noout 2>&1)"
}
verify_crl_check() { # verify_crl_check CERT [openssl args]: 0 if it verifies
	local c=$1
	shift
	openssl verify -crl_check -CRLfile "$CA/crl.pem" "$@" "$c" >"$WORK/v" 2>&1
}

# ---- revoke, crl, list on an EC CA ----
CA=$WORK/ca
expect 0 "$CTL" ca init --dir "$CA" --name "Lifecycle CA"
for who in alice bob carol; do expect 0 "$CTL" ca issue-client "$who" --dir "$CA"; done
# bob gets a second certificate, so revoking by identity must take both.
expect 0 "$CTL" ca issue-client bob --dir "$CA" --out "$WORK/bob2"
[ ! -e "$CA/crl.pem" ] || fail "a CRL exists before any revocation or crl command"

expect 2 "$CTL" ca revoke alice --dir "$CA" --reason certificateHold
err_has "--reason 'certificateHold'"
expect 1 "$CTL" ca revoke nobody --dir "$CA"
err_has "neither a serial"

A=$(serial_of "$CA/issued/alice.crt")
expect 0 "$CTL" ca revoke "$A" --dir "$CA" --reason keyCompromise
out_has "wrote CRL number 1 (1 revoked) to $CA/crl.pem"
[ "$(stat -c %a "$CA/crl.pem")" = 644 ] || fail "crl.pem is mode $(stat -c %a "$CA/crl.pem")"
crl_verifies "$CA/crl.pem" "$CA/ca.crt"
openssl crl -in "$CA/crl.pem" -noout -text >"$WORK/crl.txt"
for want in "Version 2 (0x1)" "ecdsa-with-SHA256" "Issuer: CN = Lifecycle CA" "Next Update:" \
	"X509v3 Authority Key Identifier" "X509v3 CRL Number" "Key Compromise"; do
	grep -qF "$want" "$WORK/crl.txt" || fail "the CRL lacks '$want': $(cat "$WORK/crl.txt")"
done
# The CRL's issuer and AKI are the CA's subject and SKI.
[ "$(openssl crl -in "$CA/crl.pem" -noout -issuer)" = \
	"issuer=$(openssl x509 -in "$CA/ca.crt" -noout -subject | cut -d= -f2-)" ] ||
	fail "the CRL's issuer differs from the CA's subject"
ski=$(openssl x509 -in "$CA/ca.crt" -noout -ext subjectKeyIdentifier | tail -n 1 | tr -d ' ')
grep -qF "$ski" <(tr -d ' ' <"$WORK/crl.txt") || fail "the CRL's AKI is not the CA's SKI $ski"
if verify_crl_check "$CA/issued/alice.crt" -CAfile "$CA/ca.crt"; then
	fail "openssl verify -crl_check accepted the revoked alice.crt"
fi
grep -q "certificate revoked" "$WORK/v" || fail "no 'certificate revoked' from openssl: $(cat "$WORK/v")"
verify_crl_check "$CA/issued/carol.crt" -CAfile "$CA/ca.crt" ||
	fail "openssl verify -crl_check refused the valid carol.crt: $(cat "$WORK/v")"
expect 1 "$CTL" ca revoke "$A" --dir "$CA"
err_has "already revoked"
say "revoke by serial: CRL written, verified by openssl, alice refused, carol accepted"

expect 0 "$CTL" ca revoke bob --dir "$CA" --reason affiliationChanged
[ "$(grep -c '^revoked client certificate' "$WORK/out")" = 2 ] ||
	fail "revoke by identity did not revoke both of bob's certificates: $(cat "$WORK/out")"
[ "$(crl_number "$CA/crl.pem")" = 2 ] || fail "CRL number is $(crl_number "$CA/crl.pem"), want 2"
for c in "$CA/issued/bob.crt" "$WORK/bob2/bob.crt"; do
	if verify_crl_check "$c" -CAfile "$CA/ca.crt"; then fail "$c still verifies"; fi
done
expect 0 "$CTL" ca crl --dir "$CA" --days 2 --out "$WORK/manual.pem"
out_has "wrote CRL number 3 (3 revoked)"
[ "$(crl_number "$WORK/manual.pem")" = 3 ] || fail "ca crl did not increment the CRL number"
crl_verifies "$WORK/manual.pem" "$CA/ca.crt"
expect 0 "$CTL" ca crl --dir "$CA"
[ "$(crl_number "$CA/crl.pem")" = 4 ] || fail "CRL number did not reach 4"
say "revoke by identity takes every valid certificate; CRL numbers 1, 2, 3, 4"

expect 0 "$CTL" ca list --dir "$CA"
out_has "2 valid, 3 revoked, 0 expired"
grep -E "^revoked +$A +client .* alice \(keyCompromise\)$" "$WORK/out" >/dev/null ||
	fail "list does not show alice revoked: $(cat "$WORK/out")"
grep -E "^valid +[0-9a-f]+ +client .* carol$" "$WORK/out" >/dev/null || fail "list lacks carol"
say "list: $(tail -n 1 "$WORK/out")"

# ---- expiring and renew ----
expect 0 "$CTL" ca issue-client dave --dir "$CA" --days 5
expect 0 "$CTL" ca expiring --dir "$CA" --days 10
out_has "dave"
grep -q "carol" "$WORK/out" && fail "expiring --days 10 lists carol (valid a year)"
expect 0 "$CTL" ca expiring --dir "$CA" --days 2
out_has "no valid certificate expires within 2 days"
D=$(serial_of "$CA/issued/dave.crt")
expect 0 "$CTL" ca renew dave --dir "$CA" --revoke-old --days 30
out_has "revoked the old certificate $D (superseded)"
new=$(grep -o "$CA/issued/dave-[0-9]*.crt" "$WORK/out" | head -n 1)
[ -f "$new" ] || fail "renew wrote no new certificate: $(cat "$WORK/out")"
[ "$(openssl x509 -in "$new" -noout -subject)" = "subject=CN = dave" ] || fail "renewed subject differs"
verify_crl_check "$new" -CAfile "$CA/ca.crt" || fail "the renewed certificate does not verify"
if verify_crl_check "$CA/issued/dave.crt" -CAfile "$CA/ca.crt"; then fail "old dave still verifies"; fi
grep -q "Superseded" <(openssl crl -in "$CA/crl.pem" -noout -text) || fail "no Superseded entry"
expect 0 "$CTL" ca expiring --dir "$CA" --days 10
grep -q dave "$WORK/out" && fail "dave (renewed for 30 days) still listed as expiring within 10"
say "expiring lists dave; renew --revoke-old replaces him"

# ---- profile ----
expect 0 "$CTL" ca profile carol --dir "$CA" --gateway vpn.example.com:8443
P=$CA/profiles/carol.profile
[ "$(stat -c %a "$P")" = 600 ] || fail "the profile is mode $(stat -c %a "$P")"
out_has "embedding the valid certificate"
expect 0 "$B/mtlsvpn-client" -c "$P" --check-config
chmod 644 "$P"
expect 2 "$B/mtlsvpn-client" -c "$P" --check-config
err_has "[key]: this file embeds a private key"
expect 0 "$CTL" ca profile erin --dir "$CA" --gateway vpn.example.com --out "$WORK/erin.profile"
out_has "issued client certificate for \"erin\""
expect 0 "$B/mtlsvpn-client" -c "$WORK/erin.profile" --check-config
expect 2 "$CTL" ca profile erin --dir "$CA"
err_has "--gateway"
say "profiles: 0600, accepted by mtlsvpn-client --check-config, refused when 0644"

# ---- an intermediate CA ----
IC=$WORK/ica
expect 0 "$CTL" ca init --dir "$IC" --name "Root" --intermediate
expect 0 "$CTL" ca issue-client frank --dir "$IC"
[ "$(grep -c BEGIN "$IC/issued/frank.crt")" = 2 ] || fail "frank.crt does not carry the intermediate"
openssl verify -CAfile "$IC/ca.crt" -untrusted "$IC/intermediate.crt" "$IC/issued/frank.crt" \
	>/dev/null || fail "the chain root <- intermediate <- frank does not verify"
openssl verify -CAfile "$IC/ca.crt" "$IC/intermediate.crt" >/dev/null ||
	fail "the intermediate does not verify under the root"
if openssl verify -CAfile "$IC/intermediate.crt" -partial_chain -x509_strict "$IC/ca.crt" \
	>/dev/null 2>&1; then fail "the root verifies under the intermediate"; fi
expect 0 "$CTL" ca revoke frank --dir "$IC"
crl_verifies "$IC/crl.pem" "$IC/intermediate.crt"
grep -q "Issuer: CN = Root Issuing" <(openssl crl -in "$IC/crl.pem" -noout -text) ||
	fail "the CRL is not issued by the intermediate"
cat "$IC/ca.crt" "$IC/intermediate.crt" >"$WORK/bundle.pem"
if openssl verify -crl_check -CRLfile "$IC/crl.pem" -CAfile "$WORK/bundle.pem" \
	"$IC/issued/frank.crt" >"$WORK/v" 2>&1; then fail "revoked frank verifies under the intermediate's CRL"; fi
grep -q "certificate revoked" "$WORK/v" || fail "frank: $(cat "$WORK/v")"
say "intermediate: chain verifies, its CRL revokes frank"

# ---- RSA ----
RC=$WORK/rsa
expect 0 "$CTL" ca init --dir "$RC" --key-type rsa
expect 0 "$CTL" ca issue-client grace --dir "$RC"
expect 0 "$CTL" ca revoke grace --dir "$RC" --reason cessationOfOperation
crl_verifies "$RC/crl.pem" "$RC/ca.crt"
grep -q sha256WithRSAEncryption <(openssl crl -in "$RC/crl.pem" -noout -text) ||
	fail "the RSA CA's CRL is not sha256WithRSAEncryption"
say "RSA CA: CRL signed with sha256WithRSAEncryption verifies"

# ---- a certificate from a CSR ----
openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$WORK/heidi.key" \
	-subj "/CN=heidi" -out "$WORK/heidi.csr" 2>/dev/null
expect 0 "$CTL" ca issue-client heidi --dir "$CA" --csr "$WORK/heidi.csr"
out_has "stays with the requester"
[ ! -e "$CA/issued/heidi.key" ] || fail "a key was written for a CSR"
[ "$(openssl x509 -in "$CA/issued/heidi.crt" -noout -pubkey)" = \
	"$(openssl pkey -in "$WORK/heidi.key" -pubout)" ] || fail "the certificate does not hold the CSR's key"
expect 1 "$CTL" ca issue-client ivan --dir "$CA" --csr "$WORK/heidi.csr"
err_has "subject CN is not \"ivan\""
# A request whose signature is broken (one bit of it flipped) is refused.
python3 - "$WORK/heidi.csr" "$WORK/bad.csr" <<'PY'
import base64, sys
lines = open(sys.argv[1]).read().split()
der = bytearray(base64.b64decode("".join(l for l in lines if not l.startswith("-----") and l not in ("CERTIFICATE", "REQUEST-----"))))
der[-5] ^= 1
b = base64.b64encode(bytes(der)).decode()
open(sys.argv[2], "w").write("-----BEGIN CERTIFICATE REQUEST-----\n" +
    "\n".join(b[i:i + 64] for i in range(0, len(b), 64)) + "\n-----END CERTIFICATE REQUEST-----\n")
PY
openssl req -in "$WORK/bad.csr" -verify -noout 2>&1 | grep -q "verify failure" ||
	fail "the test could not break the request's signature"
expect 1 "$CTL" ca issue-client heidi --dir "$CA" --csr "$WORK/bad.csr" --out "$WORK/badout"
err_has "does not parse or verify"
say "CSR: certified without a key of ours; a CN mismatch and a broken request refused"

# ---- a passphrase-protected CA key ----
PC=$WORK/pass
printf 'correct horse battery staple\n' >"$WORK/pass.txt"
expect 0 "$CTL" ca init --dir "$PC" --passphrase-file "$WORK/pass.txt"
grep -q "BEGIN ENCRYPTED PRIVATE KEY" "$PC/ca.key" || fail "ca.key is not encrypted"
[ "$(stat -c %a "$PC/ca.key")" = 600 ] || fail "ca.key is mode $(stat -c %a "$PC/ca.key")"
expect 1 "$CTL" ca issue-client judy --dir "$PC"
err_has "is encrypted: give its passphrase"
[ ! -e "$PC/issued/judy.crt" ] || fail "a certificate was issued without the passphrase"
printf 'wrong\n' >"$WORK/wrong.txt"
expect 1 "$CTL" ca issue-client judy --dir "$PC" --passphrase-file "$WORK/wrong.txt"
expect 0 "$CTL" ca issue-client judy --dir "$PC" --passphrase-file "$WORK/pass.txt"
expect 1 "$CTL" ca revoke judy --dir "$PC"
MTLSVPN_CA_PASSPHRASE='correct horse battery staple' expect 0 "$CTL" ca revoke judy --dir "$PC"
crl_verifies "$PC/crl.pem" "$PC/ca.crt"
say "passphrase: nothing signed without it or with a wrong one; file and environment both work"
