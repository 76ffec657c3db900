#!/usr/bin/env bash
# EST with the recommended CA layout (admin guide, "Enrollment"): a root
# made with 'ca init --intermediate' whose intermediate signs online. cacerts
# hands out the intermediate then the root; an enrolled certificate is
# signed by the intermediate, chains to the root, comes back with its
# chain, and carries our client's tunnel to a gateway that trusts the root
# only; the signer runs as the CA directory's owner and holds the
# intermediate's key, never the root's.
. "$(dirname "$0")/lib.sh"
need_tools curl openssl
CTL=$B/mtlsvpnctl

topo_init
add_laptop 1
pki_init --intermediate
T=$("$CTL" ca token frank --dir "$CA" --ttl 1h 2>>"$WORK/ctl.log")
chown -R daemon:daemon "$CA"
chmod 711 "$CA"
write_server_ini "enroll = on" "enroll_ca_dir = ca" "cert_lifetime = 1d"
start_gateway
wait_for 5 grep -q "enrollment signer: pid [0-9]*, uid $(id -u daemon), holds the key of .*/intermediate.crt" \
	"$WORK/gateway.log" || fail "the signer does not hold the intermediate's key"

est() {
	local out=$1
	shift
	ip netns exec "$(lap 1)" curl -sS --max-time 10 --cacert "$CA/ca.crt" \
		--resolve gw.test:8443:192.0.2.1 -o "$out" -w '%{http_code}' "$@" 2>>"$WORK/curl.log" || true
}
fps() {
	tr -d '\r' <"$1" | openssl base64 -d | openssl pkcs7 -inform DER -print_certs |
		awk '/BEGIN/ {c = ""} {c = c $0 "\n"} /END/ {printf "%s", c | "openssl x509 -noout -fingerprint -sha256"; close("openssl x509 -noout -fingerprint -sha256")}'
}
fp() { openssl x509 -in "$1" -noout -fingerprint -sha256; }

code=$(est "$WORK/cacerts.b64" https://gw.test:8443/.well-known/est/cacerts)
[ "$code" = 200 ] || fail "cacerts: HTTP $code"
printf '%s\n%s\n' "$(fp "$CA/intermediate.crt")" "$(fp "$CA/ca.crt")" >"$WORK/want"
fps "$WORK/cacerts.b64" >"$WORK/got"
diff "$WORK/want" "$WORK/got" >/dev/null || fail "cacerts is not intermediate then root: $(cat "$WORK/got")"
say "cacerts: the intermediate, then the root"

openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$WORK/frank.key" \
	-subj /CN=frank -outform DER 2>/dev/null | openssl base64 >"$WORK/req.b64"
code=$(est "$WORK/frank.p7" -u "frank:$T" -H 'Content-Type: application/pkcs10' \
	--data-binary "@$WORK/req.b64" https://gw.test:8443/.well-known/est/simpleenroll)
[ "$code" = 200 ] || fail "simpleenroll: HTTP $code: $(cat "$WORK/frank.p7")"
[ "$(fps "$WORK/frank.p7" | sed -n 2,3p)" = "$(cat "$WORK/want")" ] ||
	fail "the reply does not carry the chain after the new certificate"
tr -d '\r' <"$WORK/frank.p7" | openssl base64 -d | openssl pkcs7 -inform DER -print_certs |
	grep -v '^subject=\|^issuer=\|^$' >"$WORK/frank.all"
# The certificate file a client presents: the leaf and the intermediate.
awk '/BEGIN/ {n++} n <= 2' "$WORK/frank.all" >"$WORK/frank.crt"
openssl verify -CAfile "$CA/ca.crt" -untrusted "$CA/intermediate.crt" "$WORK/frank.crt" >/dev/null ||
	fail "frank's certificate does not chain to the root"
openssl x509 -in "$WORK/frank.crt" -noout -issuer | grep -q "$(openssl x509 -in "$CA/intermediate.crt" -noout -subject | sed 's/^subject=//')" ||
	fail "frank's certificate is not issued by the intermediate"
say "simpleenroll: issued by the intermediate, chains to the root, sent with its chain"

write_client_ini 1 frank
start_client 1
wait_tunnel 1
say "our client's tunnel runs on the enrolled certificate and its chain"
pass
