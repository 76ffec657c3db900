#!/usr/bin/env bash
# One-time enrollment tokens through the real mtlsvpnctl: "ca token" prints
# a token in the documented format on stdout alone, the CA directory keeps
# only its SHA-256 (mode 0600), "ca tokens" lists it without the token,
# "--revoke ID" withdraws it, bad command lines get exit status 2 and a
# reason, and two commands racing on the same directory lose no token.
# Sources lib.sh for its work directory and cleanup, so like every
# integration test it needs root and fails (never skips) without it.
. "$(dirname "$0")/lib.sh"
CTL=$B/mtlsvpnctl
need_tools sha256sum openssl
CA=$WORK/ca

# status_is WANT CMD...: CMD exits WANT; its stderr stays in $WORK/err.
status_is() {
	local want=$1 got=0
	shift
	"$@" >"$WORK/out" 2>"$WORK/err" || got=$?
	[ "$got" -eq "$want" ] || fail "'$*' exited $got, expected $want: $(cat "$WORK/err")"
}

status_is 1 "$CTL" ca token alice --dir "$CA"
grep -q "does not exist" "$WORK/err" || fail "no reason for a missing CA directory"
"$CTL" ca init --dir "$CA" >/dev/null

T=$("$CTL" ca token alice --dir "$CA" --ttl 2h --group eng 2>"$WORK/info")
[[ $T =~ ^[0-7][0-9A-HJKMNP-TV-Z]{8}-[0-9A-HJKMNP-TV-Z]{9}-[0-9A-HJKMNP-TV-Z]{9}$ ]] ||
	fail "token '$T' is not three groups of nine Crockford base32 digits"
grep -q 'usable once until' "$WORK/info" || fail "no expiry shown: $(cat "$WORK/info")"
# The printout carries the CA's SHA-256 fingerprint (as openssl computes it)
# and the employee's enroll command line with this token.
FP=$(openssl x509 -in "$CA/ca.crt" -noout -fingerprint -sha256 | sed 's/.*=//; s/://g' |
	tr A-F a-f)
grep -q "CA fingerprint (SHA-256) $FP\$" "$WORK/info" || fail "no CA fingerprint: $(cat "$WORK/info")"
grep -q -- "mtlsvpn-client enroll --gateway .* --identity alice --token $T --ca-fingerprint $FP\$" \
	"$WORK/info" || fail "no enroll line: $(cat "$WORK/info")"
[ "$(stat -c %a "$CA/tokens")" = 600 ] || fail "DIR/tokens is not mode 0600"
grep -qi -- "$T" "$CA/tokens" && fail "the token itself is stored"
grep -q "^mtlsvpn-ca-tokens 1$" "$CA/tokens" || fail "DIR/tokens lacks its magic line"

status_is 0 "$CTL" ca tokens --dir "$CA"
grep -q "alice .* eng .* unused" "$WORK/out" || fail "ca tokens: $(cat "$WORK/out")"
grep -qi -- "$T" "$WORK/out" && fail "ca tokens shows the token"
TID=$(awk '$2 == "alice" { print $1 }' "$WORK/out")
[[ $TID =~ ^[0-9a-f]{12}$ ]] || fail "no 12-hex id for alice: '$TID'"
grep -q "^$TID" "$CA/tokens" || fail "the id is not the start of the stored hash"

status_is 2 "$CTL" ca token bob --dir "$CA" --ttl 31d
grep -q "from 1s to 30d" "$WORK/err" || fail "no reason for a bad --ttl"
status_is 2 "$CTL" ca token bob --dir "$CA" --ttl 10
status_is 2 "$CTL" ca token "$(printf 'bo\tb')" --dir "$CA"
grep -q "control characters" "$WORK/err" || fail "no reason for a control byte"
status_is 2 "$CTL" ca token --dir "$CA"
status_is 2 "$CTL" ca token bob --dir "$CA" --revoke "$TID"
status_is 1 "$CTL" ca token --revoke 000000000000 --dir "$CA"
grep -q "no token has id" "$WORK/err" || fail "no reason for an unknown id"
status_is 0 "$CTL" ca token --revoke "$TID" --dir "$CA"
status_is 0 "$CTL" ca tokens --dir "$CA"
grep -q "^0 token(s)$" "$WORK/out" || fail "the revoked token is still listed"

# Two writers racing: every token of both survives, each once.
for w in a b; do
	(for i in $(seq 1 15); do "$CTL" ca token "$w$i" --dir "$CA" >/dev/null 2>&1 || exit 1; done) &
	eval "pid_$w=$!"
done
wait "$pid_a" || fail "writer a failed"
wait "$pid_b" || fail "writer b failed"
status_is 0 "$CTL" ca tokens --dir "$CA"
grep -q "^30 token(s)$" "$WORK/out" || fail "tokens lost in a race: $(tail -1 "$WORK/out")"
[ "$(cut -f1 "$CA/tokens" | grep -c '^[0-9a-f]\{64\}$')" -eq 30 ] || fail "not 30 hashes"
say "token format, hashed store, list, revoke, refusals and a race: ok"
pass
