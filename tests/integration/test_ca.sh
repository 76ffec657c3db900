#!/usr/bin/env bash
# The certificate authority end to end: the real mtlsvpnctl makes a CA, a
# gateway and a client certificate in a temporary directory; OpenSSL (not
# our own parser) must verify the chain for the right purposes and show the
# profile's extensions; files get the right modes; bad command lines and
# unsafe requests are refused with the documented exit status and nothing
# is left behind. Needs no root and no network; fails (never skips) when
# something is missing.
set -euo pipefail

T_NAME=test_ca
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
BG_PIDS=()
cleanup() {
	local rc=$? p
	for p in "${BG_PIDS[@]}"; do
		kill "$p" 2>/dev/null || true
		wait "$p" 2>/dev/null || true
	done
	rm -rf "$WORK"
	if [ "$rc" -eq 0 ]; then say "PASS"; else say "FAILED (exit $rc)"; fi
}
trap cleanup EXIT

CA=$WORK/ca
ISSUED=$CA/issued

# expect STATUS CMD...: runs CMD, which must exit with STATUS; its stderr
# is left in $WORK/err for the caller to inspect.
expect() {
	local want=$1 got=0
	shift
	"$@" >"$WORK/out" 2>"$WORK/err" || got=$?
	[ "$got" -eq "$want" ] ||
		fail "'$*' exited $got, expected $want; stderr: $(cat "$WORK/err")"
}
# err_has TEXT: the last command's stderr mentions TEXT.
err_has() {
	grep -qF -- "$1" "$WORK/err" || fail "stderr lacks '$1': $(cat "$WORK/err")"
}
mode_of() { stat -c %a "$1"; }
text() { openssl x509 -in "$1" -noout -text; }
has() { # has FILE PATTERN: the certificate's text shows PATTERN
	text "$1" | grep -E -- "$2" >/dev/null || fail "$(basename "$1") lacks /$2/: $(text "$1")"
}
lacks() {
	! text "$1" | grep -E -- "$2" >/dev/null || fail "$(basename "$1") unexpectedly shows /$2/"
}
# The hex key identifier on the line after an extension's header.
ext_value() {
	text "$1" | awk -v h="$2" 'found { gsub(/^[ \t]+|keyid:/, ""); print; exit }
		index($0, h) { found = 1 }'
}
serial_of() { openssl x509 -in "$1" -noout -serial | sed 's/^serial=//' | tr 'A-F' 'a-f'; }

# ---- ca init ----
say "ca init"
expect 0 "$CTL" ca init --dir "$CA" --name "Example Corp VPN CA" --days 3650
grep -qF "created CA \"Example Corp VPN CA\"" "$WORK/out" || fail "init output: $(cat "$WORK/out")"
for f in ca.crt ca.key index; do [ -f "$CA/$f" ] || fail "ca init did not write $CA/$f"; done
[ -d "$ISSUED" ] || fail "ca init did not create $ISSUED"
[ "$(mode_of "$CA/ca.key")" = 600 ] || fail "ca.key has mode $(mode_of "$CA/ca.key"), not 600"
[ "$(mode_of "$CA/ca.crt")" = 644 ] || fail "ca.crt has mode $(mode_of "$CA/ca.crt"), not 644"
[ "$(mode_of "$CA")" = 700 ] || fail "the CA directory has mode $(mode_of "$CA"), not 700"
[ "$(head -n 1 "$CA/index")" = "mtlsvpn-ca-index 1" ] || fail "index header: $(head -n 1 "$CA/index")"
if ls -a "$CA" | grep '^\.ca\.' >/dev/null; then fail "a temporary file was left in $CA: $(ls -a "$CA")"; fi

C=$CA/ca.crt
has "$C" 'Version: 3 \(0x2\)'
has "$C" 'Subject: CN ?= ?Example Corp VPN CA'
has "$C" 'Issuer: CN ?= ?Example Corp VPN CA'
has "$C" 'Basic Constraints: critical'
has "$C" 'CA:TRUE'
has "$C" 'Key Usage: critical'
has "$C" 'Certificate Sign, CRL Sign'
has "$C" 'ecdsa-with-SHA256'
lacks "$C" 'Extended Key Usage'
ca_ski=$(ext_value "$C" 'Subject Key Identifier')
[ -n "$ca_ski" ] || fail "ca.crt has no subject key identifier"
[ "$(ext_value "$C" 'Authority Key Identifier')" = "$ca_ski" ] || fail "ca.crt AKI is not its SKI"
openssl verify -CAfile "$C" "$C" >/dev/null || fail "ca.crt does not verify as its own anchor"
# the key on disk is the certificate's
[ "$(openssl pkey -in "$CA/ca.key" -pubout)" = "$(openssl x509 -in "$C" -noout -pubkey)" ] ||
	fail "ca.key is not the key of ca.crt"

