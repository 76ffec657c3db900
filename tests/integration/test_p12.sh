#!/usr/bin/env bash
# "mtlsvpnctl ca export-p12": a client certificate, its chain and its key as
# one PKCS#12 file (mode 0600), read by tools that did not write it:
# OpenSSL, GnuTLS's certtool (OpenConnect uses GnuTLS) and OpenConnect
# itself, which must load it and present the certificate to a TLS server.
# The right passphrase opens it, a wrong one does not; an identity whose key
# the CA does not hold (issued from a CSR) and an unknown identity are
# refused. The CA has an intermediate, so the whole chain is checked.
. "$(dirname "$0")/lib.sh"

for t in openssl certtool openconnect unshare; do
	command -v "$t" >/dev/null || fail "$t is not installed (packaging/setup.sh installs it)"
done
CTL=$B/mtlsvpnctl
"$CTL" ca init --dir "$CA" --name "P12 Test CA" --intermediate >"$WORK/ctl.log" 2>&1 ||
	fail "mtlsvpnctl ca init --intermediate failed: $(cat "$WORK/ctl.log")"
"$CTL" ca issue-client alice@corp.test --dir "$CA" >>"$WORK/ctl.log" 2>&1 ||
	fail "mtlsvpnctl ca issue-client failed: $(tail -n 3 "$WORK/ctl.log")"

PASSF=$WORK/pass
printf 'open sesame 42\n' >"$PASSF"
printf 'open sesame 43\n' >"$WORK/wrong"
cd "$WORK"
"$CTL" ca export-p12 alice@corp.test --dir "$CA" --passphrase-file "$PASSF" >>"$WORK/ctl.log" 2>&1 ||
	fail "export-p12 failed: $(tail -n 3 "$WORK/ctl.log")"
P=$WORK/alice@corp.test.p12
[ -f "$P" ] || fail "export-p12 wrote no alice@corp.test.p12 in the current directory"
[ "$(stat -c %a "$P")" = 600 ] || fail "the PKCS#12 file is mode $(stat -c %a "$P"), want 600"
say "exported $P (mode 600)"

# ---- OpenSSL ----
openssl pkcs12 -info -noout -in "$P" -passin "file:$PASSF" >"$WORK/info.txt" 2>&1 ||
	fail "openssl pkcs12 refused the file: $(cat "$WORK/info.txt")"
grep -q "PBES2, PBKDF2, AES-256-CBC.*hmacWithSHA256" "$WORK/info.txt" ||
	fail "the key is not under PBES2/AES-256-CBC/HMAC-SHA256: $(cat "$WORK/info.txt")"
grep -q "MAC: sha256" "$WORK/info.txt" || fail "the MAC is not SHA-256: $(cat "$WORK/info.txt")"
[ "$(grep -c "Certificate bag" "$WORK/info.txt")" = 3 ] ||
	fail "want 3 certificates (leaf, intermediate, root): $(cat "$WORK/info.txt")"
if openssl pkcs12 -info -noout -in "$P" -passin "file:$WORK/wrong" >"$WORK/wrong.txt" 2>&1; then
	fail "openssl pkcs12 opened the file with a wrong passphrase"
fi
grep -qi "mac verify" "$WORK/wrong.txt" || fail "a wrong passphrase: $(cat "$WORK/wrong.txt")"
openssl pkcs12 -in "$P" -passin "file:$PASSF" -clcerts -nokeys -out "$WORK/leaf.pem" 2>/dev/null ||
	fail "openssl could not extract the certificate"
openssl pkcs12 -in "$P" -passin "file:$PASSF" -nocerts -nodes -out "$WORK/key.pem" 2>/dev/null ||
	fail "openssl could not extract the key"
openssl x509 -in "$WORK/leaf.pem" -noout -subject | grep -q "CN *= *alice@corp.test" ||
	fail "the certificate is not alice's: $(openssl x509 -in "$WORK/leaf.pem" -noout -subject)"
[ "$(openssl x509 -in "$WORK/leaf.pem" -noout -pubkey)" = "$(openssl pkey -in "$WORK/key.pem" -pubout)" ] ||
	fail "the key in the file does not match the certificate"
