#!/usr/bin/env bash
# Revocation holds for every CRL layout admins use. A root CA and an
# intermediate, made with the openssl command line, each with its CRL; the
# crl key as one file with both CRLs (root's first, then the intermediate's
# first), as two files, and as a directory: each time a certificate revoked
# by the intermediate and one revoked by the root are refused, unrevoked
# ones (from either CA) connect, and --check-config lists both CRLs. A file
# with a garbage block appended stops the gateway at start, naming the CRL;
# on SIGHUP it is rejected and the CRLs in force before still apply. With
# crl_expired = refuse, an out-of-date intermediate CRL refuses new sessions.
. "$(dirname "$0")/lib.sh"

topo_init
add_laptop 1

# ---- the PKI, with openssl alone ----
P=$WORK/pki
mkdir -p "$P" "$CA" "$WORK/crl" "$WORK/crldir"
cat >"$P/ext.cnf" <<'CNF'
[inter]
basicConstraints = critical, CA:TRUE, pathlen:0
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
[server]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = serverAuth
subjectAltName = DNS:gw.test
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
[client]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = clientAuth
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
CNF
# db NAME: an openssl ca database for CA NAME ($P/NAME.crt, $P/NAME.key)
db() {
	local d=$P/db-$1
	mkdir -p "$d/new"
	: >"$d/index.txt"
	echo 1000 >"$d/serial"
	echo 01 >"$d/crlnumber"
	cat >"$d/ca.cnf" <<CNF
[ca]
default_ca = c
[c]
database = $d/index.txt
new_certs_dir = $d/new
serial = $d/serial
crlnumber = $d/crlnumber
certificate = $P/$1.crt
private_key = $P/$1.key
default_md = sha256
default_days = 30
default_crl_days = 7
policy = any
unique_subject = no
crl_extensions = crlext
[any]
commonName = supplied
[crlext]
authorityKeyIdentifier = keyid:always
CNF
}
ossl() { openssl "$@" >>"$WORK/ctl.log" 2>&1 || fail "openssl $*: $(tail -n 3 "$WORK/ctl.log")"; }
# issue CA NAME EXT: $P/NAME.key and a certificate $P/NAME.crt from CA
issue() {
	ossl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$P/$2.key" \
		-subj "/CN=$2" -out "$P/$2.csr"
	ossl ca -batch -config "$P/db-$1/ca.cnf" -extfile "$P/ext.cnf" -extensions "$3" \
		-in "$P/$2.csr" -out "$P/$2.crt"
	chmod 600 "$P/$2.key"
}
gencrl() { ossl ca -config "$P/db-$1/ca.cnf" -gencrl "${@:3}" -out "$2"; }

ossl req -x509 -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$P/root.key" \
	-subj "/CN=Layout Root CA" -days 30 -addext "basicConstraints=critical,CA:TRUE" \
	-addext "keyUsage=critical,keyCertSign,cRLSign" -out "$P/root.crt"
db root
issue root inter inter
db inter
issue root gw.test server
for who in good intrev; do issue inter "$who" client; done
for who in rootgood rootrev; do issue root "$who" client; done
ossl ca -config "$P/db-root/ca.cnf" -revoke "$P/rootrev.crt" -crl_reason keyCompromise
ossl ca -config "$P/db-inter/ca.cnf" -revoke "$P/intrev.crt" -crl_reason superseded
gencrl root "$P/root.crl.pem"
gencrl inter "$P/inter.crl.pem"
# Where the tests' helpers look: the bundle in ca/ca.crt (the gateway's ca
# must hold every issuing CA), the leaf and its chain in WORK.
cat "$P/root.crt" "$P/inter.crt" >"$CA/ca.crt"
cp "$P/gw.test.key" "$P/gw.test.crt" "$WORK/"
for who in good intrev rootgood rootrev; do
	cp "$P/$who.key" "$WORK/$who.key"
	cat "$P/$who.crt" >"$WORK/$who.crt"
done
cat "$P/inter.crt" >>"$WORK/good.crt"
cat "$P/inter.crt" >>"$WORK/intrev.crt"
say "PKI: root -> intermediate -> good, intrev; root -> rootgood, rootrev; one CRL per CA"

# refused WHO: WHO's client ends with status 1 and "certificate revoked".
refused() {
	write_client_ini 1 "$1"
	: >"$WORK/client1.log"
	run_client_to_end 1 15
	[ "$RUN_RC" -eq 1 ] && grep -q "certificate revoked" "$WORK/client1.log" ||
		fail "$2: $1 was not refused as revoked (status $RUN_RC)"
}
# admitted WHO: WHO's client gets a tunnel that carries traffic.
admitted() {
	write_client_ini 1 "$1"
	: >"$WORK/client1.log"
	start_client 1
	wait_for 15 tunnel_up 1 || fail "$2: $1 got no tunnel"
	stop_pid "${CLIENT_PID[1]}"
}
check_config() {
	"$B/mtlsvpn-server" -c "$WORK/server.ini" --check-config >"$WORK/check.log" 2>&1
}