say "ca init refuses an existing CA"
sum=$(sha256sum "$CA/ca.key" "$C" "$CA/index")
expect 1 "$CTL" ca init --dir "$CA"
err_has "already"
err_has "$CA"
[ "$(sha256sum "$CA/ca.key" "$C" "$CA/index")" = "$sum" ] || fail "a refused ca init changed the CA"

# ---- issue-server ----
say "ca issue-server"
expect 0 "$CTL" ca issue-server gw.example.test --dir "$CA" --san 192.0.2.1 -s vpn.example.test \
	--san 2001:db8::1 --san gw.example.test
S=$ISSUED/gw.example.test.crt
[ -f "$S" ] && [ -f "$ISSUED/gw.example.test.key" ] || fail "issue-server wrote: $(ls "$ISSUED")"
[ "$(mode_of "$ISSUED/gw.example.test.key")" = 600 ] || fail "server key mode $(mode_of "$ISSUED/gw.example.test.key")"
openssl verify -CAfile "$C" -purpose sslserver "$S" >/dev/null || fail "server cert does not verify for sslserver"
if openssl verify -CAfile "$C" -purpose sslclient "$S" >/dev/null 2>&1; then
	fail "the server certificate verifies for sslclient: its EKU is too broad"
fi
has "$S" 'Version: 3 \(0x2\)'
has "$S" 'Subject: CN ?= ?gw.example.test'
has "$S" 'Issuer: CN ?= ?Example Corp VPN CA'
has "$S" 'CA:FALSE'
has "$S" 'TLS Web Server Authentication'
lacks "$S" 'TLS Web Client Authentication'
has "$S" 'Digital Signature'
has "$S" 'DNS:gw.example.test'
has "$S" 'DNS:vpn.example.test'
has "$S" 'IP Address:192.0.2.1'
has "$S" 'IP Address:2001:DB8:0:0:0:0:0:1'
[ "$(text "$S" | grep -o 'DNS:gw.example.test' | wc -l)" -eq 1 ] || fail "NAME appears twice in the SAN"
[ "$(ext_value "$S" 'Authority Key Identifier')" = "$ca_ski" ] || fail "server AKI is not the CA's SKI"
[ -n "$(ext_value "$S" 'Subject Key Identifier')" ] || fail "server cert has no SKI"
[ "$(openssl pkey -in "$ISSUED/gw.example.test.key" -pubout)" = "$(openssl x509 -in "$S" -noout -pubkey)" ] ||
	fail "gw.example.test.key is not the key of its certificate"

# ---- issue-client ----
say "ca issue-client"
ID=Alice.Smith@Example.com
expect 0 "$CTL" ca issue-client "$ID" --dir "$CA" --ou engineering
U=$ISSUED/$ID.crt
[ -f "$U" ] && [ -f "$ISSUED/$ID.key" ] || fail "issue-client wrote: $(ls "$ISSUED")"
[ "$(mode_of "$ISSUED/$ID.key")" = 600 ] || fail "client key mode $(mode_of "$ISSUED/$ID.key")"
openssl verify -CAfile "$C" -purpose sslclient "$U" >/dev/null || fail "client cert does not verify for sslclient"
if openssl verify -CAfile "$C" -purpose sslserver "$U" >/dev/null 2>&1; then
	fail "the client certificate verifies for sslserver: its EKU is too broad"
fi
subj=$(openssl x509 -in "$U" -noout -subject -nameopt RFC2253)
[[ "$subj" == *"CN=$ID"* ]] || fail "client subject is '$subj', CN must be exactly $ID"
[[ "$subj" == *"OU=engineering"* ]] || fail "client subject '$subj' lacks OU=engineering"
has "$U" "email:$ID"
has "$U" 'CA:FALSE'
has "$U" 'TLS Web Client Authentication'
lacks "$U" 'TLS Web Server Authentication'
[ "$(ext_value "$U" 'Authority Key Identifier')" = "$ca_ski" ] || fail "client AKI is not the CA's SKI"

