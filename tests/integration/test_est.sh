#!/usr/bin/env bash
# EST enrollment and renewal on the gateway (docs/protocol.md section 13),
# by hand with curl and openssl as an administrator's runbook would: the CA
# certificates; a first enrollment with a one-time token over a session
# without a client certificate, then a tunnel with our client on the new
# certificate; a group's cert_lifetime; token reuse, another identity's
# token, an unknown, a malformed and an expired token, no credentials: each
# refused with its status and audited; token guesses rate limited by
# source; a session without a certificate reaches nothing but EST (neither
# mtlsvpn/1 nor an OpenConnect request); simplereenroll over mutual TLS
# keeps the subject and takes the new key, revoking its predecessor
# (enroll_revoke_old) in the index and the CRL the gateway reloads; a
# revoked certificate cannot renew; renewals racing leave the index and
# the CRL agreeing.
. "$(dirname "$0")/lib.sh"
need_tools curl openssl python3
CTL=$B/mtlsvpnctl

topo_init
add_laptop 1
add_laptop 2
pki_init
"$CTL" ca crl --dir "$CA" >>"$WORK/ctl.log" 2>&1 || fail "ca crl failed"
pki_client alice
T_BOB=$("$CTL" ca token bob --dir "$CA" --ttl 1h 2>>"$WORK/ctl.log")
T_CAROL=$("$CTL" ca token carol --dir "$CA" --ttl 1h --group eng 2>>"$WORK/ctl.log")
T_DAVE=$("$CTL" ca token dave --dir "$CA" --ttl 1h 2>>"$WORK/ctl.log")
T_SHORT=$("$CTL" ca token erin --dir "$CA" --ttl 1s 2>>"$WORK/ctl.log")
# Well formed, from another CA: unknown here.
"$CTL" ca init --dir "$WORK/other" >>"$WORK/ctl.log" 2>&1
T_UNKNOWN=$("$CTL" ca token dave --dir "$WORK/other" 2>>"$WORK/ctl.log")
# The CA directory belongs to its own user (daemon here): the signer
# process becomes it; the gateway runs as nobody and cannot read the key.
chown -R daemon:daemon "$CA"

write_server_ini "enroll = on" "enroll_ca_dir = ca" "cert_lifetime = 2d" \
	"enroll_revoke_old = on" "crl = ca/crl.pem" "group_from = ou" \
	"audit_log = $WORK/audit.json" "metrics = 192.0.2.1:9560"
cat >>"$WORK/server.ini" <<EOF
[group eng]
ipv4 = 10.8.1.0/24
routes = 10.20.0.0/24
cert_lifetime = 1h
EOF
start_gateway
# The key is held by a separate signer process, as the CA directory's
# owner, not by the gateway.
setpriv --reuid=nobody --regid=nogroup --clear-groups cat "$CA/ca.key" >/dev/null 2>&1 &&
	fail "the gateway's user can read the CA key"
wait_for 5 grep -q "enrollment signer: pid [0-9]*, uid $(id -u daemon), holds the key" "$WORK/gateway.log" ||
	fail "no signer process running as the CA directory's owner"
SIGNER=$(grep -o 'enrollment signer: pid [0-9]*' "$WORK/gateway.log" | awk '{print $4}')
[ "$SIGNER" != "$GW_PID" ] && kill -0 "$SIGNER" || fail "the signer process is not running"

# est NUM OUT [curl args...]: an HTTPS request from laptop NUM to the
# gateway's EST path; prints the HTTP status, the body in OUT.
est() {
	local i=$1 out=$2
	shift 2
	ip netns exec "$(lap "$i")" curl -sS --max-time 10 --cacert "$CA/ca.crt" \
		--resolve gw.test:8443:192.0.2.1 -o "$out" -w '%{http_code}' "$@" 2>>"$WORK/curl.log" ||
		true
}
URL=https://gw.test:8443/.well-known/est