openssl pkcs12 -in "$P" -passin "file:$PASSF" -cacerts -nokeys -out "$WORK/chain.pem" 2>/dev/null
openssl verify -CAfile "$CA/ca.crt" -untrusted "$WORK/chain.pem" "$WORK/leaf.pem" >/dev/null ||
	fail "the chain in the file does not verify up to the root"
say "openssl: the passphrase opens it, a wrong one does not; alice's certificate, matching key, chain to the root"

# ---- GnuTLS ----
certtool --p12-info --inder --infile "$P" --password "open sesame 42" >"$WORK/certtool.txt" 2>&1 ||
	fail "certtool --p12-info refused the file: $(tail -n 5 "$WORK/certtool.txt")"
grep -q "PBES2-AES256-CBC" "$WORK/certtool.txt" || fail "certtool: no PBES2-AES256-CBC key"
grep -q "BEGIN ENCRYPTED PRIVATE KEY" "$WORK/certtool.txt" || fail "certtool: no key"
if certtool --p12-info --inder --infile "$P" --password "open sesame 43" >/dev/null 2>&1; then
	fail "certtool opened the file with a wrong passphrase"
fi
say "certtool (GnuTLS) reads it and refuses a wrong passphrase"

# ---- OpenConnect: it loads the file and presents alice's certificate ----
# In a network namespace of its own, with only lo: a TLS server that asks
# for a client certificate, and openconnect that will never get further.
"$CTL" ca issue-server 127.0.0.1 --dir "$CA" --out "$WORK" >>"$WORK/ctl.log" 2>&1 ||
	fail "issue-server failed: $(tail -n 3 "$WORK/ctl.log")"
unshare -n bash -c '
	ip link set lo up
	openssl s_server -accept 127.0.0.1:4433 -cert "$1/127.0.0.1.crt" -key "$1/127.0.0.1.key" \
		-cert_chain "$1/127.0.0.1.crt" -Verify 3 -CAfile "$2/ca.crt" -www -naccept 1 </dev/null >"$1/s_server.log" 2>&1 &
	s=$!
	for i in $(seq 50); do ss -Hltn "sport = :4433" | grep -q LISTEN && break; sleep 0.1; done
	timeout 10 openconnect -v --protocol=anyconnect --cafile "$2/ca.crt" -c "$3" --key-password="open sesame 42" \
		--authenticate 127.0.0.1:4433 </dev/null >"$1/openconnect.log" 2>&1
	kill $s 2>/dev/null; wait $s 2>/dev/null
	exit 0' _ "$WORK" "$CA" "$P"
grep -q "Using client certificate 'alice@corp.test'" "$WORK/openconnect.log" ||
	fail "openconnect did not load the certificate: $(cat "$WORK/openconnect.log")"
grep -q "CN *= *alice@corp.test" "$WORK/s_server.log" ||
	fail "the TLS server did not receive alice's certificate: $(cat "$WORK/s_server.log")"
say "openconnect loaded the file and presented alice's certificate to a TLS server"

# ---- refusals ----
# A key made elsewhere: the CA certifies a CSR and never sees the key.
openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$WORK/bob.key" \
	-subj "/CN=bob" -out "$WORK/bob.csr" 2>/dev/null
"$CTL" ca issue-client bob --dir "$CA" --csr "$WORK/bob.csr" >>"$WORK/ctl.log" 2>&1 ||
	fail "issue-client --csr failed: $(tail -n 3 "$WORK/ctl.log")"
rc=0
"$CTL" ca export-p12 bob --dir "$CA" --passphrase-file "$PASSF" >"$WORK/bob.out" 2>&1 || rc=$?
[ "$rc" = 2 ] || fail "export-p12 of a CSR-issued identity: exit $rc, want 2: $(cat "$WORK/bob.out")"
grep -q "does not hold the private key" "$WORK/bob.out" || fail "no clear message: $(cat "$WORK/bob.out")"
[ ! -e "$WORK/bob.p12" ] || fail "a file was written for bob"

rc=0
"$CTL" ca export-p12 nobody@corp.test --dir "$CA" --passphrase-file "$PASSF" >"$WORK/none.out" 2>&1 || rc=$?
[ "$rc" = 1 ] || fail "export-p12 of an unknown identity: exit $rc, want 1: $(cat "$WORK/none.out")"
grep -q "has no valid client certificate" "$WORK/none.out" || fail "no clear message: $(cat "$WORK/none.out")"