say "serials and validity"
s_ca=$(serial_of "$C")
s_srv=$(serial_of "$S")
s_cli=$(serial_of "$U")
for s in "$s_ca" "$s_srv" "$s_cli"; do
	[[ "$s" =~ ^[0-7][0-9a-f]{31}$ ]] || fail "serial $s is not 16 bytes and positive"
	grep -qP "^V\t$s\t" "$CA/index" || fail "serial $s is not in the index: $(cat "$CA/index")"
done
[ "$s_ca" != "$s_srv" ] && [ "$s_srv" != "$s_cli" ] && [ "$s_ca" != "$s_cli" ] ||
	fail "serials repeat: $s_ca $s_srv $s_cli"
[ "$(grep -cP '^[VR]\t' "$CA/index")" -eq 3 ] || fail "index should list 3 certificates: $(cat "$CA/index")"
grep -qP "^V\t$s_cli\tclient\t.*\tissued/$ID.crt\t$ID\$" "$CA/index" ||
	fail "index line for $ID is wrong: $(cat "$CA/index")"
now=$(date +%s)
nb=$(date -d "$(openssl x509 -in "$U" -noout -startdate | cut -d= -f2)" +%s)
na=$(date -d "$(openssl x509 -in "$U" -noout -enddate | cut -d= -f2)" +%s)
[ "$nb" -le "$now" ] || fail "client notBefore is in the future"
[ "$nb" -ge $((now - 2 * 3600)) ] || fail "client notBefore is backdated more than 2 hours"
[ $((na - nb)) -eq $((365 * 86400)) ] ||
	fail "client validity is not 365 days: notBefore $nb, notAfter $na"
# The whole span counts, back-dating included: clients refuse a server
# certificate valid for more than 825 days.
nb=$(date -d "$(openssl x509 -in "$S" -noout -startdate | cut -d= -f2)" +%s)
na=$(date -d "$(openssl x509 -in "$S" -noout -enddate | cut -d= -f2)" +%s)
[ $((na - nb)) -le $((825 * 86400)) ] && [ $((na - nb)) -ge $((824 * 86400)) ] ||
	fail "server validity is not 825 days at most: notBefore $nb, notAfter $na"

# ---- refusals ----
say "refusals"
sum=$(sha256sum "$U" "$ISSUED/$ID.key" "$CA/index")
expect 1 "$CTL" ca issue-client "$ID" --dir "$CA"
err_has "already exists"
[ "$(sha256sum "$U" "$ISSUED/$ID.key" "$CA/index")" = "$sum" ] || fail "a refused re-issue changed files"
expect 1 "$CTL" ca issue-client bob --dir "$CA" --days 4000
err_has "at most"
[ ! -e "$ISSUED/bob.crt" ] && [ ! -e "$ISSUED/bob.key" ] || fail "a refused issue left files"
expect 1 "$CTL" ca issue-client bob --dir "$WORK/nowhere"
err_has "ca init"
expect 2 "$CTL" ca issue-client --dir "$CA"
err_has "missing argument"
expect 2 "$CTL" ca issue-client a b --dir "$CA"
err_has "unexpected argument"
expect 2 "$CTL" ca issue-client "$(printf 'tab\there')" --dir "$CA"
expect 2 "$CTL" ca issue-client "$(printf '%070d' 0)" --dir "$CA"
err_has "63 bytes"
expect 2 "$CTL" ca issue-server 'bad name!' --dir "$CA"
err_has "neither"
expect 2 "$CTL" ca issue-server gw2.example.test --dir "$CA" --san 'not a name'
expect 2 "$CTL" ca issue-server gw2.example.test --dir "$CA" --days 0
err_has "--days"
expect 2 "$CTL" ca issue-server gw2.example.test --dir "$CA" --days 12x
expect 2 "$CTL" ca init --dir "$WORK/x" --key-type dsa
err_has "--key-type"
[ ! -e "$WORK/x" ] || fail "a refused ca init created $WORK/x"
expect 2 "$CTL" ca issue-server gw2.example.test --dir "$CA" --bogus
err_has "unknown option"
expect 2 "$CTL" ca frobnicate
err_has "unknown subcommand"
expect 2 "$CTL" nosuchgroup
expect 2 "$CTL" ca
expect 2 "$CTL"
[ "$(grep -cP '^[VR]\t' "$CA/index")" -eq 3 ] || fail "refused commands changed the index"
[ ! -e "$ISSUED/gw2.example.test.crt" ] || fail "a refused issue-server wrote a certificate"