# csr NAME: a fresh P-256 key NAME.key and its request, base64 DER, NAME.b64
# (its subject says "mallory": only the key may count).
csr() {
	openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$WORK/$1.key" \
		-subj "/CN=mallory/OU=admins" -outform DER -out "$WORK/$1.der" 2>>"$WORK/ctl.log"
	openssl base64 -in "$WORK/$1.der" >"$WORK/$1.b64"
}
# certs B64 PEM: the certificates of a base64 PKCS#7 reply, as PEM.
certs() {
	tr -d '\r' <"$1" | openssl base64 -d | openssl pkcs7 -inform DER -print_certs >"$2" ||
		fail "$1 is not a base64 PKCS#7: $(head -c 200 "$1")"
}
# leaf PEM OUT: the first certificate of PEM.
leaf() { awk '/BEGIN/ {n++} n == 1 {print} /END/ && n == 1 {exit}' "$1" >"$2"; }
pubkey_of_key() { openssl pkey -in "$1" -pubout; }
pubkey_of_crt() { openssl x509 -in "$1" -noout -pubkey; }
subject_of() { openssl x509 -in "$1" -noout -subject -nameopt RFC2253; }
serial_of() { openssl x509 -in "$1" -noout -serial | cut -d= -f2 | tr 'A-F' 'a-f' | sed 's/^0*//'; }
enroll() { est "$1" "$2" -u "$3:$4" -H 'Content-Type: application/pkcs10' --data-binary "@$5" \
	"$URL/simpleenroll"; }
audit_has() { python3 - "$WORK/audit.json" "$@" <<'PY'
import json, sys
want = dict(a.split("=", 1) for a in sys.argv[2:])
for line in open(sys.argv[1]):
    e = json.loads(line)
    if all(str(e.get(k)) == v for k, v in want.items()):
        sys.exit(0)
sys.exit(1)
PY
}

# ---- cacerts ----
code=$(est 1 "$WORK/cacerts.b64" "$URL/cacerts")
[ "$code" = 200 ] || fail "cacerts: HTTP $code"
certs "$WORK/cacerts.b64" "$WORK/cacerts.pem"
[ "$(openssl x509 -in "$WORK/cacerts.pem" -noout -fingerprint -sha256)" = \
	"$(openssl x509 -in "$CA/ca.crt" -noout -fingerprint -sha256)" ] ||
	fail "cacerts does not hold the CA certificate"
say "cacerts: the CA certificate, without a client certificate"

# ---- a first enrollment with a token ----
csr bob
code=$(enroll 1 "$WORK/bob.p7" bob "$T_BOB" "$WORK/bob.b64")
[ "$code" = 200 ] || fail "simpleenroll bob: HTTP $code: $(cat "$WORK/bob.p7")"
certs "$WORK/bob.p7" "$WORK/bob.chain"
leaf "$WORK/bob.chain" "$WORK/bob.crt"
subject_of "$WORK/bob.crt" | grep -q '^subject=CN=bob$' ||
	fail "bob's certificate names $(subject_of "$WORK/bob.crt"), not CN=bob alone"
[ "$(pubkey_of_crt "$WORK/bob.crt")" = "$(pubkey_of_key "$WORK/bob.key")" ] ||
	fail "bob's certificate does not certify the key of his request"
openssl verify -CAfile "$CA/ca.crt" "$WORK/bob.crt" >/dev/null || fail "bob's certificate does not verify"
life=$(( $(date -d "$(openssl x509 -in "$WORK/bob.crt" -noout -enddate | cut -d= -f2)" +%s) - $(date +%s) ))
[ "$life" -gt $((2 * 86400 - 120)) ] && [ "$life" -le $((2 * 86400)) ] ||
	fail "bob's certificate lives ${life}s, not cert_lifetime = 2d"
grep -qi "^V	0*$(serial_of "$WORK/bob.crt")	client	.*	bob$" "$CA/index" ||
	fail "bob's serial is not in the CA index"
ls "$CA"/issued/bob-*.crt >/dev/null 2>&1 || fail "no issued/bob-SERIAL.crt in the CA directory"
audit_has event=enroll identity=bob command=simpleenroll result=ok ||
	fail "no enroll audit event for bob"
say "simpleenroll: CN=bob from the token (the request's subject ignored), his own key, in the index, audited"

