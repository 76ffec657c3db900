#!/usr/bin/env bash
# EST signing with the issuing key in a PKCS#11 token (admin guide 15, "The
# issuing key in a token"): the online intermediate's key is imported into
# a SoftHSM2 token and removed from the CA directory; the gateway names it
# with enroll_ca_key. An enrollment by hand (curl + openssl) gets a
# certificate that chains to the root, our client's tunnel runs on it, a
# renewal works and revokes its predecessor on a CRL the token signed. A
# wrong PIN, a PIN source that cannot be read, or a token key that is not
# the intermediate's stop the gateway at start, saying why, and so does a
# token the CA directory's owner cannot use, and a gateway whose own TLS
# key is in a token too.
. "$(dirname "$0")/lib.sh"
need_tools curl openssl
command -v softhsm2-util >/dev/null || fail "softhsm2-util is missing (packaging/setup.sh installs softhsm2)"
command -v pkcs11-tool >/dev/null || fail "pkcs11-tool is missing (packaging/setup.sh installs opensc)"
M=/usr/lib/softhsm/libsofthsm2.so
[ -f "$M" ] || fail "$M is missing (packaging/setup.sh installs softhsm2)"
CTL=$B/mtlsvpnctl

topo_init
add_laptop 1
pki_init --intermediate
T=$("$CTL" ca token frank --dir "$CA" --ttl 1h 2>>"$WORK/ctl.log")

# The token: in this test's directory, never /var/lib; the intermediate's
# key imported (SoftHSM2 makes the private and the public object), a
# second key pair that certifies nothing, and the key file gone.
mkdir -p "$WORK/tokens"
printf 'directories.tokendir = %s\nobjectstore.backend = file\nlog.level = ERROR\n' \
	"$WORK/tokens" >"$WORK/softhsm.conf"
export SOFTHSM2_CONF=$WORK/softhsm.conf
softhsm2-util --init-token --free --label issuing --pin 2468 --so-pin so-2468 >>"$WORK/ctl.log" 2>&1 ||
	fail "softhsm2-util could not make the token"
openssl pkcs8 -topk8 -nocrypt -in "$CA/intermediate.key" -out "$WORK/inter.p8" ||
	fail "cannot convert the intermediate's key to PKCS#8"
softhsm2-util --import "$WORK/inter.p8" --token issuing --label inter --id 01 --pin 2468 \
	>>"$WORK/ctl.log" 2>&1 || fail "softhsm2-util could not import the intermediate's key"
pkcs11-tool --module "$M" --token-label issuing --login --pin 2468 --keypairgen \
	--key-type EC:prime256v1 --id 02 --label other >>"$WORK/ctl.log" 2>&1 ||
	fail "pkcs11-tool could not make the second key pair"
# A TLS key for the gateway in the same token (refused with enroll_ca_key,
# below), its certificate issued while the intermediate's key is a file.
pkcs11-tool --module "$M" --token-label issuing --login --pin 2468 --keypairgen \
	--key-type EC:prime256v1 --id 03 --label tls >>"$WORK/ctl.log" 2>&1 ||
	fail "pkcs11-tool could not make the TLS key pair"
TLSKEY="pkcs11:token=issuing;object=tls?pin-value=2468"
"$CTL" ca csr gw.test --key "$TLSKEY" --pkcs11-module "$M" --out "$WORK/gw.csr" >>"$WORK/ctl.log" 2>&1 ||
	fail "ca csr gw.test: $(tail -n 3 "$WORK/ctl.log")"
mkdir -p "$WORK/hsm"
"$CTL" ca issue-server gw.test --dir "$CA" --csr "$WORK/gw.csr" --out "$WORK/hsm" >>"$WORK/ctl.log" 2>&1 ||
	fail "ca issue-server --csr: $(tail -n 3 "$WORK/ctl.log")"