# No passphrase at all, and stdin not a terminal: refused, nothing written.
rc=0
"$CTL" ca export-p12 alice@corp.test --dir "$CA" --out "$WORK/nopass.p12" </dev/null >"$WORK/np.out" 2>&1 || rc=$?
[ "$rc" = 2 ] && [ ! -e "$WORK/nopass.p12" ] || fail "export-p12 without a passphrase: exit $rc: $(cat "$WORK/np.out")"
# An empty one is refused too.
: >"$WORK/empty"
rc=0
"$CTL" ca export-p12 alice@corp.test --dir "$CA" --out "$WORK/empty.p12" --passphrase-file "$WORK/empty" >"$WORK/e.out" 2>&1 || rc=$?
[ "$rc" = 2 ] && [ ! -e "$WORK/empty.p12" ] || fail "an empty passphrase: exit $rc: $(cat "$WORK/e.out")"
# --passphrase-stdin reads the first line of stdin.
printf 'from stdin\n' | "$CTL" ca export-p12 alice@corp.test --dir "$CA" --out "$WORK/stdin.p12" \
	--passphrase-stdin --name "Alice (VPN)" >>"$WORK/ctl.log" 2>&1 || fail "export-p12 --passphrase-stdin failed"
openssl pkcs12 -info -noout -in "$WORK/stdin.p12" -passin pass:"from stdin" 2>&1 | grep -q "friendlyName: Alice (VPN)" ||
	openssl pkcs12 -in "$WORK/stdin.p12" -passin pass:"from stdin" -nokeys 2>/dev/null | grep -q "friendlyName: Alice (VPN)" ||
	fail "the stdin passphrase or --name did not make it into the file"
say "refused: a key the CA does not hold (exit 2), an unknown identity (exit 1), no or an empty passphrase (exit 2)"

# ---- --legacy: 3DES and a SHA-1 MAC where this wolfSSL has 3DES ----
# Which it must be follows from the wolfSSL this build uses.
if grep -q '^MTLSVPN_SYSTEM_WOLFSSL:BOOL=ON' "$B/CMakeCache.txt"; then
	OPTS=/usr/include/wolfssl/options.h
else
	OPTS=$(sed -n 's/^MTLSVPN_WOLFSSL_ROOT:PATH=//p' "$B/CMakeCache.txt")/include/wolfssl/options.h
fi
[ -f "$OPTS" ] || fail "cannot find this build's wolfSSL options.h ($OPTS)"
rc=0
"$CTL" ca export-p12 alice@corp.test --dir "$CA" --out "$WORK/legacy.p12" --legacy \
	--passphrase-file "$PASSF" >"$WORK/legacy.out" 2>&1 || rc=$?
if ! grep -q "define NO_DES3" "$OPTS"; then
	[ "$rc" = 0 ] || fail "--legacy with a wolfSSL that has 3DES: exit $rc: $(cat "$WORK/legacy.out")"
	openssl pkcs12 -info -noout -in "$WORK/legacy.p12" -passin "file:$PASSF" >"$WORK/legacy.txt" 2>&1 ||
		fail "openssl refused the legacy file: $(cat "$WORK/legacy.txt")"
	grep -q "pbeWithSHA1And3-KeyTripleDES-CBC" "$WORK/legacy.txt" && grep -q "MAC: sha1" "$WORK/legacy.txt" ||
		fail "the legacy file is not 3DES/SHA-1: $(cat "$WORK/legacy.txt")"
	certtool --p12-info --inder --infile "$WORK/legacy.p12" --password "open sesame 42" >/dev/null 2>&1 ||
		fail "certtool refused the legacy file"
	say "--legacy: 3DES key and SHA-1 MAC, read by openssl and certtool"
else
	[ "$rc" = 2 ] && grep -q "no 3DES" "$WORK/legacy.out" ||
		fail "--legacy with a wolfSSL without 3DES: exit $rc, want 2 and why: $(cat "$WORK/legacy.out")"
	[ ! -e "$WORK/legacy.p12" ] || fail "--legacy refused but wrote a file"
	say "--legacy: this wolfSSL has no 3DES and says so (exit 2)"
fi
pass
