#!/usr/bin/env bash
# mtlsvpn-client enroll against the real gateway (enroll = on,
# docs/protocol.md 13.8): with the fingerprint the token printout carries,
# a laptop enrolls, its key made there (0600, matching the certificate),
# and the configuration it wrote brings up a tunnel as that identity; with
# --ca FILE too. A used token, a token from another CA, a wrong
# fingerprint and a typo each fail with a clear reason and write nothing;
# existing files are never overwritten.
. "$(dirname "$0")/lib.sh"
need_tools openssl
CTL=$B/mtlsvpnctl

topo_init
add_laptop 1
pki_init
# The gateway (nobody) owns the CA directory it signs from.
chown -R nobody:nogroup "$CA"
write_server_ini "enroll = on" "enroll_ca_dir = ca" "cert_lifetime = 1d"
start_gateway

# token IDENTITY: the token on stdout; the printout in $WORK/IDENTITY.info.
# mtlsvpnctl runs as root: the token store goes back to the gateway's user.
token() {
	"$CTL" ca token "$1" --dir "$CA" --ttl 1h "${@:2}" 2>"$WORK/$1.info"
	chown -R nobody:nogroup "$CA"
}
FP=$(openssl x509 -in "$CA/ca.crt" -noout -fingerprint -sha256 | sed 's/.*=//')

# enroll_as NUM [args...]: mtlsvpn-client enroll in laptop NUM (bounded);
# ENROLL_RC, its stderr in $WORK/enroll.err.
enroll_as() {
	local i=$1
	shift
	ENROLL_RC=0
	timeout 60 ip netns exec "$(lap "$i")" "$B/mtlsvpn-client" enroll --gateway 192.0.2.1:8443 \
		--server-name gw.test "$@" >"$WORK/enroll.out" 2>"$WORK/enroll.err" || ENROLL_RC=$?
}
# nothing_in DIR: enroll left no file there.
nothing_in() {
	[ -z "$(ls -A "$1" 2>/dev/null)" ] || fail "files left in $1 after a refusal: $(ls -A "$1")"
}

# 1. The employee's line from the printout, run as printed (colons and
# all; the test only adds the name the gateway's certificate carries and
# where to write).
T_BOB=$(token bob --gateway 192.0.2.1:8443)
LINE=$(grep -o "mtlsvpn-client enroll .*" "$WORK/bob.info") || fail "no enroll line printed"
case "$LINE" in *"--gateway 192.0.2.1:8443 --identity bob --token $T_BOB --ca-fingerprint "*) ;;
*) fail "the printed line is not the one to type: $LINE" ;; esac
eval "set -- ${LINE#mtlsvpn-client }"
mkdir -p "$WORK/bob"
ENROLL_RC=0
timeout 60 ip netns exec "$(lap 1)" "$B/mtlsvpn-client" "$@" --server-name gw.test \
	--config "$WORK/bob/bob.ini" >"$WORK/enroll.out" 2>"$WORK/enroll.err" || ENROLL_RC=$?
[ "$ENROLL_RC" -eq 0 ] || fail "enroll exited $ENROLL_RC: $(cat "$WORK/enroll.err")"
grep -q "enrolled as bob" "$WORK/enroll.out" || fail "no success line: $(cat "$WORK/enroll.out")"
for f in bob.ini bob.key bob.crt bob-ca.crt; do
	[ -s "$WORK/bob/$f" ] || fail "enroll wrote no $f"
done
[ "$(stat -c %a "$WORK/bob/bob.key")" = 600 ] || fail "the key is not mode 0600"
[ "$(openssl pkey -in "$WORK/bob/bob.key" -pubout)" = \
	"$(openssl x509 -in "$WORK/bob/bob.crt" -noout -pubkey)" ] ||
	fail "the certificate is not for the key made on the laptop"
openssl x509 -in "$WORK/bob/bob.crt" -noout -subject | grep -q "CN *= *bob" ||
	fail "the certificate does not name bob"
cmp -s <(openssl x509 -in "$WORK/bob/bob-ca.crt" -outform DER) \
	<(openssl x509 -in "$CA/ca.crt" -outform DER) || fail "the CA written is not the CA"
grep -q "BEGIN" "$WORK/gateway.log" && fail "the gateway logged PEM material"