shred -u "$WORK/inter.p8" "$CA/intermediate.key"
printf '2468\n' >"$WORK/ca.pin"
printf '0000\n' >"$WORK/bad.pin"
chmod 600 "$WORK"/*.pin
# The signer signs as the CA directory's owner: SoftHSM2 re-reads its
# token files at each signature, so they are that user's too.
chown -R daemon:daemon "$CA" "$WORK/tokens"
chmod 711 "$CA"
KEY="pkcs11:token=issuing;object=inter?pin-source=file:$WORK/ca.pin"

# gateway_refuses WHAT PATTERN [ini lines...]: the gateway exits at start
# and its log matches PATTERN.
gateway_refuses() {
	local what=$1 pat=$2
	shift 2
	write_server_ini "enroll = on" "enroll_ca_dir = ca" "pkcs11_module = $M" "$@"
	case " $* " in *" key = "*) sed -i '/^key = gw.test.key$/d; /^cert = gw.test.crt$/d' "$WORK/server.ini" ;; esac
	: >"$WORK/gateway.log"
	ip netns exec "$G" "$B/mtlsvpn-server" -c "$WORK/server.ini" -v >>"$WORK/gateway.log" 2>&1 &
	GW_PID=$!
	T_PIDS+=("$GW_PID")
	gateway_exits 15 || fail "$what: the gateway still runs after 15 s"
	[ "$GW_RC" != 0 ] || fail "$what: the gateway exited 0"
	grep -q "$pat" "$WORK/gateway.log" || fail "$what: no '$pat' in the log: $(tail -n 5 "$WORK/gateway.log")"
	say "$what: the gateway stops at start: $(grep -m1 "$pat" "$WORK/gateway.log" | sed 's/^.*\] //')"
}
gateway_refuses "a wrong PIN" "enrollment signer: the issuing key: .*PIN" \
	"enroll_ca_key = \"pkcs11:token=issuing;object=inter?pin-source=file:$WORK/bad.pin\""
gateway_refuses "a PIN source that is not there" "enrollment signer: the issuing key: .*$WORK/no.pin" \
	"enroll_ca_key = \"pkcs11:token=issuing;object=inter?pin-source=file:$WORK/no.pin\""
gateway_refuses "a key that is not the intermediate's" \
	"is not the private key of .*intermediate.crt" \
	"enroll_ca_key = \"pkcs11:token=issuing;object=other?pin-source=file:$WORK/ca.pin\""
chown -R root:root "$WORK/tokens"
chmod 700 "$WORK/tokens"
gateway_refuses "a token the CA directory's owner cannot use" "cannot sign as uid $(id -u daemon)" \
	"enroll_ca_key = \"$KEY\""
chown -R daemon:daemon "$WORK/tokens"
gateway_refuses "a URI without a PIN" "enroll_ca_key: .*names no PIN" \
	"enroll_ca_key = \"pkcs11:token=issuing;object=inter\""

write_server_ini "enroll = on" "enroll_ca_dir = ca" "cert_lifetime = 1d" "enroll_revoke_old = on" \
	"pkcs11_module = $M" "enroll_ca_key = \"$KEY\""
: >"$WORK/gateway.log"
start_gateway
wait_for 5 grep -q "enrollment signer: pid [0-9]*, uid $(id -u daemon), holds the key of .*/intermediate.crt in the token pkcs11:" \
	"$WORK/gateway.log" || fail "the signer does not hold the token's key: $(tail -n 5 "$WORK/gateway.log")"

# est OUT CURL-ARGS...: a request from laptop 1; prints the HTTP status.
CURL=(ip netns exec "$(lap 1)" curl -sS --max-time 10 --cacert "$CA/ca.crt" --resolve gw.test:8443:192.0.2.1)
est() { "${CURL[@]}" -o "$1" -w '%{http_code}' "${@:2}" 2>>"$WORK/curl.log" || true; }
# chain P7 OUT: the certificates of a base64 PKCS#7 reply, leaf and intermediate.
chain() {
	tr -d '\r' <"$1" | openssl base64 -d | openssl pkcs7 -inform DER -print_certs |
		grep -v '^subject=\|^issuer=\|^$' | awk '/BEGIN/ {n++} n <= 2' >"$2"
}
csr() {
	openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$WORK/$1.key" \
		-subj /CN=frank -outform DER 2>/dev/null | openssl base64 >"$WORK/$1.b64"
}