# A group's lifetime and OU.
csr carol
code=$(enroll 1 "$WORK/carol.p7" carol "$T_CAROL" "$WORK/carol.b64")
[ "$code" = 200 ] || fail "simpleenroll carol: HTTP $code"
certs "$WORK/carol.p7" "$WORK/carol.chain"
leaf "$WORK/carol.chain" "$WORK/carol.crt"
subject_of "$WORK/carol.crt" | grep -q 'OU=eng' || fail "carol's certificate lacks OU=eng"
life=$(( $(date -d "$(openssl x509 -in "$WORK/carol.crt" -noout -enddate | cut -d= -f2)" +%s) - $(date +%s) ))
[ "$life" -gt 3500 ] && [ "$life" -le 3600 ] || fail "carol's lives ${life}s, not group eng's 1h"
say "group eng: OU=eng and its cert_lifetime = 1h"

# ---- a tunnel with the enrolled certificate ----
write_client_ini 1 bob
start_client 1
wait_tunnel 1
stop_pid "${CLIENT_PID[1]}"
say "our client's tunnel runs on bob's enrolled certificate"

# ---- a session without a certificate reaches EST only ----
code=$(est 1 "$WORK/r.txt" -X POST -H 'Content-Type: text/xml' \
	--data '<config-auth client="vpn" type="init"></config-auth>' https://gw.test:8443/)
[ "$code" = 403 ] || fail "an OpenConnect POST without a certificate: HTTP $code"
code=$(est 1 "$WORK/r.txt" -X CONNECT -H 'X-CSTP-Version: 1' -H 'Cookie: webvpn=x' \
	https://gw.test:8443/CSCOSSLC/tunnel)
[ "$code" = 403 ] || fail "a CONNECT without a certificate: HTTP $code"
# mtlsvpn/1 without a certificate: the gateway sends nothing of its
# protocol (no CONFIG) and closes.
printf '\x01\x00\x00\x00' | ip netns exec "$(lap 1)" timeout 10 openssl s_client -quiet \
	-alpn mtlsvpn/1 -servername gw.test -CAfile "$CA/ca.crt" -connect 192.0.2.1:8443 \
	>"$WORK/s_client.out" 2>"$WORK/s_client.err" || true
[ ! -s "$WORK/s_client.out" ] || fail "mtlsvpn/1 without a certificate got bytes back"
wait_for 5 grep -q "peer sent no certificate\|no client certificate" "$WORK/gateway.log" ||
	fail "the gateway did not refuse mtlsvpn/1 without a certificate"
say "without a certificate: OpenConnect POST and CONNECT 403, mtlsvpn/1 refused"

# ---- tokens refused ----
csr x
code=$(enroll 1 "$WORK/r.txt" bob "$T_BOB" "$WORK/x.b64")
[ "$code" = 403 ] || fail "a used token: HTTP $code"
grep -q "already used" "$WORK/r.txt" || fail "a used token: no reason: $(cat "$WORK/r.txt")"
code=$(enroll 1 "$WORK/r.txt" eve "$T_DAVE" "$WORK/x.b64")
[ "$code" = 403 ] || fail "another identity's token: HTTP $code"
code=$(enroll 1 "$WORK/r.txt" dave "00000000-0000000000-000000000" "$WORK/x.b64")
[ "$code" = 403 ] || fail "a malformed token: HTTP $code"
code=$(enroll 1 "$WORK/r.txt" dave "$T_UNKNOWN" "$WORK/x.b64")
[ "$code" = 403 ] || fail "an unknown token: HTTP $code"
sleep 1.5
code=$(enroll 2 "$WORK/r.txt" erin "$T_SHORT" "$WORK/x.b64")
[ "$code" = 403 ] || fail "an expired token: HTTP $code"
grep -q "expired" "$WORK/r.txt" || fail "an expired token: no reason: $(cat "$WORK/r.txt")"
code=$(est 1 "$WORK/r.txt" -D "$WORK/r.hdr" -H 'Content-Type: application/pkcs10' \
	--data-binary "@$WORK/x.b64" "$URL/simpleenroll")
[ "$code" = 401 ] || fail "no credentials: HTTP $code"
grep -qi '^WWW-Authenticate: Basic' "$WORK/r.hdr" || fail "a 401 without WWW-Authenticate"
for c in token_used token_wrong_identity token_unknown token_expired; do
	audit_has event=enroll_refused reason_code=$c || fail "no enroll_refused audit event $c"
done
# Refused tries spent nothing: dave's token still works.
csr dave
code=$(enroll 2 "$WORK/dave.p7" dave "$T_DAVE" "$WORK/dave.b64")
[ "$code" = 200 ] || fail "dave's token stopped working after refused tries: HTTP $code"
say "token reused, another identity's, malformed, unknown, expired: 403, audited; none: 401"

# ---- guesses rate limited by source ----
n429=0
for i in $(seq 1 14); do
	code=$(enroll 2 "$WORK/r.txt" dave "7ZZZZZZZZ-ZZZZZZZZZ-ZZZZZZZZ$((i % 10))" "$WORK/x.b64")
	[ "$code" = 429 ] && n429=$((n429 + 1))
	[ "$code" = 403 ] || [ "$code" = 429 ] || fail "guess $i: HTTP $code"
done
[ "$n429" -ge 2 ] || fail "14 quick guesses from one address: only $n429 refused with 429"
# Another source is not held by it.
code=$(enroll 1 "$WORK/r.txt" dave "7ZZZZZZZZ-ZZZZZZZZZ-ZZZZZZZZZ" "$WORK/x.b64")
[ "$code" = 403 ] || fail "laptop 1 held by laptop 2's guesses: HTTP $code"
say "token guesses: $n429 of 14 quick ones refused (429) for their source only"

# ---- renewal over mutual TLS ----
csr bob2
code=$(est 1 "$WORK/bob2.p7" --cert "$WORK/bob.crt" --key "$WORK/bob.key" \
	-H 'Content-Type: application/pkcs10' --data-binary "@$WORK/bob2.b64" "$URL/simplereenroll")
[ "$code" = 200 ] || fail "simplereenroll bob: HTTP $code: $(cat "$WORK/bob2.p7")"
certs "$WORK/bob2.p7" "$WORK/bob2.chain"
leaf "$WORK/bob2.chain" "$WORK/bob2.crt"
[ "$(subject_of "$WORK/bob2.crt")" = "$(subject_of "$WORK/bob.crt")" ] || fail "renewal changed the subject"
[ "$(pubkey_of_crt "$WORK/bob2.crt")" = "$(pubkey_of_key "$WORK/bob2.key")" ] ||
	fail "the renewed certificate does not certify the new key"
[ "$(pubkey_of_crt "$WORK/bob2.crt")" != "$(pubkey_of_crt "$WORK/bob.crt")" ] || fail "same key"
old=$(serial_of "$WORK/bob.crt")
openssl crl -in "$CA/crl.pem" -noout -text | grep -qi "serial number: 0*$old" ||
	fail "the renewed-away certificate $old is not on the CRL"
audit_has event=enroll identity=bob command=simplereenroll result=ok ||
	fail "no enroll audit event for bob's renewal"
say "simplereenroll: same subject, the new key, predecessor $old revoked on the CRL"

# The predecessor (revoked) cannot renew again.
csr bob3
code=$(est 1 "$WORK/r.txt" --cert "$WORK/bob.crt" --key "$WORK/bob.key" \
	-H 'Content-Type: application/pkcs10' --data-binary "@$WORK/bob3.b64" "$URL/simplereenroll")
[ "$code" != 200 ] || fail "a revoked certificate renewed"
# A certificate revoked by the administrator cannot renew.
"$CTL" ca revoke alice --dir "$CA" >>"$WORK/ctl.log" 2>&1 || fail "ca revoke alice failed"
chown -R daemon:daemon "$CA"
sleep 2
code=$(est 1 "$WORK/r.txt" --cert "$WORK/alice.crt" --key "$WORK/alice.key" \
	-H 'Content-Type: application/pkcs10' --data-binary "@$WORK/bob3.b64" "$URL/simplereenroll")
[ "$code" != 200 ] || fail "revoked alice renewed"
say "revoked certificates cannot renew (HTTP $code)"

# ---- renewals racing ----
# bob2 twice at once (one may win; its predecessor then stands revoked)
# and carol at the same time: the index and the CRL agree afterwards.
csr race1
csr race2
csr race3
for n in 1 2; do
	{ est 1 "$WORK/race$n.p7" --cert "$WORK/bob2.crt" --key "$WORK/bob2.key" \
		-H 'Content-Type: application/pkcs10' --data-binary "@$WORK/race$n.b64" \
		"$URL/simplereenroll"; echo; } >"$WORK/race$n.code" &
	eval "rp$n=$!"
done
{ est 2 "$WORK/race3.p7" --cert "$WORK/carol.crt" --key "$WORK/carol.key" \
	-H 'Content-Type: application/pkcs10' --data-binary "@$WORK/race3.b64" \
	"$URL/simplereenroll"; echo; } >"$WORK/race3.code" &
rp3=$!
wait "$rp1" "$rp2" "$rp3"
wins=$(cat "$WORK/race1.code" "$WORK/race2.code" | grep -c '^200$' || true)
[ "$wins" = 1 ] || fail "two renewals of one certificate: $wins succeeded ($(cat "$WORK/race1.code" "$WORK/race2.code"))"
[ "$(tr -d '\n' <"$WORK/race3.code")" = 200 ] || fail "carol's renewal during the race: HTTP $(cat "$WORK/race3.code")"
python3 - "$CA/index" <<'PY' >"$WORK/index.revoked" || fail "the index does not parse"
import sys
lines = open(sys.argv[1]).read().splitlines()
assert lines[0] == "mtlsvpn-ca-index 1", lines[0]
valid = {}
for l in lines[1:]:
    if not l or l.startswith("#"):
        continue
    f = l.split("\t")
    assert len(f) == 9, l
    if f[0] == "R":
        print(f[1].lstrip("0"))
    elif f[8] in ("bob", "carol"):
        valid[f[8]] = valid.get(f[8], 0) + 1
assert valid == {"bob": 1, "carol": 1}, valid
PY
openssl crl -in "$CA/crl.pem" -noout -text | tr "A-Z" "a-z" |
	awk '/serial number:/ {sub(/^0+/, "", $3); print $3}' | sort >"$WORK/crl.revoked"
sort "$WORK/index.revoked" | diff - "$WORK/crl.revoked" >"$WORK/diff" ||
	fail "the CRL and the index disagree: $(cat "$WORK/diff")"
[ "$(wc -l <"$WORK/crl.revoked")" -ge 4 ] || fail "fewer revocations than expected"
openssl crl -in "$CA/crl.pem" -CAfile "$CA/ca.crt" -noout 2>/dev/null || fail "the CRL does not verify"
# Refusals before authentication, counted by reason (the log may have
# held some back within its rate limit).
"$CTL" status --json --control "$WORK/control" >"$WORK/status.json" || fail "status --json failed"
python3 - "$WORK/status.json" <<'PY' || fail "EST refusals not counted: $(cat "$WORK/status.json")"
import json, sys
def find(o):
    if isinstance(o, dict):
        if "refusals" in o:
            return o["refusals"]["before_auth"]
        for v in o.values():
            f = find(v)
            if f is not None:
                return f
    return None
r = find(json.load(open(sys.argv[1])))
assert r["est_only"] >= 2 and r["est_token"] >= 5 and r["est_rate_limit"] >= 2, r
PY
ip netns exec "$G" curl -sS --max-time 5 http://192.0.2.1:9560/metrics >"$WORK/metrics" ||
	fail "no metrics"
grep -q '^mtlsvpn_est_requests_total{result="enrolled"} 3$' "$WORK/metrics" ||
	fail "enrolled not counted 3: $(grep est_requests "$WORK/metrics")"
grep -q '^mtlsvpn_est_requests_total{result="renewed"} [2-9]$' "$WORK/metrics" ||
	fail "renewals not counted: $(grep est_requests "$WORK/metrics")"
grep -q '^mtlsvpn_est_requests_total{result="cacerts"} 1$' "$WORK/metrics" ||
	fail "cacerts not counted: $(grep est_requests "$WORK/metrics")"
grep -q '^mtlsvpn_est_signer_up 1$' "$WORK/metrics" || fail "the signer is not reported up"
# The signer ends with the gateway.
stop_pid "$GW_PID"
wait_for 5 sh -c "! kill -0 $SIGNER 2>/dev/null" || fail "the signer outlived the gateway"
say "racing renewals: one per certificate won, index and CRL list the same $(wc -l <"$WORK/crl.revoked") revocations"

pass
