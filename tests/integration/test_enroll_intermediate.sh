#!/usr/bin/env bash
# mtlsvpn-client enroll with the CA layout the admin guide recommends (a
# root made with 'ca init --intermediate', the intermediate signing
# online): the root's fingerprint is enough; the client keeps the root and
# the intermediate that chains to it as its CA, the certificate comes with
# its chain, and the tunnel comes up with the configuration written.
. "$(dirname "$0")/lib.sh"
need_tools openssl
CTL=$B/mtlsvpnctl

topo_init
add_laptop 1
pki_init --intermediate
T=$("$CTL" ca token frank --dir "$CA" --ttl 1h 2>"$WORK/frank.info")
chown -R daemon:daemon "$CA"
chmod 711 "$CA"
write_server_ini "enroll = on" "enroll_ca_dir = ca" "cert_lifetime = 1d"
start_gateway

# The printout's fingerprint is the root's.
FP=$(grep -o -- "--ca-fingerprint [0-9a-f]*" "$WORK/frank.info" | cut -d' ' -f2)
[ "$FP" = "$(openssl x509 -in "$CA/ca.crt" -noout -fingerprint -sha256 | sed 's/.*=//; s/://g' |
	tr A-F a-f)" ] || fail "the printout's fingerprint is not the root's: $FP"
enroll() {
	RC=0
	timeout 60 ip netns exec "$(lap 1)" "$B/mtlsvpn-client" enroll --gateway 192.0.2.1:8443 \
		--server-name gw.test --identity frank --token "$T" "$@" >"$WORK/enroll.out" \
		2>"$WORK/enroll.err" || RC=$?
}

# cacerts answers the intermediate then the root: the client keeps the
# root (the fingerprint's) and the intermediate, which chains to it.
enroll --ca-fingerprint "$FP" --out "$WORK/frank"
[ "$RC" -eq 0 ] || fail "enroll exited $RC: $(cat "$WORK/enroll.err")"
grep -c "BEGIN CERTIFICATE" "$WORK/frank/client-ca.crt" | grep -qx 2 ||
	fail "the CA kept is not the root and the intermediate"
openssl verify -CAfile "$CA/ca.crt" -untrusted "$WORK/frank/client-ca.crt" "$WORK/frank/client.crt" \
	>/dev/null || fail "frank's certificate does not chain to the root"
grep -c "BEGIN CERTIFICATE" "$WORK/frank/client.crt" | grep -qx 3 ||
	fail "the certificate file does not carry the chain the gateway sent"
cat >>"$WORK/frank/client.ini" <<EOF2
dns = none
state_dir = $WORK/client-state-1
EOF2
ip netns exec "$(lap 1)" "$B/mtlsvpn-client" -c "$WORK/frank/client.ini" -v >>"$WORK/client1.log" 2>&1 &
T_PIDS+=("$!")
wait_tunnel 1
pass
