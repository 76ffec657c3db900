#!/usr/bin/env bash
# The identity and the group from subject attributes named by OID, which
# wolfSSL's name parser does not keep: with identity = oid:2.5.4.5 a
# certificate whose serialNumber is EMP-42 is the employee "EMP-42" (never
# its CN), one without a serialNumber is refused with the reason logged, and
# group_from = oid:1.3.6.1.4.1.99999.1 puts a certificate into the group its
# attribute names. mtlsvpnctl policy test --cert answers the same.
. "$(dirname "$0")/lib.sh"

topo_init
add_laptop 1
add_laptop 2
pki_init
NOW=$(date -u -d '-1 hour' +%Y%m%d%H%M%SZ)
LATER=$(date -u -d '+1 day' +%Y%m%d%H%M%SZ)
pki_openssl_client_subj emp42 "/CN=alice/serialNumber=EMP-42/1.3.6.1.4.1.99999.1=eng" "$NOW" "$LATER"
pki_openssl_client_subj noserial "/CN=bob/1.3.6.1.4.1.99999.1=eng" "$NOW" "$LATER"
openssl x509 -in "$WORK/emp42.crt" -noout -subject | grep -q 'serialNumber = EMP-42' ||
	fail "openssl did not keep serialNumber: $(openssl x509 -in "$WORK/emp42.crt" -noout -subject)"

write_server_ini "identity = oid:2.5.4.5" "group_from = oid:1.3.6.1.4.1.99999.1" \
	"default_group = deny"
cat >>"$WORK/server.ini" <<'INI'
[group eng]
ipv4 = 10.8.1.0/24
ipv6 = fd00:8:1::/64
routes = 10.20.0.0/24, fd00:20::/64
rule10 = allow icmp or icmp6
INI

# The admin tool reads the certificate the way the gateway will.
"$B/mtlsvpnctl" policy test -c "$WORK/server.ini" --cert "$WORK/emp42.crt" --dst 10.20.0.2 \
	--proto icmp >"$WORK/pt.out" 2>&1 || fail "policy test --cert emp42: $(cat "$WORK/pt.out")"
grep -q 'EMP-42 (from the certificate: \[gateway\] identity = oid:2.5.4.5)' "$WORK/pt.out" ||
	fail "policy test did not take the identity from serialNumber: $(cat "$WORK/pt.out")"
grep -q 'eng (certificate subject attribute, \[gateway\] group_from = oid:1.3.6.1.4.1.99999.1)' \
	"$WORK/pt.out" || fail "policy test did not put EMP-42 in eng: $(cat "$WORK/pt.out")"
set +e
"$B/mtlsvpnctl" policy test -c "$WORK/server.ini" --cert "$WORK/noserial.crt" --dst 10.20.0.2 \
	--proto icmp >"$WORK/pt2.out" 2>&1
prc=$?
set -e
[ "$prc" -ne 0 ] || fail "policy test admitted a certificate without serialNumber"
grep -q 'refused: the certificate subject has no attribute with the identity OID' \
	"$WORK/pt2.out" || fail "policy test --cert noserial: $(cat "$WORK/pt2.out")"
say "policy test --cert: EMP-42 in eng, no serialNumber refused"

start_gateway
write_client_ini 1 emp42
start_client 1
wait_for 15 grep -q 'session up: .*identity="EMP-42".*group=eng (oid)' "$WORK/gateway.log" ||
	fail "no session up for EMP-42 in eng: $(grep 'session' "$WORK/gateway.log" | tail -n 3)"
grep -q 'identity="alice"' "$WORK/gateway.log" && fail "the CN was taken as the identity"
say "serialNumber EMP-42: $(grep -o 'session up: .*identity="EMP-42".* group=[a-z]* ([a-z_]*)' "$WORK/gateway.log" | head -n 1)"

write_client_ini 2 noserial
run_client_to_end 2
[ "$RUN_RC" -eq 1 ] || fail "a certificate without serialNumber: exit status $RUN_RC, want 1"
wait_for 5 grep -q 'session refused: .*no attribute with the identity OID' "$WORK/gateway.log" ||
	fail "the gateway did not log why: $(grep 'refused' "$WORK/gateway.log" | tail -n 3)"
grep -q 'identity="bob"' "$WORK/gateway.log" && fail "the CN bob was taken as the identity"
say "no serialNumber: $(grep -o 'session refused: .*no attribute[^"]*' "$WORK/gateway.log" | head -n 1)"
pass