# 2. The configuration written brings up a tunnel as bob.
cat >>"$WORK/bob/bob.ini" <<EOF2
dns = none
reconnect_min = 1
reconnect_max = 2
state_dir = $WORK/client-state-1
EOF2
ip netns exec "$(lap 1)" "$B/mtlsvpn-client" -c "$WORK/bob/bob.ini" -v >>"$WORK/client1.log" 2>&1 &
CLIENT_PID[1]=$!
T_PIDS+=("$!")
wait_tunnel 1
grep -q "bob" "$WORK/gateway.log" || fail "the gateway did not see bob"
stop_pid "${CLIENT_PID[1]}"

# 3. The same token again: refused by the gateway (403 and its reason),
# nothing written.
enroll_as 1 --identity bob --token "$T_BOB" --ca-fingerprint "$FP" --out "$WORK/again"
[ "$ENROLL_RC" -eq 1 ] || fail "a used token: exit $ENROLL_RC, expected 1"
grep -q "403" "$WORK/enroll.err" || fail "a used token: no 403: $(cat "$WORK/enroll.err")"
grep -qi "used" "$WORK/enroll.err" || fail "a used token: no reason: $(cat "$WORK/enroll.err")"
nothing_in "$WORK/again"

# 4. A well-formed token from another CA: unknown here.
"$CTL" ca init --dir "$WORK/other" >>"$WORK/ctl.log" 2>&1
T_OTHER=$("$CTL" ca token carol --dir "$WORK/other" 2>/dev/null)
enroll_as 1 --identity carol --token "$T_OTHER" --ca "$CA/ca.crt" --out "$WORK/other-out"
[ "$ENROLL_RC" -eq 1 ] || fail "an unknown token: exit $ENROLL_RC, expected 1"
grep -q "403" "$WORK/enroll.err" || fail "an unknown token: $(cat "$WORK/enroll.err")"
nothing_in "$WORK/other-out"

# 5. A wrong fingerprint: the client stops before sending the token.
T_CAROL=$(token carol)
BAD_FP=$(openssl x509 -in "$WORK/other/ca.crt" -noout -fingerprint -sha256 | sed 's/.*=//')
enroll_as 1 --identity carol --token "$T_CAROL" --ca-fingerprint "$BAD_FP" --out "$WORK/badfp"
[ "$ENROLL_RC" -eq 1 ] || fail "a wrong fingerprint: exit $ENROLL_RC, expected 1"
grep -q "do not match the fingerprint" "$WORK/enroll.err" ||
	fail "a wrong fingerprint: $(cat "$WORK/enroll.err")"
nothing_in "$WORK/badfp"
"$CTL" ca tokens --dir "$CA" | grep -q "carol .* unused" ||
	fail "the wrong fingerprint still spent carol's token"

# 6. The right CA file: carol enrolls with her unspent token.
enroll_as 1 --identity carol --token "$T_CAROL" --ca "$CA/ca.crt" --out "$WORK/carol"
[ "$ENROLL_RC" -eq 0 ] || fail "enroll with --ca exited $ENROLL_RC: $(cat "$WORK/enroll.err")"
[ -s "$WORK/carol/client.ini" ] && [ -s "$WORK/carol/client.key" ] ||
	fail "--out wrote no client.ini/client.key"

# 7. Files that exist are never overwritten, before the token is spent.
T_DAVE=$(token dave)
enroll_as 1 --identity dave --token "$T_DAVE" --ca "$CA/ca.crt" --out "$WORK/carol"
[ "$ENROLL_RC" -eq 1 ] || fail "existing files: exit $ENROLL_RC, expected 1"
grep -q "exists" "$WORK/enroll.err" || fail "existing files: $(cat "$WORK/enroll.err")"
"$CTL" ca tokens --dir "$CA" | grep -q "dave .* unused" || fail "dave's token was spent"

# 8. Bad command lines: exit status 2 and a reason.
enroll_as 1 --identity dave --token "$T_DAVE" --out "$WORK/x"
[ "$ENROLL_RC" -eq 2 ] || fail "no CA given: exit $ENROLL_RC, expected 2"
enroll_as 1 --identity dave --token "$T_DAVE" --ca-fingerprint abcd --out "$WORK/x"
[ "$ENROLL_RC" -eq 1 ] && grep -q "not a SHA-256 fingerprint" "$WORK/enroll.err" ||
	fail "a short fingerprint: exit $ENROLL_RC: $(cat "$WORK/enroll.err")"
nothing_in "$WORK/x"
pass