layout() {
	local name=$1
	shift
	write_server_ini "$@"
	check_config || fail "$name: --check-config failed: $(tail -n 3 "$WORK/check.log")"
	grep -q 'CRL .* in force: 1 revoked, issuer "CN=Layout Root CA", number 01, ' \
		"$WORK/check.log" || fail "$name: --check-config does not list the root's CRL"
	grep -q 'CRL .* in force: 1 revoked, issuer "CN=inter", number 01, ' "$WORK/check.log" ||
		fail "$name: --check-config does not list the intermediate's CRL"
	: >"$WORK/gateway.log"
	start_gateway
	refused intrev "$name"
	refused rootrev "$name"
	admitted good "$name"
	admitted rootgood "$name"
	stop_pid "$GW_PID"
	say "$name: both revoked certificates refused, both good ones connect"
}

cat "$P/root.crl.pem" "$P/inter.crl.pem" >"$WORK/crl/root-inter.pem"
cat "$P/inter.crl.pem" "$P/root.crl.pem" >"$WORK/crl/inter-root.pem"
cp "$P/root.crl.pem" "$WORK/crl/root.pem"
cp "$P/inter.crl.pem" "$WORK/crl/inter.pem"
cp "$P/root.crl.pem" "$WORK/crldir/10-root.pem"
cp "$P/inter.crl.pem" "$WORK/crldir/20-inter.pem"
layout "one file, root then intermediate" "crl = crl/root-inter.pem"
layout "one file, intermediate then root" "crl = crl/inter-root.pem"
layout "two files" "crl = crl/root.pem, crl/inter.pem"
layout "a directory" "crl = crldir"
grep -q "CRL .*crldir/20-inter.pem in force: .*(CRL 1 of the file; directory read in" \
	"$WORK/check.log" ||
	fail "--check-config does not say where each CRL comes from"
ms=$(grep -o 'directory read in [0-9.]* ms' "$WORK/check.log" | head -n 1)
say "two CRLs from a directory: $ms"

# ---- a garbage block appended: refused at start, naming the CRL ----
{
	cat "$WORK/crl/root-inter.pem"
	printf -- '-----BEGIN X509 CRL-----\nZ2FyYmFnZSBnYXJiYWdl\n-----END X509 CRL-----\n'
} >"$WORK/crl/bad.pem"
write_server_ini "crl = crl/bad.pem"
if check_config; then fail "--check-config accepted a CRL file with a garbage block"; fi
grep -q "crl/bad.pem: CRL 3 of the file (line [0-9]*): not a DER" "$WORK/check.log" ||
	fail "--check-config does not name the bad CRL: $(cat "$WORK/check.log")"
set +e
timeout 10 ip netns exec "$G" "$B/mtlsvpn-server" -c "$WORK/server.ini" >"$WORK/start.log" 2>&1
rc=$?
set -e
[ "$rc" -ne 0 ] && [ "$rc" -ne 124 ] || fail "the gateway started (status $rc) with a garbage CRL block"
grep -q "CRL 3 of the file" "$WORK/start.log" || fail "the refusal at start does not name the CRL"
say "garbage block: refused at start ($(grep -o 'CRL 3 of the file[^:]*: [^:]*' "$WORK/start.log" | head -n 1))"

# ---- ... and on SIGHUP: the CRLs in force stay ----
cp "$WORK/crl/root-inter.pem" "$WORK/crl/live.pem"
write_server_ini "crl = crl/live.pem"
: >"$WORK/gateway.log"
start_gateway
cp "$WORK/crl/bad.pem" "$WORK/crl/live.tmp"
mv "$WORK/crl/live.tmp" "$WORK/crl/live.pem"
kill -HUP "$GW_PID"
wait_for 5 grep -q "reload: CRL .*crl/live.pem rejected: CRL 3 of the file" "$WORK/gateway.log" ||
	fail "SIGHUP did not reject the file with a garbage block loudly"
grep -q "the 2 CRL(s) in force from it stay" "$WORK/gateway.log" || fail "no word that the old CRLs stay"
refused intrev "after the rejected reload"
refused rootrev "after the rejected reload"
admitted good "after the rejected reload"
kill -0 "$GW_PID" || fail "the gateway died"
stop_pid "$GW_PID"
say "garbage block on SIGHUP: rejected, both CRLs in force before still apply"

# ---- crl_expired = refuse: per CRL ----
gencrl inter "$WORK/crl/inter-old.pem" -crl_lastupdate 20200101000000Z -crl_nextupdate 20200102000000Z
gencrl root "$WORK/crl/root-new.pem"
write_server_ini "crl = crl/root-new.pem, crl/inter-old.pem" "crl_expired = refuse"
: >"$WORK/gateway.log"
start_gateway
write_client_ini 1 rootgood
: >"$WORK/client1.log"
run_client_to_end 1 15
[ "$RUN_RC" -ne 0 ] && grep -q "revocation list is out of date" "$WORK/client1.log" ||
	fail "crl_expired = refuse: a new session was not refused with the intermediate's CRL expired"
grep -q 'CRL of "CN=inter" (.*inter-old.pem) expired at 2020-01-02T00:00:00Z (crl_expired = refuse)' \
	"$WORK/gateway.log" || fail "the gateway did not name the expired CRL"
stop_pid "$GW_PID"
say "crl_expired = refuse: the out-of-date intermediate CRL is named and new sessions are refused"
pass