csr frank
code=$(est "$WORK/frank.p7" -u "frank:$T" -H 'Content-Type: application/pkcs10' \
	--data-binary "@$WORK/frank.b64" https://gw.test:8443/.well-known/est/simpleenroll)
[ "$code" = 200 ] || fail "simpleenroll: HTTP $code: $(cat "$WORK/frank.p7") $(tail -n 5 "$WORK/gateway.log")"
chain "$WORK/frank.p7" "$WORK/frank.crt"
openssl verify -CAfile "$CA/ca.crt" -untrusted "$CA/intermediate.crt" "$WORK/frank.crt" >/dev/null ||
	fail "the enrolled certificate does not chain to the root"
say "simpleenroll: signed in the token, chains to the root through the intermediate"

write_client_ini 1 frank
start_client 1
wait_tunnel 1
say "our client's tunnel runs on the certificate the token signed"

csr frank2
code=$(est "$WORK/frank2.p7" --cert "$WORK/frank.crt" --key "$WORK/frank.key" \
	-H 'Content-Type: application/pkcs10' --data-binary "@$WORK/frank2.b64" \
	https://gw.test:8443/.well-known/est/simplereenroll)
[ "$code" = 200 ] || fail "simplereenroll: HTTP $code: $(cat "$WORK/frank2.p7") $(tail -n 5 "$WORK/gateway.log")"
chain "$WORK/frank2.p7" "$WORK/frank2.crt"
openssl verify -CAfile "$CA/ca.crt" -untrusted "$CA/intermediate.crt" "$WORK/frank2.crt" >/dev/null ||
	fail "the renewed certificate does not chain to the root"
old=$(openssl x509 -in "$WORK/frank.crt" -noout -serial | sed 's/^serial=//')
openssl crl -in "$CA/crl.pem" -CAfile "$CA/intermediate.crt" -noout 2>&1 | grep -q "verify OK" ||
	fail "the CRL is not signed by the intermediate's key"
openssl crl -in "$CA/crl.pem" -noout -text | grep -qi "serial number: 0*$old" ||
	fail "the renewed-away certificate $old is not on the CRL"
say "simplereenroll: renewed; the predecessor $old on a CRL the token signed"
kill -0 "$GW_PID" 2>/dev/null || fail "the gateway died"
signer=$(pgrep -P "$GW_PID") || fail "the signer process is gone"
# It signed confined: seccomp filter mode, the CA directory's owner.
# (Sanitizer builds run without filters, as test_privdrop expects.)
want_seccomp=$([ "${MTLSVPN_SANITIZED:-OFF}" = ON ] && echo 0 || echo 2)
grep -q "^Seccomp:[[:space:]]*$want_seccomp$" "/proc/$signer/status" ||
	fail "the signer's seccomp mode is not $want_seccomp: $(grep '^Seccomp:' "/proc/$signer/status")"
[ "$(stat -c %u "/proc/$signer")" = "$(id -u daemon)" ] || fail "the signer does not run as the CA directory's owner"
grep -q "SIGSYS\|seccomp" "$WORK/gateway.log" && fail "the sandbox trapped: $(grep -m1 'SIGSYS\|seccomp' "$WORK/gateway.log")"

# The gateway's TLS key in a token too is refused: the signer would
# inherit the module the gateway has initialised, and cannot initialise
# it again (SoftHSM2 refuses).
kill -TERM "$GW_PID"
gateway_exits 10 || fail "the gateway did not stop"
gateway_refuses "the TLS key in a token as well" \
	"enroll_ca_key: cannot be used while key is also in a PKCS#11 token" \
	"enroll_ca_key = \"$KEY\"" "key = \"$TLSKEY\"" "cert = hsm/gw.test.crt"
pass