say "a damaged index stops issuing"
cp "$CA/index" "$WORK/index.good"
bad_line=$(($(wc -l <"$CA/index") + 1))
printf 'V\tnot-hex\n' >>"$CA/index"
expect 1 "$CTL" ca issue-client carol --dir "$CA"
err_has "$CA/index:$bad_line:"
[ ! -e "$ISSUED/carol.crt" ] || fail "issued despite a damaged index"
cp "$WORK/index.good" "$CA/index"

say "a CA key that is not the certificate's is refused"
cp "$CA/ca.key" "$WORK/ca.key.good"
expect 0 "$CTL" ca init --dir "$WORK/other"
cp "$WORK/other/ca.key" "$CA/ca.key"
expect 1 "$CTL" ca issue-client carol --dir "$CA"
err_has "not the private key"
cp "$WORK/ca.key.good" "$CA/ca.key"

# ---- file names, --out, help ----
say "unsafe identities get safe file names; --out elsewhere"
expect 0 "$CTL" ca issue-client 'Bob Jones/../../etc/x' --dir "$CA" --out "$WORK/out-dir"
[ -f "$WORK/out-dir/Bob%20Jones%2F..%2F..%2Fetc%2Fx.crt" ] || fail "file names: $(ls "$WORK/out-dir")"
[ "$(find "$WORK" -name 'x.crt' | wc -l)" -eq 0 ] || fail "an identity escaped the output directory"
subj=$(openssl x509 -in "$WORK/out-dir/Bob%20Jones%2F..%2F..%2Fetc%2Fx.crt" -noout -subject -nameopt RFC2253)
[[ "$subj" == *"CN=Bob Jones/../../etc/x"* ]] || fail "CN is not byte-exact: $subj"
lacks "$WORK/out-dir/Bob%20Jones%2F..%2F..%2Fetc%2Fx.crt" 'email:'
grep -qF "$(cd "$WORK/out-dir" && pwd -P)/Bob%2520Jones" "$CA/index" ||
	fail "a certificate outside the CA directory is not indexed by absolute path"
expect 0 "$CTL" ca issue-client 'Jürgen' --dir "$CA"
[ -f "$ISSUED/J%C3%BCrgen.crt" ] || fail "UTF-8 identity file name: $(ls "$ISSUED")"

expect 0 "$CTL" --help
grep -qF "ca issue-client" "$WORK/out" || fail "--help does not list ca issue-client"
expect 0 "$CTL" ca issue-server --help
grep -qF -- "--san" "$WORK/out" || fail "issue-server --help does not list --san"
expect 0 "$CTL" --version
grep -q '^mtlsvpnctl ' "$WORK/out" || fail "--version: $(cat "$WORK/out")"

# ---- concurrency: the lock serialises appends ----
say "concurrent issues all land in the index"
for i in 1 2 3 4 5 6; do
	"$CTL" ca issue-client "user$i" --dir "$CA" >"$WORK/par$i.log" 2>&1 &
	BG_PIDS+=($!)
done
for p in "${BG_PIDS[@]}"; do wait "$p" || fail "a concurrent issue failed: $(cat "$WORK"/par*.log)"; done
BG_PIDS=()
for i in 1 2 3 4 5 6; do
	grep -qP "\tuser$i\$" "$CA/index" || fail "user$i is missing from the index: $(cat "$CA/index")"
	openssl verify -CAfile "$C" -purpose sslclient "$ISSUED/user$i.crt" >/dev/null ||
		fail "user$i.crt does not verify"
done

# ---- RSA ----
say "an RSA-3072 CA and certificates"
R=$WORK/rsa-ca
expect 0 "$CTL" ca init --dir "$R" --key-type rsa --name "RSA CA"
has "$R/ca.crt" 'Public-Key: \(3072 bit\)'
has "$R/ca.crt" 'sha256WithRSAEncryption'
expect 0 "$CTL" ca issue-server 192.0.2.7 --dir "$R" --key-type rsa
expect 0 "$CTL" ca issue-client dave --dir "$R"
[ -f "$R/issued/192.0.2.7.crt" ] || fail "issue-server for an IP: $(ls "$R/issued")"
has "$R/issued/192.0.2.7.crt" 'IP Address:192.0.2.7'
openssl verify -CAfile "$R/ca.crt" -purpose sslserver "$R/issued/192.0.2.7.crt" >/dev/null ||
	fail "RSA server cert does not verify"
openssl verify -CAfile "$R/ca.crt" -purpose sslclient "$R/issued/dave.crt" >/dev/null ||
	fail "EC client under the RSA CA does not verify"
